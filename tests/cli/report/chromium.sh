# Intent: the HTML reports are self-contained and load in headless Chromium with no console errors,
# every image decodes (the page records it in <body data-images-ok>), and a screenshot is taken.
command -v chromium >/dev/null || { echo "FAIL: chromium is required (tools/run installs Debian's chromium)"; exit 1; }
"$ALGIA" -q demo --out "$OUT/d" --participants 6 --seed 5 >/dev/null 2>&1
# The overlays: the participant's heat contrast z map and the group's one-sample t map, and QC-FC.
grep -q "<h2>Group map: ses-post_task-heat_contrast-heat</h2>" "$OUT/d/algia/group/group_report.html"
grep -q "<h2>QC-FC: motion and connectivity</h2>" "$OUT/d/algia/group/group_report.html"
grep -q "contrast heat</h2><figure><img" "$OUT/d/algia/sub-01/sub-01_report.html"
# Mixed-model estimates (fixed effects with CIs and a forest plot) and the participant's DMN graph PNG.
grep -q '<h2 id="mixed-models">Mixed-model estimates</h2>' "$OUT/d/algia/group/group_report.html"
grep -q "Fixed effects with 95% CI (signature_lmm)" "$OUT/d/algia/group/group_report.html"
grep -q '<h3 id="dmn-graph-sub-01_ses-pre_task-rest">Default-mode network graph</h3><figure><img alt="" src="data:image/png;base64,' \
  "$OUT/d/algia/sub-01/sub-01_report.html"
# Its nodes sit at the atlas centroids (the table gives them), not on a circle.
grep -q 'at their atlas centroids seen from above' "$OUT/d/algia/sub-01/sub-01_report.html"
grep -q '<tr><th>node</th><th>region</th><th>x_mm</th><th>y_mm</th><th>z_mm</th><th>degree</th><th>strength</th>' \
  "$OUT/d/algia/sub-01/sub-01_report.html"
for page in "$OUT/d/algia/group/group_report.html" "$OUT/d/algia/sub-01/sub-01_report.html"; do
  ! grep -Eq '(src|href)="(https?:)?//' "$page" || { echo "FAIL: $page loads a remote resource"; exit 1; }
  timeout 120 chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 --virtual-time-budget=5000 \
    --dump-dom "file://$page" > "$OUT/dom.html" 2> "$OUT/console.txt"
  grep -q 'data-images-ok="yes"' "$OUT/dom.html" || { echo "FAIL: an image did not decode in $page"; exit 1; }
  n=$(grep -o 'data-images="[0-9]*"' "$OUT/dom.html" | grep -o '[0-9]*')
  [ "$n" -ge 1 ] || { echo "FAIL: no images in $page"; exit 1; }
  if grep -q "CONSOLE" "$OUT/console.txt"; then echo "FAIL: console messages in $page:"; grep CONSOLE "$OUT/console.txt"; exit 1; fi
  timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1600 \
    --screenshot="$OUT/shot.png" "file://$page" >/dev/null 2>&1
  [ "$(head -c 8 "$OUT/shot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
  echo "ok: $page ($n images, screenshot $(wc -c < "$OUT/shot.png") bytes)"
done
