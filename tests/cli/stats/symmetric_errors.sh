# Intent: `algia stats --table T --formula '~ x + z' --symmetric-errors` sign-flips the residuals of
# the nuisance model (Freedman-Lane with independent symmetric errors, nilearn's scheme for designs
# with an intercept column); with 7 rows all 2^7 - 1 flips are enumerated and p_perm equals a numpy
# brute force over every flip pattern (1e-12); without the flag the scheme is the default
# Freedman-Lane permutation (7! - 1 = 5039 rearrangements > 2000: random, not exhaustive).
printf 'x\tz\ty\n0.3\t1.2\t2.1\n-1.1\t0.4\t0.3\n0.8\t-0.5\t1.9\n1.5\t0.9\t3.2\n-0.4\t-1.3\t-0.2\n0.1\t0.2\t1.0\n-0.9\t1.1\t0.6\n' > "$OUT/t.tsv"
mkdir -p "$OUT/s" "$OUT/p"
"$ALGIA" stats --table "$OUT/t.tsv" --formula '~ x + z' --contrast x --columns y --symmetric-errors --permutations 1000 --out "$OUT/s"
"$ALGIA" stats --table "$OUT/t.tsv" --formula '~ x + z' --contrast x --columns y --permutations 2000 --out "$OUT/p"
"$PYTHON" - "$OUT/t.tsv" "$OUT/s/stats.tsv" "$OUT/p/stats.tsv" <<'PY'
import sys, csv, itertools, numpy as np
d = np.loadtxt(sys.argv[1], skiprows=1)
x, z, y = d[:, 0], d[:, 1], d[:, 2]
X = np.column_stack([np.ones(7), x, z]); Z = X[:, [0, 2]]
def t(v):
    b, *_ = np.linalg.lstsq(X, v, rcond=None)
    r = v - X @ b
    return b[1] / np.sqrt(r @ r / 4 * np.linalg.inv(X.T @ X)[1, 1])
fitted = Z @ np.linalg.lstsq(Z, y, rcond=None)[0]
res = y - fitted
t0 = t(y)
ts = [t(fitted + np.array(s) * res) for s in itertools.product([1, -1], repeat=7)]
p = np.mean([v >= t0 - 1e-12 for v in ts])
row = next(csv.DictReader(open(sys.argv[2]), delimiter="\t"))
assert row["permutations"] == "127" and row["exhaustive"] == "yes", row
assert abs(float(row["p_perm"]) - p) < 1e-12, (row, p)
assert abs(float(row["t"]) - t0) < 1e-9 * abs(t0), (row, t0)
perm = next(csv.DictReader(open(sys.argv[3]), delimiter="\t"))
assert perm["permutations"] == "2000" and perm["exhaustive"] == "no", perm
print("symmetric-errors exact p", p, "t", t0)
PY
