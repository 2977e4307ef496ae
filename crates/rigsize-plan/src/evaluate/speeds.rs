//! Speeds of deployments alone on their devices, cached across the
//! candidates of one plan: the costly part of an evaluation.

use rustc_hash::FxHashMap;

use rigsize_core::dtype::KvType;
use rigsize_core::engine::Backend;
use rigsize_core::hardware::{Device, DeviceSet};
use rigsize_speed::calib::Resolved;
use rigsize_speed::model::{Link, Split};

use crate::candidates::Hw;
use crate::placement::{Deployment, Placement};
use crate::requirements::{Ctx, EngineFamily};
use crate::speed::{calibrated, role_speed_with, SpeedInput};

/// (model, roles served as a bit set, streams, kv, device count, card types
/// used as a bit set of plan-wide device ids, engine family and backend,
/// split, link):
/// everything a deployment's speed alone depends on within one plan.
/// Deployments with a role or device id past the bit sets' width are
/// computed without the cache (memory stays linear in roles).
type SpeedKey = (
    usize,
    u128,
    u32,
    KvType,
    u32,
    u128,
    (EngineFamily, Option<Backend>),
    Split,
    Option<Link>,
);
/// (step s, prefill tok/s, ttft s)
type SpeedValue = (f64, f64, f64);

/// Speeds of deployments alone on their devices, shared by every candidate
/// of one plan (a deployment alone on one RTX 5090 runs at the same speed in
/// the 1-, 2- and 4-card builds and in the mixed pairs), and the plan-wide
/// ids of the devices seen. Bounded by the evaluations the plan's caps allow.
#[derive(Default)]
pub(crate) struct Speeds {
    map: FxHashMap<SpeedKey, SpeedValue>,
    /// Calibrations by (family, backend, plan-wide device id).
    calibrations: FxHashMap<(EngineFamily, Option<Backend>, u32), Resolved>,
    /// Devices by plan-wide id (compared whole: a system's memory
    /// configuration keeps its catalog id but not its capacity).
    devices: Vec<Device>,
}

/// One candidate's handle on the plan's [`Speeds`]: the plan-wide id of
/// each of its cards' type (a type = the first card with that catalog id).
pub(crate) struct SpeedCache {
    type_ids: Vec<u32>,
}

impl SpeedCache {
    pub(crate) fn new(cx: &Ctx, hw: &Hw) -> SpeedCache {
        let mut speeds = cx.speeds.borrow_mut();
        let type_ids = (0..hw.cards.len())
            .map(|g| {
                let t = &hw.cards[card_type(hw, g)];
                match speeds.devices.iter().position(|d| d == t) {
                    Some(i) => i as u32,
                    None => {
                        speeds.devices.push(t.clone());
                        (speeds.devices.len() - 1) as u32
                    }
                }
            })
            .collect();
        SpeedCache { type_ids }
    }
}

/// The type of card `g`: the index of the first card with its catalog id.
fn card_type(hw: &Hw, g: usize) -> usize {
    hw.cards
        .iter()
        .position(|c| c.id == hw.cards[g].id)
        .unwrap_or(0)
}

/// The card types a placement runs on.
fn card_types(hw: &Hw, p: &Placement) -> Vec<usize> {
    let mut t: Vec<usize> = p.iter().map(|&(g, _)| card_type(hw, g)).collect();
    t.sort_unstable();
    t.dedup();
    t
}

/// A deployment alone on its devices: (step s, prefill tok/s, ttft s).
pub(super) fn deployment_speed(
    cx: &Ctx,
    hw: &Hw,
    d: &Deployment,
    p: &Placement,
    kv: KvType,
    cache: &SpeedCache,
) -> SpeedValue {
    let k = p.len() as u32;
    let ids = || p.iter().map(|&(g, _)| cache.type_ids[g]);
    let key = (d.roles.iter().all(|&r| r < 128) && ids().all(|t| t < 128)).then(|| {
        (
            d.model,
            d.roles.iter().fold(0u128, |a, &r| a | 1 << r),
            d.streams,
            kv,
            k,
            ids().fold(0u128, |a, t| a | 1 << t),
            (hw.family, hw.backend),
            hw.split,
            hw.link,
        )
    });
    if let Some(v) = key
        .as_ref()
        .and_then(|key| cx.speeds.borrow().map.get(key).copied())
    {
        return v;
    }
    let v = alone_speed(cx, hw, d, &card_types(hw, p), k, kv, cache);
    if let Some(key) = key {
        cx.speeds.borrow_mut().map.insert(key, v);
    }
    v
}

/// [`deployment_speed`] computed: on `k` devices of each of `types`.
fn alone_speed(
    cx: &Ctx,
    hw: &Hw,
    d: &Deployment,
    types: &[usize],
    k: u32,
    kv: KvType,
    cache: &SpeedCache,
) -> SpeedValue {
    let rm = &cx.models[d.model];
    let (depth, prompt) = depth_and_prompt(cx, d);
    // One card type: that card's speed. A layer split over unequal
    // cards: every token passes through both, so it is planned at the
    // slower card's pace (the k-card estimate of each type, slowest kept).
    let mut v = (0f64, f64::INFINITY, 0f64);
    for &t in types {
        let set = DeviceSet {
            device: hw.cards[t].clone(),
            count: k,
        };
        let mut speeds = cx.speeds.borrow_mut();
        let cal = speeds
            .calibrations
            .entry((hw.family, hw.backend, cache.type_ids[t]))
            .or_insert_with(|| calibrated(hw.family.engine(), hw.backend, &hw.cards[t]));
        let e = role_speed_with(
            &SpeedInput {
                model: &rm.arch,
                weights: rm.weights(hw.family),
                devices: &set,
                engine: hw.family.engine(),
                split: hw.split,
                link: hw.link,
                streams: d.streams,
                depth_tokens: depth.max(prompt),
                kv_type: kv,
                prompt_tokens: prompt,
            },
            cal,
        );
        v = (
            v.0.max(e.step_s),
            v.1.min(e.prefill_tok_s),
            v.2.max(e.ttft_s),
        );
    }
    v
}

/// Depth: half of each stream's context (the average over a conversation
/// that fills it), weighted by streams; and the prompt timed for the first
/// token: the longest role's, else the depth (at most 8192).
fn depth_and_prompt(cx: &Ctx, d: &Deployment) -> (u64, u64) {
    let (mut tok, mut s, mut prompt) = (0u64, 0u64, 0u64);
    for &ri in &d.roles {
        let r = &cx.req.roles[ri];
        tok += cx.ctx_of(ri, d.model) / 2 * r.streams as u64;
        s += r.streams as u64;
        if let Some(p) = r.ttft_prompt.as_ref().and_then(|p| p.tokens().ok()) {
            prompt = prompt.max(p);
        }
    }
    let depth = tok / s.max(1);
    let prompt = if prompt == 0 { depth.min(8192) } else { prompt };
    (depth, prompt)
}
