//! `rigsize catalog add|list|remove`: the user's own model records, built
//! from an imported GGUF file, snapshot directory, config.json or `hf:` repo,
//! so a model released today can be sized and planned before the built-in
//! data knows it.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use rigsize_catalog::models::ModelToml;
use rigsize_catalog::user::{id_from_name, user_catalog_target, UserCatalog};
use rigsize_catalog::{Catalog, ModelRecord};
use rigsize_speed::fit::civil_date;

use crate::render::Table;

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[command(subcommand)]
    pub action: CatalogAction,
}

#[derive(Debug, Subcommand)]
pub enum CatalogAction {
    /// Write a user record from hf:owner/repo, FILE.gguf, a snapshot DIR or a config.json.
    Add(AddArgs),
    /// List catalog models and where each record comes from.
    List(ListArgs),
    /// Remove a user record by id.
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// hf:owner/repo[@revision], FILE.gguf, a snapshot directory or a config.json.
    pub spec: String,
    /// The record's id (default: from the repo or file name).
    #[arg(long)]
    pub id: Option<String>,
    /// Replace a record with the same id (a user record, or shadow a built-in one).
    #[arg(long)]
    pub force: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the records in the user catalog file.
    #[arg(long)]
    pub user: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    pub id: String,
}

pub fn run(args: CatalogArgs, extra: &[std::path::PathBuf]) -> Result<()> {
    let path = user_catalog_target()?;
    match args.action {
        CatalogAction::Add(a) => add(a, &path),
        CatalogAction::List(a) => {
            let mut catalog = Catalog::builtin()?;
            if path.exists() {
                catalog.merge_file(&path)?;
            }
            for p in extra {
                catalog.merge_file(p)?;
            }
            list(a, &catalog, &path)
        }
        CatalogAction::Remove(a) => {
            let mut uc = UserCatalog::open(&path)?;
            uc.remove(&a.id)?;
            println!("removed user record '{}' from {}", a.id, path.display());
            Ok(())
        }
    }
}

/// The repo or file name a spec names (`hf:org/Repo@rev` → `Repo`), if any.
fn spec_stem(spec: &str) -> Option<String> {
    let s = spec.trim().trim_start_matches("hf:");
    let s = s.split('@').next().unwrap_or(s).trim_end_matches('/');
    let stem = std::path::Path::new(s)
        .file_name()?
        .to_string_lossy()
        .to_string();
    let stem = stem.trim_end_matches(".gguf").trim_end_matches(".json");
    (!stem.is_empty() && stem != "config").then(|| stem.to_string())
}

/// The record's name: the importer's, unless that is only a transformers
/// class (`Qwen3ForCausalLM`), which says less than the repo or file name.
fn display_name(spec: &str, arch_name: &str) -> String {
    let class =
        arch_name.ends_with("ForCausalLM") || arch_name.ends_with("ForConditionalGeneration");
    match spec_stem(spec) {
        Some(stem) if class || arch_name.trim().is_empty() => stem,
        _ => arch_name.to_string(),
    }
}

/// The id a spec names when `--id` is not given: the repo or file stem.
fn default_id(spec: &str, name: &str) -> String {
    let stem = spec_stem(spec);
    let id = id_from_name(stem.as_deref().unwrap_or(name));
    if id.is_empty() {
        id_from_name(name)
    } else {
        id
    }
}

fn add(a: AddArgs, path: &std::path::Path) -> Result<()> {
    let mut uc = UserCatalog::open(path)?;
    let imported =
        rigsize_import::load(&a.spec).with_context(|| format!("reading model '{}'", a.spec))?;
    let hf_repo = a
        .spec
        .trim()
        .strip_prefix("hf:")
        .map(|r| r.split('@').next().unwrap_or(r).to_string());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let source = format!(
        "user-added by `rigsize catalog add {}` on {} from {}",
        a.spec.trim(),
        civil_date(now),
        imported.source
    );
    let mut rec = ModelToml::from_arch(&imported.arch, &source, hf_repo)
        .map_err(|why| anyhow::anyhow!("{}: {why}", a.spec))?;
    rec.name = display_name(&a.spec, &imported.arch.name);
    rec.id =
        a.id.clone()
            .unwrap_or_else(|| default_id(&a.spec, &imported.arch.name));
    if rec.id.is_empty() {
        anyhow::bail!("cannot derive an id from '{}': pass --id", a.spec);
    }
    rec.unverified_fields = vec![
        "every field: read by the importer from the file, not checked against a model card".into(),
    ];
    rec.unverified_fields.extend(imported.notes.iter().cloned());
    uc.add(&rec, a.force)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&rec)?);
    } else {
        println!(
            "added user record '{}' ({}, {:.2} B params, {} layers) to {}",
            rec.id,
            rec.name,
            rec.params_total_b,
            rec.layers,
            path.display()
        );
        println!("  source: {}", rec.source);
    }
    Ok(())
}

/// Where a record comes from, as list prints it.
fn origin(m: &ModelRecord) -> &'static str {
    if m.user_added {
        "user-added"
    } else {
        "built-in"
    }
}

fn list(a: ListArgs, catalog: &Catalog, path: &std::path::Path) -> Result<()> {
    let models: Vec<ModelRecord> = if a.user {
        UserCatalog::open(path)?.models()?
    } else {
        catalog.models.clone()
    };
    if a.json {
        let rows: Vec<serde_json::Value> = models
            .iter()
            .map(|m| {
                serde_json::json!({
                    "id": m.arch.id,
                    "name": m.arch.name,
                    "params_total": m.arch.params_total,
                    "released": m.release_date,
                    "source": m.source,
                    "user_added": m.user_added,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let mut t = Table::new(vec!["id", "params B", "origin", "source"]);
    for m in &models {
        t.row(vec![
            m.arch.id.clone(),
            format!("{:.1}", m.arch.params_total as f64 / 1e9),
            origin(m).into(),
            m.source.chars().take(90).collect(),
        ]);
    }
    print!("{}", t.render());
    if a.user {
        println!("{} user records in {}", models.len(), path.display());
    } else {
        println!("{} models", models.len());
    }
    Ok(())
}
