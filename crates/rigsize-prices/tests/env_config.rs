//! `RIGSIZE_TOPPREISE_URL` / `RIGSIZE_CACHE_DIR` / `RIGSIZE_TOPPREISE_CLI` (own
//! process: environment variables are global).

use rigsize_prices::{CliChoice, Config};

#[test]
fn environment_overrides() {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("RIGSIZE_TOPPREISE_URL", "http://127.0.0.1:9");
    std::env::set_var("RIGSIZE_CACHE_DIR", dir.path());
    std::env::set_var("RIGSIZE_TOPPREISE_CLI", "none");
    let c = Config::from_env();
    assert_eq!(c.http.base_url, "http://127.0.0.1:9");
    assert_eq!(c.cli, CliChoice::Disabled);
    assert_eq!(rigsize_prices::cache::default_dir().unwrap(), dir.path());
    let r = rigsize_prices::search(
        "Threadripper 7960X",
        rigsize_prices::Sort::PriceAsc,
        3,
        rigsize_prices::Mode::Online,
    )
    .unwrap();
    assert!(r
        .quotes
        .iter()
        .all(|q| q.item_id == "amd-threadripper-7960x"));
    assert!(dir.path().join("prices.sqlite").exists());
}
