# Intent: `algia stats IMAGES --f-contrast NAME="EXPR; EXPR" --cluster-threshold P` on simulated
# images (tests/fixtures/stats_more/fclust_*, three arms + age, 9x8x7 grid with mask holes) writes
# the F cluster maps and a cluster table whose clusters (size, peak F, mass, threshold) equal the
# brute-force reference (make_stats_inference.py: scipy.ndimage.label on the F map, F.isf(P, 2, 14))
# and scipy's labels of the F map algia wrote; FWE p within [1/(N+1), 1]; --two-sided is said not to
# apply to F; same seed, same table on 1 and 2 threads.
needs_nibabel
"$PYTHON" - "$FIXTURES/stats_more" "$OUT" <<'PY'
import sys, numpy as np, nibabel as nib
fx, out = sys.argv[1], sys.argv[2]
rows = [l.rstrip("\n").split("\t") for l in open(f"{fx}/fclust_data.tsv")]
vox = np.array([int(r[0]) for r in rows[1:]])
y = np.array([[float(v) for v in r[1:]] for r in rows[1:]])  # voxels x participants
dims = (9, 8, 7)
aff = np.diag([2.0, 2.0, 2.0, 1.0]); aff[:3, 3] = [-8, -7, -6]
mask = np.zeros(int(np.prod(dims)), np.uint8); mask[vox] = 1
nib.save(nib.Nifti1Image(mask.reshape(dims, order="F"), aff), f"{out}/mask.nii.gz")
design = [l.rstrip("\n").split("\t") for l in open(f"{fx}/fclust_design.tsv")]
with open(f"{out}/participants.tsv", "w") as f:
    f.write("participant_id\tarm\tage\n")
    for s, (arm, age) in enumerate(design[1:]):
        img = np.zeros(int(np.prod(dims)), np.float32)
        img[vox] = y[:, s]
        nib.save(nib.Nifti1Image(img.reshape(dims, order="F"), aff), f"{out}/sub-{s:02d}_con.nii.gz")
        f.write(f"sub-{s:02d}\t{arm}\t{age}\n")
PY
mkdir -p "$OUT/a" "$OUT/b"
"$ALGIA" --nprocs 1 stats "$OUT"/sub-*_con.nii.gz --design "$OUT/participants.tsv" --formula '~ arm + age' \
  --f-contrast 'arm=arm[T.b]; arm[T.c]' --mask "$OUT/mask.nii.gz" --permutations 199 --cluster-threshold 0.01 --two-sided \
  --seed 4 --out "$OUT/a" 2> "$OUT/a/err.txt"
grep -F -- "--two-sided does not apply to F contrasts" "$OUT/a/err.txt"
"$ALGIA" --nprocs 2 stats "$OUT"/sub-*_con.nii.gz --design "$OUT/participants.tsv" --formula '~ arm + age' \
  --f-contrast 'arm=arm[T.b]; arm[T.c]' --mask "$OUT/mask.nii.gz" --permutations 199 --cluster-threshold 0.01 \
  --seed 4 --out "$OUT/b"
cmp "$OUT/a/contrast-arm_clusters.tsv" "$OUT/b/contrast-arm_clusters.tsv"
for f in clustersize clustermass pclustersizefwe pclustermassfwe; do [ -s "$OUT/a/contrast-arm_stat-${f}_statmap.nii.gz" ]; done
"$PYTHON" - "$OUT" "$FIXTURES/stats_more/fclust_observed.tsv" <<'PY'
import sys, csv, numpy as np, nibabel as nib
from scipy import ndimage
out = sys.argv[1]
got = list(csv.DictReader(open(f"{out}/a/contrast-arm_clusters.tsv"), delimiter="\t"))
ref = [r for r in csv.DictReader(open(sys.argv[2]), delimiter="\t") if r["connectivity"] == "6"]
assert len(got) == len(ref), (got, ref)
for g, r in zip(got, ref):
    assert g["sign"] == "+" and g["size_voxels"] == r["size"], (g, r)
    assert abs(float(g["peak_F"]) - float(r["peak_F"])) < 1e-5 * float(r["peak_F"]), (g, r)  # images are float32
    assert abs(float(g["mass"]) - float(r["mass"])) < 1e-5 * float(r["mass"]) + 1e-5, (g, r)
    assert abs(float(g["threshold_F"]) - float(r["threshold_F"])) < 1e-9, (g, r)
    for p in ("p_fwe_size", "p_fwe_mass"):
        assert 1 / 200 - 1e-12 <= float(g[p]) <= 1, g
assert float(got[0]["p_fwe_mass"]) <= 0.05, got[0]
# scipy's labels of the F map algia wrote, 6-connectivity, inside the mask
F = nib.load(f"{out}/a/contrast-arm_stat-F_statmap.nii.gz").get_fdata()
mask = nib.load(f"{out}/mask.nii.gz").get_fdata() > 0
thr = float(got[0]["threshold_F"])
lab, n = ndimage.label((F > thr) & mask, ndimage.generate_binary_structure(3, 1))
sizes = sorted(int((lab == k).sum()) for k in range(1, n + 1))
assert sizes == sorted(int(g["size_voxels"]) for g in got), (sizes, got)
size_map = nib.load(f"{out}/a/contrast-arm_stat-clustersize_statmap.nii.gz").get_fdata()
for k in range(1, n + 1):
    assert np.all(size_map[lab == k] == (lab == k).sum())
assert np.all(size_map[lab == 0] == 0)
print(len(got), "F clusters agree with the scipy reference")
PY
printf 'a\n1\n2\n3\n' > "$OUT/t.tsv"
expect_error 2 "applies to images" "$ALGIA" stats --table "$OUT/t.tsv" --f-contrast 'f=a' --cluster-threshold 0.01 --out "$OUT/a"
