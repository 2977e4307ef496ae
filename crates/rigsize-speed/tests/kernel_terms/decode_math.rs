//! Decode attention on the engine's units, and the mat-vec math a decode step adds per stream.

use rigsize_catalog::Catalog;
use rigsize_core::engine::{AttentionUnits, Engine};
use rigsize_core::hardware::DeviceSet;
use rigsize_core::memory::weights_for_scheme;
use rigsize_core::quant::QuantScheme;
use rigsize_speed::model::{terms, Params, SpeedRequest};
use rigsize_speed::Calibration;

use super::{arch, params};

#[test]
fn decode_attention_follows_the_engines_units() {
    let c = Catalog::builtin().unwrap();
    let m = arch(&c, "qwen3-8b");
    let w = weights_for_scheme(&m, QuantScheme::parse("q8_0").unwrap());
    let set = c.device_set("h100-sxm").unwrap();
    let vector = set.device.fp32_flops.expect("the H100's vector rate");
    assert!(vector < set.device.fp16_flops / 4.0);
    for (engine, units) in [
        (Engine::LlamaCpp, AttentionUnits::Vector),
        (Engine::Mlx, AttentionUnits::Vector),
        (Engine::Vllm, AttentionUnits::Tensor),
        (Engine::Sglang, AttentionUnits::Tensor),
    ] {
        assert_eq!(engine.runtime().batch.decode_attention, units, "{engine:?}");
        let mut req = SpeedRequest::new(&m, &w, &set, engine);
        req.depth_tokens = 32_768;
        let t = terms(&req).decode;
        let rate = match units {
            AttentionUnits::Vector => vector,
            AttentionUnits::Tensor => set.device.fp16_flops,
        };
        // attn_s is the attention FLOPs over the units' rate.
        let flops = rigsize_speed::model::attention_flops(&m, 32_768.0, 1.0);
        assert!(
            (t.attn_s - flops / rate).abs() / t.attn_s < 1e-9,
            "{engine:?}"
        );
        // The KV read is its own term, at the device's bandwidth.
        let kv = rigsize_speed::model::kv_read_bytes(
            &m,
            req.kv_type,
            rigsize_speed::model::kv_scan(&req),
        );
        assert!((t.kv_s - kv / set.device.bandwidth_bytes_per_s).abs() < 1e-12);
    }
}

#[test]
fn decode_attention_is_bound_by_its_reads_or_its_math() {
    let c = Catalog::builtin().unwrap();
    let m = arch(&c, "qwen3-8b");
    let w = weights_for_scheme(&m, QuantScheme::parse("q8_0").unwrap());
    let set = c.device_set("m2-ultra").unwrap();
    let mut req = SpeedRequest::new(&m, &w, &set, Engine::LlamaCpp);
    req.depth_tokens = 32_768;
    let t = terms(&req).decode;
    let p = params(&Calibration::builtin().unwrap(), Engine::LlamaCpp, &set);
    let slow_math = Params {
        decode_attn_util: p.decode_attn_util / 100.0,
        ..p
    };
    let fast_math = Params {
        decode_attn_util: 1e6,
        ..p
    };
    assert!((fast_math.attention_s(&t) - t.kv_s / p.mem_eff).abs() < 1e-12);
    assert!(slow_math.attention_s(&t) > 10.0 * fast_math.attention_s(&t));
    // Depth 0: no attention cost at all.
    req.depth_tokens = 0;
    assert!(p.attention_s(&terms(&req).decode) < 1e-6);
}

#[test]
fn one_streams_matvec_math_hides_under_the_read() {
    let c = Catalog::builtin().unwrap();
    let m = arch(&c, "qwen3-8b");
    let w = weights_for_scheme(&m, QuantScheme::parse("q4_0").unwrap());
    let gemm = |hw: &str, streams: u32| {
        let set = c.device_set(hw).unwrap();
        let mut req = SpeedRequest::new(&m, &w, &set, Engine::LlamaCpp);
        req.streams = streams;
        terms(&req).decode
    };
    // An M4 Pro and an RTX 3060 alike: no math at one stream, one stream's
    // worth at two.
    for hw in ["m4-pro-16c", "rtx-3060-12g"] {
        let (one, two) = (gemm(hw, 1), gemm(hw, 2));
        assert_eq!(one.gemm_s, 0.0, "{hw}");
        assert_eq!(one.matvec_hidden_streams, 1.0, "{hw}");
        assert!(two.gemm_s > 0.0, "{hw}");
    }
}

/// llama.cpp's mat-vec kernels multiply on the shader ALUs (dp4a / FMA), a
/// serving engine's small-batch GEMMs on the tensor cores: the same extra
/// stream costs llama.cpp the vector rate's time (an A100's FP32 is 1/16 of
/// its FP16 tensor rate), vLLM the tensor rate's.
#[test]
fn matvec_math_runs_at_the_rate_of_the_engines_units() {
    let c = Catalog::builtin().unwrap();
    let m = arch(&c, "qwen3-8b");
    let set = c.device_set("a100-80g-sxm").unwrap();
    let dev = &set.device;
    let two = |engine: Engine, scheme: &str| {
        let w = weights_for_scheme(&m, QuantScheme::parse(scheme).unwrap());
        let mut req = SpeedRequest::new(&m, &w, &set, engine);
        req.streams = 2;
        terms(&req).decode.gemm_s
    };
    let vector = dev.vector_flops();
    assert!(vector < dev.fp16_flops / 8.0);
    let (cpp, vllm) = (two(Engine::LlamaCpp, "q4_0"), two(Engine::Vllm, "bf16"));
    // One extra stream's math over each rate, within the head/lookup split.
    let ratio = cpp / vllm;
    let expected = dev.fp16_flops / vector;
    assert!(
        (ratio / expected - 1.0).abs() < 0.05,
        "{ratio} vs {expected}"
    );
}

/// Metal's small-batch kernel spends less math on light weight types (one
/// scale per 32-weight block, or none) than on K-quants; the saving applies
/// to the dense weights only (routed experts run their own kernel), and
/// not where the engine's kernel table names no light types (CUDA).
#[test]
fn light_weight_types_save_small_batch_math_on_metal_dense_weights_only() {
    let c = Catalog::builtin().unwrap();
    let mac = c.device_set("m2-ultra").unwrap();
    let gpu = c.device_set("rtx-4090").unwrap();
    let at = |id: &str, quant: &str, set: &DeviceSet, streams: u32| {
        let m = arch(&c, id);
        let w = weights_for_scheme(&m, QuantScheme::parse(quant).unwrap());
        let mut req = SpeedRequest::new(&m, &w, set, Engine::LlamaCpp);
        req.streams = streams;
        terms(&req).decode
    };
    let q8 = at("qwen3-8b", "q8_0", &mac, 4);
    assert!(q8.gemm_s > 0.0 && (q8.gemm_light_s / q8.gemm_s - 1.0).abs() < 0.01);
    let kq = at("qwen3-8b", "q4_k_m", &mac, 4);
    assert!(
        kq.gemm_light_s < 0.2 * kq.gemm_s,
        "{} of {}",
        kq.gemm_light_s,
        kq.gemm_s
    );
    let moe = at("qwen3-30b-a3b", "q8_0", &mac, 4);
    assert!(
        moe.gemm_light_s < 0.5 * moe.gemm_s,
        "experts are not light-math dense weights"
    );
    assert_eq!(at("qwen3-8b", "q8_0", &gpu, 4).gemm_light_s, 0.0);
    let p = Params {
        light_math_saving: 0.5,
        decode_util: 1.0,
        ..params(&Calibration::builtin().unwrap(), Engine::LlamaCpp, &mac)
    };
    assert!((p.matvec_math_s(&q8) - q8.gemm_s * 0.5).abs() < 1e-12);
}
