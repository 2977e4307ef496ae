//! GGUF files written here, read back through `rigsize_import::load`.

mod common;

use common::{s, temp_dir, u32s, Gguf, V};
use rigsize_core::dtype::{DType, KvType};
use rigsize_core::engine::{Engine, EngineConfig};
use rigsize_core::kv;
use rigsize_core::model::LayerAttention;
use rigsize_import::{gguf, load, ImportError};

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

#[test]
fn split_files_are_read_whole() {
    let g = llama("llama", 4, 256, 4, Some(2), 512, 300);
    let d = temp_dir("split");
    // Three parts: metadata + first tensors, then the rest.
    let n = g.tensors.len();
    let chunks = [
        &g.tensors[..n / 3],
        &g.tensors[n / 3..2 * n / 3],
        &g.tensors[2 * n / 3..],
    ];
    for (i, ts) in chunks.iter().enumerate() {
        let mut p = if i == 0 {
            g.clone()
        } else {
            Gguf::new("llama")
        };
        p.tensors = ts.to_vec();
        p.kv("split.no", V::U16(i as u16))
            .kv("split.count", V::U16(3));
        p.write_to(&d.join(format!("m-Q4_K_M-{:05}-of-00003.gguf", i + 1)));
    }
    let part2 = d.join("m-Q4_K_M-00002-of-00003.gguf");
    let m = load(&part2.display().to_string()).unwrap();
    assert_eq!(m.weights().unwrap().bytes, g.tensor_bytes());
    assert_eq!(m.arch.n_layers(), 4);
    std::fs::remove_file(d.join("m-Q4_K_M-00003-of-00003.gguf")).unwrap();
    let e = load(&part2.display().to_string()).unwrap_err().to_string();
    assert!(e.contains("00003-of-00003") && e.contains("missing"), "{e}");
}

#[test]
fn a_directory_with_one_gguf_loads_it() {
    let g = llama("llama", 2, 256, 4, Some(2), 512, 300);
    let d = temp_dir("dir");
    g.write_to(&d.join("x.gguf"));
    let m = load(&d.display().to_string()).unwrap();
    assert_eq!(m.arch.n_layers(), 2);
    g.write_to(&d.join("y.gguf"));
    assert!(load(&d.display().to_string())
        .unwrap_err()
        .to_string()
        .contains("several"));
}

#[test]
fn every_truncation_is_an_error_with_an_offset() {
    let g = llama("llama", 1, 256, 4, Some(2), 512, 20);
    let (h, _) = g.header();
    for cut in 0..h.len() {
        match gguf::parse_bytes(&h[..cut], "cut") {
            Err(ImportError::Malformed { offset, .. }) => assert!(offset <= cut as u64),
            Err(e) => panic!("cut {cut}: unexpected error kind {e}"),
            Ok(p) => assert!(p.header_len <= cut as u64, "cut {cut} parsed"),
        }
    }
}

#[test]
fn a_file_shorter_than_its_tensors_is_truncated() {
    let g = llama("llama", 1, 256, 4, Some(2), 512, 20);
    let d = temp_dir("short");
    let p = g.write_to(&d.join("t.gguf"));
    let len = std::fs::metadata(&p).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(len - 1)
        .unwrap();
    let e = load(&p.display().to_string()).unwrap_err().to_string();
    assert!(e.contains("truncated"), "{e}");
}

fn raw(version: u32, n_tensors: u64, n_kv: u64, rest: &[u8]) -> Vec<u8> {
    let mut v = b"GGUF".to_vec();
    v.extend_from_slice(&version.to_le_bytes());
    v.extend_from_slice(&n_tensors.to_le_bytes());
    v.extend_from_slice(&n_kv.to_le_bytes());
    v.extend_from_slice(rest);
    v
}

fn err(bytes: &[u8]) -> String {
    match gguf::parse_bytes(bytes, "evil.gguf") {
        Err(e) => e.to_string(),
        Ok(_) => panic!("parsed"),
    }
}

#[test]
fn lying_headers_are_refused_without_allocating() {
    assert!(err(b"GGML\x03\0\0\0").contains("not a GGUF"));
    assert!(err(&raw(1, 0, 0, &[])).contains("version 1"));
    assert!(err(&raw(3u32.swap_bytes(), 0, 0, &[])).contains("big-endian"));
    assert!(err(&raw(3, u64::MAX, 0, &[])).contains("tensors"));
    assert!(err(&raw(3, 0, u64::MAX, &[])).contains("metadata"));
    // A key claiming 2^60 bytes.
    let e = err(&raw(3, 0, 1, &(1u64 << 60).to_le_bytes()));
    assert!(e.contains("at byte 24"), "{e}");
    // A string value claiming 1 GiB in a tiny file: refused by the cap.
    let mut kv = Vec::new();
    kv.extend_from_slice(&1u64.to_le_bytes());
    kv.push(b'k');
    kv.extend_from_slice(&8u32.to_le_bytes());
    kv.extend_from_slice(&(1u64 << 30).to_le_bytes());
    assert!(err(&raw(3, 0, 1, &kv)).contains("limit"));
    // An array claiming 2^40 u8 elements.
    let mut kv = Vec::new();
    kv.extend_from_slice(&1u64.to_le_bytes());
    kv.push(b'k');
    kv.extend_from_slice(&9u32.to_le_bytes());
    kv.extend_from_slice(&0u32.to_le_bytes());
    kv.extend_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(err(&raw(3, 0, 1, &kv)).contains("elements"));
    // An array just under the cap but truncated: fails at the end of data.
    let mut kv2 = kv.clone();
    kv2.truncate(kv.len() - 8);
    kv2.extend_from_slice(&(1u64 << 20).to_le_bytes());
    assert!(err(&raw(3, 0, 1, &kv2)).contains("ends"));
    // Tensor infos: 5 dims, overflowing dims, unknown type.
    let tensor = |n_dims: u32, dims: &[u64], ty: u32| {
        let mut t = Vec::new();
        t.extend_from_slice(&1u64.to_le_bytes());
        t.push(b't');
        t.extend_from_slice(&n_dims.to_le_bytes());
        for d in dims {
            t.extend_from_slice(&d.to_le_bytes());
        }
        t.extend_from_slice(&ty.to_le_bytes());
        t.extend_from_slice(&0u64.to_le_bytes());
        raw(3, 1, 0, &t)
    };
    assert!(err(&tensor(5, &[1, 1, 1, 1, 1], 0)).contains("dimensions"));
    assert!(err(&tensor(3, &[1 << 30, 1 << 30, 1 << 30], 0)).contains("overflow"));
    assert!(err(&tensor(1, &[32], 4)).contains("unknown ggml type"));
    assert!(err(&tensor(1, &[33], 12)).contains("multiple"));
    assert!(gguf::parse_bytes(&tensor(1, &[256], 12), "ok").is_ok());
}

#[test]
fn version_2_files_parse() {
    let mut g = llama("llama", 1, 256, 4, Some(2), 512, 20);
    g.version = 2;
    let h = gguf::parse_bytes(&g.bytes(), "v2").unwrap();
    assert_eq!(h.version, 2);
    assert_eq!(h.tensor_bytes(), g.tensor_bytes());
}
