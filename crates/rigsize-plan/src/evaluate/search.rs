//! The search over model choices: one option per role, tried in order of
//! preference, each at the KV type that suits it.

use rigsize_core::dtype::KvType;

use super::{evaluate, Evaluation, SpeedCache};
use crate::cancel::Cancel;
use crate::candidates::Hw;
use crate::error::PlanError;
use crate::placement::base_bytes_total;
use crate::report::KvChoice;
use crate::requirements::Ctx;

/// Model combinations tried per candidate (the figure `limits` estimates with).
const MAX_COMBOS: usize = crate::limits::COMBOS_SEARCHED as usize;

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
                if improves(cx, first_ok.is_some(), best.as_ref(), &combo, &e) {
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

/// Before any combination keeps every minimum: fit first, then roles
/// meeting their minimums, then f16 KV.
fn score(e: &Evaluation) -> usize {
    (e.fits as usize) * 1000 + e.roles_ok * 10 + (e.kv == KvType::F16) as usize
}

/// Whether evaluation `e` of `combo` replaces `best`: by [`score`] until a
/// combination keeps every minimum (`found_ok`), after that only by keeping
/// every minimum and meeting more targets, or as many and [`dominates`].
fn improves(
    cx: &Ctx,
    found_ok: bool,
    best: Option<&(Vec<usize>, Evaluation)>,
    combo: &[usize],
    e: &Evaluation,
) -> bool {
    match (found_ok, best) {
        (false, b) => b.is_none_or(|b| score(e) > score(&b.1)),
        (true, Some(b)) => {
            e.all_ok
                && (e.targets_met > b.1.targets_met
                    || (e.targets_met == b.1.targets_met
                        && dominates(cx, (combo, e), (&b.0, &b.1))))
        }
        (true, None) => false,
    }
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
