//! Mixed two-GPU workstations: one large card with one smaller card of the
//! same vendor.

use super::pc::{pc_build, Card};
use super::{Hw, PricedGpu};
use crate::requirements::Ctx;

/// How many of the largest priced cards (by memory) get a mixed partner.
const MIXED_LARGE: usize = 6;
/// Upper bound on mixed two-GPU candidates (bench: the whole plan < 100 ms).
const MAX_MIXED: usize = 60;

/// Each of the [`MIXED_LARGE`] largest priced actively cooled cards (by
/// memory) with, for every smaller memory size of the same vendor, the
/// cheapest card of that size — one of each card. Passive (server) cards are
/// left out: they need a server chassis, not a workstation, and their N-card
/// builds are already candidates.
pub(crate) fn mixed_pairs(cx: &Ctx, priced: &[PricedGpu]) -> Vec<Hw> {
    let active: Vec<usize> = (0..priced.len())
        .filter(|&i| priced[i].device.cooling.as_deref() != Some("passive"))
        .collect();
    let mut by_mem = active.clone();
    by_mem.sort_by(|&a, &b| {
        priced[b]
            .device
            .memory_bytes
            .cmp(&priced[a].device.memory_bytes)
    });
    // The cheapest card of each (vendor, memory size).
    let cheapest = |b: usize| {
        !active.iter().any(|&o| {
            priced[o].platform == priced[b].platform
                && priced[o].device.memory_bytes == priced[b].device.memory_bytes
                && (priced[o].price.price_chf, o) < (priced[b].price.price_chf, b)
        })
    };
    let mut out = Vec::new();
    for &a in by_mem.iter().take(MIXED_LARGE) {
        for &b in &by_mem {
            let (ga, gb) = (&priced[a], &priced[b]);
            if ga.platform != gb.platform
                || gb.device.memory_bytes >= ga.device.memory_bytes
                || !cheapest(b)
                || out.len() >= MAX_MIXED
            {
                continue;
            }
            let cards = [Card::one(ga), Card::one(gb)];
            out.extend(pc_build(cx, ga.platform, &cards));
        }
    }
    out
}
