#!/usr/bin/python3
"""nilearn 0.10.3 non_parametric_inference (one-sample, sign flips, n_jobs=1) on the benchmark's
images: prints 'plain SECONDS' for N_PERM permutations and 'tfce SECONDS' for TFCE_PERM
permutations with tfce=True, and the largest |t| difference from algia's t map.
Usage: PYTHONPATH=nilearn stats_peer.py WORK N_PERM TFCE_PERM ALGIA_T_MAP"""
import sys
import time
import warnings

import nibabel as nib
import numpy as np
import pandas as pd
from nilearn.glm.second_level import non_parametric_inference

work, n_perm, tfce_perm, algia_t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
paths = [l.strip() for l in open(f"{work}/list30.txt") if l.strip()]
design = pd.DataFrame({"intercept": np.ones(len(paths))})
mask = f"{work}/mask.nii.gz"
warnings.simplefilter("ignore")
t0 = time.time()
out = non_parametric_inference(paths, design_matrix=design, mask=mask, n_perm=n_perm, n_jobs=1,
                               random_state=0, two_sided_test=False)
t1 = time.time()
print(f"plain {t1 - t0:.3f}")
if tfce_perm > 0:
    t0 = time.time()
    non_parametric_inference(paths, design_matrix=design, mask=mask, n_perm=tfce_perm, n_jobs=1,
                             random_state=0, two_sided_test=False, tfce=True)
    print(f"tfce {time.time() - t0:.3f}")
m = nib.load(mask).get_fdata() > 0
# non_parametric_inference without tfce/threshold returns the -log10 p image; compute t directly
y = np.stack([nib.load(p).get_fdata()[m] for p in paths])
t = y.mean(0) / (y.std(0, ddof=1) / np.sqrt(len(paths)))
a = nib.load(algia_t).get_fdata()[m]
print(f"dt {np.abs(a - t).max() / np.abs(t).max():.2e}")
