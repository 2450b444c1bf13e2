"""Golden fixtures for `algia roi` (tests/fixtures/roi/): region means, medians and sums by nilearn
0.10.3's NiftiLabelsMasker, and volumes (sum of voxel values x voxel volume, mL) by numpy.

Run: cd /tmp && PYTHONPATH=/work/peers/nilearn-0.10.3 /usr/bin/python3 \
        /work/wt-roi/tests/golden/make_roi.py /work/shared/data /work/wt-roi/tests/fixtures/roi

Each output TSV has one row per image (column `image`, the path relative to the data folder) and one
column per atlas label (the label number), as nilearn returns them (labels with no voxel on the
image grid are dropped by nilearn; the test only compares the labels present).
"""
import glob
import os
import sys
import warnings

import nibabel as nib
import numpy as np
from nilearn.image import resample_img
from nilearn.maskers import NiftiLabelsMasker

warnings.simplefilter("ignore")
data, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)

gm = "atlases/templates/tpl_icbm09a_GMprob_2mm.nii.gz"
brainmask = "atlases/templates/tpl_icbm09a_brainmask_2mm.nii.gz"
atlases = {
    "schaefer100": "atlases/schaefer2018/Schaefer2018_100Parcels_7Networks_order_FSLMNI152_2mm.nii.gz",
    "schaefer400": "atlases/schaefer2018/Schaefer2018_400Parcels_7Networks_order_FSLMNI152_2mm.nii.gz",
    "yeo7": "atlases/yeo2011/Yeo-7_space-MNI152NLin6_res-2x2x2.nii.gz",
}
wager = sorted(os.path.relpath(p, data) for p in glob.glob(f"{data}/contrast_maps/wager2008_emoreg_canlab/con_*.img"))[:5]


def write(name, images, labels, values):
    with open(f"{out}/{name}.tsv", "w") as f:
        f.write("\t".join(["image"] + [str(int(l)) for l in labels]) + "\n")
        for img, row in zip(images, values):
            f.write("\t".join([img] + [repr(float(v)) for v in row]) + "\n")


def nilearn_rows(images, atlas, strategy, mask=None):
    masker = NiftiLabelsMasker(f"{data}/{atlas}", mask_img=mask, strategy=strategy)
    rows, labels = [], None
    for img in images:
        masker.fit()
        rows.append(masker.fit_transform(img if not isinstance(img, str) else f"{data}/{img}")[0])
        labels = masker.labels_
    labels = [l for l in labels if l != 0]
    return labels, np.array(rows, dtype=np.float64)


for aname, atlas in atlases.items():
    for strategy in ("mean", "median", "sum"):
        labels, rows = nilearn_rows([gm], atlas, strategy)
        write(f"gm_{aname}_{strategy}", [gm], labels, rows)
    # Volume: numpy sum of GM probabilities x voxel volume (mL), and count x voxel volume.
    a = np.asarray(nib.load(f"{data}/{atlas}").dataobj)
    g = nib.load(f"{data}/{gm}")
    gd = g.get_fdata(dtype=np.float64)
    ml = abs(np.linalg.det(g.affine[:3, :3])) / 1000.0
    labels = [l for l in np.unique(a) if l != 0]
    write(f"gm_{aname}_volume", [gm], labels, [[gd[a == l].sum() * ml for l in labels]])
    write(f"count_{aname}_volume", ["(atlas>0)"], labels, [[np.count_nonzero(a == l) * ml for l in labels]])

# With a brain mask (resampled onto the data by nearest neighbour, as the atlas).
labels, rows = nilearn_rows([gm], atlases["schaefer400"], "mean", mask=f"{data}/{brainmask}")
write("gm_schaefer400_mean_brainmask", [gm], labels, rows)

# Images on another grid (3.4375 x 3.4375 x 4.5 mm Analyze): the atlas is resampled onto them.
for strategy in ("mean", "median", "sum"):
    labels, rows = nilearn_rows(wager, atlases["schaefer100"], strategy)
    write(f"wager_schaefer100_{strategy}", wager, labels, rows)

# --resample-to atlas: images resampled onto the atlas grid trilinearly (scipy order 1, 0 outside),
# only voxels inside the image's field of view kept (as a mask).
atlas_img = nib.load(f"{data}/{atlases['schaefer100']}")
rows = []
for w in wager:
    src = nib.load(f"{data}/{w}")
    src = nib.Nifti1Image(np.asarray(src.dataobj, dtype=np.float64).reshape(src.shape[:3]), src.affine)
    res = resample_img(src, target_affine=atlas_img.affine, target_shape=atlas_img.shape, interpolation="linear")
    ijk = np.indices(atlas_img.shape).reshape(3, -1)
    xyz = atlas_img.affine @ np.vstack([ijk, np.ones(ijk.shape[1])])
    s = np.linalg.inv(src.affine) @ xyz
    fov = np.all([(s[k] >= -1e-6) & (s[k] <= src.shape[k] - 1 + 1e-6) for k in range(3)], axis=0)
    fov_img = nib.Nifti1Image(fov.reshape(atlas_img.shape).astype(np.uint8), atlas_img.affine)
    masker = NiftiLabelsMasker(atlas_img, mask_img=fov_img, strategy="mean", keep_masked_labels=False)
    rows.append(masker.fit_transform(res)[0])
    labels = [l for l in masker.labels_ if l != 0]
write("wager_schaefer100_mean_to_atlas", wager, labels, rows)
print("wrote", out)
