#pragma once
// PNG encoding (libpng) of 8-bit RGB images into memory, and the base64 data URI that embeds one in
// a self-contained HTML page.

#include <cstdint>
#include <string>
#include <vector>

namespace algia::report {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
};

struct Picture {
    int width = 0, height = 0;
    std::vector<Rgb> pixels;  // row-major, top row first
    Picture(int w, int h, Rgb fill = {255, 255, 255}) : width(w), height(h), pixels(std::size_t(w) * std::size_t(h), fill) {}
    Rgb& at(int x, int y) { return pixels[std::size_t(y) * std::size_t(width) + std::size_t(x)]; }
    // Sets a pixel; points outside the picture are ignored.
    void put(int x, int y, Rgb c) {
        if (x >= 0 && y >= 0 && x < width && y < height) at(x, y) = c;
    }
};

// Minimal rasterizer (no anti-aliasing): a line of `thickness` pixels (Bresenham's walk with a
// square brush) and a filled disc (pixel centres within the radius). Coordinates in pixels, y down.
void draw_line(Picture& picture, double x0, double y0, double x1, double y1, Rgb colour, int thickness = 1);
void fill_disc(Picture& picture, double cx, double cy, double radius, Rgb colour);
// A ring of `width` pixels inside the radius (a disc's outline).
void draw_ring(Picture& picture, double cx, double cy, double radius, double width, Rgb colour);

std::string encode_png(const Picture& picture);
std::string base64(const std::string& bytes);
std::string png_data_uri(const Picture& picture);

// Colour maps: grey (0..1), diverging blue-white-red (-1..1), and a qualitative palette.
Rgb grey(double v);
Rgb diverging(double v);
Rgb palette(int i);

}  // namespace algia::report
