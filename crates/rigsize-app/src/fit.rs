//! The one path from "what the user named" to a [`FitReport`], shared by
//! `rigsize fit`, `POST /api/fit` and the `fit` MCP tool.
//!
//! [`FitRequest`] carries the CLI's options under their flag names in
//! snake_case, so a JSON body `{"model": "qwen3-coder-30b-a3b", "ctx": "200k",
//! "kv_type": "q8_0", "streams": 3, "hw": "rtx-5090"}` means exactly
//! `rigsize fit --model qwen3-coder-30b-a3b --ctx 200k --kv-type q8_0
//! --streams 3 --hw rtx-5090`. Error messages are the CLI's, word for word.

use anyhow::{Context, Result};
use rigsize_catalog::Catalog;
use rigsize_core::dtype::KvType;
use rigsize_core::engine::{Engine, EngineConfig};
use rigsize_core::fit::{fit, FitInput, FitReport};
use rigsize_core::memory::{weights_for_scheme_shared, MemoryRequest, WeightsEstimate};
use rigsize_core::model::ModelArch;
use rigsize_core::quant::QuantScheme;
use rigsize_core::units::{parse_tokens, MAX_STREAMS};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `rigsize fit`'s options. Only `model` is required; the defaults are the
/// CLI's (`ctx` 8192, `kv_type` f16, `streams` 1, `engine` llama.cpp).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FitRequest {
    /// Model: a catalog id or alias (list_models / GET /api/models lists them),
    /// e.g. "qwen3-coder-30b-a3b", "gpt-oss-120b".
    pub model: String,
    /// Quantization: q4_k_m, q5_k_m, q6_k, q8_0, mxfp4, fp8, awq, bf16,
    /// mlx-4bit… Default: the usual one for the engine.
    #[serde(default)]
    pub quant: Option<String>,
    /// Context per stream in tokens: a number (32768) or text ("200k" =
    /// 200,000, "128ki" = 131,072, "1m"). Default 8192.
    #[serde(default)]
    #[schemars(with = "Option<TokensSchema>")]
    pub ctx: Option<serde_json::Value>,
    /// KV cache element type: f16, bf16, q8_0, q5_0, q5_1, q4_0, fp8, f32.
    /// Default f16.
    #[serde(default)]
    pub kv_type: Option<String>,
    /// V cache type when it differs from K (llama.cpp -ctv).
    #[serde(default)]
    pub kv_type_v: Option<String>,
    /// Parallel streams (agents, server slots) sharing the weights, 1–1024.
    /// Default 1.
    #[serde(default)]
    pub streams: Option<u32>,
    /// Hardware: ID, ID:COUNT or ID@MEMORY_GB[:COUNT], e.g. "rtx-5090",
    /// "rtx-3090:2", "m3-ultra-80c@256". Without it only the memory needed
    /// is reported.
    #[serde(default)]
    pub hw: Option<String>,
    /// Engine whose allocation rules apply: llama.cpp, ollama, vllm, sglang, mlx, trtllm.
    /// Default llama.cpp.
    #[serde(default)]
    pub engine: Option<String>,
    /// llama.cpp -ub (physical batch size), 1–65536.
    #[serde(default)]
    pub ubatch: Option<u32>,
    /// llama.cpp --kv-unified: one cache shared by all slots.
    #[serde(default)]
    pub kv_unified: bool,
    /// llama.cpp --swa-full: full-size caches for sliding-window layers.
    #[serde(default)]
    pub swa_full: bool,
    /// vLLM/SGLang --gpu-memory-utilization, above 0 and at most 1.
    #[serde(default)]
    pub gpu_memory_utilization: Option<f64>,
    /// Apple: GPU wired-memory limit in GB if raised with
    /// `sysctl iogpu.wired_limit_mb`.
    #[serde(default)]
    pub wired_limit_gb: Option<f64>,
    /// Enable the model's documented RoPE/YaRN context extension: contexts
    /// up to the extended window fit (without it, the native window is the
    /// limit).
    #[serde(default)]
    pub extend_context: bool,
    /// Load the vision encoder (mmproj / vision tower) of a vision-language
    /// model. Default: on for vLLM/SGLang/TensorRT-LLM (they load the whole
    /// checkpoint), off for llama.cpp/ollama/MLX (the mmproj is opt-in).
    #[serde(default)]
    pub vision: Option<bool>,
    /// llama.cpp expert offload (`--n-cpu-moe N`): the routed experts of
    /// blocks 0…N−1 stay in system RAM. Mixture-of-experts models on
    /// llama.cpp only; N from 0 to the model's block count.
    #[serde(default)]
    pub n_cpu_moe: Option<u32>,
    /// System RAM in GB, to check that it holds the offloaded experts.
    #[serde(default)]
    pub ram_gb: Option<f64>,
    /// Peak system-RAM bandwidth in GB/s (channels × MT/s × 8 B), for the
    /// offload speed in fixes. Default: rigsize's reference host.
    #[serde(default)]
    pub ram_bw_gbs: Option<f64>,
}

/// Schema of a token count: a whole number or text such as "200k" (for
/// the JSON schemas only; values arrive as `serde_json::Value`).
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum TokensSchema {
    /// Tokens as a number.
    Count(u64),
    /// Tokens as text: "32768", "200k", "128ki", "1m".
    Text(String),
}

impl FitRequest {
    /// A request for `model` with every other option at the CLI's default.
    pub fn new(model: impl Into<String>) -> FitRequest {
        FitRequest {
            model: model.into(),
            quant: None,
            ctx: None,
            kv_type: None,
            kv_type_v: None,
            streams: None,
            hw: None,
            engine: None,
            ubatch: None,
            kv_unified: false,
            swa_full: false,
            gpu_memory_utilization: None,
            wired_limit_gb: None,
            extend_context: false,
            vision: None,
            n_cpu_moe: None,
            ram_gb: None,
            ram_bw_gbs: None,
        }
    }
}

/// A token count given as a JSON number or string, parsed exactly as the
/// CLI parses `--ctx` (so the same limits and messages apply). `None`: the
/// default.
pub fn tokens_value(v: Option<&serde_json::Value>, default: &str) -> Result<u64> {
    let text = match v {
        None | Some(serde_json::Value::Null) => default.to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(other) => anyhow::bail!(
            "a token count must be a number such as 32768 or text such as \"200k\", got {other}"
        ),
    };
    Ok(parse_tokens(&text)?)
}

/// A model ready for the estimators: architecture, weights at the chosen
/// quantization, and a label for that quantization.
pub struct ResolvedModel {
    pub arch: ModelArch,
    pub weights: WeightsEstimate,
    pub quant_label: String,
    /// Notes about choices made for the user (default quantization…).
    pub notes: Vec<String>,
}

/// The quantization used when none is given: one source for fit, speed,
/// plan and pack (see [`rigsize_core::engine::default_quant`]).
pub use rigsize_core::engine::default_quant;

/// Resolves a model name (catalog id or alias) and a quantization.
pub fn resolve_model(
    catalog: &Catalog,
    model: &str,
    quant: Option<&str>,
    engine: Engine,
) -> Result<ResolvedModel> {
    let rec = catalog.model(model)?;
    let arch = rec.arch.clone();
    let mut notes = Vec::new();
    let scheme = match quant {
        Some(q) => QuantScheme::parse(q)?,
        None => {
            let q = default_quant(&arch, engine);
            notes.push(format!(
                "no --quant given: using {q}, the usual choice for {engine}"
            ));
            q
        }
    };
    // Shared across requests: naming every tensor again was a third of a
    // server fit's CPU.
    let weights = (*weights_for_scheme_shared(&arch, scheme)).clone();
    Ok(ResolvedModel {
        arch,
        weights,
        quant_label: scheme.name(),
        notes,
    })
}

/// Engine configuration from the common flags.
pub fn engine_config(
    engine: &str,
    ubatch: Option<u32>,
    kv_unified: bool,
    swa_full: bool,
    gpu_util: Option<f64>,
) -> Result<EngineConfig> {
    let engine = Engine::parse(engine)?;
    let mut cfg = EngineConfig::new(engine);
    if let Some(u) = ubatch {
        anyhow::ensure!(
            (1..=65_536).contains(&u),
            "--ubatch must be 1 to 65536, got {u}"
        );
        cfg.n_ubatch = u;
    }
    cfg.kv_unified = kv_unified;
    cfg.swa_full = swa_full;
    if let Some(g) = gpu_util {
        anyhow::ensure!(
            g > 0.0 && g <= 1.0,
            "--gpu-memory-utilization must be above 0 and at most 1, got {g}"
        );
        cfg.gpu_memory_utilization = g;
    }
    Ok(cfg)
}

/// `--kv-type`, with llama.cpp's and vLLM's spellings.
pub fn kv_type(s: &str) -> Result<KvType> {
    KvType::parse(s).with_context(|| "see --help for the KV cache types".to_string())
}

/// How a model name becomes a [`ResolvedModel`]. The server resolves
/// catalog ids and aliases only ([`resolve_model`]): it never reads a file or
/// a repository a request names. The CLI passes its own resolver, which also
/// imports GGUF files, snapshot directories, config.json and `hf:` repos.
pub type Resolver<'a> = dyn Fn(&Catalog, &str, Option<&str>, Engine) -> Result<ResolvedModel> + 'a;

/// "model X: user-added record …" when `model` names a `rigsize catalog add`
/// record: reports carry it so an unreviewed record is never taken for a
/// built-in one.
pub fn user_added_note(catalog: &Catalog, model: &str) -> Option<String> {
    catalog.model(model).ok().and_then(|r| r.user_added_note())
}

/// Builds the fit report and the notes about defaults chosen for the user.
/// `rigsize fit --json` prints the report; the API returns it as is.
pub fn build_fit_report(req: &FitRequest, catalog: &Catalog) -> Result<(FitReport, Vec<String>)> {
    build_fit_report_with(req, catalog, &resolve_model)
}

/// As [`build_fit_report`], with the caller's model resolver.
pub fn build_fit_report_with(
    req: &FitRequest,
    catalog: &Catalog,
    resolve: &Resolver,
) -> Result<(FitReport, Vec<String>)> {
    let (mut report, notes) = fit_report_only(req, catalog, resolve)?;
    if report.fits == Some(false) {
        report.fixes = crate::fixes::smallest_fixes(req, &report, catalog, resolve);
    }
    Ok((report, notes))
}

/// Whether `engine` loads a vision encoder unless told otherwise.
pub fn vision_default(engine: Engine) -> bool {
    engine.is_paged()
}

/// The report without fixes: memory, context and engine rules.
pub fn fit_report_only(
    req: &FitRequest,
    catalog: &Catalog,
    resolve: &Resolver,
) -> Result<(FitReport, Vec<String>)> {
    let ctx = tokens_value(req.ctx.as_ref(), "8192")?;
    let streams = req.streams.unwrap_or(1);
    anyhow::ensure!(
        (1..=MAX_STREAMS).contains(&streams),
        "--streams must be 1 to {MAX_STREAMS}, got {streams}"
    );
    let engine = engine_config(
        req.engine.as_deref().unwrap_or("llama.cpp"),
        req.ubatch,
        req.kv_unified,
        req.swa_full,
        req.gpu_memory_utilization,
    )?;
    let mut model = resolve(catalog, &req.model, req.quant.as_deref(), engine.engine)?;
    let ram = crate::offload::ram_bytes(req.ram_gb)?;
    let offload = match req.n_cpu_moe {
        Some(n) => Some(crate::offload::split_for(&model, engine.engine, n)?),
        None => None,
    };
    let full_weights = model.weights.bytes;
    if let Some(s) = &offload {
        // The GPU holds everything but the offloaded experts.
        model.weights = s.gpu_weights.clone();
    }
    let k = kv_type(req.kv_type.as_deref().unwrap_or("f16"))?;
    let v = match &req.kv_type_v {
        Some(v) => kv_type(v)?,
        None => k,
    };
    let hw = req
        .hw
        .as_deref()
        .map(|h| catalog.device_set(h))
        .transpose()?;
    let wired = match req.wired_limit_gb {
        Some(g) => {
            anyhow::ensure!(
                g > 0.0 && g.is_finite(),
                "--wired-limit-gb must be positive"
            );
            Some((g * (1u64 << 30) as f64) as u64)
        }
        None => None,
    };
    let vision = req.vision.unwrap_or(vision_default(engine.engine));
    let engine_kind = engine.engine;
    let mut report = fit(&FitInput {
        model: &model.arch,
        quant_label: model.quant_label.clone(),
        weights: &model.weights,
        request: MemoryRequest {
            ctx,
            streams,
            kv_type_k: k,
            kv_type_v: v,
            engine,
        },
        hardware: hw.as_ref(),
        wired_limit_bytes: wired,
        extend_context: req.extend_context,
        vision,
    });
    report.warnings.extend(user_added_note(catalog, &req.model));
    if let Some(s) = &offload {
        crate::offload::annotate(&mut report, s, full_weights, ram);
    }
    if let Some(set) = &hw {
        crate::compat::apply(&mut report, engine_kind, set, &model.arch, catalog)?;
    }
    Ok((report, model.notes))
}
