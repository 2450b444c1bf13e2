# Intent: the hidden `algia --help-json` (the source of the Python docstrings) is valid JSON that
# lists every subcommand `algia --help` lists, nested ones included (trial lmm), with each
# option's description, default and required flag exactly as `algia <command> --help` prints them.
"$ALGIA" --help-json > "$OUT/help.json"
"$ALGIA" --help > "$OUT/help.txt"
"$ALGIA" glm --help > "$OUT/glm.txt"
"$PYTHON" - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
tree = json.load(open(f"{out}/help.json"))
subs = tree["subcommands"]
text = open(f"{out}/help.txt").read()
for name in subs:
    assert name in text, name
assert "lmm" in subs["trial"]["subcommands"], list(subs["trial"]["subcommands"])
glm = {o["name"]: o for o in subs["glm"]["options"]}
glm_help = open(f"{out}/glm.txt").read()
for o in glm.values():
    assert o["description"] in glm_help, o
assert glm["--noise"]["default"] == "ar1" and not glm["--noise"]["required"] and not glm["--noise"]["flag"]
assert glm["--out"]["required"] and glm["--no-modulators"]["flag"] and glm["bold"]["positional"]
assert "help" not in " ".join(glm), list(glm)
print(f"{len(subs)} commands, glm has {len(glm)} options")
PY
