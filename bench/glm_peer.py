#!/usr/bin/python3
"""Peer side of bench/glm.sh: nilearn 0.10.3 FirstLevelModel on the same run, AR(1) and OLS, timed
from the .nii.gz; then compares algia's z maps. Usage: glm_peer.py WORK"""
import sys
import time
import warnings

import nibabel as nib
import numpy as np
import pandas as pd

warnings.simplefilter("ignore")
from nilearn.glm.first_level import FirstLevelModel

work = sys.argv[1]
events = pd.read_csv(f"{work}/events.tsv", sep="\t")
conf = pd.read_csv(f"{work}/confounds.tsv", sep="\t")
cols = [c for c in conf.columns if c.startswith(("trans_", "rot_")) and ("power2" not in c)]
conf = conf[sorted(cols)].bfill()  # 12p, the first-row n/a of derivatives filled as load_confounds does
mask = nib.load(f"{work}/mask.nii.gz").get_fdata() > 0
for noise in ("ar1", "ols"):
    t = time.perf_counter()
    m = FirstLevelModel(t_r=2.0, mask_img=f"{work}/mask.nii.gz", noise_model=noise)
    m.fit(f"{work}/bold.nii.gz", events=events, confounds=conf)
    z = m.compute_contrast("heat_high - heat_low", output_type="all")["z_score"]
    dt = time.perf_counter() - t
    za = nib.load(f"{work}/out_{noise}/bench_contrast-hot_stat-z_statmap.nii.gz").get_fdata()[mask]
    zn = z.get_fdata()[mask]
    d = np.abs(za - zn)
    print(f"{noise} {dt:.3f} {d.max():.3g} {(d > 1e-3).mean():.3g}")
