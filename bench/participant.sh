#!/usr/bin/env bash
# Benchmark: the BIDS App's participant level for one simulated 2 mm participant (one session,
# rest + heat runs of 200 volumes) against the same steps in nilearn 0.10.3 run one after another
# (NILEARN=..., from source): rest: NiftiLabelsMasker with signal.clean's denoising (24p, band-pass
# 0.01-0.08 Hz, zscore) + ConnectivityMeasure(correlation); heat: FirstLevelModel (SPM HRF, AR(1),
# cosine drift 0.01 Hz, 6p confounds) with the same contrast; the signature's dot product with
# every heat volume and with the contrast's effect map. algia's participant level also writes QC,
# network measures, grey-matter region means and the report (--no-report here); single-trial
# betas are off on both sides (nilearn has no LSS). Per-stage algia times come from the
# individual commands (extract, connect, glm, score) on the same inputs.
# (Two participants are simulated, the minimum; only sub-01 is processed.)
# Usage: bench/participant.sh [BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
algia="$build/algia"
nilearn="${NILEARN:-/work/peers/nilearn-0.10.3}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
since() { echo "$1 $(now)" | awk '{printf "%.3f", $2 - $1}'; }

"$algia" -q simulate --design demo --participants 2 --sessions pre --voxel-size 2 --volumes 200 --seed 1 --out "$work/fm" >/dev/null
A="$work/fm/atlas"
atlas="$A/$(ls "$A" | grep _dseg.nii.gz)"
weights="$A/$(ls "$A" | grep painsignature_weights)"
F="$work/fm/sub-01/ses-pre/func"
rest="$F/sub-01_ses-pre_task-rest_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz"
heat="$F/sub-01_ses-pre_task-heat_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz"
cat > "$work/study.toml" <<TOML
[study]
sessions = ["pre"]
[atlas]
image = "$atlas"
labels = "$A/atlas-sim_dseg.tsv"
[denoise]
strategy = "24p"
scrub_fd = false
[glm]
contrasts = { heat = "heat" }
hrf = "spm"
noise = "ar1"
strategy = "6p"
single_trial = "none"
[signatures]
pain = "$weights"
TOML

# algia: the participant level end to end (2 threads), then each stage by itself.
t0=$(now); "$algia" -q --threads 2 "$work/fm" "$work/out" participant --participant-label 01 --config "$work/study.toml" --no-report 2>/dev/null
alg_total=$(since "$t0")
mkdir -p "$work/st" "$work/glm"
t0=$(now); "$algia" -q extract "$rest" --atlas "$atlas" --confounds "$F/sub-01_ses-pre_task-rest_desc-confounds_timeseries.tsv" \
  --strategy 24p --high-pass 0.01 --low-pass 0.08 --out "$work/st/rest" 2>/dev/null; alg_extract=$(since "$t0")
t0=$(now); "$algia" -q connect "$work/st/rest_timeseries.tsv" --kind correlation --out-dir "$work/st" 2>/dev/null; alg_connect=$(since "$t0")
t0=$(now); "$algia" -q glm "$heat" --events "$F/sub-01_ses-pre_task-heat_events.tsv" --confounds "$F/sub-01_ses-pre_task-heat_desc-confounds_timeseries.tsv" \
  --strategy 6p --hrf spm --noise ar1 --high-pass 0.01 --no-modulators --contrast heat=heat --out "$work/glm"; alg_glm=$(since "$t0")
t0=$(now); "$algia" -q score "$heat" "$work/glm/"*contrast-heat_stat-effect_statmap.nii.gz --signature pain="$weights" --metric dot --out "$work/st/score.tsv"
alg_score=$(since "$t0")

# nilearn, the same steps one after another (one process, imports not timed).
PYTHONPATH="$nilearn" /usr/bin/python3 - "$rest" "$heat" "$atlas" "$weights" "$F" <<'PY' > "$work/peer.txt"
import sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np, pandas as pd, nibabel as nib
from nilearn.maskers import NiftiLabelsMasker
from nilearn.connectome import ConnectivityMeasure
from nilearn.glm.first_level import FirstLevelModel
rest, heat, atlas, weights, F = sys.argv[1:]
def conf(path, full):
    c = pd.read_csv(path, sep="\t")
    base = [f"{k}_{a}" for k in ("trans", "rot") for a in "xyz"]
    cols = [x + s for x in base for s in (("", "_derivative1", "_power2", "_derivative1_power2") if full else ("", "_derivative1"))]
    return c[sorted(cols)].fillna(0).values
times = {}
t = time.perf_counter()
masker = NiftiLabelsMasker(atlas, standardize="zscore", detrend=True, high_pass=0.01, low_pass=0.08, t_r=2.0)
ts = masker.fit_transform(rest, confounds=conf(f"{F}/sub-01_ses-pre_task-rest_desc-confounds_timeseries.tsv", True))
times["extract"] = time.perf_counter() - t
t = time.perf_counter()
ConnectivityMeasure(kind="correlation").fit_transform([ts])
times["connect"] = time.perf_counter() - t
t = time.perf_counter()
ev = pd.read_csv(f"{F}/sub-01_ses-pre_task-heat_events.tsv", sep="\t")[["onset", "duration", "trial_type"]]
m = FirstLevelModel(t_r=2.0, hrf_model="spm", noise_model="ar1", high_pass=0.01, drift_model="cosine", minimize_memory=True)
c6 = pd.read_csv(f"{F}/sub-01_ses-pre_task-heat_desc-confounds_timeseries.tsv", sep="\t")
c6 = c6[sorted(c6.columns[c6.columns.str.match(r"^(trans|rot)_[xyz]$")])]
m.fit(heat, events=ev, confounds=c6)
effect = m.compute_contrast("heat", output_type="all")["effect_size"]
times["glm"] = time.perf_counter() - t
t = time.perf_counter()
w = nib.load(weights).get_fdata(); w = w.reshape(w.shape[:3])
b = nib.load(heat).get_fdata(dtype=np.float32)
expr = np.tensordot(np.nan_to_num(w), np.nan_to_num(b), axes=([0, 1, 2], [0, 1, 2]))
eff = float(np.sum(np.nan_to_num(w) * np.nan_to_num(effect.get_fdata().reshape(w.shape))))
times["score"] = time.perf_counter() - t
for k, v in times.items():
    print(k, f"{v:.3f}")
PY
pe=$(awk '$1=="extract"{print $2}' "$work/peer.txt"); pc=$(awk '$1=="connect"{print $2}' "$work/peer.txt")
pg=$(awk '$1=="glm"{print $2}' "$work/peer.txt"); ps=$(awk '$1=="score"{print $2}' "$work/peer.txt")
ratio() { echo "$1 $2" | awk '{printf "%.1f", $1 / $2}'; }
vox=$(/usr/bin/python3 -c "import nibabel as n; print('x'.join(map(str, n.load('$rest').shape)))")
echo "participant level, one 2 mm participant (rest + heat, $vox), $(nproc) cores"
printf "  %-30s nilearn %7.2f s   algia %6.2f s   ratio %5.1fx\n" "rest: clean + region means" "$pe" "$alg_extract" "$(ratio "$pe" "$alg_extract")"
printf "  %-30s nilearn %7.2f s   algia %6.2f s   ratio %5.1fx\n" "rest: correlation matrix" "$pc" "$alg_connect" "$(ratio "$pc" "$alg_connect")"
printf "  %-30s nilearn %7.2f s   algia %6.2f s   ratio %5.1fx\n" "heat: first-level GLM" "$pg" "$alg_glm" "$(ratio "$pg" "$alg_glm")"
printf "  %-30s nilearn %7.2f s   algia %6.2f s   ratio %5.1fx\n" "heat: signature scores" "$ps" "$alg_score" "$(ratio "$ps" "$alg_score")"
peer_total=$(echo "$pe $pc $pg $ps" | awk '{print $1 + $2 + $3 + $4}')
printf "  %-30s nilearn %7.2f s   algia %6.2f s   ratio %5.1fx   (algia: the whole participant level, incl. QC, GM regions)\n" \
  "end to end" "$peer_total" "$alg_total" "$(ratio "$peer_total" "$alg_total")"
echo "  load: $(uptime | sed 's/.*load average/load average/')"
