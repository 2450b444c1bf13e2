# Intent: `algia trial effects` (Hedges g on post levels and on change of completers, both CIs
# labelled) and `algia trial change` (paired t, Wilcoxon, d_z, Pearson/Spearman of change with
# another change, BH q across outcomes) agree with a numpy/scipy reference computed here from the
# same table; a long table gives the same effects as the wide one.
"$PYTHON" - "$OUT/wide.tsv" "$OUT/long.tsv" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(5)
wide = ["participant_id\tarm\tpain_pre\tpain_post\tpcs_pre\tpcs_post"]
long = ["participant_id\tarm\tvisit\tpain"]
for i in range(70):
    arm = ["prt", "placebo"][i % 2]
    pre = round(float(rng.normal(6, 1.5)), 1)
    post = round(pre - (2.5 if arm == "prt" else 0.8) + float(rng.normal(0, 1.5)), 1)
    pcs0 = round(float(rng.normal(22, 7)))
    pcs1 = round(pcs0 + 2 * (post - pre) + float(rng.normal(0, 3)))
    post_s = "n/a" if i % 17 == 3 else str(post)   # a few non-completers
    wide.append(f"sub-{i:02d}\t{arm}\t{pre}\t{post_s}\t{pcs0}\t{pcs1}")
    long.append(f"sub-{i:02d}\t{arm}\tpre\t{pre}")
    long.append(f"sub-{i:02d}\t{arm}\tpost\t{post_s}")
open(sys.argv[1], "w").write("\n".join(wide) + "\n")
open(sys.argv[2], "w").write("\n".join(long) + "\n")
PY
"$ALGIA" trial effects --table "$OUT/wide.tsv" --arm-column arm --pre pain_pre --post pain_post --out "$OUT/e.tsv"
"$ALGIA" trial effects --table "$OUT/long.tsv" --arm-column arm --column pain --visit-column visit --id-column participant_id \
  --pre pre --post post --out "$OUT/e_long.tsv"
"$ALGIA" trial change --table "$OUT/wide.tsv" --pre pain_pre --pre pcs_pre --post pain_post --post pcs_post --by arm \
  --with-change pcs_pre:pcs_post --out "$OUT/c.tsv"
"$PYTHON" - "$OUT" <<'PY'
import sys, csv, numpy as np
from scipy import stats, special, optimize
d = sys.argv[1]
wide = list(csv.DictReader(open(f"{d}/wide.tsv"), delimiter="\t"))
f = lambda v: float("nan") if v == "n/a" else float(v)
e = list(csv.DictReader(open(f"{d}/e.tsv"), delimiter="\t"))
el = list(csv.DictReader(open(f"{d}/e_long.tsv"), delimiter="\t"))
def nct_ci(t, df):
    g = lambda target: optimize.brentq(lambda ncp: stats.nct.cdf(t, df, ncp) - target, t - 30, t + 30, xtol=1e-13)
    return g(0.975), g(0.025)
for kind, val in [("hedges_g_post", lambda r: f(r["pain_post"])), ("hedges_g_change", lambda r: f(r["pain_post"]) - f(r["pain_pre"]))]:
    a = np.array([val(r) for r in wide if r["arm"] == "prt"]); a = a[np.isfinite(a)]
    b = np.array([val(r) for r in wide if r["arm"] == "placebo"]); b = b[np.isfinite(b)]
    n1, n2 = len(a), len(b); df = n1 + n2 - 2
    sp = np.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / df)
    dd = (a.mean() - b.mean()) / sp
    J = np.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / np.sqrt(df / 2)
    s = np.sqrt(n1 * n2 / (n1 + n2)); lo, hi = nct_ci(dd * s, df)
    for table in (e, el):
        r = next(x for x in table if x["analysis"] == kind)
        assert (int(r["n1"]), int(r["n2"])) == (n1, n2), r
        assert abs(float(r["estimate"]) - J * dd) < 1e-9, (r, J * dd)
        assert abs(float(r["ci_lower"]) - J * lo / s) < 1e-8 and abs(float(r["ci_upper"]) - J * hi / s) < 1e-8, (r, J * lo / s, J * hi / s)
        assert abs(float(r["p"]) - stats.ttest_ind(a, b).pvalue) < 1e-9
        assert ("change scores of completers" in r["method"]) == (kind == "hedges_g_change") and "noncentral t" in r["method"]
    print(kind, "g =", round(J * dd, 3), "agrees with numpy/scipy")
c = list(csv.DictReader(open(f"{d}/c.tsv"), delimiter="\t"))
for arm in ("prt", "placebo"):
    rows = [r for r in wide if r["arm"] == arm]
    pvals = []
    for pre, post in (("pain_pre", "pain_post"), ("pcs_pre", "pcs_post")):
        x = np.array([f(r[pre]) for r in rows]); y = np.array([f(r[post]) for r in rows]); ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        t = stats.ttest_rel(y, x)
        r = next(z for z in c if z["group"] == arm and z["outcome"] == f"{post} - {pre}" and z["test"] == "paired_t")
        assert abs(float(r["statistic"]) - t.statistic) < 1e-9 * abs(t.statistic) and abs(float(r["p"]) - t.pvalue) <= 1e-9 * t.pvalue + 1e-300, (r, t)
        pvals.append(t.pvalue)
        dd_ = (y - x)[(y - x) != 0]
        exact = len(dd_) == len(y) and len(np.unique(np.abs(dd_))) == len(dd_) and len(dd_) <= 50
        w = stats.wilcoxon(y, x, mode="exact" if exact else "approx")
        r = next(z for z in c if z["group"] == arm and z["outcome"] == f"{post} - {pre}" and z["test"] == "wilcoxon_signed_rank")
        assert abs(float(r["statistic"]) - w.statistic) < 1e-9 and abs(float(r["p"]) - w.pvalue) <= 1e-9 * w.pvalue, (r, w)
        if pre == "pcs_pre":
            continue  # the PCS change with itself: r = 1
        dc = np.array([f(q["pcs_post"]) - f(q["pcs_pre"]) for q in rows])[ok]
        pr = stats.pearsonr(y - x, dc); sr = stats.spearmanr(y - x, dc)
        r = next(z for z in c if z["group"] == arm and z["outcome"] == f"{post} - {pre}" and z["test"] == "pearson")
        ci = pr.confidence_interval()
        assert abs(float(r["estimate"]) - pr.statistic) < 1e-12 and abs(float(r["ci_lower"]) - ci.low) < 1e-12, (r, pr)
        assert abs(float(r["p"]) - pr.pvalue) <= 1e-9 * pr.pvalue + 1e-300, (r, pr)
        r = next(z for z in c if z["group"] == arm and z["outcome"] == f"{post} - {pre}" and z["test"] == "spearman")
        assert abs(float(r["estimate"]) - sr.correlation) < 1e-12 and abs(float(r["p"]) - sr.pvalue) <= 1e-9 * sr.pvalue + 1e-300, (r, sr)
    from statsmodels.stats.multitest import multipletests
    q = multipletests(pvals, method="fdr_bh")[1]
    got = [float(z["q_fdr"]) for z in c if z["group"] == arm and z["test"] == "paired_t"]
    assert np.allclose(got, q, rtol=1e-12), (got, q)
print("change: paired t, Wilcoxon, Pearson, Spearman, BH q agree with scipy/statsmodels")
PY
