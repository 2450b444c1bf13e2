#include "algia/glm/picture.hpp"

#include <algorithm>
#include <cmath>

#include "algia/io/file.hpp"
#include "algia/report/png.hpp"

namespace algia::glm {

std::string design_png(const DesignMatrix& d, int cw, int rh) {
    const Eigen::Index n = d.X.rows(), p = d.X.cols();
    Eigen::MatrixXd Z = d.X;
    for (Eigen::Index j = 0; j < p; ++j) Z.col(j) /= std::max(1e-12, Z.col(j).norm());
    const double lo = Z.minCoeff(), hi = Z.maxCoeff();
    report::Picture pic(int(p) * cw, int(n) * rh);
    for (Eigen::Index i = 0; i < n; ++i)
        for (int r = 0; r < rh; ++r)
            for (Eigen::Index j = 0; j < p; ++j) {
                const double g = hi > lo ? (Z(i, j) - lo) / (hi - lo) : 0.5;
                const report::Rgb px = report::grey(g);
                for (int c = 0; c < cw; ++c)
                    pic.at(int(j) * cw + c, int(i) * rh + r) = (c == cw - 1 && cw > 2) ? report::Rgb{128, 128, 128} : px;  // thin separator
            }
    return report::encode_png(pic);
}

void write_design_png(const std::string& path, const DesignMatrix& design) { io::write_text_file_atomic(path, design_png(design)); }

}  // namespace algia::glm
