# Intent: `algia glm --smooth FWHM` smooths as nilearn 0.10.3's FirstLevelModel(smoothing_fwhm=...)
# does (Gaussian per axis, sigma = FWHM / sqrt(8 ln 2) / voxel size, before masking): on Haxby run 1
# (25 mm voxels, so FWHM 30 and 60 mm are sigma 0.5 and 1 voxel) the OLS effect and z maps of
# face - house equal nilearn's to 1e-5 relative (fixtures from tests/golden/make_glm_smooth.py), and
# differ clearly from the unsmoothed fit (so the test sees the smoothing).
needs_data
needs_nibabel
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
for f in 0 30 60; do
  mkdir -p "$OUT/s$f"
  "$ALGIA" -q glm "$BOLD1" --events "$EV1" --confounds "$CONF1" --strategy 6p --mask "$MASK" --t-r 2.5 --noise ols \
    --smooth $f --contrast 'fh=face - house' --prefix run1 --out "$OUT/s$f"
done
"$PYTHON" - "$OUT" "$FIXTURES/glm" <<'PY'
import sys, csv, numpy as np, nibabel as nib
out, fx = sys.argv[1], sys.argv[2]
load = lambda f, s: nib.load(f"{out}/s{f}/run1_contrast-fh_stat-{s}_statmap.nii.gz").get_fdata()
for f in (30, 60):
    rows = list(csv.DictReader(open(f"{fx}/fit_smooth{f}_ols_run1_face_minus_house.tsv"), delimiter="\t"))
    for s, col in (("effect", "effect_size"), ("z", "z_score")):
        m, m0 = load(f, s), load(0, s)
        ref = np.array([float(r[col]) for r in rows])
        got = np.array([m[int(r["i"]), int(r["j"]), int(r["k"])] for r in rows])
        raw = np.array([m0[int(r["i"]), int(r["j"]), int(r["k"])] for r in rows])
        err = np.max(np.abs(got - ref) / np.maximum(1e-3, np.abs(ref)))
        assert err < 1e-5, (f, s, err)
        assert np.max(np.abs(raw - ref) / np.maximum(1e-3, np.abs(ref))) > 1e-2, (f, s, "smoothing had no effect")
    print(f"FWHM {f} mm: effect and z agree with nilearn to {err:.1e}")
PY
