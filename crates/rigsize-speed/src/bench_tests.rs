//! Unit tests of bench.rs (test parsing, row scope, text numbers).
use super::*;

#[test]
fn tests_parse() {
    assert_eq!(
        parse_test("pp2048/tg32@d4096"),
        Some(TestKind::LlamaBench {
            pp: 2048,
            tg: 32,
            depth: 4096
        })
    );
    assert_eq!(
        parse_test("pp512/tg128"),
        Some(TestKind::LlamaBench {
            pp: 512,
            tg: 128,
            depth: 0
        })
    );
    assert_eq!(
        parse_test("pp8192+tg32"),
        Some(TestKind::PromptThenGen { pp: 8192, tg: 32 })
    );
    assert_eq!(
        parse_test("ISL1000/OSL1000"),
        Some(TestKind::Serving {
            isl: 1000,
            osl: 1000
        })
    );
    assert_eq!(
        parse_test("server-stream-decode"),
        Some(TestKind::StreamDecode)
    );
    assert_eq!(parse_test("bogus"), None);
}

#[test]
fn harness_rows_are_validation_only_and_unknown_reliability_is_refused() {
    let mut row = BenchRow {
        reliability: "harness".into(),
        ..BenchRow::default()
    };
    let why = validation_only(&row, Engine::LlamaCpp, 1.0).unwrap();
    assert!(why.contains("custom harness"), "{why}");
    row.reliability = "patched".into();
    let why = validation_only(&row, Engine::Vllm, 1.0).unwrap();
    assert!(why.contains("third-party patches"), "{why}");
    row.reliability = "sample".into();
    let why = validation_only(&row, Engine::LlamaCpp, 1.0).unwrap();
    assert!(why.contains("illustrative output"), "{why}");
    row.reliability = "secondary".into();
    assert!(validation_only(&row, Engine::LlamaCpp, 1.0).is_none());
    let e = Reliability::parse("sure").unwrap_err();
    assert!(e.contains("primary, secondary, user, harness"), "{e}");
}

#[test]
fn old_llamacpp_batched_rows_are_validation_only() {
    let row = |engine: &str, build: &str| BenchRow {
        engine: engine.into(),
        build: build.into(),
        ..BenchRow::default()
    };
    let old = row("llama.cpp", "PR #3545 branch (merged 2023-10-11)");
    assert!(validation_only(&old, Engine::LlamaCpp, 4.0).is_some());
    // One stream, a recent build, another engine or no date: fitted.
    assert!(validation_only(&old, Engine::LlamaCpp, 1.0).is_none());
    let new = row("llama.cpp", "b9906 (2026-07-20)");
    assert!(validation_only(&new, Engine::LlamaCpp, 4.0).is_none());
    assert!(validation_only(&old, Engine::Vllm, 4.0).is_none());
    assert!(validation_only(&row("llama.cpp", "b1234"), Engine::LlamaCpp, 4.0).is_none());
}

#[test]
fn notes_numbers() {
    assert_eq!(
        number_after_key("fa=1 n_ubatch=2048; x", "n_ubatch"),
        Some(2048)
    );
    assert_eq!(number_after_key("-ub 1024", "-ub"), Some(1024));
    // The maintainer benches' `ub=2048`; not inside a longer key.
    assert_eq!(number_after_key("fa=1 ub=2048; build", "ub="), Some(2048));
    assert_eq!(number_after_key("n_ub=64 ub=512", "ub="), Some(512));
    assert_eq!(number_after_key("n_ub=64", "ub="), None);
}

#[test]
fn synthetic_arch_is_plausible() {
    let m = synthetic_arch("x", 6.74e9, 6.74e9);
    assert!((30..=34).contains(&m.n_layers()), "{}", m.n_layers());
    assert!(m.hidden >= 3840 && m.hidden <= 4480, "{}", m.hidden);
    let moe = synthetic_arch("y", 30.5e9, 3.3e9);
    assert!(moe.moe.is_some());
}

#[test]
fn batched_bench_rows_decode_synthetic_tokens_and_the_rest_independent() {
    use crate::model::BatchPrompts;
    let mut r = BenchRow {
        engine: "llama.cpp".into(),
        ..BenchRow::default()
    };
    // Token 0 in every sequence (2023) and random ids (2026) alike.
    for build in ["b1370 (2023-10-11)", "7642f1c (2026-07-17)"] {
        r.build = build.into();
        r.notes = "orig notes: llama-batched-bench PP=512 TG=32 B=8".into();
        assert_eq!(crate::bench_use::row_prompts(&r), BatchPrompts::Synthetic);
        r.notes = "llama-server -np 8, 8 concurrent client requests".into();
        assert_eq!(crate::bench_use::row_prompts(&r), BatchPrompts::Independent);
    }
}

/// A row's notes set its link: "PCIe, no NVLink" is PCIe even on cards
/// that have the bridge connector, a named NVLink is NVLink, and silence is
/// the device's default.
#[test]
fn row_link_reads_a_denied_nvlink_as_pcie() {
    use crate::model::Link;
    let cat = rigsize_catalog::Catalog::builtin().expect("catalog");
    let pair = cat.device_set("rtx-3090:2").expect("3090 pair");
    let link = |notes: &str| crate::bench_use::row_link(notes, &pair);
    assert_eq!(link("2x rtx 3090, pcie, no nvlink; tp 2"), Link::Pcie4);
    assert_eq!(link("nvlink bridges removed, re-bench"), Link::Pcie4);
    assert_eq!(link("nvlink-removed re-bench"), Link::Pcie4);
    assert_eq!(link("hw: nvlink, tensor parallel"), Link::Nvlink);
    assert_eq!(link("tensor parallel"), Link::default_for(&pair));
}

/// A row's notes set its KV cache type; silence, `auto` or a sentence
/// that mentions the flag without a type leave llama.cpp's f16.
#[test]
fn row_kv_type_reads_the_stated_cache_type() {
    use rigsize_core::dtype::KvType;
    let kv = crate::bench_use::row_kv_type;
    assert_eq!(kv("llama-bench -fa 1 -ctk q8_0 -ctv q8_0"), KvType::Q8_0);
    assert_eq!(kv("--cache-type-k q4_0 --cache-type-v q4_0"), KvType::Q4_0);
    assert_eq!(kv("vllm serve --kv-cache-dtype fp8_e5m2"), KvType::FP8);
    assert_eq!(kv("vllm --kv-cache-dtype=fp8"), KvType::FP8);
    assert_eq!(kv("--kv-cache-dtype bfloat16"), KvType::BF16);
    assert_eq!(kv("KV f16 (no -kvu or -ctk given)"), KvType::F16);
    assert_eq!(kv("--kv-cache-dtype auto"), KvType::F16);
    assert_eq!(kv("tg128 on an RTX 3090"), KvType::F16);
}

/// A row is sized as `speed` sizes the same model: a file of the rebuild's
/// own size reads the rebuild's bytes per token. gpt-oss keeps its routed
/// experts in MXFP4 (4.25 bits) and the rest in Q8_0, so a split of the
/// file by parameter shares alone read 17 % less per token than `speed`.
#[test]
fn row_weights_read_what_speed_reads_for_the_same_file() {
    let cat = rigsize_catalog::Catalog::builtin().expect("catalog");
    for (id, quant) in [("gpt-oss-20b", "MXFP4"), ("qwen3-30b-a3b", "Q4_K_M")] {
        let m = cat.model(id).expect("model").arch.clone();
        let scheme = crate::bench::quant_for_sizing(quant).expect("scheme");
        let speed = rigsize_core::memory::weights_for_scheme(&m, scheme);
        let gib = format!("{}", speed.bytes as f64 / (1u64 << 30) as f64);
        let row = BenchRow {
            quant: quant.into(),
            model_size_gib: gib,
            ..BenchRow::default()
        };
        let w = row_weights(&m, &row).expect("sized");
        let per_token = w.decode_bytes_per_token as f64 / speed.decode_bytes_per_token as f64;
        assert!((per_token - 1.0).abs() < 0.001, "{id}: {per_token}");
        let experts = w.routed_expert_bytes as f64 / speed.routed_expert_bytes as f64;
        assert!((experts - 1.0).abs() < 0.001, "{id}: {experts}");
    }
}

/// A row's weights say which bytes are of which type, so the calibration
/// sees the same small-batch kernels as `speed`: a Q4_K_M file is almost all
/// K-quant bytes (Metal re-reads them per stream at 2–3 streams), a Q8_0
/// file all Q8_0 (read once), and the shares add up to the reported size.
#[test]
fn row_weights_split_the_file_size_by_weight_type() {
    use rigsize_core::dtype::DType;
    let cat = rigsize_catalog::Catalog::builtin().expect("catalog");
    let m = cat.model("llama-3.2-3b").expect("model").arch.clone();
    let row = |quant: &str, gib: &str| BenchRow {
        quant: quant.into(),
        model_size_gib: gib.into(),
        ..BenchRow::default()
    };
    let share = |w: &rigsize_core::memory::WeightsEstimate, f: &dyn Fn(DType) -> bool| {
        w.by_type
            .iter()
            .filter(|t| f(t.dtype))
            .map(|t| t.bytes as f64)
            .sum::<f64>()
            / w.bytes as f64
    };
    let k = row_weights(&m, &row("Q4_K_M", "1.87")).expect("Q4_K_M");
    let total: u64 = k.by_type.iter().map(|t| t.bytes).sum();
    assert!(
        (total as f64 / k.bytes as f64 - 1.0).abs() < 0.01,
        "{total} vs {}",
        k.bytes
    );
    let kq = share(&k, &|d| {
        matches!(d, DType::Q4_K | DType::Q5_K | DType::Q6_K)
    });
    assert!(kq > 0.8, "K-quant share {kq}");
    let q8 = row_weights(&m, &row("Q8_0", "")).expect("Q8_0 without a size");
    assert!(share(&q8, &|d| d == DType::Q8_0) > 0.9);
    assert!(row_weights(&m, &row("mystery", "")).is_err());
    assert!(row_weights(&m, &row("mystery", "2.0"))
        .expect("sized")
        .by_type
        .is_empty());
}
