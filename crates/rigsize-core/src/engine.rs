//! Inference engines, and what each one allocates for a given context and
//! number of parallel streams. The same request means different bytes in
//! llama.cpp (one preallocated cache of `-c` cells split over `-np` slots)
//! and vLLM (paged blocks carved out of `gpu_memory_utilization`).

use serde::{Deserialize, Serialize};

use crate::error::{closest, CoreError};

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

    pub fn parse(s: &str) -> Result<Engine, CoreError> {
        let key = s.trim().to_ascii_lowercase();
        let key = match key.as_str() {
            // llama.cpp and the programs that run its kernels unchanged
            "llamacpp" | "llama-cpp" | "llama_cpp" | "llama-server" | "llama.cpp"
            | "llama-bench" | "ik_llama.cpp" | "ik-llama.cpp" | "ik_llama" | "koboldcpp"
            | "llamafile" | "lmstudio-gguf" | "jan" => "llama.cpp",
            "mlx-lm" | "mlx_lm" | "lmstudio-mlx" => "mlx",
            "tensorrt-llm" | "tensorrt_llm" | "trt-llm" | "tensorrt" => "trtllm",
            other => other,
        };
        Engine::ALL
            .iter()
            .copied()
            .find(|e| e.name() == key)
            .ok_or_else(|| CoreError::Unknown {
                what: "engine".into(),
                value: s.to_string(),
                suggestions: closest(s, Engine::ALL.iter().map(|e| e.name()), 2),
                known: Engine::ALL.iter().map(|e| e.name().to_string()).collect(),
            })
    }

    /// Engines built on llama.cpp's allocator.
    pub fn is_llama_cpp_family(self) -> bool {
        matches!(self, Engine::LlamaCpp | Engine::Ollama)
    }

    /// Engines with a paged KV cache.
    pub fn is_paged(self) -> bool {
        matches!(self, Engine::Vllm | Engine::Sglang | Engine::Trtllm)
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
    /// extra cells of sliding-window caches. Default 512.
    pub n_ubatch: u32,
    /// llama.cpp `--kv-unified`: one cache shared by all slots instead of
    /// `-np` equal slices. llama-server turns it on when `-np` is left at
    /// auto; with an explicit `-np S` it is off.
    pub kv_unified: bool,
    /// llama.cpp `--swa-full`: sliding-window layers get full-size caches.
    pub swa_full: bool,
    /// vLLM/SGLang `--gpu-memory-utilization` (share of VRAM the engine takes).
    pub gpu_memory_utilization: f64,
    /// Paged-attention block size in tokens (vLLM default 16).
    pub block_tokens: u32,
}

impl EngineConfig {
    pub fn new(engine: Engine) -> EngineConfig {
        EngineConfig {
            engine,
            n_ubatch: 512,
            kv_unified: false,
            swa_full: false,
            gpu_memory_utilization: if engine == Engine::Sglang { 0.88 } else { 0.9 },
            block_tokens: 16,
        }
    }
}

/// llama.cpp pads `n_ctx` (and each slot's share) to 256 cells
/// (src/llama-context.cpp, `GGML_PAD(cparams.n_ctx, 256)`), and pads the
/// sliding-window cache size with the same quantum.
pub const LLAMA_CPP_CTX_PAD: u64 = 256;

/// The quantization used when none is given — the one source for fit,
/// speed, plan and pack: what each engine typically runs (llama.cpp: Q4_K_M GGUF; MLX: 4-bit; vLLM/SGLang: the released dtype).
pub fn default_quant(model: &crate::model::ModelArch, engine: Engine) -> crate::quant::QuantScheme {
    match engine {
        Engine::LlamaCpp | Engine::Ollama => {
            if model.native_dtype == crate::dtype::DType::MXFP4 {
                crate::quant::QuantScheme::parse("mxfp4").expect("known scheme")
            } else {
                crate::quant::QuantScheme::parse("q4_k_m").expect("known scheme")
            }
        }
        // mlx-community ships gpt-oss with its MXFP4 experts and 8-bit
        // everything else: the same bytes as the MXFP4_MOE GGUF.
        Engine::Mlx if model.native_dtype == crate::dtype::DType::MXFP4 => {
            crate::quant::QuantScheme::parse("mxfp4").expect("known scheme")
        }
        Engine::Mlx => crate::quant::QuantScheme::Mlx { bits: 4, group: 64 },
        _ => match model.native_dtype {
            crate::dtype::DType::FP8 => crate::quant::QuantScheme::Fp8,
            crate::dtype::DType::MXFP4 => crate::quant::QuantScheme::Mxfp4Moe,
            crate::dtype::DType::INT4_G128 => crate::quant::QuantScheme::Int4Awq,
            _ => crate::quant::QuantScheme::Bf16,
        },
    }
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
