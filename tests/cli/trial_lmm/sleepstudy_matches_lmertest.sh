# Intent: `algia trial lmm` on lme4's sleepstudy data, random intercept and slope, REML and ML,
# writes fixed effects (estimate, se, Satterthwaite df, t, p), Type III anova and variance
# components equal to lme4 + lmerTest (tests/fixtures/lmm/expected.tsv from make_lmm.R).
for method in reml ml; do
  "$ALGIA" trial lmm --table "$FIXTURES/lmm/sleepstudy.tsv" --formula 'Reaction ~ Days + (Days | Subject)' --$method --out "$OUT/$method"
  "$PYTHON" - "$OUT/$method" "$FIXTURES/lmm/expected.tsv" "sleep_rs_$method" <<'PY'
import sys, csv
prefix, exp, model = sys.argv[1:]
want = {}
for r in csv.DictReader(open(exp), delimiter="\t"):
    if r["model"] == model:
        want.setdefault(r["quantity"], []).append(float(r["value"]))
fixed = list(csv.DictReader(open(prefix + "_fixed.tsv"), delimiter="\t"))
assert [r["term"] for r in fixed] == ["(Intercept)", "Days"], fixed
def close(a, b, tol):
    assert abs(a - b) <= tol * abs(b), (a, b)
for k, q, tol in (("estimate", "beta", 1e-5), ("se", "se", 1e-5), ("df", "df", 1e-3), ("t", "t", 1e-5), ("p", "p", 1e-4)):
    for r, w in zip(fixed, want[q]):
        close(float(r[k]), w, tol)
an = list(csv.DictReader(open(prefix + "_anova.tsv"), delimiter="\t"))
close(float(an[0]["F"]), want["anova_F"][0], 1e-5)
close(float(an[0]["den_df"]), want["anova_dendf"][0], 1e-3)
rnd = list(csv.DictReader(open(prefix + "_random.tsv"), delimiter="\t"))
sds = [float(r["sd"]) for r in rnd if r["sd"]]
corr = [float(r["correlation"]) for r in rnd if r["correlation"]]
for a, b in zip([sds[0], sds[1], corr[0], sds[2]], want["vc_sd"]):
    close(a, b, 1e-5)
model_rows = {r["key"]: r["value"] for r in csv.DictReader(open(prefix + "_model.tsv"), delimiter="\t")}
assert model_rows["singular"] == "false" and model_rows["converged"] == "true", model_rows
close(float(model_rows["loglik"]), want["loglik"][0], 1e-9)
print(model, "agrees with lmerTest")
PY
done
