#!/usr/bin/env bash
# Benchmark: group permutation inference on 30 synthetic 2 mm maps (91x109x91, MNI ICBM 2009a brain
# mask, ~230k voxels; bench/make_contrasts.py), one-sample t with sign flips: nilearn 0.10.3
# non_parametric_inference (n_jobs=1, from source, NILEARN=...) with 1,000 permutations, and with
# TFCE on TFCE_PERM permutations (default 20, scaled linearly to 1,000: nilearn's TFCE costs the
# same for every permutation) against `algia stats` (all cores, TFCE 6-connectivity as nilearn).
# Then algia alone: 10,000 permutations (with TFCE too when TFCE10K=1: long), and how time grows
# with participants (30 -> 60), voxels (whole mask -> half) and permutations (1,000 -> 10,000).
# Usage: [TFCE10K=1] bench/stats.sh [BUILD_DIR] [TFCE_PERM=20]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"; TP="${2:-20}"
nilearn="${NILEARN:-/work/peers/nilearn-0.10.3}"
data="$here/../shared/data"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/bench/make_contrasts.py" "$work/con" 60 "$data" > "$work/list60.txt"
head -n 30 "$work/list60.txt" > "$work/list30.txt"
/usr/bin/python3 - "$work" "$data" <<'PY'
import sys, numpy as np, nibabel as nib
work, data = sys.argv[1], sys.argv[2]
img = nib.load(f"{data}/atlases/templates/tpl_icbm09a_brainmask_2mm.nii.gz")
m = (img.get_fdata() > 0).astype(np.uint8)
nib.save(nib.Nifti1Image(m, img.affine), f"{work}/mask.nii.gz")
h = m.copy(); h[:, :, 45:] = 0  # the inferior half of the brain
nib.save(nib.Nifti1Image(h, img.affine), f"{work}/half.nii.gz")
print(int(m.sum()), int(h.sum()), file=open(f"{work}/nvox", "w"))
PY
read -r nvox nhalf < "$work/nvox"
timeit() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'; }
run() { local out="$work/o$RANDOM$RANDOM"; mkdir -p "$out"; timeit "$build/algia" -q stats "$@" --seed 1 --out "$out"; }
a1=$(run "$work/list30.txt" --mask "$work/mask.nii.gz" --permutations 1000)
a1t=$(run "$work/list30.txt" --mask "$work/mask.nii.gz" --permutations 1000 --tfce --tfce-connectivity 6)
a10=$(run "$work/list30.txt" --mask "$work/mask.nii.gz" --permutations 10000)
a10t=n/a
if [ "${TFCE10K:-0}" = 1 ]; then a10t=$(run "$work/list30.txt" --mask "$work/mask.nii.gz" --permutations 10000 --tfce --tfce-connectivity 6); fi
a60=$(run "$work/list60.txt" --mask "$work/mask.nii.gz" --permutations 1000)
ah=$(run "$work/list30.txt" --mask "$work/half.nii.gz" --permutations 1000)
mkdir -p "$work/tmap"
"$build/algia" -q stats "$work/list30.txt" --mask "$work/mask.nii.gz" --permutations 0 --out "$work/tmap"
PYTHONPATH="$nilearn" /usr/bin/python3 "$here/bench/stats_peer.py" "$work" 1000 "$TP" "$work/tmap/contrast-intercept_stat-t_statmap.nii.gz" > "$work/peer"
np1=$(awk '$1 == "plain" {print $2}' "$work/peer"); npt=$(awk '$1 == "tfce" {print $2}' "$work/peer"); dt=$(awk '$1 == "dt" {print $2}' "$work/peer")
npt1000=$(echo "$npt $TP" | awk '{printf "%.1f", $1 * 1000 / $2}')
echo "group permutation inference, 30 maps x $nvox voxels (2 mm MNI brain), one-sample sign flips, $(nproc) cores"
printf "  1,000 permutations:        nilearn %7.2f s   algia %6.2f s   ratio %6.1fx (target >= 20)   t maps: max rel diff %s\n" "$np1" "$a1" "$(echo "$np1 $a1" | awk '{print $1/$2}')" "$dt"
printf "  1,000 permutations + TFCE: nilearn %7.1f s (%.1f s for %d, x%d, extrapolated)   algia %6.2f s   ratio %6.1fx (target >= 20)\n" "$npt1000" "$npt" "$TP" "$((1000 / TP))" "$a1t" "$(echo "$npt1000 $a1t" | awk '{print $1/$2}')"
printf "  10,000 permutations: algia %.2f s; with TFCE %s s (TFCE10K=1 to run it)\n" "$a10" "$a10t"
printf "  growth: permutations x10 -> time x%.2f; participants 30 -> 60 -> x%.2f; voxels %d -> %d (x%.2f) -> x%.2f\n" \
  "$(echo "$a10 $a1" | awk '{print $1/$2}')" "$(echo "$a60 $a1" | awk '{print $1/$2}')" \
  "$nvox" "$nhalf" "$(echo "$nhalf $nvox" | awk '{print $1/$2}')" "$(echo "$ah $a1" | awk '{print $1/$2}')"
