# lavaan reference for algia's mediation analysis (issue 8).
#
# Reads the simulated tables written by make_mediation.py (run that first)
# from tests/fixtures/mediation/ and fits, with lavaan::sem (estimator ML,
# fixed.x = TRUE, default expected information, complete cases), the
# saturated path models below. Writes lavaan_<name>.tsv with every labelled
# regression path and every := defined effect: estimate, se, z, p (lavaan's
# parameterEstimates), and convergence/iterations/df/chisq in lavaan_info.tsv.
#
# Run from the repository root:  Rscript tests/golden/make_mediation.R
#
# Models (covariate age in every equation of single/parallel):
#   single:   m ~ a*x + age ; y ~ b*m + cp*x + age ; ab := a*b ; c := cp + a*b
#   parallel: m1 ~ a1*x + age ; m2 ~ a2*x + age ; y ~ b1*m1 + b2*m2 + cp*x + age ;
#             m1 ~~ m2 (so the model is saturated; without it the model has
#             df = 1: the path estimates still equal OLS, but the SE of ab_total
#             then ignores cov(a1, a2). Started at its closed-form value, below)
#   serial:   m1 ~ a1*x ; m2 ~ a2*x + d21*m1 ; y ~ b1*m1 + b2*m2 + cp*x
# and the total effect c also from its own model  y ~ c*x (+ age)  (c_model).
suppressPackageStartupMessages(library(lavaan))

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "tests/golden"
out <- file.path(here, "..", "fixtures", "mediation")

fmt <- function(v) {
  if (is.character(v)) return(v)
  ifelse(is.na(v), "NaN", sprintf("%.17g", v))
}

models <- list(
  single = list(file = "single.tsv", cols = c("x", "m", "y", "age"), model = "
      m ~ a*x + age
      y ~ b*m + cp*x + age
      ab := a*b
      c := cp + a*b
    ", c_model = "y ~ c*x + age"),
  parallel = list(file = "parallel.tsv", cols = c("x", "m1", "m2", "y", "age"), model = "
      m1 ~ a1*x + age
      m2 ~ a2*x + age
      y ~ b1*m1 + b2*m2 + cp*x + age
      m1 ~~ start(S12)*m2
      ab1 := a1*b1
      ab2 := a2*b2
      ab_total := a1*b1 + a2*b2
      c := cp + a1*b1 + a2*b2
    ", c_model = "y ~ c*x + age"),
  serial = list(file = "serial.tsv", cols = c("x", "m1", "m2", "y"), model = "
      m1 ~ a1*x
      m2 ~ a2*x + d21*m1
      y ~ b1*m1 + b2*m2 + cp*x
      ind1 := a1*b1
      ind2 := a2*b2
      ind3 := a1*d21*b2
      ind_total := a1*b1 + a2*b2 + a1*d21*b2
      c := cp + a1*b1 + a2*b2 + a1*d21*b2
    ", c_model = "y ~ c*x")
)

rename <- c(cp = "c_prime", c = "c_total_defined")
info <- c()
for (nm in names(models)) {
  spec <- models[[nm]]
  d <- read.delim(file.path(out, spec$file), na.strings = c("NaN", "NA"))
  d <- d[complete.cases(d[, spec$cols]), spec$cols]
  model <- spec$model
  if (nm == "parallel") {
    # Start the m1-m2 residual covariance at its closed-form ML value (OLS
    # residual cross-product / n). Otherwise nlminb stops after 27 iterations
    # with estimates only ~3e-11 (relative) from the optimum; from this start
    # lavaan checks the gradient and stops after 1 iteration, 1e-15 from OLS.
    r1 <- resid(lm(m1 ~ x + age, d)); r2 <- resid(lm(m2 ~ x + age, d))
    model <- sub("S12", sprintf("%.17g", sum(r1 * r2) / nrow(d)), model)
  }
  fit <- sem(model, data = d, estimator = "ML", fixed.x = TRUE)
  fitc <- sem(spec$c_model, data = d, estimator = "ML", fixed.x = TRUE)
  pe <- parameterEstimates(fit)
  pe <- pe[pe$label != "", ]
  pc <- parameterEstimates(fitc)
  pc <- pc[pc$label == "c", ]
  labs <- ifelse(pe$label %in% names(rename), rename[pe$label], pe$label)
  labs <- c(labs, "c")
  rows <- data.frame(path = labs,
                     op = c(pe$op, pc$op),
                     estimate = c(pe$est, pc$est), se = c(pe$se, pc$se),
                     z = c(pe$z, pc$z), p = c(pe$pvalue, pc$pvalue),
                     n = nobs(fit), stringsAsFactors = FALSE)
  rows$op[rows$op == "~"] <- "regression"
  rows$op[rows$op == ":="] <- "defined"
  con <- file(file.path(out, paste0("lavaan_", nm, ".tsv")), "w")
  writeLines(paste(names(rows), collapse = "\t"), con)
  for (i in seq_len(nrow(rows))) {
    writeLines(paste(c(rows$path[i], rows$op[i], fmt(rows$estimate[i]), fmt(rows$se[i]),
                       fmt(rows$z[i]), fmt(rows$p[i]), as.character(rows$n[i])), collapse = "\t"), con)
  }
  close(con)
  info <- c(info, paste(nm, lavInspect(fit, "converged"), lavInspect(fit, "iterations"),
                        fitMeasures(fit, "df"), fitMeasures(fit, "chisq"), sep = "\t"))
}
con <- file(file.path(out, "lavaan_info.tsv"), "w")
writeLines(paste("model", "converged", "iterations", "df", "chisq", sep = "\t"), con)
writeLines(info, con)
writeLines(paste("# lavaan", as.character(packageVersion("lavaan")), "R", R.version$major,
                 R.version$minor), con)
close(con)
