# Intent: issue 9's bad inputs are refused with exit 3 (or 2 for usage), one clear line naming the
# file/column, the problem and the fix, and no output written: unknown column, an arm with one
# level, a responder rule that matches nobody, non-numeric pain values, items out of range, plus
# a malformed rule, an unknown visit and an unknown instrument.
printf 'participant_id\tarm\tvisit\tpain\n' > "$OUT/t.tsv"
for i in $(seq 1 12); do printf 'sub-%02d\t%s\tpost\t%s\n' "$i" "$([ $((i % 2)) = 0 ] && echo PRT || echo placebo)" "$((i % 7 + 2))" >> "$OUT/t.tsv"; done
expect_error 3 "has no column 'pian'" "$ALGIA" trial responders --table "$OUT/t.tsv" --column pian --rule '<=1' --arm-column arm --out "$OUT/r.tsv"
expect_absent "$OUT/r.tsv"
expect_error 3 "has no column 'group'" "$ALGIA" trial responders --table "$OUT/t.tsv" --column pain --rule '<=1' --arm-column group --out "$OUT/r.tsv"
grep -v PRT "$OUT/t.tsv" > "$OUT/one.tsv"
expect_error 3 "column 'arm' has only one level ('placebo')" "$ALGIA" trial responders --table "$OUT/one.tsv" --column pain --rule '>=3' --arm-column arm --out "$OUT/r.tsv"
expect_error 3 "matches no participant" "$ALGIA" trial responders --table "$OUT/t.tsv" --column pain --rule '<=1' --arm-column arm --out "$OUT/r.tsv"
expect_absent "$OUT/r.tsv"
sed 's/\t5$/\tmild/' "$OUT/t.tsv" > "$OUT/text.tsv"
expect_error 3 "column 'pain': 'mild' is not a number" "$ALGIA" trial responders --table "$OUT/text.tsv" --column pain --rule '<=1' --arm-column arm --out "$OUT/r.tsv"
expect_error 2 "is not a comparison with a number" "$ALGIA" trial responders --table "$OUT/t.tsv" --column pain --rule 'low' --arm-column arm
expect_error 3 "no row has visit = 'week8'" "$ALGIA" trial responders --table "$OUT/t.tsv" --column pain --rule '<=3' --visit-column visit --visit week8 --arm-column arm
expect_error 3 "column 'arm' has only one level" "$ALGIA" trial effects --table "$OUT/one.tsv" --arm-column arm --pre pain --post pain
expect_error 3 "'mild' is not a number" "$ALGIA" trial change --table "$OUT/text.tsv" --pre pain --post pain
# Questionnaire items out of range: the row and column are named.
printf 'participant_id\tphq9_01\tphq9_02\tphq9_03\tphq9_04\tphq9_05\tphq9_06\tphq9_07\tphq9_08\tphq9_09\n' > "$OUT/q.tsv"
printf 'sub-01\t1\t2\t0\t3\t1\t1\t0\t2\t1\n' >> "$OUT/q.tsv"
printf 'sub-02\t1\t2\t0\t3\t7\t1\t0\t2\t1\n' >> "$OUT/q.tsv"
expect_error 3 "line 3, column 'phq9_05': 7 is not a valid answer for phq9" "$ALGIA" trial score --table "$OUT/q.tsv" --instrument phq9 --out "$OUT/s.tsv"
expect_absent "$OUT/s.tsv"
expect_error 3 "no instrument 'phq99'" "$ALGIA" trial score --table "$OUT/q.tsv" --instrument phq99
expect_error 3 "no column 'phq9_1'" "$ALGIA" trial score --table "$OUT/q.tsv" --instrument phq9 --item-pattern 'phq9_{item}'
# A participant twice at the analysed visit.
printf 'participant_id\tarm\tvisit\tpain\nsub-01\tA\tpost\t1\nsub-02\tB\tpost\t3\nsub-01\tA\tpost\t2\n' > "$OUT/dup.tsv"
expect_error 3 "line 4: participant 'sub-01' has a second row at visit = 'post'" "$ALGIA" trial responders --table "$OUT/dup.tsv" --column pain --rule '<=1' --visit-column visit --visit post --arm-column arm
