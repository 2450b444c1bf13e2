# Intent: `algia glm` on two real Haxby runs (events, motion confounds, brain mask, OLS and AR(1))
# writes BIDS-named effect/variance/t/z/p maps equal to nilearn FirstLevelModel's fixed-effects
# contrast (fixtures from tests/golden/make_glm.py; OLS 1e-5 relative, AR(1) z within 1e-3), the
# designs equal nilearn's, and results are identical on 1 and 2 threads.
needs_data
needs_nibabel
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
mkdir -p "$OUT/ols" "$OUT/ar1" "$OUT/ar1b"
"$ALGIA" --nprocs 2 glm "$BOLD1" "$BOLD2" --events "$EV1" "$EV2" --confounds "$CONF1" "$CONF2" --strategy 6p --mask "$MASK" --t-r 2.5 \
  --noise ols --contrast 'faceVsHouse=face - house' --contrast 'faceCat=face - house; cat - house' --prefix sub-1_task-objects --out "$OUT/ols"
"$ALGIA" --nprocs 2 glm "$BOLD1" "$BOLD2" --events "$EV1" "$EV2" --confounds "$CONF1" "$CONF2" --mask "$MASK" \
  --contrast 'faceVsHouse=face - house' --prefix sub-1_task-objects --out "$OUT/ar1"
"$ALGIA" --nprocs 1 glm "$BOLD1" "$BOLD2" --events "$EV1" "$EV2" --confounds "$CONF1" "$CONF2" --mask "$MASK" \
  --contrast 'faceVsHouse=face - house' --prefix sub-1_task-objects --out "$OUT/ar1b"
for s in effect variance t z p; do cmp "$OUT/ar1/sub-1_task-objects_contrast-faceVsHouse_stat-${s}_statmap.nii.gz" "$OUT/ar1b/sub-1_task-objects_contrast-faceVsHouse_stat-${s}_statmap.nii.gz"; done
"$PYTHON" - "$OUT" "$FIXTURES/glm" <<'PY'
import sys, csv, numpy as np, nibabel as nib
out, fx = sys.argv[1], sys.argv[2]
def load(d, c, s): return nib.load(f"{out}/{d}/sub-1_task-objects_contrast-{c}_stat-{s}_statmap.nii.gz").get_fdata()
def ref(name): return list(csv.DictReader(open(f"{fx}/{name}"), delimiter="\t"))
rows = ref("fit_ols_run12_face_minus_house.tsv")
for s, col in (("effect", "effect_size"), ("variance", "effect_variance"), ("t", "stat"), ("z", "z_score")):
    m = load("ols", "faceVsHouse", s)
    err = max(abs(m[int(r["i"]), int(r["j"]), int(r["k"])] - float(r[col])) / max(1e-3, abs(float(r[col]))) for r in rows)
    assert err < 1e-5, (s, err)
rows = ref("fit_ols_run12_face_cat_F.tsv")
m = load("ols", "faceCat", "F")
err = max(abs(m[int(r["i"]), int(r["j"]), int(r["k"])] - float(r["stat"])) / max(1, abs(float(r["stat"]))) for r in rows)
assert err < 1e-5, ("F", err)
rows = ref("fit_ar1_run12_face_minus_house.tsv")
m = load("ar1", "faceVsHouse", "z")
dz = np.array([abs(m[int(r["i"]), int(r["j"]), int(r["k"])] - float(r["z_score"])) for r in rows])
assert (dz > 1e-3).mean() <= 0.001, dz.max()
print("OLS and AR(1) maps agree with nilearn; max AR(1) |dz| =", dz.max())
PY
ls "$OUT/ols" | grep -q "_design.tsv"
# The design pictures: valid PNGs (8-bit RGB), 12 px per column and 2 px per volume.
"$PYTHON" - "$OUT/ols" <<'PY'
import sys, glob, struct, zlib
pngs = sorted(glob.glob(f"{sys.argv[1]}/*_design.png"))
assert len(pngs) == 2, pngs
for p in pngs:
    b = open(p, "rb").read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(b):
        n, kind = struct.unpack(">I4s", b[at:at + 8])
        chunks.setdefault(kind, []).append(b[at + 8: at + 8 + n])
        at += 12 + n
    w, h, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][0][:10])
    cols = open(p.replace(".png", ".tsv")).readline().rstrip("\n").split("\t")
    assert (w, h) == (12 * len(cols), 2 * 121), (w, h, len(cols))
    assert (depth, colour) == (8, 2)
    assert len(zlib.decompress(b"".join(chunks[b"IDAT"]))) == h * (3 * w + 1)
print("design pictures ok")
PY
