#include "algia/connectivity/connectivity.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
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

// A covariance as the estimators build it: C = scale X'X + ridge I, with X the centred series.
struct Parts {
    Eigen::MatrixXd x;  // centred series (time x regions)
    double scale = 0.0, ridge = 0.0, shrinkage = 0.0;
};

Parts covariance_parts(const Eigen::MatrixXd& x_in, Estimator est) {
    const Eigen::Index n = x_in.rows(), p = x_in.cols();
    Parts out;
    out.x = x_in.rowwise() - x_in.colwise().mean();
    const Eigen::MatrixXd& x = out.x;
    out.scale = 1.0 / double(n);
    if (est == Estimator::empirical || p == 1) return out;
    // sklearn.covariance.ledoit_wolf_shrinkage on centred data, without its p x p products:
    // sum((X^2)'X^2) = sum_t (sum_j x_tj^2)^2, sum((X'X)^2) / n^2 = sum(emp^2) and
    // sum(emp^2) = sum((X X')^2) / n^2 (the smaller of the two Gram matrices).
    const Eigen::VectorXd row_sq = x.array().square().rowwise().sum();
    const Eigen::VectorXd emp_cov_trace = x.array().square().colwise().sum().transpose() / double(n);
    const double mu = emp_cov_trace.sum() / double(p);
    const double beta_ = row_sq.squaredNorm();
    Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(std::min(n, p), std::min(n, p));
    if (n <= p)
        gram.selfadjointView<Eigen::Lower>().rankUpdate(x, 1.0 / double(n));
    else
        gram.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose(), 1.0 / double(n));
    double delta_ = -gram.diagonal().squaredNorm();  // sum of squares of the symmetric gram from its lower half
    for (Eigen::Index j = 0; j < gram.cols(); ++j) delta_ += 2.0 * gram.col(j).tail(gram.rows() - j).squaredNorm();
    double beta = 1.0 / (double(p) * double(n)) * (beta_ / double(n) - delta_);
    double delta = delta_ - 2.0 * mu * emp_cov_trace.sum() + double(p) * mu * mu;
    delta /= double(p);
    beta = std::min(beta, delta);
    out.shrinkage = beta == 0 ? 0.0 : beta / delta;
    // (1 - shrinkage) emp + shrinkage * trace(emp) / p * I; trace(emp) / p is mu.
    out.scale = (1.0 - out.shrinkage) / double(n);
    out.ridge = out.shrinkage * mu;
    return out;
}

// scale X'X + ridge I, the lower half by one symmetric rank update, mirrored.
Eigen::MatrixXd assemble(const Parts& c) {
    const Eigen::Index p = c.x.cols();
    Eigen::MatrixXd m = Eigen::MatrixXd::Zero(p, p);
    m.selfadjointView<Eigen::Lower>().rankUpdate(c.x.transpose(), c.scale);
    m.diagonal().array() += c.ridge;
    m.triangularView<Eigen::StrictlyUpper>() = m.transpose();
    return m;
}

}  // namespace

Eigen::MatrixXd covariance(const Eigen::MatrixXd& x_in, Estimator est, double* shrinkage_out) {
    const Parts c = covariance_parts(x_in, est);
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
// mirrored. `vd` is scratch of the same size.
void form_symmetric(const Eigen::MatrixXd& vecs, const Eigen::VectorXd& d, Eigen::MatrixXd& vd, Eigen::MatrixXd& out) {
    vd.noalias() = vecs * d.asDiagonal();
    out.resize(vecs.rows(), vecs.rows());
    out.triangularView<Eigen::Lower>() = vd * vecs.transpose();
    out.triangularView<Eigen::StrictlyUpper>() = out.transpose();
}

// Per-thread scratch of the tangent computation: the eigensolver keeps its storage between
// calls, so the hot loop allocates nothing (fresh pages are what costs on some machines).
struct Workspace {
    explicit Workspace(Eigen::Index p) : es(p), vd(p, p), tmp(p, p) {}
    linalg::SymmetricEigen es;
    Eigen::VectorXd vals;
    Eigen::MatrixXd vd, tmp, y;
};

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
    Eigen::Index dim() const { return parts_[0].x.cols(); }
    bool any_factored() const {
        for (std::size_t i = 0; i < size(); ++i)
            if (factored(i)) return true;
        return false;
    }
    // The arithmetic mean, accumulated participant by participant in order.
    Eigen::MatrixXd mean() const {
        const Eigen::Index p = dim();
        Eigen::MatrixXd m = Eigen::MatrixXd::Zero(p, p);
        double ridge = 0.0;
        for (std::size_t i = 0; i < size(); ++i) {
            m.selfadjointView<Eigen::Lower>().rankUpdate(parts_[i].x.transpose(), parts_[i].scale);
            ridge += parts_[i].ridge;
        }
        m.diagonal().array() += ridge;
        m /= double(size());
        m.triangularView<Eigen::StrictlyUpper>() = m.transpose();
        return m;
    }
    // out = F C_i F' (fft = F F', needed only for factored covariances).
    void whiten(std::size_t i, const Eigen::MatrixXd& f, const Eigen::MatrixXd& fft, Workspace& ws, Eigen::MatrixXd& out) const {
        const Eigen::Index p = dim();
        out.resize(p, p);
        if (factored(i)) {
            const Parts& c = parts_[i];
            ws.y.noalias() = c.x * f.transpose();
            out.triangularView<Eigen::Lower>() = c.ridge * fft;
            out.selfadjointView<Eigen::Lower>().rankUpdate(ws.y.transpose(), c.scale);
        } else {
            ws.tmp.noalias() = f * full_[i];
            out.triangularView<Eigen::Lower>() = ws.tmp * f.transpose();
        }
        out.triangularView<Eigen::StrictlyUpper>() = out.transpose();
    }

private:
    bool factored(std::size_t i) const { return parts_[i].x.rows() < parts_[i].x.cols(); }
    std::vector<Parts> parts_;
    std::vector<Eigen::MatrixXd> full_;
};

// m <- f(m) through the eigendecomposition (m symmetric), in place.
void map_in_place(Eigen::MatrixXd& m, double (*fn)(double), Workspace& ws) {
    ws.es.compute(m);
    ws.vals = ws.es.eigenvalues();
    for (Eigen::Index k = 0; k < ws.vals.size(); ++k) ws.vals[k] = fn(ws.vals[k]);
    form_symmetric(ws.es.eigenvectors(), ws.vals, ws.vd, m);
}

double log_fn(double x) { return std::log(x); }

// G^-1/2 and G^-1 from one eigendecomposition of G.
void inverse_roots(const Eigen::MatrixXd& g, Workspace& ws, Eigen::MatrixXd& inv_sqrt, Eigen::MatrixXd* inv) {
    ws.es.compute(g);
    form_symmetric(ws.es.eigenvectors(), ws.es.eigenvalues().array().inverse().sqrt().matrix(), ws.vd, inv_sqrt);
    if (inv) form_symmetric(ws.es.eigenvectors(), ws.es.eigenvalues().array().inverse().matrix(), ws.vd, *inv);
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
// `logs` (one matrix per participant) is scratch: the caller's output matrices, so that their memory
// is touched once.
Eigen::MatrixXd geometric_mean(const Covariances& covs, int max_iter, double tol, Workspaces& workspaces,
                               std::vector<Eigen::MatrixXd>& logs, const Context& ctx) {
    const Eigen::Index p = covs.dim();
    const bool need_fft = covs.any_factored();
    Eigen::MatrixXd g = covs.mean();
    const Eigen::LLT<Eigen::MatrixXd> llt(g);
    if (llt.info() != Eigen::Success)
        throw algia::Error(algia::Kind::invalid_input, "the tangent-space mean failed: the mean covariance is not positive definite")
            .hint("use the Ledoit-Wolf estimator, or drop participants with fewer volumes than regions");
    Eigen::MatrixXd b = llt.matrixL();
    Eigen::MatrixXd f = llt.matrixL().solve(Eigen::MatrixXd::Identity(p, p));
    Workspace& main = workspaces.local();
    Eigen::MatrixXd fft(p, p), logs_mean(p, p), e(p, p), e_inv(p, p);
    logs.resize(covs.size());
    double norm_old = std::numeric_limits<double>::infinity();
    double step = 1.0;
    for (int it = 0; it < max_iter; ++it) {
        if (need_fft) {
            fft.triangularView<Eigen::Lower>() = f * f.transpose();
            fft.triangularView<Eigen::StrictlyUpper>() = fft.transpose();
        }
        parallel_for(ctx, covs.size(), 1, [&](std::size_t begin, std::size_t end) {
            Workspace& ws = workspaces.local();
            for (std::size_t i = begin; i < end; ++i) {
                covs.whiten(i, f, fft, ws, logs[i]);
                map_in_place(logs[i], log_fn, ws);
            }
        });
        logs_mean.setZero();
        for (const auto& l : logs) logs_mean += l;  // in order: thread-count independent
        logs_mean /= double(covs.size());
        if (!logs_mean.allFinite())
            throw algia::Error(algia::Kind::invalid_input, "the tangent-space mean failed: a matrix is not positive definite")
                .hint("use the Ledoit-Wolf estimator, or drop participants with fewer volumes than regions");
        double norm = logs_mean.norm();
        main.es.compute(logs_mean);
        const Eigen::ArrayXd half = main.es.eigenvalues().array() * (step / 2.0);
        form_symmetric(main.es.eigenvectors(), half.exp().matrix(), main.vd, e);
        form_symmetric(main.es.eigenvectors(), (-half).exp().matrix(), main.vd, e_inv);
        main.tmp.noalias() = b * e;
        b.swap(main.tmp);
        main.tmp.noalias() = e_inv * f;
        f.swap(main.tmp);
        if (norm < norm_old) {
            norm_old = norm;
        } else if (norm > norm_old) {
            step /= 2.0;
            norm = norm_old;
        }
        if (norm / double(g.size()) < tol) break;
    }
    g.triangularView<Eigen::Lower>() = b * b.transpose();
    g.triangularView<Eigen::StrictlyUpper>() = g.transpose();
    return g;
}

}  // namespace

Eigen::MatrixXd map_eigenvalues(const Eigen::MatrixXd& sym, double (*fn)(double)) {
    Workspace ws(sym.rows());
    Eigen::MatrixXd m = sym;
    map_in_place(m, fn, ws);
    return m;
}

Eigen::MatrixXd fisher_z(const Eigen::MatrixXd& r) {
    Eigen::MatrixXd z = r;
    for (Eigen::Index i = 0; i < r.rows(); ++i)
        for (Eigen::Index j = 0; j < r.cols(); ++j)
            if (i != j) z(i, j) = std::atanh(std::max(-1.0, std::min(1.0, r(i, j))));
    return z;
}

Result connectivity(const std::vector<Eigen::MatrixXd>& series, Kind kind, Estimator est,
                    const std::vector<std::string>& names, const Context& ctx) {
    if (series.empty()) throw algia::Error(algia::Kind::usage, "no time series given");
    const Eigen::Index p = series[0].cols();
    for (std::size_t i = 0; i < series.size(); ++i) {
        if (series[i].cols() != p)
            throw algia::Error(algia::Kind::invalid_input,
                               fmt::format("{}: has {} regions but {} has {}", names[i], series[i].cols(), names[0], p))
                .hint("extract every participant with the same atlas");
        if (series[i].rows() < 2)
            throw algia::Error(algia::Kind::invalid_input, fmt::format("{}: fewer than 2 time points", names[i]));
        if (!series[i].allFinite())
            throw algia::Error(algia::Kind::invalid_input, fmt::format("{}: contains n/a or infinite values", names[i]))
                .hint("re-extract the time series; a region with no voxels gives n/a");
    }
    if (kind == Kind::tangent && series.size() < 2)
        throw algia::Error(algia::Kind::usage, "the tangent kind needs several participants (it is relative to the group mean)")
            .hint("pass all participants' time series to one `algia connect` call");
    Result out;
    const std::size_t n = series.size();
    std::vector<Parts> parts(kind == Kind::tangent ? n : 0);
    out.matrices.resize(n);
    auto inverse = [&](const Eigen::MatrixXd& c, std::size_t i) {
        // Covariances are symmetric positive definite unless singular: Cholesky, then its inverse.
        Eigen::LLT<Eigen::MatrixXd> llt(c);
        if (llt.info() != Eigen::Success)
            throw algia::Error(algia::Kind::invalid_input,
                               fmt::format("{}: the covariance matrix is singular; precision and partial correlation "
                                           "need it invertible",
                                           names[i]))
                .hint("use the Ledoit-Wolf estimator (the default), or fewer regions than time points");
        return Eigen::MatrixXd(llt.solve(Eigen::MatrixXd::Identity(c.rows(), c.cols())));
    };
    parallel_for(ctx, n, 1, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            const auto& x = series[i];
            if (kind == Kind::correlation) {
                // standardize_signal(x, zscore): centred, divided by the population SD (SD < eps -> 1).
                Eigen::MatrixXd z = x.rowwise() - x.colwise().mean();
                for (Eigen::Index j = 0; j < z.cols(); ++j) {
                    double sd = std::sqrt(z.col(j).squaredNorm() / double(z.rows()));
                    if (sd < std::numeric_limits<double>::epsilon()) sd = 1.0;
                    z.col(j) /= sd;
                }
                out.matrices[i] = cov_to_corr(covariance(z, est));
                continue;
            }
            if (kind == Kind::tangent) {  // whitened from its parts later
                parts[i] = covariance_parts(x, est);
                continue;
            }
            Eigen::MatrixXd c = covariance(x, est);
            if (kind == Kind::covariance) out.matrices[i] = std::move(c);
            if (kind == Kind::precision) out.matrices[i] = inverse(c, i);
            if (kind == Kind::partial_correlation) {
                Eigen::MatrixXd pc = -cov_to_corr(inverse(c, i));
                pc.diagonal().setOnes();
                out.matrices[i] = std::move(pc);
            }
        }
    });
    if (kind == Kind::tangent) {
        const Covariances covs(std::move(parts));
        Workspaces workspaces([p] { return Workspace(p); });
        out.mean = geometric_mean(covs, 30, 1e-7, workspaces, out.matrices, ctx);
        // nilearn: whitening_ = G^-1/2, then logm(whitening_ C whitening_) per participant.
        Eigen::MatrixXd whitening(p, p), s2(p, p);
        inverse_roots(out.mean, workspaces.local(), whitening, covs.any_factored() ? &s2 : nullptr);
        parallel_for(ctx, n, 1, [&](std::size_t b, std::size_t e) {
            Workspace& ws = workspaces.local();
            for (std::size_t i = b; i < e; ++i) {
                covs.whiten(i, whitening, s2, ws, out.matrices[i]);
                map_in_place(out.matrices[i], log_fn, ws);
            }
        });
        return out;
    }
    out.mean = Eigen::MatrixXd::Zero(p, p);
    for (const auto& m : out.matrices) out.mean += m;
    out.mean /= double(out.matrices.size());
    out.mean = 0.5 * (out.mean + out.mean.transpose()).eval();
    return out;
}

}  // namespace algia::connectivity
