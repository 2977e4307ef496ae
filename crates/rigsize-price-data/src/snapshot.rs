//! The dated offline price snapshot (`data/prices.toml`), parsed strictly.
//!
//! Strict parsing (`deny_unknown_fields`, every id checked) because a typo in a
//! hand-maintained price file would otherwise silently drop a price.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::Result;
use crate::flags::{record_flags, PriceFlag};
use crate::quote::{Condition, PriceQuote, Source};

mod validate;

use validate::{line_of, parse_items, parse_prices, At, RawFile};

/// File name used in error messages for the embedded snapshot.
pub const EMBEDDED_NAME: &str = "data/prices.toml";
const EMBEDDED: &str = include_str!("../../../data/prices.toml");

/// Conversion assumptions stated in the file header.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub snapshot_date: String,
    pub fx_date: String,
    pub usd_chf: f64,
    pub eur_chf: f64,
    pub rmb_chf: f64,
    pub vat_ch: f64,
    pub sources: Vec<String>,
}

impl Meta {
    /// CHF per unit of `currency` as stated in the file; `None` for unknown currencies.
    pub fn rate(&self, currency: &str) -> Option<f64> {
        match currency {
            "CHF" => Some(1.0),
            "USD" => Some(self.usd_chf),
            "EUR" => Some(self.eur_chf),
            "RMB" | "CNY" => Some(self.rmb_chf),
            _ => None,
        }
    }
}

/// A buyable thing (or a named stand-in) that prices attach to.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub hardware_id: Option<String>,
    pub search_term: Option<String>,
    pub toppreise_ids: Vec<String>,
    /// `Some("nonexistent")` for products the research claimed but that do not exist.
    pub status: Option<String>,
    pub note: Option<String>,
    /// Items of one product line (editions of one card, memory configurations
    /// of one system) are compared by the consistency rules (`flags`).
    pub product_line: Option<String>,
    /// Memory of this configuration, GB as sold; with `product_line`, a larger
    /// configuration must not be cheaper without a flag.
    pub memory_gb: Option<f64>,
}

impl Item {
    /// Claimed-but-nonexistent products are kept for traceability only.
    pub fn exists(&self) -> bool {
        self.status.as_deref() != Some("nonexistent")
    }
}

/// One observation from the snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceRecord {
    pub item_id: String,
    pub price_chf: f64,
    pub retailer: String,
    pub url: Option<String>,
    pub observed_at: String,
    pub condition: Condition,
    pub source: Source,
    pub original_price: Option<f64>,
    pub original_currency: Option<String>,
    pub quantity: u32,
    pub vat_factor: Option<f64>,
    pub product: String,
    pub citation: String,
    pub note: Option<String>,
    /// Caveats the data carries (`flags = [...]` in the file).
    pub flags: Vec<PriceFlag>,
    /// Why a retired record no longer counts (kept for traceability only).
    pub retired: Option<String>,
    /// 1-based line of the `[[price]]` record, for error messages.
    pub line: usize,
}

impl PriceRecord {
    /// A launch-MSRP conversion (the generator's only use of `vat_factor`).
    pub fn is_msrp_derived(&self) -> bool {
        self.source == Source::Estimate && self.vat_factor.is_some()
    }

    /// The record as a quote, labelled snapshot or estimate.
    pub fn to_quote(&self) -> PriceQuote {
        let mut note = self.note.clone().unwrap_or_default();
        if let (Some(p), Some(c)) = (self.original_price, &self.original_currency) {
            let q = if self.quantity > 1 {
                format!(" for {}", self.quantity)
            } else {
                String::new()
            };
            note = format!("written {c} {p}{q}; {note}");
        }
        PriceQuote {
            item_id: self.item_id.clone(),
            name: self.product.clone(),
            price_chf: self.price_chf,
            shipping_chf: None,
            retailer: self.retailer.clone(),
            url: self.url.clone(),
            observed_at: self.observed_at.clone(),
            source: self.source,
            condition: self.condition,
            note: (!note.is_empty()).then_some(note),
            flags: record_flags(self),
        }
    }
}

/// The parsed snapshot with lookup indices.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub meta: Meta,
    pub items: Vec<Item>,
    /// Observations that count.
    pub prices: Vec<PriceRecord>,
    /// Observations withdrawn with a reason (`retired = "..."`): never priced.
    pub retired: Vec<PriceRecord>,
    by_id: HashMap<String, usize>,
}

/// Accepts `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (the precisions the research uses).
pub fn is_iso_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let ok_len = matches!(parts.len(), 1..=3);
    ok_len
        && parts[0].len() == 4
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && parts.iter().skip(1).all(|p| p.len() == 2)
        && (parts.len() < 2 || (1..=12).contains(&parts[1].parse::<u32>().unwrap_or(0)))
        && (parts.len() < 3 || (1..=31).contains(&parts[2].parse::<u32>().unwrap_or(0)))
}

impl Snapshot {
    /// The snapshot compiled into the binary. Panics only if the shipped file is
    /// broken, which the crate's tests rule out.
    pub fn embedded() -> &'static Snapshot {
        static SNAP: OnceLock<Snapshot> = OnceLock::new();
        SNAP.get_or_init(|| {
            Snapshot::parse(EMBEDDED, EMBEDDED_NAME)
                .unwrap_or_else(|e| panic!("embedded price snapshot is invalid: {e}"))
        })
    }

    /// Parses and validates a snapshot; errors name `file` and the line.
    pub fn parse(text: &str, file: &str) -> Result<Snapshot> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
            At { file, line }.err(e.message().to_string())
        })?;
        let (items, by_id) = parse_items(raw.item, text, file)?;
        let (prices, retired) = parse_prices(raw.price, &raw.meta, &by_id, text, file)?;
        let snap = Snapshot {
            meta: raw.meta,
            items,
            prices,
            retired,
            by_id,
        };
        if let Some((line, flag, why)) = snap.unflagged_contradictions().into_iter().next() {
            return Err(At { file, line }.err(format!(
                "{why}: add flags = [\"{}\"] to the record (or fix the figure)",
                flag.as_str()
            )));
        }
        Ok(snap)
    }

    /// Item by exact id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.by_id.get(id).map(|&i| &self.items[i])
    }

    /// The item whose toppreise product id (digits) is `pid`.
    pub fn item_by_toppreise_id(&self, pid: &str) -> Option<&Item> {
        self.items
            .iter()
            .find(|i| i.toppreise_ids.iter().any(|t| t == pid))
    }

    /// Ids of `id` itself plus every item that names it as `hardware_id`.
    pub fn ids_with_variants(&self, id: &str) -> HashSet<String> {
        let mut ids: HashSet<String> = self
            .items
            .iter()
            .filter(|i| i.hardware_id.as_deref() == Some(id) && i.exists())
            .map(|i| i.id.clone())
            .collect();
        ids.insert(id.to_string());
        ids
    }

    /// Snapshot records for an item and its variants.
    pub fn records_for<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a PriceRecord> + 'a {
        let ids = self.ids_with_variants(id);
        self.prices.iter().filter(move |p| ids.contains(&p.item_id))
    }

    /// Items matching every token of `query` (case-insensitive) in id, search
    /// term or name (parenthetical remarks excluded, so "RTX PRO 6000" does not
    /// match a workstation that merely fits one). Items matched through id or
    /// search term come first.
    pub fn find_items(&self, query: &str) -> Vec<&Item> {
        let tokens = tokens(query);
        if tokens.is_empty() {
            return Vec::new();
        }
        let mut strong = Vec::new();
        let mut weak = Vec::new();
        for item in self.items.iter().filter(|i| i.exists()) {
            let key = format!(
                "{} {}",
                item.id.replace('-', " "),
                item.search_term.as_deref().unwrap_or("")
            );
            let key_tokens = tokens_of(&key);
            let name_tokens = tokens_of(&strip_parens(&item.name));
            let all_in = |hay: &[String]| tokens.iter().all(|t| hay.contains(t));
            if item.id == query.trim() || all_in(&key_tokens) {
                strong.push(item);
            } else if all_in(&[key_tokens, name_tokens].concat()) {
                weak.push(item);
            }
        }
        strong.extend(weak);
        strong
    }
}

fn strip_parens(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn tokens_of(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Lowercase alphanumeric tokens of a query ("RTX PRO 6000" -> rtx, pro, 6000).
pub fn tokens(query: &str) -> Vec<String> {
    tokens_of(query)
}
