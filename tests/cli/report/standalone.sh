# Intent: `algia report OUTPUT_DIR` writes the same reports (byte for byte) as the BIDS App writes at
# the end of each level, for output written with --no-report; and refuses folders that are not
# algia output.
"$ALGIA" -q simulate --design demo --participants 4 --out "$OUT/fmriprep" --seed 8 >/dev/null
A="$OUT/fmriprep/atlas"
cat > "$OUT/study.toml" <<TOML
[study]
name = "report"
sessions = ["pre", "post"]
[atlas]
image = "fmriprep/atlas/$(ls "$A" | grep _dseg.nii.gz)"
labels = "fmriprep/atlas/atlas-sim_dseg.tsv"
[group]
permutations = 100
[[model]]
name = "dmn_years"
outcome = "dmn_within_pre"
formula = "~ years_with_pain"
TOML
for level in participant group; do
  "$ALGIA" "$OUT/fmriprep" "$OUT/with" $level --config "$OUT/study.toml" >/dev/null 2>&1
  "$ALGIA" "$OUT/fmriprep" "$OUT/without" $level --config "$OUT/study.toml" --no-report >/dev/null 2>&1
done
[ ! -e "$OUT/without/group/group_report.html" ] && [ ! -e "$OUT/without/sub-01/sub-01_report.html" ]
last=$("$ALGIA" report "$OUT/without" 2>/dev/null)
[ "$last" = "$OUT/without/group/group_report.html" ]
n=0
for f in $(cd "$OUT/with" && find . -name '*_report.html' | sort); do
  cmp "$OUT/with/$f" "$OUT/without/$f"; n=$((n + 1))
done
[ "$n" -eq 5 ] || { echo "FAIL: expected 4 participant reports and a group report, found $n"; exit 1; }
echo "ok: $n reports identical to the BIDS App's"
mkdir -p "$OUT/empty"
expect_error 3 "holds no sub-<label> folder" "$ALGIA" report "$OUT/empty"
expect_error 3 "is not a folder" "$ALGIA" report "$OUT/study.toml"
