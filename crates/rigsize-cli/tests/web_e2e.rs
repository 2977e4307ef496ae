//! End to end: the real binary.
//!
//! - `rigsize serve --port 0`, the page opened in headless Chromium with the
//!   form's values in the URL (the page fills the form and submits it, as a
//!   user would), then the rendered DOM checked — memory bars, tok/s curve,
//!   price-vs-speed scatter, and the numbers against `rigsize fit --json` —
//!   and a screenshot kept in `target/web-e2e.png`. Skipped, with a note,
//!   when no Chromium is installed (`scripts/ci-deps.sh` installs Debian's).
//! - `rigsize mcp` over stdin/stdout pipes: initialize, tools/list, tools/call fit.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_rigsize");

/// Kills the child when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RIGSIZE_CHROMIUM") {
        return Some(p.into());
    }
    let path = std::env::var_os("PATH")?;
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// Starts `rigsize serve --port 0` and returns it with its base URL.
fn start_server() -> (Guard, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0"])
        .env(
            "RIGSIZE_CACHE_DIR",
            std::env::temp_dir().join("rigsize-web-e2e-cache"),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rigsize serve");
    let stderr = child.stderr.take().unwrap();
    let guard = Guard(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.split("listening on ").nth(1) {
                let _ = tx.send(url.trim().trim_end_matches('/').to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("rigsize serve printed its address");
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "loopback by default: {url}"
    );
    (guard, url)
}

/// Runs Chromium headless with a time limit; returns stdout.
fn chromium(bin: &Path, profile: &Path, args: &[&str]) -> String {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1280,2000",
            "--virtual-time-budget=30000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap()
}

/// The text of the first `<td class="CLASS">` inside the table row of `device`.
fn cell_text(dom: &str, device: &str, class: &str) -> String {
    let row_start = dom
        .find(&format!("<tr data-device=\"{device}\">"))
        .unwrap_or_else(|| panic!("no table row for {device}"));
    let row = &dom[row_start..];
    let row = &row[..row.find("</tr>").unwrap()];
    let key = format!("class=\"{class}\">");
    let at = row
        .find(&key)
        .unwrap_or_else(|| panic!("no {class} cell for {device}"));
    let rest = &row[at + key.len()..];
    rest[..rest.find('<').unwrap()].to_string()
}

fn gib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1u64 << 30) as f64)
}

fn fit_json(args: &[&str]) -> Value {
    let out = Command::new(BIN)
        .arg("fit")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn page_in_headless_chromium() {
    let Some(chromium_bin) = find_chromium() else {
        let why = "no chromium on PATH (scripts/ci-deps.sh installs it; or set RIGSIZE_CHROMIUM)";
        // Under CI the browser is installed by .ci/run, so its absence is a failure.
        if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false") {
            panic!("the web end-to-end test cannot run under CI=true: {why}");
        }
        // Straight to stderr: the test harness captures eprintln!, so a
        // skip would otherwise show only as a 0.1 s `ok`.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "\nWARNING: SKIPPED the web end-to-end test page_in_headless_chromium: {why}\n"
        );
        return;
    };
    let (_server, base) = start_server();
    let profile = tempdir("rigsize-chromium");
    let query = "?model=qwen3-coder-30b-a3b&quant=q4_k_m&ctx=200k&streams=3&kv_type=q8_0&hw=rtx-5090,rtx-pro-6000-ws&plan=1&top=40";
    let url = format!("{base}/{query}");

    let dom = chromium(&chromium_bin, &profile, &["--dump-dom", &url]);
    assert!(
        dom.contains("data-state=\"done\""),
        "the page did not finish: {}",
        &dom[..dom.len().min(2000)]
    );
    assert!(dom.contains("data-fit=\"done\""), "fit form failed");
    assert!(dom.contains("data-plan=\"done\""), "plan form failed");
    assert!(!dom.contains("class=\"error\""), "the page shows an error");

    // The numbers: the same as `rigsize fit --json` for the same options.
    for device in ["rtx-5090", "rtx-pro-6000-ws"] {
        let want = fit_json(&[
            "--model",
            "qwen3-coder-30b-a3b",
            "--quant",
            "q4_k_m",
            "--ctx",
            "200k",
            "--streams",
            "3",
            "--kv-type",
            "q8_0",
            "--hw",
            device,
        ]);
        let total = want["total_bytes"].as_u64().unwrap();
        let kv = want["kv_cache_bytes"].as_u64().unwrap()
            + want["recurrent_state_bytes"].as_u64().unwrap();
        assert_eq!(
            cell_text(&dom, device, "total"),
            gib(total),
            "{device} total GiB"
        );
        assert_eq!(
            cell_text(&dom, device, "weights"),
            gib(want["weights_bytes"].as_u64().unwrap())
        );
        assert_eq!(cell_text(&dom, device, "kv"), gib(kv), "{device} KV GiB");
        assert_eq!(
            cell_text(&dom, device, "available"),
            gib(want["available_bytes"].as_u64().unwrap())
        );
        let fits = if want["fits"] == true { "yes" } else { "no" };
        assert!(
            dom.contains(&format!("class=\"fits {fits}\">{fits}<")),
            "{device} fits {fits}"
        );
        // Its stacked bar, with the KV segment at the same GiB.
        let bar = dom
            .find(&format!("class=\"mem-bar\" data-device=\"{device}\""))
            .unwrap_or_else(|| panic!("no memory bar for {device}"));
        let bar = &dom[bar..];
        let bar = &bar[..bar.find("</g>").unwrap()];
        for seg in [
            "seg-weights",
            "seg-kv",
            "seg-overhead",
            "seg-capacity",
            "class=\"capacity\"",
        ] {
            assert!(bar.contains(seg), "{device} bar lacks {seg}");
        }
        assert!(bar.contains(&format!("class=\"seg-kv\" data-gib=\"{}\"", gib(kv))));
    }

    // The speed curve: points at several depths, falling with depth.
    let start = dom.find("id=\"speed-chart\"").expect("speed chart");
    let speed = &dom[start..dom[start..].find("</svg>").unwrap() + start];
    let toks: Vec<f64> = speed
        .split("data-tok-s=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect();
    // One series per device whose fit allows the speed (speed checks the fit
    // first): at least one series of six depths.
    assert!(toks.len() >= 6, "speed points: {toks:?}");
    assert!(toks.iter().all(|t| *t > 0.0));
    assert!(toks[0] > toks[5], "decode slows with depth: {toks:?}");
    assert!(speed.contains("class=\"speed-line\""));

    // The plan scatter, with the Pareto front marked, and the report.
    let start = dom.find("id=\"plan-chart\"").expect("plan chart");
    let plan = &dom[start..dom[start..].find("</svg>").unwrap() + start];
    assert!(
        plan.matches("class=\"candidate").count() >= 5,
        "few candidates plotted"
    );
    assert!(
        plan.contains("class=\"candidate pareto\""),
        "no Pareto point"
    );
    assert!(dom.contains("id=\"top-pick\""), "no top pick");
    assert!(dom.contains("Bill of materials"));

    // A screenshot to look at.
    let shot = target_dir().join("web-e2e.png");
    let _ = std::fs::remove_file(&shot);
    chromium(
        &chromium_bin,
        &profile,
        &[&format!("--screenshot={}", shot.display()), &url],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot looks empty"
    );
    eprintln!("screenshot: {}", shot.display());
    let _ = std::fs::remove_dir_all(&profile);
}

#[test]
fn api_errors_over_http() {
    let (_server, base) = start_server();
    let addr = base.trim_start_matches("http://").to_string();
    let (status, body) = http(&addr, "POST", "/api/fit", "{\"model\": \"no-such-model\"}");
    assert_eq!(status, 400, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    // The CLI's message for the same input.
    let out = Command::new(BIN)
        .args(["fit", "--model", "no-such-model", "--json"])
        .output()
        .unwrap();
    let cli = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        cli.trim().trim_start_matches("error: "),
        v["error"].as_str().unwrap(),
        "same message as the CLI"
    );
    let (status, body) = http(&addr, "POST", "/api/fit", &"x".repeat(300 * 1024));
    assert_eq!(status, 413, "{body}");
    let (status, _) = http(&addr, "GET", "/api/fit", "");
    assert_eq!(status, 405);
    let (status, body) = http(&addr, "GET", "/api/health", "");
    assert_eq!(status, 200, "{body}");
}

/// One HTTP/1.1 request over a plain socket.
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = Vec::new();
    let _ = std::io::Read::read_to_end(&mut s, &mut resp);
    let resp = String::from_utf8_lossy(&resp).into_owned();
    let status = resp.split(' ').nth(1).unwrap().parse().unwrap();
    let body = resp.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

#[test]
fn mcp_over_stdio_pipes() {
    let mut child = Command::new(BIN)
        .arg("mcp")
        .env(
            "RIGSIZE_CACHE_DIR",
            std::env::temp_dir().join("rigsize-web-e2e-cache"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rigsize mcp");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let _guard = Guard(child);
    let mut send = |v: Value| {
        writeln!(stdin, "{v}").unwrap();
        stdin.flush().unwrap();
    };
    let mut response = |id: u64| -> Value {
        loop {
            let mut line = String::new();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "rigsize mcp closed stdout"
            );
            let v: Value = serde_json::from_str(&line).expect("stdout carries only JSON-RPC");
            if v["id"] == json!(id) {
                return v;
            }
        }
    };
    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "e2e", "version": "0"}}}),
    );
    let init = response(1);
    assert_eq!(init["result"]["serverInfo"]["name"], "rigsize", "{init}");
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}));
    let tools = response(2);
    let names: Vec<String> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    for want in [
        "fit",
        "speed",
        "plan",
        "list_models",
        "list_hardware",
        "prices",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} missing: {names:?}");
    }
    send(
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "fit",
        "arguments": {"model": "qwen3-coder-30b-a3b", "quant": "q4_k_m", "ctx": 200000,
            "kv_type": "q8_0", "streams": 3, "hw": "rtx-5090"}}}),
    );
    let r = response(3);
    let want = fit_json(&[
        "--model",
        "qwen3-coder-30b-a3b",
        "--quant",
        "q4_k_m",
        "--ctx",
        "200000",
        "--streams",
        "3",
        "--kv-type",
        "q8_0",
        "--hw",
        "rtx-5090",
    ]);
    assert_eq!(r["result"]["isError"], false, "{r}");
    assert!(
        r["result"]["structuredContent"] == want,
        "MCP fit differs from `rigsize fit --json`"
    );
}

fn tempdir(prefix: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
