//! The raw shapes of `data/prices.toml` and the per-record checks that turn
//! them into [`Item`]s and [`PriceRecord`]s; kept apart from the lookups so
//! the strict rules read in one place.

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use super::{is_iso_date, Item, Meta, PriceRecord};
use crate::error::{Error, Result};
use crate::flags::PriceFlag;
use crate::quote::{Condition, Source};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) meta: Meta,
    pub(super) item: Vec<Spanned<RawItem>>,
    pub(super) price: Vec<Spanned<RawPrice>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawItem {
    id: String,
    kind: String,
    name: String,
    hardware_id: Option<String>,
    search_term: Option<String>,
    #[serde(default)]
    toppreise_ids: Vec<String>,
    status: Option<String>,
    note: Option<String>,
    product_line: Option<String>,
    memory_gb: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrice {
    item_id: String,
    price_chf: f64,
    retailer: String,
    url: Option<String>,
    observed_at: String,
    condition: String,
    source: String,
    original_price: Option<f64>,
    original_currency: Option<String>,
    quantity: Option<u32>,
    vat_factor: Option<f64>,
    product: String,
    citation: String,
    note: Option<String>,
    #[serde(default)]
    flags: Vec<String>,
    retired: Option<String>,
}

const KINDS: &[&str] = &[
    "gpu",
    "system",
    "prebuilt",
    "accelerator",
    "cpu",
    "motherboard",
    "ram",
    "storage",
    "psu",
    "case",
    "cooler",
    "nvlink_bridge",
    "network",
    "upgrade",
    "misc",
];

pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Where a record sits, so every validation error names file and line alike.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    pub(super) file: &'a str,
    pub(super) line: usize,
}

impl At<'_> {
    pub(super) fn err(self, message: String) -> Error {
        Error::Snapshot {
            file: self.file.to_string(),
            line: self.line,
            message,
        }
    }
}

/// Validates the `[[item]]` records in file order; the id index comes back
/// too because every price must name a known item.
pub(super) fn parse_items(
    raw: Vec<Spanned<RawItem>>,
    text: &str,
    file: &str,
) -> Result<(Vec<Item>, HashMap<String, usize>)> {
    let mut items = Vec::new();
    let mut by_id = HashMap::new();
    for sp in raw {
        let at = At {
            file,
            line: line_of(text, sp.span().start),
        };
        let r = sp.into_inner();
        check_item(&r, at)?;
        if by_id.insert(r.id.clone(), items.len()).is_some() {
            return Err(at.err(format!("duplicate item id '{}'", r.id)));
        }
        items.push(Item {
            id: r.id,
            kind: r.kind,
            name: r.name,
            hardware_id: r.hardware_id,
            search_term: r.search_term,
            toppreise_ids: r.toppreise_ids,
            status: r.status,
            note: r.note,
            product_line: r.product_line,
            memory_gb: r.memory_gb,
        });
    }
    Ok((items, by_id))
}

/// The per-item checks that need no other record: id shape, kind, status.
fn check_item(r: &RawItem, at: At) -> Result<()> {
    if !is_kebab(&r.id) {
        return Err(at.err(format!("item id '{}' is not kebab-case", r.id)));
    }
    if !KINDS.contains(&r.kind.as_str()) {
        return Err(at.err(format!("item '{}': unknown kind '{}'", r.id, r.kind)));
    }
    if let Some(s) = &r.status {
        if s != "nonexistent" {
            return Err(at.err(format!("item '{}': unknown status '{s}'", r.id)));
        }
    }
    Ok(())
}

/// Validates the `[[price]]` records and splits them into counting and
/// retired ones, keeping file order within each.
pub(super) fn parse_prices(
    raw: Vec<Spanned<RawPrice>>,
    meta: &Meta,
    by_id: &HashMap<String, usize>,
    text: &str,
    file: &str,
) -> Result<(Vec<PriceRecord>, Vec<PriceRecord>)> {
    let mut prices = Vec::new();
    let mut retired = Vec::new();
    for sp in raw {
        let at = At {
            file,
            line: line_of(text, sp.span().start),
        };
        let rec = price_record(sp.into_inner(), meta, by_id, at)?;
        if rec.retired.is_some() {
            retired.push(rec);
        } else {
            prices.push(rec);
        }
    }
    Ok((prices, retired))
}

/// One price record, checked in a fixed order so the first problem reported
/// for a record is stable.
fn price_record(
    r: RawPrice,
    meta: &Meta,
    by_id: &HashMap<String, usize>,
    at: At,
) -> Result<PriceRecord> {
    if !by_id.contains_key(&r.item_id) {
        return Err(at.err(format!("price for unknown item '{}'", r.item_id)));
    }
    let condition = Condition::parse(&r.condition)
        .ok_or_else(|| at.err(format!("unknown condition '{}'", r.condition)))?;
    let source = parse_source(&r.source).ok_or_else(|| {
        at.err(format!(
            "source must be snapshot or estimate, not '{}'",
            r.source
        ))
    })?;
    check_price_figures(&r, meta, at)?;
    let flags = parse_flags(&r.flags, at)?;
    if r.retired.as_deref().is_some_and(|w| w.trim().is_empty()) {
        return Err(at.err("retired needs a reason".into()));
    }
    Ok(PriceRecord {
        item_id: r.item_id,
        price_chf: r.price_chf,
        retailer: r.retailer,
        url: r.url,
        observed_at: r.observed_at,
        condition,
        source,
        original_price: r.original_price,
        original_currency: r.original_currency,
        quantity: r.quantity.unwrap_or(1).max(1),
        vat_factor: r.vat_factor,
        product: r.product,
        citation: r.citation,
        note: r.note,
        flags,
        retired: r.retired,
        line: at.line,
    })
}

/// The file spells the source as a word; only these two are data sources.
fn parse_source(s: &str) -> Option<Source> {
    match s {
        "snapshot" => Some(Source::Snapshot),
        "estimate" => Some(Source::Estimate),
        _ => None,
    }
}

/// Price, date and currency checks: a bad figure must fail loudly rather
/// than skew a plan.
fn check_price_figures(r: &RawPrice, meta: &Meta, at: At) -> Result<()> {
    if !(r.price_chf.is_finite() && r.price_chf > 0.0) {
        return Err(at.err(format!("price_chf {} is not positive", r.price_chf)));
    }
    if !is_iso_date(&r.observed_at) {
        return Err(at.err(format!(
            "observed_at '{}' is not an ISO date",
            r.observed_at
        )));
    }
    if let Some(c) = &r.original_currency {
        if meta.rate(c).is_none() {
            return Err(at.err(format!("no stated rate for currency '{c}'")));
        }
        if r.original_price.is_none() {
            return Err(at.err("original_currency without original_price".into()));
        }
    }
    Ok(())
}

/// Data flags; an unknown one is an error rather than ignored, so a typo in
/// a hand-written flag cannot pass unnoticed.
fn parse_flags(flags: &[String], at: At) -> Result<Vec<PriceFlag>> {
    flags
        .iter()
        .map(|f| {
            PriceFlag::parse_data(f).ok_or_else(|| {
                at.err(format!(
                    "unknown flag '{f}' (msrp-below-observed, larger-config-cheaper, draft-figure)"
                ))
            })
        })
        .collect()
}
