//! `POST /api/speed` and the `speed` tool: `rigsize speed`'s options under
//! their flag names, answered with what `rigsize speed --json` prints.

use rigsize_catalog::Catalog;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

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
    /// Engine: llama.cpp (default), ollama, vllm, sglang, mlx.
    #[serde(default)]
    pub engine: Option<String>,
    /// Context depths to predict decode speed at: "0,32k,128k,200k" or a
    /// list [0, 32768, "128k"]. Default 0.
    #[serde(default)]
    #[schemars(with = "Option<ListSchema>")]
    pub depth: Option<serde_json::Value>,
    /// Parallel stream counts: "1,4,8" or a list [1, 4, 8]. Default 1.
    #[serde(default)]
    #[schemars(with = "Option<ListSchema>")]
    pub streams: Option<serde_json::Value>,
    /// Prompt tokens prefilled for the first token: 512, "50k". Default 512.
    #[serde(default)]
    #[schemars(with = "Option<crate::fit::TokensSchema>")]
    pub prompt: Option<serde_json::Value>,
    /// Multi-device split: layer or tensor.
    #[serde(default)]
    pub split: Option<String>,
    /// Link between devices: pcie4, pcie5, nvlink, tb5, tb5-rdma.
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
pub fn list_text(v: Option<&serde_json::Value>) -> Result<Option<String>, ApiError> {
    use serde_json::Value;
    let item = |v: &Value| -> Result<String, ApiError> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(ApiError::bad_request(format!(
                "a list item must be a number or text such as \"32k\", got {other}"
            ))),
        }
    };
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => {
            if items.is_empty() {
                return Err(ApiError::bad_request("a list must not be empty"));
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

/// Predicts speed for `req`.
pub fn speed(req: &SpeedRequest, catalog: &Catalog) -> Result<serde_json::Value, ApiError> {
    let _ = (req, catalog, list_text(req.depth.as_ref())?);
    Err(ApiError::not_implemented(
        "speed prediction (the rigsize-speed crate)",
    ))
}
