//! llama.cpp expert offload (`--n-cpu-moe`) through the request layer that
//! the CLI, `/api/fit`, `/api/speed` and MCP share.

use rigsize_app::fit::{build_fit_report, resolve_model, FitRequest};
use rigsize_app::speed::{build_speed_report, SpeedRequest};
use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::fit::{Blocker, FixKind};
use rigsize_core::offload::{expert_bytes_by_layer, split};
use serde_json::json;

fn cat() -> Catalog {
    Catalog::builtin().unwrap()
}

fn fit_req(model: &str, hw: &str, ctx: &str, n: Option<u32>) -> FitRequest {
    let mut r = FitRequest::new(model);
    r.hw = Some(hw.into());
    r.ctx = Some(json!(ctx));
    r.n_cpu_moe = n;
    r
}

#[test]
fn gpu_and_ram_shares_sum_to_the_model_for_every_n() {
    let c = cat();
    for (model, quant) in [
        ("gpt-oss-120b", "mxfp4"),
        ("qwen3-235b-a22b", "q4_k_m"),
        ("glm-4.5-air", "q4_k_m"),
    ] {
        let m = resolve_model(&c, model, Some(quant), Engine::LlamaCpp).unwrap();
        let by_layer = expert_bytes_by_layer(&m.arch, &m.weights);
        assert_eq!(by_layer.iter().sum::<u64>(), m.weights.routed_expert_bytes);
        let mut last = 0;
        for n in 0..=m.arch.n_layers() {
            let s = split(&m.arch, &m.weights, n).unwrap();
            assert_eq!(
                s.gpu_weights.bytes + s.host_bytes,
                m.weights.bytes,
                "{model} N={n}"
            );
            // Exactly the routed-expert tensors of blocks 0..N move.
            assert_eq!(s.host_bytes, by_layer[..n as usize].iter().sum::<u64>());
            assert!(s.host_bytes >= last);
            last = s.host_bytes;
        }
        let all = split(&m.arch, &m.weights, m.arch.n_layers()).unwrap();
        assert_eq!(
            all.host_bytes, m.weights.routed_expert_bytes,
            "--cpu-moe moves every expert"
        );
    }
}

#[test]
fn n_counts_blocks_from_zero_like_llama_cpp() {
    // GLM-4.5-Air's block 0 has a dense FFN: --n-cpu-moe 1 matches no tensor.
    let c = cat();
    let m = resolve_model(&c, "glm-4.5-air", Some("q4_k_m"), Engine::LlamaCpp).unwrap();
    assert!(m.arch.moe.as_ref().unwrap().dense_layers >= 1);
    let s = split(&m.arch, &m.weights, 1).unwrap();
    assert_eq!((s.host_bytes, s.offloaded_moe_layers), (0, 0));
    let s = split(&m.arch, &m.weights, 2).unwrap();
    assert_eq!(s.offloaded_moe_layers, 1);
    assert!(s.host_bytes > 0);
}

#[test]
fn n_zero_is_the_normal_fit() {
    let c = cat();
    let (plain, _) =
        build_fit_report(&fit_req("gpt-oss-120b", "rtx-pro-6000-ws", "32k", None), &c).unwrap();
    let (zero, _) = build_fit_report(
        &fit_req("gpt-oss-120b", "rtx-pro-6000-ws", "32k", Some(0)),
        &c,
    )
    .unwrap();
    assert_eq!(zero.total_bytes, plain.total_bytes);
    assert_eq!(zero.weights_bytes, plain.weights_bytes);
    assert_eq!(zero.fits, plain.fits);
    assert_eq!(zero.max_context_tokens, plain.max_context_tokens);
    let o = zero.offload.unwrap();
    assert_eq!(o.host_bytes, 0);
    assert_eq!(o.gpu_bytes, plain.total_bytes);
    assert!(plain.offload.is_none());
}

#[test]
fn offload_moves_bytes_from_the_gpu_to_ram_and_reports_both() {
    let c = cat();
    let (plain, _) =
        build_fit_report(&fit_req("gpt-oss-120b", "rtx-5090", "32k", None), &c).unwrap();
    let (off, _) =
        build_fit_report(&fit_req("gpt-oss-120b", "rtx-5090", "32k", Some(20)), &c).unwrap();
    let o = off.offload.as_ref().unwrap();
    assert_eq!(o.mode, "expert offload");
    assert_eq!(o.gpu_weights_bytes + o.host_bytes, plain.weights_bytes);
    assert_eq!(o.model_weights_bytes, plain.weights_bytes);
    assert_eq!(off.total_bytes, plain.total_bytes - o.host_bytes);
    assert_eq!(o.gpu_bytes, off.total_bytes);
    // JSON carries raw bytes.
    let v = serde_json::to_value(&off).unwrap();
    assert_eq!(v["offload"]["host_bytes"].as_u64(), Some(o.host_bytes));
}

#[test]
fn the_smallest_offload_fix_fits_and_one_less_does_not() {
    let c = cat();
    let req = fit_req("gpt-oss-120b", "rtx-4090", "32k", None);
    let (r, _) = build_fit_report(&req, &c).unwrap();
    assert_eq!(r.fits, Some(false));
    let fix = r
        .fixes
        .iter()
        .find_map(|f| match f.change {
            FixKind::Offload {
                n_cpu_moe,
                gpu_bytes,
                host_bytes,
                decode_tok_s,
            } => Some((
                n_cpu_moe,
                gpu_bytes,
                host_bytes,
                decode_tok_s,
                f.description.clone(),
            )),
            _ => None,
        })
        .expect("an offload fix for a MoE model on llama.cpp");
    let (n, gpu, host, tok_s, text) = fix;
    assert!(text.contains(&format!("--n-cpu-moe {n}")), "{text}");
    assert!(tok_s.unwrap() > 0.0);
    let (with, _) =
        build_fit_report(&fit_req("gpt-oss-120b", "rtx-4090", "32k", Some(n)), &c).unwrap();
    assert_eq!(with.fits, Some(true));
    assert_eq!(with.total_bytes, gpu);
    assert_eq!(with.offload.unwrap().host_bytes, host);
    let (less, _) =
        build_fit_report(&fit_req("gpt-oss-120b", "rtx-4090", "32k", Some(n - 1)), &c).unwrap();
    assert_eq!(less.fits, Some(false));
}

#[test]
fn no_offload_fix_for_dense_models_or_other_engines() {
    let c = cat();
    let (r, _) = build_fit_report(&fit_req("qwen3-32b", "rtx-3060-12g", "32k", None), &c).unwrap();
    assert!(r
        .fixes
        .iter()
        .all(|f| !matches!(f.change, FixKind::Offload { .. })));
    let mut v = fit_req("qwen3-235b-a22b", "rtx-4090", "8k", None);
    v.engine = Some("vllm".into());
    let (r, _) = build_fit_report(&v, &c).unwrap();
    assert!(r
        .fixes
        .iter()
        .all(|f| !matches!(f.change, FixKind::Offload { .. })));
}

#[test]
fn bad_n_is_a_clear_error() {
    let c = cat();
    let e = build_fit_report(&fit_req("qwen3-32b", "rtx-4090", "8k", Some(2)), &c)
        .unwrap_err()
        .to_string();
    assert!(e.contains("dense model"), "{e}");
    let e = build_fit_report(&fit_req("gpt-oss-120b", "rtx-4090", "8k", Some(37)), &c)
        .unwrap_err()
        .to_string();
    assert!(e.contains("0 to 36"), "{e}");
    let mut v = fit_req("gpt-oss-120b", "rtx-4090", "8k", Some(10));
    v.engine = Some("vllm".into());
    let e = build_fit_report(&v, &c).unwrap_err().to_string();
    assert!(e.contains("llama.cpp"), "{e}");
    let mut r = fit_req("gpt-oss-120b", "rtx-4090", "8k", Some(10));
    r.ram_gb = Some(-1.0);
    assert!(build_fit_report(&r, &c).is_err());
}

#[test]
fn too_little_system_ram_is_not_a_fit() {
    let c = cat();
    let mut r = fit_req("gpt-oss-120b", "rtx-4090", "8k", Some(30));
    r.ram_gb = Some(16.0);
    let (rep, _) = build_fit_report(&r, &c).unwrap();
    assert_eq!(rep.fits, Some(false));
    assert!(rep
        .blockers
        .iter()
        .any(|b| matches!(b, Blocker::SystemMemory { .. })));
    r.ram_gb = Some(128.0);
    let (rep, _) = build_fit_report(&r, &c).unwrap();
    assert_eq!(rep.fits, Some(true));
    assert_eq!(rep.offload.unwrap().ram_fits, Some(true));
}

fn speed(n: Option<u32>) -> rigsize_app::speed::SpeedReport {
    let r: SpeedRequest = serde_json::from_value(json!({
        "model": "gpt-oss-120b", "hw": "rtx-pro-6000-ws", "depth": "0", "n_cpu_moe": n,
        "ram_bw_gbs": 89.6
    }))
    .unwrap();
    build_speed_report(&r, &cat()).unwrap()
}

#[test]
fn offload_speed_falls_as_more_blocks_move_to_ram() {
    let tok = |n: u32| {
        speed(Some(n)).predictions[0]
            .prediction
            .decode_tok_s_per_stream
    };
    let mut last = f64::INFINITY;
    for n in [0, 4, 12, 24, 36] {
        let t = tok(n);
        assert!(t < last, "N={n}: {t} tok/s, not below {last}");
        last = t;
    }
    // N = 0 keeps every expert on the GPU: the ordinary prediction.
    let plain = speed(None).predictions[0]
        .prediction
        .decode_tok_s_per_stream;
    assert!((tok(0) - plain).abs() < 1e-9 * plain);
}

#[test]
fn speed_reports_the_mode_and_its_own_band() {
    let r = speed(Some(24));
    let o = r.offload.as_ref().unwrap();
    assert_eq!(o.mode, "expert offload");
    assert_eq!(o.n_cpu_moe, 24);
    let p = &r.predictions[0].prediction;
    assert_eq!(p.error_band_pct.decode, o.error_band_pct.decode);
    assert!(p.calibration_group.starts_with("expert offload"));
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["offload"]["mode"], "expert offload");
    assert_eq!(v["fit"]["offload"]["n_cpu_moe"], 24);
    assert!(speed(None).offload.is_none());
}

#[test]
fn speed_with_offload_on_vllm_is_refused_with_the_reason() {
    let r: SpeedRequest = serde_json::from_value(json!({
        "model": "gpt-oss-120b", "hw": "rtx-pro-6000-ws", "engine": "vllm", "n_cpu_moe": 10
    }))
    .unwrap();
    let e = build_speed_report(&r, &cat()).unwrap_err().to_string();
    assert!(
        e.contains("--n-cpu-moe is llama.cpp's expert offload"),
        "{e}"
    );
}

#[test]
fn no_offload_fix_when_the_ram_given_cannot_hold_the_experts() {
    let c = cat();
    let mut r = fit_req("gpt-oss-120b", "rtx-4090", "32k", None);
    r.ram_gb = Some(128.0);
    let (rep, _) = build_fit_report(&r, &c).unwrap();
    assert!(rep
        .fixes
        .iter()
        .any(|f| matches!(f.change, FixKind::Offload { .. })));
    r.ram_gb = Some(16.0);
    let (rep, _) = build_fit_report(&r, &c).unwrap();
    assert!(rep
        .fixes
        .iter()
        .all(|f| !matches!(f.change, FixKind::Offload { .. })));
}
