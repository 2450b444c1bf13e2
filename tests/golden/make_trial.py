"""Golden values for algia trial from Python peers.

responders_statsmodels.tsv: statsmodels proportion_confint(method='wilson') per arm,
confint_proportions_2indep(method='newcomb', compare='diff') for the risk difference, Table2x2
(riskratio_confint: log interval; oddsratio_confint: Woolf; shift_zeros=False).
effects_scipy.tsv, change_scipy.tsv: written by the later parts of this script (scipy.stats).

Run: /usr/bin/python3 tests/golden/make_trial.py tests/fixtures/trial
"""
import sys
import numpy as np
from statsmodels.stats.proportion import proportion_confint, confint_proportions_2indep
from statsmodels.stats.contingency_tables import Table2x2

out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/trial"
TABLES = [(33, 50, 10, 51), (33, 50, 5, 50), (10, 51, 5, 50), (0, 10, 3, 12), (5, 5, 2, 9), (1, 20, 1, 3),
          (7, 15, 9, 14), (12, 40, 0, 38), (2, 7, 6, 8), (150, 300, 120, 310)]


def fmt(v):
    return "n/a" if v is None or not np.isfinite(v) else repr(float(v))


with open(f"{out}/responders_statsmodels.tsv", "w") as f:
    cols = ["x1", "n1", "x2", "n2", "wilson1_lower", "wilson1_upper", "wilson2_lower", "wilson2_upper",
            "rd", "rd_lower", "rd_upper", "rr_lower", "rr_upper", "or_lower", "or_upper"]
    f.write("\t".join(cols) + "\n")
    for x1, n1, x2, n2 in TABLES:
        w1 = proportion_confint(x1, n1, alpha=0.05, method="wilson")
        w2 = proportion_confint(x2, n2, alpha=0.05, method="wilson")
        rd = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
        zero = min(x1, n1 - x1, x2, n2 - x2) == 0
        t = Table2x2(np.array([[x1, n1 - x1], [x2, n2 - x2]], dtype=float), shift_zeros=False)  # no 0.5 correction, as algia
        rr = t.riskratio_confint() if x1 > 0 and x2 > 0 else (np.nan, np.nan)
        orc = t.oddsratio_confint() if not zero else (np.nan, np.nan)
        vals = [x1, n1, x2, n2, *w1, *w2, x1 / n1 - x2 / n2, *rd, *rr, *orc]
        f.write("\t".join(str(v) if isinstance(v, int) else fmt(v) for v in vals) + "\n")


# ---- effects and change (scipy.stats) -------------------------------------------------------
import json
from scipy import stats, special, optimize

rng = np.random.default_rng(20261124)


def nct_interval(t, df, level=0.95):
    a = (1 - level) / 2
    f = lambda target: optimize.brentq(lambda ncp: stats.nct.cdf(t, df, ncp) - target, t - 40, t + 40, xtol=1e-13, rtol=1e-14)
    return [f(1 - a), f(a)]


cases = []
for n1, n2, shift in [(50, 51, -1.2), (12, 9, 0.4), (5, 6, 2.0), (40, 38, 0.0), (120, 115, -0.3)]:
    a = np.round(rng.normal(shift, 1.5, n1), 1)
    b = np.round(rng.normal(0, 1.3, n2), 1)
    df = n1 + n2 - 2
    sp = np.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / df)
    d = (a.mean() - b.mean()) / sp
    J = np.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / np.sqrt(df / 2)
    g = J * d
    scale = np.sqrt(n1 * n2 / (n1 + n2))
    tt = stats.ttest_ind(a, b, equal_var=True)
    lo, hi = nct_interval(d * scale, df)
    se = np.sqrt((n1 + n2) / (n1 * n2) + g * g / (2 * (n1 + n2)))
    z = stats.norm.ppf(0.975)
    cases.append(dict(a=a.tolist(), b=b.tolist(), d=d, J=J, g=g, t=tt.statistic, p=tt.pvalue,
                      ci_exact=[J * lo / scale, J * hi / scale], ci_normal=[g - z * se, g + z * se]))
json.dump(cases, open(f"{out}/effects_scipy.json", "w"), indent=1)

paired_cases = []
for n, kind in [(14, "continuous"), (30, "continuous"), (60, "continuous"), (25, "ties"), (20, "zeros"), (8, "continuous"), (45, "ties")]:
    pre = rng.normal(20, 6, n)
    post = pre + rng.normal(-2.5, 4, n)
    if kind == "ties":
        pre, post = np.round(pre), np.round(post)
        post[post == pre] += 1  # ties among |d| but no zeros
    if kind == "zeros":
        pre, post = np.round(pre), np.round(post)
        post[:3] = pre[:3]
    d = post - pre
    tr = stats.ttest_rel(post, pre)
    ci = tr.confidence_interval(0.95)
    dz = d.mean() / d.std(ddof=1)
    lo, hi = nct_interval(tr.statistic, n - 1)
    absd = np.abs(d[d != 0])
    ties = len(np.unique(absd)) < len(absd)
    zeros = np.any(d == 0)
    exact = len(absd) <= 50 and not ties and not zeros
    w = stats.wilcoxon(post, pre, mode="exact" if exact else "approx")
    r = stats.rankdata(absd)
    rp, rm = r[d[d != 0] > 0].sum(), r[d[d != 0] < 0].sum()
    x = rng.normal(0, 1, n) + 0.05 * d
    pr = stats.pearsonr(d, x)
    pci = pr.confidence_interval(0.95)
    sr = stats.spearmanr(d, x)
    zr = np.arctanh(sr.correlation)
    sci = [np.tanh(zr - 1.959963984540054 / np.sqrt(n - 3)), np.tanh(zr + 1.959963984540054 / np.sqrt(n - 3))]
    paired_cases.append(dict(pre=pre.tolist(), post=post.tolist(), x=x.tolist(), kind=kind, t=tr.statistic, p=tr.pvalue,
                             ci_mean=[ci.low, ci.high], dz=dz, ci_dz=[lo / np.sqrt(n), hi / np.sqrt(n)],
                             w_exact=bool(exact), w_statistic=float(w.statistic), w_p=float(w.pvalue),
                             rank_biserial=(rp - rm) / (rp + rm),
                             pearson_r=pr.statistic, pearson_p=pr.pvalue, pearson_ci=[pci.low, pci.high],
                             spearman_r=sr.correlation, spearman_p=sr.pvalue, spearman_ci=sci))
json.dump(paired_cases, open(f"{out}/change_scipy.json", "w"), indent=1)
