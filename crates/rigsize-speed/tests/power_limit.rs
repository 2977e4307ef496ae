//! A power-limited edition (Max-Q) against its full-power twin: the cap
//! lowers the clocks of the whole chip, so every part of a step — reads,
//! GEMMs, attention and the fixed per-layer costs — takes longer by the
//! measured factor, and the predicted ratio is that factor.

use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::memory::weights_for_scheme;
use rigsize_core::quant::QuantScheme;
use rigsize_speed::{predict, Calibration, SpeedPrediction, SpeedRequest};

fn run(
    c: &Catalog,
    model: &str,
    quant: &str,
    hw: &str,
    streams: u32,
    depth: u64,
) -> SpeedPrediction {
    let m = c.model(model).unwrap().arch.clone();
    let w = weights_for_scheme(&m, QuantScheme::parse(quant).unwrap());
    let set = c.device_set(hw).unwrap();
    let mut req = SpeedRequest::new(&m, &w, &set, Engine::LlamaCpp);
    req.streams = streams;
    req.depth_tokens = depth;
    req.prompt_tokens = depth.max(512);
    predict(&req, &Calibration::builtin().unwrap())
}

#[test]
fn max_q_is_slower_than_its_twin_by_the_measured_factor() {
    let c = Catalog::builtin().unwrap();
    let maxq = c.hardware_record("rtx-pro-6000-maxq").unwrap();
    let limit = maxq.device.power_limit.as_ref().expect("a measured factor");
    assert_eq!(limit.twin, "rtx-pro-6000-ws");
    let factor = limit.decode_factor;
    assert!(factor < 0.8, "{factor}");
    // Dense models from overhead-bound (8B) to bandwidth-bound (70B), one
    // stream and a batch at depth, where compute and attention weigh in.
    for (model, quant) in [("llama-3.3-70b-instruct", "q4_k_m"), ("qwen3-8b", "q8_0")] {
        for (streams, depth) in [(1, 0), (8, 8192)] {
            let slow = run(&c, model, quant, "rtx-pro-6000-maxq", streams, depth);
            let full = run(&c, model, quant, "rtx-pro-6000-ws", streams, depth);
            let decode = slow.decode_tok_s_per_stream / full.decode_tok_s_per_stream;
            let prefill = slow.prefill_tok_s / full.prefill_tok_s;
            assert!(
                (decode - factor).abs() < 1e-3,
                "{model} B={streams} decode ratio {decode} vs {factor}"
            );
            assert!(
                (prefill - factor).abs() < 1e-3,
                "{model} prefill ratio {prefill} vs {factor}"
            );
            assert!(slow
                .explain
                .iter()
                .any(|l| l.contains("power-limited") && l.contains("rtx-pro-6000-ws")));
        }
    }
}
