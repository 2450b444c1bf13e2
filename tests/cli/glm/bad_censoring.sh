# Intent: censoring inputs are checked before anything is written: a sample mask with the wrong
# number of rows, values other than 0/1, no 'kept' column among several, one mask file per run,
# scrubbing without an FD column, and a run left with fewer volumes than design columns.
needs_data
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
printf 'kept\n' > "$OUT/short.tsv"; for i in $(seq 1 100); do echo 1 >> "$OUT/short.tsv"; done
expect_error 3 "has 100 rows but" "$ALGIA" glm "$BOLD1" --events "$EV1" --mask "$MASK" --t-r 2.5 --sample-mask "$OUT/short.tsv" --contrast f=face --out "$OUT/res"
printf 'kept\n' > "$OUT/two.tsv"; for i in $(seq 1 120); do echo 1 >> "$OUT/two.tsv"; done; echo 2 >> "$OUT/two.tsv"
expect_error 3 "row 122: the sample mask must be 0 or 1" "$ALGIA" glm "$BOLD1" --events "$EV1" --mask "$MASK" --t-r 2.5 --sample-mask "$OUT/two.tsv" --contrast f=face --out "$OUT/res"
printf 'a\tb\n' > "$OUT/cols.tsv"; for i in $(seq 1 121); do printf '1\t1\n' >> "$OUT/cols.tsv"; done
expect_error 3 "needs a 0/1 column 'kept'" "$ALGIA" glm "$BOLD1" --events "$EV1" --mask "$MASK" --t-r 2.5 --sample-mask "$OUT/cols.tsv" --contrast f=face --out "$OUT/res"
expect_error 2 "2 BOLD runs but 1 sample-mask files" "$ALGIA" glm "$BOLD1" "$BOLD2" --events "$EV1" "$EV2" --mask "$MASK" --t-r 2.5 --sample-mask "$FIXTURES/glm/sample_mask_run1.tsv" --contrast f=face --out "$OUT/res"
expect_error 3 "has no framewise_displacement column" "$ALGIA" glm "$BOLD1" --events "$EV1" --confounds "$CONF1" --mask "$MASK" --t-r 2.5 --scrub-fd 0.5 --contrast f=face --out "$OUT/res"
printf 'kept\n' > "$OUT/few.tsv"; for i in $(seq 1 121); do echo $(( i <= 10 )) >> "$OUT/few.tsv"; done
expect_error 3 "10 of 121 volumes are kept after censoring" "$ALGIA" glm "$BOLD1" --events "$EV1" --mask "$MASK" --t-r 2.5 --sample-mask "$OUT/few.tsv" --contrast f=face --out "$OUT/res"
[ -z "$(ls "$OUT/res")" ]
