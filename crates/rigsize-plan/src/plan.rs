//! The planner's pipeline, stage by stage:
//! requirements ([`crate::requirements`], resolved into a context) →
//! candidates ([`crate::candidates`]: pc, mixed, systems, bill of materials) →
//! placement ([`crate::placement`]) → evaluate ([`crate::evaluate`]) →
//! verdicts ([`crate::verdicts`], per build in [`crate::candidate`]) →
//! every device earns its place ([`crate::earns`]) → rank ([`crate::rank`]) →
//! report ([`crate::advice`], upgrade paths, models out, families; rendered
//! by [`crate::render`]).

use rigsize_catalog::Catalog;

use crate::advice::{assumptions, closest_answer, quality_check, why_top};
use crate::cancel::Cancel;
use crate::candidate::build_candidate;
use crate::candidates::{self, Hw};
use crate::commands::{engine_commands, ModelRepo};
use crate::earns::{earns_its_place, every_build, Earned};
use crate::error::PlanError;
use crate::families::not_recommended;
use crate::models_out::models_out;
use crate::rank::{near_misses, rank};
use crate::report::*;
use crate::requirements::{Ctx, Platform, Requirements};
use crate::upgrade::upgrade_path;

pub use crate::requirements::DEFAULT_BENCHMARK;

/// Plans from the text of a requirements file.
pub fn plan_from_toml(text: &str, file: &str, catalog: &Catalog) -> Result<PlanReport, PlanError> {
    let req = Requirements::from_toml(text, file)?;
    plan(&req, catalog)
}

/// Plans a requirements set over the whole catalog.
pub fn plan(req: &Requirements, catalog: &Catalog) -> Result<PlanReport, PlanError> {
    plan_with(req, catalog, &Cancel::new())
}

/// [`plan`], stopping with [`PlanError::Cancelled`] once `cancel` is set.
pub fn plan_with(
    req: &Requirements,
    catalog: &Catalog,
    cancel: &Cancel,
) -> Result<PlanReport, PlanError> {
    let cx = Ctx::new(req, catalog)?;
    cancel.check()?;
    let mut unpriced = Vec::new();
    let hws = hardware(&cx, req, catalog, &mut unpriced, cancel)?;
    let all = build_all(&cx, &hws, req, cancel)?;
    let Earned {
        kept: mut cands,
        set_aside,
        rest,
    } = earns_its_place(all, req);
    let ranked = rank(&mut cands, req);
    let hw_refs: Vec<&Hw> = hws.iter().collect();
    let models_out = models_out(&cx, catalog, &hw_refs, cands.first(), cancel)?;
    if let Some(top) = cands.first_mut() {
        stage2_models(&cx, catalog, &hws, top, &models_out, cancel)?;
    }
    let qualifying = cands.iter().filter(|c| c.qualifies).count();
    let top_pick = cands
        .first()
        .filter(|c| c.qualifies)
        .map(|c| why_top(c, &cands, req));
    let near = near_misses(&cands);
    let all = every_build(&rest, &cands, &ranked);
    let closest = if qualifying == 0 {
        closest_answer(&cands, &all, req)
    } else {
        None
    };
    let quality = quality_check(&cx, cands.first());
    let commands = cands
        .first()
        .map(|c| engine_commands(c, |id| ModelRepo::from_catalog(catalog, id)))
        .unwrap_or_default();
    let not_recommended = not_recommended(&cx.rules.family, &all, &set_aside, cands.first());
    let mut flags = cx.flags.clone();
    flags.dedup();
    let (unpriced, not_considered) = split_unpriced(unpriced, &cx);
    let amd = cands.iter().any(|c| {
        matches!(
            c.platform,
            Platform::Amd | Platform::Intel | Platform::StrixHalo
        )
    });
    Ok(PlanReport {
        title: req.title.clone().unwrap_or_else(|| "rigsize plan".into()),
        price_snapshot_date: cx.book.snapshot_date.clone(),
        budget_max_chf: req.budget.max_chf,
        candidates_evaluated: cands.len() + set_aside.len(),
        candidates_qualifying: qualifying,
        candidates: cands,
        top_pick,
        near_misses: near,
        set_aside,
        closest,
        quality,
        commands,
        models_out,
        not_recommended,
        unpriced,
        price_snapshot_age_days: None,
        flags,
        not_considered,
        assumptions: assumptions(cx.rules, amd),
    })
}

/// The suffix `candidates::enumerate` gives a skip for want of a price.
const NO_PRICE: &str = ": no price in the snapshot";

/// The hardware to consider: every enumerated build, adjusted for what the
/// user already has (`[have]`).
fn hardware(
    cx: &Ctx,
    req: &Requirements,
    catalog: &Catalog,
    unpriced: &mut Vec<String>,
    cancel: &Cancel,
) -> Result<Vec<Hw>, PlanError> {
    let mut hws = candidates::enumerate(cx, catalog, unpriced, cancel)?;
    if let Some(have) = &req.have {
        crate::have::apply(&mut hws, &crate::have::resolve(have, catalog)?, catalog);
    }
    Ok(hws)
}

/// Every build evaluated, in enumeration order, with upgrade paths attached
/// (they pair builds, so all must exist first).
fn build_all(
    cx: &Ctx,
    hws: &[Hw],
    req: &Requirements,
    cancel: &Cancel,
) -> Result<Vec<Candidate>, PlanError> {
    let mut all = Vec::with_capacity(hws.len());
    for hw in hws {
        cancel.check()?;
        all.push(build_candidate(cx, hw, cancel)?);
    }
    add_upgrade_paths(&mut all, req);
    Ok(all)
}

/// Skipped hardware split into unpriced (named without the suffix) and not
/// considered for another reason, the requirements' own exclusions first.
fn split_unpriced(skipped: Vec<String>, cx: &Ctx) -> (Vec<String>, Vec<String>) {
    let (unpriced, mut not_considered): (Vec<String>, Vec<String>) =
        skipped.into_iter().partition(|u| u.ends_with(NO_PRICE));
    not_considered.splice(0..0, cx.not_considered.iter().cloned());
    let unpriced = unpriced
        .into_iter()
        .map(|u| u.trim_end_matches(NO_PRICE).to_string())
        .collect();
    (unpriced, not_considered)
}

/// Each single-GPU PC build gets the stage 2 of a second identical card.
fn add_upgrade_paths(all: &mut [Candidate], req: &Requirements) {
    let discrete = |p: Platform| matches!(p, Platform::Nvidia | Platform::Amd | Platform::Intel);
    for i in 0..all.len() {
        let one = &all[i];
        if one.device_count != 1 || !discrete(one.platform) {
            continue;
        }
        // A self-built PC lists its GPUs first (a pre-built lists the system).
        let self_built = |c: &Candidate| c.components.first().is_some_and(|g| g.kind == "gpu");
        if !self_built(one) {
            continue;
        }
        let two = all
            .iter()
            .find(|t| t.device_count == 2 && t.hardware_id == one.hardware_id && self_built(t));
        if let Some(two) = two {
            let mut up = upgrade_path(&all[i], two);
            if let Some(max) = req.upgrade.as_ref().and_then(|u| u.stage2_max_chf) {
                up.unlocks.push(format!(
                    "stage 2 costs CHF {:.0} from the ready build: {} the CHF {max:.0} stage-2 budget",
                    up.stage2_cost_chf,
                    if up.stage2_cost_chf <= max { "within" } else { "over" }
                ));
            }
            all[i].upgrade = Some(up);
        }
    }
}

/// What the top pick's stage 2 does for the models that are out: each one
/// evaluated on the stage-2 build at the context the models-out entry used.
fn stage2_models(
    cx: &Ctx,
    catalog: &Catalog,
    hws: &[Hw],
    top: &mut Candidate,
    outs: &[ModelOut],
    cancel: &Cancel,
) -> Result<(), PlanError> {
    let Some(up) = top.upgrade.as_mut() else {
        return Ok(());
    };
    let Some(hw) = hws.iter().find(|h| h.name == up.stage2_build) else {
        return Ok(());
    };
    for o in outs {
        let Some(ri) = cx.req.roles.iter().position(|r| r.name == o.role) else {
            continue;
        };
        let Ok(rec) = catalog.model(&o.model) else {
            continue;
        };
        let ctx = cx.ctx[ri].min(rec.arch.max_context());
        let req = crate::whatif::with_model(cx.req, ri, &o.model, ctx);
        if let Some(c) = crate::whatif::cheapest_meeting(&req, catalog, &[hw], cancel)? {
            up.unlocks.push(format!(
                "{} for {} at {} tokens: {:.1} tok/s per stream with every other minimum kept",
                o.model,
                o.role,
                rigsize_core::units::format_tokens(ctx),
                c.roles.get(ri).map_or(0.0, |r| r.tok_s_per_stream)
            ));
        }
    }
    Ok(())
}
