//! config.json of each attention kind against the catalog record of the
//! same model, and snapshot directories with safetensors headers.

mod common;

use std::path::PathBuf;

use common::{safetensors_file, temp_dir};
use rigsize_catalog::Catalog;
use rigsize_core::dtype::{DType, KvType};
use rigsize_core::kv;
use rigsize_import::load;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/configs")
        .join(name)
        .display()
        .to_string()
}

fn check_against_catalog(file: &str, id: &str) {
    let cat = Catalog::builtin().unwrap();
    let rec = &cat.models.iter().find(|r| r.arch.id == id).unwrap().arch;
    let m = load(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    for (k, v) in [
        (KvType::F16, KvType::F16),
        (KvType::Q8_0, KvType::Q8_0),
        (KvType::F32, KvType::Q4_0),
    ] {
        assert_eq!(
            kv::per_token_bytes(&m.arch, k, v),
            kv::per_token_bytes(rec, k, v),
            "{file}: KV bytes per token at {k}/{v}"
        );
    }
    assert_eq!(m.arch.layers, rec.layers, "{file}: layer list");
    assert_eq!(m.arch.moe, rec.moe, "{file}: MoE layout");
    assert_eq!(m.arch.mla, rec.mla, "{file}: MLA dims");
    assert_eq!(m.arch.linear, rec.linear, "{file}: linear dims");
    assert_eq!(
        kv::recurrent_bytes_per_seq(&m.arch, DType::F32, DType::F32),
        kv::recurrent_bytes_per_seq(rec, DType::F32, DType::F32)
    );
    assert_eq!(
        (m.arch.hidden, m.arch.vocab, m.arch.n_heads),
        (rec.hidden, rec.vocab, rec.n_heads)
    );
    assert_eq!(m.arch.tied_embeddings, rec.tied_embeddings, "{file}: tied");
    // No safetensors: parameters rebuilt from the dimensions, within a few
    // percent of the cited count (biases, sinks, MTP layers are not rebuilt).
    let ratio = m.arch.params_total as f64 / rec.params_total as f64;
    assert!(
        (0.95..=1.01).contains(&ratio),
        "{file}: params {} vs catalog {}",
        m.arch.params_total,
        rec.params_total
    );
    let ratio = m.arch.params_active as f64 / rec.params_active as f64;
    assert!(
        (0.93..=1.02).contains(&ratio),
        "{file}: active {} vs catalog {}",
        m.arch.params_active,
        rec.params_active
    );
    assert!(m.tensors.is_none());
    assert!(m.notes.iter().any(|n| n.contains("rebuilt")));
}

#[test]
fn full_gqa_qwen3_32b_matches_the_catalog() {
    check_against_catalog("qwen3-32b.json", "qwen3-32b");
}

#[test]
fn sliding_gemma3_27b_matches_the_catalog() {
    check_against_catalog("gemma-3-27b-it.json", "gemma-3-27b-it");
}

#[test]
fn sliding_gpt_oss_20b_matches_the_catalog() {
    check_against_catalog("gpt-oss-20b.json", "gpt-oss-20b");
    let m = load(&fixture("gpt-oss-20b.json")).unwrap();
    assert_eq!(m.quant_label.as_deref(), Some("mxfp4"));
    assert_eq!(m.arch.native_dtype, DType::MXFP4);
}

#[test]
fn mla_deepseek_v3_matches_the_catalog() {
    check_against_catalog("deepseek-v3.json", "deepseek-v3");
    let m = load(&fixture("deepseek-v3.json")).unwrap();
    assert_eq!(m.arch.native_dtype, DType::FP8);
    let pt = kv::per_token_bytes(&m.arch, KvType::F16, KvType::F16);
    assert_eq!(pt.growing, 61 * 576 * 2);
}

#[test]
fn hybrid_qwen3_next_matches_the_catalog() {
    check_against_catalog("qwen3-next-80b-a3b.json", "qwen3-next-80b-a3b");
    // Without layer_types, full_attention_interval gives the same layers.
    let text = std::fs::read_to_string(fixture("qwen3-next-80b-a3b.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_object_mut().unwrap().remove("layer_types");
    let d = temp_dir("next");
    std::fs::write(d.join("config.json"), v.to_string()).unwrap();
    let a = load(&d.join("config.json").display().to_string()).unwrap();
    let b = load(&fixture("qwen3-next-80b-a3b.json")).unwrap();
    assert_eq!(a.arch.layers, b.arch.layers);
}

fn tiny_qwen3_config() -> serde_json::Value {
    serde_json::json!({
        "architectures": ["Qwen3ForCausalLM"],
        "model_type": "qwen3",
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 16,
        "vocab_size": 100,
        "max_position_embeddings": 4096,
        "tie_word_embeddings": false,
        "torch_dtype": "bfloat16"
    })
}

fn tiny_qwen3_tensors(dtype: &'static str) -> Vec<(String, &'static str, Vec<u64>)> {
    let mut t = vec![
        (
            "model.embed_tokens.weight".to_string(),
            "BF16",
            vec![100, 64],
        ),
        ("lm_head.weight".to_string(), "BF16", vec![100, 64]),
        ("model.norm.weight".to_string(), "BF16", vec![64]),
    ];
    for i in 0..2 {
        let p = |n: &str| format!("model.layers.{i}.{n}");
        t.push((p("input_layernorm.weight"), "BF16", vec![64]));
        t.push((p("self_attn.q_proj.weight"), dtype, vec![64, 64]));
        t.push((p("self_attn.k_proj.weight"), dtype, vec![32, 64]));
        t.push((p("self_attn.v_proj.weight"), dtype, vec![32, 64]));
        t.push((p("self_attn.o_proj.weight"), dtype, vec![64, 64]));
        t.push((p("mlp.gate_proj.weight"), dtype, vec![128, 64]));
        t.push((p("mlp.up_proj.weight"), dtype, vec![128, 64]));
        t.push((p("mlp.down_proj.weight"), dtype, vec![64, 128]));
    }
    t
}

#[test]
fn snapshot_with_sharded_safetensors_counts_exact_parameters() {
    let d = temp_dir("snap");
    std::fs::write(d.join("config.json"), tiny_qwen3_config().to_string()).unwrap();
    let t = tiny_qwen3_tensors("BF16");
    let (pa, pb) = t.split_at(7);
    let write = |name: &str, part: &[(String, &'static str, Vec<u64>)]| {
        let refs: Vec<(&str, &str, Vec<u64>)> = part
            .iter()
            .map(|(n, d, s)| (n.as_str(), *d, s.clone()))
            .collect();
        std::fs::write(d.join(name), safetensors_file(&refs)).unwrap();
    };
    write("model-00001-of-00002.safetensors", pa);
    write("model-00002-of-00002.safetensors", pb);
    let mut map = serde_json::Map::new();
    for (n, _, _) in pa {
        map.insert(n.clone(), "model-00001-of-00002.safetensors".into());
    }
    for (n, _, _) in pb {
        map.insert(n.clone(), "model-00002-of-00002.safetensors".into());
    }
    std::fs::write(
        d.join("model.safetensors.index.json"),
        serde_json::json!({"metadata": {"total_size": 0}, "weight_map": map}).to_string(),
    )
    .unwrap();
    let m = load(&d.display().to_string()).unwrap();
    let expect: u64 = t.iter().map(|(_, _, s)| s.iter().product::<u64>()).sum();
    assert_eq!(m.arch.params_total, expect);
    assert_eq!(m.arch.params_active_decode, expect - 6400);
    let w = m.weights().unwrap();
    assert_eq!(w.bytes, expect * 2);
    assert_eq!(w.by_type.len(), 1);
    assert_eq!(m.quant_label.as_deref(), Some("bf16"));
    // The config path alone loads the same snapshot.
    let m2 = load(&d.join("config.json").display().to_string()).unwrap();
    assert_eq!(m2.arch, m.arch);
    // A shard cut short is an error naming the file.
    let p = d.join("model-00002-of-00002.safetensors");
    let len = std::fs::metadata(&p).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(len - 2)
        .unwrap();
    let e = load(&d.display().to_string()).unwrap_err().to_string();
    assert!(e.contains("model-00002-of-00002.safetensors"), "{e}");
}

#[test]
fn fp8_snapshot_counts_one_byte_per_weight() {
    let d = temp_dir("fp8");
    let mut cfg = tiny_qwen3_config();
    cfg["quantization_config"] =
        serde_json::json!({"quant_method": "fp8", "weight_block_size": [128, 128]});
    std::fs::write(d.join("config.json"), cfg.to_string()).unwrap();
    let mut t = tiny_qwen3_tensors("F8_E4M3");
    t.push((
        "model.layers.0.self_attn.q_proj.weight_scale_inv".into(),
        "F32",
        vec![1, 1],
    ));
    let refs: Vec<(&str, &str, Vec<u64>)> = t
        .iter()
        .map(|(n, d, s)| (n.as_str(), *d, s.clone()))
        .collect();
    let file = safetensors_file(&refs);
    let data = file.len() as u64 - 8 - u64::from_le_bytes(file[..8].try_into().unwrap());
    std::fs::write(d.join("model.safetensors"), &file).unwrap();
    let m = load(&d.display().to_string()).unwrap();
    assert_eq!(m.quant_label.as_deref(), Some("fp8"));
    assert_eq!(m.weights().unwrap().bytes, data);
}

#[test]
fn mxfp4_snapshot_is_exact() {
    let d = temp_dir("mxfp4");
    let cfg = serde_json::json!({
        "model_type": "gpt_oss", "hidden_size": 64, "intermediate_size": 64,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
        "num_local_experts": 4, "num_experts_per_tok": 2, "vocab_size": 100,
        "sliding_window": 128, "max_position_embeddings": 4096,
        "layer_types": ["sliding_attention", "full_attention"],
        "quantization_config": {"quant_method": "mxfp4"}
    });
    std::fs::write(d.join("config.json"), cfg.to_string()).unwrap();
    let mut t: Vec<(String, &str, Vec<u64>)> = vec![
        ("model.embed_tokens.weight".into(), "BF16", vec![100, 64]),
        ("lm_head.weight".into(), "BF16", vec![100, 64]),
    ];
    for i in 0..2 {
        // 4 experts × 128 rows × 2 blocks × 16 B = 4 × 128 × 64 values.
        t.push((
            format!("model.layers.{i}.mlp.experts.gate_up_proj_blocks"),
            "U8",
            vec![4, 128, 2, 16],
        ));
        t.push((
            format!("model.layers.{i}.mlp.experts.gate_up_proj_scales"),
            "U8",
            vec![4, 128, 2],
        ));
        t.push((
            format!("model.layers.{i}.mlp.experts.down_proj_blocks"),
            "U8",
            vec![4, 64, 2, 16],
        ));
        t.push((
            format!("model.layers.{i}.mlp.experts.down_proj_scales"),
            "U8",
            vec![4, 64, 2],
        ));
        t.push((
            format!("model.layers.{i}.mlp.router.weight"),
            "BF16",
            vec![4, 64],
        ));
    }
    let refs: Vec<(&str, &str, Vec<u64>)> = t
        .iter()
        .map(|(n, d, s)| (n.as_str(), *d, s.clone()))
        .collect();
    let file = safetensors_file(&refs);
    let data = file.len() as u64 - 8 - u64::from_le_bytes(file[..8].try_into().unwrap());
    std::fs::write(d.join("model.safetensors"), &file).unwrap();
    let m = load(&d.display().to_string()).unwrap();
    let w = m.weights().unwrap();
    assert_eq!(w.bytes, data, "MXFP4 blocks + scales = GGML MXFP4 bytes");
    let expert_params = 2 * 4 * (128 * 64 + 64 * 64);
    assert_eq!(m.arch.params_total, 2 * 6400 + 2 * 256 + expert_params);
    assert_eq!(
        m.arch.params_active,
        m.arch.params_total - expert_params / 2
    );
    let kinds: Vec<&str> = m.arch.layers.iter().map(|l| l.short_name()).collect();
    assert_eq!(kinds, ["sliding", "full"]);
}

#[test]
fn bad_configs_are_clear_errors() {
    let d = temp_dir("bad");
    let p = d.join("config.json");
    std::fs::write(&p, "{not json").unwrap();
    assert!(load(&p.display().to_string())
        .unwrap_err()
        .to_string()
        .contains("not JSON"));
    std::fs::write(&p, r#"{"model_type":"llama","hidden_size":64}"#).unwrap();
    assert!(load(&p.display().to_string())
        .unwrap_err()
        .to_string()
        .contains("num_hidden_layers"));
    std::fs::write(
        &p,
        r#"{"model_type":"llama","hidden_size":64,"num_hidden_layers":99999999999,"vocab_size":5}"#,
    )
    .unwrap();
    assert!(load(&p.display().to_string()).is_err());
    std::fs::write(&p, "[]").unwrap();
    assert!(load(&p.display().to_string()).is_err());
    assert!(
        load("/nonexistent/rigsize/model.gguf")
            .unwrap_err()
            .to_string()
            .contains("no such")
            || load("/nonexistent/rigsize/model.gguf").is_err()
    );
}

#[test]
fn import_specs_are_recognised() {
    use rigsize_import::is_import_spec;
    assert!(is_import_spec("hf:Qwen/Qwen3-8B"));
    assert!(is_import_spec("./x.gguf"));
    assert!(is_import_spec("some/config.json"));
    assert!(is_import_spec(&fixture("qwen3-32b.json")));
    assert!(is_import_spec(env!("CARGO_MANIFEST_DIR")));
    assert!(!is_import_spec("qwen3-32b"));
    assert!(!is_import_spec("llama-3.1-8b-instruct"));
    assert!(!is_import_spec(""));
}
