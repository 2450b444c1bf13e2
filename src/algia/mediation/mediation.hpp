#pragma once
// Mediation: X -> M -> Y with covariates C, by ordinary least squares, with bootstrap inference.
//
//   a  (per mediator):  M_j ~ 1 + X + C                       (coefficient of X)
//   b, c' (direct):     Y   ~ 1 + M_1 .. M_k + X + C          (coefficients of M_j and of X)
//   c  (total):         Y   ~ 1 + X + C
//   ab_j = a_j b_j; with k > 1 parallel mediators also ab[total] = sum_j ab_j.
//   Serial chain (two mediators, X -> M1 -> M2 -> Y): a1 (M1 ~ X + C), a2 and d21 (M2 ~ X + M1 + C),
//   b1, b2, c' (Y ~ M1 + M2 + X + C); indirects a1 b1, a2 b2, a1 d21 b2 and their total.
//   pm = ab[total] / c, the proportion mediated (reported, never tested).
//
// Standard errors: OLS (sigma^2 = RSS / (n - p)) for the paths; for the indirect effects the
// first-order delta method over the paths' joint covariance (the Sobel test for one product; paths
// of different equations are uncorrelated, paths of one equation carry their OLS covariance) —
// what lavaan computes for `:=` parameters, with OLS instead of ML variances.
//
// Bootstrap: resample k draws rows from the random stream (seed, k), so results do not depend on the
// thread count. CIs by percentile, bias-corrected (BC) or bias-corrected and accelerated (BCa, with
// the jackknife acceleration); see bootstrap.hpp for the exact definitions.

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "algia/core/context.hpp"

namespace algia::mediation {

enum class Structure { parallel, serial };

struct Data {
    Eigen::VectorXd x;           // n
    Eigen::MatrixXd m;           // n x k mediators
    Eigen::VectorXd y;           // n
    Eigen::MatrixXd covariates;  // n x q (may have 0 columns)
    std::vector<std::string> mediator_names;  // k names (default m1, m2, ...)
};

// The estimated quantities, in a fixed order. `kind` says how each is tested: a path (OLS t test),
// an indirect effect (bootstrap / delta method) or a ratio (not tested).
enum class Quantity { path, indirect, ratio };

struct Parameter {
    std::string name;  // a, b, c', c, ab, a[m1], ab[m1->m2], ab[total], pm, ...
    Quantity kind = Quantity::path;
};

class Model {
public:
    // Checks the data (lengths, finite values, non-constant X and mediators, enough rows) and
    // throws Error(Kind::invalid_input) naming the problem.
    Model(Data data, Structure structure);

    const std::vector<Parameter>& parameters() const noexcept { return parameters_; }
    std::size_t n() const noexcept { return static_cast<std::size_t>(data_.x.size()); }
    std::size_t mediators() const noexcept { return static_cast<std::size_t>(data_.m.cols()); }
    Structure structure() const noexcept { return structure_; }

    // Point estimates of every parameter on the rows `rows` (indices into the data, repeats allowed:
    // a bootstrap resample). Empty = all rows. A resample whose design is singular gives NaN.
    Eigen::VectorXd estimate(const std::vector<std::size_t>& rows = {}) const;

    // OLS / delta-method standard errors on all rows, and residual degrees of freedom of the
    // equation each path comes from (0 for indirect effects and ratios).
    struct Fit {
        Eigen::VectorXd estimate, se, df;
    };
    Fit fit() const;

private:
    Data data_;
    Structure structure_;
    std::vector<Parameter> parameters_;
};

}  // namespace algia::mediation
