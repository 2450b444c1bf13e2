# Intent: `algia trial attributions` on a long table (one row per participant and visit, causes
# separated by ';' in one cell) codes each cause, honours negation cues, lists uncoded text, counts
# the mind-brain score per participant and visit, and takes a user codebook; bad codebooks and a
# missing output folder are clear errors.
printf 'participant_id\tvisit\tcauses\n' > "$OUT/t.tsv"
printf 'sub-01\tpre\ta herniated disc; lifting at work; my genes\n' >> "$OUT/t.tsv"
printf 'sub-01\tpost\tstress; my brain learned the pain; not an injury, just fear\n' >> "$OUT/t.tsv"
printf 'sub-02\tpre\tbad posture; xyzzy\n' >> "$OUT/t.tsv"
printf 'sub-02\tpost\tn/a\n' >> "$OUT/t.tsv"
mkdir -p "$OUT/a"
"$ALGIA" trial attributions --table "$OUT/t.tsv" --column causes --visit-column visit --out "$OUT/a"
grep -P '^sub-01\tpre\t3\t3\t0$' "$OUT/a/participants.tsv"
grep -P '^sub-01\tpost\t3\t3\t3$' "$OUT/a/participants.tsv"
grep -P '^sub-02\tpre\t2\t1\t0$' "$OUT/a/participants.tsv"
grep -P '^sub-02\tpost\t0\t0\t0$' "$OUT/a/participants.tsv"
grep -P '\tnot an injury, just fear\tpsychological\t.*\tinjur\*\t' "$OUT/a/causes.tsv"
grep -P '^sub-02\tpre\tcauses\txyzzy$' "$OUT/a/uncoded.tsv"
# A user codebook: one category, one phrase.
printf 'category\tpattern\ttype\tnote\nmagic\txyzzy\tphrase\ttest\n' > "$OUT/cb.tsv"
mkdir -p "$OUT/b"
"$ALGIA" trial attributions --table "$OUT/t.tsv" --column causes --visit-column visit --codebook "$OUT/cb.tsv" --out "$OUT/b"
grep -P '\txyzzy\tmagic\t' "$OUT/b/causes.tsv"
printf 'category\tpattern\ttype\nmagic\txyzzy\tword\n' > "$OUT/bad.tsv"
expect_error 3 "bad.tsv: line 2: type 'word' is not phrase, regex or negation" "$ALGIA" trial attributions --table "$OUT/t.tsv" --column causes --codebook "$OUT/bad.tsv" --out "$OUT/b"
expect_error 4 "the output folder does not exist" "$ALGIA" trial attributions --table "$OUT/t.tsv" --column causes --out "$OUT/nope"
expect_error 3 "has no column 'cause'" "$ALGIA" trial attributions --table "$OUT/t.tsv" --column cause --out "$OUT/b"
