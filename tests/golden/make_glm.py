"""Golden values for algia glm from nilearn 0.10.3 (FirstLevelModel, make_first_level_design_matrix).

Run from /tmp:
  cd /tmp && PYTHONPATH=/work/peers/nilearn-0.10.3 /usr/bin/python3 /work/wt-glm/tests/golden/make_glm.py \
      /work/shared/data /work/wt-glm/tests/fixtures/glm

Writes into tests/fixtures/glm/:
  events_*.tsv          synthetic event tables (inputs)
  design_*.tsv          design matrices (17 significant digits), cases.tsv lists how each was made
  haxby_motion_runN.tsv the motion confounds of Haxby run N (bold_moest.txt with a header)
  fit_*.tsv             per-voxel contrast results on the Haxby 25 mm runs inside masks/25mm/brain
"""
import os
import sys
import warnings

import numpy as np
import pandas as pd
import nibabel as nib

warnings.simplefilter("ignore")
import nilearn
from nilearn.glm.first_level import FirstLevelModel, make_first_level_design_matrix

assert nilearn.__version__.startswith("0.10.3"), nilearn.__version__

data, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
sub = os.path.join(data, "fmri/haxby2001_pymvpa/haxby2001/sub001")
MOTION = ["trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"]


def write(df, name, index=False):
    df.to_csv(os.path.join(out, name), sep="\t", index=index, float_format="%.17g", na_rep="n/a")


def run_dir(r):
    return os.path.join(sub, "BOLD", f"task001_run{r:03d}")


def motion(r):
    m = np.loadtxt(os.path.join(run_dir(r), "bold_moest.txt"))
    return pd.DataFrame(m, columns=MOTION)


# ---- design matrices -------------------------------------------------------------------------
rng = np.random.default_rng(6)
cases = []


def design_case(name, events_file, n_scans, tr, hrf, drift="cosine", high_pass=0.01, drift_order=1,
                fir_delays=(0,), confounds=None, slice_time_ref=0.0):
    events = pd.read_csv(os.path.join(out, events_file), sep="\t") if events_file else None
    start = slice_time_ref * tr
    end = (n_scans - 1 + slice_time_ref) * tr
    ft = np.linspace(start, end, n_scans)
    conf = pd.read_csv(os.path.join(out, confounds), sep="\t") if confounds else None
    dm = make_first_level_design_matrix(
        ft, events, hrf_model=hrf, drift_model=drift, high_pass=high_pass, drift_order=drift_order,
        fir_delays=list(fir_delays), add_regs=conf.values if conf is not None else None,
        add_reg_names=conf.columns.tolist() if conf is not None else None)
    write(dm, f"design_{name}.tsv")
    cases.append(dict(case=name, events=events_file or "n/a", volumes=n_scans, tr=tr, hrf=hrf, drift=drift,
                      high_pass=high_pass, drift_order=drift_order, fir_delays=",".join(map(str, fir_delays)),
                      confounds=confounds or "n/a", slice_time_ref=slice_time_ref))


for r in (1, 2):
    write(motion(r), f"haxby_motion_run{r}.tsv")
    ev = pd.read_csv(os.path.join(run_dir(r), "bold_events.tsv"), sep="\t")
    write(ev, f"events_haxby_run{r}.tsv")

# Event-related, random onsets, two conditions, impulses and short blocks.
n = 150
on = np.sort(rng.uniform(0, 2.0 * n - 20, 30)).round(3)
ev = pd.DataFrame({"onset": on, "duration": rng.choice([0.0, 1.5, 3.0], 30),
                   "trial_type": rng.choice(["heat_high", "heat_low"], 30)})
write(ev, "events_er.tsv")
# With a modulation column and a duplicated event (amplitudes add up).
ev2 = ev.copy()
ev2["modulation"] = rng.uniform(0.5, 2.0, len(ev2)).round(3)
ev2 = pd.concat([ev2, ev2.iloc[[3]]], ignore_index=True)
write(ev2, "events_modulation.tsv")
# Parametric modulator written the nilearn way (algia: extra numeric column 'temperature').
ev3 = ev.copy()
ev3["temperature"] = rng.uniform(44, 49, len(ev3)).round(1)
write(ev3, "events_temperature.tsv")
pm = []
for tt, g in ev3.groupby("trial_type"):
    pm.append(pd.DataFrame({"onset": g.onset, "duration": g.duration, "trial_type": tt + "_x_temperature",
                            "modulation": g.temperature - g.temperature.mean()}))
ev3n = pd.concat([ev3[["onset", "duration", "trial_type"]].assign(modulation=1.0)] + pm, ignore_index=True)
write(ev3n, "events_temperature_nilearn.tsv")

design_case("haxby_run1", "events_haxby_run1.tsv", 121, 2.5, "glover", confounds="haxby_motion_run1.tsv")
design_case("haxby_run1_spm_poly", "events_haxby_run1.tsv", 121, 2.5, "spm", drift="polynomial", drift_order=3)
for hrf in ["spm", "spm + derivative", "spm + derivative + dispersion", "glover", "glover + derivative",
            "glover + derivative + dispersion"]:
    design_case("er_" + hrf.replace(" + ", "_"), "events_er.tsv", n, 2.0, hrf)
design_case("er_fir", "events_er.tsv", n, 2.0, "fir", fir_delays=(0, 1, 2, 3, 5))
design_case("er_slicetime", "events_er.tsv", n, 2.0, "glover", slice_time_ref=0.5, high_pass=0.02)
design_case("er_tr_odd", "events_er.tsv", 97, 1.37, "spm + derivative", high_pass=0.008)
design_case("modulation", "events_modulation.tsv", n, 2.0, "glover")
design_case("temperature", "events_temperature_nilearn.tsv", n, 2.0, "spm")
pd.DataFrame(cases).to_csv(os.path.join(out, "cases.tsv"), sep="\t", index=False)

# ---- model fits on the Haxby 25 mm runs --------------------------------------------------------
mask_path = os.path.join(sub, "masks/25mm/brain.nii.gz")
mask = nib.load(mask_path).get_fdata() > 0
ijk = np.argwhere(mask)  # C order over (i, j, k), as algia lists voxels after sorting by flat index
runs = [os.path.join(run_dir(r), "bold_25mm.nii.gz") for r in (1, 2)]
events = [pd.read_csv(os.path.join(run_dir(r), "bold_events.tsv"), sep="\t") for r in (1, 2)]
confs = [motion(r) for r in (1, 2)]
contrasts = {"face_minus_house": ("face - house", None), "faces": ("face", None),
             "mean_objects": ("0.25*scissors + 0.25*shoe + 0.25*chair + 0.25*bottle", None),
             "face_cat_F": (np.vstack, ["face - house", "cat - house"])}
rows = []
for noise in ("ols", "ar1"):
    for label, sel in (("run1", [0]), ("run12", [0, 1])):
        m = FirstLevelModel(t_r=2.5, hrf_model="glover", drift_model="cosine", high_pass=0.01, mask_img=mask_path,
                            noise_model=noise, signal_scaling=0, minimize_memory=True)
        m.fit([runs[i] for i in sel], events=[events[i] for i in sel], confounds=[confs[i] for i in sel])
        for cname, (expr, parts) in contrasts.items():
            if parts is None:
                con = expr
                res = m.compute_contrast(con, output_type="all")
            else:
                cols = m.design_matrices_[0].columns.tolist()
                from nilearn.glm.contrasts import expression_to_contrast_vector
                con = np.vstack([expression_to_contrast_vector(p, cols) for p in parts])
                res = m.compute_contrast([con] * len(sel), stat_type="F", output_type="all")
            vals = {k: res[k].get_fdata()[mask] for k in ("stat", "z_score", "p_value")}
            if parts is None:
                vals["effect_size"] = res["effect_size"].get_fdata()[mask]
                vals["effect_variance"] = res["effect_variance"].get_fdata()[mask]
            df = pd.DataFrame({"i": ijk[:, 0], "j": ijk[:, 1], "k": ijk[:, 2]})
            for k in ("effect_size", "effect_variance", "stat", "z_score", "p_value"):
                if k in vals:
                    df[k] = vals[k]
            write(df, f"fit_{noise}_{label}_{cname}.tsv")

# ---- single-trial betas (Mumford 2012) on run 1: LSA with OLS, LSS with AR(1) ---------------------
ev = events[0].sort_values("onset", kind="stable").reset_index(drop=True)
count = {}
names = []
for tt in ev.trial_type:
    count[tt] = count.get(tt, 0) + 1
    names.append(f"{tt}__{count[tt]}")
for kind, noise in (("lsa", "ols"), ("lss", "ar1")):
    df = pd.DataFrame({"i": ijk[:, 0], "j": ijk[:, 1], "k": ijk[:, 2]})
    if kind == "lsa":
        e = ev.assign(trial_type=names)
        m = FirstLevelModel(t_r=2.5, mask_img=mask_path, noise_model=noise).fit(runs[0], events=e, confounds=confs[0])
        for nm in names:
            df[nm] = m.compute_contrast(nm, output_type="effect_size").get_fdata()[mask]
    else:
        for i, nm in enumerate(names):
            e = ev.copy()
            e.loc[i, "trial_type"] = nm
            m = FirstLevelModel(t_r=2.5, mask_img=mask_path, noise_model=noise).fit(runs[0], events=e, confounds=confs[0])
            df[nm] = m.compute_contrast(nm, output_type="effect_size").get_fdata()[mask]
    write(df, f"single_trial_{kind}_run1.tsv")
print("done", out)
