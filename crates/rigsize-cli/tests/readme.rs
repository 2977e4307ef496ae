//! Every command in the README's Examples block runs here, as written, in
//! order, in one scratch directory: offline ones for real; `hf:` against a
//! local Hub-like server, `bench` against the scripted loopback server, the
//! `--hw local` ones on a captured RTX 4090 box (fake `nvidia-smi`), `serve`
//! until its page answers (on a free port instead of 8080), `mcp` through a
//! tools/list exchange. Nothing reaches the network.

#[path = "../../rigsize-import/tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{s, Gguf, HubServer, V};
use rigsize_bench::mock::{self, Script};
use rigsize_core::dtype::DType;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shell lines of the first ```sh block under "## Examples".
fn example_lines() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let after = text
        .split("\n## Examples")
        .nth(1)
        .expect("README has ## Examples");
    let block = after
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("\n```")
        .next()
        .unwrap();
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// Splits a line as sh would for these examples: words, "double quotes",
/// a trailing `# comment`.
fn words(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut in_word) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            '#' if !quoted && !in_word => break,
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// A small Qwen3-architecture GGUF (headers and tensor table only matter).
fn tiny_gguf() -> Vec<u8> {
    let mut g = Gguf::new("qwen3");
    g.kv("general.file_type", V::U32(15))
        .kv("qwen3.block_count", V::U32(2))
        .kv("qwen3.context_length", V::U32(262_144))
        .kv("qwen3.embedding_length", V::U32(256))
        .kv("qwen3.feed_forward_length", V::U32(512))
        .kv("qwen3.attention.head_count", V::U32(4))
        .kv("qwen3.attention.head_count_kv", V::U32(2))
        .kv("qwen3.attention.key_length", V::U32(64))
        .kv(
            "tokenizer.ggml.tokens",
            V::Arr(8, (0..100).map(|i| s(&format!("t{i}"))).collect()),
        );
    g.tensor("token_embd.weight", &[256, 100], DType::Q4_K)
        .tensor("output.weight", &[256, 100], DType::Q6_K);
    for i in 0..2 {
        g.tensor(&format!("blk.{i}.attn_q.weight"), &[256, 256], DType::Q4_K)
            .tensor(&format!("blk.{i}.attn_k.weight"), &[256, 128], DType::Q4_K)
            .tensor(&format!("blk.{i}.attn_v.weight"), &[256, 128], DType::Q6_K)
            .tensor(
                &format!("blk.{i}.ffn_down.weight"),
                &[512, 256],
                DType::Q6_K,
            );
    }
    g.bytes()
}

/// Fake vendor tools of the captured RTX 4090 box.
fn fake_4090(bin: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = repo().join("crates/rigsize-detect/tests/fixtures/rtx4090");
    let p = bin.join("nvidia-smi");
    std::fs::write(
        &p,
        format!(
            "#!/bin/sh\nexec /bin/cat '{}'\n",
            dir.join("nvidia-smi").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir.join("root")
}

struct Scene {
    dir: tempfile::TempDir,
    bin: PathBuf,
    root: PathBuf,
    hub: HubServer,
    bench_url: String,
}

fn scene() -> Scene {
    let dir = tempfile::tempdir().unwrap();
    for d in ["examples", "data"] {
        std::os::unix::fs::symlink(repo().join(d), dir.path().join(d)).unwrap();
    }
    std::fs::write(dir.path().join("Qwen3-30B-A3B-Q4_K_M.gguf"), tiny_gguf()).unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let root = fake_4090(&bin);
    let mut repos = HashMap::new();
    repos.insert(
        "unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF".to_string(),
        vec![(
            "Qwen3-Coder-30B-A3B-Instruct-Q4_K_M.gguf".to_string(),
            tiny_gguf(),
        )],
    );
    Scene {
        hub: HubServer::start(repos, None),
        bench_url: mock::start(
            Script::Stream {
                ttft: Duration::from_millis(50),
                rate: 200.0,
            },
            "qwen3-8b",
        ),
        dir,
        bin,
        root,
    }
}

impl Scene {
    /// `rigsize ARGS` with the line's own `VAR=value`s, hermetic otherwise.
    fn command(&self, env: &[(String, String)], args: &[String]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rigsize"));
        c.current_dir(self.dir.path())
            .args(args)
            .env("PATH", &self.bin)
            .env("RIGSIZE_SYSROOT", &self.root)
            .env("HF_ENDPOINT", &self.hub.endpoint)
            .env("RIGSIZE_CACHE_DIR", self.dir.path().join("cache"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("RIGSIZE_TOPPREISE_URL", "http://127.0.0.1:9/unreachable")
            .env_remove("RIGSIZE_CATALOG")
            .env_remove("HF_TOKEN")
            .env_remove("HUGGING_FACE_HUB_TOKEN");
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn with_value(args: &mut [String], flag: &str, value: &str) {
    let i = args
        .iter()
        .position(|a| a == flag)
        .unwrap_or_else(|| panic!("{flag} in {args:?}"));
    args[i + 1] = value.to_string();
}

/// `serve`: runs until GET / answers 200, then is stopped.
fn check_serve(mut child: Child, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let ok = loop {
        let got = std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .and_then(|mut s| {
                s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .ok()?;
                let mut line = String::new();
                BufReader::new(s).read_line(&mut line).ok()?;
                Some(line)
            });
        if got.is_some_and(|l| l.contains(" 200 ")) {
            break true;
        }
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "rigsize serve did not answer GET / on port {port}");
}

/// `mcp`: initialize, then tools/list names the fit tool; closing stdin ends it.
fn check_mcp(mut child: Child) {
    let mut stdin = child.stdin.take().unwrap();
    for msg in [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"readme-test","version":"0"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    ] {
        writeln!(stdin, "{msg}").unwrap();
    }
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("\"id\":2") {
                let _ = tx.send(line);
                return;
            }
        }
    });
    let reply = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("tools/list reply");
    drop(stdin);
    let t = Instant::now();
    while child.try_wait().unwrap().is_none() && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let ended = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    let _ = child.wait();
    assert!(reply.contains("\"fit\""), "{reply}");
    assert!(ended, "rigsize mcp kept running after stdin closed");
}

#[test]
fn every_readme_example_runs() {
    let sc = scene();
    let lines = example_lines();
    assert!(lines.len() >= 20, "{lines:?}");
    for line in &lines {
        let mut w = words(line);
        let env: Vec<(String, String)> = w
            .iter()
            .take_while(|x| x.contains('=') && !x.starts_with('-'))
            .map(|x| {
                let (k, v) = x.split_once('=').unwrap();
                (k.to_string(), v.to_string())
            })
            .collect();
        w.drain(..env.len());
        assert_eq!(w[0], "rigsize", "{line}");
        let mut args: Vec<String> = w[1..].to_vec();
        match args[0].as_str() {
            "serve" => {
                let port = free_port();
                with_value(&mut args, "--port", &port.to_string());
                let child = sc
                    .command(&env, &args)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                check_serve(child, port);
                continue;
            }
            "mcp" => {
                let child = sc
                    .command(&env, &args)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                check_mcp(child);
                continue;
            }
            "bench" => with_value(&mut args, "--url", &sc.bench_url),
            _ => {}
        }
        let out = sc.command(&env, &args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        // A line the README marks "# refused:" shows a refusal: exit 2 with the reason.
        if line.contains("# refused:") {
            assert_eq!(out.status.code(), Some(2), "README refusal ran: {line}");
            assert!(
                err.contains("error:"),
                "README refusal without a reason: {line}\n{err}"
            );
            continue;
        }
        assert!(out.status.success(), "README example failed: {line}\n{err}");
        let wrote = args
            .iter()
            .position(|a| a == "-o" || a == "--save")
            .map(|i| sc.dir.path().join(&args[i + 1]));
        let produced = !out.stdout.is_empty()
            || wrote.is_some_and(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0));
        assert!(
            produced,
            "README example printed and wrote nothing: {line}\n{err}"
        );
    }
}

#[test]
fn the_splitter_handles_quotes_and_comments() {
    assert_eq!(
        words(r#"A=1 rigsize prices search "RTX PRO 6000" --offline   # note"#),
        [
            "A=1",
            "rigsize",
            "prices",
            "search",
            "RTX PRO 6000",
            "--offline"
        ]
    );
}
