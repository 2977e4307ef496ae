//! Inference engines, and what each one allocates for a given context and
//! number of parallel streams. The same request means different bytes in
//! llama.cpp (one preallocated cache of `-c` cells split over `-np` slots)
//! and vLLM (paged blocks carved out of `gpu_memory_utilization`). What each engine does
//! is data: [`profile`] reads `data/engines.toml`.

pub mod backend;
pub mod kernels;
pub mod profile;

use serde::{Deserialize, Serialize};

use crate::error::{closest, CoreError};
pub use backend::Backend;
pub use profile::{
    Allocation, Arg, AttentionUnits, Coverage, DecodeScan, EngineProfile, KernelEra, KernelGraphs,
    SmallBatchKernels,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    #[serde(rename = "llama.cpp")]
    LlamaCpp,
    Ollama,
    Vllm,
    Sglang,
    Mlx,
    /// TensorRT-LLM (benchmarks only; memory treated like vLLM).
    Trtllm,
}

impl Engine {
    pub const ALL: [Engine; 6] = [
        Engine::LlamaCpp,
        Engine::Ollama,
        Engine::Vllm,
        Engine::Sglang,
        Engine::Mlx,
        Engine::Trtllm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Engine::LlamaCpp => "llama.cpp",
            Engine::Ollama => "ollama",
            Engine::Vllm => "vllm",
            Engine::Sglang => "sglang",
            Engine::Mlx => "mlx",
            Engine::Trtllm => "trtllm",
        }
    }

    /// An engine by its name or an alias (`data/engines.toml`), case-insensitive.
    pub fn parse(s: &str) -> Result<Engine, CoreError> {
        let key = s.trim().to_ascii_lowercase();
        profile::profiles()
            .iter()
            .find(|p| p.engine.name() == key || p.aliases.contains(&key))
            .map(|p| p.engine)
            .ok_or_else(|| CoreError::Unknown {
                what: "engine".into(),
                value: s.to_string(),
                suggestions: closest(s, Engine::ALL.iter().map(|e| e.name()), 2),
                known: Engine::ALL.iter().map(|e| e.name().to_string()).collect(),
            })
    }

    /// This engine's row of the profile table.
    pub fn profile(self) -> &'static EngineProfile {
        profile::profiles().get(self)
    }

    /// What the engine's kernels decide (the kernel owner's, for ollama llama.cpp's).
    pub fn runtime(self) -> &'static profile::Runtime {
        &self.profile().runtime
    }

    /// The engine whose kernels this one runs: speed parameters are shared with it.
    pub fn kernels(self) -> Engine {
        self.profile().kernels
    }

    /// Engines built on llama.cpp's allocator.
    pub fn is_llama_cpp_family(self) -> bool {
        self.kernels() == Engine::LlamaCpp
    }

    /// Engines with a paged KV cache.
    pub fn is_paged(self) -> bool {
        self.runtime().kv.allocation == Allocation::Paged
    }

    /// The canonical names, in table order, as help texts list them.
    pub fn names_listed() -> String {
        Engine::ALL.map(Engine::name).join(", ")
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Engine settings that change the bytes allocated. Defaults are each
/// engine's own defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineConfig {
    pub engine: Engine,
    /// llama.cpp `-ub` (physical batch): sets the compute buffer and the
    /// extra cells of sliding-window caches. Default: the engine's `batch.ubatch`.
    pub n_ubatch: u32,
    /// llama.cpp `--kv-unified`: one cache shared by all slots instead of
    /// `-np` equal slices. llama-server turns it on when `-np` is left at
    /// auto; with an explicit `-np S` it is off.
    pub kv_unified: bool,
    /// llama.cpp `--swa-full`: sliding-window layers get full-size caches.
    pub swa_full: bool,
    /// vLLM/SGLang `--gpu-memory-utilization` (share of VRAM the engine takes).
    pub gpu_memory_utilization: f64,
    /// Paged-attention block size in tokens (the engine's `kv.block_tokens`).
    pub block_tokens: u32,
}

impl EngineConfig {
    /// The engine's own defaults, from its profile.
    pub fn new(engine: Engine) -> EngineConfig {
        let rt = engine.runtime();
        EngineConfig {
            engine,
            n_ubatch: rt.batch.ubatch,
            kv_unified: false,
            swa_full: false,
            // An engine that is not paged takes what it allocates: all of the device.
            gpu_memory_utilization: rt.kv.memory_fraction.unwrap_or(1.0),
            // Caches that are not paged hold single-token cells.
            block_tokens: rt.kv.block_tokens.unwrap_or(1),
        }
    }
}

/// llama.cpp pads `n_ctx` (and each slot's share) to 256 cells
/// (src/llama-context.cpp, `GGML_PAD(cparams.n_ctx, 256)`), and pads the
/// sliding-window cache size with the same quantum.
pub const LLAMA_CPP_CTX_PAD: u64 = 256;

/// The quantization used when none is given — the one source for fit,
/// speed, plan and pack: the engine's `[quant]` in `data/engines.toml` (llama.cpp: Q4_K_M
/// GGUF; MLX: 4-bit; vLLM/SGLang: the released dtype), by the model's native dtype.
pub fn default_quant(model: &crate::model::ModelArch, engine: Engine) -> crate::quant::QuantScheme {
    engine.runtime().default_quant(model.native_dtype)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llama_cpp_derivatives_parse_as_llama_cpp() {
        for name in [
            "llama.cpp",
            "llama-server",
            "ik_llama.cpp",
            "koboldcpp",
            "Llama.CPP",
        ] {
            assert_eq!(Engine::parse(name).unwrap(), Engine::LlamaCpp, "{name}");
        }
        assert_eq!(Engine::parse("mlx_lm").unwrap(), Engine::Mlx);
        assert_eq!(Engine::parse("TensorRT-LLM").unwrap(), Engine::Trtllm);
        let e = Engine::parse("exllamav2").unwrap_err().to_string();
        assert!(e.contains("unknown engine"), "{e}");
    }
}
