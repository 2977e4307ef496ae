//! Physical facts of a build: noise in dBA ([`noise`]), power at the wall and
//! ATX 3.1 PSU sizing ([`power`]), boards, slots and card thickness
//! ([`boards`]). The figures live in `data/physical.toml`, embedded and parsed
//! strictly; every record names its source. The functions here are pure so
//! each rule can be tested on its own numbers.

pub mod boards;
pub mod noise;
pub mod pc;
pub mod power;

use std::sync::OnceLock;

use serde::Deserialize;

use crate::data::toml_err;
use crate::error::PlanError;
use crate::requirements::Platform;

pub const PHYSICAL_TOML: &str = include_str!("../../../../data/physical.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Physical {
    pub noise: NoiseRules,
    pub cooler: Vec<Cooler>,
    pub case_class: Vec<CaseClass>,
    pub system_noise: Vec<SystemNoise>,
    pub power: PowerRules,
    pub efficiency: Vec<EfficiencyCurve>,
    pub psu: Vec<Psu>,
    pub board: Vec<Board>,
    pub card: Vec<CardShape>,
    pub case: Vec<CaseSlots>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoiseRules {
    pub distance_m: f64,
    pub silent_max_dba: f64,
    pub quiet_max_dba: f64,
    pub moderate_max_dba: f64,
    pub threshold_source: String,
    pub sum_source: String,
}

/// How a card moves air: decides its sound at a given board power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoolerDesign {
    /// Axial or flow-through fans exhausting into the case.
    OpenAir,
    /// A radial blower exhausting through the slot bracket.
    Blower,
    /// No fan: a server chassis pushes air through it.
    Passive,
}

impl CoolerDesign {
    /// The design a catalog `cooling` value names (`system` and unknown
    /// values are not discrete-card designs).
    pub fn from_catalog(cooling: Option<&str>) -> Option<CoolerDesign> {
        match cooling.unwrap_or("open-air") {
            "open-air" => Some(CoolerDesign::OpenAir),
            "blower" => Some(CoolerDesign::Blower),
            "passive" => Some(CoolerDesign::Passive),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            CoolerDesign::OpenAir => "open-air",
            CoolerDesign::Blower => "blower",
            CoolerDesign::Passive => "passive",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cooler {
    pub design: CoolerDesign,
    pub ref_w: f64,
    pub ref_dba: f64,
    pub db_per_doubling: f64,
    /// Added when the card's fans face the next card with no free slot.
    pub stacked_penalty_db: f64,
    pub estimate: bool,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseClass {
    pub class: String,
    pub items: Vec<String>,
    pub attenuation_db: f64,
    pub base_dba: f64,
    pub estimate: bool,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemNoise {
    pub platform: Platform,
    pub dba: f64,
    pub estimate: bool,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerRules {
    pub outlet_source: String,
    pub transient_allowance_gpu_share: f64,
    pub transient_source: String,
    pub psu_excursion_ratio: f64,
    /// The tier assumed for a PSU a vendor does not state.
    pub unstated_psu_tier: Tier,
    pub gpu_excursion_ratio: f64,
    pub atx_source: String,
}

/// 80 PLUS tiers with a 230 V EU efficiency curve in the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    Gold,
    Platinum,
    Titanium,
}

impl Tier {
    pub fn name(self) -> &'static str {
        match self {
            Tier::Gold => "80 PLUS Gold",
            Tier::Platinum => "80 PLUS Platinum",
            Tier::Titanium => "80 PLUS Titanium",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EfficiencyCurve {
    pub tier: Tier,
    /// Load as a fraction of the rating, ascending.
    pub load: Vec<f64>,
    pub efficiency: Vec<f64>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Psu {
    pub item: String,
    pub watts: f64,
    pub tier: Tier,
    pub atx: String,
    pub source: String,
}

/// Where a slot's lanes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attach {
    Cpu,
    Chipset,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    pub position: u32,
    /// Electrical lanes with one GPU installed (0: the slot is not used alone).
    pub lanes_one: u32,
    /// Electrical lanes with two or more GPUs installed.
    pub lanes_two: u32,
    pub gen: u32,
    pub attach: Attach,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    pub item: String,
    pub name: String,
    pub platform: String,
    pub layout_verified: bool,
    pub spacing_verified: bool,
    pub slots: Vec<Slot>,
    pub source: String,
}

/// Which card thickness a build assumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Edition {
    Reference,
    Partner,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardShape {
    pub hardware_id: String,
    pub reference_slots: f64,
    pub partner_slots: f64,
    pub planned: Edition,
    pub design: CoolerDesign,
    pub source: String,
}

impl CardShape {
    /// The thickness the build plans with.
    pub fn planned_slots(&self) -> f64 {
        match self.planned {
            Edition::Reference => self.reference_slots,
            Edition::Partner => self.partner_slots,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSlots {
    pub item: String,
    pub expansion_slots: u32,
    pub source: String,
}

fn invalid(file: &str, message: String) -> PlanError {
    PlanError::Data {
        file: file.into(),
        message,
    }
}

impl Physical {
    pub fn parse(text: &str, file: &str) -> Result<Physical, PlanError> {
        let p: Physical = toml::from_str(text).map_err(|e| toml_err(file, text, e))?;
        p.validate(file)?;
        Ok(p)
    }

    /// Checks a well-formed file cannot express: ordered thresholds, curves
    /// with one efficiency per load point, positive ratings.
    fn validate(&self, file: &str) -> Result<(), PlanError> {
        let n = &self.noise;
        if !(n.silent_max_dba < n.quiet_max_dba && n.quiet_max_dba < n.moderate_max_dba) {
            return Err(invalid(
                file,
                "noise thresholds must rise: silent < quiet < moderate".into(),
            ));
        }
        for c in &self.efficiency {
            let ascending = c.load.windows(2).all(|w| w[0] < w[1]);
            let in_range = c.efficiency.iter().all(|e| *e > 0.0 && *e <= 1.0);
            if c.load.is_empty() || c.load.len() != c.efficiency.len() || !ascending || !in_range {
                return Err(invalid(
                    file,
                    format!(
                        "efficiency curve {}: loads must ascend and pair with efficiencies in (0, 1]",
                        c.tier.name()
                    ),
                ));
            }
        }
        for p in &self.psu {
            if p.watts <= 0.0 || self.curve(p.tier).is_none() {
                return Err(invalid(
                    file,
                    format!("psu {}: needs watts > 0 and a known tier curve", p.item),
                ));
            }
        }
        for c in &self.cooler {
            if c.ref_w <= 0.0 {
                return Err(invalid(
                    file,
                    format!("cooler {}: ref_w must be > 0", c.design.name()),
                ));
            }
        }
        if self.power.psu_excursion_ratio < 1.0 || self.power.gpu_excursion_ratio < 1.0 {
            return Err(invalid(file, "excursion ratios must be at least 1".into()));
        }
        Ok(())
    }

    pub fn builtin() -> &'static Physical {
        static P: OnceLock<Physical> = OnceLock::new();
        P.get_or_init(|| {
            Physical::parse(PHYSICAL_TOML, "data/physical.toml")
                .expect("data/physical.toml is checked by the tests")
        })
    }

    pub fn cooler(&self, design: CoolerDesign) -> Option<&Cooler> {
        self.cooler.iter().find(|c| c.design == design)
    }
    pub fn case_class(&self, case_item: &str) -> Option<&CaseClass> {
        self.case_class
            .iter()
            .find(|c| c.items.iter().any(|i| i == case_item))
    }
    pub fn system_noise(&self, platform: Platform) -> Option<&SystemNoise> {
        self.system_noise.iter().find(|s| s.platform == platform)
    }
    pub fn curve(&self, tier: Tier) -> Option<&EfficiencyCurve> {
        self.efficiency.iter().find(|c| c.tier == tier)
    }
    pub fn psu(&self, item: &str) -> Option<&Psu> {
        self.psu.iter().find(|p| p.item == item)
    }
    pub fn board(&self, item: &str) -> Option<&Board> {
        self.board.iter().find(|b| b.item == item)
    }
    pub fn card(&self, hardware_id: &str) -> Option<&CardShape> {
        self.card.iter().find(|c| c.hardware_id == hardware_id)
    }
    pub fn case_slots(&self, item: &str) -> Option<&CaseSlots> {
        self.case.iter().find(|c| c.item == item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_data_parses_and_every_record_has_a_source() {
        let p = Physical::builtin();
        assert!(p.cooler.iter().all(|c| !c.source.is_empty()));
        assert!(p.psu.iter().all(|c| !c.source.is_empty()));
        assert!(p.board.iter().all(|c| !c.source.is_empty()));
        assert!(p.card.iter().all(|c| !c.source.is_empty()));
        for d in [
            CoolerDesign::OpenAir,
            CoolerDesign::Blower,
            CoolerDesign::Passive,
        ] {
            assert!(p.cooler(d).is_some(), "no cooler record for {}", d.name());
        }
    }

    #[test]
    fn unknown_keys_and_unordered_thresholds_are_errors() {
        let bad_key = PHYSICAL_TOML.replace("distance_m = 1.0", "distance_m = 1.0\nloudness = 3");
        let e = Physical::parse(&bad_key, "x.toml").unwrap_err().to_string();
        assert!(e.contains("loudness"), "{e}");
        let bad_order = PHYSICAL_TOML.replace("quiet_max_dba = 40.0", "quiet_max_dba = 55.0");
        let e = Physical::parse(&bad_order, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("thresholds must rise"), "{e}");
    }

    #[test]
    fn every_psu_board_and_case_of_the_planner_is_in_the_data() {
        let rules = crate::data::BuildRules::builtin();
        let p = Physical::builtin();
        let prices = crate::data::PriceBook::builtin();
        for psu in &p.psu {
            assert!(
                prices.item(&psu.item).is_some(),
                "{} not in prices.toml",
                psu.item
            );
        }
        for s in &rules.system {
            assert!(
                p.system_noise(s.platform).is_some(),
                "{}: no [[system_noise]] for its platform",
                s.id
            );
        }
        for plat in &rules.platform {
            assert!(
                p.board(&plat.motherboard).is_some(),
                "{} has no [[board]] record",
                plat.motherboard
            );
        }
        for case in &rules.case {
            assert!(
                p.case_slots(&case.item).is_some(),
                "{} has no [[case]]",
                case.item
            );
            assert!(
                p.case_class(&case.item).is_some(),
                "{} has no case class",
                case.item
            );
        }
    }
}
