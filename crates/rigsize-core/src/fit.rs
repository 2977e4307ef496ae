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
    /// available − total; negative when it does not fit.
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
    /// Present with `--hw`; its fields are also flattened to the top level
    /// (`available_bytes`, `fits`, `headroom_bytes`, `max_context_tokens`).
    pub hardware: Option<HardwareFit>,
    pub available_bytes: Option<u64>,
    pub fits: Option<bool>,
    pub headroom_bytes: Option<i64>,
    pub max_context_tokens: Option<u64>,
    /// Things the user must know (context beyond the native window, KV
    /// quantization, engine semantics).
    pub warnings: Vec<String>,
    pub engine_semantics: String,
    pub memory: MemoryEstimate,
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

pub fn fit(input: &FitInput) -> FitReport {
    let req = &input.request;
    let (kind, count) = input
        .hardware
        .map(|h| (h.device.kind, h.count))
        .unwrap_or((DeviceKind::Gpu, 1));
    let mem = memory::estimate_on(input.model, input.weights, req, kind, count);
    let mut warnings = Vec::new();
    let m = input.model;
    warnings.extend(context_warning(m, req.ctx));
    if req.kv_type_k != req.kv_type_v && req.engine.engine.is_llama_cpp_family() {
        warnings.push("llama.cpp needs flash attention (-fa on) for a quantized V cache".into());
    }
    let hardware = input.hardware.map(|set| {
        let available = memory::available_bytes(set, &req.engine, input.wired_limit_bytes);
        let headroom = available as i64 - mem.total_bytes as i64;
        let max_mem =
            memory::max_context(m, input.weights, req, set.device.kind, set.count, available);
        let (max_ctx, limited) = match max_mem {
            Some(c) if c > m.max_context() => (Some(m.max_context()), Some("model".to_string())),
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
            per_device_bytes: mem.total_bytes.div_ceil(set.count.max(1) as u64),
        }
    });
    FitReport {
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
        total_bytes: mem.total_bytes,
        available_bytes: hardware.as_ref().map(|h| h.available_bytes),
        fits: hardware.as_ref().map(|h| h.fits),
        headroom_bytes: hardware.as_ref().map(|h| h.headroom_bytes),
        max_context_tokens: hardware.as_ref().and_then(|h| h.max_context_tokens),
        hardware,
        warnings,
        engine_semantics: memory::engine_semantics(req),
        memory: mem,
    }
}
