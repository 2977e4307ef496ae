//! SQLite price cache: every live observation with its timestamp and source.
//!
//! Kept forever (history), read with a freshness limit (`max_age`, 7 days by
//! default). A corrupted or foreign file is moved aside and rebuilt with a
//! warning: a price cache is never worth a crash.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::quote::{Condition, PriceQuote, Source};

/// Marker stored in the `meta` table so we never adopt someone else's database.
pub const APP_MARKER: &str = "rigsize-prices";
/// Bump when the table layout changes; an older file is moved aside.
pub const SCHEMA_VERSION: &str = "1";
/// File name inside the cache directory.
pub const FILE_NAME: &str = "prices.sqlite";

/// An open cache.
pub struct Cache {
    conn: Connection,
    path: PathBuf,
}

/// One cached observation.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedQuote {
    pub quote: PriceQuote,
    pub fetched_at: DateTime<Utc>,
    /// The search query it answered, if any.
    pub query: Option<String>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS observation (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL,
    name TEXT NOT NULL,
    price_chf REAL NOT NULL,
    shipping_chf REAL,
    retailer TEXT NOT NULL,
    url TEXT,
    condition TEXT NOT NULL,
    provider TEXT NOT NULL,
    query TEXT,
    fetched_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS observation_item ON observation(item_id, fetched_at);
CREATE INDEX IF NOT EXISTS observation_query ON observation(query, fetched_at);
";

/// The cache directory: `RIGSIZE_CACHE_DIR`, else the user cache dir + `rigsize`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("RIGSIZE_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    dirs::cache_dir().map(|d| d.join("rigsize"))
}

fn check(conn: &Connection) -> std::result::Result<(), String> {
    let ok: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if ok != "ok" {
        return Err(format!("integrity check: {ok}"));
    }
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type='table'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    if tables == 0 {
        return Ok(()); // empty/new database: ours to initialise
    }
    let marker: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key='app'", [], |r| r.get(0))
        .optional()
        .map_err(|_| "not a rigsize price cache (no meta table)".to_string())?;
    if marker.as_deref() != Some(APP_MARKER) {
        return Err("not a rigsize price cache".into());
    }
    let version: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key='schema'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| e.to_string())?;
    if version.as_deref() != Some(SCHEMA_VERSION) {
        return Err(format!(
            "schema version {version:?}, expected {SCHEMA_VERSION}"
        ));
    }
    Ok(())
}

fn init(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)?;
    conn.execute(
        "INSERT OR REPLACE INTO meta(key, value) VALUES ('app', ?1), ('schema', ?2)",
        params![APP_MARKER, SCHEMA_VERSION],
    )?;
    Ok(())
}

fn try_open(path: &Path) -> std::result::Result<Connection, String> {
    let conn = Connection::open(path).map_err(|e| e.to_string())?;
    check(&conn)?;
    init(&conn).map_err(|e| e.to_string())?;
    Ok(conn)
}

impl Cache {
    /// Opens (or creates) `dir/prices.sqlite`. Returns warnings instead of
    /// failing when the file had to be moved aside; fails only when even a
    /// fresh file cannot be created (then callers run without a cache).
    pub fn open(dir: &Path) -> Result<(Cache, Vec<String>)> {
        let mut warnings = Vec::new();
        std::fs::create_dir_all(dir).map_err(|e| Error::Cache {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        let path = dir.join(FILE_NAME);
        match try_open(&path) {
            Ok(conn) => return Ok((Cache { conn, path }, warnings)),
            Err(why) => {
                let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
                let aside = dir.join(format!("{FILE_NAME}.broken-{stamp}"));
                let moved = std::fs::rename(&path, &aside);
                for ext in ["-wal", "-shm", "-journal"] {
                    let side = PathBuf::from(format!("{}{ext}", path.display()));
                    let _ = std::fs::remove_file(side);
                }
                warnings.push(match moved {
                    Ok(()) => format!(
                        "price cache {} was unusable ({why}); moved it to {} and started a new one",
                        path.display(),
                        aside.display()
                    ),
                    Err(e) => format!(
                        "price cache {} was unusable ({why}) and could not be moved aside ({e})",
                        path.display()
                    ),
                });
            }
        }
        let conn = try_open(&path).map_err(|message| Error::Cache {
            path: path.clone(),
            message,
        })?;
        Ok((Cache { conn, path }, warnings))
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores live quotes fetched at `fetched_at`, tagged with the provider and query.
    pub fn record(
        &self,
        quotes: &[PriceQuote],
        provider: &str,
        query: Option<&str>,
        fetched_at: DateTime<Utc>,
    ) -> Result<()> {
        let ts = fetched_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        let map = |e: rusqlite::Error| Error::Cache {
            path: self.path.clone(),
            message: e.to_string(),
        };
        let tx = self.conn.unchecked_transaction().map_err(map)?;
        for q in quotes {
            tx.execute(
                "INSERT INTO observation(item_id, name, price_chf, shipping_chf, retailer, url, \
                 condition, provider, query, fetched_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                params![
                    q.item_id,
                    q.name,
                    q.price_chf,
                    q.shipping_chf,
                    q.retailer,
                    q.url,
                    q.condition.as_str(),
                    provider,
                    query,
                    ts
                ],
            )
            .map_err(map)?;
        }
        tx.commit().map_err(map)
    }

    fn select(&self, where_sql: &str, arg: &str) -> Result<Vec<CachedQuote>> {
        let sql = format!(
            "SELECT item_id, name, price_chf, shipping_chf, retailer, url, condition, provider, \
             query, fetched_at FROM observation WHERE {where_sql} ORDER BY fetched_at, id"
        );
        let map = |e: rusqlite::Error| Error::Cache {
            path: self.path.clone(),
            message: e.to_string(),
        };
        let mut stmt = self.conn.prepare(&sql).map_err(map)?;
        let rows = stmt
            .query_map(params![arg], |r| {
                let provider: String = r.get(7)?;
                let fetched: String = r.get(9)?;
                let cond: String = r.get(6)?;
                Ok((
                    PriceQuote {
                        item_id: r.get(0)?,
                        name: r.get(1)?,
                        price_chf: r.get(2)?,
                        shipping_chf: r.get(3)?,
                        retailer: r.get(4)?,
                        url: r.get(5)?,
                        observed_at: fetched.clone(),
                        source: Source::Cache,
                        condition: Condition::parse(&cond).unwrap_or(Condition::New),
                        note: Some(format!("cached from {provider}")),
                        flags: Vec::new(),
                    },
                    fetched,
                    r.get::<_, Option<String>>(8)?,
                ))
            })
            .map_err(map)?;
        let mut out = Vec::new();
        for row in rows {
            let (quote, fetched, query) = row.map_err(map)?;
            let Ok(fetched_at) = DateTime::parse_from_rfc3339(&fetched) else {
                continue; // a row we cannot date is not worth showing
            };
            out.push(CachedQuote {
                quote,
                fetched_at: fetched_at.with_timezone(&Utc),
                query,
            });
        }
        Ok(out)
    }

    /// Every observation of an item, oldest first.
    pub fn history(&self, item_id: &str) -> Result<Vec<CachedQuote>> {
        self.select("item_id = ?1", item_id)
    }

    /// Quotes of the most recent fetch of an item (one fetch = one timestamp).
    pub fn latest_for_item(&self, item_id: &str) -> Result<Vec<CachedQuote>> {
        Ok(latest_batch(self.history(item_id)?))
    }

    /// Quotes of the most recent fetch answering `query`.
    pub fn latest_for_query(&self, query: &str) -> Result<Vec<CachedQuote>> {
        Ok(latest_batch(
            self.select("query = ?1", &normalize_query(query))?,
        ))
    }
}

/// Search queries are cached case- and space-insensitively.
pub fn normalize_query(q: &str) -> String {
    q.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn latest_batch(rows: Vec<CachedQuote>) -> Vec<CachedQuote> {
    let Some(max) = rows.iter().map(|r| r.fetched_at).max() else {
        return rows;
    };
    rows.into_iter().filter(|r| r.fetched_at == max).collect()
}

/// Whether an observation fetched at `at` is still fresh at `now`.
pub fn is_fresh(at: DateTime<Utc>, now: DateTime<Utc>, max_age: Duration) -> bool {
    now.signed_duration_since(at) <= max_age
}
