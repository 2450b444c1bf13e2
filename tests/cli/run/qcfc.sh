# Intent: the group level's QC-FC (per session, across participants: the correlation of mean FD with
# each connectivity edge; median |r|, % of edges with p < 0.05 before and after BH FDR, and the
# correlation of QC-FC with the distance between region centroids) equals scipy.stats.pearsonr,
# statsmodels' fdr_bh and scipy.ndimage's centres of mass on the same tables and atlas.
needs_nibabel
"$ALGIA" -q simulate --design demo --participants 5 --out "$OUT/fmriprep" --seed 11 >/dev/null
A="$OUT/fmriprep/atlas"
cat > "$OUT/study.toml" <<TOML
[study]
sessions = ["pre", "post"]
[atlas]
image = "fmriprep/atlas/$(ls "$A" | grep _dseg.nii.gz)"
labels = "fmriprep/atlas/atlas-sim_dseg.tsv"
[glm]
enabled = false
[group]
permutations = 0
TOML
"$ALGIA" "$OUT/fmriprep" "$OUT/out" participant --config "$OUT/study.toml" --no-report 2>/dev/null
"$ALGIA" "$OUT/fmriprep" "$OUT/out" group --config "$OUT/study.toml" --no-report 2>/dev/null
"$PYTHON" - "$OUT" "$A/$(ls "$A" | grep _dseg.nii.gz)" <<'PY'
import sys, csv, glob
import numpy as np, nibabel as nib, pandas as pd
from scipy import stats, ndimage
from statsmodels.stats.multitest import multipletests
out, atlas = sys.argv[1], sys.argv[2]
g = pd.read_csv(f"{out}/out/group/group_table.tsv", sep="\t")
q = pd.read_csv(f"{out}/out/group/qcfc.tsv", sep="\t")
s = pd.read_csv(f"{out}/out/group/qcfc_summary.tsv", sep="\t")
img = nib.load(atlas); lab = np.asarray(img.dataobj).astype(int)
names = dict(pd.read_csv(f"{out}/fmriprep/atlas/atlas-sim_dseg.tsv", sep="\t")[["index", "name"]].values)
ids = np.unique(lab[lab > 0])
com = ndimage.center_of_mass(np.ones_like(lab), lab, ids)
mm = {names[i]: img.affine[:3, :3] @ np.array(c) + img.affine[:3, 3] for i, c in zip(ids, com)}
for ses in ["pre", "post"]:
    mats, fd = [], []
    for pid in g["participant_id"]:
        f = f"{out}/out/{pid}/ses-{ses}/func/{pid}_ses-{ses}_task-rest_desc-correlation_relmat.tsv"
        m = pd.read_csv(f, sep="\t", index_col=0)
        mats.append(m.values); fd.append(g.loc[g.participant_id == pid, f"mean_fd_{ses}"].item())
    regions = list(m.columns)
    qs = q[q.session == ses].reset_index(drop=True)
    iu = np.triu_indices(len(regions), 1)
    assert len(qs) == len(iu[0]), (len(qs), len(iu[0]))
    r = np.empty(len(qs)); p = np.empty(len(qs)); d = np.empty(len(qs))
    for k, (a, b) in enumerate(zip(*iu)):
        assert qs.region_a[k] == regions[a] and qs.region_b[k] == regions[b]
        r[k], p[k] = stats.pearsonr(fd, [x[a, b] for x in mats])
        d[k] = np.linalg.norm(mm[regions[a]] - mm[regions[b]])
    assert np.allclose(qs.r, r, rtol=0, atol=1e-10), np.abs(qs.r - r).max()
    assert np.allclose(qs.p, p, rtol=1e-8, atol=1e-12), np.abs(qs.p - p).max()
    assert np.allclose(qs.distance_mm, d, atol=1e-6), np.abs(qs.distance_mm - d).max()
    fdr = multipletests(p, method="fdr_bh")[1]
    assert np.allclose(qs.p_fdr, fdr, rtol=1e-8, atol=1e-12)
    row = s[s.session == ses].iloc[0]
    assert row.n == len(fd) and row.edges == len(r)
    assert abs(row.median_abs_r - np.median(np.abs(r))) < 1e-12
    assert abs(row.percent_p05 - 100 * np.mean(p < 0.05)) < 1e-9
    assert abs(row.percent_fdr05 - 100 * np.mean(fdr < 0.05)) < 1e-9
    dr, dp = stats.pearsonr(r, d)
    assert abs(row.distance_r - dr) < 1e-10 and abs(row.distance_p - dp) < 1e-8 * max(dp, 1e-12), (row.distance_r, dr, row.distance_p, dp)
print("qcfc = scipy/statsmodels")
PY
