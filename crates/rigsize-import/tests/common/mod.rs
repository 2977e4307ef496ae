//! Test helpers: a tiny GGUF writer and a Hub-like HTTP server on 127.0.0.1.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rigsize_core::dtype::DType;

/// A metadata value to write.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    Str(String),
    U64(u64),
    I64(i64),
    F64(f64),
    /// Element type id and elements (all of that type).
    Arr(u32, Vec<V>),
}

impl V {
    pub fn type_id(&self) -> u32 {
        match self {
            V::U8(_) => 0,
            V::I8(_) => 1,
            V::U16(_) => 2,
            V::I16(_) => 3,
            V::U32(_) => 4,
            V::I32(_) => 5,
            V::F32(_) => 6,
            V::Bool(_) => 7,
            V::Str(_) => 8,
            V::Arr(..) => 9,
            V::U64(_) => 10,
            V::I64(_) => 11,
            V::F64(_) => 12,
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            V::U8(v) => out.push(*v),
            V::I8(v) => out.push(*v as u8),
            V::U16(v) => out.extend_from_slice(&v.to_le_bytes()),
            V::I16(v) => out.extend_from_slice(&v.to_le_bytes()),
            V::U32(v) => out.extend_from_slice(&v.to_le_bytes()),
            V::I32(v) => out.extend_from_slice(&v.to_le_bytes()),
            V::F32(v) => out.extend_from_slice(&v.to_le_bytes()),
            V::Bool(v) => out.push(*v as u8),
            V::Str(s) => write_str(out, s),
            V::U64(v) => out.extend_from_slice(&v.to_le_bytes()),
            V::I64(v) => out.extend_from_slice(&v.to_le_bytes()),
            V::F64(v) => out.extend_from_slice(&v.to_le_bytes()),
            V::Arr(t, items) => {
                out.extend_from_slice(&t.to_le_bytes());
                out.extend_from_slice(&(items.len() as u64).to_le_bytes());
                for i in items {
                    i.write(out);
                }
            }
        }
    }
}

pub fn s(x: &str) -> V {
    V::Str(x.to_string())
}

pub fn u32s(v: &[u32]) -> V {
    V::Arr(4, v.iter().map(|x| V::U32(*x)).collect())
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A GGUF file under construction.
#[derive(Debug, Clone, Default)]
pub struct Gguf {
    pub version: u32,
    pub kv: Vec<(String, V)>,
    /// name, ne (row first), type
    pub tensors: Vec<(String, Vec<u64>, DType)>,
}

impl Gguf {
    pub fn new(arch: &str) -> Gguf {
        let mut g = Gguf {
            version: 3,
            ..Default::default()
        };
        g.kv("general.architecture", s(arch));
        g
    }

    pub fn kv(&mut self, k: &str, v: V) -> &mut Self {
        self.kv.push((k.to_string(), v));
        self
    }

    pub fn tensor(&mut self, name: &str, ne: &[u64], t: DType) -> &mut Self {
        self.tensors.push((name.to_string(), ne.to_vec(), t));
        self
    }

    /// Header bytes (up to and including the tensor infos, padded to 32),
    /// and the data section length.
    pub fn header(&self) -> (Vec<u8>, u64) {
        let mut out = Vec::new();
        out.extend_from_slice(b"GGUF");
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.kv.len() as u64).to_le_bytes());
        for (k, v) in &self.kv {
            write_str(&mut out, k);
            out.extend_from_slice(&v.type_id().to_le_bytes());
            v.write(&mut out);
        }
        let mut offset = 0u64;
        for (name, ne, t) in &self.tensors {
            write_str(&mut out, name);
            out.extend_from_slice(&(ne.len() as u32).to_le_bytes());
            for d in ne {
                out.extend_from_slice(&d.to_le_bytes());
            }
            out.extend_from_slice(&t.ggml_id().unwrap().to_le_bytes());
            out.extend_from_slice(&offset.to_le_bytes());
            let n: u64 = ne.iter().product();
            offset += t.bytes_for(n).div_ceil(32) * 32;
        }
        while out.len() % 32 != 0 {
            out.push(0);
        }
        (out, offset)
    }

    /// The whole file in memory (zeroed data).
    pub fn bytes(&self) -> Vec<u8> {
        let (mut h, data) = self.header();
        h.resize(h.len() + data as usize, 0);
        h
    }

    /// Writes the file (data as a sparse hole) and returns its path.
    pub fn write_to(&self, path: &Path) -> PathBuf {
        let (h, data) = self.header();
        let mut f = std::fs::File::create(path).unwrap();
        f.write_all(&h).unwrap();
        f.set_len(h.len() as u64 + data).unwrap();
        path.to_path_buf()
    }

    /// Sum of the tensor sizes, as ggml computes them.
    pub fn tensor_bytes(&self) -> u64 {
        self.tensors
            .iter()
            .map(|(_, ne, t)| t.bytes_for(ne.iter().product()))
            .sum()
    }
}

/// A fresh temporary directory under the target dir.
pub fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "rigsize-import-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A minimal Hub: serves `files` (repo path → bytes) under
/// `/{repo}/resolve/main/{path}` with Range support, and
/// `/api/models/{repo}/tree/main` listings. Counts requests and bytes.
pub struct HubServer {
    pub endpoint: String,
    pub requests: Arc<AtomicUsize>,
    pub bytes_sent: Arc<AtomicUsize>,
    pub auth_seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

pub type Repos = HashMap<String, Vec<(String, Vec<u8>)>>;

impl HubServer {
    pub fn start(repos: Repos, require_token: Option<&str>) -> HubServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let bytes_sent = Arc::new(AtomicUsize::new(0));
        let auth_seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (rq, bs, au, st) = (
            requests.clone(),
            bytes_sent.clone(),
            auth_seen.clone(),
            stop.clone(),
        );
        let token = require_token.map(|t| format!("Bearer {t}"));
        let handle = std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(120);
            while !st.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = serve(stream, &repos, &rq, &bs, &au, token.as_deref());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        HubServer {
            endpoint,
            requests,
            bytes_sent,
            auth_seen,
            stop,
            handle: Some(handle),
        }
    }
}

impl Drop for HubServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn serve(
    mut stream: TcpStream,
    repos: &Repos,
    requests: &AtomicUsize,
    bytes_sent: &AtomicUsize,
    auth_seen: &Mutex<Vec<String>>,
    token: Option<&str>,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut range: Option<(u64, Option<u64>)> = None;
    let mut auth = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" {
            break;
        }
        let lower = h.to_ascii_lowercase();
        if let Some(r) = lower.strip_prefix("range: bytes=") {
            let r = r.trim();
            let (a, b) = r.split_once('-').unwrap_or((r, ""));
            range = Some((a.parse().unwrap_or(0), b.parse().ok()));
        }
        if lower.starts_with("authorization:") {
            auth = Some(h["authorization:".len()..].trim().to_string());
        }
    }
    requests.fetch_add(1, Ordering::SeqCst);
    if let Some(a) = &auth {
        auth_seen.lock().unwrap().push(a.clone());
    }
    if let Some(t) = token {
        if auth.as_deref() != Some(t) {
            return respond(
                &mut stream,
                "401 Unauthorized",
                &[],
                b"{\"error\":\"gated\"}",
            );
        }
    }
    let path = path.split('?').next().unwrap_or("").to_string();
    // Listing.
    if let Some(rest) = path.strip_prefix("/api/models/") {
        let repo = rest.strip_suffix("/tree/main").unwrap_or(rest);
        let Some(files) = repos.get(repo) else {
            return respond(
                &mut stream,
                "404 Not Found",
                &[],
                b"{\"error\":\"Repository not found\"}",
            );
        };
        let arr: Vec<serde_json::Value> = files
            .iter()
            .map(|(p, b)| {
                serde_json::json!({
                    "type": "file",
                    "path": p,
                    "size": b.len(),
                    "oid": format!("{:016x}{:08x}", fnv(b), b.len()),
                })
            })
            .collect();
        let body = if rest.ends_with("/tree/main") {
            serde_json::Value::Array(arr).to_string()
        } else {
            serde_json::json!({"siblings": files.iter().map(|(p, _)| serde_json::json!({"rfilename": p})).collect::<Vec<_>>()}).to_string()
        };
        return respond(
            &mut stream,
            "200 OK",
            &[("Content-Type".into(), "application/json".into())],
            body.as_bytes(),
        );
    }
    // Files: /{owner}/{repo}/resolve/main/{path}
    let parts: Vec<&str> = path.trim_start_matches('/').splitn(5, '/').collect();
    if parts.len() == 5 && parts[2] == "resolve" && parts[3] == "main" {
        let repo = format!("{}/{}", parts[0], parts[1]);
        let file = parts[4].replace("%20", " ");
        if let Some(body) = repos
            .get(&repo)
            .and_then(|fs| fs.iter().find(|(p, _)| *p == file))
            .map(|(_, b)| b)
        {
            return match range {
                Some((a, b)) => {
                    let len = body.len() as u64;
                    if a >= len {
                        return respond(&mut stream, "416 Range Not Satisfiable", &[], b"");
                    }
                    let end = b.unwrap_or(len - 1).min(len - 1);
                    let slice = &body[a as usize..=end as usize];
                    bytes_sent.fetch_add(slice.len(), Ordering::SeqCst);
                    respond(
                        &mut stream,
                        "206 Partial Content",
                        &[("Content-Range".into(), format!("bytes {a}-{end}/{len}"))],
                        slice,
                    )
                }
                None => {
                    bytes_sent.fetch_add(body.len(), Ordering::SeqCst);
                    respond(&mut stream, "200 OK", &[], body)
                }
            };
        }
    }
    respond(&mut stream, "404 Not Found", &[], b"Entry not found")
}

fn fnv(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for x in b {
        h ^= *x as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// A safetensors file from (name, dtype, shape) entries, data zeroed.
pub fn safetensors_file(entries: &[(&str, &str, Vec<u64>)]) -> Vec<u8> {
    let mut map = serde_json::Map::new();
    map.insert("__metadata__".into(), serde_json::json!({"format": "pt"}));
    let mut off = 0u64;
    for (name, dt, shape) in entries {
        let bits = rigsize_import::safetensors::dtype_bits(dt).unwrap();
        let n: u64 = shape.iter().product();
        let len = (n * bits).div_ceil(8);
        map.insert(
            name.to_string(),
            serde_json::json!({"dtype": dt, "shape": shape, "data_offsets": [off, off + len]}),
        );
        off += len;
    }
    let json = serde_json::Value::Object(map).to_string();
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(json.as_bytes());
    out.resize(out.len() + off as usize, 0);
    out
}
