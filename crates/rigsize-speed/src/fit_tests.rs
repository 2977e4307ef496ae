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
