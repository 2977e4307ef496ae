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
fn batched_bench_rows_are_copies_of_one_request_and_the_rest_independent() {
    use crate::model::BatchPrompts;
    let mut r = BenchRow {
        engine: "llama.cpp".into(),
        ..BenchRow::default()
    };
    r.notes = "orig notes: llama-batched-bench PP=512 TG=32 B=8".into();
    assert_eq!(crate::bench_use::row_prompts(&r), BatchPrompts::Identical);
    r.notes = "vllm bench serve, random dataset".into();
    assert_eq!(crate::bench_use::row_prompts(&r), BatchPrompts::Independent);
}
