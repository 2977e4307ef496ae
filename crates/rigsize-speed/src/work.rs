//! What a forward pass reads and computes: weight bytes (with the routed
//! experts a batch touches), KV and recurrent-state bytes, attention FLOPs.
//! Counting only; [`crate::model::terms`] turns them into seconds.

use serde::{Deserialize, Serialize};

use rigsize_core::dtype::KvType;
use rigsize_core::engine::SmallBatchKernels;
use rigsize_core::kv;
use rigsize_core::memory::WeightsEstimate;
use rigsize_core::model::{LayerAttention, ModelArch};

use crate::model::SpeedRequest;

/// Distinct routed experts touched per MoE layer by `tokens` tokens, as a
/// fraction of all experts: 1 − (1 − k/E)^tokens (uniform routing).
pub fn expert_fraction(model: &ModelArch, tokens: f64) -> f64 {
    match &model.moe {
        Some(m) if m.experts > 0 => {
            let p = (m.experts_per_token as f64 / m.experts as f64).clamp(0.0, 1.0);
            1.0 - (1.0 - p).powf(tokens.max(1.0))
        }
        _ => 1.0,
    }
}

/// Weight bytes one forward pass over `tokens` tokens reads: everything but
/// the input embedding, with only the touched share of routed experts.
pub fn weight_bytes_read(model: &ModelArch, w: &WeightsEstimate, tokens: f64) -> f64 {
    let routed = w.routed_expert_bytes as f64;
    let rest = (w.bytes as f64 - routed - w.token_embd_bytes as f64).max(0.0);
    rest + routed * expert_fraction(model, tokens)
}

/// A decode step's weight reads: all bytes, and the routed-expert bytes read
/// beyond those one stream reads (what streams routed alike would not add,
/// where the kernel reads each distinct expert once).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecodeWeightReads {
    pub bytes: f64,
    pub expert_spread: f64,
    /// Whether the routed experts are read once per (token, expert) pair
    /// (the per-pair mat-vec kernels below the grouped expert GEMM), not
    /// once per distinct expert: then streams that pick the same expert
    /// still read it each.
    pub per_pair: bool,
}

/// The weight bytes one decode step of `streams` streams reads through the
/// engine's small-batch kernels (`kernels`, `None`: read once per step, as
/// [`weight_bytes_read`]): a weight type no small-batch kernel covers at this
/// width is streamed once per stream by the plain mat-vec kernel, a covered
/// type once per threadgroup column of its kernel (Metal: twice at 6–8
/// streams, [`SmallBatchKernels::covered_passes`]), and below
/// the grouped expert GEMM each (token, expert) pair reads its expert again,
/// so `B·k` expert reads instead of the union of the experts the batch touches.
pub fn decode_weight_reads(
    model: &ModelArch,
    w: &WeightsEstimate,
    streams: u32,
    kernels: Option<&SmallBatchKernels>,
) -> DecodeWeightReads {
    let b = streams.max(1) as f64;
    let routed = w.routed_expert_bytes as f64;
    let one = expert_fraction(model, 1.0);
    let (Some(k), true) = (kernels, streams > 1) else {
        let union = expert_fraction(model, b);
        return DecodeWeightReads {
            bytes: weight_bytes_read(model, w, b),
            expert_spread: routed * (union - one).max(0.0),
            per_pair: false,
        };
    };
    let total = (w.bytes as f64).max(1.0);
    let rest = (total - routed - w.token_embd_bytes as f64).max(0.0);
    let uncovered: f64 = w
        .by_type
        .iter()
        .filter(|t| !k.reads_once(t.dtype, streams))
        .map(|t| t.bytes as f64)
        .sum::<f64>()
        / total;
    let uncovered = uncovered.min(1.0);
    let passes = f64::from(k.covered_passes(streams));
    let dense = rest * ((1.0 - uncovered) * passes + uncovered * b);
    let union = expert_fraction(model, b);
    let gemm_from = model.moe.as_ref().map_or(k.expert_gemm_from_streams, |m| {
        k.expert_gemm_from(m.experts, m.experts_per_token)
    });
    let per_pair = streams < gemm_from;
    let experts = if per_pair {
        (b * one).max(union)
    } else {
        union
    };
    DecodeWeightReads {
        bytes: dense + routed * experts,
        expert_spread: routed * (experts - one).max(0.0),
        per_pair,
    }
}

/// Attention FLOPs per layer per (query token × context token):
/// QKᵀ and AV, 2 FLOPs per multiply-add over the head dims.
fn attn_flops_per_pair(model: &ModelArch, layer: &LayerAttention) -> f64 {
    let heads = model.n_heads.max(1) as f64;
    match *layer {
        LayerAttention::Full {
            head_dim_k,
            head_dim_v,
            ..
        }
        | LayerAttention::Sliding {
            head_dim_k,
            head_dim_v,
            ..
        } => 2.0 * heads * (head_dim_k as f64 + head_dim_v as f64),
        // Absorbed MLA (llama.cpp, FlashMLA): scores over the latent +
        // RoPE key, values from the latent.
        LayerAttention::Mla {
            kv_lora_rank,
            rope_dim,
        } => 2.0 * heads * (2.0 * kv_lora_rank as f64 + rope_dim as f64),
        LayerAttention::Recurrent { .. } => 0.0,
    }
}

/// Σ over `q` query tokens at positions start+1 … start+q of the context
/// each sees, capped at `window`.
fn context_sum(start: f64, q: f64, window: Option<f64>) -> f64 {
    let full = q * start + q * (q + 1.0) / 2.0;
    match window {
        None => full,
        Some(w) => {
            // Positions p = start+i; context min(p, w).
            let first = start + 1.0;
            let last = start + q;
            if last <= w {
                full
            } else if first >= w {
                q * w
            } else {
                let below = w - first + 1.0; // positions first..=w
                let s_below = below * (first + w) / 2.0;
                s_below + (q - below) * w
            }
        }
    }
}

/// Attention FLOPs of `q` query tokens starting after `start` cached tokens.
pub fn attention_flops(model: &ModelArch, start: f64, q: f64) -> f64 {
    model
        .layers
        .iter()
        .map(|l| {
            let window = match l {
                LayerAttention::Sliding { window, .. } => Some(*window as f64),
                _ => None,
            };
            attn_flops_per_pair(model, l) * context_sum(start, q, window)
        })
        .sum()
}

/// Cells one stream's decode attention scans per layer kind.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct KvScan {
    /// Full-attention, MLA and indexer layers.
    pub growing: f64,
    /// Sliding-window layers.
    pub sliding: f64,
}

impl KvScan {
    /// The context on growing layers, the window on sliding ones: what a
    /// paged or rotating cache (vLLM, SGLang, MLX) holds.
    pub fn context(model: &ModelArch, depth: u64) -> KvScan {
        let d = depth as f64;
        let window = kv::sliding_window(model).map_or(d, |w| d.min(w as f64));
        KvScan {
            growing: d,
            sliding: window,
        }
    }
}

/// The cells a decode step at `depth` scans under the request's engine and
/// build. A slot cache (llama.cpp) scans every cell up to its last used one,
/// masked or not: on sliding layers that is the window plus a micro-batch
/// once the ring has wrapped — gemma-3-4b at 8K reads 3,072 cells per
/// sliding layer with `-ub 2048`, not its 1,024-token window — and before
/// the sliding cache (`decode_scan.sliding_cache_since`), the whole context.
/// Full layers scan the context: the padding of the scan (256 cells with
/// flash attention, 32 without, before October 2025) hangs on a setting
/// the measurements seldom state, and counting 256 made one-stream decode
/// worse out of source (docs/speed-model.md, fifteenth pass).
pub fn kv_scan(req: &SpeedRequest) -> KvScan {
    let model = req.model;
    let context = KvScan::context(model, req.depth_tokens);
    let (Some(scan), Some(w)) = (
        req.engine.runtime().kv.decode_scan.as_ref(),
        kv::sliding_window(model),
    ) else {
        return context;
    };
    let depth = req.depth_tokens;
    let sliding = if scan.has_sliding_cache(req.build_month.as_deref()) {
        let ub = req.ubatch_tokens();
        // The ring once it has wrapped (a cache at least that large); the
        // context before.
        depth.min(kv::llama_cpp_swa_cells(u64::MAX, w, ub))
    } else {
        depth
    };
    KvScan {
        sliding: sliding as f64,
        ..context
    }
}

/// KV bytes one stream reads per decode step over the cells it scans.
pub fn kv_read_bytes(model: &ModelArch, kv_type: KvType, scan: KvScan) -> f64 {
    let p = kv::per_token_bytes(model, kv_type, kv_type);
    (p.growing + p.indexer) as f64 * scan.growing + p.sliding as f64 * scan.sliding
}

/// Recurrent (linear-attention) state read and written per step per stream.
pub(crate) fn recurrent_bytes(model: &ModelArch) -> f64 {
    // f32 state in llama.cpp; read and write.
    2.0 * kv::recurrent_bytes_per_seq(
        model,
        rigsize_core::dtype::DType::F32,
        rigsize_core::dtype::DType::F32,
    ) as f64
}

/// Parameters used per token, embeddings and output head included: the
/// request's override, else the model's.
pub fn active_params(req: &SpeedRequest) -> f64 {
    req.active_params.unwrap_or(req.model.params_active) as f64
}

/// The output head's parameters (vocabulary × hidden; tied or not, every
/// token whose logits are returned runs through it).
pub fn head_params(m: &ModelArch) -> f64 {
    m.vocab as f64 * m.hidden as f64
}

/// The input embedding's parameters counted in `params_active` (0 where it
/// is tied to the head): a lookup of one row per token, no arithmetic.
fn lookup_params(m: &ModelArch) -> f64 {
    m.params_active.saturating_sub(m.params_active_decode) as f64
}

/// Parameters a decoded token is multiplied through: the active ones less
/// the input embedding (the head runs for every decoded token).
pub fn decode_compute_params(req: &SpeedRequest) -> f64 {
    let a = active_params(req);
    // The floor only matters for an override smaller than the record's
    // embedding (a benchmark row's count on a stand-in architecture); it is
    // the stand-in's own floor (`bench_arch::synthetic_arch`).
    (a - lookup_params(req.model)).max(0.5 * a)
}

/// Parameters a prompt token is multiplied through: the decoded token's
/// less the output head, which the engines run only on the tokens whose
/// logits they return, one per sequence (llama.cpp since PR #6122, March
/// 2024; vLLM/SGLang the last prompt token; mlx_lm's lazy prefill steps
/// never evaluate theirs). Counting it for every prompt token put
/// gemma-3-4b's prefill at 21 % more work than it is, gpt-oss-20b's dense
/// part at 2.8 times.
pub fn prompt_compute_params(req: &SpeedRequest) -> f64 {
    let a = active_params(req);
    // As above: a floor for stand-in architectures whose guessed vocabulary
    // × width is most of a small row's count; catalog records stay far above
    // it (the lowest body share among them is 71 %, Qwen3.5/3.6-35B-A3B).
    (a - lookup_params(req.model) - head_params(req.model)).max(0.25 * a)
}

/// Routed-expert parameters computed per token (gate, up and down of the
/// `k` experts a token uses, in every MoE layer), and the routing share
/// `k / E`; (0, 0) for a dense model.
pub(crate) fn routed_active(m: &ModelArch) -> (f64, f64) {
    match &m.moe {
        Some(x) if x.experts > 0 && x.experts_per_token > 0 => {
            let layers = m.n_layers().saturating_sub(x.dense_layers) as f64;
            let per_expert = 3.0 * m.hidden as f64 * x.expert_ffn as f64;
            (
                layers * x.experts_per_token as f64 * per_expert,
                (x.experts_per_token as f64 / x.experts as f64).min(1.0),
            )
        }
        _ => (0.0, 0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_sum_matches_brute_force() {
        for (start, q, w) in [
            (0.0, 10.0, None),
            (5.0, 10.0, Some(8.0)),
            (0.0, 20.0, Some(8.0)),
            (100.0, 3.0, Some(8.0)),
            (3.0, 4.0, Some(100.0)),
        ] {
            let brute: f64 = (1..=q as u64)
                .map(|i| {
                    let p = start + i as f64;
                    w.map_or(p, |w: f64| p.min(w))
                })
                .sum();
            assert_eq!(context_sum(start, q, w), brute, "{start} {q} {w:?}");
        }
    }
}
