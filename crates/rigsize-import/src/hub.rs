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

use std::io::{self, Read};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::error::ImportError;
use crate::gguf::{self, GgufHeader};
use crate::gguf_model::{self, split_suffix};
use crate::safetensors::{self, StHeader};
use crate::{finish_snapshot, ImportedModel};

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
        let mut rr = RangeReader {
            hub: self,
            url: url.clone(),
            pos: 0,
            chunk: 1 << 20,
            buf: Vec::new(),
            buf_pos: 0,
            len: f.size,
            record: Vec::new(),
            err: None,
        };
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

/// A `Read` over an HTTP file that fetches growing byte ranges on demand.
struct RangeReader<'a> {
    hub: &'a Hub,
    url: String,
    pos: u64,
    chunk: u64,
    buf: Vec<u8>,
    buf_pos: usize,
    len: Option<u64>,
    /// Every byte handed out, for the cache.
    record: Vec<u8>,
    err: Option<ImportError>,
}

impl Read for RangeReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.buf_pos >= self.buf.len() {
            if self.len.is_some_and(|l| self.pos >= l) {
                return Ok(0);
            }
            if self.pos >= MAX_HEADER_FETCH {
                self.err = Some(ImportError::Network {
                    url: self.url.clone(),
                    why: format!(
                        "the header runs past {MAX_HEADER_FETCH} bytes; refusing to read more"
                    ),
                });
                return Err(io::Error::other("header too large"));
            }
            let end = self.pos + self.chunk - 1;
            let end = match self.len {
                Some(l) => end.min(l - 1),
                None => end,
            };
            let resp = match self.hub.request(&self.url, Some((self.pos, end))) {
                Ok(r) => r,
                Err(e) => {
                    let msg = e.to_string();
                    self.err = Some(e);
                    return Err(io::Error::other(msg));
                }
            };
            let want = end - self.pos + 1;
            if resp.status == 200 && self.pos > 0 {
                self.err = Some(ImportError::Network {
                    url: self.url.clone(),
                    why: "the server ignores HTTP Range requests".into(),
                });
                return Err(io::Error::other("no range support"));
            }
            let mut body = resp.body.into_with_config().limit(want).reader();
            let mut chunk = Vec::with_capacity(want.min(1 << 20) as usize);
            (&mut body).take(want).read_to_end(&mut chunk)?;
            if chunk.is_empty() {
                return Ok(0);
            }
            self.buf = chunk;
            self.buf_pos = 0;
            self.chunk = (self.chunk * 2).min(16 << 20);
        }
        let n = out.len().min(self.buf.len() - self.buf_pos);
        out[..n].copy_from_slice(&self.buf[self.buf_pos..self.buf_pos + n]);
        self.record.extend_from_slice(&out[..n]);
        self.buf_pos += n;
        self.pos += n as u64;
        Ok(n)
    }
}

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

fn safe_repo_path(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && p.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
}

/// Files from a tree listing (array) or a model info (`siblings`).
pub fn parse_listing(v: &Value, url: &str) -> Result<Vec<HubFile>, ImportError> {
    let mut out = Vec::new();
    if let Some(arr) = v.as_array() {
        for e in arr {
            if e.get("type").and_then(Value::as_str) != Some("file") {
                continue;
            }
            let Some(path) = e.get("path").and_then(Value::as_str) else {
                continue;
            };
            if !safe_repo_path(path) {
                continue;
            }
            let lfs = e.get("lfs");
            out.push(HubFile {
                path: path.to_string(),
                size: lfs
                    .and_then(|l| l.get("size"))
                    .or_else(|| e.get("size"))
                    .and_then(Value::as_u64),
                oid: lfs
                    .and_then(|l| l.get("oid"))
                    .or_else(|| e.get("oid"))
                    .and_then(Value::as_str)
                    .filter(|o| {
                        o.chars().all(|c| c.is_ascii_alphanumeric())
                            && !o.is_empty()
                            && o.len() <= 128
                    })
                    .map(str::to_string),
            });
        }
    } else if let Some(sib) = v.get("siblings").and_then(Value::as_array) {
        for e in sib {
            let Some(path) = e.get("rfilename").and_then(Value::as_str) else {
                continue;
            };
            if !safe_repo_path(path) {
                continue;
            }
            out.push(HubFile {
                path: path.to_string(),
                size: e.get("size").and_then(Value::as_u64),
                oid: None,
            });
        }
    } else {
        return Err(ImportError::config(url, "the Hub's answer lists no files"));
    }
    Ok(out)
}

/// `hf:owner/repo[:QUANT]` → (repo, quant).
pub fn parse_spec(spec: &str) -> Result<(String, Option<String>), ImportError> {
    let rest = spec.strip_prefix("hf:").unwrap_or(spec).trim();
    let rest = rest.strip_prefix("https://huggingface.co/").unwrap_or(rest);
    let (repo, quant) = match rest.split_once(':') {
        Some((r, q)) => (r, Some(q.to_string()).filter(|q| !q.is_empty())),
        None => (rest, None),
    };
    let repo = repo.trim_end_matches('/');
    let ok = repo.split('/').count() == 2
        && repo.split('/').all(|s| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.len() <= 96
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        });
    if !ok {
        return Err(ImportError::NotFound {
            spec: spec.to_string(),
            why: "expected hf:owner/repo or hf:owner/repo:QUANT".into(),
        });
    }
    if let Some(q) = &quant {
        if q.len() > 64
            || !q
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(ImportError::NotFound {
                spec: spec.to_string(),
                why: format!("'{q}' is not a quantization label"),
            });
        }
    }
    Ok((repo.to_string(), quant))
}

fn is_model_gguf(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    base.ends_with(".gguf") && !base.starts_with("mmproj") && !base.contains("imatrix")
}

/// The quant label a GGUF file name carries: the text after the model name,
/// e.g. `Qwen3-8B-UD-Q4_K_XL.gguf` → candidates `Q4_K_XL`, `UD-Q4_K_XL`.
fn name_matches_quant(path: &str, quant: &str) -> bool {
    let q = quant.to_ascii_uppercase();
    let base = path.rsplit('/').next().unwrap_or(path);
    let stem = base.strip_suffix(".gguf").unwrap_or(base);
    let stem = split_suffix(stem)
        .map(|(s, _, _)| s)
        .unwrap_or(stem)
        .to_ascii_uppercase();
    if let Some(pre) = stem.strip_suffix(&q) {
        return pre.is_empty() || pre.ends_with(['-', '.', '_']);
    }
    // A folder named after the quant (unsloth's split files).
    path.split('/')
        .rev()
        .skip(1)
        .any(|d| d.eq_ignore_ascii_case(quant))
}

/// The GGUF files (all parts) to read for `quant`.
pub fn pick_gguf(files: &[HubFile], quant: &str) -> Result<Vec<HubFile>, String> {
    let mut matches: Vec<&HubFile> = files
        .iter()
        .filter(|f| is_model_gguf(&f.path) && name_matches_quant(&f.path, quant))
        .collect();
    if matches.is_empty() {
        let mut labels: Vec<String> = files
            .iter()
            .filter(|f| is_model_gguf(&f.path))
            .map(|f| gguf_model::file_stem(&f.path))
            .collect();
        labels.sort();
        labels.dedup();
        return Err(format!(
            "no GGUF file matches '{quant}'; the repo has: {}",
            if labels.is_empty() {
                "no GGUF files".to_string()
            } else {
                labels.join(", ")
            }
        ));
    }
    matches.sort_by(|a, b| a.path.cmp(&b.path));
    // One model: the group of the first match (its split parts).
    let first = matches[0];
    let group_key = |p: &str| {
        let dir = p.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        format!("{dir}/{}", gguf_model::file_stem(p))
    };
    let key = group_key(&first.path);
    let group: Vec<HubFile> = matches
        .iter()
        .filter(|f| group_key(&f.path) == key)
        .map(|f| (*f).clone())
        .collect();
    if let Some((_, _, count)) = first.path.strip_suffix(".gguf").and_then(split_suffix) {
        if group.len() != count as usize {
            return Err(format!(
                "{} is split in {count} parts but the repo lists {}",
                key.trim_start_matches('/'),
                group.len()
            ));
        }
    }
    Ok(group)
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
            let mut stems: Vec<String> = files
                .iter()
                .filter(|f| is_model_gguf(&f.path))
                .map(|f| gguf_model::file_stem(&f.path))
                .collect();
            stems.sort();
            stems.dedup();
            return Err(ImportError::NotFound {
                spec: spec.to_string(),
                why: format!("the repo holds GGUF files; name one quantization, e.g. {spec}:Q4_K_M (files: {})", stems.join(", ")),
            });
        };
        let group = pick_gguf(&files, &q).map_err(|why| ImportError::NotFound {
            spec: spec.to_string(),
            why,
        })?;
        let mut parts = Vec::with_capacity(group.len());
        let mut total = Some(0u64);
        for f in &group {
            let h = hub.gguf_header(&repo, f)?;
            total = total.and_then(|t| f.size.map(|s| t + s));
            parts.push((hub.file_url(&repo, &f.path), h));
        }
        let src = format!("{source}/{}", group[0].path);
        return gguf_model::model_from_gguf(&parts, &src, total);
    }
    let cfg_file = files
        .iter()
        .find(|f| f.path == "config.json")
        .ok_or_else(|| ImportError::NotFound {
            spec: spec.to_string(),
            why: "the repo has neither config.json nor GGUF files".into(),
        })?;
    let cfg_bytes = hub.small_file(&repo, cfg_file)?;
    let cfg_url = hub.file_url(&repo, "config.json");
    let cfg: Value = serde_json::from_slice(&cfg_bytes)
        .map_err(|e| ImportError::config(&cfg_url, format!("not JSON: {e}")))?;
    // Shards: from the index, else every top-level *.safetensors.
    let shard_names: Vec<String> = match files
        .iter()
        .find(|f| f.path == "model.safetensors.index.json")
    {
        Some(ix) => {
            let b = hub.small_file(&repo, ix)?;
            let v: Value = serde_json::from_slice(&b).map_err(|e| {
                ImportError::config(hub.file_url(&repo, &ix.path), format!("not JSON: {e}"))
            })?;
            safetensors::index_shards(&v, &ix.path)?
        }
        None => files
            .iter()
            .filter(|f| !f.path.contains('/') && f.path.ends_with(".safetensors"))
            .map(|f| f.path.clone())
            .collect(),
    };
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
            headers.push(hub.safetensors_header(&repo, f)?);
            file_bytes = file_bytes.and_then(|t| f.size.map(|sz| t + sz));
        }
    }
    if headers.is_empty() {
        file_bytes = None;
    }
    finish_snapshot(&cfg, &cfg_url, &headers, &source, file_bytes, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(p: &str) -> HubFile {
        HubFile {
            path: p.into(),
            size: Some(10),
            oid: None,
        }
    }

    #[test]
    fn specs() {
        assert_eq!(
            parse_spec("hf:Qwen/Qwen3-8B").unwrap(),
            ("Qwen/Qwen3-8B".into(), None)
        );
        assert_eq!(
            parse_spec("hf:unsloth/Qwen3-8B-GGUF:Q4_K_M")
                .unwrap()
                .1
                .as_deref(),
            Some("Q4_K_M")
        );
        assert!(parse_spec("hf:../etc").is_err());
        assert!(parse_spec("hf:a/b/c").is_err());
        assert!(parse_spec("hf:a/b:Q4/../x").is_err());
    }

    #[test]
    fn picks_quants() {
        let files = vec![
            f("Qwen3-8B-Q4_K_M.gguf"),
            f("Qwen3-8B-UD-Q4_K_XL.gguf"),
            f("Qwen3-8B-Q8_0.gguf"),
            f("mmproj-F16.gguf"),
            f("Q6_K/Qwen3-8B-Q6_K-00001-of-00002.gguf"),
            f("Q6_K/Qwen3-8B-Q6_K-00002-of-00002.gguf"),
        ];
        assert_eq!(
            pick_gguf(&files, "q4_k_m").unwrap()[0].path,
            "Qwen3-8B-Q4_K_M.gguf"
        );
        assert_eq!(
            pick_gguf(&files, "Q4_K_XL").unwrap()[0].path,
            "Qwen3-8B-UD-Q4_K_XL.gguf"
        );
        assert_eq!(pick_gguf(&files, "Q6_K").unwrap().len(), 2);
        let e = pick_gguf(&files, "Q2_K").unwrap_err();
        assert!(e.contains("Qwen3-8B-Q8_0"), "{e}");
        assert!(!e.contains("mmproj"));
        let short = vec![f("Q6_K/Qwen3-8B-Q6_K-00001-of-00002.gguf")];
        assert!(pick_gguf(&short, "Q6_K").is_err());
    }

    #[test]
    fn listing_rejects_escaping_paths() {
        let v: Value = serde_json::json!([
            {"type": "file", "path": "../x.gguf", "size": 1},
            {"type": "file", "path": "ok.gguf", "size": 5, "oid": "abc"},
            {"type": "directory", "path": "sub"}
        ]);
        let l = parse_listing(&v, "u").unwrap();
        assert_eq!(
            l,
            vec![HubFile {
                path: "ok.gguf".into(),
                size: Some(5),
                oid: Some("abc".into())
            }]
        );
        assert_eq!(encode_path("a b/c.gguf"), "a%20b/c.gguf");
    }
}
