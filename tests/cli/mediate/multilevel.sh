# Intent: `algia mediate --level2` on trial-level data gives CanlabCore's multilevel estimates
# (empirical-Bayes weights, GLS SEs and Satterthwaite df; fixtures/mediation, 1e-9), and with
# --equal-weights the plain means.
needs_nibabel
F="$FIXTURES/mediation"
"$ALGIA" mediate --table "$F/multilevel.tsv" --x x --m m --y y --level2 participant_id --boot 1000 --out "$OUT/eb.tsv"
"$ALGIA" mediate --table "$F/multilevel.tsv" --x x --m m --y y --level2 participant_id --equal-weights --boot 1000 --out "$OUT/eq.tsv"
"$PYTHON" - "$OUT" "$F/multilevel_level2.tsv" <<'PY'
import sys, csv
out, ref = sys.argv[1], list(csv.DictReader(open(sys.argv[2]), delimiter="\t"))
names = {"a": "a", "b": "b", "c'": "c_prime", "c": "c", "ab": "ab"}
for lab, f in (("eb", "eb.tsv"), ("equal", "eq.tsv")):
    got = list(csv.DictReader(open(f"{out}/{f}"), delimiter="\t"))
    assert len(got) == 5
    for g in got:
        r = next(r for r in ref if r["weights"] == lab and r["path"] == names[g["path"]])
        for k, rk in (("estimate", "gls_beta"), ("se", "gls_ste"), ("stat", "gls_t")):
            a, b = float(g[k]), float(r[rk])
            assert abs(a - b) <= 1e-9 * max(1, abs(b)), (lab, g["path"], k, a, b)
        assert g["n"] == "20"
print("multilevel mediation equals the CanlabCore-formula reference")
PY
