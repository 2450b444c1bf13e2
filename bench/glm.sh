#!/usr/bin/env bash
# Benchmark: first-level GLM of one 91x109x91x200 run (.nii.gz, TR 2 s), 2 conditions (40 trials) +
# 12 motion confounds, nilearn 0.10.3 FirstLevelModel (from source, NILEARN=...) against `algia glm`,
# AR(1) and OLS, plus algia's LSS single-trial betas for the 40 trials and the time to just
# decompress the file. The z maps are compared. Usage: bench/glm.sh [BUILD_DIR] [T=200]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"; T="${2:-200}"
nilearn="${NILEARN:-/work/peers/nilearn-0.10.3}"
data="$here/../shared/data"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/bench/make_bold.py" "$work/bold.nii.gz" "$T" "$data" >/dev/null
/usr/bin/python3 "$here/bench/make_confounds.py" "$work/confounds.tsv" "$T"
/usr/bin/python3 - "$work" "$T" <<'PY'
import sys, numpy as np, nibabel as nib
work, T = sys.argv[1], int(sys.argv[2])
img = nib.load(f"{work}/bold.nii.gz")
mask = (np.asarray(img.dataobj[..., 0]) > 0).astype(np.uint8)
nib.save(nib.Nifti1Image(mask, img.affine), f"{work}/mask.nii.gz")
rng = np.random.default_rng(5)
on = np.sort(rng.choice(np.arange(10, 2.0 * T - 20, 9.0), 40, replace=False))
with open(f"{work}/events.tsv", "w") as f:
    f.write("onset\tduration\ttrial_type\n")
    for i, o in enumerate(on):
        f.write(f"{o}\t2.0\t{'heat_high' if i % 2 else 'heat_low'}\n")
PY
timeit() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'; }
mkdir -p "$work/out_ar1" "$work/out_ols" "$work/out_lss"
common=(glm "$work/bold.nii.gz" --events "$work/events.tsv" --confounds "$work/confounds.tsv" --strategy 12p --mask "$work/mask.nii.gz" --prefix bench)
t_dec=$(timeit libdeflate-gunzip -c "$work/bold.nii.gz")
t_ar1=$(timeit "$build/algia" -q "${common[@]}" --noise ar1 --contrast hot=heat_high-heat_low --out "$work/out_ar1")
t_ols=$(timeit "$build/algia" -q "${common[@]}" --noise ols --contrast hot=heat_high-heat_low --out "$work/out_ols")
t_lss=$(timeit "$build/algia" -q "${common[@]}" --noise ar1 --single-trial lss --out "$work/out_lss")
PYTHONPATH="$nilearn" /usr/bin/python3 "$here/bench/glm_peer.py" "$work" > "$work/peer"
read -r _ p_ar1 dz_ar1 bad_ar1 < <(grep '^ar1' "$work/peer")
read -r _ p_ols dz_ols bad_ols < <(grep '^ols' "$work/peer")
echo "first-level GLM, 91x109x91x$T .nii.gz, 2 conditions + 12 confounds, $(nproc) cores"
printf "  AR(1): nilearn %6.2f s   algia %6.2f s   ratio %5.1fx (target >= 10)   max |dz| %s, share > 1e-3: %s\n" "$p_ar1" "$t_ar1" "$(echo "$p_ar1 $t_ar1" | awk '{print $1/$2}')" "$dz_ar1" "$bad_ar1"
printf "  OLS:   nilearn %6.2f s   algia %6.2f s   ratio %5.1fx (target >= 10)   max |dz| %s\n" "$p_ols" "$t_ols" "$(echo "$p_ols $t_ols" | awk '{print $1/$2}')" "$dz_ols"
printf "  libdeflate-gunzip alone %.2f s: algia OLS / decompression = %.2f (target <= 2)\n" "$t_dec" "$(echo "$t_ols $t_dec" | awk '{print $1/$2}')"
printf "  LSS, 40 trials, AR(1): algia %.2f s = %.1fx one AR(1) fit (target <= 5)\n" "$t_lss" "$(echo "$t_lss $t_ar1" | awk '{print $1/$2}')"
