//! Live price sources: the `toppreise-cli` program, else our own HTTP client.
//!
//! toppreise-cli goes first because it is what the seed research used and it
//! keeps its own 7-day cache; our client is the fallback so rigsize works
//! without it. Both return the same shapes ([`SearchPage`], [`ProductOffers`]).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::parse::{normalize_product_ref, ProductOffers, SearchPage};
use crate::quote::Sort;
use crate::{html, markdown};

/// Default toppreise.ch origin; override with `RIGSIZE_TOPPREISE_URL` (tests
/// point it at 127.0.0.1).
pub const DEFAULT_BASE_URL: &str = "https://www.toppreise.ch";
/// Search path on the site (assumed; see `html` module docs).
pub const SEARCH_PATH: &str = "/produktsuche";

/// Something that can search and list offers.
pub trait LiveSource {
    /// Short label for messages ("toppreise-cli", "toppreise.ch").
    fn label(&self) -> String;
    /// Search for products.
    fn search(&self, query: &str, sort: Sort, limit: usize) -> Result<SearchPage>;
    /// Offers of one product (`833823`, `p833823` or a URL).
    fn offers(&self, product: &str) -> Result<ProductOffers>;
}

/// Finds `name` on PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Runs the toppreise-cli program and reads its Markdown.
pub struct CliSource {
    pub program: PathBuf,
}

impl CliSource {
    fn run(&self, args: &[&str]) -> Result<String> {
        let out = Command::new(&self.program)
            .args(args)
            .output()
            .map_err(|e| Error::Cli {
                program: self.program.clone(),
                message: e.to_string(),
            })?;
        if !out.status.success() {
            return Err(Error::Cli {
                program: self.program.clone(),
                message: format!(
                    "exit {}: {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn origin(&self, args: &[&str]) -> String {
        format!("`{} {}`", self.program.display(), args.join(" "))
    }
}

impl LiveSource for CliSource {
    fn label(&self) -> String {
        "toppreise-cli".into()
    }

    fn search(&self, query: &str, sort: Sort, limit: usize) -> Result<SearchPage> {
        let limit = limit.to_string();
        let args = ["search", query, "--limit", &limit, "--sort", sort.as_cli()];
        let text = self.run(&args)?;
        markdown::parse_search(&text, &self.origin(&args))
    }

    fn offers(&self, product: &str) -> Result<ProductOffers> {
        let args = ["product", product, "--section", "offers"];
        let text = self.run(&args)?;
        markdown::parse_offers(&text, &self.origin(&args), product)
    }
}

/// Polite blocking HTTP client for toppreise.ch pages.
pub struct HttpSource {
    pub base_url: String,
    client: reqwest::blocking::Client,
    retries: u32,
    delay: Duration,
    last: Cell<Option<Instant>>,
}

/// HTTP client settings.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub base_url: String,
    pub timeout: Duration,
    pub retries: u32,
    /// Minimum gap between requests, to be a polite guest on the site.
    pub delay: Duration,
    pub user_agent: String,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            base_url: DEFAULT_BASE_URL.into(),
            timeout: Duration::from_secs(20),
            retries: 2,
            delay: Duration::from_millis(1500),
            user_agent: format!(
                "rigsize/{} (+local hardware sizing tool; polite price lookups)",
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

impl HttpSource {
    /// Builds the client (rustls, timeouts, User-Agent).
    pub fn new(s: &HttpSettings) -> Result<HttpSource> {
        let client = reqwest::blocking::Client::builder()
            .user_agent(s.user_agent.clone())
            .timeout(s.timeout)
            .connect_timeout(s.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| Error::Http {
                url: s.base_url.clone(),
                message: e.to_string(),
            })?;
        Ok(HttpSource {
            base_url: s.base_url.trim_end_matches('/').to_string(),
            client,
            retries: s.retries,
            delay: s.delay,
            last: Cell::new(None),
        })
    }

    fn wait_politely(&self) {
        if let Some(last) = self.last.get() {
            let since = last.elapsed();
            if since < self.delay {
                std::thread::sleep(self.delay - since);
            }
        }
        self.last.set(Some(Instant::now()));
    }

    /// GET with retries on network errors and 5xx/429; 4xx other than 429 fails at once.
    pub fn get(&self, url: &str) -> Result<String> {
        let mut last_err = String::new();
        for attempt in 0..=self.retries {
            if attempt > 0 {
                std::thread::sleep(self.delay.max(Duration::from_millis(200)) * attempt);
            }
            self.wait_politely();
            match self.client.get(url).send() {
                Ok(resp) => {
                    let status = resp.status();
                    if status.is_success() {
                        return resp.text().map_err(|e| Error::Http {
                            url: url.into(),
                            message: e.to_string(),
                        });
                    }
                    last_err = format!("HTTP {status}");
                    if !(status.is_server_error() || status.as_u16() == 429) {
                        break;
                    }
                }
                Err(e) => last_err = e.to_string(),
            }
        }
        Err(Error::Http {
            url: url.into(),
            message: last_err,
        })
    }

    /// URL of a search.
    pub fn search_url(&self, query: &str, sort: Sort) -> String {
        let mut u = format!("{}{}?q={}", self.base_url, SEARCH_PATH, encode(query));
        match sort {
            Sort::Relevance => {}
            Sort::PriceAsc => u.push_str("&sort=price_asc"),
            Sort::PriceDesc => u.push_str("&sort=price_desc"),
        }
        u
    }

    /// URL of a product page from an id or URL (a URL on another origin is
    /// rebased onto `base_url`, so tests never leave 127.0.0.1).
    pub fn product_url(&self, product: &str) -> Result<String> {
        if let Some(i) = product.find("://") {
            let path = product[i + 3..]
                .find('/')
                .map(|j| &product[i + 3 + j..])
                .unwrap_or("/");
            return Ok(format!("{}{}", self.base_url, path));
        }
        let pid = normalize_product_ref(product).ok_or_else(|| {
            Error::Invalid(format!("'{product}' is not a toppreise product id or URL"))
        })?;
        Ok(format!("{}/price-comparison/-p{}", self.base_url, pid))
    }
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl LiveSource for HttpSource {
    fn label(&self) -> String {
        "toppreise.ch".into()
    }

    fn search(&self, query: &str, sort: Sort, limit: usize) -> Result<SearchPage> {
        let url = self.search_url(query, sort);
        let body = self.get(&url)?;
        let mut page = html::parse_search(&body, &url)?;
        page.hits.truncate(limit);
        Ok(page)
    }

    fn offers(&self, product: &str) -> Result<ProductOffers> {
        let url = self.product_url(product)?;
        let body = self.get(&url)?;
        html::parse_product(&body, &url)
    }
}

/// Which live source to use, in the documented order.
pub fn choose(cli: Option<&Path>, http: &HttpSettings) -> Result<Box<dyn LiveSource>> {
    if let Some(p) = cli {
        return Ok(Box::new(CliSource {
            program: p.to_path_buf(),
        }));
    }
    Ok(Box::new(HttpSource::new(http)?))
}
