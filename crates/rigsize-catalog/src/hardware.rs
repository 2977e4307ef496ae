//! `data/hardware.toml`: GPUs, Apple chips and Macs, and unified-memory boxes.
//!
//! One `[[device]]` table per id. The schema, field by field (units in the names):
//!
//! | key | meaning |
//! |---|---|
//! | `id`, `name`, `vendor` | stable id (lowercase, `a-z 0-9 . -`), display name, maker |
//! | `kind` | `gpu`, `apple_soc` (Apple chips and Macs) or `unified_box` (DGX Spark, Strix Halo…) |
//! | `family` | calibration group (`nvidia-ada`, `apple-m3`, `amd-rdna4`…) |
//! | `arch`, `memory_type` | raw text, optional |
//! | `chip` | for a Mac: the chip id its compute comes from, optional |
//! | `memory_gib` | default memory; GPU sizes are binary (a "24 GB" card holds 24 GiB) |
//! | `memory_configs_gib` | every configuration sold (chosen with `ID@GB`); must contain `memory_gib`; default `[memory_gib]` |
//! | `bandwidth_gbs` | peak memory bandwidth, 10^9 B/s |
//! | `fp16_tflops` | dense FP16 tensor rate, FP16 accumulate where known (llama.cpp); Apple: estimate |
//! | `fp16_fp32acc_tflops`, `fp8_tflops`, `fp4_tflops` | dense; absent = unknown / not supported |
//! | `fp32_tflops` | vector (non-tensor) FP32 rate, optional; built-in records get it from `data/vector-flops.toml` |
//! | `tdp_w`, `pcie_gen`, `pcie_lanes`, `slot_width` (0 = module) | board facts, optional |
//! | `nvlink` (default false), `nvlink_gbs` | NVLink and its bandwidth; `nvlink_gbs` only with `nvlink = true` |
//! | `cooling` | `blower`, `open-air`, `passive` or `system` (raw text in `notes`) |
//! | `launch_date` (`YYYY[-MM[-DD]]`), `launch_msrp_usd` | optional |
//! | `candidates` | family ids (`m2-ultra`): the concrete ids it may mean, all at the same bandwidth |
//! | `aliases` | other spellings (`RTX 5090`, `5090`), matched case-insensitively |
//! | `source`, `verified`, `unverified_fields`, `notes` | provenance; `unverified_fields` names fields of this record |
//! | `[device.power_limit]` | a power-limited edition (Max-Q, low TDP, laptop): `twin` (the full-power id), `decode_factor` (measured decode tok/s ÷ the twin's on the same model, 0–1], `source` |
//!
//! A file may also hold `[[model]]` tables (a user's catalog file); they are left to the model parser.

use std::collections::HashMap;

use rigsize_core::hardware::{Device, DeviceKind, MemoryKind, PowerLimit};
use serde::{Deserialize, Serialize};

use crate::error::CatalogError;

const GIB: f64 = (1u64 << 30) as f64;

/// The most memory one device record may claim, GiB: 64× the largest
/// configuration in data/hardware.toml (768 GiB). Beyond it the record is a
/// typo, and 16 such devices would overflow the byte counts.
pub const MAX_DEVICE_MEMORY_GIB: f64 = 49_152.0;

/// A device as the catalog knows it, with provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HardwareRecord {
    pub device: Device,
    pub aliases: Vec<String>,
    /// Memory configurations the item is sold in, bytes, ascending;
    /// `device.memory_bytes` (the default) is one of them.
    pub memory_configs_bytes: Vec<u64>,
    /// For family ids (`m2-ultra`, `rtx-pro-6000`): the concrete ids it may mean.
    pub candidates: Vec<String>,
    pub source: String,
    pub verified: bool,
    pub unverified_fields: Vec<String>,
    pub notes: Option<String>,
    /// Dense FP16/BF16 tensor rate with FP32 accumulate (PyTorch, vLLM), FLOP/s;
    /// half the FP16-accumulate rate on GeForce cards.
    pub fp16_fp32acc_flops: Option<f64>,
    /// For a Mac: the chip id whose compute it uses.
    pub chip: Option<String>,
    pub arch: Option<String>,
    pub memory_type: Option<String>,
    pub launch_date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HardwareFile {
    #[serde(default)]
    device: Vec<DeviceToml>,
    /// Model records of a combined user file: parsed by `models`.
    #[serde(default, rename = "model")]
    _model: Vec<toml::Value>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Cooling {
    Blower,
    OpenAir,
    Passive,
    System,
}

impl Cooling {
    fn as_str(self) -> &'static str {
        match self {
            Cooling::Blower => "blower",
            Cooling::OpenAir => "open-air",
            Cooling::Passive => "passive",
            Cooling::System => "system",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceToml {
    id: String,
    name: String,
    vendor: String,
    kind: DeviceKind,
    family: String,
    arch: Option<String>,
    chip: Option<String>,
    memory_type: Option<String>,
    memory_gib: f64,
    memory_configs_gib: Option<Vec<f64>>,
    bandwidth_gbs: f64,
    fp16_tflops: f64,
    fp16_fp32acc_tflops: Option<f64>,
    fp8_tflops: Option<f64>,
    fp4_tflops: Option<f64>,
    /// Vector FP32 rate; the built-in records take it from data/vector-flops.toml.
    fp32_tflops: Option<f64>,
    tdp_w: Option<f64>,
    pcie_gen: Option<u32>,
    pcie_lanes: Option<u32>,
    #[serde(default)]
    nvlink: bool,
    nvlink_gbs: Option<f64>,
    cooling: Option<Cooling>,
    slot_width: Option<f64>,
    launch_date: Option<String>,
    launch_msrp_usd: Option<f64>,
    #[serde(default)]
    candidates: Vec<String>,
    #[serde(default)]
    aliases: Vec<String>,
    source: String,
    verified: bool,
    #[serde(default)]
    unverified_fields: Vec<String>,
    notes: Option<String>,
    power_limit: Option<PowerLimitToml>,
}

/// `[device.power_limit]`: a measured factor against the full-power twin.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PowerLimitToml {
    twin: String,
    decode_factor: f64,
    source: String,
}

impl DeviceToml {
    fn to_record(&self) -> HardwareRecord {
        let bytes = |gib: f64| (gib * GIB).round() as u64;
        let memory_bytes = bytes(self.memory_gib);
        let memory_configs_bytes = match &self.memory_configs_gib {
            Some(c) => c.iter().map(|&g| bytes(g)).collect(),
            None => vec![memory_bytes],
        };
        HardwareRecord {
            device: Device {
                id: self.id.clone(),
                name: self.name.clone(),
                vendor: self.vendor.clone(),
                kind: self.kind,
                family: self.family.clone(),
                memory_bytes,
                bandwidth_bytes_per_s: self.bandwidth_gbs * 1e9,
                fp16_flops: self.fp16_tflops * 1e12,
                fp32_flops: self.fp32_tflops.map(|t| t * 1e12),
                fp8_flops: self.fp8_tflops.map(|t| t * 1e12),
                fp4_flops: self.fp4_tflops.map(|t| t * 1e12),
                tdp_w: self.tdp_w,
                pcie_gen: self.pcie_gen,
                pcie_lanes: self.pcie_lanes,
                nvlink_bytes_per_s: self.nvlink_gbs.filter(|_| self.nvlink).map(|g| g * 1e9),
                cooling: self.cooling.map(|c| c.as_str().to_string()),
                slot_width: self.slot_width,
                launch_msrp_usd: self.launch_msrp_usd,
                memory_kind: self.memory_type.as_deref().map(MemoryKind::from_text),
                power_limit: self.power_limit.as_ref().map(|p| PowerLimit {
                    twin: p.twin.clone(),
                    decode_factor: p.decode_factor,
                    twin_fp16_flops: None,
                }),
            },
            aliases: self.aliases.clone(),
            memory_configs_bytes,
            candidates: self.candidates.clone(),
            source: self.source.clone(),
            verified: self.verified,
            unverified_fields: self.unverified_fields.clone(),
            notes: self.notes.clone(),
            fp16_fp32acc_flops: self.fp16_fp32acc_tflops.map(|t| t * 1e12),
            chip: self.chip.clone(),
            arch: self.arch.clone(),
            memory_type: self.memory_type.clone(),
            launch_date: self.launch_date.clone(),
        }
    }
}

/// Parses and checks the `[[device]]` records of one file.
///
/// Cross-record rules are checked within the file: ids are unique, a family
/// id's candidates and a Mac's `chip` name records of the same file, and every
/// candidate has the family's bandwidth.
pub fn parse_hardware(text: &str, file: &str) -> Result<Vec<HardwareRecord>, CatalogError> {
    let parsed: HardwareFile =
        toml::from_str(text).map_err(|e| CatalogError::from_toml(file, text, &e))?;
    let mut by_id: HashMap<&str, &DeviceToml> = HashMap::new();
    for d in &parsed.device {
        d.check()
            .map_err(|why| CatalogError::record(file, text, &d.id, why))?;
        if by_id.insert(d.id.as_str(), d).is_some() {
            return Err(CatalogError::record(
                file,
                text,
                &d.id,
                "id appears twice in this file",
            ));
        }
    }
    for d in &parsed.device {
        let err = |why: String| CatalogError::record(file, text, &d.id, why);
        for c in &d.candidates {
            let cand = by_id
                .get(c.as_str())
                .ok_or_else(|| err(format!("candidate '{c}' is not a record of {file}")))?;
            if !cand.candidates.is_empty() {
                return Err(err(format!("candidate '{c}' is itself a family id")));
            }
            if cand.bandwidth_gbs != d.bandwidth_gbs {
                return Err(err(format!(
                    "candidate '{c}' has {} GB/s, the family id {} GB/s: a family id needs one bandwidth",
                    cand.bandwidth_gbs, d.bandwidth_gbs
                )));
            }
        }
        if let Some(chip) = &d.chip {
            if !by_id.contains_key(chip.as_str()) {
                return Err(err(format!("chip '{chip}' is not a record of {file}")));
            }
        }
        if let Some(p) = &d.power_limit {
            let twin = by_id.get(p.twin.as_str()).ok_or_else(|| {
                err(format!(
                    "power_limit twin '{}' is not a record of {file}",
                    p.twin
                ))
            })?;
            if twin.power_limit.is_some() {
                return Err(err(format!(
                    "power_limit twin '{}' is itself power-limited",
                    p.twin
                )));
            }
        }
    }
    let mut records: Vec<HardwareRecord> =
        parsed.device.iter().map(DeviceToml::to_record).collect();
    let flops: HashMap<String, f64> = records
        .iter()
        .map(|r| (r.device.id.clone(), r.device.fp16_flops))
        .collect();
    for r in &mut records {
        if let Some(p) = r.device.power_limit.as_mut() {
            p.twin_fp16_flops = flops.get(&p.twin).copied();
        }
    }
    Ok(records)
}

#[path = "hardware_check.rs"]
mod check;

#[cfg(test)]
#[path = "hardware_tests.rs"]
mod tests;
