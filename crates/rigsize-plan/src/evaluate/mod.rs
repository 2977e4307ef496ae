//! Evaluate stage: memory placement and speed under the full concurrent load
//! for one model choice per role, and the search over model choices.

mod search;
mod speeds;

use rigsize_core::dtype::KvType;

use crate::candidates::Hw;
use crate::placement::{deployments_for, place, Deployment, Placement};
use crate::report::KvChoice;
use crate::requirements::Ctx;

pub(crate) use search::best_evaluation;
use speeds::deployment_speed;
pub(crate) use speeds::{SpeedCache, Speeds};

/// One model choice per role, placed and timed on one build.
pub(crate) struct Evaluation {
    pub kv: KvType,
    /// Why this KV type.
    pub kv_choice: KvChoice,
    pub deployments: Vec<Deployment>,
    pub placements: Vec<Placement>,
    /// Per-device used bytes.
    pub used: Vec<u64>,
    /// Step seconds per deployment under contention.
    pub step: Vec<f64>,
    /// (prefill tok/s, time to first token s) per deployment.
    pub prefill: Vec<(f64, f64)>,
    pub fits: bool,
    /// Roles meeting their minimum speed and context.
    pub roles_ok: usize,
    /// Roles meeting their speed target (a role without one counts).
    pub targets_met: usize,
    pub all_ok: bool,
}

/// Evaluates `combo` at KV type `kv`; `streams_override[role]` replaces each
/// role's stream count (the concurrency target check).
pub(crate) fn evaluate(
    cx: &Ctx,
    hw: &Hw,
    combo: &[usize],
    kv: KvType,
    streams_override: Option<&[u32]>,
    cache: &SpeedCache,
) -> Evaluation {
    let mut deps = deployments_for(cx, combo, hw.family, kv);
    if let Some(so) = streams_override {
        for d in &mut deps {
            restream(cx, hw, kv, d, so);
        }
    }
    let Some((placements, used)) = place(hw, &deps) else {
        return Evaluation {
            kv,
            kv_choice: KvChoice::Default,
            deployments: deps,
            placements: vec![],
            used: vec![],
            step: vec![],
            prefill: vec![],
            fits: false,
            roles_ok: 0,
            targets_met: 0,
            all_ok: false,
        };
    };
    let mut alone = Vec::with_capacity(deps.len());
    let mut prefill = Vec::with_capacity(deps.len());
    for (d, p) in deps.iter().zip(&placements) {
        let v = deployment_speed(cx, hw, d, p, kv, cache);
        alone.push(v.0);
        prefill.push((v.1, v.2));
    }
    let step = contention(hw.count as usize, &placements, &alone);
    let roles_ok = roles_meeting_minimums(cx, &deps, &step);
    let targets_met = roles_meeting_targets(cx, &deps, &step);
    Evaluation {
        kv,
        kv_choice: KvChoice::Default,
        deployments: deps,
        placements,
        used,
        step,
        prefill,
        fits: true,
        roles_ok,
        targets_met,
        all_ok: roles_ok == cx.req.roles.len(),
    }
}

/// Re-derives a deployment's KV for other stream counts (linear in streams).
fn restream(cx: &Ctx, hw: &Hw, kv: KvType, d: &mut Deployment, so: &[u32]) {
    let (mut kvb, mut st, mut streams) = (0u64, 0u64, 0u32);
    for &ri in &d.roles {
        let base = cx.req.roles[ri].streams.max(1) as u64;
        let rk = cx.role_kv(ri, d.model, hw.family, kv);
        kvb += rk.kv / base * so[ri] as u64;
        st += rk.state / base * so[ri] as u64;
        streams += so[ri];
    }
    d.kv_bytes = kvb;
    d.state_bytes = st;
    d.streams = streams;
    d.update_base();
}

/// Step seconds per deployment when devices serve their deployments in turn
/// (see [`crate::speed`]): the sum over its devices of every deployment's
/// step there, weighted by that deployment's share of bytes on the device.
pub(crate) fn contention(n: usize, placements: &[Placement], alone: &[f64]) -> Vec<f64> {
    let mut load = vec![0f64; n];
    for (di, p) in placements.iter().enumerate() {
        let total: u64 = p.iter().map(|x| x.1).sum::<u64>().max(1);
        for &(g, b) in p {
            load[g] += alone[di] * b as f64 / total as f64;
        }
    }
    placements
        .iter()
        .map(|p| p.iter().map(|&(g, _)| load[g]).sum::<f64>())
        .collect()
}

/// Roles whose speed and model window meet their minimums.
fn roles_meeting_minimums(cx: &Ctx, deps: &[Deployment], step: &[f64]) -> usize {
    let mut ok = 0;
    for (di, d) in deps.iter().enumerate() {
        for &ri in &d.roles {
            let r = &cx.req.roles[ri];
            let tps = 1.0 / step[di];
            let speed_ok = r.speed_min.is_none_or(|m| tps >= m);
            let ctx_ok = cx.models[d.model].arch.max_context() >= cx.ctx_min[ri];
            if speed_ok && ctx_ok {
                ok += 1;
            }
        }
    }
    ok
}

/// Roles whose speed meets their target (roles without a target count).
fn roles_meeting_targets(cx: &Ctx, deps: &[Deployment], step: &[f64]) -> usize {
    deps.iter()
        .enumerate()
        .flat_map(|(di, d)| d.roles.iter().map(move |&ri| (di, ri)))
        .filter(|&(di, ri)| {
            cx.req.roles[ri]
                .speed_target
                .is_none_or(|t| 1.0 / step[di] >= t)
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_serve_their_deployments_in_turn() {
        // Two deployments alone on device 0 take 10 ms and 30 ms a step; a
        // third alone on device 1 takes 20 ms.
        let placements: Vec<Placement> = vec![vec![(0, 100)], vec![(0, 50)], vec![(1, 10)]];
        let step = contention(2, &placements, &[0.010, 0.030, 0.020]);
        assert!((step[0] - 0.040).abs() < 1e-12 && (step[1] - 0.040).abs() < 1e-12);
        assert!((step[2] - 0.020).abs() < 1e-12, "alone on its device");
    }

    #[test]
    fn a_split_deployment_loads_each_device_by_its_share() {
        // One deployment 3:1 over two devices, another alone on device 1.
        let placements: Vec<Placement> = vec![vec![(0, 75), (1, 25)], vec![(1, 10)]];
        let step = contention(2, &placements, &[0.040, 0.010]);
        // device 0: 0.030; device 1: 0.010 + 0.010.
        assert!((step[0] - 0.050).abs() < 1e-12, "{}", step[0]);
        assert!((step[1] - 0.020).abs() < 1e-12, "{}", step[1]);
    }
}
