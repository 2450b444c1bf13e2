// Mediation: paths and SEs against numpy and lavaan, bootstrap CIs and p-values against an
// independent reference on identical resamples, multilevel against CanlabCore's formulas, voxelwise
// against per-voxel OLS on the real Wager 2008 images, and CI coverage by simulation.
// Fixtures: tests/golden/make_mediation.py and make_mediation.R.

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "algia/core/context.hpp"
#include "algia/core/random.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/tsv.hpp"
#include "algia/mediation/bootstrap.hpp"
#include "algia/mediation/mediation.hpp"
#include "algia/mediation/multilevel.hpp"
#include "algia/mediation/voxelwise.hpp"
#include "test_support.hpp"

namespace algia::mediation {
namespace {

std::string fixture(const std::string& name) { return test::fixtures() + "/mediation/" + name; }

// The fixture's index stream: a 64-bit LCG advanced before each draw, resample by resample.
std::vector<std::vector<std::size_t>> lcg_resamples(std::size_t B, std::size_t n) {
    std::uint64_t state = 12345;
    std::vector<std::vector<std::size_t>> out(B, std::vector<std::size_t>(n));
    for (auto& rows : out)
        for (auto& i : rows) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            i = static_cast<std::size_t>((state >> 33) % n);
        }
    return out;
}

// Complete cases of the named columns.
Data load(const std::string& file, const std::vector<std::string>& mediators, const std::vector<std::string>& covariates) {
    const auto t = io::read_table(fixture(file));
    std::vector<std::vector<double>> cols;
    cols.push_back(t.numeric("x"));
    cols.push_back(t.numeric("y"));
    for (const auto& m : mediators) cols.push_back(t.numeric(m));
    for (const auto& c : covariates) cols.push_back(t.numeric(c));
    std::vector<std::size_t> keep;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        bool ok = true;
        for (const auto& c : cols) ok = ok && std::isfinite(c[r]);
        if (ok) keep.push_back(r);
    }
    const Eigen::Index n = Eigen::Index(keep.size()), k = Eigen::Index(mediators.size()), q = Eigen::Index(covariates.size());
    Data d;
    d.x.resize(n);
    d.y.resize(n);
    d.m.resize(n, k);
    d.covariates.resize(n, q);
    for (Eigen::Index i = 0; i < n; ++i) {
        const std::size_t r = keep[std::size_t(i)];
        d.x(i) = cols[0][r];
        d.y(i) = cols[1][r];
        for (Eigen::Index j = 0; j < k; ++j) d.m(i, j) = cols[std::size_t(2 + j)][r];
        for (Eigen::Index j = 0; j < q; ++j) d.covariates(i, j) = cols[std::size_t(2 + k + j)][r];
    }
    d.mediator_names = mediators;
    return d;
}

double inverse_normal(double p) {
    // Bisection on erfc: accurate to ~1e-15, independent of the code under test.
    double lo = -40, hi = 40;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

double rel(double a, double b) { return std::fabs(a - b) / std::max(1e-300, std::max(std::fabs(a), std::fabs(b))); }

struct Case {
    const char* name;
    std::vector<std::string> mediators, covariates;
    Structure structure;
};

const std::vector<Case>& cases() {
    static const std::vector<Case> c = {{"single", {"m"}, {"age"}, Structure::parallel},
                                        {"parallel", {"m1", "m2"}, {"age"}, Structure::parallel},
                                        {"serial", {"m1", "m2"}, {}, Structure::serial}};
    return c;
}

TEST(Mediation, PathsAndStandardErrorsEqualNumpyAndLavaan) {
    for (const auto& c : cases()) {
        SCOPED_TRACE(c.name);
        const Model model(load(std::string(c.name) + ".tsv", c.mediators, c.covariates), c.structure);
        const Model::Fit f = model.fit();
        const auto ref = io::read_table(fixture(std::string(c.name) + "_paths.tsv"));
        const auto est = ref.numeric("estimate"), se = ref.numeric("se"), se_ml = ref.numeric("se_ml"),
                   peq = ref.numeric("p_equation");
        ASSERT_EQ(ref.rows() + 1, model.parameters().size());  // + pm
        EXPECT_EQ(std::size_t(ref.numeric("n")[0]), model.n());
        for (std::size_t i = 0; i < ref.rows(); ++i) {
            SCOPED_TRACE(model.parameters()[i].name);
            EXPECT_LT(rel(f.estimate(Eigen::Index(i)), est[i]), 1e-10);
            EXPECT_LT(rel(f.se(Eigen::Index(i)), se[i]), 1e-10);
            if (model.parameters()[i].kind == Quantity::path) {
                // lavaan (ML) SE = OLS SE * sqrt((n - p) / n), p = coefficients of the path's equation.
                EXPECT_EQ(f.df(Eigen::Index(i)), double(model.n()) - peq[i]);
                EXPECT_LT(rel(f.se(Eigen::Index(i)) * std::sqrt((double(model.n()) - peq[i]) / double(model.n())), se_ml[i]), 1e-10);
            }
        }
        // lavaan's own numbers: estimates of every path and := indirect effect.
        const auto lav = io::read_table(fixture(std::string("lavaan_") + c.name + ".tsv"));
        const auto lnames = lav.strings("path");
        const auto lest = lav.numeric("estimate");
        const auto names = ref.strings("path");
        int matched = 0;
        for (std::size_t i = 0; i < names.size(); ++i)
            for (std::size_t j = 0; j < lnames.size(); ++j)
                if (lnames[j] == names[i]) {
                    EXPECT_LT(rel(f.estimate(Eigen::Index(i)), lest[j]), 1e-10) << names[i];
                    ++matched;
                }
        EXPECT_GE(matched, int(names.size()) - 1);
    }
}

TEST(Mediation, BootstrapIntervalsAndPValuesEqualTheReferenceOnFixedResamples) {
    for (const auto& c : cases()) {
        SCOPED_TRACE(c.name);
        const Model model(load(std::string(c.name) + ".tsv", c.mediators, c.covariates), c.structure);
        const auto ref = io::read_table(fixture(std::string(c.name) + "_bootstrap.tsv"));
        BootstrapOptions o;
        o.rows = lcg_resamples(std::size_t(ref.numeric("B")[0]), model.n());
        const Context ctx;
        struct Check {
            CiMethod method;
            const char *low, *high, *p;
        };
        for (const Check& k : {Check{CiMethod::percentile, "ci_percentile_linear_low", "ci_percentile_linear_high", "p_percentile_canlab"},
                               Check{CiMethod::bc, "ci_bc_linear_low", "ci_bc_linear_high", "p_bc"},
                               Check{CiMethod::bca, "ci_bca_hazen_low", "ci_bca_hazen_high", "p_bca_exact_inversion"}}) {
            o.ci = k.method;
            const BootstrapResult r = bootstrap(model, o, ctx);
            SCOPED_TRACE(ci_method_name(k.method));
            const auto low = ref.numeric(k.low), high = ref.numeric(k.high), p = ref.numeric(k.p), bse = ref.numeric("boot_se");
            for (std::size_t i = 0; i < ref.rows(); ++i) {
                SCOPED_TRACE(model.parameters()[i].name);
                EXPECT_LT(rel(r.intervals[i].low, low[i]), 1e-9);
                EXPECT_LT(rel(r.intervals[i].high, high[i]), 1e-9);
                const double pL = ref.numeric("n_boot_lt0")[i], pU = ref.numeric("n_boot_gt0")[i];
                if (k.method != CiMethod::bc || pL < pU) {
                    EXPECT_LT(rel(r.intervals[i].p, p[i]), 1e-8);
                } else {
                    // The reference's p_bc is CanlabCore's formula, whose upper-tail branch is wrong
                    // (see bootstrap.hpp); the exact inversion from the reference's own z0 and counts:
                    const double B = ref.numeric("B")[i], z0 = ref.numeric("z0")[i];
                    const double share = std::clamp(pU / B, 1 / B, 1 - 1 / B);
                    const double z = -inverse_normal(share) - 2 * z0;
                    EXPECT_LT(rel(r.intervals[i].p, std::erfc(std::fabs(z) / std::sqrt(2.0))), 1e-8);
                }
                EXPECT_LT(rel(r.boot_se(Eigen::Index(i)), bse[i]), 1e-9);
            }
        }
    }
}

TEST(Mediation, BootstrapIsIdenticalOnAnyThreadCountAndDependsOnTheSeed) {
    const Model model(load("single.tsv", {"m"}, {"age"}), Structure::parallel);
    BootstrapOptions o;
    o.resamples = 500;
    o.seed = 7;
    Context one, two;
    one.set_threads(1);
    two.set_threads(2);
    const auto a = bootstrap(model, o, one), b = bootstrap(model, o, two);
    for (std::size_t i = 0; i < a.intervals.size(); ++i) {
        EXPECT_EQ(a.intervals[i].low, b.intervals[i].low);
        EXPECT_EQ(a.intervals[i].p, b.intervals[i].p);
    }
    o.seed = 8;
    const auto c = bootstrap(model, o, one);
    EXPECT_NE(a.intervals[4].low, c.intervals[4].low);
}

TEST(Mediation, BadInputIsRefusedWithClearErrors) {
    Data d = load("single.tsv", {"m"}, {"age"});
    Data shorter = d;
    shorter.y.conservativeResize(d.y.size() - 1);
    EXPECT_ALGIA_ERROR(Model(shorter, Structure::parallel), Kind::invalid_input, "different lengths");
    Data constant = d;
    constant.x.setConstant(1.0);
    EXPECT_ALGIA_ERROR(Model(constant, Structure::parallel), Kind::invalid_input, "X is constant");
    Data cm = d;
    cm.m.col(0).setConstant(2.0);
    EXPECT_ALGIA_ERROR(Model(cm, Structure::parallel), Kind::invalid_input, "mediator m is constant");
    Data few = d;
    few.x.conservativeResize(4);
    few.y.conservativeResize(4);
    few.m.conservativeResize(4, 1);
    few.covariates.conservativeResize(4, 1);
    EXPECT_ALGIA_ERROR(Model(few, Structure::parallel), Kind::invalid_input, "too few");
    Data nan = d;
    nan.y(3) = std::nan("");
    EXPECT_ALGIA_ERROR(Model(nan, Structure::parallel), Kind::invalid_input, "missing");
    Data collinear = d;
    collinear.covariates.col(0) = 2.0 * d.x;
    EXPECT_ALGIA_ERROR(Model(collinear, Structure::parallel), Kind::invalid_input, "collinear");
    EXPECT_ALGIA_ERROR(Model(d, Structure::serial), Kind::usage, "exactly two mediators");
}

// Coverage of the 95% CI of ab for a known indirect effect (a = b = 0.3, n = 120).
TEST(Mediation, BootstrapIntervalsCoverTheTrueIndirectEffect) {
    const int datasets = 300, n = 120;
    const double a = 0.3, b = 0.3, cp = 0.2;
    std::map<CiMethod, int> covered;
    for (int s = 0; s < datasets; ++s) {
        Rng rng(2024, std::uint64_t(s));
        Data d;
        d.x.resize(n);
        d.m.resize(n, 1);
        d.y.resize(n);
        d.covariates.resize(n, 0);
        for (int i = 0; i < n; ++i) {
            d.x(i) = rng.normal();
            d.m(i, 0) = a * d.x(i) + rng.normal();
            d.y(i) = b * d.m(i, 0) + cp * d.x(i) + rng.normal();
        }
        const Model model(d, Structure::parallel);
        for (CiMethod method : {CiMethod::percentile, CiMethod::bca}) {
            BootstrapOptions o;
            o.resamples = 400;
            o.seed = std::uint64_t(s);
            o.ci = method;
            const auto r = bootstrap(model, o, Context());
            const Interval& ab = r.intervals[4];
            if (ab.low <= a * b && a * b <= ab.high) ++covered[method];
        }
    }
    const double sd = std::sqrt(0.95 * 0.05 / datasets);
    for (const auto& [method, count] : covered) {
        const double rate = double(count) / datasets;
        EXPECT_NEAR(rate, 0.95, 3.5 * sd) << ci_method_name(method);
    }
}

TEST(Mediation, MultilevelMatchesCanlabCoreFormulas) {
    const auto t = io::read_table(fixture("multilevel.tsv"));
    Data d;
    const auto x = t.numeric("x"), m = t.numeric("m"), y = t.numeric("y");
    const Eigen::Index n = Eigen::Index(t.rows());
    d.x = Eigen::Map<const Eigen::VectorXd>(x.data(), n);
    d.y = Eigen::Map<const Eigen::VectorXd>(y.data(), n);
    d.m = Eigen::Map<const Eigen::MatrixXd>(m.data(), n, 1);
    d.covariates.resize(n, 0);
    d.mediator_names = {"m"};
    const auto groups = t.strings("participant_id");
    const char* names[] = {"a", "b", "c_prime", "c", "ab"};

    const FirstLevel f = first_level(d, groups, Weighting::empirical_bayes);
    const auto parts = io::read_table(fixture("multilevel_participants.tsv"));
    ASSERT_EQ(parts.rows(), f.participants.size());
    for (int p = 0; p < 5; ++p) {
        const auto est = parts.numeric(names[p]), se = parts.numeric(std::string("se_") + names[p]),
                   w = parts.numeric(std::string("w_") + names[p]);
        for (std::size_t i = 0; i < parts.rows(); ++i) {
            EXPECT_LT(rel(f.paths(Eigen::Index(i), p), est[i]), 1e-10) << names[p];
            EXPECT_LT(rel(f.se(Eigen::Index(i), p), se[i]), 1e-10) << names[p];
            EXPECT_LT(rel(f.weights(Eigen::Index(i), p), w[i]), 1e-8) << names[p];
        }
    }
    // Level 2: weighted means and CanlabCore's GLS inference.
    const auto l2 = io::read_table(fixture("multilevel_level2.tsv"));
    const auto path = l2.strings("path"), weights = l2.strings("weights");
    const auto est = l2.numeric("gls_beta"), ste = l2.numeric("gls_ste"), dfe = l2.numeric("gls_dfe"), pv = l2.numeric("gls_p");
    const FirstLevel feq = first_level(d, groups, Weighting::equal);
    for (std::size_t r = 0; r < l2.rows(); ++r) {
        int p = 0;
        while (path[r] != names[p]) ++p;
        const FirstLevel& which = weights[r] == "eb" ? f : feq;
        const WlsIntercept w = wls_intercept(which.paths.col(p), which.weights.col(p));
        SCOPED_TRACE(path[r] + " " + weights[r]);
        EXPECT_LT(rel(w.estimate, est[r]), 1e-10);
        EXPECT_LT(rel(w.se, ste[r]), 1e-9);
        EXPECT_LT(rel(w.df, dfe[r]), 1e-9);
        EXPECT_LT(rel(w.p, pv[r]), 1e-7);
    }
    // Bootstrap over participants on the fixture's resamples (weights renormalised per resample).
    const auto boot = io::read_table(fixture("multilevel_bootstrap.tsv"));
    const auto bw = boot.strings("weights"), bp = boot.strings("path");
    const auto lo = boot.numeric("ci_bca_hazen_low"), hi = boot.numeric("ci_bca_hazen_high"), pb = boot.numeric("p_bca_exact_inversion");
    for (const char* variant : {"equal", "eb_normalized"}) {
        MultilevelOptions o;
        o.weighting = std::string(variant) == "equal" ? Weighting::equal : Weighting::empirical_bayes;
        o.rows = lcg_resamples(std::size_t(boot.numeric("B")[0]), f.participants.size());
        const auto r = multilevel_mediation(d, groups, o, Context());
        for (std::size_t k = 0; k < boot.rows(); ++k) {
            if (bw[k] != variant) continue;
            int p = 0;
            while (bp[k] != names[p]) ++p;
            SCOPED_TRACE(std::string(variant) + " " + bp[k]);
            EXPECT_LT(rel(r.intervals[std::size_t(p)].low, lo[k]), 1e-9);
            EXPECT_LT(rel(r.intervals[std::size_t(p)].high, hi[k]), 1e-9);
            EXPECT_LT(rel(r.intervals[std::size_t(p)].p, pb[k]), 1e-8);
        }
    }
}

// The interval bounds come from order statistics found by selection among gathered extreme values;
// they must equal quantiles of the fully sorted resamples for every size, level and rule, with
// ties, heavy ties, skew and both tails (the fast path and its fallback; the hazen rule of BC/BCa
// only moves the level).
TEST(Mediation, IntervalBoundsEqualSortedQuantiles) {
    Rng rng(17, 0);
    int cases = 0;
    for (std::size_t n : {50, 255, 256, 999, 1000, 4096, 10000})
        for (int kind = 0; kind < 5; ++kind)
            for (double alpha : {0.001, 0.01, 0.05, 0.2}) {
                // normal, discrete with ties, log-normal (the normal-theory threshold misjudges its
                // short tail), mostly constant, normal with resamples that failed (NaN, inf: left out)
                std::vector<double> v(n);
                for (std::size_t i = 0; i < n; ++i) {
                    const double z = rng.normal();
                    v[i] = kind == 0 ? z : kind == 1 ? std::round(2 * z) : kind == 2 ? std::exp(2 * z) : kind == 3 ? (i % 7 ? 1.0 : z)
                         : (i % 11 == 3 ? std::nan("") : i % 13 == 5 ? HUGE_VAL : z);
                }
                std::vector<double> sorted;
                for (double x : v)
                    if (std::isfinite(x)) sorted.push_back(x);
                std::sort(sorted.begin(), sorted.end());
                const Interval in = bootstrap_interval(v, 0.0, Eigen::VectorXd(), CiMethod::percentile, alpha);
                // Levels pass through Phi(Phi^-1(.)): equal up to rounding; a wrong order statistic
                // would be off by a whole gap between neighbours.
                const double lo = quantile_sorted(sorted, alpha / 2), hi = quantile_sorted(sorted, 1 - alpha / 2);
                EXPECT_NEAR(in.low, lo, 1e-10 * (1 + std::fabs(lo))) << n << " " << kind << " " << alpha;
                EXPECT_NEAR(in.high, hi, 1e-10 * (1 + std::fabs(hi))) << n << " " << kind << " " << alpha;
                ++cases;
            }
    EXPECT_EQ(cases, 7 * 5 * 4);
}

// Voxelwise paths on the real Wager 2008 images equal a per-voxel OLS fit; the voxelwise bootstrap
// equals the table bootstrap of the same voxel on the same resamples.
TEST(Mediation, VoxelwiseOnWagerImagesEqualsPerVoxelOls) {
    ALGIA_REQUIRE_SHARED_DATA();
    const std::string dir = test::shared_data() + "/contrast_maps/wager2008_emoreg_canlab/";
    const auto beh = io::read_table(dir + "Wager_2008_emotionreg_behavioral_data.txt");
    const auto xs = beh.numeric("X_RVLPFC"), ys = beh.numeric("Y_Reappraisal_Success");
    const Context ctx;
    std::vector<image::Image<float>> imgs;
    for (int i = 1; i <= 30; ++i) imgs.push_back(io::read_image<float>(dir + fmt::format("con_0081{:04d}.img", i), ctx));
    std::vector<std::int64_t> voxels;
    for (std::int64_t v = 0; v < imgs[0].grid().voxels(); ++v) {
        bool ok = true;
        for (const auto& im : imgs) ok = ok && std::isfinite(im.data()[v]) && im.data()[v] != 0;
        if (ok) voxels.push_back(v);
    }
    ASSERT_GT(voxels.size(), 10000u);
    VoxelwiseData d;
    d.role = ImageRole::m;
    d.images.resize(30, Eigen::Index(voxels.size()));
    for (int i = 0; i < 30; ++i)
        for (std::size_t j = 0; j < voxels.size(); ++j) d.images(i, Eigen::Index(j)) = imgs[std::size_t(i)].data()[voxels[j]];
    d.x = Eigen::Map<const Eigen::VectorXd>(xs.data(), 30);
    d.y = Eigen::Map<const Eigen::VectorXd>(ys.data(), 30);
    d.covariates.resize(30, 0);
    VoxelwiseOptions o;
    o.resamples = 300;
    o.initial = 100;
    o.adapt_below = 0.2;
    o.seed = 3;
    o.single_precision = false;  // exact: equal to the table bootstrap on the same resamples
    const auto r = voxelwise_mediation(d, o, ctx);
    int checked = 0;
    for (std::size_t j = 0; j < voxels.size(); j += 97) {
        Data t;
        t.x = d.x;
        t.y = d.y;
        t.m = d.images.col(Eigen::Index(j));
        t.covariates.resize(30, 0);
        const Model model(t, Structure::parallel);
        const auto f = model.fit();
        for (int k = 0; k < 5; ++k) {
            EXPECT_NEAR(r.effect(Eigen::Index(j), k), f.estimate(k), 1e-6 * std::max(1.0, std::fabs(f.estimate(k))));
            EXPECT_NEAR(r.se(Eigen::Index(j), k), f.se(k), 1e-6 * std::max(1.0, f.se(k)));
        }
        if (checked < 20) {
            BootstrapOptions bo;
            bo.resamples = r.resamples(Eigen::Index(j));
            bo.seed = 3;
            const auto b = bootstrap(model, bo, ctx);
            EXPECT_NEAR(r.ab_p(Eigen::Index(j)), b.intervals[4].p, 1e-9);
            EXPECT_NEAR(r.ab_ci_low(Eigen::Index(j)), b.intervals[4].low, 1e-8);
            EXPECT_NEAR(r.ab_ci_high(Eigen::Index(j)), b.intervals[4].high, 1e-8);
        }
        ++checked;
    }
    EXPECT_GT(checked, 100);
    EXPECT_GT((r.resamples.array() == 300).count(), 0);
    EXPECT_GT((r.resamples.array() == 100).count(), 0);
    // Single-precision resamples (the default): same point estimates; bootstrap CIs within 1e-4 of
    // the CI width at all but 0.1% of voxels and within 2% everywhere (a resample's ab moves by
    // ~1e-6 relative, which can swap it with a neighbouring resample only when they nearly touch:
    // on the whole Wager brain, 5 of 81,592 voxels move a bound or p by a few resamples' worth,
    // far below the Monte-Carlo error of the bound); p within 5 resamples' worth.
    {
        VoxelwiseOptions os = o;
        os.single_precision = true;
        const auto s = voxelwise_mediation(d, os, ctx);
        EXPECT_TRUE((s.effect.array() == r.effect.array()).all());
        // Voxels whose adaptation differs (p near adapt_below) have other resamples: compared apart.
        const Eigen::ArrayXd same = (s.resamples.array() == r.resamples.array()).cast<double>();
        const Eigen::ArrayXd scale = (r.ab_ci_high - r.ab_ci_low).array().abs() + 1e-12;
        const Eigen::ArrayXd dl = (s.ab_ci_low - r.ab_ci_low).array().abs() / scale * same;
        const Eigen::ArrayXd dh = (s.ab_ci_high - r.ab_ci_high).array().abs() / scale * same;
        const double V = double(dl.size());
        EXPECT_LT(double((dl > 1e-4).count() + (dh > 1e-4).count()), 0.001 * V);
        EXPECT_LT(std::max(dl.maxCoeff(), dh.maxCoeff()), 0.02);
        EXPECT_LT(((s.ab_p - r.ab_p).array().abs() * same).maxCoeff(), 5.0 / 100 + 1e-12);
        EXPECT_LT((s.ab_p - r.ab_p).array().abs().mean(), 1e-3);
        EXPECT_TRUE((s.resamples.array() == r.resamples.array()).all() ||
                    (s.resamples.array() != r.resamples.array()).count() < 20);
    }
    // Same result on 1 and 2 threads.
    Context one, two;
    one.set_threads(1);
    two.set_threads(2);
    o.resamples = 150;
    const auto a1 = voxelwise_mediation(d, o, one), a2 = voxelwise_mediation(d, o, two);
    EXPECT_TRUE((a1.ab_p.array() == a2.ab_p.array()).all());
    EXPECT_TRUE((a1.effect.array() == a2.effect.array()).all());
}

}  // namespace
}  // namespace algia::mediation
