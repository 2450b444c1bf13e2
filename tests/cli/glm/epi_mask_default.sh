# Intent: without --mask, `algia glm` fits inside nilearn's EPI mask as FirstLevelModel without
# mask_img does: on the Haxby 25 mm run 1 the written PREFIX_desc-epi_mask.nii.gz has exactly the
# voxels of nilearn's masker_.mask_img_ and the OLS effect and z there agree to 1e-5 relative
# (tests/golden/make_glm_epi_mask.py); --mask nonzero keeps algia's former rule (more voxels).
needs_data
needs_nibabel
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
mkdir -p "$OUT/epi" "$OUT/nonzero"
"$ALGIA" glm "$BOLD1" --events "$EV1" --confounds "$CONF1" --strategy 6p --t-r 2.5 --noise ols \
  --contrast 'faceVsHouse=face - house' --prefix run1 --out "$OUT/epi"
"$ALGIA" glm "$BOLD1" --events "$EV1" --confounds "$CONF1" --strategy 6p --t-r 2.5 --noise ols --mask nonzero \
  --contrast 'faceVsHouse=face - house' --prefix run1 --out "$OUT/nonzero"
expect_absent "$OUT/nonzero/run1_desc-epi_mask.nii.gz"
"$PYTHON" - "$OUT" "$FIXTURES/glm/fit_epi_ols_run1_face_minus_house.tsv" <<'PY'
import sys, csv, numpy as np, nibabel as nib
out, fx = sys.argv[1], sys.argv[2]
ref = list(csv.DictReader(open(fx), delimiter="\t"))
mask = nib.load(f"{out}/epi/run1_desc-epi_mask.nii.gz").get_fdata() > 0
want = {(int(r["i"]), int(r["j"]), int(r["k"])) for r in ref}
assert set(map(tuple, np.argwhere(mask))) == want, (mask.sum(), len(want))
for s, col in (("effect", "effect_size"), ("z", "z_score")):
    m = nib.load(f"{out}/epi/run1_contrast-faceVsHouse_stat-{s}_statmap.nii.gz").get_fdata()
    assert (m[~mask] == 0).all()
    e = max(abs(m[int(r["i"]), int(r["j"]), int(r["k"])] - float(r[col])) / max(1e-3, abs(float(r[col]))) for r in ref)
    assert e < 1e-5, (s, e)
nz = nib.load(f"{out}/nonzero/run1_contrast-faceVsHouse_stat-z_statmap.nii.gz").get_fdata()
assert (nz != 0).sum() > mask.sum()
print("EPI mask:", mask.sum(), "voxels as nilearn; OLS maps agree")
PY
