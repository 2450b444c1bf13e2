# Intent: `algia stats --cluster-threshold 0.001` on the 30 Wager images (one-sample) writes the
# cluster maps and a cluster table whose peaks (mm), peak t and sizes equal nilearn's
# get_clusters_table on the same t map (fixture stats_more/clusters_g1.tsv), with FWE p in
# [1/(N+1), 1]; bad cluster options are clear errors.
needs_data
needs_nibabel
ls "$DATA"/contrast_maps/wager2008_emoreg_canlab/con_*.hdr > "$OUT/list.txt"
mkdir -p "$OUT/r"
"$ALGIA" stats "$OUT/list.txt" --mask "$FIXTURES/stats/wager_mask.nii.gz" --permutations 40 --cluster-threshold 0.001 \
  --seed 1 --out "$OUT/r"
for f in clustersize clustermass pclustersizefwe pclustermassfwe; do [ -s "$OUT/r/contrast-intercept_stat-${f}_statmap.nii.gz" ]; done
"$PYTHON" - "$OUT/r/contrast-intercept_clusters.tsv" "$FIXTURES/stats_more/clusters_g1.tsv" <<'PY'
import sys, csv
got = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
ref = [r for r in csv.DictReader(open(sys.argv[2]), delimiter="\t") if r["two_sided"] == "0"]
assert len(got) == len(ref), (len(got), len(ref))
for g, r in zip(got, ref):
    for a, b in (("peak_x", "x"), ("peak_y", "y"), ("peak_z", "z")):
        assert abs(float(g[a]) - float(r[b])) < 1e-4, (g, r)
    assert abs(float(g["peak_t"]) - float(r["peak_t"])) < 1e-4 * abs(float(r["peak_t"])), (g, r)
    assert g["size_voxels"] == r["size_voxels"] and int(float(g["size_mm3"])) == int(r["size_mm3"]), (g, r)
    for p in ("p_fwe_size", "p_fwe_mass"):
        assert 1 / 41 - 1e-9 <= float(g[p]) <= 1, g
assert float(got[0]["p_fwe_size"]) == 1 / 41, got[0]
print(len(got), "clusters agree with nilearn get_clusters_table")
PY
expect_error 2 "is not a p-value in (0, 1)" "$ALGIA" stats "$OUT/list.txt" --cluster-threshold 2 --out "$OUT/r"
expect_error 2 "needs permutations" "$ALGIA" stats "$OUT/list.txt" --cluster-threshold 0.01 --permutations 0 --out "$OUT/r"
expect_error 2 "--cluster-connectivity 7 is not 6, 18 or 26" "$ALGIA" stats "$OUT/list.txt" --cluster-threshold 0.01 --cluster-connectivity 7 --out "$OUT/r"
printf 'a\n1\n2\n3\n' > "$OUT/t.tsv"
expect_error 2 "applies to images" "$ALGIA" stats --table "$OUT/t.tsv" --cluster-threshold 0.01 --out "$OUT/r"
