# Intent: the participant level's seed maps ([[seed]]) equal `algia seedmap` run by hand with the same
# denoising (byte for byte), and its graph measures ([connectivity] density) equal `algia connect
# --graph` on the participant's own time series; a bad seed is refused with the configuration line.
"$ALGIA" -q simulate --design demo --participants 2 --out "$OUT/fmriprep" --seed 3 >/dev/null
A="$OUT/fmriprep/atlas"
cat > "$OUT/study.toml" <<TOML
[study]
name = "seeds"
sessions = ["pre", "post"]
[atlas]
image = "fmriprep/atlas/$(ls "$A" | grep _dseg.nii.gz)"
labels = "fmriprep/atlas/atlas-sim_dseg.tsv"
[connectivity]
density = 0.2
[[seed]]
name = "pcc"
x = 0
y = -52
z = 26
radius = 12
[[seed]]
name = "mpfc"
x = 0
y = 52
z = -6
radius = 12
TOML
"$ALGIA" "$OUT/fmriprep" "$OUT/out" participant --config "$OUT/study.toml" --participant-label 01 --no-report >/dev/null 2>&1
F="$OUT/fmriprep/sub-01/ses-pre/func"
O="$OUT/out/sub-01/ses-pre/func"
BOLD="$F/sub-01_ses-pre_task-rest_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz"
"$ALGIA" -q seedmap "$BOLD" --seed 0,-52,26,12 --seed 0,52,-6,12 --confounds "$F/sub-01_ses-pre_task-rest_desc-confounds_timeseries.tsv" \
  --strategy 24p --scrub-fd 0.5 --high-pass 0.01 --low-pass 0.08 --out "$OUT/byhand.nii.gz"
"$PYTHON" - "$OUT/byhand.nii.gz" "$O/sub-01_ses-pre_task-rest" <<'PY'
import sys, numpy as np, nibabel as nib
both = np.asarray(nib.load(sys.argv[1]).dataobj)
for k, name in enumerate(("pcc", "mpfc")):
    mine = np.asarray(nib.load(f"{sys.argv[2]}_seed-{name}_stat-z_seedmap.nii.gz").dataobj)
    assert mine.shape == both.shape[:3] and np.array_equal(mine, both[..., k]), f"seed map {name} differs from algia seedmap"
    assert np.count_nonzero(mine) > 100
print("seed maps equal algia seedmap")
PY
mkdir -p "$OUT/conn"
"$ALGIA" -q connect "$O/sub-01_ses-pre_task-rest_timeseries.tsv" --kind correlation --estimator empirical \
  --graph --density 0.2 --out-dir "$OUT/conn"
"$PYTHON" - "$O/sub-01_ses-pre_task-rest_desc-graph_measures.tsv" "$OUT/conn/sub-01_ses-pre_task-rest_desc-correlation_graph.tsv" <<'PY'
import sys, csv
mine = {r["graph"]: r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t")}
ref = {r["graph"]: r for r in csv.DictReader(open(sys.argv[2]), delimiter="\t")}
for g, rg in (("whole", "density-0.2"), ("default_mode", "density-0.2-dmn")):
    assert mine[g]["n_edges"] == ref[rg]["n_edges"], (g, mine[g], ref[rg])
    for k, rk in (("global_efficiency", "global_efficiency_weighted"), ("char_path_length", "char_path_length_weighted"),
                  ("mean_clustering", "mean_clustering_weighted"), ("global_efficiency_binary", "global_efficiency_binary")):
        assert abs(float(mine[g][k]) - float(ref[rg][rk])) <= 1e-12 * max(1, abs(float(ref[rg][rk]))), (g, k, mine[g][k], ref[rg][rk])
print("graph measures equal algia connect --graph:", mine["whole"]["global_efficiency"], mine["default_mode"]["global_efficiency"])
PY
sed 's/^y = -52/y = "back"/' "$OUT/study.toml" > "$OUT/bad.toml"
expect_error 3 "bad.toml:12:" "$ALGIA" config --check "$OUT/bad.toml"
sed 's/^radius = 12/radius = false/' "$OUT/study.toml" > "$OUT/bad2.toml"
expect_error 3 "radius must be a number" "$ALGIA" config --check "$OUT/bad2.toml"
