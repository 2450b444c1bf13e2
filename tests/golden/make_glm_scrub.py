"""Golden values for `algia glm` with censored volumes, from nilearn 0.10.3
(FirstLevelModel.fit(..., sample_masks=...), interfaces.fmriprep's scrubbing rule).

Run from /tmp:
  cd /tmp && PYTHONPATH=/work/peers/nilearn-0.10.3 /usr/bin/python3 /work/wt-glm6/tests/golden/make_glm_scrub.py \
      /work/shared/data /work/wt-glm6/tests/fixtures/glm

Writes into tests/fixtures/glm/:
  scrub_confounds_runN.tsv  inputs: Haxby run N's motion + framewise_displacement (Power 2012, rotations
                            taken as degrees -> radians on a 50 mm sphere; first row n/a as fMRIPrep)
                            + std_dvars (see below)
  scrub_params.tsv          the FD threshold and minimum segment used
  scrub_kept_runN.tsv       nilearn's sample mask (kept volume indices) for the FD rule: volumes with
                            FD > threshold, then nilearn's optimize_scrub (segments < 5 volumes)
  scrub_design_run1.tsv     nilearn's design_matrices_[0] (kept rows only)
  fit_scrub_{ols,ar1}_run12_face_minus_house.tsv  fixed effects of runs 1+2 scrubbed by FD
  scrub_dvars_kept_run1.tsv, fit_scrubdvars_{ols,ar1}_run1_face_minus_house.tsv  run 1 scrubbed by FD and
                            the std_dvars column (RMS change in the brain mask over its median) > 1.5
  sample_mask_run1.tsv      input: a hand-made 0/1 `kept` column for run 1 (scattered volumes dropped)
  fit_smask_{ols,ar1}_run1_face_minus_house.tsv   run 1 with that sample mask
  single_trial_{lsa,lss}_smask_run1.tsv  single-trial betas (LSA OLS, LSS AR(1)) of run 1 with that mask
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
from nilearn.interfaces.fmriprep.load_confounds_scrub import optimize_scrub

assert nilearn.__version__.startswith("0.10.3"), nilearn.__version__

data, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
sub = os.path.join(data, "fmri/haxby2001_pymvpa/haxby2001/sub001")
MOTION = ["trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"]
FD_THRESHOLD = 0.06
MIN_SEGMENT = 5
DVARS_THRESHOLD = 1.5


def write(df, name, index=False):
    df.to_csv(os.path.join(out, name), sep="\t", index=index, float_format="%.17g", na_rep="n/a")


def run_dir(r):
    return os.path.join(sub, "BOLD", f"task001_run{r:03d}")


runs = [os.path.join(run_dir(r), "bold_25mm.nii.gz") for r in (1, 2)]
brain_mask = nib.load(os.path.join(sub, "masks/25mm/brain.nii.gz")).get_fdata() > 0
events = [pd.read_csv(os.path.join(run_dir(r), "bold_events.tsv"), sep="\t") for r in (1, 2)]
confs, kept = [], []
for r in (1, 2):
    m = np.loadtxt(os.path.join(run_dir(r), "bold_moest.txt"))
    d = np.abs(np.diff(m, axis=0))
    fd = np.concatenate([[np.nan], d[:, :3].sum(1) + 50 * np.deg2rad(d[:, 3:]).sum(1)])
    c = pd.DataFrame(m, columns=MOTION)
    c["framewise_displacement"] = fd
    # A standardised-DVARS-like column: the RMS of the volume-to-volume change inside the brain mask
    # over its median (an input for --scrub-dvars; fMRIPrep's std_dvars is scaled differently).
    y = nib.load(os.path.join(run_dir(r), "bold_25mm.nii.gz")).get_fdata()[brain_mask]
    dv = np.sqrt((np.diff(y, axis=1) ** 2).mean(0))
    c["std_dvars"] = np.concatenate([[np.nan], dv / np.median(dv)])
    write(c, f"scrub_confounds_run{r}.tsv")
    confs.append(c[MOTION])
    n = len(c)
    # nilearn's _load_scrub rule (load_confounds(strategy=["motion", "scrub"], fd_threshold=...)).
    outliers = np.where(c["framewise_displacement"] > FD_THRESHOLD)[0]
    if len(outliers):
        outliers = optimize_scrub(outliers, n, MIN_SEGMENT)
    k = np.setdiff1d(np.arange(n), outliers)
    kept.append(k)
    write(pd.DataFrame({"volume": k}), f"scrub_kept_run{r}.tsv")
    print(f"run {r}: {n - len(k)} of {n} volumes censored")
write(pd.DataFrame({"fd_threshold": [FD_THRESHOLD], "min_segment": [MIN_SEGMENT], "dvars_threshold": [DVARS_THRESHOLD]}),
      "scrub_params.tsv")

mask_path = os.path.join(sub, "masks/25mm/brain.nii.gz")
mask = nib.load(mask_path).get_fdata() > 0
ijk = np.argwhere(mask)


def fit(noise, sel, sample_masks, name):
    m = FirstLevelModel(t_r=2.5, hrf_model="glover", drift_model="cosine", high_pass=0.01, mask_img=mask_path,
                        noise_model=noise, signal_scaling=0, minimize_memory=True)
    m.fit([runs[i] for i in sel], events=[events[i] for i in sel], confounds=[confs[i] for i in sel],
          sample_masks=sample_masks)
    res = m.compute_contrast("face - house", output_type="all")
    df = pd.DataFrame({"i": ijk[:, 0], "j": ijk[:, 1], "k": ijk[:, 2]})
    for k in ("effect_size", "effect_variance", "stat", "z_score", "p_value"):
        df[k] = res[k].get_fdata()[mask]
    write(df, name)
    return m


for noise in ("ols", "ar1"):
    m = fit(noise, [0, 1], kept, f"fit_scrub_{noise}_run12_face_minus_house.tsv")
    if noise == "ols":
        write(m.design_matrices_[0], "scrub_design_run1.tsv")

# A hand-made sample mask: scattered single volumes and a block removed.
n = 121
keep = np.ones(n, dtype=int)
keep[[0, 1, 17, 40, 41, 42, 43, 77, 98, 120]] = 0
write(pd.DataFrame({"kept": keep}), "sample_mask_run1.tsv")
for noise in ("ols", "ar1"):
    fit(noise, [0], [np.where(keep == 1)[0]], f"fit_smask_{noise}_run1_face_minus_house.tsv")

# Single-trial betas with that sample mask (Mumford 2012: LSA with OLS, LSS with AR(1)), as
# tests/golden/make_glm.py without censoring.
ev = events[0].sort_values("onset", kind="stable").reset_index(drop=True)
count, names = {}, []
for tt in ev.trial_type:
    count[tt] = count.get(tt, 0) + 1
    names.append(f"{tt}__{count[tt]}")
kept1 = [np.where(keep == 1)[0]]
for kind, noise in (("lsa", "ols"), ("lss", "ar1")):
    df = pd.DataFrame({"i": ijk[:, 0], "j": ijk[:, 1], "k": ijk[:, 2]})
    for i, nm in enumerate(names):
        if kind == "lsa" and i > 0:
            break
        e = ev.assign(trial_type=names) if kind == "lsa" else ev.copy()
        if kind == "lss":
            e.loc[i, "trial_type"] = nm
        m = FirstLevelModel(t_r=2.5, mask_img=mask_path, noise_model=noise).fit(runs[0], events=e, confounds=confs[0],
                                                                                 sample_masks=kept1)
        for nm2 in (names if kind == "lsa" else [nm]):
            df[nm2] = m.compute_contrast(nm2, output_type="effect_size").get_fdata()[mask]
    write(df, f"single_trial_{kind}_smask_run1.tsv")

# FD and DVARS together on run 1 (nilearn's _load_scrub: the union of both, then optimize_scrub).
c = pd.read_csv(os.path.join(out, "scrub_confounds_run1.tsv"), sep="\t")
outliers = np.sort(np.unique(np.concatenate([np.where(c["framewise_displacement"] > FD_THRESHOLD)[0],
                                             np.where(c["std_dvars"] > DVARS_THRESHOLD)[0]])))
outliers = optimize_scrub(outliers, len(c), MIN_SEGMENT)
k = np.setdiff1d(np.arange(len(c)), outliers)
print(f"run 1, FD and DVARS: {len(c) - len(k)} censored")
write(pd.DataFrame({"volume": k}), "scrub_dvars_kept_run1.tsv")
for noise in ("ols", "ar1"):
    fit(noise, [0], [k], f"fit_scrubdvars_{noise}_run1_face_minus_house.tsv")
