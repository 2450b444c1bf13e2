# Intent: collinear confounds make a rank-deficient design: refused, naming the collinear columns.
needs_data
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
awk -F'\t' 'BEGIN{OFS="\t"} NR==1{print; next} {$2=$1; print}' "$CONF1" > "$OUT/conf.tsv"
expect_error 3 "collinear: trans_x, trans_y" "$ALGIA" glm "$BOLD1" --events "$EV1" --confounds "$OUT/conf.tsv" --mask "$MASK" --contrast f=face --out "$OUT/res"
expect_absent "$OUT/res/bold_contrast-f"
