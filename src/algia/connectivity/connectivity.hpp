#pragma once
// Connectivity matrices from region time series (time x regions), as nilearn's
// ConnectivityMeasure (0.10.3) computes them:
//   covariance           LW (or empirical) covariance of the series
//   correlation          the series z-scored (population SD), LW covariance, then cov -> corr:
//                        a *shrunk* correlation, ~0.05 from Pearson with LW (use --estimator
//                        empirical for Pearson's r)
//   precision            inverse of the covariance
//   partial correlation  -cov_to_corr(precision), diagonal 1
//   tangent              whitened by the group's geometric mean G (30 iterations, tol 1e-7):
//                        logm(G^-1/2 C G^-1/2), needs several participants
// Ledoit-Wolf shrinkage is sklearn's (centred data, shrinkage = min(beta, delta) / delta).

#include <string>
#include <vector>

#include <Eigen/Core>

#include "algia/core/context.hpp"

namespace algia::connectivity {

enum class Kind { covariance, correlation, partial_correlation, precision, tangent };
enum class Estimator { ledoit_wolf, empirical };

Kind parse_kind(const std::string& name);
Estimator parse_estimator(const std::string& name);
const char* kind_name(Kind k) noexcept;

// Covariance of the columns of x (rows = samples), centred; returns the LW shrinkage through
// `shrinkage` when asked.
Eigen::MatrixXd covariance(const Eigen::MatrixXd& x, Estimator est, double* shrinkage = nullptr);
Eigen::MatrixXd cov_to_corr(const Eigen::MatrixXd& cov);

struct Result {
    std::vector<Eigen::MatrixXd> matrices;  // one per participant
    Eigen::MatrixXd mean;                   // group mean (geometric mean of covariances for tangent)
};

// All participants at once (tangent needs the group). `name_of(i)` names participant i in errors.
// Participants are processed in parallel on ctx's threads; results do not depend on the count.
Result connectivity(const std::vector<Eigen::MatrixXd>& series, Kind kind, Estimator est,
                    const std::vector<std::string>& names, const Context& ctx = Context());

// f(A) for a symmetric matrix A, through its eigendecomposition.
Eigen::MatrixXd map_eigenvalues(const Eigen::MatrixXd& sym, double (*fn)(double));

// Fisher's z = atanh(r) off the diagonal (the diagonal is left as is).
Eigen::MatrixXd fisher_z(const Eigen::MatrixXd& r);

}  // namespace algia::connectivity
