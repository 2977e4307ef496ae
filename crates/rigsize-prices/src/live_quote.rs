//! Live search hits and product offers as [`PriceQuote`]s, named after the
//! catalog item they belong to where the snapshot knows the product.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::parse::{ProductOffers, SearchHit};
use crate::quote::{Condition, PriceQuote, Source};
use crate::snapshot::Snapshot;

pub(crate) fn now_rfc3339(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) fn item_id_for(snapshot: &Snapshot, pid: Option<&str>) -> String {
    match pid {
        Some(p) => snapshot
            .item_by_toppreise_id(p)
            .map(|i| i.id.clone())
            .unwrap_or_else(|| format!("toppreise-p{p}")),
        None => "toppreise-unknown".into(),
    }
}

pub(crate) fn hit_quote(snapshot: &Snapshot, h: &SearchHit, label: &str, at: &str) -> PriceQuote {
    let offers = h
        .offer_count
        .map(|n| format!(" of {n} offers"))
        .unwrap_or_default();
    PriceQuote {
        item_id: item_id_for(snapshot, h.product_id.as_deref()),
        name: h.name.clone(),
        price_chf: h.price_min,
        shipping_chf: None,
        retailer: format!("{label} (lowest{offers})"),
        url: h.url.clone(),
        observed_at: at.to_string(),
        source: Source::Live,
        condition: Condition::New,
        note: h.price_max.map(|m| format!("range up to CHF {m:.2}")),
        flags: Vec::new(),
    }
}

pub(crate) fn offer_quotes(
    snapshot: &Snapshot,
    p: &ProductOffers,
    at: &str,
    item: Option<&str>,
) -> Vec<PriceQuote> {
    let item_id = item
        .map(str::to_string)
        .unwrap_or_else(|| item_id_for(snapshot, p.product_id.as_deref()));
    p.offers
        .iter()
        .map(|o| PriceQuote {
            item_id: item_id.clone(),
            name: p.name.clone(),
            price_chf: o.price,
            shipping_chf: o.shipping,
            retailer: o.shop.clone(),
            url: o.url.clone().or_else(|| Some(p.url.clone())),
            observed_at: at.to_string(),
            source: Source::Live,
            condition: Condition::New,
            note: o.rating.map(|r| format!("shop rating {r}/6")),
            flags: Vec::new(),
        })
        .collect()
}
