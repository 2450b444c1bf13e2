# Intent: --sphere regions (alone or with an atlas) are the mean over the voxels within the radius,
# as numpy computes it; a radius-0 sphere on a voxel centre is that voxel's value.
needs_data
needs_nibabel
gm="$DATA/atlases/templates/tpl_icbm09a_GMprob_2mm.nii.gz"
atlas="$DATA/atlases/yeo2011/Yeo-7_space-MNI152NLin6_res-2x2x2.nii.gz"
"$ALGIA" roi "$gm" --sphere -20,-8,-20,8 --sphere 2,-52,26,0 --atlas "$atlas" --out "$OUT/s.tsv"
"$PYTHON" - "$gm" "$OUT/s.tsv" <<'PY'
import sys, numpy as np, nibabel as nib, pandas as pd
i = nib.load(sys.argv[1]); d = i.get_fdata()
ijk = np.indices(d.shape).reshape(3, -1)
xyz = (i.affine @ np.vstack([ijk, np.ones(ijk.shape[1])]))[:3]
t = pd.read_csv(sys.argv[2], sep="\t")
inside = ((xyz - np.array([[-20], [-8], [-20]])) ** 2).sum(0) <= 64
want = d.reshape(-1)[inside].mean()
got = t["sphere_-20_-8_-20_r8"][0]
assert abs(got - want) <= 1e-9 * abs(want), (got, want)
v = np.linalg.solve(i.affine, [2, -52, 26, 1])[:3].round().astype(int)
assert abs(t["sphere_2_-52_26_r0"][0] - d[tuple(v)]) < 1e-9, (t["sphere_2_-52_26_r0"][0], d[tuple(v)])
assert list(t.columns[:3]) == ["image", "1", "2"], list(t.columns)
print("ok: spheres", got, want)
PY
