//! The pure core of rigsize: what a model is, what hardware is, how many bytes a
//! model needs at a given quantization and context, and how fast it runs.
//!
//! Nothing here touches the file system, the network, the clock or the terminal,
//! so every answer is a function of its inputs and can be tested exactly.

pub mod compat;
pub mod dtype;
pub mod engine;
pub mod error;
pub mod fit;
pub mod hardware;
pub mod kv;
pub mod memory;
pub mod model;
pub mod offload;
pub mod quant;
pub mod tensors;
pub mod units;
pub mod workload;

pub use error::CoreError;
