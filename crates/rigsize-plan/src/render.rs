//! Renderers: the Markdown decision report and a self-contained HTML file
//! made from it.

use rigsize_core::units::{format_tokens, to_gib};

use crate::report::{Candidate, PlanReport, Verdict};

fn esc_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn chf(x: f64) -> String {
    let n = x.round() as i64;
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).rem_euclid(3) == 0 {
            out.push('\'');
        }
        out.push(c);
    }
    format!("CHF {}{out}", if n < 0 { "-" } else { "" })
}

fn mark(v: Verdict) -> &'static str {
    match v {
        Verdict::MeetsTarget => "✅ meets target",
        Verdict::MeetsMinimum => "🟡 meets minimum",
        Verdict::Fails => "❌ fails",
        Verdict::NotRequired => "–",
    }
}

/// The memory tree of one candidate, like seed 000's Scenarios A–D.
pub fn memory_tree(c: &Candidate) -> String {
    let mut s = String::new();
    for d in &c.memory.devices {
        s.push_str(&format!(
            "Device {} — {} ({:.0} GiB, {:.1} GiB usable)\n",
            d.index,
            d.device,
            to_gib(d.memory_bytes),
            to_gib(d.available_bytes)
        ));
        for p in &d.parts {
            s.push_str(&format!(
                "├── {:<70} {:>7.1} GiB\n",
                p.label,
                to_gib(p.bytes)
            ));
        }
        let free = d.available_bytes as i64 - d.used_bytes as i64;
        s.push_str(&format!(
            "└── Total: {:.1} GiB of {:.1} GiB — {}\n",
            to_gib(d.used_bytes),
            to_gib(d.available_bytes),
            if !c.memory.fits {
                "does not fit".to_string()
            } else {
                format!("{:.1} GiB free", free as f64 / (1u64 << 30) as f64)
            }
        ));
    }
    s
}

fn candidate_detail(c: &Candidate, s: &mut String) {
    s.push_str(&format!(
        "**{}** — {} · {} · noise {} (≈ {:.1} dBA at 1 m, estimate) · {:.0} W at the wall (DC peak {:.0} W) · engine {}\n\n",
        chf(c.total_price_chf),
        if c.qualifies {
            "qualifies"
        } else {
            "does not qualify"
        },
        c.platform.name(),
        c.noise.name(),
        c.noise_dba,
        c.wall_power_w,
        c.peak_power_w,
        c.engine
    ));
    s.push_str("| role | model | quant | streams × context | tok/s per stream | target | minimum | verdict |\n|---|---|---|---|---:|---:|---:|---|\n");
    for r in &c.roles {
        s.push_str(&format!(
            "| {} | {}{} | {} | {} × {} | {:.1} | {} | {} | {} |\n",
            r.role,
            r.model,
            if r.shares_weights_with.is_empty() {
                String::new()
            } else {
                format!(" (shared with {})", r.shares_weights_with.join(", "))
            },
            r.quant,
            r.streams,
            format_tokens(r.context),
            r.tok_s_per_stream,
            r.target.map(|x| x.to_string()).unwrap_or("–".into()),
            r.minimum.map(|x| x.to_string()).unwrap_or("–".into()),
            mark(r.verdict)
        ));
    }
    s.push_str("\n| requirement | value | target | minimum | verdict |\n|---|---|---|---|---|\n");
    for k in &c.checks {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {}{} |\n",
            esc_cell(&k.requirement),
            esc_cell(&k.value),
            esc_cell(&k.target),
            esc_cell(&k.minimum),
            mark(k.verdict),
            k.shortfall
                .as_ref()
                .map(|x| format!(": {}", esc_cell(x)))
                .unwrap_or_default()
        ));
    }
    s.push_str("\nMemory per device:\n\n```text\n");
    s.push_str(&memory_tree(c));
    s.push_str("```\n\nBill of materials:\n\n| kind | part | qty | unit CHF | CHF | source | date | link |\n|---|---|---:|---:|---:|---|---|---|\n");
    for p in &c.components {
        s.push_str(&format!(
            "| {} | {} | {} | {:.2} | {:.2} | {} | {} | {} |\n",
            p.kind,
            esc_cell(&p.name),
            p.quantity,
            p.unit_price_chf,
            p.price_chf,
            esc_cell(&p.price_source),
            p.price_date,
            p.url
                .as_ref()
                .map(|u| format!("[link]({u})"))
                .unwrap_or("–".into())
        ));
    }
    s.push_str(&format!(
        "| | **Total** | | | **{:.2}** | | | |\n\n",
        c.total_price_chf
    ));
    if !c.flags.is_empty() {
        s.push_str("Flags:\n\n");
        for f in &c.flags {
            s.push_str(&format!("- ⚠️ {f}\n"));
        }
        s.push('\n');
    }
}

/// The Markdown decision report. `detail` = how many candidates get a full
/// section (the top pick is always one).
pub fn to_markdown(r: &PlanReport, detail: usize) -> String {
    let mut s = format!("# {}\n\n", r.title);
    s.push_str(&format!(
        "{} candidate builds evaluated, {} meet every minimum within the CHF {:.0} budget. Prices: offline snapshot of {} (not live).\n\n",
        r.candidates_evaluated,
        r.candidates_qualifying,
        r.budget_max_chf,
        r.price_snapshot_date
    ));
    s.push_str("## Top pick\n\n");
    match &r.top_pick {
        Some(t) => {
            s.push_str(&format!("**{}**\n\n", t.name));
            for w in &t.why {
                s.push_str(&format!("- {w}\n"));
            }
            s.push('\n');
        }
        None => s.push_str("No candidate meets every minimum within budget.\n\n"),
    }
    if let Some(c) = &r.closest {
        s.push_str(&format!("### Closest: {}\n\nFails:\n\n", c.name));
        for f in &c.fails {
            s.push_str(&format!("- {f}\n"));
        }
        s.push_str("\nWhat it would take:\n\n");
        for f in &c.what_it_would_take {
            s.push_str(&format!("- {f}\n"));
        }
        s.push('\n');
    }
    s.push_str("## Ranking\n\n| # | build | CHF | within budget | meets minimums | main tok/s | memory (GiB usable) | headroom GiB | noise (dBA) | wall W | Pareto |\n|---:|---|---:|---|---|---:|---:|---:|---|---:|---|\n");
    for (i, c) in r.candidates.iter().enumerate() {
        s.push_str(&format!(
            "| {} | {} | {:.0} | {} | {} | {:.1} | {:.0} | {:.1} | {} ({:.0}) | {:.0} | {} |\n",
            i + 1,
            esc_cell(&c.name),
            c.total_price_chf,
            if c.within_budget { "yes" } else { "no" },
            if c.meets_all_minimums { "yes" } else { "no" },
            c.main_speed(),
            to_gib(c.memory.available_bytes),
            c.memory.headroom_bytes as f64 / (1u64 << 30) as f64,
            c.noise.name(),
            c.noise_dba,
            c.wall_power_w,
            if c.on_pareto_front { "★" } else { "" }
        ));
    }
    s.push('\n');
    if !r.near_misses.is_empty() {
        s.push_str(
            "## Near misses\n\n| build | CHF | the one thing that fails |\n|---|---:|---|\n",
        );
        for n in &r.near_misses {
            s.push_str(&format!(
                "| {} | {:.0} | {} |\n",
                esc_cell(&n.name),
                n.total_price_chf,
                esc_cell(&n.fails)
            ));
        }
        s.push('\n');
    }
    s.push_str("## Builds in detail\n\n");
    let mut shown = 0;
    for c in &r.candidates {
        let is_top = r.top_pick.as_ref().is_some_and(|t| t.name == c.name);
        if shown >= detail.max(1) && !is_top {
            continue;
        }
        shown += 1;
        s.push_str(&format!(
            "### {}{}\n\n",
            c.name,
            if is_top { " (top pick)" } else { "" }
        ));
        candidate_detail(c, &mut s);
    }
    s.push_str("## Quality reality check\n\n");
    s.push_str(&format!("{}\n\n", r.quality.summary));
    s.push_str("| | model | score | source |\n|---|---|---:|---|\n");
    for (label, q) in [
        ("planned (main agent)", &r.quality.planned),
        ("best open", &r.quality.best_open),
        ("best closed", &r.quality.best_closed),
    ] {
        if let Some(q) = q {
            s.push_str(&format!(
                "| {label} | {} | {} | {} |\n",
                q.model,
                if q.score_pct >= 0.0 {
                    format!("{:.1}%", q.score_pct)
                } else {
                    "–".into()
                },
                esc_cell(&q.source)
            ));
        }
    }
    s.push('\n');
    if !r.commands.is_empty() {
        s.push_str("## Engine commands for the top pick\n\n");
        for c in &r.commands {
            s.push_str(&format!(
                "{} — {}:\n\n```sh\n{}\n```\n\n",
                c.engine, c.purpose, c.command
            ));
        }
    }
    if !r.flags.is_empty() {
        s.push_str("## Traps\n\n");
        for f in &r.flags {
            s.push_str(&format!("- ⚠️ {f}\n"));
        }
        s.push('\n');
    }
    if !r.not_considered.is_empty() {
        s.push_str("## Not considered\n\n");
        for f in &r.not_considered {
            s.push_str(&format!("- {f}\n"));
        }
        s.push('\n');
    }
    s.push_str("## Assumptions\n\n");
    for a in &r.assumptions {
        s.push_str(&format!("- {a}\n"));
    }
    s
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn inline(s: &str) -> String {
    // **bold**, `code`, [text](url) on escaped text.
    let mut t = html_escape(s);
    while let (Some(a), true) = (t.find("**"), t.matches("**").count() >= 2) {
        let b = t[a + 2..].find("**").map(|x| x + a + 2).unwrap_or(a);
        t = format!(
            "{}<strong>{}</strong>{}",
            &t[..a],
            &t[a + 2..b],
            &t[b + 2..]
        );
    }
    while let Some(a) = t.find('`') {
        let Some(b) = t[a + 1..].find('`').map(|x| x + a + 1) else {
            break;
        };
        t = format!("{}<code>{}</code>{}", &t[..a], &t[a + 1..b], &t[b + 1..]);
    }
    while let Some(a) = t.find("](") {
        let Some(open) = t[..a].rfind('[') else { break };
        let Some(close) = t[a..].find(')').map(|x| x + a) else {
            break;
        };
        let text = t[open + 1..a].to_string();
        let url = t[a + 2..close].to_string();
        t = format!(
            "{}<a href=\"{url}\">{text}</a>{}",
            &t[..open],
            &t[close + 1..]
        );
    }
    t
}

/// One self-contained HTML file (inline CSS, no scripts, no external assets).
pub fn to_html(r: &PlanReport, detail: usize) -> String {
    let md = to_markdown(r, detail);
    let mut body = String::new();
    let mut lines = md.lines().peekable();
    while let Some(l) = lines.next() {
        if let Some(h) = l.strip_prefix("### ") {
            body.push_str(&format!("<h3>{}</h3>\n", inline(h)));
        } else if let Some(h) = l.strip_prefix("## ") {
            body.push_str(&format!("<h2>{}</h2>\n", inline(h)));
        } else if let Some(h) = l.strip_prefix("# ") {
            body.push_str(&format!("<h1>{}</h1>\n", inline(h)));
        } else if l.starts_with("```") {
            body.push_str("<pre>");
            for c in lines.by_ref() {
                if c.starts_with("```") {
                    break;
                }
                body.push_str(&html_escape(c));
                body.push('\n');
            }
            body.push_str("</pre>\n");
        } else if l.starts_with('|') {
            let mut rows = vec![l.to_string()];
            while let Some(n) = lines.peek() {
                if n.starts_with('|') {
                    rows.push(lines.next().unwrap_or_default().to_string());
                } else {
                    break;
                }
            }
            body.push_str("<table>\n");
            for (i, row) in rows.iter().enumerate() {
                if i == 1 && row.contains("---") {
                    continue;
                }
                let cells = split_row(row);
                let tag = if i == 0 { "th" } else { "td" };
                body.push_str("<tr>");
                for c in cells {
                    body.push_str(&format!("<{tag}>{}</{tag}>", inline(&c)));
                }
                body.push_str("</tr>\n");
            }
            body.push_str("</table>\n");
        } else if let Some(item) = l.strip_prefix("- ") {
            body.push_str("<ul>\n");
            body.push_str(&format!("<li>{}</li>\n", inline(item)));
            while let Some(n) = lines.peek() {
                if let Some(i) = n.strip_prefix("- ") {
                    body.push_str(&format!("<li>{}</li>\n", inline(i)));
                    lines.next();
                } else {
                    break;
                }
            }
            body.push_str("</ul>\n");
        } else if !l.trim().is_empty() {
            body.push_str(&format!("<p>{}</p>\n", inline(l)));
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\nbody{{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}}\ntable{{border-collapse:collapse;margin:1em 0;font-size:0.9em}}\nth,td{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}\nth{{background:#f3f3f3}}\npre{{background:#f6f8fa;padding:1em;overflow-x:auto}}\ncode{{background:#f6f8fa;padding:0 3px}}\nh2{{border-bottom:1px solid #ddd;padding-bottom:4px}}\n</style>\n</head>\n<body>\n{}</body>\n</html>\n",
        html_escape(&r.title),
        body
    )
}

fn split_row(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&'|') {
            cur.push('|');
            chars.next();
        } else if c == '|' {
            cells.push(cur.trim().to_string());
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    cells.push(cur.trim().to_string());
    cells
}
