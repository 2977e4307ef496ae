//! safetensors header bytes → parser → typed tensors: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let len = data.len() as u64;
    if let Ok(h) = rigsize_import::safetensors::read_header(data, "fuzz.safetensors", Some(len)) {
        let q =
            rigsize_import::hf_config::quant_info(&serde_json::json!({"quant_method": "mxfp4"}));
        let _ = rigsize_import::safetensors::typed_tensors(&h.tensors, Some(&q), &mut Vec::new());
        let _ = rigsize_import::safetensors::typed_tensors(&h.tensors, None, &mut Vec::new());
    }
});
