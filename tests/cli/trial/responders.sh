# Intent: `algia trial responders` on a long table built to the PRT trial's published counts
# (33/50 PRT, 10/51 placebo, 5/50 usual care responders at post, missing = non-responder) gives the
# published risk differences, Newcombe CIs and Fisher p (drop-outs without a post row counted through
# participant_id), and agrees with statsmodels (Wilson,
# Newcombe) to 1e-9 and R fisher.test (fixture) on p; complete-case changes the denominators.
"$PYTHON" - "$OUT/trial.tsv" <<'PY'
import sys
rows = ["participant_id\tarm\tvisit\tpain"]
spec = {"PRT": (50, 33, 3), "placebo": (51, 10, 3), "usual": (50, 5, 2)}  # N, responders, missing at post
k = 0
for arm, (n, resp, miss) in spec.items():
    for i in range(n):
        k += 1
        pid = f"sub-{k:03d}"
        rows.append(f"{pid}\t{arm}\tpre\t{5 + i % 3}")
        post = "n/a" if i >= n - miss else (str(i % 2) if i < resp else str(2 + i % 5))
        if arm == "usual" and post == "n/a":
            continue  # drop-outs without a post row: still counted (participant_id) as non-responders
        rows.append(f"{pid}\t{arm}\tpost\t{post}")
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
PY
"$ALGIA" trial responders --table "$OUT/trial.tsv" --column pain --rule '<=1' --visit-column visit --visit post \
  --arm-column arm --out "$OUT/r.tsv"
"$PYTHON" - "$OUT/r.tsv" <<'PY'
import sys, csv
from statsmodels.stats.proportion import proportion_confint, confint_proportions_2indep
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
get = lambda a1, a2, m: next(r for r in rows if r["arm1"] == a1 and r["arm2"] == a2 and r["measure"] == m)
for arm, x, n in [("PRT", 33, 50), ("placebo", 10, 51), ("usual", 5, 50)]:
    r = get(arm, "n/a", "proportion")
    assert (int(r["x1"]), int(r["n1"])) == (x, n), r
    lo, hi = proportion_confint(x, n, method="wilson")
    assert abs(float(r["ci_lower"]) - lo) < 1e-9 and abs(float(r["ci_upper"]) - hi) < 1e-9, r
for a2, x2, n2, est, lo, hi, p in [("placebo", 10, 51, 0.464, 0.275, 0.608, 2.8e-6), ("usual", 5, 50, 0.560, 0.381, 0.689, 7.8e-9)]:
    r = get("PRT", a2, "risk_difference")
    assert round(float(r["estimate"]), 3) == est and round(float(r["ci_lower"]), 3) == lo and round(float(r["ci_upper"]), 3) == hi, r
    assert abs(float(r["p"]) - p) < 0.05 * p, r
    sl, sh = confint_proportions_2indep(33, 50, x2, n2, method="newcomb", compare="diff")
    assert abs(float(r["ci_lower"]) - sl) < 1e-9 and abs(float(r["ci_upper"]) - sh) < 1e-9, (r, sl, sh)
    assert "Newcombe" in r["method"]
assert "Yates" in get("PRT", "placebo", "chi_square_yates")["method"]
assert "no continuity correction" in get("PRT", "placebo", "chi_square")["method"]
print("published numbers, statsmodels Wilson/Newcombe: ok")
PY
"$PYTHON" - "$OUT/r.tsv" "$FIXTURES/trial/responders_r.tsv" <<'PY'
import sys, csv
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
ref = list(csv.DictReader(open(sys.argv[2]), delimiter="\t"))
for x2, n2 in [(10, 51), (5, 50)]:
    want = next(r for r in ref if (int(r["x1"]), int(r["n1"]), int(r["x2"]), int(r["n2"])) == (33, 50, x2, n2))
    got = next(r for r in rows if r["measure"] == "fisher_exact" and int(r["x2"]) == x2 and int(r["n2"]) == n2)
    assert abs(float(got["p"]) - float(want["fisher_p"])) <= 1e-6 * float(want["fisher_p"]), (got, want)
    got = next(r for r in rows if r["measure"] == "odds_ratio_conditional" and int(r["x2"]) == x2 and int(r["n2"]) == n2)
    for a, b in [("estimate", "or_mle"), ("ci_lower", "or_lower"), ("ci_upper", "or_upper")]:
        assert abs(float(got[a]) - float(want[b])) <= 1e-6 * float(want[b]), (a, got, want)
print("R fisher.test: ok")
PY
"$ALGIA" trial responders --table "$OUT/trial.tsv" --column pain --rule '<=1' --visit-column visit --visit post \
  --arm-column arm --missing complete-case --arms placebo,PRT,usual > "$OUT/cc.tsv"
grep -P '^PRT\tn/a\tproportion\t.*\t33\t47\t' "$OUT/cc.tsv"
grep -P '^usual\tn/a\tproportion\t.*\t5\t48\t.*2 missing \(2 without a row at the visit\)' "$OUT/cc.tsv"
grep -P '^placebo\tPRT\trisk_difference\t' "$OUT/cc.tsv"
# --or-tolerance 1e-13 gives fisher.test's roots computed with uniroot(tol = 1e-13).
"$ALGIA" trial responders --table "$OUT/trial.tsv" --column pain --rule '<=1' --visit-column visit --visit post \
  --arm-column arm --or-tolerance 1e-13 --out "$OUT/tight.tsv"
"$PYTHON" - "$OUT/tight.tsv" "$FIXTURES/trial/responders_r.tsv" <<'PY'
import sys, csv
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
ref = list(csv.DictReader(open(sys.argv[2]), delimiter="\t"))
want = next(r for r in ref if (int(r["x1"]), int(r["n1"]), int(r["x2"]), int(r["n2"])) == (33, 50, 10, 51))
got = next(r for r in rows if r["measure"] == "odds_ratio_conditional" and r["arm2"] == "placebo")
for a, b in [("estimate", "or_mle_tight"), ("ci_lower", "or_lower_tight"), ("ci_upper", "or_upper_tight")]:
    assert abs(float(got[a]) - float(want[b])) <= 1e-9 * float(want[b]), (a, got, want)
print("tight roots: ok")
PY
