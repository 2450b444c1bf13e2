# Intent: `algia stats --blocks COLUMN [--whole-blocks]` on a repeated-measures table runs (same
# seed, same result) and says how many permutations ran; more permutations than exist are
# enumerated exactly (said on stderr and in the summary, p exact); bad block options are errors.
printf 'participant_id\tsession\ttime\ty\n' > "$OUT/rm.tsv"
for s in 1 2 3 4 5 6 7 8; do
  for t in 0 1 2; do printf 'sub-%02d\tses-%d\t%d\t%s\n' "$s" "$t" "$t" "$(( (s * 7 + t * 3) % 11 ))" >> "$OUT/rm.tsv"; done
done
mkdir -p "$OUT/a" "$OUT/b" "$OUT/w" "$OUT/x"
"$ALGIA" --nprocs 1 stats --table "$OUT/rm.tsv" --formula '~ time' --columns y --blocks participant_id --permutations 500 --seed 5 --out "$OUT/a"
"$ALGIA" --nprocs 2 stats --table "$OUT/rm.tsv" --formula '~ time' --columns y --blocks participant_id --permutations 500 --seed 5 --out "$OUT/b"
cmp "$OUT/a/stats.tsv" "$OUT/b/stats.tsv"
grep -P '\t500\tno$' "$OUT/a/stats.tsv"
# 8 participants x 3 sessions, whole blocks: 8! - 1 = 40319 rearrangements > 500, random
"$ALGIA" stats --table "$OUT/rm.tsv" --formula '~ time' --columns y --blocks participant_id --whole-blocks --permutations 500 --out "$OUT/w"
# One-sample on 6 values: 2^6 - 1 = 63 sign flips exist
printf 'y\n1.2\n0.8\n2.0\n1.5\n-0.3\n0.9\n' > "$OUT/one.tsv"
"$ALGIA" stats --table "$OUT/one.tsv" --columns y --permutations 1000 --out "$OUT/x" 2> "$OUT/x/err.txt"
grep -F "1000 permutations requested but only 63 distinct rearrangements" "$OUT/x/err.txt"
"$PYTHON" - "$OUT/x/stats.tsv" <<'PY'
import sys, csv, itertools, numpy as np
row = next(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
assert row["permutations"] == "63" and row["exhaustive"] == "yes", row
y = np.array([1.2, 0.8, 2.0, 1.5, -0.3, 0.9])
t = lambda v: v.mean() / (v.std(ddof=1) / np.sqrt(len(v)))
ts = [t(y * np.array(s)) for s in itertools.product([1, -1], repeat=6)]
p = np.mean([x >= t(y) - 1e-12 for x in ts])
assert abs(float(row["p_perm"]) - p) < 1e-12, (row, p)
print("exact sign-flip p", p)
PY
head -n 6 "$OUT/rm.tsv" > "$OUT/uneven.tsv"
expect_error 3 "blocks of equal size" "$ALGIA" stats --table "$OUT/uneven.tsv" --formula '~ time' --columns y --blocks participant_id --whole-blocks --permutations 10 --out "$OUT/w"
expect_error 2 "no column 'subject' for --blocks" "$ALGIA" stats --table "$OUT/rm.tsv" --formula '~ time' --columns y --blocks subject --out "$OUT/w"
expect_error 2 "--whole-blocks needs --blocks COLUMN" "$ALGIA" stats --table "$OUT/rm.tsv" --formula '~ time' --columns y --whole-blocks --out "$OUT/w"
printf 'participant_id\ttime\ty\n' > "$OUT/single.tsv"
for s in 1 2 3 4 5; do printf 'sub-%d\t%d\t%d\n' "$s" "$s" "$(( s * 3 % 4 ))" >> "$OUT/single.tsv"; done
expect_error 3 "nothing to permute" "$ALGIA" stats --table "$OUT/single.tsv" --formula '~ time' --columns y --blocks participant_id --out "$OUT/w"
