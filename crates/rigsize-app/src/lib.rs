//! The application layer between the pure core and the interfaces: typed
//! requests named after the CLI flags (snake_case), resolved against the
//! catalog into the same report types everywhere. `rigsize fit --json`,
//! `POST /api/fit` and the MCP `fit` tool all go through [`fit`], so they
//! cannot disagree.

pub mod catalog;
pub mod compat;
pub mod fit;
pub mod fixes;
pub mod offload;
pub mod speed;
pub mod vision;
