#!/usr/bin/env bash
# Benchmark: ROI means of N 2 mm maps (.nii.gz, float32: the GM probability template times noise,
# 0 outside grey matter, as modulated GM maps look) with the Schaefer 400 atlas: nilearn's
# NiftiLabelsMasker (0.10.3 from source: NILEARN=/path/to/nilearn-0.10.3; one map at a time, since
# fit_transform on a list stacks all maps in memory) against `algia roi`, plus raw decompression
# (libdeflate-gunzip, or gzip, of every map to /dev/null, one process at a time). Checks that the
# outputs agree first. Usage: bench/roi.sh [BUILD_DIR] [N_MAPS]  (default 1000)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"; N="${2:-1000}"
data="$here/../shared/data"
nilearn="${NILEARN:-/work/peers/nilearn-0.10.3}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
atlas="$data/atlases/schaefer2018/Schaefer2018_400Parcels_7Networks_order_FSLMNI152_2mm.nii.gz"
/usr/bin/python3 - "$data/atlases/templates/tpl_icbm09a_GMprob_2mm.nii.gz" "$work" "$N" <<'PY'
import sys, numpy as np, nibabel as nib
gm_path, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
gm = nib.load(gm_path)
g = np.asarray(gm.get_fdata(), dtype=np.float32) / 1000.0
rng = np.random.default_rng(0)
inside = g > 0
with open(f"{work}/maps.txt", "w") as lst:
    for i in range(n):
        d = np.zeros_like(g)
        d[inside] = g[inside] * (1 + 0.1 * rng.standard_normal(inside.sum())).astype(np.float32)
        img = nib.Nifti1Image(d, gm.affine)
        img.header.set_data_dtype(np.float32)
        name = f"sub-{i:04d}_desc-gm_map.nii.gz"
        nib.save(img, f"{work}/{name}")
        lst.write(name + "\n")
PY
unzip_cmd="gzip -dc"; command -v libdeflate-gunzip >/dev/null && unzip_cmd="libdeflate-gunzip -c"
t0=$(date +%s.%N)
(cd "$work" && xargs $unzip_cmd < maps.txt > /dev/null)
t1=$(date +%s.%N); raw=$(echo "$t0 $t1" | awk '{print $2-$1}')
t0=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$work/rss" "$build/algia" -q roi "$work/maps.txt" --atlas "$atlas" --out "$work/algia.tsv"
t1=$(date +%s.%N); alg=$(echo "$t0 $t1" | awk '{print $2-$1}')
PYTHONPATH="$nilearn" /usr/bin/python3 - "$atlas" "$work" "$work/peer.tsv" > "$work/peer_time" <<'PY'
import sys, time, warnings
import numpy as np
warnings.simplefilter("ignore")
from nilearn.maskers import NiftiLabelsMasker
atlas, work, out = sys.argv[1:]
names = [l.strip() for l in open(f"{work}/maps.txt") if l.strip()]
t = time.perf_counter()
masker = NiftiLabelsMasker(atlas, strategy="mean").fit()
rows = np.vstack([masker.transform(f"{work}/{n}") for n in names])
print(f"{time.perf_counter() - t:.3f}")
np.savetxt(out, rows, delimiter="\t", header="\t".join(str(int(l)) for l in masker.labels_ if l != 0), comments="")
PY
peer=$(cat "$work/peer_time")
/usr/bin/python3 - "$work/algia.tsv" "$work/peer.tsv" <<'PY'
import sys, numpy as np, pandas as pd
a = pd.read_csv(sys.argv[1], sep="\t").iloc[:, 2:].to_numpy(float)
b = np.loadtxt(sys.argv[2], skiprows=1)
print(f"  algia vs nilearn: {a.shape}, max relative difference {np.max(np.abs(a - b) / np.abs(b)):.2e}")
PY
echo "roi: $N maps 91x109x91 float32 .nii.gz, Schaefer 400, mean; $(nproc) cores"
printf "  %-40s %8.2f s\n" "$unzip_cmd (decompression, serial)" "$raw" "nilearn NiftiLabelsMasker.transform x $N" "$peer" "algia roi" "$alg"
awk -v a="$alg" -v p="$peer" -v r="$raw" -v m="$(cat "$work/rss")" 'BEGIN {
  printf "  nilearn / algia = %.1fx (target >= 10); algia / decompression = %.2fx (target <= 1.5)\n", p / a, a / r
  printf "  algia peak RSS = %.0f MB\n", m / 1024 }'
