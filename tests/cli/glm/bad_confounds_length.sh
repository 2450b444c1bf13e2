# Intent: a confounds table with another number of rows than the run has volumes is refused.
needs_data
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
head -n 100 "$CONF1" > "$OUT/short.tsv"
expect_error 3 "has 99 rows but the BOLD run has 121 volumes" "$ALGIA" glm "$BOLD1" --events "$EV1" --confounds "$OUT/short.tsv" --mask "$MASK" --contrast f=face --out "$OUT/res"
expect_absent "$OUT/res/bold_contrast-f"
