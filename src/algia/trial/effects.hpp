#pragma once
// Continuous trial outcomes: standardized mean differences between arms (Hedges g), paired
// (pre/post) tests with their effect sizes, and correlations with confidence intervals. The
// formulas and conventions are those of scipy.stats (ttest_rel, wilcoxon, pearsonr, spearmanr),
// against which the unit tests check them.

#include <cstdint>
#include <span>
#include <vector>

namespace algia::trial {

struct Descriptive {
    std::int64_t n = 0;  // finite values
    double mean = 0, sd = 0;  // sd with n - 1 (NaN when n < 2)
};
Descriptive describe(std::span<const double> x);  // NaN values are skipped

struct Interval2 {
    double lower = 0, upper = 0;
};

struct HedgesG {
    double d = 0;         // Cohen's d: (mean1 - mean2) / pooled SD (n - 1 weights)
    double j = 0;         // small-sample correction J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2)), exact
    double g = 0;         // J d
    double df = 0;        // n1 + n2 - 2
    double t = 0, p = 0;  // Student two-sample t (pooled variance) and two-sided p
    Interval2 ci_exact;   // J x the noncentral-t interval for d (t = d sqrt(n1 n2 / (n1 + n2)) inverted in its noncentrality)
    Interval2 ci_normal;  // Hedges & Olkin normal approximation: g +- z sqrt((n1+n2)/(n1 n2) + g^2 / (2 (n1 + n2)))
};
HedgesG hedges_g(const Descriptive& a, const Descriptive& b, double level = 0.95);

// Interval for the noncentrality of a noncentral t with `df` given an observed `t` (equal tails).
Interval2 noncentral_t_interval(double t, double df, double level);

struct Paired {
    std::int64_t n = 0;            // pairs with both values
    double mean_diff = 0, sd_diff = 0;  // diff = post - pre
    Interval2 ci_mean;             // t interval of the mean difference
    double t = 0, df = 0, p = 0;   // paired t (scipy.stats.ttest_rel), two-sided
    double dz = 0;                 // mean_diff / sd_diff
    Interval2 ci_dz;               // noncentral-t interval for d_z (t = d_z sqrt(n))
    // Wilcoxon signed-rank test on the differences (zeros dropped, as scipy's zero_method='wilcox').
    std::int64_t w_n = 0;          // non-zero differences
    double w_statistic = 0;        // min(R+, R-), as scipy two-sided
    double w_plus = 0, w_minus = 0;
    double w_p = 0;
    bool w_exact = false;          // exact null distribution (n <= 50, no zeros, no ties) or normal approximation
    double w_z = 0;                // normal approximation z (NaN when exact)
    double rank_biserial = 0;      // matched-pairs rank-biserial correlation (R+ - R-) / (R+ + R-)
};
Paired paired(std::span<const double> pre, std::span<const double> post, double level = 0.95);

struct Correlation {
    std::int64_t n = 0;
    double r = 0, p = 0;
    Interval2 ci;  // Fisher z: tanh(atanh(r) +- z / sqrt(n - 3))
};
// Pairs with NaN in either are skipped.
Correlation pearson(std::span<const double> x, std::span<const double> y, double level = 0.95);
Correlation spearman(std::span<const double> x, std::span<const double> y, double level = 0.95);

// Average ranks (1-based) as scipy.stats.rankdata(method='average').
std::vector<double> average_ranks(std::span<const double> x);

}  // namespace algia::trial
