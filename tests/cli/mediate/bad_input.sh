# Intent: bad mediation input is refused with one clear message and nothing is written: an unknown
# column, a categorical X with three levels, a constant X, a serial chain with one mediator, too few
# rows, a missing output folder; a two-level text X is coded 0/1 and said so.
F="$FIXTURES/mediation"
expect_error 3 "no column 'nope'" "$ALGIA" mediate --table "$F/single.tsv" --x nope --m m --y y --out "$OUT/r.tsv"
printf 'x\tm\ty\n' > "$OUT/cat.tsv"
for i in $(seq 1 12); do printf '%s\t%s\t%s\n' "$(echo a b c | cut -d' ' -f$((i % 3 + 1)))" "$i" "$((i * i % 7))" >> "$OUT/cat.tsv"; done
expect_error 3 "categorical with 3 levels" "$ALGIA" mediate --table "$OUT/cat.tsv" --x x --m m --y y --out "$OUT/r.tsv"
printf 'x\tm\ty\n' > "$OUT/const.tsv"
for i in $(seq 1 12); do printf '1\t%s\t%s\n' "$i" "$((i * i % 7))" >> "$OUT/const.tsv"; done
expect_error 3 "X is constant" "$ALGIA" mediate --table "$OUT/const.tsv" --x x --m m --y y --out "$OUT/r.tsv"
expect_error 2 "exactly two mediators" "$ALGIA" mediate --table "$F/single.tsv" --x x --m m --y y --serial --out "$OUT/r.tsv"
head -4 "$F/serial.tsv" > "$OUT/few.tsv"
expect_error 3 "too few" "$ALGIA" mediate --table "$OUT/few.tsv" --x x --m m1 --y y --out "$OUT/r.tsv"
expect_error 4 "output folder does not exist" "$ALGIA" mediate --table "$F/single.tsv" --x x --m m --y y --out "$OUT/no/r.tsv"
expect_absent "$OUT/r.tsv"
printf 'x\tm\ty\n' > "$OUT/two.tsv"
for i in $(seq 1 30); do printf '%s\t%s\t%s\n' "$([ $((i % 2)) = 0 ] && echo prt || echo placebo)" "$((i * 7 % 11))" "$((i * i % 13))" >> "$OUT/two.tsv"; done
"$ALGIA" mediate --table "$OUT/two.tsv" --x x --m m --y y --boot 200 --out "$OUT/r.tsv" 2> "$OUT/err"
grep -q "coded placebo = 0, prt = 1" "$OUT/err"
