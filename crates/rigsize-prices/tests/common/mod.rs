//! Test helpers: a tiny HTTP server on 127.0.0.1 and offline-safe configs.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rigsize_prices::{CliChoice, Config, HttpSettings};

pub fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Routes: (path prefix, status, body). Requests are logged (path, user agent).
pub struct Server {
    pub base: String,
    pub log: Arc<Mutex<Vec<(String, String)>>>,
}

pub fn serve(routes: Vec<(&'static str, u16, String)>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .to_string();
            let mut ua = String::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                    break;
                }
                if h.to_lowercase().starts_with("user-agent:") {
                    ua = h[11..].trim().to_string();
                }
            }
            log2.lock().unwrap().push((path.clone(), ua));
            let (status, body) = routes
                .iter()
                .find(|(p, _, _)| path.starts_with(p))
                .map(|(_, s, b)| (*s, b.clone()))
                .unwrap_or((404, "not found".to_string()));
            let resp = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(resp.as_bytes());
        }
    });
    Server { base, log }
}

/// A config that can only reach `base` (never the internet) and caches in `dir`.
pub fn config(dir: &Path, base: &str) -> Config {
    Config {
        cache_dir: Some(dir.to_path_buf()),
        cli: CliChoice::Disabled,
        http: HttpSettings {
            base_url: base.to_string(),
            timeout: Duration::from_secs(5),
            retries: 1,
            delay: Duration::from_millis(0),
            user_agent: "rigsize-test".into(),
        },
        ..Config::default()
    }
}

/// A base URL where nothing listens (a closed local port).
pub fn dead_base() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}
