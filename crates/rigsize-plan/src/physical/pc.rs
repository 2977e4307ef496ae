//! The physical side of one PC build, as the candidates stage asks for it:
//! card thickness, which case takes the cards, the board and its lanes, the
//! ATX 3.1 PSU, the noise and the wall power — each with the caveats the
//! report must say.

use super::boards::{lane_layout, slot_fit, stacked, LaneLayout, SlotFit};
use super::noise::{CardLoad, NoiseEstimate};
use super::power::{atx_psu_need, choose_psu, gpu_power_limit, PsuChoice, WallPower};
use super::{CoolerDesign, Physical, Psu};
use crate::whole::Whole;

/// One kind of card in a PC, as the physical rules need it.
#[derive(Debug, Clone, Copy)]
pub struct PcCard<'a> {
    pub hardware_id: &'a str,
    pub name: &'a str,
    pub catalog_cooling: Option<&'a str>,
    pub catalog_width: f64,
    pub tdp_w: f64,
    pub n: u32,
}

impl Physical {
    /// The thickness each card is planned with, one entry per card.
    pub fn widths(&self, cards: &[PcCard]) -> Vec<f64> {
        cards
            .iter()
            .flat_map(|c| {
                let w = self.card_slots(c.hardware_id, c.catalog_width).0;
                std::iter::repeat_n(w, c.n as usize)
            })
            .collect()
    }

    /// The cooler design of a card: its [[card]] record, else the catalog.
    pub fn design(&self, c: &PcCard) -> CoolerDesign {
        self.card(c.hardware_id)
            .map(|r| r.design)
            .or_else(|| CoolerDesign::from_catalog(c.catalog_cooling))
            .unwrap_or(CoolerDesign::OpenAir)
    }

    /// Whether the cards sit in `board_item`'s GPU slots inside `case_item`
    /// without risers (None: the board or case has no record).
    pub fn fit(&self, board_item: &str, cards: &[PcCard], case_item: &str) -> Option<SlotFit> {
        let board = self.board(board_item)?;
        let case = self.case_slots(case_item)?;
        Some(slot_fit(board, &self.widths(cards), case.expansion_slots))
    }

    /// What the report must say about the slots: cards on risers (and why),
    /// or slot positions the data has only recalled.
    pub fn slot_flags(
        &self,
        label: &str,
        platform_name: &str,
        board_item: &str,
        cards: &[PcCard],
        risers: Option<&str>,
    ) -> Vec<String> {
        let n: u32 = cards.iter().map(|c| c.n).sum();
        if let Some(reason) = risers {
            return vec![format!(
                "{label}: {reason} on the {platform_name}; the build uses PCIe risers in an open frame"
            )];
        }
        let Some(b) = self
            .board(board_item)
            .filter(|b| n > 1 && !b.spacing_verified)
        else {
            return Vec::new();
        };
        let join = |v: Vec<String>| v.join(", ");
        vec![format!(
            "{label}: planned with card thickness {} in {}'s GPU slots at positions {} — those positions are recalled, unverified: check the manual's slot layout against the cards",
            join(self.widths(cards).iter().map(|w| w.to_string()).collect()),
            b.name,
            join(b.slots.iter().take(n as usize).map(|s| s.position.to_string()).collect())
        )]
    }

    /// Noise of the cards at their board power in `case_item`, in the slots
    /// of `board_item` (cards on risers in an open frame are not stacked).
    pub fn cards_noise(
        &self,
        cards: &[PcCard],
        board_item: &str,
        case_item: &str,
    ) -> Option<NoiseEstimate> {
        let mut loads: Vec<CardLoad> = cards
            .iter()
            .flat_map(|c| {
                let l = CardLoad {
                    design: self.design(c),
                    watts: c.tdp_w,
                    stacked: false,
                };
                std::iter::repeat_n(l, c.n as usize)
            })
            .collect();
        if let (Some(SlotFit::Fits { order, .. }), Some(board)) = (
            self.fit(board_item, cards, case_item),
            self.board(board_item),
        ) {
            for (l, s) in loads
                .iter_mut()
                .zip(stacked(board, &self.widths(cards), &order))
            {
                l.stacked = s;
            }
        }
        self.pc_noise(&loads, case_item).ok()
    }
}

/// The board a build uses and what may be said about its lanes.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardPlan {
    pub item: String,
    pub layout: Option<LaneLayout>,
    /// What the bill of materials says about the lanes.
    pub why: String,
    pub flags: Vec<String>,
}

/// Two or more GPUs need a board whose GPU-slot wiring is documented and
/// gives every card CPU lanes (x8 or more). The first such priced board of
/// the platform wins; else the platform's own board, with its layout said to
/// be unverified and the documented alternative named as unpriced.
pub fn board_plan(
    p: &Physical,
    platform_id: &str,
    platform_board: &str,
    n: u32,
    priced: impl Fn(&str) -> bool,
) -> BoardPlan {
    let layout_of = |item: &str| p.board(item).and_then(|b| lane_layout(b, n));
    let good = |item: &str| layout_of(item).is_some_and(|l| l.verified && l.gpu_worthy());
    if n >= 2 && !good(platform_board) {
        let documented: Vec<_> = p
            .board
            .iter()
            .filter(|b| b.platform == platform_id && good(&b.item))
            .collect();
        if let Some(b) = documented.iter().find(|b| priced(&b.item)) {
            let layout = layout_of(&b.item);
            return BoardPlan {
                item: b.item.clone(),
                why: lanes_why(layout.as_ref(), &b.source),
                layout,
                flags: Vec::new(),
            };
        }
        let layout = layout_of(platform_board);
        let name = p
            .board(platform_board)
            .map(|b| b.name.as_str())
            .unwrap_or(platform_board);
        let mut flag = format!(
            "{name}: {} for two GPUs is recalled, unverified — comparable X870E boards wire the second slot as x4 (ROG Strix X870E-E: PCIe 4.0 x4 via the chipset); check the manual before buying",
            layout.as_ref().map(|l| l.describe()).unwrap_or_else(|| "the lane split".into())
        );
        if let Some(d) = documented.first() {
            flag.push_str(&format!(
                "; the documented choice, {} ({}), has no price in the snapshot",
                d.name,
                layout_of(&d.item).map(|l| l.describe()).unwrap_or_default()
            ));
        }
        return BoardPlan {
            item: platform_board.to_string(),
            why: format!(
                "lane split unverified: {}",
                layout.as_ref().map(|l| l.describe()).unwrap_or_default()
            ),
            layout,
            flags: vec![flag],
        };
    }
    let layout = layout_of(platform_board);
    // One card sits in the first x16 slot; the board's source is about its
    // multi-GPU wiring, which a one-card build does not claim.
    let src = match p.board(platform_board) {
        Some(b) if n >= 2 => b.source.as_str(),
        Some(b) => b.name.as_str(),
        None => "",
    };
    BoardPlan {
        item: platform_board.to_string(),
        why: lanes_why(layout.as_ref(), src),
        layout,
        flags: Vec::new(),
    }
}

fn lanes_why(layout: Option<&LaneLayout>, source: &str) -> String {
    match layout {
        Some(l) => format!("GPU lanes {} ({source})", l.describe()),
        None => source.to_string(),
    }
}

/// The PSU a build uses by the ATX 3.1 rules, and its wall power.
#[derive(Debug, Clone, PartialEq)]
pub struct PsuPlan {
    pub item: String,
    pub watts: f64,
    pub need_w: f64,
    pub wall: WallPower,
    /// The bill-of-materials line.
    pub why: String,
    pub flags: Vec<String>,
}

/// Sizes the PSU for `gpu_w` of cards (`n_gpus` of them) and `other_w` of the
/// rest by ATX 3.1, choosing only priced PSUs (`price` in CHF). When none is
/// large enough, the largest priced one is used and the build is flagged
/// with the power limit that makes it fit (None: no PSU is priced at all).
pub fn psu_plan(
    p: &Physical,
    gpu_w: f64,
    n_gpus: u32,
    other_w: f64,
    price: impl Fn(&str) -> Option<f64>,
) -> Option<PsuPlan> {
    let r = &p.power;
    let need = atx_psu_need(r, gpu_w, other_w);
    let dc = gpu_w + other_w;
    let rule = format!(
        "ATX 3.1: max(sustained {dc:.0} W, ({} × GPUs {gpu_w:.0} W + {other_w:.0} W) / {}) = {need:.0} W",
        r.gpu_excursion_ratio,
        r.psu_excursion_ratio,
        dc = Whole(dc),
        gpu_w = Whole(gpu_w),
        other_w = Whole(other_w),
        need = Whole(need)
    );
    let (psu, flags): (&Psu, Vec<String>) = match choose_psu(need, &p.psu, |x| price(&x.item)) {
        PsuChoice::Fits { psu, .. } => (psu, Vec::new()),
        PsuChoice::Short {
            largest_priced,
            unpriced_fit,
        } => {
            let (psu, _) = largest_priced?;
            let limit = gpu_power_limit(r, psu.watts, n_gpus, other_w);
            let mut f = format!(
                "PSU: {rule}, above the largest priced PSU ({:.0} W)",
                psu.watts
            );
            if let Some(l) = limit {
                f.push_str(&format!(
                    "; power-limit each GPU to {:.0} W (nvidia-smi -pl) to stay within it",
                    l.floor()
                ));
            }
            if let Some(u) = unpriced_fit {
                f.push_str(&format!(
                    ", or buy a ≥ {need:.0} W unit ({}, {:.0} W: no price in the snapshot)",
                    u.item, u.watts
                ));
            }
            (psu, vec![f])
        }
    };
    let wall = p.pc_wall_power(&psu.item, dc, gpu_w)?;
    Some(PsuPlan {
        item: psu.item.clone(),
        watts: psu.watts,
        need_w: need,
        why: format!(
            "{rule} → {:.0} W {} ({}); at the wall {:.0} W = {dc:.0} W / {:.1} % + {:.0} W transient allowance",
            Whole(psu.watts),
            p.curve(psu.tier).map(|c| c.tier.name()).unwrap_or(""),
            r.atx_source.split(" as reported").next().unwrap_or(""),
            Whole(wall.wall_w),
            wall.efficiency * 100.0,
            Whole(wall.allowance_w),
            dc = Whole(dc)
        ),
        wall,
        flags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Physical {
        Physical::builtin()
    }
    fn card(id: &'static str, tdp: f64, n: u32) -> PcCard<'static> {
        PcCard {
            hardware_id: id,
            name: id,
            catalog_cooling: Some("open-air"),
            catalog_width: 2.0,
            tdp_w: tdp,
            n,
        }
    }

    #[test]
    fn two_gpu_am5_builds_never_claim_an_unverified_layout_silently() {
        let b = board_plan(p(), "am5", "msi-x870e-gaming-plus-wifi", 2, |_| false);
        assert_eq!(b.item, "msi-x870e-gaming-plus-wifi");
        assert!(b.why.contains("unverified"), "{}", b.why);
        assert!(
            b.flags[0].contains("unverified") && b.flags[0].contains("ProArt"),
            "{:?}",
            b.flags
        );
        let priced = board_plan(p(), "am5", "msi-x870e-gaming-plus-wifi", 2, |i| {
            i == "asus-proart-x870e-creator-wifi"
        });
        assert_eq!(priced.item, "asus-proart-x870e-creator-wifi");
        assert!(priced.flags.is_empty() && priced.why.contains("x8/x8"));
        let one = board_plan(p(), "am5", "msi-x870e-gaming-plus-wifi", 1, |_| false);
        assert!(one.flags.is_empty());
    }

    #[test]
    fn psu_plan_takes_the_cheapest_priced_fit_or_flags_the_shortfall() {
        let price = |i: &str| match i {
            "enermax-revolution-iii-1000w" => Some(91.0),
            "asrock-pg-1600g" => Some(205.0),
            _ => None,
        };
        // One RTX 5090: 997.5 W by ATX 3.1 -> the 1000 W unit.
        let one = psu_plan(p(), 575.0, 1, 270.0, price).unwrap();
        assert_eq!(one.item, "enermax-revolution-iii-1000w");
        assert!(one.flags.is_empty());
        // Two: 1,860 W -> no priced unit; the 1600 W one with a power limit.
        let two = psu_plan(p(), 1150.0, 2, 270.0, price).unwrap();
        assert_eq!(two.item, "asrock-pg-1600g");
        assert!(two.flags[0].contains("power-limit") && two.flags[0].contains("asus-pro-ws-2200w"));
        assert!(psu_plan(p(), 575.0, 1, 270.0, |_| None).is_none());
    }

    #[test]
    fn partner_cards_are_planned_thicker_than_the_catalog_says() {
        let w = p().widths(&[card("rtx-5090", 575.0, 2)]);
        assert_eq!(w.len(), 2);
        assert!(w.iter().all(|x| *x > 2.0));
        let fit = p()
            .fit(
                "asus-proart-x870e-creator-wifi",
                &[card("rtx-5090", 575.0, 2)],
                "fractal-define-7",
            )
            .unwrap();
        assert!(matches!(fit, SlotFit::NeedsRisers { .. }));
    }

    #[test]
    fn cards_noise_counts_every_card() {
        let b = "msi-x870e-gaming-plus-wifi";
        let one = p()
            .cards_noise(&[card("rtx-5090", 575.0, 1)], b, "fractal-define-7")
            .unwrap();
        let two = p()
            .cards_noise(&[card("rtx-5090", 575.0, 2)], b, "fractal-define-7")
            .unwrap();
        assert!(two.dba > one.dba + 2.0);
        // Two 3-slot cards three positions apart touch: the upper one is stacked.
        let c3 = |n| PcCard {
            catalog_width: 3.0,
            ..card("rtx-3090", 350.0, n)
        };
        let packed = p().cards_noise(&[c3(2)], b, "fractal-define-7").unwrap();
        let apart = p()
            .cards_noise(&[card("rtx-3090", 350.0, 2)], b, "fractal-define-7")
            .unwrap();
        assert!(packed.dba > apart.dba, "{packed:?} vs {apart:?}");
    }
}
