//! Units. Everything is computed in bytes, bytes/s and tokens; conversion to
//! GiB (what nvidia-smi and llama.cpp print) happens only at the edges.

use crate::error::CoreError;

/// Bytes in one GiB (2^30): the unit every human-facing memory figure uses.
pub const GIB: f64 = 1_073_741_824.0;
/// Bytes in one MiB (2^20).
pub const MIB: f64 = 1_048_576.0;
/// Bytes in one decimal GB (10^9): the unit vendors use for capacity and bandwidth.
pub const GB: f64 = 1e9;

/// The largest context rigsize accepts for one stream. No released model goes
/// beyond 10M tokens; anything larger is a typo, not a plan.
pub const MAX_CONTEXT_TOKENS: u64 = 10_000_000;

/// The most parallel streams (server slots, agents) rigsize accepts for one
/// model. llama.cpp and vLLM run a few hundred at most; the cap keeps
/// `MAX_CONTEXT_TOKENS × MAX_STREAMS × bytes per token` far inside `u64`.
pub const MAX_STREAMS: u32 = 1024;

/// Bytes as GiB, for display.
pub fn to_gib(bytes: u64) -> f64 {
    bytes as f64 / GIB
}

/// Bytes as MiB, for display.
pub fn to_mib(bytes: u64) -> f64 {
    bytes as f64 / MIB
}

/// Decimal gigabytes (vendor capacity) as bytes, rounded to the nearest byte.
pub fn gb_to_bytes(gb: f64) -> u64 {
    (gb * GB).round() as u64
}

/// Parses a token count: `32768`, `200k` (= 200,000), `128ki` (= 131,072),
/// `1m` (= 1,000,000), `1mi` (= 1,048,576), `1.5k`. Case-insensitive,
/// underscores and commas allowed as digit separators.
///
/// `k` is decimal on purpose: the seed figures ("200K tokens") are decimal, and
/// an exact power of two is one `ki` away.
pub fn parse_tokens(input: &str) -> Result<u64, CoreError> {
    let raw = input.trim();
    let bad = |why: &str| CoreError::InvalidValue {
        what: "token count".into(),
        value: input.to_string(),
        why: why.to_string(),
    };
    if raw.is_empty() {
        return Err(bad("it is empty"));
    }
    let cleaned: String = raw
        .chars()
        .filter(|c| *c != '_' && *c != ',')
        .collect::<String>()
        .to_ascii_lowercase();
    let (number, multiplier) = if let Some(n) = cleaned.strip_suffix("ki") {
        (n, 1024.0)
    } else if let Some(n) = cleaned.strip_suffix("mi") {
        (n, 1024.0 * 1024.0)
    } else if let Some(n) = cleaned.strip_suffix('k') {
        (n, 1e3)
    } else if let Some(n) = cleaned.strip_suffix('m') {
        (n, 1e6)
    } else {
        (cleaned.as_str(), 1.0)
    };
    if number.starts_with('-') {
        return Err(bad("it is negative"));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| bad("expected a number such as 32768, 200k, 128ki or 1m"))?;
    if !value.is_finite() {
        return Err(bad("it is not a finite number"));
    }
    let tokens = value * multiplier;
    if tokens.fract() != 0.0 {
        return Err(bad("it is not a whole number of tokens"));
    }
    if tokens < 1.0 {
        return Err(bad("a context needs at least one token"));
    }
    if tokens > MAX_CONTEXT_TOKENS as f64 {
        return Err(bad(&format!(
            "it is above {MAX_CONTEXT_TOKENS} tokens, more than any model supports"
        )));
    }
    Ok(tokens as u64)
}

/// Formats a token count the way people say it: 200000 → "200k", 131072 → "128ki".
pub fn format_tokens(tokens: u64) -> String {
    if tokens >= 1_000_000 && tokens.is_multiple_of(1_000_000) {
        format!("{}m", tokens / 1_000_000)
    } else if tokens >= 1024 && tokens.is_multiple_of(1024 * 1024) {
        format!("{}mi", tokens / (1024 * 1024))
    } else if tokens >= 1000 && tokens.is_multiple_of(1000) {
        format!("{}k", tokens / 1000)
    } else if tokens >= 1024 && tokens.is_multiple_of(1024) {
        format!("{}ki", tokens / 1024)
    } else {
        tokens.to_string()
    }
}

/// Rounds `value` up to a multiple of `multiple` (llama.cpp's GGML_PAD).
pub fn pad_to(value: u64, multiple: u64) -> u64 {
    if multiple == 0 {
        return value;
    }
    value.div_ceil(multiple) * multiple
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_and_binary_suffixes() {
        assert_eq!(parse_tokens("200k").unwrap(), 200_000);
        assert_eq!(parse_tokens("200K").unwrap(), 200_000);
        assert_eq!(parse_tokens("128ki").unwrap(), 131_072);
        assert_eq!(parse_tokens("1m").unwrap(), 1_000_000);
        assert_eq!(parse_tokens("1Mi").unwrap(), 1_048_576);
        assert_eq!(parse_tokens("32768").unwrap(), 32_768);
        assert_eq!(parse_tokens("1.5k").unwrap(), 1_500);
        assert_eq!(parse_tokens("131_072").unwrap(), 131_072);
    }

    #[test]
    fn refuses_impossible_contexts() {
        for bad in [
            "", "0", "-5", "-5k", "abc", "1.5", "20m", "inf", "NaN", "1e400",
        ] {
            assert!(parse_tokens(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn formats_round_trip() {
        for t in [
            1u64, 512, 4096, 32_768, 131_072, 200_000, 1_000_000, 1_048_576,
        ] {
            assert_eq!(parse_tokens(&format_tokens(t)).unwrap(), t);
        }
    }

    #[test]
    fn pads_like_ggml() {
        assert_eq!(pad_to(1, 256), 256);
        assert_eq!(pad_to(256, 256), 256);
        assert_eq!(pad_to(257, 256), 512);
        assert_eq!(pad_to(7, 0), 7);
    }
}
