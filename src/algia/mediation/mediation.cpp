#include "algia/mediation/mediation.hpp"

#include <cmath>

#include <Eigen/QR>
#include <fmt/format.h>

#include "algia/core/error.hpp"

namespace algia::mediation {

namespace {

// Least squares of y on the columns of D: coefficients, and optionally the inverse of D'D (for the
// covariance) and the residuals. Returns false when D is rank deficient.
struct Ols {
    Eigen::VectorXd beta, residuals;
    Eigen::MatrixXd inverse;  // (D'D)^-1
    bool ok = false;
};

Ols ols(const Eigen::MatrixXd& D, const Eigen::VectorXd& y, bool want_inverse) {
    Ols out;
    const Eigen::Index p = D.cols();
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(D);
    if (qr.rank() < p || D.rows() <= p) return out;
    out.beta = qr.solve(y);
    out.residuals = y - D * out.beta;
    if (want_inverse) {
        const Eigen::MatrixXd R = qr.matrixR().topLeftCorner(p, p).triangularView<Eigen::Upper>();
        const Eigen::MatrixXd Rinv = R.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(p, p));
        const Eigen::MatrixXd inner = Rinv * Rinv.transpose();
        const auto& P = qr.colsPermutation();
        out.inverse = P * inner * P.transpose();
    }
    out.ok = true;
    return out;
}

bool is_constant(const Eigen::VectorXd& v) {
    return v.size() == 0 || (v.array() == v(0)).all();
}

// Designs of the model's equations on a set of rows.
struct Rows {
    Eigen::VectorXd x, y;
    Eigen::MatrixXd m, c;
};

Rows gather(const Data& d, const std::vector<std::size_t>& rows) {
    Rows r;
    if (rows.empty()) {
        r.x = d.x;
        r.y = d.y;
        r.m = d.m;
        r.c = d.covariates;
        return r;
    }
    const Eigen::Index n = static_cast<Eigen::Index>(rows.size());
    r.x.resize(n);
    r.y.resize(n);
    r.m.resize(n, d.m.cols());
    r.c.resize(n, d.covariates.cols());
    for (Eigen::Index i = 0; i < n; ++i) {
        const Eigen::Index s = static_cast<Eigen::Index>(rows[i]);
        r.x(i) = d.x(s);
        r.y(i) = d.y(s);
        r.m.row(i) = d.m.row(s);
        if (d.covariates.cols() > 0) r.c.row(i) = d.covariates.row(s);  // (an n x 0 block has no data to offset)
    }
    return r;
}

// [1, first..., C]
Eigen::MatrixXd design(const Eigen::MatrixXd& first, const Eigen::MatrixXd& c) {
    Eigen::MatrixXd D(first.rows(), 1 + first.cols() + c.cols());
    D.col(0).setOnes();
    D.middleCols(1, first.cols()) = first;
    D.rightCols(c.cols()) = c;
    return D;
}

// Paths, their covariance (zero across equations except between parallel mediators' a paths, whose
// residuals covary) and residual df, on one set of rows.
struct Paths {
    Eigen::VectorXd value;  // parallel: a_1..a_k, b_1..b_k, c', c ; serial: a1, a2, d21, b1, b2, c', c
    Eigen::MatrixXd cov;
    Eigen::VectorXd df;
    bool ok = true;
};

Paths compute_paths(const Rows& r, Structure structure, bool want_cov) {
    const Eigen::Index n = r.x.size(), k = r.m.cols();
    Paths out;
    const auto fail = [&out](Eigen::Index size) {
        out.value = Eigen::VectorXd::Constant(size, std::nan(""));
        out.ok = false;
        return out;
    };
    if (structure == Structure::parallel) {
        const Eigen::Index P = 2 * k + 2;
        out.value.resize(P);
        out.cov = Eigen::MatrixXd::Zero(P, P);
        out.df = Eigen::VectorXd::Zero(P);
        // a paths: every mediator on [1, X, C].
        const Eigen::MatrixXd Da = design(r.x, r.c);
        Eigen::MatrixXd resid(n, k);
        Eigen::MatrixXd inv_a;
        for (Eigen::Index j = 0; j < k; ++j) {
            Ols f = ols(Da, r.m.col(j), want_cov && j == 0);
            if (!f.ok) return fail(P);
            out.value(j) = f.beta(1);
            resid.col(j) = f.residuals;
            if (j == 0) inv_a = f.inverse;
        }
        const double dfa = double(n - Da.cols());
        if (want_cov) {
            const Eigen::MatrixXd S = resid.transpose() * resid / dfa;
            out.cov.topLeftCorner(k, k) = S * inv_a(1, 1);
            out.df.head(k).setConstant(dfa);
        }
        // b paths and c': Y on [1, M, X, C].
        Eigen::MatrixXd first(n, k + 1);
        first.leftCols(k) = r.m;
        first.col(k) = r.x;
        const Eigen::MatrixXd Dy = design(first, r.c);
        Ols fy = ols(Dy, r.y, want_cov);
        if (!fy.ok) return fail(P);
        out.value.segment(k, k + 1) = fy.beta.segment(1, k + 1);
        if (want_cov) {
            const double dfy = double(n - Dy.cols());
            const double s2 = fy.residuals.squaredNorm() / dfy;
            out.cov.block(k, k, k + 1, k + 1) = s2 * fy.inverse.block(1, 1, k + 1, k + 1);
            out.df.segment(k, k + 1).setConstant(dfy);
        }
        // c: Y on [1, X, C].
        Ols fc = ols(Da, r.y, want_cov);
        if (!fc.ok) return fail(P);
        out.value(P - 1) = fc.beta(1);
        if (want_cov) {
            out.cov(P - 1, P - 1) = fc.residuals.squaredNorm() / dfa * fc.inverse(1, 1);
            out.df(P - 1) = dfa;
        }
        return out;
    }
    // Serial: a1, a2, d21, b1, b2, c', c.
    const Eigen::Index P = 7;
    out.value.resize(P);
    out.cov = Eigen::MatrixXd::Zero(P, P);
    out.df = Eigen::VectorXd::Zero(P);
    const Eigen::MatrixXd Da = design(r.x, r.c);
    const double dfa = double(n - Da.cols());
    Ols f1 = ols(Da, r.m.col(0), want_cov);
    if (!f1.ok) return fail(P);
    out.value(0) = f1.beta(1);
    Eigen::MatrixXd first2(n, 2);
    first2.col(0) = r.x;
    first2.col(1) = r.m.col(0);
    const Eigen::MatrixXd D2 = design(first2, r.c);
    Ols f2 = ols(D2, r.m.col(1), want_cov);
    if (!f2.ok) return fail(P);
    out.value(1) = f2.beta(1);
    out.value(2) = f2.beta(2);
    Eigen::MatrixXd firsty(n, 3);
    firsty.col(0) = r.m.col(0);
    firsty.col(1) = r.m.col(1);
    firsty.col(2) = r.x;
    const Eigen::MatrixXd Dy = design(firsty, r.c);
    Ols fy = ols(Dy, r.y, want_cov);
    if (!fy.ok) return fail(P);
    out.value.segment(3, 3) = fy.beta.segment(1, 3);
    Ols fc = ols(Da, r.y, want_cov);
    if (!fc.ok) return fail(P);
    out.value(6) = fc.beta(1);
    if (want_cov) {
        out.cov(0, 0) = f1.residuals.squaredNorm() / dfa * f1.inverse(1, 1);
        out.df(0) = dfa;
        const double df2 = double(n - D2.cols());
        out.cov.block(1, 1, 2, 2) = f2.residuals.squaredNorm() / df2 * f2.inverse.block(1, 1, 2, 2);
        out.df.segment(1, 2).setConstant(df2);
        const double dfy = double(n - Dy.cols());
        out.cov.block(3, 3, 3, 3) = fy.residuals.squaredNorm() / dfy * fy.inverse.block(1, 1, 3, 3);
        out.df.segment(3, 3).setConstant(dfy);
        out.cov(6, 6) = fc.residuals.squaredNorm() / dfa * fc.inverse(1, 1);
        out.df(6) = dfa;
    }
    return out;
}

// Indirect effects as products of paths: for each, the indices of its factors.
std::vector<std::vector<Eigen::Index>> indirect_terms(Structure structure, Eigen::Index k) {
    std::vector<std::vector<Eigen::Index>> terms;
    if (structure == Structure::parallel) {
        for (Eigen::Index j = 0; j < k; ++j) terms.push_back({j, k + j});
    } else {
        terms = {{0, 3}, {1, 4}, {0, 2, 4}};
    }
    return terms;
}

}  // namespace

Model::Model(Data data, Structure structure) : data_(std::move(data)), structure_(structure) {
    const Eigen::Index n = data_.x.size(), k = data_.m.cols();
    if (data_.y.size() != n || data_.m.rows() != n || data_.covariates.rows() != n)
        throw Error(Kind::invalid_input,
                    fmt::format("X, M, Y and the covariates have different lengths ({}, {}, {}, {})", n,
                                data_.m.rows(), data_.y.size(), data_.covariates.rows()))
            .hint("give one value of each per participant (or per trial)");
    if (k == 0) throw Error(Kind::usage, "mediation needs at least one mediator").hint("add --m COLUMN");
    if (structure_ == Structure::serial && k != 2)
        throw Error(Kind::usage, fmt::format("a serial chain needs exactly two mediators, not {}", k))
            .hint("give --m M1 --m M2 in their causal order");
    if (data_.mediator_names.empty())
        for (Eigen::Index j = 0; j < k; ++j) data_.mediator_names.push_back(fmt::format("m{}", j + 1));
    if (Eigen::Index(data_.mediator_names.size()) != k)
        throw Error(Kind::internal, "mediator names do not match the mediators");
    const auto all_finite = [](const auto& a) { return a.allFinite(); };
    if (!all_finite(data_.x) || !all_finite(data_.y) || !all_finite(data_.m) || !all_finite(data_.covariates))
        throw Error(Kind::invalid_input, "X, M, Y or a covariate has missing or non-finite values")
            .hint("drop incomplete rows first (the command line does this and reports how many)");
    if (is_constant(data_.x))
        throw Error(Kind::invalid_input, "X is constant: it cannot predict anything")
            .hint("check the X column (a single group or a single value?)");
    for (Eigen::Index j = 0; j < k; ++j)
        if (is_constant(data_.m.col(j)))
            throw Error(Kind::invalid_input, fmt::format("the mediator {} is constant", data_.mediator_names[j]))
                .hint("check the mediator column");
    const Eigen::Index p_max = 1 + k + 1 + data_.covariates.cols();  // the Y equation
    if (n <= p_max)
        throw Error(Kind::invalid_input,
                    fmt::format("{} complete rows are too few for {} parameters in the Y equation", n, p_max))
            .hint("mediation needs more observations than parameters (and in practice far more)");
    Paths check = compute_paths(gather(data_, {}), structure_, false);
    if (!check.ok)
        throw Error(Kind::invalid_input, "the design is rank deficient: X, the mediators and the covariates are collinear")
            .hint("drop a covariate that duplicates another, or X");

    const auto& names = data_.mediator_names;
    const bool single = structure_ == Structure::parallel && k == 1;
    const auto tag = [&](const std::string& base, Eigen::Index j) {
        return single ? base : fmt::format("{}[{}]", base, names[j]);
    };
    if (structure_ == Structure::parallel) {
        for (Eigen::Index j = 0; j < k; ++j) parameters_.push_back({tag("a", j), Quantity::path});
        for (Eigen::Index j = 0; j < k; ++j) parameters_.push_back({tag("b", j), Quantity::path});
        parameters_.push_back({"c'", Quantity::path});
        parameters_.push_back({"c", Quantity::path});
        for (Eigen::Index j = 0; j < k; ++j) parameters_.push_back({tag("ab", j), Quantity::indirect});
        if (k > 1) parameters_.push_back({"ab[total]", Quantity::indirect});
    } else {
        parameters_ = {{fmt::format("a[{}]", names[0]), Quantity::path},
                       {fmt::format("a[{}]", names[1]), Quantity::path},
                       {fmt::format("d[{}->{}]", names[0], names[1]), Quantity::path},
                       {fmt::format("b[{}]", names[0]), Quantity::path},
                       {fmt::format("b[{}]", names[1]), Quantity::path},
                       {"c'", Quantity::path},
                       {"c", Quantity::path},
                       {fmt::format("ab[{}]", names[0]), Quantity::indirect},
                       {fmt::format("ab[{}]", names[1]), Quantity::indirect},
                       {fmt::format("ab[{}->{}]", names[0], names[1]), Quantity::indirect},
                       {"ab[total]", Quantity::indirect}};
    }
    parameters_.push_back({"pm", Quantity::ratio});
}

Eigen::VectorXd Model::estimate(const std::vector<std::size_t>& rows) const {
    const Paths paths = compute_paths(gather(data_, rows), structure_, false);
    const Eigen::Index k = data_.m.cols(), P = paths.value.size();
    Eigen::VectorXd out(parameters_.size());
    out.head(P) = paths.value;
    const auto terms = indirect_terms(structure_, k);
    double total = 0;
    Eigen::Index at = P;
    for (const auto& term : terms) {
        double prod = 1;
        for (Eigen::Index i : term) prod *= paths.value(i);
        out(at++) = prod;
        total += prod;
    }
    if (terms.size() > 1) out(at++) = total;
    const double c = paths.value(P - 1);
    out(at++) = total / c;
    return out;
}

Model::Fit Model::fit() const {
    const Paths paths = compute_paths(gather(data_, {}), structure_, true);
    const Eigen::Index k = data_.m.cols(), P = paths.value.size(), Q = Eigen::Index(parameters_.size());
    Fit f;
    f.estimate = estimate();
    f.se = Eigen::VectorXd::Constant(Q, std::nan(""));
    f.df = Eigen::VectorXd::Zero(Q);
    for (Eigen::Index i = 0; i < P; ++i) {
        f.se(i) = std::sqrt(paths.cov(i, i));
        f.df(i) = paths.df(i);
    }
    // Delta method: gradient of each indirect effect (and of their total) over the paths.
    const auto terms = indirect_terms(structure_, k);
    Eigen::VectorXd total_grad = Eigen::VectorXd::Zero(P);
    Eigen::Index at = P;
    for (const auto& term : terms) {
        Eigen::VectorXd g = Eigen::VectorXd::Zero(P);
        for (Eigen::Index i : term) {
            double prod = 1;
            for (Eigen::Index j : term)
                if (j != i) prod *= paths.value(j);
            g(i) += prod;
        }
        f.se(at++) = std::sqrt(g.dot(paths.cov * g));
        total_grad += g;
    }
    if (terms.size() > 1) f.se(at++) = std::sqrt(total_grad.dot(paths.cov * total_grad));
    return f;
}

}  // namespace algia::mediation
