# Intent: on a heat-pain run from `algia simulate` (planted temperature slope 1 per degree in the
# true pain pattern), the events' temperature column becomes the mean-centred modulator
# heat_x_temperature and its effect map recovers the planted pattern (correlation > 0.8, z > 2 on
# average where the pattern is positive, below 0 where it is negative).
needs_nibabel
"$ALGIA" -q simulate --design demo --participants 2 --sessions pre --voxel-size 4 --effect temperature_slope=1 --out "$OUT/sim"
F="$OUT/sim/sub-01/ses-pre/func"
cut -f1-4 "$F/sub-01_ses-pre_task-heat_events.tsv" > "$OUT/events.tsv"   # onset duration trial_type temperature
mkdir -p "$OUT/res"
"$ALGIA" -q glm "$F/sub-01_ses-pre_task-heat_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz" --events "$OUT/events.tsv" \
  --confounds "$F/sub-01_ses-pre_task-heat_desc-confounds_timeseries.tsv" --strategy 6p \
  --mask "$OUT/sim/atlas/space-MNI152NLin6Asym_res-4mm_desc-brain_mask.nii.gz" --contrast slope=heat_x_temperature --prefix sub-01 --out "$OUT/res"
grep -q "heat_x_temperature" "$OUT/res/sub-01_ses-pre_task-heat_space-MNI152NLin6Asym_design.tsv"
"$PYTHON" - "$OUT" <<'PY'
import sys, numpy as np, nibabel as nib
out = sys.argv[1]
pat = nib.load(f"{out}/sim/atlas/space-MNI152NLin6Asym_res-4mm_desc-truepain_pattern.nii.gz").get_fdata()
m = nib.load(f"{out}/sim/atlas/space-MNI152NLin6Asym_res-4mm_desc-brain_mask.nii.gz").get_fdata() > 0
e = nib.load(f"{out}/res/sub-01_contrast-slope_stat-effect_statmap.nii.gz").get_fdata()
z = nib.load(f"{out}/res/sub-01_contrast-slope_stat-z_statmap.nii.gz").get_fdata()
r = np.corrcoef(e[m], pat[m])[0, 1]
zp, zn = z[m & (pat > 0)].mean(), z[m & (pat < 0)].mean()
assert r > 0.8 and zp > 2 and zn < 0, (r, zp, zn)
print(f"planted temperature pattern recovered: r = {r:.3f}, mean z {zp:.2f} (positive weights), {zn:.2f} (negative)")
PY
