//! Weights and parameter counts read from the tensors: dense GQA and MoE files.

use rigsize_core::dtype::KvType;
use rigsize_core::kv;
use rigsize_core::model::LayerAttention;
use rigsize_import::load;

use super::{llama, moe, write};

#[test]
fn llama_gqa_weights_are_the_sum_of_tensor_sizes() {
    let g = llama("llama", 4, 512, 8, Some(2), 1024, 1000);
    let path = write(&g, "tiny-llama-Q4_K_M.gguf");
    let m = load(&path).unwrap();
    assert_eq!(m.quant_label.as_deref(), Some("Q4_K_M"));
    assert_eq!(m.arch.family, "llama");
    assert_eq!(
        m.arch.vocab, 1000,
        "vocab counted from tokenizer.ggml.tokens"
    );
    assert_eq!(m.arch.n_layers(), 4);
    assert_eq!(
        m.arch.layers[0],
        LayerAttention::Full {
            kv_heads: 2,
            head_dim_k: 64,
            head_dim_v: 64
        }
    );
    let w = m.weights().unwrap();
    assert_eq!(w.bytes, g.tensor_bytes());
    let elems: u64 = g
        .tensors
        .iter()
        .map(|(_, ne, _)| ne.iter().product::<u64>())
        .sum();
    assert_eq!(w.params, elems);
    assert_eq!(m.arch.params_total, elems);
    assert_eq!(m.arch.params_active, elems);
    assert_eq!(m.arch.params_active_decode, elems - 512 * 1000);
    assert!(!m.arch.tied_embeddings);
    assert_eq!(m.file_bytes, Some(std::fs::metadata(&path).unwrap().len()));
    // Mixed types: Q4_K, Q6_K and F32 all present.
    assert_eq!(w.by_type.len(), 3);
    // KV: 4 layers × 2 heads × 64 × (K+V) × 2 bytes.
    let pt = kv::per_token_bytes(&m.arch, KvType::F16, KvType::F16);
    assert_eq!(pt.growing, 4 * 2 * 64 * 2 * 2);
}

#[test]
fn qwen3moe_active_params_count_used_experts_only() {
    let g = moe("qwen3moe", 2, 256, 8, 2, 256, false);
    let m = load(&write(&g, "moe.gguf")).unwrap();
    let mo = m.arch.moe.as_ref().unwrap();
    assert_eq!(
        (
            mo.experts,
            mo.experts_per_token,
            mo.expert_ffn,
            mo.shared_experts
        ),
        (8, 2, 256, 0)
    );
    let routed_per_layer = 3 * 256 * 256 * 8u64;
    let total = m.arch.params_total;
    assert_eq!(
        m.arch.params_active,
        total - 2 * routed_per_layer + 2 * routed_per_layer / 4
    );
    let w = m.weights().unwrap();
    assert_eq!(w.bytes, g.tensor_bytes());
    assert!(w.routed_expert_bytes > 0);
    let g = moe("qwen2moe", 2, 256, 8, 2, 256, true);
    let m = load(&write(&g, "shexp.gguf")).unwrap();
    assert_eq!(m.arch.moe.unwrap().shared_experts, 1);
}
