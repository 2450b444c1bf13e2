#pragma once
// Voxelwise first-level model fit as nilearn 0.10.3 `run_glm` + `compute_contrast`:
//   - signal scaling (nilearn's default signal_scaling=0): y -> 100 (y / max(mean(y), 1) - 1), in
//     float32 as nilearn does it on the masker's float32 data;
//   - OLS: beta = pinv(X) y, dispersion = |r|^2 / (n - p), cov = pinv(X) pinv(X)';
//   - AR(1): lag-1 Yule-Walker coefficient of each voxel's OLS residuals after removing the mean
//     of all residuals, truncated onto a 1/100 grid ((int)(rho * 100) / 100); voxels with the same
//     rho are refitted on the whitened model (x_t - rho x_{t-1}, first sample unchanged);
//   - t contrasts: effect c'b, variance c' cov c * dispersion, t = effect / sqrt(max(var, 1e-50));
//     F contrasts: (Cb)' (C cov C')^-1 (Cb) / q / dispersion; p from Student t / F with
//     df = n - rank(X); z from p as nilearn (clip to [1e-300, 1 - 1e-16], the lower tail when z < 0);
//   - several runs: fixed effects as nilearn's Contrast algebra: effects averaged, variances summed
//     and divided by the number of runs squared, degrees of freedom added.
// The voxel loop runs over fixed blocks (per AR bin) with Eigen matrix products: results do not
// depend on the thread count.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "algia/core/context.hpp"

namespace algia::glm {

enum class Noise { ols, ar1 };

// Y is voxels x time (float32, as read: one column per volume); scaled in place.
void mean_scaling(Eigen::MatrixXf& Y);

struct RunFit {
    Eigen::MatrixXd beta;                 // p x V
    Eigen::VectorXd dispersion;           // V
    Eigen::VectorXd rho;                  // V (AR(1) coefficient after binning; 0 for OLS)
    std::vector<int> bin;                 // V, index into cov
    std::vector<Eigen::MatrixXd> cov;     // per bin: normalized covariance of beta (p x p)
    double df_residuals = 0;
};

RunFit fit_run(const Eigen::MatrixXd& X, const Eigen::MatrixXf& Y, Noise noise, const Context& ctx);

// Contrast of one run (or of several, combined); `C` has one row for t, q rows for F.
struct ContrastResult {
    bool is_f = false;
    int dim = 1;
    Eigen::MatrixXd effect;    // dim x V (t: c'b; F: sqrtm((C cov C')^-1) C b as nilearn)
    Eigen::VectorXd variance;  // V
    double dof = 0;
    Eigen::VectorXd stat, p, z;  // filled by finish()
    void finish();
};

ContrastResult run_contrast(const RunFit& fit, const Eigen::MatrixXd& C, bool force_f = false);
// Fixed effects over runs (skipping all-zero contrasts as nilearn); calls finish().
ContrastResult fixed_effects(const std::vector<RunFit>& fits, const std::vector<Eigen::MatrixXd>& contrasts, bool force_f = false);

// nilearn's z_score(p, 1 - p).
double z_from_p(double p, double one_minus_p);

// Parses "a - b" (t, one row), "a - b; c - d" (F, one row per ';'), or a numeric vector
// "[1, 0, -1]" / "1 0 -1" that must have one weight per design column.
Eigen::MatrixXd parse_contrast_rows(const std::string& expr, const std::vector<std::string>& columns);

}  // namespace algia::glm

namespace algia::glm {

// Gaussian smoothing of each volume as nilearn's smooth_img (scipy gaussian_filter1d per axis,
// mode 'reflect', truncate 4, sigma = fwhm / sqrt(8 ln 2) / voxel size; non-finite values -> 0).
void smooth_volumes(float* data, const std::array<std::int64_t, 3>& dims, std::int64_t volumes, const Eigen::Vector3d& voxel_size,
                    double fwhm_mm, const Context& ctx);
// The same in double precision (nilearn smooths float64 arrays in float64, e.g. the EPI mask's mean).
void smooth_volumes(double* data, const std::array<std::int64_t, 3>& dims, std::int64_t volumes, const Eigen::Vector3d& voxel_size,
                    double fwhm_mm, const Context& ctx);

}  // namespace algia::glm

namespace algia::glm {

// Betas of many designs that are all linear maps of one base design: X_i = A M_i (LSS: A is the
// LSA design, M_i sums the other trials of each type). Returns, per design i, the betas of column
// target[i] (rows) for every voxel (columns), with the OLS or AR(1) procedure of fit_run, from
// A'Y and its lag-1 cross products computed once (instead of one pass over the data per design).
Eigen::MatrixXd shared_design_betas(const Eigen::MatrixXd& A, const std::vector<Eigen::MatrixXd>& M,
                                    const std::vector<Eigen::Index>& target, const Eigen::MatrixXf& Y, Noise noise,
                                    const Context& ctx);

}  // namespace algia::glm
