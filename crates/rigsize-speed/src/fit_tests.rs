//! Tests of the fit: shrinkage, and which rows set which parameters.

use super::*;

#[test]
fn shrinkage_blends_towards_the_parent() {
    assert_eq!(weight(0, 8.0), 0.0);
    assert!((weight(8, 8.0) - 0.5).abs() < 1e-12);
    // Geometric mean at w = 1/2; the parent itself when within the snap.
    assert!((blend_log(0.4, 0.9, 0.5) - 0.6).abs() < 1e-9);
    assert_eq!(blend_log(0.91, 0.9, 0.9), 0.9);
    assert_eq!(blend_lin(50e-6, 100e-6, 0.0), 100e-6);
}

/// The public NVIDIA rows as fit cases.
fn nvidia_cases() -> Vec<RowCase> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/bench");
    let mut rows = Vec::new();
    for f in ["dev.csv", "batched.csv"] {
        rows.extend(crate::bench::read_csv(&dir.join(f)).unwrap());
    }
    let catalog = rigsize_catalog::Catalog::builtin().unwrap();
    let (cs, _) = cases(&catalog, &rows);
    cs.into_iter().filter(|c| c.class == "nvidia").collect()
}

#[test]
fn a_serving_engines_moe_rows_set_its_factor_not_the_hardware_cost() {
    let all = nvidia_cases();
    let moe = |c: &RowCase| {
        c.decode
            .as_ref()
            .is_some_and(|d| d.0.decode.moe_layers > 0.0)
    };
    let vllm: Vec<Scaled> = all
        .iter()
        .filter(|c| c.engine_key() == "vllm" && moe(c))
        .map(|c| (c, IDENTITY_FACTOR))
        .collect();
    assert!(vllm.len() >= 10, "{}", vllm.len());
    // As hardware rows: no reference-kernel MoE row, so the parent's cost.
    let (hw, _) = fit_level(&vllm, DEFAULT_PARAMS, HARDWARE, 4.0, &hardware_grids());
    assert_eq!(hw.moe_overhead_s, DEFAULT_PARAMS.moe_overhead_s);
    // As the engine's rows against the hardware terms: its factor moves.
    let hw_terms = DEFAULT_PARAMS;
    let scaled: Vec<Scaled> = vllm.iter().map(|(c, _)| (*c, hw_terms)).collect();
    let (f, _) = fit_level(&scaled, IDENTITY_FACTOR, ENGINE, 4.0, &factor_grids());
    assert_ne!(f.moe_overhead_s, IDENTITY_FACTOR.moe_overhead_s);
    // The reference engine's MoE rows do set the hardware cost.
    let llama: Vec<Scaled> = all
        .iter()
        .filter(|c| c.engine_key() == REFERENCE_ENGINE && moe(c))
        .map(|c| (c, IDENTITY_FACTOR))
        .collect();
    let (hw, _) = fit_level(&llama, DEFAULT_PARAMS, HARDWARE, 4.0, &hardware_grids());
    assert_ne!(hw.moe_overhead_s, DEFAULT_PARAMS.moe_overhead_s);
}

#[test]
fn the_chips_prefill_rate_is_the_reference_kernels_where_they_measured_most_prompts() {
    // Prefill rows only and the rate alone free, so that nothing else moves.
    let prompts = |engine: &str| -> Vec<RowCase> {
        nvidia_cases()
            .into_iter()
            .filter(|c| c.engine_key() == engine && c.prefill.is_some())
            .map(|mut c| {
                c.decode = None;
                c
            })
            .collect()
    };
    let (llama, vllm) = (prompts(REFERENCE_ENGINE), prompts("vllm"));
    assert!(
        llama.len() >= 20 && vllm.len() >= 10,
        "{} {}",
        llama.len(),
        vllm.len()
    );
    let fit = |rows: Vec<&RowCase>| {
        let scaled: Vec<Scaled> = rows.into_iter().map(|c| (c, IDENTITY_FACTOR)).collect();
        let rate = Free {
            prefill_util: true,
            ..Free::default()
        };
        fit_level(&scaled, DEFAULT_PARAMS, rate, 4.0, &hardware_grids()).0
    };
    let own = fit(llama.iter().collect());
    // vLLM's time-to-first-token rows beside more llama.cpp prompts: the
    // rate is the reference kernels' alone (the serving rows set vLLM's factor).
    let few: Vec<&RowCase> = vllm.iter().take(llama.len() / 2).collect();
    let mixed = fit(llama.iter().chain(few.iter().copied()).collect());
    assert_eq!(mixed.prefill_util, own.prefill_util);
    // A level measured mostly on vLLM keeps its rows: its rate is fitted on them.
    let serving = fit(vllm.iter().chain(llama.iter().take(2)).collect());
    assert_ne!(serving.prefill_util, DEFAULT_PARAMS.prefill_util);
    assert_ne!(serving.prefill_util, own.prefill_util);
}

#[test]
fn a_serving_engines_long_context_rows_set_its_attention_factor_not_the_chips() {
    let all = nvidia_cases();
    let rows = |engine: &str| -> Vec<Scaled> {
        all.iter()
            .filter(|c| c.engine_key() == engine && c.decode.is_some())
            .map(|c| (c, IDENTITY_FACTOR))
            .collect()
    };
    let (vllm, llama) = (rows("vllm"), rows(REFERENCE_ENGINE));
    let attention_bound = |r: &[Scaled]| crate::fit_rows::level_rows(r).decode_attn.len();
    assert!(attention_bound(&vllm) >= 10, "{}", attention_bound(&vllm));
    assert!(attention_bound(&llama) >= 5, "{}", attention_bound(&llama));
    // As hardware rows, vLLM's attention-bound steps leave the chip's rate
    // at its parent's: its kernels run on other units than llama.cpp's.
    let (hw, _) = fit_level(&vllm, DEFAULT_PARAMS, HARDWARE, 4.0, &hardware_grids());
    assert_eq!(hw.decode_attn_util, DEFAULT_PARAMS.decode_attn_util);
    // As the engine's rows against the hardware terms, they move its factor.
    let (f, _) = fit_level(&vllm, IDENTITY_FACTOR, ENGINE, 4.0, &factor_grids());
    assert_ne!(f.decode_attn_util, IDENTITY_FACTOR.decode_attn_util);
    // The reference engine's long-context rows set the chip's rate.
    let (hw, _) = fit_level(&llama, DEFAULT_PARAMS, HARDWARE, 4.0, &hardware_grids());
    assert_ne!(hw.decode_attn_util, DEFAULT_PARAMS.decode_attn_util);
}
