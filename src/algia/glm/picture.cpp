#include "algia/glm/picture.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <zlib.h>

#include "algia/core/error.hpp"
#include "algia/io/file.hpp"

namespace algia::glm {

namespace {

void put32(std::string& s, std::uint32_t v) {
    for (int k = 3; k >= 0; --k) s += char((v >> (8 * k)) & 0xff);
}

void chunk(std::string& png, const char* type, const std::string& data) {
    put32(png, std::uint32_t(data.size()));
    const std::string body = std::string(type, 4) + data;
    png += body;
    put32(png, std::uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()))));
}

}  // namespace

std::string design_png(const DesignMatrix& d, int cw, int rh) {
    const Eigen::Index n = d.X.rows(), p = d.X.cols();
    Eigen::MatrixXd Z = d.X;
    for (Eigen::Index j = 0; j < p; ++j) Z.col(j) /= std::max(1e-12, Z.col(j).norm());
    const double lo = Z.minCoeff(), hi = Z.maxCoeff();
    const std::uint32_t width = std::uint32_t(p * cw), height = std::uint32_t(n * rh);
    std::string raw;
    raw.reserve(std::size_t(height) * (width + 1));
    for (Eigen::Index i = 0; i < n; ++i)
        for (int r = 0; r < rh; ++r) {
            raw += char(0);  // filter: none
            for (Eigen::Index j = 0; j < p; ++j) {
                const double g = hi > lo ? (Z(i, j) - lo) / (hi - lo) : 0.5;
                const char px = char(std::lround(255 * g));
                for (int c = 0; c < cw; ++c) raw += (c == cw - 1 && cw > 2) ? char(128) : px;  // thin separator
            }
        }
    uLongf len = compressBound(uLong(raw.size()));
    std::string z(len, '\0');
    if (compress2(reinterpret_cast<Bytef*>(z.data()), &len, reinterpret_cast<const Bytef*>(raw.data()), uLong(raw.size()), 6) != Z_OK)
        throw Error(Kind::internal, "design picture: compression failed");
    z.resize(len);
    std::string png("\x89PNG\r\n\x1a\n", 8);
    std::string ihdr;
    put32(ihdr, width);
    put32(ihdr, height);
    ihdr += char(8);  // bit depth
    ihdr += char(0);  // greyscale
    ihdr += std::string(3, '\0');
    chunk(png, "IHDR", ihdr);
    chunk(png, "IDAT", z);
    chunk(png, "IEND", "");
    return png;
}

void write_design_png(const std::string& path, const DesignMatrix& design) { io::write_text_file_atomic(path, design_png(design)); }

}  // namespace algia::glm
