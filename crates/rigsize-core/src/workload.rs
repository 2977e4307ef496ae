//! Workloads of several models and streams loaded at once: a main agent,
//! sub-agents, a vision model. Each load brings its own cache; a model that
//! serves several loads at the same quantization stores its weights once
//! (one server process, more slots), so its weights are counted once.

use serde::{Deserialize, Serialize};

use crate::hardware::{DeviceKind, DeviceSet};
use crate::memory::{self, MemoryEstimate, MemoryRequest, WeightsEstimate};
use crate::model::ModelArch;

/// One model loaded for some streams at some context.
#[derive(Debug, Clone)]
pub struct Load<'a> {
    /// Label shown to the user ("main agent", "sub-agents"…).
    pub label: String,
    pub model: &'a ModelArch,
    pub quant_label: String,
    pub weights: &'a WeightsEstimate,
    pub request: MemoryRequest,
}

/// One load's share of the bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadEstimate {
    pub label: String,
    pub model: String,
    pub quant: String,
    pub ctx: u64,
    pub streams: u32,
    /// Zero when an earlier load already holds the same weights.
    pub weights_bytes: u64,
    pub weights_shared_with: Option<String>,
    pub kv_cache_bytes: u64,
    pub recurrent_state_bytes: u64,
    pub overhead_bytes: u64,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadEstimate {
    pub loads: Vec<LoadEstimate>,
    pub weights_bytes: u64,
    pub kv_cache_bytes: u64,
    pub recurrent_state_bytes: u64,
    pub overhead_bytes: u64,
    pub total_bytes: u64,
    pub available_bytes: Option<u64>,
    pub fits: Option<bool>,
    pub headroom_bytes: Option<i64>,
    /// Total per device when every model is split evenly across the set.
    pub per_device_bytes: Option<u64>,
    /// Largest factor by which every load's context can be scaled and still
    /// fit (≥ 1 means the requested contexts fit), with `--hw`.
    pub context_scale_that_fits: Option<f64>,
    /// A context beyond what a load's model can attend to, as `fit` warns.
    #[serde(default)]
    pub warnings: Vec<String>,
}

fn estimate_one(load: &Load, kind: DeviceKind, devices: u32) -> MemoryEstimate {
    memory::estimate_on(load.model, load.weights, &load.request, kind, devices)
}

/// Sums the loads. Weights of the same model at the same quantization are
/// counted once; each process (distinct weights) pays its own compute
/// buffers, and the runtime overhead is paid once per device.
pub fn estimate(loads: &[Load], hardware: Option<&DeviceSet>) -> WorkloadEstimate {
    let (kind, devices) = hardware
        .map(|h| (h.device.kind, h.count))
        .unwrap_or((DeviceKind::Gpu, 1));
    let runtime = memory::runtime_overhead_per_device(
        loads
            .first()
            .map(|l| l.request.engine.engine)
            .unwrap_or(crate::engine::Engine::LlamaCpp),
        kind,
    ) * devices.max(1) as u64;
    let mut out = Vec::with_capacity(loads.len());
    let mut warnings = Vec::new();
    let mut seen: Vec<(String, String, String)> = Vec::new();
    for l in loads {
        let m = estimate_one(l, kind, devices);
        if let Some(w) = crate::fit::context_warning(l.model, l.request.ctx) {
            warnings.push(format!("{}: {w}", l.label));
        }
        let key = (l.model.id.clone(), l.quant_label.clone());
        let shared = seen
            .iter()
            .find(|(id, q, _)| (id, q) == (&key.0, &key.1))
            .map(|(_, _, label)| label.clone());
        let weights = if shared.is_some() { 0 } else { m.weights_bytes };
        let compute = if shared.is_some() {
            0
        } else {
            m.compute_buffer_bytes
        };
        if shared.is_none() {
            seen.push((key.0, key.1, l.label.clone()));
        }
        let total = weights + m.kv_cache_bytes + m.recurrent_state_bytes + compute;
        out.push(LoadEstimate {
            label: l.label.clone(),
            model: l.model.id.clone(),
            quant: l.quant_label.clone(),
            ctx: l.request.ctx,
            streams: l.request.streams,
            weights_bytes: weights,
            weights_shared_with: shared,
            kv_cache_bytes: m.kv_cache_bytes,
            recurrent_state_bytes: m.recurrent_state_bytes,
            overhead_bytes: compute,
            total_bytes: total,
        });
    }
    let sum = |f: fn(&LoadEstimate) -> u64| out.iter().map(f).sum::<u64>();
    let weights = sum(|l| l.weights_bytes);
    let kv = sum(|l| l.kv_cache_bytes);
    let state = sum(|l| l.recurrent_state_bytes);
    let overhead = sum(|l| l.overhead_bytes) + runtime;
    let total = weights + kv + state + overhead;
    let available = hardware.map(|h| {
        let engine = loads
            .first()
            .map(|l| l.request.engine.clone())
            .unwrap_or_else(|| crate::engine::EngineConfig::new(crate::engine::Engine::LlamaCpp));
        memory::available_bytes(h, &engine, None)
    });
    let scale = available.map(|avail| largest_scale(loads, hardware, avail));
    WorkloadEstimate {
        loads: out,
        weights_bytes: weights,
        kv_cache_bytes: kv,
        recurrent_state_bytes: state,
        overhead_bytes: overhead,
        total_bytes: total,
        available_bytes: available,
        fits: available.map(|a| total <= a),
        headroom_bytes: available.map(|a| a as i64 - total as i64),
        per_device_bytes: hardware.map(|h| total.div_ceil(h.count.max(1) as u64)),
        context_scale_that_fits: scale,
        warnings,
    }
}

/// Bisection on a common context scale factor (0.001–64×).
fn largest_scale(loads: &[Load], hardware: Option<&DeviceSet>, available: u64) -> f64 {
    let total_at = |s: f64| {
        let scaled: Vec<Load> = loads
            .iter()
            .map(|l| {
                let mut l = l.clone();
                l.request.ctx = ((l.request.ctx as f64 * s).round() as u64).max(1);
                l
            })
            .collect();
        estimate_without_scale(&scaled, hardware)
    };
    let (mut lo, mut hi) = (0.0f64, 64.0f64);
    if total_at(hi) <= available {
        return hi;
    }
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if total_at(mid) <= available {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo * 1000.0).floor() / 1000.0
}

fn estimate_without_scale(loads: &[Load], hardware: Option<&DeviceSet>) -> u64 {
    let (kind, devices) = hardware
        .map(|h| (h.device.kind, h.count))
        .unwrap_or((DeviceKind::Gpu, 1));
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut total = 0u64;
    for l in loads {
        let m = estimate_one(l, kind, devices);
        let key = (l.model.id.clone(), l.quant_label.clone());
        total += m.kv_cache_bytes + m.recurrent_state_bytes;
        if !seen.contains(&key) {
            total += m.weights_bytes + m.compute_buffer_bytes;
            seen.push(key);
        }
    }
    total
        + memory::runtime_overhead_per_device(
            loads
                .first()
                .map(|l| l.request.engine.engine)
                .unwrap_or(crate::engine::Engine::LlamaCpp),
            kind,
        ) * devices.max(1) as u64
}
