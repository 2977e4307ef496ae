//! Apple silicon: `system_profiler SPDisplaysDataType SPHardwareDataType
//! -json` (chip name, GPU cores, memory) and `sysctl hw.memsize
//! iogpu.wired_limit_mb …` (exact bytes and the GPU wired-memory limit).

use serde_json::Value;

pub const PROFILER_ARGS: &[&str] = &["SPDisplaysDataType", "SPHardwareDataType", "-json"];
pub const SYSCTL_KEYS: &[&str] = &[
    "hw.memsize",
    "iogpu.wired_limit_mb",
    "hw.ncpu",
    "machdep.cpu.brand_string",
];

/// What macOS reports about its chip.
#[derive(Debug, Clone, PartialEq)]
pub struct AppleInfo {
    /// `chip_type`, e.g. "Apple M3 Ultra".
    pub chip: String,
    /// `sppci_cores` of the built-in GPU.
    pub gpu_cores: Option<u32>,
    /// `machine_name`, e.g. "Mac Studio".
    pub machine: Option<String>,
    /// `physical_memory` ("256 GB"), in bytes; `hw.memsize` replaces it when read.
    pub memory_bytes: Option<u64>,
}

fn first<'a>(v: &'a Value, section: &str) -> Option<&'a Value> {
    v.get(section)?.as_array()?.first()
}

fn text<'a>(v: Option<&'a Value>, key: &str) -> Option<&'a str> {
    v?.get(key)?.as_str().map(str::trim)
}

/// "256 GB" → bytes (macOS prints binary gigabytes as "GB").
fn memory(s: &str) -> Option<u64> {
    let (n, unit) = s.trim().split_once(' ')?;
    let n: u64 = n.parse().ok()?;
    let shift = match unit.trim() {
        "GB" => 30,
        "TB" => 40,
        "MB" => 20,
        _ => return None,
    };
    Some(n << shift)
}

/// Parses the profiler JSON; `None` when it names no Apple chip (an Intel Mac).
pub fn parse_profiler(text_json: &str) -> Result<Option<AppleInfo>, String> {
    let v: Value = serde_json::from_str(text_json)
        .map_err(|e| format!("system_profiler printed invalid JSON: {e}"))?;
    let hw = first(&v, "SPHardwareDataType");
    let gpu = v
        .get("SPDisplaysDataType")
        .and_then(Value::as_array)
        .and_then(|a| {
            a.iter().find(|g| {
                text(Some(g), "spdisplays_vendor").is_some_and(|s| s.contains("Apple"))
                    || text(Some(g), "sppci_model").is_some_and(|s| s.starts_with("Apple"))
            })
        });
    let chip = text(hw, "chip_type").or_else(|| text(gpu, "sppci_model"));
    let Some(chip) = chip.filter(|c| c.starts_with("Apple ")) else {
        return Ok(None);
    };
    Ok(Some(AppleInfo {
        chip: chip.to_string(),
        gpu_cores: text(gpu, "sppci_cores").and_then(|s| s.parse().ok()),
        machine: text(hw, "machine_name").map(String::from),
        memory_bytes: text(hw, "physical_memory").and_then(memory),
    }))
}

/// `sysctl a b` prints `a: value` lines.
pub fn parse_sysctl(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// `vm_stat`: free memory now = free + inactive + speculative pages (what
/// macOS hands out without swapping).
pub fn parse_vm_stat(text: &str) -> Option<u64> {
    let page: u64 = text
        .split("page size of ")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let mut pages = 0;
    for l in text.lines() {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        if matches!(
            k.trim(),
            "Pages free" | "Pages inactive" | "Pages speculative"
        ) {
            pages += v.trim().trim_end_matches('.').parse::<u64>().ok()?;
        }
    }
    Some(pages * page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_strings() {
        assert_eq!(memory("256 GB"), Some(256 << 30));
        assert_eq!(memory("lots"), None);
    }

    #[test]
    fn vm_stat_sums_free_pages() {
        let t = "Mach Virtual Memory Statistics: (page size of 16384 bytes)\nPages free:                               10.\nPages active:                             99.\nPages inactive:                           5.\nPages speculative:                        1.\n";
        assert_eq!(parse_vm_stat(t), Some(16 * 16384));
    }
}
