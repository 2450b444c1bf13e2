#include "algia/connectivity/connectivity.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/memory.hpp"
#include "algia/core/parallel.hpp"
#include "algia/linalg/gemm.hpp"
#include "algia/linalg/symmetric_eigen.hpp"

#include <tbb/enumerable_thread_specific.h>

namespace algia::connectivity {

Kind parse_kind(const std::string& name) {
    if (name == "covariance") return Kind::covariance;
    if (name == "correlation") return Kind::correlation;
    if (name == "partial" || name == "partial correlation" || name == "partial_correlation") return Kind::partial_correlation;
    if (name == "precision") return Kind::precision;
    if (name == "tangent") return Kind::tangent;
    throw algia::Error(algia::Kind::usage, fmt::format("unknown connectivity kind '{}'", name))
        .hint("use covariance, correlation, partial, precision or tangent");
}

Estimator parse_estimator(const std::string& name) {
    if (name == "ledoit-wolf" || name == "lw" || name == "ledoit_wolf") return Estimator::ledoit_wolf;
    if (name == "empirical") return Estimator::empirical;
    throw algia::Error(algia::Kind::usage, fmt::format("unknown covariance estimator '{}'", name))
        .hint("use ledoit-wolf or empirical");
}

const char* kind_name(Kind k) noexcept {
    switch (k) {
        case Kind::covariance: return "covariance";
        case Kind::correlation: return "correlation";
        case Kind::partial_correlation: return "partial correlation";
        case Kind::precision: return "precision";
        case Kind::tangent: return "tangent";
    }
    return "?";
}

namespace {

// The centred series of `in` into x (sized as `in`): the column means summed row by row in time
// order, so either storage order gives the same numbers. `mean` is scratch.
void centre_into(const SeriesView& in, Eigen::Ref<Eigen::MatrixXd> x, Eigen::RowVectorXd& mean) {
    mean.setZero(in.cols());
    for (Eigen::Index t = 0; t < in.rows(); ++t) mean += in.row(t);
    mean /= double(in.rows());
    x.noalias() = in.rowwise() - mean;
}

// A covariance as the estimators build it: C = scale X'X + ridge I, with X the centred series.
struct Shrunk {
    double scale = 0.0, ridge = 0.0, shrinkage = 0.0;
};

// sklearn.covariance.ledoit_wolf_shrinkage on the centred series x (n x p), without its p x p
// products: sum((X^2)'X^2) = sum_t (sum_j x_tj^2)^2, and sum(emp^2) from `gram`, a symmetric matrix
// held in its lower half whose squares sum to sum(emp^2): emp = X'X / n itself, or X X' / n (the
// smaller Gram matrix). `trace_sum` is the sum of emp's diagonal.
double ledoit_wolf_shrinkage(const Eigen::Ref<const Eigen::MatrixXd>& x, const Eigen::Ref<const Eigen::MatrixXd>& gram,
                             double trace_sum) {
    const Eigen::Index n = x.rows(), p = x.cols();
    const double beta_ = x.array().square().rowwise().sum().matrix().squaredNorm();
    const double mu = trace_sum / double(p);
    double delta_ = -gram.diagonal().squaredNorm();  // sum of squares of the symmetric gram from its lower half
    for (Eigen::Index j = 0; j < gram.cols(); ++j) delta_ += 2.0 * gram.col(j).tail(gram.rows() - j).squaredNorm();
    double beta = 1.0 / (double(p) * double(n)) * (beta_ / double(n) - delta_);
    double delta = delta_ - 2.0 * mu * trace_sum + double(p) * mu * mu;
    delta /= double(p);
    beta = std::min(beta, delta);
    return beta == 0 ? 0.0 : beta / delta;
}

// The estimator's scale and ridge for the centred series x; `gram` is scratch.
Shrunk shrink(const Eigen::Ref<const Eigen::MatrixXd>& x, Estimator est, Eigen::MatrixXd& gram) {
    const Eigen::Index n = x.rows(), p = x.cols();
    Shrunk out;
    out.scale = 1.0 / double(n);
    if (est == Estimator::empirical || p == 1) return out;
    const double trace_sum = x.array().square().sum() / double(n);  // the sum of emp's diagonal
    const double mu = trace_sum / double(p);
    gram.setZero(std::min(n, p), std::min(n, p));
    if (n <= p)
        gram.selfadjointView<Eigen::Lower>().rankUpdate(x, 1.0 / double(n));
    else
        gram.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose(), 1.0 / double(n));
    out.shrinkage = ledoit_wolf_shrinkage(x, gram, trace_sum);
    // (1 - shrinkage) emp + shrinkage * trace(emp) / p * I; trace(emp) / p is mu.
    out.scale = (1.0 - out.shrinkage) / double(n);
    out.ridge = out.shrinkage * mu;
    return out;
}

// A covariance kept as its parts: the centred series (time x regions, column-major, in storage the
// caller owns) and the estimator's scale and ridge.
struct Parts : Shrunk {
    const double* data = nullptr;
    Eigen::Index rows = 0, cols = 0;
    Eigen::Map<const Eigen::MatrixXd> x() const { return {data, rows, cols}; }
};

// The parts of `in`'s covariance, its centred series written to `room` (rows x cols doubles).
Parts covariance_parts(const SeriesView& in, Estimator est, double* room) {
    Parts out;
    out.data = room;
    out.rows = in.rows();
    out.cols = in.cols();
    Eigen::RowVectorXd mean;
    Eigen::MatrixXd gram;
    Eigen::Map<Eigen::MatrixXd> x(room, in.rows(), in.cols());
    centre_into(in, x, mean);
    static_cast<Shrunk&>(out) = shrink(x, est, gram);
    return out;
}

// The lower half of m: strict upper <- lower, so m is exactly symmetric.
void mirror(Eigen::Ref<Eigen::MatrixXd> m) { m.triangularView<Eigen::StrictlyUpper>() = m.transpose(); }

// scale X'X + ridge I, the lower half by one product (linalg::multiply), mirrored.
Eigen::MatrixXd assemble(const Parts& c) {
    const auto x = c.x();
    const Eigen::Index p = x.cols();
    Eigen::MatrixXd m(p, p);
    linalg::multiply(m, c.scale, linalg::transposed(x), linalg::plain(x), x.rows(), 0.0, linalg::Part::lower);
    m.diagonal().array() += c.ridge;
    mirror(m);
    return m;
}

// The lower half of m <- alpha X'X: one product of the lower part (linalg/gemm.hpp, whose packing
// buffers are the thread's own, allocated once; Eigen's product takes two buffers of about T x p
// doubles from the heap at every call, fresh pages each time).
void lower_gram(const Eigen::Ref<const Eigen::MatrixXd>& x, double alpha, Eigen::Ref<Eigen::MatrixXd> m) {
    linalg::multiply(m, alpha, linalg::transposed(x), linalg::plain(x), x.rows(), 0.0, linalg::Part::lower);
}

// m = (L L')^-1 = W'W with W = L^-1 (L lower triangular, in the lower half of l; `w` and `t` are
// scratch), mirrored. Tile by tile, a third of the arithmetic of two triangular solves against the
// identity: W is formed below its diagonal only, W'W from it. The diagonal tiles of L are inverted
// once each (triangular solves of small tiles are slow); every other step is a product of tiles
// (linalg/gemm.hpp).
void inverse_from_cholesky(const Eigen::Ref<const Eigen::MatrixXd>& l, Eigen::Ref<Eigen::MatrixXd> w, Eigen::MatrixXd& t,
                           Eigen::Ref<Eigen::MatrixXd> m) {
    using linalg::multiply;
    using linalg::plain;
    using linalg::transposed;
    constexpr Eigen::Index tile = 48;
    const Eigen::Index p = l.rows();
    t.resize(tile, tile);
    for (Eigen::Index i = 0; i < p; i += tile) {  // W(i, i) = L(i, i)^-1
        const Eigen::Index h = std::min(tile, p - i);
        auto b = w.block(i, i, h, h);
        b.setIdentity();
        l.block(i, i, h, h).triangularView<Eigen::Lower>().solveInPlace(b);
    }
    for (Eigen::Index j = 0; j < p; j += tile) {
        const Eigen::Index c = std::min(tile, p - j);
        for (Eigen::Index i = j + tile; i < p; i += tile) {  // W(i, j) = -W(i, i) L(i, j:i) W(j:i, j)
            const Eigen::Index h = std::min(tile, p - i);
            auto tij = t.topLeftCorner(h, c);
            multiply(tij, -1.0, plain(l.block(i, j, h, i - j)), plain(w.block(j, j, i - j, c)), i - j, 0.0);
            multiply(w.block(i, j, h, c), 1.0, plain(w.block(i, i, h, h)), plain(tij), h, 0.0);
        }
    }
    for (Eigen::Index j = 0; j < p; j += tile) {  // (W'W)(i, j) = W(i:, i)' W(i:, j), i >= j
        const Eigen::Index c = std::min(tile, p - j);
        for (Eigen::Index i = j; i < p; i += tile) {
            const Eigen::Index h = std::min(tile, p - i);
            // W(i, i) is lower triangular with its zeros stored (from the identity), so it is one product.
            multiply(m.block(i, j, h, c), 1.0, transposed(w.block(i, i, p - i, h)), plain(w.block(i, j, p - i, c)), p - i, 0.0);
        }
    }
    mirror(m);
}

// m = the estimator's covariance of the centred series x (mirrored: exactly symmetric), from the
// empirical covariance S = X'X / T: Ledoit-Wolf's sums come from S itself (sum(S^2)) and from x.
void covariance_into(const Eigen::Ref<const Eigen::MatrixXd>& x, Estimator est, Eigen::Ref<Eigen::MatrixXd> m) {
    const Eigen::Index n = x.rows(), p = x.cols();
    lower_gram(x, 1.0 / double(n), m);
    if (est == Estimator::ledoit_wolf && p > 1) {
        // With sum(emp^2) from S itself.
        const double trace_sum = m.diagonal().sum();
        const double shrinkage = ledoit_wolf_shrinkage(x, m, trace_sum);
        m.triangularView<Eigen::Lower>() *= 1.0 - shrinkage;
        m.diagonal().array() += shrinkage * trace_sum / double(p);
    }
    mirror(m);
}

// m <- sign d m d with d = diag(m)^-1/2 and a unit diagonal (cov -> corr), from the lower half,
// mirrored; `d` is scratch.
void to_correlation(Eigen::Ref<Eigen::MatrixXd> m, double sign, Eigen::VectorXd& d) {
    d = m.diagonal().array().sqrt().inverse();
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
        for (Eigen::Index i = j + 1; i < m.rows(); ++i) m(i, j) = sign * (d[i] * m(i, j) * d[j]);
        m(j, j) = 1.0;
    }
    mirror(m);
}

}  // namespace

Eigen::MatrixXd covariance(const Eigen::MatrixXd& x_in, Estimator est, double* shrinkage_out) {
    Eigen::MatrixXd centred(x_in.rows(), x_in.cols());
    const Parts c = covariance_parts(view(x_in), est, centred.data());
    if (shrinkage_out) *shrinkage_out = c.shrinkage;
    return assemble(c);
}

Eigen::MatrixXd cov_to_corr(const Eigen::MatrixXd& cov) {
    const Eigen::VectorXd d = cov.diagonal().array().sqrt().inverse();
    Eigen::MatrixXd c = d.asDiagonal() * cov * d.asDiagonal();
    c.diagonal().setOnes();
    return c;
}

namespace {

// V diag(d) V' for symmetric results into `out`: the lower half by one triangular product, then
// mirrored unless only the lower half is wanted. `vd` is scratch of the same size.
void form_symmetric(const Eigen::MatrixXd& vecs, const Eigen::VectorXd& d, Eigen::Ref<Eigen::MatrixXd> vd,
                    Eigen::Ref<Eigen::MatrixXd> out, bool mirror = true) {
    vd.noalias() = vecs * d.asDiagonal();
    linalg::multiply(out, 1.0, linalg::plain(vd), linalg::transposed(vecs), vecs.cols(), 0.0, linalg::Part::lower);
    if (mirror) out.triangularView<Eigen::StrictlyUpper>() = out.transpose();
}

// Per-thread scratch of the tangent computation: the eigensolver keeps its storage between
// calls, so the hot loop allocates nothing; the other matrices come from the computation's arena
// (2 MB pages: fresh 4 KB pages are what costs on some machines).
using MapMatrix = Eigen::Map<Eigen::MatrixXd>;
struct Workspace {
    Workspace(Eigen::Index p, Arena& arena)
        : es(p), vd(arena.take(std::size_t(p * p)), p, p), tmp(arena.take(std::size_t(p * p)), p, p),
          w(arena.take(std::size_t(p * p)), p, p) {}
    linalg::SymmetricEigen es;
    Eigen::VectorXd vals;
    MapMatrix vd, tmp;
    Eigen::MatrixXd y;
    MapMatrix w;  // a whitened covariance (its log goes to the caller's storage)
};

// body(j, w) for the blocks of 32 columns [j, j + w) of a p x p matrix, in parallel: for lower
// halves built block by block, each block's arithmetic the same on any thread count.
void by_column_blocks(const Context& ctx, Eigen::Index p, const std::function<void(Eigen::Index, Eigen::Index)>& body) {
    constexpr Eigen::Index width = 32;
    parallel_for(ctx, std::size_t((p + width - 1) / width), 1, [&](std::size_t b, std::size_t e) {
        for (std::size_t block = b; block < e; ++block) {
            const Eigen::Index j = Eigen::Index(block) * width;
            body(j, std::min(width, p - j));
        }
    });
}

// The participants' covariances, whitened as F C F' (F = G^-1/2 or B^-1, see geometric_mean). When
// a series has fewer time points T than regions p, C = scale X'X + ridge I is whitened from its
// parts, scale (XF')'(XF') + ridge FF': two products of T x p x p instead of two of p x p x p.
class Covariances {
public:
    explicit Covariances(std::vector<Parts> parts) : parts_(std::move(parts)), full_(parts_.size()) {
        for (std::size_t i = 0; i < parts_.size(); ++i)
            if (!factored(i)) full_[i] = assemble(parts_[i]);
    }
    std::size_t size() const { return parts_.size(); }
    Eigen::Index dim() const { return parts_[0].cols; }
    bool any_factored() const {
        for (std::size_t i = 0; i < size(); ++i)
            if (factored(i)) return true;
        return false;
    }
    // The arithmetic mean: its lower half by blocks of columns in parallel, each accumulated
    // participant by participant in order (the same numbers on any thread count).
    void mean(const Context& ctx, Eigen::Ref<Eigen::MatrixXd> m) const {
        const Eigen::Index p = dim();
        m.setZero();
        by_column_blocks(ctx, p, [&](Eigen::Index j, Eigen::Index w) {
            for (const Parts& c : parts_)
                linalg::multiply(m.block(j, j, p - j, w), c.scale, linalg::transposed(c.x().rightCols(p - j)),
                                 linalg::plain(c.x().middleCols(j, w)), c.rows, 1.0);
        });
        double ridge = 0.0;
        for (const Parts& c : parts_) ridge += c.ridge;
        m.diagonal().array() += ridge;
        m /= double(size());
        m.triangularView<Eigen::StrictlyUpper>() = m.transpose();
    }
    // The lower half of out = F C_i F' (fft = F F', needed only for factored covariances): all the
    // eigensolver reads.
    void whiten(std::size_t i, const Eigen::Ref<const Eigen::MatrixXd>& f, const Eigen::Ref<const Eigen::MatrixXd>& fft,
                Workspace& ws, Eigen::Ref<Eigen::MatrixXd> out) const {
        const Eigen::Index p = dim();
        if (factored(i)) {
            const Parts& c = parts_[i];
            ws.y.resize(c.rows, p);
            linalg::multiply(ws.y, 1.0, linalg::plain(c.x()), linalg::transposed(f), p, 0.0);
            out.triangularView<Eigen::Lower>() = c.ridge * fft;
            linalg::multiply(out, c.scale, linalg::transposed(ws.y), linalg::plain(ws.y), ws.y.rows(), 1.0, linalg::Part::lower);
        } else {
            linalg::multiply(ws.tmp, 1.0, linalg::plain(f), linalg::plain(full_[i]), p, 0.0);
            linalg::multiply(out, 1.0, linalg::plain(ws.tmp), linalg::transposed(f), p, 0.0, linalg::Part::lower);
        }
    }

private:
    bool factored(std::size_t i) const { return parts_[i].rows < parts_[i].cols; }
    std::vector<Parts> parts_;
    std::vector<Eigen::MatrixXd> full_;
};

// out <- f(m) through the eigendecomposition of m (symmetric, its lower half read; out may be m),
// the lower half only when `lower_only`.
void map_into(const Eigen::Ref<const Eigen::MatrixXd>& m, double (*fn)(double), Workspace& ws, Eigen::Ref<Eigen::MatrixXd> out,
              bool lower_only = false) {
    ws.es.compute(m);
    ws.vals = ws.es.eigenvalues();
    for (Eigen::Index k = 0; k < ws.vals.size(); ++k) ws.vals[k] = fn(ws.vals[k]);
    form_symmetric(ws.es.eigenvectors(), ws.vals, ws.vd, out, !lower_only);
}

double log_fn(double x) { return std::log(x); }

// Two independent pieces of the serial part of the tangent computation side by side (each whole on
// one thread: the same numbers on any thread count).
void side_by_side(const Context& ctx, const std::function<void()>& a, const std::function<void()>& b) {
    parallel_for(ctx, 2, 1, [&](std::size_t begin, std::size_t end) {
        for (std::size_t k = begin; k < end; ++k) (k == 0 ? a : b)();
    });
}

// G^-1/2 and G^-1 from one eigendecomposition of G (`vd2` is scratch as ws.vd).
void inverse_roots(const Eigen::Ref<const Eigen::MatrixXd>& g, Workspace& ws, MapMatrix& vd2, MapMatrix& inv_sqrt, MapMatrix* inv,
                   const Context& ctx) {
    ws.es.compute(g);
    const Eigen::VectorXd roots = ws.es.eigenvalues().array().inverse().sqrt().matrix();
    if (!inv) return form_symmetric(ws.es.eigenvectors(), roots, ws.vd, inv_sqrt);
    side_by_side(
        ctx, [&] { form_symmetric(ws.es.eigenvectors(), roots, ws.vd, inv_sqrt); },
        [&] { form_symmetric(ws.es.eigenvectors(), roots.array().square().matrix(), vd2, *inv); });
}

using Workspaces = tbb::enumerable_thread_specific<Workspace>;

// nilearn's _geometric_mean (connectome/connectivity_matrices.py): gradient steps on the manifold
// of SPD matrices from the arithmetic mean, the step halved when the gradient norm grows, stopped
// when norm / size < tol. nilearn whitens by G^-1/2 and so decomposes G at every step; here G is
// carried as G = B B' and whitened by F = B^-1. Any such factor is G^1/2 Q with Q orthogonal, so
// log(F C F') = Q' log(G^-1/2 C G^-1/2) Q: the mean L of the logs has the same norm (the same
// step decisions), and G^1/2 exp(step L_nilearn) G^1/2 = B exp(step L) B' = (B E)(B E)' with
// E = exp(step L / 2). So B <- B E and F <- E^-1 F from the one decomposition of L that nilearn
// also makes: the same iterates as nilearn to rounding, one eigendecomposition fewer per step.
// `logs` (one matrix per participant) is scratch: the caller's output matrices, so that no other
// memory of that size is touched.
void geometric_mean(const Covariances& covs, int max_iter, double tol, Workspaces& workspaces, Arena& arena,
                    std::vector<Eigen::Map<Eigen::MatrixXd>>& logs, Eigen::Ref<Eigen::MatrixXd> g, const Context& ctx) {
    const Eigen::Index p = covs.dim();
    const bool need_fft = covs.any_factored();
    const auto matrix = [&] { return MapMatrix(arena.take(std::size_t(p * p)), p, p); };
    MapMatrix fft = matrix(), logs_mean = matrix(), e = matrix(), e_inv = matrix(), vd2 = matrix();
    // B and F = B^-1, each with room for its next value (the pointers swap after each step).
    double* b_now = arena.take(std::size_t(p * p));
    double* b_next = arena.take(std::size_t(p * p));
    double* f_now = arena.take(std::size_t(p * p));
    double* f_next = arena.take(std::size_t(p * p));
    covs.mean(ctx, g);
    {
        MapMatrix b(b_now, p, p), f(f_now, p, p);
        b = g;
        const Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(b);  // in place: b's lower half becomes L
        if (llt.info() != Eigen::Success)
            throw algia::Error(algia::Kind::invalid_input,
                               "the tangent-space mean failed: the mean covariance is not positive definite")
                .hint("use the Ledoit-Wolf estimator, or drop participants with fewer volumes than regions");
        b.triangularView<Eigen::StrictlyUpper>().setZero();
        f.setIdentity();
        b.triangularView<Eigen::Lower>().solveInPlace(f);
    }
    Workspace& main = workspaces.local();
    double norm_old = std::numeric_limits<double>::infinity();
    double step = 1.0;
    for (int it = 0; it < max_iter; ++it) {
        const MapMatrix b(b_now, p, p), f(f_now, p, p);
        MapMatrix b2(b_next, p, p), f2(f_next, p, p);
        if (need_fft) {
            by_column_blocks(ctx, p, [&](Eigen::Index j, Eigen::Index w) {
                linalg::multiply(fft.block(j, j, p - j, w), 1.0, linalg::plain(f.bottomRows(p - j)),
                                 linalg::transposed(f.middleRows(j, w)), p, 0.0);
            });
            fft.triangularView<Eigen::StrictlyUpper>() = fft.transpose();
        }
        parallel_for(ctx, covs.size(), 1, [&](std::size_t begin, std::size_t end) {
            Workspace& ws = workspaces.local();
            for (std::size_t i = begin; i < end; ++i) {
                covs.whiten(i, f, fft, ws, ws.w);
                map_into(ws.w, log_fn, ws, logs[i], true);
            }
        });
        // The mean of the logs' lower halves, in order (thread-count independent), mirrored.
        by_column_blocks(ctx, p, [&](Eigen::Index j0, Eigen::Index w) {
            for (Eigen::Index j = j0; j < j0 + w; ++j) {
                auto col = logs_mean.col(j).tail(p - j);
                col.setZero();
                for (const auto& l : logs) col += l.col(j).tail(p - j);
                col /= double(covs.size());
            }
        });
        logs_mean.triangularView<Eigen::StrictlyUpper>() = logs_mean.transpose();
        if (!logs_mean.allFinite())
            throw algia::Error(algia::Kind::invalid_input, "the tangent-space mean failed: a matrix is not positive definite")
                .hint("use the Ledoit-Wolf estimator, or drop participants with fewer volumes than regions");
        double norm = logs_mean.norm();
        main.es.compute(logs_mean);
        const Eigen::ArrayXd half = main.es.eigenvalues().array() * (step / 2.0);
        side_by_side(
            ctx,
            [&] {
                form_symmetric(main.es.eigenvectors(), half.exp().matrix(), main.vd, e);
                linalg::multiply(b2, 1.0, linalg::plain(b), linalg::plain(e), p, 0.0);
            },
            [&] {
                form_symmetric(main.es.eigenvectors(), (-half).exp().matrix(), vd2, e_inv);
                linalg::multiply(f2, 1.0, linalg::plain(e_inv), linalg::plain(f), p, 0.0);
            });
        std::swap(b_now, b_next);
        std::swap(f_now, f_next);
        if (norm < norm_old) {
            norm_old = norm;
        } else if (norm > norm_old) {
            step /= 2.0;
            norm = norm_old;
        }
        if (norm / double(g.size()) < tol) break;
    }
    const MapMatrix b(b_now, p, p);
    linalg::multiply(g, 1.0, linalg::plain(b), linalg::transposed(b), p, 0.0, linalg::Part::lower);
    g.triangularView<Eigen::StrictlyUpper>() = g.transpose();
}

}  // namespace

Eigen::MatrixXd map_eigenvalues(const Eigen::MatrixXd& sym, double (*fn)(double)) {
    Arena arena;
    Workspace ws(sym.rows(), arena);
    Eigen::MatrixXd m(sym.rows(), sym.cols());
    map_into(sym, fn, ws, m);
    return m;
}

Eigen::MatrixXd fisher_z(const Eigen::MatrixXd& r) {
    Eigen::MatrixXd z = r;
    for (Eigen::Index i = 0; i < r.rows(); ++i)
        for (Eigen::Index j = 0; j < r.cols(); ++j)
            if (i != j) z(i, j) = std::atanh(std::max(-1.0, std::min(1.0, r(i, j))));
    return z;
}

SeriesView view(const Eigen::MatrixXd& m) {
    return SeriesView(m.data(), m.rows(), m.cols(), Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(m.rows(), 1));
}

SeriesView row_major_view(const double* data, Eigen::Index rows, Eigen::Index cols) {
    return SeriesView(data, rows, cols, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>(1, cols));
}

namespace {

// Per-thread scratch of the kinds other than tangent, reused from participant to participant, from
// the call's arena (2 MB pages): room for the longest centred series, a covariance (then its
// Cholesky factor) and its inverse factor.
struct Scratch {
    Scratch(Eigen::Index max_rows, Eigen::Index p, Arena& arena)
        : room(arena.take(std::size_t(max_rows * p))), c(arena.take(std::size_t(p * p)), p, p),
          w(arena.take(std::size_t(p * p)), p, p) {}
    double* room;
    Eigen::Map<Eigen::MatrixXd> c, w;
    Eigen::MatrixXd t;  // a tile
    Eigen::RowVectorXd mean;
    Eigen::VectorXd d;
};

}  // namespace

namespace {

// series.allFinite(), over the stored elements in one contiguous pass when the view covers a
// dense block in either order (Eigen checks a strided view element by element).
bool all_finite(const SeriesView& series) {
    const Eigen::Index rows = series.rows(), cols = series.cols();
    const bool column_major = series.innerStride() == 1 && series.outerStride() == rows;
    const bool row_major = series.outerStride() == 1 && series.innerStride() == cols;
    if (column_major || row_major) return Eigen::Map<const Eigen::VectorXd>(series.data(), rows * cols).allFinite();
    return series.allFinite();
}

}  // namespace

Result connectivity(const std::vector<SeriesView>& series, Kind kind, Estimator est, const std::vector<std::string>& names,
                    const Allocate& allocate, const Context& ctx) {
    if (series.empty()) throw algia::Error(algia::Kind::usage, "no time series given");
    const Eigen::Index p = series[0].cols();
    for (std::size_t i = 0; i < series.size(); ++i) {
        if (series[i].cols() != p)
            throw algia::Error(algia::Kind::invalid_input,
                               fmt::format("{}: has {} regions but {} has {}", names[i], series[i].cols(), names[0], p))
                .hint("extract every participant with the same atlas");
        if (series[i].rows() < 2)
            throw algia::Error(algia::Kind::invalid_input, fmt::format("{}: fewer than 2 time points", names[i]));
        if (!all_finite(series[i]))
            throw algia::Error(algia::Kind::invalid_input, fmt::format("{}: contains n/a or infinite values", names[i]))
                .hint("re-extract the time series; a region with no voxels gives n/a");
    }
    if (kind == Kind::tangent && series.size() < 2)
        throw algia::Error(algia::Kind::usage, "the tangent kind needs several participants (it is relative to the group mean)")
            .hint("pass all participants' time series to one `algia connect` call");
    const std::size_t n = series.size();
    const auto pp = std::size_t(p) * std::size_t(p);
    double* room = allocate((n + 1) * pp);
    Result out{{}, Eigen::Map<Eigen::MatrixXd>(room + n * pp, p, p), {}};
    out.matrices.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.matrices.emplace_back(room + i * pp, p, p);

    if (kind == Kind::tangent) {
        // The centred series and the iteration's matrices in one arena of 2 MB pages (core/memory.hpp):
        // 4 KB pages fault at 5-25 us each on first touch, some 8,000 of them for 30 x 400 regions.
        std::size_t centred = 0;
        for (const SeriesView& s : series) centred += (std::size_t(s.size()) + 7) / 8 * 8;
        Arena arena(centred + 16 * pp);
        std::vector<Parts> parts(n);
        std::vector<double*> rooms(n);
        for (std::size_t i = 0; i < n; ++i) rooms[i] = arena.take(std::size_t(series[i].size()));
        parallel_for(ctx, n, 1, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) parts[i] = covariance_parts(series[i], est, rooms[i]);  // whitened from its parts later
        });
        const Covariances covs(std::move(parts));
        Workspaces workspaces([p, &arena] { return Workspace(p, arena); });
        geometric_mean(covs, 30, 1e-7, workspaces, arena, out.matrices, out.mean, ctx);
        // nilearn: whitening_ = G^-1/2, then logm(whitening_ C whitening_) per participant.
        const auto matrix = [&] { return MapMatrix(arena.take(pp), p, p); };
        MapMatrix whitening = matrix(), s2 = matrix(), vd2 = matrix();
        inverse_roots(out.mean, workspaces.local(), vd2, whitening, covs.any_factored() ? &s2 : nullptr, ctx);
        parallel_for(ctx, n, 1, [&](std::size_t b, std::size_t e) {
            Workspace& ws = workspaces.local();
            for (std::size_t i = b; i < e; ++i) {
                covs.whiten(i, whitening, s2, ws, ws.w);
                map_into(ws.w, log_fn, ws, out.matrices[i]);
            }
        });
        return out;
    }

    Eigen::Index max_rows = 0;
    for (const SeriesView& s : series) max_rows = std::max(max_rows, s.rows());
    Arena arena;
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(max_rows, p, arena); });
    parallel_for(ctx, n, 1, [&](std::size_t b, std::size_t e) {
        Scratch& s = scratch.local();
        for (std::size_t i = b; i < e; ++i) {
            Eigen::Map<Eigen::MatrixXd>& m = out.matrices[i];
            Eigen::Map<Eigen::MatrixXd> x(s.room, series[i].rows(), p);
            centre_into(series[i], x, s.mean);
            if (kind == Kind::correlation) {
                // standardize_signal(x, zscore): centred, divided by the population SD (SD < eps -> 1),
                // then the estimator's covariance (centred again) and cov -> corr.
                for (Eigen::Index j = 0; j < x.cols(); ++j) {
                    double sd = std::sqrt(x.col(j).squaredNorm() / double(x.rows()));
                    if (sd < std::numeric_limits<double>::epsilon()) sd = 1.0;
                    x.col(j) /= sd;
                }
                s.mean = x.colwise().sum() / double(x.rows());
                x.rowwise() -= s.mean;
                covariance_into(x, est, m);
                to_correlation(m, 1.0, s.d);
                continue;
            }
            if (kind == Kind::covariance) {
                covariance_into(x, est, m);
                continue;
            }
            // Precision and partial correlation: covariances are symmetric positive definite unless
            // singular; Cholesky (in place), then its inverse, mirrored from the lower half.
            covariance_into(x, est, s.c);
            const Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(s.c);
            if (llt.info() != Eigen::Success)
                throw algia::Error(algia::Kind::invalid_input,
                                   fmt::format("{}: the covariance matrix is singular; precision and partial correlation "
                                               "need it invertible",
                                               names[i]))
                    .hint("use the Ledoit-Wolf estimator (the default), or fewer regions than time points");
            inverse_from_cholesky(s.c, s.w, s.t, m);
            if (kind == Kind::partial_correlation) to_correlation(m, -1.0, s.d);
        }
    });
    by_column_blocks(ctx, p, [&](Eigen::Index j, Eigen::Index w) {  // each element summed in order
        auto block = out.mean.middleCols(j, w);
        block.setZero();
        for (const auto& m : out.matrices) block += m.middleCols(j, w);
        block /= double(n);
    });
    return out;
}

Result connectivity(const std::vector<Eigen::MatrixXd>& series, Kind kind, Estimator est,
                    const std::vector<std::string>& names, const Context& ctx) {
    std::vector<SeriesView> views;
    views.reserve(series.size());
    for (const auto& m : series) views.push_back(view(m));
    std::shared_ptr<double[]> room;
    Result out = connectivity(views, kind, est, names, [&room](std::size_t count) {
        room.reset(new double[count]);
        return room.get();
    }, ctx);
    out.owner = std::move(room);
    return out;
}

}  // namespace algia::connectivity
