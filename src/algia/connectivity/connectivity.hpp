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

#include <cstddef>
#include <functional>
#include <memory>
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

// One participant's time series (time x regions), read-only, in either storage order: a
// column-major Eigen matrix (view) or a C-ordered array such as numpy's (row_major_view). The
// results do not depend on the order.
using SeriesView = Eigen::Map<const Eigen::MatrixXd, Eigen::Unaligned, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>>;
SeriesView view(const Eigen::MatrixXd& m);
SeriesView row_major_view(const double* data, Eigen::Index rows, Eigen::Index cols);

// Room for the results, asked once after the input checks: `count` doubles (n + 1 matrices of
// p x p). Matrix i is written at i p^2, the group mean at n p^2, column-major; every result is
// exactly symmetric, so a row-major reader sees the same matrices.
using Allocate = std::function<double*(std::size_t count)>;

struct Result {
    std::vector<Eigen::Map<Eigen::MatrixXd>> matrices;  // one per participant, in the allocated room
    Eigen::Map<Eigen::MatrixXd> mean{nullptr, 0, 0};     // group mean (geometric mean of covariances for tangent)
    std::shared_ptr<const void> owner;                   // keeps the room alive when connectivity() allocated it
};

// All participants at once (tangent needs the group). `names[i]` names participant i in errors.
// Participants are processed in parallel on ctx's threads; results do not depend on the count.
Result connectivity(const std::vector<SeriesView>& series, Kind kind, Estimator est, const std::vector<std::string>& names,
                    const Allocate& allocate, const Context& ctx = Context());
// The same over Eigen matrices, the results in room the Result owns.
Result connectivity(const std::vector<Eigen::MatrixXd>& series, Kind kind, Estimator est,
                    const std::vector<std::string>& names, const Context& ctx = Context());

// f(A) for a symmetric matrix A, through its eigendecomposition.
Eigen::MatrixXd map_eigenvalues(const Eigen::MatrixXd& sym, double (*fn)(double));

// Fisher's z = atanh(r) off the diagonal (the diagonal is left as is).
Eigen::MatrixXd fisher_z(const Eigen::MatrixXd& r);

}  // namespace algia::connectivity
