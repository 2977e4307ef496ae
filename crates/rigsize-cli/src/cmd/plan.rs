//! `rigsize plan REQUIREMENTS.toml`: ranked, priced, complete builds for a
//! requirements file (docs/requirements-format.md).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use rigsize_catalog::{Catalog, ModelRecord};
use rigsize_plan::have::Have;
use rigsize_plan::{limits, render, Requirements};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Markdown,
    Html,
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct PlanArgs {
    /// The requirements file (TOML; see docs/requirements-format.md and examples/).
    pub requirements: PathBuf,
    /// Output format: markdown (default), html (one self-contained file) or json.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: PlanFormat,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Keep the N best candidates in the ranking (the top pick is always kept).
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub top: usize,
    /// How many builds get a full section (the top pick always does).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub detail: usize,
    /// Write a deployable bundle for the chosen build to DIR: a launch script per machine,
    /// a LiteLLM router config and a README (downloads, health checks).
    #[arg(long, value_name = "DIR")]
    pub emit: Option<PathBuf>,
    /// Look up the parts of the detailed builds (`--detail`) through the live
    /// price source now (cached; a part that cannot be refreshed keeps its
    /// price and says why) and report their totals next to the snapshot's.
    #[arg(long)]
    pub live: bool,
    /// With --emit: replace a non-empty DIR.
    #[arg(long, requires = "emit")]
    pub force: bool,
    /// With --emit: the build to emit, by its rank in the report (1 = the top pick).
    #[arg(long, value_name = "N", default_value_t = 1, requires = "emit")]
    pub build: usize,
    /// Hardware you already own, counted at 0 CHF in builds that use it:
    /// ID[@GB][:COUNT] or `local` (what `rigsize detect` finds). Replaces the
    /// file's [have] section.
    #[arg(long, value_name = "HW")]
    pub have: Option<String>,
}

/// Today's date (UTC) as `YYYY-MM-DD`: read here, at the CLI edge, so the
/// planner stays free of the clock.
fn today_utc() -> Option<String> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs() as i64;
    // H. Hinnant's civil_from_days.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

pub fn run(args: PlanArgs, catalog: &Catalog) -> Result<()> {
    let file = args.requirements.display().to_string();
    let text = rigsize_fs::read_regular_string(&args.requirements, limits::MAX_REQUIREMENTS_BYTES)?;
    let catalog = with_imported_models(&text, &args.requirements, catalog)?;
    let mut req = Requirements::from_toml(&text, &file)?;
    if let Some(h) = &args.have {
        let (spec, _) = crate::cmd::common::resolve_hw(&catalog, h)?;
        req.have = Some(Have { hw: vec![spec] });
    }
    limits::check(&req, &catalog).map_err(|limit| limits::LimitedPlanError::Limit {
        file: file.clone(),
        limit,
    })?;
    let mut report = rigsize_plan::plan(&req, &catalog)?;
    if let Some(today) = today_utc() {
        report.set_today(&today);
    }
    if let Some(dir) = &args.emit {
        let files = rigsize_plan::emit::bundle(&report, args.build, |id| {
            rigsize_plan::commands::ModelRepo::from_catalog(&catalog, id)
        })?;
        super::emit::write_bundle(dir, &files, args.force)?;
        eprintln!("wrote {} files to {}", files.len(), dir.display());
    }
    report.truncate(args.top.max(1));
    let live = args
        .live
        .then(|| super::plan_live::refresh(&report, args.detail));
    let format = if args.json {
        PlanFormat::Json
    } else {
        args.format
    };
    let out = match format {
        PlanFormat::Json => {
            let mut v = serde_json::to_value(&report)?;
            if let (Some(l), Some(obj)) = (&live, v.as_object_mut()) {
                obj.insert("live_prices".into(), serde_json::to_value(l)?);
            }
            serde_json::to_string_pretty(&v)? + "\n"
        }
        PlanFormat::Markdown => {
            render::to_markdown(&report, args.detail)
                + &live
                    .as_ref()
                    .map(super::plan_live::to_markdown)
                    .unwrap_or_default()
        }
        PlanFormat::Html => render::to_html(&report, args.detail),
    };
    match &args.output {
        Some(p) => {
            std::fs::write(p, out).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => print!("{out}"),
    }
    Ok(())
}

/// Models a requirements file names by path or `hf:` repo (GGUF files,
/// snapshot directories, config.json) are imported and added to a copy of
/// the catalog under the name the file uses, so the planner treats them like
/// catalog models. Relative paths are relative to the requirements file.
fn with_imported_models(text: &str, file: &Path, catalog: &Catalog) -> Result<Catalog> {
    let Ok(table) = toml::from_str::<toml::Table>(text) else {
        // Let the planner report the syntax error with its line.
        return Ok(catalog.clone());
    };
    let base = file.parent().unwrap_or(Path::new("."));
    let names: Vec<String> = table
        .get("role")
        .and_then(|r| r.as_array())
        .into_iter()
        .flatten()
        .filter_map(|role| role.get("models").and_then(|m| m.as_array()))
        .flatten()
        .filter_map(|m| m.as_str().map(str::to_string))
        .collect();
    let mut out = catalog.clone();
    for name in names {
        let spec = if name.starts_with("hf:") || Path::new(&name).is_absolute() {
            name.clone()
        } else {
            base.join(&name).display().to_string()
        };
        if catalog.model(&name).is_ok() || !rigsize_import::is_import_spec(&spec) {
            continue;
        }
        let imported = rigsize_import::load(&spec)
            .with_context(|| format!("reading model '{name}' named in {}", file.display()))?;
        let mut arch = imported.arch;
        arch.id = name.clone();
        out.models.retain(|m| m.arch.id != name);
        out.models.push(ModelRecord {
            arch,
            aliases: Vec::new(),
            hf_repo: None,
            license: None,
            release_date: None,
            source: format!("imported from {spec}"),
            verified: false,
            unverified_fields: Vec::new(),
            notes: Some(imported.notes.join("; ")),
            user_added: false,
            cited_kv_per_token_fp16: (None, None),
        });
    }
    Ok(out)
}
