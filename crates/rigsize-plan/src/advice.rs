//! Report stage: the words around the ranking — why the top pick, what it
//! would take when nothing qualifies, the quality reality check, and the
//! assumptions every report states.

use rigsize_core::units::to_gib;

use crate::data::BuildRules;
use crate::rank::upgrade_fit;
use crate::report::*;
use crate::requirements::{Ctx, Requirements, RoleKind, DEFAULT_BENCHMARK};

const GIB: f64 = rigsize_core::units::GIB;

/// The assumptions every report states (`amd`: AMD builds are among the candidates).
pub(crate) fn assumptions(rules: &BuildRules, amd: bool) -> Vec<String> {
    let d = &rules.defaults;
    let mut out = vec![
        "Speeds are decode tok/s per stream with every stream of every role generating at once, at half of each stream's context (the average depth of a conversation that fills it), from rigsize-speed's calibrated model; models sharing a device take turns; roles on the same model share one batched server.".into(),
        "Memory is the rigsize-core model (weights + KV + compute buffers + runtime): llama.cpp with one unified KV cache per model (--kv-unified) on PCs, DGX Spark and Strix Halo; MLX on Macs. Quantization: the engine's default (rigsize_core::engine::default_quant) unless the role names one.".into(),
        format!(
            "Unified boxes keep {} GiB for the OS; Macs may raise the GPU wired limit to RAM − {} GiB (flagged when used). The memory target is judged on the largest single model a build loads.",
            d.box_os_reserve_gib, d.apple_os_reserve_gib
        ),
        "Prices: the dated offline snapshot data/prices.toml; per part the newest observation, observed prices before estimates, then a preferred retailer, then the lowest price. Not live prices.".into(),
        "Builds follow data/build-rules.toml (platform per GPU count, PSU, RAM, case, cooler, storage); a build is kept only when every device earns its place.".into(),
    ];
    if amd {
        out.push("AMD and Intel builds are evaluated with both of llama.cpp's GPU builds, the vendor's (ROCm/HIP, SYCL) and Vulkan, each with its own calibration: Vulkan decodes faster on the same AMD card (15–36 % in llama.cpp PR #16900's Strix Halo pairs) and prefills slower. Each build keeps the one that meets more requirements, then the one with the shorter decode steps (its commands say which: GGML_VK_VISIBLE_DEVICES for Vulkan, HIP_VISIBLE_DEVICES for ROCm); `rigsize speed --backend vulkan|rocm` times either.".into());
    }
    out
}

/// The top pick: what decided it (one line) and the supporting facts.
pub(crate) fn why_top(c: &Candidate, all: &[Candidate], req: &Requirements) -> TopPick {
    let mut why = vec![format!(
        "meets every minimum within budget (CHF {:.0} of CHF {:.0}) and {} of {} requirements at their target",
        c.total_price_chf,
        req.budget.max_chf,
        c.targets_met,
        c.checks.len()
    )];
    if let Some(main) = c.main_role() {
        why.push(format!(
            "main agent {} at {:.1} tok/s per stream under the full load",
            main.model, main.tok_s_per_stream
        ));
    }
    why.push(format!("serving: {}", c.serving));
    why.push(format!(
        "{:.0} GiB of {:.0} GiB usable memory planned ({:.0} GiB headroom); one model of up to {:.0} GB ({})",
        to_gib(c.memory.required_bytes),
        to_gib(c.memory.available_bytes),
        c.memory.headroom_bytes as f64 / GIB,
        to_gib(c.memory.largest_model_bytes),
        c.memory.largest_model_span.describe(c.device_count)
    ));
    if c.on_pareto_front {
        why.push(
            "on the Pareto front of price, main-agent speed, main-model quality and targets met"
                .into(),
        );
    }
    if req.platform.preferred.contains(&c.platform) {
        why.push(format!("preferred platform ({})", c.platform.name()));
    }
    if let Some(u) = &c.upgrade {
        why.push(upgrade_line(u));
    }
    let cheaper = all
        .iter()
        .filter(|o| o.qualifies && o.total_price_chf < c.total_price_chf)
        .min_by(|a, b| a.total_price_chf.total_cmp(&b.total_price_chf));
    if let Some(o) = cheaper {
        why.push(format!(
            "the cheapest qualifying build is {} at CHF {:.0}; it meets {} requirements at their target, this pick {}",
            o.name, o.total_price_chf, o.targets_met, c.targets_met
        ));
    }
    TopPick {
        name: c.name.clone(),
        decided_by: decided_by(c, all.get(1), req),
        why,
    }
}

fn upgrade_line(u: &UpgradePath) -> String {
    format!(
        "stage 2: {} for CHF {:.0} more ({}; bought ready for it, stage 1 costs CHF {:.0} instead of CHF {:.0})",
        u.stage2_build,
        u.stage2_cost_chf,
        if u.ready {
            "the platform is ready as built".to_string()
        } else {
            format!("the bare build would swap {}", u.changes.len())
                + if u.changes.len() == 1 { " part" } else { " parts" }
        },
        u.stage1_ready_chf,
        u.stage1_bare_chf
    )
}

/// One line: the ranking criterion on which the pick beats the runner-up,
/// and what the pick runs.
fn decided_by(c: &Candidate, next: Option<&Candidate>, req: &Requirements) -> String {
    let preferred = |x: &Candidate| req.platform.preferred.contains(&x.platform);
    let edge = match next {
        None => "the only build evaluated".to_string(),
        Some(n) if !n.qualifies => "the only build that meets every minimum within budget".into(),
        Some(n) if upgrade_fit(c, req) && !upgrade_fit(n, req) => {
            let u = c.upgrade.as_ref().expect("upgrade_fit has one");
            format!(
                "one card meets every minimum now and the brief's second card ({}, +CHF {:.0}) still does; the runner-up, {}, has no such stage 2",
                u.stage2_build, u.stage2_cost_chf, n.name
            )
        }
        Some(n) if c.on_pareto_front && !n.on_pareto_front => format!(
            "no build beats it on price, main-agent speed and model quality at once, while the runner-up {} is beaten",
            n.name
        ),
        Some(n) if preferred(c) && !preferred(n) => format!(
            "the buyer's preferred platform ({}) among the builds no other beats on price, speed, model quality and targets met (next: {}, {})",
            c.platform.name(),
            n.name,
            n.platform.name()
        ),
        Some(n) if c.targets_met > n.targets_met => format!(
            "{} of its requirements at target against {} for the runner-up {}",
            c.targets_met, n.targets_met, n.name
        ),
        Some(n) => format!(
            "CHF {:.0} cheaper than the runner-up {} with as many targets met",
            n.total_price_chf - c.total_price_chf,
            n.name
        ),
    };
    let main = c.main_role().map_or(String::new(), |m| {
        format!(
            "; {} at {:.1} tok/s for the main agent",
            m.model, m.tok_s_per_stream
        )
    });
    format!("{edge}{main}")
}

/// When nothing qualifies: the closest ranked build and what it would take;
/// `all` (set-aside builds included) gives the largest build evaluated.
pub(crate) fn closest_answer(
    cands: &[Candidate],
    all: &[&Candidate],
    req: &Requirements,
) -> Option<Closest> {
    let c = cands.iter().min_by(|a, b| {
        a.failures()
            .len()
            .cmp(&b.failures().len())
            .then(a.total_price_chf.total_cmp(&b.total_price_chf))
    })?;
    let mut take = Vec::new();
    for f in c.failures() {
        take.push(match f.kind {
            CheckKind::Budget => format!(
                "raise the budget by CHF {:.0} (to CHF {:.0})",
                c.total_price_chf - req.budget.max_chf,
                c.total_price_chf
            ),
            _ => {
                let r = &f.requirement;
                f.shortfall
                    .clone()
                    .map(|s| format!("{r}: {s}"))
                    .unwrap_or(r.to_string())
            }
        });
    }
    // Cheapest build that meets every minimum, whatever the budget.
    if let Some(o) = cands
        .iter()
        .filter(|o| o.meets_all_minimums)
        .min_by(|a, b| a.total_price_chf.total_cmp(&b.total_price_chf))
    {
        take.push(format!(
            "the cheapest build meeting every minimum is {} at CHF {:.0} (budget CHF {:.0})",
            o.name, o.total_price_chf, req.budget.max_chf
        ));
    } else if let Some(big) = all.iter().max_by_key(|o| o.memory.available_bytes) {
        let need = all
            .iter()
            .map(|o| o.memory.required_bytes)
            .min()
            .unwrap_or(0);
        take.push(format!(
            "no candidate meets every minimum; the largest, {}, has {:.0} GiB usable while the smallest plan needs {:.0} GiB: choose smaller models, shorter contexts or fewer streams",
            big.name,
            to_gib(big.memory.available_bytes),
            to_gib(need)
        ));
    }
    Some(Closest {
        name: c.name.clone(),
        fails: c
            .failures()
            .iter()
            .map(|f| f.shortfall.clone().unwrap_or(f.requirement.clone()))
            .collect(),
        what_it_would_take: take,
    })
}

pub(crate) fn quality_check(cx: &Ctx, top: Option<&Candidate>) -> QualityCheck {
    let bench = cx
        .req
        .roles
        .get(cx.req.main_role())
        .and_then(|r| r.rank_by.clone())
        .unwrap_or(DEFAULT_BENCHMARK.into());
    let r = |s: &crate::data::Score| QualityRef {
        model: s.model.clone(),
        score_pct: s.score_pct,
        source: format!("{} ({})", s.source, s.as_of),
    };
    let best_open = cx.quality.best("open", &bench).map(r);
    let best_closed = cx.quality.best("proprietary", &bench).map(r);
    let planned = top.and_then(|c| {
        let m = c
            .roles
            .iter()
            .find(|x| x.kind == RoleKind::Main)
            .or(c.roles.first())?;
        Some(match cx.quality.score(&m.model, &bench) {
            Some(s) => r(s),
            None => QualityRef {
                model: m.model.clone(),
                score_pct: f64::NAN,
                source: "no published score in data/model-quality.toml".into(),
            },
        })
    });
    let summary = match (&planned, &best_open, &best_closed) {
        (Some(p), Some(o), Some(c)) if p.score_pct.is_finite() => format!(
            "{} scores {:.1}% on {bench}: {:.1} points below the best open model ({} {:.1}%) and {:.1} below the best closed one ({} {:.1}%)",
            p.model,
            p.score_pct,
            o.score_pct - p.score_pct,
            o.model,
            o.score_pct,
            c.score_pct - p.score_pct,
            c.model,
            c.score_pct
        ),
        (Some(p), _, _) => format!("{} has no published {bench} score; compare it yourself", p.model),
        _ => "no top pick to compare".into(),
    };
    QualityCheck {
        benchmark: bench,
        planned: planned.map(|mut p| {
            if !p.score_pct.is_finite() {
                p.score_pct = -1.0;
            }
            p
        }),
        best_open,
        best_closed,
        summary,
    }
}
