//! The fixed costs of a decode step that depend on the build and the batch:
//! Metal builds before PR #9698 (October 2024) pay a per-kernel encode cost,
//! and a batched step on llama.cpp's Metal and CUDA kernels pays the switch
//! from their one-column kernels once, not per stream.

use rigsize_catalog::Catalog;
use rigsize_core::engine::{Backend, Engine};
use rigsize_core::memory::weights_for_scheme;
use rigsize_core::quant::QuantScheme;
use rigsize_speed::model::{terms, DecodeTerms, Params, SpeedRequest};

fn decode(
    hw: &str,
    engine: Engine,
    streams: u32,
    month: Option<&str>,
    backend: Option<Backend>,
) -> DecodeTerms {
    let c = Catalog::builtin().unwrap();
    let m = c.model("qwen3-8b").unwrap().arch.clone();
    let w = weights_for_scheme(&m, QuantScheme::parse("q8_0").unwrap());
    let set = c.device_set(hw).unwrap();
    let mut req = SpeedRequest::new(&m, &w, &set, engine);
    req.streams = streams;
    req.build_month = month.map(String::from);
    req.backend = backend;
    terms(&req).decode
}

#[test]
fn metal_builds_before_the_encoding_rework_launch_each_kernel() {
    let mac = "m2-ultra-76c";
    let d = decode(mac, Engine::LlamaCpp, 1, Some("2023-11"), None);
    assert_eq!(d.launch_layers, d.layers);
    assert_eq!(
        decode(mac, Engine::LlamaCpp, 1, Some("2024-10"), None).launch_layers,
        0.0
    );
    // A prediction is a current build; MLX has no such table.
    assert_eq!(
        decode(mac, Engine::LlamaCpp, 1, None, None).launch_layers,
        0.0
    );
    assert_eq!(
        decode(mac, Engine::Mlx, 1, Some("2023-11"), None).launch_layers,
        0.0
    );
}

#[test]
fn a_batched_step_pays_the_small_batch_kernels_once_per_layer() {
    for (hw, backend) in [("m2-ultra-76c", None), ("rtx-4090", None)] {
        let one = decode(hw, Engine::LlamaCpp, 1, None, backend);
        assert_eq!(one.batch_layers, 0.0, "{hw}: one stream");
        for streams in [2, 8, 32] {
            let d = decode(hw, Engine::LlamaCpp, streams, None, backend);
            assert_eq!(d.batch_layers, d.layers, "{hw} at {streams} streams");
        }
    }
    // Vulkan runs one mat-vec shader for 1–8 columns; serving engines' GEMMs
    // take any batch alike: no such step.
    assert_eq!(
        decode("rtx-4090", Engine::LlamaCpp, 8, None, Some(Backend::Vulkan)).batch_layers,
        0.0
    );
    assert_eq!(
        decode("h100-sxm", Engine::Vllm, 8, None, None).batch_layers,
        0.0
    );
    // The cost is per layer, the same at 2 and at 32 streams.
    let p = Params {
        batch_overhead_s: 50e-6,
        ..rigsize_speed::calib::DEFAULT_PARAMS
    };
    let two = decode("rtx-4090", Engine::LlamaCpp, 2, None, None);
    let wide = decode("rtx-4090", Engine::LlamaCpp, 32, None, None);
    let base = Params {
        batch_overhead_s: 0.0,
        ..p
    };
    let step = |p: &Params, d: &DecodeTerms| p.fixed_s(d);
    let extra_two = step(&p, &two) - step(&base, &two);
    let extra_wide = step(&p, &wide) - step(&base, &wide);
    assert!((extra_two - two.layers * 50e-6).abs() < 1e-12);
    assert!((extra_wide - extra_two).abs() < 1e-12);
}
