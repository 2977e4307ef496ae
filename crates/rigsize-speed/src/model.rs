//! The physical speed model: what one decode step and one prefill move and
//! compute, before any calibration. [`terms`] turns a request into seconds at
//! 100 % efficiency; [`crate::calib::Params`] divides them by the measured
//! efficiencies.
//!
//! Decode, one step for `B` streams: the weight GEMMs and the attention
//! kernels run one after the other; the GEMMs' reads and math add up, the
//! attention is bound by its reads or its math:
//!
//! ```text
//! t_step = weights / (BW · mem_eff) + 2·A·B / (F · decode_util)             weight GEMMs
//!        + max( KV·B / (BW · mem_eff),     attn(B, depth) / (V · decode_attn_util) )  attention
//!        + layers · layer_overhead                kernel launches, syncs
//!        + layers · (B − 1) · stream_overhead     per-sequence work in a batch
//!        + moe_layers · moe_overhead              routing, expert launches
//!        + communication (tensor parallel / pipeline hops)
//! ```
//!
//! `weights` counts what the engine's kernels at that width read
//! ([`decode_weight_reads`]: on Metal, types without a small-batch kernel
//! are re-read per stream at 2–8 streams, experts per (token, expert) pair
//! below 32). Above the mat-vec widths (`batch.metal` / `batch.cuda` in
//! data/engines.toml: 8 streams) the dense weights run the matrix-matrix
//! kernel instead of `2·A·B / (F · decode_util)`: its math is
//! `2·A_dense·T / (F · prefill_util)`, `T` the batch padded to the kernel's
//! tile (32 tokens on Metal, 8 on CUDA) — prefill's kernel, prefill's rate.
//! Metal's small-batch kernel takes at most 5 streams per threadgroup, so at
//! 6–8 streams the weights it covers are read twice; there the dense weights
//! of light types (Q4_0–Q8_0, MXFP4, IQ4_NL, floats) cost `1 −
//! light_math_saving` of the K-quants' math per stream.
//!
//! `F` is the FP16 tensor rate; `V` the rate of the units the engine's decode
//! attention runs on (`decode_attention` in data/engines.toml): the vector
//! FP32 rate for llama.cpp and MLX, `F` for the serving engines' MMA kernels.
//! Vector matters: llama.cpp's decode
//! attention (the FlashAttention "vec" kernels, Metal's decode kernels) runs
//! on the shader ALUs, whose rate is 1/2–1/16 of the tensor rate depending on
//! the chip — one tensor-relative factor fitted on a DGX Spark made an M2
//! Ultra's long-context decode twice too slow.
//!
//! On a power-limited edition everything but the link is divided by its
//! measured clock factor (see [`power_factor`]).
//!
//! Prefill of `P` tokens per stream on top of `D` cached tokens:
//!
//! ```text
//! t_pp = max( n_ubatch · weights / (BW · mem_eff),
//!             (2·A_dense·S·P + 2·A_experts·S·P · (1 + h / tpe)
//!              + attn(P, D)/attn_rel) / (F · prefill_util) )
//!      + n_ubatch · layers · layer_overhead + communication
//!      + request_latency                  the engine's fixed time to first token
//! ```
//!
//! A mixture-of-experts layer splits each micro-batch over its experts:
//! each routed expert sees `tpe = tokens_per_pass · k / E` tokens, and a
//! GEMM that thin runs below the dense rate. `h` (`moe_prefill_half_tokens`,
//! fitted) is the tokens per expert at which the expert GEMMs reach half of
//! it: 512-token llama.cpp micro-batches give 16 tokens per expert on
//! gpt-oss-120b (128 experts, top-4), the serving engines' 8192-token chunks
//! 256.

use serde::{Deserialize, Serialize};

use rigsize_core::dtype::KvType;
use rigsize_core::engine::{Backend, Engine, SmallBatchKernels};
use rigsize_core::hardware::DeviceSet;
use rigsize_core::memory::WeightsEstimate;
use rigsize_core::model::ModelArch;

pub use crate::link::{Link, Split};
pub use crate::params::Params;
pub use crate::rates::power_factor;
use crate::rates::Rates;
pub use crate::work::{
    active_params, attention_flops, decode_compute_params, decode_weight_reads, expert_fraction,
    head_params, kv_read_bytes, kv_scan, prompt_compute_params, weight_bytes_read, KvScan,
};
use crate::work::{recurrent_bytes, routed_active};

/// What to predict.
#[derive(Debug, Clone)]
pub struct SpeedRequest<'a> {
    pub model: &'a ModelArch,
    pub weights: &'a WeightsEstimate,
    pub devices: &'a DeviceSet,
    pub engine: Engine,
    /// Tokens in each stream's cache while decoding.
    pub depth_tokens: u64,
    /// Parallel streams decoding together (batch size).
    pub streams: u32,
    /// Tokens prefilled for the first token (per stream); they end at
    /// `depth_tokens`, so the prefill starts at `depth − prompt` cached tokens.
    pub prompt_tokens: u64,
    /// Streams whose prompts are prefilled together (1 for time to first token).
    pub prefill_streams: u32,
    pub split: Split,
    pub link: Link,
    pub kv_type: KvType,
    /// Tokens per forward pass in prefill (llama.cpp `-ub`); `None`: the engine's default.
    pub ubatch: Option<u64>,
    /// Parameters computed per token (overrides the model's `params_active`,
    /// e.g. from a benchmark row).
    pub active_params: Option<u64>,
    /// The GPU backend (`None`: the vendor's own — CUDA, ROCm/HIP, Metal).
    pub backend: Option<Backend>,
    /// Whether the batch's streams are independent requests or a
    /// benchmark's synthetic tokens (llama-batched-bench).
    pub prompts: BatchPrompts,
    /// The month (`YYYY-MM`) of the engine build measured (`None`: a current
    /// build, what every prediction stands for). Only a benchmark row sets
    /// it, where a build's kernels differ from today's.
    pub build_month: Option<String>,
}

/// What a batch's streams decode: it decides how many distinct experts a
/// mixture-of-experts step reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BatchPrompts {
    /// Independent requests (agents, users, serving benchmarks with their
    /// own prompts): the experts they touch are the union of their
    /// routings, 1 − (1 − k/E)^B.
    #[default]
    Independent,
    /// A benchmark's synthetic tokens (llama-batched-bench: token 0 in every
    /// sequence until llama.cpp PR #15398 of 2025-08-18, random vocabulary
    /// ids since): the streams read fewer distinct experts than the union,
    /// by the fitted share `Params::moe_route_overlap` of the experts beyond
    /// one stream's, where the experts are read once per distinct expert
    /// (per-pair kernels read every (token, expert) pair all the same).
    Synthetic,
}

impl<'a> SpeedRequest<'a> {
    /// A request with the engine's defaults: one stream, no context, a
    /// 512-token prompt, layer split over the default link.
    pub fn new(
        model: &'a ModelArch,
        weights: &'a WeightsEstimate,
        devices: &'a DeviceSet,
        engine: Engine,
    ) -> SpeedRequest<'a> {
        SpeedRequest {
            model,
            weights,
            devices,
            engine,
            depth_tokens: 0,
            streams: 1,
            prompt_tokens: 512,
            prefill_streams: 1,
            split: if engine.is_paged() {
                Split::Tensor
            } else {
                Split::Layer
            },
            link: Link::default_for(devices),
            kv_type: KvType::F16,
            ubatch: None,
            active_params: None,
            backend: None,
            prompts: BatchPrompts::Independent,
            build_month: None,
        }
    }

    /// Tokens per prefill pass: the request's `-ub`, else the engine's default.
    pub fn ubatch_tokens(&self) -> u64 {
        self.ubatch.unwrap_or_else(|| default_ubatch(self.engine))
    }

    /// The backend the request runs on: the stated one, else the device's
    /// native backend (`None` where it has none, as CPUs).
    pub fn backend_in_use(&self) -> Option<Backend> {
        self.backend
            .or_else(|| Backend::native_for(&self.devices.device))
    }
}

/// The prefill micro-batch of an engine (`batch.ubatch` in data/engines.toml): llama.cpp
/// `-ub 512`, mlx_lm's 2048-token prefill step, the serving engines' chunked prefill.
pub fn default_ubatch(engine: Engine) -> u64 {
    engine.runtime().batch.ubatch as u64
}

fn one() -> f64 {
    1.0
}

/// Seconds at 100 % efficiency, to be divided by calibrated efficiencies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DecodeTerms {
    /// Streams in the step.
    pub streams: f64,
    /// Weight bytes read in one step.
    pub weight_bytes: f64,
    /// KV cache + recurrent state bytes read in one step (all streams).
    pub kv_bytes: f64,
    /// The cells each stream's attention scans ([`kv_scan`]).
    #[serde(default)]
    pub kv_scan: KvScan,
    /// Weights / aggregate bandwidth, s.
    pub mem_s: f64,
    /// The part of `mem_s` that is routed experts read beyond one stream's
    /// (independent routing), s: what a benchmark's synthetic tokens save
    /// ([`Params::moe_route_overlap`]); 0 for independent requests and where
    /// the experts are read per (token, expert) pair.
    #[serde(default)]
    pub expert_spread_s: f64,
    /// Whether the routed experts are read once per (token, expert) pair
    /// (the per-pair mat-vec kernels below the grouped expert GEMM).
    #[serde(default)]
    pub expert_per_pair: bool,
    /// KV + recurrent state / aggregate bandwidth, s.
    #[serde(default)]
    pub kv_s: f64,
    /// Layers run one after the other (the per-layer overhead count).
    pub layers: f64,
    /// Mixture-of-experts layers among them (router, top-k, dispatch and
    /// per-expert GEMM launches: a fixed cost dense layers do not pay).
    #[serde(default)]
    pub moe_layers: f64,
    /// FLOPs of the weight GEMMs the mat-vec kernels run / aggregate peak, s
    /// (less the streams whose math hides under the read).
    pub gemm_s: f64,
    /// The part of `gemm_s` that dense weights of light types take in the
    /// small-batch kernel (the kernel table's `light_math`), s.
    #[serde(default)]
    pub gemm_light_s: f64,
    /// Streams whose mat-vec math hides under the weight read (one).
    #[serde(default)]
    pub matvec_hidden_streams: f64,
    /// FLOPs of the dense weight GEMMs the matrix-matrix kernel runs (batches
    /// wider than the engine's mat-vec kernels, padded to its tiles) /
    /// aggregate peak, s. 0 at mat-vec widths.
    #[serde(default)]
    pub gemm_tile_s: f64,
    /// Tokens per matrix-matrix GEMM (the padded batch; 0 at mat-vec widths).
    #[serde(default)]
    pub gemm_tokens: f64,
    /// Attention FLOPs of the step / the aggregate rate of the units the
    /// engine's decode attention runs on (vector FP32 or FP16 tensor), s.
    pub attn_s: f64,
    /// Layers whose kernels are launched one by one, not replayed as one
    /// captured graph (llama.cpp's CUDA graphs skip chips before Volta, and
    /// builds before they reached the chip): each pays the launch cost
    /// [`Params::launch_overhead_s`]. 0 where the step is one graph.
    #[serde(default)]
    pub launch_layers: f64,
    /// Layers of a step of two or more streams whose kernel table switches
    /// kernels from two streams (`batch_switch`: llama.cpp's Metal and CUDA
    /// tables): each pays [`Params::batch_overhead_s`] over a one-stream
    /// step. 0 for one stream, on Vulkan (one mat-vec shader for 1–8
    /// columns), and for engines without a table (their GEMMs take any batch
    /// alike).
    #[serde(default)]
    pub batch_layers: f64,
    /// Link time (all-reduces or pipeline hops), s.
    pub comm_s: f64,
    /// [`power_factor`]: the device's work (all but the link) takes
    /// `1 / power_factor` as long as on its full-power twin.
    #[serde(default = "one")]
    pub power_factor: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrefillTerms {
    /// Tokens prefilled (all streams).
    pub tokens: f64,
    /// Forward passes (micro-batches).
    pub passes: f64,
    /// Weight read of all passes / aggregate bandwidth, s.
    pub mem_s: f64,
    /// passes × layers.
    pub layers: f64,
    /// Dense GEMM FLOPs (all but the routed experts) / aggregate peak, s.
    pub gemm_s: f64,
    /// Routed-expert GEMM FLOPs / aggregate peak, s.
    #[serde(default)]
    pub expert_gemm_s: f64,
    /// Tokens each routed expert sees per pass (0 without experts).
    #[serde(default)]
    pub tokens_per_expert: f64,
    pub attn_s: f64,
    pub comm_s: f64,
    /// As [`DecodeTerms::power_factor`].
    #[serde(default = "one")]
    pub power_factor: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Terms {
    pub decode: DecodeTerms,
    pub prefill: PrefillTerms,
}

/// The calibration-free part of the model for one request.
pub fn terms(req: &SpeedRequest) -> Terms {
    let r = Rates::of(req);
    Terms {
        decode: decode_terms(req, &r),
        prefill: prefill_terms(req, &r),
    }
}

fn decode_terms(req: &SpeedRequest, r: &Rates) -> DecodeTerms {
    let m = req.model;
    let b = req.streams.max(1) as f64;
    let table = small_batch_kernels(req);
    let kernels = table.as_deref();
    let reads = decode_weight_reads(m, req.weights, req.streams, kernels);
    let weight_bytes = reads.bytes;
    // Above the mat-vec widths the dense weights run the matrix-matrix kernel
    // (whole tiles); the routed experts, a few tokens each, stay per column.
    let active = decode_compute_params(req);
    let dense = active - routed_active(m).0.min(active);
    let gemm_tokens = kernels
        .and_then(|k| k.gemm_tokens(req.streams))
        .map_or(0.0, f64::from);
    // On Metal the tiles run at the shader rate: the one batched row on an
    // M5 (B = 32, MLX) is 26 % below it and 46 % above the matrix rate.
    let (matvec_params, tile_s) = if gemm_tokens > 0.0 {
        (active - dense, 2.0 * dense * gemm_tokens / r.shader_flops)
    } else {
        (active, 0.0)
    };
    let hidden = MATVEC_HIDDEN_STREAMS;
    let scan = kv_scan(req);
    let kv_bytes = b * (kv_read_bytes(m, req.kv_type, scan) + recurrent_bytes(m));
    let attn = b * attention_flops(m, req.depth_tokens as f64, 1.0);
    let moe_layers = match &m.moe {
        Some(x) if x.experts > 0 => m.n_layers().saturating_sub(x.dense_layers) as f64,
        _ => 0.0,
    };
    DecodeTerms {
        streams: b,
        weight_bytes,
        kv_bytes,
        kv_scan: scan,
        mem_s: weight_bytes / r.bw,
        // Synthetic tokens share experts; a kernel that reads each (token,
        // expert) pair on its own reads a shared expert once per pair.
        expert_spread_s: match (req.prompts, reads.per_pair) {
            (BatchPrompts::Synthetic, false) => reads.expert_spread / r.bw,
            _ => 0.0,
        },
        expert_per_pair: reads.per_pair,
        kv_s: kv_bytes / r.bw,
        layers: r.layers,
        moe_layers,
        gemm_s: 2.0 * matvec_params * (b - hidden) / r.matvec_flops,
        // Routed experts run their own kernel (per token-expert pair).
        gemm_light_s: if tile_s > 0.0 {
            0.0
        } else {
            2.0 * dense * (b - hidden) / r.matvec_flops * light_share(req, kernels)
        },
        matvec_hidden_streams: hidden,
        gemm_tile_s: tile_s,
        gemm_tokens,
        attn_s: attn / r.attn_flops,
        launch_layers: if launches_each_kernel(req) {
            r.layers
        } else {
            0.0
        },
        batch_layers: if b > 1.0 && kernels.is_some_and(|k| k.batch_switch) {
            r.layers
        } else {
            0.0
        },
        comm_s: r.comm(b),
        power_factor: power_factor(req.devices),
    }
}

/// Streams whose mat-vec math hides under the weight read: one, on every
/// chip. The M-series scoreboard (llama.cpp #4167, llama-2-7b Q4_0) spends
/// 4–7 ms per token beyond the read from an 8-core M1 to a 76-core M2 Ultra,
/// flat where math in proportion to the FLOPs would vary tenfold; each
/// further stream's math is extra work for the same read, and costs. NVIDIA
/// and AMD cards once seemed to need their first stream's math (P40, M40
/// 45–58 % too fast without it), but that was the math charged at the tensor
/// rate, which the mat-vec kernels do not run on (a P40's FP16 is 1/64 of its
/// FP32): at the vector rate (`decode_matvec`) one stream hides on them too
/// (leave-one-source-out one stream 10.2 → 8.7 %, Pascal 54 → 13 %, Turing
/// 14 → 8 %, Hopper 22 → 14 %; docs/speed-model.md, tenth pass).
const MATVEC_HIDDEN_STREAMS: f64 = 1.0;

/// The share of the weights' parameters whose small-batch math is light in
/// the engine's kernels (0 without a kernel table or a type split).
fn light_share(req: &SpeedRequest, kernels: Option<&SmallBatchKernels>) -> f64 {
    let Some(k) = kernels else { return 0.0 };
    let by_type = &req.weights.by_type;
    let all: u64 = by_type.iter().map(|t| t.params).sum();
    let light: u64 = by_type
        .iter()
        .filter(|t| k.light_math.contains(&t.dtype))
        .map(|t| t.params)
        .sum();
    if all == 0 {
        0.0
    } else {
        light as f64 / all as f64
    }
}

/// Whether the request's build launches each kernel of a decode step on its
/// own on this chip (`graphs` in the engine's CUDA kernel table, so the
/// vendor backend only: a Vulkan build is not what the table describes).
fn launches_each_kernel(req: &SpeedRequest) -> bool {
    let native = req.backend.is_none_or(|b| !b.is_portable());
    let table = small_batch_kernels(req);
    match (native, table.as_ref().and_then(|k| k.graphs.as_ref())) {
        (true, Some(g)) => {
            g.launches_each_kernel(&req.devices.device.family, req.build_month.as_deref())
        }
        _ => false,
    }
}

/// The engine's small-batch kernel table for the request's backend (else the
/// device's own): Metal on Apple silicon, CUDA on NVIDIA, Vulkan on any card
/// (`None`: the engine states none, or a backend rigsize has no dispatch
/// table for, such as ROCm).
fn small_batch_kernels<'r>(
    req: &SpeedRequest<'r>,
) -> Option<std::borrow::Cow<'static, SmallBatchKernels>> {
    let batch = &req.engine.runtime().batch;
    let table = match req.backend_in_use() {
        Some(Backend::Metal) => batch.metal.as_ref(),
        Some(Backend::Cuda) => batch.cuda.as_ref(),
        Some(Backend::Vulkan) => batch.vulkan.as_ref(),
        _ => None,
    };
    let dev = &req.devices.device;
    table.map(|k| {
        let chip = k
            .at_build(req.build_month.as_deref())
            .for_chip(&dev.family, &crate::calib::device_tier(dev));
        std::borrow::Cow::Owned(chip)
    })
}

fn prefill_terms(req: &SpeedRequest, r: &Rates) -> PrefillTerms {
    let m = req.model;
    let s = req.prefill_streams.max(1) as f64;
    let p = req.prompt_tokens.max(1) as f64;
    let start = req.depth_tokens.saturating_sub(req.prompt_tokens) as f64;
    let tokens = s * p;
    let ub = req.ubatch_tokens().max(1) as f64;
    let passes = (tokens / ub).ceil().max(1.0);
    let per_pass_tokens = tokens / passes;
    let pass_weights = weight_bytes_read(m, req.weights, per_pass_tokens);
    let active = prompt_compute_params(req);
    let (routed, share) = routed_active(m);
    let routed = routed.min(active);
    PrefillTerms {
        tokens,
        passes,
        mem_s: passes * pass_weights / r.bw,
        layers: passes * r.layers,
        // The head runs once per stream: only the last prompt token's
        // logits are returned.
        gemm_s: 2.0 * ((active - routed) * tokens + head_params(m) * s) / r.flops,
        expert_gemm_s: 2.0 * routed * tokens / r.shader_flops,
        tokens_per_expert: per_pass_tokens * share,
        attn_s: s * attention_flops(m, start, p) / r.shader_flops,
        comm_s: passes * r.comm(per_pass_tokens),
        power_factor: power_factor(req.devices),
    }
}
