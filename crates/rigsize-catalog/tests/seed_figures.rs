//! The figures the seed documents and models_notes.md derive, recomputed from
//! the catalog through the core formulas.

use rigsize_catalog::Catalog;
use rigsize_core::dtype::KvType;
use rigsize_core::engine::{Engine, EngineConfig};
use rigsize_core::fit::{fit, FitInput};
use rigsize_core::hardware::{Device, DeviceKind, DeviceSet};
use rigsize_core::kv::{self, per_token_bytes};
use rigsize_core::memory::{weights_for_scheme, MemoryRequest};
use rigsize_core::quant::QuantScheme;
use rigsize_core::tensors::{rebuilt_params, tensor_plan};

fn catalog() -> Catalog {
    Catalog::builtin().expect("built-in catalog loads")
}

/// Bytes of cache for one stream of `ctx` tokens, counted the way the seed
/// does: no engine padding (MLX semantics grow exactly with the context).
fn kv_bytes(id: &str, ctx: u64, kv: KvType) -> u64 {
    let c = catalog();
    let m = &c.model(id).unwrap().arch;
    kv::allocate(m, ctx, 1, kv, kv, &EngineConfig::new(Engine::Mlx)).kv_bytes
}

#[test]
fn seed_kv_tables_come_out_exactly() {
    // 000_7acafaec87483069.txt: Llama-3.3-70B, 200K tokens, FP16 = 65,536,000,000 B.
    assert_eq!(
        kv_bytes("llama-3.3-70b-instruct", 200_000, KvType::F16),
        65_536_000_000
    );
    // Qwen3-Coder-30B-A3B, 200K, FP16 = 19,660,800,000 B.
    assert_eq!(
        kv_bytes("qwen3-coder-30b-a3b", 200_000, KvType::F16),
        19_660_800_000
    );
}

#[test]
fn per_token_kv_matches_models_notes() {
    let c = catalog();
    let pt = |id: &str| per_token_bytes(&c.model(id).unwrap().arch, KvType::F16, KvType::F16);
    // gpt-oss-120b: 18 full layers 36,864 B/token + 18 SWA layers capped at 128 tokens.
    let g = pt("gpt-oss-120b");
    assert_eq!((g.growing, g.sliding), (36_864, 36_864));
    assert_eq!(
        kv_bytes("gpt-oss-120b", 1_000, KvType::F16),
        36_864 * 1_000 + 36_864 * 128
    );
    // gemma-3-27b: 10 global layers 81,920 B/token + 52 local layers capped at 1,024 (416 MiB).
    let g = pt("gemma-3-27b-it");
    assert_eq!((g.growing, g.sliding), (81_920, 425_984));
    assert_eq!(
        kv_bytes("gemma-3-27b-it", 100_000, KvType::F16),
        81_920 * 100_000 + 416 * 1024 * 1024
    );
    // qwen3-next-80b-a3b: 12 attention layers 24,576 B/token; 36 DeltaNet layers
    // hold 19,759,104 state elements per sequence (37.7 MiB in bf16).
    let q = pt("qwen3-next-80b-a3b");
    assert_eq!((q.growing, q.sliding), (24_576, 0));
    let m = &c.model("qwen3-next-80b-a3b").unwrap().arch;
    let bf16 = rigsize_core::dtype::DType::BF16;
    assert_eq!(kv::recurrent_bytes_per_seq(m, bf16, bf16), 39_518_208);
    // deepseek-v3 (MLA): 61 × (512 + 64) × 2 = 70,272 B/token.
    assert_eq!(pt("deepseek-v3").growing, 70_272);
    // GLM-5 (MLA + DSA indexer): 89,856 + 19,968.
    let g = pt("glm-5");
    assert_eq!((g.growing, g.indexer), (89_856, 19_968));
}

#[test]
fn every_catalog_kv_per_token_matches_the_cited_figure() {
    // Each record carries the research's own kv_bytes_per_token_fp16; the
    // formula over the layer list must reproduce it for every model.
    let c = catalog();
    let mut checked = 0;
    for m in &c.models {
        let pt = per_token_bytes(&m.arch, KvType::F16, KvType::F16);
        let (growing, sliding) = m.cited_kv_per_token_fp16;
        if let Some(g) = growing {
            assert_eq!(pt.growing, g, "{}: growing layers", m.arch.id);
            checked += 1;
        }
        if let Some(s) = sliding {
            assert_eq!(pt.sliding, s, "{}: sliding layers", m.arch.id);
        }
    }
    assert!(checked >= 47, "only {checked} records carry a cited figure");
}

fn card_96gb() -> DeviceSet {
    DeviceSet {
        device: Device {
            id: "test-96g".into(),
            name: "a 96 GB card".into(),
            vendor: "test".into(),
            kind: DeviceKind::Gpu,
            family: "test".into(),
            memory_bytes: 96 << 30,
            bandwidth_bytes_per_s: 1.792e12,
            fp16_flops: 5e14,
            fp32_flops: None,
            fp8_flops: None,
            fp4_flops: None,
            tdp_w: None,
            pcie_gen: None,
            pcie_lanes: None,
            nvlink_bytes_per_s: None,
            cooling: None,
            slot_width: None,
            launch_msrp_usd: None,
            memory_kind: None,
            power_limit: None,
        },
        count: 1,
    }
}

#[test]
fn scenario_b_72b_q4_with_200k_needs_q8_kv_on_96gb() {
    let c = catalog();
    let m = &c.model("qwen2.5-72b-instruct").unwrap().arch;
    let q = QuantScheme::parse("q4_k_m").unwrap();
    let w = weights_for_scheme(m, q);
    let hw = card_96gb();
    let run = |kv: KvType| {
        fit(&FitInput {
            model: m,
            quant_label: q.name(),
            weights: &w,
            request: MemoryRequest {
                ctx: 200_000,
                streams: 1,
                kv_type_k: kv,
                kv_type_v: kv,
                engine: EngineConfig::new(Engine::LlamaCpp),
            },
            hardware: Some(&hw),
            wired_limit_bytes: None,
            extend_context: false,
            vision: false,
        })
    };
    // The memory verdict of the seed scenario; the run itself is not a fit:
    // Qwen2.5-72B attends 32K natively (128K with YaRN), not 200K.
    assert_eq!(run(KvType::F16).memory_fits(), Some(false));
    assert_eq!(run(KvType::Q8_0).memory_fits(), Some(true));
    let r = run(KvType::Q8_0);
    assert_eq!(r.fits, Some(false));
    assert!(r.reason.unwrap().contains("maximum context of 131072"));
}

#[test]
fn tensor_rebuild_accounts_for_the_cited_parameter_counts() {
    let c = catalog();
    for rec in &c.models {
        let m = &rec.arch;
        let plan = tensor_plan(m);
        let rebuilt = rebuilt_params(&plan) as f64;
        let total = m.params_total as f64;
        let diff = (rebuilt - total) / total;
        assert!(
            diff.abs() < 0.03,
            "{}: rebuilt {:.3}B vs cited {:.3}B ({:+.2}%)",
            m.id,
            rebuilt / 1e9,
            total / 1e9,
            diff * 100.0
        );
        let sum: u64 = plan.iter().map(|t| t.n_elements).sum();
        assert!(sum >= m.params_total, "{}", m.id);
    }
}

#[test]
fn q4_k_m_weights_are_near_published_file_sizes() {
    // llama.cpp's own Q4_K_M of Llama-3.1-8B is 4.58 GiB (4.92 GB) and of
    // Qwen2.5-7B-Instruct 4.36 GiB per their GGUF listings; allow 3 %.
    let c = catalog();
    for (id, gib) in [
        ("llama-3.1-8b-instruct", 4.58),
        ("qwen2.5-7b-instruct", 4.36),
    ] {
        let m = &c.model(id).unwrap().arch;
        let w = weights_for_scheme(m, QuantScheme::parse("q4_k_m").unwrap());
        let got = w.bytes as f64 / (1u64 << 30) as f64;
        assert!(
            (got - gib).abs() / gib < 0.03,
            "{id}: {got:.3} GiB vs {gib}"
        );
    }
}

#[test]
fn weights_match_the_gguf_file_sizes_benchmarks_report() {
    // model_size_gib as llama-bench printed it for real GGUF files
    // (../shared/data/bench/dev.csv, rows and sources in the fixture).
    // Exceptions, each explained:
    // - gemma-3-4b-qat Q4_0: Google's QAT file keeps the tied embedding at
    //   Q8_0 where llama-quantize would use Q6_K (+0.16 GiB);
    // - minimax-m2.1-reap-139b-a10b: no config found, not in the catalog.
    let fixture = include_str!("fixtures/gguf_file_sizes.csv");
    let c = catalog();
    let mut checked = 0;
    for line in fixture.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let (id, quant, gib) = (cols[0], cols[1], cols[2].parse::<f64>().unwrap());
        if id == "gemma-3-4b-qat" || id.starts_with("minimax-m2.1-reap") {
            continue;
        }
        let m = &c.model(id).unwrap().arch;
        let w = weights_for_scheme(m, QuantScheme::parse(quant).unwrap());
        let got = w.bytes as f64 / (1u64 << 30) as f64;
        let err = (got - gib) / gib;
        assert!(
            err.abs() < 0.005,
            "{id} {quant}: {got:.3} GiB vs {gib} GiB ({:+.2}%)",
            err * 100.0
        );
        checked += 1;
    }
    assert!(checked >= 18, "{checked}");
}
