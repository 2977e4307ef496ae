//! `[have]` (or `rigsize plan --have SPEC|local`): hardware the buyer
//! already owns. Builds that use it count those parts at 0 CHF, so the plan
//! answers "what should I add to what I have".

use rigsize_catalog::Catalog;
use rigsize_core::hardware::Device;
use serde::{Deserialize, Serialize};

use crate::candidates::Hw;
use crate::error::PlanError;

/// `[have]`: owned devices as hardware specs (`rtx-3090:2`, `m3-ultra-80c@256`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Have {
    pub hw: Vec<String>,
}

/// One owned device kind: the ids a build's part may name it by.
pub(crate) struct Owned {
    device: Device,
    count: u32,
}

pub(crate) fn resolve(have: &Have, catalog: &Catalog) -> Result<Vec<Owned>, PlanError> {
    have.hw
        .iter()
        .map(|spec| {
            let set = catalog.device_set(spec)?;
            Ok(Owned {
                device: set.device,
                count: set.count,
            })
        })
        .collect()
}

/// The device a part is: a `gpu` part names its card; a `system` part is
/// the build's own device (a Mac or a unified-memory box).
fn part_device<'a>(
    catalog: &'a Catalog,
    hw: &'a Hw,
    kind: &str,
    item_id: &str,
) -> Option<&'a Device> {
    match kind {
        "gpu" => catalog.hardware_record(item_id).ok().map(|r| &r.device),
        "system" => Some(&hw.device),
        _ => None,
    }
}

/// The same device in the same memory configuration.
fn is_owned(d: &Device, o: &Owned) -> bool {
    d.id == o.device.id && d.memory_bytes == o.device.memory_bytes
}

/// Counts owned parts of every candidate at 0 CHF (up to the owned count).
pub(crate) fn apply(hws: &mut [Hw], owned: &[Owned], catalog: &Catalog) {
    for hw in hws.iter_mut() {
        let mut left: Vec<u32> = owned.iter().map(|o| o.count).collect();
        let mut parts = Vec::with_capacity(hw.components.len());
        for c in std::mem::take(&mut hw.components) {
            let dev = part_device(catalog, hw, &c.kind, &c.item_id);
            let hit = owned
                .iter()
                .position(|o| dev.is_some_and(|d| is_owned(d, o)))
                .filter(|&i| left[i] > 0);
            let Some(i) = hit else {
                parts.push(c);
                continue;
            };
            let mine = c.quantity.min(left[i]);
            left[i] -= mine;
            let mut free = c.clone();
            free.quantity = mine;
            free.unit_price_chf = 0.0;
            free.price_chf = 0.0;
            free.price_source = "you own it ([have])".into();
            free.condition = "owned".into();
            hw.flags.push(format!(
                "uses {mine}× {} you already own (counted at 0 CHF)",
                c.name
            ));
            parts.push(free);
            if c.quantity > mine {
                let mut bought = c;
                bought.quantity -= mine;
                bought.price_chf = bought.unit_price_chf * bought.quantity as f64;
                parts.push(bought);
            }
        }
        hw.components = parts;
    }
}
