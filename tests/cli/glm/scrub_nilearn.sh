# Intent: censoring in `algia glm` equals nilearn FirstLevelModel.fit(sample_masks=...) on the real
# Haxby runs: --scrub-fd (and --scrub-dvars) keep the volumes nilearn's scrubbing rule keeps (FD or
# std_dvars > threshold, segments shorter than 5 volumes), the design TSV has nilearn's kept rows (1e-8), and the fixed-effects maps
# of two scrubbed runs, and of one run with a --sample-mask TSV, agree with nilearn (OLS 1e-5
# relative, AR(1) z within 1e-3 at 99.9% of voxels, AR(1) on the kept volumes as if contiguous),
# and so do the LSA (OLS) / LSS (AR(1)) single-trial betas with the sample mask (1e-5 relative).
# Fixtures from tests/golden/make_glm_scrub.py.
needs_data
needs_nibabel
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
S1="$FIXTURES/glm/scrub_confounds_run1.tsv"
S2="$FIXTURES/glm/scrub_confounds_run2.tsv"
FD=$(tail -n 1 "$FIXTURES/glm/scrub_params.tsv" | cut -f1)
DV=$(tail -n 1 "$FIXTURES/glm/scrub_params.tsv" | cut -f3)
for noise in ols ar1; do
  mkdir -p "$OUT/scrub_$noise" "$OUT/smask_$noise" "$OUT/scrubdvars_$noise"
  "$ALGIA" glm "$BOLD1" --events "$EV1" --confounds "$S1" --strategy 6p --mask "$MASK" --t-r 2.5 \
    --noise $noise --scrub-fd "$FD" --scrub-dvars "$DV" --contrast 'faceVsHouse=face - house' --prefix sub-1_task-objects --out "$OUT/scrubdvars_$noise"
  "$ALGIA" glm "$BOLD1" "$BOLD2" --events "$EV1" "$EV2" --confounds "$S1" "$S2" --strategy 6p --mask "$MASK" --t-r 2.5 \
    --noise $noise --scrub-fd "$FD" --contrast 'faceVsHouse=face - house' --prefix sub-1_task-objects --out "$OUT/scrub_$noise"
  "$ALGIA" glm "$BOLD1" --events "$EV1" --confounds "$CONF1" --strategy 6p --mask "$MASK" --t-r 2.5 \
    --noise $noise --sample-mask "$FIXTURES/glm/sample_mask_run1.tsv" --contrast 'faceVsHouse=face - house' \
    --single-trial "$([ $noise = ols ] && echo lsa || echo lss)" --prefix sub-1_task-objects --out "$OUT/smask_$noise"
done
# Scrubbing without confounds is a usage error.
expect_error 2 "need the runs' confounds" "$ALGIA" glm "$BOLD1" --events "$EV1" --mask "$MASK" --t-r 2.5 --scrub-fd 0.5 \
  --contrast 'f=face' --out "$OUT/smask_ols"
"$PYTHON" - "$OUT" "$FIXTURES/glm" <<'PY'
import sys, csv, glob, numpy as np, nibabel as nib
out, fx = sys.argv[1], sys.argv[2]
def rows(path): return list(csv.DictReader(open(path), delimiter="\t"))
# Kept volumes equal nilearn's sample masks.
for r in (1, 2):
    want = [int(x["volume"]) for x in rows(f"{fx}/scrub_kept_run{r}.tsv")]
    got = sorted(glob.glob(f"{out}/scrub_ols/*_outliers.tsv"))[r - 1]
    have = [int(x["volume"]) for x in rows(got) if x["kept"] == "1"]
    assert have == want, (r, len(have), len(want))
want = [int(x["volume"]) for x in rows(f"{fx}/scrub_dvars_kept_run1.tsv")]
have = [int(x["volume"]) for x in rows(glob.glob(f"{out}/scrubdvars_ols/*_outliers.tsv")[0]) if x["kept"] == "1"]
assert have == want, (len(have), len(want))
# Design: nilearn's kept rows.
ref = rows(f"{fx}/scrub_design_run1.tsv")
got = rows(sorted(glob.glob(f"{out}/scrub_ols/*_design.tsv"))[0])
assert len(ref) == len(got) and sorted(ref[0]) == sorted(got[0]), (len(ref), len(got), list(ref[0]), list(got[0]))  # algia: confounds alphabetical
err = max(abs(float(a[c]) - float(b[c])) for a, b in zip(ref, got) for c in ref[0])
assert err < 1e-8, err
def check(case, noise):
    def load(s): return nib.load(f"{out}/{case}_{noise}/sub-1_task-objects_contrast-faceVsHouse_stat-{s}_statmap.nii.gz").get_fdata()
    ref = rows(glob.glob(f"{fx}/fit_{case}_{noise}_run*_face_minus_house.tsv")[0])
    if noise == "ols":
        for s, col in (("effect", "effect_size"), ("variance", "effect_variance"), ("t", "stat"), ("z", "z_score")):
            m = load(s)
            e = max(abs(m[int(x["i"]), int(x["j"]), int(x["k"])] - float(x[col])) / max(1e-3, abs(float(x[col]))) for x in ref)
            assert e < 1e-5, (case, s, e)
        return e
    m = load("z")
    dz = np.array([abs(m[int(x["i"]), int(x["j"]), int(x["k"])] - float(x["z_score"])) for x in ref])
    assert (dz > 1e-3).mean() <= 0.001, (case, dz.max())
    return dz.max()
for case in ("scrub", "scrubdvars", "smask"):
    print(case, "OLS max rel err", check(case, "ols"), "AR(1) max |dz|", check(case, "ar1"))
# Single-trial betas with the sample mask: LSA (OLS) and LSS (AR(1)) as nilearn fits of those designs.
for kind, noise in (("lsa", "ols"), ("lss", "ar1")):
    betas = nib.load(f"{out}/smask_{noise}/sub-1_task-objects_desc-{kind}_betas.nii.gz").get_fdata()
    trials = rows(f"{out}/smask_{noise}/sub-1_task-objects_desc-{kind}_trials.tsv")
    ref = rows(f"{fx}/single_trial_{kind}_smask_run1.tsv")
    assert betas.shape[3] == len(trials) == 8
    e = max(abs(betas[int(x["i"]), int(x["j"]), int(x["k"]), int(t["volume"])] - float(x[t["trial"]])) / max(1e-3, abs(float(x[t["trial"]])))
            for t in trials for x in ref)
    assert e < 1e-5, (kind, e)
    print(kind, "betas with the sample mask: max relative error", e)
# The sample-mask run's outliers file marks the masked volumes.
o = rows(glob.glob(f"{out}/smask_ols/*_outliers.tsv")[0])
want = [x["kept"] for x in rows(f"{fx}/sample_mask_run1.tsv")]
assert [x["kept"] for x in o] == want
assert all(x["reason"] == ("n/a" if x["kept"] == "1" else "sample_mask") for x in o)
PY
