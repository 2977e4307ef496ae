//! MLX's quantized mat-vec dispatch (`[engine.batch.metal]` of the mlx
//! engine in data/engines.toml, from ml-explore/mlx quantized.cpp): below
//! the chip's batch limit `qmv` runs one threadgroup per stream, each
//! streaming the weights; from mlx 0.32.0 (July 2026) `qmv_wide` reads each
//! weight group once for up to 5 streams on M3 and later; above the limit the
//! matrix kernel reads once. Routed experts run per (token, expert) pair until
//! a step gives each expert 4 tokens on average.

use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::memory::weights_for_scheme;
use rigsize_core::quant::QuantScheme;
use rigsize_speed::model::{terms, DecodeTerms, SpeedRequest};

fn step(model: &str, hw: &str, streams: u32, month: Option<&str>) -> DecodeTerms {
    let c = Catalog::builtin().unwrap();
    let m = c.model(model).unwrap().arch.clone();
    let w = weights_for_scheme(&m, QuantScheme::parse("mlx-4bit").unwrap());
    let set = c.device_set(hw).unwrap();
    let mut req = SpeedRequest::new(&m, &w, &set, Engine::Mlx);
    req.streams = streams;
    req.build_month = month.map(String::from);
    terms(&req).decode
}

/// Weight bytes of a step over one stream's.
fn reads(model: &str, hw: &str, streams: u32, month: Option<&str>) -> f64 {
    step(model, hw, streams, month).weight_bytes / step(model, hw, 1, month).weight_bytes
}

#[test]
fn qmv_streams_the_weights_once_per_stream_below_the_chips_limit() {
    // mlx before 0.32.0 on an M3 Max: 4 streams, 4 reads; 12 streams still
    // the mat-vec kernel (limit 13), 16 the matrix kernel, one read.
    let old = Some("2026-05");
    assert!((reads("qwen3-8b", "m3-max-40c", 4, old) - 4.0).abs() < 0.05);
    assert!((reads("qwen3-8b", "m3-max-40c", 12, old) - 12.0).abs() < 0.1);
    assert!((reads("qwen3-8b", "m3-max-40c", 16, old) - 1.0).abs() < 1e-9);
    // M1/M2 Pro and Max switch at 6 rows, an Ultra at 12.
    assert!((reads("qwen3-8b", "m2-max-38c", 6, old) - 1.0).abs() < 1e-9);
    assert!((reads("qwen3-8b", "m2-max-38c", 5, old) - 5.0).abs() < 0.05);
    assert!((reads("qwen3-8b", "m2-ultra-76c", 11, old) - 11.0).abs() < 0.1);
    assert!((reads("qwen3-8b", "m2-ultra-76c", 12, old) - 1.0).abs() < 1e-9);
    // Before April 2025 every chip switched at 6.
    assert!((reads("qwen3-8b", "m3-max-40c", 6, Some("2025-01")) - 1.0).abs() < 1e-9);
}

#[test]
fn qmv_wide_reads_each_weight_group_once_per_five_streams_on_m3_and_later() {
    // A current build (mlx 0.32+): M3 and later read once for 2–5 streams,
    // twice for 6–10 (balanced passes), three times for 11–12.
    for (b, passes) in [
        (2, 1.0),
        (5, 1.0),
        (6, 2.0),
        (10, 2.0),
        (11, 3.0),
        (12, 3.0),
    ] {
        let r = reads("qwen3-8b", "m4-max-40c", b, None);
        assert!((r - passes).abs() < 0.05, "{b} streams: {r}");
    }
    // M1 and M2 run affine weights through qmv still: a read per stream.
    assert!((reads("qwen3-8b", "m2-max-38c", 4, None) - 4.0).abs() < 0.05);
    // fp16 weights run a GEMM (later gemv_wide) from two rows everywhere.
    let c = Catalog::builtin().unwrap();
    let m = c.model("qwen3-8b").unwrap().arch.clone();
    let w = weights_for_scheme(&m, QuantScheme::parse("bf16").unwrap());
    let set = c.device_set("m2-max-38c").unwrap();
    let mut req = SpeedRequest::new(&m, &w, &set, Engine::Mlx);
    let one = terms(&req).decode.weight_bytes;
    req.streams = 3;
    assert_eq!(terms(&req).decode.weight_bytes, one);
}

#[test]
fn routed_experts_run_per_pair_until_four_tokens_per_expert() {
    // Qwen3-30B-A3B: 128 experts, 8 per token, so the grouped kernel from
    // 64 streams; below, each (token, expert) pair reads its expert.
    let d = step("qwen3-30b-a3b", "m3-ultra-80c", 32, None);
    let wide = step("qwen3-30b-a3b", "m3-ultra-80c", 64, None);
    let c = Catalog::builtin().unwrap();
    let m = c.model("qwen3-30b-a3b").unwrap().arch.clone();
    let w = weights_for_scheme(&m, QuantScheme::parse("mlx-4bit").unwrap());
    let routed = w.routed_expert_bytes as f64;
    let share = |tokens: f64| rigsize_speed::model::expert_fraction(&m, tokens);
    // At 64 streams the touched experts once; at 32, one read per pair.
    let rest = wide.weight_bytes - routed * share(64.0);
    let pairs = 32.0 * share(1.0);
    assert!(pairs > share(32.0));
    let expected = rest + routed * pairs;
    assert!((d.weight_bytes - expected).abs() / expected < 1e-9);
}
