//! Shared shapes of live results and CHF amount parsing.
//!
//! Swiss prices are written many ways ("CHF 7'691.00", "7’691.–", "7,691.00",
//! "Fr. 7691"); one parser for all of them keeps the Markdown and HTML readers
//! consistent, and returns `None` rather than a guess.

use regex::Regex;
use std::sync::OnceLock;

/// One product in a search result list.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// toppreise product id, digits only.
    pub product_id: Option<String>,
    pub name: String,
    /// Lowest offer in CHF.
    pub price_min: f64,
    pub price_max: Option<f64>,
    pub offer_count: Option<u32>,
    pub url: Option<String>,
}

/// A search result page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    /// The source's own "Data from" timestamp, if it gives one.
    pub data_from: Option<String>,
}

/// One shop offer of a product.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub shop: String,
    pub price: f64,
    pub shipping: Option<f64>,
    pub total: Option<f64>,
    /// Shop rating on toppreise's 6-point scale.
    pub rating: Option<f64>,
    pub url: Option<String>,
}

/// A product page's offers.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductOffers {
    pub product_id: Option<String>,
    pub name: String,
    pub url: String,
    pub offers: Vec<Offer>,
    pub data_from: Option<String>,
}

fn amount_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\d(?:[\d'’,.]*\d)?").expect("valid regex"))
}

fn pid_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"-p(\d+)(?:[/?#]|$)").expect("valid regex"))
}

/// Parses one amount token ("7'691.00", "7,691", "7.691,50", "2224") to CHF.
pub fn parse_amount_token(tok: &str) -> Option<f64> {
    let t: String = tok.chars().filter(|c| *c != '\'' && *c != '’').collect();
    let commas = t.matches(',').count();
    let dots = t.matches('.').count();
    let normalized = if commas > 0 && dots > 0 {
        // Whichever comes last is the decimal separator.
        if t.rfind(',') > t.rfind('.') {
            t.replace('.', "").replace(',', ".")
        } else {
            t.replace(',', "")
        }
    } else if commas == 1 && t.len() - t.rfind(',')? - 1 == 2 {
        t.replace(',', ".")
    } else if commas > 0 {
        t.replace(',', "")
    } else if dots > 1 || (dots == 1 && t.len() - t.rfind('.')? - 1 == 3) {
        // "7.691" or "1.234.567": dots as thousands separators.
        t.replace('.', "")
    } else {
        t
    };
    let v: f64 = normalized.parse().ok()?;
    (v.is_finite() && v > 0.0).then_some(v)
}

/// The first CHF amount in free text ("CHF 7'691.00 – 8'990.00" -> 7691.0).
pub fn first_amount(s: &str) -> Option<f64> {
    amount_re()
        .find(s)
        .and_then(|m| parse_amount_token(m.as_str()))
}

/// All amounts in free text, in order.
pub fn all_amounts(s: &str) -> Vec<f64> {
    amount_re()
        .find_iter(s)
        .filter_map(|m| parse_amount_token(m.as_str()))
        .collect()
}

/// A shipping cell: "free"/"gratis"/"kostenlos" -> 0, an amount, or unknown.
pub fn shipping_amount(s: &str) -> Option<f64> {
    let l = s.to_lowercase();
    if ["free", "gratis", "kostenlos", "gratuit"]
        .iter()
        .any(|w| l.contains(w))
    {
        return Some(0.0);
    }
    if amount_re().find(s).is_some_and(|m| m.as_str() == "0") || l.contains("0.00") {
        return Some(0.0);
    }
    first_amount(s)
}

/// toppreise product id from a URL ("...-p833823" -> "833823").
pub fn product_id_from_url(url: &str) -> Option<String> {
    pid_re().captures(url).map(|c| c[1].to_string())
}

/// Normalises "833823", "p833823" or a toppreise URL to the digits.
pub fn normalize_product_ref(s: &str) -> Option<String> {
    let s = s.trim();
    let digits = s.strip_prefix('p').unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(digits.to_string());
    }
    product_id_from_url(s)
}
