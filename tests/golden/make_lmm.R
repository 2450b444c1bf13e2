#!/usr/bin/env Rscript
# Golden fixtures for algia's linear mixed models (src/algia/trial/lmm.*), from R lme4 + lmerTest.
# Run from the repository root:  Rscript tests/golden/make_lmm.R
# Writes tests/fixtures/lmm/:
#   sleepstudy.tsv   lme4's `sleepstudy` data (Belenky et al. 2003; shipped with lme4, GPL >= 2),
#                    180 rows, exported unchanged as test data
#   trial.tsv        a simulated two-arm trial (arm x visit, random intercept + slope, a few n/a)
#   singular.tsv     data with no between-participant variance: (1 | id) is a singular fit
#   expected.tsv     model, quantity, index, value: lmerTest's numbers for each model below
suppressPackageStartupMessages({ library(lme4); library(lmerTest) })
out <- "tests/fixtures/lmm"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
fmt <- function(x) ifelse(is.na(x), "n/a", trimws(formatC(x, digits = 17, format = "g")))

data("sleepstudy", package = "lme4")
ss <- data.frame(Reaction = sleepstudy$Reaction, Days = sleepstudy$Days,
                 Subject = paste0("s", as.character(sleepstudy$Subject)))
write.table(data.frame(lapply(ss, function(c) if (is.numeric(c)) fmt(c) else c)),
            file.path(out, "sleepstudy.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)

set.seed(20261124)
n_id <- 60; visits <- 6
id <- rep(sprintf("p%03d", 1:n_id), each = visits)
arm <- rep(ifelse(1:n_id <= n_id / 2, "control", "treatment"), each = visits)
time <- rep(0:(visits - 1), n_id)
visit <- paste0("v", time + 1)
age <- rep(round(rnorm(n_id, 45, 12)), each = visits)
b0 <- rep(rnorm(n_id, 0, 1.2), each = visits)
b1 <- rep(rnorm(n_id, 0, 0.25), each = visits)
pain <- 6 + 0.02 * (age - 45) + b0 + (b1 - 0.1) * time - ifelse(arm == "treatment", 0.35 * time, 0) +
    rnorm(n_id * visits, 0, 0.8)
pain <- round(pain, 3)
pain[sample(seq_along(pain), 12)] <- NA
arm3 <- rep(c("a", "b", "c")[(1:n_id %% 3) + 1], each = visits)  # a three-level factor (no effect)
tr <- data.frame(id, arm, visit, time, age, pain, arm3)
write.table(data.frame(lapply(tr, function(c) if (is.numeric(c)) fmt(c) else c)),
            file.path(out, "trial.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)

set.seed(7)
sg <- data.frame(id = rep(sprintf("q%02d", 1:20), each = 4), x = rep(0:3, 20))
e <- rnorm(80)
sg$y <- round(1 + 0.5 * sg$x + e - ave(e, sg$id), 4)  # no between-participant variation at all
write.table(data.frame(lapply(sg, function(c) if (is.numeric(c)) fmt(c) else c)),
            file.path(out, "singular.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)

tr$arm <- factor(tr$arm); tr$visit <- factor(tr$visit); tr$arm3 <- factor(tr$arm3)
rows <- list()
add <- function(model, quantity, values) {
  rows[[length(rows) + 1]] <<- data.frame(model = model, quantity = quantity,
                                          index = seq_along(values), value = fmt(unname(values)))
}
# Tight optimizer tolerances, so the fixture is the optimum itself; the spread against lme4's
# default control is printed (it is what a user of lme4 sees).
tight <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-12, maxfun = 1e5))
fit <- function(name, formula, data, reml, emm = NULL) {
  m <- lmer(formula, data = data, REML = reml, control = tight)
  d <- lmer(formula, data = data, REML = reml)
  cat(sprintf("%s: max relative difference default vs tight control: beta %.2g, theta %.2g\n", name,
              max(abs(fixef(d) / fixef(m) - 1)), max(abs(getME(d, "theta") - getME(m, "theta")) /
                                                    pmax(abs(getME(m, "theta")), 1e-3))))
  s <- summary(m)$coefficients
  add(name, "theta", getME(m, "theta"))
  add(name, "sigma", sigma(m))
  add(name, "beta", s[, "Estimate"]); add(name, "se", s[, "Std. Error"])
  add(name, "df", s[, "df"]); add(name, "t", s[, "t value"]); add(name, "p", s[, "Pr(>|t|)"])
  add(name, "deviance", if (reml) getME(m, "devcomp")$cmp[["REML"]] else deviance(m))
  add(name, "loglik", as.numeric(logLik(m)))
  add(name, "singular", as.numeric(isSingular(m)))
  vc <- as.data.frame(VarCorr(m))  # sd of each random effect, then correlations, then residual
  add(name, "vc_sd", vc$sdcor)
  a <- anova(m, type = 3)
  add(name, "anova_F", a[["F value"]]); add(name, "anova_numdf", a[["NumDF"]])
  add(name, "anova_dendf", a[["DenDF"]]); add(name, "anova_p", a[["Pr(>F)"]])
  if (!is.null(emm)) {
    # Reference grid emm x visit, numeric covariates at their mean over the fitted rows (as emmeans).
    mf <- model.frame(m)
    lv <- levels(tr[[emm]])
    grid <- expand.grid(visit = levels(tr$visit), g = lv)
    names(grid)[2] <- emm
    grid$age <- mean(mf$age); grid$time <- 0; grid$pain <- 0; grid$id <- tr$id[1]
    for (f in setdiff(c("arm", "arm3"), emm)) grid[[f]] <- factor(levels(tr[[f]])[1], levels = levels(tr[[f]]))  # unused by the model
    grid[[emm]] <- factor(grid[[emm]], levels = lv)
    L <- model.matrix(delete.response(terms(m)), grid)
    e <- contest(m, L, joint = FALSE)
    add(name, "emm_estimate", e$Estimate); add(name, "emm_se", e[["Std. Error"]]); add(name, "emm_df", e$df)
    nv <- nlevels(tr$visit)
    # each level minus the first at each visit
    C <- do.call(rbind, lapply(2:length(lv), function(l) L[((l - 1) * nv + 1):(l * nv), ] - L[1:nv, ]))
    k <- contest(m, C, joint = FALSE)
    add(name, "con_estimate", k$Estimate); add(name, "con_se", k[["Std. Error"]]); add(name, "con_df", k$df)
    add(name, "con_t", k[["t value"]]); add(name, "con_p", k[["Pr(>|t|)"]])
  }
  invisible(m)
}
fit("sleep_ri_reml", Reaction ~ Days + (1 | Subject), ss, TRUE)
fit("sleep_ri_ml", Reaction ~ Days + (1 | Subject), ss, FALSE)
fit("sleep_rs_reml", Reaction ~ Days + (Days | Subject), ss, TRUE)
fit("sleep_rs_ml", Reaction ~ Days + (Days | Subject), ss, FALSE)
fit("trial_rs_reml", pain ~ arm * visit + age + (1 + time | id), tr, TRUE, emm = "arm")
fit("trial_ri_ml", pain ~ arm * visit + age + (1 | id), tr, FALSE, emm = "arm")
fit("trial_arm3_reml", pain ~ arm3 * visit + age + (1 + time | id), tr, TRUE, emm = "arm3")
fit("trial_time_reml", pain ~ arm * time + (time | id), tr, TRUE)
fit("trial_3way_ml", pain ~ arm * arm3 * time + (1 | id), tr, FALSE)  # every two-way term of a three-way product
fit("singular_ri_reml", y ~ x + (1 | id), sg, TRUE)
fit("singular_rs_reml", y ~ x + (x | id), sg, TRUE)  # correlation -1
res <- do.call(rbind, rows)
write.table(res, file.path(out, "expected.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
cat(sprintf("R %s, lme4 %s, lmerTest %s\n", getRversion(), packageVersion("lme4"), packageVersion("lmerTest")))
