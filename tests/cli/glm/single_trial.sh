# Intent: --single-trial lsa (OLS) and lss (AR(1)) write one beta volume per trial and a TSV naming
# each volume's trial; the betas equal nilearn FirstLevelModel fits of the LSA/LSS designs
# (Mumford 2012; fixtures from tests/golden/make_glm.py), within 1e-5 relative.
needs_data
needs_nibabel
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
mkdir -p "$OUT/lsa" "$OUT/lss"
"$ALGIA" glm "$BOLD1" --events "$EV1" --confounds "$CONF1" --mask "$MASK" --noise ols --single-trial lsa --prefix sub-1_run-1 --out "$OUT/lsa"
"$ALGIA" glm "$BOLD1" --events "$EV1" --confounds "$CONF1" --mask "$MASK" --noise ar1 --single-trial lss --prefix sub-1_run-1 --out "$OUT/lss"
"$PYTHON" - "$OUT" "$FIXTURES/glm" <<'PY'
import sys, csv, numpy as np, nibabel as nib
out, fx = sys.argv[1], sys.argv[2]
for kind in ("lsa", "lss"):
    betas = nib.load(f"{out}/{kind}/sub-1_run-1_desc-{kind}_betas.nii.gz").get_fdata()
    trials = list(csv.DictReader(open(f"{out}/{kind}/sub-1_run-1_desc-{kind}_trials.tsv"), delimiter="\t"))
    rows = list(csv.DictReader(open(f"{fx}/single_trial_{kind}_run1.tsv"), delimiter="\t"))
    assert betas.shape[3] == len(trials) == 8, (betas.shape, len(trials))
    worst = 0
    for t in trials:
        v = int(t["volume"])
        for r in rows:
            ref = float(r[t["trial"]])
            worst = max(worst, abs(betas[int(r["i"]), int(r["j"]), int(r["k"]), v] - ref) / max(1e-3, abs(ref)))
    assert worst < 1e-5, (kind, worst)
    print(kind, "betas agree with nilearn, max relative error", worst)
PY
