//! The planner's pipeline, stage by stage:
//! requirements ([`crate::requirements`], resolved into a context) →
//! candidates ([`crate::candidates`]: pc, mixed, systems, bill of materials) →
//! placement ([`crate::placement`]) → evaluate ([`crate::evaluate`]) →
//! verdicts ([`crate::verdicts`], per build in [`crate::candidate`]) →
//! rank ([`crate::rank`]) → report ([`crate::advice`], rendered by [`crate::render`]).

use rigsize_catalog::Catalog;

use crate::advice::{assumptions, closest_answer, quality_check, why_top};
use crate::cancel::Cancel;
use crate::candidate::build_candidate;
use crate::candidates;
use crate::commands::engine_commands;
use crate::error::PlanError;
use crate::rank::{near_misses, rank};
use crate::report::*;
use crate::requirements::{Ctx, Requirements};

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
    let hws = candidates::enumerate(&cx, catalog, &mut unpriced, cancel)?;
    let mut cands = Vec::with_capacity(hws.len());
    for hw in hws {
        cancel.check()?;
        cands.push(build_candidate(&cx, hw, cancel)?);
    }
    rank(&mut cands, req);
    let qualifying = cands.iter().filter(|c| c.qualifies).count();
    let top_pick = cands.first().filter(|c| c.qualifies).map(|c| TopPick {
        name: c.name.clone(),
        why: why_top(c, &cands, req),
    });
    let near = near_misses(&cands);
    let closest = if qualifying == 0 {
        closest_answer(&cands, req)
    } else {
        None
    };
    let quality = quality_check(&cx, cands.first());
    let commands = cands
        .first()
        .map(|c| {
            engine_commands(c, |id| {
                catalog.model(id).ok().and_then(|m| m.hf_repo.clone())
            })
        })
        .unwrap_or_default();
    let mut flags = cx.flags.clone();
    flags.dedup();
    let mut not_considered = cx.not_considered.clone();
    not_considered.extend(unpriced);
    Ok(PlanReport {
        title: req.title.clone().unwrap_or_else(|| "rigsize plan".into()),
        price_snapshot_date: cx.book.snapshot_date.clone(),
        budget_max_chf: req.budget.max_chf,
        candidates_evaluated: cands.len(),
        candidates_qualifying: qualifying,
        candidates: cands,
        top_pick,
        near_misses: near,
        closest,
        quality,
        commands,
        flags,
        not_considered,
        assumptions: assumptions(),
    })
}
