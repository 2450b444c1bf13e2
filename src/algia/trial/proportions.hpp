#pragma once
// Binary-outcome comparisons for trials (responders): Wilson score interval per arm, and for two
// arms the risk difference with Newcombe's hybrid-score interval (method 10 of Newcombe 1998, as
// statsmodels confint_proportions_2indep(method='newcomb')), the risk ratio with a log-normal
// interval, the odds ratio with Woolf's interval, the conditional maximum-likelihood odds ratio
// with its exact interval and Fisher's exact two-sided p (as R's fisher.test: the sum of the
// probabilities of tables no more likely than the observed one, with relative tolerance 1e-7),
// and Pearson's chi-square with and without Yates' continuity correction (as R's chisq.test).

#include <cstdint>
#include <string>

namespace algia::trial {

struct Interval {
    double lower = 0, upper = 0;
};

// Wilson score interval for x successes of n at confidence `level` (no continuity correction).
Interval wilson(std::int64_t x, std::int64_t n, double level = 0.95);

struct TwoByTwo {
    // Arm 1: x1 of n1 responders; arm 2: x2 of n2.
    std::int64_t x1 = 0, n1 = 0, x2 = 0, n2 = 0;
};

struct Comparison {
    double p1 = 0, p2 = 0;
    double risk_difference = 0;
    Interval rd_newcombe;
    double risk_ratio = 0;     // NaN when p2 = 0
    Interval rr_log;           // NaN when a count is zero
    double odds_ratio = 0;     // sample (cross-product) odds ratio; NaN/Inf with zero cells
    Interval or_woolf;         // NaN when a cell is zero (no continuity correction)
    double or_conditional = 0; // conditional MLE (noncentral hypergeometric), as fisher.test
    Interval or_exact;         // exact conditional interval, as fisher.test
    double fisher_p = 0;       // two-sided
    double chi2 = 0, chi2_p = 0;            // Pearson, no continuity correction
    double chi2_yates = 0, chi2_yates_p = 0; // with Yates' correction (R: min(0.5, |O - E|))
};

// The conditional odds ratio and its limits are roots found as fisher.test finds them: R's
// uniroot (Brent's zeroin, same iterations) on the (0, 1]-mapped scale, with absolute tolerance
// `root_tolerance`. The default is R's (DBL_EPSILON^0.25 = 1.22e-4), so the numbers are those R
// prints; R's tolerance and e.g. 1e-13 differ by up to ~1e-2 relative on small limits.
inline constexpr double kRRootTolerance = 1.220703125e-4;
Comparison compare(const TwoByTwo& t, double level = 0.95, double root_tolerance = kRRootTolerance);

// Log of the hypergeometric probability: k successes in a draw of `draws` from an urn with
// `good` successes and `bad` failures.
double log_dhyper(std::int64_t k, std::int64_t good, std::int64_t bad, std::int64_t draws);

// A responder rule: a comparison with a number ("<= 1", "<1", ">= 30", "== 0").
struct Rule {
    std::string op;
    double value = 0;
    bool test(double x) const;
};
// Errors name the text and say how to write a rule.
Rule parse_rule(const std::string& text);

}  // namespace algia::trial
