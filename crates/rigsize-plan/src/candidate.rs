//! A hardware candidate turned into a [`Candidate`]: the best model choice
//! evaluated on it, each role's result, the memory per device, the checks
//! and the caveats.

use rigsize_core::dtype::KvType;
use rigsize_core::engine::Backend;
use rigsize_core::hardware::DeviceKind;
use rigsize_core::memory::runtime_overhead_per_device;
use rigsize_core::units::{format_tokens, to_gib};

use crate::cancel::Cancel;
use crate::candidates::bom::{add_storage, total_chf};
use crate::candidates::{BuildKind, Hw};
use crate::error::PlanError;
use crate::evaluate::{best_evaluation, evaluate, Evaluation, SpeedCache};
use crate::report::*;
use crate::requirements::{Ctx, Platform};
use crate::verdicts::{self, StreamsOutcome};

const GIB: f64 = rigsize_core::units::GIB;
/// Below this share of free memory a build is flagged (issue 10: "say < 10 %").
const LOW_HEADROOM_PCT: f64 = 10.0;

pub(crate) fn build_candidate(cx: &Ctx, hw: &Hw, cancel: &Cancel) -> Result<Candidate, PlanError> {
    let (other, combo, ev) = best_backend(cx, hw, cancel)?;
    let hw = other.as_ref().unwrap_or(hw);
    let req = cx.req;
    // Only the parts list and the flags become the candidate's own; the
    // rest of the build is read in place.
    let mut flags = hw.flags.clone();
    let mut components = hw.components.clone();
    add_storage(
        cx,
        hw,
        &mut components,
        ev.deployments.iter().map(|d| d.weights_bytes).sum(),
    );
    let total = total_chf(&components);
    let (roles, mut checks) = role_results(cx, hw, &combo, &ev);
    let memory = memory_summary(cx, hw, &ev);
    if !ev.fits {
        checks.push(verdicts::does_not_fit(
            &hw.name,
            memory.required_bytes,
            memory.available_bytes,
        ));
    }
    flags.extend(serving_flags(hw, &ev));
    let wired_limit_mb = wired_limit(hw, &ev);
    flags.extend(memory_flags(hw, &memory, wired_limit_mb));
    checks.push(verdicts::memory(
        req,
        memory.largest_model_bytes as f64 / GIB,
        memory.largest_model_span.describe(hw.count),
    ));
    let (servers, serving) = servers(cx, &ev);
    checks.push(verdicts::budget(req, total));
    checks.push(verdicts::noise(req, &hw.name, hw.noise, hw.noise_dba));
    checks.push(verdicts::power(req, hw.wall_w, hw.peak_w));
    flags.extend(part_flags(&components));
    let meets_all = verdicts::meets_all_minimums(&checks);
    if meets_all && req.roles.iter().any(|r| r.streams_target.is_some()) {
        checks.push(concurrency_check(cx, hw, &combo, ev.kv));
    }
    let targets_met = checks
        .iter()
        .filter(|c| c.verdict == Verdict::MeetsTarget)
        .count() as u32;
    let within = total <= req.budget.max_chf;
    Ok(Candidate {
        name: hw.name.clone(),
        platform: hw.platform,
        hardware_id: hw.hardware_id.clone(),
        device_count: hw.count,
        total_price_chf: total,
        within_budget: within,
        meets_all_minimums: meets_all,
        qualifies: meets_all && within,
        on_pareto_front: false,
        targets_met,
        components,
        roles,
        servers,
        serving,
        memory,
        checks,
        noise: hw.noise,
        noise_dba: round1(hw.noise_dba),
        peak_power_w: hw.peak_w,
        wall_power_w: hw.wall_w.round(),
        engine: hw.family.engine(),
        backend: hw.backend,
        wired_limit_mb,
        link: hw.link.filter(|_| hw.count > 1),
        flags,
        upgrade: None,
    })
}

/// The build with the engine backend that serves the workload better, its
/// model choice and evaluation. Where rigsize calibrates a second backend
/// for the engine on this device (llama.cpp's Vulkan build on AMD and
/// Intel: faster decode, slower prefill than ROCm), both are evaluated and
/// the one meeting more requirements wins, then the one with the shorter
/// decode steps under the full load; the vendor's own on a tie. `Some`
/// build: the other backend's, which replaces `hw`.
fn best_backend(
    cx: &Ctx,
    hw: &Hw,
    cancel: &Cancel,
) -> Result<(Option<Hw>, Vec<usize>, Evaluation), PlanError> {
    let (combo, ev) = best_evaluation(cx, hw, cancel)?;
    let Some(alt) = Backend::calibrated_alternative(hw.family.engine(), &hw.device) else {
        return Ok((None, combo, ev));
    };
    let other = Hw {
        backend: Some(alt),
        ..hw.clone()
    };
    let (alt_combo, alt_ev) = best_evaluation(cx, &other, cancel)?;
    let rank = |e: &Evaluation| (e.fits, e.all_ok, e.roles_ok, e.targets_met);
    let steps = |e: &Evaluation| e.step.iter().sum::<f64>();
    let alt_better = match rank(&alt_ev).cmp(&rank(&ev)) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => alt_ev.fits && steps(&alt_ev) < steps(&ev),
    };
    Ok(if alt_better {
        (Some(other), alt_combo, alt_ev)
    } else {
        (None, combo, ev)
    })
}

/// The memory summary: what the plan uses, the usable total, headroom and
/// the largest single model the build loads.
fn memory_summary(cx: &Ctx, hw: &Hw, ev: &Evaluation) -> MemorySummary {
    let runtime = runtime_overhead_per_device(hw.family.engine(), hw.device.kind);
    let required: u64 = if ev.fits {
        ev.used.iter().sum()
    } else {
        ev.deployments.iter().map(|d| d.base_bytes + runtime).sum()
    };
    let available: u64 = hw.caps.iter().sum();
    let headroom = available as i64 - required as i64;
    let headroom_pct = headroom as f64 / available.max(1) as f64 * 100.0;
    let (largest, span, largest_device) = largest_model(hw);
    MemorySummary {
        required_bytes: required,
        available_bytes: available,
        physical_bytes: hw.cards.iter().map(|c| c.memory_bytes).sum(),
        headroom_bytes: headroom,
        headroom_pct: (headroom_pct * 10.0).round() / 10.0,
        largest_model_bytes: largest,
        largest_model_span: span,
        largest_device_bytes: largest_device,
        fits: ev.fits,
        kv_type: ev.kv,
        kv_choice: ev.kv_choice,
        devices: device_memory(cx, hw, ev, runtime),
    }
}

/// Apple's wired limit, and too little headroom.
fn memory_flags(hw: &Hw, m: &MemorySummary, wired_limit_mb: Option<u64>) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(mb) = wired_limit_mb {
        flags.push(format!(
            "uses more than macOS's default GPU share ({:.0} GiB of {:.0} GiB): raise it with `sudo sysctl iogpu.wired_limit_mb={mb}`",
            to_gib(hw.default_available),
            to_gib(hw.device.memory_bytes),
        ));
    }
    if m.fits && m.headroom_pct < LOW_HEADROOM_PCT {
        flags.push(format!(
            "little memory headroom: {:.1} GiB ({:.1}% of the usable memory) left after the plan, below {LOW_HEADROOM_PCT:.0}%: longer prompts, more streams or a newer engine build may not fit",
            m.headroom_bytes as f64 / GIB,
            m.headroom_pct
        ));
    }
    flags
}

/// Estimated prices and used parts.
fn part_flags(components: &[Component]) -> Vec<String> {
    let mut flags = Vec::new();
    if components.iter().any(|c| c.estimate) {
        flags.push("some part prices are estimates (converted, MSRP-derived or guessed): see the bill of materials".into());
    }
    if components.iter().any(|c| c.condition == "used") {
        flags.push("includes used parts: check warranty and return terms".into());
    }
    flags
}

/// Each role's result and its speed, context, time-to-first-token and prefill checks.
fn role_results(
    cx: &Ctx,
    hw: &Hw,
    combo: &[usize],
    ev: &Evaluation,
) -> (Vec<RoleResult>, Vec<Check>) {
    let req = cx.req;
    let mut checks = Vec::new();
    let mut roles = Vec::new();
    for (ri, r) in req.roles.iter().enumerate() {
        let opt = &cx.options[ri][combo[ri]];
        let rm = &cx.models[opt.model];
        let di = ev.deployments.iter().position(|d| d.roles.contains(&ri));
        let (tps, pf, ttft, devices, shares) = match (ev.fits, di) {
            (true, Some(di)) => (
                1.0 / ev.step[di],
                ev.prefill[di].0,
                ev.prefill[di].1,
                ev.placements[di].iter().map(|x| x.0).collect(),
                ev.deployments[di]
                    .roles
                    .iter()
                    .filter(|&&o| o != ri)
                    .map(|&o| req.roles[o].name.clone())
                    .collect(),
            ),
            _ => (0.0, 0.0, 0.0, vec![], vec![]),
        };
        let tps = (tps * 10.0).round() / 10.0;
        let speed = verdicts::speed(r, &rm.arch.id, tps, ev.fits);
        let v = speed.verdict;
        checks.push(speed);
        checks.extend(verdicts::context(
            r,
            &rm.arch.id,
            rm.arch.max_context(),
            cx.ctx[ri],
            cx.ctx_min[ri],
        ));
        checks.extend(verdicts::ttft(r, ttft));
        checks.extend(verdicts::prefill(r, pf));
        roles.push(RoleResult {
            role: r.name.clone(),
            kind: r.kind,
            model: rm.arch.id.clone(),
            model_name: rm.arch.name.clone(),
            quant: rm.quant(hw.family).to_string(),
            context: cx.ctx_of(ri, opt.model),
            streams: r.streams,
            tok_s_per_stream: tps,
            target: r.speed_target,
            minimum: r.speed_min,
            verdict: v,
            prefill_tok_s: (pf * 10.0).round() / 10.0,
            ttft_s: (ttft * 100.0).round() / 100.0,
            model_native_context: rm.arch.native_context,
            model_max_context: rm.arch.max_context(),
            quality_pct: opt.quality,
            devices,
            shares_weights_with: shares,
        });
    }
    (roles, checks)
}

/// What each device holds: weights, KV cache and buffers per deployment.
fn device_memory(cx: &Ctx, hw: &Hw, ev: &Evaluation, runtime: u64) -> Vec<DeviceMemory> {
    (0..hw.count as usize)
        .map(|g| DeviceMemory {
            index: g,
            device: hw.cards[g].name.clone(),
            memory_bytes: hw.cards[g].memory_bytes,
            available_bytes: hw.caps[g],
            used_bytes: if ev.fits { ev.used[g] } else { 0 },
            used_pct: if ev.fits {
                (ev.used[g] as f64 / hw.caps[g].max(1) as f64 * 1000.0).round() / 10.0
            } else {
                0.0
            },
            roles: if ev.fits {
                device_roles(cx, ev, g)
            } else {
                vec![]
            },
            parts: if ev.fits {
                device_parts(cx, hw, ev, runtime, g)
            } else {
                vec![]
            },
        })
        .collect()
}

fn device_parts(cx: &Ctx, hw: &Hw, ev: &Evaluation, runtime: u64, g: usize) -> Vec<MemoryPart> {
    let req = cx.req;
    let mut parts = Vec::new();
    for (di, p) in ev.placements.iter().enumerate() {
        let Some(&(_, bytes)) = p.iter().find(|x| x.0 == g) else {
            continue;
        };
        let d = &ev.deployments[di];
        // Fraction of the deployment here (each device also holds its runtime).
        let f = bytes.saturating_sub(runtime) as f64 / d.base_bytes.max(1) as f64;
        let m = &cx.models[d.model].arch.id;
        let q = cx.models[d.model].quant(hw.family);
        let names: Vec<String> = d.roles.iter().map(|&r| req.roles[r].name.clone()).collect();
        let share = if p.len() > 1 {
            format!(" ({:.0}% of the layers)", f * 100.0)
        } else {
            String::new()
        };
        parts.push(MemoryPart {
            label: format!("{m} {q} weights — {}{share}", names.join(" + ")),
            bytes: (d.weights_bytes as f64 * f) as u64,
            model: Some(m.clone()),
            weights: true,
        });
        let kv_desc: Vec<String> = d
            .roles
            .iter()
            .map(|&r| {
                format!(
                    "{} × {}",
                    req.roles[r].streams,
                    format_tokens(cx.ctx_of(r, d.model))
                )
            })
            .collect();
        parts.push(MemoryPart {
            label: format!("KV cache {} ({}), {}", kv_desc.join(" + "), ev.kv.name(), m),
            bytes: ((d.kv_bytes + d.state_bytes) as f64 * f) as u64,
            model: Some(m.clone()),
            weights: false,
        });
        parts.push(MemoryPart {
            label: format!("compute buffers + runtime, {m}"),
            bytes: ((d.compute_bytes as f64) * f) as u64 + runtime,
            model: Some(m.clone()),
            weights: false,
        });
    }
    parts
}

/// How the models are served across several machines, and KV quantization.
fn serving_flags(hw: &Hw, ev: &Evaluation) -> Vec<String> {
    let mut flags = Vec::new();
    if hw.count > 1 && ev.fits && hw.build == BuildKind::System {
        if ev.placements.iter().any(|p| p.len() > 1) {
            flags.push(if hw.platform == Platform::Apple {
                "a model spans several Macs: tensor parallelism over Thunderbolt 5 needs RDMA (macOS 26.2+, MLX JACCL / exo 1.0); without RDMA expect a fraction of the planned speed".to_string()
            } else {
                format!("a model spans the units over the {} link (llama.cpp RPC / vLLM multi-node over Ray): the link's speed is an estimate, unmeasured", hw.link.map_or("direct", |l| l.describe()))
            });
        } else {
            flags.push("each model runs on its own machine: one server per box, clients address them separately (no interconnect traffic)".into());
        }
    }
    if ev.fits && ev.kv != KvType::F16 {
        let why = match ev.kv_choice {
            KvChoice::ForSpeed => "for speed: f16 fits but misses a speed minimum, and the smaller cache is read faster",
            _ => "to fit",
        };
        flags.push(format!(
            "KV cache quantized to {} {why} (llama.cpp -ctk/-ctv q8_0 with -fa on; vLLM --kv-cache-dtype fp8; MLX --kv-bits 8)",
            ev.kv.name()
        ));
    }
    flags
}

/// Apple: the wired limit to set when the plan uses more than the default share.
fn wired_limit(hw: &Hw, ev: &Evaluation) -> Option<u64> {
    (hw.device.kind == DeviceKind::AppleSoc
        && ev.fits
        && ev.used.iter().any(|u| *u > hw.default_available))
    .then_some(hw.available >> 20)
}

/// The concurrency target: every role at its `streams_target` (KV requantized if needed).
fn concurrency_check(cx: &Ctx, hw: &Hw, combo: &[usize], kv: KvType) -> Check {
    let req = cx.req;
    let targets: Vec<u32> = req
        .roles
        .iter()
        .map(|r| r.streams_target.unwrap_or(r.streams))
        .collect();
    let cache = SpeedCache::new(cx, hw);
    let e = evaluate(cx, hw, combo, kv, Some(&targets), &cache);
    let e = if e.fits {
        e
    } else {
        evaluate(cx, hw, combo, KvType::Q8_0, Some(&targets), &cache)
    };
    let outcome = match (e.fits, e.all_ok) {
        (true, true) => StreamsOutcome::FitsAndKeepsMinimums,
        (true, false) => StreamsOutcome::FitsButSlow,
        _ => StreamsOutcome::DoesNotFit,
    };
    verdicts::concurrency(
        targets.iter().sum(),
        req.roles.iter().map(|r| r.streams).sum(),
        outcome,
    )
}

/// The roles with (part of) their model on device `g`.
fn device_roles(cx: &Ctx, ev: &Evaluation, g: usize) -> Vec<String> {
    ev.placements
        .iter()
        .zip(&ev.deployments)
        .filter(|(p, _)| p.iter().any(|x| x.0 == g))
        .flat_map(|(_, d)| d.roles.iter().map(|&r| cx.req.roles[r].name.clone()))
        .collect()
}

/// The largest single model the build loads (usable bytes), how it is
/// spread, and the largest single device.
fn largest_model(hw: &Hw) -> (u64, ModelSpan, u64) {
    let total: u64 = hw.caps.iter().sum();
    let device = hw.caps.iter().copied().max().unwrap_or(0);
    let span = if hw.count <= 1 {
        ModelSpan::OneDevice
    } else if hw.cards.iter().all(|c| c.id == hw.cards[0].id) {
        ModelSpan::EqualDevices
    } else {
        ModelSpan::LayerSplitAtSlowest
    };
    (total, span, device)
}

/// The servers of the plan and the serving design in one line.
fn servers(cx: &Ctx, ev: &Evaluation) -> (Vec<ServerPlan>, String) {
    let servers: Vec<ServerPlan> = ev
        .deployments
        .iter()
        .enumerate()
        .map(|(di, d)| ServerPlan {
            model: cx.models[d.model].arch.id.clone(),
            roles: d
                .roles
                .iter()
                .map(|&r| cx.req.roles[r].name.clone())
                .collect(),
            streams: d.streams,
            devices: ev
                .placements
                .get(di)
                .map(|p| p.iter().map(|x| x.0).collect())
                .unwrap_or_default(),
        })
        .collect();
    let line = servers
        .iter()
        .map(|s| {
            if s.roles.len() > 1 {
                format!(
                    "{} share one batched {} server ({} streams: weights once, continuous batching)",
                    s.roles.join(" + "),
                    s.model,
                    s.streams
                )
            } else {
                format!("{} alone on a {} server", s.roles[0], s.model)
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    (servers, line)
}

/// One decimal: an estimate in dBA carries no more.
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
