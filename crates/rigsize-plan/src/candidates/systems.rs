//! Unified-memory systems (Mac Studio, DGX Spark, Strix Halo boxes) and
//! clusters of them.

use rigsize_catalog::Catalog;
use rigsize_core::hardware::{Device, DeviceKind};
use rigsize_speed::model::{Link, Split};

use super::bom::component;
use super::{BuildKind, Hw};
use crate::data::SystemRule;
use crate::requirements::{Ctx, EngineFamily, Platform};

const GIB: f64 = rigsize_core::units::GIB;
/// GiB → bytes for the rules' OS reserves (data/build-rules.toml [defaults]).
const GIB_BYTES: u64 = 1 << 30;

/// Every system of an allowed platform, alone and in clusters up to the rules' maximum.
pub(crate) fn systems(cx: &Ctx, catalog: &Catalog, unpriced: &mut Vec<String>) -> Vec<Hw> {
    let mut out = Vec::new();
    for s in &cx.rules.system {
        if !cx.req.platform.allowed.contains(&s.platform) {
            continue;
        }
        let Some(device) = system_device(s, catalog) else {
            unpriced.push(format!(
                "{}: device '{}' not in the catalog",
                s.name, s.device
            ));
            continue;
        };
        let Some(price) = cx.price(&s.item) else {
            unpriced.push(format!("{} ({}): no price in the snapshot", s.name, s.item));
            continue;
        };
        let max_n = if s.cluster && cx.req.platform.clusters {
            cluster_max(cx, s.platform).0.max(1)
        } else {
            1
        };
        for n in 1..=max_n {
            let mut components = vec![component(&price, n, "the system (unified memory)")];
            let mut flags = vec![];
            if n > 1 {
                cluster_links(cx, s.platform, n, &mut components, &mut flags);
            }
            out.push(system_hw(cx, s, &device, n, components, flags));
        }
    }
    out
}

/// The system's device at the configured memory size.
fn system_device(s: &SystemRule, catalog: &Catalog) -> Option<Device> {
    let spec = format!("{}@{}", s.device, s.memory_gb);
    match catalog.device_set(&spec) {
        Ok(set) => Some(set.device),
        Err(_) => catalog.hardware_record(&s.device).ok().map(|r| {
            let mut d = r.device.clone();
            d.memory_bytes = (s.memory_gb * GIB) as u64;
            d
        }),
    }
}

/// (largest cluster, the link's price item) for a platform.
fn cluster_max(cx: &Ctx, platform: Platform) -> (u32, String) {
    let c = &cx.rules.cluster;
    match platform {
        Platform::Apple => (c.apple_max, c.apple_link_item.clone()),
        Platform::DgxSpark => (c.dgx_spark_max, c.dgx_spark_link_item.clone()),
        _ => (1, String::new()),
    }
}

/// The interconnect of an `n`-unit cluster: a full Thunderbolt mesh for Macs
/// (RDMA needs it), one direct 200 GbE link for two DGX Sparks.
fn cluster_links(
    cx: &Ctx,
    platform: Platform,
    n: u32,
    components: &mut Vec<crate::report::Component>,
    flags: &mut Vec<String>,
) {
    let link_item = cluster_max(cx, platform).1;
    let apple = platform == Platform::Apple;
    let links = if apple { n * (n - 1) / 2 } else { 1 };
    match cx.price(&link_item) {
        Some(p) => components.push(component(
            &p,
            links,
            if apple {
                "direct Thunderbolt 5 link between every pair of Macs (RDMA needs a full mesh)"
            } else {
                "ConnectX-7 200 GbE direct link between the two units"
            },
        )),
        None => flags.push(format!("link item '{link_item}' has no price")),
    }
}

fn system_hw(
    cx: &Ctx,
    s: &SystemRule,
    device: &Device,
    n: u32,
    components: Vec<crate::report::Component>,
    flags: Vec<String>,
) -> Hw {
    let (available, default_available) = match device.kind {
        DeviceKind::AppleSoc => {
            let raised = device
                .memory_bytes
                .saturating_sub(cx.rules.defaults.apple_os_reserve_gib * GIB_BYTES);
            let def = device.usable_memory_bytes(None);
            (raised.max(def), def)
        }
        _ => {
            let a = device
                .memory_bytes
                .saturating_sub(cx.rules.defaults.box_os_reserve_gib * GIB_BYTES);
            (a, a)
        }
    };
    let apple = s.platform == Platform::Apple;
    // The box's own sound per data/physical.toml; a platform without a
    // record keeps the build rule's word at that word's upper dBA bound.
    let phys = crate::physical::Physical::builtin();
    let (noise, noise_dba) = match phys.system_noise_dba(s.platform, n) {
        Some(e) => (e.word, e.dba),
        None => (s.noise, phys.noise.moderate_max_dba),
    };
    Hw {
        name: if n == 1 {
            s.name.clone()
        } else {
            format!("{n}× {}", s.name)
        },
        platform: s.platform,
        hardware_id: device.id.clone(),
        device: device.clone(),
        count: n,
        available,
        default_available,
        cards: vec![device.clone(); n as usize],
        caps: vec![available; n as usize],
        family: if apple {
            EngineFamily::Mlx
        } else {
            EngineFamily::LlamaCpp
        },
        backend: None,
        split: Split::Tensor,
        link: Some(match s.platform {
            Platform::Apple => Link::Tb5Rdma,
            Platform::DgxSpark => Link::Cx7,
            // Strix Halo boxes: no fast direct link in the catalog; a PCIe-4-class estimate.
            _ => Link::Pcie4,
        }),
        components,
        noise,
        noise_dba,
        peak_w: s.power_w * n as f64,
        wall_w: s.power_w * n as f64,
        flags,
        build: BuildKind::System,
    }
}
