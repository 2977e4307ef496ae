//! Calibration: the few measured efficiencies the physical model divides
//! by, per engine and hardware class/family, read from
//! `data/speed-calibration.toml`.

use serde::{Deserialize, Serialize};

use rigsize_core::engine::Engine;
use rigsize_core::hardware::{Device, DeviceKind};

use crate::error::SpeedError;
use crate::model::Params;

/// The shipped calibration file.
pub const CALIBRATION_TOML: &str = include_str!("../../../data/speed-calibration.toml");

/// Values used where the calibration names nothing (and as the starting
/// point of a fit): typical figures, not fitted.
pub const DEFAULT_PARAMS: Params = Params {
    mem_eff: 0.75,
    layer_overhead_s: 10e-6,
    decode_util: 0.2,
    prefill_util: 0.4,
    attn_rel: 0.5,
};

/// How the fit went, written at the top of the calibration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Meta {
    /// Date of the fit (YYYY-MM-DD).
    pub fitted: String,
    /// The command that regenerates the file.
    pub command: String,
    /// What it was fitted on.
    pub data: String,
    pub rows: usize,
    /// Median absolute percentage errors of the fit on its own data, %.
    pub decode_mdape_pct: f64,
    pub decode_n: usize,
    pub prefill_mdape_pct: f64,
    pub prefill_n: usize,
    /// Leave-one-source-out cross-validated MdAPE, %.
    #[serde(default)]
    pub cv_decode_mdape_pct: Option<f64>,
    #[serde(default)]
    pub cv_prefill_mdape_pct: Option<f64>,
    /// Leave-one-source-out restricted to rows whose engine × hardware class
    /// other sources also measure (known hardware, new source), %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv_known_class_decode_mdape_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv_known_class_prefill_mdape_pct: Option<f64>,
    /// Random 5-fold over rows, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv_kfold5_decode_mdape_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv_kfold5_prefill_mdape_pct: Option<f64>,
    /// Shrinkage strength: a group's own fit weighs n/(n+k) against its
    /// parent's value, n its independent measurement setups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrink_k: Option<f64>,
    /// Fitted values in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_params: Option<usize>,
    /// Error bands printed where no group band applies (the cross-validated
    /// MdAPE when available), %.
    pub decode_band_pct: f64,
    pub prefill_band_pct: f64,
}

/// Parameters of one engine × hardware group. `"*"` matches anything;
/// a field left out is inherited from the next less specific group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Group {
    pub engine: String,
    #[serde(default = "star")]
    pub class: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_eff: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_overhead_us: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decode_util: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill_util: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attn_rel: Option<f64>,
    /// MdAPE of the group's rows under the fit, % (the printed band).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decode_band_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill_band_pct: Option<f64>,
    #[serde(default)]
    pub n_decode: usize,
    #[serde(default)]
    pub n_prefill: usize,
}

fn star() -> String {
    "*".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Calibration {
    pub meta: Meta,
    #[serde(default, rename = "group")]
    pub groups: Vec<Group>,
}

/// The class a device is calibrated with when its family has too few
/// measurements: vendor, with unified-memory boxes and Macs apart.
pub fn device_class(d: &Device) -> String {
    let vendor = d
        .vendor
        .split_whitespace()
        .next()
        .unwrap_or("other")
        .to_ascii_lowercase();
    match d.kind {
        DeviceKind::AppleSoc => "apple".into(),
        DeviceKind::UnifiedBox => format!("{vendor}-unified"),
        DeviceKind::Gpu => vendor,
    }
}

/// Where a request's parameters come from, most specific first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupKey {
    pub engine: String,
    pub class: String,
    pub family: String,
}

impl GroupKey {
    pub fn new(engine: Engine, device: &Device) -> GroupKey {
        GroupKey {
            engine: engine_key(engine).to_string(),
            class: device_class(device),
            family: device.family.clone(),
        }
    }
}

/// Engines that share kernels share parameters: ollama is llama.cpp.
pub fn engine_key(engine: Engine) -> &'static str {
    match engine {
        Engine::Ollama => "llama.cpp",
        other => other.name(),
    }
}

/// Parameters resolved for one key, with where each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub params: Params,
    pub decode_band_pct: f64,
    pub prefill_band_pct: f64,
    /// `engine/class-or-family` of the most specific group used.
    pub source: String,
}

impl Calibration {
    /// The shipped calibration.
    pub fn builtin() -> Result<Calibration, SpeedError> {
        Calibration::from_toml(CALIBRATION_TOML)
    }

    pub fn from_toml(text: &str) -> Result<Calibration, SpeedError> {
        toml::from_str(text).map_err(|e| SpeedError::Calibration(e.to_string()))
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Groups matching `key`, most specific first.
    fn chain<'a>(&'a self, key: &GroupKey) -> Vec<&'a Group> {
        let mut levels: Vec<(u8, &Group)> = self
            .groups
            .iter()
            .filter_map(|g| {
                let e = if g.engine == key.engine {
                    Some(true)
                } else if g.engine == "*" {
                    Some(false)
                } else {
                    None
                }?;
                let h = match &g.family {
                    Some(f) if *f == key.family => 2u8,
                    Some(_) => return None,
                    None if g.class == key.class => 1,
                    None if g.class == "*" => 0,
                    None => return None,
                };
                Some((if e { 3 + h } else { h }, g))
            })
            .collect();
        levels.sort_by_key(|l| std::cmp::Reverse(l.0));
        levels.into_iter().map(|(_, g)| g).collect()
    }

    pub fn resolve(&self, key: &GroupKey) -> Resolved {
        let chain = self.chain(key);
        let pick = |f: &dyn Fn(&Group) -> Option<f64>, default: f64| {
            chain.iter().find_map(|g| f(g)).unwrap_or(default)
        };
        let d = DEFAULT_PARAMS;
        let params = Params {
            mem_eff: pick(&|g| g.mem_eff, d.mem_eff),
            layer_overhead_s: pick(
                &|g| g.layer_overhead_us.map(|u| u * 1e-6),
                d.layer_overhead_s,
            ),
            decode_util: pick(&|g| g.decode_util, d.decode_util),
            prefill_util: pick(&|g| g.prefill_util, d.prefill_util),
            attn_rel: pick(&|g| g.attn_rel, d.attn_rel),
        };
        let source = chain
            .first()
            .map(|g| {
                format!(
                    "{}/{}",
                    g.engine,
                    g.family.clone().unwrap_or_else(|| g.class.clone())
                )
            })
            .unwrap_or_else(|| "defaults".into());
        Resolved {
            params,
            decode_band_pct: pick(&|g| g.decode_band_pct, self.meta.decode_band_pct),
            prefill_band_pct: pick(&|g| g.prefill_band_pct, self.meta.prefill_band_pct),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_calibration_parses() {
        let c = Calibration::builtin().unwrap();
        assert!(!c.groups.is_empty());
        assert!(c.meta.decode_band_pct > 0.0);
    }

    #[test]
    fn specific_groups_win_and_missing_fields_inherit() {
        let c = Calibration {
            meta: Meta {
                decode_band_pct: 20.0,
                prefill_band_pct: 30.0,
                ..Meta::default()
            },
            groups: vec![
                Group {
                    engine: "*".into(),
                    class: "*".into(),
                    mem_eff: Some(0.5),
                    layer_overhead_us: Some(1.0),
                    ..Group::default()
                },
                Group {
                    engine: "llama.cpp".into(),
                    class: "nvidia".into(),
                    mem_eff: Some(0.8),
                    ..Group::default()
                },
                Group {
                    engine: "llama.cpp".into(),
                    class: "nvidia".into(),
                    family: Some("nvidia-ampere".into()),
                    prefill_util: Some(0.3),
                    ..Group::default()
                },
            ],
        };
        let key = GroupKey {
            engine: "llama.cpp".into(),
            class: "nvidia".into(),
            family: "nvidia-ampere".into(),
        };
        let r = c.resolve(&key);
        assert_eq!(r.params.mem_eff, 0.8);
        assert_eq!(r.params.prefill_util, 0.3);
        assert!((r.params.layer_overhead_s - 1e-6).abs() < 1e-12);
        assert_eq!(r.params.attn_rel, DEFAULT_PARAMS.attn_rel);
        let other = GroupKey {
            engine: "mlx".into(),
            class: "apple".into(),
            family: "apple-m2".into(),
        };
        assert_eq!(c.resolve(&other).params.mem_eff, 0.5);
    }
}
