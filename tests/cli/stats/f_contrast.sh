# Intent: `algia stats --f-contrast` on a table with a three-level arm and a covariate: F, df and
# parametric p equal statsmodels OLS f_test (1e-6), permutation p in range; on images a one-row F
# equals t squared; bad F contrasts are clear errors.
needs_nibabel
"$PYTHON" - "$OUT/t.tsv" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(3)
with open(sys.argv[1], "w") as f:
    f.write("participant_id\tarm\tage\ty1\ty2\n")
    for i in range(36):
        arm = "abc"[i % 3]
        age = 30 + rng.normal() * 8
        y1 = rng.normal() + (0.8 if arm == "c" else 0) + 0.02 * age
        y2 = rng.normal()
        f.write(f"sub-{i:02d}\t{arm}\t{age:.4f}\t{y1:.5f}\t{y2:.5f}\n")
PY
mkdir -p "$OUT/r"
"$ALGIA" stats --table "$OUT/t.tsv" --formula '~ arm + age' --columns y1 y2 --f-contrast 'arm=arm[T.b]; arm[T.c]' \
  --permutations 199 --seed 2 --out "$OUT/r"
"$PYTHON" - "$OUT/t.tsv" "$OUT/r/stats_f.tsv" <<'PY'
import sys, csv, numpy as np
import statsmodels.api as sm
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
got = {r["column"]: r for r in csv.DictReader(open(sys.argv[2]), delimiter="\t")}
arm = np.array([r["arm"] for r in rows]); age = np.array([float(r["age"]) for r in rows])
X = np.column_stack([np.ones(len(rows)), arm == "b", arm == "c", age]).astype(float)
for col in ("y1", "y2"):
    y = np.array([float(r[col]) for r in rows])
    ft = sm.OLS(y, X).fit().f_test(np.array([[0, 1, 0, 0], [0, 0, 1, 0]]))
    g = got[col]
    assert abs(float(g["F"]) - float(np.squeeze(ft.fvalue))) < 1e-6 * float(np.squeeze(ft.fvalue)), (g, ft)
    assert abs(float(g["p"]) - float(ft.pvalue)) < 1e-6 * max(float(ft.pvalue), 1e-3), (g, ft)
    assert g["df1"] == "2" and g["df2"] == "32", g
    assert 1 / 200 - 1e-12 <= float(g["p_perm"]) <= 1 and 1 / 200 - 1e-12 <= float(g["p_fwe"]) <= 1, g
print("F agrees with statsmodels f_test")
PY
needs_data
ls "$DATA"/contrast_maps/wager2008_emoreg_canlab/con_*.hdr > "$OUT/list.txt"
cp "$FIXTURES/stats/design_intercept_x.tsv" "$OUT/design.tsv"
mkdir -p "$OUT/img"
"$ALGIA" stats "$OUT/list.txt" --design "$OUT/design.tsv" --formula '~ X_RVLPFC' --contrast x=X_RVLPFC --f-contrast fx=X_RVLPFC \
  --mask "$FIXTURES/stats/wager_mask.nii.gz" --permutations 0 --out "$OUT/img"
"$PYTHON" - "$OUT/img" <<'PY'
import sys, numpy as np, nibabel as nib
t = nib.load(f"{sys.argv[1]}/contrast-x_stat-t_statmap.nii.gz").get_fdata()
F = nib.load(f"{sys.argv[1]}/contrast-fx_stat-F_statmap.nii.gz").get_fdata()
assert np.abs(F - t * t).max() < 1e-4 * max(1, F.max()), np.abs(F - t * t).max()
print("F = t^2 on images")
PY
expect_error 2 "has no NAME=" "$ALGIA" stats --table "$OUT/t.tsv" --formula '~ arm' --f-contrast 'arm[T.b]' --out "$OUT/r"
expect_error 2 "linearly dependent" "$ALGIA" stats --table "$OUT/t.tsv" --formula '~ arm' --f-contrast 'a=arm[T.b]; 2*arm[T.b]' --out "$OUT/r"
expect_error 2 "no column 'armb'" "$ALGIA" stats --table "$OUT/t.tsv" --formula '~ arm' --f-contrast 'a=armb; arm[T.c]' --out "$OUT/r"
expect_error 2 "two contrasts are named 'a'" "$ALGIA" stats --table "$OUT/t.tsv" --formula '~ arm' --contrast a=arm[T.c] --f-contrast 'a=arm[T.b]; arm[T.c]' --out "$OUT/r"
