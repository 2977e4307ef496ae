//! Power: the PSU size by the ATX 3.1 excursion rules, the draw at the wall
//! (DC peak through the PSU's 80 PLUS curve plus a transient allowance), and
//! the outlet check against the circuit's continuous rating.

use super::{EfficiencyCurve, Physical, PowerRules, Psu};

/// Minimum efficiency at `load` (fraction of the rating): linear between the
/// tested points, the nearest tested figure outside them.
pub fn efficiency(curve: &EfficiencyCurve, load: f64) -> f64 {
    let (l, e) = (&curve.load, &curve.efficiency);
    if load <= l[0] {
        return e[0];
    }
    for i in 1..l.len() {
        if load <= l[i] {
            let t = (load - l[i - 1]) / (l[i] - l[i - 1]);
            return e[i - 1] + t * (e[i] - e[i - 1]);
        }
    }
    e[e.len() - 1]
}

/// The smallest PSU rating the ATX 3.1 rules allow: the sustained load, and
/// the worst 100 µs excursion (every GPU at `gpu_excursion_ratio` × its
/// board power at once) within `psu_excursion_ratio` × the rating.
pub fn atx_psu_need(rules: &PowerRules, gpu_w: f64, other_w: f64) -> f64 {
    let sustained = gpu_w + other_w;
    let excursion = (rules.gpu_excursion_ratio * gpu_w + other_w) / rules.psu_excursion_ratio;
    sustained.max(excursion)
}

/// The highest per-card power limit at which `n_gpus` cards and `other_w`
/// stay within a `psu_w` PSU by the same rules (None: not even at 0 W).
pub fn gpu_power_limit(rules: &PowerRules, psu_w: f64, n_gpus: u32, other_w: f64) -> Option<f64> {
    let n = n_gpus.max(1) as f64;
    let by_sustained = (psu_w - other_w) / n;
    let by_excursion =
        (rules.psu_excursion_ratio * psu_w - other_w) / (rules.gpu_excursion_ratio * n);
    let w = by_sustained.min(by_excursion);
    (w > 0.0).then_some(w)
}

/// What the PSU choice found.
#[derive(Debug, Clone, PartialEq)]
pub enum PsuChoice<'a> {
    /// The cheapest priced PSU at least as large as the need.
    Fits { psu: &'a Psu, price_chf: f64 },
    /// No priced PSU is large enough: the largest priced one (if any), and
    /// the smallest large-enough one that has no price (if any).
    Short {
        largest_priced: Option<(&'a Psu, f64)>,
        unpriced_fit: Option<&'a Psu>,
    },
}

/// Only priced PSUs are chosen; `price` gives a PSU's price under the
/// buyer's purchase conditions.
pub fn choose_psu<'a>(
    need_w: f64,
    psus: &'a [Psu],
    price: impl Fn(&Psu) -> Option<f64>,
) -> PsuChoice<'a> {
    let priced: Vec<(&Psu, f64)> = psus
        .iter()
        .filter_map(|p| price(p).map(|c| (p, c)))
        .collect();
    if let Some(&(psu, price_chf)) = priced
        .iter()
        .filter(|(p, _)| p.watts >= need_w)
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.watts.total_cmp(&b.0.watts)))
    {
        return PsuChoice::Fits { psu, price_chf };
    }
    PsuChoice::Short {
        largest_priced: priced
            .iter()
            .copied()
            .max_by(|a, b| a.0.watts.total_cmp(&b.0.watts).then(b.1.total_cmp(&a.1))),
        unpriced_fit: psus
            .iter()
            .filter(|p| p.watts >= need_w && price(p).is_none())
            .min_by(|a, b| a.watts.total_cmp(&b.watts)),
    }
}

/// Power at the wall for a DC peak through one PSU.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WallPower {
    pub dc_w: f64,
    /// PSU load as a fraction of its rating.
    pub load: f64,
    pub efficiency: f64,
    /// DC / efficiency.
    pub ac_w: f64,
    pub allowance_w: f64,
    /// ac_w + allowance_w.
    pub wall_w: f64,
}

/// DC peak (`gpu_w` of it on GPUs) through `psu`: DC / efficiency at that
/// load, plus the transient allowance on the GPUs' share.
pub fn wall_power(
    rules: &PowerRules,
    curve: &EfficiencyCurve,
    psu_w: f64,
    dc_w: f64,
    gpu_w: f64,
) -> WallPower {
    let load = dc_w / psu_w;
    let eff = efficiency(curve, load);
    let ac_w = dc_w / eff;
    let allowance_w = rules.transient_allowance_gpu_share * gpu_w;
    WallPower {
        dc_w,
        load,
        efficiency: eff,
        ac_w,
        allowance_w,
        wall_w: ac_w + allowance_w,
    }
}

/// The outlet check: wall power against the circuit's continuous rating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outlet {
    pub wall_w: f64,
    pub rating_w: f64,
    /// rating − wall (negative: over).
    pub margin_w: f64,
    pub ok: bool,
}

pub fn outlet(wall_w: f64, rating_w: f64) -> Outlet {
    Outlet {
        wall_w,
        rating_w,
        margin_w: rating_w - wall_w,
        ok: wall_w <= rating_w,
    }
}

impl Physical {
    /// Wall power of a PC whose PSU is `psu_item` (None: no [[psu]] record).
    pub fn pc_wall_power(&self, psu_item: &str, dc_w: f64, gpu_w: f64) -> Option<WallPower> {
        let psu = self.psu(psu_item)?;
        let curve = self.curve(psu.tier)?;
        Some(wall_power(&self.power, curve, psu.watts, dc_w, gpu_w))
    }

    /// Wall power of a system whose PSU is not stated: a unit of the
    /// `unstated_psu_tier` sized exactly by the ATX 3.1 rules.
    pub fn unstated_psu_wall_power(&self, gpu_w: f64, other_w: f64) -> Option<WallPower> {
        let curve = self.curve(self.power.unstated_psu_tier)?;
        let size = atx_psu_need(&self.power, gpu_w, other_w);
        Some(wall_power(&self.power, curve, size, gpu_w + other_w, gpu_w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physical::Tier;

    fn p() -> &'static Physical {
        Physical::builtin()
    }

    #[test]
    fn efficiency_interpolates_and_clamps() {
        let gold = p().curve(Tier::Gold).unwrap();
        assert_eq!(efficiency(gold, 0.05), 0.90);
        assert_eq!(efficiency(gold, 0.5), 0.92);
        assert!((efficiency(gold, 0.75) - 0.905).abs() < 1e-9);
        assert_eq!(efficiency(gold, 1.3), 0.89);
    }

    // Intel's worked ATX 3.0 example (TweakTown 85717): a 300 W GPU with a
    // 300 W CPU and 150 W for the rest needs a 750 W PSU.
    #[test]
    fn atx_rule_reproduces_intels_example() {
        assert!((atx_psu_need(&p().power, 300.0, 450.0) - 750.0).abs() < 1e-9);
    }

    #[test]
    fn excursions_decide_for_big_gpus_and_the_power_limit_inverts_the_rule() {
        let r = &p().power;
        // RTX 5090 (575 W) + 9950X (170 W) + 100 W: (3·575 + 270) / 2 = 997.5 W.
        let need = atx_psu_need(r, 575.0, 270.0);
        assert!((need - 997.5).abs() < 1e-9);
        let lim = gpu_power_limit(r, 1600.0, 2, 270.0).unwrap();
        assert!((atx_psu_need(r, 2.0 * lim, 270.0) - 1600.0).abs() < 1e-6);
        assert!(gpu_power_limit(r, 100.0, 1, 270.0).is_none());
    }

    fn psu(item: &str, watts: f64) -> Psu {
        Psu {
            item: item.into(),
            watts,
            tier: Tier::Gold,
            atx: "3.1".into(),
            source: "test".into(),
        }
    }

    #[test]
    fn only_priced_psus_are_chosen() {
        let psus = [
            psu("a", 1000.0),
            psu("b", 1600.0),
            psu("b2", 1600.0),
            psu("c", 2200.0),
        ];
        // Of the largest priced units, the cheaper one ("b").
        let price = |p: &Psu| match p.item.as_str() {
            "a" => Some(90.0),
            "b" => Some(200.0),
            "b2" => Some(350.0),
            _ => None,
        };
        match choose_psu(900.0, &psus, price) {
            PsuChoice::Fits { psu, price_chf } => {
                assert_eq!((psu.item.as_str(), price_chf), ("a", 90.0))
            }
            other => panic!("{other:?}"),
        }
        match choose_psu(1800.0, &psus, price) {
            PsuChoice::Short {
                largest_priced,
                unpriced_fit,
            } => {
                assert_eq!(largest_priced.map(|x| x.0.item.as_str()), Some("b"));
                assert_eq!(unpriced_fit.map(|x| x.item.as_str()), Some("c"));
            }
            other => panic!("{other:?}"),
        }
    }

    // Issue 10: 3× PRO 6000 WS (1,800 W of GPUs + 350 W CPU + 100 W) "met" a
    // 2,300 W outlet by summing DC watts.
    #[test]
    fn three_600_w_cards_exceed_a_swiss_10_a_outlet_at_the_wall() {
        let w = p()
            .pc_wall_power("asus-pro-ws-3000w", 2250.0, 1800.0)
            .unwrap();
        assert!(w.wall_w > w.dc_w / 0.95);
        let o = outlet(w.wall_w, 2300.0);
        assert!(!o.ok && o.margin_w < 0.0, "{w:?} {o:?}");
    }

    #[test]
    fn an_unstated_psu_is_taken_at_its_atx_size_and_the_assumed_tier() {
        let w = p().unstated_psu_wall_power(1150.0, 450.0).unwrap();
        let size = atx_psu_need(&p().power, 1150.0, 450.0);
        assert!((w.load - 1600.0 / size).abs() < 1e-9);
        assert!(w.wall_w > 1600.0 / 0.95);
    }

    #[test]
    fn wall_power_is_dc_over_efficiency_plus_allowance() {
        let w = p().pc_wall_power("asrock-pg-1600g", 870.0, 600.0).unwrap();
        let gold = p().curve(Tier::Gold).unwrap();
        let e = efficiency(gold, 870.0 / 1600.0);
        let allowance = p().power.transient_allowance_gpu_share * 600.0;
        assert!((w.wall_w - (870.0 / e + allowance)).abs() < 1e-9);
        assert!(outlet(w.wall_w, 2300.0).ok);
    }
}
