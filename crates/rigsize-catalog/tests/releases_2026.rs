//! The 2026 records: each is dated and sourced, and the parameter counts
//! computed from its config agree with what the vendor's card announces.
//! (KV per token and the tensor rebuild are checked for every record in
//! seed_figures.rs.)

use rigsize_catalog::Catalog;

fn catalog() -> Catalog {
    Catalog::builtin().unwrap()
}

/// A YYYY-MM-DD date.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[test]
fn at_least_fifteen_models_released_since_march_2026_with_date_and_source() {
    let c = catalog();
    let recent: Vec<_> = c
        .models
        .iter()
        .filter(|m| m.release_date.as_deref().is_some_and(|d| d >= "2026-03-01"))
        .collect();
    assert!(recent.len() >= 15, "{}", recent.len());
    for m in &recent {
        let d = m.release_date.as_deref().unwrap();
        assert!(is_date(d), "{}: release_date '{d}'", m.arch.id);
        assert!(m.source.len() > 40, "{}: source too thin", m.arch.id);
        // Every approximate release day says so.
        if !m
            .unverified_fields
            .iter()
            .any(|f| f.starts_with("release_date"))
        {
            assert!(m.source.contains(d), "{}: {d} not in the source", m.arch.id);
        }
    }
}

/// (id, announced total B, announced active B, tolerance, where announced).
/// The tolerance covers what the record leaves out on purpose (MTP layers,
/// vision towers, rounding of the announced figure).
const CARDS: &[(&str, f64, f64, f64, &str)] = &[
    ("gemma-4-31b-it", 30.7, 30.7, 0.01, "Gemma 4 model card"),
    ("gemma-4-26b-a4b-it", 25.2, 3.8, 0.01, "Gemma 4 model card"),
    (
        "laguna-xs.2",
        33.4,
        3.0,
        0.01,
        "SGLang Laguna-XS.2 cookbook",
    ),
    ("glm-5.1", 754.0, 0.0, 0.02, "NVIDIA NIM card (incl. MTP)"),
    (
        "minimax-m3",
        428.0,
        0.0,
        0.01,
        "release news (incl. vision, MTP)",
    ),
    (
        "qwen3.6-35b-a3b",
        35.0,
        0.0,
        0.02,
        "Qwen3.6 card (35B total)",
    ),
    ("qwen3.6-27b", 27.0, 27.0, 0.02, "Qwen3.6 card (27B)"),
    ("qwen3.8-2.4t-a95b", 2400.0, 95.0, 0.01, "the model's name"),
];

#[test]
fn computed_parameters_match_the_announced_counts() {
    let c = catalog();
    for (id, total, active, tol, src) in CARDS {
        let m = &c.model(id).unwrap().arch;
        let got = m.params_total as f64 / 1e9;
        assert!(
            (got - total).abs() / total <= *tol,
            "{id}: {got:.2} B vs {total} B ({src})"
        );
        if *active > 0.0 {
            let got = m.params_active as f64 / 1e9;
            assert!(
                (got - active).abs() / active <= 0.02,
                "{id}: active {got:.3} B vs {active} B ({src})"
            );
        }
    }
}

#[test]
fn minimax_m3_active_without_embeddings_is_the_announced_23b() {
    // The release counts activated parameters without the embedding and
    // the output head: 23 B.
    let c = catalog();
    let m = &c.model("minimax-m3").unwrap().arch;
    let head = m.vocab as u64 * m.hidden as u64;
    let non_embedding = (m.params_active_decode - head) as f64 / 1e9;
    assert!((non_embedding - 23.0).abs() < 0.5, "{non_embedding}");
}

#[test]
fn gemma_4_global_layers_use_their_own_kv_shape() {
    use rigsize_core::model::LayerAttention;
    let c = catalog();
    let m = &c.model("gemma-4-31b-it").unwrap().arch;
    let full: Vec<_> = m
        .layers
        .iter()
        .filter(|l| matches!(l, LayerAttention::Full { .. }))
        .collect();
    assert_eq!(full.len(), 10);
    assert!(full.iter().all(|l| matches!(
        l,
        LayerAttention::Full {
            kv_heads: 4,
            head_dim_k: 512,
            head_dim_v: 512
        }
    )));
    assert!(matches!(
        m.layers[0],
        LayerAttention::Sliding {
            kv_heads: 16,
            head_dim_k: 256,
            window: 1024,
            ..
        }
    ));
    // The last layer is global, as the card says.
    assert!(matches!(m.layers[59], LayerAttention::Full { .. }));
}

#[test]
fn full_layer_overrides_need_both_kinds_of_layer() {
    let mut c = catalog();
    let rec = "[[model]]\nid = \"x\"\nname = \"x\"\nfamily = \"llama\"\nparams_total_b = 1.0\nparams_active_b = 1.0\nparams_active_decode_b = 1.0\nlayers = 4\nhidden = 256\nheads = 4\nkv_heads = 2\nhead_dim = 64\nvocab = 1000\ntie_embeddings = false\nffn = 512\nlayer_pattern = \"F\"\nfull_kv_heads = 1\nnative_context = 4096\nnative_dtype = \"bf16\"\nsource = \"test\"\nverified = false\n";
    let e = c.merge_text(rec, "user.toml").unwrap_err().to_string();
    assert!(e.contains("full_kv_heads"), "{e}");
}

#[test]
fn minimax_m3_caches_its_index_keys_on_the_gqa_layers() {
    use rigsize_core::dtype::KvType;
    use rigsize_core::kv::per_token_bytes;
    let c = catalog();
    let m = &c.model("minimax-m3").unwrap().arch;
    let p = per_token_bytes(m, KvType::F16, KvType::F16);
    assert_eq!(p.growing, 60 * 2 * 4 * 128 * 2);
    assert_eq!(p.indexer, 60 * 512 * 2);
}
