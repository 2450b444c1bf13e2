# Intent: n/a inside a confound column (not the first row of a derivative) is refused.
needs_data
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
awk -F'\t' 'BEGIN{OFS="\t"} NR==50{$3="n/a"} {print}' "$CONF1" > "$OUT/nan.tsv"
expect_error 3 "is n/a" "$ALGIA" glm "$BOLD1" --events "$EV1" --confounds "$OUT/nan.tsv" --mask "$MASK" --contrast f=face --out "$OUT/res"
expect_absent "$OUT/res/bold_contrast-f"
