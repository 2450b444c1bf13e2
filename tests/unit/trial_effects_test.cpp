// algia::trial effects (Hedges g), paired tests and correlations against scipy.stats
// (fixtures from tests/golden/make_trial.py), and their coverage / error rates by simulation.

#include <cmath>

#include <gtest/gtest.h>

#include "test_support.hpp"
#include "algia/core/random.hpp"
#include "algia/trial/effects.hpp"

namespace algia {
namespace {

std::vector<double> vec(const nlohmann::json& j) { return j.get<std::vector<double>>(); }

TEST(TrialEffects, HedgesGAgreesWithScipy) {
    const auto cases = test::load_fixture("trial/effects_scipy.json");
    ASSERT_GE(cases.size(), 4u);
    for (const auto& c : cases) {
        const auto a = trial::describe(vec(c["a"])), b = trial::describe(vec(c["b"]));
        const auto g = trial::hedges_g(a, b);
        EXPECT_NEAR(g.d, c["d"].get<double>(), 1e-12);
        EXPECT_NEAR(g.j, c["J"].get<double>(), 1e-12);
        EXPECT_NEAR(g.g, c["g"].get<double>(), 1e-12);
        EXPECT_NEAR(g.t, c["t"].get<double>(), 1e-10);
        EXPECT_NEAR(g.p, c["p"].get<double>(), 1e-10 * std::max(1e-3, c["p"].get<double>()) + 1e-14);
        EXPECT_NEAR(g.ci_exact.lower, c["ci_exact"][0].get<double>(), 1e-9);
        EXPECT_NEAR(g.ci_exact.upper, c["ci_exact"][1].get<double>(), 1e-9);
        EXPECT_NEAR(g.ci_normal.lower, c["ci_normal"][0].get<double>(), 1e-12);
        EXPECT_NEAR(g.ci_normal.upper, c["ci_normal"][1].get<double>(), 1e-12);
    }
}

TEST(TrialChange, PairedTestsAndCorrelationsAgreeWithScipy) {
    const auto cases = test::load_fixture("trial/change_scipy.json");
    ASSERT_GE(cases.size(), 6u);
    for (const auto& c : cases) {
        const std::string what = c["kind"].get<std::string>() + " n=" + std::to_string(c["pre"].size());
        const auto pre = vec(c["pre"]), post = vec(c["post"]), x = vec(c["x"]);
        const auto r = trial::paired(pre, post);
        auto rel = [](double want) { return 1e-9 * std::abs(want) + 1e-15; };
        EXPECT_NEAR(r.t, c["t"].get<double>(), 1e-10 * std::abs(c["t"].get<double>())) << what;
        EXPECT_NEAR(r.p, c["p"].get<double>(), rel(c["p"].get<double>())) << what;
        // scipy 1.10's t.ppf is off by up to ~5e-10 relative (checked against mpmath at 40 digits;
        // Boost's quantile agrees with mpmath to 1e-16), hence 1e-8 here.
        EXPECT_NEAR(r.ci_mean.lower, c["ci_mean"][0].get<double>(), 1e-8) << what;
        EXPECT_NEAR(r.ci_mean.upper, c["ci_mean"][1].get<double>(), 1e-8) << what;
        EXPECT_NEAR(r.dz, c["dz"].get<double>(), 1e-12) << what;
        EXPECT_NEAR(r.ci_dz.lower, c["ci_dz"][0].get<double>(), 1e-9) << what;
        EXPECT_NEAR(r.ci_dz.upper, c["ci_dz"][1].get<double>(), 1e-9) << what;
        EXPECT_EQ(r.w_exact, c["w_exact"].get<bool>()) << what;
        EXPECT_NEAR(r.w_statistic, c["w_statistic"].get<double>(), 1e-12) << what;
        EXPECT_NEAR(r.w_p, c["w_p"].get<double>(), rel(c["w_p"].get<double>())) << what;
        EXPECT_NEAR(r.rank_biserial, c["rank_biserial"].get<double>(), 1e-12) << what;
        std::vector<double> d(pre.size());
        for (std::size_t i = 0; i < d.size(); ++i) d[i] = post[i] - pre[i];
        const auto pr = trial::pearson(d, x), sr = trial::spearman(d, x);
        EXPECT_NEAR(pr.r, c["pearson_r"].get<double>(), 1e-12) << what;
        EXPECT_NEAR(pr.p, c["pearson_p"].get<double>(), rel(c["pearson_p"].get<double>())) << what;
        EXPECT_NEAR(pr.ci.lower, c["pearson_ci"][0].get<double>(), 1e-12) << what;
        EXPECT_NEAR(pr.ci.upper, c["pearson_ci"][1].get<double>(), 1e-12) << what;
        EXPECT_NEAR(sr.r, c["spearman_r"].get<double>(), 1e-12) << what;
        EXPECT_NEAR(sr.p, c["spearman_p"].get<double>(), rel(c["spearman_p"].get<double>())) << what;
        EXPECT_NEAR(sr.ci.lower, c["spearman_ci"][0].get<double>(), 1e-12) << what;
        EXPECT_NEAR(sr.ci.upper, c["spearman_ci"][1].get<double>(), 1e-12) << what;
    }
}

TEST(TrialEffects, HedgesGIntervalCoverage) {
    // Exact (noncentral t) interval for g: coverage of the true standardized difference ~95%.
    Rng rng(13, 0);
    const int reps = 1500;
    const double delta = 0.8;
    int cover = 0;
    for (int k = 0; k < reps; ++k) {
        std::vector<double> a(15), b(12);
        for (auto& v : a) v = delta + rng.normal();
        for (auto& v : b) v = rng.normal();
        const auto g = trial::hedges_g(trial::describe(a), trial::describe(b));
        // The interval is for J delta scaled back: J x CI(d) covers J delta when CI(d) covers delta.
        cover += g.ci_exact.lower <= g.j * delta && g.j * delta <= g.ci_exact.upper;
    }
    EXPECT_NEAR(double(cover) / reps, 0.95, 0.02);
}

TEST(TrialChange, WilcoxonNullRejectionRate) {
    Rng rng(14, 0);
    const int reps = 2000;
    int reject = 0;
    for (int k = 0; k < reps; ++k) {
        std::vector<double> pre(20), post(20);
        for (std::size_t i = 0; i < 20; ++i) pre[i] = rng.normal(), post[i] = pre[i] + rng.normal();
        reject += trial::paired(pre, post).w_p <= 0.05;
    }
    EXPECT_NEAR(double(reject) / reps, 0.05, 0.015);
}

TEST(TrialChange, PairedIntervalsCoverAtTheirLevel) {
    // The t interval of the mean change and the noncentral-t interval of d_z: ~95% coverage.
    Rng rng(16, 0);
    const int reps = 1500;
    const double mu = -0.6, sd = 1.0;
    int cover_mean = 0, cover_dz = 0;
    for (int k = 0; k < reps; ++k) {
        std::vector<double> pre(18), post(18);
        for (std::size_t i = 0; i < pre.size(); ++i) pre[i] = 3 * rng.normal(), post[i] = pre[i] + mu + sd * rng.normal();
        const auto r = trial::paired(pre, post);
        cover_mean += r.ci_mean.lower <= mu && mu <= r.ci_mean.upper;
        cover_dz += r.ci_dz.lower <= mu / sd && mu / sd <= r.ci_dz.upper;
    }
    EXPECT_NEAR(double(cover_mean) / reps, 0.95, 0.02);
    EXPECT_NEAR(double(cover_dz) / reps, 0.95, 0.02);
}

}  // namespace
}  // namespace algia
