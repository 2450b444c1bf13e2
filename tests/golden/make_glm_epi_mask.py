"""Golden EPI masks for `algia glm` (no --mask, or --mask epi) from nilearn 0.10.3.

Run from /tmp:
  cd /tmp && PYTHONPATH=/work/peers/nilearn-0.10.3 /usr/bin/python3 /work/wt-glm6/tests/golden/make_glm_epi_mask.py \
      /work/shared/data /work/wt-glm6/tests/fixtures/glm

Writes into tests/fixtures/glm/:
  epi_mask_haxby.tsv   per Haxby 25 mm run (1-12): nilearn.masking.compute_epi_mask's voxel count and its
                       voxels as flat NIfTI indices (i + nx (j + ny k)), comma-separated
  fit_epi_ols_run1_face_minus_house.tsv  FirstLevelModel without mask_img (its EPI mask) on run 1, OLS:
                       z and effect at the mask's voxels
"""
import os
import sys
import warnings

import numpy as np
import pandas as pd
import nibabel as nib

warnings.simplefilter("ignore")
import nilearn
from nilearn.masking import compute_epi_mask
from nilearn.glm.first_level import FirstLevelModel

assert nilearn.__version__.startswith("0.10.3"), nilearn.__version__
data, out = sys.argv[1], sys.argv[2]
sub = os.path.join(data, "fmri/haxby2001_pymvpa/haxby2001/sub001")
rows = []
for r in range(1, 13):
    img = nib.load(os.path.join(sub, "BOLD", f"task001_run{r:03d}", "bold_25mm.nii.gz"))
    m = compute_epi_mask(img).get_fdata() > 0
    flat = np.flatnonzero(m.ravel(order="F"))
    rows.append({"run": r, "n_voxels": int(m.sum()), "voxels": ",".join(map(str, flat))})
    print(r, m.sum(), m.size)
pd.DataFrame(rows).to_csv(os.path.join(out, "epi_mask_haxby.tsv"), sep="\t", index=False)

run = os.path.join(sub, "BOLD", "task001_run001")
ev = pd.read_csv(os.path.join(run, "bold_events.tsv"), sep="\t")
conf = pd.DataFrame(np.loadtxt(os.path.join(run, "bold_moest.txt")),
                    columns=["trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"])
fm = FirstLevelModel(t_r=2.5, hrf_model="glover", drift_model="cosine", high_pass=0.01, noise_model="ols",
                     signal_scaling=0, minimize_memory=True)
fm.fit(os.path.join(run, "bold_25mm.nii.gz"), events=ev, confounds=conf)
mask = fm.masker_.mask_img_.get_fdata() > 0
res = fm.compute_contrast("face - house", output_type="all")
ijk = np.argwhere(mask)
df = pd.DataFrame({"i": ijk[:, 0], "j": ijk[:, 1], "k": ijk[:, 2]})
for k in ("effect_size", "z_score"):
    df[k] = res[k].get_fdata()[mask]
df.to_csv(os.path.join(out, "fit_epi_ols_run1_face_minus_house.tsv"), sep="\t", index=False, float_format="%.17g")
