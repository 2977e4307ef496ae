//! `POST /api/speed` and the `speed` tool: `rigsize speed`'s options under
//! their flag names, answered with what `rigsize speed --json` prints.

use std::sync::OnceLock;

use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::units::{format_tokens, parse_tokens, MAX_STREAMS};
use rigsize_speed::{predict, Calibration, Link, SpeedPrediction, Split};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::fit::{kv_type, resolve_model, tokens_value, Resolver};

/// `rigsize speed`'s options. `model` and `hw` are required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpeedRequest {
    /// Model: a catalog id or alias, e.g. "qwen3-coder-30b-a3b".
    pub model: String,
    /// Quantization (q4_k_m, q8_0, mxfp4, fp8, awq, mlx-4bit…). Default: the
    /// engine's usual one.
    #[serde(default)]
    pub quant: Option<String>,
    /// Hardware: ID or ID:COUNT, e.g. "rtx-5090", "rtx-3090:2", "m3-ultra-80c@256".
    pub hw: String,
    /// Engine: llama.cpp (default), ollama, vllm, sglang, mlx, trtllm.
    #[serde(default)]
    pub engine: Option<String>,
    /// Context already in the cache while decoding: "0,32k,128k,200k" or a
    /// list [0, 32768, "128k"] (k = 1000, ki = 1024). Default "0,32k".
    #[serde(default)]
    #[schemars(with = "Option<ListSchema>")]
    pub depth: Option<serde_json::Value>,
    /// Parallel stream counts: "1,4,8" or a list [1, 4, 8]. Default 1.
    #[serde(default)]
    #[schemars(with = "Option<ListSchema>")]
    pub streams: Option<serde_json::Value>,
    /// Prompt tokens prefilled for the first token (new tokens; the rest of
    /// the depth is a cached prefix): 512, "50k". Default: the whole depth
    /// (cold start), at least 512.
    #[serde(default)]
    #[schemars(with = "Option<crate::fit::TokensSchema>")]
    pub prompt: Option<serde_json::Value>,
    /// Multi-device split: layer (devices in turn) or tensor (tensor
    /// parallel). Default: tensor for vLLM/SGLang/TensorRT-LLM/MLX, layer for
    /// llama.cpp.
    #[serde(default)]
    pub split: Option<String>,
    /// Link between devices: pcie4, pcie5, nvlink, tb5, tb5-rdma. Default:
    /// from the device (NVLink if it has it, Thunderbolt 5 for Macs).
    #[serde(default)]
    pub link: Option<String>,
    /// KV cache type: f16 (default), q8_0, q4_0, fp8…
    #[serde(default)]
    pub kv_type: Option<String>,
}

/// A comma-separated list or a JSON array.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum ListSchema {
    /// "0,32k,128k"
    Text(String),
    /// [0, 32768, "128k"]
    List(Vec<crate::fit::TokensSchema>),
}

/// Turns a list given as "a,b,c", a number or a JSON array into the CLI's
/// comma-separated text.
pub fn list_text(v: Option<&serde_json::Value>) -> anyhow::Result<Option<String>> {
    use serde_json::Value;
    let item = |v: &Value| -> anyhow::Result<String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            other => {
                anyhow::bail!("a list item must be a number or text such as \"32k\", got {other}")
            }
        }
    };
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => {
            if items.is_empty() {
                anyhow::bail!("a list must not be empty");
            }
            Ok(Some(
                items
                    .iter()
                    .map(item)
                    .collect::<Result<Vec<_>, _>>()?
                    .join(","),
            ))
        }
        Some(other) => item(other).map(Some),
    }
}

/// Comma-separated token counts (`--depth`, `--prompt`).
fn token_list(s: &str, what: &str) -> anyhow::Result<Vec<u64>> {
    let v: Vec<u64> = s
        .split(',')
        .filter(|x| !x.trim().is_empty())
        .map(|x| match x.trim() {
            // An empty cache is a valid depth (not a valid context).
            "0" if what == "depth" => Ok(0),
            x => parse_tokens(x).map_err(anyhow::Error::from),
        })
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(!v.is_empty(), "--{what} needs at least one value");
    anyhow::ensure!(
        v.len() <= MAX_CELLS,
        "--{what} has {} values; at most {MAX_CELLS}",
        v.len()
    );
    Ok(v)
}

fn stream_list(s: &str) -> anyhow::Result<Vec<u32>> {
    let v: Vec<u32> = s
        .split(',')
        .filter(|x| !x.trim().is_empty())
        .map(|x| {
            x.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_STREAMS).contains(n))
                .ok_or_else(|| {
                    anyhow::anyhow!("--streams value '{x}' is not a count from 1 to {MAX_STREAMS}")
                })
        })
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(!v.is_empty(), "--streams needs at least one value");
    anyhow::ensure!(
        v.len() <= MAX_CELLS,
        "--streams has {} values; at most {MAX_CELLS}",
        v.len()
    );
    Ok(v)
}

/// Most depths (and most stream counts) one request may ask for.
pub const MAX_CELLS: usize = 64;

/// One prediction: a depth × stream count.
#[derive(Debug, Clone, Serialize)]
pub struct SpeedCell {
    pub depth: u64,
    pub streams: u32,
    pub prompt_tokens: u64,
    #[serde(flatten)]
    pub prediction: SpeedPrediction,
}

/// What `rigsize speed --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct SpeedReport {
    pub model: String,
    pub quant: String,
    pub hardware: String,
    pub devices: u32,
    pub engine: String,
    pub split: String,
    pub link: String,
    pub kv_type: String,
    pub calibration_fitted: String,
    pub notes: Vec<String>,
    pub predictions: Vec<SpeedCell>,
}

fn calibration() -> anyhow::Result<&'static Calibration> {
    static CAL: OnceLock<Result<Calibration, String>> = OnceLock::new();
    CAL.get_or_init(|| Calibration::builtin().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The speed report for `req`: the same cells, in the same order, as
/// `rigsize speed --json`.
pub fn build_speed_report(req: &SpeedRequest, catalog: &Catalog) -> anyhow::Result<SpeedReport> {
    build_speed_report_with(req, catalog, &resolve_model)
}

/// As [`build_speed_report`], with the caller's model resolver (see
/// [`crate::fit::Resolver`]).
pub fn build_speed_report_with(
    req: &SpeedRequest,
    catalog: &Catalog,
    resolve: &Resolver,
) -> anyhow::Result<SpeedReport> {
    let engine = Engine::parse(req.engine.as_deref().unwrap_or("llama.cpp"))?;
    let model = resolve(catalog, &req.model, req.quant.as_deref(), engine)?;
    let set = catalog.device_set(&req.hw)?;
    let cal = calibration()?;
    let depth_text = list_text(req.depth.as_ref())?.unwrap_or_else(|| "0,32k".into());
    let depths = token_list(&depth_text, "depth")?;
    let stream_text = list_text(req.streams.as_ref())?.unwrap_or_else(|| "1".into());
    let streams = stream_list(&stream_text)?;
    anyhow::ensure!(
        depths.len() * streams.len() <= MAX_CELLS,
        "{} depths × {} stream counts is more than {MAX_CELLS} predictions in one request",
        depths.len(),
        streams.len()
    );
    let prompt = match req.prompt.as_ref() {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(tokens_value(Some(v), "512")?),
    };
    let kv = kv_type(req.kv_type.as_deref().unwrap_or("f16"))?;
    let mut base = rigsize_speed::SpeedRequest::new(&model.arch, &model.weights, &set, engine);
    if let Some(s) = &req.split {
        base.split = Split::parse(s)?;
    }
    if let Some(l) = &req.link {
        base.link = Link::parse(l)?;
    }
    base.kv_type = kv;
    let mut notes = model.notes.clone();
    notes.extend(crate::fit::user_added_note(catalog, &req.model));
    // As `rigsize fit` warns: a depth the model cannot attend to gives a
    // speed for a run that cannot happen.
    let deepest = depths.iter().chain(&prompt).copied().max().unwrap_or(0);
    notes.extend(rigsize_core::fit::context_warning(&model.arch, deepest));
    if let Some(p) = prompt {
        if let Some(d) = depths.iter().find(|d| **d < p) {
            notes.push(format!(
                "prompt {} is longer than depth {}: the prompt is prefilled from an empty cache",
                format_tokens(p),
                format_tokens(*d)
            ));
        }
    }
    let mut cells = Vec::new();
    for &d in &depths {
        for &s in &streams {
            let mut r = base.clone();
            r.depth_tokens = d;
            r.streams = s;
            r.prompt_tokens = prompt.unwrap_or(d.max(512)).max(1);
            if r.prompt_tokens > d {
                r.depth_tokens = d.max(r.prompt_tokens);
            }
            let mut p = predict(&r, cal);
            if r.depth_tokens != d {
                // Decode at the requested depth; the prefill ran on its own.
                let mut dr = r.clone();
                dr.depth_tokens = d;
                let dp = predict(&dr, cal);
                p.decode_tok_s_per_stream = dp.decode_tok_s_per_stream;
                p.decode_tok_s_total = dp.decode_tok_s_total;
                p.bound = dp.bound;
            }
            cells.push(SpeedCell {
                depth: d,
                streams: s,
                prompt_tokens: r.prompt_tokens,
                prediction: p,
            });
        }
    }
    Ok(SpeedReport {
        model: model.arch.id.clone(),
        quant: model.quant_label.clone(),
        hardware: set.device.id.clone(),
        devices: set.count,
        engine: engine.name().to_string(),
        split: base.split.name().to_string(),
        link: base.link.name().to_string(),
        kv_type: kv.name().to_string(),
        calibration_fitted: cal.meta.fitted.clone(),
        notes,
        predictions: cells,
    })
}
