//! rigsize plan: from a requirements file (`docs/requirements-format.md`) to
//! ranked, priced, complete builds — and `pack`, a node's memory budget.
//!
//! Pure: the catalog, the build rules, the benchmark scores and the price
//! snapshot are embedded data; nothing here touches the network or the clock.
//!
//! Entry points: [`plan_from_toml`] (text of a requirements file → [`PlanReport`]),
//! [`plan`] (parsed [`Requirements`]), [`render::to_markdown`], [`render::to_html`],
//! [`pack::pack`].

pub mod commands;
pub mod data;
pub mod error;
pub mod limits;
pub mod pack;
pub mod plan;
pub mod render;
pub mod report;
pub mod requirements;
pub mod speed;

pub use error::PlanError;
pub use pack::{pack, parse_demand, PackReport, PackState};
pub use plan::{plan, plan_from_toml};
pub use report::{Candidate, PlanReport, Verdict};
pub use requirements::Requirements;
