//! What `plan` answers: [`PlanReport`], the same for the CLI (`--json`), the
//! web server and the renderers.

use serde::{Deserialize, Serialize};

use rigsize_core::dtype::KvType;
use rigsize_core::engine::Engine;

use crate::requirements::{Noise, Platform, RoleKind};

pub use crate::findings::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    MeetsTarget,
    MeetsMinimum,
    Fails,
    /// Nothing was asked (no target or minimum given).
    NotRequired,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::MeetsTarget => "meets target",
            Verdict::MeetsMinimum => "meets minimum",
            Verdict::Fails => "fails",
            Verdict::NotRequired => "-",
        }
    }
    pub fn ok(self) -> bool {
        self != Verdict::Fails
    }
}

/// One line of the bill of materials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    pub kind: String,
    pub name: String,
    pub item_id: String,
    pub quantity: u32,
    pub unit_price_chf: f64,
    /// `quantity × unit_price_chf`.
    pub price_chf: f64,
    pub price_source: String,
    pub price_date: String,
    pub url: Option<String>,
    pub condition: String,
    /// The snapshot marks the figure as an estimate (converted, MSRP-derived
    /// or an author's guess).
    pub estimate: bool,
    /// Why this part (the build rule).
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleResult {
    pub role: String,
    pub kind: RoleKind,
    pub model: String,
    pub model_name: String,
    pub quant: String,
    pub context: u64,
    pub streams: u32,
    /// Decode tok/s per stream with every stream of every role active.
    pub tok_s_per_stream: f64,
    pub target: Option<f64>,
    pub minimum: Option<f64>,
    pub verdict: Verdict,
    pub prefill_tok_s: f64,
    pub ttft_s: f64,
    /// The model's native / largest supported context.
    pub model_native_context: u64,
    pub model_max_context: u64,
    /// Coding score used to rank the model (SWE-bench Verified unless the role says otherwise).
    pub quality_pct: Option<f64>,
    /// Device indices the role's model runs on.
    pub devices: Vec<usize>,
    /// Other roles whose model (weights) this role shares.
    pub shares_weights_with: Vec<String>,
}

/// Which requirement a [`Check`] is about (typed, so no code matches the
/// requirement's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// A role's decode speed per stream.
    Speed,
    /// A role's context against its model's window.
    Context,
    TimeToFirstToken,
    Prefill,
    /// The planned models fit in the usable memory.
    Fit,
    /// The memory target of the requirements.
    Memory,
    Budget,
    Noise,
    Power,
    /// The concurrent-streams target.
    Concurrency,
}

/// One requirement checked against one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub kind: CheckKind,
    pub requirement: String,
    pub value: String,
    pub target: String,
    pub minimum: String,
    pub verdict: Verdict,
    /// For failures: what is missing, in words with the number.
    pub shortfall: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryPart {
    pub label: String,
    pub bytes: u64,
    /// The catalog model the part belongs to (typed, so commands need not read labels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// True for the model's weights.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub weights: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceMemory {
    pub index: usize,
    pub device: String,
    /// Physical memory of the device.
    pub memory_bytes: u64,
    /// What the engine may use (Apple: the GPU wired limit; boxes: minus the OS).
    pub available_bytes: u64,
    pub used_bytes: u64,
    /// `used_bytes` as a share of `available_bytes`, %.
    #[serde(default)]
    pub used_pct: f64,
    /// The roles whose model (or part of it) this device holds.
    #[serde(default)]
    pub roles: Vec<String>,
    pub parts: Vec<MemoryPart>,
}

fn one_device() -> ModelSpan {
    ModelSpan::OneDevice
}

/// Why the plan uses its KV cache type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KvChoice {
    /// f16: fits and keeps every minimum.
    #[default]
    Default,
    /// Quantized because f16 does not fit.
    ToFit,
    /// Quantized because it meets more speed minimums (half the KV bytes read per token).
    ForSpeed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemorySummary {
    pub required_bytes: u64,
    pub available_bytes: u64,
    /// Physical GPU-accessible memory (VRAM or unified), all devices.
    pub physical_bytes: u64,
    pub headroom_bytes: i64,
    /// Headroom as a share of the usable memory, %.
    #[serde(default)]
    pub headroom_pct: f64,
    /// The largest single model (weights + cache) the build can load, and how.
    #[serde(default)]
    pub largest_model_bytes: u64,
    #[serde(default = "one_device")]
    pub largest_model_span: ModelSpan,
    /// The largest single device's usable memory (full speed on a mixed pair).
    #[serde(default)]
    pub largest_device_bytes: u64,
    pub fits: bool,
    /// KV cache element type the plan needs (`f16`, or `q8_0` when it must be quantized to fit).
    pub kv_type: KvType,
    /// Why that KV type.
    #[serde(default)]
    pub kv_choice: KvChoice,
    pub devices: Vec<DeviceMemory>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub name: String,
    pub platform: Platform,
    pub hardware_id: String,
    pub device_count: u32,
    pub total_price_chf: f64,
    pub within_budget: bool,
    pub meets_all_minimums: bool,
    /// Meets every minimum and is within budget.
    pub qualifies: bool,
    pub on_pareto_front: bool,
    pub targets_met: u32,
    pub components: Vec<Component>,
    pub roles: Vec<RoleResult>,
    /// The model servers: roles on the same model share one batched server
    /// (weights once, continuous batching).
    #[serde(default)]
    pub servers: Vec<ServerPlan>,
    /// The serving design in one line.
    #[serde(default)]
    pub serving: String,
    pub memory: MemorySummary,
    pub checks: Vec<Check>,
    pub noise: Noise,
    /// Estimated A-weighted sound at 1 m under the planned load; the word in
    /// `noise` comes from this by data/physical.toml's thresholds.
    pub noise_dba: f64,
    /// DC peak: GPUs' board power + CPU + the rest (PC); the boxes' maximum draw (systems).
    pub peak_power_w: f64,
    /// At the wall: DC peak / PSU efficiency at that load + transient
    /// allowance; what the outlet check compares with the circuit's rating.
    pub wall_power_w: f64,
    pub engine: Engine,
    /// The engine's GPU backend when it is not the vendor's own (llama.cpp's
    /// Vulkan build on AMD and Intel: it decodes faster there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<rigsize_core::engine::Backend>,
    /// Apple: the `iogpu.wired_limit_mb` the plan needs when it uses more
    /// than macOS's default GPU share (None: the default is enough).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wired_limit_mb: Option<u64>,
    /// Clusters: the direct link between the machines (a DGX Spark pair: ConnectX-7 200 GbE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<rigsize_speed::model::Link>,
    /// Traps and caveats (NVLink, editions, KV quantization, context).
    pub flags: Vec<String>,
    /// Single-GPU PC builds: the second-card stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<UpgradePath>,
}

impl Candidate {
    pub fn failures(&self) -> Vec<&Check> {
        self.checks
            .iter()
            .filter(|c| c.verdict == Verdict::Fails)
            .collect()
    }
    /// The main role (first role of kind main, else the first).
    pub fn main_role(&self) -> Option<&RoleResult> {
        self.roles
            .iter()
            .find(|r| r.kind == RoleKind::Main)
            .or(self.roles.first())
    }
    /// The main role's speed.
    pub fn main_speed(&self) -> f64 {
        self.main_role().map(|r| r.tok_s_per_stream).unwrap_or(0.0)
    }
    /// The main role's model score (-1 when it has none, below every score).
    pub fn main_quality(&self) -> f64 {
        self.main_role().and_then(|r| r.quality_pct).unwrap_or(-1.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopPick {
    pub name: String,
    /// What decided it, in one line.
    #[serde(default)]
    pub decided_by: String,
    pub why: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearMiss {
    pub name: String,
    pub total_price_chf: f64,
    pub fails: String,
}

/// When nothing qualifies: the closest candidate and what it would take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closest {
    pub name: String,
    pub fails: Vec<String>,
    pub what_it_would_take: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityRef {
    pub model: String,
    pub score_pct: f64,
    pub source: String,
}

/// Seed 004's "reality check": the top pick's main model against the best
/// open and the best closed models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityCheck {
    pub benchmark: String,
    pub planned: Option<QualityRef>,
    pub best_open: Option<QualityRef>,
    pub best_closed: Option<QualityRef>,
    pub summary: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EngineCommand {
    pub engine: String,
    pub purpose: String,
    pub command: String,
    /// Multi-machine builds: the machine (0-based, in device order) the line runs on;
    /// None: the build's only machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<usize>,
    /// The OpenAI-compatible port the line serves (None: not a model server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The catalog model the server serves, and its roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// The planned memory of this server on each device it uses, bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shares: Vec<DeviceShare>,
    /// An alternative to the line before it (same model, other engine): not started
    /// together with it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alternative: bool,
    /// The checkpoint the line loads, to download ahead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download: Option<Download>,
}

/// One server's planned memory on one device.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DeviceShare {
    pub device: usize,
    pub bytes: u64,
}

/// A checkpoint to fetch with `hf download`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Download {
    pub repo: String,
    /// A file pattern within the repo (GGUF: the quant's files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<String>,
    /// The planned weight bytes.
    pub bytes: u64,
    /// The checkpoint's size from data/checkpoints.toml (None: no source gave it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_bytes: Option<u64>,
    /// Where that size was read (data/checkpoints.toml `source`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanReport {
    pub title: String,
    pub price_snapshot_date: String,
    pub budget_max_chf: f64,
    pub candidates_evaluated: usize,
    pub candidates_qualifying: usize,
    /// Ranked: qualifying candidates first (Pareto front, then targets met,
    /// then price), then the rest by fewest failures.
    pub candidates: Vec<Candidate>,
    pub top_pick: Option<TopPick>,
    pub near_misses: Vec<NearMiss>,
    /// Builds left out because a device earns no place (or nothing fits on them).
    #[serde(default)]
    pub set_aside: Vec<SetAside>,
    pub closest: Option<Closest>,
    pub quality: QualityCheck,
    /// Named or nearly-fitting models the plan does not use, and what they would take.
    #[serde(default)]
    pub models_out: Vec<ModelOut>,
    /// Families an expert would reject for this buyer, with measured reasons.
    #[serde(default)]
    pub not_recommended: Vec<NotRecommended>,
    /// Parts and systems with no usable price (one list).
    #[serde(default)]
    pub unpriced: Vec<String>,
    /// Days between the price snapshot and the date the caller passed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_snapshot_age_days: Option<i64>,
    pub commands: Vec<EngineCommand>,
    /// Report-wide traps (models whose context is too short, etc.).
    pub flags: Vec<String>,
    pub not_considered: Vec<String>,
    pub assumptions: Vec<String>,
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
fn days(date: &str) -> Option<i64> {
    let mut it = date.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.get(..2)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // H. Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

impl PlanReport {
    /// States how old the price snapshot is on `today` (`YYYY-MM-DD`, given
    /// by the caller: the planner itself never reads the clock). Returns the
    /// age in days, None when either date does not parse.
    pub fn set_today(&mut self, today: &str) -> Option<i64> {
        let age = days(today)? - days(&self.price_snapshot_date)?;
        self.price_snapshot_age_days = Some(age);
        Some(age)
    }

    /// Keeps the first `n` candidates (the top pick is always kept).
    pub fn truncate(&mut self, n: usize) {
        if self.candidates.len() > n {
            let top = self.top_pick.as_ref().map(|t| t.name.clone());
            let mut kept: Vec<Candidate> = Vec::new();
            for (i, c) in self.candidates.drain(..).enumerate() {
                if i < n || Some(&c.name) == top.as_ref() {
                    kept.push(c);
                }
            }
            self.candidates = kept;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::days;

    #[test]
    fn snapshot_age_in_days() {
        assert_eq!(days("1970-01-01"), Some(0));
        assert_eq!(
            days("2026-12-05").unwrap() - days("2026-02-17").unwrap(),
            291
        );
        assert_eq!(days("2024-03-01").unwrap() - days("2024-02-28").unwrap(), 2);
        assert_eq!(days("2026-13-01"), None);
        assert_eq!(days("soon"), None);
    }
}
