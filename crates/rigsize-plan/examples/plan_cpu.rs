//! CPU time per plan of examples/home-office-coding.toml (issue 12): the
//! figure that does not depend on how busy a shared machine is, unlike the
//! criterion bench's wall time.
//!
//!   cargo run --release -p rigsize-plan --example plan_cpu -- [PLANS] [FILE]

use std::time::Instant;

use rigsize_catalog::Catalog;
use rigsize_plan::plan_from_toml;

/// This thread's CPU time in seconds (Linux: /proc/thread-self/schedstat, ns on CPU).
fn cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u32 = args.next().map_or(Ok(200), |a| a.parse())?;
    let path = args
        .next()
        .unwrap_or_else(|| "examples/home-office-coding.toml".into());
    let text = std::fs::read_to_string(&path)?;
    let catalog = Catalog::builtin()?;
    // Warm the embedded data and the shared caches, as a running server has them.
    plan_from_toml(&text, &path, &catalog)?;
    let (c0, t0) = (cpu_s(), Instant::now());
    for _ in 0..n.max(1) {
        plan_from_toml(&text, &path, &catalog)?;
    }
    let wall = t0.elapsed().as_secs_f64() / n.max(1) as f64;
    match (c0, cpu_s()) {
        (Some(a), Some(b)) => println!(
            "{path}: {n} plans, {:.2} ms CPU per plan ({:.2} ms wall)",
            (b - a) / n.max(1) as f64 * 1e3,
            wall * 1e3
        ),
        _ => println!(
            "{path}: {n} plans, {:.2} ms wall per plan (no CPU clock)",
            wall * 1e3
        ),
    }
    Ok(())
}
