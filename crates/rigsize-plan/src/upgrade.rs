//! The upgrade path (issue 10, item 3): for each single-GPU PC build, stage
//! 2 adds a second identical card. Is the platform ready for it, what does
//! stage 2 cost from a bare and from a ready stage 1, and what does it gain.

use rigsize_core::units::to_gib;

use crate::report::{Candidate, CheckKind, UpgradePath, Verdict};

/// Parts whose choice depends on the GPU count: a bare stage 1 may have to
/// swap them for stage 2.
const PLATFORM_KINDS: [&str; 6] = ["cpu", "motherboard", "psu", "case", "ram", "cooler"];

/// Stage 2 of `one` (a single-GPU PC build) as the two-card build `two`.
pub(crate) fn upgrade_path(one: &Candidate, two: &Candidate) -> UpgradePath {
    let card = one.components.first().map_or(0.0, |g| g.unit_price_chf);
    let mut changes = Vec::new();
    let mut swapped = 0.0;
    for kind in PLATFORM_KINDS {
        let a = one.components.iter().find(|c| c.kind == kind);
        let b = two.components.iter().find(|c| c.kind == kind);
        if let (Some(a), Some(b)) = (a, b) {
            if a.item_id != b.item_id || a.quantity != b.quantity {
                changes.push(format!(
                    "{kind}: {} × {} → {} × {} (CHF {:.0})",
                    a.quantity, a.name, b.quantity, b.name, b.price_chf
                ));
                swapped += b.price_chf;
            }
        }
    }
    let ready_chf = two.total_price_chf - card;
    UpgradePath {
        stage2_build: two.name.clone(),
        ready: changes.is_empty(),
        changes,
        stage1_bare_chf: one.total_price_chf,
        stage1_ready_chf: round0(ready_chf.max(one.total_price_chf)),
        stage2_cost_chf: round0(card),
        stage2_cost_from_bare_chf: round0(card + swapped),
        stage2_total_chf: two.total_price_chf,
        stage2_meets_all_minimums: two.meets_all_minimums,
        unlocks: unlocks(one, two),
    }
}

fn round0(x: f64) -> f64 {
    x.round()
}

/// What stage 2 gains over stage 1, with the numbers.
fn unlocks(one: &Candidate, two: &Candidate) -> Vec<String> {
    let mut u = vec![format!(
        "one model of up to {:.0} GB ({}) instead of {:.0} GB",
        to_gib(two.memory.largest_model_bytes),
        two.memory.largest_model_span.describe(two.device_count),
        to_gib(one.memory.largest_model_bytes)
    )];
    if let (Some(a), Some(b)) = (one.main_role(), two.main_role()) {
        if a.model != b.model {
            u.push(format!(
                "main agent on {} ({}) instead of {} ({}), {:.1} tok/s per stream",
                b.model,
                pct(b.quality_pct),
                a.model,
                pct(a.quality_pct),
                b.tok_s_per_stream
            ));
        } else {
            u.push(format!(
                "main agent {} at {:.1} tok/s per stream (stage 1: {:.1}): the second card takes the other roles' load",
                b.model, b.tok_s_per_stream, a.tok_s_per_stream
            ));
        }
    }
    let streams = |c: &Candidate| {
        c.checks
            .iter()
            .find(|k| k.kind == CheckKind::Concurrency)
            .map(|k| (k.value.clone(), k.verdict))
    };
    if let (Some((_, va)), Some((vb, Verdict::MeetsTarget))) = (streams(one), streams(two)) {
        if va != Verdict::MeetsTarget {
            u.push(format!("concurrency target: {vb}"));
        }
    }
    for f in two
        .failures()
        .iter()
        .filter(|f| f.kind != CheckKind::Budget)
    {
        u.push(format!(
            "stage 2 misses a minimum: {}: {}",
            f.requirement,
            f.shortfall.clone().unwrap_or_else(|| f.value.clone())
        ));
    }
    if let Some(p) = two.checks.iter().find(|k| k.kind == CheckKind::Power) {
        u.push(format!(
            "power at stage 2: {} ({})",
            p.value,
            if p.verdict.ok() {
                "within the outlet"
            } else {
                "above the outlet"
            }
        ));
    }
    u
}

fn pct(q: Option<f64>) -> String {
    q.map_or("no score".into(), |q| format!("{q:.1}%"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rank::tests::cand;
    use crate::report::Component;

    fn part(kind: &str, id: &str, price: f64, qty: u32) -> Component {
        Component {
            kind: kind.into(),
            name: id.into(),
            item_id: id.into(),
            quantity: qty,
            unit_price_chf: price,
            price_chf: price * qty as f64,
            price_source: String::new(),
            price_date: String::new(),
            url: None,
            condition: "new".into(),
            estimate: false,
            why: String::new(),
        }
    }

    #[test]
    fn a_bigger_psu_makes_stage_one_not_ready_and_is_priced_both_ways() {
        let mut one = cand("1x", 8000.0 + 300.0, 80.0, 0);
        one.components = vec![
            part("gpu", "card", 8000.0, 1),
            part("psu", "psu-1000", 300.0, 1),
        ];
        let mut two = cand("2x", 16000.0 + 500.0, 85.0, 0);
        two.device_count = 2;
        two.components = vec![
            part("gpu", "card", 8000.0, 2),
            part("psu", "psu-1600", 500.0, 1),
        ];
        let u = upgrade_path(&one, &two);
        assert!(!u.ready);
        assert_eq!(u.changes.len(), 1);
        assert_eq!(u.stage1_bare_chf, 8300.0);
        assert_eq!(u.stage1_ready_chf, 8500.0, "stage 1 with stage 2's PSU");
        assert_eq!(u.stage2_cost_chf, 8000.0);
        assert_eq!(u.stage2_cost_from_bare_chf, 8500.0);
    }

    #[test]
    fn the_same_platform_is_ready() {
        let mut one = cand("1x", 8300.0, 80.0, 0);
        one.components = vec![
            part("gpu", "card", 8000.0, 1),
            part("psu", "psu-1600", 300.0, 1),
        ];
        let mut two = cand("2x", 16300.0, 85.0, 0);
        two.components = vec![
            part("gpu", "card", 8000.0, 2),
            part("psu", "psu-1600", 300.0, 1),
        ];
        let u = upgrade_path(&one, &two);
        assert!(u.ready && u.changes.is_empty());
        assert_eq!(u.stage1_ready_chf, u.stage1_bare_chf);
    }
}
