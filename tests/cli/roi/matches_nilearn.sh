# Intent: `algia roi` on the real GM probability template x Schaefer 100 (names from the CBIG labels
# file) gives nilearn 0.10.3's NiftiLabelsMasker means and medians and numpy's volumes to 1e-6
# relative; Analyze maps on another grid get the atlas resampled onto them, as nilearn does, and the
# sidecar says so and lists the voxel count of every region.
needs_data
needs_nibabel
atlas="$DATA/atlases/schaefer2018/Schaefer2018_100Parcels_7Networks_order_FSLMNI152_2mm.nii.gz"
labels="$DATA/atlases/schaefer2018/Schaefer2018_100Parcels_7Networks_order.txt"
gm="$DATA/atlases/templates/tpl_icbm09a_GMprob_2mm.nii.gz"
for stat in mean median volume; do
  "$ALGIA" roi "$gm" --atlas "$atlas" --labels "$labels" --stat $stat --out "$OUT/gm_$stat.tsv"
done
w="$DATA/contrast_maps/wager2008_emoreg_canlab"
"$ALGIA" roi "$w/con_00810001.img" "$w/con_00810002.img" "$w/con_00810003.img" "$w/con_00810004.img" "$w/con_00810005.img" \
  --atlas "$atlas" --labels "$labels" --out "$OUT/wager.tsv"
"$PYTHON" - "$OUT" "$FIXTURES/roi" "$labels" <<'PY'
import json, sys
import pandas as pd, numpy as np
out, fx, labels = sys.argv[1:]
names = {int(l.split("\t")[0]): l.split("\t")[1] for l in open(labels) if l.strip()}
def check(ours, fixture, rows=None):
    a = pd.read_csv(f"{out}/{ours}", sep="\t")
    b = pd.read_csv(f"{fx}/{fixture}", sep="\t")
    assert len(a) == len(b), (ours, len(a), len(b))
    worst = 0
    for c in b.columns[1:]:
        x, y = a[names[int(c)]].to_numpy(float), b[c].to_numpy(float)
        worst = max(worst, np.max(np.abs(x - y) / np.abs(y)))
    assert worst < 1e-6, (ours, worst)
    print(f"ok: {ours} vs {fixture}: max relative difference {worst:.1e}")
check("gm_mean.tsv", "gm_schaefer100_mean.tsv")
check("gm_median.tsv", "gm_schaefer100_median.tsv")
check("gm_volume.tsv", "gm_schaefer100_volume.tsv")
check("wager.tsv", "wager_schaefer100_mean.tsv")
a = pd.read_csv(f"{out}/gm_mean.tsv", sep="\t")
assert list(a.columns[:2]) == ["image", "7Networks_LH_Vis_1"], list(a.columns[:3])
side = json.load(open(f"{out}/wager.json"))
assert side["Statistic"] == "mean" and "nearest neighbour" in side["Resampling"], side["Resampling"]
g = side["Grids"][0]
assert g["Resampled"] and g["Images"] == 5 and len(g["VoxelCounts"]) == 100, g
assert g["VoxelCounts"]["7Networks_LH_Vis_1"] > 0
print("ok: sidecar", g["ImageGrid"], g["VoxelVolume_mL"])
PY
# Same output on one thread as on two.
"$ALGIA" --threads 1 roi "$w/con_00810001.img" "$w/con_00810002.img" "$w/con_00810003.img" "$w/con_00810004.img" "$w/con_00810005.img" \
  --atlas "$atlas" --labels "$labels" --out "$OUT/wager1.tsv"
"$ALGIA" --threads 2 roi "$w/con_00810001.img" "$w/con_00810002.img" "$w/con_00810003.img" "$w/con_00810004.img" "$w/con_00810005.img" \
  --atlas "$atlas" --labels "$labels" --out "$OUT/wager2.tsv"
cmp "$OUT/wager1.tsv" "$OUT/wager2.tsv" && cmp "$OUT/wager1.json" "$OUT/wager2.json" && echo "ok: identical on 1 and 2 threads"
