"""A simulated 2 mm heat-pain run (algia simulate) and nilearn 0.10.3 FirstLevelModel on it.

Run from /tmp (ALGIA: the algia binary that simulates the study):
  cd /tmp && PYTHONPATH=/work/peers/nilearn-0.10.3 /usr/bin/python3 /work/wt-glm6/tests/golden/make_glm_sim2mm.py \
      /work/wt-glm6/build/algia /work/wt-glm6/tests/fixtures/glm

`algia simulate --design demo --participants 2 --sessions pre --voxel-size 2 --volumes 80
--effect temperature_slope=1 --seed 7` takes too long for a test, so its sub-01 heat run is cropped to
a 16x16x10 box at the frontal edge of the brain (half brain, half background, so that the EPI mask has
something to find) and stored as int16 (rounded: the input of both programs, not a result).

Writes into tests/fixtures/glm/:
  sim2mm_bold.nii.gz     input: the cropped run (TR 2 s), with its affine
  sim2mm_events.tsv      input: onset, duration, trial_type, temperature of the run
  sim2mm_confounds.tsv   input: the run's six motion parameters
  sim2mm_design.tsv      nilearn's design (heat, heat_x_temperature mean-centred, motion, cosine drifts)
  sim2mm_brain_mask.nii.gz  input: the simulated brain mask, cropped
  sim2mm_fit_epi.tsv     per voxel of nilearn's EPI mask (FirstLevelModel without mask_img): i, j, k,
                         in_brain (the simulated brain mask), pattern (the planted true pain pattern:
                         simulate's truth, not a nilearn output), and nilearn's OLS effect, variance,
                         z and AR(1) z of the contrast heat_x_temperature
  sim2mm_fit_brain.tsv   the same with mask_img = sim2mm_brain_mask.nii.gz
"""
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
import nibabel as nib

warnings.simplefilter("ignore")
import nilearn
from nilearn.glm.first_level import FirstLevelModel

assert nilearn.__version__.startswith("0.10.3"), nilearn.__version__
algia, out = sys.argv[1], sys.argv[2]
X0, Y0, Z0, NX, NY, NZ = 37, 89, 36, 16, 16, 10

with tempfile.TemporaryDirectory() as tmp:
    sim = os.path.join(tmp, "sim")
    subprocess.run([algia, "-q", "simulate", "--design", "demo", "--participants", "2", "--sessions", "pre",
                    "--voxel-size", "2", "--volumes", "80", "--effect", "temperature_slope=1", "--seed", "7",
                    "--out", sim], check=True)
    func = os.path.join(sim, "sub-01/ses-pre/func")
    img = nib.load(os.path.join(func, "sub-01_ses-pre_task-heat_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz"))
    box = (slice(X0, X0 + NX), slice(Y0, Y0 + NY), slice(Z0, Z0 + NZ))
    data = np.round(np.asarray(img.dataobj)[box]).astype(np.int16)
    aff = img.affine.copy()
    aff[:3, 3] = img.affine[:3, :3] @ [X0, Y0, Z0] + img.affine[:3, 3]
    bold = nib.Nifti1Image(data, aff)
    bold.header.set_xyzt_units("mm", "sec")
    bold.header["pixdim"][4] = 2.0
    nib.save(bold, os.path.join(out, "sim2mm_bold.nii.gz"))
    atlas = os.path.join(sim, "atlas")
    brain = nib.load(os.path.join(atlas, "space-MNI152NLin6Asym_res-2mm_desc-brain_mask.nii.gz")).get_fdata()[box] > 0
    pattern = nib.load(os.path.join(atlas, "space-MNI152NLin6Asym_res-2mm_desc-truepain_pattern.nii.gz")).get_fdata()[box]
    ev = pd.read_csv(os.path.join(func, "sub-01_ses-pre_task-heat_events.tsv"), sep="\t")
    ev = ev[["onset", "duration", "trial_type", "temperature"]]
    ev.to_csv(os.path.join(out, "sim2mm_events.tsv"), sep="\t", index=False)
    conf = pd.read_csv(os.path.join(func, "sub-01_ses-pre_task-heat_desc-confounds_timeseries.tsv"), sep="\t")
    conf = conf[["trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"]]
    conf.to_csv(os.path.join(out, "sim2mm_confounds.tsv"), sep="\t", index=False, float_format="%.17g")

bold = nib.load(os.path.join(out, "sim2mm_bold.nii.gz"))
conf = pd.read_csv(os.path.join(out, "sim2mm_confounds.tsv"), sep="\t")
# The temperature modulator the nilearn way (algia: the extra numeric column becomes heat_x_temperature).
nev = pd.concat([ev[["onset", "duration", "trial_type"]].assign(modulation=1.0),
                 pd.DataFrame({"onset": ev.onset, "duration": ev.duration, "trial_type": "heat_x_temperature",
                               "modulation": ev.temperature - ev.temperature.mean()})], ignore_index=True)
brain_path = os.path.join(out, "sim2mm_brain_mask.nii.gz")
nib.save(nib.Nifti1Image(brain.astype(np.uint8), bold.affine), brain_path)
t0 = time.time()
for label, mask_img in (("epi", None), ("brain", brain_path)):
    cols = {}
    for noise in ("ols", "ar1"):
        m = FirstLevelModel(t_r=2.0, slice_time_ref=0.0, hrf_model="glover", drift_model="cosine", high_pass=0.01,
                            noise_model=noise, signal_scaling=0, minimize_memory=True, mask_img=mask_img)
        m.fit(bold, events=nev, confounds=conf)
        mask = m.masker_.mask_img_.get_fdata() > 0
        res = m.compute_contrast("heat_x_temperature", output_type="all")
        if noise == "ols":
            if label == "epi":
                m.design_matrices_[0].to_csv(os.path.join(out, "sim2mm_design.tsv"), sep="\t", index=False,
                                             float_format="%.17g")
            for k in ("effect_size", "effect_variance", "z_score"):
                cols[f"ols_{k}"] = res[k].get_fdata()[mask]
        else:
            cols["ar1_z_score"] = res["z_score"].get_fdata()[mask]
    print(f"nilearn ({label}): {time.time() - t0:.1f} s, mask {mask.sum()} voxels, {brain[mask].sum()} in the brain")
    ijk = np.argwhere(mask)
    df = pd.DataFrame({"i": ijk[:, 0], "j": ijk[:, 1], "k": ijk[:, 2], "in_brain": brain[mask].astype(int),
                       "pattern": pattern[mask]})
    for k, v in cols.items():
        df[k] = v
    df.to_csv(os.path.join(out, f"sim2mm_fit_{label}.tsv"), sep="\t", index=False, float_format="%.10g")
