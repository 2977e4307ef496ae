//! `rigsize calibrate --with FILE…`: a user's own measured rows (e.g. from
//! `rigsize bench --save`) refine the prediction for their machine.
//!
//! Per hardware id × engine, the median of measured / predicted over the
//! user's rows becomes a correction factor for decode and for prefill,
//! shrunk towards 1 with weight n/(n+k) (k: the shipped calibration's
//! `shrink_k`, as its groups are). The error band is recomputed
//! leave-one-out on those rows. Stored in the user config dir
//! (`$RIGSIZE_CONFIG_DIR`, else `<config dir>/rigsize`), used by `speed` and
//! `bench`, which show the source.

use std::path::PathBuf;

use anyhow::{Context, Result};
use rigsize_app::speed::SpeedReport;
use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_speed::validate::{RowResult, ValidationReport};
use rigsize_speed::{read_csv, validate, Calibration};
use serde::{Deserialize, Serialize};

/// Fewest rows for a leave-one-out band; with fewer the shipped band stays.
const MIN_BAND_ROWS: usize = 3;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LocalCalibration {
    #[serde(default, rename = "entry")]
    pub entries: Vec<Entry>,
}

/// Corrections for one hardware id × engine.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub hardware_id: String,
    pub engine: String,
    pub decode_scale: f64,
    pub prefill_scale: f64,
    pub n_decode: usize,
    pub n_prefill: usize,
    /// Leave-one-out MdAPE of the corrected predictions on the rows, %.
    pub decode_band_pct: Option<f64>,
    pub prefill_band_pct: Option<f64>,
    pub files: Vec<String>,
    pub fitted: String,
}

/// `$RIGSIZE_CONFIG_DIR/local-calibration.toml`, else under the OS config dir.
pub fn path() -> Option<PathBuf> {
    std::env::var_os("RIGSIZE_CONFIG_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::config_dir().map(|d| d.join("rigsize")))
        .map(|d| d.join("local-calibration.toml"))
}

pub fn load() -> Result<Option<(LocalCalibration, PathBuf)>> {
    let Some(p) = path().filter(|p| p.exists()) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
    let cal = toml::from_str(&text).with_context(|| format!("parsing {}", p.display()))?;
    Ok(Some((cal, p)))
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The shrunk correction from measured / predicted ratios.
fn scale(ratios: &[f64], k: f64) -> f64 {
    let n = ratios.len() as f64;
    median(ratios.to_vec()).map_or(1.0, |r| 1.0 + (r - 1.0) * n / (n + k))
}

/// Leave-one-out MdAPE of the corrected predictions, %.
fn loo_band(ratios: &[f64], k: f64) -> Option<f64> {
    if ratios.len() < MIN_BAND_ROWS {
        return None;
    }
    let apes = (0..ratios.len()).map(|i| {
        let rest: Vec<f64> = ratios
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, r)| *r)
            .collect();
        // measured / (predicted × s) − 1, with measured / predicted = ratio
        ((scale(&rest, k) / ratios[i]) - 1.0).abs() * 100.0
    });
    median(apes.collect())
}

fn base_id(h: &str) -> &str {
    h.split(['@', ':']).next().unwrap_or(h)
}

fn engine_key(e: &str) -> Result<String> {
    Ok(rigsize_speed::calib::engine_key(Engine::parse(e)?).to_string())
}

/// Fits entries on the rows of `files` and stores them (replacing entries
/// for the same hardware × engine).
pub fn run(files: &[PathBuf], catalog: &Catalog, json: bool) -> Result<()> {
    let builtin = Calibration::builtin()?;
    let k = builtin
        .meta
        .shrink_k
        .unwrap_or(rigsize_speed::fit::DEFAULT_SHRINK_K);
    let mut rows = Vec::new();
    for f in files {
        rows.extend(read_csv(f)?);
    }
    anyhow::ensure!(!rows.is_empty(), "no rows in {}", names(files).join(", "));
    let rep = validate(catalog, &rows, &builtin);
    let keys = groups(&rep)?;
    let fitted = rigsize_speed::fit::civil_date(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    );
    let new: Vec<Entry> = keys
        .into_iter()
        .map(|(hw, engine)| fit_entry(&rep, hw, engine, k, files, &fitted))
        .collect();
    let target = store(&new)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"path": target, "entries": new}))?
        );
    } else {
        for e in &new {
            println!(
                "{} with {}: decode ×{:.3} ({} rows), prefill ×{:.3} ({} rows); band decode {}, prefill {}",
                e.hardware_id, e.engine, e.decode_scale, e.n_decode, e.prefill_scale, e.n_prefill,
                band_text(e.decode_band_pct), band_text(e.prefill_band_pct)
            );
        }
        println!("wrote {}", target.display());
    }
    Ok(())
}

/// The hardware × engine groups of the predicted rows, in first-seen order;
/// an error when no row could be predicted, since there is nothing to fit.
fn groups(rep: &ValidationReport) -> Result<Vec<(String, String)>> {
    let mut keys: Vec<(String, String)> = Vec::new();
    for r in &rep.rows {
        let key = (base_id(&r.hardware_id).to_string(), engine_key(&r.engine)?);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    anyhow::ensure!(
        !keys.is_empty(),
        "none of the rows could be predicted ({}); rows need a catalog hardware_id and model",
        rep.unpredicted
            .iter()
            .map(|u| u.reason.as_str())
            .take(3)
            .collect::<Vec<_>>()
            .join("; ")
    );
    Ok(keys)
}

/// The entry for one group: shrunk scales and leave-one-out bands from the
/// rows with both a measurement and a prediction.
fn fit_entry(
    rep: &ValidationReport,
    hw: String,
    engine: String,
    k: f64,
    files: &[PathBuf],
    fitted: &str,
) -> Entry {
    let mine: Vec<_> = rep
        .rows
        .iter()
        .filter(|r| {
            base_id(&r.hardware_id) == hw && engine_key(&r.engine).is_ok_and(|e| e == engine)
        })
        .collect();
    let ratios = |m: fn(&&RowResult) -> (Option<f64>, Option<f64>)| -> Vec<f64> {
        mine.iter()
            .filter_map(|r| match m(r) {
                (Some(meas), Some(pred)) if pred > 0.0 && meas > 0.0 => Some(meas / pred),
                _ => None,
            })
            .collect()
    };
    let d = ratios(|r| (r.decode_measured, r.decode_predicted));
    let p = ratios(|r| (r.prefill_measured, r.prefill_predicted));
    Entry {
        hardware_id: hw,
        engine,
        decode_scale: scale(&d, k),
        prefill_scale: scale(&p, k),
        n_decode: d.len(),
        n_prefill: p.len(),
        decode_band_pct: loo_band(&d, k),
        prefill_band_pct: loo_band(&p, k),
        files: names(files),
        fitted: fitted.to_string(),
    }
}

/// Merges `new` into the stored file, replacing entries for the same
/// hardware × engine and keeping the others; returns the file written.
fn store(new: &[Entry]) -> Result<PathBuf> {
    let target = path().context("no user config directory: set RIGSIZE_CONFIG_DIR")?;
    let mut cal = load()?.map(|(c, _)| c).unwrap_or_default();
    cal.entries.retain(|e| {
        !new.iter()
            .any(|n| n.hardware_id == e.hardware_id && n.engine == e.engine)
    });
    cal.entries.extend(new.iter().cloned());
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let text = format!(
        "# rigsize local calibration: written by `rigsize calibrate --with …`; used by speed and bench.\n{}",
        toml::to_string(&cal)?
    );
    std::fs::write(&target, text).with_context(|| format!("writing {}", target.display()))?;
    Ok(target)
}

fn band_text(b: Option<f64>) -> String {
    b.map_or(
        format!("unchanged (fewer than {MIN_BAND_ROWS} rows)"),
        |b| format!("±{b:.0}%"),
    )
}

fn names(files: &[PathBuf]) -> Vec<String> {
    files.iter().map(|f| f.display().to_string()).collect()
}

/// Applies the user's entry for this hardware × engine to a speed report,
/// noting the source. No entry: the report is unchanged.
pub fn apply(out: &mut SpeedReport, device_id: &str) -> Result<()> {
    let Some((cal, path)) = load()? else {
        return Ok(());
    };
    let engine = engine_key(&out.engine)?;
    let Some(e) = cal
        .entries
        .iter()
        .find(|e| e.hardware_id == base_id(device_id) && e.engine == engine)
    else {
        return Ok(());
    };
    for c in &mut out.predictions {
        let p = &mut c.prediction;
        p.decode_tok_s_per_stream *= e.decode_scale;
        p.decode_tok_s_total *= e.decode_scale;
        p.prefill_tok_s *= e.prefill_scale;
        p.ttft_s /= e.prefill_scale;
        if let Some(b) = e.decode_band_pct {
            p.error_band_pct.decode = b;
        }
        if let Some(b) = e.prefill_band_pct {
            p.error_band_pct.prefill = b;
        }
        p.calibration_group = format!("{} + your rows ({})", p.calibration_group, path.display());
    }
    out.notes.push(format!(
        "calibrated for your machine from {} ({} decode, {} prefill rows of {}, fitted {}): decode ×{:.3}, prefill ×{:.3}; bands {} / {} leave-one-out on your rows",
        path.display(), e.n_decode, e.n_prefill, e.files.join(", "), e.fitted,
        e.decode_scale, e.prefill_scale, band_text(e.decode_band_pct), band_text(e.prefill_band_pct)
    ));
    Ok(())
}
