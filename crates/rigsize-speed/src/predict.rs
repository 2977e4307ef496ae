//! One prediction: the physical terms of [`crate::model`] divided by the
//! calibrated efficiencies, with the error band and every step explained.

use serde::{Deserialize, Serialize};

use crate::calib::{engine_key, Calibration, GroupKey, Resolved};
use crate::changes;
use crate::model::{terms, DecodeTerms, Params, PrefillTerms, SpeedRequest, Split, Terms};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ErrorBand {
    /// Half of the validation measurements of this engine × hardware group
    /// fell within ± this many percent of the prediction (their MdAPE).
    pub decode: f64,
    pub prefill: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedPrediction {
    pub decode_tok_s_per_stream: f64,
    pub decode_tok_s_total: f64,
    pub prefill_tok_s: f64,
    /// Prefill time of the prompt (all prefill streams), s.
    pub ttft_s: f64,
    /// What limits decode: `memory` (bytes moved, fixed costs) or `compute`.
    pub bound: String,
    pub error_band_pct: ErrorBand,
    /// Calibration group the parameters came from.
    pub calibration_group: String,
    /// The engine builds and measurement dates the calibration stands for
    /// (from the benchmark rows behind it), e.g. "llama.cpp b6761–b10451,
    /// measured 2025-08–2026-09 (…)"; `None` for a calibration without them.
    #[serde(default)]
    pub calibration_builds: Option<String>,
    /// Dated notes on known engine changes that moved this setup's speed by
    /// more than 25 % (`data/bench/known-changes.toml`).
    #[serde(default)]
    pub notes: Vec<String>,
    pub params: Params,
    pub terms: Terms,
    pub explain: Vec<String>,
}

/// Decode step time and prefill time under `params`.
pub fn times(t: &Terms, params: &Params) -> (f64, f64) {
    (
        params.decode_step_s(&t.decode),
        params.prefill_s(&t.prefill),
    )
}

pub fn predict(req: &SpeedRequest, cal: &Calibration) -> SpeedPrediction {
    let key = GroupKey::with_backend(req.engine, req.backend, &req.devices.device);
    let resolved = cal.resolve(&key);
    let p = resolved.params;
    let t = terms(req);
    let (step, pp) = times(&t, &p);
    let d = &t.decode;
    // Several streams are predicted about twice as far off as one (their
    // own cross-validated band).
    let decode_band = resolved.decode_band_for(d.streams);
    let bound = decode_bound(d, &p);
    let mut explain = decode_explain(req, &resolved, d, step, bound);
    let f = &t.prefill;
    explain.push(prefill_line(f, &p, pp, resolved.prefill_band_pct));
    let calibration_builds = cal
        .provenance_for(&key.engine, &key.class)
        .map(|p| p.describe());
    let notes = changes::notes_for(engine_key(req.engine), &key.class, &req.model.id);
    if let Some(b) = &calibration_builds {
        explain.push(format!("calibration stands for: {b}"));
    }
    explain.extend(notes.iter().cloned());
    SpeedPrediction {
        decode_tok_s_per_stream: 1.0 / step,
        decode_tok_s_total: d.streams / step,
        prefill_tok_s: f.tokens / pp,
        ttft_s: pp,
        bound: bound.into(),
        error_band_pct: ErrorBand {
            decode: decode_band,
            prefill: resolved.prefill_band_pct,
        },
        calibration_group: resolved.source,
        calibration_builds,
        notes,
        params: p,
        terms: t,
        explain,
    }
}

/// What limits a decode step, for the prediction's `bound`: the math
/// (mat-vec, tile GEMMs, attention) or the reads.
fn decode_bound(d: &DecodeTerms, p: &Params) -> &'static str {
    let mem_part = (d.mem_s + d.kv_s) / p.mem_eff;
    let compute_part = p.matvec_math_s(d) + p.tile_gemm_s(d) + d.attn_s / p.decode_attn_util;
    if compute_part > mem_part {
        "compute"
    } else {
        "memory"
    }
}

/// The decode half of `--explain`: the hardware and calibration used, the
/// parameters, the step's reads and math, the resulting speed (and a
/// power-limited edition's stretch), so every figure can be recomputed.
fn decode_explain(
    req: &SpeedRequest,
    resolved: &Resolved,
    d: &DecodeTerms,
    step: f64,
    bound: &str,
) -> Vec<String> {
    let p = &resolved.params;
    let dev = &req.devices.device;
    let n = req.devices.count.max(1);
    let mut explain = vec![
        format!(
            "hardware: {n} × {} ({:.0} GB/s, {:.1} TFLOP/s fp16), split {} over {}; calibration group {}",
            dev.id,
            dev.bandwidth_bytes_per_s / 1e9,
            dev.fp16_flops / 1e12,
            if n > 1 { req.split.name() } else { "none" },
            if n > 1 { req.link.name() } else { "-" },
            resolved.source
        ),
        params_line(p),
        format!(
            "decode step ({} streams at depth {}): weights {:.2} GB{} + KV/state {:.2} GB{} over {:.0} GB/s × {:.3} = {:.2} + {:.2} ms",
            req.streams.max(1),
            req.depth_tokens,
            d.weight_bytes / 1e9,
            shared_experts(d, p),
            d.kv_bytes / 1e9,
            scanned_cells(req, d),
            dev.bandwidth_bytes_per_s / 1e9 * if req.split == Split::Tensor { n as f64 } else { 1.0 },
            p.mem_eff,
            p.weight_read_s(d) * 1e3,
            d.kv_s / p.mem_eff * 1e3
        ),
        step_line(dev.vector_flops(), d, p, step, bound),
        format!(
            "decode: {:.1} tok/s per stream, {:.1} tok/s total (± {:.0} %{})",
            1.0 / step,
            d.streams / step,
            resolved.decode_band_for(d.streams),
            if d.streams > 1.0 { ", the band of batched rows" } else { "" }
        ),
    ];
    if d.power_factor < 1.0 {
        let twin = dev.power_limit.as_ref().map_or("", |p| p.twin.as_str());
        explain.insert(
            4,
            format!(
                "  power-limited edition: its lower clocks stretch the whole step (reads, compute and fixed costs; link excluded) and prefill by 1/{:.3}, the decode factor measured against {twin}",
                d.power_factor
            ),
        );
    }
    explain
}

/// The calibrated parameters a prediction used, in the units people quote.
fn params_line(p: &Params) -> String {
    format!(
        "params: mem_eff {:.3}, layer overhead {:.1} µs, per-stream {:.2} µs/layer, MoE layer {:.1} µs, decode util {:.3}, decode attention {:.3} of the vector rate, prefill util {:.3}, prefill attention {:.2}× GEMM rate",
        p.mem_eff,
        p.layer_overhead_s * 1e6,
        p.stream_overhead_s * 1e6,
        p.moe_overhead_s * 1e6,
        p.decode_util,
        p.decode_attn_util,
        p.prefill_util,
        p.attn_rel
    )
}

/// The decode step's math, fixed costs and link, summed to the step time:
/// the part of the derivation beyond the reads.
fn step_line(vector_flops: f64, d: &DecodeTerms, p: &Params, step: f64, bound: &str) -> String {
    let fixed = p.fixed_s(d);
    format!(
        "  GEMM math {:.2} ms in mat-vec kernels{} + {:.2} ms in the matrix-matrix kernel ({} tokens per tile set) (the weights take read + math = {:.2} ms), attention math {:.2} ms over {:.1} TFLOP/s vector (attention takes {:.2} ms); + fixed {:.2} ms ({} layers × {:.1} µs, {} more streams × {:.2} µs per layer, {} MoE layers × {:.1} µs, {} layers launched without a graph × {:.1} µs, {} layers of a batched step × {:.1} µs); + link {:.2} ms → {:.2} ms/step ({bound} bound)",
        p.matvec_math_s(d) * 1e3,
        if d.matvec_hidden_streams > 0.0 {
            " (one stream's math hidden under the read)"
        } else {
            ""
        },
        p.tile_gemm_s(d) * 1e3,
        d.gemm_tokens,
        p.weights_s(d) * 1e3,
        d.attn_s / p.decode_attn_util * 1e3,
        vector_flops / 1e12,
        p.attention_s(d) * 1e3,
        fixed * 1e3,
        d.layers,
        p.layer_overhead_s * 1e6,
        (d.streams - 1.0).max(0.0),
        p.stream_overhead_s * 1e6,
        d.moe_layers,
        p.moe_overhead_s * 1e6,
        d.launch_layers,
        p.launch_overhead_s * 1e6,
        d.batch_layers,
        p.batch_overhead_s * 1e6,
        d.comm_s * 1e3,
        step * 1e3
    )
}

/// The prefill half of `--explain`: each term of the time to first token.
fn prefill_line(f: &PrefillTerms, p: &Params, pp: f64, band_pct: f64) -> String {
    format!(
        "prefill {} tokens in {} passes: weights {:.2} ms + overhead {:.2} ms + GEMM {:.2} ms + attention {:.2} ms + link {:.2} ms + request latency {:.1} ms = {:.3} s → {:.0} tok/s (± {:.0} %)",
        f.tokens,
        f.passes,
        f.mem_s / p.mem_eff * 1e3,
        f.layers * p.layer_overhead_s * 1e3,
        f.gemm_s / p.prefill_util * 1e3,
        f.attn_s / (p.prefill_util * p.attn_rel) * 1e3,
        f.comm_s * 1e3,
        p.request_latency_s * 1e3,
        pp,
        f.tokens / pp,
        band_pct
    )
}

/// The routed-expert reads a batch shares, for the decode step's line.
fn shared_experts(d: &DecodeTerms, p: &Params) -> String {
    if d.streams > 1.0 && d.moe_layers > 0.0 && d.expert_spread_s <= 0.0 {
        return if d.expert_per_pair {
            " (experts: one read per token and expert, the per-pair kernels)".into()
        } else {
            " (experts: the union the independent requests route to)".into()
        };
    }
    if d.expert_spread_s <= 0.0 || p.moe_route_overlap <= 0.0 || d.mem_s <= 0.0 {
        return String::new();
    }
    let spread_gb = d.expert_spread_s / d.mem_s * d.weight_bytes / 1e9;
    format!(
        " (of which {spread_gb:.2} GB experts beyond one stream's, {:.0} % of them shared by the benchmark's synthetic tokens)",
        p.moe_route_overlap * 100.0
    )
}

/// The cells each stream's sliding-window layers scan, where the engine
/// scans more than the window: llama.cpp's window-plus-micro-batch ring.
fn scanned_cells(req: &SpeedRequest, d: &crate::model::DecodeTerms) -> String {
    let context = crate::model::KvScan::context(req.model, req.depth_tokens);
    if d.kv_scan.sliding <= context.sliding {
        return String::new();
    }
    format!(
        " (each stream scans {:.0} cells on sliding-window layers, masked or not: the window plus one micro-batch)",
        d.kv_scan.sliding
    )
}
