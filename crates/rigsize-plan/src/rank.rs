//! Rank stage: the Pareto front among qualifying builds, the order of the
//! ranking, and the near misses.

use crate::report::{Candidate, NearMiss};
use crate::requirements::Requirements;

/// Near misses listed (one failing check each), cheapest first.
const MAX_NEAR_MISSES: usize = 8;

/// `a` is at least as good as `b` on price, main-agent speed, main-model
/// quality and requirements met at their target, and better on one of them
/// (issue 10: rank on price, speed, quality and targets met). Memory headroom is no axis: spare
/// memory no planned model uses is not worth paying for (it breaks ties).
pub(crate) fn dominates(a: &Candidate, b: &Candidate) -> bool {
    let ge = a.total_price_chf <= b.total_price_chf
        && a.main_speed() >= b.main_speed()
        && a.main_quality() >= b.main_quality()
        && a.targets_met >= b.targets_met;
    let gt = a.total_price_chf < b.total_price_chf
        || a.main_speed() > b.main_speed()
        || a.main_quality() > b.main_quality()
        || a.targets_met > b.targets_met;
    ge && gt
}

/// The build supports the buyer's planned upgrade: the requirements ask for a
/// second card later, and this build's stage 2 still meets every minimum.
pub(crate) fn upgrade_fit(c: &Candidate, req: &Requirements) -> bool {
    req.upgrade.as_ref().is_some_and(|u| u.second_card)
        && c.upgrade
            .as_ref()
            .is_some_and(|u| u.stage2_meets_all_minimums)
}

/// Marks the Pareto front and sorts: qualifying first, builds on fallback
/// platforms after the others, then (when the
/// requirements plan a second card) the builds whose stage 2 keeps every
/// minimum, the front, the preferred platforms, targets met, fewest
/// failures, price, and headroom as the last tie-break. Returns where each
/// build came from: `result[i]` = its position before the sort.
pub(crate) fn rank(cands: &mut Vec<Candidate>, req: &Requirements) -> Vec<usize> {
    let fallback = |c: &Candidate| req.platform.fallback.contains(&c.platform);
    let q: Vec<usize> = (0..cands.len()).filter(|&i| cands[i].qualifies).collect();
    for &i in &q {
        let dominated = q.iter().any(|&j| {
            j != i && fallback(&cands[j]) == fallback(&cands[i]) && dominates(&cands[j], &cands[i])
        });
        cands[i].on_pareto_front = !dominated;
    }
    let preferred = |c: &Candidate| req.platform.preferred.contains(&c.platform);
    let fails: Vec<usize> = cands.iter().map(|c| c.failures().len()).collect();
    let mut order: Vec<usize> = (0..cands.len()).collect();
    // Stable, as a sort of the builds themselves would be.
    order.sort_by(|&i, &j| {
        let (a, b) = (&cands[i], &cands[j]);
        b.qualifies
            .cmp(&a.qualifies)
            .then(fallback(a).cmp(&fallback(b)))
            .then(upgrade_fit(b, req).cmp(&upgrade_fit(a, req)))
            .then(b.on_pareto_front.cmp(&a.on_pareto_front))
            .then(preferred(b).cmp(&preferred(a)))
            .then(b.targets_met.cmp(&a.targets_met))
            .then(fails[i].cmp(&fails[j]))
            .then(a.total_price_chf.total_cmp(&b.total_price_chf))
            .then(b.memory.headroom_bytes.cmp(&a.memory.headroom_bytes))
    });
    let mut slots: Vec<Option<Candidate>> = cands.drain(..).map(Some).collect();
    cands.extend(order.iter().filter_map(|&i| slots[i].take()));
    order
}

/// Builds that fail exactly one check, cheapest first.
pub(crate) fn near_misses(cands: &[Candidate]) -> Vec<NearMiss> {
    let mut near: Vec<NearMiss> = cands
        .iter()
        .filter(|c| !c.qualifies && c.failures().len() == 1)
        .map(|c| {
            let f = c.failures()[0];
            NearMiss {
                name: c.name.clone(),
                total_price_chf: c.total_price_chf,
                fails: format!(
                    "{}: {}",
                    f.requirement,
                    f.shortfall.clone().unwrap_or_else(|| f.value.clone())
                ),
            }
        })
        .collect();
    near.sort_by(|a, b| a.total_price_chf.total_cmp(&b.total_price_chf));
    near.truncate(MAX_NEAR_MISSES);
    near
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::*;
    use crate::requirements::{Noise, Platform, RoleKind};

    /// A minimal candidate for ranking tests.
    pub(crate) fn cand(name: &str, price: f64, speed: f64, headroom: i64) -> Candidate {
        Candidate {
            backend: None,
            name: name.into(),
            platform: Platform::Nvidia,
            hardware_id: name.into(),
            device_count: 1,
            total_price_chf: price,
            within_budget: true,
            meets_all_minimums: true,
            qualifies: true,
            on_pareto_front: false,
            targets_met: 0,
            components: vec![],
            roles: vec![RoleResult {
                role: "main".into(),
                kind: RoleKind::Main,
                model: "m".into(),
                model_name: "M".into(),
                quant: "q4_k_m".into(),
                context: 1000,
                streams: 1,
                tok_s_per_stream: speed,
                target: None,
                minimum: None,
                verdict: Verdict::NotRequired,
                prefill_tok_s: 0.0,
                ttft_s: 0.0,
                model_native_context: 1000,
                model_max_context: 1000,
                quality_pct: None,
                devices: vec![0],
                shares_weights_with: vec![],
            }],
            servers: vec![],
            serving: String::new(),
            memory: MemorySummary {
                required_bytes: 0,
                available_bytes: headroom.max(0) as u64,
                physical_bytes: headroom.max(0) as u64,
                headroom_bytes: headroom,
                headroom_pct: 0.0,
                largest_model_bytes: 0,
                largest_model_span: ModelSpan::OneDevice,
                largest_device_bytes: 0,
                fits: true,
                kv_type: rigsize_core::dtype::KvType::F16,
                kv_choice: KvChoice::Default,
                devices: vec![],
            },
            checks: vec![],
            noise: Noise::Quiet,
            noise_dba: 38.0,
            peak_power_w: 500.0,
            wall_power_w: 560.0,
            engine: rigsize_core::engine::Engine::LlamaCpp,
            wired_limit_mb: None,
            link: None,
            flags: vec![],
            upgrade: None,
        }
    }

    fn req() -> Requirements {
        Requirements::from_toml(
            "[[role]]\nname = \"main\"\nmodels = [\"qwen3-32b\"]\ncontext = 1000\n[budget]\nmax_chf = 9000\n",
            "t.toml",
        )
        .unwrap()
    }

    #[test]
    fn cheaper_and_faster_dominates() {
        let a = cand("a", 1000.0, 50.0, 10);
        let b = cand("b", 2000.0, 40.0, 10);
        assert!(dominates(&a, &b));
        assert!(!dominates(&b, &a));
        assert!(!dominates(&a, &a), "nothing dominates itself");
    }

    #[test]
    fn headroom_is_no_pareto_axis_but_breaks_ties() {
        let small = cand("small", 1000.0, 50.0, 1 << 30);
        let huge = cand("huge", 1000.0, 50.0, 400 << 30);
        assert!(!dominates(&huge, &small) && !dominates(&small, &huge));
        let dearer = cand("dearer-huge", 1500.0, 50.0, 400 << 30);
        assert!(
            dominates(&small, &dearer),
            "spare memory does not pay for itself"
        );
        let mut c = vec![small, huge];
        rank(&mut c, &req());
        assert_eq!(c[0].name, "huge", "equal otherwise: more headroom first");
    }

    #[test]
    fn a_better_main_model_is_an_axis() {
        let mut better = cand("better", 2000.0, 40.0, 0);
        better.roles[0].quality_pct = Some(70.0);
        let mut cheap = cand("cheap", 1000.0, 50.0, 0);
        cheap.roles[0].quality_pct = Some(50.0);
        assert!(!dominates(&cheap, &better));
    }

    #[test]
    fn the_front_comes_first_then_price() {
        let mut c = vec![
            cand("slow-dear", 3000.0, 10.0, 0),
            cand("fast-dear", 3000.0, 90.0, 0),
            cand("cheap", 1000.0, 20.0, 0),
        ];
        c[0].qualifies = true;
        rank(&mut c, &req());
        let names: Vec<&str> = c.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["cheap", "fast-dear", "slow-dear"]);
        assert!(c[0].on_pareto_front && c[1].on_pareto_front && !c[2].on_pareto_front);
    }

    #[test]
    fn qualifying_builds_rank_above_the_rest() {
        let mut c = vec![
            cand("cheap-fails", 100.0, 99.0, 0),
            cand("ok", 5000.0, 5.0, 0),
        ];
        c[0].qualifies = false;
        rank(&mut c, &req());
        assert_eq!(c[0].name, "ok");
    }
}
