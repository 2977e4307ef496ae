//! Calibration: the few measured efficiencies the physical model divides
//! by, read from `data/speed-calibration.toml`. They are factorised:
//! hardware terms (global → class → chip tier → family within the tier),
//! fitted on every engine's rows, times one factor per engine relative to
//! llama.cpp (the reference engine), fitted only where that engine and
//! llama.cpp were measured on the same hardware family.

use serde::{Deserialize, Serialize};

use rigsize_core::engine::{Backend, Engine};
use rigsize_core::hardware::{Device, DeviceKind, MemoryKind};

pub use crate::engine_factor::{apply_factor, EngineFactor, IDENTITY_FACTOR};
use crate::error::SpeedError;
use crate::model::Params;
use crate::provenance::Provenance;

/// The shipped calibration file.
pub const CALIBRATION_TOML: &str = include_str!("../../../data/speed-calibration.toml");

/// The engine the hardware terms describe; other engines carry factors
/// relative to it.
pub const REFERENCE_ENGINE: &str = "llama.cpp";

/// Rows with a stated build a hardware class needs before its own build
/// range is quoted instead of the engine's overall one.
pub const MIN_BUILD_ROWS: usize = 5;

/// No engine streams memory faster than this share of the spec sheet; an
/// engine factor times a hardware efficiency is capped here.
pub const MAX_MEM_EFF: f64 = 0.95;

/// Values used where the calibration names nothing (and as the starting
/// point of a fit): typical figures, not fitted.
pub const DEFAULT_PARAMS: Params = Params {
    mem_eff: 0.75,
    layer_overhead_s: 10e-6,
    decode_util: 0.2,
    prefill_util: 0.4,
    attn_rel: 0.5,
    decode_attn_util: 0.2,
    moe_prefill_half_tokens: 0.0,
    stream_overhead_s: 0.0,
    moe_overhead_s: 0.0,
    launch_overhead_s: 0.0,
    batch_overhead_s: 0.0,
    request_latency_s: 0.0,
    moe_route_overlap: 0.0,
    light_math_saving: 0.0,
};

/// The largest share of routed-expert reads a batch may share
/// ([`Params::moe_route_overlap`]); an engine's value on top of the
/// hardware's is clamped to `0..=MAX_ROUTE_OVERLAP`.
pub const MAX_ROUTE_OVERLAP: f64 = 0.95;

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
    /// Shrinkage strength of the engine factors towards 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_shrink_k: Option<f64>,
    /// Fitted values in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_params: Option<usize>,
    /// Error bands printed where no group band applies (the cross-validated
    /// MdAPE when available), %.
    pub decode_band_pct: f64,
    pub prefill_band_pct: f64,
    /// The fallback band of decode with several streams (absent in files
    /// written before it: the decode band stands in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batched_band_pct: Option<f64>,
}

/// Parameters of one engine × hardware group. `"*"` matches anything;
/// a field left out is inherited from the next less specific group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Group {
    pub engine: String,
    #[serde(default = "star")]
    pub class: String,
    /// Chip tier within the class (`apple-ultra`, `nvidia-hbm`, …, see
    /// [`device_tier`]); with `family` set, the family's chips of that tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decode_attn_util: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moe_prefill_half_tokens: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_overhead_us: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moe_overhead_us: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_overhead_us: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_overhead_us: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moe_route_overlap: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light_math_saving: Option<f64>,
    /// MdAPE of the group's rows under the fit, % (the printed band); for
    /// decode, of its one-stream rows where it has enough of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decode_band_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill_band_pct: Option<f64>,
    /// The same for its decode rows with several streams (the band a
    /// batched prediction prints): out of source they are off about twice
    /// as far as one stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batched_band_pct: Option<f64>,
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
    /// Engine factors relative to [`REFERENCE_ENGINE`].
    #[serde(default, rename = "engine", skip_serializing_if = "Vec::is_empty")]
    pub engines: Vec<EngineFactor>,
    /// Builds and measurement dates of the rows behind the fit, per engine
    /// and per engine × hardware class.
    #[serde(default, rename = "provenance", skip_serializing_if = "Vec::is_empty")]
    pub provenance: Vec<Provenance>,
}

/// The class a device is calibrated with when its family has too few
/// measurements: vendor, with unified-memory boxes and Macs apart.
pub fn device_class(d: &Device) -> String {
    let vendor = d.vendor_key();
    match d.kind {
        DeviceKind::AppleSoc => "apple".into(),
        DeviceKind::UnifiedBox => format!("{vendor}-unified"),
        DeviceKind::Gpu => vendor,
    }
}

/// The chip tier within a class, a hardware property shared by every
/// engine: Apple base / Pro / Max / Ultra (an Ultra is two dies joined by
/// UltraFusion and streams a lower share of its spec bandwidth), HBM vs GDDR
/// for discrete GPUs (from the hardware data's `memory_type`), and the class itself for
/// unified-memory boxes (LPDDR5x).
pub fn device_tier(d: &Device) -> String {
    let class = device_class(d);
    let id = d.id.to_ascii_lowercase();
    match d.kind {
        DeviceKind::AppleSoc => {
            let toks: Vec<&str> = id.split('-').collect();
            let chip = toks.iter().position(|t| {
                t.len() >= 2 && t.starts_with('m') && t[1..].chars().all(|c| c.is_ascii_digit())
            });
            let tier = chip
                .and_then(|i| toks.get(i + 1))
                .and_then(|t| match *t {
                    "ultra" | "max" | "pro" => Some(*t),
                    _ => None,
                })
                .unwrap_or("base");
            format!("{class}-{tier}")
        }
        DeviceKind::UnifiedBox => class,
        DeviceKind::Gpu => {
            let hbm = d.memory_kind == Some(MemoryKind::Hbm);
            format!("{class}-{}", if hbm { "hbm" } else { "gddr" })
        }
    }
}

/// Where a request's parameters come from, most specific first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupKey {
    pub engine: String,
    pub class: String,
    /// [`device_tier`].
    pub tier: String,
    pub family: String,
}

impl GroupKey {
    pub fn new(engine: Engine, device: &Device) -> GroupKey {
        GroupKey::with_backend(engine, None, device)
    }

    /// The key of `engine` run through `backend` (`None`: the vendor's own).
    pub fn with_backend(engine: Engine, backend: Option<Backend>, device: &Device) -> GroupKey {
        GroupKey {
            engine: backend_engine_key(engine, backend, &device.vendor_key()).to_string(),
            class: device_class(device),
            tier: device_tier(device),
            family: device.family.clone(),
        }
    }
}

pub use crate::engine_key::{backend_engine_key, engine_key, LLAMACPP_VULKAN};

/// Parameters resolved for one key, with where each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub params: Params,
    pub decode_band_pct: f64,
    pub prefill_band_pct: f64,
    /// The decode band of a prediction with several streams.
    pub batched_band_pct: f64,
    /// `engine/class-or-family` of the most specific group used.
    pub source: String,
}

impl Resolved {
    /// The decode band printed for `streams` decoding together: the one
    /// place that picks between the one-stream and the batched band.
    pub fn decode_band_for(&self, streams: f64) -> f64 {
        if streams > 1.0 {
            self.batched_band_pct
        } else {
            self.decode_band_pct
        }
    }
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
                if g.tier.as_ref().is_some_and(|t| *t != key.tier) {
                    return None;
                }
                let h = match (&g.family, &g.tier) {
                    (Some(f), _) if *f == key.family => 3u8,
                    (Some(_), _) => return None,
                    (None, Some(_)) => 2,
                    (None, None) if g.class == key.class => 1,
                    (None, None) if g.class == "*" => 0,
                    (None, None) => return None,
                };
                Some((if e { 4 + h } else { h }, g))
            })
            .collect();
        levels.sort_by_key(|l| std::cmp::Reverse(l.0));
        levels.into_iter().map(|(_, g)| g).collect()
    }

    /// The builds and dates behind predictions for `engine` on `class`: the
    /// engine's rows on that class where at least [`MIN_BUILD_ROWS`] of them
    /// state their build, else all of the engine's rows.
    pub fn provenance_for(&self, engine: &str, class: &str) -> Option<&Provenance> {
        let of = |c: &str| {
            self.provenance
                .iter()
                .find(|p| p.engine == engine && p.class == c)
        };
        of(class)
            .filter(|p| p.rows_with_build >= MIN_BUILD_ROWS)
            .or_else(|| of("*"))
    }

    /// The factor entry of an engine other than the reference one.
    pub fn engine_factor(&self, engine: &str) -> Option<&EngineFactor> {
        if engine == REFERENCE_ENGINE {
            return None;
        }
        self.engines.iter().find(|f| f.engine == engine)
    }

    pub fn resolve(&self, key: &GroupKey) -> Resolved {
        let chain = self.chain(key);
        let hw = hardware_params(&chain);
        let factor = self.engine_factor(&key.engine);
        let params = match factor {
            Some(f) => apply_factor(&hw, &f.as_params()),
            None => hw,
        };
        let hw_label = chain_label(&chain);
        let source = match factor {
            Some(_) => format!("{hw_label} × {}", key.engine),
            None => hw_label,
        };
        let (decode_band_pct, prefill_band_pct) = self.bands(key, &chain, factor);
        let batched_band_pct = self.batched_band(key, &chain, factor, decode_band_pct);
        Resolved {
            params,
            decode_band_pct,
            prefill_band_pct,
            batched_band_pct,
            source,
        }
    }

    /// The (decode, prefill) error bands printed for `key`: the engine's
    /// own where it has a factor entry; the hardware chain's for the
    /// reference engine; the overall one for an engine never measured next
    /// to the reference engine.
    fn bands(&self, key: &GroupKey, chain: &[&Group], factor: Option<&EngineFactor>) -> (f64, f64) {
        let hw_band = |f: &dyn Fn(&Group) -> Option<f64>, overall: f64| {
            if key.engine == REFERENCE_ENGINE || chain.iter().any(|g| g.engine == key.engine) {
                inherited(chain, f, overall)
            } else {
                overall
            }
        };
        match factor {
            Some(f) => (
                f.decode_band_pct.unwrap_or(self.meta.decode_band_pct),
                f.prefill_band_pct.unwrap_or(self.meta.prefill_band_pct),
            ),
            None => (
                hw_band(&|g| g.decode_band_pct, self.meta.decode_band_pct),
                hw_band(&|g| g.prefill_band_pct, self.meta.prefill_band_pct),
            ),
        }
    }
}

impl Calibration {
    /// The decode band printed for several streams: as [`Calibration::bands`]
    /// picks the decode band, from the batched rows; where those are too few
    /// along the way, the file's batched band, never below `decode`.
    fn batched_band(
        &self,
        key: &GroupKey,
        chain: &[&Group],
        factor: Option<&EngineFactor>,
        decode: f64,
    ) -> f64 {
        let fallback = self.meta.batched_band_pct.unwrap_or(decode).max(decode);
        match factor {
            Some(f) => f.batched_band_pct.unwrap_or(fallback),
            None if key.engine == REFERENCE_ENGINE
                || chain.iter().any(|g| g.engine == key.engine) =>
            {
                inherited(chain, &|g| g.batched_band_pct, fallback)
            }
            None => fallback,
        }
    }
}

/// The first value `f` finds along `chain` (most specific group first),
/// else `default`: how a group inherits what it leaves out.
fn inherited(chain: &[&Group], f: &dyn Fn(&Group) -> Option<f64>, default: f64) -> f64 {
    chain.iter().find_map(|g| f(g)).unwrap_or(default)
}

/// The hardware terms of a chain of groups: each parameter from the most
/// specific group that sets it, else [`DEFAULT_PARAMS`] (the file stores
/// overheads in µs).
fn hardware_params(chain: &[&Group]) -> Params {
    let pick = |f: &dyn Fn(&Group) -> Option<f64>, default: f64| inherited(chain, f, default);
    let d = DEFAULT_PARAMS;
    Params {
        mem_eff: pick(&|g| g.mem_eff, d.mem_eff),
        layer_overhead_s: pick(
            &|g| g.layer_overhead_us.map(|u| u * 1e-6),
            d.layer_overhead_s,
        ),
        decode_util: pick(&|g| g.decode_util, d.decode_util),
        prefill_util: pick(&|g| g.prefill_util, d.prefill_util),
        attn_rel: pick(&|g| g.attn_rel, d.attn_rel),
        decode_attn_util: pick(&|g| g.decode_attn_util, d.decode_attn_util),
        moe_prefill_half_tokens: pick(&|g| g.moe_prefill_half_tokens, d.moe_prefill_half_tokens),
        stream_overhead_s: pick(
            &|g| g.stream_overhead_us.map(|u| u * 1e-6),
            d.stream_overhead_s,
        ),
        moe_overhead_s: pick(&|g| g.moe_overhead_us.map(|u| u * 1e-6), d.moe_overhead_s),
        launch_overhead_s: pick(
            &|g| g.launch_overhead_us.map(|u| u * 1e-6),
            d.launch_overhead_s,
        ),
        batch_overhead_s: pick(
            &|g| g.batch_overhead_us.map(|u| u * 1e-6),
            d.batch_overhead_s,
        ),
        request_latency_s: d.request_latency_s,
        moe_route_overlap: pick(&|g| g.moe_route_overlap, d.moe_route_overlap),
        light_math_saving: pick(&|g| g.light_math_saving, d.light_math_saving),
    }
}

/// The most specific group's name (`engine/class/tier/family`, the engine
/// left out for hardware groups), quoted as the prediction's calibration
/// group; `defaults` when no group matches.
fn chain_label(chain: &[&Group]) -> String {
    chain
        .first()
        .map(|g| {
            let mut parts = vec![g.class.clone()];
            parts.extend(g.tier.clone());
            parts.extend(g.family.clone());
            if g.engine == "*" {
                parts.join("/")
            } else {
                format!("{}/{}", g.engine, parts.join("/"))
            }
        })
        .unwrap_or_else(|| "defaults".into())
}

#[cfg(test)]
#[path = "calib_tests.rs"]
mod tests;
