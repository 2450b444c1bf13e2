"""Golden values for algia glm --smooth from nilearn 0.10.3: FirstLevelModel(smoothing_fwhm=...) on
Haxby run 1 (25 mm whole brain, events, motion confounds, brain mask), OLS, contrast face - house.

Run from /tmp:
  cd /tmp && PYTHONPATH=/work/peers/nilearn-0.10.3 /usr/bin/python3 \
      /work/main/tests/golden/make_glm_smooth.py /work/shared/data /work/main/tests/fixtures/glm
Writes fit_smooth{30,60}_ols_run1_face_minus_house.tsv (i, j, k, effect_size, z_score per mask voxel).
"""
import os
import sys
import warnings

import numpy as np
import pandas as pd
import nibabel as nib

warnings.simplefilter("ignore")
import nilearn
from nilearn.glm.first_level import FirstLevelModel

assert nilearn.__version__.startswith("0.10.3"), nilearn.__version__
data, out = sys.argv[1], sys.argv[2]
sub = os.path.join(data, "fmri/haxby2001_pymvpa/haxby2001/sub001")
run = os.path.join(sub, "BOLD/task001_run001")
mask_path = os.path.join(sub, "masks/25mm/brain.nii.gz")
mask = nib.load(mask_path).get_fdata() > 0
ijk = np.argwhere(mask)
events = pd.read_csv(os.path.join(run, "bold_events.tsv"), sep="\t")
conf = pd.DataFrame(np.loadtxt(os.path.join(run, "bold_moest.txt")),
                    columns=["trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"])
for fwhm in (30, 60):  # voxels are 25 mm: sigma 0.5 and 1 voxel
    m = FirstLevelModel(t_r=2.5, hrf_model="glover", drift_model="cosine", high_pass=0.01, mask_img=mask_path,
                        noise_model="ols", signal_scaling=0, smoothing_fwhm=fwhm)
    m.fit(os.path.join(run, "bold_25mm.nii.gz"), events=events, confounds=conf)
    res = m.compute_contrast("face - house", output_type="all")
    df = pd.DataFrame({"i": ijk[:, 0], "j": ijk[:, 1], "k": ijk[:, 2],
                       "effect_size": res["effect_size"].get_fdata().reshape(mask.shape)[mask],
                       "z_score": res["z_score"].get_fdata().reshape(mask.shape)[mask]})
    df.to_csv(os.path.join(out, f"fit_smooth{fwhm}_ols_run1_face_minus_house.tsv"), sep="\t", index=False,
              float_format="%.17g")
    print(fwhm, len(df))
