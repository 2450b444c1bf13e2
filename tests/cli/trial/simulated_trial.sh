# Intent: on a simulated reprocessing trial (`algia simulate --design reprocessing-trial`),
# `algia trial score` reads the simulator's item columns (pcs_01_pre ...) through --item-pattern
# and reproduces its totals; `algia trial attributions` codes the simulated causes into their known
# categories (per-category agreement and kappa against the generator's categories, all 1 here) and
# its mind-brain score equals the planted count; responders/effects/change run on the wide table.
needs_nibabel
"$ALGIA" simulate --design reprocessing-trial --participants 40 --voxel-size 12 --volumes 30 --out "$OUT/s" --seed 7 >/dev/null
P="$OUT/s/participants.tsv"
for ins in pcs phq9 gad7 rmdq; do
  for ses in pre post; do
    "$ALGIA" trial score --table "$P" --instrument $ins --item-pattern "${ins}_{item:02d}_${ses}" --prefix "${ins}_" --out "$OUT/${ins}_${ses}.tsv"
  done
done
# The generator's cause phrases and categories (src/algia/simulate/study.cpp), as a human coder would code them.
"$PYTHON" - "$OUT" "$P" <<'PY'
import sys, csv
d, p = sys.argv[1:]
rows = list(csv.DictReader(open(p), delimiter="\t"))
for ins in ("pcs", "phq9", "gad7", "rmdq"):
    for ses in ("pre", "post"):
        got = list(csv.DictReader(open(f"{d}/{ins}_{ses}.tsv"), delimiter="\t"))
        assert [g["participant_id"] for g in got] == [r["participant_id"] for r in rows]
        for g, r in zip(got, rows):
            assert float(g[f"{ins}_total"]) == float(r[f"{ins}_{ses}"]), (ins, ses, g, r[f"{ins}_{ses}"])
print("scores equal the simulator's totals")
cats = {"injury": ["lifting a heavy box at work", "a car accident", "a fall on the ice", "a sports injury"],
        "activity": ["too much running", "gardening all weekend", "carrying my kids"],
        "spinal condition": ["a herniated disc", "arthritis in my spine", "degenerated discs", "scoliosis"],
        "physiology": ["tight muscles", "inflammation in my back", "weak core muscles"],
        "hereditary": ["it runs in my family", "my genes"], "stress": ["stress at work", "a stressful divorce", "money worries"],
        "sedentary": ["sitting all day", "lack of exercise"], "age": ["getting older", "wear and tear with age"],
        "negligence": ["bad posture", "not stretching enough"],
        "psychological": ["anxiety", "depression", "fear of moving", "emotions I hold in"],
        "brain": ["my brain is stuck in a pain loop", "oversensitive nerves", "pain my brain learned"], "other": ["bad luck", "the weather"]}
of = {t: c for c, ts in cats.items() for t in ts}
cols = list(rows[0].keys())
with open(f"{d}/coded.tsv", "w") as f:
    extra = [f"ref{k}_{s}" for s in ("pre", "post") for k in (1, 2, 3)]
    f.write("\t".join(cols + extra) + "\n")
    for r in rows:
        f.write("\t".join([r[c] for c in cols] + [of[r[f"cause{k}_{s}"]] for s in ("pre", "post") for k in (1, 2, 3)]) + "\n")
PY
mkdir -p "$OUT/att"
"$ALGIA" trial attributions --table "$OUT/coded.tsv" --column 'cause1_{visit}' --column 'cause2_{visit}' --column 'cause3_{visit}' \
  --visits pre,post --reference 'ref1_{visit}' --reference 'ref2_{visit}' --reference 'ref3_{visit}' --out "$OUT/att"
"$PYTHON" - "$OUT" <<'PY'
import sys, csv
d = sys.argv[1]
rows = list(csv.DictReader(open(f"{d}/coded.tsv"), delimiter="\t"))
mb = {(r["participant_id"], s): sum(r[f"ref{k}_{s}"] in ("psychological", "brain", "stress") for k in (1, 2, 3)) for r in rows for s in ("pre", "post")}
got = list(csv.DictReader(open(f"{d}/att/participants.tsv"), delimiter="\t"))
assert len(got) == 2 * len(rows)
for g in got:
    assert int(g["mind_brain"]) == mb[(g["participant_id"], g["visit"])], g
ag = list(csv.DictReader(open(f"{d}/att/agreement.tsv"), delimiter="\t"))
for a in ag:
    print(f"{a['category']:>22}: reference {a['reference_n']:>3}  algia {a['algia_n']:>3}  agreement {float(a['agreement']):.3f}  kappa {a['kappa']}")
assert float(ag[-1]["kappa"]) == 1.0, ag[-1]
assert open(f"{d}/att/uncoded.tsv").read().count("\n") == 1
PY
"$ALGIA" trial responders --table "$P" --column pain_post --rule '<=1' --arm-column arm --out "$OUT/r.tsv"
"$ALGIA" trial effects --table "$P" --arm-column arm --pre pain_pre --post pain_post --out "$OUT/e.tsv"
"$ALGIA" trial change --table "$P" --pre pain_pre --post pain_post --by arm --with-change pcs_pre:pcs_post --out "$OUT/c.tsv"
grep -c proportion "$OUT/r.tsv"
# The score sidecar records the rules used.
"$PYTHON" -c "import json,sys; j=json.load(open(sys.argv[1])); assert j['instrument']=='pcs' and j['item_columns']=='pcs_{item:02d}_pre' and j['scores'][0]['max_missing']==1, j" "$OUT/pcs_pre.json"
