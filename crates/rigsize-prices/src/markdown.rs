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

/// Parses `toppreise-cli product <id> [--section offers]` output.
pub fn parse_offers(text: &str, origin: &str, product_ref: &str) -> Result<ProductOffers> {
    let what = "toppreise-cli offers table";
    let lines: Vec<&str> = text.lines().collect();
    let header_idx = lines
        .iter()
        .position(|l| {
            let l = l.to_lowercase();
            l.trim_start().starts_with('|')
                && (l.contains("shop") || l.contains("händler") || l.contains("boutique"))
                && (l.contains("price") || l.contains("preis") || l.contains("prix"))
        })
        .ok_or_else(|| parse_err(what, origin, "no offer table (Shop | Price ...) found"))?;
    let header: Vec<String> = cells(lines[header_idx])
        .into_iter()
        .map(|c| c.to_lowercase())
        .collect();
    let col = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.contains(n)))
    };
    let shop_c = col(&["shop", "händler", "boutique"]).expect("checked above");
    let price_c = header
        .iter()
        .position(|h| h == "price" || h == "preis" || h == "prix")
        .or_else(|| col(&["price", "preis", "prix"]))
        .expect("checked above");
    let ship_c = col(&["shipping", "versand", "livraison"]);
    let total_c = col(&["total"]);
    let rating_c = col(&["rating", "bewertung", "évaluation"]);

    let mut offers = Vec::new();
    for line in lines.iter().skip(header_idx + 1) {
        let t = line.trim();
        if !t.starts_with('|') {
            break;
        }
        if t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) {
            continue;
        }
        let row = cells(t);
        let get = |i: Option<usize>| i.and_then(|i| row.get(i)).map(String::as_str);
        let (shop, url) = link_text_and_url(get(Some(shop_c)).unwrap_or(""));
        let price_cell = get(Some(price_c)).unwrap_or("");
        let price = first_amount(price_cell).ok_or_else(|| {
            parse_err(
                what,
                origin,
                format!("unreadable price '{price_cell}' for shop '{shop}'"),
            )
        })?;
        if shop.is_empty() {
            return Err(parse_err(what, origin, "offer row without shop"));
        }
        offers.push(Offer {
            shop,
            price,
            shipping: get(ship_c).and_then(shipping_amount),
            total: get(total_c).and_then(first_amount),
            rating: get(rating_c).and_then(first_amount),
            url,
        });
    }
    if offers.is_empty() {
        return Err(parse_err(what, origin, "offer table has no rows"));
    }
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
