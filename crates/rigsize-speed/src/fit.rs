//! The calibration fit. It is factorised: hardware terms (all rows → class →
//! chip tier → family within the tier; tier and family fit memory efficiency,
//! prefill utilisation and the MoE-layer cost only), fitted on every engine's
//! rows (the MoE-layer cost on the reference kernels' rows), times one
//! factor per engine relative to llama.cpp, fitted only on that engine's rows
//! on families llama.cpp was also measured on. Each level's parameters are
//! fitted on its rows (grid search minimising the mean absolute log error)
//! and blended with the parent's value (a factor's parent is 1) with weight
//! n/(n+k), n the independent measurement setups behind it (source ×
//! hardware × devices × model × quantization) and k chosen by
//! leave-one-source-out cross-validation (k/4 for engine factors).

use std::collections::BTreeSet;

use crate::bench::RowCase;
use crate::calib::{
    apply_factor, Calibration, EngineFactor, Group, Meta, DEFAULT_PARAMS, IDENTITY_FACTOR,
    LLAMACPP_VULKAN, REFERENCE_ENGINE,
};
use crate::fit_entries::group_entry;
pub(crate) use crate::fit_entries::{factor_count, param_count, round};
use crate::fit_grids::{
    factor_grids, hardware_grids, Free, Grids, BACKEND, CLASS, ENGINE, HARDWARE,
};
use crate::fit_rows::{fitted_rows, setup_counts, setups, Counts, LevelRows, Scaled};
use crate::model::Params;
use crate::validate::{decode_prediction, key_of, prefill_prediction};

pub use crate::calibrate::calibrate;
pub use crate::cv::{cross_validate, cross_validate_with, CrossValidation, KFOLD_SEED};
pub use crate::report::{calibration_file_text, civil_date, render_report};
pub use crate::validate::{cases, source_key, validate, Summary, ValidationReport};

// ---------------------------------------------------------------- fitting

/// Shrinkage strengths the cross-validation chooses from (in setups).
pub const SHRINK_GRID: [f64; 8] = [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

/// The shrinkage strength used when the fit runs without cross-validation:
/// the value leave-one-source-out has chosen on the shipped rows since the
/// eighth pass, so that a quick refit (`RIGSIZE_NO_CV=1`) gives the shipped
/// parameters.
pub const DEFAULT_SHRINK_K: f64 = 2.0;

/// Engine factors are shrunk towards 1 with strength `k ×` this. One blend
/// at k/4 weighs a group's own fit as the previous two-level chain (engine,
/// engine × class, each at k) did: 1 − (k/(n+k))² ≈ n/(n + k/4) for the
/// 3–11 setups an engine has; leave-one-source-out cannot choose it (a
/// held-out engine's only source leaves no factor), random 5-fold is flat
/// over k/4…k (11.5–12.0 % decode).
pub const ENGINE_SHRINK_RATIO: f64 = 0.25;

/// A child value closer than this (relative) to its parent's is the parent's:
/// the calibration file then leaves it out and it is inherited.
const SNAP: f64 = 0.05;

/// Mean absolute log error (robust, symmetric in over/under prediction).
fn log_loss(cases: &[Scaled], p: &Params, decode: bool) -> f64 {
    let mut s = 0.0;
    let mut n = 0usize;
    for (c, m) in cases {
        let q = apply_factor(p, m);
        let v = if decode {
            c.decode
                .as_ref()
                .zip(decode_prediction(c, &q))
                .map(|(m, pr)| (pr / m.1).ln().abs())
        } else {
            c.prefill
                .as_ref()
                .zip(prefill_prediction(c, &q))
                .map(|(m, pr)| (pr / m.1).ln().abs())
        };
        if let Some(v) = v {
            s += if v.is_finite() { v } else { 10.0 };
            n += 1;
        }
    }
    if n == 0 {
        f64::INFINITY
    } else {
        s / n as f64
    }
}

fn argmin(grid: &[f64], mut f: impl FnMut(f64) -> f64) -> (f64, f64) {
    let mut best = (grid[0], f64::INFINITY);
    for &x in grid {
        let v = f(x);
        if v < best.1 - 1e-12 {
            best = (x, v);
        }
    }
    best
}

fn weight(n: usize, k: f64) -> f64 {
    if n == 0 {
        0.0
    } else {
        n as f64 / (n as f64 + k)
    }
}

/// Blend in log space (efficiencies are ratios), snapped to the parent when close.
fn blend_log(own: f64, parent: f64, w: f64) -> f64 {
    // A parameter the parent never set (0): the level's own fit, if it has rows.
    if parent <= 0.0 {
        return if w > 0.0 { own } else { parent };
    }
    let v = (w * own.ln() + (1.0 - w) * parent.ln()).exp();
    if ((v - parent) / parent).abs() < SNAP {
        parent
    } else {
        v
    }
}

/// Blend linearly (an overhead can be zero), snapped within 1 µs.
fn blend_lin(own: f64, parent: f64, w: f64) -> f64 {
    let v = w * own + (1.0 - w) * parent;
    if (v - parent).abs() < 1e-6 {
        parent
    } else {
        v
    }
}

/// The best value of one parameter on `rows` (the others held).
fn best_of(
    rows: &[Scaled],
    p: Params,
    grid: &[f64],
    set: fn(&mut Params, f64),
    decode: bool,
) -> (f64, f64) {
    let mut q = p;
    argmin(grid, |x| {
        set(&mut q, x);
        log_loss(rows, &q, decode)
    })
}

/// The best pair on `rows`: for each `outer` value (just the current one
/// when it is not free), the best `inner` value; (inner, outer), the
/// current pair when no value scores.
fn best_pair(
    rows: &[Scaled],
    p: &Params,
    outer: (&[f64], fn(&mut Params, f64), bool),
    inner: (&[f64], fn(&mut Params, f64)),
    current: (f64, f64),
) -> (f64, f64) {
    let held = [current.1];
    let outer_grid: &[f64] = if outer.2 { outer.0 } else { &held };
    let mut best = (current.0, current.1, f64::INFINITY);
    for &o in outer_grid {
        let mut q = *p;
        (outer.1)(&mut q, o);
        let (x, v) = best_of(rows, q, inner.0, inner.1, true);
        if v < best.2 - 1e-12 {
            best = (x, o, v);
        }
    }
    (best.0, best.1)
}

/// Memory efficiency (with the per-layer cost where free) on the one-stream
/// decode rows: what a single stream sees is the read and the fixed cost;
/// the batch terms (per-stream cost, batch GEMM rate, routing overlap)
/// explain the rest. Fitted on every decode row, the pair also absorbed
/// what batches miss, and one stream out of source went 11.8 → 14.7 %.
fn fit_reads(r: &LevelRows, p: &mut Params, parent: &Params, free: Free, w: f64, grids: &Grids) {
    let (e, o) = best_pair(
        &r.one,
        p,
        (&grids.ovh, |q, x| q.layer_overhead_s = x, free.overhead),
        (&grids.eff, |q, x| q.mem_eff = x),
        (p.mem_eff, p.layer_overhead_s),
    );
    p.mem_eff = blend_log(e, parent.mem_eff, w);
    if free.overhead {
        p.layer_overhead_s = if grids.factor {
            blend_log(o, parent.layer_overhead_s, w)
        } else {
            blend_lin(o, parent.layer_overhead_s, w)
        };
    }
}

/// Batch GEMM rate and per-stream cost: both shape B > 1 only, fitted together.
fn fit_batch(r: &LevelRows, p: &mut Params, parent: &Params, free: Free, w: f64, grids: &Grids) {
    let (u, so) = best_pair(
        &r.multi,
        p,
        (
            &grids.stream,
            |q, x| q.stream_overhead_s = x,
            free.stream_overhead,
        ),
        (&grids.util, |q, x| q.decode_util = x),
        (p.decode_util, p.stream_overhead_s),
    );
    p.decode_util = blend_log(u, parent.decode_util, w);
    if free.stream_overhead {
        p.stream_overhead_s = blend_log(so, parent.stream_overhead_s, w);
    }
}

/// Fits one level: each free parameter is fitted on the level's rows
/// (minimising the mean absolute log error, the other parameters held),
/// then blended with the parent's value with weight n/(n+k), n the level's
/// independent setups for that parameter.
fn fit_level(
    cases: &[Scaled],
    parent: Params,
    free: Free,
    k: f64,
    grids: &Grids,
) -> (Params, Counts) {
    let r = fitted_rows(cases, grids.factor);
    let n = setup_counts(&r, free);
    let mut p = parent;
    for _ in 0..3 {
        fit_pass(&r, &mut p, &parent, free, &n, k, grids);
    }
    (p, n)
}

/// One pass over a level's parameters, each fitted with the others held at
/// their current values; [`fit_level`] repeats it so that parameters fitted
/// early see the later ones' values.
fn fit_pass(
    r: &LevelRows,
    p: &mut Params,
    parent: &Params,
    free: Free,
    n: &Counts,
    k: f64,
    grids: &Grids,
) {
    if n.decode > 0 {
        fit_reads(r, p, parent, free, weight(n.decode, k), grids);
    }
    if n.moe > 0 {
        let (o, _) = best_of(&r.moe, *p, &grids.moe, |q, x| q.moe_overhead_s = x, true);
        p.moe_overhead_s = blend_log(o, parent.moe_overhead_s, weight(n.moe, k));
    }
    if n.launch > 0 {
        let set = |q: &mut Params, x| q.launch_overhead_s = x;
        let (o, _) = best_of(&r.launch, *p, &grids.launch, set, true);
        p.launch_overhead_s = blend_lin(o, parent.launch_overhead_s, weight(n.launch, k));
    }
    if n.multi > 0 {
        fit_batch(r, p, parent, free, weight(n.multi, k), grids);
    }
    if n.batch > 0 {
        let set = |q: &mut Params, x| q.batch_overhead_s = x;
        let (o, _) = best_of(&r.batch, *p, &grids.batch, set, true);
        p.batch_overhead_s = blend_lin(o, parent.batch_overhead_s, weight(n.batch, k));
    }
    if n.decode_attn > 0 {
        let set = |q: &mut Params, x| q.decode_attn_util = x;
        let (a, _) = best_of(&r.decode_attn, *p, &grids.util, set, true);
        p.decode_attn_util = blend_log(a, parent.decode_attn_util, weight(n.decode_attn, k));
    }
    if n.attn > 0 {
        let (a, _) = best_of(&r.attn, *p, &grids.attn, |q, x| q.attn_rel = x, false);
        p.attn_rel = blend_log(a, parent.attn_rel, weight(n.attn, k));
    }
    if n.prefill > 0 {
        let (u, _) = best_of(&r.pre, *p, &grids.util, |q, x| q.prefill_util = x, false);
        p.prefill_util = blend_log(u, parent.prefill_util, weight(n.prefill, k));
    }
    if n.moe_prefill > 0 {
        let set = |q: &mut Params, x| q.moe_prefill_half_tokens = x;
        let (h, _) = best_of(&r.moe_pre, *p, &grids.moe_half, set, false);
        let w = weight(n.moe_prefill, k);
        p.moe_prefill_half_tokens = blend_lin(h, parent.moe_prefill_half_tokens, w);
    }
    if n.route > 0 {
        // Linear: 0 (independent routing) is a value, not a missing one.
        let set = |q: &mut Params, x| q.moe_route_overlap = x;
        let (o, _) = best_of(&r.route, *p, &grids.overlap, set, true);
        p.moe_route_overlap = blend_lin(o, parent.moe_route_overlap, weight(n.route, k));
    }
    if n.light > 0 {
        let set = |q: &mut Params, x| q.light_math_saving = x;
        let (l, _) = best_of(&r.light, *p, &grids.light, set, true);
        p.light_math_saving = blend_lin(l, parent.light_math_saving, weight(n.light, k));
    }
    if free.latency && n.prefill > 0 {
        // Shrunk linearly towards the parent's (0: no fixed latency).
        let set = |q: &mut Params, x| q.request_latency_s = x;
        let (l, _) = best_of(&r.pre, *p, &grids.latency, set, false);
        p.request_latency_s = blend_lin(l, parent.request_latency_s, weight(n.prefill, k));
    }
}

/// Fits the hardware terms on `cases` (each with its engine's factors):
/// all rows, each class, each chip tier within a class (memory efficiency,
/// prefill and small-batch math utilisation and the MoE-layer cost), each
/// family within a tier (the same four), every level shrunk towards its parent with strength `k`.
/// The MoE-layer cost is a chip's launch latency as much as its class's: a
/// RTX 5090's one-stream Qwen3-30B-A3B rows imply ≈ 57 µs per layer in all,
/// a Quadro RTX 8000's Qwen3.6-35B-A3B rows ≈ 130 µs.
fn fit_hardware(cases: &[Scaled], k: f64) -> Vec<Group> {
    let grids = hardware_grids();
    let (global, _) = fit_level(cases, DEFAULT_PARAMS, HARDWARE, 0.0, &grids);
    let mut groups = vec![
        group_entry("*", None, None, &global, &DEFAULT_PARAMS).unwrap_or_else(|| Group {
            engine: "*".into(),
            class: "*".into(),
            ..Group::default()
        }),
    ];
    // The small-batch math rate is a chip's too: an M2 Ultra's extra stream
    // costs ≈ 1.9 ms of a 7B Q8_0 step where the class rate, set mostly by
    // M1 Max rows, charged ≈ 2.8 ms. Freed per tier and family, out of
    // source decode went 11.8 → 11.0 %, one stream 9.0 → 8.0, B > 1 17.5 → 17.1.
    let narrow = Free {
        mem_eff: true,
        prefill_util: true,
        moe_overhead: true,
        decode_util: true,
        ..Free::default()
    };
    let classes: BTreeSet<&str> = cases.iter().map(|c| c.0.class.as_str()).collect();
    for cl in classes {
        let csub: Vec<Scaled> = cases.iter().copied().filter(|c| c.0.class == cl).collect();
        let (cp, _) = fit_level(&csub, global, CLASS, k, &grids);
        groups.extend(group_entry(cl, None, None, &cp, &global));
        let tiers: BTreeSet<&str> = csub.iter().map(|c| c.0.tier.as_str()).collect();
        let several_tiers = tiers.len() > 1;
        for t in tiers {
            let tsub: Vec<Scaled> = csub.iter().copied().filter(|c| c.0.tier == t).collect();
            // Unified boxes: the tier is the class; a class measured on one
            // tier only has no tier level (the same rows would count twice).
            let own_tier = t != cl && several_tiers;
            let tp = if own_tier {
                let (tp, _) = fit_level(&tsub, cp, narrow, k, &grids);
                groups.extend(group_entry(cl, Some(t), None, &tp, &cp));
                tp
            } else {
                cp
            };
            let families: BTreeSet<&str> = tsub.iter().map(|c| c.0.family.as_str()).collect();
            if families.len() < 2 {
                continue;
            }
            for fam in families {
                let fsub: Vec<Scaled> =
                    tsub.iter().copied().filter(|c| c.0.family == fam).collect();
                let (fp, _) = fit_level(&fsub, tp, narrow, k, &grids);
                groups.extend(group_entry(cl, own_tier.then_some(t), Some(fam), &fp, &tp));
            }
        }
    }
    groups
}

/// Fits one factor set per engine other than the reference one, on that
/// engine's rows on hardware families the reference engine was also
/// measured on, against the hardware terms `hw`; each factor is shrunk
/// towards 1 with weight n/(n+k) (n: the engine's setups there).
fn fit_engine_factors(cases: &[RowCase], hw: &[Group], k: f64) -> Vec<EngineFactor> {
    let hw_cal = Calibration {
        meta: Meta::default(),
        groups: hw.to_vec(),
        engines: Vec::new(),
        provenance: Vec::new(),
    };
    let ref_families: BTreeSet<&str> = cases
        .iter()
        .filter(|c| c.engine_key() == REFERENCE_ENGINE)
        .map(|c| c.family.as_str())
        .collect();
    let engines: BTreeSet<&str> = cases
        .iter()
        .map(|c| c.engine_key())
        .filter(|e| *e != REFERENCE_ENGINE)
        .collect();
    let grids = factor_grids();
    let mut out = Vec::new();
    for e in engines {
        let sub: Vec<Scaled> = cases
            .iter()
            .filter(|c| c.engine_key() == e && ref_families.contains(c.family.as_str()))
            .map(|c| {
                let mut key = key_of(c);
                key.engine = REFERENCE_ENGINE.into();
                (c, hw_cal.resolve(&key).params)
            })
            .collect();
        if sub.is_empty() {
            continue;
        }
        let free = if e == LLAMACPP_VULKAN {
            BACKEND
        } else {
            ENGINE
        };
        let (f, _) = fit_level(&sub, IDENTITY_FACTOR, free, k, &grids);
        out.push(EngineFactor {
            engine: e.to_string(),
            mem_eff: round(f.mem_eff, 3),
            layer_overhead: round(f.layer_overhead_s, 3),
            decode_util: round(f.decode_util, 3),
            prefill_util: round(f.prefill_util, 3),
            attn_rel: round(f.attn_rel, 3),
            decode_attn_util: round(f.decode_attn_util, 3),
            stream_overhead: round(f.stream_overhead_s, 3),
            moe_overhead: round(f.moe_overhead_s, 3),
            request_latency_ms: round(f.request_latency_s * 1e3, 1),
            moe_route_overlap: round(f.moe_route_overlap, 3),
            setups: setups(&sub),
            ..EngineFactor::identity(e)
        });
    }
    out
}

/// Fits the calibration on `cases` (no meta): hardware terms on the
/// reference engine's rows, engine factors against them, then hardware
/// terms on all rows (each with its engine's factors) and the factors
/// again, twice.
pub(crate) fn fit_groups(cases: &[RowCase], k: f64) -> Calibration {
    // Rows kept for validation only (see `bench::LLAMACPP_BATCHED_SINCE`).
    let fitted: Vec<RowCase> = cases
        .iter()
        .filter(|c| c.validation_only.is_none())
        .cloned()
        .collect();
    let cases = &fitted[..];
    let factor_of = |engines: &[EngineFactor], c: &RowCase| -> Params {
        engines
            .iter()
            .find(|f| f.engine == c.engine_key() && f.engine != REFERENCE_ENGINE)
            .map_or(IDENTITY_FACTOR, EngineFactor::as_params)
    };
    let reference: Vec<Scaled> = cases
        .iter()
        .filter(|c| c.engine_key() == REFERENCE_ENGINE)
        .map(|c| (c, IDENTITY_FACTOR))
        .collect();
    let ke = k * ENGINE_SHRINK_RATIO;
    let mut hw = fit_hardware(&reference, k);
    let mut engines = fit_engine_factors(cases, &hw, ke);
    for _ in 0..2 {
        let all: Vec<Scaled> = cases.iter().map(|c| (c, factor_of(&engines, c))).collect();
        hw = fit_hardware(&all, k);
        engines = fit_engine_factors(cases, &hw, ke);
    }
    let all: Vec<Scaled> = cases.iter().map(|c| (c, factor_of(&engines, c))).collect();
    hw = fit_hardware(&all, k);
    Calibration {
        meta: Meta::default(),
        groups: hw,
        engines,
        provenance: Vec::new(),
    }
}

#[cfg(test)]
#[path = "fit_tests.rs"]
mod tests;
