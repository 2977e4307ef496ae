#!/usr/bin/env python3
"""Refresh data/checkpoints.toml from the Hugging Face Hub (online only).

For every [[checkpoint]] entry it reads the repo's file list with sizes
(HfApi().model_info(repo, files_metadata=True)) and rewrites `bytes`, `bytes_exact`,
`read` and `source`:
  - gguf: the sum of the entry's `files` if listed, else of the *.gguf files whose name
    holds the quant (Q4_K_M ...), excluding mmproj files;
  - mlx / safetensors: the sum of the *.safetensors files.
A repo that no longer exists is reported and left as it is; nothing is invented.

    pip install huggingface_hub
    python3 scripts/checkpoints/refresh.py [--dry-run] [--model ID]

Offline (no route to huggingface.co) it stops with exit code 2 and a clear message before
touching the file.
"""
import argparse
import datetime
import pathlib
import re
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    sys.exit("refresh.py needs Python 3.11+ (tomllib)")

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "checkpoints.toml"
FIELDS = ["model", "format", "quant", "repo", "files", "bytes", "bytes_exact", "read", "source"]


def hub():
    try:
        from huggingface_hub import HfApi
    except ImportError:
        sys.exit("refresh.py: huggingface_hub is not installed (pip install huggingface_hub)")
    return HfApi()


def check_online(api):
    """One cheap call; a clear exit when the Hub cannot be reached."""
    try:
        api.model_info("gpt2")
    except Exception as e:  # requests/httpx errors differ by version
        print(f"refresh.py: cannot reach the Hugging Face Hub ({type(e).__name__}: {e}); "
              "data/checkpoints.toml is left unchanged", file=sys.stderr)
        sys.exit(2)


def repo_bytes(api, entry):
    """(bytes, files) of the entry's checkpoint from the Hub's file list."""
    info = api.model_info(entry["repo"], files_metadata=True)
    sizes = {s.rfilename: s.size for s in info.siblings if s.size is not None}
    if entry["format"] == "gguf":
        files = entry.get("files") or [
            f for f in sizes
            if f.lower().endswith(".gguf") and "mmproj" not in f.lower()
            and re.search(re.escape(entry["quant"]) + r"(?![a-z0-9])", f.lower())
        ]
    else:
        files = [f for f in sizes if f.endswith(".safetensors")]
    missing = [f for f in files if f not in sizes]
    if not files or missing:
        raise LookupError(f"{entry['repo']}: no files of {entry['quant']} "
                          f"({'missing ' + ', '.join(missing) if missing else 'none matched'})")
    return sum(sizes[f] for f in files), sorted(files), info.sha


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(header, entries):
    out = [header.rstrip("\n"), ""]
    for e in entries:
        out.append("[[checkpoint]]")
        for k in FIELDS:
            if k in e and e[k] not in (None, []) and not (k == "bytes_exact" and e[k] is True):
                out.append(f"{k} = {toml_value(e[k])}")
        out.append("")
    DATA.write_text("\n".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="print the changes, write nothing")
    ap.add_argument("--model", help="refresh only this catalog model id")
    args = ap.parse_args()
    text = DATA.read_text()
    header = text[: text.index("[[checkpoint]]")]
    entries = tomllib.loads(text)["checkpoint"]
    api = hub()
    check_online(api)
    today = datetime.date.today().isoformat()
    failed = 0
    for e in entries:
        if args.model and e["model"] != args.model:
            continue
        try:
            b, files, sha = repo_bytes(api, e)
        except Exception as err:
            failed += 1
            print(f"  skip {e['repo']} {e['quant']}: {err}", file=sys.stderr)
            continue
        if b != e.get("bytes"):
            print(f"  {e['repo']} {e['quant']}: {e.get('bytes')} -> {b}")
        e.update(bytes=b, bytes_exact=True, read=today,
                 source=f"huggingface.co/{e['repo']}@{sha[:8]} file sizes (model_info files_metadata), "
                        f"{len(files)} file(s), read {today} by scripts/checkpoints/refresh.py")
        if e["format"] == "gguf":
            e["files"] = files
    if not args.dry_run:
        write(header, entries)
    print(f"{len(entries)} entries, {failed} not refreshed" + (" (dry run)" if args.dry_run else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
