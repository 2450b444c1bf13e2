# Intent: a wide table (pain_0 ... pain_5, one row per participant) given with --wide 'pain_{visit}'
# fits exactly the model of the same data in long form; --emmeans writes marginal means and the
# treatment - control contrast at each visit, equal to lmerTest's contest() (fixture).
"$PYTHON" - "$FIXTURES/lmm/trial.tsv" "$OUT" <<'PY'
import sys, csv
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
out = sys.argv[2]
with open(f"{out}/long.tsv", "w") as f:
    f.write("id\tarm\tage\tvisit\tpain\n")
    for r in rows:
        f.write(f"{r['id']}\t{r['arm']}\t{r['age']}\t{r['time']}\t{r['pain']}\n")
ids = {}
for r in rows:
    ids.setdefault(r["id"], {"arm": r["arm"], "age": r["age"]})[r["time"]] = r["pain"]
with open(f"{out}/wide.tsv", "w") as f:
    f.write("id\tarm\tage\t" + "\t".join(f"pain_{t}" for t in range(6)) + "\n")
    for i, d in ids.items():
        f.write(f"{i}\t{d['arm']}\t{d['age']}\t" + "\t".join(d[str(t)] for t in range(6)) + "\n")
PY
formula='pain ~ arm * C(visit) + age + (visit | id)'
"$ALGIA" trial lmm --table "$OUT/long.tsv" --formula "$formula" --emmeans arm:visit --out "$OUT/long"
"$ALGIA" trial lmm --table "$OUT/wide.tsv" --wide 'pain_{visit}' --formula "$formula" --emmeans arm:visit --out "$OUT/wide"
for f in fixed anova random emmeans contrasts; do cmp "$OUT/long_$f.tsv" "$OUT/wide_$f.tsv"; done
grep -q "^dropped_rows	12$" "$OUT/wide_model.tsv"
"$PYTHON" - "$OUT/long" "$FIXTURES/lmm/expected.tsv" <<'PY'
import sys, csv
want = {}
for r in csv.DictReader(open(sys.argv[2]), delimiter="\t"):
    if r["model"] == "trial_rs_reml":
        want.setdefault(r["quantity"], []).append(float(r["value"]))
con = list(csv.DictReader(open(sys.argv[1] + "_contrasts.tsv"), delimiter="\t"))
assert [r["at"] for r in con] == [str(v) for v in range(6)] and con[0]["contrast"] == "treatment - control", con
for r, e, d, p in zip(con, want["con_estimate"], want["con_df"], want["con_p"]):
    assert abs(float(r["estimate"]) - e) <= 1e-5 * abs(e)
    assert abs(float(r["df"]) - d) <= 1e-3 * d
    assert abs(float(r["p"]) - p) <= 1e-4 * p
print("wide = long; contrasts agree with lmerTest contest()")
PY
