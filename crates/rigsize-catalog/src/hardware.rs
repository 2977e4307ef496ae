//! `data/hardware.toml`: GPUs and unified-memory systems.
//! (Minimal loader; the full schema lands with the hardware catalog.)

use rigsize_core::hardware::{Device, DeviceKind};
use serde::{Deserialize, Serialize};

use crate::error::CatalogError;

/// A device as the catalog knows it, with provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HardwareRecord {
    pub device: Device,
    pub aliases: Vec<String>,
    /// Memory configurations the item is sold in, bytes; `device.memory_bytes`
    /// is the largest.
    pub memory_configs_bytes: Vec<u64>,
    /// For family ids (`m2-ultra`, `rtx-pro-6000`): the concrete ids it may mean.
    pub candidates: Vec<String>,
    pub source: String,
    pub verified: bool,
    pub unverified_fields: Vec<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
struct HardwareFile {
    #[serde(default)]
    device: Vec<DeviceToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceToml {
    id: String,
    name: String,
    vendor: String,
    kind: DeviceKind,
    family: String,
    memory_gib: f64,
    bandwidth_gbs: f64,
    fp16_tflops: f64,
    source: String,
    verified: bool,
}

pub fn parse_hardware(text: &str, file: &str) -> Result<Vec<HardwareRecord>, CatalogError> {
    let parsed: HardwareFile =
        toml::from_str(text).map_err(|e| CatalogError::from_toml(file, text, &e))?;
    Ok(parsed
        .device
        .into_iter()
        .map(|d| {
            let mem = (d.memory_gib * (1u64 << 30) as f64) as u64;
            HardwareRecord {
                device: Device {
                    id: d.id,
                    name: d.name,
                    vendor: d.vendor,
                    kind: d.kind,
                    family: d.family,
                    memory_bytes: mem,
                    bandwidth_bytes_per_s: d.bandwidth_gbs * 1e9,
                    fp16_flops: d.fp16_tflops * 1e12,
                    fp8_flops: None,
                    fp4_flops: None,
                    tdp_w: None,
                    pcie_gen: None,
                    pcie_lanes: None,
                    nvlink_bytes_per_s: None,
                    cooling: None,
                    slot_width: None,
                    launch_msrp_usd: None,
                },
                aliases: vec![],
                memory_configs_bytes: vec![mem],
                candidates: vec![],
                source: d.source,
                verified: d.verified,
                unverified_fields: vec![],
                notes: None,
            }
        })
        .collect())
}
