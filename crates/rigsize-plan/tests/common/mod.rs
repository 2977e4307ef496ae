//! Checks and requirements shared by the plan test files.

// Each test binary compiles common/ and uses only part of it.
#![allow(dead_code)]

use rigsize_plan::report::{Candidate, CheckKind, Verdict};
use rigsize_plan::Requirements;

/// A candidate marked as meeting every minimum really does, by the numbers
/// it prints (memory per device, speeds, context, memory minimum, power).
pub fn assert_meets_by_numbers(c: &Candidate, req: &Requirements) {
    assert!(c.memory.fits, "{}", c.name);
    assert!(
        c.memory.required_bytes <= c.memory.available_bytes,
        "{}",
        c.name
    );
    for d in &c.memory.devices {
        assert!(
            d.used_bytes <= d.available_bytes,
            "{} device {}",
            c.name,
            d.index
        );
    }
    for role in &c.roles {
        if let Some(m) = role.minimum {
            assert!(
                role.tok_s_per_stream >= m,
                "{}: {} {}",
                c.name,
                role.role,
                role.tok_s_per_stream
            );
        }
        assert_ne!(role.verdict, Verdict::Fails);
        assert!(
            role.model_max_context >= role.context,
            "{}: {}",
            c.name,
            role.model
        );
    }
    if let Some(min) = req.memory.min_gb {
        let one_model_gb = c.memory.largest_model_bytes as f64 / (1u64 << 30) as f64;
        assert!(one_model_gb + 0.5 >= min, "{}", c.name);
    }
    assert!(c.wall_power_w <= req.environment.max_watts(), "{}", c.name);
    assert!(c
        .checks
        .iter()
        .filter(|k| k.kind != CheckKind::Budget)
        .all(|k| k.verdict != Verdict::Fails));
    if c.qualifies {
        assert!(c.total_price_chf <= req.budget.max_chf);
    }
}

/// Every device of every ranked build holds a role, and no ranked build has
/// a device that only holds roles a ranked build of its other devices serves
/// with the same models and every minimum kept (issue 10, item 1).
pub fn assert_every_device_earns_its_place(r: &rigsize_plan::PlanReport, req: &Requirements) {
    for c in &r.candidates {
        for d in &c.memory.devices {
            assert!(
                !d.roles.is_empty(),
                "{}: device {} holds nothing",
                c.name,
                d.index
            );
        }
        if c.device_count < 2 {
            continue;
        }
        let devs = |x: &Candidate| {
            let mut v: Vec<(String, u64)> = x
                .memory
                .devices
                .iter()
                .map(|d| (d.device.clone(), d.memory_bytes))
                .collect();
            v.sort();
            v
        };
        let mine = devs(c);
        for o in &r.candidates {
            let sub = devs(o);
            let mut left = mine.clone();
            let strict_sub = sub.len() < mine.len()
                && sub.iter().all(|d| match left.iter().position(|x| x == d) {
                    Some(i) => {
                        left.remove(i);
                        true
                    }
                    None => false,
                });
            let same_models = o
                .roles
                .iter()
                .zip(&c.roles)
                .all(|(a, b)| a.model == b.model);
            let dedicated = req.roles.iter().any(|r| r.dedicated);
            assert!(
                !(strict_sub
                    && same_models
                    && o.platform == c.platform
                    && c.meets_all_minimums
                    && o.meets_all_minimums
                    && !dedicated),
                "{} has a device it does not need: {} serves the same models within every minimum",
                c.name,
                o.name
            );
        }
    }
}

/// One ~235B model that only a cluster of boxes holds (DGX Spark pairs, Mac clusters): the
/// requirements the distributed-command and bundle tests plan.
pub const BIG_ON_BOXES: &str = r#"
title = "one large model over boxes"
[[role]]
name = "main"
kind = "main"
models = ["qwen3-235b-a22b"]
context = "64k"
streams = 1
speed_min = 3
[budget]
max_chf = 30000
[platform]
allowed = ["dgx-spark", "apple"]
clusters = true
"#;

/// Two BF16 models on one NVIDIA card: two vLLM servers must share it.
pub const TWO_BF16: &str = r#"
title = "two bf16 models on one card"
[[role]]
name = "coder"
kind = "main"
models = ["qwen3-8b"]
quant = "bf16"
context = "32k"
streams = 2
speed_min = 10
[[role]]
name = "vision"
kind = "vision"
models = ["qwen2.5-vl-7b-instruct"]
quant = "bf16"
context = "8k"
streams = 1
speed_min = 5
[budget]
max_chf = 6000
[platform]
allowed = ["nvidia"]
"#;
