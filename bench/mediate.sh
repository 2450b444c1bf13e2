#!/usr/bin/env bash
# Benchmark: voxelwise mediation on the 30 real Wager 2008 images (X = X_RVLPFC, Y = reappraisal
# success, M = the contrast images, every voxel of the box that is valid in all images: 75,919),
# B bootstrap resamples for every voxel with percentile p-values, against a vectorized numpy
# implementation of the same bootstrap (bench/mediate_peer.py: one resample at a time, all voxels
# at once). The p maps are compared first (they differ only through the resamples drawn, so by
# Monte-Carlo error). Then algia's default adaptive run (10,000 resamples where p < 0.05, BCa) and
# the table mediation (n = 150, 10,000 resamples) are timed.
# Usage: bench/mediate.sh [BUILD_DIR] [B=1000]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"; B="${2:-1000}"
data="$here/../shared/data/contrast_maps/wager2008_emoreg_canlab"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
ls "$data"/con_*.img > "$work/list.txt"
cp "$data/Wager_2008_emotionreg_behavioral_data.txt" "$work/beh.tsv"
mkdir -p "$work/fixed" "$work/adaptive"
t0=$(date +%s.%N)
"$build/algia" -q mediate --table "$work/beh.tsv" --x X_RVLPFC --y Y_Reappraisal_Success --m-images "$work/list.txt" \
  --boot "$B" --initial-boot "$B" --ci percentile --seed 1 --out "$work/fixed"
t1=$(date +%s.%N)
"$build/algia" -q mediate --table "$work/beh.tsv" --x X_RVLPFC --y Y_Reappraisal_Success --m-images "$work/list.txt" \
  --boot 10000 --ci bca --seed 1 --out "$work/adaptive"
t2=$(date +%s.%N)
"$build/algia" -q mediate --table "$here/tests/fixtures/mediation/parallel.tsv" --x x --m m1 --m m2 --y y --covariate age \
  --boot 10000 --ci bca --out "$work/table.tsv"
t3=$(date +%s.%N)
peer=$(/usr/bin/python3 "$here/bench/mediate_peer.py" "$work" "$B")
echo "$t0 $t1 $t2 $t3 $peer $B" | awk '{
  alg = $2 - $1; peer = $5;
  printf "voxelwise, %d resamples x all voxels, percentile: algia %.2f s, numpy %.2f s, ratio %.1fx\n", $7, alg, peer, peer / alg;
  printf "  p maps: mean |p_algia - p_numpy| = %s (Monte-Carlo error only)\n", $6;
  printf "voxelwise, adaptive 1,000 -> 10,000 resamples where p < 0.05, BCa: algia %.2f s\n", $3 - $2;
  printf "table mediation, n = 150, two mediators, 10,000 resamples, BCa: algia %.2f s\n", $4 - $3 }'
