//! Configured pre-built systems (BIZON, RECT): judged by the same rules as a
//! self-built PC with the same GPUs — placement, speed, noise by cooler
//! design, outlet — at the vendor's price for the whole system.

use rigsize_catalog::Catalog;
use rigsize_core::hardware::Device;
use rigsize_speed::model::Split;

use super::bom::component;
use super::pc::Card;
use super::{BuildKind, Hw};
use crate::data::PrebuiltRule;
use crate::requirements::{Ctx, EngineFamily, Platform};

/// data/physical.toml's case class for a vendor's chassis.
const VENDOR_CHASSIS: &str = "prebuilt-vendor-chassis";

/// Every priced pre-built of an allowed platform.
pub(crate) fn prebuilts(cx: &Ctx, catalog: &Catalog, unpriced: &mut Vec<String>) -> Vec<Hw> {
    if !cx.req.platform.allowed.contains(&Platform::Nvidia) {
        return vec![];
    }
    let mut out = Vec::new();
    for p in &cx.rules.prebuilt {
        let Ok(rec) = catalog.hardware_record(&p.gpu) else {
            unpriced.push(format!("{}: GPU '{}' not in the catalog", p.item, p.gpu));
            continue;
        };
        let Some(price) = cx.price(&p.item) else {
            unpriced.push(format!(
                "{} ({}): no price in the snapshot",
                p.vendor, p.item
            ));
            continue;
        };
        let d = &rec.device;
        let card = Card {
            d,
            price: &price,
            n: p.count,
            width: d.slot_width.unwrap_or(cx.rules.defaults.default_slot_width),
            tdp: d.tdp_w.unwrap_or(cx.rules.defaults.default_tdp_w),
            note: None,
        };
        // Noise and wall power by data/physical.toml: the vendor's chassis
        // (no damping assumed, no slot data: no stacking) and PSU (not
        // stated: the ATX 3.1 size at the assumed tier).
        let phys = crate::physical::Physical::builtin();
        let Some(noise) = phys.cards_noise(&[card.phys()], "", VENDOR_CHASSIS) else {
            continue;
        };
        let gpu_w = card.tdp * p.count as f64;
        let other_w = p.cpu_tdp_w + cx.rules.general.base_system_w;
        let Some(wall) = phys.unstated_psu_wall_power(gpu_w, other_w) else {
            continue;
        };
        let mut hw = prebuilt_hw(
            p,
            d,
            component(&price, 1, &p.note),
            noise.word,
            gpu_w + other_w,
        );
        hw.noise_dba = noise.dba;
        hw.wall_w = wall.wall_w;
        hw.flags.push(format!(
            "{}: PSU not stated — wall power {:.0} W assumes an {} unit of the ATX 3.1 size ({:.0} W); noise assumes an undamped chassis",
            p.vendor,
            wall.wall_w,
            phys.power.unstated_psu_tier.name(),
            wall.dc_w / wall.load
        ));
        out.push(hw);
    }
    out
}

fn prebuilt_hw(
    p: &PrebuiltRule,
    d: &Device,
    system: crate::report::Component,
    noise: crate::requirements::Noise,
    peak_w: f64,
) -> Hw {
    let devs = vec![d.clone(); p.count as usize];
    Hw {
        name: system.name.clone(),
        platform: Platform::Nvidia,
        hardware_id: p.gpu.clone(),
        device: d.clone(),
        count: p.count,
        available: d.memory_bytes,
        default_available: d.memory_bytes,
        caps: devs.iter().map(|x| x.memory_bytes).collect(),
        cards: devs,
        family: EngineFamily::LlamaCpp,
        backend: None,
        split: Split::Layer,
        link: None,
        components: vec![system],
        noise,
        noise_dba: 0.0,
        peak_w,
        wall_w: peak_w,
        flags: vec![format!("{}: {}", p.vendor, p.note)],
        build: BuildKind::Prebuilt,
    }
}
