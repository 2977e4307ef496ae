//! NVIDIA: `nvidia-smi --query-gpu=… --format=csv,noheader,nounits`.
//!
//! Memory is in MiB. Unified-memory parts (GB10 in the DGX Spark) print
//! `[N/A]` for every memory field (NVIDIA's DGX Spark known issues), so their
//! memory comes from `/proc/meminfo` instead.

use crate::{RawGpu, Vendor};

/// The columns asked for, in order.
pub const QUERY: &str =
    "--query-gpu=index,name,memory.total,memory.used,memory.free,power.limit,pci.bus_id";
pub const FORMAT: &str = "--format=csv,noheader,nounits";

const MIB: u64 = 1 << 20;

fn number(field: &str) -> Option<f64> {
    field
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// Parses the CSV; a line that does not have the asked columns is an error.
pub fn parse(text: &str) -> Result<Vec<RawGpu>, String> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 7 {
            return Err(format!(
                "nvidia-smi printed a line with {} fields, expected 7: '{line}'",
                f.len()
            ));
        }
        let mib = |s: &str| number(s).map(|v| (v * MIB as f64).round() as u64);
        let total = mib(f[2]);
        let free = mib(f[4]).or_else(|| Some(total?.saturating_sub(mib(f[3])?)));
        out.push(RawGpu {
            vendor: Vendor::Nvidia,
            name: f[1].to_string(),
            memory_total_bytes: total,
            memory_free_bytes: free,
            power_limit_w: number(f[5]),
            bus_id: Some(f[6].to_string()),
            tool: "nvidia-smi",
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_memory_in_mib_and_marks_na_as_unknown() {
        let g = parse("0, NVIDIA GeForce RTX 4090, 24564, 1024, 23540, 450.00, 00000000:01:00.0\n1, NVIDIA GB10, [N/A], [N/A], [N/A], [N/A], 0000000F:01:00.0\n").unwrap();
        assert_eq!(g[0].memory_total_bytes, Some(24564 * MIB));
        assert_eq!(g[0].memory_free_bytes, Some(23540 * MIB));
        assert_eq!(g[0].power_limit_w, Some(450.0));
        assert_eq!(g[1].memory_total_bytes, None);
        assert_eq!(g[1].power_limit_w, None);
    }

    #[test]
    fn a_short_line_is_an_error() {
        assert!(parse("0, NVIDIA GeForce RTX 4090, 24564\n").is_err());
    }
}
