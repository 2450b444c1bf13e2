// Group statistics on plain matrices: GLM t against closed forms, TFCE against a brute-force
// implementation of its definition, FDR, design formulas, permutation determinism, and the
// error rates of the permutation tests by simulation (null data: FWE near alpha).
#include "algia/stats/design.hpp"
#include "algia/stats/glm.hpp"

#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include <Eigen/Dense>

#include "algia/core/random.hpp"
#include "algia/io/tsv.hpp"
#include "test_support.hpp"

using namespace algia;

namespace {
// TFCE by its definition: for each threshold, label clusters by flood fill, add size^E h^H.
Eigen::VectorXd brute_tfce(const Eigen::VectorXd& v, const std::array<std::int64_t, 3>& dims,
                           const std::vector<std::int64_t>& vox, int conn) {
    const std::int64_t nv = dims[0] * dims[1] * dims[2];
    std::vector<double> full(std::size_t(nv), 0.0);
    for (std::size_t i = 0; i < vox.size(); ++i) full[std::size_t(vox[i])] = v[Eigen::Index(i)];
    const double mx = v.maxCoeff(), step = mx / 100;
    const auto count = std::size_t(std::ceil(((mx + step) - step) / step));
    std::vector<double> out(std::size_t(nv), 0.0);
    for (std::size_t k = 0; k < count; ++k) {
        const double h = step + double(k) * step;
        std::vector<int> label(std::size_t(nv), 0);
        int next = 0;
        std::map<int, int> size;
        for (std::int64_t s = 0; s < nv; ++s) {
            if (!(full[std::size_t(s)] >= h) || label[std::size_t(s)]) continue;
            ++next;
            std::vector<std::int64_t> stack = {s};
            label[std::size_t(s)] = next;
            while (!stack.empty()) {
                const auto c = stack.back();
                stack.pop_back();
                ++size[next];
                const std::int64_t x = c % dims[0], y = (c / dims[0]) % dims[1], z = c / (dims[0] * dims[1]);
                for (int dz = -1; dz <= 1; ++dz)
                    for (int dy = -1; dy <= 1; ++dy)
                        for (int dx = -1; dx <= 1; ++dx) {
                            const int m = std::abs(dx) + std::abs(dy) + std::abs(dz);
                            if (m == 0 || (conn == 6 && m > 1)) continue;
                            const std::int64_t a = x + dx, b = y + dy, cz = z + dz;
                            if (a < 0 || b < 0 || cz < 0 || a >= dims[0] || b >= dims[1] || cz >= dims[2]) continue;
                            const std::int64_t q = a + dims[0] * (b + dims[1] * cz);
                            if (full[std::size_t(q)] >= h && !label[std::size_t(q)]) {
                                label[std::size_t(q)] = next;
                                stack.push_back(q);
                            }
                        }
            }
        }
        for (std::int64_t s = 0; s < nv; ++s)
            if (label[std::size_t(s)]) out[std::size_t(s)] += std::pow(size[label[std::size_t(s)]], 0.5) * h * h;
    }
    Eigen::VectorXd r(Eigen::Index(vox.size()));
    for (std::size_t i = 0; i < vox.size(); ++i) r[Eigen::Index(i)] = out[std::size_t(vox[i])];
    return r;
}
}  // namespace

TEST(Stats, OneSampleTIsMeanOverStandardError) {
    Eigen::MatrixXd X = Eigen::MatrixXd::Ones(6, 1), Y(6, 2);
    Y << 1, 2, 2, 2, 3, 2, 4, 2, 5, 2.5, 6, 2;
    const auto m = stats::glm_t(X, Y, Eigen::VectorXd::Ones(1));
    const double mean = 3.5, sd = std::sqrt(17.5 / 5);
    EXPECT_NEAR(m.t[0], mean / (sd / std::sqrt(6.0)), 1e-12);
    EXPECT_EQ(m.df, 5);
    EXPECT_NEAR(stats::t_sf(2.015048, 5), 0.05, 1e-6);
    EXPECT_NEAR(stats::z_from_p(0.025), 1.959964, 1e-6);
}

TEST(Stats, TfceEqualsItsDefinition) {
    Rng rng(3, 3);
    const std::array<std::int64_t, 3> dims{9, 8, 7};
    std::vector<std::int64_t> vox;
    for (std::int64_t v = 0; v < 9 * 8 * 7; ++v)
        if (rng.uniform() < 0.8) vox.push_back(v);
    Eigen::VectorXd val(Eigen::Index(vox.size()));
    for (Eigen::Index i = 0; i < val.size(); ++i) val[i] = rng.normal() + 0.8;
    for (int conn : {6, 26}) {
        const auto fast = stats::tfce(val, dims, vox, conn, false);
        const auto slow = brute_tfce(val, dims, vox, conn);
        EXPECT_LT((fast - slow).cwiseAbs().maxCoeff(), 1e-9 * slow.cwiseAbs().maxCoeff()) << "connectivity " << conn;
    }
}

TEST(Stats, FdrMatchesTheTextbookFormula) {
    Eigen::VectorXd p(5);
    p << 0.01, 0.04, 0.03, 0.5, 0.02;
    const auto q = stats::fdr_bh(p);
    // sorted: .01 .02 .03 .04 .5 -> .05 .05 .05 .05 .5
    EXPECT_NEAR(q[0], 0.05, 1e-12);
    EXPECT_NEAR(q[3], 0.5, 1e-12);
    EXPECT_NEAR(q[4], 0.05, 1e-12);
}

TEST(Stats, FormulaCodesCategoriesAndInteractions) {
    const auto t = io::parse_table("arm\tage\tsession\nA\t30\tpre\nB\t40\tpre\nA\t35\tpost\nC\t50\tpost\n", "p.tsv");
    const auto d = stats::design_from_formula(t, "~ arm + age");
    EXPECT_EQ(d.columns, (std::vector<std::string>{"intercept", "arm[T.B]", "arm[T.C]", "age"}));
    EXPECT_EQ(d.X(3, 2), 1.0);
    const auto d2 = stats::design_from_formula(t, "~ 0 + age * session");
    EXPECT_EQ(d2.columns, (std::vector<std::string>{"age", "session[T.pre]", "age:session[T.pre]"}));
    EXPECT_EQ(d2.X(1, 2), 40.0);
    const auto c = stats::parse_contrast("arm[T.B] - 0.5*age", d.columns);
    EXPECT_EQ(c[1], 1.0);
    EXPECT_EQ(c[3], -0.5);
    EXPECT_ALGIA_ERROR(stats::parse_contrast("armB", d.columns), Kind::usage, "no column 'armB'");
    EXPECT_ALGIA_ERROR(stats::design_from_formula(t, "~ sex"), Kind::invalid_input, "has no column 'sex'");
}

// R's expansion of a product of factors (attr(terms(~ a*b*c), "term.labels") in R 4.2: a, b, c,
// a:b, a:c, b:c, a:b:c; ~ a:b*c + d: a:b, c, a:b:c, d with R's later sort by degree aside).
TEST(Stats, FormulaTermsExpandProductsAsR) {
    using Terms = std::vector<std::vector<std::string>>;
    const auto abc = stats::formula_terms(" a * b*c ", "~ a*b*c");
    EXPECT_TRUE(abc.intercept);
    EXPECT_EQ(abc.terms, (Terms{{"a"}, {"b"}, {"c"}, {"a", "b"}, {"a", "c"}, {"b", "c"}, {"a", "b", "c"}}));
    const auto nested = stats::formula_terms("a:b*c + d + c - 1", "~ a:b*c + d + c - 1");
    EXPECT_FALSE(nested.intercept);
    EXPECT_EQ(nested.terms, (Terms{{"a", "b"}, {"c"}, {"a", "b", "c"}, {"d"}}));
    EXPECT_FALSE(stats::formula_terms("0 + x", "~ 0 + x").intercept);
    EXPECT_ALGIA_ERROR(stats::formula_terms("a - b", "~ a - b"), Kind::usage, "only '- 1' may be subtracted");
    // The design: every two-way interaction of a three-way product is there.
    const auto t = io::parse_table("x\ty\tz\n1\t2\t3\n2\t1\t5\n3\t4\t4\n4\t3\t1\n5\t6\t2\n6\t5\t7\n7\t9\t8\n8\t7\t6\n9\t8\t9\n", "p.tsv");
    const auto d = stats::design_from_formula(t, "~ x * y * z");
    EXPECT_EQ(d.columns, (std::vector<std::string>{"intercept", "x", "y", "z", "x:y", "x:z", "y:z", "x:y:z"}));
    EXPECT_EQ(d.X(2, 5), 3.0 * 4.0);
    EXPECT_EQ(d.X(2, 7), 3.0 * 4.0 * 4.0);
}

TEST(Stats, RankDeficientDesignIsAClearError) {
    Eigen::MatrixXd X(5, 3);
    X << 1, 1, 2, 1, 2, 4, 1, 3, 6, 1, 4, 8, 1, 5, 10;
    Eigen::MatrixXd Y = Eigen::MatrixXd::Random(5, 3);
    EXPECT_ALGIA_ERROR(stats::glm_t(X, Y, Eigen::Vector3d(0, 1, 0)), Kind::invalid_input, "rank deficient");
}

TEST(Stats, PermutationsIdenticalOnOneAndTwoThreads) {
    Rng rng(1, 1);
    Eigen::MatrixXd X(12, 2), Y(12, 50);
    for (int i = 0; i < 12; ++i) X.row(i) << 1, rng.normal();
    for (int i = 0; i < 12; ++i)
        for (int v = 0; v < 50; ++v) Y(i, v) = rng.normal();
    stats::PermutationOptions o;
    o.permutations = 200;
    o.seed = 9;
    Context c1, c2;
    c1.set_threads(1);
    c2.set_threads(2);
    const auto a = stats::permutation_test(X, Y, Eigen::Vector2d(0, 1), o, c1);
    const auto b = stats::permutation_test(X, Y, Eigen::Vector2d(0, 1), o, c2);
    EXPECT_EQ(a.null_max_t, b.null_max_t);
    EXPECT_EQ(a.p_fwe, b.p_fwe);
}

// 300 null datasets x 500 permutations (about 2 s): the FWE false-positive rate must be
// 0.05 within 3 binomial SDs (0.05 +/- 0.038), for sign flipping and for Freedman-Lane.
TEST(StatsSimulation, FamilywiseErrorRateUnderTheNull) {
    Context ctx;
    for (bool one_sample : {true, false}) {
        int false_positives = 0;
        const int datasets = 300;
        for (int d = 0; d < datasets; ++d) {
            Rng rng(77, std::uint64_t(d) + (one_sample ? 0 : 100000));
            const int n = 14, V = 40;
            Eigen::MatrixXd X(n, one_sample ? 1 : 2), Y(n, V);
            for (int i = 0; i < n; ++i) {
                X(i, 0) = 1;
                if (!one_sample) X(i, 1) = rng.normal();
                for (int v = 0; v < V; ++v) Y(i, v) = rng.normal() + (one_sample ? 0.0 : 0.5 * X(i, 0));
            }
            stats::PermutationOptions o;
            o.permutations = 500;
            o.seed = std::uint64_t(d);
            Eigen::VectorXd c = Eigen::VectorXd::Ones(1);
            if (!one_sample) c = Eigen::Vector2d(0, 1);
            const auto r = stats::permutation_test(X, Y, c, o, ctx);
            false_positives += r.p_fwe.minCoeff() <= 0.05;
        }
        const double rate = double(false_positives) / datasets;
        EXPECT_NEAR(rate, 0.05, 3 * std::sqrt(0.05 * 0.95 / datasets)) << (one_sample ? "sign flipping" : "Freedman-Lane");
    }
}

// Clusters on a hand-made 5x5x3 volume: two blobs touching only at an edge are one cluster with
// 18/26-connectivity and two with 6 (nilearn's), a blob touching at a corner only joins with 26;
// negative clusters only two-sided; size, mass (sum t - thr), peak and ordering.
TEST(Stats, ClustersByConnectivityAndSign) {
    const std::array<std::int64_t, 3> dims{5, 5, 3};
    std::vector<std::int64_t> vox;
    for (std::int64_t v = 0; v < 75; ++v) vox.push_back(v);
    Eigen::VectorXd t = Eigen::VectorXd::Zero(75);
    auto at = [&](int x, int y, int z) -> double& { return t[x + 5 * (y + 5 * z)]; };
    at(0, 0, 0) = 3;
    at(1, 0, 0) = 5;           // blob A: 2 voxels, mass (3-2)+(5-2) = 4
    at(2, 1, 0) = 4;           // touches A at an edge (dx 1, dy 1)
    at(3, 2, 1) = 2.5;         // touches the previous at a corner
    at(0, 4, 2) = -6;          // negative
    at(4, 4, 2) = 2;           // not above 2 (strict >)
    const auto c6 = stats::find_clusters(t, dims, vox, 2.0, 6);
    ASSERT_EQ(c6.size(), 3u);
    EXPECT_EQ(c6[0].size, 2);
    EXPECT_DOUBLE_EQ(c6[0].mass, 4.0);
    EXPECT_DOUBLE_EQ(c6[0].peak_value, 5.0);
    EXPECT_EQ(c6[0].peak, 1);
    EXPECT_EQ(c6[1].size, 1);
    EXPECT_DOUBLE_EQ(c6[1].peak_value, 4.0);
    EXPECT_DOUBLE_EQ(c6[2].peak_value, 2.5);
    const auto c18 = stats::find_clusters(t, dims, vox, 2.0, 18);
    ASSERT_EQ(c18.size(), 2u);
    EXPECT_EQ(c18[0].size, 3);
    EXPECT_DOUBLE_EQ(c18[0].mass, 6.0);
    const auto c26 = stats::find_clusters(t, dims, vox, 2.0, 26);
    ASSERT_EQ(c26.size(), 1u);
    EXPECT_EQ(c26[0].size, 4);
    const auto both = stats::find_clusters(t, dims, vox, 2.0, 26, true);
    ASSERT_EQ(both.size(), 2u);
    EXPECT_EQ(both[1].sign, -1);
    EXPECT_DOUBLE_EQ(both[1].mass, 4.0);
    EXPECT_DOUBLE_EQ(both[1].peak_value, -6.0);
    EXPECT_ALGIA_ERROR(stats::find_clusters(t, dims, vox, 2.0, 8), Kind::usage, "connectivity 8");
    EXPECT_NEAR(stats::cluster_forming_t(0.001, 29, false), 3.3962402883415166, 1e-10);  // scipy t.isf
    EXPECT_NEAR(stats::cluster_forming_t(0.002, 29, true), 3.3962402883415166, 1e-10);
}

// 200 smooth null datasets (8x8x6 grid, n = 12, 200 sign flips; about 2 s): the cluster-size
// and cluster-mass FWE false-positive rates must be 0.05 within 3 binomial SDs.
TEST(StatsSimulation, ClusterFamilywiseErrorRateUnderTheNull) {
    Context ctx;
    const std::array<std::int64_t, 3> dims{8, 8, 6};
    const std::int64_t nv = 8 * 8 * 6;
    std::vector<std::int64_t> vox(static_cast<std::size_t>(nv));
    std::iota(vox.begin(), vox.end(), 0);
    int fp_size = 0, fp_mass = 0;
    const int datasets = 200, n = 12;
    for (int d = 0; d < datasets; ++d) {
        Rng rng(4242, std::uint64_t(d));
        Eigen::MatrixXd Y(n, nv);
        for (int i = 0; i < n; ++i) {
            // White noise smoothed along x and y (box of 3) so that clusters have extent.
            Eigen::VectorXd w(nv);
            for (std::int64_t v = 0; v < nv; ++v) w[v] = rng.normal();
            for (std::int64_t v = 0; v < nv; ++v) {
                const std::int64_t x = v % 8, y = (v / 8) % 8, z = v / 64;
                double s = 0;
                for (int dx = -1; dx <= 1; ++dx)
                    for (int dy = -1; dy <= 1; ++dy) s += w[(x + dx + 8) % 8 + 8 * (((y + dy + 8) % 8) + 8 * z)];
                Y(i, v) = s;
            }
        }
        stats::PermutationOptions o;
        o.permutations = 200;
        o.seed = std::uint64_t(d);
        o.cluster_p = 0.01;
        o.dims = dims;
        o.voxels = vox;
        const auto r = stats::permutation_test(Eigen::MatrixXd::Ones(n, 1), Y, Eigen::VectorXd::Ones(1), o, ctx);
        fp_size += r.p_cluster_size_fwe.minCoeff() <= 0.05;
        fp_mass += r.p_cluster_mass_fwe.minCoeff() <= 0.05;
    }
    const double bound = 3 * std::sqrt(0.05 * 0.95 / datasets);
    EXPECT_NEAR(double(fp_size) / datasets, 0.05, bound);
    EXPECT_NEAR(double(fp_mass) / datasets, 0.05, bound);
}

// A one-row F contrast is t squared, with the same permutation p (same draws); the F of two rows
// equals the extra-sum-of-squares F of the nested models; dependent rows are an error.
TEST(Stats, FContrastIsTSquaredAndNestedModelF) {
    Rng rng(5, 5);
    const int n = 20, V = 30;
    Eigen::MatrixXd X(n, 3), Y(n, V);
    for (int i = 0; i < n; ++i) X.row(i) << 1, rng.normal(), rng.normal();
    for (int i = 0; i < n; ++i)
        for (int v = 0; v < V; ++v) Y(i, v) = rng.normal() + 0.3 * v * X(i, 1) / V;
    const Eigen::Vector3d c(0, 1, 0);
    const auto t = stats::glm_t(X, Y, c);
    const auto f1 = stats::glm_f(X, Y, c.transpose());
    for (int v = 0; v < V; ++v) EXPECT_NEAR(f1.F[v], t.t[v] * t.t[v], 1e-10 * (1 + f1.F[v]));
    EXPECT_NEAR(stats::f_sf(4.0, 1, 17), 2 * stats::t_sf(2.0, 17), 1e-12);
    stats::PermutationOptions o;
    o.permutations = 300;
    o.seed = 4;
    o.two_sided = true;
    Context ctx;
    const auto pt = stats::permutation_test(X, Y, c, o, ctx);
    const auto pf = stats::permutation_test_f(X, Y, c.transpose(), o, ctx);
    for (int v = 0; v < V; ++v) EXPECT_NEAR(pf.p_uncorrected[v], pt.p_uncorrected[v], 1e-12);
    for (int v = 0; v < V; ++v) EXPECT_NEAR(pf.p_fwe[v], pt.p_fwe[v], 1e-12);
    // Nested models: F = ((RSS0 - RSS1) / 2) / (RSS1 / (n - 3)).
    Eigen::MatrixXd C(2, 3);
    C << 0, 1, 0, 0, 0, 1;
    const auto f2 = stats::glm_f(X, Y, C);
    const Eigen::MatrixXd X0 = X.leftCols(1);
    for (int v = 0; v < V; ++v) {
        const Eigen::VectorXd y = Y.col(v);
        const double rss1 = (y - X * X.colPivHouseholderQr().solve(y)).squaredNorm();
        const double rss0 = (y - X0 * X0.colPivHouseholderQr().solve(y)).squaredNorm();
        EXPECT_NEAR(f2.F[v], ((rss0 - rss1) / 2) / (rss1 / (n - 3)), 1e-9 * (1 + f2.F[v]));
    }
    Eigen::MatrixXd D(2, 3);
    D << 0, 1, 0, 0, 2, 0;
    EXPECT_ALGIA_ERROR(stats::glm_f(X, Y, D), Kind::usage, "linearly dependent");
}

// 300 null datasets x 300 permutations: max-F FWE false-positive rate of a 2-row F contrast with a
// nuisance covariate (Freedman-Lane) within 3 binomial SDs of 0.05.
TEST(StatsSimulation, FContrastFamilywiseErrorRateUnderTheNull) {
    Context ctx;
    int false_positives = 0;
    const int datasets = 300, n = 16, V = 30;
    for (int d = 0; d < datasets; ++d) {
        Rng rng(99, std::uint64_t(d));
        Eigen::MatrixXd X(n, 4), Y(n, V);
        for (int i = 0; i < n; ++i) X.row(i) << 1, rng.normal(), rng.normal(), rng.normal();
        for (int i = 0; i < n; ++i)
            for (int v = 0; v < V; ++v) Y(i, v) = rng.normal() + 0.8 * X(i, 3);
        Eigen::MatrixXd C(2, 4);
        C << 0, 1, 0, 0, 0, 0, 1, 0;
        stats::PermutationOptions o;
        o.permutations = 300;
        o.seed = std::uint64_t(d);
        const auto r = stats::permutation_test_f(X, Y, C, o, ctx);
        false_positives += r.p_fwe.minCoeff() <= 0.05;
    }
    const double rate = double(false_positives) / datasets;
    EXPECT_NEAR(rate, 0.05, 3 * std::sqrt(0.05 * 0.95 / datasets));
}

namespace {
std::vector<std::int64_t> interleaved_blocks(const std::vector<int>& sizes) {
    // Block labels spread over the rows (not contiguous): rows 0, 1, 2, ... take blocks in turn.
    std::vector<std::int64_t> out;
    std::vector<int> left = sizes;
    for (bool any = true; any;) {
        any = false;
        for (std::size_t b = 0; b < left.size(); ++b)
            if (left[b] > 0) {
                out.push_back(std::int64_t(b) * 7 + 3);
                --left[b];
                any = true;
            }
    }
    return out;
}
}  // namespace

// Permutations never cross blocks; whole blocks move as units keeping their rows' order; one-sample
// designs with blocks flip a block's rows together; unequal whole blocks are an error.
TEST(Stats, PermutationsStayWithinBlocks) {
    stats::PermutationOptions o;
    o.blocks = interleaved_blocks({3, 4, 5});
    const auto n = Eigen::Index(o.blocks.size());
    o.permutations = 300;
    o.seed = 12;
    int moved = 0;
    for (std::size_t k = 0; k < 300; ++k) {
        const auto r = stats::rearrangement(k, n, false, o);
        std::set<Eigen::Index> seen(r.source.begin(), r.source.end());
        ASSERT_EQ(seen.size(), std::size_t(n));
        for (Eigen::Index i = 0; i < n; ++i) {
            EXPECT_EQ(o.blocks[std::size_t(r.source[std::size_t(i)])], o.blocks[std::size_t(i)]) << k;
            moved += r.source[std::size_t(i)] != i;
        }
        const auto f = stats::rearrangement(k, n, true, o);
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < n; ++j)
                if (o.blocks[std::size_t(i)] == o.blocks[std::size_t(j)]) EXPECT_EQ(f.sign[std::size_t(i)], f.sign[std::size_t(j)]);
    }
    EXPECT_GT(moved, 300 * 6);
    o.blocks = interleaved_blocks({4, 4, 4, 4});
    o.whole_blocks = true;
    std::set<std::vector<Eigen::Index>> distinct;
    for (std::size_t k = 0; k < 300; ++k) {
        const auto r = stats::rearrangement(k, 16, false, o);
        distinct.insert(r.source);
        // Row i (the m-th of its block) takes the m-th row of one other block.
        std::map<std::int64_t, std::int64_t> target;
        std::map<std::int64_t, int> rank_in_block, rank_src;
        for (Eigen::Index i = 0; i < 16; ++i) {
            const auto b = o.blocks[std::size_t(i)], sb = o.blocks[std::size_t(r.source[std::size_t(i)])];
            if (target.count(b)) EXPECT_EQ(target[b], sb);
            target[b] = sb;
        }
        for (Eigen::Index i = 0; i < 16; ++i) {
            int m = 0, ms = 0;
            for (Eigen::Index j = 0; j < i; ++j) m += o.blocks[std::size_t(j)] == o.blocks[std::size_t(i)];
            const auto s = r.source[std::size_t(i)];
            for (Eigen::Index j = 0; j < s; ++j) ms += o.blocks[std::size_t(j)] == o.blocks[std::size_t(s)];
            EXPECT_EQ(m, ms);
        }
    }
    EXPECT_GT(distinct.size(), 15u);  // 4! = 24 arrangements
    o.blocks = interleaved_blocks({4, 4, 3});
    EXPECT_ALGIA_ERROR(stats::rearrangement(0, 11, false, o), Kind::invalid_input, "blocks of equal size");
}

// More permutations requested than exist: every rearrangement but the identity, each once.
TEST(Stats, ExhaustiveEnumerationWhenTooFewRearrangementsExist) {
    auto count = [](Eigen::Index n, bool one_sample, const stats::PermutationOptions& o) {
        const auto first = stats::rearrangement(0, n, one_sample, o);
        std::set<std::pair<std::vector<Eigen::Index>, std::vector<int>>> all;
        std::vector<Eigen::Index> id(static_cast<std::size_t>(n));
        std::iota(id.begin(), id.end(), 0);
        for (int k = 0; k < first.permutations; ++k) {
            const auto r = stats::rearrangement(std::size_t(k), n, one_sample, o);
            EXPECT_TRUE(r.exhaustive);
            EXPECT_FALSE(r.source == id && std::all_of(r.sign.begin(), r.sign.end(), [](int s) { return s > 0; }));
            all.insert({r.source, r.sign});
        }
        EXPECT_EQ(int(all.size()), first.permutations);
        return first.permutations;
    };
    stats::PermutationOptions o;
    o.permutations = 1000;
    EXPECT_EQ(count(6, true, o), 63);    // 2^6 - 1 sign flips
    EXPECT_EQ(count(5, false, o), 119);  // 5! - 1
    o.blocks = {0, 1, 0, 1, 1};
    EXPECT_EQ(count(5, false, o), 11);  // 2! 3! - 1, within blocks
    EXPECT_EQ(count(5, true, o), 3);    // 2^2 - 1 block sign flips
    o.blocks = {0, 1, 2, 0, 1, 2};
    o.whole_blocks = true;
    EXPECT_EQ(count(6, false, o), 5);  // 3! - 1
    o.blocks.clear();
    o.whole_blocks = false;
    o.permutations = 62;  // one fewer than exist: random
    EXPECT_FALSE(stats::rearrangement(0, 6, true, o).exhaustive);
    // The exact p of a one-sample test over all 2^n sign flips.
    Eigen::MatrixXd Y(6, 1);
    Y << 1.2, 0.8, 2.0, 1.5, -0.3, 0.9;
    o.permutations = 5000;
    Context ctx;
    const auto r = stats::permutation_test(Eigen::MatrixXd::Ones(6, 1), Y, Eigen::VectorXd::Ones(1), o, ctx);
    EXPECT_TRUE(r.exhaustive);
    EXPECT_EQ(r.permutations, 63);
    int ge = 0;
    for (int m = 0; m < 64; ++m) {
        Eigen::MatrixXd Ys = Y;
        for (int i = 0; i < 6; ++i)
            if ((m >> i) & 1) Ys(i, 0) = -Ys(i, 0);
        ge += stats::glm_t(Eigen::MatrixXd::Ones(6, 1), Ys, Eigen::VectorXd::Ones(1)).t[0] >= r.observed.t[0] - 1e-12;
    }
    EXPECT_DOUBLE_EQ(r.p_uncorrected[0], ge / 64.0);
}

// Repeated measures under the null (200 datasets x 200 permutations each, < 2 s): FWE
// false-positive rate 0.05 within 3 binomial SDs for (a) a within-participant regressor with
// participant effects, permuted within participants; (b) a one-sample test on two correlated
// sessions per participant, whole participants sign-flipped; (c) a between-participant regressor
// with three sessions each, participants permuted as whole blocks. Control: (c) permuting rows
// freely (scheme 3, no blocks) must exceed the bound, as its observations are not exchangeable.
TEST(StatsSimulation, ExchangeabilityBlocksControlFamilywiseError) {
    Context ctx;
    const int datasets = 200, subjects = 10, V = 20;
    for (int scheme = 0; scheme < 4; ++scheme) {
        int fp = 0;
        const bool no_blocks = scheme == 3;
        const int design = no_blocks ? 2 : scheme;
        for (int d = 0; d < datasets; ++d) {
            Rng rng(31337 + std::uint64_t(design), std::uint64_t(d));
            const int per = design == 1 ? 2 : 3, n = subjects * per;
            Eigen::MatrixXd X(n, design == 1 ? 1 : 2), Y(n, V);
            stats::PermutationOptions o;
            o.permutations = 200;
            o.seed = std::uint64_t(d);
            o.whole_blocks = design == 2;
            o.blocks.assign(std::size_t(n), 0);
            std::vector<double> between(subjects);
            for (auto& b : between) b = rng.normal();
            for (int s = 0; s < subjects; ++s)
                for (int j = 0; j < per; ++j) {
                    const int i = j * subjects + s;  // sessions stacked: blocks interleaved
                    o.blocks[std::size_t(i)] = s;
                    X(i, 0) = 1;
                    if (design == 0) X(i, 1) = j - 1.0;
                    if (design == 2) X(i, 1) = between[std::size_t(s)];
                }
            for (int v = 0; v < V; ++v) {
                std::vector<double> effect(subjects);
                for (auto& e : effect) e = 2.0 * rng.normal();
                for (int s = 0; s < subjects; ++s)
                    for (int j = 0; j < per; ++j) Y(j * subjects + s, v) = effect[std::size_t(s)] + rng.normal();
            }
            Eigen::VectorXd c = Eigen::VectorXd::Zero(X.cols());
            c[X.cols() - 1] = 1;
            if (no_blocks) {
                o.blocks.clear();
                o.whole_blocks = false;
            }
            const auto r = stats::permutation_test(X, Y, c, o, ctx);
            fp += r.p_fwe.minCoeff() <= 0.05;
        }
        const double rate = double(fp) / datasets, bound = 3 * std::sqrt(0.05 * 0.95 / datasets);
        if (no_blocks) {
            EXPECT_GT(rate, 0.05 + bound) << "free permutation of correlated rows";
            continue;
        }
        EXPECT_NEAR(rate, 0.05, bound) << "scheme " << scheme;
    }
}

// Network-based statistic under the null (200 datasets of 16 participants x 105 edges, 200
// permutations, < 2 s): the FWE false-positive rate of the largest component (extent and
// intensity) must be 0.05 within 3 binomial SDs, for one-sample and for Freedman-Lane designs.
TEST(StatsSimulation, NetworkBasedStatisticFamilywiseErrorRate) {
    Context ctx;
    const int nodes = 15, datasets = 200, n = 16;
    std::vector<std::pair<int, int>> edges;
    for (int a = 0; a < nodes; ++a)
        for (int b = a + 1; b < nodes; ++b) edges.push_back({a, b});
    const auto E = Eigen::Index(edges.size());
    for (int design = 0; design < 2; ++design)
        for (bool intensity : {false, true}) {
            int fp = 0;
            for (int d = 0; d < datasets; ++d) {
                Rng rng(555 + std::uint64_t(design), std::uint64_t(d));
                Eigen::MatrixXd X(n, design == 0 ? 1 : 2), Y(n, E);
                for (int i = 0; i < n; ++i) {
                    X(i, 0) = 1;
                    if (design == 1) X(i, 1) = rng.normal();
                    // Node-level noise shared by a node's edges: edges are correlated, as in real data.
                    Eigen::VectorXd node(nodes);
                    for (int a = 0; a < nodes; ++a) node[a] = rng.normal();
                    for (Eigen::Index e = 0; e < E; ++e)
                        Y(i, e) = rng.normal() + 0.7 * (node[edges[std::size_t(e)].first] + node[edges[std::size_t(e)].second]);
                }
                stats::PermutationOptions o;
                o.permutations = 200;
                o.seed = std::uint64_t(d);
                Eigen::VectorXd c = Eigen::VectorXd::Zero(X.cols());
                c[X.cols() - 1] = 1;
                const auto r = stats::nbs(X, Y, c, edges, nodes, 2.0, intensity, o, ctx);
                fp += !r.components.empty() && r.components[0].p_fwe <= 0.05;
            }
            EXPECT_NEAR(double(fp) / datasets, 0.05, 3 * std::sqrt(0.05 * 0.95 / datasets))
                << (design ? "Freedman-Lane " : "sign flips ") << (intensity ? "intensity" : "extent");
        }
}

// TFCE's default connectivity is 6 (nilearn's, and FSL randomise's documented --tfce_C default).
TEST(Stats, TfceDefaultConnectivityIsSix) {
    EXPECT_EQ(stats::PermutationOptions{}.tfce_connectivity, 6);
    const std::array<std::int64_t, 3> dims{4, 4, 2};
    std::vector<std::int64_t> vox(32);
    std::iota(vox.begin(), vox.end(), 0);
    Eigen::VectorXd v = Eigen::VectorXd::Zero(32);
    v[0] = 3;
    v[5] = 2;  // diagonal to voxel 0: separate with 6-connectivity, joined with 18/26
    const auto d = stats::tfce(v, dims, vox);
    EXPECT_EQ(d, stats::tfce(v, dims, vox, 6));
    EXPECT_NE(d, stats::tfce(v, dims, vox, 26));
}

// F-contrast cluster inference under the null (200 smooth datasets on an 8x8x6 grid, 15
// participants in three arms with a nuisance covariate that has a real effect, Freedman-Lane, 200
// permutations, F.isf(0.01, 2, 11) forming threshold; about 3 s): the cluster-size and cluster-mass
// FWE false-positive rates of the arm F must be 0.05 within 3 binomial SDs (0.05 +/- 0.046).
TEST(StatsSimulation, FContrastClusterFamilywiseErrorRateUnderTheNull) {
    Context ctx;
    const std::array<std::int64_t, 3> dims{8, 8, 6};
    const std::int64_t nv = 8 * 8 * 6;
    std::vector<std::int64_t> vox(static_cast<std::size_t>(nv));
    std::iota(vox.begin(), vox.end(), 0);
    int fp_size = 0, fp_mass = 0, any_cluster = 0;
    const int datasets = 200, n = 15;
    Eigen::MatrixXd C(2, 4);
    C << 0, 1, 0, 0, 0, 0, 1, 0;
    for (int d = 0; d < datasets; ++d) {
        Rng rng(8080, std::uint64_t(d));
        Eigen::MatrixXd X(n, 4), Y(n, nv);
        for (int i = 0; i < n; ++i) {
            X.row(i) << 1, i % 3 == 1, i % 3 == 2, rng.normal();
            Eigen::VectorXd w(nv);
            for (std::int64_t v = 0; v < nv; ++v) w[v] = rng.normal();
            for (std::int64_t v = 0; v < nv; ++v) {
                const std::int64_t x = v % 8, y = (v / 8) % 8, z = v / 64;
                double s = 0;
                for (int dx = -1; dx <= 1; ++dx)
                    for (int dy = -1; dy <= 1; ++dy) s += w[(x + dx + 8) % 8 + 8 * (((y + dy + 8) % 8) + 8 * z)];
                Y(i, v) = s + 2.0 * X(i, 3);
            }
        }
        stats::PermutationOptions o;
        o.permutations = 200;
        o.seed = std::uint64_t(d);
        o.cluster_p = 0.01;
        o.dims = dims;
        o.voxels = vox;
        const auto r = stats::permutation_test_f(X, Y, C, o, ctx);
        fp_size += r.p_cluster_size_fwe.minCoeff() <= 0.05;
        fp_mass += r.p_cluster_mass_fwe.minCoeff() <= 0.05;
        any_cluster += !r.clusters.empty();
    }
    const double bound = 3 * std::sqrt(0.05 * 0.95 / datasets);
    EXPECT_NEAR(double(fp_size) / datasets, 0.05, bound);
    EXPECT_NEAR(double(fp_mass) / datasets, 0.05, bound);
    EXPECT_GT(any_cluster, datasets / 4);  // the threshold forms clusters often: the test has power to fail
}

// Two-sided network-based statistic and Freedman-Lane with symmetric errors (sign flips of the
// residuals) under the null (200 datasets x 200 permutations, correlated edges, < 3 s): FWE rates
// within 0.05 +/- 3 binomial SDs (two-sided NBS, extent; max-t FWE with symmetric errors).
TEST(StatsSimulation, TwoSidedNbsAndSymmetricErrorsFamilywiseErrorRate) {
    Context ctx;
    const int nodes = 15, datasets = 200, n = 16;
    std::vector<std::pair<int, int>> edges;
    for (int a = 0; a < nodes; ++a)
        for (int b = a + 1; b < nodes; ++b) edges.push_back({a, b});
    const auto E = Eigen::Index(edges.size());
    int fp_nbs = 0, fp_ise = 0, fp_ise_nbs = 0;
    for (int d = 0; d < datasets; ++d) {
        Rng rng(919, std::uint64_t(d));
        Eigen::MatrixXd X(n, 3), Y(n, E);
        for (int i = 0; i < n; ++i) {
            X.row(i) << 1, rng.normal(), rng.normal();
            Eigen::VectorXd node(nodes);
            for (int a = 0; a < nodes; ++a) node[a] = rng.normal();
            for (Eigen::Index e = 0; e < E; ++e)
                Y(i, e) = rng.normal() + 0.7 * (node[edges[std::size_t(e)].first] + node[edges[std::size_t(e)].second]) + X(i, 2);
        }
        stats::PermutationOptions o;
        o.permutations = 200;
        o.seed = std::uint64_t(d);
        o.two_sided = true;
        const Eigen::Vector3d c(0, 1, 0);
        const auto r = stats::nbs(X, Y, c, edges, nodes, 2.0, false, o, ctx);
        fp_nbs += !r.components.empty() && r.components[0].p_fwe <= 0.05;
        o.symmetric_errors = true;
        const auto s = stats::nbs(X, Y, c, edges, nodes, 2.0, false, o, ctx);
        fp_ise_nbs += !s.components.empty() && s.components[0].p_fwe <= 0.05;
        fp_ise += s.permutation.p_fwe.minCoeff() <= 0.05;
    }
    const double bound = 3 * std::sqrt(0.05 * 0.95 / datasets);
    EXPECT_NEAR(double(fp_nbs) / datasets, 0.05, bound) << "two-sided NBS";
    EXPECT_NEAR(double(fp_ise) / datasets, 0.05, bound) << "symmetric errors, max |t|";
    EXPECT_NEAR(double(fp_ise_nbs) / datasets, 0.05, bound) << "symmetric errors, two-sided NBS";
}

// Symmetric errors: explicit and random sign flips of the residuals; rearrangement() reports them;
// exhaustive enumeration counts 2^n; explicit permutations must be permutations.
TEST(Stats, SymmetricErrorsFlipResiduals) {
    Rng rng(3, 3);
    const int n = 8;
    Eigen::MatrixXd X(n, 2), Y(n, 3);
    for (int i = 0; i < n; ++i) {
        X.row(i) << 1, rng.normal();
        for (int v = 0; v < 3; ++v) Y(i, v) = rng.normal();
    }
    stats::PermutationOptions o;
    o.symmetric_errors = true;
    o.permutations = 1000;
    const auto re = stats::rearrangement(5, n, false, o);
    EXPECT_TRUE(re.exhaustive);
    EXPECT_EQ(re.permutations, 255);
    for (int i = 0; i < n; ++i) EXPECT_EQ(re.source[std::size_t(i)], i);
    // Rearrangement k + 1 = 6 = bits 1 and 2: rows 1 and 2 flipped.
    EXPECT_EQ(re.sign, (std::vector<int>{1, -1, -1, 1, 1, 1, 1, 1}));
    Context ctx;
    const auto r = stats::permutation_test(X, Y, Eigen::Vector2d(0, 1), o, ctx);
    EXPECT_TRUE(r.exhaustive);
    EXPECT_EQ(r.permutations, 255);
    // One explicit flip pattern: the t of fitted + D residuals, by hand.
    stats::PermutationOptions e;
    e.symmetric_errors = true;
    e.sign_flips = {{1, -1, 1, 1, -1, -1, 1, 1}};
    const auto one = stats::permutation_test(X, Y, Eigen::Vector2d(0, 1), e, ctx);
    const Eigen::VectorXd ones = Eigen::VectorXd::Ones(n);
    const Eigen::MatrixXd fitted = ones * Y.colwise().mean();
    Eigen::MatrixXd Ys = fitted;
    for (int i = 0; i < n; ++i) Ys.row(i) += e.sign_flips[0][std::size_t(i)] * (Y.row(i) - fitted.row(i));
    EXPECT_NEAR(one.null_max_t[0], stats::glm_t(X, Ys, Eigen::Vector2d(0, 1)).t.maxCoeff(), 1e-12);
    stats::PermutationOptions bad;
    bad.row_permutations = {{0, 1, 2, 3, 4, 5, 6, 6}};
    EXPECT_ALGIA_ERROR(stats::permutation_test(X, Y, Eigen::Vector2d(0, 1), bad, ctx), Kind::usage, "not a permutation");
    bad.row_permutations = {{0, 1, 2, 3, 4, 5, 7, 6}};
    bad.symmetric_errors = true;
    EXPECT_ALGIA_ERROR(stats::permutation_test(X, Y, Eigen::Vector2d(0, 1), bad, ctx), Kind::usage, "without symmetric errors");
}

namespace {

// Testing the intercept of a design with a (centred) covariate: row permutations of the nuisance
// residuals cannot move the tested mean, so algia sign-flips them instead, exactly as the explicit
// symmetric-errors scheme; the null maxima then spread (with permutations they would be one value),
// and under the null the FWE false-positive rate is near 0.05.
TEST(Stats, InterceptTestWithCovariatesFlipsSigns) {
    Rng rng(41, 0);
    const Eigen::Index n = 16, V = 50;
    Eigen::MatrixXd X(n, 2);
    for (Eigen::Index i = 0; i < n; ++i) X(i, 0) = 1, X(i, 1) = double(i) - 7.5;
    Eigen::VectorXd c(2);
    c << 1, 0;
    Eigen::MatrixXd Y(n, V);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index v = 0; v < V; ++v) Y(i, v) = rng.normal();
    stats::PermutationOptions o;
    o.permutations = 400;
    o.seed = 3;
    const Context ctx;
    const auto automatic = stats::permutation_test(X, Y, c, o, ctx);
    EXPECT_TRUE(automatic.intercept_flips);
    o.symmetric_errors = true;
    const auto explicit_flips = stats::permutation_test(X, Y, c, o, ctx);
    EXPECT_FALSE(explicit_flips.intercept_flips);
    EXPECT_EQ(automatic.null_max_t, explicit_flips.null_max_t);
    const auto [lo, hi] = std::minmax_element(automatic.null_max_t.begin(), automatic.null_max_t.end());
    EXPECT_GT(*hi - *lo, 1.0);
    // The slope is not the intercept: row permutations as before.
    Eigen::VectorXd slope(2);
    slope << 0, 1;
    o.symmetric_errors = false;
    EXPECT_FALSE(stats::permutation_test(X, Y, slope, o, ctx).intercept_flips);
}

TEST(StatsSimulation, InterceptTestWithCovariatesControlsFamilywiseError) {
    Rng rng(43, 0);
    const Eigen::Index n = 14, V = 30;
    const int datasets = 200;
    int false_positive = 0;
    const Context ctx;
    for (int d = 0; d < datasets; ++d) {
        Eigen::MatrixXd X(n, 2), Y(n, V);
        for (Eigen::Index i = 0; i < n; ++i) X(i, 0) = 1, X(i, 1) = 40 + 10 * rng.normal();  // an uncentred age
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index v = 0; v < V; ++v) Y(i, v) = 0.05 * (X(i, 1) - 40) + rng.normal();
        Eigen::VectorXd c(2);
        c << 1, 0;
        // The intercept under the null is the value at age 0: shift Y so that it is 0 there.
        for (Eigen::Index i = 0; i < n; ++i) Y.row(i).array() -= 0.05 * (0 - 40);
        stats::PermutationOptions o;
        o.permutations = 199;
        o.seed = std::uint64_t(d);
        const auto r = stats::permutation_test(X, Y, c, o, ctx);
        false_positive += r.p_fwe.minCoeff() <= 0.05;
    }
    const double rate = double(false_positive) / datasets, sd = std::sqrt(0.05 * 0.95 / datasets);
    EXPECT_NEAR(rate, 0.05, 3 * sd) << false_positive << " of " << datasets;
}

}  // namespace
