// Linear mixed models against R lme4 1.1 + lmerTest 3.1 (tests/golden/make_lmm.R): lme4's real
// sleepstudy data and a simulated two-arm trial; plus error cases and a null-rejection simulation.

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "algia/core/error.hpp"
#include "algia/core/random.hpp"
#include "algia/io/tsv.hpp"
#include "algia/trial/lmm.hpp"
#include "test_support.hpp"

namespace {

using algia::trial::LmmFit;

using Expected = std::map<std::string, std::map<std::string, std::vector<double>>>;

const Expected& expected() {
    static const Expected e = [] {
        Expected out;
        const auto t = algia::io::read_table(algia::test::fixtures() + "/lmm/expected.tsv");
        const auto model = t.strings("model"), quantity = t.strings("quantity");
        const auto value = t.numeric("value");
        for (std::size_t r = 0; r < t.rows(); ++r) out[model[r]][quantity[r]].push_back(value[r]);
        return out;
    }();
    return e;
}

algia::io::Table fixture(const std::string& name) { return algia::io::read_table(algia::test::fixtures() + "/lmm/" + name); }

double rel(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }

void expect_rel(const std::string& what, const Eigen::VectorXd& got, const std::vector<double>& want, double tol,
                double abs_floor = 0) {
    ASSERT_EQ(std::size_t(got.size()), want.size()) << what;
    double worst = 0;
    for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(want[i]) > 1e-6 ? rel(got[Eigen::Index(i)], want[i]) : 0.0);
    std::printf("    %-18s max relative difference %.2g\n", what.c_str(), worst);
    for (std::size_t i = 0; i < want.size(); ++i)
        EXPECT_TRUE(std::abs(got[Eigen::Index(i)] - want[i]) <= tol * std::abs(want[i]) + abs_floor)
            << what << "[" << i << "]: algia " << got[Eigen::Index(i)] << " lmerTest " << want[i] << " relative difference "
            << rel(got[Eigen::Index(i)], want[i]);
}

// p values: 1e-4 relative. Below 1e-10 the far tail turns the ~1e-5 differences in Satterthwaite df
// (lmerTest's Hessian is a finite difference, itself good to about that) into larger relative
// differences; there 1e-2 relative (an absolute difference below 1e-12).
void expect_p(const std::string& what, const Eigen::VectorXd& got, const std::vector<double>& want) {
    ASSERT_EQ(std::size_t(got.size()), want.size()) << what;
    double worst = 0, worst_tiny = 0;
    for (std::size_t i = 0; i < want.size(); ++i)
        (want[i] < 1e-10 ? worst_tiny : worst) = std::max(want[i] < 1e-10 ? worst_tiny : worst, rel(got[Eigen::Index(i)], want[i]));
    std::printf("    %-18s max relative difference %.2g (p >= 1e-10), %.2g (p < 1e-10)\n", what.c_str(), worst, worst_tiny);
    for (std::size_t i = 0; i < want.size(); ++i) {
        const double tol = want[i] < 1e-10 ? 1e-2 : 1e-4;
        EXPECT_LE(rel(got[Eigen::Index(i)], want[i]), tol) << what << "[" << i << "]: algia " << got[Eigen::Index(i)] << " lmerTest " << want[i];
    }
}

Eigen::VectorXd vc_sd(const LmmFit& f) {
    // As R's as.data.frame(VarCorr()): sds, then correlations (lower triangle by column), then sigma.
    const Eigen::Index q = f.re_sd.size();
    std::vector<double> v;
    for (Eigen::Index i = 0; i < q; ++i) v.push_back(f.re_sd[i]);
    for (Eigen::Index j = 0; j < q; ++j)
        for (Eigen::Index i = j + 1; i < q; ++i) v.push_back(f.re_corr(i, j));
    v.push_back(f.sigma);
    return Eigen::Map<Eigen::VectorXd>(v.data(), Eigen::Index(v.size()));
}

void check_model(const std::string& name, const std::string& file, const std::string& formula, bool reml,
                 const std::string& emmeans = "") {
    SCOPED_TRACE(name);
    const auto& e = expected().at(name);
    const LmmFit f = algia::trial::fit_lmm(fixture(file), formula, {reml});
    const bool singular = e.at("singular")[0] != 0;
    EXPECT_EQ(f.singular, singular) << f.message;
    // Variance parameters: relative 1e-5 (absolute 1e-5 for a theta on its boundary at 0).
    expect_rel("theta", f.theta, e.at("theta"), 1e-5, singular ? 1e-5 : 0);
    expect_rel("sigma", Eigen::VectorXd::Constant(1, f.sigma), e.at("sigma"), 1e-5);
    expect_rel("vc_sd", vc_sd(f), e.at("vc_sd"), 1e-5, singular ? 1e-5 : 0);
    expect_rel("beta", f.beta, e.at("beta"), 1e-5);
    expect_rel("se", f.se, e.at("se"), 1e-5);
    expect_rel("t", f.t, e.at("t"), 1e-5);
    expect_rel("df", f.df, e.at("df"), 1e-3);
    expect_p("p", f.p, e.at("p"));
    expect_rel("criterion", Eigen::VectorXd::Constant(1, f.criterion), e.at("deviance"), 1e-9);
    expect_rel("loglik", Eigen::VectorXd::Constant(1, f.loglik), e.at("loglik"), 1e-9);
    const auto a = algia::trial::anova_type3(f);
    Eigen::VectorXd F(Eigen::Index(a.size())), ndf(F.size()), ddf(F.size()), p(F.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        F[Eigen::Index(i)] = a[i].F;
        ndf[Eigen::Index(i)] = a[i].num_df;
        ddf[Eigen::Index(i)] = a[i].den_df;
        p[Eigen::Index(i)] = a[i].p;
    }
    expect_rel("anova F", F, e.at("anova_F"), 1e-5);
    expect_rel("anova NumDF", ndf, e.at("anova_numdf"), 0);
    expect_rel("anova DenDF", ddf, e.at("anova_dendf"), 1e-3);
    expect_p("anova p", p, e.at("anova_p"));
    if (emmeans.empty()) return;
    const auto m = algia::trial::emmeans(f, emmeans);
    Eigen::VectorXd est(Eigen::Index(m.means.size())), se(est.size()), df(est.size());
    for (std::size_t i = 0; i < m.means.size(); ++i) {
        est[Eigen::Index(i)] = m.means[i].result.estimate;
        se[Eigen::Index(i)] = m.means[i].result.se;
        df[Eigen::Index(i)] = m.means[i].result.df;
    }
    expect_rel("emm estimate", est, e.at("emm_estimate"), 1e-5);
    expect_rel("emm se", se, e.at("emm_se"), 1e-5);
    expect_rel("emm df", df, e.at("emm_df"), 1e-3);
    Eigen::VectorXd ce(Eigen::Index(m.contrasts.size())), cs(ce.size()), cd(ce.size()), ct(ce.size()), cp(ce.size());
    for (std::size_t i = 0; i < m.contrasts.size(); ++i) {
        ce[Eigen::Index(i)] = m.contrasts[i].result.estimate;
        cs[Eigen::Index(i)] = m.contrasts[i].result.se;
        cd[Eigen::Index(i)] = m.contrasts[i].result.df;
        ct[Eigen::Index(i)] = m.contrasts[i].result.t;
        cp[Eigen::Index(i)] = m.contrasts[i].result.p;
    }
    expect_rel("contrast estimate", ce, e.at("con_estimate"), 1e-5);
    expect_rel("contrast se", cs, e.at("con_se"), 1e-5);
    expect_rel("contrast df", cd, e.at("con_df"), 1e-3);
    expect_rel("contrast t", ct, e.at("con_t"), 1e-5);
    expect_p("contrast p", cp, e.at("con_p"));
}

TEST(LmmGolden, SleepstudyRandomInterceptReml) { check_model("sleep_ri_reml", "sleepstudy.tsv", "Reaction ~ Days + (1 | Subject)", true); }
TEST(LmmGolden, SleepstudyRandomInterceptMl) { check_model("sleep_ri_ml", "sleepstudy.tsv", "Reaction ~ Days + (1 | Subject)", false); }
TEST(LmmGolden, SleepstudyRandomSlopeReml) { check_model("sleep_rs_reml", "sleepstudy.tsv", "Reaction ~ Days + (Days | Subject)", true); }
TEST(LmmGolden, SleepstudyRandomSlopeMl) { check_model("sleep_rs_ml", "sleepstudy.tsv", "Reaction ~ Days + (Days | Subject)", false); }
TEST(LmmGolden, TrialArmByVisitRandomSlopeReml) {
    check_model("trial_rs_reml", "trial.tsv", "pain ~ arm * visit + age + (1 + time | id)", true, "arm:visit");
}
TEST(LmmGolden, TrialArmByVisitRandomInterceptMl) {
    check_model("trial_ri_ml", "trial.tsv", "pain ~ arm * visit + age + (1 | id)", false, "arm:visit");
}
TEST(LmmGolden, TrialThreeArmsByVisitReml) {
    check_model("trial_arm3_reml", "trial.tsv", "pain ~ arm3 * visit + age + (1 + time | id)", true, "arm3:visit");
}
TEST(LmmGolden, TrialArmByTimeReml) { check_model("trial_time_reml", "trial.tsv", "pain ~ arm * time + (time | id)", true); }
// A three-way product: R expands it to every main effect and two-way term plus the three-way one.
TEST(LmmGolden, TrialThreeWayProductMl) { check_model("trial_3way_ml", "trial.tsv", "pain ~ arm * arm3 * time + (1 | id)", false); }
TEST(LmmGolden, SingularFitIsReported) { check_model("singular_ri_reml", "singular.tsv", "y ~ x + (1 | id)", true); }
TEST(LmmGolden, SingularSlopeCorrelationMinusOne) { check_model("singular_rs_reml", "singular.tsv", "y ~ x + (x | id)", true); }

TEST(Lmm, BadInput) {
    const auto t = fixture("trial.tsv");
    EXPECT_THROW(algia::trial::fit_lmm(t, "pain ~ arm + (1 | nosuch)"), algia::Error);
    EXPECT_THROW(algia::trial::fit_lmm(t, "arm ~ visit + (1 | id)"), algia::Error);  // non-numeric response
    EXPECT_THROW(algia::trial::fit_lmm(t, "pain ~ visit"), algia::Error);            // no random term
    algia::io::Table one({"y", "x", "id"});
    for (int i = 0; i < 10; ++i) one.add_row({std::to_string(i * 0.3 + (i % 3)), std::to_string(i), "a"});
    try {
        algia::trial::fit_lmm(one, "y ~ x + (1 | id)");
        FAIL() << "one group accepted";
    } catch (const algia::Error& e) {
        EXPECT_NE(std::string(e.what()).find("has 1 level"), std::string::npos) << e.what();
    }
}

// Under the null (no arm x time effect) the Satterthwaite t test rejects about 5% of the time.
TEST(Lmm, NullRejectionRateSatterthwaite) {
    algia::Rng rng(2026, 0);
    const int reps = 200, n_id = 24, visits = 5;
    int reject = 0;
    for (int rep = 0; rep < reps; ++rep) {
        algia::io::Table t({"id", "arm", "time", "y"});
        for (int i = 0; i < n_id; ++i) {
            const double b0 = rng.normal() * 1.0, b1 = rng.normal() * 0.3;
            for (int v = 0; v < visits; ++v)
                t.add_row({"p" + std::to_string(i), i % 2 ? "b" : "a", std::to_string(v),
                           algia::io::format_number(2 + b0 + (b1 - 0.2) * v + rng.normal())});
        }
        const auto f = algia::trial::fit_lmm(t, "y ~ arm * time + (time | id)");
        reject += f.p[3] < 0.05;
    }
    const double rate = double(reject) / reps;
    EXPECT_GT(rate, 0.015);
    EXPECT_LT(rate, 0.095);
}

}  // namespace

namespace {

// The per-group sums run in fixed blocks: the same bits on 1 and 2 threads.
TEST(Lmm, SameResultOnAnyThreadCount) {
    algia::Rng rng(9, 0);
    algia::io::Table t({"id", "time", "y"});
    for (int i = 0; i < 1500; ++i) {
        const double b0 = rng.normal(), b1 = 0.3 * rng.normal();
        for (int v = 0; v < 4; ++v)
            t.add_row({"p" + std::to_string(i), std::to_string(v), algia::io::format_number(1 + b0 + (b1 + 0.2) * v + rng.normal())});
    }
    algia::Context c1, c2;
    c1.set_threads(1);
    c2.set_threads(2);
    const auto f1 = algia::trial::fit_lmm(t, "y ~ time + (time | id)", {true, &c1});
    const auto f2 = algia::trial::fit_lmm(t, "y ~ time + (time | id)", {true, &c2});
    const auto f0 = algia::trial::fit_lmm(t, "y ~ time + (time | id)");
    for (Eigen::Index j = 0; j < f1.beta.size(); ++j) {
        EXPECT_EQ(f1.beta[j], f2.beta[j]);
        EXPECT_EQ(f1.df[j], f2.df[j]);
        EXPECT_EQ(f0.df[j], f2.df[j]);
    }
    EXPECT_EQ(f1.theta, f2.theta);
    EXPECT_NEAR(f1.re_sd[1], 0.3, 0.05);
}

}  // namespace
