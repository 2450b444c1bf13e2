#!/usr/bin/python3
"""nilearn 0.10.3 non_parametric_inference with a regressor of interest and a
confound, and the exact rearrangements it used, for comparing algia's
Freedman-Lane with nilearn's scheme.

What nilearn 0.10.3 does (nilearn/mass_univariate/permuted_least_squares.py;
non_parametric_inference in glm/second_level/second_level.py:962-995 passes
tested_var = design @ contrast and the columns with contrast 0 as
confounding_vars):
  * 688-727: if the confounds hold exactly one constant column (an
    intercept), intercept_test becomes True; if they hold none and
    model_intercept is True, a constant is appended and intercept_test
    stays False.
  * 730-770: Y and the tested variable are residualised on the
    orthonormalised confounds Q (and normalised); the observed t is the
    t of the tested variable in the full model (Frisch-Waugh-Lovell).
  * 192-213 (_permuted_ols_on_chunk): intercept_test -> every permutation
    multiplies the residualised Y by random signs (cumulatively: the signs
    applied to the original residuals are the running product of the
    draws); otherwise the rows of the residualised tested variable and of
    Q are shuffled together (cumulatively: sigma_k = sigma_{k-1}[idx_k]).
    Either way t is recomputed with the full (residualised) design.
Shuffling the design rows by sigma equals permuting the residuals by
sigma^-1 with the design fixed, and a t of the full model ignores the
nuisance fit added back, so:
  - no intercept column in the design (nilearn adds one): exactly
    Freedman-Lane (residuals of the nuisance model permuted), algia's
    default scheme;
  - an intercept column in the design: Freedman-Lane with sign flips of the
    nuisance-model residuals instead of permutations (PALM's -ise,
    "independent symmetric errors"), algia's --symmetric-errors.

Cases (the 30 Wager images, wager_mask.nii.gz, testing X_RVLPFC with the
confound Y_Reappraisal_Success; 200 permutations, random_state 0, n_jobs 1,
one-sided, no TFCE or clusters):
  FL_PERM  design [X_RVLPFC, Y] (no intercept column; model_intercept True)
           -> shuffles. fl_perm_rows.tsv: per permutation the source row of
           each observation (0-based), i.e. observation i of the permuted
           data takes residual perm[i] (sigma_k^-1).
  FL_FLIP  design [intercept, X_RVLPFC, Y] -> sign flips.
           fl_flip_signs.tsv: the effective signs.
For each: fl_<case>_h0.tsv (nilearn's h0_max_t in permutation order) and
fl_<case>_vox.tsv (every 20th in-mask voxel: i, j, k, t, logp_max_t).
Each case is checked here: the max t of every permutation recomputed in
float64 (numpy lstsq, Freedman-Lane with the exported rearrangements) equals
nilearn's h0_max_t (assert below, 1e-4 absolute: nilearn works in float32).

Run:
    cd /tmp && PYTHONPATH=/work/peers/nilearn-0.10.3 /usr/bin/python3 \
        <repo>/tests/golden/make_stats_nilearn_confounds.py [DATA_DIR]
(about 4 minutes on the loaded 2-core machine). Versions: nilearn 0.10.3, numpy 1.24.2, scipy 1.10.1.
"""
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd

import nilearn.glm.second_level.second_level as nl_second_level
from nilearn.glm.second_level import non_parametric_inference

REPO = Path(__file__).resolve().parents[2]
FIX = REPO / "tests" / "fixtures" / "stats"
OUT = REPO / "tests" / "fixtures" / "stats_more"
WAGER_DIR = "contrast_maps/wager2008_emoreg_canlab"
N_PERM = 200
STRIDE = 20


def chunk_rng(random_state=0):
    rs = np.random.RandomState(random_state)
    return np.random.RandomState(int(rs.randint(1, np.iinfo(np.int32).max - 1)))


def effective_flips(n_perm, n):
    rng = chunk_rng()
    draws = np.stack([rng.randint(2, size=(n, 1))[:, 0] * 2 - 1 for _ in range(n_perm)])
    return np.cumprod(draws, axis=0)


def effective_sources(n_perm, n):
    rng = chunk_rng()
    sigma = np.arange(n)
    out = []
    for _ in range(n_perm):
        sigma = sigma[rng.permutation(n)]
        out.append(np.argsort(sigma))  # residual source of each observation
    return np.array(out)


def fl_max_t(y, x, c, rearrange):
    """Freedman-Lane in float64: y* = Hz y + rearranged (I - Hz) y, t of c on x."""
    z = x[:, c == 0]
    fitted = z @ np.linalg.lstsq(z, y, rcond=None)[0]
    resid = y - fitted
    pinv = np.linalg.pinv(x)
    v = c @ np.linalg.inv(x.T @ x) @ c
    dof = x.shape[0] - x.shape[1]
    out = []
    for r in rearrange:
        ys = fitted + r(resid)
        beta = pinv @ ys
        rss = np.sum((ys - x @ beta) ** 2, 0)
        out.append(np.max((c @ beta) / np.sqrt(rss / dof * v)))
    return np.array(out)


def main():
    data_dir = (Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / ".." / "shared" / "data").resolve()
    paths = [str(data_dir / f"{WAGER_DIR}/con_008100{i:02d}.hdr") for i in range(1, 31)]
    behav = pd.read_csv(data_dir / f"{WAGER_DIR}/Wager_2008_emotionreg_behavioral_data.txt", sep="\t")
    mask_img = nib.load(FIX / "wager_mask.nii.gz")
    mask = np.asanyarray(mask_img.dataobj) != 0
    ijk = np.argwhere(mask)
    y = np.stack([np.asanyarray(nib.load(p).dataobj)[..., 0] for p in paths], -1)[mask].T.astype(np.float64)
    xr = behav["X_RVLPFC"].to_numpy(float)
    yr = behav["Y_Reappraisal_Success"].to_numpy(float)
    n = 30
    for case in ("perm", "flip"):
        cols = {"X_RVLPFC": xr, "Y_Reappraisal_Success": yr}
        if case == "flip":
            cols = {"intercept": np.ones(n), **cols}
        design = pd.DataFrame(cols)
        captured = {}
        orig = nl_second_level.permuted_ols

        def spy(*args, **kwargs):
            out = orig(*args, **kwargs)
            captured["out"] = out
            return out

        nl_second_level.permuted_ols = spy
        try:
            non_parametric_inference(paths, design_matrix=design, second_level_contrast="X_RVLPFC",
                                     mask=mask_img, n_perm=N_PERM, two_sided_test=False,
                                     random_state=0, n_jobs=1)
        finally:
            nl_second_level.permuted_ols = orig
        po = captured["out"]
        h0 = np.ravel(po["h0_max_t"])
        t = np.ravel(po["t"])
        logp = np.ravel(po["logp_max_t"])
        # The model algia fits: intercept, X, Y.
        x_full = np.column_stack([np.ones(n), xr, yr])
        c = np.array([0.0, 1.0, 0.0])
        if case == "perm":
            src = effective_sources(N_PERM, n)
            own = fl_max_t(y, x_full, c, [lambda r, s=s: r[s] for s in src])
            (OUT / "fl_perm_rows.tsv").write_text("\n".join(
                ["perm\t" + "\t".join(f"o{i:02d}" for i in range(n))] +
                [f"{k + 1}\t" + "\t".join(str(int(v)) for v in s) for k, s in enumerate(src)]) + "\n")
        else:
            flips = effective_flips(N_PERM, n)
            own = fl_max_t(y, x_full, c, [lambda r, f=f: r * f[:, None] for f in flips])
            (OUT / "fl_flip_signs.tsv").write_text("\n".join(
                ["perm\t" + "\t".join(f"s{i:02d}" for i in range(1, n + 1))] +
                [f"{k + 1}\t" + "\t".join(str(int(v)) for v in f) for k, f in enumerate(flips)]) + "\n")
        diff = float(np.max(np.abs(own - h0)))
        print(f"{case}: max |float64 Freedman-Lane max t - nilearn h0_max_t| = {diff:.3g}", file=sys.stderr)
        assert diff < 1e-4, diff
        (OUT / f"fl_{case}_h0.tsv").write_text("\n".join(
            ["perm\th0_max_t"] + [f"{k + 1}\t{float(v)!r}" for k, v in enumerate(h0)]) + "\n")
        rows = ["i\tj\tk\tt\tlogp_max_t"]
        for r in range(0, len(ijk), STRIDE):
            rows.append("\t".join([str(int(v)) for v in ijk[r]] + [repr(float(t[r])), repr(float(logp[r]))]))
        (OUT / f"fl_{case}_vox.tsv").write_text("\n".join(rows) + "\n")
    (OUT / "design_xy.tsv").exists() or sys.exit("design_xy.tsv (make_stats_more.py) is missing")


if __name__ == "__main__":
    main()
