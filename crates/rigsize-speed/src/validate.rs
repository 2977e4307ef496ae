//! Validation: predicted vs measured per row, MdAPE overall and per
//! hardware family × engine, for a calibration.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use rigsize_catalog::Catalog;

use crate::bench::{row_case, BenchRow, DecodeMeasure, RowCase};
use crate::breakdown::{Breakdown, ErrRow};
use crate::calib::{Calibration, GroupKey};
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
    /// Streams decoding together in the decode prediction (1 for one stream).
    pub streams: f64,
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
    /// Per engine, and one stream vs several (B > 1).
    pub breakdown: Breakdown,
    pub rows: Vec<RowResult>,
}

fn ape(pred: f64, meas: f64) -> f64 {
    ((pred - meas) / meas).abs() * 100.0
}

pub(crate) fn median(v: &mut [f64]) -> Option<f64> {
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
        DecodeMeasure::ServingTpot { isl_over_osl } => {
            let per_token = p.prefill_compute_s(&t.prefill) / t.prefill.tokens.max(1.0);
            t.decode.streams / (step + t.decode.streams * isl_over_osl * per_token)
        }
    })
}

pub fn prefill_prediction(case: &RowCase, p: &Params) -> Option<f64> {
    let (t, _) = case.prefill.as_ref()?;
    Some(t.prefill.tokens / p.prefill_s(&t.prefill))
}

pub(crate) fn key_of(case: &RowCase) -> GroupKey {
    GroupKey {
        engine: case.engine_key().to_string(),
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
pub(crate) type Signed = (String, String, String, Option<f64>, Option<f64>);
pub(crate) type GroupErrors = BTreeMap<(String, String, String), (Vec<f64>, Vec<f64>)>;

pub(crate) fn group_reports(
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
    let mut errs = Vec::new();
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
            c.engine_key().to_string(),
            c.class.clone(),
            c.family.clone(),
            dsig,
            psig,
        ));
        errs.push(ErrRow {
            engine: c.engine_key().to_string(),
            class: c.class.clone(),
            family: c.family.clone(),
            streams: c.streams(),
            decode_err: dsig,
            prefill_err: psig,
        });
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
            streams: c.streams(),
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
        breakdown: Breakdown::of(&errs),
        rows: out_rows,
    }
}

/// The source a row came from, without the copy it was read through, so
/// that two transcriptions of one scoreboard count as one source. Files of
/// one repository are one source (one publisher, one rig and method: the
/// four result files of one machine are not four independent checks);
/// threads (discussions, issues, PRs) keep their number, and so do files
/// in an engine's own repository (`repositories` in data/engines.toml):
/// different people post in them.
pub fn source_key(source: &str) -> String {
    let mut s = source.trim_start_matches('"');
    for cut in [" via ", " (", " @", " '"] {
        if let Some(i) = s.find(cut) {
            s = &s[..i];
        }
    }
    let mut words = s.split_whitespace();
    if let (Some(repo), Some(next)) = (words.next(), words.next()) {
        let file = next.contains('/') || next.starts_with('"') || next.contains(".md");
        let engine_repo = rigsize_core::engine::Engine::ALL
            .iter()
            .any(|e| e.profile().repositories.iter().any(|r| r == repo));
        if repo.contains('/') && file && !engine_repo {
            return repo.to_string();
        }
    }
    s.trim().to_string()
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
        // A file in an engine's own repository is its own source.
        assert_eq!(
            source_key("ggml-org/llama.cpp benches/dgx-spark.md @4c7e9893 (maintainer bench)"),
            "ggml-org/llama.cpp benches/dgx-spark.md"
        );
        // Files of one repository are one source; threads are their own.
        for (a, b) in [
            (
                "nixabe/llmxabe docs/BENCHMARKS.md @01e8788",
                "nixabe/llmxabe docs/OPTIMIZATION.md",
            ),
            (
                "owner/rig Model_Reports/a.md @1 (x)",
                "\"owner/rig \"\"VLLM Benchmarks.md\"\" @1",
            ),
            (
                "sudoingX/qwen38-mtp README.md 'table'",
                "sudoingX/qwen38-mtp",
            ),
        ] {
            assert_eq!(source_key(a), source_key(b), "{a} | {b}");
        }
        assert_ne!(
            source_key("ggml-org/llama.cpp discussion #15013"),
            source_key("ggml-org/llama.cpp discussion #4167")
        );
        assert_ne!(
            source_key("sgl-project/sglang PR #31044 description"),
            source_key("sgl-project/sglang PR #31216 description")
        );
    }

    #[test]
    fn median_even_and_odd() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }
}
