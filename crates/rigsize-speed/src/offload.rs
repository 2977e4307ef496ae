//! Speed with llama.cpp expert offload (`--n-cpu-moe N`): a mode of its own,
//! with its own calibration (`data/offload.toml`, fitted on
//! `data/bench/offload.csv`) and its own error band.
//!
//! Decode runs the graph in order, so the parts add up per token:
//! * the GPU part — everything but the offloaded experts — as the ordinary
//!   model predicts it for the weights left on the GPU;
//! * the routed experts of the offloaded blocks, read from system RAM and
//!   multiplied on the CPU (llama.cpp keeps those matmuls on the CPU backend
//!   for small batches): the experts the step touches over the CPU's
//!   effective memory bandwidth, `cpu_bw_eff` × the RAM's peak;
//! * a fixed cost per offloaded block (`layer_sync_s`): the hand-over of the
//!   activations GPU → CPU → GPU and the CPU thread wake-up.
//!
//! Prefill: for batches of 32 tokens and more llama.cpp's scheduler runs the
//! CPU-resident expert matmuls on the GPU and copies those weights over PCIe
//! once per micro-batch (`-ub`, 512), so each pass adds the offloaded bytes
//! over PCIe at `pcie_eff` of the link's rate.

use serde::{Deserialize, Serialize};

use rigsize_core::hardware::DeviceSet;
use rigsize_core::offload::OffloadSplit;

use crate::calib::Calibration;
use crate::model::SpeedRequest;
use crate::predict::{predict, ErrorBand, SpeedPrediction};

/// The offload calibration as stored in `data/offload.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffloadData {
    pub reference_host: ReferenceHost,
    pub calibration: OffloadCalibration,
}

/// The system RAM assumed when the user gives no `--ram-bw-gbs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceHost {
    pub name: String,
    pub channels: u32,
    /// Transfers per second per channel, millions (DDR5-5600: 5600).
    pub mts: u32,
    pub source: String,
}

impl ReferenceHost {
    /// Peak bandwidth: channels × MT/s × 8 bytes (a 64-bit channel).
    pub fn bandwidth_bytes_per_s(&self) -> f64 {
        ram_peak_bytes_per_s(self.channels, self.mts)
    }
}

/// Peak DRAM bandwidth of `channels` 64-bit channels at `mts` MT/s.
pub fn ram_peak_bytes_per_s(channels: u32, mts: u32) -> f64 {
    channels as f64 * mts as f64 * 1e6 * 8.0
}

/// The fitted offload parameters and their leave-one-source-out errors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffloadParams {
    /// Share of the RAM's peak bandwidth the CPU expert matmuls reach.
    pub cpu_bw_eff: f64,
    /// Fixed cost per offloaded block per decode step, s.
    pub layer_sync_s: f64,
    /// Share of the PCIe link rate the prefill weight uploads reach.
    pub pcie_eff: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffloadCalibration {
    #[serde(flatten)]
    pub params: OffloadParams,
    /// Median absolute % error, leave one source out (decode, prefill).
    pub loso_decode_pct: f64,
    pub loso_prefill_pct: f64,
    /// What it was fitted on.
    pub fitted: String,
}

impl OffloadData {
    /// The calibration shipped in `data/offload.toml`.
    pub fn builtin() -> Result<OffloadData, crate::SpeedError> {
        toml::from_str(include_str!("../../../data/offload.toml"))
            .map_err(|e| crate::SpeedError::Invalid(format!("data/offload.toml: {e}")))
    }
}

/// Where the offloaded experts live and how fast that memory is.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// Peak system-RAM bandwidth, bytes/s.
    pub ram_bytes_per_s: f64,
    /// Where the figure comes from, for the report.
    pub source: String,
}

/// The PCIe rate of one device's link, bytes/s per direction: the
/// generation's lane rate × lanes (gen 4 x16 when the record is silent).
pub fn pcie_bytes_per_s(set: &DeviceSet) -> f64 {
    let lane = match set.device.pcie_gen.unwrap_or(4) {
        0..=3 => 0.985e9,
        4 => 1.969e9,
        _ => 3.938e9,
    };
    lane * set.device.pcie_lanes.unwrap_or(16) as f64
}

/// Distinct experts `streams` tokens touch in one block, as a share of all
/// (independent top-k routing).
fn touched_share(k: f64, e: f64, streams: f64) -> f64 {
    if e <= 0.0 {
        return 0.0;
    }
    1.0 - (1.0 - k / e).powf(streams)
}

/// The three added costs, in seconds, for one request.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OffloadTerms {
    /// Expert bytes one decode step reads from system RAM.
    pub host_read_bytes: f64,
    /// CPU expert time per decode step, s.
    pub cpu_s: f64,
    /// Per-block hand-over time per decode step, s.
    pub sync_s: f64,
    /// PCIe upload time over the whole prompt, s.
    pub upload_s: f64,
}

/// Offload terms of `req` (its weights are the GPU's) for `split`.
pub fn terms(
    req: &SpeedRequest,
    split: &OffloadSplit,
    host: &Host,
    p: &OffloadParams,
) -> OffloadTerms {
    let (k, e) = req
        .model
        .moe
        .as_ref()
        .map(|m| (m.experts_per_token as f64, m.experts as f64))
        .unwrap_or((0.0, 0.0));
    let streams = req.streams.max(1) as f64;
    let read = split.host_bytes as f64 * touched_share(k, e, streams);
    let ub = req.ubatch_tokens().max(1);
    let prompt = req.prompt_tokens.max(1) * req.prefill_streams.max(1) as u64;
    let passes = prompt.div_ceil(ub) as f64;
    OffloadTerms {
        host_read_bytes: read,
        cpu_s: read / (host.ram_bytes_per_s * p.cpu_bw_eff),
        sync_s: split.offloaded_moe_layers as f64 * p.layer_sync_s,
        upload_s: passes * split.host_bytes as f64 / (pcie_bytes_per_s(req.devices) * p.pcie_eff),
    }
}

/// The expert-offload prediction for `req`, whose `weights` must be
/// `split.gpu_weights` (the GPU's share).
pub fn predict_offload(
    req: &SpeedRequest,
    split: &OffloadSplit,
    host: &Host,
    cal: &Calibration,
    off: &OffloadCalibration,
) -> SpeedPrediction {
    let mut p = predict(req, cal);
    let t = terms(req, split, host, &off.params);
    let streams = req.streams.max(1) as f64;
    let gpu_step = streams / p.decode_tok_s_total.max(1e-12);
    let step = gpu_step + t.cpu_s + t.sync_s;
    let gpu_ttft = p.ttft_s;
    let ttft = gpu_ttft + t.upload_s;
    let prompt = (req.prompt_tokens.max(1) * req.prefill_streams.max(1) as u64) as f64;
    p.decode_tok_s_per_stream = 1.0 / step;
    p.decode_tok_s_total = streams / step;
    p.ttft_s = ttft;
    p.prefill_tok_s = prompt / ttft;
    p.bound = if t.cpu_s + t.sync_s > gpu_step {
        "system RAM (expert offload)".into()
    } else {
        p.bound.clone()
    };
    p.error_band_pct = ErrorBand {
        decode: off.loso_decode_pct,
        prefill: off.loso_prefill_pct,
    };
    p.calibration_group = format!("expert offload (llama.cpp --n-cpu-moe), {}", off.fitted);
    p.explain.push(format!(
        "expert offload: --n-cpu-moe {} keeps the routed experts of {} of {} MoE blocks ({:.2} GB) in system RAM; the lines above are the GPU's share",
        split.n_cpu_moe,
        split.offloaded_moe_layers,
        split.moe_layers,
        split.host_bytes as f64 / 1e9
    ));
    p.explain.push(format!(
        "  decode step: GPU {:.2} ms + CPU experts {:.2} GB over {:.1} GB/s × {:.2} ({}) = {:.2} ms + hand-over {} blocks × {:.0} µs = {:.2} ms → {:.2} ms ({:.1} tok/s per stream, ± {:.0} %)",
        gpu_step * 1e3,
        t.host_read_bytes / 1e9,
        host.ram_bytes_per_s / 1e9,
        off.params.cpu_bw_eff,
        host.source,
        t.cpu_s * 1e3,
        split.offloaded_moe_layers,
        off.params.layer_sync_s * 1e6,
        t.sync_s * 1e3,
        step * 1e3,
        1.0 / step,
        off.loso_decode_pct
    ));
    p.explain.push(format!(
        "  prefill: GPU {:.3} s + expert upload {:.2} GB per {}-token pass over {:.1} GB/s × {:.2} = {:.3} s → {:.0} tok/s (± {:.0} %)",
        gpu_ttft,
        split.host_bytes as f64 / 1e9,
        req.ubatch_tokens(),
        pcie_bytes_per_s(req.devices) / 1e9,
        off.params.pcie_eff,
        t.upload_s,
        prompt / ttft,
        off.loso_prefill_pct
    ));
    p
}
