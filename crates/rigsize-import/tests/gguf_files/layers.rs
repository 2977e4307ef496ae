//! Each architecture's layer kinds and KV layout: MHA, sliding windows, MLA latents and recurrent layers.

use rigsize_core::dtype::KvType;
use rigsize_core::kv;
use rigsize_core::model::LayerAttention;
use rigsize_import::load;

use super::common::{u32s, V};
use super::{llama, llama_cpp, moe, write};

#[test]
fn llama_mha_defaults_kv_heads_to_heads() {
    let g = llama("llama", 2, 256, 4, None, 512, 300);
    let m = load(&write(&g, "mha.gguf")).unwrap();
    assert_eq!(
        m.arch.layers[1],
        LayerAttention::Full {
            kv_heads: 4,
            head_dim_k: 64,
            head_dim_v: 64
        }
    );
}

#[test]
fn gemma3_slides_five_of_six_layers() {
    let mut g = llama("gemma3", 12, 256, 4, Some(2), 512, 300);
    g.kv("gemma3.attention.sliding_window", V::U32(512))
        .kv("gemma3.attention.key_length", V::U32(128))
        .kv("gemma3.attention.value_length", V::U32(128));
    // Tied: drop output.weight.
    g.tensors.retain(|(n, _, _)| n != "output.weight");
    let m = load(&write(&g, "gemma.gguf")).unwrap();
    let kinds: String = m
        .arch
        .layers
        .iter()
        .map(|l| l.short_name().chars().next().unwrap())
        .collect();
    assert_eq!(kinds, "sssssfsssssf");
    assert!(m.arch.tied_embeddings);
    assert_eq!(
        m.arch.params_active_decode, m.arch.params_active,
        "tied embedding is the head"
    );
    // llama.cpp: two caches; the SWA one holds pad(window + n_ubatch, 256) cells.
    let a = kv::allocate(&m.arch, 4096, 1, KvType::F16, KvType::F16, &llama_cpp());
    let full = a.parts.iter().find(|p| p.kind == "full").unwrap();
    let swa = a.parts.iter().find(|p| p.kind == "sliding").unwrap();
    assert_eq!(full.layers, 2);
    assert_eq!(swa.layers, 10);
    assert_eq!(full.bytes, 4096 * 2 * (2 * 128 * 2 * 2));
    assert_eq!(swa.cells, 1024);
    assert_eq!(swa.bytes, 1024 * 10 * (2 * 128 * 2 * 2));
}

#[test]
fn sliding_pattern_key_overrides_the_default() {
    let mut g = llama("gemma3", 4, 256, 4, Some(2), 512, 300);
    g.kv("gemma3.attention.sliding_window", V::U32(128)).kv(
        "gemma3.attention.sliding_window_pattern",
        V::Arr(
            7,
            vec![V::Bool(true), V::Bool(false), V::Bool(false), V::Bool(true)],
        ),
    );
    let m = load(&write(&g, "pat.gguf")).unwrap();
    let kinds: String = m
        .arch
        .layers
        .iter()
        .map(|l| l.short_name().chars().next().unwrap())
        .collect();
    assert_eq!(kinds, "sffs");
    // An integer period.
    let mut g = llama("gemma3", 6, 256, 4, Some(2), 512, 300);
    g.kv("gemma3.attention.sliding_window", V::U32(128))
        .kv("gemma3.attention.sliding_window_pattern", V::U32(3));
    let m = load(&write(&g, "pat3.gguf")).unwrap();
    let kinds: String = m
        .arch
        .layers
        .iter()
        .map(|l| l.short_name().chars().next().unwrap())
        .collect();
    assert_eq!(kinds, "ssfssf");
    // llama ignores a sliding window (llama.cpp sets no pattern for it).
    let mut g = llama("llama", 2, 256, 4, Some(2), 512, 300);
    g.kv("llama.attention.sliding_window", V::U32(128));
    let m = load(&write(&g, "llama-swa.gguf")).unwrap();
    assert_eq!(m.arch.count_layers("full"), 2);
    assert!(!m.notes.is_empty());
}

#[test]
fn gpt_oss_alternates_sliding_and_full() {
    let mut g = moe("gpt-oss", 4, 256, 4, 2, 256, false);
    g.kv("gpt-oss.attention.sliding_window", V::U32(128))
        .kv("gpt-oss.attention.key_length", V::U32(64))
        .kv("gpt-oss.attention.value_length", V::U32(64));
    let m = load(&write(&g, "gpt-oss-mxfp4.gguf")).unwrap();
    let kinds: String = m
        .arch
        .layers
        .iter()
        .map(|l| l.short_name().chars().next().unwrap())
        .collect();
    assert_eq!(kinds, "sfsf");
}

#[test]
fn deepseek2_caches_the_latent_only() {
    let mut g = llama("deepseek2", 3, 256, 4, Some(4), 512, 300);
    g.kv("deepseek2.attention.kv_lora_rank", V::U32(512))
        .kv("deepseek2.attention.q_lora_rank", V::U32(256))
        .kv("deepseek2.rope.dimension_count", V::U32(64))
        .kv("deepseek2.attention.key_length", V::U32(192))
        .kv("deepseek2.attention.value_length", V::U32(128))
        .kv("deepseek2.leading_dense_block_count", V::U32(1));
    let m = load(&write(&g, "ds.gguf")).unwrap();
    assert!(m.arch.layers.iter().all(|l| *l
        == LayerAttention::Mla {
            kv_lora_rank: 512,
            rope_dim: 64
        }));
    let mla = m.arch.mla.clone().unwrap();
    assert_eq!(
        (mla.qk_nope_head_dim, mla.v_head_dim, mla.q_lora_rank),
        (128, 128, Some(256))
    );
    let pt = kv::per_token_bytes(&m.arch, KvType::F16, KvType::F16);
    assert_eq!(pt.growing, 3 * 576 * 2);
}

#[test]
fn qwen3next_recurrent_state_matches_the_catalog() {
    let mut g = llama("qwen3next", 8, 256, 4, Some(2), 512, 300);
    g.kv("qwen3next.full_attention_interval", V::U32(4))
        .kv("qwen3next.ssm.conv_kernel", V::U32(4))
        .kv("qwen3next.ssm.state_size", V::U32(128))
        .kv("qwen3next.ssm.group_count", V::U32(16))
        .kv("qwen3next.ssm.time_step_rank", V::U32(32))
        .kv("qwen3next.ssm.inner_size", V::U32(4096));
    let m = load(&write(&g, "next.gguf")).unwrap();
    let kinds: String = m
        .arch
        .layers
        .iter()
        .map(|l| l.short_name().chars().next().unwrap())
        .collect();
    assert_eq!(kinds, "rrrfrrrf");
    let cat = rigsize_catalog::Catalog::builtin().unwrap();
    let rec = cat
        .models
        .iter()
        .find(|r| r.arch.id == "qwen3-next-80b-a3b")
        .unwrap();
    let cat_rec = rec
        .arch
        .layers
        .iter()
        .find(|l| l.short_name() == "recurrent")
        .unwrap();
    assert_eq!(&m.arch.layers[0], cat_rec);
    assert_eq!(m.arch.linear, rec.arch.linear);
}

#[test]
fn zero_kv_heads_mark_recurrent_layers() {
    let mut g = llama("jamba", 4, 256, 4, None, 512, 300);
    g.kv("jamba.attention.head_count_kv", u32s(&[0, 0, 2, 0]))
        .kv("jamba.ssm.conv_kernel", V::U32(4))
        .kv("jamba.ssm.state_size", V::U32(16))
        .kv("jamba.ssm.inner_size", V::U32(512));
    let m = load(&write(&g, "jamba.gguf")).unwrap();
    let kinds: String = m
        .arch
        .layers
        .iter()
        .map(|l| l.short_name().chars().next().unwrap())
        .collect();
    assert_eq!(kinds, "rrfr");
    assert_eq!(
        m.arch.layers[0],
        LayerAttention::Recurrent {
            state_elems: 16 * 512,
            conv_elems: 3 * 512
        }
    );
    // A per-layer array of the wrong length is an error, not a panic.
    let mut g = llama("jamba", 4, 256, 4, None, 512, 300);
    g.kv("jamba.attention.head_count_kv", u32s(&[0, 2]));
    let e = load(&write(&g, "bad.gguf")).unwrap_err().to_string();
    assert!(e.contains("2 entries for 4 layers"), "{e}");
}
