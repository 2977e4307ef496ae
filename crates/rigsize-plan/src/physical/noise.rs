//! Noise as an estimate in dBA at 1 m under the planned load: each card's
//! sound from its cooler design and board power, damped by the case, summed
//! as powers with the rest of the PC; the word (silent … loud) comes from the
//! stated thresholds.

use super::{CaseClass, Cooler, CoolerDesign, NoiseRules, Physical};
use crate::requirements::{Noise, Platform};

/// Levels add as powers: 10·log10 Σ 10^(L/10). No source is silence (−∞).
pub fn db_sum(levels: &[f64]) -> f64 {
    let p: f64 = levels.iter().map(|l| 10f64.powf(l / 10.0)).sum();
    if p > 0.0 {
        10.0 * p.log10()
    } else {
        f64::NEG_INFINITY
    }
}

/// One card of this cooler at `watts` board power, open bench, 1 m.
pub fn card_dba(cooler: &Cooler, watts: f64) -> f64 {
    let w = watts.max(1.0);
    cooler.ref_dba + cooler.db_per_doubling * (w / cooler.ref_w).log2()
}

/// The word for a level, from the thresholds.
pub fn word(rules: &NoiseRules, dba: f64) -> Noise {
    if dba <= rules.silent_max_dba {
        Noise::Silent
    } else if dba <= rules.quiet_max_dba {
        Noise::Quiet
    } else if dba <= rules.moderate_max_dba {
        Noise::Moderate
    } else {
        Noise::Loud
    }
}

/// One card as the noise model sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardLoad {
    pub design: CoolerDesign,
    pub watts: f64,
    /// No free slot between this card and the next one below it.
    pub stacked: bool,
}

/// Why a noise estimate could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoiseGap {
    NoCooler(CoolerDesign),
    NoCaseClass(String),
}

/// A PC: every card through the case's damping, plus the rest of the PC.
pub fn pc_dba(cards: &[CardLoad], coolers: &[Cooler], case: &CaseClass) -> Result<f64, NoiseGap> {
    let mut levels = vec![case.base_dba];
    for c in cards {
        let cooler = coolers
            .iter()
            .find(|k| k.design == c.design)
            .ok_or(NoiseGap::NoCooler(c.design))?;
        let stacked = if c.stacked {
            cooler.stacked_penalty_db
        } else {
            0.0
        };
        levels.push(card_dba(cooler, c.watts) + stacked - case.attenuation_db);
    }
    Ok(db_sum(&levels))
}

/// A noise estimate with its word.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseEstimate {
    pub dba: f64,
    pub word: Noise,
}

impl Physical {
    /// A PC build of `cards` in `case_item`.
    pub fn pc_noise(&self, cards: &[CardLoad], case_item: &str) -> Result<NoiseEstimate, NoiseGap> {
        let case = self
            .case_class(case_item)
            .ok_or_else(|| NoiseGap::NoCaseClass(case_item.to_string()))?;
        let dba = pc_dba(cards, &self.cooler, case)?;
        Ok(NoiseEstimate {
            dba,
            word: word(&self.noise, dba),
        })
    }

    /// `n` unified-memory boxes of a platform side by side (None: no record).
    pub fn system_noise_dba(&self, platform: Platform, n: u32) -> Option<NoiseEstimate> {
        let s = self.system_noise(platform)?;
        let dba = db_sum(&vec![s.dba; n.max(1) as usize]);
        Some(NoiseEstimate {
            dba,
            word: word(&self.noise, dba),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Physical {
        Physical::builtin()
    }
    fn card(design: CoolerDesign, watts: f64) -> CardLoad {
        CardLoad {
            design,
            watts,
            stacked: false,
        }
    }

    #[test]
    fn stacked_open_air_cards_are_louder_and_stacked_blowers_are_not() {
        let open = |stacked| CardLoad {
            design: CoolerDesign::OpenAir,
            watts: 450.0,
            stacked,
        };
        let blower = |stacked| CardLoad {
            design: CoolerDesign::Blower,
            watts: 300.0,
            stacked,
        };
        let gap = p().pc_noise(&[open(false), open(false)], TOWER).unwrap();
        let packed = p().pc_noise(&[open(true), open(false)], TOWER).unwrap();
        assert!(packed.dba > gap.dba + 2.0);
        let b_gap = p()
            .pc_noise(&[blower(false), blower(false)], TOWER)
            .unwrap();
        let b_packed = p().pc_noise(&[blower(true), blower(false)], TOWER).unwrap();
        assert_eq!(b_gap.dba, b_packed.dba);
    }
    const TOWER: &str = "fractal-define-7";

    #[test]
    fn levels_add_as_powers() {
        assert!((db_sum(&[40.0, 40.0]) - 43.01).abs() < 0.01);
        assert!((db_sum(&[50.0, 30.0]) - 50.04).abs() < 0.01);
        assert_eq!(db_sum(&[]), f64::NEG_INFINITY);
    }

    #[test]
    fn a_card_at_its_reference_power_is_its_reference_level_and_doubling_adds_the_slope() {
        let c = p().cooler(CoolerDesign::Blower).unwrap();
        assert!((card_dba(c, c.ref_w) - c.ref_dba).abs() < 1e-9);
        assert!((card_dba(c, 2.0 * c.ref_w) - c.ref_dba - c.db_per_doubling).abs() < 1e-9);
    }

    #[test]
    fn words_follow_the_thresholds() {
        let r = &p().noise;
        assert_eq!(word(r, r.silent_max_dba), Noise::Silent);
        assert_eq!(word(r, r.quiet_max_dba), Noise::Quiet);
        assert_eq!(word(r, r.quiet_max_dba + 0.1), Noise::Moderate);
        assert_eq!(word(r, r.moderate_max_dba + 0.1), Noise::Loud);
    }

    #[test]
    fn more_power_or_more_cards_is_never_quieter() {
        let one = p()
            .pc_noise(&[card(CoolerDesign::OpenAir, 450.0)], TOWER)
            .unwrap();
        let hot = p()
            .pc_noise(&[card(CoolerDesign::OpenAir, 600.0)], TOWER)
            .unwrap();
        let two = p()
            .pc_noise(&[card(CoolerDesign::OpenAir, 450.0); 2], TOWER)
            .unwrap();
        assert!(hot.dba > one.dba && two.dba > one.dba);
        assert!(two.word >= one.word);
    }

    // Issue 10: PRO 6000 WS (600 W, open-air) + RTX 4000 Ada (130 W blower) was "quiet"
    // while Max-Q (300 W blower) + the same card was "moderate".
    #[test]
    fn pro_6000_ws_with_a_second_card_is_not_quiet_and_max_q_pair_is_louder() {
        let ws = p()
            .pc_noise(
                &[
                    card(CoolerDesign::OpenAir, 600.0),
                    card(CoolerDesign::Blower, 130.0),
                ],
                TOWER,
            )
            .unwrap();
        let maxq = p()
            .pc_noise(
                &[
                    card(CoolerDesign::Blower, 300.0),
                    card(CoolerDesign::Blower, 130.0),
                ],
                TOWER,
            )
            .unwrap();
        assert_ne!(ws.word, Noise::Quiet, "{ws:?}");
        assert!(maxq.dba > ws.dba, "{maxq:?} vs {ws:?}");
    }

    #[test]
    fn two_575_w_cards_are_moderate_and_an_open_frame_is_louder_than_a_damped_tower() {
        let two = [card(CoolerDesign::OpenAir, 575.0); 2];
        let tower = p().pc_noise(&two, TOWER).unwrap();
        let frame = p().pc_noise(&two, "case-open-frame-generic").unwrap();
        assert_eq!(tower.word, Noise::Moderate, "{tower:?}");
        assert!(frame.dba > tower.dba);
    }

    #[test]
    fn passive_cards_in_a_server_are_loud_and_unknown_cases_are_reported() {
        let s = p()
            .pc_noise(
                &[card(CoolerDesign::Passive, 300.0)],
                "case-passive-gpu-cooling-generic",
            )
            .unwrap();
        assert_eq!(s.word, Noise::Loud);
        assert_eq!(
            p().pc_noise(&[], "no-such-case"),
            Err(NoiseGap::NoCaseClass("no-such-case".into()))
        );
    }

    #[test]
    fn systems_sum_per_box() {
        let one = p().system_noise_dba(Platform::Apple, 1).unwrap();
        let four = p().system_noise_dba(Platform::Apple, 4).unwrap();
        assert!((four.dba - one.dba - 6.02).abs() < 0.01);
        assert_eq!(one.word, Noise::Silent);
        assert!(p().system_noise_dba(Platform::Nvidia, 1).is_none());
    }
}
