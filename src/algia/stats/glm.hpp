#pragma once
// Mass-univariate GLM and permutation inference on plain matrices (rows = observations, columns =
// voxels, edges or measures); images are the caller's business (MRtrix3's stats style).
//   t = c'b / sqrt(s2 c'(X'X)^-1 c), df = n - rank(X)
//   permutations: random sign flips when the design is a single constant column (one-sample),
//   otherwise Freedman-Lane (residuals of the nuisance model permuted, or with symmetric_errors
//   sign-flipped: PALM's -ise, nilearn's scheme for designs with an intercept column; always so when
//   the contrast tests the intercept of a design with covariates, which row permutations cannot
//   change: intercept_flips); permutation k draws from
//   the random stream (seed, k), so results do not depend on the thread count;
//   p = (1 + #{null >= observed}) / (1 + N), uncorrected per column and FWE from the maximum.
//   When N is at least the number of distinct rearrangements minus one (2^units sign flips, the
//   product of the blocks' factorials, or blocks! for whole blocks), every rearrangement but the
//   identity is enumerated instead (exhaustive = true, N = that number - 1), so p is exact.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include "algia/core/context.hpp"

namespace algia::stats {

struct TMap {
    Eigen::VectorXd effect, variance, t;
    double df = 0;
};

TMap glm_t(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::VectorXd& c);

double t_sf(double t, double df);        // P(T > t)
double z_from_p(double p);               // upper-tail z, p clipped to [1e-300, 1)

// Benjamini-Hochberg adjusted p-values (q).
Eigen::VectorXd fdr_bh(const Eigen::VectorXd& p);

// Threshold-free cluster enhancement on values at `voxels` (indices into a grid of `dims`), as
// nilearn/fslmaths: thresholds h = dh, 2dh, ... up to the maximum (dh = max/100), each voxel adds
// size(cluster at h)^E * h^H; connectivity 6 by default (nilearn, and FSL randomise's documented
// default: --tfce_C 6), 18 or 26. Two-sided: positive
// and negative parts enhanced separately (negative values stay negative).
Eigen::VectorXd tfce(const Eigen::VectorXd& values, const std::array<std::int64_t, 3>& dims,
                     const std::vector<std::int64_t>& voxels, int connectivity = 6, bool two_sided = false,
                     double E = 0.5, double H = 2.0);

// Cluster-extent inference (nilearn's permuted_ols conventions): the cluster-forming threshold is an
// uncorrected p turned into t with the t distribution (one-sided t.isf(p, df); two-sided
// t.isf(p/2, df)); clusters are connected sets of voxels with t > threshold (two-sided: also, as
// separate clusters, t < -threshold); size in voxels, mass = sum(|t| - threshold).
double cluster_forming_t(double p, double df, bool two_sided);
// The same for F maps: F.isf(p, df1, df2) (F is one-sided by nature: there is no two-sided form).
double cluster_forming_f(double p, double df1, double df2);

struct Cluster {
    int sign = 1;                       // +1: t > threshold; -1: t < -threshold
    std::int64_t size = 0;              // voxels
    double mass = 0;                    // sum over members of |t| - threshold
    Eigen::Index peak = 0;              // column of the largest |t| (first on ties)
    double peak_value = 0;              // t at the peak
    std::vector<Eigen::Index> members;  // columns, ascending
};

// Clusters of `values` at `voxels` (indices into a grid of `dims`), connectivity 6, 18 or 26;
// ordered positive first, then by decreasing |peak| (as nilearn's get_clusters_table).
std::vector<Cluster> find_clusters(const Eigen::VectorXd& values, const std::array<std::int64_t, 3>& dims,
                                   const std::vector<std::int64_t>& voxels, double threshold, int connectivity = 6,
                                   bool two_sided = false);

struct PermutationOptions {
    int permutations = 5000;
    std::uint64_t seed = 0;
    bool two_sided = false;
    bool tfce = false;
    int tfce_connectivity = 6;
    // Cluster-extent inference when cluster_p > 0 (the cluster-forming uncorrected p).
    double cluster_p = 0;
    int cluster_connectivity = 6;
    std::array<std::int64_t, 3> dims{0, 0, 0};  // for TFCE and clusters
    std::vector<std::int64_t> voxels;           // for TFCE and clusters
    // Exchangeability blocks (one label per observation; empty = all exchangeable): Freedman-Lane
    // permutes rows within blocks; one-sample designs flip the sign of whole blocks. With
    // whole_blocks, blocks (of equal size) are permuted as wholes, rows keeping their order.
    std::vector<std::int64_t> blocks;
    bool whole_blocks = false;
    // Any further maximum statistic of the permuted t vector (e.g. the network-based statistic's
    // largest component); its null distribution is returned in null_max_extra.
    std::function<double(const Eigen::VectorXd&)> extra_max;
    // Freedman-Lane with random sign flips of the nuisance-model residuals instead of permutations
    // (independent symmetric errors, PALM -ise): what nilearn's non_parametric_inference does
    // whenever the design has an intercept column. No effect on one-sample designs (already flips).
    bool symmetric_errors = false;
    // Explicit sign flips (one row of +-1 per permutation; one-sample or symmetric_errors) or row
    // permutations (one row per permutation: observation i takes residual source[i]; Freedman-Lane)
    // instead of random ones: for checking against another tool's exact rearrangements.
    std::vector<std::vector<int>> sign_flips;
    std::vector<std::vector<Eigen::Index>> row_permutations;
};

// Cluster-extent inference of a t or F map (the same code for both): the observed clusters, null
// maxima of size and mass (over both signs when two-sided), FWE p per cluster = (1 + #{null max >=
// observed}) / (1 + N), and per-voxel maps (size, mass, p; 0, 0, 1 outside clusters).
struct ClusterInference {
    double cluster_threshold_t = 0;  // the cluster-forming threshold: t, or F for F contrasts
    std::vector<Cluster> clusters;
    std::vector<double> cluster_p_size_fwe, cluster_p_mass_fwe;  // one per cluster
    std::vector<double> null_max_size, null_max_mass;
    Eigen::VectorXd cluster_size, cluster_mass, p_cluster_size_fwe, p_cluster_mass_fwe;
};

struct PermutationResult : ClusterInference {
    TMap observed;
    Eigen::VectorXd p_uncorrected, p_fwe;
    Eigen::VectorXd tfce, p_tfce_fwe;
    std::vector<double> null_max_t, null_max_tfce;
    std::vector<double> null_max_extra;
    int permutations = 0;
    bool sign_flipping = false, exhaustive = false;
    bool intercept_flips = false;  // the contrast tests the intercept: residuals sign-flipped, not permuted
};

// What permutation k does to n observations (for inspection and tests): observation i of the
// permuted data is sign[i] * (row source[i]) (one-sample), or fitted[i] + residual[source[i]].
struct Rearrangement {
    std::vector<Eigen::Index> source;
    std::vector<int> sign;
    bool exhaustive = false;
    int permutations = 0;  // the number that would be run
};
Rearrangement rearrangement(std::size_t k, Eigen::Index n, bool one_sample, const PermutationOptions& options);

PermutationResult permutation_test(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::VectorXd& c,
                                   const PermutationOptions& options, const Context& ctx);

// F contrasts: C has one row per contrast (q rows, full row rank);
//   F = (CB)' (C (X'X)^-1 C')^-1 (CB) / (q s2), df1 = q, df2 = n - p.
// Permutations as for t (sign flips for one-sample designs, otherwise Freedman-Lane with the
// nuisance space X (I - C'(CC')^-1 C)); FWE from the maximum F; p from the upper tail; with
// cluster_p > 0 (images), cluster-extent inference of the F map at F.isf(cluster_p, df1, df2)
// (options.two_sided does not apply: F has one tail).
struct FMap {
    Eigen::VectorXd F;
    double df1 = 0, df2 = 0;
};

FMap glm_f(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::MatrixXd& C);

double f_sf(double F, double df1, double df2);  // P(F > f)

struct FPermutationResult : ClusterInference {
    FMap observed;
    Eigen::VectorXd p_uncorrected, p_fwe;
    std::vector<double> null_max_f;
    int permutations = 0;
    bool sign_flipping = false, exhaustive = false;
    bool intercept_flips = false;  // the contrast tests the intercept: residuals sign-flipped, not permuted
};

FPermutationResult permutation_test_f(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::MatrixXd& C,
                                      const PermutationOptions& options, const Context& ctx);

// Network-based statistic (Zalesky et al. 2010): edges are the columns of Y, edge e joining nodes
// edges[e].first and .second; supra-threshold edges have t > threshold; connected components of
// the graph they form are scored by extent (number of edges) or, with intensity, by the sum of
// (t - threshold) over their edges; FWE p of each component from the maximum component score of
// each permutation (0 when a permutation has no supra-threshold edge). Two-sided
// (options.two_sided): edges with t < -threshold form their own components (sign -1, intensity the
// sum of |t| - threshold), never mixed with positive edges, as two-sided clusters; each
// permutation's maximum is over the components of both signs.
struct NbsComponent {
    int sign = 1;
    std::vector<Eigen::Index> edges;  // columns of Y
    std::int64_t n_nodes = 0;
    double statistic = 0, p_fwe = 1;
};

struct NbsResult {
    PermutationResult permutation;  // edge t, edge-level FWE, null maxima
    std::vector<NbsComponent> components;  // by decreasing statistic
};

// The components of one t vector (ordered by decreasing statistic, then sign (+ first), then first edge).
std::vector<NbsComponent> nbs_components(const Eigen::VectorXd& t, const std::vector<std::pair<int, int>>& edges, int n_nodes,
                                         double threshold, bool intensity, bool two_sided = false);

NbsResult nbs(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::VectorXd& c,
              const std::vector<std::pair<int, int>>& edges, int n_nodes, double threshold, bool intensity,
              const PermutationOptions& options, const Context& ctx);

}  // namespace algia::stats
