//! The model's kernel terms, checked on the physics rather than on fitted
//! numbers: decode attention runs on the units the engine's kernels use
//! (data/engines.toml `decode_attention`), thin expert batches slow MoE
//! prefill, and a serving engine's timed decode steps carry the prompts of
//! arriving requests.

use rigsize_catalog::Catalog;
use rigsize_core::engine::{AttentionUnits, Backend, Engine};
use rigsize_core::hardware::DeviceSet;
use rigsize_core::memory::weights_for_scheme;
use rigsize_core::model::ModelArch;
use rigsize_core::quant::QuantScheme;
use rigsize_speed::model::{terms, BatchPrompts, Params, SpeedRequest};
use rigsize_speed::Calibration;

fn arch(c: &Catalog, id: &str) -> ModelArch {
    c.model(id).unwrap().arch.clone()
}

fn params(c: &Calibration, engine: Engine, set: &DeviceSet) -> Params {
    let key = rigsize_speed::calib::GroupKey::new(engine, &set.device);
    c.resolve(&key).params
}

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
fn thin_expert_batches_slow_moe_prefill_and_not_dense_prefill() {
    let c = Catalog::builtin().unwrap();
    let cal = Calibration::builtin().unwrap();
    let set = c.device_set("rtx-pro-6000-ws").unwrap();
    let p = Params {
        moe_prefill_half_tokens: 16.0,
        ..params(&cal, Engine::LlamaCpp, &set)
    };
    let tok_s = |id: &str, quant: &str, ubatch: u64| {
        let m = arch(&c, id);
        let w = weights_for_scheme(&m, QuantScheme::parse(quant).unwrap());
        let mut req = SpeedRequest::new(&m, &w, &set, Engine::LlamaCpp);
        req.prompt_tokens = 4096;
        req.depth_tokens = 4096;
        req.ubatch = Some(ubatch);
        let t = terms(&req).prefill;
        (t.tokens / p.prefill_s(&t), t)
    };
    // gpt-oss-120b: 128 experts, top-4 → 16 tokens per expert at -ub 512.
    let (small, t) = tok_s("gpt-oss-120b", "mxfp4", 512);
    assert!(
        (t.tokens_per_expert - 16.0).abs() < 1e-9,
        "{}",
        t.tokens_per_expert
    );
    assert!(
        t.expert_gemm_s > t.gemm_s,
        "most of gpt-oss's active weights are experts"
    );
    let (large, _) = tok_s("gpt-oss-120b", "mxfp4", 4096);
    assert!(large > 1.3 * small, "{large} vs {small}");
    // A dense model has no expert term.
    let (_, dense) = tok_s("qwen3-8b", "q8_0", 512);
    assert_eq!(dense.expert_gemm_s, 0.0);
    assert_eq!(dense.tokens_per_expert, 0.0);
}

#[test]
fn serving_rows_with_several_streams_carry_the_arriving_prompts() {
    use rigsize_speed::bench::{row_case, DecodeMeasure};
    use rigsize_speed::validate::decode_prediction;
    let c = Catalog::builtin().unwrap();
    let cal = Calibration::builtin().unwrap();
    let csv = "row_id,source,hardware_id,n_devices,backend,engine,model_id,arch,params_b,active_params_b,quant,model_size_gib,depth,concurrency,test,pp_tok_s,tg_tok_s,build,reliability,notes\n\
        s8,test serving,h100-sxm,1,cuda,vllm,qwen3-8b,dense,8.19,8.19,BF16,,0,8,pp1024+tg256,,600,vllm 0.11,primary,\n\
        l8,test bench,h100-sxm,1,cuda,llama.cpp,qwen3-8b,dense,8.19,8.19,Q8_0,,1024,8,pp1024+tg256,,600,b7000,primary,\n";
    let rows = rigsize_speed::bench::parse_csv(csv, "t.csv").unwrap();
    let serving = row_case(&c, &rows[0], 0).unwrap();
    let bench = row_case(&c, &rows[1], 1).unwrap();
    let (t, _, measure) = serving.decode.as_ref().unwrap();
    assert_eq!(measure, &DecodeMeasure::ServingTpot { isl_over_osl: 4.0 });
    assert_eq!(bench.decode.as_ref().unwrap().2, DecodeMeasure::Total);
    // The serving prediction is the decode step plus 8 × 4 prompt tokens of math.
    let key = rigsize_speed::GroupKey::new(Engine::Vllm, &c.device_set("h100-sxm").unwrap().device);
    let p = cal.resolve(&key).params;
    let pure = t.decode.streams / p.decode_step_s(&t.decode);
    let mixed = decode_prediction(&serving, &p).unwrap();
    let per_token = p.prefill_compute_s(&t.prefill) / t.prefill.tokens;
    let want = 8.0 / (p.decode_step_s(&t.decode) + 8.0 * 4.0 * per_token);
    assert!((mixed - want).abs() / want < 1e-12);
    assert!(mixed < pure);
}

#[test]
fn metal_small_batches_reread_the_weights_no_small_batch_kernel_covers() {
    let c = Catalog::builtin().unwrap();
    let mac = c.device_set("m2-ultra").unwrap();
    let gpu = c.device_set("rtx-4090").unwrap();
    let m = arch(&c, "qwen3-8b");
    let read = |quant: &str, set: &DeviceSet, engine: Engine, streams: u32| {
        let w = weights_for_scheme(&m, QuantScheme::parse(quant).unwrap());
        let mut req = SpeedRequest::new(&m, &w, set, engine);
        req.streams = streams;
        terms(&req).decode.weight_bytes
    };
    let llama = Engine::LlamaCpp;
    // Q8_0 has a small-batch kernel from 2 streams: one read per step.
    assert_eq!(read("q8_0", &mac, llama, 2), read("q8_0", &mac, llama, 1));
    // Q4_K only from 4: at 2 and 3 the mat-vec kernel runs once per stream.
    let one = read("q4_k_m", &mac, llama, 1);
    assert!(read("q4_k_m", &mac, llama, 2) > 1.8 * one);
    assert!(read("q4_k_m", &mac, llama, 3) > 2.7 * one);
    assert_eq!(read("q4_k_m", &mac, llama, 4), one);
    // The small-batch kernel takes at most 5 streams per threadgroup: 6–8
    // streams read the weights it covers twice.
    assert_eq!(read("q8_0", &mac, llama, 5), read("q8_0", &mac, llama, 1));
    let q8 = read("q8_0", &mac, llama, 1);
    assert!((read("q8_0", &mac, llama, 6) / q8 - 2.0).abs() < 0.01);
    assert!((read("q4_k_m", &mac, llama, 8) / one - 2.0).abs() < 0.01);
    assert_eq!(read("q8_0", &gpu, llama, 8), read("q8_0", &gpu, llama, 1));
    // Above 8 streams: the matrix-matrix kernel, one read.
    assert_eq!(read("q4_k_m", &mac, llama, 16), one);
    // CUDA's mat-vec kernels take up to 8 columns at once (MLX's own
    // table: tests/mlx_dispatch.rs).
    assert_eq!(
        read("q4_k_m", &gpu, llama, 2),
        read("q4_k_m", &gpu, llama, 1)
    );

    // Routed experts below 32 tokens: one read per (token, expert) pair,
    // more than the union of experts the batch touches.
    let moe = arch(&c, "qwen3-30b-a3b");
    let w = weights_for_scheme(&moe, QuantScheme::parse("q8_0").unwrap());
    let step = |set: &DeviceSet, streams: u32| {
        let mut req = SpeedRequest::new(&moe, &w, set, llama);
        req.streams = streams;
        terms(&req).decode.weight_bytes
    };
    let routed = w.routed_expert_bytes as f64;
    let pairs = 16.0 * rigsize_speed::model::expert_fraction(&moe, 1.0);
    let union = rigsize_speed::model::expert_fraction(&moe, 16.0);
    let extra = step(&mac, 16) - step(&gpu, 16);
    assert!((extra - routed * (pairs - union)).abs() < 1.0, "{extra}");
    // From 32 tokens a grouped GEMM per expert reads each touched expert once.
    assert_eq!(step(&mac, 32), step(&gpu, 32));
}

#[test]
fn wide_decode_batches_run_the_matrix_kernel_in_whole_tiles() {
    let c = Catalog::builtin().unwrap();
    let m = arch(&c, "qwen3-8b");
    let w = weights_for_scheme(&m, QuantScheme::parse("q8_0").unwrap());
    let decode = |hw: &str, engine: Engine, streams: u32| {
        let set = c.device_set(hw).unwrap();
        let mut req = SpeedRequest::new(&m, &w, &set, engine);
        req.streams = streams;
        terms(&req).decode
    };
    // Up to 8 streams: mat-vec kernels, no matrix-matrix part.
    let t8 = decode("m2-ultra", Engine::LlamaCpp, 8);
    assert_eq!((t8.gemm_tile_s, t8.gemm_tokens), (0.0, 0.0));
    assert!(t8.gemm_s > 0.0);
    // 9–32 streams on Metal: one 32-token tile, the same math for 9 as for 32.
    let (t9, t32) = (
        decode("m2-ultra", Engine::LlamaCpp, 9),
        decode("m2-ultra", Engine::LlamaCpp, 32),
    );
    assert_eq!((t9.gemm_tokens, t32.gemm_tokens), (32.0, 32.0));
    assert_eq!(t9.gemm_tile_s, t32.gemm_tile_s);
    assert_eq!(t9.gemm_s, 0.0, "a dense model has no per-column part left");
    assert_eq!(decode("m2-ultra", Engine::LlamaCpp, 33).gemm_tokens, 64.0);
    // CUDA's tiles step by 8 columns.
    assert_eq!(decode("rtx-4090", Engine::LlamaCpp, 9).gemm_tokens, 16.0);
    // Vulkan on an AMD card: mat-vec up to 8 columns, then 32-token tiles;
    // the same card on ROCm has no table (every stream's math per column).
    let on = |backend: Option<Backend>, streams: u32| {
        let set = c.device_set("radeon-ai-pro-r9700").unwrap();
        let mut req = SpeedRequest::new(&m, &w, &set, Engine::LlamaCpp);
        req.streams = streams;
        req.backend = backend;
        terms(&req).decode.gemm_tokens
    };
    let vk = Some(Backend::Vulkan);
    assert_eq!((on(vk, 8), on(vk, 9), on(vk, 33)), (0.0, 32.0, 64.0));
    assert_eq!(on(None, 9), 0.0);
    // Engines without a table (vLLM) keep every stream's math at the decode rate.
    let v = decode("rtx-4090", Engine::Vllm, 32);
    assert_eq!(v.gemm_tile_s, 0.0);
    // The tile's math runs at prefill's rate; the thin-expert factor of
    // prefill (`moe_prefill_half_tokens`) does not touch it (the step adds
    // the whole weight read already).
    let p = Params {
        prefill_util: 0.5,
        moe_prefill_half_tokens: 32.0,
        ..params(
            &Calibration::builtin().unwrap(),
            Engine::LlamaCpp,
            &c.device_set("m2-ultra").unwrap(),
        )
    };
    assert!((p.tile_gemm_s(&t32) - t32.gemm_tile_s / 0.5).abs() < 1e-12);
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

/// A benchmark's synthetic tokens share expert reads: the spread is the
/// routed bytes beyond one stream's, zero for a dense model, at one stream,
/// for independent requests and in kernels that read each (token, expert)
/// pair (Metal below 32 streams), and the routing overlap takes exactly that
/// share off the read.
#[test]
fn routing_overlap_takes_only_the_experts_read_beyond_one_stream() {
    let c = Catalog::builtin().unwrap();
    let set = c.device_set("dgx-spark").unwrap();
    let moe = arch(&c, "gpt-oss-120b");
    let w = weights_for_scheme(&moe, QuantScheme::parse("mxfp4").unwrap());
    let dense = arch(&c, "qwen3-8b");
    let wd = weights_for_scheme(&dense, QuantScheme::parse("q8_0").unwrap());
    let step = |m: &ModelArch, w, streams| {
        let mut req = SpeedRequest::new(m, w, &set, Engine::LlamaCpp);
        req.streams = streams;
        req.prompts = BatchPrompts::Synthetic;
        terms(&req).decode
    };
    // Independent requests (the default: agents, users) read the union.
    let mut independent = SpeedRequest::new(&moe, &w, &set, Engine::LlamaCpp);
    independent.streams = 32;
    assert_eq!(independent.prompts, BatchPrompts::Independent);
    assert_eq!(terms(&independent).decode.expert_spread_s, 0.0);
    assert_eq!(step(&moe, &w, 1).expert_spread_s, 0.0);
    assert_eq!(step(&dense, &wd, 32).expert_spread_s, 0.0);
    let (one, wide) = (step(&moe, &w, 1), step(&moe, &w, 32));
    // Independent routing: the extra weight read of 32 streams is all experts.
    let spread = wide.expert_spread_s;
    assert!(spread > 0.0 && spread < wide.mem_s);
    assert!(((wide.mem_s - one.mem_s) - spread).abs() / spread < 1e-9);
    let p = |overlap| Params {
        moe_route_overlap: overlap,
        ..rigsize_speed::calib::DEFAULT_PARAMS
    };
    // Fully alike routing reads what one stream reads.
    let same = p(1.0).weight_read_s(&wide) * p(1.0).mem_eff;
    assert!((same - one.mem_s).abs() / one.mem_s < 1e-9);
    assert!(p(0.5).weight_read_s(&wide) < p(0.0).weight_read_s(&wide));
    // Metal's per-pair expert kernel reads every pair, synthetic or not.
    let mac = c.device_set("m2-ultra-76c").unwrap();
    let mut pairs = SpeedRequest::new(&moe, &w, &mac, Engine::LlamaCpp);
    pairs.streams = 8;
    pairs.prompts = BatchPrompts::Synthetic;
    let d = terms(&pairs).decode;
    assert!(d.expert_per_pair && d.expert_spread_s == 0.0);
    pairs.streams = 32;
    let d = terms(&pairs).decode;
    assert!(!d.expert_per_pair && d.expert_spread_s > 0.0);
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

/// llama.cpp replays a decode step as one CUDA graph only from Volta up, in
/// builds from May 2024 (Volta and Turing priced as graph builds from then:
/// enabling graphs there measured no difference): elsewhere every layer's
/// kernels are launched one by one and pay `launch_overhead_s`.
#[test]
fn cuda_decode_steps_launch_each_kernel_without_graphs() {
    use rigsize_core::engine::Backend;
    let c = Catalog::builtin().unwrap();
    let m = arch(&c, "qwen3-8b");
    let w = weights_for_scheme(&m, QuantScheme::parse("q4_k_m").unwrap());
    let launches = |hw: &str, engine: Engine, month: Option<&str>, backend: Option<Backend>| {
        let set = c.device_set(hw).unwrap();
        let mut req = SpeedRequest::new(&m, &w, &set, engine);
        req.build_month = month.map(String::from);
        req.backend = backend;
        terms(&req).decode.launch_layers
    };
    let layers = m.n_layers() as f64;
    // Pascal never captures; a current build on Ada and Turing does.
    assert_eq!(launches("p40", Engine::LlamaCpp, None, None), layers);
    assert_eq!(launches("rtx-4090", Engine::LlamaCpp, None, None), 0.0);
    assert_eq!(launches("rtx-2080-ti", Engine::LlamaCpp, None, None), 0.0);
    // Turing as Ada from May 2024; every chip before it launches each kernel.
    assert_eq!(
        launches("rtx-2080-ti", Engine::LlamaCpp, Some("2025-08"), None),
        0.0
    );
    assert_eq!(
        launches("v100-32g", Engine::LlamaCpp, Some("2026-05"), None),
        0.0
    );
    assert_eq!(
        launches("rtx-2080-ti", Engine::LlamaCpp, Some("2024-03"), None),
        layers
    );
    assert_eq!(
        launches("rtx-2080-ti", Engine::LlamaCpp, Some("2026-09"), None),
        0.0
    );
    assert_eq!(
        launches("rtx-4090", Engine::LlamaCpp, Some("2023-10"), None),
        layers
    );
    // Not llama.cpp's CUDA backend: no such term.
    assert_eq!(launches("p40", Engine::Vllm, None, None), 0.0);
    assert_eq!(
        launches("p40", Engine::LlamaCpp, None, Some(Backend::Vulkan)),
        0.0
    );
}

/// The graph table names real chip families and months: a misspelt family
/// would silently never match.
#[test]
fn cuda_graph_table_names_catalog_families_and_months() {
    let c = Catalog::builtin().unwrap();
    let g = Engine::LlamaCpp
        .runtime()
        .batch
        .cuda
        .as_ref()
        .and_then(|k| k.graphs.as_ref())
        .expect("llama.cpp's CUDA table states its graphs");
    let families: std::collections::BTreeSet<String> =
        c.hardware.iter().map(|h| h.device.family.clone()).collect();
    let month = rigsize_core::engine::kernels::is_month;
    assert!(month(&g.since), "{}", g.since);
    for (f, m) in &g.family_since {
        assert!(families.contains(f), "unknown family {f}");
        assert!(month(m) && m.as_str() > g.since.as_str(), "{f}: {m}");
    }
    for f in &g.without {
        assert!(families.contains(f), "unknown family {f}");
    }
}

/// Older llama.cpp builds ran the matrix-matrix kernel from two streams:
/// Metal's `mul_mm` until December 2024, CUDA's MMQ / cuBLAS (64-column
/// tiles) until February 2024. A benchmark row's build month picks the era;
/// a prediction is a current build.
#[test]
fn old_builds_run_the_matrix_kernel_from_two_streams() {
    let c = Catalog::builtin().unwrap();
    let m = arch(&c, "llama-2-7b");
    let w = weights_for_scheme(&m, QuantScheme::parse("f16").unwrap());
    let at = |hw: &str, month: Option<&str>| {
        let set = c.device_set(hw).unwrap();
        let mut req = SpeedRequest::new(&m, &w, &set, Engine::LlamaCpp);
        req.streams = 2;
        req.build_month = month.map(String::from);
        terms(&req).decode
    };
    for (hw, tile) in [("m2-ultra", 32.0), ("v100-32g-pcie", 64.0)] {
        let old = at(hw, Some("2023-10"));
        assert_eq!(old.gemm_tokens, tile, "{hw}");
        assert!(old.gemm_tile_s > 0.0 && old.gemm_s == 0.0, "{hw}");
        for month in [None, Some("2025-01")] {
            let new = at(hw, month);
            assert_eq!(new.gemm_tokens, 0.0, "{hw} {month:?}");
            assert!(new.gemm_tile_s == 0.0 && new.gemm_s > 0.0, "{hw} {month:?}");
        }
    }
    // Metal's era ends later than CUDA's.
    assert_eq!(at("m2-ultra", Some("2024-06")).gemm_tokens, 32.0);
    assert_eq!(at("v100-32g-pcie", Some("2024-06")).gemm_tokens, 0.0);
}

/// Each era ends at a `YYYY-MM` month, cites its source and dispatches
/// narrower mat-vec batches than today's table.
#[test]
fn kernel_eras_are_months_with_narrower_dispatch() {
    let batch = &Engine::LlamaCpp.runtime().batch;
    let month = rigsize_core::engine::kernels::is_month;
    for k in [batch.metal.as_ref(), batch.cuda.as_ref()]
        .into_iter()
        .flatten()
    {
        assert!(!k.eras.is_empty());
        for e in &k.eras {
            assert!(month(&e.until), "{}", e.until);
            assert!(e.matvec_max_streams < k.matvec_max_streams);
            assert!(!e.source.trim().is_empty());
        }
    }
}

/// A prompt token runs through the body only: the input embedding is a
/// lookup and the output head runs once per sequence (the last token's
/// logits); a decoded token runs through the body and the head. Checked on
/// an untied model (Qwen3-8B) and a tied one (Gemma-3-4B), whose head is
/// its embedding table.
#[test]
fn prompt_tokens_skip_the_head_and_decoded_tokens_run_it() {
    let c = Catalog::builtin().unwrap();
    let set = c.device_set("rtx-4090").unwrap();
    let f = set.device.fp16_flops;
    for id in ["qwen3-8b", "gemma-3-4b-it"] {
        let m = arch(&c, id);
        let w = weights_for_scheme(&m, QuantScheme::parse("q8_0").unwrap());
        let head = m.vocab as f64 * m.hidden as f64;
        let lookup = (m.params_active - m.params_active_decode) as f64;
        assert_eq!(lookup > 0.0, !m.tied_embeddings, "{id}");
        let body = m.params_active as f64 - lookup - head;
        let mut req = SpeedRequest::new(&m, &w, &set, Engine::LlamaCpp);
        req.prompt_tokens = 2048;
        req.prefill_streams = 2;
        let t = terms(&req);
        let tokens = 2.0 * 2048.0;
        let want = 2.0 * (body * tokens + head * 2.0) / f;
        assert!((t.prefill.gemm_s - want).abs() / want < 1e-9, "{id}");
        // A decode stream's math (the second's: the first hides under the
        // read): body and head, no lookup, on the mat-vec kernels' units.
        let mut two = SpeedRequest::new(&m, &w, &set, Engine::LlamaCpp);
        two.streams = 2;
        let d = terms(&two).decode;
        let want = 2.0 * (body + head) / set.device.vector_flops();
        assert!((d.gemm_s - want).abs() / want < 1e-9, "{id}");
    }
}

/// An M5's GPU neural accelerators run prefill's dense weight GEMMs at the
/// record's matrix rate (4× the shader rate); prompt attention and the routed
/// experts' gathered GEMMs stay on the shader ALUs (the vector rate), as on
/// every Metal device. Elsewhere all three run at the tensor rate.
#[test]
fn metal_prefill_puts_only_dense_gemms_on_the_m5_matrix_units() {
    let c = Catalog::builtin().unwrap();
    let m = arch(&c, "qwen3.6-35b-a3b");
    let w = weights_for_scheme(&m, QuantScheme::parse("q4_k_m").unwrap());
    let ratios = |hw: &str, engine: Engine| {
        let set = c.device_set(hw).unwrap();
        let mut req = SpeedRequest::new(&m, &w, &set, engine);
        req.prompt_tokens = 2048;
        req.depth_tokens = 2048;
        let p = terms(&req).prefill;
        let flops = rigsize_speed::model::attention_flops(&m, 0.0, 2048.0);
        let vector = set.device.fp32_flops.expect("a vector rate");
        (
            set.device.fp16_flops / vector,
            flops / p.attn_s / set.device.fp16_flops,
            p.gemm_s > 0.0 && p.expert_gemm_s > 0.0,
        )
    };
    let (m5, attn_m5, both) = ratios("m5-max", Engine::LlamaCpp);
    assert!((m5 - 4.0).abs() < 0.01, "M5 Max matrix / shader rate {m5}");
    assert!(both);
    assert!(
        (attn_m5 - 0.25).abs() < 0.01,
        "M5 prompt attention at {attn_m5} of the matrix rate"
    );
    let (m4, attn_m4, _) = ratios("m4-max-40c", Engine::Mlx);
    assert!((m4 - 1.0).abs() < 0.01 && (attn_m4 - 1.0).abs() < 0.01);
    let (_, attn_cuda, _) = ratios("rtx-4090", Engine::LlamaCpp);
    assert!(
        (attn_cuda - 1.0).abs() < 1e-6,
        "CUDA prompt attention at the tensor rate"
    );
    // The routed experts run at the shader rate, the dense GEMMs at the
    // matrix rate: against an M4 Max (one rate for both) the experts' share
    // of the GEMM time is 4× on the M5 for the same request.
    let share = |hw: &str| {
        let set = c.device_set(hw).unwrap();
        let mut req = SpeedRequest::new(&m, &w, &set, Engine::LlamaCpp);
        req.prompt_tokens = 2048;
        req.depth_tokens = 2048;
        let p = terms(&req).prefill;
        p.expert_gemm_s / p.gemm_s
    };
    let r = share("m5-max") / share("m4-max-40c");
    assert!(
        (r - 4.0).abs() < 0.01,
        "expert/dense GEMM time, M5 over M4: {r}"
    );
}
