//! Hardware as the estimators see it: memory that holds weights and cache,
//! bandwidth that bounds decode, compute that bounds prefill.

use serde::{Deserialize, Serialize};

/// How a device's memory relates to the rest of the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// A PCIe card (or SXM module) with its own VRAM.
    Gpu,
    /// Apple silicon: unified memory, of which the GPU may wire only a share
    /// (the macOS `iogpu.wired_limit_mb`).
    AppleSoc,
    /// A unified-memory box that is not a Mac (DGX Spark, Strix Halo, DGX Station).
    UnifiedBox,
}

/// Memory technology, from the hardware data's `memory_type` text: HBM
/// stacks stream a different share of their spec bandwidth than GDDR or
/// LPDDR, so the speed model calibrates them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryKind {
    Hbm,
    Gddr,
    Lpddr,
    Ddr,
    Other,
}

impl MemoryKind {
    /// Reads `HBM2e`, `GDDR6X`, `LPDDR5X-8000 256-bit`…
    pub fn from_text(t: &str) -> MemoryKind {
        let t = t.trim().to_ascii_uppercase();
        if t.starts_with("HBM") {
            MemoryKind::Hbm
        } else if t.starts_with("GDDR") {
            MemoryKind::Gddr
        } else if t.starts_with("LPDDR") {
            MemoryKind::Lpddr
        } else if t.starts_with("DDR") {
            MemoryKind::Ddr
        } else {
            MemoryKind::Other
        }
    }
}

/// A power-limited edition (Max-Q, low-TDP, laptop) with a measured
/// factor against its full-power twin: same chip and memory, lower clocks,
/// so the spec bandwidth overstates what decode gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerLimit {
    /// The full-power edition the factor was measured against.
    pub twin: String,
    /// Decode throughput of this edition ÷ its twin's on the same model.
    pub decode_factor: f64,
    /// The twin's dense FP16 FLOP/s (filled by the catalog): the speed model
    /// runs the edition as its twin slowed by `decode_factor` throughout, and
    /// the edition's own spec FLOP/s (a boost clock it does not sustain under
    /// the cap) would count the lower clocks twice.
    #[serde(default)]
    pub twin_fp16_flops: Option<f64>,
}

/// One accelerator (or unified-memory system) in one memory configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub kind: DeviceKind,
    /// Family used to group calibration and validation (`nvidia-ampere`,
    /// `apple-m3`, `amd-rdna3`…).
    pub family: String,
    /// Memory in bytes. A "24 GB" card or a "128 GB" Mac holds 24 / 128 GiB
    /// (2^30 B): memory chips come in binary sizes, whatever the box says.
    pub memory_bytes: u64,
    /// Peak memory bandwidth in bytes/s.
    pub bandwidth_bytes_per_s: f64,
    /// Dense FP16/BF16 tensor throughput in FLOP/s (what prefill GEMMs use).
    pub fp16_flops: f64,
    /// Vector (non-tensor) FP32 FLOP/s: the shader ALUs that llama.cpp's
    /// decode attention kernels run on. `None`: unknown (use [`Device::vector_flops`]).
    #[serde(default)]
    pub fp32_flops: Option<f64>,
    /// Dense FP8 throughput, if supported in hardware.
    pub fp8_flops: Option<f64>,
    /// Dense FP4 throughput, if supported in hardware.
    pub fp4_flops: Option<f64>,
    /// Board power in watts.
    pub tdp_w: Option<f64>,
    pub pcie_gen: Option<u32>,
    pub pcie_lanes: Option<u32>,
    /// NVLink bandwidth per direction in bytes/s, when the part has NVLink.
    pub nvlink_bytes_per_s: Option<f64>,
    /// Cooling design (blower, open-air, passive, system).
    pub cooling: Option<String>,
    /// PCIe slots a card occupies (0 = module/system).
    pub slot_width: Option<f64>,
    pub launch_msrp_usd: Option<f64>,
    /// HBM, GDDR, LPDDR… (`None` when the data does not say).
    #[serde(default)]
    pub memory_kind: Option<MemoryKind>,
    /// Power-limited edition: its measured factor against the full-power twin.
    #[serde(default)]
    pub power_limit: Option<PowerLimit>,
}

impl Device {
    /// The chip's maker as one lowercase word (`nvidia`, `amd`, `apple`,
    /// `intel`): what engines, compatibility rules and the calibration key
    /// on. The family names the silicon (`nvidia-gb10`); the vendor field
    /// names who sells the box and may be an OEM list ("various" for the
    /// GB10 partner systems, "AMD / Framework"), so it is the fallback only.
    pub fn vendor_key(&self) -> String {
        const CHIP_MAKERS: [&str; 5] = ["nvidia", "amd", "apple", "intel", "tenstorrent"];
        let prefix = self.family.split('-').next().unwrap_or_default();
        if CHIP_MAKERS.contains(&prefix) {
            return prefix.to_string();
        }
        self.vendor
            .split_whitespace()
            .next()
            .unwrap_or("other")
            .to_ascii_lowercase()
    }

    /// Bandwidth decode can use: the spec figure, times the measured
    /// factor of a power-limited edition.
    pub fn effective_bandwidth_bytes_per_s(&self) -> f64 {
        self.bandwidth_bytes_per_s * self.power_limit.as_ref().map_or(1.0, |p| p.decode_factor)
    }

    /// The vector FP32 rate, else the FP16 tensor rate (the only rate known).
    pub fn vector_flops(&self) -> f64 {
        self.fp32_flops.unwrap_or(self.fp16_flops)
    }

    /// Memory the accelerator may use for the model, before engine overhead.
    ///
    /// On Apple silicon the GPU may wire only a share of RAM by default;
    /// `wired_limit_bytes` overrides it (`sysctl iogpu.wired_limit_mb`).
    pub fn usable_memory_bytes(&self, wired_limit_bytes: Option<u64>) -> u64 {
        match self.kind {
            DeviceKind::AppleSoc => wired_limit_bytes
                .map(|w| w.min(self.memory_bytes))
                .unwrap_or_else(|| apple_default_wired_limit(self.memory_bytes)),
            _ => self.memory_bytes,
        }
    }
}

/// macOS' default GPU wired-memory limit: two thirds of RAM up to 36 GB,
/// three quarters above (Apple's `recommendedMaxWorkingSetSize`, as quoted
/// by llama.cpp's Metal backend log and the MLX docs).
pub fn apple_default_wired_limit(ram_bytes: u64) -> u64 {
    if ram_bytes <= 36u64 << 30 {
        ram_bytes / 3 * 2
    } else {
        ram_bytes / 4 * 3
    }
}

/// A set of identical devices used together (`--hw rtx-3090:2`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceSet {
    pub device: Device,
    pub count: u32,
}

impl DeviceSet {
    pub fn total_memory_bytes(&self) -> u64 {
        self.device.memory_bytes * self.count as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_kinds_read_the_data_text() {
        assert_eq!(MemoryKind::from_text("HBM2e"), MemoryKind::Hbm);
        assert_eq!(MemoryKind::from_text("GDDR6X"), MemoryKind::Gddr);
        assert_eq!(
            MemoryKind::from_text("LPDDR5X-8000 256-bit (soldered)"),
            MemoryKind::Lpddr
        );
        assert_eq!(MemoryKind::from_text("unified"), MemoryKind::Other);
    }

    #[test]
    fn apple_wired_limit_defaults() {
        let gib = 1u64 << 30;
        assert_eq!(apple_default_wired_limit(24 * gib), 16 * gib);
        assert_eq!(apple_default_wired_limit(128 * gib), 96 * gib);
        assert_eq!(apple_default_wired_limit(512 * gib), 384 * gib);
    }
}
