//! `rigsize bench` against a real llama-server (CPU) on a tiny committed
//! GGUF (tests/fixtures/llamacpp, written by scripts/llamacpp/make_models.py):
//! the decode rate rigsize measures from the stream agrees with
//! llama-server's own `timings` within 10 %.
//!
//! Needs `RIGSIZE_LLAMA_SERVER=/path/to/llama-server`
//! (`BUILD_SERVER=1 scripts/llamacpp/build.sh` builds one); without it the
//! test prints a WARNING past cargo's capture and skips.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn up(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port))
        .ok()
        .and_then(|mut s| {
            s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .ok()?;
            let mut buf = [0u8; 16];
            std::io::Read::read(&mut s, &mut buf).ok()?;
            Some(buf.starts_with(b"HTTP/1.1 200"))
        })
        .unwrap_or(false)
}

#[test]
fn bench_agrees_with_llama_server_timings() {
    let Some(bin) = std::env::var_os("RIGSIZE_LLAMA_SERVER").map(PathBuf::from) else {
        let _ = writeln!(
            std::io::stderr().lock(),
            "\nWARNING: SKIPPED bench_agrees_with_llama_server_timings: set RIGSIZE_LLAMA_SERVER to a llama-server binary (BUILD_SERVER=1 scripts/llamacpp/build.sh)\n"
        );
        return;
    };
    let model = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/llamacpp/llama-gqa-l4-h8-kv2-d32.gguf");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        Command::new(&bin)
            .args(["-m", model.to_str().unwrap(), "--host", "127.0.0.1"])
            .args([
                "--port",
                &port.to_string(),
                "-c",
                "4096",
                "-np",
                "1",
                // One thread: on CI's two cores the client's reader must not
                // wait for the server's threads, or a late first chunk shortens
                // the client's decode window (10–12 % off on a 50 ms window).
                "-t",
                "1",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start llama-server"),
    );
    let t = Instant::now();
    while !up(port) {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "llama-server did not come up"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_rigsize"))
        .args(["bench", "--url", &format!("http://127.0.0.1:{port}/v1")])
        .args([
            "--depth",
            "0,1k",
            "--streams",
            "1",
            "--max-tokens",
            // Long enough that a few ms of scheduling jitter stay within 1–2 %.
            "1024",
            "--json",
        ])
        .args(["--timeout", "120"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["server"]["build"].as_str().is_some(), "{v}");
    for p in v["results"].as_array().unwrap() {
        let ours = p["decode_tok_s_per_stream"].as_f64().unwrap();
        let theirs = p["server_decode_tok_s_per_stream"]
            .as_f64()
            .unwrap_or_else(|| panic!("llama-server reported no timings: {p}"));
        let err = (ours - theirs).abs() / theirs;
        eprintln!(
            "depth {}: rigsize {ours:.1} tok/s, llama-server {theirs:.1} tok/s ({:.1} %)",
            p["depth"],
            err * 100.0
        );
        assert!(err < 0.10, "rigsize {ours} vs llama-server {theirs} at {p}");
        assert_eq!(p["tokens_counted_by"], "usage", "{p}");
    }
}
