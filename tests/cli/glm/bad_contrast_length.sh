# Intent: a numeric contrast vector with the wrong number of weights is refused (nilearn pads it).
needs_data
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
expect_error 2 "has 3 weights but the design has" "$ALGIA" glm "$BOLD1" --events "$EV1" --mask "$MASK" --contrast 'x=[1, -1, 0]' --out "$OUT/res"
expect_absent "$OUT/res/bold_contrast-x"
