#!/usr/bin/env python3
"""Print the options of a click command as JSON, from the command object itself.

Ray's CLI (`ray start`) is click, not argparse: run inside a venv where the package is
installed (`pip install ray==VERSION`; its `ray.scripts.scripts` imports only pure-Python
dependencies plus Ray's own extension), import the command and read `command.params`, the
list click parses the command line with. Nothing is stubbed.

Usage: dump_click.py MODULE COMMAND   (e.g. ray.scripts.scripts start)
"""

import importlib
import json
import sys

import click

# click.BOOL's accepted spellings (click/types.py BoolParamType.convert, case-insensitive).
BOOL_WORDS = ["1", "0", "true", "false", "t", "f", "yes", "no", "y", "n", "on", "off"]


def kind_of(p: click.Option) -> tuple[str, list[str] | None]:
    if p.is_flag or p.count:
        return "flag", None
    t = p.type
    if isinstance(t, click.Choice):
        return "choice", [str(c) for c in t.choices]
    if t is click.BOOL:
        return "choice", BOOL_WORDS
    if isinstance(t, (click.IntRange,)) or t is click.INT:
        return "int", None
    if isinstance(t, click.FloatRange) or t is click.FLOAT:
        return "float", None
    if p.nargs != 1 or p.multiple:
        return "list", None
    return "str", None


def main() -> None:
    module, command = sys.argv[1], sys.argv[2]
    cmd = getattr(importlib.import_module(module), command)
    flags, positionals = [], []
    for p in cmd.params:
        if isinstance(p, click.Argument):
            nargs = "*" if p.nargs == -1 else str(p.nargs)
            positionals.append({"name": p.name, "nargs": nargs if p.required or nargs == "*" else "?"})
            continue
        kind, choices = kind_of(p)
        flags.append({"names": list(p.opts), "kind": kind, "choices": choices})
        if p.secondary_opts:
            flags.append({"names": list(p.secondary_opts), "kind": "flag", "choices": None})
    json.dump({"flags": flags, "positionals": positionals}, sys.stdout)


if __name__ == "__main__":
    main()
