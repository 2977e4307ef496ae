//! `rigsize serve`: the web page and JSON API; `rigsize mcp`: the same
//! operations as Model Context Protocol tools over stdio, for coding agents.

use std::net::IpAddr;

use anyhow::{Context, Result};
use clap::Args;
use rigsize_catalog::Catalog;

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on. The default, 127.0.0.1, is reachable from this
    /// machine only; 0.0.0.0 or :: opens it to the network (a warning is
    /// printed and each client address is rate-limited; set --token).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Require `Authorization: Bearer TOKEN` on the API (all of /api/ but
    /// /api/health and /api/openapi.json).
    #[arg(
        long,
        env = "RIGSIZE_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// Let pages from this origin (e.g. https://intranet.example) call the
    /// API from a browser; without it, no cross-origin access.
    #[arg(long, value_name = "ORIGIN")]
    pub cors: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct McpArgs {}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Serves until Ctrl-C. The catalog includes the user's `--catalog` files.
pub fn run(args: ServeArgs, catalog: &Catalog) -> Result<()> {
    runtime()?.block_on(rigsize_serve::serve_with(
        args.bind,
        args.port,
        catalog.clone(),
        args.token,
        args.cors,
    ))
}

/// Serves MCP over stdin/stdout until the client closes stdin. Nothing else
/// is written to stdout (it carries the protocol).
pub fn run_mcp(_args: McpArgs, catalog: &Catalog) -> Result<()> {
    runtime()?.block_on(rigsize_serve::run_mcp(catalog.clone()))
}
