# Intent: [glm] scrub_fd censors the heat runs' volumes in the participant level's model exactly as
# `algia glm --scrub-fd` by hand (same bytes: maps, design with the kept rows, _outliers.tsv), and the
# censored volumes are the non-steady-state one and those with FD above the threshold.
needs_nibabel
"$ALGIA" -q simulate --design demo --participants 2 --sessions pre --out "$OUT/fmriprep" --seed 5 >/dev/null
A="$OUT/fmriprep/atlas"
cat > "$OUT/study.toml" <<TOML
[study]
sessions = ["pre"]
[atlas]
image = "$A/$(ls "$A" | grep _dseg.nii.gz)"
labels = "fmriprep/atlas/atlas-sim_dseg.tsv"
[glm]
contrasts = { heat = "heat" }
noise = "ar1"
single_trial = "none"
scrub_fd = 0.5
TOML
"$ALGIA" "$OUT/fmriprep" "$OUT/out" participant --config "$OUT/study.toml" --participant-label 01 --no-report
F="$OUT/fmriprep/sub-01/ses-pre/func"
P=sub-01_ses-pre_task-heat_space-MNI152NLin6Asym
mkdir "$OUT/byhand"
"$ALGIA" glm "$F/${P}_desc-preproc_bold.nii.gz" --events "$F/sub-01_ses-pre_task-heat_events.tsv" \
  --confounds "$F/sub-01_ses-pre_task-heat_desc-confounds_timeseries.tsv" --strategy 6p --hrf spm --noise ar1 \
  --no-modulators --scrub-fd 0.5 --contrast heat=heat --out "$OUT/byhand"
n=0
for f in "$OUT"/byhand/*; do
  cmp "$f" "$OUT/out/sub-01/ses-pre/func/$(basename "$f")"; n=$((n + 1))
done
[ "$n" -eq 9 ]  # 5 maps, design tsv and png, EPI mask, outliers
"$PYTHON" - "$OUT/byhand/${P}_outliers.tsv" "$F/sub-01_ses-pre_task-heat_desc-confounds_timeseries.tsv" "$OUT/byhand/${P}_design.tsv" <<'PY'
import sys, csv
o = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
c = list(csv.DictReader(open(sys.argv[2]), delimiter="\t"))
nss = [i for i, r in enumerate(c) if any(k.startswith("non_steady_state") and r[k] == "1" for k in r)]
fd = [i for i, r in enumerate(c) if r["framewise_displacement"] != "n/a" and float(r["framewise_displacement"]) > 0.5]
assert nss and fd, (nss, fd)
censored = [int(r["volume"]) for r in o if r["kept"] == "0"]
assert set(nss) | set(fd) <= set(censored), (nss, fd, censored)
assert all(o[i]["reason"] == "non_steady_state" for i in nss)
rows = sum(1 for _ in open(sys.argv[3])) - 1
assert rows == len(o) - len(censored), (rows, len(o), len(censored))
print(f"censored volumes {censored} (non-steady-state {nss}, FD > 0.5 {fd})")
PY
