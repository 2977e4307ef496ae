//! What each kind of calibration level frees, and the grids the fit searches:
//! absolute hardware values, or multipliers for engine factors.

use crate::calib::MAX_MEM_EFF;

/// Which parameters one level may move away from its parent.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Free {
    pub(crate) mem_eff: bool,
    pub(crate) overhead: bool,
    pub(crate) decode_util: bool,
    pub(crate) prefill_util: bool,
    pub(crate) attn_rel: bool,
    pub(crate) decode_attn: bool,
    /// The tokens per expert at which prefill's expert GEMMs run at half rate.
    pub(crate) moe_prefill: bool,
    pub(crate) stream_overhead: bool,
    pub(crate) moe_overhead: bool,
    /// The launch cost of layers run without a captured graph: a hardware
    /// value (all rows and classes), not an engine's.
    pub(crate) launch: bool,
    /// The per-layer cost of a step of two or more streams on llama.cpp's
    /// small-batch kernels: a hardware value, like the launch cost.
    pub(crate) batch: bool,
    /// The fixed time to first token: an engine's, never the hardware's.
    pub(crate) latency: bool,
    /// The share of a batch's expert reads that a benchmark's synthetic
    /// tokens share: all rows' value and each engine's, not a class's.
    pub(crate) route_overlap: bool,
    /// The light weight types' saving on small-batch math: all rows' value.
    pub(crate) light_math: bool,
}

/// What the hardware tree's all-rows and class levels fit.
pub(crate) const HARDWARE: Free = Free {
    mem_eff: true,
    overhead: true,
    decode_util: true,
    prefill_util: true,
    attn_rel: true,
    decode_attn: true,
    moe_prefill: true,
    stream_overhead: true,
    moe_overhead: true,
    launch: true,
    batch: true,
    latency: false,
    route_overlap: true,
    light_math: true,
};

/// What a hardware class fits: all but the routing overlap (a property of
/// how the batch's requests are made, not of the chip).
pub(crate) const CLASS: Free = Free {
    route_overlap: false,
    light_math: false,
    ..HARDWARE
};

/// What an engine's factors fit.
pub(crate) const ENGINE: Free = Free {
    latency: true,
    moe_prefill: false,
    launch: false,
    batch: false,
    light_math: false,
    ..HARDWARE
};

/// What a backend's factors fit (llama.cpp's Vulkan builds against the vendor
/// backends): the same engine and server, other kernels — their bandwidth
/// efficiency, per-kernel overhead and GEMM rate.
pub(crate) const BACKEND: Free = Free {
    mem_eff: true,
    overhead: true,
    prefill_util: true,
    decode_util: false,
    attn_rel: false,
    decode_attn: false,
    moe_prefill: false,
    stream_overhead: false,
    moe_overhead: false,
    launch: false,
    batch: false,
    latency: false,
    route_overlap: false,
    light_math: false,
};

fn grid_lin(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let n = ((hi - lo) / step).round() as usize;
    (0..=n).map(|i| lo + step * i as f64).collect()
}

fn grid_log(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo * (hi / lo).powf(i as f64 / (n - 1) as f64))
        .collect()
}

/// What one level fits: absolute hardware values or engine factors.
pub(crate) struct Grids {
    pub(crate) eff: Vec<f64>,
    pub(crate) ovh: Vec<f64>,
    pub(crate) util: Vec<f64>,
    pub(crate) attn: Vec<f64>,
    /// Per-stream overhead (s; multipliers for factors).
    pub(crate) stream: Vec<f64>,
    /// MoE-layer overhead (s; multipliers for factors).
    pub(crate) moe: Vec<f64>,
    /// Launch cost per layer without a graph (s; hardware only).
    pub(crate) launch: Vec<f64>,
    /// Per-layer cost of a batched step over a one-stream one (s; hardware only).
    pub(crate) batch: Vec<f64>,
    /// Fixed time to first token (s; absolute for factors too).
    pub(crate) latency: Vec<f64>,
    /// Tokens per expert at half rate (hardware only).
    pub(crate) moe_half: Vec<f64>,
    /// Routing overlap (absolute for the hardware, added for factors).
    pub(crate) overlap: Vec<f64>,
    /// Light types' math saving (hardware only).
    pub(crate) light: Vec<f64>,
    /// Factors: every parameter blends in log space towards its parent (1).
    pub(crate) factor: bool,
}

/// Per-layer fixed costs searched for the launch of a kernel run on its own
/// and for a batched step's kernel switch, s.
fn per_layer_costs() -> Vec<f64> {
    [
        0.0, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 80.0, 100.0, 120.0, 150.0, 200.0,
    ]
    .iter()
    .map(|u| u * 1e-6)
    .collect()
}

pub(crate) fn hardware_grids() -> Grids {
    Grids {
        // Sustained reads above ~95 % of the spec sheet are not physical.
        eff: grid_lin(0.15, MAX_MEM_EFF, 0.01),
        ovh: [
            0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 70.0,
            80.0, 100.0, 120.0, 140.0, 160.0, 180.0, 200.0, 250.0,
        ]
        .iter()
        .map(|u| u * 1e-6)
        .collect(),
        util: grid_log(0.01, 1.5, 80),
        attn: grid_log(0.03, 4.0, 40),
        // Never 0: an engine factor multiplies it.
        stream: [
            0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0,
        ]
        .iter()
        .map(|u| u * 1e-6)
        .collect(),
        // Never 0: an engine factor multiplies it.
        moe: [
            1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 24.0, 32.0, 48.0, 64.0, 96.0, 128.0, 192.0,
        ]
        .iter()
        .map(|u| u * 1e-6)
        .collect(),
        launch: per_layer_costs(),
        batch: per_layer_costs(),
        latency: vec![0.0],
        moe_half: vec![
            0.0, 1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0, 48.0, 64.0, 96.0, 128.0,
        ],
        overlap: grid_lin(0.0, 0.9, 0.05),
        light: grid_lin(0.0, 0.9, 0.05),
        factor: false,
    }
}

pub(crate) fn factor_grids() -> Grids {
    Grids {
        eff: grid_log(0.5, 1.6, 41),
        ovh: grid_log(0.05, 5.0, 41),
        util: grid_log(0.1, 10.0, 61),
        attn: grid_log(0.1, 10.0, 41),
        stream: grid_log(0.1, 30.0, 31),
        moe: grid_log(0.1, 30.0, 31),
        launch: vec![0.0],
        batch: vec![0.0],
        latency: [
            0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 80.0,
            100.0, 150.0, 200.0, 300.0,
        ]
        .iter()
        .map(|ms| ms * 1e-3)
        .collect(),
        moe_half: vec![0.0],
        overlap: grid_lin(-0.9, 0.9, 0.05),
        light: vec![0.0],
        factor: true,
    }
}
