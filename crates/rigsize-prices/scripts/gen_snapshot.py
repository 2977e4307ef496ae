#!/usr/bin/env python3
"""Generate data/prices.toml from the shared research files.

Why a generator: the snapshot ties 375 hand-collected observations to catalog
ids; doing that by hand invites typos, and re-running it after a correction in
prices_chf.csv must give the same file. The mapping tables below are the only
judgement calls; everything else is mechanical.

Usage (from the repository root):
    python3 crates/rigsize-prices/scripts/gen_snapshot.py \
        ../shared/data  > data/prices.toml
"""
import csv
import json
import re
import sys
import tomllib
from collections import OrderedDict

SHARED = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"
REPO_HARDWARE = __import__("os").path.join(__import__("os").path.dirname(__file__), "../../../data/hardware.toml")

# ---- stated conversion assumptions (also written into the file header) ----
FX_DATE = "2026-02-17"
FX = {"USD": 0.80, "EUR": 0.94, "RMB": 0.11}
VAT = 1.081

# id -> (kind, display name, hardware_id parent or None, search term or None, status)
ITEMS = OrderedDict()


def item(id_, kind, name, hw=None, term=None, status=None, note=None, line=None, mem=None):
    ITEMS[id_] = dict(kind=kind, name=name, hw=hw, term=term, status=status, note=note, line=line, mem=mem)


# GPUs that are catalog hardware ids (hardware_ids.csv)
item("rtx-pro-6000-ws", "gpu", "NVIDIA RTX PRO 6000 Blackwell Workstation Edition 96GB", term="RTX PRO 6000 Blackwell Workstation", line="rtx-pro-6000-blackwell-96g")
item("rtx-pro-6000-server", "gpu", "NVIDIA RTX PRO 6000 Blackwell Server Edition 96GB", term="RTX PRO 6000 Blackwell Server", line="rtx-pro-6000-blackwell-96g")
item("rtx-pro-6000-maxq", "gpu", "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition 96GB", term="RTX PRO 6000 Blackwell Max-Q", line="rtx-pro-6000-blackwell-96g")
item("rtx-pro-6000", "gpu", "NVIDIA RTX PRO 6000 Blackwell 96GB (edition not stated)", line="rtx-pro-6000-blackwell-96g")
item("rtx-5090", "gpu", "NVIDIA GeForce RTX 5090 32GB", term="GeForce RTX 5090")
item("rtx-5080", "gpu", "NVIDIA GeForce RTX 5080 16GB", term="GeForce RTX 5080")
item("rtx-4090", "gpu", "NVIDIA GeForce RTX 4090 24GB", term="GeForce RTX 4090")
item("rtx-3090", "gpu", "NVIDIA GeForce RTX 3090 24GB", term="GeForce RTX 3090")
item("rtx-a6000", "gpu", "NVIDIA RTX A6000 48GB", term="RTX A6000")
item("rtx-6000-ada", "gpu", "NVIDIA RTX 6000 Ada Generation 48GB", term="RTX 6000 Ada")
item("l40s", "gpu", "NVIDIA L40S 48GB", term="L40S")
item("a100-40g-pcie", "gpu", "NVIDIA A100 40GB PCIe")
item("a100-80g-pcie", "gpu", "NVIDIA A100 80GB PCIe", term="A100 80GB PCIe")
item("a100-80g-sxm", "gpu", "NVIDIA A100 80GB SXM4")
item("h100-pcie", "gpu", "NVIDIA H100 PCIe 80GB", term="H100 PCIe 80GB")
item("h100-sxm", "gpu", "NVIDIA H100 SXM5 80GB")
item("h100-nvl", "gpu", "NVIDIA H100 NVL 94GB", term="H100 NVL")
item("mi300x", "gpu", "AMD Instinct MI300X 192GB")
item("w7900", "gpu", "AMD Radeon PRO W7900 48GB", term="Radeon PRO W7900")
item("arc-pro-b60", "gpu", "Intel Arc Pro B60 24GB", term="Arc Pro B60")
# GPUs that hardware_ids.csv lacks (invented ids)
item("w7800", "gpu", "AMD Radeon PRO W7800 32GB", term="Radeon PRO W7800", note="not in hardware_ids.csv")
item("arc-pro-b50", "gpu", "Intel Arc Pro B50 16GB", term="Arc Pro B50", note="not in hardware_ids.csv")
# Accelerators (not GPUs)
item("tt-blackhole-p150", "accelerator", "Tenstorrent Blackhole p150a 32GB")
item("tt-blackhole-p100a", "accelerator", "Tenstorrent Blackhole p100a 28GB", hw=None)
item("tt-blackhole", "accelerator", "Tenstorrent Blackhole (variant not stated)")
item("tt-wormhole-n300", "accelerator", "Tenstorrent Wormhole n300 24GB")
item("alveo-v80", "accelerator", "AMD Alveo V80 FPGA accelerator 32GB HBM2e")
item("google-coral-edge-tpu", "accelerator", "Google Coral Edge TPU (USB/M.2)")
item("groqcard", "accelerator", "Groq GroqCard LPU accelerator")
item("hailo-8-m2", "accelerator", "Hailo-8 / Hailo-10H M.2 AI module")
item("huawei-ascend-910c", "accelerator", "Huawei Ascend 910C", note="export-restricted, China only")
item("intel-gaudi-3", "accelerator", "Intel Gaudi 3 accelerator (per chip)")
item("intel-gaudi-3-8x-baseboard", "accelerator", "Intel Gaudi 3 8-chip baseboard")
# Systems that are catalog hardware ids
item("dgx-spark", "system", "NVIDIA DGX Spark Founders Edition (GB10, 128 GB, 4 TB)", term="DGX Spark")
item("dgx-station-gb300", "system", "NVIDIA DGX Station (GB300)")
item("strix-halo-395", "system", "AMD Ryzen AI Max+ 395 'Strix Halo' system, 128 GB", term="Ryzen AI Max+ 395 128GB", line="strix-halo-395-mini-pc", mem=128)
item("strix-halo-395-64g", "system", "AMD Ryzen AI Max+ 395 'Strix Halo' system, 64 GB", line="strix-halo-395-mini-pc", mem=64)
item("strix-halo-pro-workstation-64g", "system", "AMD Ryzen AI Max+ 'Strix Halo' PRO workstation, 64 GB (model not stated)", hw="strix-halo-395-64g",
     note="a PRO workstation, not the mini-PCs of strix-halo-395 / strix-halo-395-64g; priced apart so it is not compared with them")
item("mac-studio-2025-m4-max-base", "system", "Apple Mac Studio (2025) M4 Max 14C/32C, 36 GB, 512 GB", term="Mac Studio M4 Max 36GB 512GB")
item("mac-studio-2025-m3-ultra-base", "system", "Apple Mac Studio (2025) M3 Ultra 28C/60C, 96 GB, 1 TB", term="Mac Studio M3 Ultra 96GB 1TB", line="mac-studio-2025-m3-ultra-60c-1tb", mem=96)
item("mac-studio-2025-m3-ultra-256g", "system", "Apple Mac Studio (2025) M3 Ultra 256 GB (bin/SSD not stated)")
item("mac-studio-2025-m3-ultra-512g", "system", "Apple Mac Studio (2025) M3 Ultra 512 GB (bin/SSD not stated)")
item("macbook-pro-14-2024-m4", "system", "Apple MacBook Pro 14 (2024) M4", term="MacBook Pro 14 M4")
item("macbook-pro-14-2024-m4-pro", "system", "Apple MacBook Pro 14 (2024) M4 Pro", term="MacBook Pro 14 M4 Pro")
item("macbook-pro-14-2024-m4-max", "system", "Apple MacBook Pro 14 (2024) M4 Max", term="MacBook Pro 14 M4 Max")
# System variants (specific SKUs of a catalog id)
item("asus-ascent-gx10-1tb", "system", "ASUS Ascent GX10-GG0003BN (GB10, 128 GB, 1 TB SSD)", hw="gb10-partner-systems", term="ASUS Ascent GX10 90MS0371-M00030")
item("asus-ascent-gx10-2tb", "system", "ASUS Ascent GX10 (GB10, 128 GB, 2 TB SSD, 90MS0371-M000U0)", hw="gb10-partner-systems", term="ASUS Ascent GX10 90MS0371-M000U0")
item("asus-ascent-gx10-4tb", "system", "ASUS Ascent GX10 (GB10, 128 GB, 4 TB SSD, 90MS0371-M000V0)", hw="gb10-partner-systems", term="ASUS Ascent GX10 90MS0371-M000V0")
item("mac-studio-2025-m4-max-40c-64g-1tb", "system", "Apple Mac Studio (2025) M4 Max 16C/40C, 64 GB, 1 TB (CTO)", hw="m4-max-40c", term="Mac Studio M4 Max 64GB 1TB", line="mac-studio-2025-m4-max-40c-1tb", mem=64)
item("mac-studio-2025-m4-max-40c-128g-1tb", "system", "Apple Mac Studio (2025) M4 Max 16C/40C, 128 GB, 1 TB (CTO)", hw="m4-max-40c", term="Mac Studio M4 Max 128GB 1TB", line="mac-studio-2025-m4-max-40c-1tb", mem=128)
item("mac-studio-2025-m3-ultra-60c-96g-2tb", "system", "Apple Mac Studio (2025) M3 Ultra 28C/60C, 96 GB, 2 TB (CTO)", hw="mac-studio-2025-m3-ultra-base", term="Mac Studio M3 Ultra 96GB 2TB", line="mac-studio-2025-m3-ultra-60c-2tb", mem=96)
item("mac-studio-2025-m3-ultra-60c-256g-1tb", "system", "Apple Mac Studio (2025) M3 Ultra 28C/60C, 256 GB, 1 TB (CTO)", hw="mac-studio-2025-m3-ultra-256g", term="Mac Studio M3 Ultra 256GB", line="mac-studio-2025-m3-ultra-60c-1tb", mem=256)
item("mac-studio-2025-m3-ultra-60c-256g-2tb", "system", "Apple Mac Studio (2025) M3 Ultra 28C/60C, 256 GB, 2 TB (CTO)", hw="mac-studio-2025-m3-ultra-256g", line="mac-studio-2025-m3-ultra-60c-2tb", mem=256)
item("mac-studio-2025-m3-ultra-60c-256g-4tb", "system", "Apple Mac Studio (2025) M3 Ultra 28C/60C, 256 GB, 4 TB (CTO)", hw="mac-studio-2025-m3-ultra-256g")
item("mac-studio-2025-m3-ultra-80c-96g-1tb", "system", "Apple Mac Studio (2025) M3 Ultra 32C/80C, 96 GB, 1 TB (CTO)", hw="m3-ultra-80c", line="mac-studio-2025-m3-ultra-80c-1tb", mem=96)
item("mac-studio-2025-m3-ultra-80c-256g-1tb", "system", "Apple Mac Studio (2025) M3 Ultra 32C/80C, 256 GB, 1 TB (CTO)", hw="mac-studio-2025-m3-ultra-256g", line="mac-studio-2025-m3-ultra-80c-1tb", mem=256)
item("mac-studio-2025-m3-ultra-80c-256g-2tb", "system", "Apple Mac Studio (2025) M3 Ultra 32C/80C, 256 GB, 2 TB (CTO)", hw="mac-studio-2025-m3-ultra-256g", line="mac-studio-2025-m3-ultra-80c-2tb", mem=256)
item("mac-studio-2025-m3-ultra-80c-512g-1tb", "system", "Apple Mac Studio (2025) M3 Ultra 32C/80C, 512 GB, 1 TB (CTO)", hw="mac-studio-2025-m3-ultra-512g", term="Mac Studio M3 Ultra 512GB", line="mac-studio-2025-m3-ultra-80c-1tb", mem=512)
item("mac-studio-2025-m3-ultra-80c-512g-2tb", "system", "Apple Mac Studio (2025) M3 Ultra 32C/80C, 512 GB, 2 TB (CTO)", hw="mac-studio-2025-m3-ultra-512g", line="mac-studio-2025-m3-ultra-80c-2tb", mem=512)
item("mac-studio-2025-m3-ultra-80c-512g-16tb", "system", "Apple Mac Studio (2025) M3 Ultra 32C/80C, 512 GB, 16 TB (CTO)", hw="mac-studio-2025-m3-ultra-512g")
item("mac-studio-2023-m2-max-64g-1tb", "system", "Apple Mac Studio (2023) M2 Max, 64 GB, 1 TB", note="GPU bin (30c/38c) not stated")
item("mac-pro-2023-m2-ultra-60c-tower", "system", "Apple Mac Pro (2023) M2 Ultra 24C/60C, tower", hw="m2-ultra-60c")
item("mac-pro-2023-m2-ultra-60c-rack", "system", "Apple Mac Pro (2023) M2 Ultra 24C/60C, rack", hw="m2-ultra-60c")
item("mac-pro-2023-m2-ultra-76c-tower", "system", "Apple Mac Pro (2023) M2 Ultra 24C/76C, tower", hw="m2-ultra-76c")
item("mac-pro-2023-m2-ultra-76c-rack", "system", "Apple Mac Pro (2023) M2 Ultra 24C/76C, rack", hw="m2-ultra-76c")
item("arc-pro-b60-8x-system", "system", "Intel Arc Pro B60 8-GPU / 192 GB configuration", hw="arc-pro-b60")
item("snapdragon-x2-elite-laptop", "system", "Qualcomm Snapdragon X2 Elite laptop (equipped)")
item("tt-quietbox-blackhole", "system", "Tenstorrent QuietBox (4x Blackhole)", hw="tt-blackhole-p150")
item("tt-loudbox-wormhole", "system", "Tenstorrent TT-LoudBox (4x Wormhole n300)")
# 2026 devices of data/hardware.toml with public (US/EU) list prices; Swiss prices not found.
item("macbook-pro-14-2025-m5", "system", "Apple MacBook Pro 14 (2025) M5 10C/10C, 16 GB, 512 GB", term="MacBook Pro 14 M5 16GB 512GB",
     line="macbook-pro-14-2025-m5-512gb", mem=16)
item("macbook-pro-2026-m5-max-128g-8tb", "system", "Apple MacBook Pro (2026) M5 Max 40-core GPU, 128 GB, 8 TB", hw="macbook-pro-2026-m5-max",
     term="MacBook Pro M5 Max 128GB 8TB")
# Claimed products that do not exist: kept so every citation is traceable,
# flagged so no planner picks them.
item("mac-studio-m4-ultra-192g-claimed", "system", "Apple Mac Studio 'M4 Ultra' 192 GB (claimed; product does not exist)", status="nonexistent")
item("mac-studio-m3-ultra-192g-claimed", "system", "Apple Mac Studio M3 Ultra '192GB' (claimed; configuration does not exist)", status="nonexistent")
# Pre-built workstations
for id_, name in [
    ("bizon-g3000", "BIZON G3000 workstation (2-4 GPUs, Intel Xeon W), starting price"),
    ("bizon-g3000-2x-rtx-4090", "BIZON G3000 + 2x RTX 4090 (configured)"),
    ("bizon-g3000-2x-rtx-5090", "BIZON G3000 + 2x RTX 5090 + 24-core Xeon W (configured)"),
    ("bizon-g7000-g4", "BIZON G7000 G4 (up to 8 GPUs, dual Xeon Scalable), starting price"),
    ("bizon-x5500-g2", "BIZON X5500 G2 workstation (2-4 GPUs, Threadripper PRO), starting price"),
    ("bizon-x5500-g2-2x-rtx-5090", "BIZON X5500 G2 + 2x RTX 5090 (configured)"),
    ("bizon-x5500-g2-4x-rtx-5090", "BIZON X5500 G2 + 4x RTX 5090 (configured)"),
    ("bizon-z5000-g2", "BIZON Z5000 G2 (4-6 GPUs, liquid-cooled, Xeon W), starting price"),
    ("joule-axxiv-i5", "Joule Performance AXXIV I5 (Core i5 14400, RTX 3050 6GB, 32 GB)"),
    ("joule-axxiv-r5", "Joule Performance AXXIV R5 (Ryzen 5 7500F, RTX 3050 6GB, 32 GB)"),
    ("joule-proart-rtx3050-r5", "Joule Performance ProArt RTX3050 R5 (Ryzen 5 7600X, RTX 3050 6GB, 32 GB)"),
    ("joule-proart-rtx3050-tr", "Joule Performance ProArt RTX3050 TR (Threadripper 7960X, RTX 3050 6GB, 32 GB)"),
    ("puget-ai-workstation", "Puget Systems AI workstations (range of configurations)"),
    ("rect-rs-8639g2", "RECT RS-8639G2 2U rack (EPYC 9005, 2 dual-slot GPUs), starting price"),
    ("rect-ws-8827c5", "RECT WS-8827C5 4U tower (TR PRO 5000WX, up to 3 GPUs), starting price"),
    ("rect-ws-8829c", "RECT WS-8829C 4U tower (TR PRO 9000WX, up to 3x RTX PRO 6000), starting price"),
    ("rect-ws-8829c-2x-rtx-5090", "RECT WS-8829C configured with 2x RTX 5090"),
    ("rect-ws-8839c", "RECT WS-8839C rack workstation (EPYC 9005, up to 2x RTX PRO 6000), starting price"),
]:
    item(id_, "prebuilt", name)
# Components
item("amd-ryzen-9-9950x", "cpu", "AMD Ryzen 9 9950X (16C/32T, AM5)", term="Ryzen 9 9950X")
item("amd-threadripper-7960x", "cpu", "AMD Ryzen Threadripper 7960X (24C/48T, sTR5 TRX50)", term="Threadripper 7960X")
item("amd-threadripper-7970x", "cpu", "AMD Ryzen Threadripper 7970X (32C/64T, sTR5 TRX50)", term="Threadripper 7970X")
item("amd-threadripper-pro-7965wx", "cpu", "AMD Ryzen Threadripper PRO 7965WX (24C/48T, sTR5 WRX90)", term="Threadripper PRO 7965WX")
item("amd-threadripper-pro-7975wx", "cpu", "AMD Ryzen Threadripper PRO 7975WX (32C/64T, sTR5 WRX90)", term="Threadripper PRO 7975WX")
item("amd-threadripper-pro-9955wx", "cpu", "AMD Ryzen Threadripper PRO 9955WX (16C/32T, sTR5 WRX90)", term="Threadripper PRO 9955WX")
item("cpu-threadripper-trx50-generic", "cpu", "AMD Threadripper 7000 (TRX50) entry CPU (model not stated)")
item("cpu-threadripper-pro-wrx90-generic", "cpu", "AMD Threadripper PRO 7000/9000 (WRX90) CPU (model not stated)")
item("msi-x870e-gaming-plus-wifi", "motherboard", "MSI X870E Gaming Plus WIFI (AM5, ATX)", term="MSI X870E Gaming Plus WIFI")
item("asus-tuf-gaming-x870e-plus-wifi7", "motherboard", "ASUS TUF Gaming X870E-Plus WIFI7 (AM5, ATX)", term="ASUS TUF Gaming X870E-Plus WIFI7")
item("asus-pro-ws-trx50-sage-wifi", "motherboard", "ASUS Pro WS TRX50-SAGE WIFI (sTR5, CEB)", term="ASUS Pro WS TRX50-SAGE WIFI")
item("asus-pro-ws-trx50-sage-wifi-a", "motherboard", "ASUS Pro WS TRX50-SAGE WIFI A (sTR5, CEB)", term="ASUS Pro WS TRX50-SAGE WIFI A")
item("asus-pro-ws-wrx90e-sage-se", "motherboard", "ASUS Pro WS WRX90E-SAGE SE (sTR5 WRX90, EEB)", term="ASUS Pro WS WRX90E-SAGE SE")
item("mb-x870e-generic", "motherboard", "AM5 X870E motherboard (model not stated)")
item("mb-am5-generic", "motherboard", "AM5 X870E or B850 motherboard (model not stated)")
item("mb-lga1851-generic", "motherboard", "Intel Z890/B860 motherboard (model not stated)")
item("mb-wrx90-generic", "motherboard", "WRX90 motherboard (model not stated)")
item("kingston-fury-beast-ddr5-5600-64g-cl40", "ram", "Kingston FURY Beast DDR5-5600 64 GB (2x32 GB) CL40", term="Kingston FURY Beast DDR5-5600 64GB CL40", line="kingston-fury-beast-ddr5-5600", mem=64)
item("kingston-fury-beast-ddr5-5600-64g-cl36", "ram", "Kingston FURY Beast DDR5-5600 64 GB (2x32 GB) CL36", term="Kingston FURY Beast DDR5-5600 64GB CL36", line="kingston-fury-beast-ddr5-5600", mem=64)
item("kingston-fury-beast-ddr5-5600-128g-cl40", "ram", "Kingston FURY Beast DDR5-5600 128 GB (4x32 GB) CL40", term="Kingston FURY Beast DDR5-5600 128GB", line="kingston-fury-beast-ddr5-5600", mem=128)
item("kingston-fury-renegade-pro-ddr5-5600-128g-rdimm", "ram", "Kingston FURY Renegade Pro DDR5-5600 128 GB (4x32 GB) ECC RDIMM", term="Kingston FURY Renegade Pro DDR5-5600 128GB")
item("ram-ddr5-64g-generic", "ram", "64 GB DDR5 (model not stated)")
item("ram-ddr5-ecc-128g-generic", "ram", "128 GB DDR5 ECC RDIMM (model not stated)")
item("samsung-990-evo-plus-2tb", "storage", "Samsung 990 EVO Plus 2 TB NVMe", term="Samsung 990 EVO Plus 2TB")
item("samsung-990-pro-2tb", "storage", "Samsung 990 Pro 2 TB NVMe", term="Samsung 990 Pro 2TB")
item("samsung-990-pro-4tb", "storage", "Samsung 990 Pro 4 TB NVMe", term="Samsung 990 Pro 4TB")
item("ssd-nvme-2tb-generic", "storage", "2 TB NVMe SSD (model not stated)")
item("enermax-revolution-iii-1000w", "psu", "Enermax Revolution III 1000 W (80+ Gold, ATX 3.1)", term="Enermax Revolution III 1000W")
item("bequiet-pure-power-12-m-1000w", "psu", "be quiet! Pure Power 12 M 1000 W (80+ Gold)", term="be quiet! Pure Power 12 M 1000W")
item("asrock-pg-1600g", "psu", "ASRock Phantom Gaming PG-1600G 1600 W (80+ Gold, ATX 3.1)", term="ASRock PG-1600G")
item("bequiet-dark-power-pro-13-1600w", "psu", "be quiet! Dark Power Pro 13 1600 W (80+ Titanium)", term="be quiet! Dark Power Pro 13 1600W")
item("asus-pro-ws-2200w", "psu", "ASUS Pro WS 2200 W Platinum", term="ASUS Pro WS 2200W")
item("asus-pro-ws-3000w", "psu", "ASUS Pro WS 3000 W Platinum", term="ASUS Pro WS 3000W")
item("psu-1000w-generic", "psu", "1000 W 80+ Platinum PSU (model not stated)")
item("psu-1200w-generic", "psu", "1200 W+ PSU upgrade (model not stated)")
item("psu-1600w-generic", "psu", "1600 W PSU (model not stated, e.g. Corsair HX1600i)")
item("psu-1800w-generic", "psu", "1800 W 80+ Platinum PSU (model not stated)")
item("fractal-define-7", "case", "Fractal Design Define 7 Black (solid panel)", term="Fractal Design Define 7 Black Solid")
item("fractal-define-7-xl", "case", "Fractal Design Define 7 XL Black (solid panel)", term="Fractal Design Define 7 XL")
item("bequiet-dark-base-pro-901", "case", "be quiet! Dark Base Pro 901", term="be quiet! Dark Base Pro 901")
item("thermaltake-core-wp200", "case", "Thermaltake Core WP200", term="Thermaltake Core WP200")
item("case-full-tower-generic", "case", "Full tower case (model not stated)")
item("case-open-frame-generic", "case", "Open mining frame (model not stated)")
item("case-passive-gpu-cooling-generic", "case", "Case + aftermarket cooling for passive GPUs (model not stated)")
item("noctua-nh-d15", "cooler", "Noctua NH-D15", term="Noctua NH-D15")
item("noctua-nh-u14s-tr5-sp6", "cooler", "Noctua NH-U14S TR5-SP6", term="Noctua NH-U14S TR5-SP6")
item("noctua-nh-d9-tr5-sp6-4u", "cooler", "Noctua NH-D9 TR5-SP6 4U", term="Noctua NH-D9 TR5-SP6 4U")
item("bequiet-dark-rock-pro-5", "cooler", "be quiet! Dark Rock Pro 5", term="be quiet! Dark Rock Pro 5")
item("cooling-custom-loop-2gpu", "cooler", "Custom water-cooling loop (2 GPUs)")
item("cooling-custom-loop-full", "cooler", "Custom water-cooling loop (CPU + all GPUs)")
item("cooling-gpu-aio", "cooler", "GPU AIO liquid cooler (per GPU)")
item("nvlink-bridge-rtx-a6000", "nvlink_bridge", "NVLink bridge for RTX A6000 / RTX 3090 pairs", term="NVLink Bridge RTX A6000")
item("nvlink-bridge-rtx-pro-6000-claimed", "nvlink_bridge", "NVLink bridge for RTX PRO 6000 (claimed; the card has no NVLink)", status="nonexistent")
item("switch-200g-ethernet", "network", "200G Ethernet switch (model not stated)")
item("qsfp56-dac-200g", "network", "QSFP56 200 Gbps DAC cable (0.4-1 m)")
item("mac-studio-m3-ultra-60c-ram-96-to-256", "upgrade", "Apple Mac Studio M3 Ultra 28C/60C memory upgrade 96 -> 256 GB")
item("mac-studio-m3-ultra-80c-ram-96-to-256", "upgrade", "Apple Mac Studio M3 Ultra 32C/80C memory upgrade 96 -> 256 GB")
item("mac-studio-m3-ultra-80c-ram-96-to-512", "upgrade", "Apple Mac Studio M3 Ultra 32C/80C memory upgrade 96 -> 512 GB")
item("apple-ram-step-m4", "upgrade", "Apple CH unified-memory upgrade step (M4 generation)")
item("bom-misc-allowance", "misc", "Misc: cables, fans, risers, thermal paste (BOM allowance)")

# CSV item_name -> item id (quantities are parsed from the name)
NAME_MAP = {
    "Case + aftermarket cooling for passive GPUs (model not stated)": "case-passive-gpu-cooling-generic",
    "Fractal Design Define 7 Black (solid panel)": "fractal-define-7",
    "Fractal Design Define 7 XL (any variant, toppreise collection)": "fractal-define-7-xl",
    "Fractal Design Define 7 XL Black (solid panel)": "fractal-define-7-xl",
    "Full tower / open frame for 4 triple-slot GPUs (model not stated)": "case-full-tower-generic",
    "Full tower case (model not stated)": "case-full-tower-generic",
    "Open mining frame": "case-open-frame-generic",
    "Thermaltake Core WP200": "thermaltake-core-wp200",
    "be quiet! Dark Base Pro 901": "bequiet-dark-base-pro-901",
    "Custom water-cooling loop (2 GPUs)": "cooling-custom-loop-2gpu",
    "Custom water-cooling loop (CPU + all GPUs)": "cooling-custom-loop-full",
    "GPU AIO liquid cooler (per GPU)": "cooling-gpu-aio",
    "Noctua NH-D15": "noctua-nh-d15",
    "Noctua NH-D9 TR5-SP6 4U": "noctua-nh-d9-tr5-sp6-4u",
    "Noctua NH-U14S TR5-SP6": "noctua-nh-u14s-tr5-sp6",
    "be quiet! Dark Rock Pro 5": "bequiet-dark-rock-pro-5",
    "AMD Ryzen 9 9950X (16C/32T)": "amd-ryzen-9-9950x",
    "AMD Ryzen Threadripper 7000 (TRX50) - entry CPU": "cpu-threadripper-trx50-generic",
    "AMD Ryzen Threadripper 7960X (24C/48T)": "amd-threadripper-7960x",
    "AMD Ryzen Threadripper PRO 7965WX (24C/48T)": "amd-threadripper-pro-7965wx",
    "AMD Ryzen Threadripper PRO 9955WX": "amd-threadripper-pro-9955wx",
    "AMD Threadripper PRO 7000/9000 (WRX90) CPU": "cpu-threadripper-pro-wrx90-generic",
    "AMD Instinct MI300X 192GB": "mi300x",
    "AMD Radeon PRO W7800 32GB": "w7800",
    "AMD Radeon PRO W7900 48GB": "w7900",
    "ASUS GeForce RTX 5090 32GB": "rtx-5090",
    "ASUS NVIDIA RTX A6000 48GB": "rtx-a6000",
    "Intel Arc Pro B50 16GB": "arc-pro-b50",
    "Intel Arc Pro B60 24GB": "arc-pro-b60",
    "MSI GeForce RTX 4090 24GB (cheapest)": "rtx-4090",
    "MSI GeForce RTX 5090 32GB Ventus 3X OC": "rtx-5090",
    "NVIDIA A100 40GB PCIe": "a100-40g-pcie",
    "NVIDIA A100 80GB (BIZON system add-on, per GPU)": "a100-80g-pcie",
    "NVIDIA A100 80GB PCIe": "a100-80g-pcie",
    "NVIDIA A100 80GB PCIe x2 (set)": "a100-80g-pcie",
    "NVIDIA A100 80GB SXM4": "a100-80g-sxm",
    "NVIDIA GeForce RTX 3090 24GB": "rtx-3090",
    "NVIDIA GeForce RTX 3090 24GB x2 (set)": "rtx-3090",
    "NVIDIA GeForce RTX 3090 24GB x4 (set)": "rtx-3090",
    "NVIDIA GeForce RTX 4090 24GB": "rtx-4090",
    "NVIDIA GeForce RTX 4090 24GB x2 (set)": "rtx-4090",
    "NVIDIA GeForce RTX 4090 24GB x4 (set)": "rtx-4090",
    "NVIDIA GeForce RTX 5080 16GB (BIZON system add-on, per GPU)": "rtx-5080",
    "NVIDIA GeForce RTX 5090 32GB": "rtx-5090",
    "NVIDIA GeForce RTX 5090 32GB (BIZON system add-on, per GPU)": "rtx-5090",
    "NVIDIA GeForce RTX 5090 32GB (cheapest board-partner card in toppreise collection)": "rtx-5090",
    "NVIDIA GeForce RTX 5090 32GB (dearest models in toppreise collection)": "rtx-5090",
    "NVIDIA GeForce RTX 5090 32GB (per card, Config #4 BOM)": "rtx-5090",
    "NVIDIA GeForce RTX 5090 32GB (various models)": "rtx-5090",
    "NVIDIA GeForce RTX 5090 32GB premium models": "rtx-5090",
    "NVIDIA GeForce RTX 5090 32GB premium models (ASUS ROG Astral, MSI Suprim)": "rtx-5090",
    "NVIDIA GeForce RTX 5090 32GB x2 (pair)": "rtx-5090",
    "NVIDIA GeForce RTX 5090 32GB x4 (set)": "rtx-5090",
    "NVIDIA H100 94GB (BIZON system add-on, per GPU)": "h100-nvl",
    "NVIDIA H100 PCIe 80GB": "h100-pcie",
    "NVIDIA H100 SXM5 80GB": "h100-sxm",
    "NVIDIA L40S 48GB": "l40s",
    "NVIDIA RTX 6000 Ada Generation 48GB (BIZON system add-on, per GPU)": "rtx-6000-ada",
    "NVIDIA RTX 6000 Ada Generation 48GB x4 (set)": "rtx-6000-ada",
    "NVIDIA RTX A6000 48GB": "rtx-a6000",
    "NVIDIA RTX A6000 48GB x2 (set)": "rtx-a6000",
    "NVIDIA RTX A6000 48GB x3 (set)": "rtx-a6000",
    "NVIDIA RTX A6000 48GB x4 (set)": "rtx-a6000",
    "NVIDIA RTX PRO 6000 Blackwell 96GB (edition not stated)": "rtx-pro-6000",
    "NVIDIA RTX PRO 6000 Blackwell Server Edition 96GB (passive)": "rtx-pro-6000-server",
    "NVIDIA RTX PRO 6000 Blackwell Workstation Edition 96GB (NVIDIA OEM/bulk box)": "rtx-pro-6000-ws",
    "PNY NVIDIA RTX 6000 Ada Generation 48GB": "rtx-6000-ada",
    "PNY NVIDIA RTX PRO 6000 Blackwell Workstation Edition 96GB (retail box)": "rtx-pro-6000-ws",
    "ZOTAC GeForce RTX 5090 32GB (cheapest)": "rtx-5090",
    "200G Ethernet switch for 3-node Spark TP cluster (model not stated)": "switch-200g-ethernet",
    "AMD Alveo V80 FPGA accelerator 32GB HBM2e": "alveo-v80",
    "Apple Mac Studio M3 Ultra memory upgrade 96 GB -> 256 GB (on 28C/60C)": "mac-studio-m3-ultra-60c-ram-96-to-256",
    "Apple Mac Studio M3 Ultra memory upgrade 96 GB -> 256 GB (on 32C/80C)": "mac-studio-m3-ultra-80c-ram-96-to-256",
    "Apple Mac Studio M3 Ultra memory upgrade 96 GB -> 512 GB (on 32C/80C)": "mac-studio-m3-ultra-80c-ram-96-to-512",
    "Google Coral Edge TPU (USB/M.2)": "google-coral-edge-tpu",
    "Groq GroqCard LPU accelerator": "groqcard",
    "Hailo-8 / Hailo-10H M.2 AI module": "hailo-8-m2",
    "Huawei Ascend 910C": "huawei-ascend-910c",
    "Intel Gaudi 3 8-chip baseboard": "intel-gaudi-3-8x-baseboard",
    "Intel Gaudi 3 accelerator (per chip)": "intel-gaudi-3",
    "Misc: PCIe risers, extra fans, cables (BOM allowance)": "bom-misc-allowance",
    "Misc: cables, fans (BOM allowance)": "bom-misc-allowance",
    "Misc: cables, fans, OS (BOM allowance)": "bom-misc-allowance",
    "Misc: cables, thermal paste (BOM allowance)": "bom-misc-allowance",
    "QSFP56 200 Gbps DAC cable (0.4-1 m)": "qsfp56-dac-200g",
    "Tenstorrent Blackhole (variant not stated)": "tt-blackhole",
    "Tenstorrent Blackhole p100a 28GB": "tt-blackhole-p100a",
    "Tenstorrent Blackhole p150a 32GB": "tt-blackhole-p150",
    "Tenstorrent Wormhole n300 24GB": "tt-wormhole-n300",
    "AM5 X870E motherboard (model not stated)": "mb-x870e-generic",
    "AM5 X870E or B850 motherboard (model not stated)": "mb-am5-generic",
    "ASUS Pro WS TRX50-SAGE WIFI (sTR5, CEB)": "asus-pro-ws-trx50-sage-wifi",
    "ASUS Pro WS TRX50-SAGE WIFI A": "asus-pro-ws-trx50-sage-wifi-a",
    "ASUS Pro WS WRX90E-SAGE SE (sTR5 WRX90, EEB)": "asus-pro-ws-wrx90e-sage-se",
    "ASUS TUF Gaming X870E-Plus WIFI7 (AM5, ATX)": "asus-tuf-gaming-x870e-plus-wifi7",
    "Intel Z890/B860 motherboard (model not stated)": "mb-lga1851-generic",
    "MSI X870E Gaming Plus WIFI (AM5, ATX)": "msi-x870e-gaming-plus-wifi",
    "WRX90 motherboard (model not stated)": "mb-wrx90-generic",
    "NVLink bridge + cables for 2x RTX A6000 (BOM allowance)": "nvlink-bridge-rtx-a6000",
    "NVLink bridge for 2x RTX PRO 6000 (optional)": "nvlink-bridge-rtx-pro-6000-claimed",
    "NVLink bridges x2 (for 2 GPU pairs)": "nvlink-bridge-rtx-a6000",
    "NVLink bridges x2 + cables for 4x RTX A6000 (BOM allowance)": "nvlink-bridge-rtx-a6000",
    "1600W PSU, e.g. Corsair HX1600i or be quiet! Dark Power Pro 13 1600W": "psu-1600w-generic",
    "ASRock Phantom Gaming PG-1600G 1600W (80+ Gold, ATX 3.1)": "asrock-pg-1600g",
    "ASUS Pro WS 2200W Platinum": "asus-pro-ws-2200w",
    "ASUS Pro WS 3000W Platinum": "asus-pro-ws-3000w",
    "Enermax Revolution III 1000W (80+ Gold, ATX 3.1)": "enermax-revolution-iii-1000w",
    "PSU 1000W 80+ Platinum (model not stated)": "psu-1000w-generic",
    "PSU 1600W 80+ Platinum (model not stated)": "psu-1600w-generic",
    "PSU 1600W 80+ Titanium (model not stated)": "psu-1600w-generic",
    "PSU 1800W 80+ Platinum (model not stated)": "psu-1800w-generic",
    "PSU upgrade to 1200W+ (model not stated)": "psu-1200w-generic",
    "be quiet! Dark Power Pro 13 1600W (80+ Titanium)": "bequiet-dark-power-pro-13-1600w",
    "be quiet! Pure Power 12 M 1000W (80+ Gold)": "bequiet-pure-power-12-m-1000w",
    "128 GB DDR5 ECC RAM (model not stated)": "ram-ddr5-ecc-128g-generic",
    "128 GB DDR5-5600 ECC RDIMM (4x32 GB, model not stated)": "ram-ddr5-ecc-128g-generic",
    "64 GB DDR5 (model not stated)": "ram-ddr5-64g-generic",
    "Kingston FURY Beast DDR5-5600 128 GB (4x32 GB) CL40": "kingston-fury-beast-ddr5-5600-128g-cl40",
    "Kingston FURY Beast DDR5-5600 64 GB (2x32 GB) CL36": "kingston-fury-beast-ddr5-5600-64g-cl36",
    "Kingston FURY Beast DDR5-5600 64 GB (2x32 GB) CL40": "kingston-fury-beast-ddr5-5600-64g-cl40",
    "Kingston FURY Renegade Pro DDR5-5600 128 GB (4x32 GB) ECC RDIMM": "kingston-fury-renegade-pro-ddr5-5600-128g-rdimm",
    "2 TB NVMe SSD (model not stated)": "ssd-nvme-2tb-generic",
    "Samsung 990 EVO Plus 2 TB NVMe": "samsung-990-evo-plus-2tb",
    "Samsung 990 Pro 2 TB NVMe": "samsung-990-pro-2tb",
    "Samsung 990 Pro 4 TB NVMe": "samsung-990-pro-4tb",
    "AMD Strix Halo (Ryzen AI MAX+ 395) mini-PC, 128 GB": "strix-halo-395",
    "AMD Strix Halo PRO workstation, 64 GB": "strix-halo-pro-workstation-64g",
    "ASUS Ascent GX10 1 TB (pre-order)": "asus-ascent-gx10-1tb",
    "ASUS Ascent GX10-GG0003BN (GB10, 128 GB, 1 TB SSD)": "asus-ascent-gx10-1tb",
    "ASUS Ascent GX10-GG0026BN (GB10, 128 GB, 2 TB SSD)": "asus-ascent-gx10-2tb",
    "ASUS Ascent GX10-GG0026BN (GB10, 128 GB, 4 TB SSD)": "asus-ascent-gx10-4tb",
    "Apple Mac Pro (2023) M2 Ultra 24C CPU/60C GPU, rack": "mac-pro-2023-m2-ultra-60c-rack",
    "Apple Mac Pro (2023) M2 Ultra 24C CPU/60C GPU, tower": "mac-pro-2023-m2-ultra-60c-tower",
    "Apple Mac Pro (2023) M2 Ultra 24C CPU/76C GPU, rack": "mac-pro-2023-m2-ultra-76c-rack",
    "Apple Mac Pro (2023) M2 Ultra 24C CPU/76C GPU, tower": "mac-pro-2023-m2-ultra-76c-tower",
    "Apple Mac Studio 'M4 Ultra' 192 GB (product does not exist)": "mac-studio-m4-ultra-192g-claimed",
    "Apple Mac Studio (2023) M2 Max, 64 GB, 1 TB SSD": "mac-studio-2023-m2-max-64g-1tb",
    "Apple Mac Studio M3 Ultra '192GB' (configuration does not exist)": "mac-studio-m3-ultra-192g-claimed",
    "Apple Mac Studio M3 Ultra 256 GB (CPU/GPU/SSD not stated)": "mac-studio-2025-m3-ultra-256g",
    "Apple Mac Studio M3 Ultra 28C CPU/60C GPU, 256 GB, 1 TB SSD (CTO)": "mac-studio-2025-m3-ultra-60c-256g-1tb",
    "Apple Mac Studio M3 Ultra 28C CPU/60C GPU, 256 GB, 2 TB SSD (CTO)": "mac-studio-2025-m3-ultra-60c-256g-2tb",
    "Apple Mac Studio M3 Ultra 28C CPU/60C GPU, 256 GB, 4 TB SSD (CTO)": "mac-studio-2025-m3-ultra-60c-256g-4tb",
    "Apple Mac Studio M3 Ultra 28C CPU/60C GPU, 96 GB, 1 TB SSD": "mac-studio-2025-m3-ultra-base",
    "Apple Mac Studio M3 Ultra 28C CPU/60C GPU, 96 GB, 2 TB SSD (CTO)": "mac-studio-2025-m3-ultra-60c-96g-2tb",
    "Apple Mac Studio M3 Ultra 32C CPU/80C GPU, 256 GB, 1 TB SSD (CTO)": "mac-studio-2025-m3-ultra-80c-256g-1tb",
    "Apple Mac Studio M3 Ultra 32C CPU/80C GPU, 256 GB, 2 TB SSD (CTO)": "mac-studio-2025-m3-ultra-80c-256g-2tb",
    "Apple Mac Studio M3 Ultra 32C CPU/80C GPU, 512 GB, 1 TB SSD (CTO)": "mac-studio-2025-m3-ultra-80c-512g-1tb",
    "Apple Mac Studio M3 Ultra 32C CPU/80C GPU, 512 GB, 16 TB SSD (maxed out CTO)": "mac-studio-2025-m3-ultra-80c-512g-16tb",
    "Apple Mac Studio M3 Ultra 32C CPU/80C GPU, 512 GB, 2 TB SSD (CTO)": "mac-studio-2025-m3-ultra-80c-512g-2tb",
    "Apple Mac Studio M3 Ultra 32C CPU/80C GPU, 96 GB, 1 TB SSD (CTO)": "mac-studio-2025-m3-ultra-80c-96g-1tb",
    "Apple Mac Studio M3 Ultra 512 GB (CPU/GPU/SSD not stated)": "mac-studio-2025-m3-ultra-512g",
    "Apple Mac Studio M4 Max 14C CPU/32C GPU, 36 GB, 512 GB SSD": "mac-studio-2025-m4-max-base",
    "Apple Mac Studio M4 Max 16C CPU/40C GPU, 128 GB, 1 TB SSD (CTO)": "mac-studio-2025-m4-max-40c-128g-1tb",
    "Apple Mac Studio M4 Max 16C CPU/40C GPU, 64 GB, 1 TB SSD (CTO)": "mac-studio-2025-m4-max-40c-64g-1tb",
    "BIZON G3000 + 2x RTX 4090 (configured system)": "bizon-g3000-2x-rtx-4090",
    "BIZON G3000 + 2x RTX 5090 + 24-core Xeon W (configured system)": "bizon-g3000-2x-rtx-5090",
    "BIZON G3000 workstation (2-4 GPUs, Intel Xeon W) - starting price": "bizon-g3000",
    "BIZON G7000 G4 (up to 8 GPUs, dual Xeon Scalable) - starting price": "bizon-g7000-g4",
    "BIZON X5500 G2 + 2x RTX 5090 (configured system)": "bizon-x5500-g2-2x-rtx-5090",
    "BIZON X5500 G2 + 4x RTX 5090 (configured system)": "bizon-x5500-g2-4x-rtx-5090",
    "BIZON X5500 G2 workstation (2-4 GPUs, Threadripper PRO) - starting price": "bizon-x5500-g2",
    "BIZON Z5000 G2 (4-6 GPUs, liquid-cooled, Xeon W) - starting price": "bizon-z5000-g2",
    "Intel Arc Pro B60 8-GPU / 192 GB configuration": "arc-pro-b60-8x-system",
    "Joule Performance AXXIV I5 (Core i5 14400, RTX 3050 6GB, 32 GB)": "joule-axxiv-i5",
    "Joule Performance AXXIV R5 (Ryzen 5 7500F, RTX 3050 6GB, 32 GB)": "joule-axxiv-r5",
    "Joule Performance ProArt RTX3050 R5 (Ryzen 5 7600X, RTX 3050 6GB, 32 GB)": "joule-proart-rtx3050-r5",
    "Joule Performance ProArt RTX3050 TR (Threadripper 7960X, RTX 3050 6GB, 32 GB)": "joule-proart-rtx3050-tr",
    "NVIDIA DGX Spark (GB10, 128 GB, 4 TB)": "dgx-spark",
    "NVIDIA DGX Spark Founders Edition (GB10, 128 GB, 4 TB SSD)": "dgx-spark",
    "NVIDIA DGX Station (GB300, 784 GB)": "dgx-station-gb300",
    "PNY NVIDIA DGX Spark Founders Edition (GB10, 128 GB, 4 TB SSD)": "dgx-spark",
    "Puget Systems AI workstations (range of configurations)": "puget-ai-workstation",
    "Qualcomm Snapdragon X2 Elite laptop (equipped)": "snapdragon-x2-elite-laptop",
    "RECT RS-8639G2 2U rack (EPYC 9005, 2 dual-slot GPUs) - starting price": "rect-rs-8639g2",
    "RECT WS-8827C5 4U tower (TR PRO 5000WX, up to 3 GPUs) - starting price": "rect-ws-8827c5",
    "RECT WS-8829C 4U tower (TR PRO 9000WX, up to 3x RTX PRO 6000) - starting price": "rect-ws-8829c",
    "RECT WS-8829C fully configured with 2x RTX 5090": "rect-ws-8829c-2x-rtx-5090",
    "RECT WS-8839C rack workstation (EPYC 9005, up to 2x RTX PRO 6000) - starting price": "rect-ws-8839c",
    "Tenstorrent QuietBox (4x Blackhole)": "tt-quietbox-blackhole",
    "Tenstorrent TT-LoudBox (4x Wormhole n300, 2x Xeon 4309Y, 512 GB RAM)": "tt-loudbox-wormhole",
}

# hardware.toml [[gpu]]/[[system]]/[[component]] name -> item id, for MSRP estimates
HW_NAME_TO_ID_EXTRA = {
    "AMD Ryzen 9 9950X": "amd-ryzen-9-9950x",
    "AMD Threadripper 7960X": "amd-threadripper-7960x",
    "AMD Threadripper 7970X": "amd-threadripper-7970x",
    "AMD Threadripper PRO 7965WX": "amd-threadripper-pro-7965wx",
    "AMD Threadripper PRO 7975WX": "amd-threadripper-pro-7975wx",
}


from price_review import LATER, MSRP_FLAGS, RETIRED, SAME_MSRP_SIBLINGS  # noqa: E402


def quantity(name):
    m = re.search(r"\bx(\d+) \((?:pair|set|for)", name) or re.search(r"bridges x(\d+)", name)
    return int(m.group(1)) if m else 1


def q(s):
    return json.dumps(s, ensure_ascii=False)


def num(x):
    x = round(x, 2)
    return repr(float(x)) if x != int(x) else f"{int(x)}.0"


def is_estimate(row):
    r = row["retailer_or_source"].lower()
    return row["currency"] != "CHF" or "estimate" in r or "bom allowance" in r


def main():
    rows = list(csv.DictReader(open(f"{SHARED}/prices_chf.csv", encoding="utf-8")))
    hw_ids = {r["id"]: r for r in csv.DictReader(open(f"{SHARED}/hardware_ids.csv", encoding="utf-8"))}
    hw = tomllib.load(open(f"{SHARED}/hardware.toml", "rb"))
    # Devices the repository added after the research (data/hardware.toml) may be price parents too.
    repo_hw = tomllib.load(open(REPO_HARDWARE, "rb"))
    known_hw = set(hw_ids) | {d["id"] for d in repo_hw["device"]}

    for id_, it in ITEMS.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", id_), id_
        if it["hw"]:
            assert it["hw"] in known_hw, (id_, it["hw"])
    unmapped = sorted({r["item_name"] for r in rows} - set(NAME_MAP))
    assert not unmapped, unmapped

    prices = []  # list of dicts
    toppreise_ids = {}
    for i, r in enumerate(rows, start=2):
        id_ = NAME_MAP[r["item_name"]]
        qty = quantity(r["item_name"])
        written = float(r["price"])
        cur = r["currency"]
        rec = OrderedDict(item_id=id_)
        if cur == "CHF":
            rec["price_chf"] = written / qty
        else:
            rec["price_chf"] = written * FX[cur] / qty
        rec["retailer"] = r["retailer_or_source"]
        if r["url"]:
            rec["url"] = r["url"]
            m = re.search(r"-p(\d+)$", r["url"])
            if m and "toppreise.ch" in r["url"]:
                toppreise_ids.setdefault(id_, [])
                if m.group(1) not in toppreise_ids[id_]:
                    toppreise_ids[id_].append(m.group(1))
        rec["observed_at"] = r["price_date"]
        rec["condition"] = r["condition"]
        rec["source"] = "estimate" if is_estimate(r) else "snapshot"
        if cur != "CHF" or qty != 1:
            rec["original_price"] = written
            rec["original_currency"] = cur
        if qty != 1:
            rec["quantity"] = qty
        rec["product"] = r["item_name"]
        rec["citation"] = f"prices_chf.csv:{i}; {r['source_file']}"
        rec["note"] = r["notes"]
        if "@" in r["source_file"]:
            rec["flags"] = ["draft-figure"]
        if i in RETIRED:
            rec["retired"] = RETIRED[i]
        prices.append(rec)

    for o in LATER:
        cur = "USD" if "usd" in o else "EUR"
        written = float(o[cur.lower()])
        prices.append(OrderedDict(
            item_id=o["item_id"], price_chf=written * FX[cur], retailer=o["retailer"], url=o["url"],
            observed_at=o["observed_at"], condition="new", source="estimate", original_price=written,
            original_currency=cur, product=o["product"], citation=o["citation"], note=o["note"]))

    # Extra observations from hardware.toml (Swiss list prices and one street price).
    by_name = {s["name"]: s for s in hw["system"]}
    for hname, id_ in [
        ("MacBook Pro 14 (2024) M4", "macbook-pro-14-2024-m4"),
        ("MacBook Pro 14 (2024) M4 Pro", "macbook-pro-14-2024-m4-pro"),
        ("MacBook Pro 14 (2024) M4 Max", "macbook-pro-14-2024-m4-max"),
    ]:
        s = by_name[hname]
        prices.append(OrderedDict(
            item_id=id_, price_chf=float(s["price_chf"]), retailer="Apple CH Store (launch list price)",
            url=s["source"].split(" ")[0], observed_at=s["price_date"], condition="new", source="snapshot",
            product=hname, citation=f"hardware.toml [[system]] '{hname}'; {s['source']}",
            note="Apple CH starting price incl. VAT at launch; configuration is the base one"))
    for c in hw["component"]:
        if c["name"] == "GeForce RTX 5090 street price Switzerland":
            prices.append(OrderedDict(
                item_id="rtx-5090", price_chf=float(c["price_chf"]), retailer="galaxus.ch magazine (street price)",
                url=c["source"].split(" ")[0], observed_at="2026", condition="new", source="snapshot",
                product=c["name"], citation=f"hardware.toml [[component]] '{c['name']}'",
                note="lower bound ('kosten in der Schweiz über 3000 Franken'); " + c["notes"]))
        if c["name"] == "Apple CH unified-memory upgrade step (M4 generation)":
            prices.append(OrderedDict(
                item_id="apple-ram-step-m4", price_chf=float(c["price_chf"]), retailer="Apple CH Store (list price)",
                url=c["source"].split(" ")[0], observed_at=c["price_date"], condition="new", source="snapshot",
                product=c["name"], citation=f"hardware.toml [[component]] '{c['name']}'",
                note=c["specs"]))

    # MSRP estimates for catalog items that have no observation at all.
    covered = set()
    for p in prices:
        covered.add(p["item_id"])
        parent = ITEMS[p["item_id"]]["hw"]
        if parent:
            covered.add(parent)
    name_to_id = {r["name_in_hardware_toml"]: r["id"] for r in hw_ids.values() if r["name_in_hardware_toml"]}
    name_to_id.update(HW_NAME_TO_ID_EXTRA)
    estimates = []
    for section in ("gpu", "system", "component"):
        for rec in hw[section]:
            usd = rec.get("launch_msrp_usd") if section != "system" else rec.get("price_usd")
            if usd is None or section == "component" and rec.get("category") == "price_observation":
                continue
            id_ = name_to_id.get(rec["name"])
            if id_ is None:
                print(f"# warning: no id for {rec['name']}", file=sys.stderr)
                continue
            if id_ in covered:
                continue
            if id_ not in ITEMS:
                kind = "gpu" if section == "gpu" else "system" if section == "system" else rec["category"]
                term = None
                if section == "gpu":
                    term = rec["name"].replace(" Generation", "")
                ITEMS[id_] = dict(kind=kind, name=rec["name"], hw=None, term=term, status=None, note=None)
            date = rec.get("launch_date") or rec.get("price_date") or ""
            date = re.match(r"\d{4}(-\d{2}(-\d{2})?)?", str(date)).group(0) if date else "unknown"
            what = "launch MSRP" if section != "system" else "US list price"
            estimates.append(OrderedDict(
                item_id=id_, price_chf=usd * FX["USD"] * VAT, retailer=f"{what} (USD), converted",
                observed_at=date, condition="new", source="estimate", original_price=float(usd),
                original_currency="USD", vat_factor=VAT, product=rec["name"],
                citation=f"hardware.toml [[{section}]] '{rec['name']}'; {rec.get('source', '')}",
                note=f"USD {usd} x {FX['USD']} CHF/USD ({FX_DATE}) x {VAT} Swiss VAT; not a Swiss shop price"))
            if id_ in MSRP_FLAGS:
                estimates[-1]["flags"] = MSRP_FLAGS[id_]

    # After the MSRP estimates, so an item derived from a sibling keeps its (flagged) MSRP figure.
    for item_id, sibling, why in SAME_MSRP_SIBLINGS:
        obs = [p for p in prices if p["item_id"] == sibling and p["source"] == "snapshot"
               and p["condition"] == "new" and "flags" not in p and len(p["observed_at"]) == 10]
        o = sorted(obs, key=lambda p: (-int(p["observed_at"].replace("-", "")), p["price_chf"]))[0]
        estimates.append(OrderedDict(
            item_id=item_id, price_chf=o["price_chf"], retailer=f"same-MSRP sibling {sibling} at {o['retailer']} (derived)",
            observed_at=o["observed_at"], condition="new", source="estimate",
            product=ITEMS[item_id]["name"],
            citation=f"{o['citation']} ({o.get('url', 'no url')}, the sibling's observation); {why}",
            note=f"estimate: the observed CHF price of {sibling} ({o['product']}); not a Max-Q offer"))

    out = []
    w = out.append
    w(HEADER.format(fx_date=FX_DATE, usd=FX["USD"], eur=FX["EUR"], rmb=FX["RMB"], vat=VAT,
                    n_obs=len(prices), n_est=len(estimates), n_later=len(LATER)))
    w("[meta]")
    w(f'snapshot_date = "2026-02-17"')
    w(f'fx_date = "{FX_DATE}"')
    w(f"usd_chf = {FX['USD']}")
    w(f"eur_chf = {FX['EUR']}")
    w(f"rmb_chf = {FX['RMB']}")
    w(f"vat_ch = {VAT}")
    w('sources = ["../shared/data/prices_chf.csv (SeverinAlexB/local-llm-research @750ff24, February 2026)", "../shared/data/hardware.toml"]')
    w("")
    w("# ---------------------------------------------------------------- items")
    for id_, it in ITEMS.items():
        w("[[item]]")
        w(f"id = {q(id_)}")
        w(f"kind = {q(it['kind'])}")
        w(f"name = {q(it['name'])}")
        if it["hw"]:
            w(f"hardware_id = {q(it['hw'])}")
        if it["term"]:
            w(f"search_term = {q(it['term'])}")
        if id_ in toppreise_ids:
            w("toppreise_ids = [" + ", ".join(q(x) for x in toppreise_ids[id_]) + "]")
        if it["status"]:
            w(f"status = {q(it['status'])}")
        if it["note"]:
            w(f"note = {q(it['note'])}")
        if it.get("line"):
            w(f"product_line = {q(it['line'])}")
        if it.get("mem"):
            w(f"memory_gb = {it['mem']}")
        w("")
    w("# ---------------------------------------------------------------- observations")
    for p in prices + estimates:
        w("[[price]]")
        for k, v in p.items():
            if isinstance(v, list):
                w(f"{k} = [" + ", ".join(q(x) for x in v) + "]")
            elif k == "price_chf" or k == "original_price":
                w(f"{k} = {num(v)}")
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                w(f"{k} = {v}")
            else:
                w(f"{k} = {q(v)}")
        w("")
    sys.stdout.write("\n".join(out))


HEADER = """\
# rigsize price snapshot (CHF) - dated, offline, every figure cited.
#
# GENERATED by crates/rigsize-prices/scripts/gen_snapshot.py from ../shared/data/prices_chf.csv
# ({n_obs} observations incl. 5 from hardware.toml and {n_later} later public pages) and ../shared/data/hardware.toml ({n_est} estimates from launch MSRPs or same-MSRP siblings).
# Fix mappings in the script, not here. The crate rigsize-prices embeds this file and parses it
# strictly: an unknown key is an error naming this file and the line.
#
# Why a snapshot: rigsize must give a price offline, and must never pass an old price off as a
# live one. Every record carries its date (`observed_at`) and `source`, and the CLI shows both.
#
# Schema
#   [meta]       snapshot_date, fx_date, usd_chf, eur_chf, rmb_chf, vat_ch, sources.
#   [[item]]     one buyable thing (or a named stand-in such as "PSU 1600 W, model not stated").
#     id            stable kebab-case id. For GPUs and systems it is the hardware id of
#                   hardware_ids.csv where one exists (rtx-5090, rtx-pro-6000-ws, dgx-spark,
#                   mac-studio-2025-m3-ultra-512g ...); components (cpu, motherboard, ram, storage,
#                   psu, case, cooler ...) and specific SKUs get invented ids.
#     kind          gpu | system | prebuilt | accelerator | cpu | motherboard | ram | storage | psu |
#                   case | cooler | nvlink_bridge | network | upgrade | misc   (for a build planner).
#     name          human name.
#     hardware_id   optional: the catalog hardware id this SKU is a variant of (a Mac Studio
#                   configuration -> its chip or base system; ASUS GX10 -> gb10-partner-systems).
#                   best_price(hardware_id) also considers its variants.
#     search_term   optional: the toppreise.ch query `rigsize prices refresh` uses for this item.
#     toppreise_ids optional: toppreise product ids (the -p<digits> of its URLs); refresh reads
#                   their offer tables directly, which is safer than a search.
#     status        optional: "nonexistent" for products the research claimed but that do not
#                   exist (kept so citations stay traceable; never picked by best_price/search).
#     note          optional.
#     product_line  optional: items that are one product in several editions or memory
#                   configurations (rtx-pro-6000-blackwell-96g, mac-studio-2025-m3-ultra-80c-1tb);
#                   the parser checks prices across a line (see flags).
#     memory_gb     optional: this configuration's memory; within a product line a larger
#                   configuration may not cost less than a smaller one without a flag.
#   [[price]]    one observation.
#     item_id       an [[item]] id.
#     price_chf     CHF per single unit, incl. Swiss VAT where the source included it.
#     retailer      shop or source as written ("unspecified (no shop named)" = bare market figure).
#     url           optional product page.
#     observed_at   ISO date of the observation; "2026-02" = month precision (the source gave no day).
#     condition     new | used | refurbished.
#     source        snapshot = a price as observed (shop, list or market figure in CHF);
#                   estimate = converted from EUR/USD/RMB, an author's estimate, a BOM allowance,
#                   or derived from a launch MSRP. Live and cached prices are never stored here.
#     original_price, original_currency  the figure as written when price_chf is not that figure
#                   (foreign currency, or a set of `quantity` units).
#     quantity      optional, default 1: the written figure was for this many units (pair, set).
#     vat_factor    optional: multiplied in (MSRP estimates only).
#     product       the item name exactly as in the source.
#     citation      where the figure comes from (csv line; research file and lines, @commit = git
#                   history only).
#     note          source notes (range low/high, caveats).
#     flags         optional caveats every report shows: "draft-figure" (from a research draft
#                   the author deleted: source_file@commit), "msrp-below-observed" (an MSRP
#                   estimate below an observed price of its product line), "larger-config-cheaper".
#                   The parser rejects an unflagged contradiction of the last two.
#     retired       optional reason: the figure is contradicted by the final research; kept for
#                   traceability, never priced.
#
# Conversions (stated assumptions, not fetched rates; date {fx_date}):
#   1 USD = {usd} CHF, 1 EUR = {eur} CHF, 1 RMB (CNY) = {rmb} CHF  (round mid-market figures for
#   February 2026; change [meta] in the generator and regenerate).
#   Foreign-currency observations: price_chf = original_price x rate / quantity, no VAT added
#   (the figure as written, e.g. US prices excl. sales tax, RECT prices excl. VAT).
#   MSRP estimates (catalog GPUs/systems/CPUs without any observation):
#   price_chf = launch USD x {usd} x {vat} (Swiss VAT 8.1 %). Real 2026 Swiss street prices run
#   well above launch MSRP (DRAM shortage), so treat estimates as a floor.
# Amounts are rounded to 0.01 CHF.

"""

if __name__ == "__main__":
    main()
