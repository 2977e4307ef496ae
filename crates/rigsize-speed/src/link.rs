//! How a model is spread over several devices and the link between them.

use serde::{Deserialize, Serialize};

use rigsize_core::hardware::{DeviceKind, DeviceSet};

use crate::error::SpeedError;

/// How a model is spread over several devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Devices hold consecutive layers and run one after the other
    /// (llama.cpp `-sm layer`, pipeline parallel, exo ring).
    Layer,
    /// Every device holds a slice of every matrix and they run at once,
    /// with two all-reduces per layer (vLLM/SGLang TP, llama.cpp `-sm tensor`, MLX distributed).
    Tensor,
}

impl Split {
    pub fn parse(s: &str) -> Result<Split, SpeedError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "layer" | "pipeline" | "pp" | "row" => Ok(Split::Layer),
            "tensor" | "tp" | "tensor-parallel" => Ok(Split::Tensor),
            other => Err(SpeedError::Invalid(format!(
                "split '{other}' is not one of: layer, tensor"
            ))),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Split::Layer => "layer",
            Split::Tensor => "tensor",
        }
    }
}

/// The link between devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Link {
    Pcie4,
    Pcie5,
    Nvlink,
    /// Thunderbolt 5 between Macs over TCP (MLX ring / exo).
    Tb5,
    /// Thunderbolt 5 with RDMA (macOS 26.2+, MLX JACCL backend).
    Tb5Rdma,
    /// NVIDIA ConnectX-7 200 GbE (RoCE), the direct link between two DGX Spark / GB10 boxes.
    Cx7,
}

impl Link {
    pub const ALL: [Link; 6] = [
        Link::Pcie4,
        Link::Pcie5,
        Link::Nvlink,
        Link::Tb5,
        Link::Tb5Rdma,
        Link::Cx7,
    ];

    pub fn parse(s: &str) -> Result<Link, SpeedError> {
        let key = s.trim().to_ascii_lowercase().replace('_', "-");
        Link::ALL
            .iter()
            .copied()
            .find(|l| l.name() == key)
            .ok_or_else(|| {
                SpeedError::Invalid(format!(
                    "link '{s}' is not one of: pcie4, pcie5, nvlink, tb5, tb5-rdma, cx7"
                ))
            })
    }

    pub fn name(self) -> &'static str {
        match self {
            Link::Pcie4 => "pcie4",
            Link::Pcie5 => "pcie5",
            Link::Nvlink => "nvlink",
            Link::Tb5 => "tb5",
            Link::Tb5Rdma => "tb5-rdma",
            Link::Cx7 => "cx7",
        }
    }

    /// The link in words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Link::Pcie4 => "PCIe 4.0 x16",
            Link::Pcie5 => "PCIe 5.0 x16",
            Link::Nvlink => "NVLink",
            Link::Tb5 => "Thunderbolt 5 (80 Gb/s, TCP)",
            Link::Tb5Rdma => "Thunderbolt 5 (80 Gb/s) with RDMA",
            Link::Cx7 => "ConnectX-7 200 GbE",
        }
    }

    /// Usable bandwidth per direction (bytes/s) and the latency of one
    /// small collective (s). Not fitted (dev.csv has too few multi-device
    /// rows): PCIe 4/5 x16 at ~80 % of 32/64 GB/s with ~10 µs per
    /// NCCL all-reduce of a few KiB; NVLink from the device record (else
    /// 100 GB/s) at ~5 µs; Thunderbolt 5 (80 Gb/s) at ~8 GB/s with ~60 µs per
    /// TCP ring step, ~10 µs with RDMA; ConnectX-7 200 GbE at ~80 % of 25 GB/s with
    /// ~10 µs per RoCE (NCCL) step, as PCIe 4 x16 — the DGX Spark pair was planned with
    /// that class of link before the link had its own name.
    pub fn characteristics(self, set: &DeviceSet) -> (f64, f64) {
        match self {
            Link::Pcie4 => (25e9, 10e-6),
            Link::Pcie5 => (50e9, 8e-6),
            Link::Nvlink => (set.device.nvlink_bytes_per_s.unwrap_or(100e9), 5e-6),
            Link::Tb5 => (8e9, 60e-6),
            Link::Tb5Rdma => (9e9, 10e-6),
            Link::Cx7 => (20e9, 10e-6),
        }
    }

    /// The link a device set uses when the user names none.
    pub fn default_for(set: &DeviceSet) -> Link {
        if set.device.kind == DeviceKind::AppleSoc {
            Link::Tb5
        } else if set.device.nvlink_bytes_per_s.unwrap_or(0.0) > 0.0 {
            Link::Nvlink
        } else {
            Link::pcie_for(set)
        }
    }

    /// The PCIe generation the cards speak (a PC build without an NVLink bridge).
    pub fn pcie_for(set: &DeviceSet) -> Link {
        if set.device.pcie_gen.unwrap_or(4) >= 5 {
            Link::Pcie5
        } else {
            Link::Pcie4
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_names_round_trip() {
        for l in Link::ALL {
            assert_eq!(Link::parse(l.name()).unwrap(), l);
        }
        assert!(Link::parse("infiniband").is_err());
        assert_eq!(Split::parse("tensor").unwrap(), Split::Tensor);
    }
}
