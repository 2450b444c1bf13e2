# Intent: an image that does not overlap the atlas, a labels table of another atlas (missing and
# extra labels named), a 4D atlas, a participants table without a subject of the file names, and
# an unknown statistic are clear errors with nothing written; a region left empty by the mask is a
# warning and n/a, never a silent NaN.
needs_data
needs_nibabel
atlas="$DATA/atlases/schaefer2018/Schaefer2018_100Parcels_7Networks_order_FSLMNI152_2mm.nii.gz"
gm="$DATA/atlases/templates/tpl_icbm09a_GMprob_2mm.nii.gz"
"$PYTHON" - "$gm" "$atlas" "$OUT" <<'PY'
import sys, numpy as np, nibabel as nib
gm, atlas, out = sys.argv[1:]
i = nib.load(gm); d = np.asarray(i.get_fdata(), dtype=np.float32)
far = i.affine.copy(); far[:3, 3] += 1000
nib.save(nib.Nifti1Image(d, far), f"{out}/sub-01_far.nii.gz")
nib.save(nib.Nifti1Image(d, i.affine), f"{out}/sub-09_map.nii.gz")
a = nib.load(atlas); ad = np.asarray(a.dataobj)
nib.save(nib.Nifti1Image(np.stack([ad, ad], -1), a.affine), f"{out}/atlas4d.nii.gz")
m = (ad != 1).astype(np.uint8)  # removes every voxel of region 1
nib.save(nib.Nifti1Image(m, a.affine), f"{out}/mask.nii.gz")
PY
expect_error 3 "no region of $atlas overlaps this image" "$ALGIA" roi "$OUT/sub-01_far.nii.gz" --atlas "$atlas" --out "$OUT/x.tsv"
expect_error 3 "table labels not in the atlas: 101 (7Networks_LH_SalVentAttn_FrOper_5), 102" "$ALGIA" roi "$gm" --atlas "$atlas" \
  --labels "$DATA/atlases/schaefer2018/Schaefer2018_400Parcels_7Networks_order.txt" --out "$OUT/x.tsv"
head -n 98 "$DATA/atlases/schaefer2018/Schaefer2018_100Parcels_7Networks_order.txt" > "$OUT/short.txt"
expect_error 3 "atlas labels missing from the table: 99, 100" "$ALGIA" roi "$gm" --atlas "$atlas" --labels "$OUT/short.txt" --out "$OUT/x.tsv"
expect_error 3 "atlas4d.nii.gz: the atlas has 2 volumes" "$ALGIA" roi "$gm" --atlas "$OUT/atlas4d.nii.gz" --out "$OUT/x.tsv"
printf 'participant_id\tage\nsub-01\t40\n' > "$OUT/participants.tsv"
expect_error 3 "no row for sub-09 (found in the image file names)" "$ALGIA" roi "$OUT/sub-09_map.nii.gz" --atlas "$atlas" \
  --participants "$OUT/participants.tsv" --out "$OUT/x.tsv"
expect_error 2 "unknown --stat 'max'" "$ALGIA" roi "$gm" --atlas "$atlas" --stat max --out "$OUT/x.tsv"
expect_absent "$OUT/x.tsv"
expect_absent "$OUT/x.json"
# Empty after masking: a warning naming the region, n/a in the table, 0 voxels in the sidecar.
"$ALGIA" roi "$gm" --atlas "$atlas" --labels "$DATA/atlases/schaefer2018/Schaefer2018_100Parcels_7Networks_order.txt" \
  --mask "$OUT/mask.nii.gz" --out "$OUT/m.tsv" 2> "$OUT/warn"
grep -qF "warning: 1 region with no voxel in the mask" "$OUT/warn" || { echo "FAIL: no warning"; cat "$OUT/warn"; exit 1; }
grep -qF "7Networks_LH_Vis_1" "$OUT/warn" || { echo "FAIL: warning does not name the region"; cat "$OUT/warn"; exit 1; }
"$PYTHON" - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
head, row = [l.rstrip("\n").split("\t") for l in open(f"{out}/m.tsv")]
v = dict(zip(head, row))
assert v["7Networks_LH_Vis_1"] == "n/a" and v["7Networks_LH_Vis_2"] != "n/a", v["7Networks_LH_Vis_1"]
s = json.load(open(f"{out}/m.json"))
assert s["Grids"][0]["VoxelCounts"]["7Networks_LH_Vis_1"] == 0 and s["Warnings"], s["Warnings"]
print("ok: empty region written as n/a and reported")
PY
