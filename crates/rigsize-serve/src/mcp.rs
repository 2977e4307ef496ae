//! `rigsize mcp`: the API's operations as Model Context Protocol tools over
//! stdio, for coding agents. Each tool takes the CLI's options under their
//! flag names (JSON schema generated from the same request types as the
//! HTTP API) and returns the CLI's `--json` output as structured content;
//! invalid input is a tool error carrying the CLI's message, so the agent
//! can correct its call.

use std::sync::Arc;

use rigsize_catalog::Catalog;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{tool, tool_handler, tool_router, ErrorData as McpError, ServerHandler, ServiceExt};

use crate::catalog::{list_hardware, list_models, HardwareQuery, ModelsQuery};
use crate::error::ApiError;
use crate::fit::{build_fit_report, FitRequest};
use crate::plan::{build_plan_report, PlanRequest};
use crate::prices::{PriceSettings, PricesQuery};
use crate::speed::{build_speed_report, SpeedRequest};

/// The tool server.
#[derive(Clone)]
pub struct RigsizeTools {
    catalog: Arc<Catalog>,
    prices: PriceSettings,
    tool_router: ToolRouter<RigsizeTools>,
}

/// A tool's answer: the JSON as structured content (and as text, for
/// clients that read only text); an error as a tool error with the message.
/// MCP wants structured content to be an object, so lists come wrapped
/// (`{"models": […]}`).
fn answer(r: Result<serde_json::Value, ApiError>) -> Result<CallToolResult, McpError> {
    Ok(match r {
        Ok(v) => CallToolResult::structured(v),
        Err(e) => CallToolResult::error(vec![ContentBlock::text(format!("error: {}", e.message))]),
    })
}

fn to_value<T: serde::Serialize>(t: T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(t).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// Runs a computation on a blocking thread; a panic becomes a tool error.
async fn blocking(
    f: impl FnOnce() -> Result<serde_json::Value, ApiError> + Send + 'static,
) -> Result<CallToolResult, McpError> {
    answer(tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error: {e}; please report it"),
        ))
    }))
}

#[tool_router]
impl RigsizeTools {
    pub fn new(catalog: Arc<Catalog>, prices: PriceSettings) -> RigsizeTools {
        RigsizeTools {
            catalog,
            prices,
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "Memory a local LLM needs and whether it fits given hardware. Give `model` (a catalog id or alias from list_models) and usually `quant` (q4_k_m, q8_0, mxfp4, fp8…), `ctx` (context per stream: 32768 or \"200k\"), `streams` (parallel agents/slots), `kv_type` (f16, q8_0, q4_0…) and `hw` (device id from list_hardware, \"ID:COUNT\" for several, e.g. \"rtx-3090:2\"). Returns bytes of weights, KV cache and overhead, total, and with `hw`: fits, headroom_bytes, available_bytes and max_context_tokens (largest context per stream that fits). Same JSON as `rigsize fit --json`; 1 GiB = 2^30 bytes."
    )]
    async fn fit(
        &self,
        Parameters(req): Parameters<FitRequest>,
    ) -> Result<CallToolResult, McpError> {
        let catalog = self.catalog.clone();
        blocking(move || to_value(build_fit_report(&req, &catalog)?.0)).await
    }

    #[tool(
        description = "Predicted decode tok/s (per stream and total), prefill tok/s and time to first token for a model on hardware. Give `model`, `hw` (device id or \"ID:COUNT\"), optionally `quant`, `engine` (llama.cpp, ollama, vllm, sglang, mlx, trtllm), `depth` (context depths, e.g. \"0,32k,128k\"), `streams` (e.g. \"1,4,8\"), `prompt` tokens, `split` (layer|tensor), `link` (pcie4, pcie5, nvlink, tb5, tb5-rdma). Every figure carries its validated error band. Same JSON as `rigsize speed --json`."
    )]
    async fn speed(
        &self,
        Parameters(req): Parameters<SpeedRequest>,
    ) -> Result<CallToolResult, McpError> {
        let catalog = self.catalog.clone();
        blocking(move || to_value(build_speed_report(&req, &catalog)?)).await
    }

    #[tool(
        description = "Plan complete, priced hardware builds (CHF) for a workload. Give the requirements file as `toml` text (roles with models or \"best that fits\", context per stream, streams, speed target and minimum, budget range in CHF, noise, power, platforms, new/used) or the same structure as a `requirements` object. Returns candidates ranked on price, speed and memory headroom, each with components, per-role tok/s and verdicts, a top pick and near-misses. Same JSON as `rigsize plan --json`."
    )]
    async fn plan(
        &self,
        Parameters(req): Parameters<PlanRequest>,
    ) -> Result<CallToolResult, McpError> {
        let catalog = self.catalog.clone();
        blocking(move || to_value(build_plan_report(&req, &catalog)?)).await
    }

    #[tool(
        description = "List the models rigsize knows (ids to pass as `model`), with parameters, active parameters, attention layout, KV bytes per token, native and maximum context, default quantization and weight size. Filter with `search` (text in id or name), `moe` (true: only mixture-of-experts); with `fits` (a device id, e.g. \"rtx-4090\" or \"rtx-3090:2\") plus `ctx`, `streams`, `kv_type`, only the models that fit. Sort with `sort`: name, params, active, context, kv. Returns {\"models\": [...]}."
    )]
    async fn list_models(
        &self,
        Parameters(q): Parameters<ModelsQuery>,
    ) -> Result<CallToolResult, McpError> {
        let catalog = self.catalog.clone();
        blocking(move || Ok(serde_json::json!({ "models": to_value(list_models(&q, &catalog)?)? })))
            .await
    }

    #[tool(
        description = "List the GPUs, Macs and unified-memory systems rigsize knows (ids to pass as `hw`), with memory, bandwidth, compute, power and the memory configurations they are sold in. Filter with `kind` (gpu, apple_soc, unified_box), `vendor` (NVIDIA, AMD, Apple, Intel), `min_memory` (GiB), `search` (text in id or name). Returns {\"hardware\": [...]}."
    )]
    async fn list_hardware(
        &self,
        Parameters(q): Parameters<HardwareQuery>,
    ) -> Result<CallToolResult, McpError> {
        answer(
            list_hardware(&q, &self.catalog)
                .map_err(ApiError::from)
                .and_then(to_value)
                .map(|rows| serde_json::json!({ "hardware": rows })),
        )
    }

    #[tool(
        description = "Swiss prices (CHF) for hardware: search `q` (e.g. \"RTX PRO 6000\", \"rtx-5090\", \"mac studio m3 ultra\"), optional `sort` (relevance, price-asc, price-desc) and `limit` (1-200, default 20). Each price carries price_chf, retailer, url, observed_at, condition and source (snapshot, cache or estimate), plus warnings; this tool answers from the dated offline snapshot and the local price cache and never fetches live."
    )]
    async fn prices(
        &self,
        Parameters(q): Parameters<PricesQuery>,
    ) -> Result<CallToolResult, McpError> {
        let settings = self.prices.clone();
        blocking(move || to_value(crate::prices::prices(&q, &settings)?)).await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for RigsizeTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("rigsize", env!("CARGO_PKG_VERSION"))
                    .with_title("rigsize: hardware sizing for local LLMs"),
            )
            .with_instructions(
                "rigsize computes, from first principles and cited data, how much memory a local LLM needs (fit), how fast it runs (speed), and which complete build to buy (plan, prices in CHF). Call list_models / list_hardware for valid ids, then fit with model, quant, ctx, streams, kv_type and hw. Memory is in bytes; divide by 2^30 for GiB.",
            )
    }
}

/// Serves the tools over stdin/stdout until the client closes the pipe.
pub async fn run_mcp(catalog: Catalog) -> anyhow::Result<()> {
    serve_mcp(catalog, rmcp::transport::stdio()).await
}

/// As [`run_mcp`], over any byte stream pair (tests use an in-process pipe).
pub async fn serve_mcp<R, W>(catalog: Catalog, io: (R, W)) -> anyhow::Result<()>
where
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
    W: tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let service = RigsizeTools::new(Arc::new(catalog), PriceSettings::default())
        .serve(io)
        .await
        .map_err(|e| anyhow::anyhow!("MCP initialization failed: {e}"))?;
    service.waiting().await?;
    Ok(())
}
