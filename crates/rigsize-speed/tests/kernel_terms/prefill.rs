//! Prefill terms: thin expert batches, the output head, the M5's matrix units and the prompts serving rows carry.

use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::memory::weights_for_scheme;
use rigsize_core::quant::QuantScheme;
use rigsize_speed::model::{terms, Params, SpeedRequest};
use rigsize_speed::Calibration;

use super::{arch, params};

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
