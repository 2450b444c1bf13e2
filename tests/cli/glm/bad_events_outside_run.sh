# Intent: an event that starts after the run ends (wrong run or TR) is refused, naming the file.
needs_data
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
{ cat "$EV1"; printf '400.0\t10\tface\n'; } > "$OUT/late.tsv"
expect_error 3 "after the run ends" "$ALGIA" glm "$BOLD1" --events "$OUT/late.tsv" --mask "$MASK" --contrast f=face --out "$OUT/res"
expect_absent "$OUT/res/bold_contrast-f"
