//! `calibrate`: the fit on a benchmark file, with its cross-validated error
//! bands and the figures the calibration file records.

use std::collections::BTreeMap;

use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;

use crate::bench::{BenchRow, RowCase};
use crate::calib::{Calibration, EngineFactor, Group, Meta, REFERENCE_ENGINE};
use crate::cv::{cross_validate, summarize, CrossValidation, OofRow};
use crate::fit::{
    factor_count, fit_groups, param_count, round, DEFAULT_SHRINK_K, ENGINE_SHRINK_RATIO,
};
use crate::provenance;
use crate::validate::{cases, median, validate, RowResult, Summary, ValidationReport, MIN_ROWS};

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

/// The decode and prefill bands of some rows' in-sample errors (no cross-validation).
fn in_sample_band<'a>(
    rows: impl Iterator<Item = &'a RowResult> + Clone,
) -> (Option<f64>, Option<f64>) {
    let summary = |v: &mut Vec<f64>| Summary {
        n: v.len(),
        mdape: median(v).unwrap_or(0.0),
    };
    let mut d: Vec<f64> = rows.clone().filter_map(|r| r.decode_ape).collect();
    let mut p: Vec<f64> = rows.filter_map(|r| r.prefill_ape).collect();
    band_of(&summary(&mut d), &summary(&mut p))
}

fn band_of(d: &Summary, p: &Summary) -> (Option<f64>, Option<f64>) {
    (
        (d.n >= MIN_ROWS).then_some(round(d.mdape, 1)),
        (p.n >= MIN_ROWS).then_some(round(p.mdape, 1)),
    )
}

/// A group's (decode, prefill, batched) bands from its out-of-fold rows:
/// the decode band from its one-stream rows where there are [`MIN_ROWS`]
/// (else from all its decode rows), the batched band from the rows with
/// several streams. Out of source a batch is off about twice as far as one
/// stream; one band over both understated the one and overstated the other.
fn cv_bands(rows: &[&OofRow]) -> (Option<f64>, Option<f64>, Option<f64>) {
    let (all, p) = summarize(rows.iter().copied());
    let (one, _) = summarize(rows.iter().copied().filter(|r| r.streams <= 1.0));
    let (many, _) = summarize(rows.iter().copied().filter(|r| r.streams > 1.0));
    let (d, p) = band_of(if one.n >= MIN_ROWS { &one } else { &all }, &p);
    (d, p, band_of(&many, &Summary { n: 0, mdape: 0.0 }).0)
}

/// The same in sample (no cross-validation).
fn in_sample_bands<'a>(
    rows: impl Iterator<Item = &'a RowResult> + Clone,
) -> (Option<f64>, Option<f64>, Option<f64>) {
    let (all, p) = in_sample_band(rows.clone());
    let one = in_sample_band(rows.clone().filter(|r| r.streams <= 1.0)).0;
    let many = in_sample_band(rows.filter(|r| r.streams > 1.0)).0;
    (one.or(all), p, many)
}

/// Cross-validated MdAPE of the reference engine's rows on a hardware
/// group, where there are at least [`MIN_ROWS`] of them: (decode, prefill,
/// decode with several streams).
fn group_cv_band(g: &Group, oof: &[OofRow]) -> (Option<f64>, Option<f64>, Option<f64>) {
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
    cv_bands(&m)
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
    let class_of: BTreeMap<usize, &str> =
        cs.iter().map(|c| (c.row_index, c.class.as_str())).collect();
    let with_class: Vec<(&BenchRow, Option<&str>)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r, class_of.get(&i).copied()))
        .collect();
    let k = cv.as_ref().map_or(DEFAULT_SHRINK_K, |c| c.shrink_k);
    let mut cal = fit_groups(&cs, k);
    cal.provenance = provenance::of_rows(&with_class);
    let rep = validate(catalog, rows, &cal);
    band_groups(&mut cal.groups, &cs, &rep, cv.as_ref());
    band_engines(&mut cal.engines, &rep, cv.as_ref());
    cal.meta = meta(
        &cal,
        rows.len(),
        (fitted, command, data),
        &rep,
        cv.as_ref(),
        k,
    );
    (cal, rep, cv)
}

/// Each hardware group's row counts and error bands, which `predict`
/// prints: the group's cross-validated MdAPE on the reference engine's rows
/// (what a new source on this hardware sees); without cross-validation, the
/// in-sample MdAPE.
fn band_groups(
    groups: &mut [Group],
    cs: &[RowCase],
    rep: &ValidationReport,
    cv: Option<&CrossValidation>,
) {
    let hw_of: BTreeMap<&str, &RowCase> = cs.iter().map(|c| (c.row_id.as_str(), c)).collect();
    for g in groups.iter_mut() {
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
        let (bd, bp, bb) = match cv {
            Some(cv) => group_cv_band(g, &cv.rows),
            None => in_sample_bands(
                matching
                    .iter()
                    .copied()
                    .filter(|r| engine_key_str(&r.engine) == REFERENCE_ENGINE),
            ),
        };
        g.decode_band_pct = bd;
        g.prefill_band_pct = bp;
        g.batched_band_pct = bb;
    }
}

/// Each engine factor's row counts and error bands: the engine's own rows,
/// out of fold where there is cross-validation.
fn band_engines(
    engines: &mut [EngineFactor],
    rep: &ValidationReport,
    cv: Option<&CrossValidation>,
) {
    for f in engines.iter_mut() {
        let mine = || {
            rep.rows
                .iter()
                .filter(|r| engine_key_str(&r.engine) == f.engine)
        };
        f.n_decode = mine().filter(|r| r.decode_ape.is_some()).count();
        f.n_prefill = mine().filter(|r| r.prefill_ape.is_some()).count();
        let (bd, bp, bb) = match cv {
            Some(cv) => {
                let m: Vec<&OofRow> = cv.rows.iter().filter(|r| r.engine == f.engine).collect();
                cv_bands(&m)
            }
            None => in_sample_bands(mine()),
        };
        f.decode_band_pct = bd;
        f.prefill_band_pct = bp;
        f.batched_band_pct = bb;
    }
}

/// The calibration file's header: how the fit went (in-sample and
/// cross-validated errors, shrinkage, size) and the fallback bands.
fn meta(
    cal: &Calibration,
    rows: usize,
    (fitted, command, data): (&str, &str, &str),
    rep: &ValidationReport,
    cv: Option<&CrossValidation>,
    k: f64,
) -> Meta {
    let n_params = cal.groups.iter().map(param_count).sum::<usize>()
        + cal.engines.iter().map(factor_count).sum::<usize>();
    Meta {
        fitted: fitted.to_string(),
        command: command.to_string(),
        data: data.to_string(),
        rows,
        decode_mdape_pct: round(rep.decode.mdape, 2),
        decode_n: rep.decode.n,
        prefill_mdape_pct: round(rep.prefill.mdape, 2),
        prefill_n: rep.prefill.n,
        cv_decode_mdape_pct: cv.map(|c| round(c.decode.mdape, 2)),
        cv_prefill_mdape_pct: cv.map(|c| round(c.prefill.mdape, 2)),
        cv_known_class_decode_mdape_pct: cv.map(|c| round(c.known_class.decode.mdape, 2)),
        cv_known_class_prefill_mdape_pct: cv.map(|c| round(c.known_class.prefill.mdape, 2)),
        cv_kfold5_decode_mdape_pct: cv.map(|c| round(c.kfold5.decode.mdape, 2)),
        cv_kfold5_prefill_mdape_pct: cv.map(|c| round(c.kfold5.prefill.mdape, 2)),
        shrink_k: Some(k),
        engine_shrink_k: Some(k * ENGINE_SHRINK_RATIO),
        n_params: Some(n_params),
        decode_band_pct: round(cv.map(|c| c.decode.mdape).unwrap_or(rep.decode.mdape), 1),
        prefill_band_pct: round(cv.map(|c| c.prefill.mdape).unwrap_or(rep.prefill.mdape), 1),
        batched_band_pct: match cv {
            Some(cv) => cv_bands(&cv.rows.iter().collect::<Vec<_>>()).2,
            None => in_sample_bands(rep.rows.iter()).2,
        },
    }
}

/// A row's engine as a calibration key (its kernel owner's name); a name the table does
/// not know stays as written, so its rows form their own group.
fn engine_key_str(name: &str) -> &str {
    match Engine::parse(name) {
        Ok(e) => crate::calib::engine_key(e),
        Err(_) => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(streams: f64, err: f64) -> OofRow {
        OofRow {
            row_id: String::new(),
            source: String::new(),
            engine: "llama.cpp".into(),
            class: "nvidia".into(),
            tier: String::new(),
            family: String::new(),
            streams,
            decode_err: Some(err),
            prefill_err: None,
            calibration_group: String::new(),
        }
    }

    #[test]
    fn one_stream_and_batches_each_get_their_own_band() {
        let mut rows: Vec<OofRow> = (1..=5).map(|i| row(1.0, i as f64)).collect();
        rows.extend((1..=5).map(|i| row(8.0, -10.0 * i as f64)));
        let refs: Vec<&OofRow> = rows.iter().collect();
        // Medians of |error|: one stream 3, batched 30; no prefill rows.
        assert_eq!(cv_bands(&refs), (Some(3.0), None, Some(30.0)));
        // Too few one-stream rows: the decode band is all decode rows'.
        let few: Vec<&OofRow> = refs[3..].to_vec();
        assert_eq!(cv_bands(&few).0, Some(20.0));
        // Too few batched rows: no batched band (the resolution falls back).
        assert_eq!(cv_bands(&refs[..7]).2, None);
    }
}
