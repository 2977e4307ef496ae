//! Checks generated from data/checkpoints.toml: every entry names a catalog model, a known
//! format and quantization, a positive size and a real date, and its size agrees with the
//! catalog's own estimate of the weights (a typo or a wrong repo shows up as a large gap).

use rigsize_catalog::checkpoints::{self, CheckpointFormat};
use rigsize_catalog::Catalog;
use rigsize_core::memory::weights_for_scheme;
use rigsize_core::quant::QuantScheme;

#[test]
fn every_checkpoint_names_a_catalog_model() {
    let catalog = Catalog::builtin().unwrap();
    let table = checkpoints::builtin().unwrap();
    assert!(!table.is_empty());
    for c in &table {
        let m = catalog.model(&c.model);
        assert!(m.is_ok(), "{} ({}): {:?}", c.model, c.repo, m.err());
        assert_eq!(m.unwrap().arch.id, c.model, "use the id, not an alias");
    }
}

#[test]
fn formats_quants_sizes_and_dates_are_known() {
    for c in checkpoints::builtin().unwrap() {
        let s = QuantScheme::parse(&c.quant).unwrap();
        assert_eq!(s.name(), c.quant, "{}: canonical quant name", c.repo);
        if let Some(b) = c.bytes {
            assert!(b > 0, "{}", c.repo);
        }
        assert!(
            c.read.len() == 10 && c.read.as_str() <= "2026-12-31",
            "{}",
            c.read
        );
        assert!(!c.source.trim().is_empty(), "{}", c.repo);
        if c.format == CheckpointFormat::Gguf {
            assert!(s.is_gguf(), "{}", c.repo);
        }
    }
}

/// The published size against the catalog's estimate for the same quantization. The band is
/// wide on purpose: it catches a wrong repo or a typo (a 2× gap), not a publisher's mix; the
/// plan's own, tighter comparison is `checkpoints::SIZE_TOLERANCE`.
#[test]
fn sizes_agree_with_the_catalog_estimate() {
    let catalog = Catalog::builtin().unwrap();
    let mut far = Vec::new();
    for c in checkpoints::builtin().unwrap() {
        let Some(b) = c.bytes else { continue };
        let m = catalog.model(&c.model).unwrap();
        let est = weights_for_scheme(&m.arch, QuantScheme::parse(&c.quant).unwrap()).bytes;
        let ratio = b as f64 / est as f64;
        println!("{:<28} {:<10} {:<55} {ratio:.3}", c.model, c.quant, c.repo);
        if !(0.75..=1.30).contains(&ratio) {
            far.push(format!(
                "{} {} {}: {ratio:.2}× the estimate",
                c.model, c.quant, c.repo
            ));
        }
    }
    assert!(far.is_empty(), "{far:#?}");
}
