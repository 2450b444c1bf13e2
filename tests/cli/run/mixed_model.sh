# Intent: the group level's [[mixed_model]] reshapes the group table to one row per participant x
# session (session categorical in the configured order, the first session the reference; a
# participant missing a session keeps the other), and its tables equal `algia trial lmm` run by
# hand on that long table (byte for byte); mixed_models.tsv's 95% CIs are estimate +- t(df, .975) se;
# a formula naming visit gets the session's position (0, 1, ...) as a number; with R's lme4 +
# lmerTest installed, the fixed effects, SEs, Satterthwaite df and p agree with lmer/summary (REML
# and ML) within 1e-5; unknown outcome or formula columns are refused with the
# configuration line. A participant of the table without images is in the long table: with their
# clinical outcome (a participants column) in the pain model, with n/a brain measures otherwise.
needs_nibabel
"$ALGIA" -q simulate --design demo --participants 6 --out "$OUT/fmriprep" --seed 5 >/dev/null
rm -rf "$OUT/fmriprep/sub-06/ses-post"   # sub-06 has the first session only
rm -rf "$OUT/fmriprep/sub-05"            # sub-05 has no images: still in participants.tsv (clinical outcomes)
A="$OUT/fmriprep/atlas"
cat > "$OUT/study.toml" <<TOML
[study]
sessions = ["pre", "post"]
[columns]
arm = "arm"
[atlas]
image = "fmriprep/atlas/$(ls "$A" | grep _dseg.nii.gz)"
labels = "fmriprep/atlas/atlas-sim_dseg.tsv"
[glm]
enabled = false
[group]
permutations = 0

[[mixed_model]]
name = "dmn"
outcome = "dmn_within"
formula = "~ arm * session + age"

[[mixed_model]]
name = "pain"
outcome = "pain"
formula = "~ arm * session"
random = "(1 | id)"
reml = false

[[mixed_model]]
name = "trend"
outcome = "dmn_within"
formula = "~ arm * visit"
TOML
"$ALGIA" config --check "$OUT/study.toml" >/dev/null
"$ALGIA" "$OUT/fmriprep" "$OUT/out" participant --config "$OUT/study.toml" --no-report >/dev/null 2>&1
"$ALGIA" "$OUT/fmriprep" "$OUT/out" group --config "$OUT/study.toml" --no-report >/dev/null 2>&1
G="$OUT/out/group"
# By hand: algia trial lmm on the written long table with the recorded formula.
for m in dmn pain trend; do
  formula="$(awk -F'\t' '$1=="formula"{print $2}' "$G/mixed_model-${m}_model.tsv")"
  method=--reml; [ "$m" = pain ] && method=--ml
  emm="--emmeans arm:session"; tables="fixed anova random model emmeans contrasts"
  [ "$m" = trend ] && emm="" && tables="fixed anova random model" && expect_absent "$G/mixed_model-trend_emmeans.tsv"
  "$ALGIA" -q trial lmm --table "$G/mixed_model-${m}_long.tsv" --formula "$formula" $method $emm --out "$OUT/hand-$m" >/dev/null
  for t in $tables; do cmp "$G/mixed_model-${m}_$t.tsv" "$OUT/hand-${m}_$t.tsv"; done
done
awk -F'\t' 'NR > 1 && $1 == "05" { n++; if ($NF == "n/a") exit 1 } END { exit n == 2 ? 0 : 1 }' "$G/mixed_model-pain_long.tsv"
awk -F'\t' 'NR > 1 && $1 == "05" { n++; if ($NF != "n/a") exit 1 } END { exit n == 2 ? 0 : 1 }' "$G/mixed_model-dmn_long.tsv"
"$PYTHON" - "$G" <<'PY'
import sys, csv
from scipy import stats
g = sys.argv[1]
rows = list(csv.DictReader(open(f"{g}/mixed_models.tsv"), delimiter="\t"))
long = list(csv.DictReader(open(f"{g}/mixed_model-dmn_long.tsv"), delimiter="\t"))
assert len(long) == 12 and [r["session"] for r in long[:2]] == ["1_pre", "2_post"], long[:2]
miss = [r for r in long if r["id"] == "06"]
assert miss[0]["dmn_within"] != "n/a" and miss[1]["dmn_within"] == "n/a", miss
model = dict(csv.reader(open(f"{g}/mixed_model-dmn_model.tsv"), delimiter="\t"))
# sub-06 kept with one session; sub-05 (no images) has n/a brain measures: its two rows dropped
assert model["observations"] == "9" and model["groups"] == "5" and model["dropped_rows"] == "3", model
pain = dict(csv.reader(open(f"{g}/mixed_model-pain_model.tsv"), delimiter="\t"))
assert pain["groups"] == "6", pain   # sub-05's clinical outcome counts
for r in rows:
    e, se, df = float(r["estimate"]), float(r["se"]), float(r["df"])
    q = stats.t.ppf(0.975, df)
    assert abs(float(r["ci_low"]) - (e - q * se)) < 1e-8 * max(1, abs(e)) and abs(float(r["ci_high"]) - (e + q * se)) < 1e-8 * max(1, abs(e)), r
trend = list(csv.DictReader(open(f"{g}/mixed_model-trend_long.tsv"), delimiter="\t"))
assert [r["visit"] for r in trend[:2]] == ["0", "1"] and list(trend[0])[:3] == ["id", "session", "visit"], trend[:2]
assert {r["term"] for r in rows if r["model"] == "trend"} == {"(Intercept)", "arm[T.treatment]", "visit", "arm[T.treatment]:visit"}
assert {r["term"] for r in rows if r["model"] == "pain"} == {"(Intercept)", "arm[T.treatment]", "session[T.2_post]", "arm[T.treatment]:session[T.2_post]"}
print("long table, missing session and CIs ok")
PY
if Rscript -e 'suppressMessages(library(lmerTest))' >/dev/null 2>&1; then
  Rscript - "$G" <<'R' > "$OUT/r.tsv"
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(lmerTest))
for (m in c("dmn", "pain", "trend")) {
  d <- read.delim(file.path(args[1], paste0("mixed_model-", m, "_long.tsv")), na.strings = "n/a", colClasses = c(id = "character"))
  d$session <- factor(d$session); d$arm <- factor(d$arm)
  f <- switch(m, dmn = dmn_within ~ arm * session + age + (1 | id), pain = pain ~ arm * session + (1 | id),
              trend = dmn_within ~ arm * visit + (1 | id))
  fit <- lmer(f, data = d, REML = (m != "pain"))
  co <- summary(fit)$coefficients
  for (i in seq_len(nrow(co))) cat(m, rownames(co)[i], sprintf("%.12g", co[i, 1]), sprintf("%.12g", co[i, 2]), sprintf("%.12g", co[i, 3]), sprintf("%.12g", co[i, 5]), sep = "\t", "\n")
}
R
  "$PYTHON" - "$G" "$OUT/r.tsv" <<'PY'
import sys, csv
mine = {(r["model"], r["term"]): r for r in csv.DictReader(open(f"{sys.argv[1]}/mixed_models.tsv"), delimiter="\t")}
n = 0; worst = 0
for line in open(sys.argv[2]):
    m, term, est, se, df, p = [x.strip() for x in line.rstrip("\n").split("\t")[:6]]
    term = term.replace("armtreatment", "arm[T.treatment]").replace("session2_post", "session[T.2_post]")
    r = mine[(m, term)]
    for k, ref, tol in (("estimate", est, 1e-5), ("se", se, 1e-5), ("df", df, 1e-3), ("p", p, 1e-5)):
        d = abs(float(r[k]) - float(ref)) / max(1, abs(float(ref)))
        worst = max(worst, d) if k != "df" else worst
        assert d <= tol, (m, term, k, r[k], ref)
    n += 1
assert n == 13, n
print(f"agrees with lme4/lmerTest: {n} fixed effects, worst relative difference {worst:.2e}")
PY
else
  echo "note: Rscript with lmerTest not available; the R comparison was skipped"
fi
# The error cases without the participant who has no images (whose notice would precede the error).
awk -F'\t' 'NR == 1 || $1 !~ /05$/' "$OUT/fmriprep/participants.tsv" > "$OUT/p.tsv" && mv "$OUT/p.tsv" "$OUT/fmriprep/participants.tsv"
sed 's/^outcome = "dmn_within"/outcome = "dmn_whithin"/' "$OUT/study.toml" > "$OUT/bad1.toml"
expect_error 3 "bad1.toml:13:1: mixed model 'dmn': outcome 'dmn_whithin'" "$ALGIA" "$OUT/fmriprep" "$OUT/out" group --config "$OUT/bad1.toml" --no-report
sed 's/^formula = "~ arm \* session + age"/formula = "~ arm * session + agee"/' "$OUT/study.toml" > "$OUT/bad2.toml"
expect_error 3 "bad2.toml:13:1: mixed model 'dmn': 'agee'" "$ALGIA" "$OUT/fmriprep" "$OUT/out" group --config "$OUT/bad2.toml" --no-report
sed 's/^formula = "~ arm \* session + age"/formula = "~ arm * session + (1|id)"/' "$OUT/study.toml" > "$OUT/bad3.toml"
expect_error 3 "bad3.toml:16:" "$ALGIA" config --check "$OUT/bad3.toml"
