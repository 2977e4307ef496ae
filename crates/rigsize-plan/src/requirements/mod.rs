//! The requirements file (`docs/requirements-format.md`): what the buyer
//! wants to run, how fast, within what budget, noise, power and platforms.
//!
//! Parsed strictly (`deny_unknown_fields`): a typo is an error naming the
//! file and the line, never a silently ignored wish.

use serde::{Deserialize, Serialize};

use rigsize_core::units::parse_tokens;

use crate::error::PlanError;

pub(crate) mod resolve;
mod validate;

pub use resolve::{planned_weights, DEFAULT_BENCHMARK};
pub(crate) use resolve::{Ctx, EngineFamily};

/// A whole requirements file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    /// Free text: who wants this and where the requirements come from.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(rename = "role")]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub memory: MemoryReq,
    pub budget: Budget,
    #[serde(default)]
    pub environment: Environment,
    #[serde(default)]
    pub platform: PlatformReq,
    #[serde(default)]
    pub purchase: Purchase,
    /// A planned later stage (003: "start with a single high-VRAM GPU, add a second later").
    #[serde(default)]
    pub upgrade: Option<Upgrade>,
    /// Hardware the buyer already owns: free parts of the builds that use it.
    #[serde(default)]
    pub have: Option<crate::have::Have>,
}

/// `[upgrade]`: the buyer plans to grow the build later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upgrade {
    /// Stage 2 adds a second identical card to a single-GPU build: prefer
    /// stage-1 builds whose platform is ready for it.
    #[serde(default = "yes")]
    pub second_card: bool,
    /// What the buyer may spend on stage 2, CHF (optional; reported against).
    #[serde(default)]
    pub stage2_max_chf: Option<f64>,
}

/// Candidate models of a role: a list (in order of preference) or the
/// literal `"best-that-fits"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ModelChoice {
    List(Vec<String>),
    Keyword(String),
}

impl ModelChoice {
    pub fn is_best_that_fits(&self) -> bool {
        matches!(self, ModelChoice::Keyword(k) if k == BEST_THAT_FITS)
    }
}

pub const BEST_THAT_FITS: &str = "best-that-fits";

/// A context length: a number of tokens or a string such as `"200k"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Tokens {
    Count(u64),
    Text(String),
}

impl Tokens {
    pub fn tokens(&self) -> Result<u64, PlanError> {
        match self {
            Tokens::Count(n) if *n >= 1 => Ok(*n),
            Tokens::Count(_) => Err(PlanError::Invalid(
                "a context needs at least one token".into(),
            )),
            Tokens::Text(s) => parse_tokens(s).map_err(|e| PlanError::Invalid(e.to_string())),
        }
    }
}

/// What a role does; decides which one is "the main agent".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleKind {
    Main,
    SubAgent,
    Vision,
    Other,
}

/// One workload: a model (or a choice of models) serving some streams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub name: String,
    #[serde(default = "default_kind")]
    pub kind: RoleKind,
    pub models: ModelChoice,
    /// Context per stream: the hard minimum, unless `context_min` is given,
    /// in which case this is the target.
    pub context: Tokens,
    /// The hard minimum context per stream; makes `context` a target. A model
    /// whose window lies between the two is planned at its own window.
    #[serde(default)]
    pub context_min: Option<Tokens>,
    /// Models the buyer named for this role: each is planned or the report
    /// says why it is out and what it would take.
    #[serde(default)]
    pub named_models: Vec<String>,
    /// The role's model gets a device of its own: a device that holds only
    /// this role is never judged surplus.
    #[serde(default)]
    pub dedicated: bool,
    /// Concurrent streams the build must serve (the minimum).
    #[serde(default = "one")]
    pub streams: u32,
    /// Concurrent streams wished for (checked as a target).
    #[serde(default)]
    pub streams_target: Option<u32>,
    /// Decode speed per stream under the full concurrent load, tok/s.
    #[serde(default)]
    pub speed_target: Option<f64>,
    #[serde(default)]
    pub speed_min: Option<f64>,
    /// Prompt processing, tok/s (optional).
    #[serde(default)]
    pub prefill_target: Option<f64>,
    /// Time to first token for a prompt of `ttft_prompt` tokens, seconds (optional).
    #[serde(default)]
    pub ttft_max_s: Option<f64>,
    #[serde(default)]
    pub ttft_prompt: Option<Tokens>,
    /// Quantization to plan with (`q4_k_m`, `fp8`, `nvfp4`…); default: the
    /// engine's usual choice.
    #[serde(default)]
    pub quant: Option<String>,
    /// Benchmark that ranks "best-that-fits" (default `swe-bench-verified`).
    #[serde(default)]
    pub rank_by: Option<String>,
}

fn default_kind() -> RoleKind {
    RoleKind::Other
}
fn one() -> u32 {
    1
}

/// GPU-accessible memory (VRAM or unified memory), GB.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryReq {
    #[serde(default)]
    pub target_gb: Option<f64>,
    #[serde(default)]
    pub min_gb: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    #[serde(default)]
    pub min_chf: Option<f64>,
    pub max_chf: f64,
    /// The range the buyer would rather stay in.
    #[serde(default)]
    pub sweet_spot_chf: Option<[f64; 2]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Noise {
    /// No audible fan under load (a Mac Studio).
    Silent,
    /// A home office: audible, never a jet engine (one or two open-air cards
    /// in a damped tower, a DGX Spark).
    Quiet,
    /// Noticeable under load (several cards, blowers).
    Moderate,
    /// Server fans.
    Loud,
    Any,
}

impl Noise {
    pub fn name(self) -> &'static str {
        match self {
            Noise::Silent => "silent",
            Noise::Quiet => "quiet",
            Noise::Moderate => "moderate",
            Noise::Loud => "loud",
            Noise::Any => "any",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    #[serde(default = "quiet")]
    pub noise: Noise,
    /// Outlet voltage and fuse: the most a build may draw continuously is
    /// `volts × amps × continuous_share` unless `max_continuous_w` is given.
    #[serde(default = "v230")]
    pub outlet_volts: f64,
    #[serde(default = "a10")]
    pub outlet_amps: f64,
    #[serde(default = "full")]
    pub continuous_share: f64,
    #[serde(default)]
    pub max_continuous_w: Option<f64>,
}

fn quiet() -> Noise {
    Noise::Quiet
}
fn v230() -> f64 {
    230.0
}
fn a10() -> f64 {
    10.0
}
fn full() -> f64 {
    1.0
}

impl Default for Environment {
    fn default() -> Self {
        Environment {
            noise: Noise::Quiet,
            outlet_volts: 230.0,
            outlet_amps: 10.0,
            continuous_share: 1.0,
            max_continuous_w: None,
        }
    }
}

impl Environment {
    pub fn max_watts(&self) -> f64 {
        self.max_continuous_w
            .unwrap_or(self.outlet_volts * self.outlet_amps * self.continuous_share)
    }
}

/// Platforms a build may be made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// Discrete NVIDIA GPUs in a PC.
    Nvidia,
    /// Discrete AMD GPUs in a PC.
    Amd,
    /// Discrete Intel GPUs in a PC.
    Intel,
    /// Apple silicon Macs (and clusters of them).
    Apple,
    /// NVIDIA DGX Spark and GB10 partner boxes.
    DgxSpark,
    /// AMD Ryzen AI Max ("Strix Halo") unified-memory boxes.
    StrixHalo,
}

impl Platform {
    pub fn name(self) -> &'static str {
        match self {
            Platform::Nvidia => "nvidia",
            Platform::Amd => "amd",
            Platform::Intel => "intel",
            Platform::Apple => "apple",
            Platform::DgxSpark => "dgx-spark",
            Platform::StrixHalo => "strix-halo",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformReq {
    #[serde(default = "all_platforms")]
    pub allowed: Vec<Platform>,
    #[serde(default)]
    pub preferred: Vec<Platform>,
    /// Platforms acceptable only as a fallback (003: "Apple Silicon acceptable if NVIDIA breaks
    /// the budget"): their qualifying builds rank after every qualifying build of the other
    /// platforms, and the Pareto front is drawn within each group.
    #[serde(default)]
    pub fallback: Vec<Platform>,
    /// Only full x16 links per GPU (TRX50 for two cards instead of AM5 x8/x8).
    #[serde(default)]
    pub full_x16_lanes: bool,
    /// Consider 2–4-Mac / 2-Spark clusters.
    #[serde(default = "yes")]
    pub clusters: bool,
}

fn yes() -> bool {
    true
}

fn all_platforms() -> Vec<Platform> {
    vec![
        Platform::Nvidia,
        Platform::Amd,
        Platform::Intel,
        Platform::Apple,
        Platform::DgxSpark,
        Platform::StrixHalo,
    ]
}

impl Default for PlatformReq {
    fn default() -> Self {
        PlatformReq {
            allowed: all_platforms(),
            preferred: vec![],
            fallback: vec![],
            full_x16_lanes: false,
            clusters: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    New,
    Refurbished,
    Used,
}

impl Condition {
    pub fn name(self) -> &'static str {
        match self {
            Condition::New => "new",
            Condition::Refurbished => "refurbished",
            Condition::Used => "used",
        }
    }
    pub fn parse(s: &str) -> Option<Condition> {
        match s {
            "new" => Some(Condition::New),
            "refurbished" => Some(Condition::Refurbished),
            "used" => Some(Condition::Used),
            _ => None,
        }
    }
}

/// How much risk the buyer takes on second-hand parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Used parts only from a preferred retailer (warranty, recourse).
    Low,
    /// Used parts from anywhere, flagged.
    Medium,
    High,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purchase {
    #[serde(default = "new_only")]
    pub conditions: Vec<Condition>,
    #[serde(default = "low")]
    pub risk: Risk,
    /// Shops in order of preference (matched case-insensitively as a
    /// substring of the price record's retailer).
    #[serde(default)]
    pub retailers: Vec<String>,
    /// Accept prices the snapshot marks as estimates (converted, MSRP-derived,
    /// author guesses); they are flagged in the bill of materials.
    #[serde(default = "yes")]
    pub allow_estimates: bool,
}

fn new_only() -> Vec<Condition> {
    vec![Condition::New]
}
fn low() -> Risk {
    Risk::Low
}

impl Default for Purchase {
    fn default() -> Self {
        Purchase {
            conditions: new_only(),
            risk: Risk::Low,
            retailers: vec![],
            allow_estimates: true,
        }
    }
}

impl Requirements {
    /// Parses a requirements file; errors name `file` and the line.
    pub fn from_toml(text: &str, file: &str) -> Result<Requirements, PlanError> {
        let req: Requirements = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            PlanError::Requirements {
                file: file.to_string(),
                line,
                message: e.message().trim().to_string(),
            }
        })?;
        req.validate(text, file)?;
        Ok(req)
    }

    /// The main agent: the first role of kind `main`, else the first role.
    pub fn main_role(&self) -> usize {
        self.roles
            .iter()
            .position(|r| r.kind == RoleKind::Main)
            .unwrap_or(0)
    }
}
