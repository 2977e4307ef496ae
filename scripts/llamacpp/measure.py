#!/usr/bin/env python3
"""Run llama.cpp over the GGUF fixtures with several context / parallel /
cache-type settings, parse its allocation logs and write

  <fixtures>/kv_measurements.json   one record per run
  <fixtures>/weights.json           exact tensor byte sums per file (gguf-py)
  --keep-logs DIR (default /work/llamacpp-build/logs)  raw logs of every run

Usage (after build.sh and make_models.py):

    /work/llamacpp-build/venv/bin/python scripts/llamacpp/measure.py \
        --bin /work/llamacpp-build/build/bin --fixtures tests/fixtures/llamacpp

The context is created by `llama-batched-bench` (llama_init_from_model with
the common CLI context params, no --fit adjustment); `-npl S` sets
n_seq_max = S exactly like `-np S` does for the other tools, `-kvu` turns on
the unified KV cache.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

GGUF_PY = os.environ.get("GGUF_PY")
if GGUF_PY:
    sys.path.insert(0, GGUF_PY)
import gguf  # noqa: E402

MIB = 1024 * 1024

# ggml (block size, type size) for the cache types we use
TYPE_BLK = {"f32": (1, 4), "f16": (1, 2), "bf16": (1, 2), "q8_0": (32, 34), "q4_0": (32, 18),
            "q4_1": (32, 20), "q5_0": (32, 22), "q5_1": (32, 24)}

CTX_SETTINGS = [(4096, 1), (1000, 3), (8192, 4), (300, 2)]
# (type_k, type_v, flash_attn)
TYPE_SETTINGS = [("f16", "f16", False), ("f16", "f16", True), ("q8_0", "q8_0", True), ("q4_0", "q4_0", True)]
# (F32 source in --tmp, Q4_K_M fixture) -- see make_models.QUANT_SOURCES
QUANTS = [("llama-q4km-src-f32.gguf", "llama-q4km-l4-e256.gguf"),
          ("qwen3moe-q4km-src-f32.gguf", "qwen3moe-q4km-l2-e8-tied.gguf")]


def row_bytes(t, n):
    blk, size = TYPE_BLK[t]
    assert n % blk == 0, (t, n)
    return n // blk * size


RE_KV = re.compile(r"llama_kv_cache: size = +([\d.]+) MiB \( *(\d+) cells, +(\d+) layers, +(\d+)/(\d+) seqs\), "
                   r"K \((\w+)\): +([\d.]+) MiB, V \((\w+)\): +([\d.]+) MiB")
RE_RS = re.compile(r"llama_memory_recurrent: size = +([\d.]+) MiB \( *(\d+) cells, +(\d+) layers, +(\d+) seqs +(\d+) rs_seq\), "
                   r"R \((\w+)\): +([\d.]+) MiB, S \((\w+)\): +([\d.]+) MiB(?:, P \((\w+)\): +([\d.]+) MiB)?")
RE_ISWA = re.compile(r"llama_kv_cache_iswa: creating +(non-SWA|SWA) KV cache, size = (\d+) cells")
RE_CTX = re.compile(r"llama_context: (n_seq_max|n_ctx|n_ctx_seq|n_batch|n_ubatch|flash_attn|kv_unified|causal_attn) += (\S+)")
RE_COMPUTE = re.compile(r"(?:sched_reserve|llama_context): +(\S+) compute buffer size = +([\d.]+) MiB")
RE_GRAPH = re.compile(r"sched_reserve: graph: nodes = (\d+), splits = (\d+)")
RE_OUTBUF = re.compile(r"llama_context: +(\S+) +output buffer size = +([\d.]+) MiB")
RE_KVBUF = re.compile(r"(llama_kv_cache|llama_memory_recurrent): +(\S+) (KV|RS) buffer size = +([\d.]+) MiB")
RE_MODELBUF = re.compile(r"load_tensors: +(\S+) model buffer size = +([\d.]+) MiB")
RE_TYPECOUNT = re.compile(r"llama_model_loader: - type +(\w+): +(\d+) tensors")
RE_FILESIZE = re.compile(r"print_info: file size += ([\d.]+) (\w+) \(([\d.]+) BPW\)")
RE_FILETYPE = re.compile(r"print_info: file type += (.+)")
RE_FA_AUTO = re.compile(r"Flash Attention was auto, set to (\w+)")


def run(cmd, log_path=None, timeout=300):
    t0 = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if log_path:
        with open(log_path, "w") as f:
            f.write(" ".join(cmd) + "\n\n" + p.stdout)
    return p.returncode, p.stdout, time.time() - t0


def parse_log(text):
    out = {"kv_lines": [], "rs_lines": [], "iswa": [], "ctx": {}, "compute": {}, "output_buf": {},
           "kv_buffers": [], "model_buffers": {}, "type_counts": {}, "file_size": None, "file_type": None}
    for line in text.splitlines():
        m = RE_KV.search(line)
        if m:
            out["kv_lines"].append(dict(line=m.group(0), total_mib=float(m.group(1)), cells=int(m.group(2)),
                                        layers=int(m.group(3)), seqs=int(m.group(4)), streams=int(m.group(5)),
                                        type_k=m.group(6), k_mib=float(m.group(7)), type_v=m.group(8),
                                        v_mib=float(m.group(9))))
            continue
        m = RE_RS.search(line)
        if m:
            out["rs_lines"].append(dict(line=m.group(0), total_mib=float(m.group(1)), cells=int(m.group(2)),
                                        layers_logged=int(m.group(3)), seqs=int(m.group(4)), rs_seq=int(m.group(5)),
                                        type_r=m.group(6), r_mib=float(m.group(7)), type_s=m.group(8),
                                        s_mib=float(m.group(9)),
                                        p_mib=float(m.group(11)) if m.group(11) else 0.0))
            continue
        m = RE_ISWA.search(line)
        if m:
            out["iswa"].append((m.group(1), int(m.group(2))))
            continue
        m = RE_CTX.search(line)
        if m:
            out["ctx"].setdefault(m.group(1), m.group(2))
            continue
        m = RE_COMPUTE.search(line)
        if m:
            out["compute"][m.group(1)] = round(float(m.group(2)) * MIB)
            out.setdefault("compute_mib", {})[m.group(1)] = float(m.group(2))
            continue
        m = RE_GRAPH.search(line)
        if m:
            out["graph"] = {"nodes": int(m.group(1)), "splits": int(m.group(2))}
            continue
        m = RE_OUTBUF.search(line)
        if m:
            out["output_buf"][m.group(1)] = float(m.group(2))
            continue
        m = RE_KVBUF.search(line)
        if m:
            out["kv_buffers"].append(dict(owner=m.group(1), buffer=m.group(2), kind=m.group(3), mib=float(m.group(4))))
            continue
        m = RE_MODELBUF.search(line)
        if m:
            out["model_buffers"][m.group(1)] = float(m.group(2))
            continue
        m = RE_TYPECOUNT.search(line)
        if m:
            out["type_counts"][m.group(1)] = int(m.group(2))
            continue
        m = RE_FILESIZE.search(line)
        if m:
            out["file_size"] = f"{m.group(1)} {m.group(2)} ({m.group(3)} BPW)"
            continue
        m = RE_FILETYPE.search(line)
        if m:
            out["file_type"] = m.group(1).strip()
            continue
        m = RE_FA_AUTO.search(line)
        if m:
            out["fa_auto"] = m.group(1)
    return out


def mib_matches(nbytes, mib_logged):
    # the log prints (float)bytes/1048576 with %.2f
    return abs(round(nbytes / MIB, 2) - mib_logged) < 0.0051


def cache_records(parsed, hp, type_k, type_v, v_trans):
    """Turn the parsed log lines into cache records with exact byte counts
    (cells x streams x per-layer row bytes, checked against the rounded MiB)."""
    caches = []
    swa_layers = set(hp.get("swa_layers", []))
    kv_layers = hp.get("kv_layers", list(range(hp["n_layer"])))
    is_iswa = len(parsed["iswa"]) > 0
    kinds = []
    if is_iswa:
        # the iswa constructor logs "creating non-SWA ..." then its kv line, then "creating SWA ..." and its line
        kinds = ["non-swa", "swa"]
    for idx, kv in enumerate(parsed["kv_lines"]):
        kind = kinds[idx] if idx < len(kinds) else "non-swa"
        if kind == "swa":
            layers = [il for il in kv_layers if il in swa_layers]
        else:
            layers = [il for il in kv_layers if il not in swa_layers]
        n_embd_k = hp["n_head_kv"] * hp["head_dim_k"]
        mla = hp.get("mla", False)
        n_embd_v = 0 if mla else hp["n_head_kv"] * hp["head_dim_v"]
        per_cell_k = row_bytes(type_k, n_embd_k)
        per_cell_v = 0 if mla else row_bytes(type_v, n_embd_v)
        cells_total = kv["cells"] * kv["streams"]
        k_bytes = len(layers) * per_cell_k * cells_total
        v_bytes = len(layers) * per_cell_v * cells_total
        rec = dict(kind=kind, cells=kv["cells"], streams=kv["streams"], layers=kv["layers"], seqs=kv["seqs"],
                   type_k=kv["type_k"], type_v=kv["type_v"],
                   k_bytes=k_bytes, v_bytes=v_bytes, total_bytes=k_bytes + v_bytes,
                   k_bytes_per_cell_per_layer=per_cell_k, v_bytes_per_cell_per_layer=per_cell_v,
                   k_mib_logged=kv["k_mib"], v_mib_logged=kv["v_mib"], total_mib_logged=kv["total_mib"],
                   layer_ids=layers, log_line=kv["line"])
        rec["exact_bytes_consistent_with_log"] = (
            len(layers) == kv["layers"] and mib_matches(k_bytes, kv["k_mib"]) and mib_matches(v_bytes, kv["v_mib"]))
        caches.append(rec)
    for rs in parsed["rs_lines"]:
        recr = hp.get("recurrent_layers", [])
        d_conv, d_state, n_group, d_inner = hp["ssm_d_conv"], hp["ssm_d_state"], hp["ssm_n_group"], hp["ssm_d_inner"]
        n_embd_r = (d_conv - 1) * (d_inner + 2 * n_group * d_state)
        n_embd_s = d_state * d_inner
        n_rows = rs["cells"] * (1 + rs["rs_seq"])
        r_bytes = len(recr) * n_embd_r * 4 * n_rows
        s_bytes = len(recr) * n_embd_s * 4 * n_rows
        rec = dict(kind="recurrent", cells=rs["cells"], layers=len(recr), layers_logged=rs["layers_logged"],
                   seqs=rs["seqs"], rs_seq=rs["rs_seq"], type_r=rs["type_r"], type_s=rs["type_s"],
                   r_bytes=r_bytes, s_bytes=s_bytes, total_bytes=r_bytes + s_bytes,
                   n_embd_r=n_embd_r, n_embd_s=n_embd_s, layer_ids=recr,
                   r_mib_logged=rs["r_mib"], s_mib_logged=rs["s_mib"], total_mib_logged=rs["total_mib"],
                   log_line=rs["line"])
        rec["exact_bytes_consistent_with_log"] = mib_matches(r_bytes, rs["r_mib"]) and mib_matches(s_bytes, rs["s_mib"])
        caches.append(rec)
    return caches


def weights_of(path):
    r = gguf.GGUFReader(path)
    by_type = {}
    tensors = []
    total = 0
    for t in r.tensors:
        tname = t.tensor_type.name
        nb = int(t.n_bytes)
        by_type.setdefault(tname, {"n_tensors": 0, "n_bytes": 0, "n_elements": 0})
        by_type[tname]["n_tensors"] += 1
        by_type[tname]["n_bytes"] += nb
        by_type[tname]["n_elements"] += int(t.n_elements)
        total += nb
        tensors.append(dict(name=t.name, type=tname, shape=[int(x) for x in t.shape], n_elements=int(t.n_elements),
                            n_bytes=nb))
    return dict(file=os.path.basename(path), file_bytes=os.path.getsize(path), total_tensor_bytes=total,
                n_tensors=len(tensors), by_type=by_type, tensors=tensors)


def build_info(bin_dir):
    rc, out, _ = run([os.path.join(bin_dir, "llama-batched-bench"), "--version"])
    m = re.search(r"version: (\S+) \(build (\d+), commit ([^)]+)\)", out)
    return f"b{m.group(2)} ({m.group(3)}, ggml {m.group(1)})" if m else out.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="/work/llamacpp-build/build/bin")
    ap.add_argument("--fixtures", default="tests/fixtures/llamacpp")
    ap.add_argument("--tmp", default="/work/llamacpp-build/tmp")
    ap.add_argument("--only", default="", help="comma list of file-name prefixes")
    ap.add_argument("--keep-logs", default="/work/llamacpp-build/logs")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--quick", action="store_true", help="one setting per model")
    args = ap.parse_args()

    hp_all = json.load(open(os.path.join(args.fixtures, "fixtures_hparams.json")))
    os.makedirs(args.keep_logs, exist_ok=True)
    build = build_info(args.bin)
    print("llama.cpp build:", build)

    # Q4_K_M via llama-quantize
    quant_logs = {}
    for src_name, dst_name in QUANTS:
        dst = os.path.join(args.fixtures, dst_name)
        log_path = os.path.join(args.keep_logs, f"quantize-{dst_name}.log")
        if not os.path.exists(dst) or not os.path.exists(log_path):
            src = os.path.join(args.tmp, src_name)
            rc, out, dt = run([os.path.join(args.bin, "llama-quantize"), src, dst, "Q4_K_M", "1"], log_path)
            print(f"quantize {dst_name} rc={rc} {dt:.1f}s")
            if rc != 0:
                print(out[-3000:])
        if os.path.exists(log_path):
            quant_logs[dst_name] = (src_name, open(log_path).read())

    files = sorted(hp_all.keys())
    only = [s for s in args.only.split(",") if s]
    if only:
        files = [f for f in files if any(f.startswith(o) for o in only)]

    meas_path = os.path.join(args.fixtures, "kv_measurements.json")
    records = []
    if only and os.path.exists(meas_path):
        records = [r for r in json.load(open(meas_path)) if r["model_file"] not in files]
    failures = []

    for f in files:
        hp = hp_all[f]
        path = os.path.join(args.fixtures, f)
        if not os.path.exists(path):
            print("missing", path)
            continue
        settings = []
        for (c, s) in CTX_SETTINGS:
            for (tk, tv, fa) in TYPE_SETTINGS:
                settings.append((c, s, tk, tv, fa, False))
            if s > 1:
                settings.append((c, s, "f16", "f16", True, True))
                settings.append((c, s, "f16", "f16", False, True))
        if args.quick:
            settings = settings[:1]
        for (c, s, tk, tv, fa, kvu) in settings:
            tag = f"{f}__c{c}_np{s}_{tk}_{tv}_fa{int(fa)}_kvu{int(kvu)}"
            cmd = [os.path.join(args.bin, "llama-batched-bench"), "-m", path, "-c", str(c), "-npl", str(s),
                   "-npp", "8", "-ntg", "1", "-ctk", tk, "-ctv", tv, "-fa", "on" if fa else "off",
                   "-t", args.threads, "-ub", "512", "-b", "2048", "-lv", "4"]
            if kvu:
                cmd.append("-kvu")
            rc, out, dt = run(cmd, os.path.join(args.keep_logs, tag + ".log"))
            p = parse_log(out)
            ok = rc == 0 and (p["kv_lines"] or p["rs_lines"])
            print(f"{tag}: rc={rc} {dt:.1f}s kv={len(p['kv_lines'])} rs={len(p['rs_lines'])}")
            if not ok:
                tail = "\n".join(out.strip().splitlines()[-6:])
                failures.append(dict(model_file=f, tag=tag, rc=rc, tail=tail))
                print(tail)
                if not (p["kv_lines"] or p["rs_lines"]):
                    continue
            ctx = p["ctx"]
            rec = dict(model_file=f, arch=hp["arch"], n_ctx_arg=c, n_parallel=s, type_k=tk, type_v=tv,
                       flash_attn=fa, flash_attn_logged=ctx.get("flash_attn"),
                       kv_unified=(ctx.get("kv_unified") == "true"), kv_unified_arg=kvu,
                       n_ubatch=int(ctx.get("n_ubatch", 0)), n_batch=int(ctx.get("n_batch", 0)),
                       n_seq_max=int(ctx.get("n_seq_max", 0)),
                       n_ctx=int(ctx.get("n_ctx", 0)), n_ctx_seq=int(ctx.get("n_ctx_seq", 0)),
                       v_trans=not fa,
                       caches=cache_records(p, hp, tk, tv, not fa),
                       kv_buffers_mib=p["kv_buffers"],
                       compute_buffer_bytes=p["compute"], compute_buffer_mib=p.get("compute_mib", {}),
                       output_buffer_mib=p["output_buf"], graph=p.get("graph", {}),
                       model_buffers_mib=p["model_buffers"], model_type_counts=p["type_counts"],
                       model_file_type=p["file_type"], model_file_size=p["file_size"],
                       tool="llama-batched-bench", command=" ".join(os.path.basename(x) if x == path else x
                                                                       for x in cmd[1:]),
                       exit_code=rc, llama_cpp_build=build)
            records.append(rec)

    records.sort(key=lambda r: (r["model_file"], r["n_ctx_arg"], r["n_parallel"], r["type_k"], r["flash_attn"],
                                r["kv_unified_arg"]))
    with open(meas_path, "w") as fo:
        json.dump(records, fo, indent=1)
    print(f"wrote {meas_path}: {len(records)} records, {len(failures)} failures")
    with open(os.path.join(args.fixtures, "kv_failures.json"), "w") as fo:
        json.dump(failures, fo, indent=1)

    # weights
    wts = {}
    for f in sorted(hp_all.keys()):
        path = os.path.join(args.fixtures, f)
        if os.path.exists(path):
            wts[f] = weights_of(path)
    for dst_name, (src_name, quant_log) in quant_logs.items():
        src = os.path.join(args.tmp, src_name)
        if os.path.exists(src):
            w = weights_of(src)
            w["note"] = "F32 source of a Q4_K_M fixture; not committed, regenerate with make_models.py"
            wts[src_name] = w
        # per-tensor decisions from llama-quantize's log
        dec = []
        for line in quant_log.splitlines():
            m = re.search(r"\[\s*\d+/\s*\d+\]\s+(\S+)\s+- \[([^\]]*)\], type =\s+(\w+),\s+(.*)", line)
            if m:
                rest = m.group(4)
                q = re.search(r"converting to (\w+)", rest)
                dec.append(dict(name=m.group(1), shape=m.group(2).replace(" ", ""), from_type=m.group(3),
                                to_type=q.group(1) if q else m.group(3), raw=rest.strip()))
        fallbacks = [ln.strip() for ln in quant_log.splitlines() if "falling back" in ln]
        if dst_name in wts:
            wts[dst_name]["llama_quantize_decisions"] = dec
            wts[dst_name]["llama_quantize_fallback_warnings"] = fallbacks
            wts[dst_name]["llama_quantize_cmd"] = f"llama-quantize {src_name} {dst_name} Q4_K_M 1"
    out = dict(llama_cpp_build=build, files=wts)
    with open(os.path.join(args.fixtures, "weights.json"), "w") as fo:
        json.dump(out, fo, indent=1)
    print("wrote weights.json")


if __name__ == "__main__":
    main()
