//! Evaluate stage: memory placement and speed under the full concurrent load
//! for one model choice per role, and the search over model choices.

use rustc_hash::FxHashMap;

use rigsize_core::dtype::KvType;
use rigsize_core::engine::Backend;
use rigsize_core::hardware::{Device, DeviceSet};
use rigsize_speed::calib::Resolved;
use rigsize_speed::model::{Link, Split};

use crate::cancel::Cancel;
use crate::candidates::Hw;
use crate::error::PlanError;
use crate::placement::{base_bytes_total, deployments_for, place, Deployment, Placement};
use crate::report::KvChoice;
use crate::requirements::{Ctx, EngineFamily};
use crate::speed::{calibrated, role_speed_with, SpeedInput};

/// Model combinations tried per candidate (the figure `limits` estimates with).
const MAX_COMBOS: usize = crate::limits::COMBOS_SEARCHED as usize;

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

/// (model, roles served as a bit set, streams, kv, device count, card types
/// used as a bit set of plan-wide device ids, engine family and backend,
/// split, link):
/// everything a deployment's speed alone depends on within one plan.
/// Deployments with a role or device id past the bit sets' width are
/// computed without the cache (memory stays linear in roles).
type SpeedKey = (
    usize,
    u128,
    u32,
    KvType,
    u32,
    u128,
    (EngineFamily, Option<Backend>),
    Split,
    Option<Link>,
);
/// (step s, prefill tok/s, ttft s)
type SpeedValue = (f64, f64, f64);

/// Speeds of deployments alone on their devices, shared by every candidate
/// of one plan (a deployment alone on one RTX 5090 runs at the same speed in
/// the 1-, 2- and 4-card builds and in the mixed pairs), and the plan-wide
/// ids of the devices seen. Bounded by the evaluations the plan's caps allow.
#[derive(Default)]
pub(crate) struct Speeds {
    map: FxHashMap<SpeedKey, SpeedValue>,
    /// Calibrations by (family, backend, plan-wide device id).
    calibrations: FxHashMap<(EngineFamily, Option<Backend>, u32), Resolved>,
    /// Devices by plan-wide id (compared whole: a system's memory
    /// configuration keeps its catalog id but not its capacity).
    devices: Vec<Device>,
}

/// One candidate's handle on the plan's [`Speeds`]: the plan-wide id of
/// each of its cards' type (a type = the first card with that catalog id).
pub(crate) struct SpeedCache {
    type_ids: Vec<u32>,
}

impl SpeedCache {
    pub(crate) fn new(cx: &Ctx, hw: &Hw) -> SpeedCache {
        let mut speeds = cx.speeds.borrow_mut();
        let type_ids = (0..hw.cards.len())
            .map(|g| {
                let t = &hw.cards[card_type(hw, g)];
                match speeds.devices.iter().position(|d| d == t) {
                    Some(i) => i as u32,
                    None => {
                        speeds.devices.push(t.clone());
                        (speeds.devices.len() - 1) as u32
                    }
                }
            })
            .collect();
        SpeedCache { type_ids }
    }
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

/// The type of card `g`: the index of the first card with its catalog id.
fn card_type(hw: &Hw, g: usize) -> usize {
    hw.cards
        .iter()
        .position(|c| c.id == hw.cards[g].id)
        .unwrap_or(0)
}

/// The card types a placement runs on.
fn card_types(hw: &Hw, p: &Placement) -> Vec<usize> {
    let mut t: Vec<usize> = p.iter().map(|&(g, _)| card_type(hw, g)).collect();
    t.sort_unstable();
    t.dedup();
    t
}

/// A deployment alone on its devices: (step s, prefill tok/s, ttft s).
fn deployment_speed(
    cx: &Ctx,
    hw: &Hw,
    d: &Deployment,
    p: &Placement,
    kv: KvType,
    cache: &SpeedCache,
) -> SpeedValue {
    let k = p.len() as u32;
    let ids = || p.iter().map(|&(g, _)| cache.type_ids[g]);
    let key = (d.roles.iter().all(|&r| r < 128) && ids().all(|t| t < 128)).then(|| {
        (
            d.model,
            d.roles.iter().fold(0u128, |a, &r| a | 1 << r),
            d.streams,
            kv,
            k,
            ids().fold(0u128, |a, t| a | 1 << t),
            (hw.family, hw.backend),
            hw.split,
            hw.link,
        )
    });
    if let Some(v) = key
        .as_ref()
        .and_then(|key| cx.speeds.borrow().map.get(key).copied())
    {
        return v;
    }
    let v = alone_speed(cx, hw, d, &card_types(hw, p), k, kv, cache);
    if let Some(key) = key {
        cx.speeds.borrow_mut().map.insert(key, v);
    }
    v
}

/// [`deployment_speed`] computed: on `k` devices of each of `types`.
fn alone_speed(
    cx: &Ctx,
    hw: &Hw,
    d: &Deployment,
    types: &[usize],
    k: u32,
    kv: KvType,
    cache: &SpeedCache,
) -> SpeedValue {
    let rm = &cx.models[d.model];
    // Depth: half of each stream's context (the average over a
    // conversation that fills it), weighted by streams.
    let (mut tok, mut s, mut prompt) = (0u64, 0u64, 0u64);
    for &ri in &d.roles {
        let r = &cx.req.roles[ri];
        tok += cx.ctx_of(ri, d.model) / 2 * r.streams as u64;
        s += r.streams as u64;
        if let Some(p) = r.ttft_prompt.as_ref().and_then(|p| p.tokens().ok()) {
            prompt = prompt.max(p);
        }
    }
    let depth = tok / s.max(1);
    let prompt = if prompt == 0 { depth.min(8192) } else { prompt };
    // One card type: that card's speed. A layer split over unequal
    // cards: every token passes through both, so it is planned at the
    // slower card's pace (the k-card estimate of each type, slowest kept).
    let mut v = (0f64, f64::INFINITY, 0f64);
    for &t in types {
        let set = DeviceSet {
            device: hw.cards[t].clone(),
            count: k,
        };
        let mut speeds = cx.speeds.borrow_mut();
        let cal = speeds
            .calibrations
            .entry((hw.family, hw.backend, cache.type_ids[t]))
            .or_insert_with(|| calibrated(hw.family.engine(), hw.backend, &hw.cards[t]));
        let e = role_speed_with(
            &SpeedInput {
                model: &rm.arch,
                weights: rm.weights(hw.family),
                devices: &set,
                engine: hw.family.engine(),
                split: hw.split,
                link: hw.link,
                streams: d.streams,
                depth_tokens: depth.max(prompt),
                kv_type: kv,
                prompt_tokens: prompt,
            },
            cal,
        );
        v = (
            v.0.max(e.step_s),
            v.1.min(e.prefill_tok_s),
            v.2.max(e.ttft_s),
        );
    }
    v
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

/// Whether every role's model in `combo` scores within the tolerance of its
/// model in `base` (an unscored option is only as good as itself).
fn within_quality(cx: &Ctx, combo: &[usize], base: &[usize]) -> bool {
    let tol = cx.rules.defaults.quality_tolerance_pts;
    combo.iter().zip(base).enumerate().all(|(ri, (&c, &b))| {
        let (qc, qb) = (cx.options[ri][c].quality, cx.options[ri][b].quality);
        c == b
            || match (qc, qb) {
                (Some(qc), Some(qb)) => qc >= qb - tol,
                (_, None) => true,
                (None, Some(_)) => false,
            }
    })
}

/// Each role's decode speed per stream (tok/s) in an evaluation.
fn role_speeds(cx: &Ctx, e: &Evaluation) -> Vec<f64> {
    let mut tps = vec![0.0; cx.req.roles.len()];
    for (di, d) in e.deployments.iter().enumerate() {
        for &ri in &d.roles {
            tps[ri] = 1.0 / e.step[di];
        }
    }
    tps
}

/// Whether combination `a` is at least as good as `b` for every role — a
/// model scoring no lower and a speed no lower — and better for one: the
/// user's first-listed model keeps its place only while nothing listed
/// after it is both better and faster.
fn dominates(cx: &Ctx, a: (&[usize], &Evaluation), b: (&[usize], &Evaluation)) -> bool {
    let (sa, sb) = (role_speeds(cx, a.1), role_speeds(cx, b.1));
    let mut strictly = false;
    for ri in 0..sa.len() {
        let (ca, cb) = (a.0[ri], b.0[ri]);
        let (qa, qb) = (cx.options[ri][ca].quality, cx.options[ri][cb].quality);
        let quality_ok = ca == cb || matches!((qa, qb), (Some(qa), Some(qb)) if qa >= qb);
        if !quality_ok || sa[ri] < sb[ri] {
            return false;
        }
        strictly |= ca != cb || sa[ri] > sb[ri];
    }
    strictly
}

/// Tries model combinations in order of preference; the first that fits and
/// meets every role's minimum wins, else the one that comes closest. A later
/// combination that also keeps every minimum replaces it when it meets more
/// speed targets with models the benchmark cannot tell apart from the first
/// (within `quality_tolerance_pts`): a coding agent at its target speed on an
/// equally good model beats one at its minimum — or, at as many targets,
/// when its models score no lower and run no slower for every role
/// ([`dominates`]).
pub(crate) fn best_evaluation(
    cx: &Ctx,
    hw: &Hw,
    cancel: &Cancel,
) -> Result<(Vec<usize>, Evaluation), PlanError> {
    let sizes: Vec<usize> = cx.options.iter().map(|o| o.len()).collect();
    let mut combo = vec![0usize; sizes.len()];
    let cache = SpeedCache::new(cx, hw);
    let mut best: Option<(Vec<usize>, Evaluation)> = None;
    let score = |e: &Evaluation| {
        (e.fits as usize) * 1000 + e.roles_ok * 10 + (e.kv == KvType::F16) as usize
    };
    let total_cap: u64 = hw.caps.iter().sum();
    let roles = cx.req.roles.len();
    // The first combination keeping every minimum, once found.
    let mut first_ok: Option<Vec<usize>> = None;
    for _ in 0..MAX_COMBOS {
        cancel.check()?;
        let candidate = first_ok
            .as_ref()
            .is_none_or(|f| within_quality(cx, &combo, f));
        // Quick memory bound on the cheapest KV.
        let lower = || base_bytes_total(cx, &combo, hw.family, KvType::Q8_0);
        if candidate && lower() <= total_cap {
            if let Some(e) = kv_for(cx, hw, &combo, &cache) {
                let better = match (&first_ok, &best) {
                    (None, b) => b.as_ref().is_none_or(|b| score(&e) > score(&b.1)),
                    (Some(_), Some(b)) => {
                        e.all_ok
                            && (e.targets_met > b.1.targets_met
                                || (e.targets_met == b.1.targets_met
                                    && dominates(cx, (&combo, &e), (&b.0, &b.1))))
                    }
                    (Some(_), None) => false,
                };
                if better {
                    if e.all_ok && first_ok.is_none() {
                        first_ok = Some(combo.clone());
                    }
                    best = Some((combo.clone(), e));
                }
                if best
                    .as_ref()
                    .is_some_and(|b| b.1.all_ok && b.1.targets_met == roles)
                {
                    return Ok(best.expect("set"));
                }
            }
        }
        if !next_combo(&mut combo, &sizes) {
            break;
        }
    }
    Ok(best.unwrap_or_else(|| {
        let c = vec![0; sizes.len()];
        let e = evaluate(cx, hw, &c, KvType::Q8_0, None, &cache);
        (c, e)
    }))
}

/// The KV type for one model combination, chosen for fit and for speed:
/// f16 when it fits and keeps every minimum; q8_0 when f16 does not fit, or
/// when q8_0 (half the KV bytes read per token) meets more minimums.
fn kv_for(cx: &Ctx, hw: &Hw, combo: &[usize], cache: &SpeedCache) -> Option<Evaluation> {
    let f16 = evaluate(cx, hw, combo, KvType::F16, None, cache);
    if f16.fits && f16.all_ok {
        return Some(f16);
    }
    let mut q8 = evaluate(cx, hw, combo, KvType::Q8_0, None, cache);
    q8.kv_choice = if f16.fits {
        KvChoice::ForSpeed
    } else {
        KvChoice::ToFit
    };
    match (f16.fits, q8.fits) {
        (true, true) if q8.roles_ok > f16.roles_ok => Some(q8),
        (true, _) => Some(f16),
        (false, true) => Some(q8),
        (false, false) => None,
    }
}

/// The next combination (last role varies fastest); false after the last.
fn next_combo(combo: &mut [usize], sizes: &[usize]) -> bool {
    for i in (0..sizes.len()).rev() {
        combo[i] += 1;
        if combo[i] < sizes[i] {
            return true;
        }
        combo[i] = 0;
    }
    false
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

    #[test]
    fn combinations_run_last_role_fastest_and_end() {
        let sizes = [2, 3];
        let mut c = vec![0, 0];
        let mut seen = vec![c.clone()];
        while next_combo(&mut c, &sizes) {
            seen.push(c.clone());
        }
        assert_eq!(seen.len(), 6);
        assert_eq!(seen[1], vec![0, 1]);
        assert_eq!(seen[3], vec![1, 0]);
    }
}
