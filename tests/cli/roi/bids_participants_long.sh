# Intent: sub- and ses- labels in the file names become columns, the participants table is joined
# by sub- label, a 4D file gives one row per volume, --long writes tidy rows with n_voxels, images
# can come from a list file, and --resample-to atlas is stated in the sidecar.
needs_data
needs_nibabel
atlas="$DATA/atlases/yeo2011/Yeo-7_space-MNI152NLin6_res-2x2x2.nii.gz"
gm="$DATA/atlases/templates/tpl_icbm09a_GMprob_2mm.nii.gz"
"$PYTHON" - "$gm" "$OUT" <<'PY'
import sys, numpy as np, nibabel as nib
gm, out = sys.argv[1:]
i = nib.load(gm); d = np.asarray(i.get_fdata(), dtype=np.float32) / 1000
nib.save(nib.Nifti1Image(d, i.affine), f"{out}/sub-01_ses-pre_desc-gm_map.nii.gz")
nib.save(nib.Nifti1Image(d * 0.5, i.affine), f"{out}/sub-01_ses-post_desc-gm_map.nii.gz")
nib.save(nib.Nifti1Image(np.stack([d, 2 * d], -1), i.affine), f"{out}/sub-02_ses-pre_desc-gm_map.nii.gz")
PY
printf 'participant_id\tage\tgroup\nsub-01\t40\tCBT\nsub-02\t51\tcontrol\nsub-03\t33\tCBT\n' > "$OUT/participants.tsv"
printf 'sub-01_ses-pre_desc-gm_map.nii.gz\nsub-01_ses-post_desc-gm_map.nii.gz\nsub-02_ses-pre_desc-gm_map.nii.gz\n' > "$OUT/maps.txt"
"$ALGIA" roi "$OUT/maps.txt" --atlas "$atlas" --participants "$OUT/participants.tsv" --stat volume --out "$OUT/wide.tsv"
"$ALGIA" roi "$OUT/maps.txt" --atlas "$atlas" --participants "$OUT/participants.tsv" --long --resample-to atlas --out "$OUT/long.tsv"
"$PYTHON" - "$OUT" <<'PY'
import json, sys
import pandas as pd, numpy as np
out = sys.argv[1]
w = pd.read_csv(f"{out}/wide.tsv", sep="\t", dtype={"sub": str})
assert list(w.columns[:6]) == ["image", "sub", "ses", "volume", "age", "group"], list(w.columns)
assert list(w["sub"]) == ["01", "01", "02", "02"] and list(w["ses"]) == ["pre", "post", "pre", "pre"]
assert list(w["volume"]) == [0, 0, 0, 1] and list(w["age"]) == [40, 40, 51, 51]
r = w["1"].to_numpy()
assert abs(r[1] - r[0] / 2) < 1e-9 * r[0] and abs(r[2] - r[0]) < 1e-9 * r[0] and abs(r[3] - 2 * r[0]) < 1e-9 * r[0], r
l = pd.read_csv(f"{out}/long.tsv", sep="\t", dtype={"sub": str})
assert list(l.columns) == ["image", "sub", "ses", "volume", "age", "group", "region", "value", "n_voxels"], list(l.columns)
assert len(l) == 4 * 7 and (l["n_voxels"] > 0).all()
side = json.load(open(f"{out}/long.json"))
assert side["ResampleTo"] == "atlas" and not side["Grids"][0]["Resampled"], side
print("ok: columns", list(w.columns[:6]), "rows", len(w), len(l))
PY
