# Intent: a contrast over a trial type the events do not have is refused, listing the columns.
needs_data
source "$(dirname "${BASH_SOURCE[0]}")/_setup.inc"
expect_error 2 "the design has no column 'dog'" "$ALGIA" glm "$BOLD1" --events "$EV1" --mask "$MASK" --contrast x=face-dog --out "$OUT/res"
expect_absent "$OUT/res/bold_contrast-x"
