#!/usr/bin/env python3
"""Build one engine's own argparse parser on a CPU-only machine and print its flags as JSON.

Runs inside the helper venv made by extract.py, with the engine's unpacked package first on
sys.path. Heavy runtime packages the parser code imports but never needs to declare flags
(torch, transformers, CUDA bindings, mlx on Linux) are replaced by inert stand-ins
(stubimport.py); the flag declarations themselves are the engine's unchanged code.

Usage: dump_parser.py ENGINE SRC_DIR   (ENGINE: vllm | sglang | mlx_lm | mlx_launch)
"""

import argparse
import importlib
import inspect
import json
import os
import pkgutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# What each engine's parser code imports but cannot get here (no GPU wheels, no macOS).
STUBS = {
    "vllm": ["PIL", "aiohttp", "cachetools", "cbor2", "cloudpickle", "cpuinfo", "fastapi",
             "huggingface_hub", "llguidance", "openai", "openai_harmony", "partial_json_parser",
             "prometheus_client", "psutil", "pybase64", "requests", "safetensors", "torch",
             "transformers", "urllib3", "uvloop", "xgrammar", "zmq"],
    "sglang": ["sglang.srt.utils", "sglang.srt.model_executor", "sglang.srt.lora",
               "sglang.srt.layers", "sglang.srt.configs", "sglang.srt.environ",
               "sglang.srt.function_call", "sglang.srt.parser", "sglang.srt.managers",
               "sglang.srt.mem_cache", "sglang.srt.distributed", "sglang.srt.speculative",
               "sglang.srt.disaggregation", "sglang.srt.entrypoints"],
    "mlx_launch": ["mlx.core"],
    "mlx_lm": ["mlx", "numpy", "huggingface_hub", "transformers", "jinja2", "safetensors",
               "sentencepiece", "tokenizers", "yaml"],
}


class _Captured(Exception):
    def __init__(self, parser):
        self.parser = parser


def vllm_parser():
    from vllm.utils.argparse_utils import FlexibleArgumentParser
    from vllm.entrypoints.common.cli_args import make_arg_parser
    return make_arg_parser(FlexibleArgumentParser())


def sglang_parser():
    # ServerArgs.add_cli_args is add_cli_args_from_dataclass over the namespace classes in
    # arg_groups/fields (plus a few dynamic-choice flags); build it from those classes.
    # sglang/__init__.py and sglang/srt/__init__.py start the runtime (transformers patches,
    # platform probes); the argument declarations need neither, so load the packages bare.
    import types
    src = sys.path[1]
    for pkg in ("sglang", "sglang.srt"):
        m = types.ModuleType(pkg)
        m.__path__ = [os.path.join(src, *pkg.split("."))]
        sys.modules[pkg] = m
    from sglang.srt.arg_groups import arg_utils
    import sglang.srt.arg_groups.fields as fields
    p = argparse.ArgumentParser()
    for m in pkgutil.iter_modules(fields.__path__):
        mod = importlib.import_module(f"sglang.srt.arg_groups.fields.{m.name}")
        for cls in vars(mod).values():
            if inspect.isclass(cls) and hasattr(cls, "_NS_PATH") and cls.__module__ == mod.__name__:
                arg_utils.add_cli_args_from_dataclass(p, cls)
    return p


def mlx_parser():
    import mlx_lm.server as server
    return captured(server.main)


def mlx_launch_parser():
    import mlx._distributed_utils.launch as launch
    return captured(launch.main)


def captured(main_fn):
    """The parser a `main()` builds, caught when it calls parse_args."""
    real = argparse.ArgumentParser.parse_args
    real_known = argparse.ArgumentParser.parse_known_args
    def capture(self, *a, **k):
        raise _Captured(self)
    argparse.ArgumentParser.parse_args = capture
    argparse.ArgumentParser.parse_known_args = capture
    try:
        main_fn()
    except _Captured as c:
        return c.parser
    finally:
        argparse.ArgumentParser.parse_args = real
        argparse.ArgumentParser.parse_known_args = real_known
    raise SystemExit(f"{main_fn.__module__}.main() did not build a parser")


def kind_of(action):
    if action.nargs == 0:
        return "flag"
    if action.choices:
        return "choice"
    if action.nargs in ("+", "*"):
        return "list"
    t = action.type
    if t is int or t is float:
        return t.__name__
    if callable(t):
        # Wrapped converters (vLLM's optional_type(float), human-readable ints): ask the
        # engine's own converter what it accepts.
        def accepts(text):
            try:
                return type(t(text))
            except Exception:
                return None
        if accepts("not-a-number") is None:
            if accepts("7") is int and accepts("0.5") is None:
                return "int"
            if accepts("0.5") is float:
                return "float"
    return "str"


def extra_choices(engine):
    """Values the engine validates after parsing (not argparse choices)."""
    if engine == "vllm":
        from vllm.config.cache import KV_CACHE_DTYPES
        return {"--kv-cache-dtype": list(KV_CACHE_DTYPES)}
    if engine == "mlx_launch":
        # main() dispatches on args.backend and errors on anything else.
        import re
        import mlx._distributed_utils.launch as launch
        src = open(launch.__file__).read()
        return {"--backend": sorted(set(re.findall(r'args\.backend == "([\w-]+)"', src)))}
    return {}


def main():
    engine, src = sys.argv[1], sys.argv[2]
    sys.path.insert(0, HERE)
    sys.path.insert(1, src)
    import stubimport
    stubimport.install(STUBS[engine])
    parser = {"vllm": vllm_parser, "sglang": sglang_parser, "mlx_lm": mlx_parser,
              "mlx_launch": mlx_launch_parser}[engine]()
    extra = extra_choices(engine)
    flags = []
    for a in parser._actions:
        if not a.option_strings or "-h" in a.option_strings:
            continue
        kind = kind_of(a)
        choices = [str(c) for c in a.choices] if a.choices else None
        for name in a.option_strings:
            if name in extra:
                kind, choices = "choice", extra[name]
        flags.append({"names": list(a.option_strings), "kind": kind, "choices": choices})
    # How many bare words each positional takes: "?" at most one, "..." (REMAINDER) the rest
    # of the line, an int that many, "*"/"+" any number.
    positionals = [{"name": a.dest, "nargs": str(a.nargs if a.nargs is not None else 1)}
                   for a in parser._actions if not a.option_strings]
    json.dump({"flags": flags, "positionals": positionals}, sys.stdout)


if __name__ == "__main__":
    main()
