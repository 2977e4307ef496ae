//! `POST /api/plan` and the `plan` tool: a requirements file (TOML text or
//! the same structure as JSON) → `rigsize plan --json`'s report.

use axum::http::StatusCode;
use rigsize_catalog::Catalog;
use rigsize_plan::limits::{self, LimitedPlanError};
use rigsize_plan::{plan_with, Cancel, PlanError, PlanReport, Requirements};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Requirements for a plan, either as the TOML text of a requirements file
/// (docs/requirements-format.md) or as the same structure in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// The requirements file's TOML text (roles, models, context, streams,
    /// speed targets, budget in CHF, platforms…).
    #[serde(default)]
    pub toml: Option<String>,
    /// The requirements as a JSON object with the TOML file's structure.
    #[serde(default)]
    pub requirements: Option<serde_json::Map<String, serde_json::Value>>,
    /// Keep the N best candidates in the ranking (the top pick is always
    /// kept), 1–500. Default 15, as `rigsize plan --top`.
    #[serde(default)]
    pub top: Option<usize>,
}

/// The requirements as TOML text, whichever way they came.
pub fn requirements_toml(req: &PlanRequest) -> Result<String, ApiError> {
    match (&req.toml, &req.requirements) {
        (Some(t), None) => Ok(t.clone()),
        (None, Some(obj)) => toml::to_string(obj).map_err(|e| {
            ApiError::bad_request(format!(
                "the requirements cannot be written as TOML: {e}"
            ))
        }),
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "give the requirements either as \"toml\" text or as a \"requirements\" object, not both",
        )),
        (None, None) => Err(ApiError::bad_request(
            "no requirements: send {\"toml\": \"…\"}, a requirements object, or the TOML text as text/plain",
        )),
    }
}

/// Most candidates one answer keeps.
pub const MAX_TOP: usize = 500;

/// Plans builds for the requirements: what `rigsize plan --json` prints.
pub fn build_plan_report(req: &PlanRequest, catalog: &Catalog) -> Result<PlanReport, ApiError> {
    let job = PlanJob::prepare(req, catalog)?;
    job.run(catalog, &Cancel::new())
}

/// Requirements parsed and checked against the caps of
/// [`rigsize_plan::limits`], ready to plan. Preparing is cheap (a parse of
/// at most the body cap), so the server does it before a request queues for
/// a heavy worker: an oversized request is refused at once, never after
/// waiting behind real plans.
#[derive(Debug)]
pub struct PlanJob {
    req: Requirements,
    top: usize,
}

impl PlanJob {
    /// Over a cap: a 413 naming the cap.
    pub fn prepare(req: &PlanRequest, catalog: &Catalog) -> Result<PlanJob, ApiError> {
        let text = requirements_toml(req)?;
        let top = req.top.unwrap_or(15);
        if !(1..=MAX_TOP).contains(&top) {
            return Err(ApiError::bad_request(format!(
                "--top must be 1 to {MAX_TOP}, got {top}"
            )));
        }
        let file = "requirements";
        let parsed = Requirements::from_toml(&text, file).map_err(plan_error)?;
        limits::check(&parsed, catalog).map_err(|limit| {
            let e = LimitedPlanError::Limit {
                file: file.into(),
                limit,
            };
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())
        })?;
        Ok(PlanJob { req: parsed, top })
    }

    /// Plans, stopping once `cancel` is set.
    pub fn run(&self, catalog: &Catalog, cancel: &Cancel) -> Result<PlanReport, ApiError> {
        let mut report = plan_with(&self.req, catalog, cancel).map_err(plan_error)?;
        report.truncate(self.top);
        Ok(report)
    }
}

fn plan_error(e: PlanError) -> ApiError {
    match e {
        PlanError::Cancelled => ApiError::new(StatusCode::REQUEST_TIMEOUT, e.to_string()),
        e => ApiError::from(anyhow::Error::from(e)),
    }
}
