//! Verdicts stage: each requirement checked against a candidate's numbers,
//! with the shortfall in words and figures when it fails.

use rigsize_core::units::{format_tokens, to_gib};

use crate::report::{Check, CheckKind, Verdict};
use crate::requirements::{Noise, Requirements, Role};
use crate::whole::Whole;

/// Target met, minimum met, or failed; `NotRequired` when nothing was asked.
pub(crate) fn verdict(value: f64, target: Option<f64>, minimum: Option<f64>) -> Verdict {
    match (target, minimum) {
        (None, None) => Verdict::NotRequired,
        (t, m) => {
            if m.is_some_and(|m| value < m) {
                Verdict::Fails
            } else if t.is_none_or(|t| value >= t) {
                Verdict::MeetsTarget
            } else {
                Verdict::MeetsMinimum
            }
        }
    }
}

fn fmt_opt(x: Option<f64>, unit: &str) -> String {
    x.map(|v| format!("{v} {unit}"))
        .unwrap_or_else(|| "-".into())
}

/// A role's decode speed per stream (`fits`: the models fit at all).
pub(crate) fn speed(r: &Role, model: &str, tps: f64, fits: bool) -> Check {
    let v = if fits {
        verdict(tps, r.speed_target, r.speed_min)
    } else {
        Verdict::Fails
    };
    Check {
        kind: CheckKind::Speed,
        requirement: format!("{} speed ({} × {model})", r.name, r.streams),
        value: format!("{tps:.1} tok/s per stream"),
        target: fmt_opt(r.speed_target, "tok/s"),
        minimum: fmt_opt(r.speed_min, "tok/s"),
        verdict: v,
        shortfall: (v == Verdict::Fails).then(|| {
            if !fits {
                "the models do not fit in memory".to_string()
            } else {
                format!(
                    "{tps:.1} tok/s < {} tok/s minimum ({:.0}% short)",
                    r.speed_min.unwrap_or(0.0),
                    Whole((1.0 - tps / r.speed_min.unwrap_or(1.0)) * 100.0)
                )
            }
        }),
    }
}

/// A role whose model's window is shorter than its context (only then a
/// check): below the hard minimum it fails; between the minimum and the
/// target the role runs at the model's own window and misses the target.
pub(crate) fn context(r: &Role, model: &str, window: u64, ctx: u64, ctx_min: u64) -> Option<Check> {
    if window >= ctx {
        return None;
    }
    let fails = window < ctx_min;
    Some(Check {
        kind: CheckKind::Context,
        requirement: format!("{} context ({model})", r.name),
        value: format!("{} max", format_tokens(window)),
        target: format_tokens(ctx),
        minimum: format_tokens(ctx_min),
        verdict: if fails {
            Verdict::Fails
        } else {
            Verdict::MeetsMinimum
        },
        shortfall: fails.then(|| {
            format!(
                "{model} supports {} < {} requested",
                format_tokens(window),
                format_tokens(ctx_min)
            )
        }),
    })
}

/// Time to first token: a target only (never fails).
pub(crate) fn ttft(r: &Role, ttft_s: f64) -> Option<Check> {
    let t = r.ttft_max_s?;
    Some(Check {
        kind: CheckKind::TimeToFirstToken,
        requirement: format!("{} time to first token", r.name),
        value: format!("{ttft_s:.1} s"),
        target: format!("{t} s"),
        minimum: "-".into(),
        verdict: if ttft_s <= t {
            Verdict::MeetsTarget
        } else {
            Verdict::MeetsMinimum
        },
        shortfall: None,
    })
}

/// Prompt processing: a target only (never fails).
pub(crate) fn prefill(r: &Role, tok_s: f64) -> Option<Check> {
    let t = r.prefill_target?;
    Some(Check {
        kind: CheckKind::Prefill,
        requirement: format!("{} prefill", r.name),
        value: format!("{tok_s:.0} tok/s", tok_s = Whole(tok_s)),
        target: format!("{t} tok/s"),
        minimum: "-".into(),
        verdict: if tok_s >= t {
            Verdict::MeetsTarget
        } else {
            Verdict::MeetsMinimum
        },
        shortfall: None,
    })
}

/// The planned models do not fit (only then a check).
pub(crate) fn does_not_fit(build: &str, required: u64, available: u64) -> Check {
    Check {
        kind: CheckKind::Fit,
        requirement: "models fit in memory".into(),
        value: format!("{:.1} GiB needed", to_gib(required)),
        target: "-".into(),
        minimum: format!("{:.1} GiB usable", to_gib(available)),
        verdict: Verdict::Fails,
        shortfall: Some(format!(
            "needs {:.1} GiB, {build} has {:.1} GiB usable ({:.1} GiB short)",
            to_gib(required),
            to_gib(available),
            to_gib(required.saturating_sub(available))
        )),
    }
}

/// The memory target: "models of this size can be loaded", judged on the
/// largest single model the build loads (GiB, written GB as the requirements
/// do); `how` says how that model is spread.
pub(crate) fn memory(req: &Requirements, largest_gb: f64, how: String) -> Check {
    let mv = verdict(largest_gb, req.memory.target_gb, req.memory.min_gb);
    Check {
        kind: CheckKind::Memory,
        requirement: "memory for one model".into(),
        value: format!("{largest_gb:.0} GB ({how})", largest_gb = Whole(largest_gb)),
        target: fmt_opt(req.memory.target_gb, "GB"),
        minimum: fmt_opt(req.memory.min_gb, "GB"),
        verdict: mv,
        shortfall: (mv == Verdict::Fails).then(|| {
            format!(
                "{largest_gb:.0} GB for one model < {} GB minimum",
                req.memory.min_gb.unwrap_or(0.0),
                largest_gb = Whole(largest_gb)
            )
        }),
    }
}

/// The budget: fails above the maximum; the target is the sweet spot (or
/// anything below it).
pub(crate) fn budget(req: &Requirements, total: f64) -> Check {
    let b = &req.budget;
    let within = total <= b.max_chf;
    let v = if !within {
        Verdict::Fails
    } else if b.sweet_spot_chf.is_none_or(|[_, hi]| total <= hi) {
        Verdict::MeetsTarget
    } else {
        Verdict::MeetsMinimum
    };
    Check {
        kind: CheckKind::Budget,
        requirement: "budget".into(),
        value: format!("CHF {total:.0}", total = Whole(total)),
        target: b
            .sweet_spot_chf
            .map(|[a, c]| format!("CHF {a:.0}–{c:.0}", a = Whole(a), c = Whole(c)))
            .unwrap_or("-".into()),
        minimum: format!("≤ CHF {:.0}", Whole(b.max_chf)),
        verdict: v,
        shortfall: (!within).then(|| {
            format!(
                "CHF {total:.0} is CHF {:.0} over the CHF {:.0} maximum",
                Whole(total - b.max_chf),
                Whole(b.max_chf),
                total = Whole(total)
            )
        }),
    }
}

pub(crate) fn noise(req: &Requirements, build: &str, noise: Noise, dba: f64) -> Check {
    let want = req.environment.noise;
    let v = if want == Noise::Any || noise <= want {
        Verdict::MeetsTarget
    } else {
        Verdict::Fails
    };
    Check {
        kind: CheckKind::Noise,
        requirement: "noise".into(),
        value: format!("{} (≈ {dba:.1} dBA at 1 m, estimate)", noise.name()),
        target: noise_bound(want),
        minimum: noise_bound(want),
        verdict: v,
        shortfall: (v == Verdict::Fails).then(|| {
            format!(
                "{build} is {} (≈ {dba:.1} dBA at 1 m), the room allows {}",
                noise.name(),
                want.name()
            )
        }),
    }
}

/// The room's word with its dBA bound (data/physical.toml [noise]).
fn noise_bound(want: Noise) -> String {
    let t = &crate::physical::Physical::builtin().noise;
    let max = match want {
        Noise::Silent => Some(t.silent_max_dba),
        Noise::Quiet => Some(t.quiet_max_dba),
        Noise::Moderate => Some(t.moderate_max_dba),
        Noise::Loud | Noise::Any => None,
    };
    match max {
        Some(m) => format!("{} (≤ {m:.0} dBA at 1 m)", want.name(), m = Whole(m)),
        None => want.name().into(),
    }
}

/// The circuit's continuous rating and where it comes from.
fn outlet_bound(req: &Requirements, maxw: f64) -> String {
    let e = &req.environment;
    match e.max_continuous_w {
        Some(_) => format!(
            "≤ {maxw:.0} W continuous (max_continuous_w)",
            maxw = Whole(maxw)
        ),
        None => format!(
            "≤ {maxw:.0} W continuous ({:.0} V × {:.0} A × {})",
            Whole(e.outlet_volts),
            Whole(e.outlet_amps),
            e.continuous_share,
            maxw = Whole(maxw)
        ),
    }
}

/// The outlet check: power at the wall (not the DC nameplate sum) against
/// the circuit's continuous rating, with the margin stated.
pub(crate) fn power(req: &Requirements, wall_w: f64, peak_w: f64) -> Check {
    let maxw = req.environment.max_watts();
    let o = crate::physical::power::outlet(wall_w, maxw);
    let v = if o.ok {
        Verdict::MeetsTarget
    } else {
        Verdict::Fails
    };
    Check {
        kind: CheckKind::Power,
        requirement: "power (outlet)".into(),
        value: format!(
            "{wall_w:.0} W at the wall (DC peak {peak_w:.0} W), margin {:.0} W ({:.0} %)",
            Whole(o.margin_w),
            Whole(o.margin_w / maxw.max(1.0) * 100.0),
            wall_w = Whole(wall_w),
            peak_w = Whole(peak_w)
        ),
        target: outlet_bound(req, maxw),
        minimum: outlet_bound(req, maxw),
        verdict: v,
        shortfall: (v == Verdict::Fails).then(|| {
            format!(
                "{wall_w:.0} W at the wall exceeds the circuit's {maxw:.0} W continuous rating by {:.0} W",
                Whole(-o.margin_w),
                wall_w = Whole(wall_w),
                maxw = Whole(maxw)
            )
        }),
    }
}

/// What the concurrency target run gave.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum StreamsOutcome {
    FitsAndKeepsMinimums,
    FitsButSlow,
    DoesNotFit,
}

/// The concurrent-streams target: a target only (never fails).
pub(crate) fn concurrency(total_target: u32, minimum: u32, outcome: StreamsOutcome) -> Check {
    Check {
        kind: CheckKind::Concurrency,
        requirement: "concurrent streams (target)".into(),
        value: match outcome {
            StreamsOutcome::FitsAndKeepsMinimums => {
                format!("{total_target} streams fit and keep every minimum speed")
            }
            StreamsOutcome::FitsButSlow => {
                format!("{total_target} streams fit but a role drops below its minimum")
            }
            StreamsOutcome::DoesNotFit => format!("{total_target} streams do not fit"),
        },
        target: format!("{total_target}"),
        minimum: format!("{minimum}"),
        verdict: if outcome == StreamsOutcome::FitsAndKeepsMinimums {
            Verdict::MeetsTarget
        } else {
            Verdict::MeetsMinimum
        },
        shortfall: None,
    }
}

/// Every check other than the budget passes (the budget decides `qualifies`).
pub(crate) fn meets_all_minimums(checks: &[Check]) -> bool {
    checks
        .iter()
        .filter(|c| c.kind != CheckKind::Budget)
        .all(|c| c.verdict.ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(extra: &str) -> Requirements {
        let text = format!(
            "[[role]]\nname = \"main\"\nkind = \"main\"\nmodels = [\"qwen3-32b\"]\ncontext = 32768\nspeed_min = 10\nspeed_target = 20\n[budget]\nmax_chf = 5000\n{extra}"
        );
        Requirements::from_toml(&text, "t.toml").unwrap()
    }

    #[test]
    fn verdict_orders_minimum_then_target() {
        assert_eq!(verdict(5.0, Some(20.0), Some(10.0)), Verdict::Fails);
        assert_eq!(verdict(10.0, Some(20.0), Some(10.0)), Verdict::MeetsMinimum);
        assert_eq!(verdict(20.0, Some(20.0), Some(10.0)), Verdict::MeetsTarget);
        assert_eq!(verdict(1.0, None, None), Verdict::NotRequired);
        assert_eq!(verdict(1.0, None, Some(0.5)), Verdict::MeetsTarget);
    }

    #[test]
    fn speed_shortfall_states_the_gap() {
        let r = req("");
        let c = speed(&r.roles[0], "m", 8.0, true);
        assert_eq!(c.verdict, Verdict::Fails);
        assert_eq!(
            c.shortfall.as_deref(),
            Some("8.0 tok/s < 10 tok/s minimum (20% short)")
        );
        let c = speed(&r.roles[0], "m", 30.0, false);
        assert_eq!(
            c.verdict,
            Verdict::Fails,
            "nothing is fast when nothing fits"
        );
    }

    #[test]
    fn budget_sweet_spot_is_the_target_and_cheaper_is_fine() {
        let r = req("sweet_spot_chf = [3000, 4000]");
        assert_eq!(budget(&r, 2000.0).verdict, Verdict::MeetsTarget);
        assert_eq!(budget(&r, 3500.0).verdict, Verdict::MeetsTarget);
        assert_eq!(budget(&r, 4500.0).verdict, Verdict::MeetsMinimum);
        let over = budget(&r, 5200.0);
        assert_eq!(over.verdict, Verdict::Fails);
        assert_eq!(
            over.shortfall.as_deref(),
            Some("CHF 5200 is CHF 200 over the CHF 5000 maximum")
        );
    }

    #[test]
    fn the_budget_does_not_decide_meeting_the_minimums() {
        let r = req("");
        let checks = vec![budget(&r, 9000.0), speed(&r.roles[0], "m", 12.0, true)];
        assert!(meets_all_minimums(&checks));
        let checks = vec![budget(&r, 100.0), power(&r, 1e6, 9e5)];
        assert!(!meets_all_minimums(&checks));
    }

    #[test]
    fn targets_only_never_fail() {
        let r = req("");
        let c = concurrency(8, 4, StreamsOutcome::DoesNotFit);
        assert_eq!(c.verdict, Verdict::MeetsMinimum);
        assert!(ttft(&r.roles[0], 99.0).is_none(), "no ttft asked, no check");
    }
}
