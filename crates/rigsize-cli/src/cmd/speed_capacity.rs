//! `rigsize speed --min-per-stream X`: the largest number of streams that
//! keeps at least X decode tok/s per stream, at each requested depth.

use anyhow::Result;
use rigsize_app::fit::{build_fit_report_with, FitRequest};
use rigsize_app::speed::{build_speed_report_with, SpeedReport, SpeedRequest};
use rigsize_catalog::Catalog;
use rigsize_core::units::format_tokens;
use serde::Serialize;

use crate::cmd::common::resolve_model;

/// Most streams searched: the batch sizes the speed model is calibrated for.
pub const MAX_SEARCH_STREAMS: u32 = 256;

/// The answer at one depth.
#[derive(Debug, Clone, Serialize)]
pub struct Capacity {
    pub depth: u64,
    pub min_per_stream_tok_s: f64,
    /// Largest stream count meeting the minimum whose KV cache also fits in
    /// memory; `None` when even one stream is slower than it or does not fit.
    pub streams: Option<u32>,
    pub decode_tok_s_per_stream: Option<f64>,
    pub decode_tok_s_total: Option<f64>,
    /// ± % (cross-validated decode band of the prediction).
    pub decode_band_pct: Option<f64>,
    /// What stops one more stream.
    pub limited_by: Limit,
}

/// Why the count is not higher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// One more stream would decode slower than the minimum.
    PerStreamSpeed,
    /// One more stream's KV cache would not fit in memory.
    Memory,
    /// The minimum is still met at [`MAX_SEARCH_STREAMS`].
    SearchEnd,
}

/// Whether `streams` streams of `depth` tokens (at least a 512-token prompt)
/// fit the hardware's memory, by `rigsize fit`'s rules.
fn fits(req: &SpeedRequest, catalog: &Catalog, depth: u64, streams: u32) -> bool {
    let fit = FitRequest {
        model: req.model.clone(),
        quant: req.quant.clone(),
        ctx: Some(serde_json::Value::from(depth.max(512))),
        kv_type: req.kv_type.clone(),
        kv_type_v: None,
        streams: Some(streams),
        hw: Some(req.hw.clone()),
        engine: req.engine.clone(),
        ubatch: None,
        kv_unified: false,
        swa_full: false,
        gpu_memory_utilization: None,
        wired_limit_gb: None,
        extend_context: req.extend_context,
        vision: None,
        n_cpu_moe: req.n_cpu_moe,
        ram_gb: req.ram_gb,
        ram_bw_gbs: req.ram_bw_gbs,
    };
    build_fit_report_with(&fit, catalog, &resolve_model)
        .ok()
        .and_then(|(r, _)| r.fits)
        .unwrap_or(false)
}

/// Decode per stream and total at `streams` and `depth` (one cell of the
/// ordinary report); `None` where the streams do not fit in memory or the
/// request cannot be predicted at that stream count.
fn at(req: &SpeedRequest, catalog: &Catalog, depth: u64, streams: u32) -> Option<(f64, f64, f64)> {
    if !fits(req, catalog, depth, streams) {
        return None;
    }
    let mut r = req.clone();
    r.depth = Some(serde_json::Value::String(depth.to_string()));
    r.streams = Some(serde_json::Value::String(streams.to_string()));
    let out = build_speed_report_with(&r, catalog, &resolve_model).ok()?;
    let p = &out.predictions.first()?.prediction;
    Some((
        p.decode_tok_s_per_stream,
        p.decode_tok_s_total,
        p.error_band_pct.decode,
    ))
}

/// Per-stream speed falls as streams are added (more KV read, more GEMM
/// work, per-stream costs) and memory fills, so the largest count meeting
/// `min` is found by bisection between 1 and [`MAX_SEARCH_STREAMS`].
fn at_depth(req: &SpeedRequest, catalog: &Catalog, depth: u64, min: f64) -> Capacity {
    let meets = |s: u32| at(req, catalog, depth, s).filter(|v| v.0 >= min);
    let mut out = Capacity {
        depth,
        min_per_stream_tok_s: min,
        streams: None,
        decode_tok_s_per_stream: None,
        decode_tok_s_total: None,
        decode_band_pct: None,
        limited_by: Limit::PerStreamSpeed,
    };
    let Some(mut best) = meets(1).map(|v| (1, v)) else {
        if !fits(req, catalog, depth, 1) {
            out.limited_by = Limit::Memory;
        }
        return out;
    };
    if let Some(v) = meets(MAX_SEARCH_STREAMS) {
        best = (MAX_SEARCH_STREAMS, v);
        out.limited_by = Limit::SearchEnd;
    } else {
        let (mut lo, mut hi) = (1, MAX_SEARCH_STREAMS);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            match meets(mid) {
                Some(v) => {
                    lo = mid;
                    best = (mid, v);
                }
                None => hi = mid,
            }
        }
    }
    let (s, (per, total, band)) = best;
    if out.limited_by != Limit::SearchEnd && !fits(req, catalog, depth, s + 1) {
        out.limited_by = Limit::Memory;
    }
    out.streams = Some(s);
    out.decode_tok_s_per_stream = Some(per);
    out.decode_tok_s_total = Some(total);
    out.decode_band_pct = Some(band);
    out
}

/// The largest stream count meeting `min` at every depth of `report`.
pub fn max_streams(
    req: &SpeedRequest,
    catalog: &Catalog,
    report: &SpeedReport,
    min: f64,
) -> Result<Vec<Capacity>> {
    anyhow::ensure!(
        min.is_finite() && min > 0.0,
        "--min-per-stream must be a positive speed in tok/s, got {min}"
    );
    let mut depths: Vec<u64> = report.predictions.iter().map(|c| c.depth).collect();
    depths.dedup();
    Ok(depths
        .into_iter()
        .map(|d| at_depth(req, catalog, d, min))
        .collect())
}

pub fn print(caps: &[Capacity]) {
    for c in caps {
        match (c.streams, c.decode_tok_s_per_stream, c.decode_tok_s_total) {
            (Some(s), Some(per), Some(total)) => println!(
                "at depth {}: up to {s} streams keep ≥ {:.1} tok/s per stream ({per:.1} per stream, {total:.0} total, ±{:.0}%); {}",
                format_tokens(c.depth),
                c.min_per_stream_tok_s,
                c.decode_band_pct.unwrap_or(0.0),
                match c.limited_by {
                    Limit::PerStreamSpeed => "one more stream would be slower than that".to_string(),
                    Limit::Memory => "one more stream's KV cache would not fit in memory".to_string(),
                    Limit::SearchEnd =>
                        format!("still met at {MAX_SEARCH_STREAMS}, the most rigsize searches"),
                }
            ),
            _ => println!(
                "at depth {}: {}",
                format_tokens(c.depth),
                if c.limited_by == Limit::Memory {
                    "one stream does not fit in memory".to_string()
                } else {
                    format!(
                        "even one stream is slower than {:.1} tok/s",
                        c.min_per_stream_tok_s
                    )
                }
            ),
        }
    }
}
