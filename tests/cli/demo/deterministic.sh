# Intent: `algia demo` runs with no input: it simulates the demo study, runs the participant and
# group levels and writes the reports; the same seed gives byte-identical outputs on 1 and 2
# threads; the group models recover what was planted in truth.json (the pain change by arm: the
# 95% CI covers the planted difference, with the default seed and size users run; the signature change by arm and the years-with-pain slope
# of default-mode connectivity: the planted signs, p < 0.05; the [[mixed_model]]s' arm x session
# interaction: the pain CI covers the planted difference, the signature's is negative with p < 0.05);
# a non-empty folder is refused.
"$ALGIA" --nprocs 1 demo --out "$OUT/a" >/dev/null 2>&1
"$ALGIA" --nprocs 2 demo --out "$OUT/b" > "$OUT/b.txt" 2>/dev/null
(cd "$OUT/a" && find . -type f | sort | xargs md5sum) > "$OUT/a.md5"
(cd "$OUT/b" && find . -type f | sort | xargs md5sum) > "$OUT/b.md5"
diff "$OUT/a.md5" "$OUT/b.md5"
grep -q "report: .*group_report.html" "$OUT/b.txt"
[ -s "$OUT/a/algia/sub-01/sub-01_report.html" ]
"$PYTHON" - "$OUT/a" <<'PY'
import sys, csv, json
out = sys.argv[1]
truth = json.load(open(f"{out}/fmriprep/truth.json"))
rows = {r["model"]: r for r in csv.DictReader(open(f"{out}/algia/group/demo_summary.tsv"), delimiter="\t")}
e = truth["expected_pain_change"]; arms = truth["arms"]
planted = e[arms[0]] - e[arms[1]]
lo, hi = float(rows["pain_by_arm"]["ci_low"]), float(rows["pain_by_arm"]["ci_high"])
assert lo <= planted <= hi, ("pain CI does not cover the planted difference", lo, hi, planted)
assert float(rows["signature_by_arm"]["estimate"]) < 0 and float(rows["signature_by_arm"]["p_permutation"]) < 0.05, rows["signature_by_arm"]
assert float(rows["dmn_years"]["estimate"]) > 0 and float(rows["dmn_years"]["p_permutation"]) < 0.05, rows["dmn_years"]
# Mixed models (long format, REML): the arm x session interaction is the planted arm's extra change.
mixed = {(r["model"], r["term"]): r for r in csv.DictReader(open(f"{out}/algia/group/mixed_models.tsv"), delimiter="\t")}
inter = f"arm[T.{arms[0]}]:session[T.2_{truth['sessions'][1]}]"   # pre/post sort the other way: levels 1_pre, 2_post
pain = mixed[("pain_lmm", inter)]
assert float(pain["ci_low"]) <= planted <= float(pain["ci_high"]), ("mixed-model pain CI does not cover the planted difference", pain, planted)
sig = mixed[("signature_lmm", inter)]
assert float(sig["estimate"]) < 0 and float(sig["p"]) < 0.05, sig
print("planted effects recovered:", planted, (lo, hi), "mixed model:", (pain["ci_low"], pain["ci_high"]), sig["estimate"])
PY
expect_error 2 "not empty" "$ALGIA" demo --out "$OUT/a"
