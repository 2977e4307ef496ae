//! Reader for `toppreise-cli` Markdown output.
//!
//! peers.md section 5 documents the content but not the exact layout (the tool's
//! source is not public), so the reader keys on what is documented: a Markdown
//! list of products carrying name, price range, offer count, product id and URL;
//! an offer table with shop, price, shipping, total and rating columns (found by
//! header name, in any order); a `Data from:` timestamp. Anything else is a parse
//! error naming the command, never a guessed price.

use crate::error::{Error, Result};
use crate::parse::{
    all_amounts, first_amount, normalize_product_ref, product_id_from_url, shipping_amount, Offer,
    ProductOffers, SearchHit, SearchPage,
};

fn parse_err(what: &str, origin: &str, reason: impl Into<String>) -> Error {
    Error::Parse {
        what: what.to_string(),
        url: origin.to_string(),
        reason: reason.into(),
    }
}

fn data_from(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let l = l.trim().trim_start_matches(['*', '_', '>', ' ']);
        let idx = l.to_lowercase().find("data from:")?;
        let v = l[idx + "data from:".len()..]
            .trim()
            .trim_matches(['*', '_', ' '])
            .to_string();
        (!v.is_empty()).then_some(v)
    })
}

fn first_url(s: &str) -> Option<String> {
    let start = s.find("https://").or_else(|| s.find("http://"))?;
    let rest = &s[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ')' || c == '>' || c == ']' || c == '|')
        .unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

/// Text of `**bold**` or `[link](..)`, else the line without list marker.
fn item_name(line: &str) -> String {
    if let Some(a) = line.find("**") {
        if let Some(b) = line[a + 2..].find("**") {
            return line[a + 2..a + 2 + b].trim().to_string();
        }
    }
    if let (Some(a), Some(b)) = (line.find('['), line.find("](")) {
        if a < b {
            return line[a + 1..b].trim().to_string();
        }
    }
    line.split(['—', '|'])
        .next()
        .unwrap_or(line)
        .trim()
        .to_string()
}

fn strip_list_marker(line: &str) -> Option<&str> {
    // Top-level items only: no indentation.
    if line.starts_with(' ') || line.starts_with('\t') {
        return None;
    }
    if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some(rest);
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        let rest = &line[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some(r);
        }
    }
    None
}

fn field<'a>(block: &'a str, names: &[&str]) -> Option<&'a str> {
    block.lines().find_map(|l| {
        let t = l.trim().trim_start_matches(['-', '*', ' ']);
        let lower = t.to_lowercase();
        names.iter().find_map(|n| {
            let n = n.to_lowercase();
            let rest = lower.strip_prefix(&n)?;
            let rest_start = t.len() - rest.len();
            let r = t[rest_start..].trim_start_matches(['*', ' ']);
            r.strip_prefix(':')
                .map(|v| v.trim().trim_start_matches(['*', ' ']))
        })
    })
}

/// Parses `toppreise-cli search` output. `origin` names the command for errors.
pub fn parse_search(text: &str, origin: &str) -> Result<SearchPage> {
    let what = "toppreise-cli search output";
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = strip_list_marker(line) {
            blocks.push((rest.to_string(), String::new()));
        } else if let Some(last) = blocks.last_mut() {
            if line.starts_with(' ') || line.starts_with('\t') {
                last.1.push_str(line);
                last.1.push('\n');
            }
        }
    }
    let lower = text.to_lowercase();
    if blocks.is_empty() {
        if lower.contains("no results")
            || lower.contains("no products")
            || lower.contains("0 results")
        {
            return Ok(SearchPage {
                hits: vec![],
                data_from: data_from(text),
            });
        }
        return Err(parse_err(what, origin, "no product list found"));
    }
    let mut hits = Vec::new();
    for (head, body) in blocks {
        let block = format!("{head}\n{body}");
        let name = item_name(&head);
        let price_text = field(&block, &["Price", "Preis", "Prix", "Price range"])
            .map(str::to_string)
            .or_else(|| {
                block
                    .find("CHF")
                    .map(|i| block[i..].lines().next().unwrap_or("").to_string())
            })
            .ok_or_else(|| parse_err(what, origin, format!("no price for '{name}'")))?;
        let amounts = all_amounts(&price_text);
        let price_min = *amounts
            .first()
            .ok_or_else(|| parse_err(what, origin, format!("unreadable price '{price_text}'")))?;
        let url = field(&block, &["URL", "Link"])
            .and_then(first_url)
            .or_else(|| first_url(&block));
        let product_id = field(&block, &["ID", "Product ID"])
            .and_then(|v| normalize_product_ref(v.split_whitespace().next().unwrap_or("")))
            .or_else(|| url.as_deref().and_then(product_id_from_url));
        let offer_count = field(&block, &["Offers", "Angebote", "Offres"])
            .and_then(first_amount)
            .map(|v| v as u32);
        if name.is_empty() {
            return Err(parse_err(what, origin, "product without a name"));
        }
        hits.push(SearchHit {
            product_id,
            name,
            price_min,
            price_max: amounts.get(1).copied(),
            offer_count,
            url,
        });
    }
    Ok(SearchPage {
        hits,
        data_from: data_from(text),
    })
}

fn cells(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(|c| c.trim().to_string()).collect()
}

fn link_text_and_url(cell: &str) -> (String, Option<String>) {
    if let (Some(a), Some(b)) = (cell.find('['), cell.find("](")) {
        if a < b {
            let url = cell[b + 2..].split(')').next().map(str::to_string);
            return (cell[a + 1..b].trim().to_string(), url);
        }
    }
    (cell.trim_matches(['*', ' ']).to_string(), None)
}

/// Names parse errors of the offers reader.
const OFFERS_WHAT: &str = "toppreise-cli offers table";

/// Parses `toppreise-cli product <id> [--section offers]` output.
pub fn parse_offers(text: &str, origin: &str, product_ref: &str) -> Result<ProductOffers> {
    let lines: Vec<&str> = text.lines().collect();
    let header_idx = lines
        .iter()
        .position(|l| is_offer_header(l))
        .ok_or_else(|| {
            parse_err(
                OFFERS_WHAT,
                origin,
                "no offer table (Shop | Price ...) found",
            )
        })?;
    let cols = Columns::from_header(lines[header_idx]);
    let offers = offer_rows(&lines[header_idx + 1..], &cols, origin)?;
    let name = lines
        .iter()
        .find_map(|l| l.strip_prefix("# "))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| product_ref.to_string());
    let url = field(text, &["URL", "Link"])
        .and_then(first_url)
        .unwrap_or_else(|| product_ref.to_string());
    let product_id = normalize_product_ref(product_ref).or_else(|| product_id_from_url(&url));
    Ok(ProductOffers {
        product_id,
        name,
        url,
        offers,
        data_from: data_from(text),
    })
}

/// A table row naming both a shop and a price column, in any of the
/// tool's languages: the offer table's header.
fn is_offer_header(line: &str) -> bool {
    let l = line.to_lowercase();
    l.trim_start().starts_with('|')
        && (l.contains("shop") || l.contains("händler") || l.contains("boutique"))
        && (l.contains("price") || l.contains("preis") || l.contains("prix"))
}

/// Column positions, found by header name since the layout is undocumented.
struct Columns {
    shop: usize,
    price: usize,
    shipping: Option<usize>,
    total: Option<usize>,
    rating: Option<usize>,
}

impl Columns {
    /// From a line that [`is_offer_header`] accepted. An exact "price" header
    /// wins over one that merely contains it ("price incl. shipping").
    fn from_header(line: &str) -> Columns {
        let header: Vec<String> = cells(line).into_iter().map(|c| c.to_lowercase()).collect();
        let col = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.iter().any(|n| h.contains(n)))
        };
        Columns {
            shop: col(&["shop", "händler", "boutique"]).expect("checked above"),
            price: header
                .iter()
                .position(|h| h == "price" || h == "preis" || h == "prix")
                .or_else(|| col(&["price", "preis", "prix"]))
                .expect("checked above"),
            shipping: col(&["shipping", "versand", "livraison"]),
            total: col(&["total"]),
            rating: col(&["rating", "bewertung", "évaluation"]),
        }
    }
}

/// The offers from the lines after the header, up to the table's end; an
/// empty table is an error rather than "no offers".
fn offer_rows(lines: &[&str], cols: &Columns, origin: &str) -> Result<Vec<Offer>> {
    let mut offers = Vec::new();
    for line in lines {
        let t = line.trim();
        if !t.starts_with('|') {
            break;
        }
        if t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) {
            continue;
        }
        offers.push(offer_row(t, cols, origin)?);
    }
    if offers.is_empty() {
        return Err(parse_err(OFFERS_WHAT, origin, "offer table has no rows"));
    }
    Ok(offers)
}

/// One offer; a row without a readable price or a shop is an error, never
/// a guessed offer.
fn offer_row(t: &str, cols: &Columns, origin: &str) -> Result<Offer> {
    let row = cells(t);
    let get = |i: Option<usize>| i.and_then(|i| row.get(i)).map(String::as_str);
    let (shop, url) = link_text_and_url(get(Some(cols.shop)).unwrap_or(""));
    let price_cell = get(Some(cols.price)).unwrap_or("");
    let price = first_amount(price_cell).ok_or_else(|| {
        parse_err(
            OFFERS_WHAT,
            origin,
            format!("unreadable price '{price_cell}' for shop '{shop}'"),
        )
    })?;
    if shop.is_empty() {
        return Err(parse_err(OFFERS_WHAT, origin, "offer row without shop"));
    }
    Ok(Offer {
        shop,
        price,
        shipping: get(cols.shipping).and_then(shipping_amount),
        total: get(cols.total).and_then(first_amount),
        rating: get(cols.rating).and_then(first_amount),
        url,
    })
}
