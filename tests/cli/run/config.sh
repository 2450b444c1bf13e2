# Intent: the study configuration is validated with errors naming the file, line and column:
# unknown keys (typos), wrong types, bad values, missing files, TOML syntax; `config --example`
# prints a commented example that parses once its paths exist; `config --check` prints the hash.
"$ALGIA" config --example > "$OUT/example.toml"
grep -q "^\[\[model\]\]" "$OUT/example.toml"
grep -q "^\[\[mixed_model\]\]" "$OUT/example.toml"
mkdir -p "$OUT/atlas" "$OUT/signatures"
for f in atlas/Schaefer2018_100Parcels_7Networks_order_FSLMNI152_2mm.nii.gz atlas/Schaefer2018_100Parcels_7Networks_order.txt \
         signatures/SIIPS1.nii.gz participants.tsv; do : > "$OUT/$f"; done
"$ALGIA" config --check "$OUT/example.toml" | grep -q "ok (hash [0-9a-f]\{16\})"
printf '[denoise]\nstrategy = "24p"\nscrub_fdd = 0.5\n' > "$OUT/typo.toml"
expect_error 3 "typo.toml:3:1: unknown key 'scrub_fdd' in [denoise]" "$ALGIA" config --check "$OUT/typo.toml"
printf '[group]\npermutations = "many"\n' > "$OUT/type.toml"
expect_error 3 "type.toml:2:16: 'permutations' must be a whole number" "$ALGIA" config --check "$OUT/type.toml"
printf '[denoise]\nstrategy = "48p"\n' > "$OUT/value.toml"
expect_error 3 "unknown denoising strategy '48p'" "$ALGIA" config --check "$OUT/value.toml"
printf '[atlas]\nimage = "nope.nii.gz"\n' > "$OUT/missing.toml"
expect_error 3 "missing.toml:2:9: 'image' names" "$ALGIA" config --check "$OUT/missing.toml"
printf '[study\nname = 1\n' > "$OUT/syntax.toml"
expect_error 3 "syntax.toml:1:" "$ALGIA" config --check "$OUT/syntax.toml"
printf '[[mixed_model]]\nname = "lmm"\noutcome = "pain"\nrandom = "1 | id"\n' > "$OUT/random.toml"
expect_error 3 "random.toml:4:10: mixed model 'lmm': random = '1 | id' is not an lme4 random-effects term" "$ALGIA" config --check "$OUT/random.toml"
printf '[[mixed_model]]\nname = "lmm"\noutcome = "pain"\nformula = "~ arm * session"\nreml = "yes"\n' > "$OUT/reml.toml"
expect_error 3 "reml.toml:5:" "$ALGIA" config --check "$OUT/reml.toml"
