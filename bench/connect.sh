#!/usr/bin/env bash
# Benchmark: connectivity for P participants x R regions (200 volumes), all five kinds, algia
# against nilearn's ConnectivityMeasure (0.10.3 from source, NILEARN=...), on equal work twice:
#   in memory  the same numpy arrays to the same matrices in one Python process: nilearn's
#              ConnectivityMeasure(kind).fit_transform(X) against algia's drop-in
#              algia.ConnectivityMeasure(kind).fit_transform(X) (the Python module);
#   files      region time-series TSVs in, one relmat TSV per participant plus the group mean out:
#              nilearn with pandas read_csv / to_csv around it against `algia connect`.
# Both results are compared with nilearn's before anything is timed.
# Usage: bench/connect.sh [BUILD_DIR] [P=30] [R=400]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"; P="${2:-30}"; R="${3:-400}"
nilearn="${NILEARN:-/work/peers/nilearn-0.10.3}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ts" "$work/out" "$work/peer_out"
/usr/bin/python3 - "$work/ts" "$P" "$R" <<'PY'
import sys, numpy as np
d, P, R = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(11)
mix = rng.standard_normal((20, R))
for p in range(P):
    x = rng.standard_normal((200, 20)) @ mix + 2 * rng.standard_normal((200, R))
    np.savetxt(f"{d}/sub-{p:02d}_timeseries.tsv", x, delimiter="\t", header="\t".join(f"r{i:03d}" for i in range(R)), comments="")
PY
kinds=(covariance correlation partial precision tangent)
for k in "${kinds[@]}"; do
  t0=$(date +%s.%N); "$build/algia" -q connect "$work"/ts/*.tsv --kind "$k" --out-dir "$work/out"; t1=$(date +%s.%N)
  echo "$k $(echo "$t0 $t1" | awk '{print $2-$1}')" >> "$work/cli_times"
done
PYTHONPATH="$nilearn:$(dirname "$(ls "$build"/_algia*.so)"):$here/python" /usr/bin/python3 - "$work" "$P" <<'PY' > "$work/times"
import sys, os, time, glob, warnings, numpy as np, pandas as pd
warnings.simplefilter("ignore")
from nilearn.connectome import ConnectivityMeasure
import algia
work, P = sys.argv[1], int(sys.argv[2])
files = sorted(glob.glob(f"{work}/ts/*.tsv"))
for kind in ("covariance", "correlation", "partial correlation", "precision", "tangent"):
    tag = {"partial correlation": "partialcorrelation"}.get(kind, kind)
    # nilearn, files to files: pandas in, ConnectivityMeasure, pandas out (as algia writes them)
    t = time.perf_counter()
    frames = [pd.read_csv(f, sep="\t") for f in files]
    X = [f.to_numpy(dtype=float) for f in frames]
    t_read = time.perf_counter() - t
    cm = ConnectivityMeasure(kind=kind)
    t = time.perf_counter()
    mats = cm.fit_transform(X)
    t_peer = time.perf_counter() - t
    names = list(frames[0].columns)
    t = time.perf_counter()
    for f, m in zip(files, mats):
        out = os.path.basename(f).replace("_timeseries.tsv", f"_desc-{tag}_relmat.tsv")
        pd.DataFrame(m, index=names, columns=names).to_csv(f"{work}/peer_out/{out}", sep="\t", index_label="Node")
    mean = cm.mean_ if kind == "tangent" else mats.mean(axis=0)
    pd.DataFrame(mean, index=names, columns=names).to_csv(f"{work}/peer_out/group_desc-{tag}_relmat.tsv", sep="\t", index_label="Node")
    t_write = time.perf_counter() - t
    # algia, in memory: the same arrays through the Python module's drop-in estimator
    t = time.perf_counter()
    ours = algia.ConnectivityMeasure(kind=kind).fit_transform(X)
    t_alg = time.perf_counter() - t
    scale = np.abs(mats).max()
    worst_mem = np.abs(ours - mats).max() / scale
    worst_cli = 0.0
    for f, m in zip(files, mats):
        a = np.loadtxt(f"{work}/out/" + os.path.basename(f).replace("_timeseries.tsv", f"_desc-{tag}_relmat.tsv"), skiprows=1, usecols=range(1, m.shape[0] + 1))
        worst_cli = max(worst_cli, np.abs(a - m).max() / scale)
    print(kind.replace(" ", ""), t_peer, t_alg, t_read + t_peer + t_write, worst_mem, worst_cli)
PY
echo "connectivity, $P participants x $R regions x 200 volumes, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf "  %-18s %24s   %28s   %s\n" "" "in memory (Python)" "files (TSV in, relmat TSVs out)" "max rel diff (mem / files)"
printf "  %-18s %8s %7s %7s   %9s %8s %7s\n" kind nilearn algia ratio nilearn+pd algia ratio
tp=0; ta=0; fp=0; fa=0
while read -r k peer alg peer_files dm dc; do
  cli=$(grep "^${k/partialcorrelation/partial} " "$work/cli_times" | cut -d' ' -f2)
  printf "  %-18s %7.2fs %6.2fs %6.1fx   %8.2fs %7.2fs %6.1fx   %.1e / %.1e\n" "$k" "$peer" "$alg" "$(echo "$peer $alg" | awk '{print $1/$2}')" \
    "$peer_files" "$cli" "$(echo "$peer_files $cli" | awk '{print $1/$2}')" "$dm" "$dc"
  read -r tp ta fp fa < <(echo "$tp $ta $fp $fa $peer $alg $peer_files $cli" | awk '{print $1+$5, $2+$6, $3+$7, $4+$8}')
done < "$work/times"
awk -v tp="$tp" -v ta="$ta" -v fp="$fp" -v fa="$fa" 'BEGIN {
  printf "  all kinds: in memory nilearn %.1f s, algia %.2f s: %.1fx (target >= 20); files nilearn+pandas %.1f s, algia %.2f s: %.1fx\n", tp, ta, tp / ta, fp, fa, fp / fa }'
