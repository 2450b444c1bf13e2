# Intent: `algia stats RELMATS... --nbs 3` (one-sample, relmat TSVs as algia connect writes them)
# finds the component of the brute-force reference (tests/golden/make_stats_more.py: 13 edges, 7
# nodes; intensity 15.336), lists its edges, writes the edge t matrix equal to numpy's one-sample t
# (1e-9); with --two-sided, the positive and the negative component of the two-sided reference
# (make_stats_inference.py); bad relmats are clear errors.
needs_nibabel
"$PYTHON" - "$FIXTURES/stats_more/nbs_data.tsv" "$OUT" <<'PY'
import sys, numpy as np
y = np.loadtxt(sys.argv[1], skiprows=1)
nodes = 24
iu = np.triu_indices(nodes, 1)
names = [f"R{i:02d}" for i in range(nodes)]
for s, row in enumerate(y):
    m = np.eye(nodes)
    m[iu] = row
    m[(iu[1], iu[0])] = row
    with open(f"{sys.argv[2]}/sub-{s + 1:02d}_desc-correlation_relmat.tsv", "w") as f:
        f.write("Node\t" + "\t".join(names) + "\n")
        for i in range(nodes):
            f.write(names[i] + "\t" + "\t".join(repr(float(v)) for v in m[i]) + "\n")
PY
mkdir -p "$OUT/e" "$OUT/i"
"$ALGIA" stats "$OUT"/sub-*_relmat.tsv --nbs 3 --permutations 500 --seed 1 --out "$OUT/e"
"$ALGIA" stats "$OUT"/sub-*_relmat.tsv --nbs 3 --nbs-intensity --permutations 500 --seed 1 --out "$OUT/i"
"$PYTHON" - "$OUT" "$FIXTURES/stats_more/nbs_data.tsv" <<'PY'
import sys, csv, numpy as np
out = sys.argv[1]
ce = list(csv.DictReader(open(f"{out}/e/contrast-intercept_nbs_components.tsv"), delimiter="\t"))
ci = list(csv.DictReader(open(f"{out}/i/contrast-intercept_nbs_components.tsv"), delimiter="\t"))
assert len(ce) == 1 and ce[0]["n_edges"] == "13" and ce[0]["n_nodes"] == "7" and float(ce[0]["statistic"]) == 13, ce
assert abs(float(ci[0]["statistic"]) - 15.335981972630412) < 1e-9, ci
for c in (ce[0], ci[0]):
    assert 1 / 501 <= float(c["p_fwe"]) <= 0.05, c
edges = list(csv.DictReader(open(f"{out}/e/contrast-intercept_nbs_edges.tsv"), delimiter="\t"))
assert len(edges) == 13 and all(float(e["t"]) > 3 for e in edges), edges
y = np.loadtxt(sys.argv[2], skiprows=1)
t = y.mean(0) / (y.std(0, ddof=1) / np.sqrt(len(y)))
rows = list(csv.reader(open(f"{out}/e/contrast-intercept_stat-t_relmat.tsv"), delimiter="\t"))
T = np.array([[float(v) for v in r[1:]] for r in rows[1:]])
iu = np.triu_indices(24, 1)
assert np.abs(T[iu] - t).max() < 1e-9 * np.abs(t).max() and np.allclose(T, T.T)
print("NBS component and edge t agree with the reference")
PY
cp "$OUT/sub-01_desc-correlation_relmat.tsv" "$OUT/bad.tsv"
sed -i '3s/\t[^\t]*$/\tn\/a/' "$OUT/bad.tsv"
expect_error 3 "bad.tsv: edge R01 - R23 is 'n/a', not a finite number" "$ALGIA" stats "$OUT/sub-02_desc-correlation_relmat.tsv" "$OUT/bad.tsv" --nbs 3 --permutations 10 --out "$OUT/e"
sed '1s/R05/X05/' "$OUT/sub-01_desc-correlation_relmat.tsv" > "$OUT/other.tsv"
expect_error 3 "row 6 is 'R05' but column 6 is 'X05'" "$ALGIA" stats "$OUT/sub-02_desc-correlation_relmat.tsv" "$OUT/other.tsv" --nbs 3 --permutations 10 --out "$OUT/e"
expect_error 2 "--nbs needs permutations" "$ALGIA" stats "$OUT"/sub-*_relmat.tsv --nbs 3 --permutations 0 --out "$OUT/e"
# Two-sided: the data of nbs2_data.tsv (a positive network among nodes 0-5, a negative one among
# 12-17): both components found, signed, as the brute-force reference nbs2_components.tsv.
rm -f "$OUT"/sub-*_relmat.tsv
"$PYTHON" - "$FIXTURES/stats_more/nbs2_data.tsv" "$OUT" <<'PY'
import sys, numpy as np
y = np.loadtxt(sys.argv[1], skiprows=1)
nodes = 24
iu = np.triu_indices(nodes, 1)
names = [f"R{i:02d}" for i in range(nodes)]
for s, row in enumerate(y):
    m = np.eye(nodes)
    m[iu] = row
    m[(iu[1], iu[0])] = row
    with open(f"{sys.argv[2]}/sub-{s + 1:02d}_desc-correlation_relmat.tsv", "w") as f:
        f.write("Node\t" + "\t".join(names) + "\n")
        for i in range(nodes):
            f.write(names[i] + "\t" + "\t".join(repr(float(v)) for v in m[i]) + "\n")
PY
mkdir -p "$OUT/two"
"$ALGIA" stats "$OUT"/sub-*_relmat.tsv --nbs 3 --two-sided --permutations 500 --seed 1 --out "$OUT/two"
"$PYTHON" - "$OUT/two" "$FIXTURES/stats_more/nbs2_components.tsv" <<'PY'
import sys, csv
got = list(csv.DictReader(open(f"{sys.argv[1]}/contrast-intercept_nbs_components.tsv"), delimiter="\t"))
ref = list(csv.DictReader(open(sys.argv[2]), delimiter="\t"))
assert [(g["sign"], g["n_edges"], g["n_nodes"]) for g in got] == \
    [("+" if r["sign"] == "1" else "-", r["n_edges"], r["n_nodes"]) for r in ref], (got, ref)
assert all(float(g["p_fwe"]) <= 0.05 for g in got[:2]), got
edges = list(csv.DictReader(open(f"{sys.argv[1]}/contrast-intercept_nbs_edges.tsv"), delimiter="\t"))
assert sorted({e["component"] for e in edges}) == ["1", "2"] and all(abs(float(e["t"])) > 3 for e in edges), edges
print("two-sided NBS components agree with the reference")
PY
expect_error 2 "needs a positive t threshold" "$ALGIA" stats "$OUT"/sub-*_relmat.tsv --nbs -1 --two-sided --permutations 10 --out "$OUT/e"
