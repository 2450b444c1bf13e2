#pragma once
// Region measures of 3D/4D maps (grey-matter probability or modulated maps, contrast maps, seed
// maps): the mean, median or sum of each atlas region or sphere, or its volume (sum of the voxel
// values x voxel volume, in mL). Mean, median and sum are those of nilearn 0.10.3's
// NiftiLabelsMasker (strategy 'mean'/'median'/'sum', scipy.ndimage reductions; non-finite voxel
// values count as 0, as nilearn's ensure_finite does).
//
// Regions are defined once (an atlas, spheres, a mask) and placed on each grid met:
//   - by default on the image's own grid: the atlas and the mask are resampled onto it by nearest
//     neighbour (nilearn's resampling_target='data');
//   - or, with images resampled onto the atlas grid (trilinear), on the atlas grid, keeping only
//     the voxels inside the image's field of view (outside it a resampled image is 0, not data).

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "algia/core/context.hpp"
#include "algia/image/image.hpp"
#include "algia/signal/regions.hpp"

namespace algia::roi {

enum class Stat { mean, median, sum, volume };
Stat parse_stat(const std::string& name);
std::string stat_name(Stat stat);

struct RegionDefinition {
    image::Image<float> atlas;             // 3D label image; empty = no atlas
    std::vector<std::int32_t> labels;      // the atlas's labels, ascending (from atlas_labels)
    std::vector<signal::Sphere> spheres;   // after the atlas regions
    image::Image<float> mask;              // empty = no mask
    std::size_t size() const { return labels.size() + spheres.size(); }
};

// The labels of a 3D label atlas (finite non-zero values, which must be non-negative integers).
// A 4D atlas or a non-integer value is an error naming `name`.
std::vector<std::int32_t> atlas_labels(const image::Image<float>& atlas, const std::string& name);

// The voxels (ascending indices on `grid`) of every region, atlas labels first, then spheres.
// `field_of_view`, when not empty, keeps only voxels whose centre maps inside that grid (the
// grid the data came from before being resampled onto `grid`). A region may have no voxel.
struct Regions {
    image::Grid grid;
    std::vector<std::vector<std::int64_t>> voxels;
    std::int64_t total() const;
    std::vector<std::int64_t> counts() const;
};
Regions place_regions(const RegionDefinition& def, const image::Grid& grid, const image::Grid* field_of_view,
                      const Context& ctx);

// Voxel volume of a grid in mL (|det| of the affine's 3x3 part / 1000).
double voxel_ml(const image::Grid& grid);

// The statistic of each region in each volume of `img` (which must be on regions.grid):
// volumes x regions; NaN for a region with no voxel.
Eigen::MatrixXd region_stats(const image::Image<float>& img, const Regions& regions, Stat stat);

}  // namespace algia::roi
