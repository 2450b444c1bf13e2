#include "algia/report/png.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <png.h>

#include "algia/core/error.hpp"

namespace algia::report {

namespace {
void append(png_structp png, png_bytep data, png_size_t length) {
    auto* out = static_cast<std::string*>(png_get_io_ptr(png));
    out->append(reinterpret_cast<const char*>(data), length);
}
void flush(png_structp) {}
}  // namespace

std::string encode_png(const Picture& picture) {
    std::string out;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    if (!png) throw Error(Kind::internal, "libpng: cannot create a write structure");
    png_infop info = png_create_info_struct(png);
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        throw Error(Kind::internal, "libpng: encoding failed");
    }
    png_set_write_fn(png, &out, append, flush);
    png_set_IHDR(png, info, png_uint_32(picture.width), png_uint_32(picture.height), 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    for (int y = 0; y < picture.height; ++y) {
        const Rgb* row = picture.pixels.data() + std::size_t(y) * std::size_t(picture.width);
        png_write_row(png, reinterpret_cast<png_const_bytep>(row));
    }
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return out;
}

std::string base64(const std::string& bytes) {
    static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (unsigned(std::uint8_t(bytes[i])) << 16) | (unsigned(std::uint8_t(bytes[i + 1])) << 8) | std::uint8_t(bytes[i + 2]);
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += table[v & 63];
    }
    if (i < bytes.size()) {
        unsigned v = unsigned(std::uint8_t(bytes[i])) << 16;
        if (i + 1 < bytes.size()) v |= unsigned(std::uint8_t(bytes[i + 1])) << 8;
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string png_data_uri(const Picture& picture) { return "data:image/png;base64," + base64(encode_png(picture)); }

void draw_line(Picture& picture, double x0, double y0, double x1, double y1, Rgb colour, int thickness) {
    int x = int(std::lround(x0)), y = int(std::lround(y0));
    const int xe = int(std::lround(x1)), ye = int(std::lround(y1));
    const int dx = std::abs(xe - x), dy = -std::abs(ye - y), sx = x < xe ? 1 : -1, sy = y < ye ? 1 : -1;
    const int lo = -(std::max(1, thickness) - 1) / 2, hi = lo + std::max(1, thickness) - 1;
    int err = dx + dy;
    for (;;) {
        for (int a = lo; a <= hi; ++a)
            for (int b = lo; b <= hi; ++b) picture.put(x + a, y + b, colour);
        if (x == xe && y == ye) break;
        const int e2 = 2 * err;
        if (e2 >= dy) err += dy, x += sx;
        if (e2 <= dx) err += dx, y += sy;
    }
}

void fill_disc(Picture& picture, double cx, double cy, double radius, Rgb colour) { draw_ring(picture, cx, cy, radius, radius, colour); }

void draw_ring(Picture& picture, double cx, double cy, double radius, double width, Rgb colour) {
    const int x0 = int(std::floor(cx - radius)), x1 = int(std::ceil(cx + radius));
    const int y0 = int(std::floor(cy - radius)), y1 = int(std::ceil(cy + radius));
    const double inner = std::max(0.0, radius - width);
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) {
            const double d = std::hypot(x + 0.5 - cx, y + 0.5 - cy);
            if (d <= radius && (width >= radius || d > inner)) picture.put(x, y, colour);
        }
}

Rgb grey(double v) {
    if (!std::isfinite(v)) return {255, 255, 255};
    const auto g = std::uint8_t(std::lround(255 * std::clamp(v, 0.0, 1.0)));
    return {g, g, g};
}

Rgb diverging(double v) {
    if (!std::isfinite(v)) return {200, 200, 200};
    v = std::clamp(v, -1.0, 1.0);
    // blue (33, 102, 172) - white - red (178, 24, 43)
    const auto mix = [](double a, double b, double t) { return std::uint8_t(std::lround(a + (b - a) * t)); };
    if (v < 0) return {mix(255, 33, -v), mix(255, 102, -v), mix(255, 172, -v)};
    return {mix(255, 178, v), mix(255, 24, v), mix(255, 43, v)};
}

Rgb palette(int i) {
    static const Rgb colours[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189},
                                  {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
    return colours[((i % 10) + 10) % 10];
}

}  // namespace algia::report
