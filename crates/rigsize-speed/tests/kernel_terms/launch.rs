//! What a llama.cpp build's month changes: CUDA graph launches and the older kernel eras.

use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::memory::weights_for_scheme;
use rigsize_core::quant::QuantScheme;
use rigsize_speed::model::{terms, SpeedRequest};

use super::arch;

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
