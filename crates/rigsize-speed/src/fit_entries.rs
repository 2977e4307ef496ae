//! The calibration file's entries: a group holds the parameters that differ
//! from its parent's, rounded as written; the counts of fitted values.

use crate::calib::{EngineFactor, Group};
use crate::model::Params;

/// A group holding the parameters that differ from its parent's.
pub(crate) fn group_entry(
    class: &str,
    tier: Option<&str>,
    family: Option<&str>,
    p: &Params,
    parent: &Params,
) -> Option<Group> {
    let differs = |a: f64, b: f64| a != b;
    let g = Group {
        engine: "*".into(),
        class: class.into(),
        tier: tier.map(String::from),
        family: family.map(String::from),
        mem_eff: differs(p.mem_eff, parent.mem_eff).then_some(round(p.mem_eff, 3)),
        layer_overhead_us: differs(p.layer_overhead_s, parent.layer_overhead_s)
            .then_some(round(p.layer_overhead_s * 1e6, 1)),
        decode_util: differs(p.decode_util, parent.decode_util).then_some(round(p.decode_util, 4)),
        prefill_util: differs(p.prefill_util, parent.prefill_util)
            .then_some(round(p.prefill_util, 4)),
        attn_rel: differs(p.attn_rel, parent.attn_rel).then_some(round(p.attn_rel, 3)),
        decode_attn_util: differs(p.decode_attn_util, parent.decode_attn_util)
            .then_some(round(p.decode_attn_util, 4)),
        moe_prefill_half_tokens: differs(p.moe_prefill_half_tokens, parent.moe_prefill_half_tokens)
            .then_some(round(p.moe_prefill_half_tokens, 1)),
        stream_overhead_us: differs(p.stream_overhead_s, parent.stream_overhead_s)
            .then_some(round(p.stream_overhead_s * 1e6, 2)),
        moe_overhead_us: differs(p.moe_overhead_s, parent.moe_overhead_s)
            .then_some(round(p.moe_overhead_s * 1e6, 2)),
        launch_overhead_us: differs(p.launch_overhead_s, parent.launch_overhead_s)
            .then_some(round(p.launch_overhead_s * 1e6, 1)),
        batch_overhead_us: differs(p.batch_overhead_s, parent.batch_overhead_s)
            .then_some(round(p.batch_overhead_s * 1e6, 1)),
        moe_route_overlap: differs(p.moe_route_overlap, parent.moe_route_overlap)
            .then_some(round(p.moe_route_overlap, 3)),
        light_math_saving: differs(p.light_math_saving, parent.light_math_saving)
            .then_some(round(p.light_math_saving, 3)),
        ..Group::default()
    };
    (param_count(&g) > 0).then_some(g)
}

pub(crate) fn param_count(g: &Group) -> usize {
    [
        g.mem_eff,
        g.layer_overhead_us,
        g.decode_util,
        g.prefill_util,
        g.attn_rel,
        g.decode_attn_util,
        g.moe_prefill_half_tokens,
        g.stream_overhead_us,
        g.moe_overhead_us,
        g.launch_overhead_us,
        g.batch_overhead_us,
        g.moe_route_overlap,
        g.light_math_saving,
    ]
    .iter()
    .filter(|x| x.is_some())
    .count()
}

pub(crate) fn factor_count(f: &EngineFactor) -> usize {
    [
        f.mem_eff,
        f.layer_overhead,
        f.decode_util,
        f.prefill_util,
        f.attn_rel,
        f.decode_attn_util,
        f.stream_overhead,
        f.moe_overhead,
    ]
    .iter()
    .filter(|x| **x != 1.0)
    .count()
        + usize::from(f.request_latency_ms != 0.0)
        + usize::from(f.moe_route_overlap != 0.0)
}

pub(crate) fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}
