//! The GPU backend an engine runs its kernels through. For llama.cpp it is
//! a build choice with a measured speed of its own: on the same AMD card
//! and commit, Vulkan decodes 15–30 % faster than ROCm/HIP (llama.cpp PR
//! #16900 pairs on a Strix Halo, issue #26663 on an RX 9070 XT), while the
//! vendor backends (CUDA, ROCm/HIP, Metal, SYCL) are the ones each vendor's
//! own kernels are tuned for.

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::CoreError;
use crate::hardware::{Device, DeviceKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Cuda,
    /// ROCm/HIP.
    Rocm,
    Metal,
    Vulkan,
    Sycl,
    Cpu,
    /// Anything else a measurement names (OpenCL, a custom build).
    Other,
}

impl Backend {
    pub const NAMES: &'static str = "cuda, rocm (hip), metal, vulkan, sycl, cpu, other";

    pub fn parse(s: &str) -> Result<Backend, CoreError> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "cuda" => Backend::Cuda,
            "rocm" | "hip" => Backend::Rocm,
            "metal" | "mps" => Backend::Metal,
            "vulkan" => Backend::Vulkan,
            "sycl" => Backend::Sycl,
            "cpu" => Backend::Cpu,
            "other" => Backend::Other,
            other => {
                return Err(CoreError::InvalidValue {
                    what: "backend".into(),
                    value: other.into(),
                    why: format!("not one of: {}", Backend::NAMES),
                })
            }
        })
    }

    /// The cross-vendor backend, calibrated apart from the vendor ones.
    pub fn is_portable(self) -> bool {
        self == Backend::Vulkan
    }

    /// The vendor backend of `device` (what `None` stands for).
    pub fn native_for(device: &Device) -> Option<Backend> {
        if device.kind == DeviceKind::AppleSoc {
            return Some(Backend::Metal);
        }
        match device.vendor_key().as_str() {
            "nvidia" => Some(Backend::Cuda),
            "amd" => Some(Backend::Rocm),
            "intel" => Some(Backend::Sycl),
            _ => None,
        }
    }

    /// The backend other than the vendor's that rigsize calibrates apart
    /// for `engine` on `device`: llama.cpp's Vulkan build on AMD and Intel
    /// (on NVIDIA it shares CUDA's parameters, on a Mac it does not run).
    pub fn calibrated_alternative(engine: Engine, device: &Device) -> Option<Backend> {
        let vendor = Backend::native_for(device);
        (engine.is_llama_cpp_family()
            && matches!(vendor, Some(Backend::Rocm | Backend::Sycl))
            && device.kind != DeviceKind::AppleSoc)
            .then_some(Backend::Vulkan)
    }

    /// Refuses a backend `engine` cannot run `device` through: llama.cpp
    /// builds run the device's vendor backend or Vulkan (not on a Mac);
    /// the serving engines and MLX run their vendor's only.
    pub fn check(self, engine: Engine, device: &Device) -> Result<(), CoreError> {
        let native = Backend::native_for(device);
        let llama = engine.is_llama_cpp_family();
        let ok = Some(self) == native
            || (llama && self == Backend::Vulkan && device.kind != DeviceKind::AppleSoc);
        if ok {
            return Ok(());
        }
        let runs = match (llama, native) {
            (true, Some(n)) if device.kind != DeviceKind::AppleSoc => {
                format!("{} or vulkan", n.name())
            }
            (_, Some(n)) => n.name().to_string(),
            (_, None) => "its vendor's own backend".to_string(),
        };
        Err(CoreError::InvalidValue {
            what: "backend".into(),
            value: self.name().into(),
            why: format!(
                "{} runs {} through {runs}{}",
                engine.name(),
                device.id,
                if matches!(self, Backend::Cpu | Backend::Other) {
                    "; rigsize predicts GPU backends only"
                } else {
                    ""
                }
            ),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Cuda => "cuda",
            Backend::Rocm => "rocm",
            Backend::Metal => "metal",
            Backend::Vulkan => "vulkan",
            Backend::Sycl => "sycl",
            Backend::Cpu => "cpu",
            Backend::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(vendor: &str, kind: DeviceKind) -> Device {
        serde_json::from_value(serde_json::json!({
            "id": "x", "name": "x", "vendor": vendor, "kind": kind, "family": "f",
            "memory_bytes": 1, "bandwidth_bytes_per_s": 1.0, "fp16_flops": 1.0,
        }))
        .unwrap()
    }

    #[test]
    fn llama_cpp_runs_the_vendor_backend_or_vulkan_and_serving_engines_only_theirs() {
        let amd = device("AMD / Framework", DeviceKind::UnifiedBox);
        let mac = device("Apple", DeviceKind::AppleSoc);
        let nv = device("NVIDIA", DeviceKind::Gpu);
        assert!(Backend::Vulkan.check(Engine::LlamaCpp, &amd).is_ok());
        assert!(Backend::Rocm.check(Engine::Ollama, &amd).is_ok());
        assert!(Backend::Cuda.check(Engine::LlamaCpp, &amd).is_err());
        assert!(Backend::Vulkan.check(Engine::LlamaCpp, &mac).is_err());
        assert!(Backend::Metal.check(Engine::Mlx, &mac).is_ok());
        let e = Backend::Vulkan
            .check(Engine::Vllm, &nv)
            .unwrap_err()
            .to_string();
        assert!(e.contains("through cuda"), "{e}");
        assert!(Backend::Cpu.check(Engine::LlamaCpp, &nv).is_err());
    }

    #[test]
    fn vulkan_is_the_calibrated_alternative_for_llama_cpp_on_amd_and_intel_only() {
        let amd = device("AMD", DeviceKind::Gpu);
        let intel = device("Intel", DeviceKind::Gpu);
        let nv = device("NVIDIA", DeviceKind::Gpu);
        let mac = device("Apple", DeviceKind::AppleSoc);
        let alt = Backend::calibrated_alternative;
        assert_eq!(alt(Engine::LlamaCpp, &amd), Some(Backend::Vulkan));
        assert_eq!(alt(Engine::LlamaCpp, &intel), Some(Backend::Vulkan));
        // Every alternative is one the engine can run.
        assert!(Backend::Vulkan.check(Engine::LlamaCpp, &intel).is_ok());
        assert_eq!(alt(Engine::LlamaCpp, &nv), None);
        assert_eq!(alt(Engine::LlamaCpp, &mac), None);
        assert_eq!(alt(Engine::Vllm, &amd), None);
    }

    #[test]
    fn parses_names_and_aliases_and_rejects_the_rest() {
        assert_eq!(Backend::parse("HIP").unwrap(), Backend::Rocm);
        assert_eq!(Backend::parse(" vulkan ").unwrap(), Backend::Vulkan);
        assert!(Backend::parse("vulcan")
            .unwrap_err()
            .to_string()
            .contains("not one of"));
        for b in ["cuda", "rocm", "metal", "vulkan", "sycl", "cpu", "other"] {
            assert_eq!(Backend::parse(b).unwrap().name(), b);
        }
    }
}
