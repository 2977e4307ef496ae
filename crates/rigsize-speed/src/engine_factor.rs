//! Engine factors: an engine's parameters relative to the reference engine
//! on the same hardware, and how they apply to the hardware terms.

use serde::{Deserialize, Serialize};

use crate::calib::{MAX_MEM_EFF, MAX_ROUTE_OVERLAP};
use crate::model::Params;

/// One engine's parameters relative to the reference engine on the same
/// hardware: each hardware value is multiplied by the factor (1 = as llama.cpp).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineFactor {
    pub engine: String,
    #[serde(default = "one")]
    pub mem_eff: f64,
    #[serde(default = "one")]
    pub layer_overhead: f64,
    #[serde(default = "one")]
    pub decode_util: f64,
    #[serde(default = "one")]
    pub prefill_util: f64,
    #[serde(default = "one")]
    pub attn_rel: f64,
    #[serde(default = "one")]
    pub decode_attn_util: f64,
    #[serde(default = "one")]
    pub stream_overhead: f64,
    #[serde(default = "one")]
    pub moe_overhead: f64,
    /// The engine's fixed time to first token, ms — an absolute value added
    /// to the hardware's (0), not a factor: it is the serving stack's, not
    /// the chip's.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub request_latency_ms: f64,
    /// Added to the hardware's routing overlap (an engine's benchmarks and
    /// scheduler decide how alike a batch routes), not a factor.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub moe_route_overlap: f64,
    /// Cross-validated MdAPE of the engine's rows, % (its printed band).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decode_band_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill_band_pct: Option<f64>,
    /// Cross-validated MdAPE of its decode rows with several streams, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batched_band_pct: Option<f64>,
    /// Measurement setups the factors rest on (rows of the engine on
    /// families the reference engine was also measured on).
    #[serde(default)]
    pub setups: usize,
    #[serde(default)]
    pub n_decode: usize,
    #[serde(default)]
    pub n_prefill: usize,
}

fn one() -> f64 {
    1.0
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl EngineFactor {
    pub fn identity(engine: &str) -> EngineFactor {
        EngineFactor {
            engine: engine.into(),
            mem_eff: 1.0,
            layer_overhead: 1.0,
            decode_util: 1.0,
            prefill_util: 1.0,
            attn_rel: 1.0,
            decode_attn_util: 1.0,
            stream_overhead: 1.0,
            moe_overhead: 1.0,
            request_latency_ms: 0.0,
            moe_route_overlap: 0.0,
            decode_band_pct: None,
            prefill_band_pct: None,
            batched_band_pct: None,
            setups: 0,
            n_decode: 0,
            n_prefill: 0,
        }
    }

    /// The factors as a [`Params`] of multipliers.
    pub fn as_params(&self) -> Params {
        Params {
            mem_eff: self.mem_eff,
            layer_overhead_s: self.layer_overhead,
            decode_util: self.decode_util,
            prefill_util: self.prefill_util,
            attn_rel: self.attn_rel,
            decode_attn_util: self.decode_attn_util,
            // Not an engine factor: the hardware's value is kept.
            moe_prefill_half_tokens: 0.0,
            stream_overhead_s: self.stream_overhead,
            moe_overhead_s: self.moe_overhead,
            // Not an engine factor: the hardware's value is kept.
            launch_overhead_s: 0.0,
            batch_overhead_s: 0.0,
            request_latency_s: self.request_latency_ms * 1e-3,
            moe_route_overlap: self.moe_route_overlap,
            // Not an engine factor: the hardware's value is kept.
            light_math_saving: 0.0,
        }
    }
}

/// Hardware parameters times engine factors (memory efficiency capped at
/// [`MAX_MEM_EFF`]).
pub fn apply_factor(hw: &Params, f: &Params) -> Params {
    Params {
        mem_eff: (hw.mem_eff * f.mem_eff).min(MAX_MEM_EFF),
        layer_overhead_s: hw.layer_overhead_s * f.layer_overhead_s,
        decode_util: hw.decode_util * f.decode_util,
        prefill_util: hw.prefill_util * f.prefill_util,
        attn_rel: hw.attn_rel * f.attn_rel,
        decode_attn_util: hw.decode_attn_util * f.decode_attn_util,
        // A hardware value (factors carry 0); summed so that fitting either
        // side with the other as the multiplier sees the same value.
        moe_prefill_half_tokens: hw.moe_prefill_half_tokens + f.moe_prefill_half_tokens,
        stream_overhead_s: hw.stream_overhead_s * f.stream_overhead_s,
        moe_overhead_s: hw.moe_overhead_s * f.moe_overhead_s,
        // A hardware value (factors carry 0).
        launch_overhead_s: hw.launch_overhead_s + f.launch_overhead_s,
        batch_overhead_s: hw.batch_overhead_s + f.batch_overhead_s,
        // Additive: the engine's latency on top of the hardware's.
        request_latency_s: hw.request_latency_s + f.request_latency_s,
        moe_route_overlap: (hw.moe_route_overlap + f.moe_route_overlap)
            .clamp(0.0, MAX_ROUTE_OVERLAP),
        light_math_saving: hw.light_math_saving + f.light_math_saving,
    }
}

/// Multipliers that change nothing (and no added latency).
pub const IDENTITY_FACTOR: Params = Params {
    mem_eff: 1.0,
    layer_overhead_s: 1.0,
    decode_util: 1.0,
    prefill_util: 1.0,
    attn_rel: 1.0,
    decode_attn_util: 1.0,
    moe_prefill_half_tokens: 0.0,
    stream_overhead_s: 1.0,
    moe_overhead_s: 1.0,
    launch_overhead_s: 0.0,
    batch_overhead_s: 0.0,
    request_latency_s: 0.0,
    moe_route_overlap: 0.0,
    light_math_saving: 0.0,
};
