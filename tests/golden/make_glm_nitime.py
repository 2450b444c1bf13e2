"""Golden values for algia glm on nitime's real event-related series (one MT+ ROI, TR 2 s, 3360
samples, event codes 1-6 at the sample of each onset), from nilearn 0.10.3 FirstLevelModel.

The series is made an image of one voxel (value + 100 as float64 (nilearn keeps float32 data in float32), so that percent-signal-change scaling is
defined: the stored series is centred on 0); events are the non-zero codes, onset = sample x TR,
duration 0, trial_type c1..c6. The CLI test builds the same image from ../shared/data.

Run from /tmp:
  cd /tmp && PYTHONPATH=/work/peers/nilearn-0.10.3 /usr/bin/python3 \
      /work/main/tests/golden/make_glm_nitime.py /work/shared/data /work/main/tests/fixtures/glm
Writes events_nitime.tsv (input) and fit_nitime.tsv (noise, condition, effect, variance, z).
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
tr = 2.0
csv = pd.read_csv(os.path.join(data, "fmri/nitime/event_related_fmri.csv"))
codes = csv["events"].to_numpy().astype(int)
idx = np.flatnonzero(codes)
events = pd.DataFrame({"onset": idx * tr, "duration": 0.0, "trial_type": [f"c{c}" for c in codes[idx]]})
events.to_csv(os.path.join(out, "events_nitime.tsv"), sep="\t", index=False, float_format="%.17g")
img = nib.Nifti1Image((csv["bold"].to_numpy() + 100).astype(np.float64).reshape(1, 1, 1, -1), np.eye(4))
mask = nib.Nifti1Image(np.ones((1, 1, 1), np.uint8), np.eye(4))
rows = []
for noise in ("ols", "ar1"):
    m = FirstLevelModel(t_r=tr, hrf_model="spm", drift_model="cosine", high_pass=0.01, mask_img=mask,
                        noise_model=noise, signal_scaling=0, minimize_memory=False).fit(img, events=events)
    for c in sorted(events["trial_type"].unique()):
        res = m.compute_contrast(c, output_type="all")
        rows.append({"noise": noise, "condition": c,
                     "effect": float(res["effect_size"].get_fdata().ravel()[0]),
                     "variance": float(res["effect_variance"].get_fdata().ravel()[0]),
                     "z": float(res["z_score"].get_fdata().ravel()[0])})
pd.DataFrame(rows).to_csv(os.path.join(out, "fit_nitime.tsv"), sep="\t", index=False, float_format="%.17g")
print(pd.DataFrame(rows))
