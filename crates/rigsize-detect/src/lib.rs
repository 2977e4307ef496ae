//! `rigsize detect`: what this machine has, as catalog ids.
//!
//! The vendors' own tools are asked (`nvidia-smi`, `rocm-smi`,
//! `system_profiler` + `sysctl` + `vm_stat`), found on `PATH`; CPU, RAM and
//! unified-memory boxes come from `/proc` and `/sys` under a root that
//! `RIGSIZE_SYSROOT` overrides. Tests put fake tools first on `PATH` that
//! print captured outputs, and point the root at a fixture directory.

pub mod amd;
pub mod apple;
pub mod linux;
mod map;
pub mod nvidia;
pub mod run;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use rigsize_catalog::Catalog;
use rigsize_core::hardware::DeviceKind;
use serde::Serialize;

use run::{run_tool, ToolOutput};

/// Overrides the root under which `/proc` and `/sys` are read.
pub const SYSROOT_ENV: &str = "RIGSIZE_SYSROOT";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    Nvidia,
    Amd,
    Apple,
    Other,
}

/// One GPU as a vendor tool reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawGpu {
    pub vendor: Vendor,
    pub name: String,
    pub memory_total_bytes: Option<u64>,
    pub memory_free_bytes: Option<u64>,
    pub power_limit_w: Option<f64>,
    pub bus_id: Option<String>,
    pub tool: &'static str,
}

/// How one tool answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolStatus {
    pub tool: String,
    /// `absent`, `failed` or `ok`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Everything the tools and `/proc` said, before mapping to the catalog.
#[derive(Debug, Clone, Default)]
pub struct Raw {
    pub gpus: Vec<RawGpu>,
    pub apple: Option<apple::AppleInfo>,
    pub wired_limit_bytes: Option<u64>,
    pub system: linux::SystemInfo,
    pub tools: Vec<ToolStatus>,
}

/// One detected accelerator (a GPU, an Apple chip or a unified-memory box).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectedDevice {
    pub name: String,
    pub vendor: Vendor,
    pub kind: DeviceKind,
    /// The `--hw` spec of one such device (`rtx-4090`, `m3-ultra-80c@256`),
    /// or the id of the local record for an unknown device.
    pub hw: String,
    /// In the catalog? An unknown device gets a local record, flagged here.
    pub known: bool,
    /// Why this id: which reported facts picked it.
    pub matched_by: String,
    pub memory_total_bytes: Option<u64>,
    /// Free now (unified memory: what the OS can allocate without swapping).
    pub memory_free_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_limit_w: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bus_id: Option<String>,
    /// For an unknown device: a catalog record to complete (bandwidth and
    /// compute are not reported by the tools) and add with `--catalog`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_record: Option<String>,
}

/// The machine as rigsize sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    pub devices: Vec<DetectedDevice>,
    /// The whole box as one `--hw` spec (`rtx-3090:2`), when it is one
    /// known kind of device; what `--hw local` stands for.
    pub hw: Option<String>,
    /// Why there is no single spec (no device, mixed or unknown devices).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hw_problem: Option<String>,
    pub cpu: Option<String>,
    pub cpu_threads: Option<u32>,
    pub ram_total_bytes: Option<u64>,
    pub ram_free_bytes: Option<u64>,
    /// Apple: `iogpu.wired_limit_mb` when raised from the default (bytes).
    pub wired_limit_bytes: Option<u64>,
    pub tools: Vec<ToolStatus>,
    pub notes: Vec<String>,
}

impl Detection {
    /// Nothing at all was found: no accelerator, no CPU, no RAM.
    pub fn nothing_detected(&self) -> bool {
        self.devices.is_empty() && self.cpu.is_none() && self.ram_total_bytes.is_none()
    }
}

/// The root for `/proc` and `/sys`: `$RIGSIZE_SYSROOT`, else `/`.
pub fn sysroot() -> PathBuf {
    std::env::var_os(SYSROOT_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

fn status(tools: &mut Vec<ToolStatus>, tool: &str, out: &ToolOutput) {
    let (status, detail) = match out {
        ToolOutput::Absent => ("absent", None),
        ToolOutput::Failed(why) => ("failed", Some(why.clone())),
        ToolOutput::Ok(_) => ("ok", None),
    };
    tools.push(ToolStatus {
        tool: tool.to_string(),
        status,
        detail,
    });
}

/// Parses a tool's output, recording a parse failure in the tool's status.
fn parsed<T>(
    tools: &mut Vec<ToolStatus>,
    tool: &str,
    out: ToolOutput,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    status(tools, tool, &out);
    let ToolOutput::Ok(text) = out else {
        return None;
    };
    match parse(&text) {
        Ok(v) => Some(v),
        Err(why) => {
            let last = tools.last_mut().expect("status was pushed");
            last.status = "failed";
            last.detail = Some(why);
            None
        }
    }
}

/// Asks every tool (looked up on `path`, default `PATH`) and reads `/proc`
/// and `/sys` under `root`.
pub fn probe(root: &Path, path: Option<&OsStr>) -> Raw {
    let mut raw = Raw {
        system: linux::read_system(root),
        ..Raw::default()
    };
    let t = &mut raw.tools;
    if let Some(g) = parsed(
        t,
        "nvidia-smi",
        run_tool("nvidia-smi", &[nvidia::QUERY, nvidia::FORMAT], path),
        nvidia::parse,
    ) {
        raw.gpus.extend(g);
    }
    if let Some(g) = parsed(
        t,
        "rocm-smi",
        run_tool("rocm-smi", amd::ARGS, path),
        amd::parse,
    ) {
        raw.gpus.extend(g);
    }
    raw.apple = parsed(
        t,
        "system_profiler",
        run_tool("system_profiler", apple::PROFILER_ARGS, path),
        apple::parse_profiler,
    )
    .flatten();
    if raw.apple.is_some() {
        probe_mac(&mut raw, path);
    }
    raw
}

/// `sysctl` and `vm_stat`, asked only on a Mac (Linux has a `sysctl` too).
fn probe_mac(raw: &mut Raw, path: Option<&OsStr>) {
    let kv = parsed(
        &mut raw.tools,
        "sysctl",
        run_tool("sysctl", apple::SYSCTL_KEYS, path),
        |s| Ok(apple::parse_sysctl(s)),
    )
    .unwrap_or_default();
    let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    if let (Some(info), Some(b)) = (
        raw.apple.as_mut(),
        get("hw.memsize").and_then(|v| v.parse().ok()),
    ) {
        info.memory_bytes = Some(b);
    }
    raw.wired_limit_bytes = get("iogpu.wired_limit_mb")
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&mb| mb > 0)
        .map(|mb| mb << 20);
    raw.system.cpu_name = get("machdep.cpu.brand_string").map(String::from);
    raw.system.cpu_threads = get("hw.ncpu").and_then(|v| v.parse().ok());
    raw.system.ram_total_bytes = raw.apple.as_ref().and_then(|a| a.memory_bytes);
    raw.system.ram_free_bytes = parsed(
        &mut raw.tools,
        "vm_stat",
        run_tool("vm_stat", &[], path),
        |s| apple::parse_vm_stat(s).ok_or_else(|| "vm_stat printed no page counts".into()),
    );
}

/// Probes this machine and maps it to `catalog`.
pub fn detect(catalog: &Catalog) -> Detection {
    map::map(catalog, probe(&sysroot(), None))
}

/// As [`detect`], with the tools looked up on `path` and `/proc`, `/sys`
/// under `root` (tests: fake tools and a fixture tree).
pub fn detect_with(catalog: &Catalog, root: &Path, path: Option<&OsStr>) -> Detection {
    map::map(catalog, probe(root, path))
}
