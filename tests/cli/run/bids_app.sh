# Intent: the BIDS App on a simulated fMRIPrep folder: `algia FMRIPREP OUT participant` writes only
# inside sub-<label>/ with a completion record; one participant's outputs equal running
# `algia extract` by hand with the same options; a rerun skips completed participants; a run
# killed midway and rerun gives the same bytes as an uninterrupted run; `group` writes the group
# table, models and mediation; bad input is refused with clear errors.
"$ALGIA" -q simulate --design demo --participants 6 --out "$OUT/fmriprep" --seed 3 >/dev/null
A="$OUT/fmriprep/atlas"
cat > "$OUT/study.toml" <<TOML
[study]
name = "test"
sessions = ["pre", "post"]
[atlas]
image = "fmriprep/atlas/$(ls "$A" | grep _dseg.nii.gz)"
labels = "fmriprep/atlas/atlas-sim_dseg.tsv"
[signatures]
pain = "fmriprep/atlas/$(ls "$A" | grep painsignature_weights)"
[group]
permutations = 200
bootstrap = 500
[[model]]
name = "dmn_years"
outcome = "dmn_within_pre"
formula = "~ years_with_pain"
[[mediation]]
name = "med"
x = "arm"
m = ["signature_pain_change"]
y = "pain_change"
TOML
"$ALGIA" "$OUT/fmriprep" "$OUT/out" participant --config "$OUT/study.toml" --participant-label 01 sub-02 > "$OUT/p.txt" 2> "$OUT/p.err"
ls "$OUT/out" | sort | tr '\n' ' ' | grep -qx "dataset_description.json sub-01 sub-02 "
[ -f "$OUT/out/sub-01/sub-01_desc-done.json" ] && [ -f "$OUT/out/sub-01/sub-01_report.html" ]
grep -q "2 processed, 0 already complete, 0 failed" "$OUT/p.err"
# By hand: the same run through algia extract.
F="$OUT/fmriprep/sub-01/ses-pre/func"
"$ALGIA" extract "$F/sub-01_ses-pre_task-rest_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz" --atlas "$A/$(ls "$A" | grep _dseg.nii.gz)" \
  --labels "$A/atlas-sim_dseg.tsv" --confounds "$F/sub-01_ses-pre_task-rest_desc-confounds_timeseries.tsv" --strategy 24p \
  --scrub-fd 0.5 --high-pass 0.01 --low-pass 0.08 --out "$OUT/byhand" 2>/dev/null
cmp "$OUT/byhand_timeseries.tsv" "$OUT/out/sub-01/ses-pre/func/sub-01_ses-pre_task-rest_timeseries.tsv"
# Rerun: skipped.
"$ALGIA" "$OUT/fmriprep" "$OUT/out" participant --config "$OUT/study.toml" --participant-label 01 02 2> "$OUT/p2.err" >/dev/null
grep -q "0 processed, 2 already complete" "$OUT/p2.err"
# Uninterrupted reference vs killed-and-rerun.
"$ALGIA" "$OUT/fmriprep" "$OUT/ref" participant --config "$OUT/study.toml" --no-report 2>/dev/null
timeout -s KILL 0.7 "$ALGIA" "$OUT/fmriprep" "$OUT/killed" participant --config "$OUT/study.toml" --no-report 2>/dev/null || true
# Whatever the kill interrupted: a write's temporary left behind must not survive the rerun.
mkdir -p "$OUT/killed/sub-01/ses-pre/func"
echo partial > "$OUT/killed/sub-01/ses-pre/func/sub-01_ses-pre_task-rest_timeseries.tsv.algia-tmp-Xk3j9Q"
rm -f "$OUT/killed/sub-01/sub-01_desc-done.json"
"$ALGIA" "$OUT/fmriprep" "$OUT/killed" participant --config "$OUT/study.toml" --no-report 2>/dev/null
(cd "$OUT/ref" && find . -type f | sort | xargs md5sum) > "$OUT/ref.md5"
(cd "$OUT/killed" && find . -type f | sort | xargs md5sum) > "$OUT/killed.md5"
diff "$OUT/ref.md5" "$OUT/killed.md5"
# Group level.
"$ALGIA" "$OUT/fmriprep" "$OUT/ref" group --config "$OUT/study.toml" > "$OUT/g.txt" 2>/dev/null
grep -q "group_report.html" "$OUT/g.txt"
for f in group_table.tsv models.tsv mediation-med.tsv group_report.html; do [ -s "$OUT/ref/group/$f" ]; done
"$PYTHON" - "$OUT/ref/group" <<'PY'
import sys, csv
g = sys.argv[1]
t = list(csv.DictReader(open(f"{g}/group_table.tsv"), delimiter="\t"))
assert len(t) == 6 and "dmn_within_pre" in t[0] and "pain_change" in t[0] and "signature_pain_change" in t[0]
for r in t:
    assert abs(float(r["pain_change"]) - (float(r["pain_post"]) - float(r["pain_pre"]))) < 1e-9
m = list(csv.DictReader(open(f"{g}/models.tsv"), delimiter="\t"))
assert m[0]["model"] == "dmn_years" and m[0]["contrast"] == "years_with_pain" and m[0]["n"] == "6"
print("group table and models ok")
PY
# Bad input.
expect_error 3 "not fMRIPrep output" "$ALGIA" "$OUT/ref" "$OUT/x" participant --config "$OUT/study.toml"
expect_error 2 "inside the input folder" "$ALGIA" "$OUT/fmriprep" "$OUT/fmriprep/derivatives" participant --config "$OUT/study.toml"
expect_error 3 "no preprocessed runs for participant 99" "$ALGIA" "$OUT/fmriprep" "$OUT/y" participant --config "$OUT/study.toml" --participant-label 99
sed 's/outcome = "dmn_within_pre"/outcome = "no_such_measure"/' "$OUT/study.toml" > "$OUT/bad.toml"
expect_error 3 "bad.toml:12:1: model 'dmn_years'" "$ALGIA" "$OUT/fmriprep" "$OUT/ref" group --config "$OUT/bad.toml"
