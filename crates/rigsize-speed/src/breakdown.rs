//! The same errors cut the ways the speed issue asks about: per engine, one
//! stream vs several streams decoding together (B > 1), and per engine for
//! B > 1, for in-sample validation and out-of-fold cross-validation alike.

use serde::{Deserialize, Serialize};

use crate::validate::{group_reports, median, GroupReport, Signed, Summary};

/// One row's signed errors (%), with what the breakdown groups by.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrRow {
    pub engine: String,
    pub class: String,
    pub family: String,
    /// Streams decoding together in the row's decode measurement (1 without one).
    pub streams: f64,
    pub decode_err: Option<f64>,
    pub prefill_err: Option<f64>,
}

/// Errors per engine, and split by stream count.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Breakdown {
    /// Per engine (all hardware).
    pub engines: Vec<GroupReport>,
    /// Decode of rows with one stream.
    pub single_stream_decode: Summary,
    /// Decode of rows with several streams batched (B > 1), per stream.
    pub multi_stream_decode: Summary,
    /// Median signed error of the B > 1 rows, % (+ = predicted too fast).
    pub multi_stream_bias: Option<f64>,
    /// B > 1 decode per engine.
    pub multi_stream_engines: Vec<GroupReport>,
}

fn abs_summary<'a>(v: impl Iterator<Item = &'a f64>) -> Summary {
    let mut a: Vec<f64> = v.map(|x| x.abs()).collect();
    Summary {
        n: a.len(),
        mdape: median(&mut a).unwrap_or(0.0),
    }
}

fn signed(rows: &[&ErrRow]) -> Vec<Signed> {
    rows.iter()
        .map(|r| {
            (
                r.engine.clone(),
                r.class.clone(),
                r.family.clone(),
                r.decode_err,
                r.prefill_err,
            )
        })
        .collect()
}

impl Breakdown {
    pub fn of(rows: &[ErrRow]) -> Breakdown {
        let all: Vec<&ErrRow> = rows.iter().collect();
        let multi: Vec<&ErrRow> = rows.iter().filter(|r| r.streams > 1.0).collect();
        let single_dec: Vec<f64> = rows
            .iter()
            .filter(|r| r.streams <= 1.0)
            .filter_map(|r| r.decode_err)
            .collect();
        let mut multi_dec: Vec<f64> = multi.iter().filter_map(|r| r.decode_err).collect();
        let by_engine = |rs: &[&ErrRow]| {
            group_reports(&signed(rs), |(e, _, _)| (e.clone(), "*".into(), "*".into()))
        };
        Breakdown {
            engines: by_engine(&all),
            single_stream_decode: abs_summary(single_dec.iter()),
            multi_stream_decode: abs_summary(multi_dec.iter()),
            multi_stream_bias: median(&mut multi_dec),
            multi_stream_engines: by_engine(&multi)
                .into_iter()
                .map(|mut g| {
                    g.prefill_mdape = None;
                    g.prefill_bias = None;
                    g.n_prefill = 0;
                    g
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(engine: &str, streams: f64, d: f64) -> ErrRow {
        ErrRow {
            engine: engine.into(),
            class: "nvidia".into(),
            family: "nvidia-ada".into(),
            streams,
            decode_err: Some(d),
            prefill_err: None,
        }
    }

    #[test]
    fn splits_by_streams_and_engine() {
        let rows = vec![
            row("llama.cpp", 1.0, 5.0),
            row("llama.cpp", 8.0, -20.0),
            row("vllm", 16.0, 30.0),
            row("vllm", 1.0, -2.0),
        ];
        let b = Breakdown::of(&rows);
        assert_eq!(b.single_stream_decode.n, 2);
        assert!((b.single_stream_decode.mdape - 3.5).abs() < 1e-9);
        assert_eq!(b.multi_stream_decode.n, 2);
        assert!((b.multi_stream_decode.mdape - 25.0).abs() < 1e-9);
        assert_eq!(b.multi_stream_bias, Some(5.0));
        assert_eq!(b.engines.len(), 2);
        let v = b.multi_stream_engines.iter().find(|g| g.engine == "vllm");
        assert_eq!(v.and_then(|g| g.decode_mdape), Some(30.0));
    }
}
