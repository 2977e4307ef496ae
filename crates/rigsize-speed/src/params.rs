//! The calibrated efficiencies ([`Params`]) and the seconds they turn a
//! request's [`crate::model::DecodeTerms`] and [`crate::model::PrefillTerms`] into.

use serde::{Deserialize, Serialize};

use crate::model::{DecodeTerms, PrefillTerms};

/// Calibrations that predate `decode_attn_util`: the default's value.
fn default_decode_attn_util() -> f64 {
    crate::calib::DEFAULT_PARAMS.decode_attn_util
}

/// Calibrated efficiencies for one engine on one device.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Share of peak bandwidth that streaming weights and KV reaches.
    pub mem_eff: f64,
    /// Fixed cost per layer per forward pass (kernel launches, syncs), s.
    pub layer_overhead_s: f64,
    /// Share of peak FP16 FLOP/s that batched decode GEMMs reach.
    pub decode_util: f64,
    /// Share of peak FP16 FLOP/s that prefill GEMMs reach.
    pub prefill_util: f64,
    /// Prefill attention throughput relative to prefill GEMM throughput.
    pub attn_rel: f64,
    /// Share of the vector FP32 rate decode attention reaches (its math;
    /// its KV reads go at `mem_eff`).
    #[serde(default = "default_decode_attn_util")]
    pub decode_attn_util: f64,
    /// Tokens per routed expert at which prefill's expert GEMMs run at half
    /// the dense rate (see the module doc). 0: as fast as dense GEMMs.
    #[serde(default)]
    pub moe_prefill_half_tokens: f64,
    /// Fixed cost each stream beyond the first adds per layer to a decode
    /// step, s: per-sequence attention launches, sampling and scheduling
    /// that do not shrink with the batch (what makes small models fall short
    /// of the bandwidth bound at B ≥ 16). 0 in calibrations that predate it.
    #[serde(default)]
    pub stream_overhead_s: f64,
    /// Extra fixed cost of a mixture-of-experts layer per decode step, s
    /// (routing, top-k and per-expert kernel launches). Prefill passes carry
    /// it too, but amortised over hundreds of tokens; applying it there
    /// made leave-one-source-out prefill worse (20.7 → 21.2 %), so it is a
    /// decode term. 0 in calibrations that predate it.
    #[serde(default)]
    pub moe_overhead_s: f64,
    /// Launch cost of a layer whose kernels run one by one instead of as one
    /// captured graph, s ([`DecodeTerms::launch_layers`]). A hardware value
    /// (llama.cpp's CUDA backend on chips or builds without CUDA graphs); 0
    /// in calibrations that predate it.
    #[serde(default)]
    pub launch_overhead_s: f64,
    /// Extra fixed cost per layer of a decode step of two or more streams
    /// over a one-stream step, s ([`DecodeTerms::batch_layers`]): llama.cpp
    /// leaves its one-column weight kernels for the multi-column ones (CUDA
    /// `mul_mat_vec_q` with `ncols_dst` > 1, fewer warps per row; Metal
    /// `mul_mv_ext`) and the per-sequence attention and sampling kernels,
    /// a step the rows show at two streams and not again (DGX Spark,
    /// Qwen2.5-Coder-7B Q8_0: 34.2 → 38.3 → 40.9 ms at 1, 4, 8 streams; an
    /// M1 Max's Llama-3.2-3B Q8_0: 12.5 → 15.6 → 18.3 ms at 1, 2, 4). A
    /// hardware value; 0 in calibrations that predate it.
    #[serde(default)]
    pub batch_overhead_s: f64,
    /// Fixed time to first token of a request on top of its prefill, s:
    /// HTTP, tokenisation, scheduling and the first kernel launches of a
    /// serving engine. An engine value (llama-bench and mlx_lm time the
    /// forward passes alone), what short-prompt TTFT rows measure. 0 in
    /// calibrations that predate it.
    #[serde(default)]
    pub request_latency_s: f64,
    /// Share of a decode batch's extra routed-expert reads (beyond one
    /// stream's, under independent routing: the union 1 − (1 − k/E)^B) that a
    /// benchmark's synthetic tokens do not make (1: every stream the same
    /// experts). Requests decoding real text read the union; kernels that
    /// read each (token, expert) pair save nothing (see
    /// `DecodeTerms::expert_spread_s`). A fitted value, 0 in calibrations
    /// that predate it.
    #[serde(default)]
    pub moe_route_overlap: f64,
    /// Share of the small-batch math that dense weights of light types (one
    /// scale per 32-weight block, or none) do not cost against the K-quants,
    /// which unpack sub-block scales per column: an M1 Max's extra stream
    /// costs ≈ 1.9 ms of Q8_0 math and ≈ 4.4 ms of Q4_K–Q6_K math on a 3B
    /// model. A hardware value fitted on all rows; 0 in calibrations that
    /// predate it.
    #[serde(default)]
    pub light_math_saving: f64,
}

impl Params {
    /// The device's part of a decode step (roofline plus fixed costs) at
    /// full power, s.
    pub fn decode_device_s(&self, t: &DecodeTerms) -> f64 {
        // The kernel kinds run in turn.
        self.weights_s(t) + self.attention_s(t) + self.fixed_s(t)
    }

    /// The fixed costs of a decode step, s: per layer, per extra stream and
    /// layer, per MoE layer, and the launches of layers run without a graph.
    pub fn fixed_s(&self, t: &DecodeTerms) -> f64 {
        t.layers * (self.layer_overhead_s + (t.streams - 1.0).max(0.0) * self.stream_overhead_s)
            + t.moe_layers * self.moe_overhead_s
            + t.launch_layers * self.launch_overhead_s
            + t.batch_layers * self.batch_overhead_s
    }

    /// The weight GEMMs of a decode step, s: the read plus the math. They
    /// do not overlap in practice: llama.cpp's quantized mat-vec kernels
    /// dequantize and multiply per column, so each stream adds its math to
    /// the read (a DGX Spark's step grows ~0.64 ms per stream on a 7B Q8_0
    /// well below its compute bound). Out of source this fitted decode
    /// 22.4 → 19.8 % and B > 1 34.7 → 29.5 % against the roofline's max.
    pub fn weights_s(&self, t: &DecodeTerms) -> f64 {
        self.weight_read_s(t) + self.matvec_math_s(t) + self.tile_gemm_s(t)
    }

    /// The mat-vec kernels' math of a decode step, s: the light types'
    /// dense share at `1 − light_math_saving` of the K-quants' cost.
    pub fn matvec_math_s(&self, t: &DecodeTerms) -> f64 {
        (t.gemm_s - self.light_math_saving * t.gemm_light_s).max(0.0) / self.decode_util
    }

    /// The weight read of a decode step, s: less the expert reads that a
    /// benchmark's synthetic tokens share.
    pub fn weight_read_s(&self, t: &DecodeTerms) -> f64 {
        (t.mem_s - self.moe_route_overlap * t.expert_spread_s).max(0.0) / self.mem_eff
    }

    /// The matrix-matrix part of a wide decode step, s: prefill's GEMM kernel
    /// at prefill's rate. Not slowed further as a thin batch: the step
    /// already adds the full weight read to this math (no overlap), and the
    /// thin-GEMM factor of prefill's expert batches on top made 16–32-stream
    /// steps 20–40 % too slow on Apple silicon and a DGX Spark
    /// (leave-one-source-out: M2 Ultra bench B > 1 19.2 → 14.8 %).
    pub fn tile_gemm_s(&self, t: &DecodeTerms) -> f64 {
        if t.gemm_tile_s <= 0.0 {
            return 0.0;
        }
        t.gemm_tile_s / self.prefill_util
    }

    /// The attention of a decode step (KV reads or math), s.
    pub fn attention_s(&self, t: &DecodeTerms) -> f64 {
        (t.kv_s / self.mem_eff).max(t.attn_s / self.decode_attn_util)
    }

    pub fn decode_step_s(&self, t: &DecodeTerms) -> f64 {
        self.decode_device_s(t) / t.power_factor + t.comm_s
    }

    /// Prefill GEMM time of the routed experts, slowed by their thin batches, s.
    pub fn expert_prefill_s(&self, t: &PrefillTerms) -> f64 {
        if t.expert_gemm_s <= 0.0 {
            return 0.0;
        }
        let thin = 1.0 + self.moe_prefill_half_tokens / t.tokens_per_expert.max(1e-9);
        t.expert_gemm_s * thin / self.prefill_util
    }

    /// Prefill's math alone (GEMMs and attention), s: the part a prompt
    /// adds to decode steps it is mixed into (their weights are read anyway).
    pub fn prefill_compute_s(&self, t: &PrefillTerms) -> f64 {
        t.gemm_s / self.prefill_util
            + self.expert_prefill_s(t)
            + t.attn_s / (self.prefill_util * self.attn_rel)
    }

    pub fn prefill_s(&self, t: &PrefillTerms) -> f64 {
        let device = (t.mem_s / self.mem_eff).max(self.prefill_compute_s(t))
            + t.layers * self.layer_overhead_s;
        device / t.power_factor + t.comm_s + self.request_latency_s
    }
}
