//! What the hardware runs a request at, before any efficiency: the
//! aggregate bandwidth and FLOP rates of the devices working at once, the
//! link between them, and a power-limited edition's clock factor. Apart
//! from [`crate::model`] so the model's terms read as what is moved and
//! computed, divided by these rates.

use rigsize_core::engine::{AttentionUnits, Backend};
use rigsize_core::hardware::DeviceSet;

use crate::model::{SpeedRequest, Split};

/// Share of its full-power twin's speed a power-limited edition (Max-Q,
/// low-TDP, laptop) keeps: the measured `[device.power_limit]` factor, 1
/// for any other device. A power cap lowers the clocks the whole chip runs
/// at (the SMs, the memory controllers and the launch/sync path alike), so
/// it stretches every part of a step, not only the bandwidth-bound read.
pub fn power_factor(devices: &DeviceSet) -> f64 {
    devices
        .device
        .power_limit
        .as_ref()
        .map_or(1.0, |p| p.decode_factor)
        .clamp(0.05, 1.0)
}

/// The aggregate rates a request runs at: the devices working at once
/// (tensor parallel) add up; a layer split takes turns.
pub(crate) struct Rates {
    /// Devices in a tensor-parallel group (1 otherwise).
    n: f64,
    tp: bool,
    pub(crate) bw: f64,
    pub(crate) flops: f64,
    /// The rate of the units decode attention runs on.
    pub(crate) attn_flops: f64,
    /// The rate of the units the mat-vec weight kernels run on.
    pub(crate) matvec_flops: f64,
    /// The rate prompt attention, the routed experts' gathered GEMMs and
    /// the batched decode tiles run at: the shader ALUs on Metal, where
    /// prefill's dense weight GEMMs use the M5's neural accelerators (its
    /// `fp16_tflops`); the tensor rate elsewhere.
    pub(crate) shader_flops: f64,
    pub(crate) layers: f64,
    hidden: f64,
    link_bw: f64,
    link_lat: f64,
}

impl Rates {
    pub(crate) fn of(req: &SpeedRequest) -> Rates {
        let n = req.devices.count.max(1) as f64;
        let dev = &req.devices.device;
        let tp = req.split == Split::Tensor && n > 1.0;
        let par = if tp { n } else { 1.0 };
        // Spec figures. A power-limited edition runs as its full-power twin
        // (same chip and memory) with every step stretched by its measured
        // factor (`power_factor`): its own spec FLOP/s, a boost clock it does
        // not sustain under the cap, would count the lower clocks twice.
        let spec_flops = dev
            .power_limit
            .as_ref()
            .and_then(|p| p.twin_fp16_flops)
            .unwrap_or(dev.fp16_flops);
        let flops = spec_flops.max(1.0) * par;
        // A power-limited edition's vector rate is its twin's already (the catalog's).
        let vector = dev.vector_flops().max(1.0) * par;
        // Decode attention's and the mat-vec kernels' rates: the engine's
        // kernels say which units (data/engines.toml).
        let on = |units| match units {
            AttentionUnits::Vector => vector,
            AttentionUnits::Tensor => flops,
        };
        let batch = &req.engine.runtime().batch;
        let (attn_flops, matvec_flops) = (on(batch.decode_attention), on(batch.decode_matvec));
        let metal = req.backend_in_use() == Some(Backend::Metal);
        let shader_flops = if metal { vector } else { flops };
        let (link_bw, link_lat) = req.link.characteristics(req.devices);
        Rates {
            n,
            tp,
            bw: dev.bandwidth_bytes_per_s.max(1.0) * par,
            flops,
            attn_flops,
            matvec_flops,
            shader_flops,
            layers: req.model.n_layers().max(1) as f64,
            hidden: req.model.hidden.max(1) as f64,
            link_bw,
            link_lat,
        }
    }

    /// Link time of one forward pass over `tokens` tokens, s.
    pub(crate) fn comm(&self, tokens: f64) -> f64 {
        let (n, bytes) = (self.n, tokens * self.hidden * 2.0);
        if n <= 1.0 {
            0.0
        } else if self.tp {
            // Two ring all-reduces of tokens × hidden × 2 B per layer.
            let step = 2.0 * (n - 1.0) * self.link_lat + 2.0 * (n - 1.0) / n * bytes / self.link_bw;
            2.0 * self.layers * step
        } else {
            // One activation hand-off per device boundary.
            (n - 1.0) * (self.link_lat + bytes / self.link_bw)
        }
    }
}
