//! One module per subcommand; each has an `Args` struct (its flags,
//! documented once, there) and a `run`.

pub mod bench;
pub mod bench_csv;
pub mod catalog;
pub mod common;
pub mod detect;
pub mod emit;
pub mod fit;
pub mod hardware;
pub mod local_cal;
pub mod models;
pub mod pack;
pub mod plan;
pub mod plan_live;
pub mod prices;
pub mod serve;
pub mod speed;
pub mod speed_capacity;
pub mod validate;
