#pragma once
// Region time series from a label atlas, as nilearn's NiftiLabelsMasker (0.10.3, strategy
// 'mean', resampling_target 'data'): the atlas is resampled onto the BOLD grid by nearest
// neighbour; labels left with no voxel are dropped (and reported); each region's signal is the
// mean of its voxels in every volume. An optional brain mask removes voxels first.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "algia/core/context.hpp"
#include "algia/image/image.hpp"

namespace algia::io {
class VolumeReader;
}

namespace algia::signal {

// The centroid of every label of a label atlas in mm (voxel centres through the affine), by region
// name: `names` (a label table) where it names the label, else "region<label>".
std::map<std::string, Eigen::Vector3d> label_centroids(const image::Image<float>& atlas,
                                                       const std::map<std::int32_t, std::string>& names);

struct RegionSignals {
    std::vector<std::int32_t> labels;        // ascending, those with >= 1 voxel
    std::vector<std::int64_t> voxels;        // voxels per label
    std::vector<std::int32_t> missing;       // atlas labels with no voxel on this grid (after mask)
    Eigen::MatrixXd signals;                 // volumes x labels
};

// `atlas` may be on any grid (resampled by nearest neighbour when it differs from the BOLD's);
// `mask` (optional, empty image = none) likewise.
RegionSignals label_signals(const image::Image<float>& bold, const image::Image<float>& atlas,
                            const image::Image<float>& mask, const Context& ctx);

// The same, reading the run volume by volume (memory: one volume, not the run); identical values.
RegionSignals label_signals(io::VolumeReader& bold, const image::Image<float>& atlas,
                            const image::Image<float>& mask, const Context& ctx);

}  // namespace algia::signal

namespace algia::signal {

// A sphere around a world coordinate (mm). radius 0 = the nearest voxel only.
struct Sphere {
    double x = 0, y = 0, z = 0, radius = 0;
};

// nilearn NiftiSpheresMasker's voxel sets: voxels (of the mask, if any) whose centre is within
// `radius` (inclusive), plus the voxel nearest to the seed (rounding half to even, as numpy), plus
// nilearn's "voxel containing the seed" rule (integer parts of voxel-centre and seed world
// coordinates equal). An empty sphere is an error naming it.
std::vector<std::vector<std::int64_t>> sphere_voxels(const image::Grid& grid, const std::vector<Sphere>& spheres,
                                                     const std::vector<std::uint8_t>& mask);

// Mean signal of each sphere, per volume (volumes x spheres).
Eigen::MatrixXd sphere_signals(const image::Image<float>& bold, const std::vector<Sphere>& spheres,
                               const image::Image<float>& mask, const Context& ctx);

// nilearn NiftiMapsMasker: each volume regressed on the maps (least squares over the voxels of
// the mask, or all voxels), maps resampled (trilinear) onto the BOLD grid if needed. volumes x maps.
Eigen::MatrixXd maps_signals(const image::Image<float>& bold, const image::Image<float>& maps,
                             const image::Image<float>& mask, const Context& ctx);

// Seed-to-voxel connectivity: the mean signal of each sphere and every mask voxel's signal are
// cleaned alike (`clean`, `confounds`, `kept` as signal::clean takes them), then each voxel's
// Pearson r with each seed, as Fisher z (atanh) when `fisher_z`: one volume per seed on the BOLD's
// grid, 0 outside the mask. A seed whose cleaned signal is constant is an error naming it.
struct CleanOptions;
image::Image<float> seed_maps(const image::Image<float>& bold, const std::vector<Sphere>& spheres,
                              const std::vector<std::string>& seed_names, const image::Image<float>& mask,
                              const Eigen::MatrixXd& confounds, const CleanOptions& clean,
                              const std::vector<std::size_t>& kept, bool fisher_z, const Context& ctx);

// Voxel time series within a mask (volumes x voxels) and the voxel indices used.
Eigen::MatrixXd voxel_signals(const image::Image<float>& bold, const image::Image<float>& mask,
                              std::vector<std::int64_t>& voxels, const Context& ctx);

}  // namespace algia::signal
