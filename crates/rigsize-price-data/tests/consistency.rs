//! The snapshot's consistency rules, on the shipped file and on small files
//! that break them.

use rigsize_price_data::{PriceFlag, Snapshot, Source};

const META: &str = r#"[meta]
snapshot_date = "2026-02-17"
fx_date = "2026-02-17"
usd_chf = 0.8
eur_chf = 0.94
rmb_chf = 0.11
vat_ch = 1.081
sources = ["test"]
"#;

fn item(id: &str, line: &str, gb: u32) -> String {
    format!(
        "[[item]]\nid = \"{id}\"\nkind = \"system\"\nname = \"{id}\"\nproduct_line = \"{line}\"\nmemory_gb = {gb}\n\n"
    )
}

fn price(id: &str, chf: f64, source: &str, extra: &str) -> String {
    format!(
        "[[price]]\nitem_id = \"{id}\"\nprice_chf = {chf:.2}\nretailer = \"shop\"\nobserved_at = \"2026-02-17\"\ncondition = \"new\"\nsource = \"{source}\"\nproduct = \"{id}\"\ncitation = \"test\"\n{extra}\n"
    )
}

#[test]
fn a_larger_configuration_cheaper_than_a_smaller_one_needs_a_flag() {
    let items = item("box-64", "box", 64) + &item("box-128", "box", 128);
    let bad = format!(
        "{META}{items}{}{}",
        price("box-64", 2640.0, "snapshot", ""),
        price("box-128", 1200.0, "snapshot", "")
    );
    let e = Snapshot::parse(&bad, "t.toml").unwrap_err().to_string();
    assert!(
        e.contains("larger-config-cheaper") && e.contains("box-128"),
        "{e}"
    );
    let flagged = format!(
        "{META}{items}{}{}",
        price("box-64", 2640.0, "snapshot", ""),
        price(
            "box-128",
            1200.0,
            "snapshot",
            "flags = [\"larger-config-cheaper\"]"
        )
    );
    let s = Snapshot::parse(&flagged, "t.toml").unwrap();
    let flags: Vec<_> = s.flags_for("box-128").into_iter().map(|f| f.flag).collect();
    assert_eq!(flags, [PriceFlag::LargerConfigCheaper]);
    // In order it needs nothing.
    let fine = format!(
        "{META}{items}{}{}",
        price("box-64", 1200.0, "snapshot", ""),
        price("box-128", 2640.0, "snapshot", "")
    );
    assert!(Snapshot::parse(&fine, "t.toml").is_ok());
}

#[test]
fn an_msrp_estimate_below_an_observed_sibling_needs_a_flag() {
    let items = "[[item]]\nid = \"card-a\"\nkind = \"gpu\"\nname = \"A\"\nproduct_line = \"card\"\n\n\
                 [[item]]\nid = \"card-b\"\nkind = \"gpu\"\nname = \"B\"\nproduct_line = \"card\"\n\n";
    let msrp = "vat_factor = 1.081\noriginal_price = 8565.0\noriginal_currency = \"USD\"";
    let bad = format!(
        "{META}{items}{}{}",
        price("card-a", 7691.0, "snapshot", ""),
        price("card-b", 7407.0, "estimate", msrp)
    );
    let e = Snapshot::parse(&bad, "t.toml").unwrap_err().to_string();
    assert!(
        e.contains("msrp-below-observed") && e.contains("7691"),
        "{e}"
    );
    let ok = format!(
        "{META}{items}{}{}",
        price("card-a", 7691.0, "snapshot", ""),
        price(
            "card-b",
            7407.0,
            "estimate",
            &format!("{msrp}\nflags = [\"msrp-below-observed\"]")
        )
    );
    let s = Snapshot::parse(&ok, "t.toml").unwrap();
    let flags: Vec<_> = s.flags_for("card-b").into_iter().map(|f| f.flag).collect();
    assert_eq!(flags, [PriceFlag::Estimate, PriceFlag::MsrpBelowObserved]);
    assert!(s.flags_for("card-a").is_empty());
}

#[test]
fn unknown_flags_and_empty_retire_reasons_are_rejected() {
    let items = item("box-64", "box", 64);
    let e = Snapshot::parse(
        &format!(
            "{META}{items}{}",
            price("box-64", 1.0, "snapshot", "flags = [\"cheap\"]")
        ),
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("unknown flag 'cheap'"), "{e}");
    let e = Snapshot::parse(
        &format!(
            "{META}{items}{}",
            price("box-64", 1.0, "snapshot", "retired = \" \"")
        ),
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("retired needs a reason"), "{e}");
}

#[test]
fn shipped_max_q_msrp_is_flagged_and_the_same_msrp_sibling_price_leads() {
    let s = Snapshot::embedded();
    let ws = s.headline("rtx-pro-6000-ws").unwrap();
    assert_eq!(ws.source, Source::Snapshot);
    // The converted launch MSRP undercuts the observed Workstation price: it
    // stays in the data with its flag and the figures behind it.
    let msrp = s
        .prices
        .iter()
        .find(|p| p.item_id == "rtx-pro-6000-maxq" && p.is_msrp_derived())
        .unwrap();
    assert!(msrp.price_chf < ws.price_chf);
    assert!(msrp.flags.contains(&PriceFlag::MsrpBelowObserved));
    let notes = s.notes_for(msrp);
    let why = notes
        .iter()
        .find(|n| n.flag == PriceFlag::MsrpBelowObserved)
        .expect("Max-Q MSRP flagged");
    assert!(
        why.explanation.contains("7691.00") && why.explanation.contains("rtx-pro-6000-ws"),
        "{}",
        why.explanation
    );
    assert!(msrp
        .to_quote()
        .flags
        .contains(&PriceFlag::MsrpBelowObserved));
    // The price quoted for the Max-Q is the same-MSRP sibling's observed
    // price, an estimate (flagged as one), never below the Workstation price.
    let maxq = s.headline("rtx-pro-6000-maxq").unwrap();
    assert_eq!(maxq.source, Source::Estimate);
    assert!(maxq.price_chf >= ws.price_chf);
    let flags: Vec<_> = s
        .flags_for("rtx-pro-6000-maxq")
        .into_iter()
        .map(|f| f.flag)
        .collect();
    assert_eq!(flags, [PriceFlag::Estimate]);
    // Without the flag the shipped file would not parse.
    let text = include_str!("../../../data/prices.toml");
    let unflagged = text.replace("flags = [\"msrp-below-observed\"]\n", "");
    assert_ne!(unflagged, text);
    let e = match Snapshot::parse(&unflagged, "prices.toml") {
        Ok(_) => panic!("the unflagged Max-Q estimate parsed"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("rtx-pro-6000-maxq"), "{e}");
}

#[test]
fn shipped_ram_uses_the_final_research_figure_not_the_deleted_draft() {
    let s = Snapshot::embedded();
    let cheapest_64 = [
        "kingston-fury-beast-ddr5-5600-64g-cl40",
        "kingston-fury-beast-ddr5-5600-64g-cl36",
    ]
    .iter()
    .filter_map(|id| s.headline(id))
    .map(|p| p.price_chf)
    .fold(f64::INFINITY, f64::min);
    assert_eq!(cheapest_64, 629.0);
    // The draft figures stay traceable, with the reason.
    let retired: Vec<_> = s.retired.iter().map(|p| p.price_chf).collect();
    assert!(
        retired.contains(&145.0) && retired.contains(&300.45),
        "{retired:?}"
    );
    assert!(s
        .retired
        .iter()
        .all(|p| p.retired.as_deref().unwrap().contains("629")));
    assert!(s
        .headline("kingston-fury-beast-ddr5-5600-128g-cl40")
        .is_none());
}

#[test]
fn shipped_memory_configurations_are_in_order_or_flagged() {
    let s = Snapshot::embedded();
    assert!(s.unflagged_contradictions().is_empty());
    let small = s.headline("strix-halo-395-64g").unwrap().price_chf;
    let large = s.headline("strix-halo-395").unwrap().price_chf;
    assert!(small <= large, "64 GB {small} > 128 GB {large}");
    // The PRO workstation is a different system, priced apart.
    assert!(s
        .item("strix-halo-pro-workstation-64g")
        .unwrap()
        .product_line
        .is_none());
    let lines = s.items.iter().filter(|i| i.memory_gb.is_some()).count();
    assert!(lines >= 12, "only {lines} items carry memory_gb");
}

#[test]
fn draft_rows_carry_the_draft_flag() {
    let s = Snapshot::embedded();
    for p in s.prices.iter().filter(|p| p.citation.contains('@')) {
        assert!(p.flags.contains(&PriceFlag::DraftFigure), "line {}", p.line);
    }
}

#[test]
fn research_prebuilt_and_refurbished_offers_are_priced() {
    // BIZON, RECT and Joule pre-builts and the Apple CH refurbished Mac Studio
    // the research priced (prices_notes.md section 3) are all in the snapshot.
    let s = Snapshot::embedded();
    for (retailer, min) in [("BIZON", 8), ("RECT", 5), ("Joule", 4)] {
        let n = s
            .prices
            .iter()
            .filter(|p| {
                p.retailer.contains(retailer) && s.item(&p.item_id).unwrap().kind == "prebuilt"
            })
            .count();
        assert!(n >= min, "{retailer}: {n} pre-built prices");
    }
    let refurb = s
        .prices
        .iter()
        .find(|p| p.retailer == "Apple CH Refurbished Store")
        .expect("Apple refurbished price");
    assert_eq!(refurb.condition, rigsize_price_data::Condition::Refurbished);
}
