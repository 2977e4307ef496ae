//! Renderers: the Markdown decision report and a self-contained HTML file
//! made from it.

use rigsize_core::units::to_gib;

use crate::report::{Candidate, PlanReport, Verdict};

mod detail;
mod html;
mod sections;

pub use html::to_html;

pub(crate) fn esc_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub(crate) fn chf(x: f64) -> String {
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

pub(crate) fn mark(v: Verdict) -> &'static str {
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
            "Device {} — {} ({:.0} GiB, {:.1} GiB usable){}\n",
            d.index,
            d.device,
            to_gib(d.memory_bytes),
            to_gib(d.available_bytes),
            if d.roles.is_empty() {
                String::new()
            } else {
                format!(" — holds {}, {:.0}% used", d.roles.join(" + "), d.used_pct)
            }
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

/// The Markdown decision report. `detail` = how many candidates get a full
/// section (the top pick is always one).
pub fn to_markdown(r: &PlanReport, detail: usize) -> String {
    let mut s = format!("# {}\n\n", r.title);
    s.push_str(&format!(
        "Prices: offline snapshot of {}{} (not live). {} candidate builds evaluated, {} meet every minimum within the CHF {:.0} budget.\n\n",
        r.price_snapshot_date,
        r.price_snapshot_age_days
            .map(|d| format!(", {d} days old"))
            .unwrap_or_default(),
        r.candidates_evaluated,
        r.candidates_qualifying,
        r.budget_max_chf,
    ));
    sections::top_pick(r, &mut s);
    sections::ranking(r, &mut s);
    sections::near_misses(r, &mut s);
    sections::models_out(r, &mut s);
    sections::not_recommended(r, &mut s);
    sections::set_aside(r, &mut s);
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
        detail::candidate_detail(c, &mut s);
    }
    sections::quality(r, &mut s);
    sections::tail(r, &mut s);
    s
}
