//! The tool server over a pipe: raw JSON-RPC lines, as a coding agent's MCP
//! client sends them — initialize, tools/list, tools/call.

use std::time::Duration;

use rigsize_catalog::Catalog;
use rigsize_serve::mcp::serve_mcp;
use rigsize_serve::{build_fit_report, FitRequest};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

struct Client {
    writer: tokio::io::WriteHalf<tokio::io::DuplexStream>,
    reader: BufReader<tokio::io::ReadHalf<tokio::io::DuplexStream>>,
}

impl Client {
    async fn send(&mut self, msg: Value) {
        let mut line = serde_json::to_string(&msg).unwrap();
        line.push('\n');
        self.writer.write_all(line.as_bytes()).await.unwrap();
        self.writer.flush().await.unwrap();
    }

    /// The response to request `id` (skipping notifications).
    async fn response(&mut self, id: u64) -> Value {
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(20), self.reader.read_line(&mut line))
                .await
                .expect("server answered in time")
                .unwrap();
            assert!(n > 0, "server closed the pipe");
            let v: Value = serde_json::from_str(&line).expect("one JSON object per line");
            assert_eq!(v["jsonrpc"], "2.0");
            if v["id"] == json!(id) {
                return v;
            }
        }
    }

    async fn call(&mut self, id: u64, name: &str, args: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": name, "arguments": args}}))
            .await;
        let r = self.response(id).await;
        assert!(r["error"].is_null(), "{r}");
        r["result"].clone()
    }
}

async fn start() -> (Client, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let (client, server) = tokio::io::duplex(1 << 20);
    let (sr, sw) = tokio::io::split(server);
    let task = tokio::spawn(serve_mcp(Catalog::builtin().unwrap(), (sr, sw)));
    let (cr, cw) = tokio::io::split(client);
    (
        Client {
            writer: cw,
            reader: BufReader::new(cr),
        },
        task,
    )
}

#[tokio::test]
async fn initialize_list_and_call_every_tool() {
    let (mut c, task) = start().await;
    c.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test-agent", "version": "0"}}}),
    )
    .await;
    let init = c.response(1).await;
    assert_eq!(init["result"]["serverInfo"]["name"], "rigsize", "{init}");
    assert!(init["result"]["capabilities"]["tools"].is_object());
    assert!(init["result"]["instructions"]
        .as_str()
        .unwrap()
        .contains("fit"));
    c.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;

    c.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}))
        .await;
    let list = c.response(2).await;
    let tools = list["result"]["tools"].as_array().expect("tools");
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    for want in [
        "fit",
        "speed",
        "plan",
        "list_models",
        "list_hardware",
        "prices",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    for t in tools {
        assert!(t["description"].as_str().unwrap().len() > 80, "{t}");
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
    }
    // Every engine list an agent reads is the engine table's, in its order.
    let engines = rigsize_core::engine::Engine::names_listed();
    let mut listed = 0;
    for t in tools {
        let desc = t["description"].as_str().unwrap();
        if desc.contains("`engine`") {
            listed += 1;
            assert!(desc.contains(&engines), "{}: {desc}", t["name"]);
        }
        if let Some(e) = t["inputSchema"]["properties"]["engine"]["description"].as_str() {
            listed += 1;
            let e = e.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(e.contains(&engines), "{}.engine: {e}", t["name"]);
        }
    }
    assert!(listed >= 3, "only {listed} engine lists found");
    let fit = tools.iter().find(|t| t["name"] == "fit").unwrap();
    let props = &fit["inputSchema"]["properties"];
    for flag in [
        "model", "quant", "ctx", "kv_type", "streams", "hw", "engine",
    ] {
        assert!(props[flag].is_object(), "fit schema lacks {flag}: {fit}");
    }
    assert_eq!(fit["inputSchema"]["required"], json!(["model"]));

    // fit: the same report as the API and the CLI.
    let args = json!({"model": "qwen3-coder-30b-a3b", "quant": "q4_k_m", "ctx": "200k",
        "kv_type": "q8_0", "streams": 3, "hw": "rtx-5090"});
    let r = c.call(3, "fit", args.clone()).await;
    assert_eq!(r["isError"], false, "{r}");
    let want: FitRequest = serde_json::from_value(args).unwrap();
    let (report, _) = build_fit_report(&want, &Catalog::builtin().unwrap()).unwrap();
    let want: Value = serde_json::from_str(&serde_json::to_string(&report).unwrap()).unwrap();
    assert!(r["structuredContent"] == want, "structured content differs");
    let text: Value = serde_json::from_str(r["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text["total_bytes"], want["total_bytes"]);

    // An invalid call is a tool error the agent can read, not a protocol error.
    let r = c.call(4, "fit", json!({"model": "gpt-oss-12b"})).await;
    assert_eq!(r["isError"], true, "{r}");
    let msg = r["content"][0]["text"].as_str().unwrap();
    assert!(
        msg.contains("gpt-oss-12b") && msg.contains("gpt-oss-120b"),
        "{msg}"
    );

    let r = c
        .call(
            5,
            "speed",
            json!({"model": "gpt-oss-20b", "hw": "rtx-4090", "depth": "0,32k"}),
        )
        .await;
    assert_eq!(r["isError"], false, "{r}");
    assert_eq!(
        r["structuredContent"]["predictions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let toml = include_str!("../../../examples/single-24gb-budget.toml");
    let r = c.call(6, "plan", json!({"toml": toml, "top": 3})).await;
    assert_eq!(r["isError"], false, "{r}");
    assert!(!r["structuredContent"]["candidates"]
        .as_array()
        .unwrap()
        .is_empty());

    let r = c.call(7, "list_models", json!({"search": "qwen3"})).await;
    assert!(
        !r["structuredContent"]["models"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{r}"
    );

    let r = c
        .call(8, "list_hardware", json!({"kind": "apple_soc"}))
        .await;
    assert!(
        !r["structuredContent"]["hardware"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{r}"
    );
    let r = c.call(9, "list_hardware", json!({"kind": "tpu"})).await;
    assert_eq!(r["isError"], true, "{r}");

    let r = c
        .call(10, "prices", json!({"q": "rtx 5090", "limit": 3}))
        .await;
    assert_eq!(r["isError"], false, "{r}");
    assert!(r["structuredContent"]["quotes"].is_array());

    // Closing the pipe ends the server.
    drop(c);
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("server stops when the client leaves")
        .unwrap()
        .ok();
}
