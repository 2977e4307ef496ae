//! Property tests: GGUF write → parse round-trips, and malformed input
//! (random bytes, truncations, flipped bytes, hostile JSON) never panics.
//! `PROPTEST_CASES` raises the case count for long runs.

mod common;

use common::{Gguf, V};
use proptest::prelude::*;
use rigsize_core::dtype::DType;
use rigsize_import::gguf::{self, GgufValue};
use rigsize_import::{gguf_model, hf_config, safetensors};

fn scalar() -> impl Strategy<Value = V> {
    prop_oneof![
        any::<u8>().prop_map(V::U8),
        any::<i8>().prop_map(V::I8),
        any::<u16>().prop_map(V::U16),
        any::<i16>().prop_map(V::I16),
        any::<u32>().prop_map(V::U32),
        any::<i32>().prop_map(V::I32),
        any::<f32>().prop_map(V::F32),
        any::<bool>().prop_map(V::Bool),
        ".{0,40}".prop_map(V::Str),
        any::<u64>().prop_map(V::U64),
        any::<i64>().prop_map(V::I64),
        any::<f64>().prop_map(V::F64),
    ]
}

fn value() -> impl Strategy<Value = V> {
    prop_oneof![
        4 => scalar(),
        1 => prop::collection::vec(any::<u32>(), 0..40).prop_map(|v| V::Arr(4, v.into_iter().map(V::U32).collect())),
        1 => prop::collection::vec(any::<bool>(), 0..40).prop_map(|v| V::Arr(7, v.into_iter().map(V::Bool).collect())),
        1 => prop::collection::vec(".{0,10}", 0..30).prop_map(|v| V::Arr(8, v.into_iter().map(V::Str).collect())),
        1 => prop::collection::vec(".{0,10}", 65..90).prop_map(|v| V::Arr(8, v.into_iter().map(V::Str).collect())),
    ]
}

/// Whether a parsed value equals what was written (floats by bits; long
/// string arrays are counted, not kept).
fn same(w: &V, r: &GgufValue) -> bool {
    match (w, r) {
        (V::U8(a), GgufValue::U8(b)) => a == b,
        (V::I8(a), GgufValue::I8(b)) => a == b,
        (V::U16(a), GgufValue::U16(b)) => a == b,
        (V::I16(a), GgufValue::I16(b)) => a == b,
        (V::U32(a), GgufValue::U32(b)) => a == b,
        (V::I32(a), GgufValue::I32(b)) => a == b,
        (V::F32(a), GgufValue::F32(b)) => a.to_bits() == b.to_bits(),
        (V::Bool(a), GgufValue::Bool(b)) => a == b,
        (V::Str(a), GgufValue::Str(b)) => a == b,
        (V::U64(a), GgufValue::U64(b)) => a == b,
        (V::I64(a), GgufValue::I64(b)) => a == b,
        (V::F64(a), GgufValue::F64(b)) => a.to_bits() == b.to_bits(),
        (V::Arr(t, items), GgufValue::Array(a)) => {
            *t == a.elem_type
                && items.len() as u64 == a.len
                && (!a.kept
                    || (a.values.len() == items.len()
                        && items.iter().zip(&a.values).all(|(x, y)| same(x, y))))
                && (a.kept || items.len() > 64)
        }
        _ => false,
    }
}

const TYPES: [DType; 8] = [
    DType::F32,
    DType::F16,
    DType::BF16,
    DType::Q8_0,
    DType::Q4_0,
    DType::Q4_K,
    DType::Q6_K,
    DType::MXFP4,
];

fn tensor() -> impl Strategy<Value = (String, Vec<u64>, DType)> {
    (
        "[a-z_.0-9]{1,30}",
        prop::collection::vec(1u64..5, 0..4),
        0usize..TYPES.len(),
        1u64..4,
    )
        .prop_map(|(n, rest, ti, blocks)| {
            let t = TYPES[ti];
            let mut ne = vec![t.layout().block_elems * blocks];
            ne.extend(rest);
            (n, ne, t)
        })
}

fn gguf_strategy() -> impl Strategy<Value = Gguf> {
    (
        prop::collection::vec(("[a-z.]{1,24}", value()), 0..12),
        prop::collection::vec(tensor(), 0..10),
        2u32..4,
    )
        .prop_map(|(kv, tensors, version)| {
            let mut g = Gguf {
                version,
                ..Default::default()
            };
            for (k, v) in kv {
                // general.alignment changes the layout; leave it to the writer.
                if k != "general.alignment" {
                    g.kv(&k, v);
                }
            }
            g.tensors = tensors;
            g
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(256),
        max_shrink_iters: 2000,
        .. ProptestConfig::default()
    })]

    #[test]
    fn gguf_round_trips(g in gguf_strategy()) {
        let bytes = g.bytes();
        let h = gguf::parse_bytes(&bytes, "prop.gguf").unwrap();
        prop_assert_eq!(h.version, g.version);
        prop_assert_eq!(h.kv.len(), g.kv.len());
        for ((wk, wv), (rk, rv)) in g.kv.iter().zip(&h.kv) {
            prop_assert_eq!(wk, rk);
            prop_assert!(same(wv, rv), "{} written {:?} read {:?}", wk, wv, rv);
        }
        prop_assert_eq!(h.tensors.len(), g.tensors.len());
        for ((n, ne, t), r) in g.tensors.iter().zip(&h.tensors) {
            prop_assert_eq!(n, &r.name);
            prop_assert_eq!(ne, &r.dims);
            prop_assert_eq!(*t, r.dtype);
            prop_assert_eq!(r.n_bytes, t.bytes_for(ne.iter().product()));
        }
        prop_assert_eq!(h.tensor_bytes(), g.tensor_bytes());
        prop_assert!(h.min_file_len() <= bytes.len() as u64);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = gguf::parse_bytes(&bytes, "rand");
        let mut with_magic = b"GGUF\x03\0\0\0".to_vec();
        with_magic.extend_from_slice(&bytes);
        if let Ok(h) = gguf::parse_bytes(&with_magic, "rand") {
            let _ = gguf_model::model_from_gguf(&[("rand".into(), h)], "rand", None);
        }
        let _ = safetensors::read_header(&bytes[..], "rand", Some(bytes.len() as u64));
    }

    #[test]
    fn corrupted_files_never_panic(g in gguf_strategy(), cut in any::<prop::sample::Index>(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6)) {
        let mut bytes = g.bytes();
        for (i, b) in flips {
            if !bytes.is_empty() {
                let at = i.index(bytes.len());
                bytes[at] = b;
            }
        }
        let n = cut.index(bytes.len() + 1);
        match gguf::parse_bytes(&bytes[..n], "cut") {
            Ok(h) => { let _ = gguf_model::model_from_gguf(&[("cut".into(), h)], "cut", None); }
            Err(rigsize_import::ImportError::Malformed { offset, .. }) => prop_assert!(offset <= n as u64),
            Err(e) => prop_assert!(false, "unexpected error kind: {}", e),
        }
    }

    #[test]
    fn model_metadata_never_panics(
        n_layer in prop_oneof![Just(0u64), 1u64..8, Just(u32::MAX as u64), any::<u64>()],
        dims in prop::collection::vec(prop_oneof![Just(0u64), 1u64..300, Just(u32::MAX as u64 + 1), any::<u64>()], 12),
        arch in prop_oneof![Just("llama"), Just("gemma3"), Just("gpt-oss"), Just("deepseek2"), Just("qwen3next"), Just("mamba"), Just("rwkv7"), Just("lfm2")],
        kv_arr in prop::collection::vec(0u32..4, 0..9),
    ) {
        let mut g = Gguf::new(arch);
        let keys = ["embedding_length", "attention.head_count", "attention.head_count_kv", "attention.key_length",
            "attention.sliding_window", "expert_count", "expert_used_count", "attention.kv_lora_rank",
            "ssm.inner_size", "ssm.state_size", "full_attention_interval", "context_length"];
        g.kv(&format!("{arch}.block_count"), V::U64(n_layer));
        for (k, d) in keys.iter().zip(&dims) {
            g.kv(&format!("{arch}.{k}"), V::U64(*d));
        }
        if !kv_arr.is_empty() {
            g.kv(&format!("{arch}.attention.head_count_kv"), V::Arr(4, kv_arr.into_iter().map(V::U32).collect()));
        }
        g.kv(&format!("{arch}.ssm.conv_kernel"), V::U64(dims[0]));
        g.tensor("token_embd.weight", &[32, 8], DType::F16).tensor("blk.0.ffn_gate_exps.weight", &[32, 4, 2], DType::Q8_0);
        let h = gguf::parse_bytes(&g.bytes(), "meta").unwrap();
        if let Ok(m) = gguf_model::model_from_gguf(&[("meta".into(), h)], "meta", None) {
            // Whatever parses is usable by the memory model without overflow.
            let e = rigsize_core::engine::EngineConfig::new(rigsize_core::engine::Engine::LlamaCpp);
            let _ = rigsize_core::kv::allocate(&m.arch, 131072, 4, rigsize_core::dtype::KvType::F16, rigsize_core::dtype::KvType::F16, &e);
            let _ = m.weights();
        }
    }

    #[test]
    fn hostile_configs_never_panic(
        key in prop::sample::select(vec!["num_hidden_layers", "hidden_size", "num_attention_heads", "num_key_value_heads",
            "head_dim", "vocab_size", "intermediate_size", "sliding_window", "layer_types", "kv_lora_rank",
            "qk_rope_head_dim", "num_experts", "num_experts_per_tok", "moe_intermediate_size", "linear_num_value_heads",
            "full_attention_interval", "max_position_embeddings", "rope_scaling", "quantization_config", "text_config",
            "first_k_dense_replace", "shared_expert_intermediate_size", "sliding_window_pattern", "max_window_layers"]),
        val in prop_oneof![
            any::<u64>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null)),
            ".{0,8}".prop_map(serde_json::Value::from),
            Just(serde_json::Value::Null),
            prop::collection::vec(prop_oneof![Just("sliding_attention"), Just("full_attention"), Just("linear_attention"), Just("x")], 0..70)
                .prop_map(|v| serde_json::json!(v)),
            Just(serde_json::json!({"quant_method": "compressed-tensors", "config_groups": {"g": {"weights": {"num_bits": 4, "type": "float"}}}})),
            Just(serde_json::json!({"rope_type": "yarn", "factor": 1e300})),
        ],
        base in 0usize..5,
    ) {
        let files = ["qwen3-32b.json", "gemma-3-27b-it.json", "gpt-oss-20b.json", "deepseek-v3.json", "qwen3-next-80b-a3b.json"];
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/configs").join(files[base]);
        let mut cfg: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let target = if cfg.get("text_config").is_some() { cfg.get_mut("text_config").unwrap() } else { &mut cfg };
        target[key] = val;
        let mut notes = Vec::new();
        if let Ok(arch) = hf_config::arch_from_config(&cfg, "prop", &mut notes) {
            if rigsize_import::check_dims(&arch).is_ok() {
                let _ = rigsize_core::tensors::tensor_plan(&arch);
            }
        }
    }
}
