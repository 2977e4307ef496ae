//! Reading one streamed completion: server-sent events of OpenAI chunks,
//! timed as they arrive.

use std::io::{BufRead, BufReader, Read};
use std::time::Instant;

use serde_json::Value;

use crate::error::BenchError;

/// What one streamed request produced, with arrival times.
#[derive(Debug, Clone, Default)]
pub struct StreamTrace {
    /// Arrival of the first chunk carrying generated text.
    pub first: Option<Instant>,
    /// Arrival of the last chunk carrying generated text.
    pub last: Option<Instant>,
    /// Chunks that carried generated text.
    pub content_chunks: u64,
    /// `usage` of the final chunk, where the server reports it.
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    /// llama-server's `timings`: its own prefill and decode rates.
    pub server_prefill_tok_s: Option<f64>,
    pub server_decode_tok_s: Option<f64>,
    pub finished: bool,
}

/// The generated text of a chunk: completions (`text`) or chat (`delta.content`,
/// or `delta.reasoning_content` for reasoning models).
fn chunk_text(v: &Value) -> Option<&str> {
    let c = v.get("choices")?.get(0)?;
    c.get("text")
        .and_then(Value::as_str)
        .or_else(|| {
            let d = c.get("delta")?;
            d.get("content")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .or_else(|| d.get("reasoning_content").and_then(Value::as_str))
        })
        .filter(|s| !s.is_empty())
}

fn finish_reason(v: &Value) -> bool {
    v.get("choices")
        .and_then(|c| c.get(0))
        .and_then(|c| c.get("finish_reason"))
        .is_some_and(|f| !f.is_null())
}

impl StreamTrace {
    fn absorb(&mut self, v: &Value, now: Instant) -> Result<(), BenchError> {
        if let Some(e) = v.get("error") {
            return Err(BenchError::ServerError(e.to_string()));
        }
        if chunk_text(v).is_some() {
            self.first.get_or_insert(now);
            self.last = Some(now);
            self.content_chunks += 1;
        }
        if let Some(u) = v.get("usage").filter(|u| !u.is_null()) {
            self.prompt_tokens = u.get("prompt_tokens").and_then(Value::as_u64);
            self.completion_tokens = u.get("completion_tokens").and_then(Value::as_u64);
        }
        if let Some(t) = v.get("timings") {
            let rate = |k: &str| t.get(k).and_then(Value::as_f64).filter(|r| *r > 0.0);
            self.server_prefill_tok_s = rate("prompt_per_second");
            self.server_decode_tok_s = rate("predicted_per_second");
            if self.prompt_tokens.is_none() {
                self.prompt_tokens = t.get("prompt_n").and_then(Value::as_u64);
            }
            if self.completion_tokens.is_none() {
                self.completion_tokens = t.get("predicted_n").and_then(Value::as_u64);
            }
        }
        if finish_reason(v) {
            self.finished = true;
        }
        Ok(())
    }

    /// Tokens generated: the server's count where reported, else one per chunk.
    pub fn tokens(&self) -> u64 {
        self.completion_tokens.unwrap_or(self.content_chunks)
    }
}

/// Reads events until `[DONE]` (or the end of the body after a
/// `finish_reason`). `runaway` bounds the chunks read.
pub fn read_stream(
    body: impl Read,
    runaway: u64,
    max_tokens: u64,
) -> Result<StreamTrace, BenchError> {
    let mut trace = StreamTrace::default();
    let mut reader = BufReader::new(body);
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).map_err(|e| {
            let why = e.to_string();
            if e.kind() == std::io::ErrorKind::TimedOut || why.contains("timeout") {
                BenchError::Timeout {
                    secs: 0,
                    detail: format!(" ({} token(s) received)", trace.content_chunks),
                }
            } else {
                BenchError::Disconnected {
                    tokens: trace.content_chunks,
                    why,
                }
            }
        })?;
        let now = Instant::now();
        if n == 0 {
            if trace.finished {
                return Ok(trace);
            }
            return Err(BenchError::Disconnected {
                tokens: trace.content_chunks,
                why: "the connection closed".into(),
            });
        }
        let Some(data) = line.trim_end().strip_prefix("data:") else {
            continue; // blank separators, `event:`, `: keep-alive` comments
        };
        let data = data.trim();
        if data == "[DONE]" {
            return Ok(trace);
        }
        let v: Value = serde_json::from_str(data).map_err(|_| BenchError::Garbage {
            chunk: data.chars().take(120).collect(),
        })?;
        trace.absorb(&v, now)?;
        if trace.content_chunks > runaway {
            return Err(BenchError::Runaway {
                limit: runaway,
                max_tokens,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_chunks_usage_and_llama_timings() {
        let body = "data: {\"choices\":[{\"text\":\"a\",\"finish_reason\":null}]}\n\n: ping\n\ndata: {\"choices\":[{\"text\":\" b\",\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2},\"timings\":{\"prompt_per_second\":100.5,\"predicted_per_second\":20.0}}\n\ndata: [DONE]\n\n";
        let t = read_stream(body.as_bytes(), 100, 2).unwrap();
        assert_eq!(t.content_chunks, 2);
        assert_eq!(t.tokens(), 2);
        assert_eq!(t.prompt_tokens, Some(7));
        assert_eq!(t.server_decode_tok_s, Some(20.0));
        assert!(t.finished);
    }

    #[test]
    fn garbage_and_cut_streams_are_errors() {
        let g = read_stream("data: {not json\n\n".as_bytes(), 100, 2).unwrap_err();
        assert!(matches!(g, BenchError::Garbage { .. }));
        let cut = "data: {\"choices\":[{\"text\":\"a\",\"finish_reason\":null}]}\n\n";
        let c = read_stream(cut.as_bytes(), 100, 2).unwrap_err();
        assert!(matches!(c, BenchError::Disconnected { tokens: 1, .. }));
    }
}
