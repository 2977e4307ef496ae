//! Markdown (toppreise-cli) and HTML (toppreise.ch) readers on fixtures.

use rigsize_prices::parse::{first_amount, normalize_product_ref, parse_amount_token};
use rigsize_prices::{html, markdown, Error};

mod common;
use common::fixture;

#[test]
fn swiss_amounts() {
    assert_eq!(parse_amount_token("7'691.00"), Some(7691.0));
    assert_eq!(parse_amount_token("7’691"), Some(7691.0));
    assert_eq!(parse_amount_token("7,691.50"), Some(7691.5));
    assert_eq!(parse_amount_token("7.691,50"), Some(7691.5));
    assert_eq!(parse_amount_token("1652,80"), Some(1652.8));
    assert_eq!(parse_amount_token("2224"), Some(2224.0));
    assert_eq!(first_amount("CHF 7'990.– incl. VAT"), Some(7990.0));
    assert_eq!(first_amount("price on request"), None);
    assert_eq!(normalize_product_ref("p833823").as_deref(), Some("833823"));
    assert_eq!(
        normalize_product_ref("https://www.toppreise.ch/price-comparison/x/Foo-p804716").as_deref(),
        Some("804716")
    );
    assert_eq!(normalize_product_ref("rtx-5090"), None);
}

#[test]
fn cli_search_list() {
    let page = markdown::parse_search(&fixture("cli_search_rtx_pro_6000.md"), "cli").unwrap();
    assert_eq!(page.data_from.as_deref(), Some("2026-02-17 09:41 UTC"));
    assert_eq!(page.hits.len(), 3);
    let h = &page.hits[0];
    assert_eq!(
        h.name,
        "NVIDIA RTX Pro 6000 Blackwell Workstation (900-5G144-2200-000)"
    );
    assert_eq!(h.price_min, 7691.0);
    assert_eq!(h.price_max, Some(8912.0));
    assert_eq!(h.offer_count, Some(14));
    assert_eq!(h.product_id.as_deref(), Some("833823"));
    assert!(h.url.as_deref().unwrap().ends_with("-p833823"));
    assert_eq!(page.hits[2].price_min, 8120.5);
    assert_eq!(page.hits[2].price_max, None);
}

#[test]
fn cli_search_no_results_is_empty_not_error() {
    let page = markdown::parse_search(&fixture("cli_search_no_results.md"), "cli").unwrap();
    assert!(page.hits.is_empty());
}

#[test]
fn cli_offers_table() {
    let p =
        markdown::parse_offers(&fixture("cli_product_833823_offers.md"), "cli", "833823").unwrap();
    assert_eq!(p.product_id.as_deref(), Some("833823"));
    assert_eq!(
        p.name,
        "NVIDIA RTX Pro 6000 Blackwell Workstation (900-5G144-2200-000)"
    );
    assert_eq!(p.offers.len(), 4);
    let o = &p.offers[0];
    assert_eq!(
        (o.shop.as_str(), o.price, o.shipping, o.total, o.rating),
        ("Techmania", 7691.0, Some(0.0), Some(7691.0), Some(5.3))
    );
    assert!(o.url.as_deref().unwrap().contains("techmania"));
    assert_eq!(p.offers[2].shop, "Brack.ch");
    assert_eq!(p.offers[2].price, 7990.0);
    assert_eq!(p.offers[2].shipping, Some(9.0));
    assert_eq!(p.offers[3].total, Some(8919.9));
}

#[test]
fn cli_changed_output_is_a_parse_error() {
    let e = markdown::parse_offers(
        &fixture("cli_offers_changed.md"),
        "`toppreise-cli product 833823`",
        "833823",
    )
    .unwrap_err();
    assert!(matches!(e, Error::Parse { .. }));
    let msg = e.to_string();
    assert!(msg.starts_with("could not parse"), "{msg}");
    assert!(msg.contains("toppreise-cli product 833823"), "{msg}");
    let e = markdown::parse_search("Service temporarily unavailable", "cli").unwrap_err();
    assert!(e.to_string().contains("could not parse"));
}

#[test]
fn html_search_markup() {
    let url = "http://127.0.0.1:9/produktsuche?q=RTX+PRO+6000";
    let page = html::parse_search(&fixture("html_search_rtx_pro_6000.html"), url).unwrap();
    assert_eq!(page.hits.len(), 2);
    let h = &page.hits[0];
    assert_eq!(h.product_id.as_deref(), Some("833823"));
    assert_eq!(
        (h.price_min, h.price_max, h.offer_count),
        (7691.0, Some(8912.0), Some(14))
    );
    assert!(h
        .url
        .as_deref()
        .unwrap()
        .starts_with("http://127.0.0.1:9/price-comparison/"));
    assert_eq!(page.hits[1].price_min, 7848.0);
    let none = html::parse_search(&fixture("html_search_no_results.html"), url).unwrap();
    assert!(none.hits.is_empty());
}

#[test]
fn html_product_json_ld_and_markup_agree() {
    let url = "http://127.0.0.1:9/price-comparison/Graphics-cards/X-p833823";
    let a = html::parse_product(&fixture("html_product_833823.html"), url).unwrap();
    let b = html::parse_product(&fixture("html_product_833823_markup.html"), url).unwrap();
    assert_eq!(a.product_id.as_deref(), Some("833823"));
    let prices = |p: &rigsize_prices::parse::ProductOffers| {
        p.offers
            .iter()
            .map(|o| (o.shop.clone(), o.price))
            .collect::<Vec<_>>()
    };
    assert_eq!(prices(&a), prices(&b));
    assert_eq!(a.offers[2].shipping, Some(7.9));
    assert_eq!(b.offers[2].shipping, Some(7.9));
    assert_eq!(b.offers[0].shipping, Some(0.0));
    assert_eq!(b.offers[1].rating, Some(5.5));
}

#[test]
fn html_changed_layout_names_url_and_gives_no_price() {
    let url = "http://127.0.0.1:9/price-comparison/Graphics-cards/X-p833823";
    let e = html::parse_product(&fixture("html_product_changed_layout.html"), url).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("could not parse toppreise.ch product page"),
        "{msg}"
    );
    assert!(msg.contains(url), "{msg}");
    let e = html::parse_search("<html><body><p>CHF 19.90</p></body></html>", url).unwrap_err();
    assert!(e.to_string().contains(url));
}

#[test]
fn html_non_chf_currency_is_rejected() {
    let page = fixture("html_product_833823.html")
        .replace("\"priceCurrency\":\"CHF\"", "\"priceCurrency\":\"EUR\"");
    let e = html::parse_product(&page, "http://x/p-p1").unwrap_err();
    assert!(e.to_string().contains("EUR"));
}
