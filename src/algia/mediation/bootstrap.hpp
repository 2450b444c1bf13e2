#pragma once
// Bootstrap confidence intervals and p-values for mediation (and any statistic of resampled rows).
//
// Resample r draws n row indices uniformly with replacement from the random stream (seed, r): the
// same seed gives the same resamples on any thread count. Given the B bootstrap values t*_r of a
// statistic whose estimate on the data is t (resamples where the statistic is undefined, e.g. a
// singular design, are dropped and counted):
//   percentile  [Q(alpha/2), Q(1 - alpha/2)], Q with linear interpolation (numpy's default, R type 7);
//               p = max(1/B, 2 min(#{t* <= 0}, #{t* >= 0}) / B) (CanlabCore's mediation.m getstats)
//   BC          z0 = Phi^-1(#{t* < t} / B); bounds Q(Phi(2 z0 + z_{alpha/2})), Q(Phi(2 z0 + z_{1-alpha/2})),
//               Q linear (pingouin's mediation_analysis)
//   BCa         z0 as BC; acceleration a = sum d_i^3 / (6 (sum d_i^2)^(3/2)), d_i = mean(t_(.)) - t_(i) over
//               the jackknife (leave-one-out) values; bounds Q(Phi(z0 + (z0 + z_q) / (1 - a (z0 + z_q))))
//               for q = alpha/2, 1 - alpha/2, Q as MATLAB's prctile (R type 5, "hazen")
//               (CanlabCore's bootbca_ci)
//   p (BC, BCa) the alpha at which the interval's bound reaches 0: with pL = #{t* < 0}/B and
//               pU = #{t* > 0}/B clamped to [1/B, 1 - 1/B], u = Phi^-1(pL) - z0 when pL < pU, else
//               -Phi^-1(pU) - z0; z = (u (1 - a z0) - z0) / (1 + a u); p = 2 min(Phi(z), 1 - Phi(z))
//               (a = 0 for BC). This is CanlabCore's bootbca_pval for positive effects; for negative
//               ones bootbca_pval uses Phi^-1(pU) where the inversion needs -Phi^-1(pU), which
//               misstates p (e.g. 0.0076 for an effect whose BCa interval excludes 0 up to p = 2.7e-5):
//               algia uses the exact inversion for both signs.
// A z0 of +-infinity (every resample on one side of t) is avoided by clamping its share to
// [0.5/B, 1 - 0.5/B].

#include <cstdint>
#include <string>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "algia/core/context.hpp"
#include "algia/mediation/mediation.hpp"

namespace algia::mediation {

enum class CiMethod { percentile, bc, bca };
CiMethod parse_ci_method(const std::string& name);
const char* ci_method_name(CiMethod method);

struct Interval {
    double low = 0, high = 0, p = 0;
};

// The interval and p-value of one statistic. `boot` holds the bootstrap values (any order; values
// that are not finite, from resamples with a singular design, are left out); `jackknife` the
// leave-one-out values (BCa only). `boot` is only read.
Interval bootstrap_interval(std::span<const double> boot, double estimate, const Eigen::VectorXd& jackknife,
                            CiMethod method, double alpha);

// Resample r's row indices: n draws from the stream (seed, r).
std::vector<std::size_t> resample_rows(std::uint64_t seed, std::uint64_t r, std::size_t n);

struct BootstrapOptions {
    int resamples = 10000;
    std::uint64_t seed = 0;
    CiMethod ci = CiMethod::bca;
    double alpha = 0.05;
    // Explicit resamples (row indices) instead of random ones: to check against another tool on
    // exactly the same resamples.
    std::vector<std::vector<std::size_t>> rows;
};

struct BootstrapResult {
    Model::Fit fit;                   // estimates and OLS / delta-method SEs
    std::vector<Interval> intervals;  // one per parameter (NaN for the ratio pm when undefined)
    Eigen::VectorXd boot_se;          // SD of the bootstrap values
    Eigen::VectorXd boot_mean;
    int resamples = 0;                // B
    int failed = 0;                   // resamples with a singular design (dropped)
};

BootstrapResult bootstrap(const Model& model, const BootstrapOptions& options, const Context& ctx);

// Quantile of sorted values, q in [0, 1]: linear = R type 7 (numpy's default), hazen = R type 5
// (MATLAB's prctile: x_(i) at (i - 0.5)/B, clamped to the extremes).
enum class Quantile { linear, hazen };
double quantile_sorted(const std::vector<double>& sorted, double q, Quantile rule = Quantile::linear);

}  // namespace algia::mediation
