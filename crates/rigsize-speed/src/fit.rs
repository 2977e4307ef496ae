//! Validation (predicted vs measured per row, MdAPE overall and per group),
//! the calibration fit, and its leave-one-source-out cross-validation.
//!
//! The fit is deliberately simple and robust: grid searches that minimise
//! the median absolute percentage error (MdAPE), level by level —
//! all rows, then each engine, then each engine × hardware class, then
//! (prefill utilisation only) each engine × hardware family — where every
//! level only fits what it has at least [`MIN_ROWS`] informative rows for,
//! and inherits the rest.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use rigsize_catalog::Catalog;

use crate::bench::{row_case, BenchRow, DecodeMeasure, RowCase};
use crate::calib::{engine_key, Calibration, Group, GroupKey, Meta, DEFAULT_PARAMS};
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
pub struct CrossValidation {
    pub scheme: String,
    pub decode: Summary,
    pub prefill: Summary,
    pub by_source: Vec<SourceReport>,
    /// Per hardware family, out-of-fold.
    pub groups: Vec<GroupReport>,
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

#[derive(Debug, Clone, Copy, Default)]
struct Free {
    mem_eff: bool,
    overhead: bool,
    decode_util: bool,
    prefill_util: bool,
    attn_rel: bool,
}

/// Which parameters one level actually fitted.
#[derive(Debug, Clone, Copy, Default)]
struct Fitted {
    mem_eff: bool,
    overhead: bool,
    decode_util: bool,
    prefill: bool,
    attn_rel: bool,
}

fn grid_lin(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let n = ((hi - lo) / step).round() as usize;
    (0..=n).map(|i| lo + step * i as f64).collect()
}

fn grid_log(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo * (hi / lo).powf(i as f64 / (n - 1) as f64))
        .collect()
}

fn mdape_of(cases: &[&RowCase], p: &Params, decode: bool) -> f64 {
    let mut v: Vec<f64> = cases
        .iter()
        .filter_map(|c| {
            if decode {
                let m = c.decode.as_ref()?.1;
                Some(ape(decode_prediction(c, p)?, m))
            } else {
                let m = c.prefill.as_ref()?.1;
                Some(ape(prefill_prediction(c, p)?, m))
            }
        })
        .collect();
    median(&mut v).unwrap_or(f64::INFINITY)
}

fn argmin(grid: &[f64], mut f: impl FnMut(f64) -> f64) -> (f64, f64) {
    let mut best = (grid[0], f64::INFINITY);
    for &x in grid {
        let v = f(x);
        if v < best.1 - 1e-9 {
            best = (x, v);
        }
    }
    best
}

fn fit_subset(cases: &[&RowCase], start: Params, free: Free) -> (Params, Fitted) {
    let dec: Vec<&RowCase> = cases
        .iter()
        .copied()
        .filter(|c| c.decode.is_some())
        .collect();
    let multi: Vec<&RowCase> = dec
        .iter()
        .copied()
        .filter(|c| c.decode.as_ref().is_some_and(|d| d.0.decode.streams > 1.0))
        .collect();
    let pre: Vec<&RowCase> = cases
        .iter()
        .copied()
        .filter(|c| c.prefill.is_some())
        .collect();
    // Attention matters in a row when it is at least a tenth of the GEMM work.
    let attn_rows = pre
        .iter()
        .filter(|c| {
            let t = &c.prefill.as_ref().unwrap().0.prefill;
            t.attn_s > 0.1 * t.gemm_s
        })
        .count();
    let fitted = Fitted {
        mem_eff: free.mem_eff && dec.len() >= MIN_ROWS,
        overhead: free.overhead && dec.len() >= MIN_ROWS,
        decode_util: free.decode_util && multi.len() >= MIN_ROWS,
        prefill: free.prefill_util && pre.len() >= MIN_ROWS,
        attn_rel: free.attn_rel && attn_rows >= MIN_ROWS,
    };
    // Sustained reads above ~95 % of the spec sheet are not physical.
    let eff_grid = grid_lin(0.15, 0.95, 0.01);
    let ovh_grid: Vec<f64> = [
        0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0,
        60.0, 80.0, 100.0, 130.0, 160.0, 200.0,
    ]
    .iter()
    .map(|u| u * 1e-6)
    .collect();
    let util_grid = grid_log(0.01, 1.5, 80);
    let attn_grid = grid_log(0.03, 4.0, 40);
    let mut p = start;
    for _ in 0..3 {
        if fitted.overhead {
            let (o, _) = argmin(&ovh_grid, |o| {
                let mut q = p;
                q.layer_overhead_s = o;
                if fitted.mem_eff {
                    argmin(&eff_grid, |e| {
                        q.mem_eff = e;
                        mdape_of(&dec, &q, true)
                    })
                    .1
                } else {
                    mdape_of(&dec, &q, true)
                }
            });
            p.layer_overhead_s = o;
        }
        if fitted.mem_eff {
            let mut q = p;
            p.mem_eff = argmin(&eff_grid, |e| {
                q.mem_eff = e;
                mdape_of(&dec, &q, true)
            })
            .0;
        }
        if fitted.decode_util {
            let mut q = p;
            p.decode_util = argmin(&util_grid, |u| {
                q.decode_util = u;
                mdape_of(&multi, &q, true)
            })
            .0;
        }
        if fitted.prefill {
            let fit_util = |q: &mut Params| {
                let mut r = *q;
                let (u, v) = argmin(&util_grid, |u| {
                    r.prefill_util = u;
                    mdape_of(&pre, &r, false)
                });
                q.prefill_util = u;
                v
            };
            if fitted.attn_rel {
                let (a, _) = argmin(&attn_grid, |a| {
                    let mut q = p;
                    q.attn_rel = a;
                    fit_util(&mut q)
                });
                p.attn_rel = a;
            }
            fit_util(&mut p);
        }
    }
    (p, fitted)
}

fn group_entry(engine: &str, class: &str, family: Option<&str>, p: &Params, f: Fitted) -> Group {
    Group {
        engine: engine.into(),
        class: class.into(),
        family: family.map(String::from),
        mem_eff: f.mem_eff.then_some(round(p.mem_eff, 3)),
        layer_overhead_us: f.overhead.then_some(round(p.layer_overhead_s * 1e6, 2)),
        decode_util: f.decode_util.then_some(round(p.decode_util, 4)),
        prefill_util: f.prefill.then_some(round(p.prefill_util, 4)),
        attn_rel: f.attn_rel.then_some(round(p.attn_rel, 3)),
        ..Group::default()
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

fn any(f: Fitted) -> bool {
    f.mem_eff || f.overhead || f.decode_util || f.prefill || f.attn_rel
}

/// Fits the groups on `cases` (no meta).
fn fit_groups(cases: &[RowCase]) -> Vec<Group> {
    let all: Vec<&RowCase> = cases.iter().collect();
    let every = Free {
        mem_eff: true,
        overhead: true,
        decode_util: true,
        prefill_util: true,
        attn_rel: true,
    };
    let (global, gf) = fit_subset(&all, DEFAULT_PARAMS, every);
    let mut groups = vec![group_entry("*", "*", None, &global, gf)];
    let engines: BTreeSet<String> = cases
        .iter()
        .map(|c| engine_key(c.engine).to_string())
        .collect();
    for e in &engines {
        let sub: Vec<&RowCase> = all
            .iter()
            .copied()
            .filter(|c| engine_key(c.engine) == e)
            .collect();
        let (ep, ef) = fit_subset(&sub, global, every);
        if any(ef) {
            groups.push(group_entry(e, "*", None, &ep, ef));
        }
        let classes: BTreeSet<String> = sub.iter().map(|c| c.class.clone()).collect();
        for cl in &classes {
            let csub: Vec<&RowCase> = sub.iter().copied().filter(|c| &c.class == cl).collect();
            let (cp, cf) = fit_subset(&csub, ep, every);
            if any(cf) && (classes.len() > 1 || cp != ep) {
                groups.push(group_entry(e, cl, None, &cp, cf));
            }
            let families: BTreeSet<String> = csub.iter().map(|c| c.family.clone()).collect();
            if families.len() < 2 {
                continue;
            }
            for fam in &families {
                let fsub: Vec<&RowCase> =
                    csub.iter().copied().filter(|c| &c.family == fam).collect();
                let (fp, ff) = fit_subset(
                    &fsub,
                    cp,
                    Free {
                        mem_eff: true,
                        prefill_util: true,
                        ..Free::default()
                    },
                );
                if any(ff) && fp != cp {
                    groups.push(group_entry(e, cl, Some(fam), &fp, ff));
                }
            }
        }
    }
    groups
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

/// Fits a calibration on `rows`. `fitted` is the date to record and
/// `command` the command line that reproduces the file.
pub fn calibrate(
    catalog: &Catalog,
    rows: &[BenchRow],
    fitted: &str,
    command: &str,
    data: &str,
    with_cv: bool,
) -> (Calibration, ValidationReport, Option<CrossValidation>) {
    let (cs, _) = cases(catalog, rows);
    let mut cal = Calibration {
        meta: Meta::default(),
        groups: fit_groups(&cs),
    };
    let rep = validate(catalog, rows, &cal);
    let cv = with_cv.then(|| cross_validate(catalog, rows));
    // Bands: each group's in-sample MdAPE where it has rows.
    for g in cal.groups.iter_mut() {
        let matching: Vec<&RowResult> = rep
            .rows
            .iter()
            .filter(|r| {
                let eng_ok = g.engine == "*" || engine_key_str(&r.engine) == g.engine;
                let hw_ok = match &g.family {
                    Some(f) => &r.family == f,
                    None => {
                        g.class == "*"
                            || cs
                                .iter()
                                .find(|c| c.row_id == r.row_id)
                                .is_some_and(|c| c.class == g.class)
                    }
                };
                eng_ok && hw_ok
            })
            .collect();
        let mut d: Vec<f64> = matching.iter().filter_map(|r| r.decode_ape).collect();
        let mut p: Vec<f64> = matching.iter().filter_map(|r| r.prefill_ape).collect();
        g.n_decode = d.len();
        g.n_prefill = p.len();
        if d.len() >= MIN_ROWS && g.engine != "*" {
            g.decode_band_pct = median(&mut d).map(|x| round(x, 1));
        }
        if p.len() >= MIN_ROWS && g.engine != "*" {
            g.prefill_band_pct = median(&mut p).map(|x| round(x, 1));
        }
    }
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

/// Leave-one-source-out: each source's rows are predicted by a calibration
/// fitted without them.
pub fn cross_validate(catalog: &Catalog, rows: &[BenchRow]) -> CrossValidation {
    let (cs, _) = cases(catalog, rows);
    let sources: BTreeSet<String> = cs.iter().map(|c| source_key(&c.source)).collect();
    let mut signed = Vec::new();
    let mut by_source = Vec::new();
    let (mut d_all, mut p_all) = (Vec::new(), Vec::new());
    for s in &sources {
        let train: Vec<RowCase> = cs
            .iter()
            .filter(|c| &source_key(&c.source) != s)
            .cloned()
            .collect();
        let cal = Calibration {
            meta: Meta::default(),
            groups: fit_groups(&train),
        };
        let (mut d, mut p) = (Vec::new(), Vec::new());
        for c in cs.iter().filter(|c| &source_key(&c.source) == s) {
            let params = cal.resolve(&key_of(c)).params;
            let dsig = c
                .decode
                .as_ref()
                .zip(decode_prediction(c, &params))
                .map(|(m, pr)| (pr - m.1) / m.1 * 100.0);
            let psig = c
                .prefill
                .as_ref()
                .zip(prefill_prediction(c, &params))
                .map(|(m, pr)| (pr - m.1) / m.1 * 100.0);
            if let Some(x) = dsig {
                d.push(x.abs());
            }
            if let Some(x) = psig {
                p.push(x.abs());
            }
            signed.push((
                engine_key(c.engine).to_string(),
                c.class.clone(),
                c.family.clone(),
                dsig,
                psig,
            ));
        }
        d_all.extend(d.iter().copied());
        p_all.extend(p.iter().copied());
        let (nd, np) = (d.len(), p.len());
        by_source.push(SourceReport {
            source: s.clone(),
            decode: Summary {
                mdape: median(&mut d).unwrap_or(0.0),
                n: nd,
            },
            prefill: Summary {
                mdape: median(&mut p).unwrap_or(0.0),
                n: np,
            },
        });
    }
    let (nd, np) = (d_all.len(), p_all.len());
    CrossValidation {
        scheme: "leave-one-source-out".into(),
        decode: Summary {
            mdape: median(&mut d_all).unwrap_or(0.0),
            n: nd,
        },
        prefill: Summary {
            mdape: median(&mut p_all).unwrap_or(0.0),
            n: np,
        },
        by_source,
        groups: group_reports(&signed, |(_, c, f)| ("*".into(), c.clone(), f.clone())),
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
         # Groups: engine × hardware class (vendor; apple; <vendor>-unified), and engine ×\n\
         # family for prefill utilisation; a missing field is inherited from the less specific group.\n\n{}",
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
    fn median_even_and_odd() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }
}
