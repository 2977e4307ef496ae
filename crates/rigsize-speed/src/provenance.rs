//! What a calibration stands for: the engine builds and measurement dates of
//! the benchmark rows behind it, read from the rows themselves (their
//! `build` column and the dates their `source` and `notes` state), so that
//! every prediction can say which builds its numbers describe.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use rigsize_core::engine::Engine;

use crate::bench::BenchRow;
use crate::calib::{backend_engine_key, engine_key};

/// Builds and dates of one engine's rows (on one hardware class, or `"*"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Provenance {
    pub engine: String,
    #[serde(default = "star")]
    pub class: String,
    /// Oldest and newest stated build: `b6761`…`b10451` for llama.cpp
    /// (numbered builds), `0.10.1.1`…`0.11.0` for versioned engines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_build: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_build: Option<String>,
    /// Earliest and latest measurement month stated (`YYYY-MM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_measured: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_measured: Option<String>,
    pub rows: usize,
    /// Rows whose build the source states (numbered or versioned).
    pub rows_with_build: usize,
    /// Rows whose source states when it was measured.
    pub rows_dated: usize,
}

fn star() -> String {
    "*".into()
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Measurement months (`YYYY-MM`) a text states: `2025-11-02`, `2026-03`,
/// `Feb 2026`; a date after "accessed" is when a copy was read, not a
/// measurement, and is skipped.
pub fn dates_in(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let b = lower.as_bytes();
    let digits =
        |i: usize, n: usize| i + n <= b.len() && b[i..i + n].iter().all(u8::is_ascii_digit);
    let accessed = |i: usize| lower[..i].trim_end().ends_with("accessed");
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // Slicing `lower` is only valid on a char boundary (sources carry `§`, `×`, `–`).
        if !lower.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if boundary
            && digits(i, 4)
            && b[i..].starts_with(b"20")
            && b.get(i + 4) == Some(&b'-')
            && digits(i + 5, 2)
        {
            let m: u32 = lower[i + 5..i + 7].parse().unwrap_or(0);
            if (1..=12).contains(&m) && !accessed(i) {
                out.push(lower[i..i + 7].to_string());
            }
            i += 7;
            continue;
        }
        if boundary {
            if let Some(m) = MONTHS.iter().position(|m| b[i..].starts_with(m.as_bytes())) {
                // "Feb 2026", "February 2026".
                let rest = &lower[i..];
                let word_end = rest
                    .find(|c: char| !c.is_ascii_alphabetic())
                    .unwrap_or(rest.len());
                let after = rest[word_end..].trim_start();
                let skipped = rest.len() - word_end - after.len();
                let at = i + word_end + skipped;
                if skipped > 0 && digits(at, 4) && b[at..].starts_with(b"20") && !accessed(i) {
                    out.push(format!("{}-{:02}", &lower[at..at + 4], m + 1));
                }
                i += word_end.max(1);
                continue;
            }
        }
        i += 1;
    }
    out
}

/// A build the `build` column states, as a sortable key and its label:
/// llama.cpp `b7948` (a hash alone is no position in time), or the engine's
/// own version `0.10.1.1`: the one that follows its name (`mlx 0.32.0` in
/// `rapid-mlx 0.10.3 / mlx 0.32.0`; a wrapper's or a port's version, such as
/// rapid-mlx's or mlx-swift-lm's, is no MLX build), or a bare version.
pub fn build_of(engine: &str, build: &str) -> Option<(Vec<u64>, String)> {
    let b = build.trim().to_ascii_lowercase();
    if engine == "llama.cpp" {
        return b.split_whitespace().find_map(|w| {
            let n: u64 = w.strip_prefix('b')?.parse().ok()?;
            Some((vec![n], format!("b{n}")))
        });
    }
    let names: &[&str] = match engine {
        "trtllm" => &["trtllm", "tensorrt-llm", "tensorrt_llm"],
        other => &[other],
    };
    let words: Vec<&str> = b
        .split(|c: char| c.is_whitespace() || c == '/' || c == ';' || c == '(' || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let is_version = |w: &str| w.contains('.') && w.starts_with(|c: char| c.is_ascii_digit());
    words
        .iter()
        .enumerate()
        .map(|(i, w)| (i, w.strip_prefix('v').unwrap_or(w)))
        .find(|&(i, w)| is_version(w) && (i == 0 || names.contains(&words[i - 1])))
        .map(|(_, w)| {
            let key = w
                .split(|c: char| !c.is_ascii_digit())
                .filter(|p| !p.is_empty())
                .map(|p| p.parse().unwrap_or(0))
                .collect();
            (key, w.to_string())
        })
}

/// Provenance per engine (`class = "*"`) and per engine × hardware class,
/// from the rows (with each row's class, where known).
pub fn of_rows(rows: &[(&BenchRow, Option<&str>)]) -> Vec<Provenance> {
    type Acc = (Vec<(Vec<u64>, String)>, Vec<String>, usize, usize);
    let mut acc: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for (r, class) in rows {
        let Ok(engine) = Engine::parse(&r.engine) else {
            continue;
        };
        let backend = rigsize_core::engine::Backend::parse(&r.backend).ok();
        // The class starts with the vendor key (`amd`, `amd-unified`).
        let vendor = class.map_or("", |c| c.split('-').next().unwrap_or(c));
        let e = backend_engine_key(engine, backend, vendor).to_string();
        let build = build_of(engine_key(engine), &r.build);
        let mut dates = dates_in(&r.source);
        dates.extend(dates_in(&r.notes));
        for c in ["*"].into_iter().chain(*class) {
            let a = acc.entry((e.clone(), c.to_string())).or_default();
            a.2 += 1;
            if let Some(b) = &build {
                a.0.push(b.clone());
            }
            if !dates.is_empty() {
                a.3 += 1;
                a.1.extend(dates.iter().cloned());
            }
        }
    }
    acc.into_iter()
        .map(|((engine, class), (mut builds, mut dates, rows, dated))| {
            builds.sort();
            dates.sort();
            Provenance {
                engine,
                class,
                first_build: builds.first().map(|b| b.1.clone()),
                last_build: builds.last().map(|b| b.1.clone()),
                first_measured: dates.first().cloned(),
                last_measured: dates.last().cloned(),
                rows,
                rows_with_build: builds.len(),
                rows_dated: dated,
            }
        })
        .collect()
}

impl Provenance {
    /// "llama.cpp b6761–b10451, measured 2025-08 to 2026-09 (287 rows; 186 state their build)".
    pub fn describe(&self) -> String {
        let span = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(a), Some(b)) if a == b => Some(a.clone()),
            (Some(a), Some(b)) => Some(format!("{a}–{b}")),
            _ => None,
        };
        let mut s = self.engine.clone();
        match span(&self.first_build, &self.last_build) {
            Some(b) => s.push_str(&format!(" {b}")),
            None => s.push_str(" (builds not stated)"),
        }
        if let Some(d) = span(&self.first_measured, &self.last_measured) {
            s.push_str(&format!(", measured {d}"));
        }
        s.push_str(&format!(
            " ({} rows{}; {} state their build, {} their date)",
            self.rows,
            if self.class == "*" {
                String::new()
            } else {
                format!(" on {}", self.class)
            },
            self.rows_with_build,
            self.rows_dated
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_and_access_dates_skipped() {
        assert_eq!(dates_in("maintainer bench, 2025-11-02"), vec!["2025-11"]);
        assert_eq!(dates_in("docs @0fe5475 §2.7 – Aug 2026"), vec!["2026-08"]);
        assert_eq!(dates_in("user measurements, Feb 2026"), vec!["2026-02"]);
        // Non-ASCII text before a date is stepped over byte by byte.
        assert_eq!(dates_in("optimization.md §2.7 (aug 2026)"), vec!["2026-08"]);
        assert_eq!(
            dates_in("seed file (accessed 2026-08-12) build b7948"),
            Vec::<String>::new()
        );
        assert_eq!(
            dates_in("2025-09-02..13 and September 2025"),
            vec!["2025-09", "2025-09"]
        );
        assert!(dates_in("commit 2025x and 20260-1").is_empty());
    }

    #[test]
    fn builds_sort_by_number_and_version() {
        assert_eq!(build_of("llama.cpp", "b7948 b828e18c7").unwrap().1, "b7948");
        assert!(build_of("llama.cpp", "2f68ce7cf").is_none());
        assert_eq!(
            build_of("vllm", "vllm 0.10.1.1").unwrap().0,
            vec![0, 10, 1, 1]
        );
        assert_eq!(
            build_of("sglang", "sglang 0.5.13.post1").unwrap().1,
            "0.5.13.post1"
        );
        assert!(build_of("vllm", "vllm (version not stated; Aug 2025)").is_none());
        // The engine's own version, not a wrapper's or a port's.
        assert_eq!(
            build_of("mlx", "rapid-mlx 0.10.3 / mlx 0.32.0").unwrap().1,
            "0.32.0"
        );
        assert_eq!(
            build_of("mlx", "MLX 0.32.0 / mlx-lm 0.31.3").unwrap().1,
            "0.32.0"
        );
        assert!(build_of("mlx", "rapid-mlx v0.6.80 (BatchedEngine on mlx-lm)").is_none());
        assert!(build_of("mlx", "mlx-swift-lm 3.31.3 (macMLX 0.3.5)").is_none());
        assert!(build_of("mlx", "vLLM 0.27.0 + vllm-metal (Aug 2026)").is_none());
        assert!(build_of("trtllm", "NIM llama-3.3-70b-instruct 1.8.0").is_none());
        assert_eq!(
            build_of("sglang", "sglang v0.5.14 @ 49e384ce").unwrap().1,
            "0.5.14"
        );
        assert!(
            build_of("vllm", "vllm 0.11.0").unwrap().0
                > build_of("vllm", "vllm 0.10.1.1").unwrap().0
        );
    }

    #[test]
    fn provenance_spans_builds_and_dates() {
        let row = |engine: &str, build: &str, source: &str| BenchRow {
            engine: engine.into(),
            build: build.into(),
            source: source.into(),
            ..BenchRow::default()
        };
        let rows = [
            row("llama.cpp", "b6918", "bench (2025-11-02)"),
            row("ollama", "b10451", "table (Aug 2026)"),
            row("llama.cpp", "abc123", "no date"),
            row("vllm", "vllm 0.11.0", "lab, 2026-03-20"),
        ];
        let with: Vec<(&BenchRow, Option<&str>)> =
            rows.iter().map(|r| (r, Some("nvidia"))).collect();
        let p = of_rows(&with);
        let l = p
            .iter()
            .find(|p| p.engine == "llama.cpp" && p.class == "*")
            .unwrap();
        assert_eq!(
            (l.first_build.as_deref(), l.last_build.as_deref()),
            (Some("b6918"), Some("b10451"))
        );
        assert_eq!(
            (l.first_measured.as_deref(), l.last_measured.as_deref()),
            (Some("2025-11"), Some("2026-08"))
        );
        assert_eq!((l.rows, l.rows_with_build, l.rows_dated), (3, 2, 2));
        assert!(l
            .describe()
            .starts_with("llama.cpp b6918–b10451, measured 2025-11–2026-08"));
        assert!(p.iter().any(|p| p.engine == "vllm" && p.class == "nvidia"));
    }
}
