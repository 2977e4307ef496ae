//! Everything that can go wrong measuring a server, each with what to do.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum BenchError {
    #[error("invalid bench setup: {0}")]
    Setup(String),
    #[error("cannot reach {url}: {why} (is the server running, and is the URL its OpenAI base, e.g. http://127.0.0.1:8080/v1?)")]
    Unreachable { url: String, why: String },
    #[error("{url} answered HTTP {status}: {body}")]
    Http {
        url: String,
        status: u16,
        body: String,
    },
    #[error("the server does not serve model '{name}'; it serves: {available}")]
    UnknownModel { name: String, available: String },
    #[error("the server lists no model at {url}; pass --model")]
    NoModel { url: String },
    #[error("the server sent a chunk that is not valid JSON: {chunk}")]
    Garbage { chunk: String },
    #[error("the server reported an error mid-stream: {0}")]
    ServerError(String),
    #[error("the server did not stream (it answered {content_type}); rigsize bench needs streamed responses to tell time-to-first-token from decode")]
    NotStreaming { content_type: String },
    #[error("the stream ended before it finished (no [DONE] and no finish_reason) after {tokens} token(s): {why}")]
    Disconnected { tokens: u64, why: String },
    #[error("no answer finished within the {secs} s time bound (--timeout){detail}")]
    Timeout { secs: u64, detail: String },
    #[error("the server kept streaming past {limit} tokens although max_tokens was {max_tokens}; stopped")]
    Runaway { limit: u64, max_tokens: u64 },
    #[error("the server generated only {tokens} token(s); a decode rate needs at least 2 (the model stopped early: raise --max-tokens or use a server that honours ignore_eos)")]
    TooFewTokens { tokens: u64 },
}
