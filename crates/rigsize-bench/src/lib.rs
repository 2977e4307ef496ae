//! `rigsize bench`: measures a running OpenAI-compatible server
//! (llama-server, vLLM, SGLang, Ollama, LM Studio, mlx_lm.server).
//!
//! Each (depth, streams) point sends `streams` streamed `/v1/completions`
//! requests at once, each with a prompt of about `depth` tokens (a fresh
//! nonce first, so no prefix cache answers it), and times the chunks: TTFT
//! is send → first generated text, decode is tokens after the first over
//! first → last chunk. Token counts come from the server's `usage` (or
//! llama-server's `timings`) where reported, else one per chunk. Every
//! request is bounded by a timeout and a token cap, and the number of
//! requests is fixed by the grid.

pub mod error;
#[cfg(feature = "mock")]
pub mod mock;
pub mod server;
pub mod sse;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::json;

pub use error::BenchError;
pub use server::{Client, EngineGuess, ServerInfo};
use sse::{read_stream, StreamTrace};

/// Most parallel streams one point may ask for.
pub const MAX_STREAMS: u32 = 256;
/// Longest prompt, tokens: beyond any context window rigsize knows.
pub const MAX_DEPTH: u64 = 2 << 20;
/// Words that are one token each in common tokenizers (with their leading space).
const FILLER: &[&str] = &[
    "the", "of", "and", "to", "in", "is", "was", "for", "on", "that", "with", "as", "by", "at",
    "from", "it", "his", "an", "were", "are", "which", "this", "be", "or", "has", "had", "not",
    "but", "one", "all",
];

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub depths: Vec<u64>,
    pub streams: Vec<u32>,
    /// Tokens generated per request (the server is asked to ignore EOS).
    pub max_tokens: u32,
    /// Send one short request first so model loading is not timed.
    pub warmup: bool,
}

impl BenchConfig {
    pub fn check(&self) -> Result<(), BenchError> {
        let bad = |m: String| Err(BenchError::Setup(m));
        if self.depths.is_empty() || self.streams.is_empty() {
            return bad("--depth and --streams need at least one value each".into());
        }
        if let Some(d) = self.depths.iter().find(|&&d| d > MAX_DEPTH) {
            return bad(format!("depth {d} is beyond {MAX_DEPTH} tokens"));
        }
        if let Some(s) = self.streams.iter().find(|&&s| s == 0 || s > MAX_STREAMS) {
            return bad(format!("streams {s}: give 1 to {MAX_STREAMS}"));
        }
        if !(2..=8192).contains(&self.max_tokens) {
            return bad(format!(
                "--max-tokens {}: give 2 to 8192 (a decode rate needs two tokens)",
                self.max_tokens
            ));
        }
        Ok(())
    }

    /// Requests the grid sends (the warm-up included).
    pub fn request_count(&self) -> u64 {
        let per_depth: u64 = self.streams.iter().map(|&s| s as u64).sum();
        per_depth * self.depths.len() as u64 + u64::from(self.warmup)
    }
}

/// One measured point. Rates in tokens/s, times in seconds.
#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    pub depth: u64,
    pub streams: u32,
    /// Mean over the streams of send → first generated text.
    pub ttft_s: f64,
    /// All streams' prompt tokens over the slowest stream's TTFT.
    pub prefill_tok_s: f64,
    /// Mean over the streams of (tokens − 1) / (last − first chunk).
    pub decode_tok_s_per_stream: f64,
    /// All streams' tokens after their first, over the wall time from the
    /// earliest first token to the latest last one.
    pub decode_tok_s_total: f64,
    /// rigsize's prediction for the given hardware and model (filled by the caller).
    pub predicted_decode_tok_s_per_stream: Option<f64>,
    /// Prompt tokens per stream (server's count, else words sent).
    pub prompt_tokens: u64,
    /// Generated tokens per stream.
    pub completion_tokens: u64,
    /// `usage` (server's count) or `chunks` (one token per chunk assumed).
    pub tokens_counted_by: &'static str,
    /// The server's own rates where it reports them (llama-server `timings`).
    pub server_prefill_tok_s: Option<f64>,
    pub server_decode_tok_s_per_stream: Option<f64>,
}

/// A prompt of about `depth` tokens that no cache has seen.
pub fn prompt(depth: u64, nonce: u64) -> String {
    let mut s = format!("Request {nonce}. Continue this text:");
    for i in 0..depth.saturating_sub(8) {
        s.push(' ');
        s.push_str(FILLER[(i as usize + nonce as usize) % FILLER.len()]);
    }
    s
}

fn words(p: &str) -> u64 {
    p.split_whitespace().count() as u64
}

struct Sample {
    sent: Instant,
    trace: StreamTrace,
    words: u64,
}

impl Client {
    /// One streamed completion, timed.
    fn stream_once(
        &self,
        model: &str,
        prompt: &str,
        max_tokens: u32,
    ) -> Result<Sample, BenchError> {
        let url = format!("{}/completions", self.base);
        let body = json!({
            "model": model, "prompt": prompt, "max_tokens": max_tokens,
            "temperature": 0, "stream": true, "ignore_eos": true,
            "stream_options": {"include_usage": true},
        });
        let sent = Instant::now();
        let mut resp = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .map_err(|e| self.unreachable(&url, e))?;
        let status = resp.status().as_u16();
        if status != 200 {
            let text = resp.body_mut().read_to_string().unwrap_or_default();
            return Err(BenchError::Http {
                url,
                status,
                body: text.chars().take(300).collect(),
            });
        }
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if ctype.contains("application/json") {
            return Err(BenchError::NotStreaming {
                content_type: ctype,
            });
        }
        let runaway = 2 * u64::from(max_tokens) + 16;
        let trace = read_stream(resp.into_body().into_reader(), runaway, max_tokens.into())
            .map_err(|e| match e {
                BenchError::Timeout { detail, .. } => BenchError::Timeout {
                    secs: self.timeout.as_secs(),
                    detail,
                },
                e => e,
            })?;
        if trace.tokens() < 2 || trace.first == trace.last {
            return Err(BenchError::TooFewTokens {
                tokens: trace.tokens(),
            });
        }
        Ok(Sample {
            sent,
            trace,
            words: words(prompt),
        })
    }

    /// The model to ask for: `wanted` if the server lists it, else its first.
    pub fn pick_model(
        &self,
        info: &ServerInfo,
        wanted: Option<&str>,
    ) -> Result<String, BenchError> {
        match wanted {
            Some(w) if info.models.is_empty() || info.models.iter().any(|m| m == w) => Ok(w.into()),
            Some(w) => Err(BenchError::UnknownModel {
                name: w.into(),
                available: info.models.join(", "),
            }),
            None => info.models.first().cloned().ok_or(BenchError::NoModel {
                url: format!("{}/models", self.base),
            }),
        }
    }

    /// `streams` requests at once at `depth`.
    fn point(
        &self,
        model: &str,
        depth: u64,
        streams: u32,
        max_tokens: u32,
    ) -> Result<BenchResult, BenchError> {
        let barrier = Arc::new(Barrier::new(streams as usize));
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let handles: Vec<_> = (0..streams)
            .map(|i| {
                let (c, b, m) = (self.clone(), barrier.clone(), model.to_string());
                let p = prompt(depth, seed.wrapping_add(i as u64));
                std::thread::spawn(move || {
                    b.wait();
                    c.stream_once(&m, &p, max_tokens)
                })
            })
            .collect();
        let mut samples = Vec::new();
        for h in handles {
            samples.push(
                h.join()
                    .map_err(|_| BenchError::Setup("a stream thread panicked".into()))??,
            );
        }
        Ok(summarise(depth, streams, &samples))
    }

    /// Runs the grid; `progress(done, total)` after each point.
    pub fn run(
        &self,
        model: &str,
        cfg: &BenchConfig,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<Vec<BenchResult>, BenchError> {
        cfg.check()?;
        let total = cfg.request_count();
        let mut done = 0;
        if cfg.warmup {
            self.stream_once(model, &prompt(0, 0), cfg.max_tokens.min(8))?;
            done += 1;
            progress(done, total);
        }
        let mut out = Vec::new();
        for &depth in &cfg.depths {
            for &streams in &cfg.streams {
                out.push(self.point(model, depth, streams, cfg.max_tokens)?);
                done += u64::from(streams);
                progress(done, total);
            }
        }
        Ok(out)
    }
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = v.fold((0.0, 0u32), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

fn summarise(depth: u64, streams: u32, s: &[Sample]) -> BenchResult {
    let first = |x: &Sample| x.trace.first.expect("checked: two tokens");
    let last = |x: &Sample| x.trace.last.expect("checked: two tokens");
    let ttfts: Vec<f64> = s
        .iter()
        .map(|x| (first(x) - x.sent).as_secs_f64())
        .collect();
    let prompt_tokens = |x: &Sample| x.trace.prompt_tokens.unwrap_or(x.words);
    let all_prompt: u64 = s.iter().map(prompt_tokens).sum();
    let slowest = ttfts.iter().copied().fold(0.0, f64::max);
    let after_first: u64 = s.iter().map(|x| x.trace.tokens() - 1).sum();
    let t0 = s.iter().map(first).min().expect("one stream at least");
    let t1 = s.iter().map(last).max().expect("one stream at least");
    let by_usage = s.iter().all(|x| x.trace.completion_tokens.is_some());
    BenchResult {
        depth,
        streams,
        ttft_s: mean(ttfts.iter().copied()).unwrap_or(0.0),
        prefill_tok_s: all_prompt as f64 / slowest.max(1e-9),
        decode_tok_s_per_stream: mean(
            s.iter().map(|x| {
                (x.trace.tokens() - 1) as f64 / (last(x) - first(x)).as_secs_f64().max(1e-9)
            }),
        )
        .unwrap_or(0.0),
        decode_tok_s_total: after_first as f64 / (t1 - t0).as_secs_f64().max(1e-9),
        predicted_decode_tok_s_per_stream: None,
        prompt_tokens: all_prompt / s.len() as u64,
        completion_tokens: s.iter().map(|x| x.trace.tokens()).sum::<u64>() / s.len() as u64,
        tokens_counted_by: if by_usage { "usage" } else { "chunks" },
        server_prefill_tok_s: mean(s.iter().filter_map(|x| x.trace.server_prefill_tok_s)),
        server_decode_tok_s_per_stream: mean(s.iter().filter_map(|x| x.trace.server_decode_tok_s)),
    }
}

/// Default per-request time bound.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
