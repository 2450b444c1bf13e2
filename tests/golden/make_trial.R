# Golden values for algia trial responders from R (stats): fisher.test (p, conditional MLE odds
# ratio, exact CI) and chisq.test (with and without Yates). fisher.test's uniroot runs at R's default
# tolerance (1.2e-4); the *_tight columns are the same fisher.test code with uniroot(tol = 1e-13),
# so that the root-finding tolerance is not mistaken for a disagreement.
# Run: Rscript tests/golden/make_trial.R tests/fixtures/trial
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "tests/fixtures/trial"
tables <- read.table(text = "
x1 n1 x2 n2
33 50 10 51
33 50 5 50
10 51 5 50
0 10 3 12
5 5 2 9
1 20 1 3
7 15 9 14
12 40 0 38
2 7 6 8
150 300 120 310
", header = TRUE)
ft_tight <- stats::fisher.test
e <- new.env(parent = environment(ft_tight))
e$uniroot <- function(...) stats::uniroot(..., tol = 1e-13)
environment(ft_tight) <- e
rows <- lapply(seq_len(nrow(tables)), function(i) {
  r <- tables[i, ]
  m <- matrix(c(r$x1, r$n1 - r$x1, r$x2, r$n2 - r$x2), 2, byrow = TRUE)
  f <- fisher.test(m)
  ft <- ft_tight(m)
  cy <- suppressWarnings(chisq.test(m, correct = TRUE))
  cn <- suppressWarnings(chisq.test(m, correct = FALSE))
  data.frame(r, fisher_p = f$p.value, or_mle = f$estimate, or_lower = f$conf.int[1], or_upper = f$conf.int[2],
             or_mle_tight = ft$estimate, or_lower_tight = ft$conf.int[1], or_upper_tight = ft$conf.int[2],
             chi2 = cn$statistic, chi2_p = cn$p.value, chi2_yates = cy$statistic, chi2_yates_p = cy$p.value)
})
res <- do.call(rbind, rows)
write.table(format(res, digits = 17), file.path(out, "responders_r.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
