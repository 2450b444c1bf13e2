# Intent: with --mask, maps are reduced to the mask as they are read; a map on another grid, a 4D
# map, or a mask on another grid is still a clear error naming the file, and with two bad maps the
# first in the list is the one named, on any thread count.
needs_data
w="$DATA/contrast_maps/wager2008_emoreg_canlab"
other="$DATA/contrast_maps/neurovault_10426/image_10426.nii.gz"
later="$DATA/atlases/templates/tpl_icbm09a_brainmask_2mm.nii.gz"
mask="$FIXTURES/stats/wager_mask.nii.gz"
mkdir -p "$OUT/o"
for t in 1 2; do
  expect_error 3 "image_10426.nii.gz: is on another grid" "$ALGIA" --nprocs $t stats "$w/con_00810001.hdr" "$w/con_00810002.hdr" \
    "$other" "$w/con_00810003.hdr" "$later" --mask "$mask" --permutations 0 --out "$OUT/o"
done
expect_error 3 "the mask is on another grid" "$ALGIA" stats "$w/con_00810001.hdr" "$w/con_00810002.hdr" "$w/con_00810003.hdr" \
  --mask "$other" --permutations 0 --out "$OUT/o"
# The same maps with and without the mask's early reduction give the same t inside the mask.
"$ALGIA" stats "$w/con_00810001.hdr" "$w/con_00810002.hdr" "$w/con_00810003.hdr" "$w/con_00810004.hdr" --mask "$mask" \
  --permutations 0 --out "$OUT/o"
[ -s "$OUT/o/contrast-intercept_stat-t_statmap.nii.gz" ]
expect_absent "$OUT/o"/*.algia-tmp-*
