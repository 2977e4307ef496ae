//! config.json bytes → architecture → parameter rebuild → memory model:
//! must never panic or overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rigsize_core::dtype::KvType;
use rigsize_core::engine::{Engine, EngineConfig};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = rigsize_import::from_config_json(data, "fuzz/config.json") {
        let e = EngineConfig::new(Engine::Vllm);
        let _ = rigsize_core::kv::allocate(&m.arch, 131_072, 4, KvType::F16, KvType::F16, &e);
    }
});
