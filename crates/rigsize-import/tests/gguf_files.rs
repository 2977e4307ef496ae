//! GGUF files written here, read back through `rigsize_import::load`.

mod common;

use common::{s, temp_dir, Gguf, V};
use rigsize_core::dtype::DType;
use rigsize_core::engine::{Engine, EngineConfig};

#[path = "gguf_files/files.rs"]
mod files;
#[path = "gguf_files/layers.rs"]
mod layers;
#[path = "gguf_files/malformed.rs"]
mod malformed;
#[path = "gguf_files/weights.rs"]
mod weights;

/// A llama-style model: `kv` None writes no head_count_kv (MHA).
fn llama(
    arch: &str,
    n_layer: u32,
    hidden: u64,
    heads: u32,
    kv: Option<u32>,
    ffn: u64,
    vocab: u64,
) -> Gguf {
    let hd = hidden / heads as u64;
    let kvh = kv.unwrap_or(heads) as u64;
    let mut g = Gguf::new(arch);
    g.kv("general.name", s("Test Llama"))
        .kv("general.file_type", V::U32(15))
        .kv(&format!("{arch}.block_count"), V::U32(n_layer))
        .kv(&format!("{arch}.context_length"), V::U32(8192))
        .kv(&format!("{arch}.embedding_length"), V::U32(hidden as u32))
        .kv(&format!("{arch}.feed_forward_length"), V::U32(ffn as u32))
        .kv(&format!("{arch}.attention.head_count"), V::U32(heads))
        .kv(&format!("{arch}.rope.freq_base"), V::F32(500000.0))
        .kv("tokenizer.ggml.model", s("gpt2"))
        .kv(
            "tokenizer.ggml.tokens",
            V::Arr(8, (0..vocab).map(|i| s(&format!("tok{i}"))).collect()),
        )
        .kv(
            "tokenizer.ggml.scores",
            V::Arr(6, (0..vocab).map(|_| V::F32(0.0)).collect()),
        );
    if let Some(k) = kv {
        g.kv(&format!("{arch}.attention.head_count_kv"), V::U32(k));
    }
    g.tensor("token_embd.weight", &[hidden, vocab], DType::Q4_K)
        .tensor("output_norm.weight", &[hidden], DType::F32)
        .tensor("output.weight", &[hidden, vocab], DType::Q6_K);
    for i in 0..n_layer {
        let b = |n: &str| format!("blk.{i}.{n}.weight");
        let v_type = if i % 2 == 0 { DType::Q6_K } else { DType::Q4_K };
        g.tensor(&b("attn_norm"), &[hidden], DType::F32)
            .tensor(&b("attn_q"), &[hidden, heads as u64 * hd], DType::Q4_K)
            .tensor(&b("attn_k"), &[hidden, kvh * hd], DType::Q4_K)
            .tensor(&b("attn_v"), &[hidden, kvh * hd], v_type)
            .tensor(&b("attn_output"), &[heads as u64 * hd, hidden], DType::Q4_K)
            .tensor(&b("ffn_norm"), &[hidden], DType::F32)
            .tensor(&b("ffn_gate"), &[hidden, ffn], DType::Q4_K)
            .tensor(&b("ffn_up"), &[hidden, ffn], DType::Q4_K)
            .tensor(&b("ffn_down"), &[ffn, hidden], DType::Q6_K);
    }
    g
}

fn write(g: &Gguf, name: &str) -> String {
    let d = temp_dir("gguf");
    g.write_to(&d.join(name)).display().to_string()
}

fn llama_cpp() -> EngineConfig {
    EngineConfig::new(Engine::LlamaCpp)
}

fn moe(
    arch: &str,
    n_layer: u32,
    hidden: u64,
    experts: u32,
    used: u32,
    eff: u64,
    shexp: bool,
) -> Gguf {
    let mut g = llama(arch, n_layer, hidden, 4, Some(2), 512, 300);
    g.tensors.retain(|(n, _, _)| {
        !n.contains("ffn_gate.") && !n.contains("ffn_up.") && !n.contains("ffn_down.")
    });
    g.kv(&format!("{arch}.expert_count"), V::U32(experts))
        .kv(&format!("{arch}.expert_used_count"), V::U32(used))
        .kv(
            &format!("{arch}.expert_feed_forward_length"),
            V::U32(eff as u32),
        );
    let e = experts as u64;
    for i in 0..n_layer {
        let b = |n: &str| format!("blk.{i}.{n}.weight");
        g.tensor(&b("ffn_gate_inp"), &[hidden, e], DType::F32)
            .tensor(&b("ffn_gate_exps"), &[hidden, eff, e], DType::Q4_K)
            .tensor(&b("ffn_up_exps"), &[hidden, eff, e], DType::Q4_K)
            .tensor(&b("ffn_down_exps"), &[eff, hidden, e], DType::Q6_K);
        if shexp {
            g.tensor(&b("ffn_gate_shexp"), &[hidden, eff], DType::Q4_K)
                .tensor(&b("ffn_up_shexp"), &[hidden, eff], DType::Q4_K)
                .tensor(&b("ffn_down_shexp"), &[eff, hidden], DType::Q6_K);
        }
    }
    g
}
