#!/usr/bin/env Rscript
# Peer for bench/lmm.sh: lme4 + lmerTest on the same table and formula, timed (fit + Satterthwaite
# summary + Type III anova, what `algia trial lmm` computes), then compared with algia's outputs.
# Usage: Rscript bench/lmm_peer.R TABLE.tsv ALGIA_PREFIX
suppressPackageStartupMessages({ library(lme4); library(lmerTest) })
args <- commandArgs(trailingOnly = TRUE)
d <- read.delim(args[1], na.strings = "n/a")
d$arm <- factor(d$arm); d$visit <- factor(d$visit)
t0 <- proc.time()
m <- lmer(pain ~ arm * visit + age + (1 + time | id), data = d, REML = TRUE)
s <- summary(m)$coefficients
a <- anova(m, type = 3)
t1 <- proc.time()
cpu <- (t1[["user.self"]] + t1[["sys.self"]]) - (t0[["user.self"]] + t0[["sys.self"]])
fx <- read.delim(paste0(args[2], "_fixed.tsv"))
an <- read.delim(paste0(args[2], "_anova.tsv"))
rel <- function(x, y) max(abs(x - y) / abs(y))
cat(sprintf("%.3f %.3f %.2g %.2g %.2g %.2g\n", t1[["elapsed"]] - t0[["elapsed"]], cpu, rel(fx$estimate, s[, "Estimate"]), rel(fx$se, s[, "Std. Error"]),
            rel(fx$df, s[, "df"]), rel(an$den_df, a$DenDF)))
