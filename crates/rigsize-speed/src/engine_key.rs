//! The calibration's engine keys: engines that share kernels share
//! parameters, and a backend calibrated apart is an engine of its own.

use rigsize_core::engine::{Backend, Engine};

use crate::calib::REFERENCE_ENGINE;

/// Engines that share kernels share parameters: the key is the kernel owner's name
/// (`kernels` in data/engines.toml).
pub fn engine_key(engine: Engine) -> &'static str {
    engine.kernels().name()
}

/// The key of llama.cpp's Vulkan builds on AMD and Intel: an engine of its
/// own for the calibration (factors against the vendor backends, fitted on
/// the rows that name Vulkan), because the same AMD card and commit decode
/// 15–30 % apart on Vulkan and ROCm ([`Backend`]). On NVIDIA the Vulkan
/// and CUDA rows agree within their scatter, and a factor fitted on them
/// cost the CUDA scoreboard (#15013) 9 → 17 % out of source: there Vulkan
/// shares CUDA's parameters.
pub const LLAMACPP_VULKAN: &str = "llama.cpp/vulkan";

/// The calibration key of `engine` run through `backend` (`None`: the
/// vendor's own backend) on a device of `vendor` ([`rigsize_core::hardware::Device::vendor_key`]).
pub fn backend_engine_key(engine: Engine, backend: Option<Backend>, vendor: &str) -> &'static str {
    let key = engine_key(engine);
    let portable = backend.is_some_and(Backend::is_portable);
    if key == REFERENCE_ENGINE && portable && vendor != "nvidia" {
        LLAMACPP_VULKAN
    } else {
        key
    }
}
