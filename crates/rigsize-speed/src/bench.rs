//! Benchmark rows in `dev.csv`'s columns, and what each one asks the model.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use rigsize_catalog::Catalog;

use crate::bench_arch::row_model;
pub use crate::bench_arch::{quant_for_sizing, row_weights, synthetic_arch};
use rigsize_core::engine::{Backend, Engine};
use rigsize_core::hardware::DeviceSet;

use crate::error::SpeedError;
use crate::model::{SpeedRequest, Split, Terms};

pub use crate::bench_measure::DecodeMeasure;
use crate::bench_measure::{measured, Measured};
use crate::bench_use::{row_backend, validation_only};
pub use crate::bench_use::{Reliability, LLAMACPP_BATCHED_SINCE};

/// One measurement, as written (numbers are parsed when used, so one bad
/// cell makes one row unpredicted instead of failing the file).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BenchRow {
    pub row_id: String,
    pub source: String,
    pub hardware_id: String,
    pub n_devices: String,
    pub backend: String,
    pub engine: String,
    pub model_id: String,
    pub arch: String,
    pub params_b: String,
    pub active_params_b: String,
    pub quant: String,
    pub model_size_gib: String,
    pub depth: String,
    pub concurrency: String,
    pub test: String,
    pub pp_tok_s: String,
    pub tg_tok_s: String,
    pub build: String,
    pub reliability: String,
    pub notes: String,
}

/// Reads rows from CSV text with a header line; columns are matched by name,
/// missing ones are empty.
pub fn parse_csv(text: &str, file: &str) -> Result<Vec<BenchRow>, SpeedError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let err = |m: String| SpeedError::Csv {
        file: file.to_string(),
        message: m,
    };
    let headers = rdr.headers().map_err(|e| err(e.to_string()))?.clone();
    let idx: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_string(), i))
        .collect();
    for need in ["hardware_id", "engine", "test"] {
        if !idx.contains_key(need) {
            return Err(err(format!("no '{need}' column")));
        }
    }
    let mut rows = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| err(e.to_string()))?;
        let get = |c: &str| {
            idx.get(c)
                .and_then(|i| rec.get(*i))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let mut row = BenchRow {
            row_id: get("row_id"),
            source: get("source"),
            hardware_id: get("hardware_id"),
            n_devices: get("n_devices"),
            backend: get("backend"),
            engine: get("engine"),
            model_id: get("model_id"),
            arch: get("arch"),
            params_b: get("params_b"),
            active_params_b: get("active_params_b"),
            quant: get("quant"),
            model_size_gib: get("model_size_gib"),
            depth: get("depth"),
            concurrency: get("concurrency"),
            test: get("test"),
            pp_tok_s: get("pp_tok_s"),
            tg_tok_s: get("tg_tok_s"),
            build: get("build"),
            reliability: get("reliability"),
            notes: get("notes"),
        };
        if row.row_id.is_empty() {
            row.row_id = format!("line{}", n + 2);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Reads a benchmark CSV file (the crate's only I/O).
pub fn read_csv(path: &Path) -> Result<Vec<BenchRow>, SpeedError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SpeedError::Csv {
        file: file.clone(),
        message: e.to_string(),
    })?;
    parse_csv(&text, &file)
}

/// What a `test` cell means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TestKind {
    /// llama-bench `ppP/tgT@dN`: prefill of P and generation of T tokens,
    /// each on top of N cached tokens.
    LlamaBench { pp: u64, tg: u64, depth: u64 },
    /// `ppP+tgT`: P-token prompts (per stream) then T generated tokens.
    PromptThenGen { pp: u64, tg: u64 },
    /// `ISLx/OSLy` serving benchmark: output throughput over the run.
    Serving { isl: u64, osl: u64 },
    /// `server-stream-decode`: one stream's generation speed.
    StreamDecode,
}

/// Serving benchmarks run far more concurrent requests than one user plans
/// streams for (dev.csv has 4096); beyond this a count is a typo.
const MAX_BENCH_CONCURRENCY: u32 = 65_536;

/// The token counts a test names, to refuse absurd ones before predicting.
fn test_sizes(t: &TestKind) -> Vec<u64> {
    match *t {
        TestKind::LlamaBench { pp, tg, depth } => vec![pp, tg, depth],
        TestKind::PromptThenGen { pp, tg } => vec![pp, tg],
        TestKind::Serving { isl, osl } => vec![isl, osl],
        TestKind::StreamDecode => vec![],
    }
}

fn num_after(s: &str, prefix: &str) -> Option<u64> {
    let rest = s.strip_prefix(prefix)?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

pub fn parse_test(test: &str) -> Option<TestKind> {
    let t = test.trim().to_ascii_lowercase();
    if t == "server-stream-decode" || t == "stream-decode" {
        return Some(TestKind::StreamDecode);
    }
    if let Some((a, b)) = t.split_once('/') {
        if a.starts_with("isl") {
            return Some(TestKind::Serving {
                isl: num_after(a, "isl")?,
                osl: num_after(b, "osl")?,
            });
        }
        let (tg_part, depth) = match b.split_once("@d") {
            Some((x, d)) => (x, d.parse().ok()?),
            None => (b, 0),
        };
        return Some(TestKind::LlamaBench {
            pp: num_after(a, "pp")?,
            tg: num_after(tg_part, "tg")?,
            depth,
        });
    }
    if let Some((a, b)) = t.split_once('+') {
        return Some(TestKind::PromptThenGen {
            pp: num_after(a, "pp")?,
            tg: num_after(b, "tg")?,
        });
    }
    if let Some((pp, rest)) = t.split_once("@d").or(Some((t.as_str(), "0"))) {
        if let (Some(p), Ok(d)) = (num_after(pp, "pp"), rest.parse::<u64>()) {
            return Some(TestKind::LlamaBench {
                pp: p,
                tg: 0,
                depth: d,
            });
        }
        if let (Some(g), Ok(d)) = (num_after(pp, "tg"), rest.parse::<u64>()) {
            return Some(TestKind::LlamaBench {
                pp: 0,
                tg: g,
                depth: d,
            });
        }
    }
    None
}

pub(crate) fn opt_f64(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A number following `key` in free text (`n_ubatch=2048`, `-ub 2048`,
/// `ub=2048`): the first occurrence of `key` that does not continue a longer
/// word (`ub=` in `n_ub=` is not the key).
fn number_after_key(text: &str, key: &str) -> Option<u64> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = text
        .match_indices(key)
        .map(|(i, _)| i)
        .find(|&i| !key.starts_with(word) || !text[..i].chars().next_back().is_some_and(word))?;
    let pos = start + key.len();
    let digits: String = text[pos..]
        .trim_start_matches([' ', '='])
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// A row turned into model inputs.
#[derive(Debug, Clone)]
pub struct RowCase {
    pub row_index: usize,
    pub row_id: String,
    pub source: String,
    pub engine: Engine,
    pub hardware_id: String,
    pub family: String,
    pub class: String,
    /// Chip tier ([`crate::calib::device_tier`]).
    pub tier: String,
    pub model_in_catalog: bool,
    /// One measurement setup: source document × hardware × device count ×
    /// model × quantization. Rows of one setup differ only in depth, prompt
    /// length or streams, so they are not independent evidence; the fit's
    /// shrinkage counts setups, not rows.
    pub setup: String,
    pub decode: Option<(Terms, f64, DecodeMeasure)>,
    pub prefill: Option<(Terms, f64)>,
    /// Why the row is validated but not fitted (`None`: fitted), see
    /// [`LLAMACPP_BATCHED_SINCE`].
    pub validation_only: Option<String>,
    /// The GPU backend the row names (`None`: not stated).
    pub backend: Option<Backend>,
    pub vendor: String,
}

impl RowCase {
    /// The calibration's engine key of the row ([`crate::calib::backend_engine_key`]).
    pub fn engine_key(&self) -> &'static str {
        crate::calib::backend_engine_key(self.engine, self.backend, &self.vendor)
    }

    /// Streams decoding together in the row's decode measurement (1 without one).
    pub fn streams(&self) -> f64 {
        self.decode.as_ref().map_or(1.0, |d| d.0.decode.streams)
    }
}

/// Devices, split and link a row describes.
fn row_split(row: &BenchRow, engine: Engine) -> Split {
    let n = row.notes.to_ascii_lowercase();
    if n.contains("-sm tensor") || n.contains("tensor parallel") || n.contains("tp2") {
        Split::Tensor
    } else if n.contains("-sm layer") || n.contains("split: layer") {
        Split::Layer
    } else if engine.is_paged() || engine == Engine::Mlx {
        Split::Tensor
    } else {
        Split::Layer
    }
}

/// Builds the model inputs of one row, or says why it cannot.
pub fn row_case(catalog: &Catalog, row: &BenchRow, index: usize) -> Result<RowCase, String> {
    Reliability::parse(&row.reliability)?;
    let engine = Engine::parse(&row.engine).map_err(|e| e.to_string())?;
    let (devices, count) = row_devices(catalog, row)?;
    let (arch, in_catalog) = row_model(catalog, row)?;
    let weights = row_weights(&arch, row)?;
    let active = opt_f64(&row.active_params_b).map(|a| (a * 1e9) as u64);
    let test =
        parse_test(&row.test).ok_or_else(|| format!("test '{}' is not understood", row.test))?;
    let conc = parse_concurrency(row)?;
    let row_depth = parse_depth(row)?;
    check_test_sizes(row, &test)?;
    let mut base = SpeedRequest::new(&arch, &weights, &devices, engine);
    // A catalog model's own counts are exact; a row's active count is its
    // source's label ("A3B", or active without the embedding) and sizes only
    // a model rebuilt from the row.
    row_setup(&mut base, row, if in_catalog { None } else { active })?;

    let tg = opt_f64(&row.tg_tok_s).filter(|v| *v > 0.0);
    let pp = opt_f64(&row.pp_tok_s).filter(|v| *v > 0.0);
    let Measured {
        decode,
        mut prefill,
        mut why_not,
    } = measured(&test, &base, tg, pp, conc, row_depth, engine)?;
    if let Some(reason) = implausible_prefill(&base, prefill.as_ref()) {
        prefill = None;
        why_not.push(reason);
    }
    if decode.is_none() && prefill.is_none() {
        why_not.push("no measured pp_tok_s or tg_tok_s to compare".into());
        return Err(why_not.join("; "));
    }
    let streams = decode.as_ref().map_or(1.0, |d| d.0.decode.streams);
    Ok(RowCase {
        row_index: index,
        row_id: row.row_id.clone(),
        source: row.source.clone(),
        engine,
        hardware_id: row.hardware_id.clone(),
        family: devices.device.family.clone(),
        class: crate::calib::device_class(&devices.device),
        tier: crate::calib::device_tier(&devices.device),
        model_in_catalog: in_catalog,
        setup: format!(
            "{}|{}|{}|{}|{}",
            crate::fit::source_key(&row.source),
            row.hardware_id,
            count,
            row.model_id,
            row.quant
        ),
        decode,
        prefill,
        validation_only: validation_only(row, engine, streams),
        backend: base.backend,
        vendor: devices.device.vendor_key(),
    })
}

/// A row's stream count: an empty concurrency means the source did not
/// fix it; anything else must be a real stream count.
fn parse_concurrency(row: &BenchRow) -> Result<Option<u32>, String> {
    Ok(match row.concurrency.trim() {
        "" => None,
        c => Some(
            c.parse()
                .ok()
                .filter(|n| (1..=MAX_BENCH_CONCURRENCY).contains(n))
                .ok_or_else(|| format!("concurrency '{c}' is not a stream count"))?,
        ),
    })
}

/// A row's cached depth: empty is none, anything else a real token count.
fn parse_depth(row: &BenchRow) -> Result<u64, String> {
    Ok(match row.depth.trim() {
        "" => 0,
        d => d
            .parse()
            .ok()
            .filter(|n| *n <= rigsize_core::units::MAX_CONTEXT_TOKENS)
            .ok_or_else(|| format!("depth '{d}' is not a token count"))?,
    })
}

/// Refuses a test that names more tokens than any model's context, before
/// anything is predicted for it.
fn check_test_sizes(row: &BenchRow, test: &TestKind) -> Result<(), String> {
    if let Some(big) = test_sizes(test)
        .into_iter()
        .find(|n| *n > rigsize_core::units::MAX_CONTEXT_TOKENS)
    {
        return Err(format!(
            "test '{}' asks for {big} tokens, beyond any model's context",
            row.test
        ));
    }
    Ok(())
}

/// What the row's notes and columns say about how it ran (split, link,
/// prompts, build, micro-batch, KV type, backend), set on its base request
/// so every case of the row is predicted as measured.
fn row_setup(base: &mut SpeedRequest, row: &BenchRow, active: Option<u64>) -> Result<(), String> {
    let notes = row.notes.to_ascii_lowercase();
    // llama-bench and llama-batched-bench spell the physical batch
    // `n_ubatch`, `-ub N` or (the maintainer benches) `ub=N`.
    let ubatch = ["n_ubatch", "-ub", "ub="]
        .iter()
        .find_map(|k| number_after_key(&notes, k));
    let split = row_split(row, base.engine);
    let link = crate::bench_use::row_link(&notes, base.devices);
    base.split = split;
    base.link = link;
    base.prompts = crate::bench_use::row_prompts(row);
    base.build_month = crate::bench_use::stated_month(row);
    base.ubatch = ubatch;
    base.active_params = active;
    base.kv_type = crate::bench_use::row_kv_type(&notes);
    // The backend the row names picks its kernels, as `speed --backend` does.
    base.backend = row_backend(row)?;
    Ok(())
}

/// Why a row's prefill figure cannot be a measurement (beyond the chip's
/// peak), for the engines where the peak is a bound at all.
fn implausible_prefill(base: &SpeedRequest, prefill: Option<&(Terms, f64)>) -> Option<String> {
    // Serving engines run float GEMMs (BF16/FP8/FP4, or AWQ/GPTQ dequantized
    // to FP16), so the datasheet's fastest float rate bounds their prefill;
    // llama.cpp's integer kernels (dp4a, int8 MMQ) and Apple's unbinned chip
    // ids have no such bound in the data.
    let bounded = base.engine.is_paged();
    prefill.filter(|_| bounded).and_then(|(_, v)| {
        // The arithmetic the model charges a prompt token, so a row it keeps
        // is one it could have predicted.
        crate::plausible::beyond_peak(*v, crate::model::prompt_compute_params(base), base.devices)
    })
}

/// The devices a row measured, checked for the figures the model needs.
fn row_devices(catalog: &Catalog, row: &BenchRow) -> Result<(DeviceSet, u32), String> {
    let rec = catalog
        .hardware_record(&row.hardware_id)
        .map_err(|_| format!("unknown hardware id '{}'", row.hardware_id))?;
    let count: u32 = if row.n_devices.is_empty() {
        1
    } else {
        row.n_devices
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=rigsize_catalog::MAX_DEVICE_COUNT).contains(n))
            .ok_or_else(|| {
                format!(
                    "n_devices '{}' is not a count from 1 to {}",
                    row.n_devices,
                    rigsize_catalog::MAX_DEVICE_COUNT
                )
            })?
    };
    let devices = DeviceSet {
        device: rec.device.clone(),
        count: count.max(1),
    };
    if devices.device.bandwidth_bytes_per_s <= 0.0 || devices.device.fp16_flops <= 0.0 {
        return Err(format!(
            "hardware '{}' has no bandwidth or FP16 compute in the catalog",
            row.hardware_id
        ));
    }
    Ok((devices, count))
}

#[cfg(test)]
#[path = "bench_tests.rs"]
mod tests;
