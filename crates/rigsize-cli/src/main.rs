//! The `rigsize` binary: parses flags, loads the catalog, hands off to a
//! subcommand. Errors print as `error: …` with their causes and exit with 2.

mod cmd;
mod render;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// rigsize: which hardware for which local AI model — memory, speed and
/// builds computed from first principles and cited data.
#[derive(Debug, Parser)]
#[command(
    name = "rigsize",
    version,
    about = "Which hardware for which local AI model: memory, speed and builds computed from first principles and cited data.\nMemory is printed in GiB (2^30 bytes); --json carries raw bytes.",
    long_about = None
)]
struct Cli {
    /// Extra catalog file(s) with [[model]] / [[device]] records; a record
    /// with a known id replaces the built-in one. Also read:
    /// $RIGSIZE_CATALOG or ~/.config/rigsize/catalog.toml.
    #[arg(long, global = true)]
    catalog: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Memory needed by a model at a quantization, context and stream count,
    /// and whether it fits given hardware.
    Fit(cmd::fit::FitArgs),
    /// List models; with --fits, only those that fit a device.
    Models(cmd::models::ModelsArgs),
    /// List GPUs, Macs and unified-memory systems.
    Hardware(cmd::hardware::HardwareArgs),
    /// Decode and prefill speed, time to first token, over depths and streams.
    Speed(cmd::speed::SpeedArgs),
    /// Predicted vs measured for a benchmark CSV (dev.csv's columns): MdAPE.
    Validate(cmd::validate::ValidateArgs),
    /// Refit the speed model's parameters on a benchmark CSV.
    Calibrate(cmd::validate::CalibrateArgs),
    /// From a requirements file to ranked, priced, complete builds.
    Plan(cmd::plan::PlanArgs),
    /// Which models a node keeps resident, unloads or caches within its budgets.
    Pack(cmd::pack::PackArgs),
    /// A local web page with charts and a JSON API (loopback by default).
    Serve(cmd::serve::ServeArgs),
    /// A Model Context Protocol tool server over stdio for coding agents.
    Mcp(cmd::serve::McpArgs),
    /// Swiss prices in CHF: dated snapshot, live toppreise.ch, local cache.
    Prices(cmd::prices::PricesArgs),
    /// Your own model records: add from a GGUF / config / hf: repo, list, remove.
    Catalog(cmd::catalog::CatalogArgs),
    /// This machine's GPUs, Apple chip or unified-memory box as catalog ids
    /// (what `--hw local` means), with free and total memory, CPU and RAM.
    Detect(cmd::detect::DetectArgs),
    /// Measure a running OpenAI-compatible server (TTFT, prefill, decode per
    /// stream and in total) next to rigsize's prediction.
    Bench(cmd::bench::BenchArgs),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    // `catalog add` creates the user file, so it may not exist yet.
    let command = match cli.command {
        Command::Catalog(a) => return cmd::catalog::run(a, &cli.catalog),
        other => other,
    };
    let catalog = cmd::common::load_catalog(&cli.catalog)?;
    match command {
        Command::Fit(mut a) => {
            if let Some(h) = &a.hw {
                let (hw, wired) = cmd::common::resolve_hw(&catalog, h)?;
                a.hw = Some(hw);
                a.wired_limit_gb = a
                    .wired_limit_gb
                    .or(wired.map(|b| b as f64 / rigsize_core::units::GIB));
            }
            cmd::fit::run(a, &catalog)
        }
        Command::Models(mut a) => {
            if let Some(h) = &a.fits {
                a.fits = Some(cmd::common::resolve_hw(&catalog, h)?.0);
            }
            cmd::models::run(a, &catalog)
        }
        Command::Hardware(a) => cmd::hardware::run(a, &catalog),
        Command::Prices(a) => cmd::prices::run(a),
        Command::Serve(a) => cmd::serve::run(a, &catalog),
        Command::Mcp(a) => cmd::serve::run_mcp(a, &catalog),
        Command::Speed(mut a) => {
            a.hw = cmd::common::resolve_hw(&catalog, &a.hw)?.0;
            cmd::speed::run(a, &catalog)
        }
        Command::Validate(a) => cmd::validate::run(a, &catalog),
        Command::Calibrate(a) => cmd::validate::run_calibrate(a, &catalog),
        Command::Plan(a) => cmd::plan::run(a, &catalog),
        Command::Pack(a) => cmd::pack::run(a, &catalog),
        Command::Catalog(a) => cmd::catalog::run(a, &cli.catalog),
        Command::Detect(a) => cmd::detect::run(a, &catalog),
        Command::Bench(a) => cmd::bench::run(a, &catalog),
    }
}

/// Dies quietly on a closed pipe (`rigsize models | head`) like other Unix
/// tools, instead of Rust's default of ignoring SIGPIPE and panicking in
/// `println!`.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal disposition to the default at startup, before
    // any thread exists, has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
