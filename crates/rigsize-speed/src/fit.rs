//! Validation (predicted vs measured per row, MdAPE overall and per group),
//! the calibration fit, and its cross-validation.
//!
//! The fit is factorised: hardware terms (all rows → class → chip tier →
//! family within the tier; tier and family fit memory efficiency and prefill
//! utilisation only), fitted on every engine's rows, times one factor per
//! engine relative to llama.cpp, fitted only on that engine's rows on
//! families llama.cpp was also measured on. Each level's parameters are
//! fitted on its rows (grid search minimising the mean absolute log error)
//! and blended with the parent's value (a factor's parent is 1) with weight
//! n/(n+k), n the independent measurement setups behind it (source ×
//! hardware × devices × model × quantization) and k chosen by
//! leave-one-source-out cross-validation (k/4 for engine factors).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use rigsize_catalog::Catalog;

use crate::bench::{row_case, BenchRow, DecodeMeasure, RowCase};
use crate::calib::{
    apply_factor, engine_key, Calibration, EngineFactor, Group, GroupKey, Meta, DEFAULT_PARAMS,
    IDENTITY_FACTOR, MAX_MEM_EFF, REFERENCE_ENGINE,
};
use crate::model::Params;

/// Fewest rows a group needs to get its own value of a parameter.
pub const MIN_ROWS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Summary {
    /// Median absolute percentage error, in percent.
    pub mdape: f64,
    pub n: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupReport {
    pub family: String,
    pub engine: String,
    pub class: String,
    pub decode_mdape: Option<f64>,
    pub n_decode: usize,
    /// Median of (predicted − measured) / measured, % (sign = over/under).
    pub decode_bias: Option<f64>,
    pub prefill_mdape: Option<f64>,
    pub n_prefill: usize,
    pub prefill_bias: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unpredicted {
    pub row_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowResult {
    pub row_id: String,
    pub source: String,
    pub hardware_id: String,
    pub family: String,
    pub engine: String,
    pub model_id: String,
    pub model_in_catalog: bool,
    pub test: String,
    pub concurrency: String,
    pub calibration_group: String,
    pub decode_measured: Option<f64>,
    pub decode_predicted: Option<f64>,
    pub decode_ape: Option<f64>,
    pub prefill_measured: Option<f64>,
    pub prefill_predicted: Option<f64>,
    pub prefill_ape: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceReport {
    pub source: String,
    pub decode: Summary,
    pub prefill: Summary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    pub decode: Summary,
    pub prefill: Summary,
    /// Per hardware family × engine.
    pub groups: Vec<GroupReport>,
    pub unpredicted: Vec<Unpredicted>,
    /// Per hardware class × engine (the calibration's coarser level).
    pub classes: Vec<GroupReport>,
    pub rows: Vec<RowResult>,
}

fn ape(pred: f64, meas: f64) -> f64 {
    ((pred - meas) / meas).abs() * 100.0
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Predicted decode figure comparable with the row's measurement.
pub fn decode_prediction(case: &RowCase, p: &Params) -> Option<f64> {
    let (t, _, measure) = case.decode.as_ref()?;
    let step = p.decode_step_s(&t.decode);
    Some(match measure {
        DecodeMeasure::Total => t.decode.streams / step,
        DecodeMeasure::ServingOutput { isl_over_osl } => {
            let pp_per_token = p.prefill_s(&t.prefill) / t.prefill.tokens.max(1.0);
            1.0 / (step / t.decode.streams + isl_over_osl * pp_per_token)
        }
    })
}

pub fn prefill_prediction(case: &RowCase, p: &Params) -> Option<f64> {
    let (t, _) = case.prefill.as_ref()?;
    Some(t.prefill.tokens / p.prefill_s(&t.prefill))
}

fn key_of(case: &RowCase) -> GroupKey {
    GroupKey {
        engine: engine_key(case.engine).to_string(),
        class: case.class.clone(),
        tier: case.tier.clone(),
        family: case.family.clone(),
    }
}

/// Rows turned into cases, and the ones that could not be.
pub fn cases(catalog: &Catalog, rows: &[BenchRow]) -> (Vec<RowCase>, Vec<Unpredicted>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        match row_case(catalog, r, i) {
            Ok(c) => ok.push(c),
            Err(reason) => bad.push(Unpredicted {
                row_id: r.row_id.clone(),
                reason,
            }),
        }
    }
    (ok, bad)
}

/// (engine, class, family, decode signed error %, prefill signed error %).
type Signed = (String, String, String, Option<f64>, Option<f64>);
type GroupErrors = BTreeMap<(String, String, String), (Vec<f64>, Vec<f64>)>;

fn group_reports(
    results: &[Signed],
    by: impl Fn(&(String, String, String)) -> (String, String, String),
) -> Vec<GroupReport> {
    let mut map: GroupErrors = BTreeMap::new();
    for (e, c, f, d, p) in results {
        let k = by(&(e.clone(), c.clone(), f.clone()));
        let entry = map.entry(k).or_default();
        if let Some(d) = d {
            entry.0.push(*d);
        }
        if let Some(p) = p {
            entry.1.push(*p);
        }
    }
    map.into_iter()
        .map(|((engine, class, family), (d, p))| {
            let mut da: Vec<f64> = d.iter().map(|x| x.abs()).collect();
            let mut pa: Vec<f64> = p.iter().map(|x| x.abs()).collect();
            let (mut ds, mut ps) = (d.clone(), p.clone());
            GroupReport {
                family,
                engine,
                class,
                decode_mdape: median(&mut da),
                n_decode: d.len(),
                decode_bias: median(&mut ds),
                prefill_mdape: median(&mut pa),
                n_prefill: p.len(),
                prefill_bias: median(&mut ps),
            }
        })
        .collect()
}

/// Predicted vs measured for every row, under `cal`.
pub fn validate(catalog: &Catalog, rows: &[BenchRow], cal: &Calibration) -> ValidationReport {
    let (cs, unpredicted) = cases(catalog, rows);
    let params: Vec<(Params, String)> = cs
        .iter()
        .map(|c| {
            let r = cal.resolve(&key_of(c));
            (r.params, r.source)
        })
        .collect();
    report(rows, &cs, &params, unpredicted)
}

fn report(
    rows: &[BenchRow],
    cs: &[RowCase],
    params: &[(Params, String)],
    unpredicted: Vec<Unpredicted>,
) -> ValidationReport {
    let mut out_rows = Vec::new();
    let mut signed = Vec::new();
    let (mut d_all, mut p_all) = (Vec::new(), Vec::new());
    for (c, (p, src)) in cs.iter().zip(params) {
        let row = &rows[c.row_index];
        let dm = c.decode.as_ref().map(|d| d.1);
        let dp = decode_prediction(c, p);
        let pm = c.prefill.as_ref().map(|x| x.1);
        let pp = prefill_prediction(c, p);
        let dsig = dm.zip(dp).map(|(m, p)| (p - m) / m * 100.0);
        let psig = pm.zip(pp).map(|(m, p)| (p - m) / m * 100.0);
        if let Some(s) = dsig {
            d_all.push(s.abs());
        }
        if let Some(s) = psig {
            p_all.push(s.abs());
        }
        signed.push((
            engine_key(c.engine).to_string(),
            c.class.clone(),
            c.family.clone(),
            dsig,
            psig,
        ));
        out_rows.push(RowResult {
            row_id: c.row_id.clone(),
            source: c.source.clone(),
            hardware_id: c.hardware_id.clone(),
            family: c.family.clone(),
            engine: c.engine.name().to_string(),
            model_id: row.model_id.clone(),
            model_in_catalog: c.model_in_catalog,
            test: row.test.clone(),
            concurrency: row.concurrency.clone(),
            calibration_group: src.clone(),
            decode_measured: dm,
            decode_predicted: dp,
            decode_ape: dm.zip(dp).map(|(m, p)| ape(p, m)),
            prefill_measured: pm,
            prefill_predicted: pp,
            prefill_ape: pm.zip(pp).map(|(m, p)| ape(p, m)),
        });
    }
    let nd = d_all.len();
    let np = p_all.len();
    ValidationReport {
        decode: Summary {
            mdape: median(&mut d_all).unwrap_or(0.0),
            n: nd,
        },
        prefill: Summary {
            mdape: median(&mut p_all).unwrap_or(0.0),
            n: np,
        },
        groups: group_reports(&signed, |k| k.clone()),
        unpredicted,
        classes: group_reports(&signed, |(e, c, _)| (e.clone(), c.clone(), "*".into())),
        rows: out_rows,
    }
}

// ---------------------------------------------------------------- fitting

/// Which parameters one level may move away from its parent.
#[derive(Debug, Clone, Copy, Default)]
struct Free {
    mem_eff: bool,
    overhead: bool,
    decode_util: bool,
    prefill_util: bool,
    attn_rel: bool,
}

const EVERY: Free = Free {
    mem_eff: true,
    overhead: true,
    decode_util: true,
    prefill_util: true,
    attn_rel: true,
};

/// Shrinkage strengths the cross-validation chooses from (in setups).
pub const SHRINK_GRID: [f64; 8] = [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

/// The shrinkage strength used when the fit runs without cross-validation
/// (the value leave-one-source-out chose on dev.csv).
pub const DEFAULT_SHRINK_K: f64 = 8.0;

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

fn grid_lin(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let n = ((hi - lo) / step).round() as usize;
    (0..=n).map(|i| lo + step * i as f64).collect()
}

fn grid_log(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo * (hi / lo).powf(i as f64 / (n - 1) as f64))
        .collect()
}

/// A case with the multipliers its parameters get: the engine factors when
/// hardware terms are fitted, the hardware terms when engine factors are.
type Scaled<'a> = (&'a RowCase, Params);

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

fn setups(cs: &[Scaled]) -> usize {
    cs.iter()
        .map(|c| c.0.setup.as_str())
        .collect::<BTreeSet<_>>()
        .len()
}

/// Independent setups behind each parameter of one level.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    decode: usize,
    multi: usize,
    prefill: usize,
    attn: usize,
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

/// What one level fits: absolute hardware values or engine factors.
struct Grids {
    eff: Vec<f64>,
    ovh: Vec<f64>,
    util: Vec<f64>,
    attn: Vec<f64>,
    /// Factors: every parameter blends in log space towards its parent (1).
    factor: bool,
}

fn hardware_grids() -> Grids {
    Grids {
        // Sustained reads above ~95 % of the spec sheet are not physical.
        eff: grid_lin(0.15, MAX_MEM_EFF, 0.01),
        ovh: [
            0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 70.0,
            80.0, 100.0, 120.0, 140.0, 160.0, 180.0, 200.0, 250.0,
        ]
        .iter()
        .map(|u| u * 1e-6)
        .collect(),
        util: grid_log(0.01, 1.5, 80),
        attn: grid_log(0.03, 4.0, 40),
        factor: false,
    }
}

fn factor_grids() -> Grids {
    Grids {
        eff: grid_log(0.5, 1.6, 41),
        ovh: grid_log(0.05, 5.0, 41),
        util: grid_log(0.1, 10.0, 61),
        attn: grid_log(0.1, 10.0, 41),
        factor: true,
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
    let dec: Vec<Scaled> = cases
        .iter()
        .copied()
        .filter(|c| c.0.decode.is_some())
        .collect();
    let multi: Vec<Scaled> = dec
        .iter()
        .copied()
        .filter(|c| {
            c.0.decode
                .as_ref()
                .is_some_and(|d| d.0.decode.streams > 1.0)
        })
        .collect();
    let pre: Vec<Scaled> = cases
        .iter()
        .copied()
        .filter(|c| c.0.prefill.is_some())
        .collect();
    // Attention matters in a row when it is at least a tenth of the GEMM work.
    let attn: Vec<Scaled> = pre
        .iter()
        .copied()
        .filter(|c| {
            let t = &c.0.prefill.as_ref().unwrap().0.prefill;
            t.attn_s > 0.1 * t.gemm_s
        })
        .collect();
    let n = Counts {
        decode: if free.mem_eff { setups(&dec) } else { 0 },
        multi: if free.decode_util { setups(&multi) } else { 0 },
        prefill: if free.prefill_util { setups(&pre) } else { 0 },
        attn: if free.attn_rel { setups(&attn) } else { 0 },
    };
    let blend_ovh = |own: f64, parent: f64, w: f64| {
        if grids.factor {
            blend_log(own, parent, w)
        } else {
            blend_lin(own, parent, w)
        }
    };
    let mut p = parent;
    for _ in 0..3 {
        if n.decode > 0 {
            let w = weight(n.decode, k);
            let mut q = p;
            if free.overhead {
                let mut best = (p.mem_eff, p.layer_overhead_s, f64::INFINITY);
                for &o in &grids.ovh {
                    q.layer_overhead_s = o;
                    let (e, v) = argmin(&grids.eff, |e| {
                        q.mem_eff = e;
                        log_loss(&dec, &q, true)
                    });
                    if v < best.2 - 1e-12 {
                        best = (e, o, v);
                    }
                }
                p.mem_eff = blend_log(best.0, parent.mem_eff, w);
                p.layer_overhead_s = blend_ovh(best.1, parent.layer_overhead_s, w);
            } else {
                let (e, _) = argmin(&grids.eff, |e| {
                    q.mem_eff = e;
                    log_loss(&dec, &q, true)
                });
                p.mem_eff = blend_log(e, parent.mem_eff, w);
            }
        }
        if n.multi > 0 {
            let mut q = p;
            let (u, _) = argmin(&grids.util, |u| {
                q.decode_util = u;
                log_loss(&multi, &q, true)
            });
            p.decode_util = blend_log(u, parent.decode_util, weight(n.multi, k));
        }
        if n.attn > 0 {
            let mut q = p;
            let (a, _) = argmin(&grids.attn, |a| {
                q.attn_rel = a;
                log_loss(&attn, &q, false)
            });
            p.attn_rel = blend_log(a, parent.attn_rel, weight(n.attn, k));
        }
        if n.prefill > 0 {
            let mut q = p;
            let (u, _) = argmin(&grids.util, |u| {
                q.prefill_util = u;
                log_loss(&pre, &q, false)
            });
            p.prefill_util = blend_log(u, parent.prefill_util, weight(n.prefill, k));
        }
    }
    (p, n)
}

/// A group holding the parameters that differ from its parent's.
fn group_entry(
    class: &str,
    tier: Option<&str>,
    family: Option<&str>,
    p: &Params,
    parent: &Params,
) -> Option<Group> {
    let differs = |a: f64, b: f64| a != b;
    let g = Group {
        engine: "*".into(),
        class: class.into(),
        tier: tier.map(String::from),
        family: family.map(String::from),
        mem_eff: differs(p.mem_eff, parent.mem_eff).then_some(round(p.mem_eff, 3)),
        layer_overhead_us: differs(p.layer_overhead_s, parent.layer_overhead_s)
            .then_some(round(p.layer_overhead_s * 1e6, 1)),
        decode_util: differs(p.decode_util, parent.decode_util).then_some(round(p.decode_util, 4)),
        prefill_util: differs(p.prefill_util, parent.prefill_util)
            .then_some(round(p.prefill_util, 4)),
        attn_rel: differs(p.attn_rel, parent.attn_rel).then_some(round(p.attn_rel, 3)),
        ..Group::default()
    };
    (param_count(&g) > 0).then_some(g)
}

fn param_count(g: &Group) -> usize {
    [
        g.mem_eff,
        g.layer_overhead_us,
        g.decode_util,
        g.prefill_util,
        g.attn_rel,
    ]
    .iter()
    .filter(|x| x.is_some())
    .count()
}

fn factor_count(f: &EngineFactor) -> usize {
    [
        f.mem_eff,
        f.layer_overhead,
        f.decode_util,
        f.prefill_util,
        f.attn_rel,
    ]
    .iter()
    .filter(|x| **x != 1.0)
    .count()
}

fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

/// Fits the hardware terms on `cases` (each with its engine's factors):
/// all rows, each class, each chip tier within a class (memory efficiency
/// and prefill utilisation), each family within a tier (the same two),
/// every level shrunk towards its parent with strength `k`.
fn fit_hardware(cases: &[Scaled], k: f64) -> Vec<Group> {
    let grids = hardware_grids();
    let (global, _) = fit_level(cases, DEFAULT_PARAMS, EVERY, 0.0, &grids);
    let mut groups = vec![
        group_entry("*", None, None, &global, &DEFAULT_PARAMS).unwrap_or_else(|| Group {
            engine: "*".into(),
            class: "*".into(),
            ..Group::default()
        }),
    ];
    let narrow = Free {
        mem_eff: true,
        prefill_util: true,
        ..Free::default()
    };
    let classes: BTreeSet<&str> = cases.iter().map(|c| c.0.class.as_str()).collect();
    for cl in classes {
        let csub: Vec<Scaled> = cases.iter().copied().filter(|c| c.0.class == cl).collect();
        let (cp, _) = fit_level(&csub, global, EVERY, k, &grids);
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
    };
    let ref_families: BTreeSet<&str> = cases
        .iter()
        .filter(|c| engine_key(c.engine) == REFERENCE_ENGINE)
        .map(|c| c.family.as_str())
        .collect();
    let engines: BTreeSet<&str> = cases
        .iter()
        .map(|c| engine_key(c.engine))
        .filter(|e| *e != REFERENCE_ENGINE)
        .collect();
    let grids = factor_grids();
    let mut out = Vec::new();
    for e in engines {
        let sub: Vec<Scaled> = cases
            .iter()
            .filter(|c| engine_key(c.engine) == e && ref_families.contains(c.family.as_str()))
            .map(|c| {
                let mut key = key_of(c);
                key.engine = REFERENCE_ENGINE.into();
                (c, hw_cal.resolve(&key).params)
            })
            .collect();
        if sub.is_empty() {
            continue;
        }
        let (f, _) = fit_level(&sub, IDENTITY_FACTOR, EVERY, k, &grids);
        out.push(EngineFactor {
            engine: e.to_string(),
            mem_eff: round(f.mem_eff, 3),
            layer_overhead: round(f.layer_overhead_s, 3),
            decode_util: round(f.decode_util, 3),
            prefill_util: round(f.prefill_util, 3),
            attn_rel: round(f.attn_rel, 3),
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
fn fit_groups(cases: &[RowCase], k: f64) -> Calibration {
    let factor_of = |engines: &[EngineFactor], c: &RowCase| -> Params {
        engines
            .iter()
            .find(|f| f.engine == engine_key(c.engine) && f.engine != REFERENCE_ENGINE)
            .map_or(IDENTITY_FACTOR, EngineFactor::as_params)
    };
    let reference: Vec<Scaled> = cases
        .iter()
        .filter(|c| engine_key(c.engine) == REFERENCE_ENGINE)
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
    }
}

/// The source a row came from, without the copy it was read through, so
/// that two transcriptions of one scoreboard count as one source.
pub fn source_key(source: &str) -> String {
    let mut s = source;
    for cut in [" via ", " (", " @", " '"] {
        if let Some(i) = s.find(cut) {
            s = &s[..i];
        }
    }
    s.trim().to_string()
}

// ------------------------------------------------------ cross-validation

/// Out-of-fold signed errors of one row, %.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OofRow {
    pub row_id: String,
    pub source: String,
    pub engine: String,
    pub class: String,
    pub tier: String,
    pub family: String,
    pub decode_err: Option<f64>,
    pub prefill_err: Option<f64>,
    /// The calibration group the held-out fit predicted the row from.
    pub calibration_group: String,
}

/// Overall figures of one protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Protocol {
    pub scheme: String,
    pub decode: Summary,
    pub prefill: Summary,
}

/// One shrinkage strength tried, with its leave-one-source-out error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShrinkTrial {
    pub k: f64,
    pub decode: Summary,
    pub prefill: Summary,
}

/// Predictions of every case by calibrations fitted without its fold.
fn out_of_fold(cs: &[RowCase], fold: &[usize], k: f64) -> Vec<OofRow> {
    let folds: BTreeSet<usize> = fold.iter().copied().collect();
    let mut out: Vec<Option<OofRow>> = vec![None; cs.len()];
    for f in folds {
        let train: Vec<RowCase> = cs
            .iter()
            .zip(fold)
            .filter(|(_, g)| **g != f)
            .map(|(c, _)| c.clone())
            .collect();
        let cal = fit_groups(&train, k);
        for (i, c) in cs.iter().enumerate().filter(|(i, _)| fold[*i] == f) {
            let r = cal.resolve(&key_of(c));
            let params = r.params;
            let signed = |pred: Option<f64>, meas: Option<f64>| {
                pred.zip(meas).map(|(p, m)| (p - m) / m * 100.0)
            };
            out[i] = Some(OofRow {
                row_id: c.row_id.clone(),
                source: source_key(&c.source),
                engine: engine_key(c.engine).to_string(),
                class: c.class.clone(),
                tier: c.tier.clone(),
                family: c.family.clone(),
                decode_err: signed(
                    decode_prediction(c, &params),
                    c.decode.as_ref().map(|d| d.1),
                ),
                prefill_err: signed(
                    prefill_prediction(c, &params),
                    c.prefill.as_ref().map(|d| d.1),
                ),
                calibration_group: r.source,
            });
        }
    }
    out.into_iter().flatten().collect()
}

fn summarize<'a>(rows: impl Iterator<Item = &'a OofRow> + Clone) -> (Summary, Summary) {
    let mut d: Vec<f64> = rows
        .clone()
        .filter_map(|r| r.decode_err.map(f64::abs))
        .collect();
    let mut p: Vec<f64> = rows.filter_map(|r| r.prefill_err.map(f64::abs)).collect();
    let (nd, np) = (d.len(), p.len());
    (
        Summary {
            mdape: median(&mut d).unwrap_or(0.0),
            n: nd,
        },
        Summary {
            mdape: median(&mut p).unwrap_or(0.0),
            n: np,
        },
    )
}

fn loso_folds(cs: &[RowCase]) -> Vec<usize> {
    let sources: Vec<String> = cs
        .iter()
        .map(|c| source_key(&c.source))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    cs.iter()
        .map(|c| {
            let s = source_key(&c.source);
            sources.iter().position(|x| *x == s).unwrap_or(0)
        })
        .collect()
}

/// Random folds from a fixed seed (SplitMix64), so the figure is reproducible.
fn random_folds(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut idx: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        idx.swap(i, j);
    }
    let mut fold = vec![0; n];
    for (pos, &i) in idx.iter().enumerate() {
        fold[i] = pos % k;
    }
    fold
}

/// The seed of the random 5-fold protocol.
pub const KFOLD_SEED: u64 = 20_260_227;

/// Leave-one-source-out at shrinkage `k`, random 5-fold, and
/// leave-one-source-out restricted to rows whose engine × hardware class
/// has rows from another source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossValidation {
    /// `leave-one-source-out`.
    pub scheme: String,
    /// Shrinkage strength used (chosen by leave-one-source-out over [`SHRINK_GRID`]).
    pub shrink_k: f64,
    pub decode: Summary,
    pub prefill: Summary,
    pub by_source: Vec<SourceReport>,
    /// Per hardware family, out-of-fold.
    pub groups: Vec<GroupReport>,
    /// Per engine × hardware class, out-of-fold.
    pub classes: Vec<GroupReport>,
    /// Leave-one-source-out on the rows whose engine × class other sources also measure.
    pub known_class: Protocol,
    /// Random 5-fold over rows ([`KFOLD_SEED`]).
    pub kfold5: Protocol,
    /// Leave-one-source-out at every shrinkage strength tried.
    pub shrink_trials: Vec<ShrinkTrial>,
    pub rows: Vec<OofRow>,
}

fn signed_of(oof: &[OofRow]) -> Vec<Signed> {
    oof.iter()
        .map(|r| {
            (
                r.engine.clone(),
                r.class.clone(),
                r.family.clone(),
                r.decode_err,
                r.prefill_err,
            )
        })
        .collect()
}

/// Cross-validates the fit at shrinkage `k` (`None`: choose it by
/// leave-one-source-out over [`SHRINK_GRID`]).
pub fn cross_validate_with(
    catalog: &Catalog,
    rows: &[BenchRow],
    k: Option<f64>,
) -> CrossValidation {
    let (cs, _) = cases(catalog, rows);
    let folds = loso_folds(&cs);
    let mut trials = Vec::new();
    let mut best: Option<(f64, f64, Vec<OofRow>)> = None;
    let grid: Vec<f64> = match k {
        Some(k) => vec![k],
        None => SHRINK_GRID.to_vec(),
    };
    for &kk in &grid {
        let oof = out_of_fold(&cs, &folds, kk);
        let (d, p) = summarize(oof.iter());
        // Decode and prefill weigh the same.
        let score = d.mdape + p.mdape;
        trials.push(ShrinkTrial {
            k: kk,
            decode: d,
            prefill: p,
        });
        if best.as_ref().is_none_or(|b| score < b.1 - 1e-9) {
            best = Some((kk, score, oof));
        }
    }
    let (k, _, oof) = best.expect("at least one shrinkage strength");
    let (decode, prefill) = summarize(oof.iter());
    let by_source = folds
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|f| {
            let here: Vec<&OofRow> = oof
                .iter()
                .zip(&folds)
                .filter(|(_, g)| **g == f)
                .map(|(r, _)| r)
                .collect();
            let (d, p) = summarize(here.iter().copied());
            SourceReport {
                source: here.first().map(|r| r.source.clone()).unwrap_or_default(),
                decode: d,
                prefill: p,
            }
        })
        .collect();
    // Engine × class pairs measured by more than one source.
    let mut class_sources: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for r in &oof {
        class_sources
            .entry((r.engine.clone(), r.class.clone()))
            .or_default()
            .insert(r.source.clone());
    }
    let known: Vec<&OofRow> = oof
        .iter()
        .filter(|r| class_sources[&(r.engine.clone(), r.class.clone())].len() > 1)
        .collect();
    let (kd, kp) = summarize(known.iter().copied());
    let kfold = out_of_fold(&cs, &random_folds(cs.len(), 5, KFOLD_SEED), k);
    let (fd, fp) = summarize(kfold.iter());
    let signed = signed_of(&oof);
    CrossValidation {
        scheme: "leave-one-source-out".into(),
        shrink_k: k,
        decode,
        prefill,
        by_source,
        groups: group_reports(&signed, |(_, c, f)| ("*".into(), c.clone(), f.clone())),
        classes: group_reports(&signed, |(e, c, _)| (e.clone(), c.clone(), "*".into())),
        known_class: Protocol {
            scheme: "leave-one-source-out, rows whose engine × class other sources measure".into(),
            decode: kd,
            prefill: kp,
        },
        kfold5: Protocol {
            scheme: format!("random 5-fold over rows (seed {KFOLD_SEED})"),
            decode: fd,
            prefill: fp,
        },
        shrink_trials: trials,
        rows: oof,
    }
}

/// Leave-one-source-out (with the other protocols), the shrinkage
/// strength chosen by it: each source's rows are predicted by a
/// calibration fitted without them.
pub fn cross_validate(catalog: &Catalog, rows: &[BenchRow]) -> CrossValidation {
    cross_validate_with(catalog, rows, None)
}

/// Whether a hardware group describes a row's hardware.
fn hw_matches(g: &Group, class: &str, tier: &str, family: &str) -> bool {
    if g.tier.as_ref().is_some_and(|t| t != tier) {
        return false;
    }
    match &g.family {
        Some(f) => f == family,
        None => g.tier.is_some() || g.class == "*" || g.class == class,
    }
}

fn band_of(d: &Summary, p: &Summary) -> (Option<f64>, Option<f64>) {
    (
        (d.n >= MIN_ROWS).then_some(round(d.mdape, 1)),
        (p.n >= MIN_ROWS).then_some(round(p.mdape, 1)),
    )
}

/// Cross-validated MdAPE of the reference engine's rows on a hardware
/// group, where there are at least [`MIN_ROWS`] of them.
fn group_cv_band(g: &Group, oof: &[OofRow]) -> (Option<f64>, Option<f64>) {
    let m: Vec<&OofRow> = oof
        .iter()
        .filter(|r| {
            (if g.engine == "*" {
                r.engine == REFERENCE_ENGINE
            } else {
                r.engine == g.engine
            }) && hw_matches(g, &r.class, &r.tier, &r.family)
        })
        .collect();
    let (d, p) = summarize(m.iter().copied());
    band_of(&d, &p)
}

/// Fits a calibration on `rows`. `fitted` is the date to record and
/// `command` the command line that reproduces the file. With `with_cv`
/// the shrinkage strength is chosen by leave-one-source-out and the printed
/// error bands are cross-validated; without, [`DEFAULT_SHRINK_K`] and
/// in-sample bands.
pub fn calibrate(
    catalog: &Catalog,
    rows: &[BenchRow],
    fitted: &str,
    command: &str,
    data: &str,
    with_cv: bool,
) -> (Calibration, ValidationReport, Option<CrossValidation>) {
    let (cs, _) = cases(catalog, rows);
    let cv = with_cv.then(|| cross_validate(catalog, rows));
    let k = cv.as_ref().map_or(DEFAULT_SHRINK_K, |c| c.shrink_k);
    let mut cal = fit_groups(&cs, k);
    let rep = validate(catalog, rows, &cal);
    let hw_of: BTreeMap<&str, &RowCase> = cs.iter().map(|c| (c.row_id.as_str(), c)).collect();
    for g in cal.groups.iter_mut() {
        let matching: Vec<&RowResult> = rep
            .rows
            .iter()
            .filter(|r| {
                hw_of
                    .get(r.row_id.as_str())
                    .is_some_and(|c| hw_matches(g, &c.class, &c.tier, &c.family))
            })
            .collect();
        g.n_decode = matching.iter().filter(|r| r.decode_ape.is_some()).count();
        g.n_prefill = matching.iter().filter(|r| r.prefill_ape.is_some()).count();
        if g.class == "*" {
            continue;
        }
        // Bands: the group's cross-validated MdAPE on the reference engine's
        // rows (what a new source on this hardware sees); without
        // cross-validation, the in-sample MdAPE.
        let (bd, bp) = match &cv {
            Some(cv) => group_cv_band(g, &cv.rows),
            None => {
                let mut d: Vec<f64> = matching
                    .iter()
                    .filter(|r| engine_key_str(&r.engine) == REFERENCE_ENGINE)
                    .filter_map(|r| r.decode_ape)
                    .collect();
                let mut p: Vec<f64> = matching
                    .iter()
                    .filter(|r| engine_key_str(&r.engine) == REFERENCE_ENGINE)
                    .filter_map(|r| r.prefill_ape)
                    .collect();
                band_of(
                    &Summary {
                        n: d.len(),
                        mdape: median(&mut d).unwrap_or(0.0),
                    },
                    &Summary {
                        n: p.len(),
                        mdape: median(&mut p).unwrap_or(0.0),
                    },
                )
            }
        };
        g.decode_band_pct = bd;
        g.prefill_band_pct = bp;
    }
    for f in cal.engines.iter_mut() {
        let mut d: Vec<f64> = rep
            .rows
            .iter()
            .filter(|r| engine_key_str(&r.engine) == f.engine)
            .filter_map(|r| r.decode_ape)
            .collect();
        let mut p: Vec<f64> = rep
            .rows
            .iter()
            .filter(|r| engine_key_str(&r.engine) == f.engine)
            .filter_map(|r| r.prefill_ape)
            .collect();
        f.n_decode = d.len();
        f.n_prefill = p.len();
        let (bd, bp) = match &cv {
            Some(cv) => {
                let m: Vec<&OofRow> = cv.rows.iter().filter(|r| r.engine == f.engine).collect();
                let (d, p) = summarize(m.iter().copied());
                band_of(&d, &p)
            }
            None => band_of(
                &Summary {
                    n: d.len(),
                    mdape: median(&mut d).unwrap_or(0.0),
                },
                &Summary {
                    n: p.len(),
                    mdape: median(&mut p).unwrap_or(0.0),
                },
            ),
        };
        f.decode_band_pct = bd;
        f.prefill_band_pct = bp;
    }
    let n_params = cal.groups.iter().map(param_count).sum::<usize>()
        + cal.engines.iter().map(factor_count).sum::<usize>();
    cal.meta = Meta {
        fitted: fitted.to_string(),
        command: command.to_string(),
        data: data.to_string(),
        rows: rows.len(),
        decode_mdape_pct: round(rep.decode.mdape, 2),
        decode_n: rep.decode.n,
        prefill_mdape_pct: round(rep.prefill.mdape, 2),
        prefill_n: rep.prefill.n,
        cv_decode_mdape_pct: cv.as_ref().map(|c| round(c.decode.mdape, 2)),
        cv_prefill_mdape_pct: cv.as_ref().map(|c| round(c.prefill.mdape, 2)),
        cv_known_class_decode_mdape_pct: cv.as_ref().map(|c| round(c.known_class.decode.mdape, 2)),
        cv_known_class_prefill_mdape_pct: cv
            .as_ref()
            .map(|c| round(c.known_class.prefill.mdape, 2)),
        cv_kfold5_decode_mdape_pct: cv.as_ref().map(|c| round(c.kfold5.decode.mdape, 2)),
        cv_kfold5_prefill_mdape_pct: cv.as_ref().map(|c| round(c.kfold5.prefill.mdape, 2)),
        shrink_k: Some(k),
        engine_shrink_k: Some(k * ENGINE_SHRINK_RATIO),
        n_params: Some(n_params),
        decode_band_pct: round(
            cv.as_ref()
                .map(|c| c.decode.mdape)
                .unwrap_or(rep.decode.mdape),
            1,
        ),
        prefill_band_pct: round(
            cv.as_ref()
                .map(|c| c.prefill.mdape)
                .unwrap_or(rep.prefill.mdape),
            1,
        ),
    };
    (cal, rep, cv)
}

fn engine_key_str(name: &str) -> &str {
    if name == "ollama" {
        "llama.cpp"
    } else {
        name
    }
}

/// `YYYY-MM-DD` of a Unix time (UTC), for the calibration's fit date.
pub fn civil_date(unix_secs: u64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = (unix_secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}")
}

/// The calibration as the file ships it: a comment header, then TOML.
pub fn calibration_file_text(cal: &Calibration) -> String {
    format!(
        "# rigsize speed calibration: efficiencies of the physical model (docs/speed-model.md),\n\
         # fitted by `{}` on {}.\n\
         # Regenerate with that command; do not edit by hand.\n\
         # [[group]]: hardware terms, fitted on every engine's rows: all rows, class (vendor;\n\
         # apple; <vendor>-unified), chip tier (apple-ultra/max/pro/base, <vendor>-hbm/gddr),\n\
         # family within a tier; each value is its group's fit shrunk towards its parent's\n\
         # with weight n/(n+k) (n setups, k = meta.shrink_k); a missing field is inherited.\n\
         # [[engine]]: factors relative to llama.cpp (hardware value × factor), fitted on the\n\
         # engine's rows on families llama.cpp was also measured on, shrunk towards 1.\n\
         # Bands: leave-one-source-out MdAPE of llama.cpp rows on the group / of the engine's\n\
         # rows (else meta.*_band_pct).\n\n{}",
        cal.meta.command,
        cal.meta.fitted,
        cal.to_toml()
    )
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:6.1}"))
        .unwrap_or_else(|| "     -".into())
}

/// A plain-text rendering of a validation (and cross-validation).
pub fn render_report(rep: &ValidationReport, cv: Option<&CrossValidation>) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "decode  MdAPE {:5.1} % over {} rows\nprefill MdAPE {:5.1} % over {} rows",
        rep.decode.mdape, rep.decode.n, rep.prefill.mdape, rep.prefill.n
    );
    let _ = writeln!(
        s,
        "\n{:<12} {:<24} {:>6} {:>4} {:>6} {:>6} {:>4} {:>6}",
        "engine", "family", "dec%", "n", "bias", "pp%", "n", "bias"
    );
    for g in &rep.groups {
        let _ = writeln!(
            s,
            "{:<12} {:<24} {} {:>4} {} {} {:>4} {}",
            g.engine,
            g.family,
            fmt_opt(g.decode_mdape),
            g.n_decode,
            fmt_opt(g.decode_bias),
            fmt_opt(g.prefill_mdape),
            g.n_prefill,
            fmt_opt(g.prefill_bias)
        );
    }
    let _ = writeln!(s, "\nby class:");
    for g in &rep.classes {
        let _ = writeln!(
            s,
            "{:<12} {:<24} {} {:>4} {} {} {:>4} {}",
            g.engine,
            g.class,
            fmt_opt(g.decode_mdape),
            g.n_decode,
            fmt_opt(g.decode_bias),
            fmt_opt(g.prefill_mdape),
            g.n_prefill,
            fmt_opt(g.prefill_bias)
        );
    }
    if let Some(cv) = cv {
        let _ = writeln!(
            s,
            "\ncross-validation ({}): decode MdAPE {:.1} % (n {}), prefill MdAPE {:.1} % (n {})",
            cv.scheme, cv.decode.mdape, cv.decode.n, cv.prefill.mdape, cv.prefill.n
        );
        for src in &cv.by_source {
            let _ = writeln!(
                s,
                "  {:<60} decode {:6.1} % (n {:3})  prefill {:6.1} % (n {:3})",
                src.source.chars().take(60).collect::<String>(),
                src.decode.mdape,
                src.decode.n,
                src.prefill.mdape,
                src.prefill.n
            );
        }
        let _ = writeln!(
            s,
            "{}: decode MdAPE {:.1} % (n {}), prefill MdAPE {:.1} % (n {})",
            cv.known_class.scheme,
            cv.known_class.decode.mdape,
            cv.known_class.decode.n,
            cv.known_class.prefill.mdape,
            cv.known_class.prefill.n
        );
        let _ = writeln!(
            s,
            "{}: decode MdAPE {:.1} % (n {}), prefill MdAPE {:.1} % (n {})",
            cv.kfold5.scheme,
            cv.kfold5.decode.mdape,
            cv.kfold5.decode.n,
            cv.kfold5.prefill.mdape,
            cv.kfold5.prefill.n
        );
        let _ = writeln!(
            s,
            "shrinkage strength k (leave-one-source-out decode / prefill MdAPE):"
        );
        for t in &cv.shrink_trials {
            let _ = writeln!(
                s,
                "  k {:5.1}  {:5.1} %  {:5.1} %{}",
                t.k,
                t.decode.mdape,
                t.prefill.mdape,
                if t.k == cv.shrink_k {
                    "  <- chosen"
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(s, "  out-of-fold by engine × class:");
        for g in &cv.classes {
            let _ = writeln!(
                s,
                "  {:<10} {:<14} decode {} (n {:3}) bias {}  prefill {} (n {:3}) bias {}",
                g.engine,
                g.class,
                fmt_opt(g.decode_mdape),
                g.n_decode,
                fmt_opt(g.decode_bias),
                fmt_opt(g.prefill_mdape),
                g.n_prefill,
                fmt_opt(g.prefill_bias)
            );
        }
        let _ = writeln!(s, "  out-of-fold by family:");
        for g in &cv.groups {
            let _ = writeln!(
                s,
                "  {:<24} decode {} (n {:3})  prefill {} (n {:3})",
                g.family,
                fmt_opt(g.decode_mdape),
                g.n_decode,
                fmt_opt(g.prefill_mdape),
                g.n_prefill
            );
        }
    }
    if !rep.unpredicted.is_empty() {
        let _ = writeln!(s, "\nunpredicted ({}):", rep.unpredicted.len());
        for u in &rep.unpredicted {
            let _ = writeln!(s, "  row {}: {}", u.row_id, u.reason);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_keys_merge_copies() {
        assert_eq!(
            source_key("ggml-org/llama.cpp discussion #15013 (CUDA scoreboard) via public copy"),
            "ggml-org/llama.cpp discussion #15013"
        );
        assert_eq!(
            source_key("ggml-org/llama.cpp benches/dgx-spark.md @4c7e9893 (maintainer bench)"),
            "ggml-org/llama.cpp benches/dgx-spark.md"
        );
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(951_782_400), "2000-02-29");
        assert_eq!(civil_date(1_767_225_600), "2026-01-01");
    }

    #[test]
    fn shrinkage_blends_towards_the_parent() {
        assert_eq!(weight(0, 8.0), 0.0);
        assert!((weight(8, 8.0) - 0.5).abs() < 1e-12);
        // Geometric mean at w = 1/2; the parent itself when within the snap.
        assert!((blend_log(0.4, 0.9, 0.5) - 0.6).abs() < 1e-9);
        assert_eq!(blend_log(0.91, 0.9, 0.9), 0.9);
        assert_eq!(blend_lin(50e-6, 100e-6, 0.0), 100e-6);
    }

    #[test]
    fn random_folds_are_balanced_and_reproducible() {
        let f = random_folds(23, 5, KFOLD_SEED);
        assert_eq!(f, random_folds(23, 5, KFOLD_SEED));
        for k in 0..5 {
            let n = f.iter().filter(|x| **x == k).count();
            assert!((4..=5).contains(&n), "{n}");
        }
    }

    #[test]
    fn median_even_and_odd() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }
}
