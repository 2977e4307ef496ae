//! The model's kernel terms, checked on the physics rather than on fitted
//! numbers: decode attention runs on the units the engine's kernels use
//! (data/engines.toml `decode_attention`), thin expert batches slow MoE
//! prefill, and a serving engine's timed decode steps carry the prompts of
//! arriving requests.

use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::hardware::DeviceSet;
use rigsize_core::model::ModelArch;
use rigsize_speed::model::Params;
use rigsize_speed::Calibration;

#[path = "kernel_terms/decode_math.rs"]
mod decode_math;
#[path = "kernel_terms/dispatch.rs"]
mod dispatch;
#[path = "kernel_terms/launch.rs"]
mod launch;
#[path = "kernel_terms/prefill.rs"]
mod prefill;

fn arch(c: &Catalog, id: &str) -> ModelArch {
    c.model(id).unwrap().arch.clone()
}

fn params(c: &Calibration, engine: Engine, set: &DeviceSet) -> Params {
    let key = rigsize_speed::calib::GroupKey::new(engine, &set.device);
    c.resolve(&key).params
}
