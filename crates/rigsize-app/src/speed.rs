//! `POST /api/speed` and the `speed` tool: `rigsize speed`'s options under
//! their flag names, answered with what `rigsize speed --json` prints.

use std::sync::OnceLock;

use rigsize_catalog::Catalog;
use rigsize_core::dtype::KvType;
use rigsize_core::engine::{Backend, Engine};
use rigsize_core::offload::OffloadSplit;
use rigsize_core::units::{parse_tokens, MAX_STREAMS};
use rigsize_speed::offload::Host;
use rigsize_speed::{predict, Calibration, Link, SpeedPrediction, Split};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::fit::{kv_type, resolve_model, tokens_value, ResolvedModel, Resolver};

mod feasibility;

use feasibility::feasibility;
pub use feasibility::refusal;

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
    /// Engine: llama.cpp, ollama, vllm, sglang, mlx, trtllm. Default llama.cpp.
    #[serde(default)]
    pub engine: Option<String>,
    /// Context already in the cache while decoding: "0,32k,128k,200k" or a
    /// list [0, 32768, "128k"] (k = 1000, ki = 1024). Default: 0 and 32k,
    /// or the model's window where it is shorter.
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
    /// GPU backend of a llama.cpp build: the vendor's own (cuda, rocm,
    /// metal; the default) or vulkan (AMD and Intel calibrated apart: on an
    /// AMD card Vulkan decodes 15–30 % faster than ROCm).
    #[serde(default)]
    pub backend: Option<String>,
    /// Allow depths up to the model's documented RoPE/YaRN extension
    /// (default: the native window is the limit).
    #[serde(default)]
    pub extend_context: bool,
    /// Images in the prompt (vision-language models): their tokens are
    /// prefilled with the text and the encoder runs first. Default 0.
    #[serde(default)]
    pub images: Option<u32>,
    /// Square image edge in pixels. Default: the model's reference size.
    #[serde(default)]
    pub image_px: Option<u32>,
    /// llama.cpp expert offload (`--n-cpu-moe N`): predict with the routed
    /// experts of blocks 0…N−1 in system RAM, computed on the CPU (its own
    /// speed model and error band). llama.cpp and MoE models only.
    #[serde(default)]
    pub n_cpu_moe: Option<u32>,
    /// System RAM in GB, to check that it holds the offloaded experts.
    #[serde(default)]
    pub ram_gb: Option<f64>,
    /// Peak system-RAM bandwidth in GB/s (channels × MT/s × 8 B, e.g. 89.6
    /// for 2-channel DDR5-5600). Default: rigsize's reference host.
    #[serde(default)]
    pub ram_bw_gbs: Option<f64>,
    /// Tokens per prefill pass (llama.cpp `-ub`). Default: the engine's
    /// (llama.cpp 512). A larger one prefills in fewer passes, and
    /// llama.cpp's sliding-window layers keep (and each decode step reads)
    /// the window plus one pass.
    #[serde(default)]
    pub ubatch: Option<u32>,
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
    /// Tokens prefilled for the first token, image tokens included.
    pub prompt_tokens: u64,
    /// Of `prompt_tokens`, those the images became.
    pub image_tokens: u64,
    /// Vision-encoder time for the images, s (part of `ttft_s`).
    pub vision_encoder_s: f64,
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
    /// The GPU backend predicted (`vulkan`, or the vendor's own).
    pub backend: String,
    pub split: String,
    pub link: String,
    pub kv_type: String,
    pub calibration_fitted: String,
    pub notes: Vec<String>,
    /// The memory check every prediction passed: the largest cell (deepest
    /// depth × most streams), as `rigsize fit --json` reports it.
    pub fit: rigsize_core::fit::FitReport,
    /// Present with `--n-cpu-moe`: the predictions are the expert-offload
    /// model's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offload: Option<crate::offload::OffloadSpeed>,
    pub predictions: Vec<SpeedCell>,
}

pub(crate) fn calibration() -> anyhow::Result<&'static Calibration> {
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
    let grid = Grid::from_request(req, &model.arch)?;
    let kv = kv_type(req.kv_type.as_deref().unwrap_or("f16"))?;
    let offload = offload_of(req, &model, engine)?;
    let gpu_weights = offload.as_ref().map(|(s, _)| &s.gpu_weights);
    let off_cal = &crate::offload::data()?.calibration;
    let base = base_request(req, &model, gpu_weights, &set, engine, kv)?;
    let vision = crate::vision::ImageLoad::new(&model.arch, req.images, req.image_px)?;
    let (fit, notes) = feasibility(req, catalog, resolve, &model, &grid, &vision)?;
    let mode = Mode {
        cal,
        offload: offload.as_ref().map(|(s, h)| (s, h, off_cal)),
    };
    let cells = grid.cells(&base, &vision, &set, &mode);
    Ok(SpeedReport {
        model: model.arch.id.clone(),
        quant: model.quant_label.clone(),
        hardware: set.device.id.clone(),
        devices: set.count,
        engine: engine.name().to_string(),
        backend: base
            .backend
            .or_else(|| Backend::native_for(&set.device))
            .map_or("other", Backend::name)
            .to_string(),
        split: base.split.name().to_string(),
        link: base.link.name().to_string(),
        kv_type: kv.name().to_string(),
        calibration_fitted: cal.meta.fitted.clone(),
        notes,
        fit,
        offload: offload
            .as_ref()
            .map(|(s, h)| crate::offload::OffloadSpeed::new(s, h))
            .transpose()?,
        predictions: cells,
    })
}

/// The depths × stream counts asked for, and the prompt prefilled in each.
struct Grid {
    depths: Vec<u64>,
    streams: Vec<u32>,
    prompt: Option<u64>,
}

impl Grid {
    /// Parsed and capped at [`MAX_CELLS`], so one request cannot ask for an
    /// unbounded amount of prediction work.
    fn from_request(
        req: &SpeedRequest,
        arch: &rigsize_core::model::ModelArch,
    ) -> anyhow::Result<Grid> {
        let depths = match list_text(req.depth.as_ref())? {
            Some(text) => token_list(&text, "depth")?,
            None => default_depths(arch, req.extend_context),
        };
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
        Ok(Grid {
            depths,
            streams,
            prompt,
        })
    }

    /// One cell per depth × stream count, depths outermost (the CLI's order).
    fn cells(
        &self,
        base: &rigsize_speed::SpeedRequest,
        vision: &crate::vision::ImageLoad,
        set: &rigsize_core::hardware::DeviceSet,
        mode: &Mode,
    ) -> Vec<SpeedCell> {
        let mut cells = Vec::new();
        for &d in &self.depths {
            for &s in &self.streams {
                cells.push(predict_cell(base, d, s, self.prompt, vision, set, mode));
            }
        }
        cells
    }
}

/// With `n_cpu_moe`: the expert split and the host it runs on.
fn offload_of(
    req: &SpeedRequest,
    model: &ResolvedModel,
    engine: Engine,
) -> anyhow::Result<Option<(OffloadSplit, Host)>> {
    Ok(match req.n_cpu_moe {
        Some(n) => Some((
            crate::offload::split_for(model, engine, n)?,
            crate::offload::host(req.ram_bw_gbs)?,
        )),
        None => None,
    })
}

/// The request every cell starts from: the options that do not vary per
/// cell. With offload only the GPU's share of the weights is on the devices.
fn base_request<'a>(
    req: &SpeedRequest,
    model: &'a ResolvedModel,
    gpu_weights: Option<&'a rigsize_core::memory::WeightsEstimate>,
    set: &'a rigsize_core::hardware::DeviceSet,
    engine: Engine,
    kv: KvType,
) -> anyhow::Result<rigsize_speed::SpeedRequest<'a>> {
    let mut base = rigsize_speed::SpeedRequest::new(
        &model.arch,
        gpu_weights.unwrap_or(&model.weights),
        set,
        engine,
    );
    if let Some(s) = &req.split {
        base.split = Split::parse(s)?;
    }
    if let Some(l) = &req.link {
        base.link = Link::parse(l)?;
    }
    base.kv_type = kv;
    base.ubatch = req.ubatch.map(u64::from);
    base.backend = backend_of(req, engine, &set.device)?;
    Ok(base)
}

/// The requested backend, checked against the engine and device (`None`:
/// the vendor's own, also when named explicitly).
fn backend_of(
    req: &SpeedRequest,
    engine: Engine,
    device: &rigsize_core::hardware::Device,
) -> anyhow::Result<Option<Backend>> {
    let Some(text) = req.backend.as_deref() else {
        return Ok(None);
    };
    let b = Backend::parse(text)?;
    b.check(engine, device)?;
    Ok((Some(b) != Backend::native_for(device)).then_some(b))
}

/// Which speed model a cell uses: the ordinary one, or expert offload.
struct Mode<'a> {
    cal: &'a Calibration,
    offload: Option<(
        &'a rigsize_core::offload::OffloadSplit,
        &'a rigsize_speed::offload::Host,
        &'a rigsize_speed::offload::OffloadCalibration,
    )>,
}

impl Mode<'_> {
    fn predict(&self, r: &rigsize_speed::SpeedRequest) -> SpeedPrediction {
        match self.offload {
            Some((s, h, off)) => rigsize_speed::offload::predict_offload(r, s, h, self.cal, off),
            None => predict(r, self.cal),
        }
    }
}

/// One cell: prefill of the prompt (and images) from the cache state it
/// needs, decode at the requested depth.
fn predict_cell(
    base: &rigsize_speed::SpeedRequest,
    d: u64,
    s: u32,
    prompt: Option<u64>,
    vision: &crate::vision::ImageLoad,
    set: &rigsize_core::hardware::DeviceSet,
    mode: &Mode,
) -> SpeedCell {
    let mut r = base.clone();
    r.depth_tokens = d;
    r.streams = s;
    r.prompt_tokens = prompt.unwrap_or(d.max(512)).max(1) + vision.tokens;
    if r.prompt_tokens > d {
        r.depth_tokens = d.max(r.prompt_tokens);
    }
    let mut p = mode.predict(&r);
    let encoder_s = vision.encoder_seconds(set, p.params.prefill_util);
    if encoder_s > 0.0 {
        p.ttft_s += encoder_s;
        p.explain.push(vision.explain(encoder_s));
    }
    if r.depth_tokens != d {
        // Decode at the requested depth; the prefill ran on its own.
        let mut dr = r.clone();
        dr.depth_tokens = d;
        let dp = mode.predict(&dr);
        p.decode_tok_s_per_stream = dp.decode_tok_s_per_stream;
        p.decode_tok_s_total = dp.decode_tok_s_total;
        p.bound = dp.bound;
    }
    SpeedCell {
        depth: d,
        streams: s,
        prompt_tokens: r.prompt_tokens,
        image_tokens: vision.tokens,
        vision_encoder_s: encoder_s,
        prediction: p,
    }
}

/// Depths when none are asked for: an empty cache and 32K, or the model's
/// window where it is shorter (llama-3-8b: 8K), so the default request is
/// one the model can run.
fn default_depths(model: &rigsize_core::model::ModelArch, extend: bool) -> Vec<u64> {
    let limit = rigsize_core::fit::context_limit(model, extend);
    vec![0, DEFAULT_DEPTH.min(limit)]
}

/// The deeper of the default depths, tokens.
const DEFAULT_DEPTH: u64 = 32_000;
