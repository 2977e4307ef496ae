//! What the server says about itself: its models (`/v1/models`) and its
//! engine and build (llama-server `/props`, Ollama `/api/version`, vLLM
//! `/version`).

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::error::BenchError;

/// The engine a server runs, as far as its endpoints tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineGuess {
    /// `/props` with `build_info`: llama-server.
    LlamaCpp,
    /// `/api/version`: Ollama.
    Ollama,
    /// `/version` with a bare version: vLLM.
    Vllm,
    Unknown,
}

impl EngineGuess {
    /// The engine name rigsize's `--engine` takes.
    pub fn engine_name(self) -> Option<&'static str> {
        match self {
            EngineGuess::LlamaCpp => Some("llama.cpp"),
            EngineGuess::Ollama => Some("ollama"),
            EngineGuess::Vllm => Some("vllm"),
            EngineGuess::Unknown => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ServerInfo {
    pub models: Vec<String>,
    pub engine: EngineGuess,
    /// Build or version string as the server reports it.
    pub build: Option<String>,
}

/// A client bound to one server's OpenAI base URL.
#[derive(Clone)]
pub struct Client {
    pub(crate) agent: ureq::Agent,
    /// `http://host:port/v1`, no trailing slash.
    pub base: String,
    pub timeout: Duration,
}

impl Client {
    pub fn new(base: &str, timeout: Duration) -> Result<Client, BenchError> {
        let base = base.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(BenchError::Setup(format!(
                "--url '{base}' must start with http:// or https:// (e.g. http://127.0.0.1:8080/v1)"
            )));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10).min(timeout)))
            .timeout_global(Some(timeout))
            .build();
        Ok(Client {
            agent: ureq::Agent::new_with_config(config),
            base,
            timeout,
        })
    }

    /// The server root (the base without `/v1`), where `/props` lives.
    fn root(&self) -> &str {
        self.base.strip_suffix("/v1").unwrap_or(&self.base)
    }

    pub(crate) fn unreachable(&self, url: &str, e: ureq::Error) -> BenchError {
        match e {
            ureq::Error::Timeout(_) => BenchError::Timeout {
                secs: self.timeout.as_secs(),
                detail: format!(" at {url}"),
            },
            ureq::Error::Io(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::UnexpectedEof
                        | std::io::ErrorKind::BrokenPipe
                        | std::io::ErrorKind::ConnectionAborted
                ) =>
            {
                BenchError::Disconnected {
                    tokens: 0,
                    why: format!("{url}: {io}"),
                }
            }
            e => BenchError::Unreachable {
                url: url.to_string(),
                why: e.to_string(),
            },
        }
    }

    /// GET → JSON; `Ok(None)` for a 404 (an endpoint this engine lacks).
    fn get_json(&self, url: &str) -> Result<Option<Value>, BenchError> {
        let mut resp = self
            .agent
            .get(url)
            .call()
            .map_err(|e| self.unreachable(url, e))?;
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        match status {
            200 => Ok(serde_json::from_str(&body).ok()),
            404 | 405 => Ok(None),
            s => Err(BenchError::Http {
                url: url.to_string(),
                status: s,
                body: body.chars().take(300).collect(),
            }),
        }
    }

    /// Asks the models list and the engine's own endpoints.
    pub fn server_info(&self) -> Result<ServerInfo, BenchError> {
        let url = format!("{}/models", self.base);
        let models = self
            .get_json(&url)?
            .and_then(|v| v.get("data").cloned())
            .and_then(|d| d.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m.get("id").and_then(Value::as_str).map(String::from))
            .collect();
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(String::from);
        // The engine endpoints are optional: an error there is not fatal.
        let probe = |path: &str| {
            self.get_json(&format!("{}{path}", self.root()))
                .ok()
                .flatten()
        };
        let (engine, build) = if let Some(b) = probe("/props").and_then(|p| text(&p, "build_info"))
        {
            (EngineGuess::LlamaCpp, Some(b))
        } else if let Some(v) = probe("/api/version").and_then(|p| text(&p, "version")) {
            (EngineGuess::Ollama, Some(v))
        } else if let Some(v) = probe("/version").and_then(|p| text(&p, "version")) {
            (EngineGuess::Vllm, Some(v))
        } else {
            (EngineGuess::Unknown, None)
        };
        Ok(ServerInfo {
            models,
            engine,
            build,
        })
    }
}
