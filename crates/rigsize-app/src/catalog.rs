//! Listing the catalog: `GET /api/models`, `GET /api/hardware` and the
//! `list_models` / `list_hardware` tools. Filters and rows are those of
//! `rigsize models --json` and `rigsize hardware --json`.

use std::cmp::Reverse;

use anyhow::Result;
use rigsize_catalog::{Catalog, HardwareRecord, ModelRecord};
use rigsize_core::dtype::KvType;
use rigsize_core::fit::{fit, FitInput, FitReport};
use rigsize_core::hardware::DeviceSet;
use rigsize_core::kv::per_token_bytes;
use rigsize_core::memory::MemoryRequest;
use rigsize_core::model::ModelArch;
use rigsize_core::units::{to_gib, MAX_STREAMS};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::fit::{engine_config, kv_type, resolve_model, tokens_value, ResolvedModel};

/// `rigsize models`' filters. All optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelsQuery {
    /// Only models that fit this hardware (ID, ID:COUNT, ID@GB), e.g. "rtx-4090".
    #[serde(default)]
    pub fits: Option<String>,
    /// Context per stream for `fits`: 32768, "32k", "128ki". Default 8192.
    #[serde(default)]
    pub ctx: Option<String>,
    /// Streams for `fits`. Default 1.
    #[serde(default)]
    pub streams: Option<u32>,
    /// Quantization for sizes (default: the engine's usual one per model).
    #[serde(default)]
    pub quant: Option<String>,
    /// KV cache type for `fits`. Default f16.
    #[serde(default)]
    pub kv_type: Option<String>,
    /// Engine: llama.cpp, ollama, vllm, sglang, mlx, trtllm. Default llama.cpp.
    #[serde(default)]
    pub engine: Option<String>,
    /// Only ids or names containing this text (case-insensitive).
    #[serde(default)]
    pub search: Option<String>,
    /// Only mixture-of-experts models.
    #[serde(default)]
    pub moe: Option<bool>,
    /// Sort by: name (default), params, active, context, kv.
    #[serde(default)]
    pub sort: Option<String>,
    /// With `fits`: allow contexts up to each model's documented RoPE/YaRN
    /// extension (default: the native window is the limit).
    #[serde(default)]
    pub extend_context: Option<bool>,
}

/// One row of `rigsize models --json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelRow {
    pub id: String,
    pub name: String,
    pub params_total: u64,
    pub params_active: u64,
    pub layers: u32,
    pub attention: String,
    pub kv_bytes_per_token_f16: u64,
    pub kv_sliding_bytes_per_token_f16: u64,
    pub native_context: u64,
    pub max_context: u64,
    pub quant: String,
    pub weights_bytes: u64,
    pub fit: Option<FitReport>,
    pub source: String,
    pub verified: bool,
    /// Release date (YYYY-MM-DD) from the record, when known.
    pub released: Option<String>,
    /// A `rigsize catalog add` record, not a reviewed built-in one.
    pub user_added: bool,
}

fn attention_summary(m: &ModelRecord) -> String {
    let a = &m.arch;
    let mut parts = Vec::new();
    for kind in ["full", "sliding", "mla", "recurrent"] {
        let n = a.count_layers(kind);
        if n > 0 {
            parts.push(format!("{n} {kind}"));
        }
    }
    parts.join(" + ")
}

/// The models matching `q`, as `rigsize models --json` lists them.
pub fn list_models(q: &ModelsQuery, catalog: &Catalog) -> Result<Vec<ModelRow>> {
    let engine = engine_config(
        q.engine.as_deref().unwrap_or("llama.cpp"),
        None,
        false,
        false,
        None,
    )?;
    let ctx = tokens_value(
        q.ctx
            .as_ref()
            .map(|c| serde_json::Value::String(c.clone()))
            .as_ref(),
        "8192",
    )?;
    let kv = kv_type(q.kv_type.as_deref().unwrap_or("f16"))?;
    let streams = q.streams.unwrap_or(1);
    anyhow::ensure!(
        (1..=MAX_STREAMS).contains(&streams),
        "--streams must be 1 to {MAX_STREAMS}, got {streams}"
    );
    let sort = q.sort.as_deref().unwrap_or("name");
    anyhow::ensure!(
        ["name", "params", "active", "context", "kv"].contains(&sort),
        "unknown --sort '{sort}': use name, params, active, context or kv"
    );
    let hw = q
        .fits
        .as_deref()
        .map(|h| catalog.device_set(h))
        .transpose()?;
    let request = MemoryRequest {
        ctx,
        streams,
        kv_type_k: kv,
        kv_type_v: kv,
        engine: engine.clone(),
    };
    let search = q.search.as_deref().map(str::to_ascii_lowercase);
    let mut rows = Vec::new();
    for rec in &catalog.models {
        let a = &rec.arch;
        if !matches_filters(q, a, search.as_deref()) {
            continue;
        }
        let resolved = resolve_model(catalog, &a.id, q.quant.as_deref(), engine.engine)?;
        let extend = q.extend_context.unwrap_or(false);
        let fit_report = hw
            .as_ref()
            .map(|set| fit_on(catalog, a, &resolved, set, &request, extend))
            .transpose()?;
        if fit_report.as_ref().is_some_and(|f| f.fits != Some(true)) {
            continue;
        }
        rows.push(model_row(rec, resolved, fit_report));
    }
    sort_rows(&mut rows, sort);
    Ok(rows)
}

/// Whether a model passes the `moe` and `search` filters (`search` already
/// lower case), checked before anything is sized.
fn matches_filters(q: &ModelsQuery, a: &ModelArch, search: Option<&str>) -> bool {
    if q.moe == Some(true) && !a.is_moe() {
        return false;
    }
    if let Some(s) = search {
        if !a.id.contains(s) && !a.name.to_ascii_lowercase().contains(s) {
            return false;
        }
    }
    true
}

/// The `fits` verdict for one model: the same sizing and engine checks
/// as `rigsize fit`, so the list never offers a run that `fit` refuses.
fn fit_on(
    catalog: &Catalog,
    a: &ModelArch,
    resolved: &ResolvedModel,
    set: &DeviceSet,
    request: &MemoryRequest,
    extend_context: bool,
) -> Result<FitReport> {
    let mut r = fit(&FitInput {
        model: a,
        quant_label: resolved.quant_label.clone(),
        weights: &resolved.weights,
        request: request.clone(),
        hardware: Some(set),
        wired_limit_bytes: None,
        extend_context,
        vision: false,
    });
    crate::compat::apply(&mut r, request.engine.engine, set, a, catalog)?;
    Ok(r)
}

/// One listed model: the record's figures, its size at the resolved
/// quantization, and the `fits` verdict when one was asked for.
fn model_row(rec: &ModelRecord, resolved: ResolvedModel, fit: Option<FitReport>) -> ModelRow {
    let a = &rec.arch;
    let pt = per_token_bytes(a, KvType::F16, KvType::F16);
    ModelRow {
        id: a.id.clone(),
        name: a.name.clone(),
        params_total: a.params_total,
        params_active: a.params_active,
        layers: a.n_layers(),
        attention: attention_summary(rec),
        kv_bytes_per_token_f16: pt.growing + pt.indexer,
        kv_sliding_bytes_per_token_f16: pt.sliding,
        native_context: a.native_context,
        max_context: a.max_context(),
        quant: resolved.quant_label,
        weights_bytes: resolved.weights.bytes,
        fit,
        source: rec.source.clone(),
        verified: rec.verified,
        released: rec.release_date.clone(),
        user_added: rec.user_added,
    }
}

/// `sort`: the largest first for sizes and context, the smallest KV first,
/// else by id.
fn sort_rows(rows: &mut [ModelRow], sort: &str) {
    match sort {
        "params" => rows.sort_by_key(|r| Reverse(r.params_total)),
        "active" => rows.sort_by_key(|r| Reverse(r.params_active)),
        "context" => rows.sort_by_key(|r| Reverse(r.max_context)),
        "kv" => rows.sort_by_key(|r| r.kv_bytes_per_token_f16),
        _ => rows.sort_by(|a, b| a.id.cmp(&b.id)),
    }
}

/// `rigsize hardware`' filters. All optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HardwareQuery {
    /// Only this kind: gpu, apple_soc, unified_box.
    #[serde(default)]
    pub kind: Option<String>,
    /// Only this vendor (NVIDIA, AMD, Apple, Intel…).
    #[serde(default)]
    pub vendor: Option<String>,
    /// Only devices with at least this much memory, in GiB.
    #[serde(default)]
    pub min_memory: Option<f64>,
    /// Only ids or names containing this text (case-insensitive).
    #[serde(default)]
    pub search: Option<String>,
}

/// The devices matching `q`, as `rigsize hardware --json` lists them.
pub fn list_hardware<'a>(
    q: &HardwareQuery,
    catalog: &'a Catalog,
) -> Result<Vec<&'a HardwareRecord>> {
    if let Some(k) = &q.kind {
        anyhow::ensure!(
            ["gpu", "apple_soc", "unified_box"].contains(&k.as_str()),
            "unknown --kind '{k}': use gpu, apple_soc or unified_box"
        );
    }
    if let Some(m) = q.min_memory {
        // NaN compares false with every size: it would list nothing, silently.
        anyhow::ensure!(
            m.is_finite() && m >= 0.0,
            "--min-memory must be a number of GiB, 0 or more, got {m}"
        );
    }
    let search = q.search.as_deref().map(str::to_ascii_lowercase);
    Ok(catalog
        .hardware
        .iter()
        .filter(|h| {
            let kind = serde_json::to_value(h.device.kind).ok();
            q.kind
                .as_deref()
                .is_none_or(|k| kind.as_ref().and_then(|v| v.as_str()) == Some(k))
                && q.vendor
                    .as_deref()
                    .is_none_or(|v| h.device.vendor_key().eq_ignore_ascii_case(v))
                && q.min_memory
                    .is_none_or(|m| to_gib(h.device.memory_bytes) >= m)
                && search.as_deref().is_none_or(|s| {
                    h.device.id.contains(s) || h.device.name.to_ascii_lowercase().contains(s)
                })
        })
        .collect())
}
