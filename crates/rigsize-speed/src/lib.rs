//! rigsize's speed model: decode and prefill throughput, time to first
//! token and concurrency, from bytes moved and FLOPs computed, divided by a
//! few efficiencies fitted on public measurements (`data/speed-calibration.toml`).
//!
//! Everything is pure except [`bench::read_csv`], which reads a benchmark file.

pub mod bench;
mod bench_arch;
mod bench_measure;
mod bench_use;
pub mod breakdown;
pub mod calib;
pub mod calibrate;
pub mod changes;
pub mod cv;
mod engine_factor;
mod engine_key;
pub mod error;
pub mod fit;
mod fit_entries;
mod fit_grids;
mod fit_rows;
pub mod link;
pub mod model;
pub mod offload;
pub mod offload_fit;
mod params;
mod plausible;
pub mod predict;
pub mod provenance;
mod rates;
pub mod report;
pub mod validate;
pub mod work;

pub use bench::{read_csv, BenchRow};
pub use calib::{Calibration, GroupKey};
pub use error::SpeedError;
pub use fit::{calibrate, cross_validate, validate, ValidationReport};
pub use model::{Link, Params, SpeedRequest, Split};
pub use predict::{predict, ErrorBand, SpeedPrediction};
