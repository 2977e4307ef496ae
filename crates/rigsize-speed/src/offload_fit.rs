//! Fitting and leave-one-source-out validation of the expert-offload model
//! on `data/bench/offload.csv`.
//!
//! A row is a dev.csv row whose `notes` also carry `n_cpu_moe=N` (blocks
//! whose experts were in system RAM, as llama.cpp counts them) and
//! `ram_bw_gbs=X` (peak system-RAM bandwidth: channels × MT/s × 8 B).

use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::hardware::DeviceSet;
use rigsize_core::memory::WeightsEstimate;
use rigsize_core::model::ModelArch;
use rigsize_core::offload::{split, OffloadSplit};

use crate::bench::{parse_test, row_weights, BenchRow, TestKind};
use crate::calib::Calibration;
use crate::model::SpeedRequest;
use crate::offload::{predict_offload, Host, OffloadCalibration, OffloadParams};

/// One measured offload row, resolved.
#[derive(Debug, Clone)]
pub struct OffloadCase {
    pub row_id: String,
    pub source: String,
    pub arch: ModelArch,
    pub weights: WeightsEstimate,
    pub devices: DeviceSet,
    pub split: OffloadSplit,
    pub host: Host,
    pub depth: u64,
    pub prompt: u64,
    pub tg: Option<f64>,
    pub pp: Option<f64>,
    /// llama.cpp `-ub` of the run (`n_ubatch=` in the notes).
    pub ubatch: Option<u64>,
}

/// `key=value` from a row's notes (`n_cpu_moe=27; ram_bw_gbs=51.2`).
fn note_value(notes: &str, key: &str) -> Option<f64> {
    notes.split([';', '|', ',']).find_map(|part| {
        let (k, v) = part.split_once('=')?;
        (k.trim() == key).then(|| v.trim().parse::<f64>().ok())?
    })
}

/// Turns a row into a case, or says why it cannot.
pub fn case(catalog: &Catalog, row: &BenchRow) -> Result<OffloadCase, String> {
    let rec = catalog.model(&row.model_id).map_err(|e| e.to_string())?;
    let arch = rec.arch.clone();
    let hw = catalog
        .hardware_record(&row.hardware_id)
        .map_err(|_| format!("unknown hardware id '{}'", row.hardware_id))?;
    let devices = DeviceSet {
        device: hw.device.clone(),
        count: row.n_devices.trim().parse().unwrap_or(1),
    };
    let weights = row_weights(&arch, row)?;
    let n = note_value(&row.notes, "n_cpu_moe").ok_or("notes give no n_cpu_moe=N")? as u32;
    let bw = note_value(&row.notes, "ram_bw_gbs").ok_or("notes give no ram_bw_gbs=X")?;
    let split = split(&arch, &weights, n).map_err(|e| e.to_string())?;
    let (prompt, depth) = match parse_test(&row.test).ok_or("test not understood")? {
        TestKind::LlamaBench { pp, depth, .. } => (pp, depth),
        TestKind::PromptThenGen { pp, .. } => (pp, pp),
        _ => return Err("offload rows are llama-bench or prompt+generation tests".into()),
    };
    let depth = row.depth.trim().parse().unwrap_or(depth);
    let pos = |s: &str| s.trim().parse::<f64>().ok().filter(|v| *v > 0.0);
    Ok(OffloadCase {
        row_id: row.row_id.clone(),
        source: row.source.clone(),
        arch,
        weights,
        devices,
        split,
        host: Host {
            ram_bytes_per_s: bw * 1e9,
            source: format!("{bw} GB/s peak from the row"),
        },
        depth,
        prompt,
        tg: pos(&row.tg_tok_s),
        pp: pos(&row.pp_tok_s),
        ubatch: note_value(&row.notes, "n_ubatch").map(|u| u as u64),
    })
}

/// Predicted (decode tok/s, prefill tok/s) of a case.
pub fn predict_case(c: &OffloadCase, cal: &Calibration, off: &OffloadCalibration) -> (f64, f64) {
    let mut r = SpeedRequest::new(&c.arch, &c.split.gpu_weights, &c.devices, Engine::LlamaCpp);
    r.ubatch = c.ubatch;
    // Decode at the cached depth; the prompt is prefilled on top of it.
    r.depth_tokens = c.depth;
    let tg = predict_offload(&r, &c.split, &c.host, cal, off).decode_tok_s_per_stream;
    r.prompt_tokens = c.prompt.max(1);
    r.depth_tokens = c.depth + c.prompt;
    let pp = predict_offload(&r, &c.split, &c.host, cal, off).prefill_tok_s;
    (tg, pp)
}

/// Absolute % errors (decode, prefill) of `cases` under `params`.
pub fn errors(
    cases: &[&OffloadCase],
    cal: &Calibration,
    params: OffloadParams,
) -> (Vec<f64>, Vec<f64>) {
    let off = OffloadCalibration {
        params,
        loso_decode_pct: 0.0,
        loso_prefill_pct: 0.0,
        fitted: String::new(),
    };
    let (mut d, mut p) = (Vec::new(), Vec::new());
    for c in cases {
        let (tg, pp) = predict_case(c, cal, &off);
        if let Some(m) = c.tg {
            d.push((tg / m - 1.0).abs() * 100.0);
        }
        if let (Some(m), true) = (c.pp, c.prompt >= 32) {
            p.push((pp / m - 1.0).abs() * 100.0);
        }
    }
    (d, p)
}

/// Median of `v` (0 for none): `validate`'s median, for callers holding a slice.
pub fn median(v: &[f64]) -> f64 {
    crate::validate::median(&mut v.to_vec()).unwrap_or(0.0)
}

fn sq_log(cases: &[&OffloadCase], cal: &Calibration, p: OffloadParams, decode: bool) -> f64 {
    let off = OffloadCalibration {
        params: p,
        loso_decode_pct: 0.0,
        loso_prefill_pct: 0.0,
        fitted: String::new(),
    };
    cases
        .iter()
        .filter_map(|c| {
            let (tg, pp) = predict_case(c, cal, &off);
            let (pred, meas) = if decode {
                (tg, c.tg?)
            } else {
                (pp, c.pp.filter(|_| c.prompt >= 32)?)
            };
            Some((pred / meas).ln().powi(2))
        })
        .sum()
}

/// Grid steps of the fit: bandwidth and PCIe shares in 0.01, the per-block
/// cost in 5 µs up to 0.5 ms. Least squares on log ratios, decode and prefill apart.
const SYNC_STEPS: u32 = 40;

pub fn fit(cases: &[&OffloadCase], cal: &Calibration) -> OffloadParams {
    let mut best = OffloadParams {
        cpu_bw_eff: 0.5,
        layer_sync_s: 0.0,
        pcie_eff: 0.5,
    };
    let mut best_err = f64::INFINITY;
    for e in 10..=100 {
        for s in 0..=SYNC_STEPS {
            let p = OffloadParams {
                cpu_bw_eff: e as f64 / 100.0,
                layer_sync_s: s as f64 * 5e-6,
                ..best
            };
            let err = sq_log(cases, cal, p, true);
            if err < best_err {
                best_err = err;
                best = p;
            }
        }
    }
    let mut best_pp = f64::INFINITY;
    let mut pcie = best.pcie_eff;
    for e in 5..=100 {
        let p = OffloadParams {
            pcie_eff: e as f64 / 100.0,
            ..best
        };
        let err = sq_log(cases, cal, p, false);
        if err < best_pp {
            best_pp = err;
            pcie = p.pcie_eff;
        }
    }
    best.pcie_eff = pcie;
    best
}

/// Leave-one-source-out: each source predicted by a fit on the others.
/// Returns the out-of-source absolute % errors (decode, prefill).
pub fn loso(cases: &[OffloadCase], cal: &Calibration) -> (Vec<f64>, Vec<f64>) {
    let mut sources: Vec<&str> = cases.iter().map(|c| c.source.as_str()).collect();
    sources.sort();
    sources.dedup();
    let (mut d, mut p) = (Vec::new(), Vec::new());
    for s in sources {
        let train: Vec<&OffloadCase> = cases.iter().filter(|c| c.source != s).collect();
        let test: Vec<&OffloadCase> = cases.iter().filter(|c| c.source == s).collect();
        let params = fit(&train, cal);
        let (a, b) = errors(&test, cal, params);
        d.extend(a);
        p.extend(b);
    }
    (d, p)
}

/// The shipped offload rows (`data/bench/offload.csv`), resolved; a row that
/// cannot be resolved is an error (the file is ours, so it must be clean).
pub fn builtin_cases(catalog: &Catalog) -> Result<Vec<OffloadCase>, String> {
    let rows = crate::bench::parse_csv(
        include_str!("../../../data/bench/offload.csv"),
        "data/bench/offload.csv",
    )
    .map_err(|e| e.to_string())?;
    rows.iter()
        .map(|r| case(catalog, r).map_err(|e| format!("row {}: {e}", r.row_id)))
        .collect()
}
