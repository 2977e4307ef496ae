//! `speed --ubatch`: the prefill pass size reaches the speed model, and on
//! llama.cpp the sliding-window ring it sizes is read by every decode step.

use rigsize_app::speed::{build_speed_report, SpeedRequest};
use rigsize_catalog::Catalog;
use serde_json::json;

fn first_cell(body: serde_json::Value) -> Result<rigsize_speed::SpeedPrediction, String> {
    let req: SpeedRequest = serde_json::from_value(body).unwrap();
    build_speed_report(&req, &Catalog::builtin().unwrap())
        .map(|r| r.predictions[0].prediction.clone())
        .map_err(|e| format!("{e:#}"))
}

fn gemma(engine: &str, ubatch: Option<u32>) -> serde_json::Value {
    let mut b = json!({
        "model": "gemma-3-4b-it", "hw": "rtx-4090", "engine": engine,
        "depth": "32k", "streams": "8",
    });
    if let Some(u) = ubatch {
        b["ubatch"] = json!(u);
    }
    b
}

#[test]
fn a_larger_micro_batch_slows_llama_cpp_decode_of_sliding_models() {
    let default = first_cell(gemma("llama.cpp", None)).unwrap();
    let same = first_cell(gemma("llama.cpp", Some(512))).unwrap();
    let wide = first_cell(gemma("llama.cpp", Some(4096))).unwrap();
    // 512 is llama.cpp's default micro-batch.
    assert_eq!(
        default.decode_tok_s_per_stream,
        same.decode_tok_s_per_stream
    );
    // A 4,096-token pass keeps a ring of 5,120 cells on 29 sliding layers
    // instead of 1,536: the step reads more.
    assert!(
        wide.decode_tok_s_per_stream < 0.95 * default.decode_tok_s_per_stream,
        "{} vs {}",
        wide.decode_tok_s_per_stream,
        default.decode_tok_s_per_stream
    );
    // ... and prefills the 32K prompt in fewer passes.
    assert!(wide.prefill_tok_s > default.prefill_tok_s);
}

#[test]
fn vllm_reads_the_window_whatever_the_chunk() {
    let a = first_cell(gemma("vllm", Some(2048))).unwrap();
    let b = first_cell(gemma("vllm", Some(16384))).unwrap();
    assert_eq!(a.decode_tok_s_per_stream, b.decode_tok_s_per_stream);
}

#[test]
fn a_zero_micro_batch_is_refused() {
    let e = first_cell(gemma("llama.cpp", Some(0))).unwrap_err();
    assert!(e.contains("--ubatch must be 1 to 65536"), "{e}");
}
