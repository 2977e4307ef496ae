//! What a decode step's attention scans: llama.cpp reads every cell up to
//! the last used one, so a sliding layer costs its whole
//! window-plus-micro-batch ring, not its window; a paged or rotating cache
//! (vLLM, MLX) costs the window.

use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::hardware::DeviceSet;
use rigsize_core::memory::{weights_for_scheme, WeightsEstimate};
use rigsize_core::model::ModelArch;
use rigsize_core::quant::QuantScheme;
use rigsize_speed::model::{kv_scan, terms, SpeedRequest};

/// gemma-3-4b (29 sliding layers, window 1,024, and 5 global ones) in
/// Q4_0 on a DGX Spark.
fn gemma_on_spark() -> (ModelArch, WeightsEstimate, DeviceSet) {
    let c = Catalog::builtin().unwrap();
    let m = c.model("gemma-3-4b-it").unwrap().arch.clone();
    let w = weights_for_scheme(&m, QuantScheme::parse("q4_0").unwrap());
    (m, w, c.device_set("dgx-spark").unwrap())
}

#[test]
fn llama_cpp_sliding_layers_scan_their_window_plus_a_micro_batch() {
    let (m, w, set) = gemma_on_spark();
    let mut req = SpeedRequest::new(&m, &w, &set, Engine::LlamaCpp);
    req.depth_tokens = 8192;
    req.ubatch = Some(2048);
    let s = kv_scan(&req);
    // The global layers scan the context.
    assert_eq!(s.growing, 8192.0);
    // GGML_PAD(1024 + 2048, 256) = 3072 cells, three windows.
    assert_eq!(s.sliding, 3072.0);
    // The default micro-batch (512): GGML_PAD(1536, 256).
    req.ubatch = None;
    assert_eq!(kv_scan(&req).sliding, 1536.0);
    // Below the ring's size the scan is the context.
    req.depth_tokens = 700;
    assert_eq!(kv_scan(&req).sliding, 700.0);
    // A build before the sliding cache kept the whole context there.
    req.depth_tokens = 8192;
    req.build_month = Some("2025-03".into());
    assert_eq!(kv_scan(&req).sliding, 8192.0);
    // vLLM's paged cache holds (and reads) the window.
    let mut v = SpeedRequest::new(&m, &w, &set, Engine::Vllm);
    v.depth_tokens = 8192;
    let s = kv_scan(&v);
    assert_eq!((s.growing, s.sliding), (8192.0, 1024.0));
}

#[test]
fn the_scanned_ring_slows_deep_batched_decode_of_sliding_models() {
    let (m, w, set) = gemma_on_spark();
    let mut req = SpeedRequest::new(&m, &w, &set, Engine::LlamaCpp);
    req.depth_tokens = 8192;
    req.streams = 32;
    let kv = |ub: u64| {
        let mut r = req.clone();
        r.ubatch = Some(ub);
        terms(&r).decode.kv_bytes
    };
    // A larger micro-batch keeps a larger ring, and every step reads it.
    assert!(kv(2048) > 1.3 * kv(512), "{} vs {}", kv(2048), kv(512));
}
