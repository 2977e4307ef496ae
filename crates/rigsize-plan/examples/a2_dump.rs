fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let cat = rigsize_catalog::Catalog::builtin().unwrap();
    let t = std::time::Instant::now();
    let r = rigsize_plan::plan_from_toml(&text, &path, &cat).unwrap();
    println!("plan took {:?}", t.elapsed());
    for id in std::env::args().skip(2) {
        for c in r.candidates.iter().filter(|c| c.name.contains(&id)) {
            println!(
                "== {} | {:?} {} dBA | wall {} peak {} | q={}",
                c.name, c.noise, c.noise_dba, c.wall_power_w, c.peak_power_w, c.qualifies
            );
            for p in &c.components {
                if p.kind == "psu" || p.kind == "motherboard" || p.kind == "case" || p.kind == "gpu"
                {
                    println!("   {} {} | {}", p.kind, p.name, p.why);
                }
            }
            for f in &c.flags {
                println!("   F {f}");
            }
            for k in c
                .checks
                .iter()
                .filter(|k| k.verdict == rigsize_plan::Verdict::Fails)
            {
                println!("   X {} {}", k.requirement, k.value);
            }
        }
    }
}
