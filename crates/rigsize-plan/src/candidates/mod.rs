//! Candidates stage: every complete, priced build the catalog allows —
//! N of one GPU in a PC ([`pc`]), mixed two-GPU workstations ([`mixed`]),
//! unified-memory systems and clusters ([`systems`]) — each with its bill of
//! materials ([`bom`]).

pub(crate) mod bom;
pub(crate) mod mixed;
pub(crate) mod pc;
pub(crate) mod prebuilt;
pub(crate) mod systems;

use std::rc::Rc;

use rigsize_catalog::Catalog;
use rigsize_core::engine::Backend;
use rigsize_core::hardware::{Device, DeviceKind};
use rigsize_speed::model::{Link, Split};

use crate::cancel::Cancel;
use crate::data::PartPrice;
use crate::error::PlanError;
use crate::report::Component;
use crate::requirements::{Ctx, EngineFamily, Noise, Platform};

/// Largest number of one discrete GPU in a PC build.
const MAX_SAME_GPUS: u32 = 4;

/// One hardware candidate before placement: its devices, parts and traits.
#[derive(Clone)]
pub(crate) struct Hw {
    pub name: String,
    pub platform: Platform,
    pub hardware_id: String,
    /// The first device (a mixed pair: the larger card).
    pub device: Device,
    pub count: u32,
    /// Usable bytes per device for the engine.
    pub available: u64,
    /// Apple: available with the default wired limit (to flag a raise).
    pub default_available: u64,
    /// Every device, in plan order (a mixed pair: the larger card first).
    pub cards: Vec<Device>,
    /// Usable bytes of each device in `cards`.
    pub caps: Vec<u64>,
    pub family: EngineFamily,
    /// The engine's GPU backend when not the vendor's own (llama.cpp's
    /// Vulkan build on AMD and Intel; `None`: CUDA, ROCm, Metal).
    pub backend: Option<Backend>,
    pub split: Split,
    pub link: Option<Link>,
    pub components: Vec<Component>,
    pub noise: Noise,
    /// Estimated dBA at 1 m under load (data/physical.toml).
    pub noise_dba: f64,
    /// DC peak (PC) or the boxes' maximum draw (systems).
    pub peak_w: f64,
    /// Draw at the wall: DC peak through the PSU's efficiency plus the
    /// transient allowance (a PC); the boxes' maximum draw (systems).
    pub wall_w: f64,
    pub flags: Vec<String>,
    /// How the build is put together (a PC gets its storage after the models are known).
    pub build: BuildKind,
}

/// How a candidate is built: decides storage sizing and multi-device wording.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum BuildKind {
    /// A self-built PC with discrete GPUs.
    Pc,
    /// A unified-memory system, or a cluster of them.
    System,
    /// A vendor's configured system, priced whole.
    Prebuilt,
}

/// A priced discrete GPU that may join a PC build.
pub(crate) struct PricedGpu<'a> {
    pub device: &'a Device,
    pub price: Rc<PartPrice>,
    pub platform: Platform,
    pub width: f64,
    pub tdp: f64,
    /// What a buyer must know about this card (hardware.toml notes, after "Buyer note: ").
    pub buyer_note: Option<&'a str>,
}

/// The part of a catalog note addressed to buyers: the text after
/// `Buyer note: ` (data/hardware.toml keeps the editions' traps there).
fn buyer_note(notes: Option<&str>) -> Option<&str> {
    notes
        .and_then(|n| n.split_once("Buyer note: "))
        .map(|(_, b)| b.trim())
}

/// The vendor platform of a discrete GPU (its chip's maker).
fn gpu_platform(d: &Device) -> Option<Platform> {
    match d.vendor_key().as_str() {
        "nvidia" => Some(Platform::Nvidia),
        "amd" => Some(Platform::Amd),
        "intel" => Some(Platform::Intel),
        _ => None,
    }
}

/// Every candidate; parts without a price go to `unpriced`.
pub(crate) fn enumerate(
    cx: &Ctx,
    catalog: &Catalog,
    unpriced: &mut Vec<String>,
    cancel: &Cancel,
) -> Result<Vec<Hw>, PlanError> {
    let mut out = Vec::new();
    let priced = priced_gpus(cx, catalog, unpriced);
    for g in &priced {
        cancel.check()?;
        for n in 1..=MAX_SAME_GPUS {
            let card = pc::Card {
                d: g.device,
                price: &g.price,
                n,
                width: g.width,
                tdp: g.tdp,
                note: g.buyer_note,
            };
            out.extend(pc::pc_build(cx, g.platform, &[card]));
        }
    }
    cancel.check()?;
    out.extend(mixed::mixed_pairs(cx, &priced));
    cancel.check()?;
    out.extend(systems::systems(cx, catalog, unpriced));
    out.extend(prebuilt::prebuilts(cx, catalog, unpriced));
    Ok(out)
}

/// The discrete PCIe GPUs of an allowed platform that have a price.
fn priced_gpus<'c>(
    cx: &Ctx,
    catalog: &'c Catalog,
    unpriced: &mut Vec<String>,
) -> Vec<PricedGpu<'c>> {
    let mut priced = Vec::new();
    for rec in &catalog.hardware {
        let d = &rec.device;
        if d.kind != DeviceKind::Gpu || !rec.candidates.is_empty() {
            continue;
        }
        let Some(platform) = gpu_platform(d) else {
            continue;
        };
        if !cx.req.platform.allowed.contains(&platform) {
            continue;
        }
        let defaults = &cx.rules.defaults;
        let width = d.slot_width.unwrap_or(defaults.default_slot_width);
        if width <= 0.0 {
            continue; // SXM/OAM module: not a PCIe card
        }
        let Some(price) = cx.price(&d.id) else {
            unpriced.push(if cx.book.item(&d.id).is_some() {
                format!(
                    "{} ({}): no price under the purchase conditions (condition, risk, estimates)",
                    d.name, d.id
                )
            } else {
                format!("{} ({}): no price in the snapshot", d.name, d.id)
            });
            continue;
        };
        priced.push(PricedGpu {
            device: d,
            price,
            platform,
            width,
            tdp: d.tdp_w.unwrap_or(defaults.default_tdp_w),
            buyer_note: buyer_note(rec.notes.as_deref()),
        });
    }
    priced
}

#[cfg(test)]
mod tests {
    use super::buyer_note;

    #[test]
    fn the_buyer_note_is_the_text_after_its_marker() {
        assert_eq!(
            buyer_note(Some("Tensor figures derived. Buyer note: 300 W blower.")),
            Some("300 W blower.")
        );
        assert_eq!(buyer_note(Some("no marker here")), None);
        assert_eq!(buyer_note(None), None);
    }
}
