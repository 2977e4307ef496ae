//! `hf:` specs against a Hub-like server on 127.0.0.1 (no internet).

mod common;

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use common::{s, safetensors_file, temp_dir, Gguf, HubServer, V};
use rigsize_core::dtype::DType;
use rigsize_import::hub::{load_with, Hub};
use rigsize_import::ImportError;

fn model(n_layer: u32, vocab: u64) -> Gguf {
    let mut g = Gguf::new("qwen3");
    g.kv("general.file_type", V::U32(15))
        .kv("qwen3.block_count", V::U32(n_layer))
        .kv("qwen3.context_length", V::U32(40960))
        .kv("qwen3.embedding_length", V::U32(256))
        .kv("qwen3.feed_forward_length", V::U32(512))
        .kv("qwen3.attention.head_count", V::U32(4))
        .kv("qwen3.attention.head_count_kv", V::U32(2))
        .kv("qwen3.attention.key_length", V::U32(64))
        // A big tokenizer, so that the header spans several range chunks.
        .kv(
            "tokenizer.ggml.tokens",
            V::Arr(
                8,
                (0..vocab)
                    .map(|i| s(&format!("token-{i:08}-padding-padding")))
                    .collect(),
            ),
        );
    g.tensor("token_embd.weight", &[256, vocab], DType::Q4_K)
        .tensor("output.weight", &[256, vocab], DType::Q6_K);
    for i in 0..n_layer {
        g.tensor(&format!("blk.{i}.attn_q.weight"), &[256, 256], DType::Q4_K)
            .tensor(&format!("blk.{i}.attn_k.weight"), &[256, 128], DType::Q4_K)
            .tensor(&format!("blk.{i}.attn_v.weight"), &[256, 128], DType::Q6_K)
            .tensor(
                &format!("blk.{i}.ffn_down.weight"),
                &[512, 256],
                DType::Q6_K,
            );
    }
    g
}

fn hub(server: &HubServer, cache: Option<std::path::PathBuf>, token: Option<&str>) -> Hub {
    Hub::new(&server.endpoint, token.map(str::to_string), cache)
}

fn gguf_repo() -> (Vec<(String, Vec<u8>)>, u64, u64) {
    let big = model(4, 60_000);
    let big_bytes = big.bytes();
    // A split Q8_0 in a folder.
    let g = model(4, 1000);
    let n = g.tensors.len();
    let mut files = vec![
        ("README.md".to_string(), b"# test".to_vec()),
        ("Qwen3-Tiny-Q4_K_M.gguf".to_string(), big_bytes.clone()),
        (
            "Qwen3-Tiny-UD-Q4_K_XL.gguf".to_string(),
            model(2, 100).bytes(),
        ),
        ("mmproj-F16.gguf".to_string(), model(1, 10).bytes()),
    ];
    for (i, ts) in [&g.tensors[..n / 2], &g.tensors[n / 2..]]
        .iter()
        .enumerate()
    {
        let mut p = if i == 0 {
            g.clone()
        } else {
            Gguf::new("qwen3")
        };
        p.tensors = ts.to_vec();
        p.kv("split.no", V::U16(i as u16))
            .kv("split.count", V::U16(2));
        files.push((
            format!("Q8_0/Qwen3-Tiny-Q8_0-{:05}-of-00002.gguf", i + 1),
            p.bytes(),
        ));
    }
    (files, big.tensor_bytes(), g.tensor_bytes())
}

#[test]
fn gguf_repo_reads_headers_with_ranges_only() {
    let (files, big_tensor_bytes, split_tensor_bytes) = gguf_repo();
    let total_file: usize = files
        .iter()
        .find(|(p, _)| p == "Qwen3-Tiny-Q4_K_M.gguf")
        .map(|(_, b)| b.len())
        .unwrap();
    let mut repos = HashMap::new();
    repos.insert("unsloth/Qwen3-Tiny-GGUF".to_string(), files);
    let server = HubServer::start(repos, None);
    let cache = temp_dir("cache");
    let h = hub(&server, Some(cache.clone()), None);

    let m = load_with(&h, "hf:unsloth/Qwen3-Tiny-GGUF:Q4_K_M").unwrap();
    assert_eq!(m.quant_label.as_deref(), Some("Q4_K_M"));
    assert_eq!(m.arch.vocab, 60_000);
    assert_eq!(m.weights().unwrap().bytes, big_tensor_bytes);
    assert_eq!(m.file_bytes, Some(total_file as u64));
    assert!(m.source.contains("Qwen3-Tiny-Q4_K_M.gguf"));
    let sent = server.bytes_sent.load(Ordering::SeqCst);
    assert!(
        sent < total_file,
        "read {sent} bytes of a {total_file}-byte file: headers only"
    );

    // Split files in a folder.
    let m = load_with(&h, "hf:unsloth/Qwen3-Tiny-GGUF:q8_0").unwrap();
    assert_eq!(m.weights().unwrap().bytes, split_tensor_bytes);

    // The cache serves the headers again without range requests.
    let before = server.requests.load(Ordering::SeqCst);
    let m2 = load_with(&h, "hf:unsloth/Qwen3-Tiny-GGUF:Q4_K_M").unwrap();
    assert_eq!(m2.weights().unwrap().bytes, big_tensor_bytes);
    assert_eq!(
        server.requests.load(Ordering::SeqCst) - before,
        1,
        "only the listing is fetched again"
    );

    // Unknown quant: the error lists what exists (not the mmproj).
    let e = load_with(&h, "hf:unsloth/Qwen3-Tiny-GGUF:Q2_K")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Qwen3-Tiny-Q4_K_M") && !e.contains("mmproj"),
        "{e}"
    );
    // No quant on a GGUF-only repo: asks for one.
    let e = load_with(&h, "hf:unsloth/Qwen3-Tiny-GGUF")
        .unwrap_err()
        .to_string();
    assert!(e.contains(":Q4_K_M"), "{e}");
    // Unknown repo.
    let e = load_with(&h, "hf:nobody/nothing").unwrap_err();
    assert!(matches!(e, ImportError::NotFound { .. }), "{e}");

    // Offline with a warm cache: the cached listing and headers suffice.
    drop(server);
    let m3 = load_with(&h, "hf:unsloth/Qwen3-Tiny-GGUF:Q4_K_M").unwrap();
    assert_eq!(m3.weights().unwrap().bytes, big_tensor_bytes);
}

#[test]
fn offline_without_cache_names_the_local_alternative() {
    // A port nothing listens on.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    let h = Hub::new(&endpoint, None, Some(temp_dir("nocache")));
    let e = load_with(&h, "hf:Qwen/Qwen3-8B").unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ImportError::Network { .. }), "{msg}");
    assert!(
        msg.contains("local path") && msg.contains("--model ./"),
        "{msg}"
    );
}

#[test]
fn gated_repos_need_the_token() {
    let mut repos = HashMap::new();
    repos.insert(
        "meta/Gated".to_string(),
        vec![("config.json".to_string(), br#"{"model_type":"llama","hidden_size":64,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100,"intermediate_size":128,"max_position_embeddings":2048}"#.to_vec())],
    );
    let server = HubServer::start(repos, Some("sekrit"));
    let e = load_with(&hub(&server, None, None), "hf:meta/Gated")
        .unwrap_err()
        .to_string();
    assert!(e.contains("HF_TOKEN"), "{e}");
    let m = load_with(&hub(&server, None, Some("sekrit")), "hf:meta/Gated").unwrap();
    assert_eq!(m.arch.n_layers(), 2);
    assert!(m.tensors.is_none());
    assert!(server
        .auth_seen
        .lock()
        .unwrap()
        .iter()
        .any(|a| a == "Bearer sekrit"));
}

#[test]
fn safetensors_repo_reads_config_and_shard_headers() {
    let cfg = serde_json::json!({
        "model_type": "qwen3", "hidden_size": 64, "intermediate_size": 128,
        "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
        "vocab_size": 100, "max_position_embeddings": 4096, "tie_word_embeddings": true,
        "torch_dtype": "bfloat16"
    });
    let shard1 = safetensors_file(&[
        ("model.embed_tokens.weight", "BF16", vec![100, 64]),
        (
            "model.layers.0.self_attn.q_proj.weight",
            "BF16",
            vec![64, 64],
        ),
    ]);
    let shard2 = safetensors_file(&[
        ("model.layers.0.mlp.down_proj.weight", "BF16", vec![64, 128]),
        ("model.norm.weight", "F32", vec![64]),
    ]);
    let index = serde_json::json!({"weight_map": {
        "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
        "model.layers.0.self_attn.q_proj.weight": "model-00001-of-00002.safetensors",
        "model.layers.0.mlp.down_proj.weight": "model-00002-of-00002.safetensors",
        "model.norm.weight": "model-00002-of-00002.safetensors"
    }});
    let mut repos = HashMap::new();
    repos.insert(
        "Qwen/Tiny".to_string(),
        vec![
            ("config.json".to_string(), cfg.to_string().into_bytes()),
            (
                "model.safetensors.index.json".to_string(),
                index.to_string().into_bytes(),
            ),
            ("model-00001-of-00002.safetensors".to_string(), shard1),
            ("model-00002-of-00002.safetensors".to_string(), shard2),
        ],
    );
    let server = HubServer::start(repos, None);
    let m = load_with(&hub(&server, Some(temp_dir("st")), None), "hf:Qwen/Tiny").unwrap();
    let params = 6400 + 4096 + 8192 + 64;
    assert_eq!(m.arch.params_total, params);
    assert_eq!(m.weights().unwrap().bytes, (params - 64) * 2 + 64 * 4);
    assert!(m.arch.tied_embeddings);
}
