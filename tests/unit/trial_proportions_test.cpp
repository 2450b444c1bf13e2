// algia::trial proportions against its peers: statsmodels (Wilson, Newcombe, risk/odds-ratio
// intervals) and R fisher.test / chisq.test (fixtures from tests/golden/make_trial.{py,R}); the
// published PRT trial numbers; coverage of the Wilson and Newcombe intervals by simulation.

#include <cmath>

#include <gtest/gtest.h>

#include "test_support.hpp"
#include "algia/core/random.hpp"
#include "algia/io/tsv.hpp"
#include "algia/trial/proportions.hpp"

namespace algia {
namespace {

io::Table fixture_table(const std::string& name) { return io::read_table(test::fixtures() + "/trial/" + name); }

std::int64_t as_int(const io::Table& t, std::size_t r, const char* c) { return std::int64_t(t.numeric(c)[r]); }

void expect_close(double got, double want, double tol, const std::string& what) {
    if (std::isinf(want)) {
        EXPECT_EQ(got, want) << what;
        return;
    }
    if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got)) << what << " got " << got;
        return;
    }
    EXPECT_NEAR(got, want, tol * std::max(1.0, std::abs(want))) << what;
}

// Relative closeness (exact equality for infinities).
void expect_rel(double got, double want, double tol, const std::string& what) {
    if (!std::isfinite(want) || want == 0) {
        EXPECT_EQ(got, want) << what;
        return;
    }
    EXPECT_NEAR(got, want, tol * std::abs(want)) << what;
}

TEST(TrialResponders, PublishedPrtNumbers) {
    // Ashar et al. 2022: 33/50 PRT, 10/51 placebo, 5/50 usual care.
    auto c = trial::compare({33, 50, 10, 51});
    EXPECT_NEAR(c.risk_difference, 0.464, 0.0005);
    EXPECT_NEAR(c.rd_newcombe.lower, 0.275, 0.0005);
    EXPECT_NEAR(c.rd_newcombe.upper, 0.608, 0.0005);
    EXPECT_NEAR(c.fisher_p, 2.8e-6, 0.05e-6);
    c = trial::compare({33, 50, 5, 50});
    EXPECT_NEAR(c.risk_difference, 0.560, 0.0005);
    EXPECT_NEAR(c.rd_newcombe.lower, 0.381, 0.0005);
    EXPECT_NEAR(c.rd_newcombe.upper, 0.689, 0.0005);
    EXPECT_NEAR(c.fisher_p, 7.8e-9, 0.05e-9);
}

TEST(TrialResponders, AgreesWithStatsmodels) {
    const auto t = fixture_table("responders_statsmodels.tsv");
    ASSERT_GE(t.rows(), 8u);
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const trial::TwoByTwo tab{as_int(t, r, "x1"), as_int(t, r, "n1"), as_int(t, r, "x2"), as_int(t, r, "n2")};
        const std::string what = "table row " + std::to_string(r);
        const auto w1 = trial::wilson(tab.x1, tab.n1), w2 = trial::wilson(tab.x2, tab.n2);
        expect_close(w1.lower, t.numeric("wilson1_lower")[r], 1e-9, what);
        expect_close(w1.upper, t.numeric("wilson1_upper")[r], 1e-9, what);
        expect_close(w2.lower, t.numeric("wilson2_lower")[r], 1e-9, what);
        expect_close(w2.upper, t.numeric("wilson2_upper")[r], 1e-9, what);
        const auto c = trial::compare(tab);
        expect_close(c.risk_difference, t.numeric("rd")[r], 1e-12, what);
        expect_close(c.rd_newcombe.lower, t.numeric("rd_lower")[r], 1e-9, what);
        expect_close(c.rd_newcombe.upper, t.numeric("rd_upper")[r], 1e-9, what);
        expect_close(c.rr_log.lower, t.numeric("rr_lower")[r], 1e-9, what);
        expect_close(c.rr_log.upper, t.numeric("rr_upper")[r], 1e-9, what);
        expect_close(c.or_woolf.lower, t.numeric("or_lower")[r], 1e-9, what);
        expect_close(c.or_woolf.upper, t.numeric("or_upper")[r], 1e-9, what);
    }
}

TEST(TrialResponders, AgreesWithRFisherTest) {
    const auto t = fixture_table("responders_r.tsv");
    ASSERT_GE(t.rows(), 8u);
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const trial::TwoByTwo tab{as_int(t, r, "x1"), as_int(t, r, "n1"), as_int(t, r, "x2"), as_int(t, r, "n2")};
        const std::string what = "table row " + std::to_string(r);
        const auto c = trial::compare(tab);  // R's default uniroot tolerance: the same iterates (measured: ~1e-14)
        EXPECT_NEAR(c.fisher_p, t.numeric("fisher_p")[r], 1e-6 * t.numeric("fisher_p")[r] + 1e-15) << what;
        expect_rel(c.or_conditional, t.numeric("or_mle")[r], 1e-9, what);
        expect_rel(c.or_exact.lower, t.numeric("or_lower")[r], 1e-9, what);
        expect_rel(c.or_exact.upper, t.numeric("or_upper")[r], 1e-9, what);
        // fisher.test run with uniroot(tol = 1e-13) against algia with the same tolerance (measured: ~1e-14).
        const auto tight = trial::compare(tab, 0.95, 1e-13);
        expect_rel(tight.or_conditional, t.numeric("or_mle_tight")[r], 1e-9, what);
        expect_rel(tight.or_exact.lower, t.numeric("or_lower_tight")[r], 1e-9, what);
        expect_rel(tight.or_exact.upper, t.numeric("or_upper_tight")[r], 1e-9, what);
        expect_close(c.chi2, t.numeric("chi2")[r], 1e-10, what);
        expect_close(c.chi2_p, t.numeric("chi2_p")[r], 1e-10, what);
        expect_close(c.chi2_yates, t.numeric("chi2_yates")[r], 1e-10, what);
        expect_close(c.chi2_yates_p, t.numeric("chi2_yates_p")[r], 1e-10, what);
    }
}

TEST(TrialResponders, IntervalsCoverAtTheirLevel) {
    // Wilson and Newcombe intervals: simulated coverage near 95% (both are known to be close to
    // nominal for moderate n; bounds are wide enough for 4000 draws).
    Rng rng(11, 0);
    const int reps = 4000;
    const double p1 = 0.6, p2 = 0.25;
    const std::int64_t n1 = 50, n2 = 51;
    int cover_w = 0, cover_n = 0;
    for (int k = 0; k < reps; ++k) {
        std::int64_t x1 = 0, x2 = 0;
        for (std::int64_t i = 0; i < n1; ++i) x1 += rng.uniform() < p1;
        for (std::int64_t i = 0; i < n2; ++i) x2 += rng.uniform() < p2;
        const auto w = trial::wilson(x1, n1);
        cover_w += w.lower <= p1 && p1 <= w.upper;
        const auto c = trial::compare({x1, n1, x2, n2});
        cover_n += c.rd_newcombe.lower <= p1 - p2 && p1 - p2 <= c.rd_newcombe.upper;
    }
    EXPECT_NEAR(double(cover_w) / reps, 0.95, 0.015);
    EXPECT_NEAR(double(cover_n) / reps, 0.95, 0.015);
}

TEST(TrialResponders, FisherNullPValuesAreConservative) {
    // Under the null the exact test's rejection rate at 5% must not exceed 5% (beyond noise).
    Rng rng(12, 0);
    const int reps = 2000;
    int reject = 0;
    for (int k = 0; k < reps; ++k) {
        std::int64_t x1 = 0, x2 = 0;
        for (int i = 0; i < 30; ++i) x1 += rng.uniform() < 0.4, x2 += rng.uniform() < 0.4;
        reject += trial::compare({x1, 30, x2, 30}).fisher_p <= 0.05;
    }
    EXPECT_LE(double(reject) / reps, 0.05 + 0.012);
}

TEST(TrialResponders, ExactOddsRatioIntervalCoversAtLeastNominal) {
    // The conditional exact interval is conservative: coverage of the true odds ratio >= 95%
    // (beyond simulation noise).
    Rng rng(15, 0);
    const int reps = 1500;
    const double p1 = 0.5, p2 = 0.2, true_or = (p1 / (1 - p1)) / (p2 / (1 - p2));
    int cover = 0;
    for (int k = 0; k < reps; ++k) {
        std::int64_t x1 = 0, x2 = 0;
        for (int i = 0; i < 40; ++i) x1 += rng.uniform() < p1, x2 += rng.uniform() < p2;
        const auto c = trial::compare({x1, 40, x2, 40});
        cover += c.or_exact.lower <= true_or && true_or <= c.or_exact.upper;
    }
    EXPECT_GE(double(cover) / reps, 0.95 - 0.012);
}

}  // namespace
}  // namespace algia
