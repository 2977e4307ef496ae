//! Feasibility first: no "fits" and no speed for a run that cannot happen.

use rigsize_app::catalog::{list_models, ModelsQuery};
use rigsize_app::fit::{build_fit_report, FitRequest};
use rigsize_app::speed::{build_speed_report, SpeedRequest};
use rigsize_catalog::Catalog;
use rigsize_core::fit::{Blocker, FixKind};
use serde_json::json;

fn speed(body: serde_json::Value) -> Result<rigsize_app::speed::SpeedReport, String> {
    let req: SpeedRequest = serde_json::from_value(body).unwrap();
    build_speed_report(&req, &Catalog::builtin().unwrap()).map_err(|e| format!("{e:#}"))
}

#[test]
fn a_context_beyond_the_model_is_not_a_fit() {
    let c = Catalog::builtin().unwrap();
    let mut req = FitRequest::new("gpt-oss-120b");
    req.ctx = Some(json!("200k"));
    req.hw = Some("rtx-pro-6000-ws".into());
    let (r, _) = build_fit_report(&req, &c).unwrap();
    assert_eq!(r.fits, Some(false));
    // Memory alone would fit: the context is the reason.
    assert_eq!(r.memory_fits(), Some(true));
    assert!(
        r.reason.as_deref().unwrap().contains("131072"),
        "{:?}",
        r.reason
    );
    assert!(matches!(
        r.blockers[..],
        [Blocker::Context {
            limit_tokens: 131_072,
            ..
        }]
    ));
    assert!(r
        .fixes
        .iter()
        .any(|f| f.change == FixKind::Context { ctx: 131_072 }));
    // Beyond the native window but within a documented extension: only with the flag.
    let mut req = FitRequest::new("qwen2.5-7b-instruct");
    req.ctx = Some(json!("100k"));
    req.hw = Some("rtx-4090".into());
    let (r, _) = build_fit_report(&req, &c).unwrap();
    assert_eq!(r.fits, Some(false));
    assert!(r.fixes.iter().any(|f| f.change == FixKind::ExtendContext));
    req.extend_context = true;
    assert_eq!(build_fit_report(&req, &c).unwrap().0.fits, Some(true));
}

#[test]
fn models_that_fit_can_attend_the_context() {
    let c = Catalog::builtin().unwrap();
    for extend in [false, true] {
        let q = ModelsQuery {
            fits: Some("rtx-5090".into()),
            ctx: Some("200k".into()),
            extend_context: Some(extend),
            ..Default::default()
        };
        let rows = list_models(&q, &c).unwrap();
        assert!(!rows.is_empty());
        for r in rows {
            let window = if extend {
                r.max_context
            } else {
                r.native_context
            };
            assert!(window >= 200_000, "{} attends {window}", r.id);
        }
    }
}

#[test]
fn speed_refuses_what_does_not_fit_with_the_numbers_and_a_fix() {
    let e = speed(
        json!({"model": "minimax-m2.5", "quant": "nvfp4", "engine": "vllm", "hw": "rtx-3090"}),
    )
    .unwrap_err();
    assert!(e.contains("GiB needed") && e.contains("available"), "{e}");
    assert!(e.contains("× rtx-3090"), "the fix names more devices: {e}");
    let e = speed(json!({"model": "qwen3-coder-next", "hw": "rtx-5090"})).unwrap_err();
    assert!(e.contains("2 × rtx-5090"), "{e}");
    // The README's example grid fits a 96 GB card, not a 32 GB one.
    let grid = |hw: &str| {
        speed(json!({"model": "qwen3-coder-30b-a3b", "hw": hw,
            "depth": "0,32k,128k", "streams": "1,4"}))
    };
    assert!(grid("rtx-pro-6000-ws").is_ok());
    assert!(grid("rtx-5090").unwrap_err().contains("does not fit"));
}

#[test]
fn engines_off_their_hardware_are_refused_with_the_reason() {
    let e =
        speed(json!({"model": "gpt-oss-20b", "engine": "vllm", "hw": "m3-ultra-80c"})).unwrap_err();
    assert!(
        e.contains("vLLM-Metal") && e.contains("--engine llama.cpp"),
        "{e}"
    );
    let e = speed(json!({"model": "gpt-oss-20b", "engine": "mlx", "hw": "rtx-4090"})).unwrap_err();
    assert!(e.contains("Apple silicon"), "{e}");
    // Emulated NVFP4 runs, with a dated warning.
    let r =
        speed(json!({"model": "qwen3-8b", "quant": "nvfp4", "engine": "vllm", "hw": "rtx-3090"}))
            .unwrap();
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("Marlin") && n.contains("as of")),
        "{:?}",
        r.notes
    );
}

#[test]
fn a_power_limited_edition_decodes_slower_by_its_measured_factor() {
    let c = Catalog::builtin().unwrap();
    let factor = c
        .hardware_record("rtx-pro-6000-maxq")
        .unwrap()
        .device
        .power_limit
        .as_ref()
        .unwrap()
        .decode_factor;
    let tok = |hw: &str| {
        speed(json!({"model": "llama-3.3-70b-instruct", "hw": hw, "depth": "0"}))
            .unwrap()
            .predictions[0]
            .prediction
            .decode_tok_s_per_stream
    };
    let ratio = tok("rtx-pro-6000-maxq") / tok("rtx-pro-6000-ws");
    // The cap lowers the clocks of the whole chip: reads, compute and the
    // fixed per-layer costs all stretch, so the ratio is the measured factor.
    assert!((ratio - factor).abs() < 1e-6, "{ratio} vs {factor}");
}

#[test]
fn vision_models_pay_for_their_encoder_and_image_tokens() {
    let c = Catalog::builtin().unwrap();
    let mut req = FitRequest::new("gemma-3-27b-it");
    req.hw = Some("rtx-5090".into());
    let (text, _) = build_fit_report(&req, &c).unwrap();
    assert_eq!(text.vision_encoder_bytes, 0);
    req.vision = Some(true);
    let (vl, _) = build_fit_report(&req, &c).unwrap();
    // SigLIP tower + projector, 0.423 B params at 16 bit (the F16 mmproj).
    assert_eq!(vl.vision_encoder_bytes, 2 * 423_000_000);
    assert_eq!(vl.total_bytes, text.total_bytes + vl.vision_encoder_bytes);
    // vLLM loads the whole checkpoint, tower included, by default.
    req.vision = None;
    req.engine = Some("vllm".into());
    req.hw = Some("rtx-pro-6000-ws".into());
    assert!(build_fit_report(&req, &c).unwrap().0.vision_encoder_bytes > 0);

    let base = json!({"model": "qwen2.5-vl-7b-instruct", "hw": "rtx-4090", "depth": "0", "prompt": "1000"});
    let plain = speed(base.clone()).unwrap();
    let mut with = base.clone();
    with["images"] = json!(2);
    with["image_px"] = json!(448);
    let img = speed(with).unwrap();
    let (p, i) = (&plain.predictions[0], &img.predictions[0]);
    // Dynamic resolution: 448² / 784 = 256 tokens per image.
    assert_eq!(i.image_tokens, 512);
    assert_eq!(i.prompt_tokens, p.prompt_tokens + 512);
    assert!(i.vision_encoder_s > 0.0);
    assert!(i.prediction.ttft_s > p.prediction.ttft_s + i.vision_encoder_s * 0.99);
    assert!(img.fit.vision_encoder_bytes > 0);
    // A text-only model cannot take images.
    let e = speed(json!({"model": "qwen3-8b", "hw": "rtx-4090", "images": 1})).unwrap_err();
    assert!(e.contains("no vision encoder"), "{e}");
}

#[test]
fn a_backend_the_engine_cannot_run_through_is_refused_and_vulkan_is_its_own_calibration() {
    let e = speed(json!({"model": "qwen3-8b", "hw": "rtx-4090", "backend": "metal"})).unwrap_err();
    assert!(e.contains("through cuda or vulkan"), "{e}");
    let e = speed(
        json!({"model": "qwen3-8b", "hw": "rtx-4090", "engine": "vllm", "backend": "vulkan"}),
    )
    .unwrap_err();
    assert!(e.contains("vllm runs rtx-4090 through cuda"), "{e}");
    let e = speed(json!({"model": "qwen3-8b", "hw": "rtx-4090", "backend": "vulcan"})).unwrap_err();
    assert!(e.contains("not one of"), "{e}");
    // Naming the vendor's own backend is the default.
    let on = |b: Option<&str>| {
        let mut body = json!({"model": "qwen3-30b-a3b", "hw": "strix-halo-395", "depth": "0"});
        if let Some(b) = b {
            body["backend"] = json!(b);
        }
        speed(body).unwrap()
    };
    let (native, rocm, vulkan) = (on(None), on(Some("hip")), on(Some("vulkan")));
    assert_eq!(native.backend, "rocm");
    assert_eq!(vulkan.backend, "vulkan");
    let decode =
        |r: &rigsize_app::speed::SpeedReport| r.predictions[0].prediction.decode_tok_s_per_stream;
    assert_eq!(decode(&native), decode(&rocm));
    // The Vulkan rows have a factor of their own: the figure differs, from
    // the calibration group that says so.
    assert_ne!(decode(&native), decode(&vulkan));
    assert!(
        vulkan.predictions[0]
            .prediction
            .explain
            .iter()
            .any(|l| l.contains("llama.cpp/vulkan")),
        "{:?}",
        vulkan.predictions[0].prediction.explain
    );
}

/// Whether the speed answer to `body` carries a dated compatibility warning citing `cite`.
fn dated_warning(body: serde_json::Value, cite: &str) -> bool {
    speed(body)
        .unwrap()
        .notes
        .iter()
        .any(|n| n.contains(cite) && n.contains("as of"))
}

#[test]
fn open_llamacpp_bugs_of_delta_net_hybrids_on_amd_come_as_a_dated_warning() {
    let warned = |model: &str, hw: &str| dated_warning(json!({"model": model, "hw": hw}), "#26795");
    assert!(warned("qwen3.6-35b-a3b", "radeon-ai-pro-r9700"));
    assert!(warned("qwen3-coder-next", "strix-halo-395"));
    // Not on NVIDIA, and not for a model without Gated DeltaNet layers.
    assert!(!warned("qwen3.6-35b-a3b", "rtx-4090"));
    assert!(!warned("qwen3-coder-30b-a3b", "radeon-ai-pro-r9700"));
}

#[test]
fn vllm_on_an_amd_isa_its_rocm_builds_skip_says_a_fork_is_needed() {
    let warned = |hw: &str, engine: &str| {
        let body = json!({"model": "qwen3-4b-2507", "hw": hw, "engine": engine, "depth": "0"});
        dated_warning(body, "gfx908")
    };
    assert!(warned("mi50-32g", "vllm"));
    assert!(warned("mi100", "vllm"));
    assert!(warned("rx-6800-xt", "vllm"));
    // Listed targets, and llama.cpp anywhere, run as shipped.
    assert!(!warned("mi210", "vllm"));
    assert!(!warned("rx-7900-xtx", "vllm"));
    assert!(!warned("mi50-32g", "llama.cpp"));
}

#[test]
fn several_streams_carry_the_band_of_the_batched_rows() {
    let cal = rigsize_speed::calib::Calibration::builtin().unwrap();
    for engine in ["llama.cpp", "vllm"] {
        let r = speed(
            json!({"model": "qwen3-8b", "hw": "rtx-4090", "engine": engine,
            "depth": "0", "streams": "1,8"}),
        )
        .unwrap();
        let band = |s: u32| {
            r.predictions
                .iter()
                .find(|c| c.streams == s)
                .unwrap()
                .prediction
                .error_band_pct
                .decode
        };
        let catalog = rigsize_catalog::Catalog::builtin().unwrap();
        let device = &catalog.hardware_record("rtx-4090").unwrap().device;
        let e = rigsize_core::engine::Engine::parse(engine).unwrap();
        let resolved = cal.resolve(&rigsize_speed::calib::GroupKey::with_backend(
            e, None, device,
        ));
        assert_eq!(band(1), resolved.decode_band_pct, "{engine}");
        assert_eq!(band(8), resolved.batched_band_pct, "{engine}");
        // The shipped file has batched bands, and they differ from one stream's.
        assert_ne!(band(8), band(1), "{engine}");
    }
}
