//! The GGUF fixtures written by the Python `gguf` package and measured with
//! llama.cpp (`scripts/llamacpp/`, fixtures in `tests/fixtures/llamacpp/`):
//! hyper-parameters as llama.cpp reads them (`fixtures_hparams.json`),
//! weight bytes as gguf-py sums them (`weights.json`), and KV bytes as
//! llama.cpp allocates them (`kv_measurements.json`). The fixtures are
//! committed: a missing one fails the test rather than skipping it, so that a
//! lost file cannot turn these checks into tests that always pass.

use std::collections::BTreeSet;
use std::path::PathBuf;

use rigsize_core::dtype::KvType;
use rigsize_core::engine::{Engine, EngineConfig};
use rigsize_core::kv;
use rigsize_core::model::LayerAttention;
use rigsize_import::load;
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/llamacpp")
}

fn read(name: &str) -> Value {
    let p = dir().join(name);
    let b = std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (committed fixture; run scripts/llamacpp/measure.py to remake it)",
            p.display()
        )
    });
    serde_json::from_slice(&b).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A fixture file named by a JSON record; it must be there.
fn fixture(file: &str) -> PathBuf {
    let path = dir().join(file);
    assert!(
        path.exists(),
        "{file} is listed but missing from the fixtures"
    );
    path
}

fn ids(v: Option<&Value>) -> BTreeSet<u64> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

#[test]
fn hyper_parameters_match_what_llama_cpp_reads() {
    let hp = read("fixtures_hparams.json");
    let mut checked = 0;
    for (file, h) in hp.as_object().unwrap() {
        let path = fixture(file);
        let m = load(&path.display().to_string()).unwrap_or_else(|e| panic!("{file}: {e}"));
        let a = &m.arch;
        let g = |k: &str| h.get(k).and_then(Value::as_u64);
        assert_eq!(Some(a.n_layers() as u64), g("n_layer"), "{file}: n_layer");
        assert_eq!(Some(a.hidden as u64), g("n_embd"), "{file}: n_embd");
        assert_eq!(Some(a.vocab as u64), g("n_vocab"), "{file}: n_vocab");
        let swa: BTreeSet<u64> = (0..a.layers.len() as u64)
            .filter(|i| matches!(a.layers[*i as usize], LayerAttention::Sliding { .. }))
            .collect();
        assert_eq!(swa, ids(h.get("swa_layers")), "{file}: sliding layers");
        let kv_layers: BTreeSet<u64> = (0..a.layers.len() as u64)
            .filter(|i| !matches!(a.layers[*i as usize], LayerAttention::Recurrent { .. }))
            .collect();
        if h.get("kv_layers").is_some() {
            assert_eq!(kv_layers, ids(h.get("kv_layers")), "{file}: KV layers");
        }
        for l in &a.layers {
            match *l {
                LayerAttention::Sliding {
                    kv_heads,
                    head_dim_k,
                    head_dim_v,
                    window,
                } => {
                    assert_eq!(Some(window as u64), g("n_swa"), "{file}: window");
                    assert_eq!(
                        (
                            Some(kv_heads as u64),
                            Some(head_dim_k as u64),
                            Some(head_dim_v as u64)
                        ),
                        (g("n_head_kv"), g("head_dim_k"), g("head_dim_v")),
                        "{file}"
                    );
                }
                LayerAttention::Full {
                    kv_heads,
                    head_dim_k,
                    head_dim_v,
                } => {
                    assert_eq!(
                        (
                            Some(kv_heads as u64),
                            Some(head_dim_k as u64),
                            Some(head_dim_v as u64)
                        ),
                        (g("n_head_kv"), g("head_dim_k"), g("head_dim_v")),
                        "{file}"
                    );
                }
                LayerAttention::Mla {
                    kv_lora_rank,
                    rope_dim,
                } => {
                    // llama.cpp caches one K row of kv_lora_rank + rope per cell.
                    assert_eq!(
                        Some((kv_lora_rank + rope_dim) as u64),
                        g("head_dim_k"),
                        "{file}: MLA row"
                    );
                    assert_eq!(Some(kv_lora_rank as u64), g("kv_lora_rank"), "{file}");
                }
                LayerAttention::Recurrent {
                    state_elems,
                    conv_elems,
                } => {
                    let (dc, di, ds, ng) = (
                        g("ssm_d_conv").unwrap(),
                        g("ssm_d_inner").unwrap(),
                        g("ssm_d_state").unwrap(),
                        g("ssm_n_group").unwrap(),
                    );
                    assert_eq!(
                        conv_elems,
                        (dc - 1) * (di + 2 * ng * ds),
                        "{file}: n_embd_r"
                    );
                    assert_eq!(state_elems, ds * di, "{file}: n_embd_s");
                }
            }
        }
        if let Some(e) = g("n_expert") {
            let moe = a.moe.as_ref().unwrap_or_else(|| panic!("{file}: no MoE"));
            assert_eq!(moe.experts as u64, e, "{file}: experts");
            assert_eq!(
                Some(moe.experts_per_token as u64),
                g("n_expert_used"),
                "{file}: experts used"
            );
        }
        checked += 1;
    }
    eprintln!("checked {checked} fixture files");
    assert!(checked > 0, "fixtures_hparams.json lists no file");
}

#[test]
fn weight_bytes_equal_the_sum_of_tensor_sizes() {
    let w = read("weights.json");
    let files = w
        .get("files")
        .and_then(Value::as_object)
        .expect("weights.json: files");
    let mut checked = 0;
    for (file, rec) in files {
        // The two F32 sources of the Q4_K_M files are listed but, by the
        // README, not committed; every other file must be there.
        if file.ends_with("-src-f32.gguf") && !dir().join(file).exists() {
            continue;
        }
        let path = fixture(file);
        let m = load(&path.display().to_string()).unwrap_or_else(|e| panic!("{file}: {e}"));
        let est = m.weights().unwrap();
        let total = rec
            .get("total_tensor_bytes")
            .and_then(Value::as_u64)
            .unwrap();
        assert_eq!(est.bytes, total, "{file}: weight bytes");
        let tensors = m.tensors.as_ref().unwrap();
        for t in rec
            .get("tensors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = t["name"].as_str().unwrap();
            let (spec, ty) = tensors
                .iter()
                .find(|(s, _)| s.name == name)
                .unwrap_or_else(|| panic!("{file}: no tensor {name}"));
            assert_eq!(
                Some(ty.bytes_for(spec.n_elements)),
                t["n_bytes"].as_u64(),
                "{file}: {name}"
            );
            assert_eq!(
                ty.name(),
                t["type"].as_str().unwrap().to_ascii_lowercase(),
                "{file}: {name} type"
            );
        }
        checked += 1;
    }
    assert!(
        checked > 0,
        "weights.json lists no file present in the fixtures"
    );
}

#[test]
fn kv_bytes_equal_what_llama_cpp_allocates() {
    let meas = read("kv_measurements.json");
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for r in meas.as_array().expect("a list of runs") {
        let file = r["model_file"].as_str().unwrap();
        let path = fixture(file);
        let caches = r["caches"].as_array().cloned().unwrap_or_default();
        if caches
            .iter()
            .any(|c| c.get("exact_bytes_consistent_with_log") == Some(&Value::Bool(false)))
        {
            mismatches.push(format!(
                "{file}: recorded bytes disagree with the logged MiB ({})",
                r["command"]
            ));
            continue;
        }
        let m = load(&path.display().to_string()).unwrap();
        let c = r["n_ctx_arg"].as_u64().unwrap();
        let s = r["n_parallel"].as_u64().unwrap().max(1);
        let k = KvType::parse(r["type_k"].as_str().unwrap()).unwrap();
        let v = KvType::parse(r["type_v"].as_str().unwrap()).unwrap();
        let mut eng = EngineConfig::new(Engine::LlamaCpp);
        eng.kv_unified = r["kv_unified"].as_bool().unwrap_or(false);
        if let Some(ub) = r["n_ubatch"].as_u64().filter(|u| *u > 0) {
            eng.n_ubatch = ub as u32;
        }
        // `-c C -np S` is `--ctx ceil(C/S) --streams S`.
        let alloc = kv::allocate(&m.arch, c.div_ceil(s), s as u32, k, v, &eng);
        let sum = |kinds: &[&str]| -> u64 {
            caches
                .iter()
                .filter(|x| kinds.contains(&x["kind"].as_str().unwrap_or("")))
                .map(|x| x["total_bytes"].as_u64().unwrap())
                .sum()
        };
        let want_kv = sum(&["non-swa", "swa"]);
        let want_rs = sum(&["recurrent"]);
        if alloc.kv_bytes != want_kv || alloc.recurrent_bytes != want_rs {
            mismatches.push(format!(
                "{file} -c {c} -np {s} -ctk {k} -ctv {v} kvu={}: ours kv {} rs {} vs llama.cpp kv {want_kv} rs {want_rs}",
                eng.kv_unified, alloc.kv_bytes, alloc.recurrent_bytes
            ));
        }
        checked += 1;
    }
    eprintln!("checked {checked} llama.cpp runs");
    assert!(checked > 0, "kv_measurements.json lists no run");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
