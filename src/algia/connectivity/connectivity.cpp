#include "algia/connectivity/connectivity.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include <Eigen/Eigenvalues>
#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"

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

Eigen::MatrixXd covariance(const Eigen::MatrixXd& x_in, Estimator est, double* shrinkage_out) {
    const Eigen::Index n = x_in.rows(), p = x_in.cols();
    const Eigen::MatrixXd x = x_in.rowwise() - x_in.colwise().mean();
    // X'X / n: one symmetric rank-n update (the lower half), mirrored.
    Eigen::MatrixXd emp = Eigen::MatrixXd::Zero(p, p);
    emp.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose(), 1.0 / double(n));
    emp.triangularView<Eigen::StrictlyUpper>() = emp.transpose();
    if (est == Estimator::empirical || p == 1) {
        if (shrinkage_out) *shrinkage_out = 0.0;
        return emp;
    }
    // sklearn.covariance.ledoit_wolf_shrinkage on centred data, without its two extra p x p
    // products: sum((X^2)'X^2) = sum_t (sum_j x_tj^2)^2 and sum((X'X)^2) / n^2 = sum(emp^2).
    const Eigen::VectorXd row_sq = x.array().square().rowwise().sum();
    const Eigen::VectorXd emp_cov_trace = x.array().square().colwise().sum().transpose() / double(n);
    const double mu = emp_cov_trace.sum() / double(p);
    const double beta_ = row_sq.squaredNorm();
    const double delta_ = emp.squaredNorm();
    double beta = 1.0 / (double(p) * double(n)) * (beta_ / double(n) - delta_);
    double delta = delta_ - 2.0 * mu * emp_cov_trace.sum() + double(p) * mu * mu;
    delta /= double(p);
    beta = std::min(beta, delta);
    const double shrinkage = beta == 0 ? 0.0 : beta / delta;
    if (shrinkage_out) *shrinkage_out = shrinkage;
    const double mu_emp = emp.trace() / double(p);
    Eigen::MatrixXd shrunk = (1.0 - shrinkage) * emp;
    shrunk.diagonal().array() += shrinkage * mu_emp;
    return shrunk;
}

Eigen::MatrixXd cov_to_corr(const Eigen::MatrixXd& cov) {
    const Eigen::VectorXd d = cov.diagonal().array().sqrt().inverse();
    Eigen::MatrixXd c = d.asDiagonal() * cov * d.asDiagonal();
    c.diagonal().setOnes();
    return c;
}

namespace {

// V diag(d) V' for symmetric results: the lower half by one triangular product, then mirrored.
Eigen::MatrixXd form_symmetric(const Eigen::MatrixXd& vecs, const Eigen::VectorXd& d) {
    const Eigen::MatrixXd vd = vecs * d.asDiagonal();
    Eigen::MatrixXd r(vecs.rows(), vecs.rows());
    r.triangularView<Eigen::Lower>() = vd * vecs.transpose();
    r.triangularView<Eigen::StrictlyUpper>() = r.transpose();
    return r;
}

// S C S for symmetric S and C: S C in full, then only the lower half of (S C) S.
Eigen::MatrixXd congruence(const Eigen::MatrixXd& s, const Eigen::MatrixXd& c) {
    const Eigen::MatrixXd sc = s * c;
    Eigen::MatrixXd r(s.rows(), s.rows());
    r.triangularView<Eigen::Lower>() = sc * s;
    r.triangularView<Eigen::StrictlyUpper>() = r.transpose();
    return r;
}

}  // namespace

Eigen::MatrixXd map_eigenvalues(const Eigen::MatrixXd& sym, double (*fn)(double)) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(sym);
    Eigen::VectorXd v = es.eigenvalues();
    for (Eigen::Index i = 0; i < v.size(); ++i) v[i] = fn(v[i]);
    return form_symmetric(es.eigenvectors(), v);
}

Eigen::MatrixXd geometric_mean(const std::vector<Eigen::MatrixXd>& mats, int max_iter, double tol, const Context& ctx) {
    Eigen::MatrixXd g = Eigen::MatrixXd::Zero(mats[0].rows(), mats[0].cols());
    for (const auto& m : mats) g += m;
    g /= double(mats.size());
    double norm_old = std::numeric_limits<double>::infinity();
    double step = 1.0;
    for (int it = 0; it < max_iter; ++it) {
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(g);
        const Eigen::VectorXd vals = es.eigenvalues();
        const Eigen::MatrixXd& vecs = es.eigenvectors();
        const Eigen::MatrixXd inv_sqrt = form_symmetric(vecs, vals.array().inverse().sqrt().matrix());
        std::vector<Eigen::MatrixXd> logs(mats.size());
        parallel_for(ctx, mats.size(), 1, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i)
                logs[i] = map_eigenvalues(congruence(inv_sqrt, mats[i]), [](double x) { return std::log(x); });
        });
        Eigen::MatrixXd logs_mean = Eigen::MatrixXd::Zero(g.rows(), g.cols());
        for (const auto& l : logs) logs_mean += l;  // in order: thread-count independent
        logs_mean /= double(mats.size());
        if (!logs_mean.allFinite())
            throw algia::Error(algia::Kind::invalid_input, "the tangent-space mean failed: a matrix is not positive definite")
                .hint("use the Ledoit-Wolf estimator, or drop participants with fewer volumes than regions");
        double norm = logs_mean.norm();
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> el(logs_mean);
        const Eigen::MatrixXd g_sqrt = form_symmetric(vecs, vals.array().sqrt().matrix());
        const Eigen::VectorXd ev = (el.eigenvalues() * step).array().exp();
        g = congruence(g_sqrt, form_symmetric(el.eigenvectors(), ev));
        if (norm < norm_old) {
            norm_old = norm;
        } else if (norm > norm_old) {
            step /= 2.0;
            norm = norm_old;
        }
        if (norm / double(g.size()) < tol) break;
    }
    return g;
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
    std::vector<Eigen::MatrixXd> covs(n);
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
            Eigen::MatrixXd c = covariance(x, est);
            if (kind == Kind::covariance) out.matrices[i] = std::move(c);
            if (kind == Kind::precision) out.matrices[i] = inverse(c, i);
            if (kind == Kind::partial_correlation) {
                Eigen::MatrixXd pc = -cov_to_corr(inverse(c, i));
                pc.diagonal().setOnes();
                out.matrices[i] = std::move(pc);
            }
            if (kind == Kind::tangent) covs[i] = std::move(c);  // only the tangent kind needs them later
        }
    });
    if (kind == Kind::tangent) {
        out.mean = geometric_mean(covs, 30, 1e-7, ctx);
        const Eigen::MatrixXd whitening = map_eigenvalues(out.mean, [](double x) { return 1.0 / std::sqrt(x); });
        parallel_for(ctx, n, 1, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i)
                out.matrices[i] = map_eigenvalues(congruence(whitening, covs[i]), [](double x) { return std::log(x); });
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
