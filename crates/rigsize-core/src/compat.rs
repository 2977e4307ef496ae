//! Which engine runs on which hardware with which quantization, as data
//! (`data/engine-compat.toml`): a rule either refuses a combination (vLLM on
//! a Mac, MLX on a GeForce card, TensorRT-LLM FP8 on Ampere) or warns about
//! it with a date (NVFP4 emulated before Blackwell, an open engine bug).
//! Every rule carries its source; nothing here names a device or engine in
//! code.

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::hardware::DeviceKind;

/// What a matching rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// The combination does not run: a fit blocker.
    Refuse,
    /// It runs with a caveat (emulation, an open bug): a dated warning.
    Warn,
}

/// One rule. Every condition given must hold; an empty list matches all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub effect: Effect,
    #[serde(default)]
    pub engines: Vec<Engine>,
    /// Quantization names as `--quant` prints them (`fp8`, `nvfp4`, `q4_k_m`).
    #[serde(default)]
    pub quants: Vec<String>,
    #[serde(default)]
    pub vendors: Vec<String>,
    /// Matches devices whose vendor is none of these.
    #[serde(default)]
    pub not_vendors: Vec<String>,
    #[serde(default)]
    pub kinds: Vec<DeviceKind>,
    /// Matches devices whose kind is none of these.
    #[serde(default)]
    pub not_kinds: Vec<DeviceKind>,
    /// NVIDIA compute capability (SM version) below this; devices without
    /// a known capability never match.
    #[serde(default)]
    pub compute_capability_below: Option<f64>,
    /// NVIDIA compute capability at least this.
    #[serde(default)]
    pub compute_capability_at_least: Option<f64>,
    /// Model architecture families (`gpt_oss`, `qwen3_next`…).
    #[serde(default)]
    pub model_families: Vec<String>,
    /// Device families (data/hardware.toml `family`) and device ids: with
    /// either given, a device matches when it is in one of them. Support
    /// that follows the chip's ISA (an engine's ROCm build lists gfx
    /// targets) splits families: the MI100 is CDNA as the MI210 is.
    #[serde(default)]
    pub hardware_families: Vec<String>,
    #[serde(default)]
    pub devices: Vec<String>,
    /// What the user is told.
    pub message: String,
    /// The date the fact was last checked (`YYYY-MM-DD`): warnings about
    /// open bugs age, so they say as of when.
    pub as_of: String,
    pub source: String,
}

/// NVIDIA compute capability of a device family, or of the chips of a
/// family named in the device's `arch` text (Blackwell: GB100 10.0, GB20x 12.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capability {
    pub family: String,
    /// Chip codes that, found in the device's `arch`, select this entry
    /// over the family's default (the entry without chips).
    #[serde(default)]
    pub chips: Vec<String>,
    pub compute_capability: f64,
    pub source: String,
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompatData {
    #[serde(default, rename = "capability")]
    pub capabilities: Vec<Capability>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

/// The facts one check is about.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub engine: Engine,
    pub quant: &'a str,
    pub vendor: &'a str,
    pub kind: DeviceKind,
    pub family: &'a str,
    /// The device id (data/hardware.toml `id`).
    pub device: &'a str,
    pub arch: Option<&'a str>,
    pub model_family: &'a str,
}

/// A rule that matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub effect: Effect,
    pub message: String,
    pub as_of: String,
    pub source: String,
}

impl CompatData {
    /// The compute capability of a device, `None` when not NVIDIA or unknown.
    pub fn compute_capability(&self, family: &str, arch: Option<&str>) -> Option<f64> {
        let of_family = || self.capabilities.iter().filter(|c| c.family == family);
        let arch = arch.unwrap_or("").to_ascii_uppercase();
        of_family()
            .find(|c| {
                c.chips
                    .iter()
                    .any(|chip| arch.contains(&chip.to_ascii_uppercase()))
            })
            .or_else(|| of_family().find(|c| c.chips.is_empty()))
            .map(|c| c.compute_capability)
    }

    /// Every rule that matches `s`, in file order.
    pub fn check(&self, s: &Subject) -> Vec<Finding> {
        let cc = self.compute_capability(s.family, s.arch);
        self.rules
            .iter()
            .filter(|r| r.matches(s, cc))
            .map(|r| Finding {
                rule: r.id.clone(),
                effect: r.effect,
                message: r.message.clone(),
                as_of: r.as_of.clone(),
                source: r.source.clone(),
            })
            .collect()
    }

    /// Checks the file's own consistency: ids unique, sources present,
    /// dates well formed, capability families known to at least one rule
    /// or device (checked by the catalog).
    pub fn validate(&self) -> Result<(), String> {
        let mut ids = std::collections::HashSet::new();
        for r in &self.rules {
            if !ids.insert(&r.id) {
                return Err(format!("rule '{}' appears twice", r.id));
            }
            if r.source.trim().is_empty() || r.message.trim().is_empty() {
                return Err(format!("rule '{}' needs a message and a source", r.id));
            }
            let d = r.as_of.as_bytes();
            let date_ok = d.len() == 10
                && d[4] == b'-'
                && d[7] == b'-'
                && d.iter()
                    .enumerate()
                    .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
            if !date_ok {
                return Err(format!(
                    "rule '{}': as_of '{}' is not YYYY-MM-DD",
                    r.id, r.as_of
                ));
            }
        }
        for c in &self.capabilities {
            if c.source.trim().is_empty()
                || !c.compute_capability.is_finite()
                || c.compute_capability <= 0.0
            {
                return Err(format!(
                    "capability of '{}' needs a positive value and a source",
                    c.family
                ));
            }
        }
        Ok(())
    }
}

impl Rule {
    fn matches(&self, s: &Subject, cc: Option<f64>) -> bool {
        let any = |list: &[String], v: &str| list.iter().any(|x| x.eq_ignore_ascii_case(v));
        (self.engines.is_empty() || self.engines.contains(&s.engine))
            && (self.quants.is_empty() || any(&self.quants, s.quant))
            && (self.vendors.is_empty() || any(&self.vendors, s.vendor))
            && !any(&self.not_vendors, s.vendor)
            && (self.kinds.is_empty() || self.kinds.contains(&s.kind))
            && !self.not_kinds.contains(&s.kind)
            && (self.model_families.is_empty() || any(&self.model_families, s.model_family))
            && ((self.hardware_families.is_empty() && self.devices.is_empty())
                || any(&self.hardware_families, s.family)
                || any(&self.devices, s.device))
            && self
                .compute_capability_below
                .is_none_or(|lim| cc.is_some_and(|c| c < lim))
            && self
                .compute_capability_at_least
                .is_none_or(|lim| cc.is_some_and(|c| c >= lim))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> CompatData {
        CompatData {
            capabilities: vec![
                Capability {
                    family: "nvidia-blackwell".into(),
                    chips: vec![],
                    compute_capability: 12.0,
                    source: "s".into(),
                },
                Capability {
                    family: "nvidia-blackwell".into(),
                    chips: vec!["GB100".into()],
                    compute_capability: 10.0,
                    source: "s".into(),
                },
            ],
            rules: vec![Rule {
                id: "r".into(),
                effect: Effect::Warn,
                engines: vec![Engine::Vllm],
                quants: vec!["nvfp4".into()],
                vendors: vec![],
                not_vendors: vec![],
                kinds: vec![],
                not_kinds: vec![DeviceKind::AppleSoc],
                compute_capability_below: None,
                compute_capability_at_least: Some(12.0),
                model_families: vec![],
                hardware_families: vec![],
                devices: vec![],
                message: "m".into(),
                as_of: "2026-09-08".into(),
                source: "s".into(),
            }],
        }
    }

    fn subject<'a>(arch: Option<&'a str>, quant: &'a str) -> Subject<'a> {
        Subject {
            engine: Engine::Vllm,
            quant,
            vendor: "NVIDIA",
            kind: DeviceKind::Gpu,
            family: "nvidia-blackwell",
            device: "rtx-5090",
            arch,
            model_family: "llama",
        }
    }

    #[test]
    fn chips_in_the_arch_select_their_capability() {
        let d = data();
        assert_eq!(
            d.compute_capability("nvidia-blackwell", Some("Blackwell GB202")),
            Some(12.0)
        );
        assert_eq!(
            d.compute_capability("nvidia-blackwell", Some("Blackwell GB100 (2 dies)")),
            Some(10.0)
        );
        assert_eq!(d.compute_capability("nvidia-blackwell", None), Some(12.0));
        assert_eq!(d.compute_capability("amd-cdna", None), None);
    }

    #[test]
    fn every_condition_must_hold() {
        let d = data();
        assert_eq!(d.check(&subject(Some("GB202"), "nvfp4")).len(), 1);
        // B200 is SM 10.0: below the rule's 12.0.
        assert!(d.check(&subject(Some("GB100"), "nvfp4")).is_empty());
        assert!(d.check(&subject(Some("GB202"), "fp8")).is_empty());
        let mut s = subject(Some("GB202"), "nvfp4");
        s.kind = DeviceKind::AppleSoc;
        assert!(d.check(&s).is_empty());
        assert!(d.validate().is_ok());
        // A device list or a family list: either admits the device.
        let mut by_device = d.clone();
        by_device.rules[0].devices = vec!["rtx-pro-6000-ws".into()];
        assert!(by_device.check(&subject(Some("GB202"), "nvfp4")).is_empty());
        by_device.rules[0].hardware_families = vec!["nvidia-blackwell".into()];
        assert_eq!(by_device.check(&subject(Some("GB202"), "nvfp4")).len(), 1);
        by_device.rules[0].hardware_families.clear();
        by_device.rules[0].devices.push("rtx-5090".into());
        assert_eq!(by_device.check(&subject(Some("GB202"), "nvfp4")).len(), 1);
        let mut bad = d.clone();
        bad.rules[0].as_of = "Sept 2026".into();
        assert!(bad.validate().unwrap_err().contains("YYYY-MM-DD"));
    }
}
