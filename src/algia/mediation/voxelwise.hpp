#pragma once
// Voxelwise mediation (mediation effect parametric mapping, as CanlabCore's mediation_brain): one of
// X, M, Y is an image per participant, the other two are numbers per participant; every voxel gets
// the paths a, b, c', c and the indirect effect ab, OLS standard errors and t-test p-values for the
// paths, and a bootstrap CI and p-value for ab.
//
// Every path of the single-mediator model is a function of six residual inner products: with the
// covariates' design D = [1, C] and row weights W (a bootstrap resample's multiplicities),
// S(u, v) = u'Wv - (D'Wu)'(D'WD)^-1(D'Wv) for u, v in {X, M, Y}; then
//   a = S_XM / S_XX,   c = S_XY / S_XX,   [b, c'] = [[S_MM, S_MX], [S_MX, S_XX]]^-1 [S_MY, S_XY].
// For a batch of resamples the voxel-dependent parts of the six products are one matrix product of
// the weighted scalar variables and design with the images (and of the weights with the squared
// images), so a resample costs a few multiply-adds per voxel and participant, with no copying.
//
// The products of resamples run in single precision by default (see VoxelwiseOptions), on images
// and scalar variables centred on their full-sample means (which leaves every path unchanged).
//
// Adaptive bootstrap: every voxel gets `initial` resamples; voxels whose ab p-value is below
// `adapt_below` get the rest up to `resamples` (the same resamples, in the same order, as every other
// voxel), so small p-values are resolved where they matter. Resample r is the same draw from the
// stream (seed, r) as in the table bootstrap: the result does not depend on the thread count.

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "algia/core/context.hpp"
#include "algia/mediation/bootstrap.hpp"

namespace algia::mediation {

enum class ImageRole { x, m, y };

struct VoxelwiseData {
    ImageRole role = ImageRole::m;
    Eigen::MatrixXd images;      // n participants x V voxels (the image variable)
    Eigen::VectorXd x, m, y;     // n each; the one named by `role` is ignored
    Eigen::MatrixXd covariates;  // n x q
};

struct VoxelwiseOptions {
    int resamples = 10000;
    int initial = 1000;
    double adapt_below = 0.05;  // voxels with p(ab) below this after `initial` resamples get more
    bool bootstrap = true;      // false: paths and OLS tests only
    std::uint64_t seed = 0;
    CiMethod ci = CiMethod::bca;
    double alpha = 0.05;
    // Precision of the resamples' image products: single (default: half the memory traffic and
    // twice the SIMD width; the images are float32 on disk) or double. The point estimates, OLS
    // tests and the jackknife are always double. In single precision ab of a resample carries a
    // relative error of about 1e-6 (images and variables are centred first, so the residual
    // products do not cancel); the bootstrap p and CI differ from double only by that.
    bool single_precision = true;
};

struct VoxelwiseResult {
    // Columns: a, b, c', c, ab (V rows).
    Eigen::MatrixXd effect;
    // OLS standard errors and two-sided t-test p of a, b, c', c; Sobel z-test of ab (columns as effect).
    Eigen::MatrixXd se, p_parametric;
    Eigen::VectorXd ab_p, ab_ci_low, ab_ci_high;  // bootstrap (NaN without bootstrap)
    Eigen::VectorXi resamples;                     // per voxel, after adaptation
    double df_a = 0, df_b = 0;
};

VoxelwiseResult voxelwise_mediation(const VoxelwiseData& data, const VoxelwiseOptions& options,
                                    const Context& ctx);

}  // namespace algia::mediation
