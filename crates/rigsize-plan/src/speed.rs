//! Speed of one deployment (a model with its streams on a set of devices),
//! through the calibrated model of `rigsize-speed`, and the contention rule
//! the planner adds on top when several deployments share a device.
//!
//! Contention: with every stream active, a device serves its deployments in
//! turn, so one decode step of a deployment takes the sum of the steps of
//! every deployment on the devices it runs on (weighted by the share of each
//! deployment's bytes on that device). This is the pessimistic "full
//! concurrent load" the requirements ask about.

use std::sync::OnceLock;

use rigsize_core::dtype::KvType;
use rigsize_core::engine::{Backend, Engine};
use rigsize_core::hardware::{Device, DeviceSet};
use rigsize_core::memory::WeightsEstimate;
use rigsize_core::model::ModelArch;
use rigsize_speed::calib::{GroupKey, Resolved};
use rigsize_speed::model::{terms, Link, SpeedRequest, Split};
use rigsize_speed::predict::times;
use rigsize_speed::Calibration;

fn calibration() -> &'static Calibration {
    static C: OnceLock<Calibration> = OnceLock::new();
    C.get_or_init(|| Calibration::builtin().expect("shipped speed calibration parses"))
}

/// What the planner asks about one deployment running alone.
pub struct SpeedInput<'a> {
    pub model: &'a ModelArch,
    pub weights: &'a WeightsEstimate,
    pub devices: &'a DeviceSet,
    pub engine: Engine,
    pub split: Split,
    pub link: Option<Link>,
    pub streams: u32,
    pub depth_tokens: u64,
    pub kv_type: KvType,
    pub prompt_tokens: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpeedEstimate {
    /// Seconds per decode step of all `streams` together, alone on its devices.
    pub step_s: f64,
    /// Prompt processing of one stream's prompt, tok/s.
    pub prefill_tok_s: f64,
    /// Time to first token for `prompt_tokens`, s.
    pub ttft_s: f64,
    /// Half-width of the calibration's error band, % (decode).
    pub band_pct: f64,
}

/// The calibrated parameters for a device under an engine built for
/// `backend` (`None`: the vendor's; what [`role_speed`] resolves on every
/// call; [`role_speed_with`] takes them).
pub fn calibrated(engine: Engine, backend: Option<Backend>, device: &Device) -> Resolved {
    calibration().resolve(&GroupKey::with_backend(engine, backend, device))
}

/// The one place the planner gets a speed from (the vendor's backend).
pub fn role_speed(i: &SpeedInput) -> SpeedEstimate {
    role_speed_with(i, &calibrated(i.engine, None, &i.devices.device))
}

/// [`role_speed`] with the calibration of `i.devices.device` under
/// `i.engine` already resolved ([`calibrated`]).
pub fn role_speed_with(i: &SpeedInput, resolved: &Resolved) -> SpeedEstimate {
    let mut req = SpeedRequest::new(i.model, i.weights, i.devices, i.engine);
    req.split = i.split;
    if let Some(l) = i.link {
        req.link = l;
    }
    req.streams = i.streams.max(1);
    req.depth_tokens = i.depth_tokens;
    req.kv_type = i.kv_type;
    req.prompt_tokens = i.prompt_tokens.max(1).min(i.depth_tokens.max(1));
    req.prefill_streams = 1;
    let t = terms(&req);
    let (step, pp) = times(&t, &resolved.params);
    let step = step.max(1e-6);
    let pp = pp.max(1e-6);
    SpeedEstimate {
        step_s: step,
        prefill_tok_s: t.prefill.tokens / pp,
        ttft_s: pp,
        band_pct: resolved.decode_band_for(f64::from(req.streams)),
    }
}
