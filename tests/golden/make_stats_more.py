#!/usr/bin/python3
"""Reference outputs for algia stats' cluster table and F contrasts.

Clusters: nilearn 0.10.3 nilearn.reporting.get_clusters_table on G1's t map
(tests/fixtures/stats/g1_t_map.nii.gz, the SecondLevelModel one-sample t of
the 30 Wager images, made by make_stats_golden.py) at the cluster-forming t
of p = 0.001 one-sided with 29 df (scipy.stats.t.isf), one- and two-sided
(two-sided: t.isf(0.0005, 29), as nilearn's permuted_ols). Writes the rows
of the main peaks (Cluster ID without a letter): sign, X, Y, Z (mm), peak
stat, size (mm3, int as nilearn truncates), and the size in voxels.

F contrasts: statsmodels OLS f_test (and nilearn SecondLevelModel
compute_contrast(..., stat_type='F')) on the Wager images with a design
[intercept, X_RVLPFC, Y_Reappraisal_Success]; F and p at every 50th in-mask
voxel.

NBS: a brute-force network-based statistic (numpy t, scipy.sparse.csgraph
connected_components) on simulated edge data (20 participants, 24 nodes,
276 edges in upper-triangle row-major order (0,1), (0,2), ..., an effect of
+0.9 SD on the edges among nodes 0-5), one-sample, threshold t > 3.0, with
300 sign-flip patterns (numpy RandomState(7)) that the C++ test feeds to
algia: observed components (extent and intensity) and the null maxima.

Run (from anywhere):
    cd /tmp && PYTHONPATH=/work/peers/nilearn-0.10.3 /usr/bin/python3 \
        <repo>/tests/golden/make_stats_more.py [DATA_DIR]
"""
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
from scipy import stats

REPO = Path(__file__).resolve().parents[2]
FIX = REPO / "tests" / "fixtures" / "stats"
OUT = REPO / "tests" / "fixtures" / "stats_more"
WAGER_DIR = "contrast_maps/wager2008_emoreg_canlab"


def clusters():
    from nilearn.reporting import get_clusters_table
    img = nib.load(FIX / "g1_t_map.nii.gz")
    vox = float(np.prod(img.header.get_zooms()))
    lines = ["two_sided\tsign\tx\ty\tz\tpeak_t\tsize_mm3\tsize_voxels\tthreshold_t"]
    for two in (False, True):
        thr = float(stats.t.isf(0.0005 if two else 0.001, 29))
        df = get_clusters_table(img, stat_threshold=thr, two_sided=two)
        for _, row in df.iterrows():
            if isinstance(row["Cluster ID"], str) and not row["Cluster ID"].isdigit():
                continue
            size = int(row["Cluster Size (mm3)"])
            sign = 1 if row["Peak Stat"] > 0 else -1
            # voxels: size_mm3 = int(n * vox); recover n exactly
            n = int(round(size / vox))
            while int(n * vox) < size:
                n += 1
            while int(n * vox) > size:
                n -= 1
            lines.append("\t".join([str(int(two)), str(sign), repr(float(row["X"])),
                                    repr(float(row["Y"])), repr(float(row["Z"])),
                                    repr(float(row["Peak Stat"])), str(size), str(n),
                                    repr(thr)]))
    (OUT / "clusters_g1.tsv").write_text("\n".join(lines) + "\n")


def f_contrasts(data_dir):
    import pandas as pd
    import statsmodels.api as sm
    from nilearn.glm.second_level import SecondLevelModel
    paths = [str(data_dir / f"{WAGER_DIR}/con_008100{i:02d}.hdr") for i in range(1, 31)]
    behav = pd.read_csv(data_dir / f"{WAGER_DIR}/Wager_2008_emotionreg_behavioral_data.txt", sep="\t")
    mask_img = nib.load(FIX / "wager_mask.nii.gz")
    mask = np.asanyarray(mask_img.dataobj) != 0
    design = pd.DataFrame({"intercept": np.ones(30), "X_RVLPFC": behav["X_RVLPFC"].to_numpy(float),
                           "Y_Reappraisal_Success": behav["Y_Reappraisal_Success"].to_numpy(float)})
    lines = ["X_RVLPFC\tY_Reappraisal_Success"]
    for a, b in zip(design["X_RVLPFC"], design["Y_Reappraisal_Success"]):
        lines.append(f"{a!r}\t{b!r}")
    (OUT / "design_xy.tsv").write_text("\n".join(lines) + "\n")
    C = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    slm = SecondLevelModel(mask_img=mask_img).fit(paths, design_matrix=design)
    out = slm.compute_contrast(C, second_level_stat_type="F", output_type="all")
    nl_f = np.asanyarray(out["stat"].dataobj)[mask]
    nl_p = np.asanyarray(out["p_value"].dataobj)[mask]
    data = np.stack([np.asanyarray(nib.load(p).dataobj)[..., 0] for p in paths], -1)
    y = np.asarray(data[mask], dtype=np.float64)  # voxels x 30
    ijk = np.argwhere(mask)
    rows = ["i\tj\tk\tF_statsmodels\tp_statsmodels\tF_nilearn\tp_nilearn"]
    for r in range(0, len(ijk), 50):
        res = sm.OLS(y[r], design.to_numpy()).fit()
        ft = res.f_test(C)
        rows.append("\t".join([str(int(v)) for v in ijk[r]] + [repr(float(np.squeeze(ft.fvalue))),
                                                             repr(float(ft.pvalue)), repr(float(nl_f[r])),
                                                             repr(float(nl_p[r]))]))
    (OUT / "f_xy_wager.tsv").write_text("\n".join(rows) + "\n")


def nbs_reference():
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    n, nodes, thr = 20, 24, 3.0
    rng = np.random.RandomState(11)
    iu = np.triu_indices(nodes, 1)
    edges = list(zip(*iu))
    y = rng.standard_normal((n, len(edges)))
    for e, (a, b) in enumerate(edges):
        if a < 6 and b < 6:
            y[:, e] += 0.9
    flips = np.random.RandomState(7).randint(2, size=(300, n)) * 2 - 1

    def tvals(data):
        return data.mean(0) / (data.std(0, ddof=1) / np.sqrt(n))

    def components(t):
        sup = np.flatnonzero(t > thr)
        if sup.size == 0:
            return []
        a = np.array([edges[e][0] for e in sup])
        b = np.array([edges[e][1] for e in sup])
        g = coo_matrix((np.ones(sup.size), (a, b)), shape=(nodes, nodes))
        _, lab = connected_components(g, directed=False)
        out = []
        for c in np.unique(lab[a]):
            es = sup[lab[a] == c]
            ns = set(a[lab[a] == c]) | set(b[lab[a] == c])
            out.append((len(es), len(ns), float(np.sum(t[es] - thr)), int(es[0])))
        return out

    t = tvals(y)
    (OUT / "nbs_data.tsv").write_text("\n".join(
        ["\t".join(f"e{e}" for e in range(len(edges)))] +
        ["\t".join(repr(float(v)) for v in row) for row in y]) + "\n")
    (OUT / "nbs_flips.tsv").write_text("\n".join(
        ["perm\t" + "\t".join(f"s{i:02d}" for i in range(1, n + 1))] +
        [f"{k + 1}\t" + "\t".join(str(int(v)) for v in f) for k, f in enumerate(flips)]) + "\n")
    lines = ["n_edges\tn_nodes\tintensity\tfirst_edge"]
    for c in sorted(components(t), key=lambda c: -c[0]):
        lines.append(f"{c[0]}\t{c[1]}\t{c[2]!r}\t{c[3]}")
    (OUT / "nbs_components.tsv").write_text("\n".join(lines) + "\n")
    lines = ["perm\tmax_extent\tmax_intensity"]
    for k, f in enumerate(flips):
        comps = components(tvals(y * f[:, None]))
        lines.append(f"{k + 1}\t{max([c[0] for c in comps], default=0)}\t"
                     f"{max([c[2] for c in comps], default=0.0)!r}")
    (OUT / "nbs_null.tsv").write_text("\n".join(lines) + "\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    nbs_reference()
    clusters()
    f_contrasts((Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / ".." / "shared" / "data").resolve())


if __name__ == "__main__":
    main()
