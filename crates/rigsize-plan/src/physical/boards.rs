//! Boards, slots and cases: which lanes each GPU gets (CPU- or
//! chipset-attached, and whether that wiring is documented), and whether the
//! cards' thickness fits the slot spacing and the case's expansion slots.

use super::{Attach, Board, CardShape, Physical};

/// The lanes one GPU slot gives in a build of `n` cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotLanes {
    pub lanes: u32,
    pub gen: u32,
    pub attach: Attach,
}

/// What a board gives `n` GPUs, and whether the data calls it documented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneLayout {
    pub slots: Vec<SlotLanes>,
    pub verified: bool,
}

impl LaneLayout {
    /// "x8/x8 (CPU)" style: what the report may claim.
    pub fn describe(&self) -> String {
        let lanes = self
            .slots
            .iter()
            .map(|s| format!("x{}", s.lanes))
            .collect::<Vec<_>>()
            .join("/");
        let attach = if self.slots.len() == 1 && self.slots[0].attach == Attach::Cpu {
            format!("PCIe {}.0 from the CPU", self.slots[0].gen)
        } else if self.slots.iter().all(|s| s.attach == Attach::Cpu) {
            "all CPU-attached".to_string()
        } else {
            self.slots
                .iter()
                .map(|s| match s.attach {
                    Attach::Cpu => format!("PCIe {}.0 x{} CPU", s.gen, s.lanes),
                    Attach::Chipset => format!("PCIe {}.0 x{} via chipset", s.gen, s.lanes),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!("{lanes} ({attach})")
    }
    /// Every GPU on CPU lanes, at least x8 each: enough for a layer split and
    /// independent models (the chipset link is shared with everything else).
    pub fn gpu_worthy(&self) -> bool {
        self.slots
            .iter()
            .all(|s| s.attach == Attach::Cpu && s.lanes >= 8)
    }
}

/// The lanes of the first `n` GPU slots (None: the board has fewer).
pub fn lane_layout(board: &Board, n: u32) -> Option<LaneLayout> {
    let n = n.max(1) as usize;
    if n > board.slots.len() {
        return None;
    }
    let slots = board.slots[..n]
        .iter()
        .map(|s| SlotLanes {
            lanes: if n == 1 { s.lanes_one } else { s.lanes_two },
            gen: s.gen,
            attach: s.attach,
        })
        .collect();
    Some(LaneLayout {
        slots,
        verified: board.layout_verified,
    })
}

/// Whether the cards fit the board's GPU slots and the case natively.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotFit {
    /// In this order (indices into the widths given), without risers.
    Fits {
        order: Vec<usize>,
        spacing_verified: bool,
    },
    /// A card covers the next GPU slot, or the lowest card overhangs the case.
    NeedsRisers { reason: String },
    /// The board has fewer GPU slots than cards.
    TooManyCards { slots: usize },
}

/// Does a card of `width` slots in `position` leave `next` free, and does the
/// lowest card stay inside a case of `case_slots` expansion slots?
fn order_fits(board: &Board, widths: &[f64], order: &[usize], case_slots: u32) -> Option<String> {
    for (k, &i) in order.iter().enumerate() {
        let pos = board.slots[k].position;
        let span = widths[i].ceil() as u32;
        if let Some(next) = board.slots.get(k + 1).filter(|_| k + 1 < order.len()) {
            if pos + span > next.position {
                return Some(format!(
                    "a {}-slot card in slot position {pos} covers the next GPU slot (position {})",
                    widths[i], next.position
                ));
            }
        } else if pos + span - 1 > case_slots {
            return Some(format!(
                "a {}-slot card in slot position {pos} needs {} expansion slots; the case has {case_slots}",
                widths[i],
                pos + span - 1
            ));
        }
    }
    None
}

/// Cards of `widths` slots on `board` in a case with `case_slots` expansion
/// slots; two cards are tried in both orders (a thin card can sit above).
pub fn slot_fit(board: &Board, widths: &[f64], case_slots: u32) -> SlotFit {
    if widths.len() > board.slots.len() {
        return SlotFit::TooManyCards {
            slots: board.slots.len(),
        };
    }
    let natural: Vec<usize> = (0..widths.len()).collect();
    let mut orders = vec![natural.clone()];
    if widths.len() == 2 {
        orders.push(vec![1, 0]);
    }
    let mut reason = String::new();
    for order in orders {
        match order_fits(board, widths, &order, case_slots) {
            None => {
                return SlotFit::Fits {
                    order,
                    spacing_verified: board.spacing_verified,
                }
            }
            Some(r) if reason.is_empty() => reason = r,
            Some(_) => {}
        }
    }
    SlotFit::NeedsRisers { reason }
}

/// For cards placed in `order` on `board`: whether each card (by index into
/// `widths`) has no free slot below it before the next GPU.
pub fn stacked(board: &Board, widths: &[f64], order: &[usize]) -> Vec<bool> {
    let mut out = vec![false; widths.len()];
    for (k, &i) in order.iter().enumerate() {
        if let (Some(s), Some(next)) = (board.slots.get(k), board.slots.get(k + 1)) {
            if k + 1 < order.len() {
                out[i] = s.position + widths[i].ceil() as u32 >= next.position;
            }
        }
    }
    out
}

impl Physical {
    /// The thickness a build plans with for a card, and where that comes
    /// from: the [[card]] record, else the catalog's slot width.
    pub fn card_slots(&self, hardware_id: &str, catalog_width: f64) -> (f64, Option<&CardShape>) {
        match self.card(hardware_id) {
            Some(c) => (c.planned_slots(), Some(c)),
            None => (catalog_width, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Physical {
        Physical::builtin()
    }

    #[test]
    fn proart_gives_two_documented_cpu_x8_slots_and_the_strix_does_not() {
        let proart = lane_layout(p().board("asus-proart-x870e-creator-wifi").unwrap(), 2).unwrap();
        assert!(proart.verified && proart.gpu_worthy());
        assert_eq!(proart.describe(), "x8/x8 (all CPU-attached)");
        let strix =
            lane_layout(p().board("asus-rog-strix-x870e-e-gaming-wifi").unwrap(), 2).unwrap();
        assert!(strix.verified && !strix.gpu_worthy());
        assert!(
            strix.describe().contains("via chipset"),
            "{}",
            strix.describe()
        );
        let one = lane_layout(p().board("asus-proart-x870e-creator-wifi").unwrap(), 1).unwrap();
        assert_eq!(one.slots[0].lanes, 16);
    }

    #[test]
    fn the_msi_layout_is_marked_unverified() {
        let msi = lane_layout(p().board("msi-x870e-gaming-plus-wifi").unwrap(), 2).unwrap();
        assert!(!msi.verified);
    }

    #[test]
    fn partner_5090s_do_not_fit_two_slots_three_apart_but_reference_cards_do() {
        let board = p().board("asus-proart-x870e-creator-wifi").unwrap();
        let (w5090, rec) = p().card_slots("rtx-5090", 2.0);
        assert!(rec.is_some() && w5090 > 3.0);
        assert!(matches!(
            slot_fit(board, &[w5090, w5090], 7),
            SlotFit::NeedsRisers { .. }
        ));
        let (wpro, _) = p().card_slots("rtx-pro-6000-ws", 3.0);
        assert!(matches!(
            slot_fit(board, &[wpro, wpro], 7),
            SlotFit::Fits { .. }
        ));
    }

    #[test]
    fn a_thin_card_goes_above_a_thick_one_when_that_is_the_only_way() {
        let board = p().board("asus-proart-x870e-creator-wifi").unwrap();
        // 4-slot card + 1-slot card: thick card on top covers slot 2; thin on top fits
        // if the thick card then stays inside a 7-slot case (position 4 + 4 - 1 = 7).
        match slot_fit(board, &[4.0, 1.0], 7) {
            SlotFit::Fits { order, .. } => assert_eq!(order, vec![1, 0]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            slot_fit(board, &[4.0, 1.0], 6),
            SlotFit::NeedsRisers { .. }
        ));
    }

    #[test]
    fn more_cards_than_gpu_slots_is_reported() {
        let board = p().board("asus-proart-x870e-creator-wifi").unwrap();
        assert_eq!(
            slot_fit(board, &[2.0, 2.0, 2.0], 9),
            SlotFit::TooManyCards { slots: 2 }
        );
        assert!(lane_layout(board, 3).is_none());
    }

    #[test]
    fn unknown_cards_keep_the_catalog_width() {
        assert_eq!(p().card_slots("no-such-card", 2.5), (2.5, None));
    }
}
