//! Plain-text renderings: the validation report and the calibration file.

use std::fmt::Write;

use crate::breakdown::Breakdown;
use crate::calib::Calibration;
use crate::cv::CrossValidation;
use crate::validate::ValidationReport;

/// `YYYY-MM-DD` of a Unix time (UTC), for the calibration's fit date.
pub fn civil_date(unix_secs: u64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = (unix_secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}")
}

/// The calibration as the file ships it: a comment header, then TOML.
pub fn calibration_file_text(cal: &Calibration) -> String {
    format!(
        "# rigsize speed calibration: efficiencies of the physical model (docs/speed-model.md),\n\
         # fitted by `{}` on {}.\n\
         # Regenerate with that command; do not edit by hand.\n\
         # [[group]]: hardware terms, fitted on every engine's rows: all rows, class (vendor;\n\
         # apple; <vendor>-unified), chip tier (apple-ultra/max/pro/base, <vendor>-hbm/gddr),\n\
         # family within a tier; each value is its group's fit shrunk towards its parent's\n\
         # with weight n/(n+k) (n setups, k = meta.shrink_k); a missing field is inherited.\n\
         # [[engine]]: factors relative to llama.cpp (hardware value × factor), fitted on the\n\
         # engine's rows on families llama.cpp was also measured on, shrunk towards 1.\n\
         # Bands: leave-one-source-out MdAPE of llama.cpp rows on the group / of the engine's\n\
         # rows (else meta.*_band_pct).\n\n{}",
        cal.meta.command,
        cal.meta.fitted,
        cal.to_toml()
    )
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:6.1}"))
        .unwrap_or_else(|| "     -".into())
}

/// Per engine, one stream vs several (B > 1), and B > 1 per engine.
fn render_breakdown(s: &mut String, title: &str, b: &Breakdown) {
    let _ = writeln!(
        s,
        "\n{title}: decode one stream MdAPE {:.1} % (n {}); several streams (B > 1, per stream) MdAPE {:.1} % (n {}), bias {}",
        b.single_stream_decode.mdape,
        b.single_stream_decode.n,
        b.multi_stream_decode.mdape,
        b.multi_stream_decode.n,
        fmt_opt(b.multi_stream_bias).trim()
    );
    for g in &b.engines {
        let multi = b.multi_stream_engines.iter().find(|m| m.engine == g.engine);
        let _ = writeln!(
            s,
            "  {title:<22} {:<10} decode {} (n {:3}) bias {}  prefill {} (n {:3}) bias {}  B>1 decode {} (n {:3}) bias {}",
            g.engine,
            fmt_opt(g.decode_mdape),
            g.n_decode,
            fmt_opt(g.decode_bias),
            fmt_opt(g.prefill_mdape),
            g.n_prefill,
            fmt_opt(g.prefill_bias),
            fmt_opt(multi.and_then(|m| m.decode_mdape)),
            multi.map_or(0, |m| m.n_decode),
            fmt_opt(multi.and_then(|m| m.decode_bias)),
        );
    }
}

/// A plain-text rendering of a validation (and cross-validation).
pub fn render_report(rep: &ValidationReport, cv: Option<&CrossValidation>) -> String {
    let mut s = String::new();
    render_groups(&mut s, rep);
    render_breakdown(&mut s, "in-sample", &rep.breakdown);
    if let Some(cv) = cv {
        render_breakdown(&mut s, &cv.scheme, &cv.breakdown);
        render_cv_protocols(&mut s, cv);
        render_cv_shrink(&mut s, cv);
        render_cv_classes(&mut s, cv);
        render_cv_families(&mut s, cv);
    }
    if !rep.unpredicted.is_empty() {
        let _ = writeln!(s, "\nunpredicted ({}):", rep.unpredicted.len());
        for u in &rep.unpredicted {
            let _ = writeln!(s, "  row {}: {}", u.row_id, u.reason);
        }
    }
    s
}

/// The in-sample headline and its table per engine × family, then per
/// engine × class: what a reader checks first after a fit.
fn render_groups(s: &mut String, rep: &ValidationReport) {
    let _ = writeln!(
        s,
        "decode  MdAPE {:5.1} % over {} rows\nprefill MdAPE {:5.1} % over {} rows",
        rep.decode.mdape, rep.decode.n, rep.prefill.mdape, rep.prefill.n
    );
    let _ = writeln!(
        s,
        "\n{:<12} {:<24} {:>6} {:>4} {:>6} {:>6} {:>4} {:>6}",
        "engine", "family", "dec%", "n", "bias", "pp%", "n", "bias"
    );
    for g in &rep.groups {
        let _ = writeln!(
            s,
            "{:<12} {:<24} {} {:>4} {} {} {:>4} {}",
            g.engine,
            g.family,
            fmt_opt(g.decode_mdape),
            g.n_decode,
            fmt_opt(g.decode_bias),
            fmt_opt(g.prefill_mdape),
            g.n_prefill,
            fmt_opt(g.prefill_bias)
        );
    }
    let _ = writeln!(s, "\nby class:");
    for g in &rep.classes {
        let _ = writeln!(
            s,
            "{:<12} {:<24} {} {:>4} {} {} {:>4} {}",
            g.engine,
            g.class,
            fmt_opt(g.decode_mdape),
            g.n_decode,
            fmt_opt(g.decode_bias),
            fmt_opt(g.prefill_mdape),
            g.n_prefill,
            fmt_opt(g.prefill_bias)
        );
    }
}

/// The cross-validated headline per protocol: leave-one-source-out (and
/// per held-out source), known classes only, random 5-fold — the figures
/// the calibration file's meta records.
fn render_cv_protocols(s: &mut String, cv: &CrossValidation) {
    let _ = writeln!(
        s,
        "\ncross-validation ({}): decode MdAPE {:.1} % (n {}), prefill MdAPE {:.1} % (n {})",
        cv.scheme, cv.decode.mdape, cv.decode.n, cv.prefill.mdape, cv.prefill.n
    );
    for src in &cv.by_source {
        let _ = writeln!(
            s,
            "  {:<60} decode {:6.1} % (n {:3})  prefill {:6.1} % (n {:3})",
            src.source.chars().take(60).collect::<String>(),
            src.decode.mdape,
            src.decode.n,
            src.prefill.mdape,
            src.prefill.n
        );
    }
    let _ = writeln!(
        s,
        "{}: decode MdAPE {:.1} % (n {}), prefill MdAPE {:.1} % (n {})",
        cv.known_class.scheme,
        cv.known_class.decode.mdape,
        cv.known_class.decode.n,
        cv.known_class.prefill.mdape,
        cv.known_class.prefill.n
    );
    let _ = writeln!(
        s,
        "{}: decode MdAPE {:.1} % (n {}), prefill MdAPE {:.1} % (n {})",
        cv.kfold5.scheme,
        cv.kfold5.decode.mdape,
        cv.kfold5.decode.n,
        cv.kfold5.prefill.mdape,
        cv.kfold5.prefill.n
    );
}

/// Every shrinkage strength tried, so the choice of `k` can be checked.
fn render_cv_shrink(s: &mut String, cv: &CrossValidation) {
    let _ = writeln!(
        s,
        "shrinkage strength k (leave-one-source-out decode / prefill MdAPE):"
    );
    for t in &cv.shrink_trials {
        let _ = writeln!(
            s,
            "  k {:5.1}  {:5.1} %  {:5.1} %{}",
            t.k,
            t.decode.mdape,
            t.prefill.mdape,
            if t.k == cv.shrink_k {
                "  <- chosen"
            } else {
                ""
            }
        );
    }
}

/// Out-of-fold errors per engine × class: where a new source's rows land.
fn render_cv_classes(s: &mut String, cv: &CrossValidation) {
    let _ = writeln!(s, "  out-of-fold by engine × class:");
    for g in &cv.classes {
        let _ = writeln!(
            s,
            "  {:<10} {:<14} decode {} (n {:3}) bias {}  prefill {} (n {:3}) bias {}",
            g.engine,
            g.class,
            fmt_opt(g.decode_mdape),
            g.n_decode,
            fmt_opt(g.decode_bias),
            fmt_opt(g.prefill_mdape),
            g.n_prefill,
            fmt_opt(g.prefill_bias)
        );
    }
}

/// Out-of-fold errors per family, with the rows above [`FAMILY_LIMIT_PCT`]:
/// the per-family target the fit is judged against.
fn render_cv_families(s: &mut String, cv: &CrossValidation) {
    let _ = writeln!(
        s,
        "  out-of-fold by family (decode rows above {FAMILY_LIMIT_PCT} % error; the issue's target: fewer than 5 in every family):"
    );
    for g in &cv.groups {
        let above = cv
            .rows
            .iter()
            .filter(|r| r.family == g.family)
            .filter(|r| r.decode_err.is_some_and(|e| e.abs() > FAMILY_LIMIT_PCT))
            .count();
        let _ = writeln!(
            s,
            "  {:<24} decode {} (n {:3}, {:3} > {FAMILY_LIMIT_PCT} %)  prefill {} (n {:3})",
            g.family,
            fmt_opt(g.decode_mdape),
            g.n_decode,
            above,
            fmt_opt(g.prefill_mdape),
            g.n_prefill
        );
    }
}

/// Decode error above which a row counts against its hardware family.
const FAMILY_LIMIT_PCT: f64 = 15.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(951_782_400), "2000-02-29");
        assert_eq!(civil_date(1_767_225_600), "2026-01-01");
    }
}
