//! One build in full: roles, checks, memory per device, serving, upgrade
//! path, bill of materials and flags.

use rigsize_core::units::{format_tokens, to_gib};

use super::{chf, esc_cell, mark, memory_tree};
use crate::report::{Candidate, KvChoice, UpgradePath};

pub(super) fn candidate_detail(c: &Candidate, s: &mut String) {
    s.push_str(&format!(
        "**{}** — {} · {} · noise {} (≈ {:.1} dBA at 1 m, estimate) · {:.0} W at the wall (DC peak {:.0} W) · engine {}{}\n\n",
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
        c.engine,
        c.backend
            .map(|b| format!(" ({} build)", b.name()))
            .unwrap_or_default()
    ));
    role_table(c, s);
    check_table(c, s);
    s.push_str(&format!("\nServing: {}.\n", c.serving));
    s.push_str(&format!(
        "\nKV cache: {} ({}). One model of up to {:.0} GB fits {}.\n",
        c.memory.kv_type.name(),
        match c.memory.kv_choice {
            KvChoice::Default => "f16 fits and keeps every minimum",
            KvChoice::ToFit => "quantized to fit",
            KvChoice::ForSpeed => "quantized for speed: f16 fits but misses a speed minimum",
        },
        to_gib(c.memory.largest_model_bytes),
        c.memory.largest_model_span.describe(c.device_count)
    ));
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
    if let Some(u) = &c.upgrade {
        upgrade(u, s);
    }
    if !c.flags.is_empty() {
        s.push_str("Flags:\n\n");
        for f in &c.flags {
            s.push_str(&format!("- ⚠️ {f}\n"));
        }
        s.push('\n');
    }
}

fn upgrade(u: &UpgradePath, s: &mut String) {
    s.push_str(&format!(
        "Upgrade path — stage 2: **{}** (CHF {:.0} in all). Stage 1 as above: {}; bought ready for stage 2: {}. Stage 2 costs {} from the ready build, {} from the bare one.\n\n",
        u.stage2_build,
        u.stage2_total_chf,
        chf(u.stage1_bare_chf),
        chf(u.stage1_ready_chf),
        chf(u.stage2_cost_chf),
        chf(u.stage2_cost_from_bare_chf)
    ));
    if u.ready {
        s.push_str("- the platform takes the second card as built\n");
    }
    for c in &u.changes {
        s.push_str(&format!("- the bare build swaps {c}\n"));
    }
    for x in &u.unlocks {
        s.push_str(&format!("- {x}\n"));
    }
    s.push('\n');
}

fn role_table(c: &Candidate, s: &mut String) {
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
}

fn check_table(c: &Candidate, s: &mut String) {
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
}
