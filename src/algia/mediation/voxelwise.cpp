#include "algia/mediation/voxelwise.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <type_traits>

#include <Eigen/Cholesky>
#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/stats/t_dist.hpp"

namespace algia::mediation {

namespace {

// Per weight vector (a resample, the jackknife's leave-one-out, or all ones): the rows that multiply
// the images and everything that does not depend on the voxel.
struct WeightSet {
    Eigen::Index K = 0;      // rows per weight vector in A: q design columns + 2 scalar variables
    Eigen::MatrixXd A;       // (R*K) x n: [D∘w ; s1∘w ; s2∘w] per weight vector
    Eigen::MatrixXd W;       // R x n: the weights (for the squared images)
    Eigen::MatrixXf Af, Wf;  // single-precision copies of A and W (when resamples run in single)
    std::vector<Eigen::MatrixXd> Ginv;  // (D'WD)^-1
    std::vector<Eigen::MatrixXd> GinvU; // (D'WD)^-1 [D'W s1, D'W s2]   (q x 2)
    Eigen::MatrixXd S;       // R x 3: S(s1,s1), S(s1,s2), S(s2,s2)
    std::vector<char> ok;
    Eigen::Index rows() const { return W.rows(); }
};

WeightSet make_weights(const Eigen::MatrixXd& weights, const Eigen::MatrixXd& D, const Eigen::VectorXd& s1,
                       const Eigen::VectorXd& s2) {
    WeightSet ws;
    const Eigen::Index R = weights.rows(), n = D.rows(), q = D.cols();
    ws.K = q + 2;
    ws.A.resize(R * ws.K, n);
    ws.W = weights;
    ws.Ginv.resize(static_cast<std::size_t>(R));
    ws.GinvU.resize(static_cast<std::size_t>(R));
    ws.S.resize(R, 3);
    ws.ok.assign(static_cast<std::size_t>(R), 1);
    for (Eigen::Index r = 0; r < R; ++r) {
        const Eigen::VectorXd w = weights.row(r).transpose();
        const Eigen::MatrixXd Dw = D.array().colwise() * w.array();
        ws.A.block(r * ws.K, 0, q, n) = Dw.transpose();
        ws.A.row(r * ws.K + q) = (s1.array() * w.array()).matrix().transpose();
        ws.A.row(r * ws.K + q + 1) = (s2.array() * w.array()).matrix().transpose();
        const Eigen::MatrixXd G = D.transpose() * Dw;
        Eigen::LDLT<Eigen::MatrixXd> ldlt(G);
        const std::size_t ri = static_cast<std::size_t>(r);
        if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().array() > 1e-12 * G.diagonal().maxCoeff()).all()) {
            ws.ok[ri] = 0;
            ws.Ginv[ri] = Eigen::MatrixXd::Zero(q, q);
            ws.GinvU[ri] = Eigen::MatrixXd::Zero(q, 2);
            ws.S.row(r).setConstant(std::nan(""));
            continue;
        }
        ws.Ginv[ri] = ldlt.solve(Eigen::MatrixXd::Identity(q, q));
        Eigen::MatrixXd U(q, 2);
        U.col(0) = Dw.transpose() * s1;
        U.col(1) = Dw.transpose() * s2;
        ws.GinvU[ri] = ws.Ginv[ri] * U;
        const Eigen::VectorXd ws1 = s1.array() * w.array(), ws2 = s2.array() * w.array();
        ws.S(r, 0) = s1.dot(ws1) - U.col(0).dot(ws.GinvU[ri].col(0));
        ws.S(r, 1) = s1.dot(ws2) - U.col(0).dot(ws.GinvU[ri].col(1));
        ws.S(r, 2) = s2.dot(ws2) - U.col(1).dot(ws.GinvU[ri].col(1));
    }
    return ws;
}

// The six residual inner products of one weight vector and one voxel.
struct Six {
    double xx, mm, yy, xm, xy, my;
};

struct Paths5 {
    double a, b, cp, c, ab;
};

Paths5 paths_of(const Six& s) {
    Paths5 p;
    p.a = s.xm / s.xx;
    p.c = s.xy / s.xx;
    const double det = s.mm * s.xx - s.xm * s.xm;
    p.b = (s.my * s.xx - s.xm * s.xy) / det;
    p.cp = (s.mm * s.xy - s.xm * s.my) / det;
    p.ab = p.a * p.b;
    return p;
}

// Maps (image variable, scalar 1, scalar 2) products to the six named ones.
Six assemble(ImageRole role, double vv, double v1, double v2, double s11, double s12, double s22) {
    switch (role) {
        case ImageRole::x:  // scalars: m, y
            return {vv, s11, s22, v1, v2, s12};
        case ImageRole::m:  // scalars: x, y
            return {s11, vv, s22, v1, s12, v2};
        case ImageRole::y:  // scalars: x, m
        default:
            return {s11, s22, vv, s12, v1, v2};
    }
}

// ab of every voxel from the residual products of one weight vector, as arrays (the same algebra
// as paths_of on the Six that assemble() would build).
Eigen::ArrayXd ab_of(ImageRole role, const Eigen::ArrayXd& vv, const Eigen::ArrayXd& v1, const Eigen::ArrayXd& v2,
                     double s11, double s12, double s22) {
    switch (role) {
        case ImageRole::x:  // xx = vv, mm = s11, yy = s22, xm = v1, xy = v2, my = s12
            return (v1 / vv) * ((s12 * vv - v1 * v2) / (s11 * vv - v1.square()));
        case ImageRole::m:  // xx = s11, mm = vv, yy = s22, xm = v1, xy = s12, my = v2
            return (v1 / s11) * ((v2 * s11 - v1 * s12) / (vv * s11 - v1.square()));
        case ImageRole::y:  // xx = s11, mm = s22, yy = vv, xm = s12, xy = v1, my = v2
        default:
            return Eigen::ArrayXd::Constant(vv.size(), s12 / s11) *
                   ((v2 * s11 - s12 * v1) / (s22 * s11 - s12 * s12));
    }
}

// Products for weight vectors [r0, r1) of `ws` on the voxel columns `V` (n x nv) and `V2` (squares):
// calls sink(r, vv, v1, v2) with the residual products of every voxel as arrays (NaN when the
// weight vector's design is singular). Computed voxel-major (V' A'), so every array is contiguous.
template <class Scalar>
const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& rows_A(const WeightSet& ws) {
    if constexpr (std::is_same_v<Scalar, float>) return ws.Af;
    else return ws.A;
}
template <class Scalar>
const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& rows_W(const WeightSet& ws) {
    if constexpr (std::is_same_v<Scalar, float>) return ws.Wf;
    else return ws.W;
}

// The residual products of weight vector r and one voxel (column v of the images, v2 of their
// squares), in double precision: the fallback of single-precision evaluation.
void residual_products(const WeightSet& ws, Eigen::Index r, const Eigen::Ref<const Eigen::VectorXd>& v,
                       const Eigen::Ref<const Eigen::VectorXd>& v2, double& vv, double& v1, double& v2out) {
    const Eigen::Index K = ws.K, q = K - 2;
    const std::size_t ri = static_cast<std::size_t>(r);
    const Eigen::VectorXd p = ws.A.middleRows(r * K, K) * v;
    const auto U = p.head(q);
    vv = ws.W.row(r).dot(v2) - U.dot(ws.Ginv[ri] * U);
    v1 = p(q) - U.dot(ws.GinvU[ri].col(0));
    v2out = p(q + 1) - U.dot(ws.GinvU[ri].col(1));
}

// Products for weight vectors [r0, r1) of `ws` on the voxel columns `V` (n x nv) and `V2` (squares):
// calls sink(r, vv, v1, v2) with the residual products of every voxel as arrays (NaN when the
// weight vector's design is singular). Computed voxel-major (V' A'), so every array is contiguous.
// In single precision (Scalar = float) a product is recomputed in double from `Vd`, `V2d` (the same
// columns) where rounding could matter: when the voxel's weighted sum of squares exceeds its
// residual sum of squares 30-fold (its resample mean is far from the centre), or when, for an
// image X or M, the voxel is so collinear with the other variable (r^2 > 0.97) that the b path
// would amplify the rounding more than 30-fold. Elsewhere ab is within ~1e-5 relative of double.
template <class Scalar, class Sink>
void evaluate(const WeightSet& ws, Eigen::Index r0, Eigen::Index r1,
              Eigen::Ref<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>> V,
              Eigen::Ref<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>> V2,
              Eigen::Ref<const Eigen::MatrixXd> Vd, Eigen::Ref<const Eigen::MatrixXd> V2d, ImageRole role,
              Sink&& sink) {
    using Mat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    constexpr bool single = std::is_same_v<Scalar, float>;
    const Eigen::Index K = ws.K, q = K - 2, nv = V.cols();
    const Eigen::Index batch = 64;
    // Per-thread buffers: fresh large allocations per block cost more in page faults than the
    // products themselves.
    thread_local Mat P, P2;
    thread_local Eigen::ArrayXd vv, v1, v2, gk, uk, raw;
    thread_local Eigen::Array<bool, Eigen::Dynamic, 1> flag;
    vv.resize(nv), v1.resize(nv), v2.resize(nv), gk.resize(nv);
    for (Eigen::Index b0 = r0; b0 < r1; b0 += batch) {
        const Eigen::Index b1 = std::min(r1, b0 + batch), R = b1 - b0;
        P.noalias() = V.transpose() * rows_A<Scalar>(ws).middleRows(b0 * K, R * K).transpose();  // nv x (R K)
        P2.noalias() = V2.transpose() * rows_W<Scalar>(ws).middleRows(b0, R).transpose();       // nv x R
        for (Eigen::Index r = b0; r < b1; ++r) {
            const std::size_t ri = static_cast<std::size_t>(r);
            const Eigen::Index base = (r - b0) * K;
            if (!ws.ok[ri]) {
                vv.setConstant(NAN), v1.setConstant(NAN), v2.setConstant(NAN);
                sink(r, vv, v1, v2);
                continue;
            }
            // vv = v'Wv - U' G^-1 U, v1 = v'W s1 - U' G^-1 D'W s1, v2 likewise (U = D'W v per voxel).
            vv = P2.col(r - b0).array().template cast<double>();
            v1 = P.col(base + q).array().template cast<double>();
            v2 = P.col(base + q + 1).array().template cast<double>();
            const Eigen::MatrixXd& Gi = ws.Ginv[ri];
            const Eigen::MatrixXd& GU = ws.GinvU[ri];
            for (Eigen::Index k = 0; k < q; ++k) {
                uk = P.col(base + k).array().template cast<double>();
                gk = Gi(k, k) * uk;
                for (Eigen::Index l = 0; l < q; ++l)
                    if (l != k) gk += Gi(k, l) * P.col(base + l).array().template cast<double>();
                vv -= uk * gk;
                v1 -= GU(k, 0) * uk;
                v2 -= GU(k, 1) * uk;
            }
            if constexpr (single) {
                const double s11 = ws.S(r, 0);
                raw = P2.col(r - b0).array().template cast<double>();
                flag = (vv <= 0) || (raw > 30 * vv);
                if (role != ImageRole::y) flag = flag || (v1.square() > (0.97 * s11) * vv);
                if (flag.any())
                    for (Eigen::Index j = 0; j < nv; ++j)
                        if (flag(j)) residual_products(ws, r, Vd.col(j), V2d.col(j), vv(j), v1(j), v2(j));
            }
            sink(r, vv, v1, v2);
        }
    }
}

// A block of centred voxel columns with their squares, and single-precision copies of both when
// resamples run in single precision.
struct Columns {
    Eigen::MatrixXd V, V2;
    Eigen::MatrixXf Vf, V2f;
    void set(const Eigen::Ref<const Eigen::MatrixXd>& columns, bool single) {
        V = columns;
        V2 = V.array().square();
        if (single) Vf = V.cast<float>(), V2f = V2.cast<float>();
    }
};

}  // namespace

VoxelwiseResult voxelwise_mediation(const VoxelwiseData& data, const VoxelwiseOptions& options, const Context& ctx) {
    const Eigen::Index n = data.images.rows(), V = data.images.cols(), q = 1 + data.covariates.cols();
    const auto need = [&](const Eigen::VectorXd& v, const char* name) {
        if (v.size() != n)
            throw Error(Kind::invalid_input, fmt::format("{} has {} values for {} images", name, v.size(), n))
                .hint("give one value per image (participant)");
        if (!v.allFinite()) throw Error(Kind::invalid_input, fmt::format("{} has missing values", name));
        if ((v.array() == v(0)).all())
            throw Error(Kind::invalid_input, fmt::format("{} is constant", name)).hint("check the column");
    };
    Eigen::VectorXd s1, s2;
    switch (data.role) {
        case ImageRole::x: need(data.m, "M"), need(data.y, "Y"), s1 = data.m, s2 = data.y; break;
        case ImageRole::m: need(data.x, "X"), need(data.y, "Y"), s1 = data.x, s2 = data.y; break;
        case ImageRole::y: need(data.x, "X"), need(data.m, "M"), s1 = data.x, s2 = data.m; break;
    }
    if (data.covariates.rows() != n)
        throw Error(Kind::invalid_input, "the covariates have a different number of rows than there are images");
    if (n <= q + 2)
        throw Error(Kind::invalid_input, fmt::format("{} images are too few for {} parameters", n, q + 2))
            .hint("voxelwise mediation needs more participants than parameters");
    if (!data.images.allFinite())
        throw Error(Kind::invalid_input, "the images have NaN or infinite values inside the mask")
            .hint("use a mask that excludes them (by default algia keeps voxels finite in every image)");
    Eigen::MatrixXd D(n, q);
    D.col(0).setOnes();
    D.rightCols(q - 1) = data.covariates;
    // Centred on full-sample means (the design has a constant, so no path changes): the residual
    // products then do not cancel, which single-precision resamples need. In parallel blocks of
    // voxels: writing a fresh matrix of every voxel is mostly page faults, which then overlap. The
    // squares and single-precision copies are made per block where they are used (Columns).
    const Eigen::Index grain = 256;
    Eigen::MatrixXd I(n, V);
    parallel_for(ctx, static_cast<std::size_t>(V), grain, [&](std::size_t v0, std::size_t v1) {
        const Eigen::Index j0 = Eigen::Index(v0), nv = Eigen::Index(v1 - v0);
        const auto block = data.images.middleCols(j0, nv);
        I.middleCols(j0, nv) = block.rowwise() - block.colwise().mean();
    });
    s1.array() -= s1.mean();
    s2.array() -= s2.mean();

    VoxelwiseResult out;
    out.effect = Eigen::MatrixXd::Constant(V, 5, NAN);
    out.se = Eigen::MatrixXd::Constant(V, 5, NAN);
    out.p_parametric = Eigen::MatrixXd::Constant(V, 5, NAN);
    out.ab_p = Eigen::VectorXd::Constant(V, NAN);
    out.ab_ci_low = Eigen::VectorXd::Constant(V, NAN);
    out.ab_ci_high = Eigen::VectorXd::Constant(V, NAN);
    out.resamples = Eigen::VectorXi::Zero(V);
    out.df_a = double(n - q - 1);
    out.df_b = double(n - q - 2);

    // Point estimates and OLS tests.
    const WeightSet ones = make_weights(Eigen::MatrixXd::Ones(1, n), D, s1, s2);
    // Double-precision policy: Boost's default promotes to long double, several times slower here.
    using Policy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;
    const stats::TwoSidedT ta(out.df_a), tb(out.df_b);
    const boost::math::normal_distribution<double, Policy> z;
    const auto two_sided_t = [](const stats::TwoSidedT& p, double t) { return std::isfinite(t) ? p(t) : NAN; };
    parallel_for(ctx, static_cast<std::size_t>(V), grain, [&](std::size_t v0, std::size_t v1) {
        const Eigen::Index j0 = Eigen::Index(v0), nv = Eigen::Index(v1 - v0);
        thread_local Columns c;
        c.set(I.middleCols(j0, nv), false);
        evaluate<double>(ones, 0, 1, c.V, c.V2, c.V, c.V2, data.role,
                 [&](Eigen::Index, const Eigen::ArrayXd& vv, const Eigen::ArrayXd& pv1, const Eigen::ArrayXd& pv2) {
                   for (Eigen::Index j = 0; j < nv; ++j) {
                     const Six s = assemble(data.role, vv(j), pv1(j), pv2(j), ones.S(0, 0), ones.S(0, 1), ones.S(0, 2));
                     const Eigen::Index v = j0 + j;
                     const Paths5 p = paths_of(s);
                     out.effect.row(v) << p.a, p.b, p.cp, p.c, p.ab;
                     const double det = s.mm * s.xx - s.xm * s.xm;
                     const double rss_m = s.mm - s.xm * s.xm / s.xx;
                     const double rss_c = s.yy - s.xy * s.xy / s.xx;
                     const double rss_y = s.yy - p.b * s.my - p.cp * s.xy;
                     const double se_a = std::sqrt(rss_m / out.df_a / s.xx);
                     const double se_c = std::sqrt(rss_c / out.df_a / s.xx);
                     const double s2 = rss_y / out.df_b;
                     const double se_b = std::sqrt(s2 * s.xx / det), se_cp = std::sqrt(s2 * s.mm / det);
                     const double se_ab = std::sqrt(p.a * p.a * se_b * se_b + p.b * p.b * se_a * se_a);
                     out.se.row(v) << se_a, se_b, se_cp, se_c, se_ab;
                     const double zab = p.ab / se_ab;
                     out.p_parametric.row(v) << two_sided_t(ta, p.a / se_a), two_sided_t(tb, p.b / se_b),
                         two_sided_t(tb, p.cp / se_cp), two_sided_t(ta, p.c / se_c),
                         std::isfinite(zab) ? 2 * boost::math::cdf(boost::math::complement(z, std::fabs(zab))) : NAN;
                   }
                 });
    });
    if (!options.bootstrap) return out;

    const int B = options.resamples, B0 = std::min(options.initial, options.resamples);
    if (B < 1) throw Error(Kind::usage, "the bootstrap needs at least one resample").hint("use --boot 10000");
    Eigen::MatrixXd weights = Eigen::MatrixXd::Zero(B, n);
    for (int r = 0; r < B; ++r)
        for (std::size_t i : resample_rows(options.seed, std::uint64_t(r), std::size_t(n))) weights(r, Eigen::Index(i)) += 1;
    WeightSet boot = make_weights(weights, D, s1, s2);
    const bool single = options.single_precision;
    if (single) {
        boot.Af = boot.A.cast<float>();
        boot.Wf = boot.W.cast<float>();
    }
    WeightSet jack;
    if (options.ci == CiMethod::bca) jack = make_weights(Eigen::MatrixXd::Ones(n, n) - Eigen::MatrixXd::Identity(n, n), D, s1, s2);

    parallel_for(ctx, static_cast<std::size_t>(V), grain, [&](std::size_t v0, std::size_t v1) {
        const Eigen::Index j0 = Eigen::Index(v0), nv = Eigen::Index(v1 - v0);
        thread_local Columns c;
        c.set(I.middleCols(j0, nv), single);
        // ab per voxel and resample (voxel-major while computing, resample-major for the summaries).
        const auto store = [&](Eigen::MatrixXd& dst, Eigen::Index first) {
            return [&dst, &boot, first, role = data.role](Eigen::Index r, const Eigen::ArrayXd& vv,
                                                          const Eigen::ArrayXd& v1, const Eigen::ArrayXd& v2) {
                dst.col(r - first) = ab_of(role, vv, v1, v2, boot.S(r, 0), boot.S(r, 1), boot.S(r, 2)).matrix();
            };
        };
        Eigen::MatrixXd jk;
        if (options.ci == CiMethod::bca) {
            Eigen::MatrixXd jkT(nv, n);
            evaluate<double>(jack, 0, n, c.V, c.V2, c.V, c.V2, data.role,
                     [&](Eigen::Index r, const Eigen::ArrayXd& vv, const Eigen::ArrayXd& v1, const Eigen::ArrayXd& v2) {
                         jkT.col(r) = ab_of(data.role, vv, v1, v2, jack.S(r, 0), jack.S(r, 1), jack.S(r, 2)).matrix();
                     });
            jk = jkT.transpose();
        }
        thread_local Eigen::MatrixXd samples, samplesT;
        samplesT.resize(nv, B0);
        if (single)
            evaluate<float>(boot, 0, B0, c.Vf, c.V2f, c.V, c.V2, data.role, store(samplesT, 0));
        else
            evaluate<double>(boot, 0, B0, c.V, c.V2, c.V, c.V2, data.role, store(samplesT, 0));
        samples.resize(B, nv);
        // Transposed in tiles (a plain transpose of the whole block strides through memory).
        constexpr Eigen::Index tile = 32;
        for (Eigen::Index c0 = 0; c0 < nv; c0 += tile)
            for (Eigen::Index r0 = 0; r0 < B0; r0 += tile) {
                const Eigen::Index nc = std::min(tile, nv - c0), nr = std::min<Eigen::Index>(tile, B0 - r0);
                samples.block(r0, c0, nr, nc) = samplesT.block(c0, r0, nc, nr).transpose();
            }
        std::vector<Eigen::Index> more;
        const auto summarize = [&](Eigen::Index j, int count) {
            const Eigen::Index v = j0 + j;
            const std::span<const double> values(samples.col(j).data(), std::size_t(count));
            const Eigen::VectorXd jv = jk.size() ? Eigen::VectorXd(jk.col(j)) : Eigen::VectorXd();
            const Interval in = bootstrap_interval(values, out.effect(v, 4), jv, options.ci, options.alpha);
            out.ab_p(v) = in.p;
            out.ab_ci_low(v) = in.low;
            out.ab_ci_high(v) = in.high;
            out.resamples(v) = count;
        };
        for (Eigen::Index j = 0; j < nv; ++j) {
            summarize(j, B0);
            if (B > B0 && out.ab_p(j0 + j) < options.adapt_below) more.push_back(j);
        }
        if (more.empty()) return;
        const Eigen::Index m = Eigen::Index(more.size());
        Eigen::MatrixXd restT(m, B - B0);
        Eigen::MatrixXd Vm(n, m);
        for (Eigen::Index k = 0; k < m; ++k) Vm.col(k) = I.col(j0 + more[k]);
        Columns cm;
        cm.set(Vm, single);
        if (single)
            evaluate<float>(boot, B0, B, cm.Vf, cm.V2f, cm.V, cm.V2, data.role, store(restT, B0));
        else
            evaluate<double>(boot, B0, B, cm.V, cm.V2, cm.V, cm.V2, data.role, store(restT, B0));
        for (Eigen::Index k = 0; k < m; ++k) samples.col(more[k]).segment(B0, B - B0) = restT.row(k).transpose();
        for (Eigen::Index k = 0; k < m; ++k) summarize(more[k], B);
    });
    return out;
}

}  // namespace algia::mediation
