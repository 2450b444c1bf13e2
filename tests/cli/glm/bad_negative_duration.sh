# Intent: a negative event duration is refused with the row named.
needs_data
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
{ cat "$EV1"; printf '30.0\t-2\tface\n'; } > "$OUT/neg.tsv"
expect_error 3 "negative duration" "$ALGIA" glm "$BOLD1" --events "$OUT/neg.tsv" --mask "$MASK" --contrast f=face --out "$OUT/res"
expect_absent "$OUT/res/bold_contrast-f"
