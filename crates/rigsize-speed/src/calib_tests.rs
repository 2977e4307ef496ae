//! Unit tests of calib.rs (resolution chain, factors, the shipped file).
use super::*;

/// A calibration of `groups` and `engines` with 20 % / 30 % bands.
fn calibration(groups: Vec<Group>, engines: Vec<EngineFactor>) -> Calibration {
    Calibration {
        meta: Meta {
            decode_band_pct: 20.0,
            prefill_band_pct: 30.0,
            ..Meta::default()
        },
        groups,
        engines,
        provenance: Vec::new(),
    }
}

#[test]
fn builtin_calibration_parses() {
    let c = Calibration::builtin().unwrap();
    assert!(!c.groups.is_empty());
    assert!(c.meta.decode_band_pct > 0.0);
}

#[test]
fn specific_groups_win_and_missing_fields_inherit() {
    let c = calibration(
        vec![
            Group {
                engine: "*".into(),
                class: "*".into(),
                mem_eff: Some(0.5),
                layer_overhead_us: Some(1.0),
                ..Group::default()
            },
            Group {
                engine: "llama.cpp".into(),
                class: "nvidia".into(),
                mem_eff: Some(0.8),
                ..Group::default()
            },
            Group {
                engine: "llama.cpp".into(),
                class: "nvidia".into(),
                family: Some("nvidia-ampere".into()),
                prefill_util: Some(0.3),
                ..Group::default()
            },
        ],
        Vec::new(),
    );
    let key = GroupKey {
        engine: "llama.cpp".into(),
        class: "nvidia".into(),
        tier: "nvidia-gddr".into(),
        family: "nvidia-ampere".into(),
    };
    let r = c.resolve(&key);
    assert_eq!(r.params.mem_eff, 0.8);
    assert_eq!(r.params.prefill_util, 0.3);
    assert!((r.params.layer_overhead_s - 1e-6).abs() < 1e-12);
    assert_eq!(r.params.attn_rel, DEFAULT_PARAMS.attn_rel);
    let other = GroupKey {
        engine: "mlx".into(),
        class: "apple".into(),
        tier: "apple-ultra".into(),
        family: "apple-m2".into(),
    };
    assert_eq!(c.resolve(&other).params.mem_eff, 0.5);
}

#[test]
fn hardware_terms_times_engine_factors() {
    let c = calibration(
        vec![
            Group {
                engine: "*".into(),
                class: "*".into(),
                mem_eff: Some(0.9),
                layer_overhead_us: Some(100.0),
                ..Group::default()
            },
            Group {
                engine: "*".into(),
                class: "apple".into(),
                tier: Some("apple-ultra".into()),
                mem_eff: Some(0.7),
                decode_band_pct: Some(12.0),
                ..Group::default()
            },
            Group {
                engine: "*".into(),
                class: "apple".into(),
                tier: Some("apple-max".into()),
                family: Some("apple-m4".into()),
                mem_eff: Some(0.8),
                ..Group::default()
            },
        ],
        vec![EngineFactor {
            layer_overhead: 0.5,
            mem_eff: 1.2,
            decode_band_pct: Some(19.0),
            ..EngineFactor::identity("mlx")
        }],
    );
    let key = |engine: &str, tier: &str, family: &str| GroupKey {
        engine: engine.into(),
        class: "apple".into(),
        tier: tier.into(),
        family: family.into(),
    };
    // An Ultra of another generation takes the Ultra tier, not the M4 Max family.
    let r = c.resolve(&key("llama.cpp", "apple-ultra", "apple-m4"));
    assert_eq!(r.params.mem_eff, 0.7);
    assert_eq!(r.decode_band_pct, 12.0);
    let m = c.resolve(&key("mlx", "apple-ultra", "apple-m3"));
    assert!((m.params.mem_eff - 0.7 * 1.2).abs() < 1e-12);
    assert!((m.params.layer_overhead_s - 50e-6).abs() < 1e-12);
    assert_eq!(m.decode_band_pct, 19.0);
    // Capped at MAX_MEM_EFF.
    let m4 = c.resolve(&key("mlx", "apple-max", "apple-m4"));
    assert_eq!(m4.params.mem_eff, MAX_MEM_EFF);
    assert_eq!(
        c.resolve(&key("llama.cpp", "apple-max", "apple-m4"))
            .params
            .mem_eff,
        0.8
    );
    // An engine with no factor entry: the hardware terms, the overall band.
    let v = c.resolve(&key("vllm", "apple-ultra", "apple-m2"));
    assert_eq!(v.params.mem_eff, 0.7);
    assert_eq!(v.decode_band_pct, 20.0);
}

#[test]
fn vulkan_is_its_own_engine_key_on_amd_and_intel_only() {
    let key = |e, b, v| backend_engine_key(e, b, v);
    let vk = Some(Backend::Vulkan);
    assert_eq!(key(Engine::LlamaCpp, vk, "amd"), LLAMACPP_VULKAN);
    assert_eq!(key(Engine::Ollama, vk, "intel"), LLAMACPP_VULKAN);
    assert_eq!(key(Engine::LlamaCpp, vk, "nvidia"), REFERENCE_ENGINE);
    assert_eq!(
        key(Engine::LlamaCpp, Some(Backend::Rocm), "amd"),
        REFERENCE_ENGINE
    );
    assert_eq!(key(Engine::LlamaCpp, None, "amd"), REFERENCE_ENGINE);
    assert_eq!(key(Engine::Vllm, vk, "amd"), "vllm");
    // The shipped calibration has the factor, and a Vulkan key resolves to it.
    let c = Calibration::builtin().unwrap();
    assert!(c.engine_factor(LLAMACPP_VULKAN).is_some());
}

#[test]
fn several_streams_print_the_band_of_batched_rows() {
    let mut c = calibration(
        vec![
            Group {
                engine: "*".into(),
                class: "*".into(),
                mem_eff: Some(0.9),
                ..Group::default()
            },
            Group {
                engine: "*".into(),
                class: "apple".into(),
                tier: Some("apple-ultra".into()),
                decode_band_pct: Some(8.0),
                batched_band_pct: Some(14.0),
                ..Group::default()
            },
            Group {
                engine: "*".into(),
                class: "apple".into(),
                tier: Some("apple-ultra".into()),
                family: Some("apple-m3".into()),
                decode_band_pct: Some(6.0),
                ..Group::default()
            },
        ],
        vec![EngineFactor {
            decode_band_pct: Some(10.0),
            batched_band_pct: Some(17.0),
            ..EngineFactor::identity("mlx")
        }],
    );
    let key = |engine: &str, family: &str| GroupKey {
        engine: engine.into(),
        class: "apple".into(),
        tier: "apple-ultra".into(),
        family: family.into(),
    };
    // The family has too few batched rows for a band: its tier's stands.
    let r = c.resolve(&key("llama.cpp", "apple-m3"));
    assert_eq!((r.decode_band_pct, r.batched_band_pct), (6.0, 14.0));
    let m = c.resolve(&key("mlx", "apple-m3"));
    assert_eq!((m.decode_band_pct, m.batched_band_pct), (10.0, 17.0));
    // An engine never measured: the overall batched band, never below the decode one.
    assert_eq!(c.resolve(&key("vllm", "apple-m3")).batched_band_pct, 20.0);
    c.meta.batched_band_pct = Some(25.0);
    assert_eq!(c.resolve(&key("vllm", "apple-m3")).batched_band_pct, 25.0);
    // A file without batched bands prints the decode band for batches.
    let old = calibration(vec![], vec![]);
    assert_eq!(
        old.resolve(&key("llama.cpp", "apple-m3")).batched_band_pct,
        20.0
    );
}
