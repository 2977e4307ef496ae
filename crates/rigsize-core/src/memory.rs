//! The memory model: weights + KV cache + recurrent state + engine overhead,
//! in bytes, with every step written out for `--explain`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use crate::dtype::{DType, KvType};
use crate::engine::{Allocation, Engine, EngineConfig};
use crate::hardware::{DeviceKind, DeviceSet};
use crate::kv::{self, KvAllocation};
use crate::model::ModelArch;
use crate::quant::QuantScheme;
use crate::tensors::{tensor_plan, TensorRole, TensorSpec};
use crate::units::{to_gib, MAX_CONTEXT_TOKENS};

/// Bytes of one storage type in a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeShare {
    pub dtype: DType,
    pub tensors: u32,
    pub params: u64,
    pub bytes: u64,
}

/// The weights of one model at one quantization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightsEstimate {
    pub bytes: u64,
    pub params: u64,
    /// Bytes of routed-expert tensors (all experts).
    pub routed_expert_bytes: u64,
    /// `routed_expert_bytes` per layer (index = block number), so expert
    /// offload can count exactly the layers it moves (quantization mixes
    /// differ per layer). Empty when the tensors were not seen one by one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routed_expert_bytes_by_layer: Vec<u64>,
    /// Bytes of the input embedding (read one row per token).
    pub token_embd_bytes: u64,
    /// Bytes a decoded token reads: everything but the input embedding and
    /// the routed experts, plus `experts_per_token / experts` of those.
    pub decode_bytes_per_token: u64,
    pub by_type: Vec<TypeShare>,
    /// Where the figure comes from: `tensor rebuild of a catalog record` or
    /// `GGUF tensor infos` etc.
    pub basis: String,
}

impl WeightsEstimate {
    /// Average bits per stored parameter.
    pub fn bits_per_weight(&self) -> f64 {
        if self.params == 0 {
            0.0
        } else {
            self.bytes as f64 * 8.0 / self.params as f64
        }
    }

    /// Bytes of routed experts one token touches, with `k` of `e` experts.
    pub fn routed_bytes_for(&self, experts_touched: f64, experts: u32) -> f64 {
        if experts == 0 {
            0.0
        } else {
            self.routed_expert_bytes as f64 * experts_touched / experts as f64
        }
    }
}

/// Sums typed tensors into a [`WeightsEstimate`].
pub fn weights_from_tensors(
    model: &ModelArch,
    tensors: &[(TensorSpec, DType)],
    basis: &str,
) -> WeightsEstimate {
    let mut by_type: Vec<TypeShare> = Vec::new();
    let (mut bytes, mut params, mut routed, mut embd) = (0u64, 0u64, 0u64, 0u64);
    // With tied embeddings the input embedding is also the output head,
    // which every token reads in full.
    let embd_is_head = !has_output(tensors);
    let mut by_layer: Vec<u64> = Vec::new();
    for (t, ty) in tensors {
        let b = ty.bytes_for(t.n_elements);
        bytes += b;
        params += t.n_elements;
        if t.role.is_routed_expert() {
            routed += b;
            if let Some(l) = t.layer {
                let l = l as usize;
                if by_layer.len() <= l {
                    by_layer.resize(l + 1, 0);
                }
                by_layer[l] += b;
            }
        }
        if t.role == TensorRole::TokenEmbd && !embd_is_head {
            embd += b;
        }
        match by_type.iter_mut().find(|s| s.dtype == *ty) {
            Some(s) => {
                s.tensors += 1;
                s.params += t.n_elements;
                s.bytes += b;
            }
            None => by_type.push(TypeShare {
                dtype: *ty,
                tensors: 1,
                params: t.n_elements,
                bytes: b,
            }),
        }
    }
    by_type.sort_by_key(|s| std::cmp::Reverse(s.bytes));
    let frac = model
        .moe
        .as_ref()
        .map(|m| m.experts_per_token as f64 / m.experts as f64)
        .unwrap_or(1.0);
    let decode = (bytes - routed - embd) as f64 + routed as f64 * frac;
    WeightsEstimate {
        bytes,
        params,
        routed_expert_bytes: routed,
        routed_expert_bytes_by_layer: by_layer,
        token_embd_bytes: embd,
        decode_bytes_per_token: decode.round() as u64,
        by_type,
        basis: basis.to_string(),
    }
}

fn has_output(tensors: &[(TensorSpec, DType)]) -> bool {
    tensors.iter().any(|(t, _)| t.role == TensorRole::Output)
}

/// Weights of a catalog model: rebuild the tensors, type them by `scheme`.
pub fn weights_for_scheme(model: &ModelArch, scheme: QuantScheme) -> WeightsEstimate {
    let plan = tensor_plan(model);
    let types = scheme.assign(model, &plan);
    let typed: Vec<(TensorSpec, DType)> = plan.into_iter().zip(types).collect();
    weights_from_tensors(
        model,
        &typed,
        &format!("tensors rebuilt from the architecture, typed by {scheme} rules"),
    )
}

/// Entries kept by [`weights_for_scheme_shared`]: every catalog model at
/// every scheme the planner uses is a few hundred; past the cap the cache
/// starts over, so its memory stays bounded whatever the requests name.
const SHARED_WEIGHTS_CAP: usize = 512;

type WeightsCache = HashMap<(String, QuantScheme), (ModelArch, Arc<WeightsEstimate>)>;

/// [`weights_for_scheme`] through a bounded cache shared by the process: a
/// server plans the same catalog models on every request, and rebuilding
/// (and naming) their tensors each time was most of a plan's setup. Keyed by
/// model id and scheme; a hit also checks the whole architecture, so a user
/// catalog's model that reuses an id never gets another model's weights.
pub fn weights_for_scheme_shared(model: &ModelArch, scheme: QuantScheme) -> Arc<WeightsEstimate> {
    static CACHE: OnceLock<Mutex<WeightsCache>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (model.id.clone(), scheme);
    let lock = || cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((arch, w)) = lock().get(&key) {
        if arch == model {
            return Arc::clone(w);
        }
    }
    // Computed outside the lock: concurrent misses only duplicate work.
    let w = Arc::new(weights_for_scheme(model, scheme));
    let mut map = lock();
    if map.len() >= SHARED_WEIGHTS_CAP {
        map.clear();
    }
    map.insert(key, (model.clone(), Arc::clone(&w)));
    w
}

/// What the user asks to fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryRequest {
    /// Context per stream, in tokens.
    pub ctx: u64,
    /// Parallel streams (agents, slots) sharing the weights.
    pub streams: u32,
    pub kv_type_k: KvType,
    pub kv_type_v: KvType,
    pub engine: EngineConfig,
}

/// The full memory bill of one model under one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryEstimate {
    pub weights_bytes: u64,
    /// Attention KV cache, all streams (what llama.cpp logs as
    /// `llama_kv_cache: size`).
    pub kv_cache_bytes: u64,
    pub kv_cache_bytes_per_stream: u64,
    /// Recurrent (linear-attention) state, all streams.
    pub recurrent_state_bytes: u64,
    /// Engine compute / activation buffers.
    pub compute_buffer_bytes: u64,
    /// Everything beyond weights and cache: compute buffers plus runtime
    /// (CUDA context, allocator slack).
    pub overhead_bytes: u64,
    pub total_bytes: u64,
    pub kv: KvAllocation,
    pub weights: WeightsEstimate,
    /// One line per step: formula with its numbers.
    pub explain: Vec<String>,
}

/// Runtime overhead per device that is not a buffer the engine logs (CUDA
/// context, cuBLAS workspace, CUDA graphs): the engine's `[overhead]` in
/// data/engines.toml. Apple's Metal and unified boxes share it with the OS and
/// count it in the wired limit.
pub fn runtime_overhead_per_device(engine: Engine, kind: DeviceKind) -> u64 {
    let o = &engine.runtime().overhead;
    let mib = match kind {
        DeviceKind::AppleSoc => o.apple_soc_mib,
        _ => o.gpu_mib,
    };
    mib << 20
}

/// Compute buffer estimate: f32 logits for one micro-batch plus the widest
/// activations, for the engine's `batch.compute_buffer_tokens` (llama.cpp sizes
/// its graph for `n_ubatch` tokens; vLLM's batch and mlx_lm's prefill step 2048).
pub fn compute_buffer_bytes(model: &ModelArch, engine: &EngineConfig) -> u64 {
    let tokens = engine
        .engine
        .runtime()
        .batch
        .compute_buffer_tokens
        .map_or(engine.n_ubatch as u64, u64::from);
    let ffn_active = model
        .moe
        .as_ref()
        .map(|m| (m.experts_per_token * m.expert_ffn) as u64)
        .unwrap_or(0)
        .max(model.ffn as u64);
    4 * tokens * (model.vocab as u64 + 2 * model.hidden as u64 + 2 * ffn_active)
}

/// Estimates memory for `model` with the given weights and request.
pub fn estimate(
    model: &ModelArch,
    weights: &WeightsEstimate,
    req: &MemoryRequest,
) -> MemoryEstimate {
    estimate_on(model, weights, req, DeviceKind::Gpu, 1)
}

/// The total of [`estimate_on`], without its parts and explanation.
pub fn total_bytes_on(
    model: &ModelArch,
    weights: &WeightsEstimate,
    req: &MemoryRequest,
    kind: DeviceKind,
    devices: u32,
) -> u64 {
    let kv = kv::allocate(
        model,
        req.ctx,
        req.streams.max(1),
        req.kv_type_k,
        req.kv_type_v,
        &req.engine,
    );
    let overhead = compute_buffer_bytes(model, &req.engine)
        + runtime_overhead_per_device(req.engine.engine, kind) * devices.max(1) as u64;
    weights.bytes + kv.kv_bytes + kv.recurrent_bytes + overhead
}

/// As [`estimate`], with the runtime overhead of `devices` devices of `kind`.
pub fn estimate_on(
    model: &ModelArch,
    weights: &WeightsEstimate,
    req: &MemoryRequest,
    kind: DeviceKind,
    devices: u32,
) -> MemoryEstimate {
    let streams = req.streams.max(1);
    let kv = kv::allocate(
        model,
        req.ctx,
        streams,
        req.kv_type_k,
        req.kv_type_v,
        &req.engine,
    );
    let compute = compute_buffer_bytes(model, &req.engine);
    let runtime = runtime_overhead_per_device(req.engine.engine, kind) * devices.max(1) as u64;
    let overhead = compute + runtime;
    let total = weights.bytes + kv.kv_bytes + kv.recurrent_bytes + overhead;
    let per_stream = kv.kv_bytes / streams as u64;

    let mut explain = weights_explain(weights);
    explain.push(engine_semantics(req));
    for p in &kv.parts {
        explain.push(format!(
            "{} cache: {} = {} B ({:.2} GiB)",
            p.kind,
            p.formula,
            p.bytes,
            to_gib(p.bytes)
        ));
    }
    explain.extend(overhead_explain(model, compute, runtime, devices));
    explain.push(format!(
        "total = weights {} + KV {} + state {} + overhead {} = {} B ({:.2} GiB)",
        weights.bytes,
        kv.kv_bytes,
        kv.recurrent_bytes,
        overhead,
        total,
        to_gib(total)
    ));
    MemoryEstimate {
        weights_bytes: weights.bytes,
        kv_cache_bytes: kv.kv_bytes,
        kv_cache_bytes_per_stream: per_stream,
        recurrent_state_bytes: kv.recurrent_bytes,
        compute_buffer_bytes: compute,
        overhead_bytes: overhead,
        total_bytes: total,
        kv,
        weights: weights.clone(),
        explain,
    }
}

/// The weights line and one line per tensor type, so the byte count can be
/// traced to the quantization of each tensor group.
fn weights_explain(weights: &WeightsEstimate) -> Vec<String> {
    let mut explain = vec![format!(
        "weights: {} params at {:.2} bits/weight = {} B ({:.2} GiB) [{}]",
        weights.params,
        weights.bits_per_weight(),
        weights.bytes,
        to_gib(weights.bytes),
        weights.basis
    )];
    for s in &weights.by_type {
        explain.push(format!(
            "  {:>9}: {} tensors, {} params → {} B",
            s.dtype.name(),
            s.tensors,
            s.params,
            s.bytes
        ));
    }
    explain
}

/// The compute-buffer and runtime-overhead lines (`runtime` is for all
/// `devices` together).
fn overhead_explain(model: &ModelArch, compute: u64, runtime: u64, devices: u32) -> [String; 2] {
    [
        format!(
            "compute buffer: 4 B × tokens × (vocab {} + 2×hidden {} + 2×ffn) = {} B ({:.2} GiB)",
            model.vocab,
            model.hidden,
            compute,
            to_gib(compute)
        ),
        format!(
            "runtime overhead: {} device(s) × {} B = {} B",
            devices.max(1),
            runtime / devices.max(1) as u64,
            runtime
        ),
    ]
}

/// One sentence saying what the request means to the engine.
pub fn engine_semantics(req: &MemoryRequest) -> String {
    let s = req.streams.max(1) as u64;
    match req.engine.engine.runtime().kv.allocation {
        Allocation::Slots => format!(
            "engine {}: as `llama-server -c {} -np {} -ctk {} -ctv {}{}` — one cache of n_ctx cells padded to 256{}; sliding layers keep window + ubatch ({}) cells per sequence",
            req.engine.engine,
            req.ctx * s,
            s,
            req.kv_type_k,
            req.kv_type_v,
            if req.engine.kv_unified { " --kv-unified" } else { "" },
            if req.engine.kv_unified {
                ", shared by all slots".to_string()
            } else {
                format!(", split into {s} slots of pad(n_ctx/{s}, 256)")
            },
            req.engine.n_ubatch
        ),
        Allocation::Paged => format!(
            "engine {}: paged cache in {}-token blocks, {} sequences of {} tokens, KV {}; the engine takes gpu_memory_utilization = {} of VRAM",
            req.engine.engine,
            req.engine.block_tokens,
            s,
            req.ctx,
            req.kv_type_k,
            req.engine.gpu_memory_utilization
        ),
        Allocation::Growing => format!(
            "engine {}: caches grow with the context ({} tokens × {} streams), sliding layers rotate within their window",
            req.engine.engine, req.ctx, s
        ),
    }
}

/// Memory available to the model on a device set under an engine.
pub fn available_bytes(set: &DeviceSet, engine: &EngineConfig, wired_limit: Option<u64>) -> u64 {
    let per_device = set.device.usable_memory_bytes(wired_limit);
    let share = if engine.engine.is_paged() {
        engine.gpu_memory_utilization.clamp(0.0, 1.0)
    } else {
        1.0
    };
    ((per_device as f64 * share) as u64) * set.count as u64
}

/// The largest context per stream whose total fits in `available`, by
/// bisection on the (monotone) estimate. `None` if not even one token fits.
pub fn max_context(
    model: &ModelArch,
    weights: &WeightsEstimate,
    req: &MemoryRequest,
    kind: DeviceKind,
    devices: u32,
    available: u64,
) -> Option<u64> {
    // Only the total: the bisection runs ~28 estimates, and building each
    // one's explanation was most of a fit request's CPU.
    let fits = |ctx: u64| {
        let r = MemoryRequest { ctx, ..req.clone() };
        total_bytes_on(model, weights, &r, kind, devices) <= available
    };
    if !fits(1) {
        return None;
    }
    let (mut lo, mut hi) = (1u64, MAX_CONTEXT_TOKENS);
    if fits(hi) {
        return Some(hi);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}
