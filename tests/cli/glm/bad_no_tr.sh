# Intent: with no TR in --t-r, a sidecar or the header, the run is refused with the fix.
needs_data
needs_nibabel
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
"$PYTHON" - "$BOLD1" "$OUT/notr_bold.nii.gz" <<'PY'
import sys, nibabel as nib
img = nib.load(sys.argv[1])
h = img.header.copy(); z = list(h.get_zooms()); z[3] = 0.0; h.set_zooms(z)
nib.save(nib.Nifti1Image(img.get_fdata(dtype="float32"), img.affine, h), sys.argv[2])
PY
expect_error 3 "no repetition time" "$ALGIA" glm "$OUT/notr_bold.nii.gz" --events "$EV1" --mask "$MASK" --contrast f=face --out "$OUT/res"
expect_absent "$OUT/res/notr_contrast-f"
