//! Cross-validation of the fit: leave-one-source-out (which also chooses the
//! shrinkage strength), random 5-fold, and the out-of-fold errors per
//! engine, hardware class and family.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use rigsize_catalog::Catalog;

use crate::bench::{BenchRow, RowCase};
use crate::breakdown::{Breakdown, ErrRow};
use crate::fit::{fit_groups, SHRINK_GRID};
use crate::validate::{
    cases, decode_prediction, group_reports, key_of, median, prefill_prediction, source_key,
    GroupReport, Signed, SourceReport, Summary,
};

/// Out-of-fold signed errors of one row, %.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OofRow {
    pub row_id: String,
    pub source: String,
    pub engine: String,
    pub class: String,
    pub tier: String,
    pub family: String,
    /// Streams decoding together (1 for one stream).
    pub streams: f64,
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
pub(crate) fn out_of_fold(cs: &[RowCase], fold: &[usize], k: f64) -> Vec<OofRow> {
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
                engine: c.engine_key().to_string(),
                class: c.class.clone(),
                tier: c.tier.clone(),
                family: c.family.clone(),
                streams: c.streams(),
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

fn err_rows(oof: &[OofRow]) -> Vec<ErrRow> {
    oof.iter()
        .map(|r| ErrRow {
            engine: r.engine.clone(),
            class: r.class.clone(),
            family: r.family.clone(),
            streams: r.streams,
            decode_err: r.decode_err,
            prefill_err: r.prefill_err,
        })
        .collect()
}

pub(crate) fn summarize<'a>(rows: impl Iterator<Item = &'a OofRow> + Clone) -> (Summary, Summary) {
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

pub(crate) fn loso_folds(cs: &[RowCase]) -> Vec<usize> {
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
pub(crate) fn random_folds(n: usize, k: usize, seed: u64) -> Vec<usize> {
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
    /// Leave-one-source-out per engine, and one stream vs several (B > 1).
    pub breakdown: Breakdown,
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
    let (k, oof, trials) = choose_shrink(&cs, &folds, k);
    let (decode, prefill) = summarize(oof.iter());
    let by_source = source_reports(&oof, &folds);
    let known = known_class_rows(&oof);
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
        breakdown: Breakdown::of(&err_rows(&oof)),
        rows: oof,
    }
}

/// Leave-one-source-out at each shrinkage strength of the grid (`k` alone
/// when given): the strength with the lowest decode + prefill MdAPE, its
/// out-of-fold rows, and every trial for the report.
fn choose_shrink(
    cs: &[RowCase],
    folds: &[usize],
    k: Option<f64>,
) -> (f64, Vec<OofRow>, Vec<ShrinkTrial>) {
    let mut trials = Vec::new();
    let mut best: Option<(f64, f64, Vec<OofRow>)> = None;
    let grid: Vec<f64> = match k {
        Some(k) => vec![k],
        None => SHRINK_GRID.to_vec(),
    };
    for &kk in &grid {
        let oof = out_of_fold(cs, folds, kk);
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
    (k, oof, trials)
}

/// The out-of-fold errors of each held-out source, so one source that the
/// others cannot predict stands out.
fn source_reports(oof: &[OofRow], folds: &[usize]) -> Vec<SourceReport> {
    folds
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|f| {
            let here: Vec<&OofRow> = oof
                .iter()
                .zip(folds)
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
        .collect()
}

/// Rows whose engine × class pair more than one source measures: known
/// hardware seen by a new source, apart from hardware no other source has.
fn known_class_rows(oof: &[OofRow]) -> Vec<&OofRow> {
    let mut class_sources: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for r in oof {
        class_sources
            .entry((r.engine.clone(), r.class.clone()))
            .or_default()
            .insert(r.source.clone());
    }
    oof.iter()
        .filter(|r| class_sources[&(r.engine.clone(), r.class.clone())].len() > 1)
        .collect()
}

/// Leave-one-source-out (with the other protocols), the shrinkage
/// strength chosen by it: each source's rows are predicted by a
/// calibration fitted without them.
pub fn cross_validate(catalog: &Catalog, rows: &[BenchRow]) -> CrossValidation {
    cross_validate_with(catalog, rows, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_folds_are_balanced_and_reproducible() {
        let f = random_folds(23, 5, KFOLD_SEED);
        assert_eq!(f, random_folds(23, 5, KFOLD_SEED));
        for k in 0..5 {
            let n = f.iter().filter(|x| **x == k).count();
            assert!((4..=5).contains(&n), "{n}");
        }
    }
}
