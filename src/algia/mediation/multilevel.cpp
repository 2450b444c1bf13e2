#include "algia/mediation/multilevel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <Eigen/LU>
#include <Eigen/QR>
#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"

namespace algia::mediation {

namespace {

struct Ols {
    Eigen::VectorXd beta;
    Eigen::MatrixXd V;  // sigma^2 (D'D)^-1
};

// OLS of y on D with the unbiased residual variance; `who` names the participant in errors.
Ols ols(const Eigen::MatrixXd& D, const Eigen::VectorXd& y, const std::string& who, const char* equation) {
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(D);
    if (qr.rank() < D.cols() || D.rows() <= D.cols())
        throw Error(Kind::invalid_input,
                    fmt::format("participant {}: the {} equation cannot be fitted ({} trials for {} coefficients{})", who,
                                equation, D.rows(), D.cols(), qr.rank() < D.cols() ? ", collinear or constant predictors" : ""))
            .hint("every participant needs more trials than coefficients and varying X and M; leave this participant out");
    Ols out;
    out.beta = qr.solve(y);
    const double s2 = (y - D * out.beta).squaredNorm() / double(D.rows() - D.cols());
    out.V = s2 * (D.transpose() * D).inverse();
    return out;
}

// CanlabCore RB_empirical_bayes_params: weights (N x k, columns summing to 1) and sigma2 (k) from the
// participants' coefficient vectors (k x N) and their covariances.
void empirical_bayes(const Eigen::MatrixXd& beta, const std::vector<Eigen::MatrixXd>& V, Eigen::MatrixXd& weights,
                     Eigen::VectorXd& sigma2) {
    const Eigen::Index k = beta.rows(), N = beta.cols();
    const Eigen::VectorXd mean = beta.rowwise().mean();
    const Eigen::MatrixXd centred = beta.colwise() - mean;
    const Eigen::MatrixXd T = centred * centred.transpose() / double(N - 1);
    std::vector<Eigen::MatrixXd> prec(static_cast<std::size_t>(N));
    Eigen::MatrixXd G1 = Eigen::MatrixXd::Zero(k, k);
    Eigen::VectorXd G2 = Eigen::VectorXd::Zero(k);
    for (Eigen::Index i = 0; i < N; ++i) {
        prec[std::size_t(i)] = (T + V[std::size_t(i)]).inverse();
        G1 += prec[std::size_t(i)];
        G2 += prec[std::size_t(i)] * beta.col(i);
    }
    const Eigen::VectorXd gamma = G1.inverse() * G2;
    Eigen::MatrixXd shrunk(k, N);
    const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(k, k);
    for (Eigen::Index i = 0; i < N; ++i) {
        const Eigen::MatrixXd L = T * prec[std::size_t(i)];
        shrunk.col(i) = L * beta.col(i) + (I - L) * gamma;
    }
    const Eigen::MatrixXd sc = shrunk.colwise() - shrunk.rowwise().mean();
    sigma2 = (sc.array().square().rowwise().sum() / double(N - 1)).matrix();
    weights.resize(N, k);
    for (Eigen::Index i = 0; i < N; ++i)
        for (Eigen::Index j = 0; j < k; ++j) weights(i, j) = 1.0 / (sigma2(j) + V[std::size_t(i)](j, j));
    for (Eigen::Index j = 0; j < k; ++j) weights.col(j) /= weights.col(j).sum();
}

}  // namespace

FirstLevel first_level(const Data& data, const std::vector<std::string>& groups, Weighting weighting) {
    const Eigen::Index n = data.x.size(), q = data.covariates.cols();
    if (Eigen::Index(groups.size()) != n) throw Error(Kind::internal, "one group label per row expected");
    if (data.m.cols() != 1) throw Error(Kind::usage, "multilevel mediation takes one mediator").hint("give one --m COLUMN");
    std::vector<std::string> order;
    std::map<std::string, std::vector<Eigen::Index>> rows_of;
    for (Eigen::Index i = 0; i < n; ++i) {
        auto& rows = rows_of[groups[std::size_t(i)]];
        if (rows.empty()) order.push_back(groups[std::size_t(i)]);
        rows.push_back(i);
    }
    const Eigen::Index N = Eigen::Index(order.size());
    if (N < 3)
        throw Error(Kind::invalid_input, fmt::format("multilevel mediation needs at least 3 participants, not {}", N))
            .hint("check the --level2 column");
    FirstLevel out;
    out.participants = order;
    out.paths.resize(N, 5);
    out.se.resize(N, 5);
    out.trials.resize(N);
    Eigen::MatrixXd beta_a(1 + 1 + q, N), beta_b(3, N), beta_c(1 + 1 + q, N);
    std::vector<Eigen::MatrixXd> V_a, V_b, V_c, V_ab;
    for (Eigen::Index g = 0; g < N; ++g) {
        const std::string& id = order[std::size_t(g)];
        const auto& rows = rows_of[id];
        const Eigen::Index t = Eigen::Index(rows.size());
        Eigen::MatrixXd Da(t, 2 + q), Dy(t, 3 + q);
        Eigen::VectorXd m(t), y(t);
        for (Eigen::Index i = 0; i < t; ++i) {
            const Eigen::Index r = rows[std::size_t(i)];
            Da(i, 0) = data.x(r);
            Da(i, 1) = 1;
            if (q > 0) Da.row(i).tail(q) = data.covariates.row(r);
            Dy(i, 0) = data.m(r, 0);
            Dy.row(i).tail(2 + q) = Da.row(i);
            m(i) = data.m(r, 0);
            y(i) = data.y(r);
        }
        const Ols fa = ols(Da, m, id, "M ~ X"), fy = ols(Dy, y, id, "Y ~ M + X"), fc = ols(Da, y, id, "Y ~ X");
        const double a = fa.beta(0), b = fy.beta(0), va = fa.V(0, 0), vb = fy.V(0, 0);
        out.paths.row(g) << a, b, fy.beta(1), fc.beta(0), a * b;
        const double vab = b * b * va + a * a * vb + va * vb;
        out.se.row(g) << std::sqrt(va), std::sqrt(vb), std::sqrt(fy.V(1, 1)), std::sqrt(fc.V(0, 0)), std::sqrt(vab);
        beta_a.col(g) = fa.beta;
        beta_b.col(g) = fy.beta.head(3);
        beta_c.col(g) = fc.beta;
        V_a.push_back(fa.V);
        V_b.push_back(fy.V.topLeftCorner(3, 3));
        V_c.push_back(fc.V);
        V_ab.push_back(Eigen::MatrixXd::Constant(1, 1, vab));
        out.trials(g) = int(t);
    }
    out.weights.resize(N, 5);
    out.sigma2_between = Eigen::VectorXd::Constant(5, std::nan(""));
    if (weighting == Weighting::equal) {
        out.weights.setConstant(1.0 / double(N));
        return out;
    }
    Eigen::MatrixXd w;
    Eigen::VectorXd s2;
    empirical_bayes(beta_a, V_a, w, s2);
    out.weights.col(0) = w.col(0);
    out.sigma2_between(0) = s2(0);
    empirical_bayes(beta_b, V_b, w, s2);
    out.weights.col(1) = w.col(0);
    out.weights.col(2) = w.col(1);
    out.sigma2_between(1) = s2(0);
    out.sigma2_between(2) = s2(1);
    empirical_bayes(beta_c, V_c, w, s2);
    out.weights.col(3) = w.col(0);
    out.sigma2_between(3) = s2(0);
    empirical_bayes(out.paths.col(4).transpose(), V_ab, w, s2);
    out.weights.col(4) = w.col(0);
    out.sigma2_between(4) = s2(0);
    return out;
}

WlsIntercept wls_intercept(const Eigen::VectorXd& y, const Eigen::VectorXd& w) {
    // Q = W^1/2 (I - 1 w'/S) W^-1 = D - u 1'/S with D = diag(w^-1/2), u = w^1/2, S = sum w:
    // tr Q = sum w^-1/2 - sum w^1/2 / S, tr Q^2 = sum 1/w - 2N/S + (sum w^1/2)^2 / S^2.
    const double N = double(y.size()), S = w.sum();
    WlsIntercept out;
    out.estimate = w.dot(y) / S;
    const Eigen::ArrayXd sw = w.array().sqrt();
    const double trQ = (1.0 / sw).sum() - sw.sum() / S;
    const double trQ2 = (1.0 / w.array()).sum() - 2 * N / S + sw.sum() * sw.sum() / (S * S);
    out.df = trQ * trQ / trQ2;
    const double s2 = (w.array() * (y.array() - out.estimate).square()).sum() / out.df;
    out.se = std::sqrt(s2 / S);
    out.t = out.estimate / out.se;
    const boost::math::students_t dist(out.df);
    out.p = std::isfinite(out.t) ? std::max(std::min(1.0, 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(out.t)))),
                                            std::numeric_limits<double>::epsilon())
                                 : std::nan("");
    return out;
}

MultilevelResult multilevel_mediation(const Data& data, const std::vector<std::string>& groups,
                                      const MultilevelOptions& options, const Context& ctx) {
    MultilevelResult out;
    out.names = {"a", "b", "c'", "c", "ab"};
    out.first = first_level(data, groups, options.weighting);
    const FirstLevel& f = out.first;
    const std::size_t N = f.participants.size();
    out.participants = int(N);
    out.estimate.resize(5);
    out.se.resize(5);
    out.stat.resize(5);
    out.df.resize(5);
    out.p_parametric.resize(5);
    for (Eigen::Index p = 0; p < 5; ++p) {
        const WlsIntercept r = wls_intercept(f.paths.col(p), f.weights.col(p));
        out.estimate(p) = r.estimate;
        out.se(p) = r.se;
        out.stat(p) = r.t;
        out.df(p) = r.df;
        out.p_parametric(p) = r.p;
    }
    // Weighted mean of the paths of a multiset of participants, weights renormalised.
    const auto level2 = [&f](const std::vector<std::size_t>& rows) {
        Eigen::VectorXd num = Eigen::VectorXd::Zero(5), den = Eigen::VectorXd::Zero(5);
        for (std::size_t r : rows) {
            const Eigen::Index i = Eigen::Index(r);
            num += f.weights.row(i).cwiseProduct(f.paths.row(i)).transpose();
            den += f.weights.row(i).transpose();
        }
        return Eigen::VectorXd(num.cwiseQuotient(den));
    };
    const bool explicit_rows = !options.rows.empty();
    const std::size_t B = explicit_rows ? options.rows.size() : std::size_t(std::max(0, options.resamples));
    if (B < 1) throw Error(Kind::usage, "the bootstrap needs at least one resample").hint("use --boot 10000");
    for (const auto& rows : options.rows)
        for (std::size_t i : rows)
            if (i >= N || rows.size() != N)
                throw Error(Kind::invalid_input, "an explicit resample has the wrong length or an index out of range");
    Eigen::MatrixXd samples(Eigen::Index(B), 5);
    parallel_for(ctx, B, 64, [&](std::size_t r0, std::size_t r1) {
        for (std::size_t r = r0; r < r1; ++r)
            samples.row(Eigen::Index(r)) = level2(explicit_rows ? options.rows[r] : resample_rows(options.seed, r, N)).transpose();
    });
    Eigen::MatrixXd jack(Eigen::Index(N), 5);
    for (std::size_t i = 0; i < N; ++i) {
        std::vector<std::size_t> rows;
        for (std::size_t j = 0; j < N; ++j)
            if (j != i) rows.push_back(j);
        jack.row(Eigen::Index(i)) = level2(rows).transpose();
    }
    out.resamples = int(B);
    out.boot_se.resize(5);
    for (Eigen::Index p = 0; p < 5; ++p) {
        const double m = samples.col(p).mean();
        out.boot_se(p) = std::sqrt((samples.col(p).array() - m).square().sum() / double(B > 1 ? B - 1 : 1));
        out.intervals.push_back(bootstrap_interval(std::span<const double>(samples.col(p).data(), std::size_t(samples.rows())), out.estimate(p), Eigen::VectorXd(jack.col(p)), options.ci, options.alpha));
    }
    return out;
}

}  // namespace algia::mediation
