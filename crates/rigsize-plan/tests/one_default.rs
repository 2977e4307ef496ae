//! One default per fact (issue 10, item 12): `rigsize fit` and `rigsize plan`
//! size every catalog model on every engine the planner deploys with the same
//! quantization and the same weight bytes.

use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_plan::requirements::planned_weights;

#[test]
fn fit_and_plan_size_every_model_identically_on_every_engine() {
    let catalog = Catalog::builtin().unwrap();
    let mut checked = 0;
    for rec in &catalog.models {
        for engine in [Engine::LlamaCpp, Engine::Mlx] {
            for quant in [None, Some("q8_0")] {
                let fit = rigsize_app::fit::resolve_model(&catalog, &rec.arch.id, quant, engine)
                    .unwrap_or_else(|e| panic!("fit {} {engine:?}: {e}", rec.arch.id));
                let (q, bytes) = planned_weights(&catalog, &rec.arch.id, quant, engine).unwrap();
                if quant.is_some() && engine == Engine::Mlx {
                    // A GGUF quant named in a role applies to llama.cpp; MLX keeps its default.
                    continue;
                }
                assert_eq!(q, fit.quant_label, "{} on {engine:?}", rec.arch.id);
                assert_eq!(bytes, fit.weights.bytes, "{} on {engine:?}", rec.arch.id);
                checked += 1;
            }
        }
    }
    assert!(checked >= 3 * catalog.models.len(), "{checked}");
}
