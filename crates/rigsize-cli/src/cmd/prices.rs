//! `rigsize prices …`: Swiss prices with their provenance.
//!
//! Every price printed carries its `source` (live / cache / snapshot /
//! estimate) and its date, because a months-old figure shown as if it were
//! today's would mislead a purchase. Offline or failed lookups are not errors:
//! the best cached or snapshot prices are printed, warnings go to stderr, and
//! the command exits 0.

use std::io::Write;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use rigsize_prices::{
    Config, Mode, PriceAge, PriceFlag, PriceQuote, Prices, Quotes, RefreshProgress, Sort,
};
use serde::Serialize;

/// Arguments of `rigsize prices`.
#[derive(Debug, Args)]
pub struct PricesArgs {
    #[command(subcommand)]
    pub command: PricesCommand,
}

/// The `prices` subcommands.
#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// Search prices by product name or catalog id (live when possible).
    Search(SearchArgs),
    /// Shop offers of one product: toppreise id (833823, p833823), URL, or catalog id.
    Offers(OffersArgs),
    /// Fetch live prices of catalog items into the local cache.
    Refresh(RefreshArgs),
    /// Price history of one catalog item (snapshot + cached lookups).
    History(HistoryArgs),
}

/// Sort order on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    Relevance,
    PriceAsc,
    PriceDesc,
}

impl From<SortArg> for Sort {
    fn from(s: SortArg) -> Sort {
        match s {
            SortArg::Relevance => Sort::Relevance,
            SortArg::PriceAsc => Sort::PriceAsc,
            SortArg::PriceDesc => Sort::PriceDesc,
        }
    }
}

/// Flags shared by the read commands.
#[derive(Debug, Args)]
pub struct CommonFlags {
    /// Print JSON: {"quotes": [...], "warnings": [...]}.
    #[arg(long)]
    pub json: bool,
    /// Never touch the network: cache and dated snapshot only.
    #[arg(long)]
    pub offline: bool,
    /// Cached live prices older than this many days are refetched.
    #[arg(long, value_name = "DAYS")]
    pub max_age: Option<u32>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Product name or catalog id, e.g. "RTX PRO 6000" or rtx-5090.
    pub query: String,
    #[arg(long, value_enum, default_value_t = SortArg::PriceAsc)]
    pub sort: SortArg,
    /// Maximum number of prices shown.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[command(flatten)]
    pub flags: CommonFlags,
}

#[derive(Debug, Args)]
pub struct OffersArgs {
    /// toppreise product id (833823 / p833823), toppreise URL, or catalog id.
    #[arg(value_name = "ID_OR_URL")]
    pub product: String,
    #[command(flatten)]
    pub flags: CommonFlags,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Catalog item ids; default: every item with a toppreise id or search term.
    pub items: Vec<String>,
    /// Print the fetched prices as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Catalog item id, e.g. rtx-pro-6000-ws.
    pub item: String,
    #[arg(long)]
    pub json: bool,
}

fn session(max_age: Option<u32>) -> Prices {
    let mut config = Config::from_env();
    if let Some(days) = max_age {
        config.set_max_age_days(days);
    }
    Prices::new(config)
}

fn mode(offline: bool) -> Mode {
    if offline {
        Mode::Offline
    } else {
        Mode::Online
    }
}

/// Runs `rigsize prices …`.
pub fn run(args: PricesArgs) -> anyhow::Result<()> {
    match args.command {
        PricesCommand::Search(a) => {
            let prices = session(a.flags.max_age);
            let q = prices
                .search(&a.query, a.sort.into(), a.limit, mode(a.flags.offline))
                .with_context(|| format!("searching prices for '{}'", a.query))?;
            emit(&q, a.flags.json)
        }
        PricesCommand::Offers(a) => {
            let prices = session(a.flags.max_age);
            let q = prices
                .offers(&a.product, mode(a.flags.offline))
                .with_context(|| format!("looking up offers for '{}'", a.product))?;
            emit(&q, a.flags.json)
        }
        PricesCommand::History(a) => {
            let q = session(None)
                .history(&a.item)
                .with_context(|| format!("price history of '{}'", a.item))?;
            emit(&q, a.json)
        }
        PricesCommand::Refresh(a) => refresh(a),
    }
}

/// The progress bar of a per-item live lookup (`prices refresh`, `plan --live`):
/// one step per item, failures printed above the bar as they happen.
pub struct LiveBar(indicatif::ProgressBar);

impl LiveBar {
    pub fn new() -> LiveBar {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        LiveBar(bar)
    }

    /// Reports one finished item.
    pub fn update(&self, p: &RefreshProgress) {
        self.0.set_length(p.total as u64);
        self.0.set_position(p.index as u64);
        match &p.outcome {
            Ok(n) => self.0.set_message(format!("{} ({n} prices)", p.item_id)),
            Err(e) => self.0.println(format!("warning: {}: {e}", p.item_id)),
        }
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Default for LiveBar {
    fn default() -> Self {
        LiveBar::new()
    }
}

fn refresh(a: RefreshArgs) -> anyhow::Result<()> {
    let prices = session(None);
    let bar = LiveBar::new();
    let report = prices
        .refresh(&a.items, &mut |p| bar.update(p))
        .context("refreshing prices")?;
    bar.finish();
    let q = Quotes {
        quotes: report.quotes,
        warnings: report.warnings,
    };
    if !a.json {
        eprintln!(
            "refreshed {} item(s), {} failed",
            report.refreshed.len(),
            report.failed.len()
        );
    }
    emit(&q, a.json)
}

/// JSON output: the snapshot's age first, then `quotes` and `warnings`.
#[derive(Serialize)]
struct Output<'a> {
    /// Age of the built-in snapshot on today's date.
    snapshot_age: &'a PriceAge,
    #[serde(flatten)]
    quotes: &'a Quotes,
}

fn emit(q: &Quotes, json: bool) -> anyhow::Result<()> {
    // A wrong clock is an error: an age computed from it would mislead.
    let age = rigsize_prices::snapshot_age().context("dating the price snapshot")?;
    for w in &q.warnings {
        eprintln!("warning: {w}");
    }
    let mut out = std::io::stdout().lock();
    if json {
        let o = Output {
            snapshot_age: &age,
            quotes: q,
        };
        serde_json::to_writer_pretty(&mut out, &o)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{age} (built-in snapshot; live and cached rows carry their own date)"
        )?;
        write!(out, "{}", table(&q.quotes))?;
        write!(out, "{}", flag_legend(&q.quotes))?;
    }
    Ok(())
}

/// One line per flag shown in the table, so a flag is never a bare code.
fn flag_legend(quotes: &[PriceQuote]) -> String {
    let mut seen: Vec<PriceFlag> = Vec::new();
    for f in quotes.iter().flat_map(|q| &q.flags) {
        if !seen.contains(f) {
            seen.push(*f);
        }
    }
    seen.iter()
        .map(|f| format!("  {}: {}\n", f.as_str(), f.explain()))
        .collect()
}

/// Plain-text table; every row shows price, source and date together.
pub fn table(quotes: &[PriceQuote]) -> String {
    if quotes.is_empty() {
        return "no prices\n".into();
    }
    let header = [
        "CHF", "source", "observed", "cond.", "retailer", "item", "flags", "url",
    ];
    let rows: Vec<[String; 8]> = quotes
        .iter()
        .map(|q| {
            [
                format!("{:.2}", q.price_chf),
                q.source.as_str().to_string(),
                q.observed_at.clone(),
                q.condition.as_str().to_string(),
                clip(&q.retailer, 40),
                q.item_id.clone(),
                flag_cell(&q.flags),
                q.url.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut width = header.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut s = String::new();
    let line = |cells: &[String], s: &mut String| {
        for (i, c) in cells.iter().enumerate() {
            if i == 0 {
                s.push_str(&format!("{c:>w$}", w = width[0]));
            } else if i == cells.len() - 1 {
                s.push_str(&format!("  {c}"));
            } else {
                s.push_str(&format!("  {c:<w$}", w = width[i]));
            }
        }
        s.push('\n');
    };
    line(&header.map(String::from), &mut s);
    for r in &rows {
        line(r, &mut s);
    }
    s
}

fn flag_cell(flags: &[PriceFlag]) -> String {
    if flags.is_empty() {
        "-".into()
    } else {
        flags
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}
