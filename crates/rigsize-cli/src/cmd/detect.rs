//! `rigsize detect`: this machine's GPUs, Apple chip or unified-memory box
//! as catalog ids, with free and total memory, CPU and RAM. Finding nothing
//! is an answer (exit 0), not an error.

use anyhow::Result;
use clap::Args;
use rigsize_catalog::Catalog;
use rigsize_core::units::GIB;
use rigsize_detect::Detection;

use crate::render::Table;

#[derive(Debug, Args, Clone)]
pub struct DetectArgs {
    /// Print JSON: {"devices": [{name, vendor, kind, hw, known, matched_by,
    /// memory_total_bytes, memory_free_bytes, power_limit_w, local_record}],
    /// "hw", "hw_problem", "cpu", "cpu_threads", "ram_total_bytes",
    /// "ram_free_bytes", "wired_limit_bytes", "tools", "notes"}.
    #[arg(long)]
    pub json: bool,
}

fn gib(b: Option<u64>) -> String {
    b.map_or("-".into(), |b| format!("{:.1}", b as f64 / GIB))
}

pub fn run(args: DetectArgs, catalog: &Catalog) -> Result<()> {
    let d = rigsize_detect::detect(catalog);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&d)?);
        return Ok(());
    }
    print!("{}", render(&d));
    Ok(())
}

fn render(d: &Detection) -> String {
    let mut out = String::new();
    if d.nothing_detected() {
        let asked: Vec<&str> = d.tools.iter().map(|t| t.tool.as_str()).collect();
        out.push_str(&format!(
            "nothing detected: none of {} answered and no /proc/meminfo or /proc/cpuinfo was found (root: {}). Pass --hw to the other commands.\n",
            asked.join(", "),
            rigsize_detect::sysroot().display()
        ));
        return out;
    }
    if d.devices.is_empty() {
        out.push_str("no GPU, Apple chip or unified-memory system detected\n");
    } else {
        let mut t = Table::new([
            "#",
            "device",
            "hw",
            "known",
            "total GiB",
            "free GiB",
            "power W",
            "matched by",
        ]);
        for (i, g) in d.devices.iter().enumerate() {
            t.row([
                i.to_string(),
                g.name.clone(),
                g.hw.clone(),
                if g.known { "yes" } else { "NO (local record)" }.to_string(),
                gib(g.memory_total_bytes),
                gib(g.memory_free_bytes),
                g.power_limit_w.map_or("-".into(), |w| format!("{w:.0}")),
                g.matched_by.clone(),
            ]);
        }
        out.push_str("Memory in GiB (2^30 bytes).\n");
        out.push_str(&t.render());
    }
    out.push_str(&format!(
        "CPU: {}{}\nRAM: {} GiB total, {} GiB free\n",
        d.cpu.as_deref().unwrap_or("unknown"),
        d.cpu_threads
            .map_or(String::new(), |n| format!(", {n} threads")),
        gib(d.ram_total_bytes),
        gib(d.ram_free_bytes)
    ));
    if let Some(w) = d.wired_limit_bytes {
        out.push_str(&format!("GPU wired-memory limit: {} GiB\n", gib(Some(w))));
    }
    match (&d.hw, &d.hw_problem) {
        (Some(h), _) => out.push_str(&format!("--hw local means: {h}\n")),
        (None, Some(p)) => out.push_str(&format!("--hw local is unavailable: {p}\n")),
        _ => {}
    }
    for g in d.devices.iter().filter_map(|g| g.local_record.as_ref()) {
        out.push_str(&format!(
            "\nA local record for the unknown device (complete bandwidth and compute, then pass it with --catalog FILE):\n{g}"
        ));
    }
    for t in d.tools.iter().filter(|t| t.status == "failed") {
        out.push_str(&format!(
            "note: {} failed: {}\n",
            t.tool,
            t.detail.as_deref().unwrap_or("")
        ));
    }
    for n in &d.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}
