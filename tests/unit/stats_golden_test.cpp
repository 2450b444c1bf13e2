// Group GLM and permutation inference against nilearn 0.10.3 on the 30 real Wager 2008 contrast
// images (tests/golden/make_stats_golden.py -> tests/fixtures/stats/): SecondLevelModel t, effect
// and variance (1e-5 relative), and non_parametric_inference with nilearn's own sign flips fed in
// (so the permutations are the same): null maxima of t (1e-6) and TFCE (6-connectivity, 1e-6),
// the TFCE map itself, and the FWE p-values.
#include "algia/stats/glm.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "algia/io/json.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/tsv.hpp"
#include "test_support.hpp"

using namespace algia;

namespace {
// All voxels of the mask nilearn used (fixture), and the data there.
struct Wager {
    Eigen::MatrixXd Y;  // 30 x voxels
    std::vector<std::int64_t> voxels;
    std::map<std::int64_t, Eigen::Index> column_of;
    image::Grid grid;
};

Wager load_wager() {
    Context ctx;
    Wager w;
    const auto mask = io::read_image<float>(test::fixtures() + "/stats/wager_mask.nii.gz", ctx);
    w.grid = mask.grid();
    for (std::int64_t v = 0; v < mask.voxels(); ++v)
        if (mask.data()[v] != 0) {
            w.column_of[v] = Eigen::Index(w.voxels.size());
            w.voxels.push_back(v);
        }
    w.Y.resize(30, Eigen::Index(w.voxels.size()));
    for (int s = 1; s <= 30; ++s) {
        const auto img = io::read_image<float>(
            test::shared_data() + fmt::format("/contrast_maps/wager2008_emoreg_canlab/con_008100{:02d}.hdr", s), ctx);
        for (std::size_t j = 0; j < w.voxels.size(); ++j) w.Y(s - 1, Eigen::Index(j)) = img.data()[w.voxels[j]];
    }
    return w;
}

// The values of `a` at the rows stored in a per-voxel fixture (i, j, k columns).
Eigen::VectorXd at_rows(const Wager& w, const Eigen::VectorXd& a, const io::Table& ref) {
    const auto I = ref.numeric("i"), J = ref.numeric("j"), K = ref.numeric("k");
    Eigen::VectorXd out(Eigen::Index(ref.rows()));
    for (std::size_t r = 0; r < ref.rows(); ++r)
        out[Eigen::Index(r)] = a[w.column_of.at(w.grid.index(std::int64_t(I[r]), std::int64_t(J[r]), std::int64_t(K[r])))];
    return out;
}

double max_rel(const Eigen::VectorXd& a, const std::vector<double>& b) {
    double m = 0, scale = 0;
    for (std::size_t i = 0; i < b.size(); ++i) scale = std::max(scale, std::abs(b[i]));
    for (std::size_t i = 0; i < b.size(); ++i) m = std::max(m, std::abs(a[Eigen::Index(i)] - b[i]));
    return m / scale;
}
}  // namespace

TEST(StatsGolden, SecondLevelModelTMaps) {
    ALGIA_REQUIRE_SHARED_DATA();
    const auto dir = test::fixtures() + "/stats/";
    const auto design = io::read_table(dir + "design_intercept_x.tsv");
    for (const std::string name : {"g1_glm_intercept.tsv", "g2_glm_x_rvlpfc.tsv"}) {
        SCOPED_TRACE(name);
        const auto ref = io::read_table(dir + name);
        const auto w = load_wager();
        const bool with_x = name[1] == '2';
        Eigen::MatrixXd X(30, with_x ? 2 : 1);
        const auto x = design.numeric("X_RVLPFC");
        for (int s = 0; s < 30; ++s) {
            X(s, 0) = 1;
            if (with_x) X(s, 1) = x[std::size_t(s)];
        }
        Eigen::VectorXd c = Eigen::VectorXd::Zero(X.cols());
        c[X.cols() - 1] = 1;
        const auto m = stats::glm_t(X, w.Y, c);
        const auto t = at_rows(w, m.t, ref);
        EXPECT_LT(max_rel(t, ref.numeric("t")), 1e-5);
        EXPECT_LT(max_rel(at_rows(w, m.effect, ref), ref.numeric("effect")), 1e-5);
        EXPECT_LT(max_rel(at_rows(w, m.variance, ref), ref.numeric("variance")), 1e-5);
        const auto p = ref.numeric("p");
        for (Eigen::Index v = 0; v < t.size(); v += 7) EXPECT_NEAR(stats::t_sf(t[v], m.df), p[std::size_t(v)], 1e-6);
    }
}

TEST(StatsGolden, PermutationsWithNilearnsSignFlips) {
    ALGIA_REQUIRE_SHARED_DATA();
    const auto dir = test::fixtures() + "/stats/";
    const auto ref = io::read_table(dir + "p1_perm_intercept.tsv");
    const auto w = load_wager();
    const auto flips_t = io::read_table(dir + "signflips.tsv");
    stats::PermutationOptions o;
    // The first 200 of nilearn's 1000 sign-flip patterns (enough to compare the null maxima
    // exactly; the p-values below use nilearn's full null distribution).
    for (std::size_t r = 0; r < std::min<std::size_t>(200, flips_t.rows()); ++r) {
        std::vector<int> f;
        for (std::size_t c = 1; c < flips_t.cols(); ++c) f.push_back(int(flips_t.numeric(c)[r]));
        o.sign_flips.push_back(f);
    }
    o.tfce = true;
    o.tfce_connectivity = 6;
    o.dims = w.grid.dims;
    o.voxels = w.voxels;
    o.two_sided = false;
    Context ctx;
    const auto r = stats::permutation_test(Eigen::MatrixXd::Ones(30, 1), w.Y, Eigen::VectorXd::Ones(1), o, ctx);
    const auto h0 = io::read_table(dir + "p1_h0_intercept.tsv");
    const auto h0t = h0.numeric("h0_max_t"), h0tf = h0.numeric("h0_max_tfce");
    ASSERT_EQ(r.null_max_t.size(), 200u);
    // The top TFCE threshold, h = dh + 99 dh, can round to just above or below the peak t; a
    // one-ulp difference in the peak then adds or drops that threshold's term for the peak's
    // cluster (size^0.5 h^2). Such flips are allowed (they are at most that term), and rare.
    int flips = 0;
    for (std::size_t k = 0; k < r.null_max_t.size(); ++k) {
        EXPECT_NEAR(r.null_max_t[k], h0t[k], 1e-6 * std::abs(h0t[k])) << "permutation " << k;
        const double d = std::abs(r.null_max_tfce[k] - h0tf[k]);
        if (d > 1e-6 * std::abs(h0tf[k])) {
            ++flips;
            EXPECT_LT(d, 2.0 * h0t[k] * h0t[k]) << "permutation " << k;
        }
    }
    EXPECT_LT(flips, int(r.null_max_t.size()) / 8);
    EXPECT_LT(max_rel(at_rows(w, r.tfce, ref), ref.numeric("tfce")), 1e-6);
    // FWE p with nilearn's full null distribution: p = (1 + #{null max >= t}) / (1 + N), as
    // nilearn's -log10 p.
    const auto lp = ref.numeric("logp_max_t");
    const auto t = at_rows(w, r.observed.t, ref);
    for (Eigen::Index v = 0; v < t.size(); ++v) {
        double ge = 0;
        for (double m : h0t) ge += m >= t[v];
        EXPECT_NEAR(-std::log10((1 + ge) / (1 + double(h0t.size()))), lp[std::size_t(v)], 1e-9) << v;
    }
}

// Cluster-extent inference against non_parametric_inference(threshold=0.001) (case P1): with the
// first 100 of nilearn's sign patterns fed in (about 5 s), the null maxima of cluster size (exact)
// and mass (1e-6); the observed clusters (size exact, mass 1e-6 per voxel: nilearn's t is float32,
// peak); and per voxel the cluster size and mass and nilearn's -log10 cluster FWE p, computed from
// algia's observed clusters and nilearn's full null with nilearn's null_to_p convention
// (#{null >= obs} / N clipped to [1/N, 1 - 1/N]; algia's own p adds one: (1 + #) / (1 + N)).
TEST(StatsGolden, ClusterInferenceWithNilearnsSignFlips) {
    ALGIA_REQUIRE_SHARED_DATA();
    const auto dir = test::fixtures() + "/stats/";
    const auto w = load_wager();
    const auto flips_t = io::read_table(dir + "signflips.tsv");
    stats::PermutationOptions o;
    for (std::size_t r = 0; r < std::min<std::size_t>(100, flips_t.rows()); ++r) {
        std::vector<int> f;
        for (std::size_t c = 1; c < flips_t.cols(); ++c) f.push_back(int(flips_t.numeric(c)[r]));
        o.sign_flips.push_back(f);
    }
    o.cluster_p = 0.001;
    o.cluster_connectivity = 6;
    o.dims = w.grid.dims;
    o.voxels = w.voxels;
    Context ctx;
    const auto r = stats::permutation_test(Eigen::MatrixXd::Ones(30, 1), w.Y, Eigen::VectorXd::Ones(1), o, ctx);
    const auto cases = io::read_json(dir + "cases.json");
    const auto& p1 = cases["cases"][2];
    ASSERT_EQ(p1["id"].get<std::string>(), "P1");
    EXPECT_NEAR(r.cluster_threshold_t, p1["cluster_forming_t"].get<double>(), 1e-9);
    const auto h0 = io::read_table(dir + "p1_h0_intercept.tsv");
    const auto hs = h0.numeric("h0_max_size"), hm = h0.numeric("h0_max_mass");
    ASSERT_EQ(r.null_max_size.size(), 100u);
    for (std::size_t k = 0; k < r.null_max_size.size(); ++k) {
        EXPECT_EQ(r.null_max_size[k], hs[k]) << "permutation " << k;
        EXPECT_NEAR(r.null_max_mass[k], hm[k], 1e-6 * std::max(1.0, hm[k])) << "permutation " << k;
    }
    // Observed clusters: nilearn's list sorted by size (then peak), matched by peak voxel.
    const auto& ref = p1["clusters"];
    ASSERT_EQ(r.clusters.size(), ref.size());
    std::map<std::int64_t, const stats::Cluster*> by_peak;
    for (const auto& c : r.clusters) by_peak[w.voxels[std::size_t(c.peak)]] = &c;
    for (const auto& rc : ref) {
        const auto ijk = rc["peak_ijk"];
        const auto v = w.grid.index(ijk[0].get<std::int64_t>(), ijk[1].get<std::int64_t>(), ijk[2].get<std::int64_t>());
        ASSERT_TRUE(by_peak.count(v)) << rc.dump();
        const auto& c = *by_peak[v];
        EXPECT_EQ(c.size, rc["size"].get<std::int64_t>());
        EXPECT_NEAR(c.mass, rc["mass"].get<double>(), 1e-6 * double(c.size));
        EXPECT_NEAR(c.peak_value, rc["peak_t"].get<double>(), 1e-5);
    }
    // Per-voxel -log10 p (sampled voxels of p1_perm_intercept.tsv).
    const auto vox = io::read_table(dir + "p1_perm_intercept.tsv");
    const double N = double(hs.size());
    auto nilearn_logp = [&](const std::vector<double>& null, double obs) {
        double ge = 0;
        for (double m : null) ge += m >= obs;
        return -std::log10(std::clamp(ge / N, 1 / N, 1 - 1 / N));
    };
    const auto size = at_rows(w, r.cluster_size, vox), mass = at_rows(w, r.cluster_mass, vox);
    const auto ls = vox.numeric("logp_max_size"), lm = vox.numeric("logp_max_mass"), rs = vox.numeric("size"), rm = vox.numeric("mass");
    int in_clusters = 0;
    for (Eigen::Index v = 0; v < size.size(); ++v) {
        EXPECT_EQ(size[v], rs[std::size_t(v)]) << v;
        EXPECT_NEAR(mass[v], rm[std::size_t(v)], 1e-6 * std::max(1.0, size[v])) << v;
        EXPECT_NEAR(nilearn_logp(hs, size[v]), ls[std::size_t(v)], 1e-9) << v;
        EXPECT_NEAR(nilearn_logp(hm, mass[v]), lm[std::size_t(v)], 1e-9) << v;
        in_clusters += size[v] > 0;
    }
    EXPECT_GT(in_clusters, 50);
    // algia's own p: (1 + #{null >= obs}) / (1 + N) over its 100 permutations.
    for (std::size_t k = 0; k < r.clusters.size(); ++k) {
        double ge = 0;
        for (std::size_t j = 0; j < 100; ++j) ge += hs[j] >= double(r.clusters[k].size);
        EXPECT_DOUBLE_EQ(r.cluster_p_size_fwe[k], (1 + ge) / 101);
    }
}

// Cluster table against nilearn.reporting.get_clusters_table on G1's t map (6-connectivity,
// t > threshold; peaks in mm from the affine), one- and two-sided
// (tests/golden/make_stats_more.py -> tests/fixtures/stats_more/clusters_g1.tsv).
TEST(StatsGolden, ClusterPeaksMatchGetClustersTable) {
    ALGIA_REQUIRE_SHARED_DATA();
    const auto w = load_wager();
    const auto m = stats::glm_t(Eigen::MatrixXd::Ones(30, 1), w.Y, Eigen::VectorXd::Ones(1));
    const auto ref = io::read_table(test::fixtures() + "/stats_more/clusters_g1.tsv");
    const auto two = ref.numeric("two_sided"), thr = ref.numeric("threshold_t"), X = ref.numeric("x"), Yc = ref.numeric("y"),
               Z = ref.numeric("z"), pt = ref.numeric("peak_t"), nv = ref.numeric("size_voxels"), mm3 = ref.numeric("size_mm3");
    const double voxel_mm3 = std::abs(w.grid.affine.topLeftCorner<3, 3>().determinant());
    for (int sided = 0; sided < 2; ++sided) {
        SCOPED_TRACE(sided ? "two-sided" : "one-sided");
        std::vector<std::size_t> rows;
        for (std::size_t i = 0; i < ref.rows(); ++i)
            if (int(two[i]) == sided) rows.push_back(i);
        ASSERT_FALSE(rows.empty());
        const auto cl = stats::find_clusters(m.t, w.grid.dims, w.voxels, thr[rows[0]], 6, sided == 1);
        ASSERT_EQ(cl.size(), rows.size());
        for (std::size_t k = 0; k < rows.size(); ++k) {
            const auto i = rows[k];
            const auto& c = cl[k];
            const std::int64_t v = w.voxels[std::size_t(c.peak)];
            const auto xyz = w.grid.world(double(v % w.grid.dims[0]), double((v / w.grid.dims[0]) % w.grid.dims[1]),
                                          double(v / (w.grid.dims[0] * w.grid.dims[1])));
            EXPECT_NEAR(xyz[0], X[i], 1e-6) << k;
            EXPECT_NEAR(xyz[1], Yc[i], 1e-6) << k;
            EXPECT_NEAR(xyz[2], Z[i], 1e-6) << k;
            EXPECT_NEAR(c.peak_value, pt[i], 1e-5 * std::abs(pt[i])) << k;
            EXPECT_EQ(double(c.size), nv[i]) << k;
            EXPECT_EQ(std::floor(double(c.size) * voxel_mm3), mm3[i]) << k;
        }
    }
}

// F contrast [X_RVLPFC; Y_Reappraisal_Success] on [intercept, X, Y] against statsmodels OLS f_test
// and nilearn SecondLevelModel compute_contrast(stat_type='F') at every 50th in-mask voxel
// (tests/golden/make_stats_more.py): F and p to 1e-6 relative.
TEST(StatsGolden, FContrastMatchesStatsmodelsAndNilearn) {
    ALGIA_REQUIRE_SHARED_DATA();
    const auto w = load_wager();
    const auto design = io::read_table(test::fixtures() + "/stats_more/design_xy.tsv");
    const auto ref = io::read_table(test::fixtures() + "/stats_more/f_xy_wager.tsv");
    Eigen::MatrixXd X(30, 3);
    const auto x = design.numeric("X_RVLPFC"), y = design.numeric("Y_Reappraisal_Success");
    for (int s = 0; s < 30; ++s) X.row(s) << 1, x[std::size_t(s)], y[std::size_t(s)];
    Eigen::MatrixXd C(2, 3);
    C << 0, 1, 0, 0, 0, 1;
    const auto m = stats::glm_f(X, w.Y, C);
    EXPECT_EQ(m.df1, 2);
    EXPECT_EQ(m.df2, 27);
    const auto F = at_rows(w, m.F, ref);
    for (const std::string peer : {"statsmodels", "nilearn"}) {
        SCOPED_TRACE(peer);
        const auto rf = ref.numeric("F_" + peer), rp = ref.numeric("p_" + peer);
        ASSERT_GT(rf.size(), 1000u);
        for (std::size_t i = 0; i < rf.size(); ++i) {
            EXPECT_NEAR(F[Eigen::Index(i)], rf[i], 1e-6 * std::max(1.0, rf[i])) << i;
            EXPECT_NEAR(stats::f_sf(F[Eigen::Index(i)], 2, 27), rp[i], 1e-6 * std::max(1e-3, rp[i])) << i;
        }
    }
}

// Network-based statistic against a brute-force reference (numpy t, scipy.sparse.csgraph
// connected_components; tests/golden/make_stats_more.py) on simulated edges (20 x 276, 24 nodes),
// fed the reference's 300 sign-flip patterns: the observed component (edges, nodes, intensity) and
// the null maxima of extent (exact) and intensity (1e-9).
TEST(StatsGolden, NetworkBasedStatisticMatchesBruteForce) {
    const auto dir = test::fixtures() + "/stats_more/";
    const auto data = io::read_table(dir + "nbs_data.tsv");
    const auto flips_t = io::read_table(dir + "nbs_flips.tsv");
    const auto comps = io::read_table(dir + "nbs_components.tsv");
    const auto null = io::read_table(dir + "nbs_null.tsv");
    const int nodes = 24;
    std::vector<std::pair<int, int>> edges;
    for (int a = 0; a < nodes; ++a)
        for (int b = a + 1; b < nodes; ++b) edges.push_back({a, b});
    ASSERT_EQ(edges.size(), data.cols());
    Eigen::MatrixXd Y(Eigen::Index(data.rows()), Eigen::Index(data.cols()));
    for (std::size_t e = 0; e < data.cols(); ++e) {
        const auto col = data.numeric(e);
        for (std::size_t i = 0; i < data.rows(); ++i) Y(Eigen::Index(i), Eigen::Index(e)) = col[i];
    }
    stats::PermutationOptions o;
    for (std::size_t r = 0; r < flips_t.rows(); ++r) {
        std::vector<int> f;
        for (std::size_t c = 1; c < flips_t.cols(); ++c) f.push_back(int(flips_t.numeric(c)[r]));
        o.sign_flips.push_back(f);
    }
    Context ctx;
    const Eigen::MatrixXd X = Eigen::MatrixXd::Ones(Y.rows(), 1);
    for (bool intensity : {false, true}) {
        SCOPED_TRACE(intensity ? "intensity" : "extent");
        const auto r = stats::nbs(X, Y, Eigen::VectorXd::Ones(1), edges, nodes, 3.0, intensity, o, ctx);
        ASSERT_EQ(r.components.size(), comps.rows());
        const auto ne = comps.numeric("n_edges"), nn = comps.numeric("n_nodes"), in = comps.numeric("intensity"),
                   first = comps.numeric("first_edge");
        for (std::size_t k = 0; k < comps.rows(); ++k) {
            EXPECT_EQ(double(r.components[k].edges.size()), ne[k]);
            EXPECT_EQ(double(r.components[k].n_nodes), nn[k]);
            EXPECT_EQ(double(r.components[k].edges.front()), first[k]);
            EXPECT_NEAR(r.components[k].statistic, intensity ? in[k] : ne[k], 1e-9);
        }
        const auto ref = null.numeric(intensity ? "max_intensity" : "max_extent");
        ASSERT_EQ(r.permutation.null_max_extra.size(), ref.size());
        for (std::size_t k = 0; k < ref.size(); ++k) EXPECT_NEAR(r.permutation.null_max_extra[k], ref[k], 1e-9) << k;
        double ge = 0;
        for (double m : ref) ge += m >= r.components[0].statistic;
        EXPECT_DOUBLE_EQ(r.components[0].p_fwe, (1 + ge) / (1 + double(ref.size())));
    }
}

namespace {
Eigen::MatrixXd read_matrix(const io::Table& t, std::size_t first_col) {
    Eigen::MatrixXd m(Eigen::Index(t.rows()), Eigen::Index(t.cols() - first_col));
    for (std::size_t c = first_col; c < t.cols(); ++c) {
        const auto col = t.numeric(c);
        for (std::size_t r = 0; r < t.rows(); ++r) m(Eigen::Index(r), Eigen::Index(c - first_col)) = col[r];
    }
    return m;
}
}  // namespace

// Cluster inference on F maps against a brute-force reference (numpy F, scipy.ndimage.label with
// 6- and 26-connectivity; tests/golden/make_stats_inference.py) on simulated smooth data (9x8x7
// grid with holes in the mask, three arms + age, F of the two arm rows), fed the reference's 150
// Freedman-Lane row permutations: the cluster-forming F (1e-9), the observed clusters (size, peak
// exact; mass 1e-9 relative), the null maxima of size (exact) and mass (1e-9) and the FWE p.
TEST(StatsGolden, FContrastClustersMatchBruteForce) {
    const auto dir = test::fixtures() + "/stats_more/";
    const auto data = io::read_table(dir + "fclust_data.tsv");
    const auto design = io::read_table(dir + "fclust_design.tsv");
    const auto perms = io::read_table(dir + "fclust_perms.tsv");
    const auto obs = io::read_table(dir + "fclust_observed.tsv");
    const auto null = io::read_table(dir + "fclust_null.tsv");
    const Eigen::MatrixXd Y = read_matrix(data, 1).transpose();  // participants x voxels
    std::vector<std::int64_t> voxels;
    for (double v : data.numeric("voxel")) voxels.push_back(std::int64_t(v));
    const auto age = design.numeric("age");
    Eigen::MatrixXd X(Y.rows(), 4);
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
        const auto& arm = design.cell(std::size_t(i), 0);
        X.row(i) << 1, arm == "b", arm == "c", age[std::size_t(i)];
    }
    Eigen::MatrixXd C(2, 4);
    C << 0, 1, 0, 0, 0, 0, 1, 0;
    stats::PermutationOptions o;
    const Eigen::MatrixXd P = read_matrix(perms, 1);
    for (Eigen::Index k = 0; k < P.rows(); ++k) {
        std::vector<Eigen::Index> p;
        for (Eigen::Index i = 0; i < P.cols(); ++i) p.push_back(Eigen::Index(P(k, i)));
        o.row_permutations.push_back(p);
    }
    o.cluster_p = 0.01;
    o.dims = {9, 8, 7};
    o.voxels = voxels;
    o.two_sided = true;  // ignored for F (one tail)
    Context ctx;
    for (int conn : {6, 26}) {
        SCOPED_TRACE(conn);
        o.cluster_connectivity = conn;
        const auto r = stats::permutation_test_f(X, Y, C, o, ctx);
        std::vector<std::size_t> rows;
        for (std::size_t i = 0; i < obs.rows(); ++i)
            if (int(obs.numeric("connectivity")[i]) == conn) rows.push_back(i);
        EXPECT_NEAR(r.cluster_threshold_t, obs.numeric("threshold_F")[0], 1e-9);
        ASSERT_EQ(r.clusters.size(), rows.size());
        for (std::size_t k = 0; k < rows.size(); ++k) {
            const auto& c = r.clusters[k];
            const auto i = rows[k];
            EXPECT_EQ(c.sign, 1);
            EXPECT_EQ(double(c.size), obs.numeric("size")[i]) << k;
            EXPECT_NEAR(c.mass, obs.numeric("mass")[i], 1e-9 * obs.numeric("mass")[i]) << k;
            EXPECT_EQ(double(voxels[std::size_t(c.peak)]), obs.numeric("peak_voxel")[i]) << k;
            EXPECT_NEAR(c.peak_value, obs.numeric("peak_F")[i], 1e-9 * obs.numeric("peak_F")[i]) << k;
        }
        const auto ms = null.numeric(fmt::format("max_size_{}", conn)), mm = null.numeric(fmt::format("max_mass_{}", conn));
        ASSERT_EQ(r.null_max_size.size(), ms.size());
        for (std::size_t k = 0; k < ms.size(); ++k) {
            EXPECT_EQ(r.null_max_size[k], ms[k]) << k;
            EXPECT_NEAR(r.null_max_mass[k], mm[k], 1e-9 * std::max(1.0, mm[k])) << k;
        }
        for (std::size_t k = 0; k < r.clusters.size(); ++k) {
            double gs = 0, gm = 0;
            for (std::size_t j = 0; j < ms.size(); ++j) {
                gs += ms[j] >= double(r.clusters[k].size);
                gm += mm[j] >= r.clusters[k].mass;
            }
            EXPECT_DOUBLE_EQ(r.cluster_p_size_fwe[k], (1 + gs) / (1 + double(ms.size())));
            EXPECT_DOUBLE_EQ(r.cluster_p_mass_fwe[k], (1 + gm) / (1 + double(ms.size())));
        }
        EXPECT_LT(r.cluster_p_mass_fwe[0], 0.05);  // the simulated effect is found
    }
}

// Two-sided network-based statistic against the brute-force reference (csgraph components of t > 3
// and, separately, t < -3; make_stats_inference.py) on simulated edges with a positive and a
// negative network, fed its 300 sign flips: components (sign, edges, nodes, extent, intensity 1e-9)
// and the null maxima over both signs.
TEST(StatsGolden, TwoSidedNetworkBasedStatisticMatchesBruteForce) {
    const auto dir = test::fixtures() + "/stats_more/";
    const Eigen::MatrixXd Y = read_matrix(io::read_table(dir + "nbs2_data.tsv"), 0);
    const Eigen::MatrixXd F = read_matrix(io::read_table(dir + "nbs2_flips.tsv"), 1);
    const auto comps = io::read_table(dir + "nbs2_components.tsv");
    const auto null = io::read_table(dir + "nbs2_null.tsv");
    const int nodes = 24;
    std::vector<std::pair<int, int>> edges;
    for (int a = 0; a < nodes; ++a)
        for (int b = a + 1; b < nodes; ++b) edges.push_back({a, b});
    stats::PermutationOptions o;
    for (Eigen::Index k = 0; k < F.rows(); ++k) {
        std::vector<int> f;
        for (Eigen::Index i = 0; i < F.cols(); ++i) f.push_back(int(F(k, i)));
        o.sign_flips.push_back(f);
    }
    o.two_sided = true;
    Context ctx;
    const Eigen::MatrixXd X = Eigen::MatrixXd::Ones(Y.rows(), 1);
    for (bool intensity : {false, true}) {
        SCOPED_TRACE(intensity ? "intensity" : "extent");
        const auto r = stats::nbs(X, Y, Eigen::VectorXd::Ones(1), edges, nodes, 3.0, intensity, o, ctx);
        ASSERT_EQ(r.components.size(), comps.rows());
        for (std::size_t k = 0; k + 1 < r.components.size(); ++k)
            EXPECT_GE(r.components[k].statistic, r.components[k + 1].statistic);
        for (std::size_t i = 0; i < comps.rows(); ++i) {
            const auto it = std::find_if(r.components.begin(), r.components.end(), [&](const stats::NbsComponent& c) {
                return c.sign == int(comps.numeric("sign")[i]) && double(c.edges.front()) == comps.numeric("first_edge")[i];
            });
            ASSERT_NE(it, r.components.end()) << i;
            EXPECT_EQ(double(it->edges.size()), comps.numeric("n_edges")[i]);
            EXPECT_EQ(double(it->n_nodes), comps.numeric("n_nodes")[i]);
            EXPECT_NEAR(it->statistic, intensity ? comps.numeric("intensity")[i] : comps.numeric("n_edges")[i], 1e-9);
        }
        const auto ref = null.numeric(intensity ? "max_intensity" : "max_extent");
        ASSERT_EQ(r.permutation.null_max_extra.size(), ref.size());
        for (std::size_t k = 0; k < ref.size(); ++k) EXPECT_NEAR(r.permutation.null_max_extra[k], ref[k], 1e-9) << k;
        for (const auto& c : r.components) {
            double ge = 0;
            for (double m : ref) ge += m >= c.statistic;
            EXPECT_DOUBLE_EQ(c.p_fwe, (1 + ge) / (1 + double(ref.size())));
        }
        EXPECT_LT(r.components[0].p_fwe, 0.05);
        EXPECT_LT(r.components[1].p_fwe, 0.05);
        EXPECT_NE(r.components[0].sign, r.components[1].sign);
    }
}

// nilearn 0.10.3 non_parametric_inference testing X_RVLPFC with the confound Y on the 30 Wager
// images (make_stats_nilearn_confounds.py; 200 permutations, of which the first 30 are run here, about
// 3 s for both schemes: Freedman-Lane refits 75,919 voxels per permutation). nilearn's scheme is Freedman-Lane:
// with no intercept column in its design it shuffles (cumulatively) the rows of the residualised
// design, the same as permuting the nuisance-model residuals (algia's default); with an intercept
// column it sign-flips the residuals (algia's symmetric_errors). Fed nilearn's effective
// rearrangements, algia reproduces nilearn's t (1e-5 relative: nilearn is float32), its null
// maxima of t (1e-6 relative), and nilearn's -log10 FWE p per voxel from algia's t and nilearn's
// full null (1e-9; at most 0.2% of the sampled voxels may differ by one null rank, where a float32
// t equals a null maximum to 1e-6).
TEST(StatsGolden, FreedmanLaneMatchesNilearnWithConfound) {
    ALGIA_REQUIRE_SHARED_DATA();
    const auto dir = test::fixtures() + "/stats_more/";
    const auto w = load_wager();
    const auto design = io::read_table(dir + "design_xy.tsv");
    Eigen::MatrixXd X(30, 3);
    const auto x = design.numeric("X_RVLPFC"), y = design.numeric("Y_Reappraisal_Success");
    for (int s = 0; s < 30; ++s) X.row(s) << 1, x[std::size_t(s)], y[std::size_t(s)];
    Context ctx;
    for (const std::string scheme : {"perm", "flip"}) {
        SCOPED_TRACE(scheme);
        stats::PermutationOptions o;
        if (scheme == "perm") {
            const Eigen::MatrixXd P = read_matrix(io::read_table(dir + "fl_perm_rows.tsv"), 1);
            for (Eigen::Index k = 0; k < 30; ++k) {
                std::vector<Eigen::Index> p;
                for (Eigen::Index i = 0; i < 30; ++i) p.push_back(Eigen::Index(P(k, i)));
                o.row_permutations.push_back(p);
            }
        } else {
            o.symmetric_errors = true;
            const Eigen::MatrixXd S = read_matrix(io::read_table(dir + "fl_flip_signs.tsv"), 1);
            for (Eigen::Index k = 0; k < 30; ++k) {
                std::vector<int> f;
                for (Eigen::Index i = 0; i < 30; ++i) f.push_back(int(S(k, i)));
                o.sign_flips.push_back(f);
            }
        }
        const auto r = stats::permutation_test(X, w.Y, Eigen::Vector3d(0, 1, 0), o, ctx);
        const auto h0 = io::read_table(dir + "fl_" + scheme + "_h0.tsv").numeric("h0_max_t");
        ASSERT_EQ(h0.size(), 200u);
        ASSERT_EQ(r.null_max_t.size(), 30u);
        for (std::size_t k = 0; k < 30; ++k) EXPECT_NEAR(r.null_max_t[k], h0[k], 1e-6 * std::abs(h0[k])) << k;
        const auto vox = io::read_table(dir + "fl_" + scheme + "_vox.tsv");
        const auto t = at_rows(w, r.observed.t, vox);
        EXPECT_LT(max_rel(t, vox.numeric("t")), 1e-5);
        const auto lp = vox.numeric("logp_max_t");
        int off = 0;
        for (Eigen::Index v = 0; v < t.size(); ++v) {
            double ge = 0;
            for (double m : h0) ge += m >= t[v];
            const double p = (1 + ge) / (1 + double(h0.size()));
            if (std::abs(-std::log10(p) - lp[std::size_t(v)]) > 1e-9) {
                ++off;
                EXPECT_NEAR(p, std::pow(10.0, -lp[std::size_t(v)]), 1.0 / 201 + 1e-12) << v;
            }
        }
        EXPECT_LE(off, int(t.size()) / 500) << off << " of " << t.size();
        // algia's own FWE p over its 30 permutations: the same formula on its null.
        std::vector<double> own(r.null_max_t);
        std::sort(own.begin(), own.end());
        const auto pf = at_rows(w, r.p_fwe, vox);
        for (Eigen::Index v = 0; v < t.size(); v += 37) {
            const double ge = double(own.end() - std::lower_bound(own.begin(), own.end(), t[v]));
            EXPECT_DOUBLE_EQ(pf[v], (1 + ge) / 31);
        }
    }
}
