#pragma once
// A picture of a design matrix for reports, as nilearn's plot_design_matrix shows it: each column
// divided by its norm, grey levels from the smallest (black) to the largest (white) value, one
// band of pixels per column and per volume. Written as a PNG (libpng, through report/png.hpp).

#include <string>

#include "algia/glm/design.hpp"

namespace algia::glm {

std::string design_png(const DesignMatrix& design, int column_width = 12, int row_height = 2);
void write_design_png(const std::string& path, const DesignMatrix& design);

}  // namespace algia::glm
