//! rigsize plan: from a requirements file (`docs/requirements-format.md`) to
//! ranked, priced, complete builds — and `pack`, a node's memory budget.
//!
//! Pure: the catalog, the build rules, the benchmark scores and the price
//! snapshot are embedded data; nothing here touches the network or the clock.
//!
//! The pipeline, one module per stage: [`requirements`] → `candidates` (pc,
//! mixed, systems, bom) → `placement` → `evaluate` → `verdicts` (assembled
//! per build in `candidate`) → `rank` → `advice` and [`report`] → [`render`].
//! [`plan`] runs it.
//!
//! Entry points: [`plan_from_toml`] (text of a requirements file → [`PlanReport`]),
//! [`plan()`] (parsed [`Requirements`]), [`plan_with`] (cancellable),
//! [`render::to_markdown`], [`render::to_html`], [`pack::pack`].

mod advice;
pub mod cancel;
mod candidate;
mod candidates;
pub mod commands;
pub mod data;
mod earns;
pub mod emit;
pub mod error;
mod evaluate;
mod families;
mod findings;
pub mod have;
pub mod limits;
mod models_out;
pub mod pack;
pub mod physical;
mod placement;
pub mod plan;
mod rank;
pub mod render;
pub mod report;
pub mod requirements;
pub mod speed;
mod upgrade;
mod verdicts;
mod whatif;
mod whole;

pub use cancel::Cancel;
pub use error::PlanError;
pub use pack::{pack, parse_demand, PackReport, PackState};
pub use plan::{plan, plan_from_toml, plan_with};
pub use report::{Candidate, PlanReport, Verdict};
pub use requirements::Requirements;
