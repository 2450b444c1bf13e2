# Intent: workflows/Snakefile runs the BIDS App one job per participant, then the group job, and
# gives exactly the group outputs of running the pipeline directly (`algia demo` runs it in one
# process); rerunning does nothing (resumable); the Slurm profile's dry run plans 6 participant
# jobs and the group job. Skips when snakemake is not installed.
if ! command -v snakemake >/dev/null 2>&1; then echo "SKIP: snakemake is not installed (apt-get install snakemake)"; exit 0; fi
WF="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../workflows" && pwd)"
"$ALGIA" -q demo --out "$OUT/d" --participants 6 >/dev/null 2>"$OUT/demo.err"
cfg=(fmriprep="$OUT/d/fmriprep" out="$OUT/smk" study="$OUT/d/study.toml" algia="$ALGIA" threads=1)
cd "$OUT"
snakemake -s "$WF/Snakefile" --cores 2 --quiet --config "${cfg[@]}" > "$OUT/smk.log" 2>&1 || { cat "$OUT/smk.log"; exit 1; }
for f in group/models.tsv group/group_table.tsv; do
  cmp "$OUT/d/algia/$f" "$OUT/smk/$f" || { echo "FAIL: $f differs from the direct run"; diff "$OUT/d/algia/$f" "$OUT/smk/$f" | head; exit 1; }
done
n=$(ls -d "$OUT"/smk/sub-*/ | wc -l)
[ "$n" -eq 6 ] || { echo "FAIL: expected 6 participant folders, got $n"; exit 1; }
# Resumable: a second run has nothing to do.
snakemake -s "$WF/Snakefile" --cores 2 --config "${cfg[@]}" > "$OUT/again.log" 2>&1
grep -q "Nothing to be done" "$OUT/again.log" || { echo "FAIL: the rerun did work:"; cat "$OUT/again.log"; exit 1; }
# Slurm profile: the dry run plans every job (no Slurm needed).
snakemake -n -s "$WF/Snakefile" --profile "$WF/profiles/slurm" --config "${cfg[@]/#out=*/out=$OUT/fresh}" > "$OUT/dry.log" 2>&1 \
  || { echo "FAIL: slurm dry run"; cat "$OUT/dry.log"; exit 1; }
grep -Eq "participant +6" "$OUT/dry.log" || { echo "FAIL: the dry run does not plan 6 participant jobs:"; cat "$OUT/dry.log"; exit 1; }
grep -Eq "group +1" "$OUT/dry.log" || { echo "FAIL: the dry run does not plan the group job"; cat "$OUT/dry.log"; exit 1; }
# A missing --config key is refused with a clear message.
if snakemake -n -s "$WF/Snakefile" --cores 1 --config fmriprep="$OUT/d/fmriprep" > "$OUT/bad.log" 2>&1; then
  echo "FAIL: a run without out/study was accepted"; exit 1
fi
grep -q "pass --config" "$OUT/bad.log" || { echo "FAIL: unclear message:"; cat "$OUT/bad.log"; exit 1; }
echo "ok: snakemake == direct pipeline; rerun is a no-op; slurm dry run plans 6 + 1 jobs"
