//! llama.cpp expert offload (`--n-cpu-moe N`, `--cpu-moe`, `-ot exps=CPU`):
//! which bytes stay in system RAM and which go to the GPU.
//!
//! `--n-cpu-moe N` pushes one buffer override per block `i < N` with the
//! pattern `blk\.i\.ffn_(up|down|gate|gate_up)_(ch|)exps` bound to the CPU
//! buffer type (llama.cpp `common/arg.cpp`, `llm_ffn_exps_block_regex` in
//! `common/common.h`). So N counts *blocks from 0*, dense leading blocks
//! included (GLM-4.5-Air's block 0 has no experts: `--n-cpu-moe 1` moves
//! nothing), and only the routed-expert tensors move: the router
//! (`ffn_gate_inp`), shared experts (`*_shexp`), attention and norms stay on
//! the GPU with `-ngl 99`. `--cpu-moe` is N = every block.

use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::memory::WeightsEstimate;
use crate::model::ModelArch;

/// Routed-expert bytes of each block (index = block number, dense blocks 0).
/// Exact per layer when the weights were typed tensor by tensor; otherwise
/// the routed total spread evenly over the MoE blocks.
pub fn expert_bytes_by_layer(model: &ModelArch, weights: &WeightsEstimate) -> Vec<u64> {
    let n = model.n_layers() as usize;
    let by = &weights.routed_expert_bytes_by_layer;
    if !by.is_empty() && by.iter().sum::<u64>() == weights.routed_expert_bytes {
        let mut v = by.clone();
        v.resize(n.max(v.len()), 0);
        return v;
    }
    let Some(moe) = &model.moe else {
        return vec![0; n];
    };
    let first = (moe.dense_layers as usize).min(n);
    let moe_layers = (n - first).max(1) as u64;
    let each = weights.routed_expert_bytes / moe_layers;
    let mut v = vec![0; n];
    for (i, b) in v.iter_mut().enumerate().skip(first) {
        *b = each;
        if i == n - 1 {
            // The rounding remainder, so the blocks sum to the total.
            *b += weights.routed_expert_bytes - each * moe_layers;
        }
    }
    v
}

/// Where the weights live with `--n-cpu-moe N`.
#[derive(Debug, Clone, PartialEq)]
pub struct OffloadSplit {
    /// The N asked for (blocks from 0).
    pub n_cpu_moe: u32,
    /// Of those blocks, the ones that have routed experts.
    pub offloaded_moe_layers: u32,
    /// MoE blocks in the model.
    pub moe_layers: u32,
    /// Routed-expert bytes kept in system RAM.
    pub host_bytes: u64,
    /// The weights that go to the GPU: everything else. Its
    /// `decode_bytes_per_token` no longer counts the offloaded experts.
    pub gpu_weights: WeightsEstimate,
    /// Expert bytes one decoded token reads from system RAM (top-k of E in
    /// each offloaded block).
    pub host_bytes_per_token: f64,
}

/// The split for `--n-cpu-moe n`. Errors for a dense model and for `n`
/// beyond the model's block count (llama.cpp would silently match nothing
/// more; rigsize refuses so a typo is not taken for a plan).
pub fn split(
    model: &ModelArch,
    weights: &WeightsEstimate,
    n: u32,
) -> Result<OffloadSplit, CoreError> {
    let invalid = |why: String| CoreError::InvalidValue {
        what: "--n-cpu-moe".into(),
        value: n.to_string(),
        why,
    };
    let Some(moe) = &model.moe else {
        return Err(invalid(format!(
            "{} is a dense model: it has no routed experts to keep in system RAM (expert offload is for mixture-of-experts models)",
            model.id
        )));
    };
    let layers = model.n_layers();
    if n > layers {
        return Err(invalid(format!(
            "{} has {layers} blocks ({} with experts); N counts blocks from 0, so it is 0 to {layers} ({layers} = --cpu-moe, every expert in RAM)",
            model.id,
            layers - moe.dense_layers.min(layers)
        )));
    }
    let by_layer = expert_bytes_by_layer(model, weights);
    let moved = &by_layer[..n as usize];
    let host_bytes: u64 = moved.iter().sum();
    let offloaded = moved.iter().filter(|b| **b > 0).count() as u32;
    let frac = moe.experts_per_token as f64 / moe.experts.max(1) as f64;
    let host_per_token = host_bytes as f64 * frac;
    let mut gpu = weights.clone();
    gpu.bytes -= host_bytes;
    gpu.routed_expert_bytes -= host_bytes;
    gpu.decode_bytes_per_token = (weights.decode_bytes_per_token as f64 - host_per_token)
        .max(0.0)
        .round() as u64;
    gpu.routed_expert_bytes_by_layer = if weights.routed_expert_bytes_by_layer.is_empty() {
        Vec::new()
    } else {
        let mut v = by_layer.clone();
        v[..n as usize].iter_mut().for_each(|b| *b = 0);
        v
    };
    gpu.basis = format!(
        "{}; routed experts of blocks 0–{} in system RAM (--n-cpu-moe {n})",
        weights.basis,
        n.saturating_sub(1)
    );
    Ok(OffloadSplit {
        n_cpu_moe: n,
        offloaded_moe_layers: offloaded,
        moe_layers: layers - moe.dense_layers.min(layers),
        host_bytes,
        gpu_weights: gpu,
        host_bytes_per_token: host_per_token,
    })
}

/// The offload part of a fit report: the two memories, raw bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffloadFit {
    /// Always "expert offload" (llama.cpp `--n-cpu-moe`).
    pub mode: String,
    pub n_cpu_moe: u32,
    pub offloaded_moe_layers: u32,
    pub moe_layers: u32,
    /// Everything on the GPU(s): weights left there, KV cache, buffers,
    /// runtime (the report's `total_bytes`).
    pub gpu_bytes: u64,
    /// Weights on the GPU(s) (the report's `weights_bytes`).
    pub gpu_weights_bytes: u64,
    /// Routed-expert weights held in system RAM.
    pub host_bytes: u64,
    /// All weights: `gpu_weights_bytes + host_bytes`.
    pub model_weights_bytes: u64,
    /// System RAM given with `--ram-gb`, if any.
    pub system_ram_bytes: Option<u64>,
    /// Whether system RAM holds the offloaded experts (`None`: not given).
    pub ram_fits: Option<bool>,
}

impl OffloadFit {
    pub fn new(s: &OffloadSplit, full_weights: u64, gpu_total: u64, ram: Option<u64>) -> Self {
        OffloadFit {
            mode: "expert offload".into(),
            n_cpu_moe: s.n_cpu_moe,
            offloaded_moe_layers: s.offloaded_moe_layers,
            moe_layers: s.moe_layers,
            gpu_bytes: gpu_total,
            gpu_weights_bytes: s.gpu_weights.bytes,
            host_bytes: s.host_bytes,
            model_weights_bytes: full_weights,
            system_ram_bytes: ram,
            ram_fits: ram.map(|r| s.host_bytes <= r),
        }
    }
}
