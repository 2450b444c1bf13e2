#pragma once
// Multilevel (two-level) mediation as CanlabCore's mediation toolbox (mediation.m, multilevel
// default): trial-level data nested in participants.
//   Level 1, per participant, OLS (sigma^2 = RSS / (n - p)): a from M ~ X + 1 + C; b, c' from
//   Y ~ M + X + 1 + C; c from Y ~ X + 1 + C; ab_i = a_i b_i with variance
//   b^2 var(a) + a^2 var(b) + var(a) var(b) (mediation_path_coefficients.m).
//   Level 2: each path's population effect is the weighted mean sum_i w_i p_i with weights summing to
//   one: equal (1/N), or CanlabCore's empirical-Bayes weights (RB_empirical_bayes_params): per
//   equation the participants' coefficient vectors beta_i (the path with the intercept and
//   covariates; b and c' together) with their OLS covariances V_i, T = cov(beta) across
//   participants, gamma = (sum (T+V_i)^-1)^-1 sum (T+V_i)^-1 beta_i, shrunken
//   beta*_i = T (T+V_i)^-1 beta_i + (I - T (T+V_i)^-1) gamma, sigma2 = var(beta*) per path, and
//   w_i proportional to 1 / (sigma2 + V_i[path, path]). The population ab is the weighted mean of the
//   products a_i b_i with ab's own weights (so it carries cov(a, b) across participants).
//   Parametric test: weighted least squares on an intercept with Satterthwaite df
//   tr(Q)^2 / tr(Q^2), Q = W^1/2 (I - 1 (1'W1)^-1 1'W) W^-1 (CanlabCore GLScalc).
//   Bootstrap over participants (resample r from the stream (seed, r)): the weights are computed once
//   on all participants and renormalised within each resample (CanlabCore does not renormalise;
//   algia does, so a resample's estimate is a weighted mean). CIs and p as bootstrap.hpp.

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "algia/core/context.hpp"
#include "algia/mediation/bootstrap.hpp"
#include "algia/mediation/mediation.hpp"

namespace algia::mediation {

enum class Weighting { equal, empirical_bayes };

struct MultilevelOptions {
    int resamples = 10000;
    std::uint64_t seed = 0;
    CiMethod ci = CiMethod::bca;
    double alpha = 0.05;
    Weighting weighting = Weighting::empirical_bayes;
    // Explicit resamples of participants (indices in order of first appearance).
    std::vector<std::vector<std::size_t>> rows;
};

struct FirstLevel {
    std::vector<std::string> participants;  // in order of first appearance
    Eigen::MatrixXd paths;                  // participants x 5: a, b, c', c, ab
    Eigen::MatrixXd se;                     // participants x 5
    Eigen::MatrixXd weights;                // participants x 5, each column sums to 1
    Eigen::VectorXd sigma2_between;         // 5 (empirical Bayes; NaN for equal weights)
    Eigen::VectorXi trials;
};

// Level 1 for every participant (one mediator; covariates are trial-level) and the level-2 weights.
FirstLevel first_level(const Data& data, const std::vector<std::string>& groups, Weighting weighting);

// Weighted least squares on an intercept (CanlabCore GLScalc): estimate, SE, t, Satterthwaite df, p.
struct WlsIntercept {
    double estimate = 0, se = 0, t = 0, df = 0, p = 0;
};
WlsIntercept wls_intercept(const Eigen::VectorXd& y, const Eigen::VectorXd& w);

struct MultilevelResult {
    std::vector<std::string> names;  // a, b, c', c, ab
    Eigen::VectorXd estimate, se, stat, df, p_parametric, boot_se;
    std::vector<Interval> intervals;
    FirstLevel first;
    int participants = 0, resamples = 0;
};

MultilevelResult multilevel_mediation(const Data& data, const std::vector<std::string>& groups,
                                      const MultilevelOptions& options, const Context& ctx);

}  // namespace algia::mediation
