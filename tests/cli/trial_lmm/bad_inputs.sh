# Intent: bad input to `algia trial lmm` is one clear error naming the problem, with nothing
# written; a singular fit is not an error but is reported (stderr warning, _model.tsv).
T="$FIXTURES/lmm/trial.tsv"
expect_error 3 "nosuch" "$ALGIA" trial lmm --table "$T" --formula 'pain ~ arm + (1 | nosuch)' --out "$OUT/x"
expect_absent "$OUT/x"
expect_error 3 "column 'arm'" "$ALGIA" trial lmm --table "$T" --formula 'arm ~ visit + (1 | id)' --out "$OUT/x"
expect_error 2 "random-effects term" "$ALGIA" trial lmm --table "$T" --formula 'pain ~ arm' --out "$OUT/x"
printf 'id\tx\ty\n' > "$OUT/one.tsv"
for i in 1 2 3 4 5 6; do printf 'a\t%s\t%s\n' "$i" "$((i * i % 5))" >> "$OUT/one.tsv"; done
expect_error 3 "grouping factor 'id' has 1 level" "$ALGIA" trial lmm --table "$OUT/one.tsv" --formula 'y ~ x + (1 | id)' --out "$OUT/x"
expect_error 2 "is numeric" "$ALGIA" trial lmm --table "$T" --formula 'pain ~ arm * time + (1 | id)' --emmeans arm:time --out "$OUT/x"
expect_error 2 "one placeholder" "$ALGIA" trial lmm --table "$T" --wide 'pain' --formula 'pain ~ arm + (1 | id)' --out "$OUT/x"
expect_error 4 "does not exist" "$ALGIA" trial lmm --table "$T" --formula 'pain ~ arm + (1 | id)' --out "$OUT/nodir/x"
expect_absent "$OUT/x"
"$ALGIA" trial lmm --table "$FIXTURES/lmm/singular.tsv" --formula 'y ~ x + (1 | id)' --out "$OUT/s" 2> "$OUT/s.err"
grep -q "singular" "$OUT/s.err"
grep -q "^singular	true$" "$OUT/s_model.tsv"
