# Intent: the participant level's heat-run GLM is `algia glm` run by hand on the same inputs (same
# bytes: contrast maps, LSS betas, trials and design), its signature scores are those of
# `algia score --metric dot` on those maps, and its grey-matter region means are those of numpy
# on the fMRIPrep GM map and the atlas; the [glm] section is validated against the design with the
# contrast's line.
needs_nibabel
"$ALGIA" -q simulate --design demo --participants 2 --out "$OUT/fmriprep" --seed 5 >/dev/null
A="$OUT/fmriprep/atlas"
ATLAS="$A/$(ls "$A" | grep _dseg.nii.gz)"
W="$A/$(ls "$A" | grep painsignature_weights)"
cat > "$OUT/study.toml" <<TOML
[study]
sessions = ["pre", "post"]
[atlas]
image = "$ATLAS"
labels = "fmriprep/atlas/atlas-sim_dseg.tsv"
[glm]
contrasts = { heat = "heat", heatTwice = "2*heat" }
hrf = "glover"
noise = "ar1"
high_pass = 0.008
strategy = "12p"
single_trial = "lss"
[signatures]
pain = "$W"
TOML
"$ALGIA" "$OUT/fmriprep" "$OUT/out" participant --config "$OUT/study.toml" --participant-label 01 --no-report 2>/dev/null
F="$OUT/fmriprep/sub-01/ses-post/func"
P=sub-01_ses-post_task-heat_space-MNI152NLin6Asym
mkdir "$OUT/byhand"
"$ALGIA" glm "$F/${P}_desc-preproc_bold.nii.gz" --events "$F/sub-01_ses-post_task-heat_events.tsv" \
  --confounds "$F/sub-01_ses-post_task-heat_desc-confounds_timeseries.tsv" --strategy 12p --hrf glover --noise ar1 \
  --high-pass 0.008 --no-modulators --contrast heat=heat --contrast heatTwice=2*heat --single-trial lss --out "$OUT/byhand"
n=0
for f in "$OUT"/byhand/*; do
  cmp "$f" "$OUT/out/sub-01/ses-post/func/$(basename "$f")"; n=$((n + 1))
done
[ "$n" -eq 15 ]  # 2 contrasts x 5 maps, betas, trials, design tsv and png, EPI mask
"$ALGIA" score "$OUT/byhand/${P}_contrast-heat_stat-effect_statmap.nii.gz" "$OUT/byhand/${P}_contrast-heatTwice_stat-effect_statmap.nii.gz" \
  "$OUT/byhand/${P}_desc-lss_betas.nii.gz" --signature pain="$W" --metric dot --out "$OUT/score.tsv"
"$PYTHON" - "$OUT" "$ATLAS" <<'PY'
import csv, sys, os
import numpy as np, nibabel as nib
out, atlas = sys.argv[1], sys.argv[2]
rows = lambda p: list(csv.DictReader(open(p), delimiter="\t"))
mine = rows(f"{out}/out/sub-01/ses-post/func/sub-01_ses-post_task-heat_space-MNI152NLin6Asym_desc-signatures_scores.tsv")
hand = rows(f"{out}/score.tsv")
assert len(mine) == len(hand) > 3, (len(mine), len(hand))
for a, b in zip(mine, hand):
    assert a["image"] == os.path.basename(b["image"]) and a["volume"] == b["volume"], (a, b)
    assert a["score"] == b["score"] and a["n_voxels"] == b["n_voxels"], (a, b)
m = {r["measure"]: float(r["value"]) for r in rows(f"{out}/out/sub-01/sub-01_desc-measures.tsv") if r["session"] == "post"}
assert m["glm_heatTwice_pain"] == 2 * m["glm_heat_pain"] or abs(m["glm_heatTwice_pain"] / m["glm_heat_pain"] - 2) < 1e-6
betas = [float(b["score"]) for b in hand if "betas" in b["image"]]
assert abs(m["trials_pain_mean"] - np.mean(betas)) < 1e-9 * abs(np.mean(betas))
# Grey matter: region means of the probability map within each atlas label.
gm = nib.load(f"{out}/fmriprep/sub-01/ses-post/anat/sub-01_ses-post_space-MNI152NLin6Asym_label-GM_probseg.nii.gz").get_fdata()
lab = nib.load(atlas).get_fdata()
t = rows(f"{out}/out/sub-01/ses-post/anat/sub-01_ses-post_space-MNI152NLin6Asym_label-GM_desc-regions_means.tsv")
assert len(t) == len(np.unique(lab[lab > 0]))
for r in t:
    sel = lab == int(r["label"])
    assert int(r["n_voxels"]) == sel.sum()
    if sel.sum():
        assert abs(float(r["mean"]) - gm[sel].mean()) < 1e-6, r
        assert abs(m["gm_" + r["region"]] - float(r["mean"])) < 1e-12
net = [r for r in t if r["network"] == "Cont" and int(r["n_voxels"])]
w = sum(float(r["mean"]) * int(r["n_voxels"]) for r in net) / sum(int(r["n_voxels"]) for r in net)
assert abs(m["gm_Cont"] - w) < 1e-9
print("glm, scores and grey matter as by hand")
PY
# The [glm] contrasts are checked against the design before any work, with the line.
sed 's/heatTwice = "2\*heat"/warm = "warm - heat"/' "$OUT/study.toml" > "$OUT/bad.toml"
expect_error 3 "bad.toml:7:30: contrast 'warm' = \"warm - heat\" does not fit the design" \
  "$ALGIA" "$OUT/fmriprep" "$OUT/out2" participant --config "$OUT/bad.toml"
expect_absent "$OUT/out2/sub-01"
printf '[glm]\nsingle_trial = "lsx"\n' > "$OUT/st.toml"
expect_error 3 "st.toml:2:16: unknown single-trial model 'lsx'" "$ALGIA" config --check "$OUT/st.toml"
printf '[glm]\ncontrasts = { "heat-warm" = "heat" }\n' > "$OUT/name.toml"
expect_error 3 "the contrast name 'heat-warm' is not a BIDS label" "$ALGIA" config --check "$OUT/name.toml"
sed 's/strategy = "12p"/strategy = "12p"\nconfound_columns = ["no_such_column"]/' "$OUT/study.toml" > "$OUT/col.toml"
expect_error 3 "col.toml:6:1: [glm] confounds:" "$ALGIA" "$OUT/fmriprep" "$OUT/out3" participant --config "$OUT/col.toml"
