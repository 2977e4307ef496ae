//! `hf:owner/repo` and `hf:owner/repo:QUANT` through the Hugging Face Hub,
//! reading only headers.
//!
//! - The file list comes from `{endpoint}/api/models/{repo}/tree/main?recursive=true`
//!   (falling back to `{endpoint}/api/models/{repo}`'s `siblings`).
//! - Files are read from `{endpoint}/{repo}/resolve/main/{path}`; GGUF and
//!   safetensors headers with HTTP `Range` requests, in growing chunks, so a
//!   40 GB file costs a few MB of traffic.
//! - `HF_ENDPOINT` replaces `https://huggingface.co`; `HF_TOKEN` (or
//!   `HUGGING_FACE_HUB_TOKEN`) is sent as a Bearer token for gated repos.
//! - Fetched configs and header bytes are cached under the user cache dir
//!   (`RIGSIZE_CACHE_DIR` overrides it), keyed by the file's content hash
//!   from the listing; the listing itself is cached for offline use.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::error::ImportError;
use crate::gguf::{self, GgufHeader};
use crate::gguf_model;
use crate::safetensors::{self, StHeader};
use crate::{finish_snapshot, ImportedModel};

mod range;
mod select;

use range::RangeReader;
use select::is_model_gguf;
pub use select::{parse_listing, parse_spec, pick_gguf};

/// Most bytes one header read may pull over the network.
pub const MAX_HEADER_FETCH: u64 = 256 << 20;
/// Most bytes of a JSON file (config, index, listing).
pub const MAX_JSON_FETCH: u64 = 64 << 20;
/// Most safetensors shards whose headers are read.
pub const MAX_SHARDS: usize = 512;

/// One file of a repo listing.
#[derive(Debug, Clone, PartialEq)]
pub struct HubFile {
    pub path: String,
    pub size: Option<u64>,
    /// Content hash (LFS sha256 or git blob id), for the cache key.
    pub oid: Option<String>,
}

/// A client for one Hub endpoint.
pub struct Hub {
    pub endpoint: String,
    token: Option<String>,
    cache: Option<PathBuf>,
    agent: ureq::Agent,
}

impl Hub {
    /// Endpoint, token and cache from the environment.
    pub fn from_env() -> Hub {
        let endpoint = std::env::var("HF_ENDPOINT")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "https://huggingface.co".into());
        let token = std::env::var("HF_TOKEN")
            .ok()
            .or_else(|| std::env::var("HUGGING_FACE_HUB_TOKEN").ok())
            .filter(|s| !s.trim().is_empty());
        let cache = std::env::var_os("RIGSIZE_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("rigsize")))
            .map(|d| d.join("hf"));
        Hub::new(&endpoint, token, cache)
    }

    pub fn new(endpoint: &str, token: Option<String>, cache: Option<PathBuf>) -> Hub {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(120)))
            .build();
        Hub {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            token,
            cache,
            agent: ureq::Agent::new_with_config(config),
        }
    }

    fn offline_hint(&self, url: &str, why: String) -> ImportError {
        ImportError::Network {
            url: url.to_string(),
            why: format!(
                "{why}. rigsize reads only headers from the Hub; without network, download the file (or config.json and the *.safetensors index/headers) and pass the local path instead: `--model ./Model-Q4_K_M.gguf` or `--model ./snapshot-dir/`"
            ),
        }
    }

    fn request(
        &self,
        url: &str,
        range: Option<(u64, u64)>,
    ) -> Result<http_response::Resp, ImportError> {
        let mut req = self
            .agent
            .get(url)
            .header("User-Agent", concat!("rigsize/", env!("CARGO_PKG_VERSION")));
        if let Some(t) = &self.token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        if let Some((a, b)) = range {
            req = req.header("Range", format!("bytes={a}-{b}"));
        }
        let resp = req
            .call()
            .map_err(|e| self.offline_hint(url, format!("cannot reach the Hub: {e}")))?;
        let status = resp.status().as_u16();
        match status {
            200 | 206 => Ok(http_response::Resp {
                status,
                body: resp.into_body(),
            }),
            401 | 403 => Err(ImportError::Network {
                url: url.to_string(),
                why: format!(
                    "HTTP {status}: the repo is gated or private{}",
                    if self.token.is_some() {
                        " and HF_TOKEN was refused (accept the license on the model page?)"
                    } else {
                        "; set HF_TOKEN to a token that has accepted its license"
                    }
                ),
            }),
            404 => Err(ImportError::NotFound {
                spec: url.to_string(),
                why: "HTTP 404 from the Hub (check the repo name and file)".into(),
            }),
            416 => Err(ImportError::Network {
                url: url.to_string(),
                why: "HTTP 416: range not satisfiable (the file is shorter than its header claims)"
                    .into(),
            }),
            s => Err(self.offline_hint(url, format!("HTTP {s}"))),
        }
    }

    fn get_json(&self, url: &str) -> Result<Value, ImportError> {
        let r = self.request(url, None)?;
        let bytes = r
            .body
            .into_with_config()
            .limit(MAX_JSON_FETCH)
            .read_to_vec()
            .map_err(|e| self.offline_hint(url, format!("reading the answer failed: {e}")))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| ImportError::config(url, format!("the Hub's answer is not JSON: {e}")))
    }

    fn cache_path(&self, parts: &[&str]) -> Option<PathBuf> {
        let mut p = self.cache.clone()?;
        for part in parts {
            for seg in part.split('/') {
                if seg.is_empty() || seg == "." || seg == ".." || seg.contains('\\') {
                    return None;
                }
                p.push(seg);
            }
        }
        Some(p)
    }

    fn cache_read(&self, parts: &[&str]) -> Option<Vec<u8>> {
        std::fs::read(self.cache_path(parts)?).ok()
    }

    fn cache_write(&self, parts: &[&str], bytes: &[u8]) {
        if let Some(p) = self.cache_path(parts) {
            if let Some(dir) = p.parent() {
                if std::fs::create_dir_all(dir).is_ok() {
                    let tmp = p.with_extension("tmp");
                    if std::fs::write(&tmp, bytes).is_ok() {
                        let _ = std::fs::rename(&tmp, &p);
                    }
                }
            }
        }
    }

    pub fn file_url(&self, repo: &str, path: &str) -> String {
        format!(
            "{}/{repo}/resolve/main/{}",
            self.endpoint,
            encode_path(path)
        )
    }

    /// The repo's files: fresh from the Hub, or the cached listing when the
    /// Hub cannot be reached.
    pub fn list(&self, repo: &str) -> Result<Vec<HubFile>, ImportError> {
        let url = format!(
            "{}/api/models/{repo}/tree/main?recursive=true",
            self.endpoint
        );
        let fresh = match self.get_json(&url) {
            Ok(v) if v.is_array() => Ok(v),
            Ok(_) | Err(ImportError::NotFound { .. }) => {
                let url2 = format!("{}/api/models/{repo}", self.endpoint);
                self.get_json(&url2)
            }
            Err(e) => Err(e),
        };
        let v = match fresh {
            Ok(v) => {
                self.cache_write(&["repos", repo, "listing.json"], v.to_string().as_bytes());
                v
            }
            Err(e @ ImportError::Network { .. }) => {
                match self.cache_read(&["repos", repo, "listing.json"]) {
                    Some(b) => serde_json::from_slice(&b).map_err(|_| e)?,
                    None => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        parse_listing(&v, &url)
    }

    /// A small file (config.json, index), cached by content hash.
    pub fn small_file(&self, repo: &str, f: &HubFile) -> Result<Vec<u8>, ImportError> {
        let key = f.oid.clone();
        if let Some(k) = &key {
            if let Some(b) = self.cache_read(&["blobs", k]) {
                return Ok(b);
            }
        }
        let url = self.file_url(repo, &f.path);
        let r = self.request(&url, None)?;
        let bytes = r
            .body
            .into_with_config()
            .limit(MAX_JSON_FETCH)
            .read_to_vec()
            .map_err(|e| self.offline_hint(&url, format!("reading failed: {e}")))?;
        if let Some(k) = &key {
            self.cache_write(&["blobs", k], &bytes);
        }
        Ok(bytes)
    }

    /// Reads a header through range requests; `parse` gets a reader and
    /// returns its result plus the bytes it needed (for the cache).
    fn header_bytes<T>(
        &self,
        repo: &str,
        f: &HubFile,
        kind: &str,
        parse: impl Fn(&mut dyn Read) -> Result<T, ImportError>,
    ) -> Result<T, ImportError> {
        let url = self.file_url(repo, &f.path);
        if let Some(k) = &f.oid {
            if let Some(b) = self.cache_read(&["headers", &format!("{k}.{kind}")]) {
                if let Ok(t) = parse(&mut &b[..]) {
                    return Ok(t);
                }
            }
        }
        let mut rr = RangeReader::new(self, url.clone(), f.size);
        let res = parse(&mut rr);
        if let Some(e) = rr.err.take() {
            if res.is_err() {
                return Err(e);
            }
        }
        let t = res.map_err(|e| e.with_path(&url))?;
        if let Some(k) = &f.oid {
            self.cache_write(&["headers", &format!("{k}.{kind}")], &rr.record);
        }
        Ok(t)
    }

    pub fn gguf_header(&self, repo: &str, f: &HubFile) -> Result<GgufHeader, ImportError> {
        let url = self.file_url(repo, &f.path);
        let h = self.header_bytes(repo, f, "gguf", |r| gguf::read_header(r, &url))?;
        if let Some(size) = f.size {
            if h.min_file_len() > size {
                return Err(ImportError::Malformed {
                    path: url,
                    format: "GGUF",
                    offset: h.header_len,
                    why: format!(
                        "its tensors need {} bytes but the Hub lists {size}",
                        h.min_file_len()
                    ),
                });
            }
        }
        Ok(h)
    }

    pub fn safetensors_header(&self, repo: &str, f: &HubFile) -> Result<StHeader, ImportError> {
        let url = self.file_url(repo, &f.path);
        self.header_bytes(repo, f, "st", |r| safetensors::read_header(r, &url, f.size))
    }
}

mod http_response {
    pub struct Resp {
        pub status: u16,
        pub body: ureq::Body,
    }
}

/// Percent-encodes a repo path for a `resolve` URL (slashes kept).
fn encode_path(p: &str) -> String {
    let mut s = String::with_capacity(p.len());
    for b in p.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                s.push(b as char)
            }
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

/// Loads `hf:owner/repo[:QUANT]`.
pub fn load(spec: &str) -> Result<ImportedModel, ImportError> {
    let hub = Hub::from_env();
    load_with(&hub, spec)
}

/// As [`load`] with an explicit client (tests point it at a local server).
pub fn load_with(hub: &Hub, spec: &str) -> Result<ImportedModel, ImportError> {
    let (repo, quant) = parse_spec(spec)?;
    let files = hub.list(&repo)?;
    let source = format!("{}/{repo}", hub.endpoint);
    let has_config = files.iter().any(|f| f.path == "config.json");
    let has_gguf = files.iter().any(|f| is_model_gguf(&f.path));
    if quant.is_some() || (has_gguf && !has_config) {
        let Some(q) = quant else {
            return Err(quant_needed(spec, &files));
        };
        return load_gguf_repo(hub, spec, &repo, &files, &q, &source);
    }
    load_snapshot_repo(hub, spec, &repo, &files, &source)
}

/// A GGUF-only repo holds one model per quantization: ask for one, listing
/// what is there.
fn quant_needed(spec: &str, files: &[HubFile]) -> ImportError {
    let stems = select::gguf_stems(files);
    ImportError::NotFound {
        spec: spec.to_string(),
        why: format!(
            "the repo holds GGUF files; name one quantization, e.g. {spec}:Q4_K_M (files: {})",
            stems.join(", ")
        ),
    }
}

/// The headers of every part of quantization `q`'s GGUF.
fn load_gguf_repo(
    hub: &Hub,
    spec: &str,
    repo: &str,
    files: &[HubFile],
    q: &str,
    source: &str,
) -> Result<ImportedModel, ImportError> {
    let group = pick_gguf(files, q).map_err(|why| ImportError::NotFound {
        spec: spec.to_string(),
        why,
    })?;
    let mut parts = Vec::with_capacity(group.len());
    let mut total = Some(0u64);
    for f in &group {
        let h = hub.gguf_header(repo, f)?;
        total = total.and_then(|t| f.size.map(|s| t + s));
        parts.push((hub.file_url(repo, &f.path), h));
    }
    let src = format!("{source}/{}", group[0].path);
    gguf_model::model_from_gguf(&parts, &src, total)
}

/// config.json plus the safetensors headers of every shard.
fn load_snapshot_repo(
    hub: &Hub,
    spec: &str,
    repo: &str,
    files: &[HubFile],
    source: &str,
) -> Result<ImportedModel, ImportError> {
    let cfg_file = files
        .iter()
        .find(|f| f.path == "config.json")
        .ok_or_else(|| ImportError::NotFound {
            spec: spec.to_string(),
            why: "the repo has neither config.json nor GGUF files".into(),
        })?;
    let cfg_bytes = hub.small_file(repo, cfg_file)?;
    let cfg_url = hub.file_url(repo, "config.json");
    let cfg: Value = serde_json::from_slice(&cfg_bytes)
        .map_err(|e| ImportError::config(&cfg_url, format!("not JSON: {e}")))?;
    let shard_names = shard_names(hub, repo, files)?;
    let mut notes = Vec::new();
    let mut headers = Vec::new();
    let mut file_bytes = Some(0u64);
    if shard_names.len() > MAX_SHARDS {
        notes.push(format!("{} safetensors shards: headers not read (limit {MAX_SHARDS}); parameters estimated from config.json", shard_names.len()));
    } else {
        for s in &shard_names {
            let f = files
                .iter()
                .find(|f| &f.path == s)
                .ok_or_else(|| ImportError::NotFound {
                    spec: spec.to_string(),
                    why: format!("the index names {s} but the repo does not list it"),
                })?;
            headers.push(hub.safetensors_header(repo, f)?);
            file_bytes = file_bytes.and_then(|t| f.size.map(|sz| t + sz));
        }
    }
    if headers.is_empty() {
        file_bytes = None;
    }
    finish_snapshot(&cfg, &cfg_url, &headers, source, file_bytes, notes)
}

/// Shards: from the index, else every top-level *.safetensors.
fn shard_names(hub: &Hub, repo: &str, files: &[HubFile]) -> Result<Vec<String>, ImportError> {
    Ok(
        match files
            .iter()
            .find(|f| f.path == "model.safetensors.index.json")
        {
            Some(ix) => {
                let b = hub.small_file(repo, ix)?;
                let v: Value = serde_json::from_slice(&b).map_err(|e| {
                    ImportError::config(hub.file_url(repo, &ix.path), format!("not JSON: {e}"))
                })?;
                safetensors::index_shards(&v, &ix.path)?
            }
            None => files
                .iter()
                .filter(|f| !f.path.contains('/') && f.path.ends_with(".safetensors"))
                .map(|f| f.path.clone())
                .collect(),
        },
    )
}
