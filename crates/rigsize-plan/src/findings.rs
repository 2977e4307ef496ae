//! What the planner found beyond each build's numbers: how a model spreads,
//! the servers, set-aside builds, models out, upgrade paths and families
//! not recommended. Re-exported by [`crate::report`].

use serde::{Deserialize, Serialize};

/// How the largest single model a build can load is spread over its devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelSpan {
    /// On one device.
    OneDevice,
    /// Over equal devices (tensor parallel, or a layer split of equal cards),
    /// at the planned speed.
    EqualDevices,
    /// A layer split over unequal cards: runs at the slower card's speed.
    LayerSplitAtSlowest,
}

impl ModelSpan {
    pub fn describe(self, devices: u32) -> String {
        match self {
            ModelSpan::OneDevice => "on one device".into(),
            ModelSpan::EqualDevices => format!("over {devices} equal devices (tensor parallel)"),
            ModelSpan::LayerSplitAtSlowest => {
                format!("split by layers over {devices} unequal cards, at the slower card's speed")
            }
        }
    }
}

/// One model server of the plan: the roles it serves share its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerPlan {
    pub model: String,
    pub roles: Vec<String>,
    pub streams: u32,
    pub devices: Vec<usize>,
}

/// Why a build was left out of the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SetAsideKind {
    /// The planned models do not fit at all (listed only when some build fits).
    TooSmall,
    /// A device holds no role.
    IdleDevice,
    /// A device only holds roles that fit on the other devices with every
    /// minimum kept.
    SurplusDevice,
}

/// A build left out of the ranking, and why, with the numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetAside {
    pub name: String,
    pub total_price_chf: f64,
    pub kind: SetAsideKind,
    pub reason: String,
}

/// A model the buyer named, or one left out only by a few percent of
/// context, that the plan does not use: why, and what it would take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelOut {
    pub model: String,
    pub role: String,
    /// The buyer named it.
    pub named: bool,
    pub reason: String,
    pub what_it_would_take: String,
    /// The cheapest build that serves it with every other minimum kept.
    pub build: Option<String>,
    pub build_price_chf: Option<f64>,
    pub tok_s_per_stream: Option<f64>,
}

/// Stage 2 of a single-GPU build: a second identical card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpgradePath {
    pub stage2_build: String,
    /// The bare stage-1 build takes the second card as it is.
    pub ready: bool,
    /// Parts the bare stage-1 build must swap for stage 2.
    pub changes: Vec<String>,
    pub stage1_bare_chf: f64,
    /// Stage 1 bought with stage 2's platform, PSU and case.
    pub stage1_ready_chf: f64,
    /// Stage 2 from the ready stage 1: the second card.
    pub stage2_cost_chf: f64,
    /// Stage 2 from the bare stage 1: the card and the swapped parts.
    pub stage2_cost_from_bare_chf: f64,
    pub stage2_total_chf: f64,
    /// Stage 2 meets every minimum (power at the outlet included).
    pub stage2_meets_all_minimums: bool,
    /// What stage 2 gains, with the numbers.
    pub unlocks: Vec<String>,
}

/// A build family an expert would reject for these requirements, with the measured reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotRecommended {
    pub family: String,
    pub build: Option<String>,
    pub total_price_chf: Option<f64>,
    pub reasons: Vec<String>,
}
