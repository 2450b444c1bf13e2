#pragma once
// Inputs shared by the group-level commands (`algia stats`, `algia mediate`): a set of 3D maps, one
// per participant/session, given on the command line or in a list file; the table rows they belong
// to; and the voxels valid in every map (and the mask), as an observations x voxels matrix.

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "algia/core/context.hpp"
#include "algia/image/grid.hpp"
#include "algia/io/tsv.hpp"

namespace algia::cli {

// Image paths as given, or the lines of a list file (one path per line, relative to the list).
std::vector<std::string> expand_image_list(const std::vector<std::string>& args);

// For each image, the row of `table` it belongs to: by the image's sub- label when the table has a
// participant_id column (with or without the sub- prefix), else by order (then the counts must match).
std::vector<std::size_t> match_rows(const io::Table& table, const std::string& table_name,
                                    const std::vector<std::string>& images);

struct MaskedMaps {
    image::Grid grid;
    std::vector<std::int64_t> voxels;  // in-mask voxel indices (x fastest)
    Eigen::MatrixXd values;            // images x voxels
};

// Reads the maps (3D, one grid); keeps voxels finite in every map and non-zero in the mask, or, with
// no mask, finite and non-zero in every map.
MaskedMaps load_masked_maps(const std::vector<std::string>& images, const std::string& mask, const Context& ctx);

// Writes values on the masked voxels (0 elsewhere) as a float32 NIfTI, atomically.
void write_masked_map(const std::string& path, const MaskedMaps& maps, const Eigen::VectorXd& values,
                      const std::string& descrip, const Context& ctx);

}  // namespace algia::cli
