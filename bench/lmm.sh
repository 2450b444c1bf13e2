#!/usr/bin/env bash
# Benchmark: a linear mixed model with P participants x 6 visits, random intercept and slope
# ('pain ~ arm * visit + age + (1 + time | id)', REML, Satterthwaite t and Type III F), `algia trial
# lmm` against R lme4 + lmerTest (bench/lmm_peer.R, same work); outputs are compared first.
# lme4 runs with its default control (nloptwrap): its optimum is looser than algia's, which is what
# the reported differences show (the unit tests compare with lme4 at tight tolerances).
# Usage: bench/lmm.sh [BUILD_DIR] [P=5000]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"; P="${2:-5000}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - "$work/long.tsv" "$P" <<'PY'
import sys, numpy as np
path, P = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(5)
with open(path, "w") as f:
    f.write("id\tarm\tvisit\ttime\tage\tpain\n")
    for i in range(P):
        arm = "treatment" if i % 2 else "control"
        age = round(rng.normal(45, 12))
        b0, b1 = rng.normal(0, 1.2), rng.normal(0, 0.25)
        for t in range(6):
            y = 6 + 0.02 * (age - 45) + b0 + (b1 - 0.1) * t - (0.35 * t if arm == "treatment" else 0) + rng.normal(0, 0.8)
            f.write(f"p{i:05d}\t{arm}\tv{t + 1}\t{t}\t{age}\t{y:.4f}\n")
PY
t0=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$work/cpu" "$build/algia" -q trial lmm --table "$work/long.tsv" --formula 'pain ~ arm * visit + age + (1 + time | id)' --out "$work/alg" >/dev/null
t1=$(date +%s.%N)
alg=$(echo "$t0 $t1" | awk '{print $2 - $1}')
alg_cpu=$(awk '{print $1 + $2}' "$work/cpu")
read -r peer peer_cpu dbeta dse ddf dden < <(Rscript "$here/bench/lmm_peer.R" "$work/long.tsv" "$work/alg")
echo "linear mixed model, $P participants x 6 visits, random intercept + slope, REML, $(nproc) cores"
printf "  lme4+lmerTest %.2f s (fit, summary, anova; R's reading excluded)   algia %.2f s (incl. reading/writing TSVs)   ratio %.1fx (target >= 5)\n" "$peer" "$alg" "$(echo "$peer $alg" | awk '{print $1/$2}')"
printf "  CPU time (user + sys): lme4+lmerTest %.2f s, algia %.2f s, ratio %.1fx\n" "$peer_cpu" "$alg_cpu" "$(echo "$peer_cpu $alg_cpu" | awk '{print $1/$2}')"
echo "  max relative difference: estimates $dbeta, se $dse, Satterthwaite df $ddf, anova DenDF $dden"
