use super::*;
use crate::engine::EngineConfig;
use crate::quant::QuantScheme;

fn shipped() -> &'static Profiles {
    profiles()
}

#[test]
fn the_shipped_table_covers_every_engine_and_every_alias_parses_to_its_engine() {
    let p = shipped();
    assert_eq!(p.iter().count(), Engine::ALL.len());
    for prof in p.iter() {
        assert_eq!(Engine::parse(prof.engine.name()).unwrap(), prof.engine);
        assert_eq!(
            Engine::parse(&prof.engine.name().to_ascii_uppercase()).unwrap(),
            prof.engine
        );
        for a in &prof.aliases {
            assert_eq!(Engine::parse(a).unwrap(), prof.engine, "{a}");
            assert_eq!(Engine::parse(&format!(" {a} ")).unwrap(), prof.engine);
        }
        assert!(!prof.source.trim().is_empty());
    }
}

#[test]
fn an_engine_on_anothers_kernels_carries_that_engines_runtime() {
    let mut shared = 0;
    for prof in shipped().iter() {
        let owner = prof.kernels.profile();
        assert_eq!(owner.kernels, owner.engine, "{}: owners own", owner.engine);
        assert_eq!(prof.runtime, owner.runtime, "{}", prof.engine);
        assert_eq!(
            prof.engine.is_llama_cpp_family(),
            prof.kernels == Engine::LlamaCpp
        );
        if prof.kernels != prof.engine {
            shared += 1;
            // Same defaults end to end.
            assert_eq!(
                EngineConfig::new(prof.engine).n_ubatch,
                EngineConfig::new(prof.kernels).n_ubatch
            );
        }
    }
    assert!(
        shared >= 1,
        "the table names no engine on another's kernels"
    );
}

/// The allocation kind decides the engine's memory semantics; paged engines carry their
/// share and block, the others do not.
#[test]
fn engine_config_defaults_come_from_the_table() {
    for prof in shipped().iter() {
        let cfg = EngineConfig::new(prof.engine);
        let kv = &prof.runtime.kv;
        assert_eq!(prof.engine.is_paged(), kv.allocation == Allocation::Paged);
        assert_eq!(cfg.n_ubatch, prof.runtime.batch.ubatch);
        if let Some(f) = kv.memory_fraction {
            assert_eq!(cfg.gpu_memory_utilization, f);
            assert_eq!(Some(cfg.block_tokens), kv.block_tokens);
        } else {
            assert_eq!(cfg.gpu_memory_utilization, 1.0);
        }
    }
}

/// `default_quant` before the table, kept as the oracle the table must reproduce.
fn default_quant_before(native: DType, engine: Engine) -> QuantScheme {
    let p = |s| QuantScheme::parse(s).unwrap();
    match engine {
        Engine::LlamaCpp | Engine::Ollama if native == DType::MXFP4 => p("mxfp4"),
        Engine::LlamaCpp | Engine::Ollama => p("q4_k_m"),
        Engine::Mlx if native == DType::MXFP4 => p("mxfp4"),
        Engine::Mlx => QuantScheme::Mlx { bits: 4, group: 64 },
        _ => match native {
            DType::FP8 => QuantScheme::Fp8,
            DType::MXFP4 => QuantScheme::Mxfp4Moe,
            DType::INT4_G128 => QuantScheme::Int4Awq,
            _ => QuantScheme::Bf16,
        },
    }
}

#[test]
fn default_quant_is_unchanged_for_every_engine_and_native_dtype() {
    for e in Engine::ALL {
        for d in DType::ALL {
            assert_eq!(
                e.runtime().default_quant(d),
                default_quant_before(d, e),
                "{e} {d}"
            );
        }
    }
}

/// The constants the table replaced (memory.rs runtime overhead and compute-buffer tokens,
/// the speed model's micro-batch, EngineConfig's paged defaults), as they were.
#[test]
fn the_table_reproduces_the_constants_it_replaced() {
    let mib = 1u64 << 20;
    for e in Engine::ALL {
        let rt = e.runtime();
        let serving = matches!(e, Engine::Vllm | Engine::Sglang | Engine::Trtllm);
        let llama = matches!(e, Engine::LlamaCpp | Engine::Ollama);
        assert_eq!(rt.overhead.apple_soc_mib * mib, 256 * mib, "{e}");
        assert_eq!(
            rt.overhead.gpu_mib * mib,
            if serving { 1536 } else { 384 } * mib,
            "{e}"
        );
        assert_eq!(rt.batch.compute_buffer_tokens.is_none(), llama, "{e}");
        if !llama {
            assert_eq!(rt.batch.compute_buffer_tokens, Some(2048), "{e}");
        }
        let ub = match e {
            Engine::LlamaCpp | Engine::Ollama => 512,
            Engine::Mlx => 2048,
            _ => 8192,
        };
        assert_eq!(rt.batch.ubatch, ub, "{e}");
        assert_eq!(e.is_paged(), serving, "{e}");
        if serving {
            let util = if e == Engine::Sglang { 0.88 } else { 0.9 };
            assert_eq!(rt.kv.memory_fraction, Some(util), "{e}");
            assert_eq!(rt.kv.block_tokens, Some(16), "{e}");
        }
    }
}

#[test]
fn ladders_and_cli_flags_are_well_formed() {
    for prof in shipped().iter() {
        let q = &prof.runtime.quant;
        for name in q.ladder.iter().chain([&q.default]) {
            QuantScheme::parse(name).unwrap();
        }
        for k in &q.kv_ladder {
            KvType::parse(k).unwrap();
        }
        if let Some(c) = &prof.cli {
            assert!(c.flags.values().all(|f| f.starts_with('-')));
        }
    }
    assert_eq!(
        Engine::names_listed().split(", ").count(),
        Engine::ALL.len()
    );
}

fn edit(from: &str, to: &str) -> String {
    assert!(ENGINES_TOML.contains(from), "fixture text moved: {from}");
    ENGINES_TOML.replacen(from, to, 1)
}

#[test]
fn a_broken_table_is_refused_with_the_engine_and_field_named() {
    for (text, want) in [
        (edit("allocation = \"slots\"", "allocation = \"heap\""), "heap"),
        (
            edit("ubatch = 512\n", "ubatch = 512\nspeed = 3\n"),
            "unknown field",
        ),
        (
            edit("default = \"q4_k_m\"", "default = \"q4_k_xl\""),
            "llama.cpp: quant",
        ),
        (
            edit("memory_fraction = 0.9\n", ""),
            "vllm: a paged cache needs",
        ),
        (
            edit("aliases = []\n", "aliases = [\"koboldcpp\"]\n"),
            "alias 'koboldcpp'",
        ),
        (
            edit(
                "[engine.cli]\nprogram = \"ollama\"",
                "[engine.overhead]\ngpu_mib = 1\napple_soc_mib = 1\nsource = \"s\"\n[engine.cli]\nprogram = \"ollama\"",
            ),
            "remove them",
        ),
        (
            edit("by_native = { mxfp4 = \"mxfp4\" }", "by_native = { fp9 = \"fp8\" }"),
            "'fp9' is not a dtype",
        ),
        (
            edit("name = \"trtllm\"", "name = \"exllama\""),
            "exllama",
        ),
        (edit("vocabulary = \"vllm\"\n", ""), "vllm: cli flags need"),
        (edit("ctx = \"-c\"", "ctx = \"c\""), "is not an option"),
        (
            edit("until = \"2024-12\"", "until = \"2024-13\""),
            "batch.metal.eras: until '2024-13'",
        ),
        (
            edit("graphs = { since = \"2024-05\"", "graphs = { since = \"May 2024\""),
            "batch.cuda.graphs: month 'May 2024'",
        ),
        (
            edit(
                "{ tiers = [\"apple-ultra\"], matvec_max_streams = 11 }",
                "{ tiers = [\"apple-ultra\"], matvec_max_streams = 0 }",
            ),
            "mlx: batch.metal: chip_limits need matvec_max_streams ≥ 1",
        ),
        (
            edit(
                "expert_gemm_tokens_per_expert = 4.0",
                "expert_gemm_tokens_per_expert = 0.0",
            ),
            "expert_gemm_tokens_per_expert must be > 0",
        ),
    ] {
        let e = parse_profiles(&text).unwrap_err();
        assert!(e.contains(want), "want `{want}` in: {e}");
    }
    // Dropping an engine entirely names it.
    let cut = ENGINES_TOML
        .split("[[engine]]\nname = \"trtllm\"")
        .next()
        .unwrap();
    let e = parse_profiles(cut).unwrap_err();
    assert!(e.contains("'trtllm' has no [[engine]] entry"), "{e}");
}

/// Metal's small-batch kernel takes at most 5 streams per threadgroup
/// (ggml-metal-ops.cpp: r1ptg 2, 3, 4, 5, 3, 4, 4 for 2–8 streams), so 6–8
/// streams stream the weights it covers twice; CUDA's mmvq takes all 8 in
/// one read, and the matrix-matrix kernel above reads once.
#[test]
fn metal_small_batches_above_five_streams_read_the_covered_weights_twice() {
    let batch = &Engine::LlamaCpp.runtime().batch;
    let metal = batch.metal.as_ref().expect("llama.cpp has a Metal table");
    let passes: Vec<u32> = (1..=9).map(|b| metal.covered_passes(b)).collect();
    assert_eq!(passes, [1, 1, 1, 1, 1, 2, 2, 2, 1]);
    let cuda = batch.cuda.as_ref().expect("llama.cpp has a CUDA table");
    assert!((1..=16).all(|b| cuda.covered_passes(b) == 1));
}
