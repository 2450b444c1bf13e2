#pragma once
// nilearn 0.10.3's compute_epi_mask (T. Nichols' heuristic), the mask FirstLevelModel computes when
// it is given no mask (NiftiMasker(mask_strategy="epi") fitted on the first run):
//   1. the mean over time (float64), smoothed with a Gaussian of FWHM 1 voxel (nilearn passes an
//      identity affine), scipy gaussian_filter1d ('reflect', truncate 4); non-finite -> 0;
//   2. the values sorted; between the fractions 0.2 and 0.85 of them, the largest gap between
//      neighbours (the first when tied); threshold = the gap's midpoint; mask = mean >= threshold;
//   3. erosion x2 (6-connected cross, outside = background), the largest 6-connected component
//      (ties: the component that comes first in numpy's C order, as scipy.ndimage.label numbers
//      them), dilation x4, erosion x2.
// Returns a 0/1 mask on the run's grid (all zero when nothing survives).

#include "algia/core/context.hpp"
#include "algia/image/image.hpp"

namespace algia::glm {

image::Image<float> compute_epi_mask(const image::Image<float>& run, const Context& ctx, double lower_cutoff = 0.2,
                                     double upper_cutoff = 0.85, int opening = 2);

}  // namespace algia::glm
