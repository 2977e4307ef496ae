//! `fit`: one model, one request, optionally one device set → does it fit,
//! with how much room, and up to what context. The CLI, the web API and the
//! tool server all return this same [`FitReport`].

use serde::{Deserialize, Serialize};

use crate::hardware::{DeviceKind, DeviceSet};
use crate::memory::{self, MemoryEstimate, MemoryRequest, WeightsEstimate};
use crate::model::ModelArch;
use crate::units::{format_tokens, to_gib};

/// The device side of a fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HardwareFit {
    pub id: String,
    pub name: String,
    pub count: u32,
    /// Physical memory of all devices together.
    pub memory_bytes: u64,
    /// What the engine may use (Apple: wired limit; vLLM: utilization share).
    pub available_bytes: u64,
    pub fits: bool,
    /// available − total; negative when it does not fit. `fits` here is the
    /// memory verdict alone; the report's top-level `fits` also needs the
    /// context and the engine to work.
    pub headroom_bytes: i64,
    /// Largest context per stream that fits (capped at the model's maximum),
    /// `None` when not even the weights fit.
    pub max_context_tokens: Option<u64>,
    /// `memory` or `model` — what caps `max_context_tokens`.
    pub max_context_limited_by: Option<String>,
    /// Total per device when the model is split evenly by layers.
    pub per_device_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    pub model: String,
    pub model_name: String,
    pub quant: String,
    pub engine: String,
    pub ctx: u64,
    pub streams: u32,
    pub kv_type: String,
    pub weights_bytes: u64,
    pub kv_cache_bytes: u64,
    pub kv_cache_bytes_per_stream: u64,
    pub recurrent_state_bytes: u64,
    pub compute_buffer_bytes: u64,
    pub overhead_bytes: u64,
    pub total_bytes: u64,
    /// The vision encoder (mmproj / vision tower), counted in `total_bytes`
    /// when the request loads it; 0 otherwise.
    #[serde(default)]
    pub vision_encoder_bytes: u64,
    /// Present with `--hw`; its fields are also flattened to the top level
    /// (`available_bytes`, `headroom_bytes`, `max_context_tokens`).
    pub hardware: Option<HardwareFit>,
    pub available_bytes: Option<u64>,
    /// The verdict: memory (with `--hw`), context and engine all allow the
    /// run. `false` without `--hw` when the context or engine rules it out;
    /// `None` when only the memory need was asked for.
    pub fits: Option<bool>,
    /// Why it does not fit, one line per blocker (`None` when it fits).
    #[serde(default)]
    pub reason: Option<String>,
    /// What rules the run out, typed.
    #[serde(default)]
    pub blockers: Vec<Blocker>,
    /// The smallest changes that make it fit, best first (filled by the
    /// application layer, which can re-size other quantizations).
    #[serde(default)]
    pub fixes: Vec<Fix>,
    pub headroom_bytes: Option<i64>,
    pub max_context_tokens: Option<u64>,
    /// Things the user must know (context beyond the native window, KV
    /// quantization, engine semantics).
    pub warnings: Vec<String>,
    pub engine_semantics: String,
    pub memory: MemoryEstimate,
    /// llama.cpp expert offload (`--n-cpu-moe`): the GPU and system-RAM
    /// shares. With it, `weights_bytes` and `total_bytes` are the GPU's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offload: Option<crate::offload::OffloadFit>,
}

/// Inputs of a fit, already resolved from names to records.
pub struct FitInput<'a> {
    pub model: &'a ModelArch,
    pub quant_label: String,
    pub weights: &'a WeightsEstimate,
    pub request: MemoryRequest,
    pub hardware: Option<&'a DeviceSet>,
    /// Apple: the `iogpu.wired_limit_mb` setting, if raised.
    pub wired_limit_bytes: Option<u64>,
    /// The user enables the model's documented RoPE/YaRN extension
    /// (`--extend-context`): the context limit is the extended one.
    pub extend_context: bool,
    /// Load the vision encoder (mmproj / vision tower) beside the weights.
    pub vision: bool,
}

/// Bytes per vision-encoder parameter: llama.cpp's `mmproj` files are
/// usually F16 and vLLM/MLX keep the vision tower in BF16 even when the
/// language model is quantized.
pub const VISION_ENCODER_BYTES_PER_PARAM: u64 = 2;

/// What rules a run out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Blocker {
    /// The context per stream is beyond what the model attends: its native
    /// window, or the documented extension when the user enables it.
    Context {
        requested_tokens: u64,
        limit_tokens: u64,
        native_tokens: u64,
        /// The documented extension (YaRN…), if any.
        extended_tokens: Option<u64>,
        extension_enabled: bool,
    },
    /// Weights, cache and overhead need more than the engine may use.
    Memory {
        needed_bytes: u64,
        available_bytes: u64,
    },
    /// The engine does not run on this hardware or quantization
    /// (data/engine-compat.toml).
    Engine { rule: String, source: String },
    /// Expert offload: system RAM (`--ram-gb`) cannot hold the experts kept
    /// there.
    SystemMemory {
        needed_bytes: u64,
        available_bytes: u64,
    },
}

impl Blocker {
    /// One sentence for the user.
    pub fn message(&self) -> String {
        match self {
            Blocker::Context {
                requested_tokens,
                limit_tokens,
                native_tokens,
                extended_tokens,
                extension_enabled,
            } => match extended_tokens {
                Some(e) if !extension_enabled && requested_tokens <= e => format!(
                    "{requested_tokens} tokens per stream is beyond the native context of {native_tokens} tokens; the documented RoPE/YaRN extension reaches {e} tokens, enable it with --extend-context"
                ),
                _ => format!(
                    "{requested_tokens} tokens per stream is beyond the model's maximum context of {} tokens{}: it cannot attend that far",
                    extended_tokens.unwrap_or(*limit_tokens).max(*limit_tokens),
                    if extended_tokens.is_some() { " (with its RoPE/YaRN extension)" } else { "" }
                ),
            },
            Blocker::Memory {
                needed_bytes,
                available_bytes,
            } => format!(
                "needs {:.1} GiB but {:.1} GiB is available ({:.1} GiB short)",
                to_gib(*needed_bytes),
                to_gib(*available_bytes),
                to_gib(needed_bytes.saturating_sub(*available_bytes))
            ),
            Blocker::Engine { rule, source } => format!("{rule} [{source}]"),
            Blocker::SystemMemory {
                needed_bytes,
                available_bytes,
            } => format!(
                "the offloaded experts need {:.1} GiB of system RAM but {:.1} GiB is given (--ram-gb)",
                to_gib(*needed_bytes),
                to_gib(*available_bytes)
            ),
        }
    }
}

/// A change that makes the run fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FixKind {
    /// More devices of the same kind.
    Devices { count: u32 },
    /// A smaller quantization.
    Quant { quant: String },
    /// A smaller KV cache element type.
    KvType { kv_type: String },
    /// A shorter context per stream.
    Context { ctx: u64 },
    /// Fewer parallel streams.
    Streams { streams: u32 },
    /// Enable the model's documented context extension.
    ExtendContext,
    /// Another engine.
    Engine { engine: String },
    /// llama.cpp expert offload: the routed experts of the first
    /// `n_cpu_moe` blocks in system RAM.
    Offload {
        n_cpu_moe: u32,
        gpu_bytes: u64,
        host_bytes: u64,
        /// Predicted single-stream decode at the requested context, tok/s
        /// (`None` when no speed could be estimated).
        decode_tok_s: Option<f64>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    #[serde(flatten)]
    pub change: FixKind,
    /// Total bytes with the change (0 where memory is not the issue).
    pub total_bytes: u64,
    pub description: String,
}

/// The context per stream a request may use: the native window, or the
/// documented extension when the user enables it.
pub fn context_limit(model: &ModelArch, extend_context: bool) -> u64 {
    if extend_context {
        model.max_context()
    } else {
        model.native_context
    }
}

/// The blocker for a context per stream beyond [`context_limit`].
pub fn context_blocker(model: &ModelArch, ctx: u64, extend_context: bool) -> Option<Blocker> {
    let limit = context_limit(model, extend_context);
    (ctx > limit).then(|| Blocker::Context {
        requested_tokens: ctx,
        limit_tokens: limit,
        native_tokens: model.native_context,
        extended_tokens: model.extended_context.filter(|e| *e > model.native_context),
        extension_enabled: extend_context,
    })
}

/// Bytes of the vision encoder when it is loaded.
pub fn vision_encoder_bytes(model: &ModelArch) -> u64 {
    model
        .vision
        .as_ref()
        .map(|v| v.encoder_params * VISION_ENCODER_BYTES_PER_PARAM)
        .unwrap_or(0)
}

impl FitReport {
    /// Adds a blocker found outside the memory model (engine rules) and
    /// updates the verdict.
    pub fn add_blocker(&mut self, b: Blocker) {
        self.blockers.push(b);
        self.settle();
    }

    /// The verdict and reason from the blockers.
    fn settle(&mut self) {
        if !self.blockers.is_empty() {
            self.fits = Some(false);
            self.reason = Some(
                self.blockers
                    .iter()
                    .map(Blocker::message)
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        } else {
            self.fits = self.hardware.as_ref().map(|_| true);
            self.reason = None;
        }
    }

    /// Whether weights, cache and overhead fit the memory (`None` without
    /// hardware).
    pub fn memory_fits(&self) -> Option<bool> {
        self.hardware.as_ref().map(|h| h.fits)
    }
}

/// The warning for a context per stream beyond what `model` can attend to
/// (its maximum) or beyond its native context (needs an extension such as
/// YaRN); `None` within the native context. Shared by `fit`, workloads and
/// speed so that none of them passes an impossible context silently.
pub fn context_warning(model: &ModelArch, ctx: u64) -> Option<String> {
    if ctx > model.max_context() {
        Some(format!(
            "{} tokens per stream exceeds {}'s maximum context of {} tokens: the model cannot attend that far",
            ctx,
            model.id,
            model.max_context()
        ))
    } else if ctx > model.native_context {
        Some(format!(
            "{} tokens per stream is beyond the native {} of {}; it needs the documented context extension (e.g. YaRN), which may cost quality",
            ctx,
            format_tokens(model.native_context),
            model.id
        ))
    } else {
        None
    }
}

/// The device side: memory available, headroom and the largest context
/// that fits (capped at the model's limit), with the Apple wired-limit note.
fn hardware_fit(
    input: &FitInput,
    set: &DeviceSet,
    total: u64,
    vision_bytes: u64,
    warnings: &mut Vec<String>,
) -> HardwareFit {
    let (m, req) = (input.model, &input.request);
    let available = memory::available_bytes(set, &req.engine, input.wired_limit_bytes);
    let headroom = available as i64 - total as i64;
    let max_mem = memory::max_context(
        m,
        input.weights,
        req,
        set.device.kind,
        set.count,
        available.saturating_sub(vision_bytes),
    );
    let limit = context_limit(m, input.extend_context);
    let (max_ctx, limited) = match max_mem {
        Some(c) if c > limit => (Some(limit), Some("model".to_string())),
        Some(c) => (Some(c), Some("memory".to_string())),
        None => (None, None),
    };
    if set.device.kind == DeviceKind::AppleSoc && input.wired_limit_bytes.is_none() {
        warnings.push(format!(
            "macOS lets the GPU wire {:.1} GiB of the {:.1} GiB by default; `sudo sysctl iogpu.wired_limit_mb=N` raises it (--wired-limit-gb)",
            to_gib(set.device.usable_memory_bytes(None)),
            to_gib(set.device.memory_bytes)
        ));
    }
    HardwareFit {
        id: set.device.id.clone(),
        name: set.device.name.clone(),
        count: set.count,
        memory_bytes: set.total_memory_bytes(),
        available_bytes: available,
        fits: headroom >= 0,
        headroom_bytes: headroom,
        max_context_tokens: max_ctx,
        max_context_limited_by: limited,
        per_device_bytes: total.div_ceil(set.count.max(1) as u64),
    }
}

pub fn fit(input: &FitInput) -> FitReport {
    let req = &input.request;
    let (kind, count) = input
        .hardware
        .map(|h| (h.device.kind, h.count))
        .unwrap_or((DeviceKind::Gpu, 1));
    let mut mem = memory::estimate_on(input.model, input.weights, req, kind, count);
    let m = input.model;
    let context = context_blocker(m, req.ctx, input.extend_context);
    let mut warnings = request_warnings(input, context.is_none());
    let vision_bytes = if input.vision {
        vision_encoder_bytes(m)
    } else {
        0
    };
    let total = mem.total_bytes + vision_bytes;
    let hardware = input
        .hardware
        .map(|set| hardware_fit(input, set, total, vision_bytes, &mut warnings));
    let blockers = blockers(context, hardware.as_ref(), total);
    if vision_bytes > 0 {
        mem.explain.push(format!(
            "vision encoder: {} params × {VISION_ENCODER_BYTES_PER_PARAM} B (F16 mmproj / BF16 tower) = {vision_bytes} B ({:.2} GiB); total {} B",
            vision_bytes / VISION_ENCODER_BYTES_PER_PARAM,
            to_gib(vision_bytes),
            total
        ));
    }
    let mut report = FitReport {
        model: m.id.clone(),
        model_name: m.name.clone(),
        quant: input.quant_label.clone(),
        engine: req.engine.engine.name().to_string(),
        ctx: req.ctx,
        streams: req.streams,
        kv_type: if req.kv_type_k == req.kv_type_v {
            req.kv_type_k.name().to_string()
        } else {
            format!("{}/{}", req.kv_type_k, req.kv_type_v)
        },
        weights_bytes: mem.weights_bytes,
        kv_cache_bytes: mem.kv_cache_bytes,
        kv_cache_bytes_per_stream: mem.kv_cache_bytes_per_stream,
        recurrent_state_bytes: mem.recurrent_state_bytes,
        compute_buffer_bytes: mem.compute_buffer_bytes,
        overhead_bytes: mem.overhead_bytes,
        total_bytes: total,
        vision_encoder_bytes: vision_bytes,
        available_bytes: hardware.as_ref().map(|h| h.available_bytes),
        fits: None,
        reason: None,
        blockers,
        fixes: Vec::new(),
        headroom_bytes: hardware.as_ref().map(|h| h.headroom_bytes),
        max_context_tokens: hardware.as_ref().and_then(|h| h.max_context_tokens),
        hardware,
        warnings,
        engine_semantics: memory::engine_semantics(req),
        memory: mem,
        offload: None,
    };
    report.settle();
    report
}

/// Warnings that follow from the request alone, before the hardware adds its
/// own: the context extension, an uncounted vision encoder, llama.cpp's
/// flash-attention requirement for a quantized V cache.
fn request_warnings(input: &FitInput, within_context: bool) -> Vec<String> {
    let (m, req) = (input.model, &input.request);
    let mut warnings = Vec::new();
    if within_context {
        // Within the limit: only the "beyond native, extension in use" note.
        warnings.extend(context_warning(m, req.ctx));
    }
    if !input.vision && m.vision.is_some() {
        warnings.push(format!(
            "{} has a vision encoder ({:.2} GiB at 16 bit) that is not counted; --vision loads it",
            m.id,
            to_gib(vision_encoder_bytes(m))
        ));
    }
    if req.kv_type_k != req.kv_type_v && req.engine.engine.is_llama_cpp_family() {
        warnings.push("llama.cpp needs flash attention (-fa on) for a quantized V cache".into());
    }
    warnings
}

/// What stops the run: the context limit first, then memory on the hardware.
fn blockers(context: Option<Blocker>, hardware: Option<&HardwareFit>, total: u64) -> Vec<Blocker> {
    let mut blockers: Vec<Blocker> = context.into_iter().collect();
    if let Some(h) = hardware.filter(|h| !h.fits) {
        blockers.push(Blocker::Memory {
            needed_bytes: total,
            available_bytes: h.available_bytes,
        });
    }
    blockers
}
