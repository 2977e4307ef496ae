//! GGUF header bytes → parser → model mapping → memory model: must never
//! panic, overflow or allocate beyond the caps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rigsize_core::dtype::KvType;
use rigsize_core::engine::{Engine, EngineConfig};

fuzz_target!(|data: &[u8]| {
    let Ok(h) = rigsize_import::gguf::parse_bytes(data, "fuzz.gguf") else {
        return;
    };
    let _ = h.min_file_len();
    let _ = h.tensor_bytes();
    if let Ok(m) =
        rigsize_import::gguf_model::model_from_gguf(&[("fuzz.gguf".into(), h)], "fuzz.gguf", None)
    {
        let _ = m.weights();
        let e = EngineConfig::new(Engine::LlamaCpp);
        let _ = rigsize_core::kv::allocate(&m.arch, 131_072, 4, KvType::F16, KvType::Q8_0, &e);
    }
});
