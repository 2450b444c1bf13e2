# Intent: the worked example of the README on the simulator's stress-morphometry study (CBT pre/post
# grey matter and catastrophizing): `algia roi` on every participant's GM map (joined with
# participants.tsv), control-network GM averaged per visit, `algia trial change` correlating the GM
# change with the PCS change, and `algia mediate` with the GM change as mediator. The planted slope
# of the relative GM change on the PCS change (truth.json gm_pcs_slope, at region level) is covered
# by the 95% CI and the slope is negative.
needs_nibabel
"$ALGIA" -q simulate --design stress-morphometry --out "$OUT/sm" --seed 11 >/dev/null
(cd "$OUT/sm" && ls sub-*/ses-*/anat/*GM_probseg.nii.gz) > "$OUT/sm/gm_list.txt"
atlas=$(ls "$OUT"/sm/atlas/atlas-sim_*_dseg.nii.gz)
"$ALGIA" roi "$OUT/sm/gm_list.txt" --atlas "$atlas" --labels "$OUT/sm/atlas/atlas-sim_dseg.tsv" --stat mean --long \
  --participants "$OUT/sm/participants.tsv" --out "$OUT/roi_long.tsv"
# Control-network GM per participant and visit (the glue a user would write).
"$PYTHON" - "$OUT" <<'PY'
import sys, csv, collections
out = sys.argv[1]
net = {r["name"]: r["network"] for r in csv.DictReader(open(f"{out}/sm/atlas/atlas-sim_dseg.tsv"), delimiter="\t")}
acc = collections.defaultdict(list); pcs = {}
for r in csv.DictReader(open(f"{out}/roi_long.tsv"), delimiter="\t"):
    if net.get(r["region"]) == "Cont" and r["value"] != "n/a":
        acc[(r["sub"], r["ses"])].append(float(r["value"]))
    pcs[r["sub"]] = (r["pcs_pre"], r["pcs_post"], r["arm"])
with open(f"{out}/gm.tsv", "w") as f:
    f.write("participant_id\tarm\tgm_pre\tgm_post\tgm_rel_change\tpcs_pre\tpcs_post\tpcs_change\n")
    for s in sorted(pcs):
        pre, post = sum(acc[(s, "pre")]) / len(acc[(s, "pre")]), sum(acc[(s, "post")]) / len(acc[(s, "post")])
        a, b, arm = pcs[s]
        f.write(f"sub-{s}\t{arm}\t{pre!r}\t{post!r}\t{post / pre - 1!r}\t{a}\t{b}\t{int(b) - int(a)}\n")
PY
"$ALGIA" trial change --table "$OUT/gm.tsv" --pre gm_pre --post gm_post --with-change pcs_pre:pcs_post --out "$OUT/change.tsv"
"$ALGIA" mediate --table "$OUT/gm.tsv" --x pcs_change --m gm_rel_change --y gm_post --covariate gm_pre --boot 1000 --out "$OUT/med.tsv"
"$PYTHON" - "$OUT" <<'PY'
import sys, csv, json, numpy as np
from scipy import stats
out = sys.argv[1]
truth = json.load(open(f"{out}/sm/truth.json"))["effects"]["gm_pcs_slope"]["value"]
rows = list(csv.DictReader(open(f"{out}/gm.tsv"), delimiter="\t"))
x = np.array([float(r["pcs_change"]) for r in rows]); y = np.array([float(r["gm_rel_change"]) for r in rows])
res = stats.linregress(x, y)
q = stats.t.ppf(0.975, len(x) - 2)
lo, hi = res.slope - q * res.stderr, res.slope + q * res.stderr
# The simulator multiplies control-network GM by (1 + slope * PCS change) and clamps at 1, which
# attenuates the region-mean change: the region-level truth is the planted slope pushed through
# that clamp on the noise-free GM template, at the observed PCS changes.
import nibabel as nib, glob
gm = np.asarray(nib.load(glob.glob(f"{out}/sm/atlas/*_label-GM_probseg.nii.gz")[0]).dataobj, dtype=float).ravel()
lab = np.asarray(nib.load(glob.glob(f"{out}/sm/atlas/atlas-sim_*_dseg.nii.gz")[0]).dataobj).ravel().astype(int)
net = {int(r["index"]): r["network"] for r in csv.DictReader(open(f"{out}/sm/atlas/atlas-sim_dseg.tsv"), delimiter="\t")}
regions = [k for k, v in net.items() if v == "Cont"]
def expected(d):
    return np.mean([np.clip(gm[lab == k] * (1 + truth * d), 0, 1).mean() / np.clip(gm[lab == k], 0, 1).mean() - 1 for k in regions])
region_truth = stats.linregress(x, [expected(d) for d in x]).slope
assert lo <= region_truth <= hi, ("slope CI misses the planted value", lo, hi, region_truth, truth)
assert hi < 0
ch = list(csv.DictReader(open(f"{out}/change.tsv"), delimiter="\t"))
r = [c for c in ch if "pearson" in json.dumps(c).lower()]
assert r, ch[0].keys()
print("planted GM-PCS slope", truth, "(region level after the clamp:", region_truth, ") covered by", (lo, hi))
PY
grep -qi "pearson" "$OUT/change.tsv"
