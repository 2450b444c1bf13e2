# Intent: voxelwise mediation on the 30 real Wager 2008 images (X = X_RVLPFC, Y = reappraisal
# success, M = the contrast images) writes path maps equal to per-voxel OLS in numpy (1e-6), SE and
# p maps, bootstrap p/CI maps with adaptive resample counts; identical on 1 and 2 threads.
needs_data
needs_nibabel
D="$DATA/contrast_maps/wager2008_emoreg_canlab"
ls "$D"/con_*.img > "$OUT/list.txt"
cp "$D/Wager_2008_emotionreg_behavioral_data.txt" "$OUT/beh.tsv"
mkdir -p "$OUT/r1" "$OUT/r2"
"$ALGIA" --nprocs 1 mediate --table "$OUT/beh.tsv" --x X_RVLPFC --y Y_Reappraisal_Success --m-images "$OUT/list.txt" \
  --mask "$FIXTURES/stats/wager_mask.nii.gz" --boot 400 --initial-boot 100 --adapt-below 0.1 --seed 2 --out "$OUT/r1"
"$ALGIA" --nprocs 2 mediate --table "$OUT/beh.tsv" --x X_RVLPFC --y Y_Reappraisal_Success --m-images "$OUT/list.txt" \
  --mask "$FIXTURES/stats/wager_mask.nii.gz" --boot 400 --initial-boot 100 --adapt-below 0.1 --seed 2 --out "$OUT/r2"
for f in "$OUT"/r1/*.nii.gz; do cmp "$f" "$OUT/r2/$(basename "$f")"; done
"$PYTHON" - "$OUT" "$D" "$FIXTURES/stats/wager_mask.nii.gz" <<'PY'
import sys, glob, numpy as np, nibabel as nib
out, d, maskp = sys.argv[1:4]
imgs = sorted(glob.glob(f"{d}/con_*.img"))
Mv = np.stack([np.asarray(nib.load(p).dataobj, dtype=np.float64).reshape(nib.load(p).shape[:3]) for p in imgs])
beh = np.loadtxt(f"{d}/Wager_2008_emotionreg_behavioral_data.txt", skiprows=1)
x, y = beh[:, 0], beh[:, 1]
mask = (np.asarray(nib.load(maskp).dataobj).reshape(Mv.shape[1:]) != 0) & np.all(np.isfinite(Mv), axis=0)
M = Mv[:, mask]
X1 = np.column_stack([np.ones(30), x])
a = np.linalg.lstsq(X1, M, rcond=None)[0][1]
# b and c' for every voxel at once: residualize y and M on [1, x], then b = <rM, ry> / <rM, rM>.
H = X1 @ np.linalg.pinv(X1)
rM, ry = M - H @ M, y - H @ y
b = (rM * ry[:, None]).sum(0) / (rM * rM).sum(0)
cp = np.linalg.lstsq(X1, y, rcond=None)[0][1] - a * b
for j in range(0, M.shape[1], 997):   # spot checks with a plain least-squares fit
    co = np.linalg.lstsq(np.column_stack([np.ones(30), M[:, j], x]), y, rcond=None)[0]
    assert abs(co[1] - b[j]) < 1e-9 * max(1, abs(co[1])) and abs(co[2] - cp[j]) < 1e-9 * max(1, abs(co[2]))
def load(name): return np.asarray(nib.load(f"{out}/r1/mediation_path-{name}.nii.gz").dataobj, dtype=np.float64).reshape(mask.shape)[mask]
for name, ref in (("a_stat-effect", a), ("b_stat-effect", b), ("cprime_stat-effect", cp), ("ab_stat-effect", a * b)):
    got = load(name)
    err = np.max(np.abs(got - ref) / np.maximum(1, np.abs(ref)))
    assert err < 1e-5, (name, err)   # float32 maps: 1e-6 relative plus float32 rounding
n = load("ab_stat-resamples")
assert set(np.unique(n)) <= {100, 400} and (n == 400).any() and (n == 100).any(), np.unique(n)
p = load("ab_stat-pboot")
assert p.min() > 0 and p.max() <= 1
assert np.all(load("ab_stat-cilow") <= load("ab_stat-cihigh"))
print("voxelwise paths equal per-voxel OLS; adaptive resamples", np.bincount(n.astype(int))[[100, 400]])
PY
expect_error 2 "exactly one of --x-images" "$ALGIA" mediate --table "$OUT/beh.tsv" --x X_RVLPFC --y Y_Reappraisal_Success \
  --m-images "$OUT/list.txt" --y-images "$OUT/list.txt" --out "$OUT/r1"
