//! The report's sections around the builds in detail.

use rigsize_core::units::to_gib;

use super::esc_cell;
use crate::report::{PlanReport, SetAsideKind};

pub(super) fn top_pick(r: &PlanReport, s: &mut String) {
    s.push_str("## Top pick\n\n");
    match &r.top_pick {
        Some(t) => {
            s.push_str(&format!("**{}**\n\n", t.name));
            if !t.decided_by.is_empty() {
                s.push_str(&format!("**Why:** {}.\n\n", t.decided_by));
            }
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
}

/// One row per build; the main agent's model is named beside its speed, so
/// rows on different models are not compared as if they were one.
pub(super) fn ranking(r: &PlanReport, s: &mut String) {
    s.push_str("## Ranking\n\n| # | build | CHF | within budget | meets minimums | main agent: model @ tok/s | one model, GB | headroom GiB | noise | peak W | Pareto |\n|---:|---|---:|---|---|---|---:|---:|---|---:|---|\n");
    for (i, c) in r.candidates.iter().enumerate() {
        let main = c
            .main_role()
            .map(|m| format!("{} @ {:.1}", m.model, m.tok_s_per_stream))
            .unwrap_or_default();
        s.push_str(&format!(
            "| {} | {} | {:.0} | {} | {} | {} | {:.0} | {:.1} | {} | {:.0} | {} |\n",
            i + 1,
            esc_cell(&c.name),
            c.total_price_chf,
            if c.within_budget { "yes" } else { "no" },
            if c.meets_all_minimums { "yes" } else { "no" },
            esc_cell(&main),
            to_gib(c.memory.largest_model_bytes),
            c.memory.headroom_bytes as f64 / (1u64 << 30) as f64,
            c.noise.name(),
            c.peak_power_w,
            if c.on_pareto_front { "★" } else { "" }
        ));
    }
    s.push('\n');
}

pub(super) fn near_misses(r: &PlanReport, s: &mut String) {
    if r.near_misses.is_empty() {
        return;
    }
    s.push_str("## Near misses\n\n| build | CHF | the one thing that fails |\n|---|---:|---|\n");
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

pub(super) fn models_out(r: &PlanReport, s: &mut String) {
    if r.models_out.is_empty() {
        return;
    }
    s.push_str("## Models not in the plan, and what they would take\n\n");
    for m in &r.models_out {
        s.push_str(&format!(
            "- **{}** ({}{}): out because {}. What it would take: {}.\n",
            m.model,
            m.role,
            if m.named { ", named by the buyer" } else { "" },
            m.reason,
            m.what_it_would_take
        ));
    }
    s.push('\n');
}

pub(super) fn not_recommended(r: &PlanReport, s: &mut String) {
    if r.not_recommended.is_empty() {
        return;
    }
    s.push_str("## Not recommended, and why\n\n");
    for n in &r.not_recommended {
        let build = match (&n.build, n.total_price_chf) {
            (Some(b), Some(p)) => format!(" — as planned: {b}, CHF {p:.0}"),
            _ => String::new(),
        };
        s.push_str(&format!(
            "- **{}**{build}: {}.\n",
            n.family,
            n.reasons.join("; ")
        ));
    }
    s.push('\n');
}

/// Set-aside builds listed one by one (the cheapest); the rest are counted.
const SET_ASIDE_SHOWN: usize = 12;

/// Builds left out because a device earns no place; the ones that cannot
/// hold the models at all in one line.
pub(super) fn set_aside(r: &PlanReport, s: &mut String) {
    if r.set_aside.is_empty() {
        return;
    }
    s.push_str("## Set aside: a device that earns no place\n\n");
    let mut surplus: Vec<_> = r
        .set_aside
        .iter()
        .filter(|a| a.kind != SetAsideKind::TooSmall)
        .collect();
    surplus.sort_by(|a, b| a.total_price_chf.total_cmp(&b.total_price_chf));
    for a in surplus.iter().take(SET_ASIDE_SHOWN) {
        s.push_str(&format!(
            "- {} (CHF {:.0}): {}\n",
            a.name, a.total_price_chf, a.reason
        ));
    }
    if surplus.len() > SET_ASIDE_SHOWN {
        s.push_str(&format!(
            "- and {} dearer builds for the same reasons (all in `--json`, field `set_aside`)\n",
            surplus.len() - SET_ASIDE_SHOWN
        ));
    }
    let small: Vec<&str> = r
        .set_aside
        .iter()
        .filter(|a| a.kind == SetAsideKind::TooSmall)
        .map(|a| a.name.as_str())
        .collect();
    if !small.is_empty() {
        s.push_str(&format!(
            "- {} builds cannot hold the planned models at all: {}\n",
            small.len(),
            small.join(", ")
        ));
    }
    s.push('\n');
}

pub(super) fn quality(r: &PlanReport, s: &mut String) {
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
}

/// Engine commands, traps, what was not considered, assumptions.
pub(super) fn tail(r: &PlanReport, s: &mut String) {
    if !r.commands.is_empty() {
        s.push_str("## Engine commands for the top pick\n\n");
        for c in &r.commands {
            s.push_str(&format!(
                "{} — {}:\n\n```sh\n{}\n```\n\n",
                c.engine, c.purpose, c.command
            ));
        }
    }
    list(s, "Traps", &r.flags, "⚠️ ");
    if !r.not_considered.is_empty() || !r.unpriced.is_empty() {
        s.push_str("## Not considered\n\n");
        for f in &r.not_considered {
            s.push_str(&format!("- {f}\n"));
        }
        if !r.unpriced.is_empty() {
            s.push_str(&format!(
                "- no price in the snapshot ({}): {}\n",
                r.unpriced.len(),
                r.unpriced.join(", ")
            ));
        }
        s.push('\n');
    }
    list(s, "Assumptions", &r.assumptions, "");
}

fn list(s: &mut String, title: &str, items: &[String], mark: &str) {
    if items.is_empty() {
        return;
    }
    s.push_str(&format!("## {title}\n\n"));
    for f in items {
        s.push_str(&format!("- {mark}{f}\n"));
    }
    s.push('\n');
}
