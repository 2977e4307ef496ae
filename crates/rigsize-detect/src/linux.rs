//! Linux: CPU and RAM from `/proc`, the system's product name from `/sys`
//! (DMI) or the device tree (Arm boards), all under an overridable root.

use std::path::Path;

/// What `/proc` and `/sys` say about the system.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SystemInfo {
    pub cpu_name: Option<String>,
    pub cpu_threads: Option<u32>,
    pub ram_total_bytes: Option<u64>,
    /// `MemAvailable`: what can be allocated now without swapping.
    pub ram_free_bytes: Option<u64>,
    /// DMI `product_name` or device-tree `model`.
    pub product: Option<String>,
}

fn read(root: &Path, rel: &str) -> Option<String> {
    std::fs::read_to_string(root.join(rel))
        .ok()
        .map(|s| {
            s.trim_matches(|c: char| c.is_whitespace() || c == '\0')
                .to_string()
        })
        .filter(|s| !s.is_empty())
}

fn meminfo_kib(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()
        .map(|k| k * 1024)
}

/// Reads `<root>/proc/{meminfo,cpuinfo}` and `<root>/sys/class/dmi/id/product_name`.
pub fn read_system(root: &Path) -> SystemInfo {
    let mem = read(root, "proc/meminfo").unwrap_or_default();
    let cpu = read(root, "proc/cpuinfo").unwrap_or_default();
    let field = |key: &str| {
        cpu.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim().to_string())
        })
    };
    let threads = cpu
        .lines()
        .filter(|l| l.split(':').next().is_some_and(|k| k.trim() == "processor"))
        .count() as u32;
    SystemInfo {
        cpu_name: field("model name").or_else(|| field("Hardware")),
        cpu_threads: (threads > 0).then_some(threads),
        ram_total_bytes: meminfo_kib(&mem, "MemTotal"),
        ram_free_bytes: meminfo_kib(&mem, "MemAvailable"),
        product: read(root, "sys/class/dmi/id/product_name")
            .or_else(|| read(root, "proc/device-tree/model")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_is_in_kib() {
        let t = "MemTotal:       125489508 kB\nMemFree:         1000 kB\nMemAvailable:   117000000 kB\n";
        assert_eq!(meminfo_kib(t, "MemTotal"), Some(125489508 * 1024));
        assert_eq!(meminfo_kib(t, "MemAvailable"), Some(117000000 * 1024));
        assert_eq!(meminfo_kib(t, "Nope"), None);
    }
}
