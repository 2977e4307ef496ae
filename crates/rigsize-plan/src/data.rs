//! The planner's data: build rules (`data/build-rules.toml`), coding-benchmark
//! scores (`data/model-quality.toml`) and the dated price snapshot
//! (`data/prices.toml`), all embedded and parsed strictly.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::PlanError;
use crate::requirements::{Condition, Noise, Platform, Purchase, Risk};

pub const BUILD_RULES_TOML: &str = include_str!("../../../data/build-rules.toml");
pub const MODEL_QUALITY_TOML: &str = include_str!("../../../data/model-quality.toml");

pub(crate) fn toml_err(file: &str, text: &str, e: toml::de::Error) -> PlanError {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    PlanError::Data {
        file: format!(
            "{file}{}",
            line.map(|l| format!(":{l}")).unwrap_or_default()
        ),
        message: e.message().trim().to_string(),
    }
}

// ---------------------------------------------------------------- build rules

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildRules {
    pub general: General,
    pub platform: Vec<PcPlatform>,
    pub ram: Vec<SizedPart>,
    pub case: Vec<CasePart>,
    pub storage: Vec<StoragePart>,
    pub cooling: Vec<CoolingRule>,
    pub system: Vec<SystemRule>,
    pub cluster: ClusterRule,
    #[serde(default)]
    pub allowance: Vec<Allowance>,
    pub defaults: Defaults,
    /// Build families experts reject; reported with measured reasons.
    #[serde(default)]
    pub family: Vec<FamilyRule>,
    /// Configured pre-built systems with named GPUs.
    #[serde(default)]
    pub prebuilt: Vec<PrebuiltRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrebuiltRule {
    /// The system's price item (data/prices.toml, kind prebuilt).
    pub item: String,
    pub gpu: String,
    pub count: u32,
    pub cpu_tdp_w: f64,
    pub vendor: String,
    /// Warranty and import, for the report.
    pub note: String,
    pub source: String,
}

/// Planning margins and fallbacks (one place for each).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub box_os_reserve_gib: u64,
    pub apple_os_reserve_gib: u64,
    pub default_tdp_w: f64,
    pub default_slot_width: f64,
    /// Benchmark points a model may trail the best one that keeps every minimum and still be
    /// preferred for meeting more speed targets.
    pub quality_tolerance_pts: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyRule {
    pub name: String,
    pub hardware: String,
    pub count: u32,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct General {
    pub base_system_w: f64,
    pub ram_to_vram_ratio: f64,
    pub ram_min_gb: f64,
    pub storage_model_factor: f64,
    pub storage_min_tb: f64,
    pub misc_item: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PcPlatform {
    pub id: String,
    pub name: String,
    pub min_gpus: u32,
    pub max_gpus: u32,
    pub lanes_per_gpu: Vec<u32>,
    pub cpu: String,
    pub cpu_tdp_w: f64,
    pub motherboard: String,
    pub cooler: String,
    pub ecc_ram: bool,
    pub why: String,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizedPart {
    pub item: String,
    pub gb: f64,
    pub ecc: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasePart {
    pub item: String,
    pub max_gpus: u32,
    pub noise_step: u32,
    pub why: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoragePart {
    pub item: String,
    pub tb: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoolingRule {
    pub kind: String,
    pub why: String,
    #[serde(default)]
    pub passive_case: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemRule {
    pub id: String,
    pub name: String,
    pub platform: Platform,
    pub device: String,
    pub memory_gb: f64,
    pub item: String,
    pub power_w: f64,
    pub noise: Noise,
    pub cluster: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterRule {
    pub apple_max: u32,
    pub apple_link_item: String,
    pub dgx_spark_max: u32,
    pub dgx_spark_link_item: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowance {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub price_chf: f64,
    pub date: String,
    pub source: String,
}

impl BuildRules {
    pub fn parse(text: &str, file: &str) -> Result<BuildRules, PlanError> {
        toml::from_str(text).map_err(|e| toml_err(file, text, e))
    }

    pub fn builtin() -> &'static BuildRules {
        static R: OnceLock<BuildRules> = OnceLock::new();
        R.get_or_init(|| {
            BuildRules::parse(BUILD_RULES_TOML, "data/build-rules.toml")
                .expect("data/build-rules.toml is checked by the tests")
        })
    }

    pub fn cooling(&self, kind: &str) -> Option<&CoolingRule> {
        self.cooling.iter().find(|c| c.kind == kind)
    }
}

// ---------------------------------------------------------------- quality

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Score {
    pub model: String,
    pub kind: String,
    pub benchmark: String,
    pub score_pct: f64,
    #[serde(default)]
    pub variant: Option<String>,
    pub as_of: String,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quality {
    pub score: Vec<Score>,
}

impl Quality {
    pub fn parse(text: &str, file: &str) -> Result<Quality, PlanError> {
        toml::from_str(text).map_err(|e| toml_err(file, text, e))
    }

    pub fn builtin() -> &'static Quality {
        static Q: OnceLock<Quality> = OnceLock::new();
        Q.get_or_init(|| {
            Quality::parse(MODEL_QUALITY_TOML, "data/model-quality.toml")
                .expect("data/model-quality.toml is checked by the tests")
        })
    }

    /// The best score of `model` on `benchmark` (the first figure without a
    /// variant wins ties).
    pub fn score(&self, model: &str, benchmark: &str) -> Option<&Score> {
        self.score
            .iter()
            .filter(|s| s.model == model && s.benchmark == benchmark)
            .max_by(|a, b| a.score_pct.total_cmp(&b.score_pct))
    }

    /// The best model of a kind (`open`/`proprietary`) on a benchmark.
    pub fn best(&self, kind: &str, benchmark: &str) -> Option<&Score> {
        self.score
            .iter()
            .filter(|s| s.kind == kind && s.benchmark == benchmark)
            .max_by(|a, b| a.score_pct.total_cmp(&b.score_pct))
    }
}

// ---------------------------------------------------------------- prices
//
// Prices come from the snapshot's one strict parser (rigsize-price-data);
// the buying policy below (conditions, risk, preferred retailers) is the
// planner's own.

pub use rigsize_price_data::Item as PriceItem;
use rigsize_price_data::{PriceRecord, Snapshot, Source};

/// One priced part, as the bill of materials shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartPrice {
    pub item_id: String,
    pub name: String,
    pub kind: String,
    pub price_chf: f64,
    /// Retailer or source as written, plus `(estimate)` where the snapshot
    /// marks the figure as one.
    pub price_source: String,
    pub price_date: String,
    pub url: Option<String>,
    pub condition: String,
    pub estimate: bool,
    pub preferred_retailer: bool,
    pub citation: Option<String>,
}

pub struct PriceBook {
    snapshot: &'static Snapshot,
    pub snapshot_date: String,
    /// The snapshot's observations per item id, each with its retailer in
    /// lower case: built once, so a part lookup reads its own few records
    /// instead of scanning the whole snapshot (issue 12: plan throughput).
    by_item: HashMap<&'static str, Vec<Offer>>,
}

/// One observation with what the buying policy reads, derived once.
struct Offer {
    record: &'static PriceRecord,
    /// The retailer in lower case (preferred retailers match case-insensitively).
    retailer: String,
    /// `None`: a condition the buying policy does not know (never allowed).
    condition: Option<Condition>,
}

impl PriceBook {
    pub fn builtin() -> &'static PriceBook {
        static P: OnceLock<PriceBook> = OnceLock::new();
        P.get_or_init(|| {
            let snapshot = Snapshot::embedded();
            let mut by_item: HashMap<&str, Vec<_>> = HashMap::new();
            for p in &snapshot.prices {
                by_item.entry(p.item_id.as_str()).or_default().push(Offer {
                    record: p,
                    retailer: p.retailer.to_ascii_lowercase(),
                    condition: Condition::parse(p.condition.as_str()),
                });
            }
            PriceBook {
                snapshot,
                snapshot_date: snapshot.meta.snapshot_date.clone(),
                by_item,
            }
        })
    }

    pub fn item(&self, id: &str) -> Option<&PriceItem> {
        self.snapshot.item(id)
    }

    /// The price a buyer would pay for `item_id` under `purchase`.
    ///
    /// Policy: only allowed conditions (used parts under `risk = low` only
    /// from a preferred retailer); observed prices before estimates; the
    /// newest observation date first (an older, lower figure is stale, not a
    /// bargain); then a preferred retailer; then the lowest price.
    pub fn best(&self, item_id: &str, purchase: &Purchase) -> Option<PartPrice> {
        let item = self.snapshot.item(item_id)?;
        if !item.exists() {
            return None;
        }
        let wanted: Vec<String> = purchase
            .retailers
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| p.to_ascii_lowercase())
            .collect();
        let preferred = |lower: &str| wanted.iter().any(|p| lower.contains(p.as_str()));
        let allowed = |o: &&Offer| {
            let Some(c) = o.condition else {
                return false;
            };
            if !purchase.conditions.contains(&c) {
                return false;
            }
            if c == Condition::Used && purchase.risk == Risk::Low && !preferred(&o.retailer) {
                return false;
            }
            purchase.allow_estimates || o.record.source != Source::Estimate
        };
        let offer = self
            .by_item
            .get(item_id)?
            .iter()
            .filter(allowed)
            .min_by(|x, y| {
                let (a, b) = (x.record, y.record);
                (a.source == Source::Estimate)
                    .cmp(&(b.source == Source::Estimate))
                    .then(b.observed_at.cmp(&a.observed_at))
                    .then(preferred(&y.retailer).cmp(&preferred(&x.retailer)))
                    .then(a.price_chf.total_cmp(&b.price_chf))
            })?;
        let best = offer.record;
        let estimate = best.source == Source::Estimate;
        Some(PartPrice {
            item_id: item.id.clone(),
            name: item.name.clone(),
            kind: item.kind.clone(),
            price_chf: best.price_chf,
            price_source: if estimate {
                format!("{} (estimate)", best.retailer)
            } else {
                best.retailer.clone()
            },
            price_date: best.observed_at.clone(),
            url: best.url.clone(),
            condition: best.condition.as_str().to_string(),
            estimate,
            preferred_retailer: preferred(&offer.retailer),
            citation: Some(best.citation.clone()),
        })
    }
}

impl Allowance {
    pub fn part(&self) -> PartPrice {
        PartPrice {
            item_id: self.id.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            price_chf: self.price_chf,
            price_source: self.source.clone(),
            price_date: self.date.clone(),
            url: None,
            condition: "new".into(),
            estimate: true,
            preferred_retailer: false,
            citation: Some("data/build-rules.toml [[allowance]]".into()),
        }
    }
}
