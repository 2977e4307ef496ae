//! From what the tools reported to catalog ids: names and aliases first,
//! then the facts that split one name (power limit: Max-Q vs Workstation;
//! GPU cores and memory: Apple chips and Mac configurations).

use rigsize_catalog::{Catalog, HardwareRecord};
use rigsize_core::hardware::DeviceKind;

use crate::apple::AppleInfo;
use crate::{DetectedDevice, Detection, Raw, RawGpu, Vendor};

const GIB: u64 = 1 << 30;

/// How far a reported power limit may sit from a record's board power and
/// still pick it (a user may lower it a little; Max-Q 300 W vs 600 W stay apart).
const POWER_MATCH: f64 = 0.15;
/// How far reported memory may sit below the catalog size (an OS reserves
/// some: the DGX Spark's 128 GiB shows as ~120 GiB in `/proc/meminfo`).
const MEMORY_MATCH: f64 = 0.10;

/// Catalog lookups of a reported name: as given, then without the vendor word.
fn lookup<'c>(catalog: &'c Catalog, name: &str) -> Option<&'c HardwareRecord> {
    let name = name.trim();
    let trimmed = name
        .split(" w/ ")
        .next()
        .unwrap_or(name)
        .trim_start_matches("NVIDIA ")
        .trim_start_matches("AMD ")
        .trim();
    [name, trimmed]
        .into_iter()
        .find_map(|n| catalog.hardware_record(n).ok())
}

/// Among a family's members, the one whose board power is the reported limit.
fn by_power<'c>(
    catalog: &'c Catalog,
    rec: &'c HardwareRecord,
    watts: f64,
) -> Option<&'c HardwareRecord> {
    let family = if rec.candidates.is_empty() {
        catalog
            .hardware
            .iter()
            .find(|f| f.candidates.contains(&rec.device.id))?
    } else {
        rec
    };
    let fits = |r: &HardwareRecord| {
        r.device
            .tdp_w
            .is_some_and(|tdp| (watts - tdp).abs() <= POWER_MATCH * tdp)
    };
    if rec.candidates.is_empty() && fits(rec) {
        return Some(rec);
    }
    family
        .candidates
        .iter()
        .filter_map(|id| catalog.hardware_record(id).ok())
        .filter_map(|r| Some((r, r.device.tdp_w?)))
        .filter(|(_, tdp)| (watts - tdp).abs() <= POWER_MATCH * tdp)
        .min_by(|a, b| (watts - a.1).abs().total_cmp(&(watts - b.1).abs()))
        .map(|(r, _)| r)
}

/// The sold configuration `bytes` of memory stands for, as `@GB` when the
/// record has several; `None` when none is close.
fn memory_suffix(rec: &HardwareRecord, bytes: u64) -> Option<String> {
    let b = bytes as f64;
    let c = rec
        .memory_configs_bytes
        .iter()
        .copied()
        .filter(|&c| b <= c as f64 * 1.02 && b >= c as f64 * (1.0 - MEMORY_MATCH))
        .min_by_key(|&c| c.abs_diff(bytes))?;
    Some(if rec.memory_configs_bytes.len() > 1 {
        format!("@{}", c / GIB)
    } else {
        String::new()
    })
}

fn slug(name: &str) -> String {
    let s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// A record for an unknown device: its reported memory, the rest to fill in.
fn local_record(id: &str, name: &str, vendor: Vendor, kind: &str, mem: Option<u64>) -> String {
    format!(
        "[[device]]\nid = \"{id}\"\nname = \"{name}\"\nvendor = \"{vendor:?}\"\nkind = \"{kind}\"\nfamily = \"local\"\nmemory_gib = {}\nbandwidth_gbs = 0 # fill in: not reported by the driver\nfp16_tflops = 0 # fill in\nsource = \"rigsize detect on this machine\"\nverified = false\n",
        mem.map(|m| (m as f64 / GIB as f64).round()).unwrap_or(0.0)
    )
}

fn unknown(raw: &RawGpu, why: String) -> DetectedDevice {
    let id = format!("local-{}", slug(&raw.name));
    DetectedDevice {
        local_record: Some(local_record(
            &id,
            &raw.name,
            raw.vendor,
            "gpu",
            raw.memory_total_bytes,
        )),
        name: raw.name.clone(),
        vendor: raw.vendor,
        kind: DeviceKind::Gpu,
        hw: id,
        known: false,
        matched_by: why,
        memory_total_bytes: raw.memory_total_bytes,
        memory_free_bytes: raw.memory_free_bytes,
        power_limit_w: raw.power_limit_w,
        bus_id: raw.bus_id.clone(),
    }
}

/// One discrete GPU (unified parts are handled by [`unified`]).
fn gpu(catalog: &Catalog, raw: &RawGpu) -> DetectedDevice {
    let Some(mut rec) = lookup(catalog, &raw.name) else {
        return unknown(raw, format!("'{}' is not in the catalog", raw.name));
    };
    let mut how = format!("name '{}'", raw.name);
    if let Some(w) = raw.power_limit_w {
        if let Some(r) = by_power(catalog, rec, w) {
            if r.device.id != rec.device.id || !rec.candidates.is_empty() {
                how.push_str(&format!(" + power limit {w:.0} W"));
            }
            rec = r;
        }
    }
    if !rec.candidates.is_empty() {
        // A family id is a catalog record too (the lowest compute of its
        // members): usable, and the reason is shown.
        how.push_str(&format!(
            "; could be any of {} (the tool did not tell which): family id, its lowest compute",
            rec.candidates.join(", ")
        ));
    }
    let suffix = match raw.memory_total_bytes {
        Some(m) => match memory_suffix(rec, m) {
            Some(s) => s,
            None => {
                return unknown(
                    raw,
                    format!(
                        "'{}' reports {:.1} GiB, which no configuration of {} has",
                        raw.name,
                        m as f64 / GIB as f64,
                        rec.device.id
                    ),
                )
            }
        },
        None => String::new(),
    };
    DetectedDevice {
        name: rec.device.name.clone(),
        vendor: raw.vendor,
        kind: rec.device.kind,
        hw: format!("{}{suffix}", rec.device.id),
        known: true,
        matched_by: how,
        memory_total_bytes: raw.memory_total_bytes,
        memory_free_bytes: raw.memory_free_bytes,
        power_limit_w: raw.power_limit_w,
        bus_id: raw.bus_id.clone(),
        local_record: None,
    }
}

/// A unified-memory box: named by a GPU the driver lists without memory
/// (GB10), the DMI product name, or the CPU (Ryzen AI Max+ 395); its memory
/// is the system RAM.
fn unified(raw: &Raw, catalog: &Catalog, gpu_names: &[&str]) -> Option<DetectedDevice> {
    let sys = &raw.system;
    let names = gpu_names
        .iter()
        .copied()
        .chain(sys.product.as_deref())
        .chain(sys.cpu_name.as_deref());
    let (name, rec) = names
        .filter_map(|n| Some((n, lookup(catalog, n)?)))
        .find(|(_, r)| r.device.kind == DeviceKind::UnifiedBox)?;
    let total = sys.ram_total_bytes;
    let suffix = total.and_then(|t| memory_suffix(rec, t));
    let vendor = match rec.device.vendor_key().as_str() {
        "nvidia" => Vendor::Nvidia,
        "amd" => Vendor::Amd,
        _ => Vendor::Other,
    };
    let mut dev = DetectedDevice {
        name: rec.device.name.clone(),
        vendor,
        kind: DeviceKind::UnifiedBox,
        hw: rec.device.id.clone(),
        known: true,
        matched_by: format!("'{name}' + system RAM"),
        memory_total_bytes: total,
        memory_free_bytes: sys.ram_free_bytes,
        power_limit_w: None,
        bus_id: None,
        local_record: None,
    };
    match suffix {
        Some(s) => dev.hw.push_str(&s),
        None => {
            dev.known = false;
            dev.hw = format!("local-{}", slug(name));
            dev.matched_by = format!(
                "'{name}' is {} but its RAM ({}) matches no configuration of it",
                rec.device.id,
                total.map_or("unknown".into(), |t| format!(
                    "{:.1} GiB",
                    t as f64 / GIB as f64
                ))
            );
            dev.local_record = Some(local_record(&dev.hw, name, vendor, "unified_box", total));
        }
    }
    Some(dev)
}

/// An Apple chip: `chip_type` and GPU cores pick the chip id
/// (`m3-ultra-80c`), memory the configuration (`@256`).
fn apple(catalog: &Catalog, a: &AppleInfo) -> DetectedDevice {
    let base = slug(a.chip.trim_start_matches("Apple "));
    let by_cores = a
        .gpu_cores
        .and_then(|c| catalog.hardware_record(&format!("{base}-{c}c")).ok());
    let rec = by_cores.or_else(|| lookup(catalog, &a.chip));
    let raw = RawGpu {
        vendor: Vendor::Apple,
        name: a.chip.clone(),
        memory_total_bytes: a.memory_bytes,
        memory_free_bytes: None,
        power_limit_w: None,
        bus_id: None,
        tool: "system_profiler",
    };
    let Some(rec) = rec else {
        let mut d = unknown(&raw, format!("'{}' is not in the catalog", a.chip));
        d.kind = DeviceKind::AppleSoc;
        return d;
    };
    let mut d = gpu(
        catalog,
        &RawGpu {
            name: rec.device.id.clone(),
            ..raw
        },
    );
    d.kind = DeviceKind::AppleSoc;
    d.name = a.chip.clone();
    d.matched_by = match a.gpu_cores {
        Some(c) if by_cores.is_some() => format!("chip '{}' + {c} GPU cores + memory", a.chip),
        _ => format!(
            "chip '{}' + memory, GPU cores not matched; {}",
            a.chip, d.matched_by
        ),
    };
    d
}

/// The whole box as one `--hw` spec, or why not.
fn whole_box(devices: &[DetectedDevice]) -> Result<String, String> {
    let first = devices
        .first()
        .ok_or("no GPU, Apple chip or unified-memory system detected")?;
    if let Some(u) = devices.iter().find(|d| !d.known) {
        return Err(format!(
            "'{}' is not in the catalog ({}); add its record (`rigsize detect --json` prints one to complete) with --catalog, or pass --hw",
            u.name, u.matched_by
        ));
    }
    if devices.iter().any(|d| d.hw != first.hw) {
        let mut kinds: Vec<&str> = devices.iter().map(|d| d.hw.as_str()).collect();
        kinds.dedup();
        return Err(format!(
            "this machine mixes devices ({}); rigsize sizes one kind at a time: pass --hw with one of them",
            kinds.join(", ")
        ));
    }
    Ok(match devices.len() {
        1 => first.hw.clone(),
        n => format!("{}:{n}", first.hw),
    })
}

/// Maps what was probed to the catalog.
pub fn map(catalog: &Catalog, raw: Raw) -> Detection {
    let mut devices = Vec::new();
    let mut notes = Vec::new();
    // A GPU the driver lists without memory, or one whose name is a
    // unified-memory box (GB10, Radeon 8060S), is part of the system.
    let (shared, discrete): (Vec<&RawGpu>, Vec<&RawGpu>) = raw.gpus.iter().partition(|g| {
        g.memory_total_bytes.is_none()
            || lookup(catalog, &g.name).is_some_and(|r| r.device.kind == DeviceKind::UnifiedBox)
    });
    for g in discrete {
        devices.push(gpu(catalog, g));
    }
    if let Some(a) = &raw.apple {
        let mut d = apple(catalog, a);
        d.memory_free_bytes = raw.system.ram_free_bytes;
        devices.push(d);
        if raw.wired_limit_bytes.is_none() {
            notes.push("iogpu.wired_limit_mb is at its default: the GPU may wire only part of the memory (fit accounts for macOS's default share)".into());
        }
    } else {
        let names: Vec<&str> = shared.iter().map(|g| g.name.as_str()).collect();
        match unified(&raw, catalog, &names) {
            Some(d) => devices.push(d),
            None => {
                for g in shared {
                    devices.push(unknown(
                        g,
                        format!("'{}' reports no memory of its own", g.name),
                    ));
                }
            }
        }
    }
    let (hw, hw_problem) = match whole_box(&devices) {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(e)),
    };
    Detection {
        devices,
        hw,
        hw_problem,
        cpu: raw.system.cpu_name,
        cpu_threads: raw.system.cpu_threads,
        ram_total_bytes: raw.system.ram_total_bytes,
        ram_free_bytes: raw.system.ram_free_bytes,
        wired_limit_bytes: raw.wired_limit_bytes,
        tools: raw.tools,
        notes,
    }
}
