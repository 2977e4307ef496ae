//! Reader for toppreise.ch HTML search and product pages.
//!
//! Two strategies, most robust first: schema.org JSON-LD (`ItemList` of
//! `Product`s, `Product` with `Offer`s), which survives visual redesigns; then
//! the page markup via CSS selectors (collected in [`selectors`] so a layout
//! change is a one-place fix). If neither yields prices, the page is reported
//! as "could not parse ... <URL>" — a wrong price is worse than none.
//!
//! The selectors model toppreise.ch's listing and offer markup as far as could be
//! established without network access (`Plugin_Product` / `Plugin_Price` blocks,
//! one row per shop offer); the fixtures in `tests/fixtures/` show the exact
//! shape this reader accepts.

use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::parse::{
    all_amounts, first_amount, product_id_from_url, shipping_amount, Offer, ProductOffers,
    SearchHit, SearchPage,
};

/// CSS selectors for the markup strategy.
pub mod selectors {
    pub const SEARCH_ITEM: &str = ".Plugin_Product";
    pub const SEARCH_NAME: &str = ".productName";
    pub const SEARCH_LINK: &str = "a[href]";
    pub const SEARCH_PRICE: &str = ".Plugin_Price";
    pub const SEARCH_OFFERS: &str = ".offerCount";
    pub const NO_RESULTS: &str = ".noResults";
    pub const OFFER_ROW: &str = ".Plugin_Offer";
    pub const OFFER_SHOP: &str = ".shopName";
    pub const OFFER_PRICE: &str = ".offerPrice";
    pub const OFFER_SHIPPING: &str = ".shippingCost";
    pub const OFFER_TOTAL: &str = ".totalPrice";
    pub const OFFER_RATING: &str = ".shopRating";
    pub const OFFER_LINK: &str = "a[href]";
    pub const PRODUCT_TITLE: &str = "h1";
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("static selector is valid")
}

fn text(e: ElementRef) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_err(what: &str, url: &str, reason: impl Into<String>) -> Error {
    Error::Parse {
        what: what.to_string(),
        url: url.to_string(),
        reason: reason.into(),
    }
}

fn absolute(base: &str, href: &str) -> String {
    if href.starts_with("http://") || href.starts_with("https://") {
        href.to_string()
    } else {
        // base is "scheme://host[:port]/..."; keep the origin.
        let origin_end = base
            .find("://")
            .and_then(|i| base[i + 3..].find('/').map(|j| i + 3 + j))
            .unwrap_or(base.len());
        format!("{}/{}", &base[..origin_end], href.trim_start_matches('/'))
    }
}

fn json_ld(doc: &Html) -> Vec<Value> {
    let mut out = Vec::new();
    for s in doc.select(&sel(r#"script[type="application/ld+json"]"#)) {
        let raw: String = s.text().collect();
        if let Ok(v) = serde_json::from_str::<Value>(&raw) {
            match v {
                Value::Array(a) => out.extend(a),
                Value::Object(ref o) if o.contains_key("@graph") => {
                    if let Some(Value::Array(a)) = o.get("@graph") {
                        out.extend(a.iter().cloned());
                    }
                }
                other => out.push(other),
            }
        }
    }
    out
}

fn is_type(v: &Value, t: &str) -> bool {
    match v.get("@type") {
        Some(Value::String(s)) => s == t,
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(t)),
        _ => false,
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64().filter(|x| x.is_finite() && *x > 0.0),
        Value::String(s) => first_amount(s),
        _ => None,
    }
}

fn check_currency(v: &Value, what: &str, url: &str) -> Result<()> {
    match v.get("priceCurrency").and_then(Value::as_str) {
        Some(c) if c != "CHF" => Err(parse_err(what, url, format!("prices in {c}, not CHF"))),
        _ => Ok(()),
    }
}

/// The `what` of a search page's parse errors.
const SEARCH_PAGE: &str = "toppreise.ch search page";
/// The `what` of a product page's parse errors.
const PRODUCT_PAGE: &str = "toppreise.ch product page";

/// Parses a search result page fetched from `url`.
pub fn parse_search(html: &str, url: &str) -> Result<SearchPage> {
    let doc = Html::parse_document(html);

    // Strategy 1: JSON-LD ItemList.
    if let Some(list) = json_ld(&doc).into_iter().find(|v| is_type(v, "ItemList")) {
        return Ok(SearchPage {
            hits: ld_search_hits(&list, url)?,
            data_from: None,
        });
    }

    // Strategy 2: markup.
    let hits = doc
        .select(&sel(selectors::SEARCH_ITEM))
        .map(|item| markup_search_hit(item, url))
        .collect::<Result<Vec<_>>>()?;
    if hits.is_empty() && doc.select(&sel(selectors::NO_RESULTS)).next().is_none() {
        return Err(parse_err(
            SEARCH_PAGE,
            url,
            "no product list and no 'no results' marker",
        ));
    }
    Ok(SearchPage {
        hits,
        data_from: None,
    })
}

/// The products of a JSON-LD `ItemList`; one without a name or price fails
/// the page rather than being skipped.
fn ld_search_hits(list: &Value, url: &str) -> Result<Vec<SearchHit>> {
    list.get("itemListElement")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|el| ld_search_hit(el, url))
        .collect()
}

fn ld_search_hit(el: &Value, url: &str) -> Result<SearchHit> {
    let p = el.get("item").unwrap_or(el);
    let offers = p.get("offers").unwrap_or(&Value::Null);
    check_currency(offers, SEARCH_PAGE, url)?;
    let name = p
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    let price_min = num(offers.get("lowPrice")).or_else(|| num(offers.get("price")));
    let (Some(price_min), false) = (price_min, name.is_empty()) else {
        return Err(parse_err(
            SEARCH_PAGE,
            url,
            "JSON-LD product without name or price",
        ));
    };
    let purl = p
        .get("url")
        .and_then(Value::as_str)
        .map(|h| absolute(url, h));
    Ok(SearchHit {
        product_id: purl.as_deref().and_then(product_id_from_url),
        name,
        price_min,
        price_max: num(offers.get("highPrice")),
        offer_count: num(offers.get("offerCount")).map(|x| x as u32),
        url: purl,
    })
}

/// One `.Plugin_Product` block of the listing markup.
fn markup_search_hit(item: ElementRef, url: &str) -> Result<SearchHit> {
    let what = SEARCH_PAGE;
    let name = item
        .select(&sel(selectors::SEARCH_NAME))
        .next()
        .map(text)
        .unwrap_or_default();
    let href = item
        .select(&sel(selectors::SEARCH_LINK))
        .next()
        .and_then(|a| a.value().attr("href"))
        .map(|h| absolute(url, h));
    let price_text = item
        .select(&sel(selectors::SEARCH_PRICE))
        .next()
        .map(text)
        .ok_or_else(|| parse_err(what, url, format!("no price block for '{name}'")))?;
    let amounts = all_amounts(&price_text);
    let Some(&price_min) = amounts.first() else {
        return Err(parse_err(
            what,
            url,
            format!("unreadable price '{price_text}'"),
        ));
    };
    if name.is_empty() {
        return Err(parse_err(what, url, "product without a name"));
    }
    let product_id = item
        .value()
        .attr("data-product-id")
        .map(str::to_string)
        .or_else(|| href.as_deref().and_then(product_id_from_url));
    Ok(SearchHit {
        product_id,
        name,
        price_min,
        price_max: amounts.get(1).copied(),
        offer_count: item
            .select(&sel(selectors::SEARCH_OFFERS))
            .next()
            .and_then(|e| first_amount(&text(e)))
            .map(|x| x as u32),
        url: href,
    })
}

/// Parses a product page (its offer list) fetched from `url`.
pub fn parse_product(html: &str, url: &str) -> Result<ProductOffers> {
    let doc = Html::parse_document(html);
    let title = doc.select(&sel(selectors::PRODUCT_TITLE)).next().map(text);

    // Strategy 1: JSON-LD Product with individual offers.
    for v in json_ld(&doc) {
        if !is_type(&v, "Product") {
            continue;
        }
        let list = ld_offer_list(&v);
        if list.is_empty() {
            continue; // an AggregateOffer alone has no shops; try the markup
        }
        let offers = list
            .into_iter()
            .map(|o| ld_offer(o, url))
            .collect::<Result<Vec<_>>>()?;
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(title.clone())
            .unwrap_or_default();
        return Ok(product_offers(url, name, offers));
    }

    // Strategy 2: markup rows.
    let offers = doc
        .select(&sel(selectors::OFFER_ROW))
        .map(|row| markup_offer(row, url))
        .collect::<Result<Vec<_>>>()?;
    if offers.is_empty() {
        return Err(parse_err(
            PRODUCT_PAGE,
            url,
            "no offers found (page layout changed?)",
        ));
    }
    Ok(product_offers(url, title.unwrap_or_default(), offers))
}

fn product_offers(url: &str, name: String, offers: Vec<Offer>) -> ProductOffers {
    ProductOffers {
        product_id: product_id_from_url(url),
        name,
        url: url.to_string(),
        offers,
        data_from: None,
    }
}

/// The individual offers of a JSON-LD `Product`: under an `AggregateOffer`'s
/// `offers`, or `offers` itself as a list.
fn ld_offer_list(v: &Value) -> Vec<&Value> {
    let offers_v = v.get("offers").unwrap_or(&Value::Null);
    match offers_v.get("offers") {
        Some(Value::Array(a)) => a.iter().collect(),
        _ => match offers_v {
            Value::Array(a) => a.iter().collect(),
            _ => vec![],
        },
    }
}

fn ld_offer(o: &Value, url: &str) -> Result<Offer> {
    let what = PRODUCT_PAGE;
    check_currency(o, what, url)?;
    let price =
        num(o.get("price")).ok_or_else(|| parse_err(what, url, "JSON-LD offer without price"))?;
    let shop = o
        .get("seller")
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if shop.is_empty() {
        return Err(parse_err(what, url, "JSON-LD offer without seller"));
    }
    let shipping = o
        .get("shippingDetails")
        .and_then(|s| s.get("shippingRate"))
        .and_then(|r| match r.get("value") {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        });
    Ok(Offer {
        shop,
        price,
        shipping,
        total: shipping.map(|s| price + s),
        rating: None,
        url: o
            .get("url")
            .and_then(Value::as_str)
            .map(|h| absolute(url, h)),
    })
}

/// One `.Plugin_Offer` row of the offer table.
fn markup_offer(row: ElementRef, url: &str) -> Result<Offer> {
    let what = PRODUCT_PAGE;
    let shop = row
        .select(&sel(selectors::OFFER_SHOP))
        .next()
        .map(|e| {
            let t = text(e);
            if t.is_empty() {
                e.value().attr("title").unwrap_or("").to_string()
            } else {
                t
            }
        })
        .unwrap_or_default();
    let price_text = row
        .select(&sel(selectors::OFFER_PRICE))
        .next()
        .map(text)
        .unwrap_or_default();
    let price = first_amount(&price_text)
        .ok_or_else(|| parse_err(what, url, format!("unreadable offer price '{price_text}'")))?;
    if shop.is_empty() {
        return Err(parse_err(what, url, "offer row without shop name"));
    }
    let cell = |s: &str| row.select(&sel(s)).next().map(text);
    Ok(Offer {
        shop,
        price,
        shipping: cell(selectors::OFFER_SHIPPING).and_then(|t| shipping_amount(&t)),
        total: cell(selectors::OFFER_TOTAL).and_then(|t| first_amount(&t)),
        rating: cell(selectors::OFFER_RATING).and_then(|t| first_amount(&t)),
        url: row
            .select(&sel(selectors::OFFER_LINK))
            .next()
            .and_then(|a| a.value().attr("href"))
            .map(|h| absolute(url, h)),
    })
}
