//! Caps on what one plan may ask for, checked before any planning starts.
//!
//! Why: `rigsize serve` plans for whoever can reach it, and a requirements
//! file of 800 roles once took gigabytes and minutes. Each cap is far above
//! any real buyer's file (the examples have 1–4 roles) and each refusal
//! names its cap, so the CLI and the server (HTTP 413) say the same thing.
//!
//! The cost estimate follows the planner's loops: for every hardware
//! record it tries model combinations (one model per role, at most
//! [`COMBOS_SEARCHED`] of them) and every try touches every role.

use rigsize_catalog::Catalog;
use rigsize_core::units::{MAX_CONTEXT_TOKENS, MAX_STREAMS};
use serde::Serialize;
use thiserror::Error;

use crate::cancel::Cancel;
use crate::error::PlanError;
use crate::report::PlanReport;
use crate::requirements::{ModelChoice, Requirements};

/// Roles per plan: 8 × the largest example (4 roles). Planning time grows
/// with roles × combinations; 32 "best-that-fits" roles plan in well under
/// a second (release build; README, "The server under load").
pub const MAX_ROLES: usize = 32;
/// Models listed for one role, `models` and `named_models` together (each
/// may be a file the CLI imports).
pub const MAX_MODELS_PER_ROLE: usize = 16;
/// Concurrent streams over all roles: no more than one role may ask for.
pub const MAX_STREAMS_PER_REQUEST: u64 = MAX_STREAMS as u64;
/// Tokens of context held at once over all roles (context × streams):
/// 2^28 ≈ 268 M, a generous bound: to hold that many, the largest build
/// the planner assembles (4 × 512 GB Mac Studio, 2 TiB) would need a cache
/// of at most 8 KiB per token.
pub const MAX_CONTEXT_TOKENS_PER_REQUEST: u64 = 1 << 28;
/// Model options the planner keeps per role (a longer list, or a
/// "best-that-fits" ranking, is cut to this); the planner reads it from here.
pub const OPTIONS_PER_ROLE: u64 = 8;
/// Model combinations the planner tries per hardware record; the planner
/// reads it from here.
pub const COMBOS_SEARCHED: u64 = 512;
/// Hardware records × model combinations tried. The built-in catalog at
/// worst needs 229 × 512 ≈ 117 k; the cap leaves room for user catalogs.
pub const MAX_CANDIDATE_COMBINATIONS: u64 = 1 << 18;
/// Candidate combinations × roles: the planner's work. The built-in
/// catalog's worst case within the other caps (32 "best-that-fits" roles)
/// is ≈ 3.75 M and plans in well under a second on one core (release build).
pub const MAX_PLAN_COST: u64 = 1 << 22;
/// A requirements file's text; a real one is a few KiB.
pub const MAX_REQUIREMENTS_BYTES: u64 = 1 << 20;

/// Which cap a request broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cap {
    Roles,
    ModelsPerRole,
    StreamsPerRequest,
    ContextPerRequest,
    CandidateCombinations,
    PlanCost,
}

impl Cap {
    /// The name an error shows, as in the docs.
    pub fn name(self) -> &'static str {
        match self {
            Cap::Roles => "max_roles",
            Cap::ModelsPerRole => "max_models_per_role",
            Cap::StreamsPerRequest => "max_streams_per_request",
            Cap::ContextPerRequest => "max_context_tokens_per_request",
            Cap::CandidateCombinations => "max_candidate_combinations",
            Cap::PlanCost => "max_plan_cost",
        }
    }

    pub fn max(self) -> u64 {
        match self {
            Cap::Roles => MAX_ROLES as u64,
            Cap::ModelsPerRole => MAX_MODELS_PER_ROLE as u64,
            Cap::StreamsPerRequest => MAX_STREAMS_PER_REQUEST,
            Cap::ContextPerRequest => MAX_CONTEXT_TOKENS_PER_REQUEST,
            Cap::CandidateCombinations => MAX_CANDIDATE_COMBINATIONS,
            Cap::PlanCost => MAX_PLAN_COST,
        }
    }
}

/// A request over a cap: what was asked, and the cap.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{what} is {got}, above the cap {} = {}; split the requirements into smaller plans", cap.name(), cap.max())]
pub struct LimitError {
    pub cap: Cap,
    /// What the request asks for, in words ("the number of roles").
    pub what: String,
    pub got: u64,
}

/// What a plan will cost, estimated before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Estimate {
    pub roles: u64,
    pub streams: u64,
    pub context_tokens: u64,
    pub candidate_combinations: u64,
    pub cost: u64,
}

fn over(cap: Cap, what: impl Into<String>, got: u64) -> Result<(), LimitError> {
    if got > cap.max() {
        Err(LimitError {
            cap,
            what: what.into(),
            got,
        })
    } else {
        Ok(())
    }
}

/// Checks every cap, cheapest first; the estimate when all hold.
pub fn check(req: &Requirements, catalog: &Catalog) -> Result<Estimate, LimitError> {
    let roles = req.roles.len() as u64;
    over(Cap::Roles, "the number of roles", roles)?;
    let mut streams = 0u64;
    let mut context = 0u64;
    let mut combos = 1u64;
    for r in &req.roles {
        // Named models are planned beside the list (or the ranking) and
        // kept past the planner's cut, so they count on top of both.
        let named = r.named_models.len() as u64;
        let listed = match &r.models {
            ModelChoice::List(l) => l.len() as u64,
            ModelChoice::Keyword(_) => 0,
        };
        over(
            Cap::ModelsPerRole,
            format!(
                "the number of models of role '{}' (models and named_models)",
                r.name
            ),
            listed + named,
        )?;
        let options = match &r.models {
            ModelChoice::List(_) => listed.min(OPTIONS_PER_ROLE),
            ModelChoice::Keyword(_) => OPTIONS_PER_ROLE,
        } + named;
        combos = combos.saturating_mul(options.max(1)).min(COMBOS_SEARCHED);
        let s = u64::from(r.streams.max(r.streams_target.unwrap_or(0)));
        streams += s;
        // An invalid context is the parser's error to give, not a cap's.
        let ctx = r.context.tokens().unwrap_or(0).min(MAX_CONTEXT_TOKENS);
        context = context.saturating_add(ctx.saturating_mul(s));
    }
    over(
        Cap::StreamsPerRequest,
        "the total of streams over all roles",
        streams,
    )?;
    over(
        Cap::ContextPerRequest,
        "the context held at once (context × streams over all roles, tokens)",
        context,
    )?;
    let candidate_combinations = (catalog.hardware.len() as u64).saturating_mul(combos);
    over(
        Cap::CandidateCombinations,
        "the number of candidate combinations (hardware records × model combinations)",
        candidate_combinations,
    )?;
    let cost = candidate_combinations.saturating_mul(roles);
    over(
        Cap::PlanCost,
        "the estimated cost of the plan (candidate combinations × roles)",
        cost,
    )?;
    Ok(Estimate {
        roles,
        streams,
        context_tokens: context,
        candidate_combinations,
        cost,
    })
}

/// A plan refused by a cap, or the planner's own error.
#[derive(Debug, Error)]
pub enum LimitedPlanError {
    #[error("{file}: {limit}")]
    Limit { file: String, limit: LimitError },
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// Parses, checks the caps, then plans: [`crate::plan_from_toml`] for
/// input nobody vetted (the CLI uses this).
pub fn plan_from_toml(
    text: &str,
    file: &str,
    catalog: &Catalog,
) -> Result<PlanReport, LimitedPlanError> {
    plan_from_toml_with(text, file, catalog, &Cancel::new())
}

/// [`plan_from_toml`], stopping with [`PlanError::Cancelled`] once
/// `cancel` is set (the server's timeout and client disconnects).
pub fn plan_from_toml_with(
    text: &str,
    file: &str,
    catalog: &Catalog,
    cancel: &Cancel,
) -> Result<PlanReport, LimitedPlanError> {
    let req = Requirements::from_toml(text, file)?;
    check(&req, catalog).map_err(|limit| LimitedPlanError::Limit {
        file: file.to_string(),
        limit,
    })?;
    Ok(crate::plan_with(&req, catalog, cancel)?)
}
