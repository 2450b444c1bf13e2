#pragma once
// Linear mixed models with one grouping factor, as lme4's lmer + lmerTest:
//   "pain ~ arm * visit + age + (1 | id)"      random intercept per id
//   "Reaction ~ Days + (Days | Subject)"       correlated random intercept and slope
//   "y ~ x + (1 + x | g)", "(0 + x | g)"       same / slope only
// lme4's formulation: b = Lambda(theta) u, u ~ N(0, sigma^2 I), Lambda block diagonal with one lower
// triangular q x q block T(theta) per group (theta = T's lower triangle, column by column). For a
// given theta the penalized least squares problem is solved by the Cholesky factor of
// Lambda'Z'Z Lambda + I, which for one grouping factor is block diagonal (one q x q block per group):
// each deviance evaluation costs O(groups q^2 p) from per-group sufficient statistics. beta and sigma
// are profiled out; theta minimizes the profiled REML criterion or ML deviance (Nelder-Mead with
// restarts, then Newton steps on finite differences). The deviance depends on theta only through
// T T', so the optimization runs unconstrained and T's columns are flipped to a non-negative diagonal
// afterwards (lme4's bound theta_diag >= 0); a diagonal below 1e-4 is a singular (boundary) fit, as
// lme4's isSingular.
// Inference as lmerTest: Satterthwaite df from the Jacobian of cov(beta) = sigma^2 (RX'RX)^-1 and the
// Hessian of the deviance, both in the parametrization (theta, sigma), computed with numDeriv's
// Richardson finite differences (same steps); Type III F tests with lmerTest's contrasts (treatment
// coding, orthogonalized against containing terms); estimated marginal means over a reference grid
// (factors balanced, numeric covariates at their mean), as emmeans.

#include <string>
#include <vector>

#include <Eigen/Core>

#include "algia/core/context.hpp"
#include "algia/io/tsv.hpp"

namespace algia::trial {

struct LmmOptions {
    bool reml = true;
    // Threads for the per-group sums (results are identical on any number of threads); none: one.
    const Context* context = nullptr;
};

struct LmmTerm {
    std::string name;                   // "arm", "arm:visit", "age"
    std::vector<std::string> variables;  // "arm", "visit"
    std::vector<std::size_t> columns;    // columns of X
};

struct ContrastResult {
    double estimate = 0, se = 0, df = 0, t = 0, p = 1;
};

struct FTestResult {
    std::string term;
    double sum_sq = 0, mean_sq = 0, num_df = 0, den_df = 0, F = 0, p = 1;
};

struct LmmFit {
    std::string formula, response, group;
    std::string fixed;  // the fixed-effects part of the formula ("arm * visit + age")
    std::vector<std::string> random_effects;  // "(Intercept)", "Days"
    std::vector<std::string> columns;         // fixed-effect columns, lme4's order
    std::vector<LmmTerm> terms;
    bool intercept = true, reml = true;
    std::size_t n_obs = 0, n_groups = 0;
    Eigen::MatrixXd X;  // fixed-effect design (used rows)
    std::vector<std::string> variables;       // fixed-formula variables
    std::vector<bool> variable_numeric;
    std::vector<std::vector<std::string>> variable_levels;  // sorted levels for categorical ones
    std::vector<double> variable_mean;                      // mean over used rows for numeric ones
    std::vector<Eigen::VectorXd> variable_values;           // used rows: the value, or the level's index

    Eigen::VectorXd beta, se, df, t, p;
    Eigen::MatrixXd vcov_beta;
    Eigen::VectorXd theta;
    double sigma = 0;
    Eigen::VectorXd re_sd;    // standard deviation of each random effect
    Eigen::MatrixXd re_corr;  // their correlations
    double criterion = 0;     // REML criterion or ML deviance (-2 log-likelihood)
    double loglik = 0, aic = 0, bic = 0;
    bool singular = false, converged = false;
    int evaluations = 0;
    std::string message;  // convergence / singularity note

    // lmerTest's Satterthwaite ingredients.
    Eigen::MatrixXd vcov_varpar;         // 2 * H^-1 of the deviance in (theta, sigma)
    std::vector<Eigen::MatrixXd> jac;    // d cov(beta) / d varpar_k
    Eigen::VectorXd hessian_eigenvalues;
};

// Fits `formula` to the table's rows that have every used column (rows with n/a are dropped, as
// lme4's na.omit). Errors name the table and column for unknown columns, a non-numeric response,
// a grouping factor with one level, too few observations.
LmmFit fit_lmm(const io::Table& table, const std::string& formula, const LmmOptions& options = {});

// t test of L'beta = 0 with Satterthwaite df (lmerTest's contest1D).
ContrastResult contest1d(const LmmFit& fit, const Eigen::VectorXd& L);
// F test of L beta = 0 (rows of L) with Satterthwaite denominator df (lmerTest's contestMD).
FTestResult contest_md(const LmmFit& fit, const Eigen::MatrixXd& L);
// lmerTest's anova(type = 3) (type 1 contrasts when the model has at most one term).
std::vector<Eigen::MatrixXd> type3_contrasts(const LmmFit& fit);
std::vector<FTestResult> anova_type3(const LmmFit& fit);

struct EmmRow {
    std::vector<std::string> levels;  // one per spec factor
    ContrastResult result;
};
struct Emmeans {
    std::vector<std::string> factors;
    std::vector<EmmRow> means;
    // Each level of the first factor minus its first level, within each combination of the others.
    std::vector<std::string> contrast_labels;  // "treatment - control"
    std::vector<EmmRow> contrasts;             // levels = the other factors' levels
    Eigen::MatrixXd L_means, L_contrasts;
};
// spec "arm:visit" (categorical variables of the fixed formula).
Emmeans emmeans(const LmmFit& fit, const std::string& spec);

}  // namespace algia::trial
