# Intent: on a simulated 2 mm heat-pain run (`algia simulate`, cropped to 16x16x10 at the brain's
# frontal edge; tests/golden/make_glm_sim2mm.py) `algia glm` equals nilearn 0.10.3 FirstLevelModel
# with the events' temperature as a parametric modulator: the design to 1e-8, the EPI mask (no
# --mask) voxel for voxel, OLS effect/variance/z of heat_x_temperature to 1e-5 relative and AR(1) z
# within 1e-3 at 99.9% of voxels, inside the EPI mask and inside the simulated brain mask; and the
# planted temperature effect is recovered (effect map vs the true pain pattern: r > 0.8; this crop's
# pattern weights are all negative, and the mean z there is below -2).
needs_nibabel
G="$FIXTURES/glm"
for noise in ols ar1; do
  for m in epi brain; do
    mkdir -p "$OUT/${m}_$noise"
    mask=(); [ "$m" = brain ] && mask=(--mask "$G/sim2mm_brain_mask.nii.gz")
    "$ALGIA" -q glm "$G/sim2mm_bold.nii.gz" --events "$G/sim2mm_events.tsv" --confounds "$G/sim2mm_confounds.tsv" \
      --strategy 6p --t-r 2 --noise $noise "${mask[@]}" --contrast slope=heat_x_temperature --prefix sim --out "$OUT/${m}_$noise"
  done
done
"$PYTHON" - "$OUT" "$G" <<'PY'
import sys, csv, glob, numpy as np, nibabel as nib
out, g = sys.argv[1], sys.argv[2]
def rows(p): return list(csv.DictReader(open(p), delimiter="\t"))
ref, got = rows(f"{g}/sim2mm_design.tsv"), rows(glob.glob(f"{out}/epi_ols/*_design.tsv")[0])
assert len(ref) == len(got) == 80 and sorted(ref[0]) == sorted(got[0]), (list(ref[0]), list(got[0]))
derr = max(abs(float(a[c]) - float(b[c])) for a, b in zip(ref, got) for c in ref[0])
assert derr < 1e-8, derr
epi = nib.load(f"{out}/epi_ols/sim_desc-epi_mask.nii.gz").get_fdata() > 0
fit = rows(f"{g}/sim2mm_fit_epi.tsv")
assert set(map(tuple, np.argwhere(epi))) == {(int(r["i"]), int(r["j"]), int(r["k"])) for r in fit}, epi.sum()
def load(d, s): return nib.load(f"{out}/{d}/sim_contrast-slope_stat-{s}_statmap.nii.gz").get_fdata()
report = []
for m in ("epi", "brain"):
    fit = rows(f"{g}/sim2mm_fit_{m}.tsv")
    ijk = tuple(np.array([[int(r[c]) for r in fit] for c in "ijk"]))
    worst = 0
    for s, col in (("effect", "ols_effect_size"), ("variance", "ols_effect_variance"), ("z", "ols_z_score")):
        a, b = load(f"{m}_ols", s)[ijk], np.array([float(r[col]) for r in fit])
        e = (np.abs(a - b) / np.maximum(1e-3, np.abs(b))).max()
        assert e < 1e-5, (m, s, e)
        worst = max(worst, e)
    dz = np.abs(load(f"{m}_ar1", "z")[ijk] - np.array([float(r["ar1_z_score"]) for r in fit]))
    assert (dz > 1e-3).mean() <= 0.001, (m, dz.max())
    report.append(f"{m} ({len(fit)} voxels): OLS worst {worst:.1e} relative, AR(1) max |dz| {dz.max():.1e}")
    if m == "brain":
        pat = np.array([float(r["pattern"]) for r in fit])
        r = np.corrcoef(load("brain_ols", "effect")[ijk], pat)[0, 1]
        z = load("brain_ols", "z")[ijk]
        assert r > 0.8 and z[pat < 0].mean() < -2, (r, z[pat < 0].mean())
        report.append(f"planted temperature effect: r = {r:.3f} with the true pattern, mean z {z[pat < 0].mean():.2f}")
print(f"design max |diff| {derr:.1e}; " + "; ".join(report))
PY
