#!/usr/bin/env bash
# How the BIDS App's cost grows with the number of participants: simulates the demo study with N
# participants (default 8 16 64), runs the participant level (all participants, --nprocs THREADS) and
# the group level, and prints wall seconds: participant level per participant, and the group level.
#   workflows/measure_scaling.sh [ALGIA] [THREADS] [N...]
set -euo pipefail
algia="${1:-build/algia}"; threads="${2:-2}"; shift 2 2>/dev/null || shift $#
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(8 16 64)
work="$(mktemp -d "${TMPDIR:-/tmp}/algia-scaling.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$algia" -q demo --out "$work/demo" --participants 6 >/dev/null 2>&1   # for its study.toml
printf "participants\tparticipant_level_s\ts_per_participant\tgroup_level_s\n"
for n in "${sizes[@]}"; do
  d="$work/n$n"; mkdir -p "$d"
  "$algia" -q simulate --design demo --participants "$n" --out "$d/fmriprep" --seed 1 >/dev/null
  cp "$work/demo/study.toml" "$d/study.toml"
  t0=$(date +%s.%N)
  "$algia" -q --nprocs "$threads" "$d/fmriprep" "$d/out" participant --config "$d/study.toml" --no-report >/dev/null
  t1=$(date +%s.%N)
  "$algia" -q --nprocs "$threads" "$d/fmriprep" "$d/out" group --config "$d/study.toml" --no-report >/dev/null
  t2=$(date +%s.%N)
  awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "%d\t%.2f\t%.3f\t%.2f\n", n, b - a, (b - a) / n, c - b }'
  rm -rf "$d"
done
