"""Build step: writes _algia_cli_docs.py (beside the compiled _algia module) from
`algia --help-json`, so that the Python docstrings use the CLI's own option descriptions.

usage: gen_cli_docs.py ALGIA_BINARY OUTPUT.py
"""
import json
import os
import pprint
import subprocess
import sys


def flatten(node, path, out):
    """{'glm': {...}, 'trial lmm': {...}}: every command by its space-separated path."""
    for name, sub in node.get("subcommands", {}).items():
        p = f"{path} {name}".strip()
        out[p] = {"description": sub["description"],
                  "options": {o["name"]: {k: o[k] for k in ("names", "description", "default", "required", "flag")}
                              for o in sub["options"]}}
        flatten(sub, p, out)
    return out


def main():
    algia, output = sys.argv[1:3]
    tree = json.loads(subprocess.run([algia, "--help-json"], check=True, capture_output=True, text=True).stdout)
    commands = flatten({"subcommands": {"": tree}}, "", {})  # "" is the program itself (--threads)
    text = ('"""Generated at build time from `algia --help-json` by python/gen_cli_docs.py: do not edit."""\n'
            f"COMMANDS = {pprint.pformat(commands, width=110, sort_dicts=False)}\n")
    tmp = output + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, output)


if __name__ == "__main__":
    main()
