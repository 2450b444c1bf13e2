#!/usr/bin/python3
"""Reference outputs for algia's mediation analysis (issue 8).

What it makes (all in <repo>/tests/fixtures/mediation/)
------------------------------------------------------
Simulated data (fixed numpy seed, np.random.default_rng(SEED)):
  single.tsv     x, m, y, age; n = 150 rows, 3 of them with a NaN
                 (row 10: m, row 77: y, row 120: age; 0-based) -> 147 complete.
  parallel.tsv   x, m1, m2, y, age; n = 150 (m2 has a negative a path, so
                 ab2 < 0 exercises the upper-tail branch of bootbca_pval).
  serial.tsv     x, m1, m2, y; n = 150; chain x -> m1 -> m2 -> y.
  multilevel.tsv participant_id, trial, x, m, y; 20 participants x 30 trials,
                 per-participant random a, b, c' and per-participant noise SD.

Reference results (independent numpy implementation in this file):
  <name>_paths.tsv      OLS path estimates with OLS SEs (sigma^2 = RSS/(n-p)),
                        the ML SE (= OLS SE * sqrt((n-p)/n), p = columns incl.
                        intercept of that equation), and for indirect effects the
                        first-order delta (Sobel) SE, z and two-sided normal p.
  <name>_bootstrap.tsv  per path/indirect effect: bootstrap mean/SE, z0,
                        acceleration, percentile / BC / BCa CIs (two quantile
                        definitions) and p-values, B = 2000 resamples drawn with
                        the LCG below.
  <name>_boot_head.tsv  the first 5 resamples: their indices' first 10 values
                        and every statistic (to debug the index stream).
  <name>_jackknife.tsv  leave-one-row-out estimates (rows of the complete cases).
  multilevel_participants.tsv  per-participant paths, OLS SEs (se_ab =
                        sqrt(b^2 se_a^2 + a^2 se_b^2 + se_a^2 se_b^2), as
                        CanlabCore) and the EB weights (RB_empirical_bayes_params).
  multilevel_level2.tsv        level-2 estimates (EB and equal weights): sum_i
                        w_i path_i per path (ab = weighted mean of the
                        per-participant products a_i b_i with ab's own weights),
                        and CanlabCore's GLScalc inference (weighted mean, ste,
                        t, Satterthwaite df, p) as in mediation.m second_level_wls.
  multilevel_bootstrap.tsv     bootstrap over participants (same LCG, n = 20),
                        weights fixed at their full-sample values, three variants:
                        equal (mean), eb_canlab_unnormalized (CanlabCore: the
                        statistic of a resample is sum_k w_{i_k} path_{i_k}, NOT
                        renormalised; the jackknife likewise sum_{j!=i} w_j p_j),
                        eb_normalized (sum w p / sum w in resample and jackknife).
  multilevel_boot_head.tsv     first 5 participant resamples.
  lcg_first_indices.tsv the first 40 indices for n = 147, 150 and 20.
  adaptive_bneeded.tsv  CanlabCore Bneeded(max(.005, minp), .20) table.
  cases.json            conventions, formulas and parameters.
lavaan results come from make_mediation.R (lavaan_<name>.tsv).

Index stream (identical in C++): 64-bit LCG
    state_0 = 12345
    state_{t+1} = (state_t * 6364136223846793005 + 1442695040888963407) mod 2^64
    index_t = (state_t >> 33) mod n        for t = 1, 2, 3, ...
i.e. the state is advanced BEFORE each draw (the first index uses state_1).
Indices are drawn resample by resample, row by row (resample r, row i is draw
t = r*n + i + 1), 0-based row indices into the complete-case rows (in file
order). The generator is restarted at 12345 for every data set.

Formulas (see cases.json and the report for the peers' source lines)
  percentile CI  q(alpha/2), q(1-alpha/2) of the B bootstrap values.
  BC (pingouin regression.py _bias_corrected_ci):
       z0 = Phi^-1(#(t* < t)/B);  lo = Phi(2 z0 + Phi^-1(alpha/2)),
       hi = Phi(2 z0 + Phi^-1(1-alpha/2)); CI = q(lo), q(hi).
  BCa (CanlabCore bootbca_ci, alph = alpha/2):
       z0 as above; jackknife t_(i) (leave row i out, refit everything);
       s_i = mean(t_()) - t_(i); a = sum s^3 / (6 (sum s^2)^1.5);
       a_k = Phi(z0 + (z0 + z_k)/(1 - a (z0 + z_k))), z_1 = Phi^-1(alpha/2),
       z_2 = Phi^-1(1-alpha/2); CI = q(a_1), q(a_2).
  quantile q: 'linear' = numpy default (R type 7, pingouin); 'hazen' = MATLAB
       prctile/quantile (R type 5; x_(i) at (i-0.5)/B, clamped to min/max).
  p-values: percentile_pingouin = 1 if t == 0 else min(1, 2 min(#(t*>0),
       #(t*<0))/B); percentile_canlab = max(1/B, 2 min(#(t*<=0), #(t*>=0))/B);
       bca = CanlabCore bootbca_pval verbatim; bc = the same with a = 0;
       bca_exact_inversion = 2 min(Phi(z), 1-Phi(z)) with
       w = Phi^-1(clamp(#(t*<0)/B)) - z0, z = (w (1 - a z0) - z0)/(1 + a w)
       (identical to bca whenever #(t*<0) < #(t*>0)).

How to run (from the repository root)
-------------------------------------
    /usr/bin/python3 tests/golden/make_mediation.py
    Rscript tests/golden/make_mediation.R      # lavaan 0.6-14
Runtime: about a minute.
"""

import json
import math
import os

import numpy as np
from scipy.stats import norm, t as tdist

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "mediation")
SEED = 20261124
B = 2000
ALPHA = 0.05

LCG_MUL = 6364136223846793005
LCG_INC = 1442695040888963407
LCG_SEED = 12345
MASK64 = (1 << 64) - 1


class Lcg:
    """The shared index stream (see the module docstring)."""

    def __init__(self, state=LCG_SEED):
        self.state = state

    def index(self, n):
        self.state = (self.state * LCG_MUL + LCG_INC) & MASK64
        return (self.state >> 33) % n

    def resamples(self, n, nboot):
        out = np.empty((nboot, n), dtype=np.int64)
        for r in range(nboot):
            for i in range(n):
                out[r, i] = self.index(n)
        return out


# ---------------------------------------------------------------- output ----

def fmt(v):
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Inf" if v > 0 else "-Inf"
        return repr(v)
    return str(v)


def write_tsv(name, header, rows):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(fmt(v) for v in r) + "\n")
    return name


# ------------------------------------------------------------------ data ----

def simulate():
    rng = np.random.default_rng(SEED)
    n = 150
    # (a) single mediator + covariate
    age = rng.normal(45.0, 12.0, n)
    x = rng.normal(0.0, 1.0, n)
    m = 0.5 * x + 0.02 * (age - 45.0) + rng.normal(0.0, 1.0, n)
    y = 0.4 * m + 0.15 * x - 0.01 * (age - 45.0) + rng.normal(0.0, 1.0, n)
    single = {"x": x, "m": m, "y": y, "age": age}
    single["m"] = single["m"].copy(); single["m"][10] = np.nan
    single["y"] = single["y"].copy(); single["y"][77] = np.nan
    single["age"] = single["age"].copy(); single["age"][120] = np.nan

    # (b) two parallel mediators + covariate (correlated mediator residuals)
    age = rng.normal(45.0, 12.0, n)
    x = rng.normal(0.0, 1.0, n)
    e = rng.multivariate_normal([0.0, 0.0], [[1.0, 0.3], [0.3, 1.0]], n)
    m1 = 0.45 * x + 0.015 * (age - 45.0) + e[:, 0]
    m2 = -0.35 * x + e[:, 1]
    y = 0.35 * m1 + 0.3 * m2 + 0.1 * x + 0.01 * (age - 45.0) + rng.normal(0.0, 1.0, n)
    parallel = {"x": x, "m1": m1, "m2": m2, "y": y, "age": age}

    # (c) serial chain
    x = rng.normal(0.0, 1.0, n)
    m1 = 0.5 * x + rng.normal(0.0, 1.0, n)
    m2 = 0.2 * x + 0.45 * m1 + rng.normal(0.0, 1.0, n)
    y = 0.25 * m1 + 0.4 * m2 + 0.1 * x + rng.normal(0.0, 1.0, n)
    serial = {"x": x, "m1": m1, "m2": m2, "y": y}

    # (d) multilevel: 20 participants x 30 trials
    npart, ntrial = 20, 30
    rows = {"participant_id": [], "trial": [], "x": [], "m": [], "y": []}
    for i in range(npart):
        a_i = rng.normal(0.5, 0.25)
        b_i = rng.normal(0.4, 0.2)
        cp_i = rng.normal(0.1, 0.15)
        im, iy = rng.normal(0.0, 0.5), rng.normal(0.0, 0.5)
        sd_i = rng.uniform(0.5, 2.0)
        xi = rng.normal(0.0, 1.0, ntrial)
        mi = im + a_i * xi + rng.normal(0.0, sd_i, ntrial)
        yi = iy + b_i * mi + cp_i * xi + rng.normal(0.0, sd_i, ntrial)
        rows["participant_id"] += ["sub-%02d" % (i + 1)] * ntrial
        rows["trial"] += list(range(1, ntrial + 1))
        rows["x"] += list(xi)
        rows["m"] += list(mi)
        rows["y"] += list(yi)
    multilevel = {k: np.asarray(v) for k, v in rows.items()}
    return single, parallel, serial, multilevel


def write_data(name, d, cols):
    n = len(d[cols[0]])
    write_tsv(name, cols, [[d[c][i] for c in cols] for i in range(n)])


# ------------------------------------------------------------------- OLS ----

def ols(y, X):
    """beta, OLS covariance (sigma^2 = RSS/(n-p)), residuals."""
    q, r = np.linalg.qr(X)
    beta = np.linalg.solve(r, q.T @ y)
    res = y - X @ beta
    n, p = X.shape
    s2 = float(res @ res) / (n - p)
    rinv = np.linalg.inv(r)
    xtxi = rinv @ rinv.T
    return beta, s2 * xtxi, res


def design(*cols):
    n = len(cols[0])
    return np.column_stack([np.ones(n)] + list(cols))


class Model:
    """A mediation model: equations (outcome, predictors) and derived effects.

    fit(D) returns a dict name -> estimate, from the data dict D (complete
    cases, numpy arrays). Every equation has an intercept first."""

    def __init__(self, kind, covs):
        self.kind = kind
        self.covs = covs

    def equations(self):
        c = self.covs
        if self.kind == "single":
            return [("m", ["x"] + c, {"x": "a"}),
                    ("y", ["m", "x"] + c, {"m": "b", "x": "c_prime"}),
                    ("y", ["x"] + c, {"x": "c"})]
        if self.kind == "parallel":
            return [("m1", ["x"] + c, {"x": "a1"}),
                    ("m2", ["x"] + c, {"x": "a2"}),
                    ("y", ["m1", "m2", "x"] + c, {"m1": "b1", "m2": "b2", "x": "c_prime"}),
                    ("y", ["x"] + c, {"x": "c"})]
        if self.kind == "serial":
            return [("m1", ["x"] + c, {"x": "a1"}),
                    ("m2", ["x", "m1"] + c, {"x": "a2", "m1": "d21"}),
                    ("y", ["m1", "m2", "x"] + c, {"m1": "b1", "m2": "b2", "x": "c_prime"}),
                    ("y", ["x"] + c, {"x": "c"})]
        raise ValueError(self.kind)

    def derived(self, p):
        if self.kind == "single":
            return {"ab": p["a"] * p["b"]}
        if self.kind == "parallel":
            ab1, ab2 = p["a1"] * p["b1"], p["a2"] * p["b2"]
            return {"ab1": ab1, "ab2": ab2, "ab_total": ab1 + ab2}
        ind1 = p["a1"] * p["b1"]
        ind2 = p["a2"] * p["b2"]
        ind3 = p["a1"] * p["d21"] * p["b2"]
        return {"ind1": ind1, "ind2": ind2, "ind3": ind3,
                "ind_total": ind1 + ind2 + ind3}

    def names(self):
        out = []
        for _, _, lab in self.equations():
            out += list(lab.values())
        return out + list(self.derived({k: 1.0 for k in out}).keys())

    def fit(self, D, full=False):
        p, se, se_ml, eqinfo = {}, {}, {}, []
        for (yv, xs, lab) in self.equations():
            X = design(*[D[v] for v in xs])
            beta, cov, res = ols(D[yv], X)
            n, k = X.shape
            for j, v in enumerate(xs):
                if v in lab:
                    p[lab[v]] = float(beta[j + 1])
                    se[lab[v]] = math.sqrt(cov[j + 1, j + 1])
                    se_ml[lab[v]] = se[lab[v]] * math.sqrt((n - k) / n)
            eqinfo.append((yv, xs, lab, beta, cov, res, X))
        d = self.derived(p)
        out = dict(p)
        out.update(d)
        if not full:
            return out
        return out, se, se_ml, eqinfo


def delta_se(model, D, est, eqinfo, ml=False):
    """First-order delta (Sobel) SEs for the indirect effects, with the joint
    covariance of all path estimates (cross-equation covariances between
    equations with identical regressors included: sigma_12 (X'X)^-1)."""
    # collect the labelled coefficients and their covariance
    labels, blocks = [], []
    for (yv, xs, lab, beta, cov, res, X) in eqinfo:
        if "c" in lab.values():
            continue
        n, k = X.shape
        idx = [j + 1 for j, v in enumerate(xs) if v in lab]
        labels += [lab[xs[j - 1]] for j in idx]
        blocks.append((idx, cov, res, X))
    P = len(labels)
    S = np.zeros((P, P))
    off = []
    o = 0
    for (idx, cov, res, X) in blocks:
        off.append(o)
        o += len(idx)
    for bi, (idx_i, cov_i, res_i, X_i) in enumerate(blocks):
        for bj, (idx_j, cov_j, res_j, X_j) in enumerate(blocks):
            n, k = X_i.shape
            if bi == bj:
                C = cov_i[np.ix_(idx_i, idx_i)]
                if ml:
                    C = C * (n - k) / n
            elif X_i.shape == X_j.shape and np.array_equal(X_i, X_j):
                s12 = float(res_i @ res_j) / (n if ml else (n - k))
                xtxi = np.linalg.inv(X_i.T @ X_i)
                C = s12 * xtxi[np.ix_(idx_i, idx_j)]
            else:
                continue  # recursive model: independent across equations
            S[off[bi]:off[bi] + len(idx_i), off[bj]:off[bj] + len(idx_j)] = C
    p0 = {l: est[l] for l in labels}
    out = {}
    for name in model.derived(p0):
        g = np.zeros(P)
        for j, l in enumerate(labels):
            # the effects are multilinear in the paths (each path at most to
            # the first power), so the exact partial derivative is
            # f(path = 1) - f(path = 0)
            pp = dict(p0); pm = dict(p0)
            pp[l] = 1.0; pm[l] = 0.0
            g[j] = model.derived(pp)[name] - model.derived(pm)[name]
        out[name] = math.sqrt(float(g @ S @ g))
    return out


# ------------------------------------------------------------- bootstrap ----

def quantile(v, q, method):
    q = float(q)
    if not (0.0 <= q <= 1.0) or math.isnan(q):
        return float("nan")
    return float(np.percentile(v, 100.0 * q, method=method))


def bootbca_pval_canlab(bstat, stat, a, exact_inversion=False):
    """CanlabCore MediationToolbox bootbca_pval.m lines 65-113, testvalue 0."""
    Bn = len(bstat)
    prop_less = np.sum(bstat < stat) / Bn
    z0 = norm.ppf(prop_less)
    lo = np.sum(bstat < 0) / Bn
    up = np.sum(bstat > 0) / Bn
    is_lower = lo < up
    lo = max(lo, 1.0 / Bn); up = min(up, 1.0 - 1.0 / Bn)
    up = max(up, 1.0 / Bn); lo = min(lo, 1.0 - 1.0 / Bn)
    if exact_inversion:
        w = norm.ppf(lo) - z0
        z = (w * (1 - a * z0) - z0) / (1 + a * w)
    else:
        zl = norm.ppf(lo) - z0
        zu = norm.ppf(up) - z0
        z_l = (zl * (1 - a * z0) - z0) / (1 + a * zl)
        z_u = (zu * (1 - a * z0) - z0) / (1 + a * zu)
        z = -z_l if is_lower else z_u
    pz = norm.cdf(z)
    return float(2 * min(pz, 1 - pz)), float(z)


def summarize(name, est, boot, jack):
    """All CIs / p-values for one statistic."""
    Bn = len(boot)
    z0 = float(norm.ppf(np.sum(boot < est) / Bn))
    s = jack.mean() - jack
    den = float(np.sum(s ** 2))
    accel = float(np.sum(s ** 3) / (6.0 * den ** 1.5)) if den > 0 else 0.0
    zl, zu = norm.ppf(ALPHA / 2), norm.ppf(1 - ALPHA / 2)
    bc_lo, bc_hi = norm.cdf(2 * z0 + zl), norm.cdf(2 * z0 + zu)
    bca_lo = norm.cdf(z0 + (z0 + zl) / (1 - accel * (z0 + zl)))
    bca_hi = norm.cdf(z0 + (z0 + zu) / (1 - accel * (z0 + zu)))
    row = {"path": name, "estimate": est,
           "boot_mean": float(np.mean(boot)), "boot_se": float(np.std(boot, ddof=1)),
           "B": Bn, "z0": z0, "accel": accel,
           "bc_level_low": float(bc_lo), "bc_level_high": float(bc_hi),
           "bca_level_low": float(bca_lo), "bca_level_high": float(bca_hi)}
    for meth in ("linear", "hazen"):
        row["ci_percentile_%s_low" % meth] = quantile(boot, ALPHA / 2, meth)
        row["ci_percentile_%s_high" % meth] = quantile(boot, 1 - ALPHA / 2, meth)
        row["ci_bc_%s_low" % meth] = quantile(boot, bc_lo, meth)
        row["ci_bc_%s_high" % meth] = quantile(boot, bc_hi, meth)
        row["ci_bca_%s_low" % meth] = quantile(boot, bca_lo, meth)
        row["ci_bca_%s_high" % meth] = quantile(boot, bca_hi, meth)
    npos, nneg = int(np.sum(boot > 0)), int(np.sum(boot < 0))
    row["n_boot_gt0"], row["n_boot_lt0"] = npos, nneg
    row["n_boot_lt_estimate"] = int(np.sum(boot < est))
    row["n_boot_eq_estimate"] = int(np.sum(boot == est))
    row["p_percentile_pingouin"] = 1.0 if est == 0 else min(1.0, 2 * min(npos, nneg) / Bn)
    row["p_percentile_canlab"] = max(1.0 / Bn, 2 * min(int(np.sum(boot <= 0)),
                                                        int(np.sum(boot >= 0))) / Bn)
    row["p_bc"], row["z_bc"] = bootbca_pval_canlab(boot, est, 0.0)
    row["p_bca"], row["z_bca"] = bootbca_pval_canlab(boot, est, accel)
    row["p_bca_exact_inversion"], _ = bootbca_pval_canlab(boot, est, accel, True)
    return row


BOOT_COLS = ["path", "estimate", "boot_mean", "boot_se", "B", "z0", "accel",
             "bc_level_low", "bc_level_high", "bca_level_low", "bca_level_high",
             "ci_percentile_linear_low", "ci_percentile_linear_high",
             "ci_percentile_hazen_low", "ci_percentile_hazen_high",
             "ci_bc_linear_low", "ci_bc_linear_high", "ci_bc_hazen_low", "ci_bc_hazen_high",
             "ci_bca_linear_low", "ci_bca_linear_high", "ci_bca_hazen_low", "ci_bca_hazen_high",
             "n_boot_gt0", "n_boot_lt0", "n_boot_lt_estimate", "n_boot_eq_estimate",
             "p_percentile_pingouin", "p_percentile_canlab", "p_bc", "z_bc", "p_bca", "z_bca",
             "p_bca_exact_inversion"]


def complete_cases(d, cols):
    ok = np.ones(len(d[cols[0]]), bool)
    for c in cols:
        ok &= np.isfinite(d[c])
    return {c: d[c][ok] for c in cols}, np.flatnonzero(~ok)


def run_table(name, d, model, cols):
    D, dropped = complete_cases(d, cols)
    n = len(D["x"])
    est, se, se_ml, eqinfo = model.fit(D, full=True)
    dse = delta_se(model, D, est, eqinfo, ml=False)
    dse_ml = delta_se(model, D, est, eqinfo, ml=True)
    names = model.names()
    rows = []
    for nm in names:
        if nm in se:
            z = est[nm] / se[nm]
            neq = [X.shape[1] for (_, _, lab, _, _, _, X) in eqinfo if nm in lab.values()][0]
            pt = 2 * tdist.sf(abs(z), n - neq)
            rows.append([nm, "path", est[nm], se[nm], se_ml[nm], z, pt, float(2 * norm.sf(abs(z))), n, neq])
        else:
            z = est[nm] / dse[nm]
            rows.append([nm, "indirect", est[nm], dse[nm], dse_ml[nm], z, float("nan"),
                         float(2 * norm.sf(abs(z))), n, float("nan")])
    write_tsv(name + "_paths.tsv",
              ["path", "kind", "estimate", "se", "se_ml", "z", "p_t", "p_normal", "n", "p_equation"],
              rows)

    # bootstrap on LCG indices
    idx = Lcg().resamples(n, B)
    boot = np.empty((B, len(names)))
    for r in range(B):
        Dr = {c: D[c][idx[r]] for c in D}
        e = model.fit(Dr)
        boot[r] = [e[k] for k in names]
    jack = np.empty((n, len(names)))
    for i in range(n):
        keep = np.ones(n, bool); keep[i] = False
        e = model.fit({c: D[c][keep] for c in D})
        jack[i] = [e[k] for k in names]
    brows = [summarize(nm, est[nm], boot[:, j], jack[:, j]) for j, nm in enumerate(names)]
    write_tsv(name + "_bootstrap.tsv", BOOT_COLS, [[r[c] for c in BOOT_COLS] for r in brows])
    head = []
    for r in range(5):
        head.append([r] + list(idx[r, :10]) + list(boot[r]))
    write_tsv(name + "_boot_head.tsv",
              ["resample"] + ["idx%d" % i for i in range(10)] + names, head)
    write_tsv(name + "_jackknife.tsv", ["left_out"] + names,
              [[i] + list(jack[i]) for i in range(n)])
    return {"n_rows": len(d["x"]), "n_complete": n, "dropped_rows_0based": [int(v) for v in dropped],
            "paths": names}


# ------------------------------------------------------------ multilevel ----

def rb_empirical_bayes(bmat, Vlist):
    """CanlabCore Statistics_tools/RB_empirical_bayes_params.m (no NaNs).
    bmat: nregs x N, Vlist: N matrices (truncated to nregs x nregs)."""
    nregs, N = bmat.shape
    V = [v[:nregs, :nregs] for v in Vlist]
    T = np.cov(bmat)  # N-1 denominator, like nancov
    T = np.atleast_2d(T)
    Prec = [np.linalg.inv(T + V[i]) for i in range(N)]
    G1 = sum(Prec)
    G2 = sum(Prec[i] @ bmat[:, i] for i in range(N))
    gam_hat = np.linalg.inv(G1) @ G2
    I = np.eye(nregs)
    bstar = np.empty((nregs, N))
    for i in range(N):
        L = T @ Prec[i]
        bstar[:, i] = L @ bmat[:, i] + (I - L) @ gam_hat
    sig2 = np.atleast_1d(np.diag(np.atleast_2d(np.cov(bstar))))
    tot = np.array([sig2 + np.diag(V[i]) for i in range(N)])  # N x nregs
    w = 1.0 / tot
    w = w / w.sum(axis=0)
    return w, gam_hat, sig2, bstar


def gls_intercept(y, w):
    """CanlabCore GLScalc (scn_stats_helper_functions.m 315-) for X = 1."""
    n = len(y)
    X = np.ones((n, 1))
    if np.all(w == w[0]):
        b = float(np.mean(y))
        e = y - b
        dfe = n - 1.0
        s2 = float(e @ e) / dfe
        ste = math.sqrt(s2 / n)
    else:
        W = np.diag(w)
        invxvx = 1.0 / float(X.T @ W @ X)
        bform = invxvx * (X.T @ W)
        b = float(bform @ y)
        R = np.sqrt(W) @ (np.eye(n) - X @ bform)
        Q = R @ np.linalg.inv(W)
        dfe = float(np.trace(Q) ** 2 / np.trace(Q @ Q))
        e = R @ y
        s2 = float(e @ e) / dfe
        ste = math.sqrt(invxvx * s2)
    tt = b / ste
    p = max(min(1.0, 2 * tdist.sf(abs(tt), dfe)), np.finfo(float).eps)
    return b, ste, tt, dfe, p


def run_multilevel(d):
    ids = list(dict.fromkeys(d["participant_id"]))
    N = len(ids)
    names = ["a", "b", "c_prime", "c", "ab"]
    paths = np.empty((N, 5)); sterrs = np.empty((N, 5))
    abetas, bb, cb, Vxm, Vmy, Vxy, ntr = [], [], [], [], [], [], []
    for i, pid in enumerate(ids):
        sel = d["participant_id"] == pid
        x, m, y = d["x"][sel], d["m"][sel], d["y"][sel]
        # CanlabCore order: predictors first, intercept last
        Xa = np.column_stack([x, np.ones(len(x))])
        ba, Va, _ = ols(m, Xa)
        Xb = np.column_stack([m, x, np.ones(len(x))])
        bbv, Vb, _ = ols(y, Xb)
        bc, Vc, _ = ols(y, Xa)
        a, b, cp, c = ba[0], bbv[0], bbv[1], bc[0]
        va, vb = Va[0, 0], Vb[0, 0]
        paths[i] = [a, b, cp, c, a * b]
        sterrs[i] = [math.sqrt(va), math.sqrt(vb), math.sqrt(Vb[1, 1]), math.sqrt(Vc[0, 0]),
                     math.sqrt(b * b * va + a * a * vb + va * vb)]
        abetas.append(ba)                       # [a; intercept]
        bb.append([bbv[0], bbv[1], bbv[2]])     # [b; c'; intercept] (mediation.m 1025-1026)
        cb.append(bc)                           # [c; intercept]
        Vxm.append(Va); Vmy.append(Vb); Vxy.append(Vc); ntr.append(len(x))
    w = np.empty((N, 5)); sig2 = np.empty(5)
    wa, ga, s2a, _ = rb_empirical_bayes(np.array(abetas).T, Vxm)
    w[:, 0] = wa[:, 0]; sig2[0] = s2a[0]
    wb, gb, s2b, _ = rb_empirical_bayes(np.array(bb).T, Vmy)
    w[:, 1] = wb[:, 0]; w[:, 2] = wb[:, 1]; sig2[1] = s2b[0]; sig2[2] = s2b[1]
    wc, gc, s2c, _ = rb_empirical_bayes(np.array(cb).T, Vxy)
    w[:, 3] = wc[:, 0]; sig2[3] = s2c[0]
    wab, gab, s2ab, _ = rb_empirical_bayes(paths[:, 4][None, :],
                                           [np.array([[s ** 2]]) for s in sterrs[:, 4]])
    w[:, 4] = wab[:, 0]; sig2[4] = s2ab[0]

    prow = []
    for i, pid in enumerate(ids):
        prow.append([pid, ntr[i]] + list(paths[i]) + list(sterrs[i]) + list(w[i]))
    write_tsv("multilevel_participants.tsv",
              ["participant_id", "n_trials"] + names + ["se_" + k for k in names]
              + ["w_" + k for k in names], prow)

    weq = np.full((N, 5), 1.0 / N)
    lrows = []
    for j, nm in enumerate(names):
        for lab, W in (("eb", w), ("equal", weq)):
            b, ste, tt, dfe, p = gls_intercept(paths[:, j], W[:, j])
            lrows.append([nm, lab, float(W[:, j] @ paths[:, j]), b, ste, tt, dfe, p,
                          float(sig2[j]) if lab == "eb" else float("nan")])
    # product of level-2 means, for comparison
    write_tsv("multilevel_level2.tsv",
              ["path", "weights", "estimate_weighted_sum", "gls_beta", "gls_ste", "gls_t",
               "gls_dfe", "gls_p", "eb_sigma2_between"], lrows)

    idx = Lcg().resamples(N, B)
    brows = []
    variants = {
        "equal": (weq, False),
        "eb_canlab_unnormalized": (w, False),
        "eb_normalized": (w, True),
    }
    for lab, (W, normalize) in variants.items():
        for j, nm in enumerate(names):
            pj, wj = paths[:, j], W[:, j]
            est = float(wj @ pj)
            bs = np.array([(wj[r] @ pj[r]) / (wj[r].sum() if normalize else 1.0) for r in idx])
            jk = np.empty(N)
            for i in range(N):
                keep = np.arange(N) != i
                jk[i] = (wj[keep] @ pj[keep]) / (wj[keep].sum() if normalize else 1.0)
            row = summarize(nm, est, bs, jk)
            row["weights"] = lab
            brows.append(row)
    write_tsv("multilevel_bootstrap.tsv", ["weights"] + BOOT_COLS,
              [[r["weights"]] + [r[c] for c in BOOT_COLS] for r in brows])
    write_tsv("multilevel_boot_head.tsv", ["resample"] + ["idx%d" % i for i in range(N)],
              [[r] + list(idx[r]) for r in range(5)])
    return {"n_participants": N, "n_trials_each": ntr[0],
            "product_of_eb_means_a_b": float((w[:, 0] @ paths[:, 0]) * (w[:, 1] @ paths[:, 1])),
            "product_of_equal_means_a_b": float(paths[:, 0].mean() * paths[:, 1].mean()),
            "eb_sigma2_between": dict(zip(names, map(float, sig2)))}


def bneeded(alpha, targetu):
    """MediationToolbox Boot_samples_needed_fcns/Bneeded.m lines 44-61."""
    q = norm.ppf(alpha)
    g = max(norm.pdf(q), 1e-5)
    a = alpha * (1 - alpha) / g ** 2
    accept = min(targetu * alpha + alpha, 1.0)
    b95 = a / ((norm.ppf(accept) - q) / 1.6450) ** 2
    be = a / (norm.ppf(accept) - q) ** 2
    return b95, be, accept


def main():
    os.makedirs(OUT, exist_ok=True)
    single, parallel, serial, multilevel = simulate()
    write_data("single.tsv", single, ["x", "m", "y", "age"])
    write_data("parallel.tsv", parallel, ["x", "m1", "m2", "y", "age"])
    write_data("serial.tsv", serial, ["x", "m1", "m2", "y"])
    write_data("multilevel.tsv", multilevel, ["participant_id", "trial", "x", "m", "y"])

    g = Lcg()
    lrows = []
    for n in (147, 150, 20):
        g = Lcg()
        lrows.append([n] + [g.index(n) for _ in range(40)])
    write_tsv("lcg_first_indices.tsv", ["n"] + ["i%d" % k for k in range(1, 41)], lrows)

    cases = {"seed": SEED, "B": B, "alpha": ALPHA,
             "lcg": {"state0": LCG_SEED, "mul": LCG_MUL, "inc": LCG_INC,
                     "index": "state advanced first; index_t = (state_t >> 33) % n, t = 1, 2, ...; "
                              "resample-major, row-minor; restarted for each data set"},
             "quantiles": {"linear": "numpy default / R type 7 (pingouin)",
                           "hazen": "MATLAB prctile / quantile / R type 5 (CanlabCore)"},
             "datasets": {}}
    cases["datasets"]["single"] = run_table("single", single, Model("single", ["age"]),
                                            ["x", "m", "y", "age"])
    cases["datasets"]["parallel"] = run_table("parallel", parallel, Model("parallel", ["age"]),
                                              ["x", "m1", "m2", "y", "age"])
    cases["datasets"]["serial"] = run_table("serial", serial, Model("serial", []),
                                            ["x", "m1", "m2", "y"])
    cases["datasets"]["multilevel"] = run_multilevel(multilevel)
    cases["peer_sources"] = {
        "pingouin": "raphaelvallat/pingouin@14994d6e77545823bb5e0c435649ec3574d5f585 "
                    "src/pingouin/regression.py: _bias_corrected_ci 996-1032, "
                    "_pval_from_bootci 1035-1045, bootstrap loop 1303-1334",
        "canlab_bootbca_pval": "canlab/MediationToolbox@02c510fb0b99236ee2ead80e688b2f3b5dcf3f70 "
                               "mediation_toolbox/bootbca_pval.m 65-113",
        "canlab_bootbca_ci": "mediation_toolbox/bootbca_ci.m 56-95",
        "canlab_getstats_p": "mediation_toolbox/mediation.m 1476-1494",
        "canlab_Bneeded": "mediation_toolbox/Boot_samples_needed_fcns/Bneeded.m 44-61; "
                          "mediation.m 1465-1470 (targetu .20, bootsamples 1000, whpvals [1 2 3 5])",
        "canlab_EB_weights": "canlab/CanlabCore@d53ea34c34c4331830614c1938e01eaca89828f2 "
                             "CanlabCore/Statistics_tools/RB_empirical_bayes_params.m 50-100; "
                             "mediation.m 964-1094 (get_weights_based_on_varcomponents)",
        "canlab_level2_bootstrap": "mediation.m 785-919 (second_level_bootstrap), wmean 213",
        "canlab_level2_gls": "CanlabCore/Statistics_tools/scn_stats_helper_functions.m 315-490",
    }

    brows = []
    for minp in (0.5, 0.1, 0.05, 0.02, 0.01, 0.005, 0.001):
        b95, be, acc = bneeded(max(0.005, minp), 0.20)
        brows.append([minp, max(0.005, minp), acc, b95, be, max(0, math.ceil(be - 1000))])
    write_tsv("adaptive_bneeded.tsv",
              ["min_p", "alpha_used", "alphaaccept", "B95", "Be", "additional_after_1000"], brows)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
