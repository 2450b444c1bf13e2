// The report's small rasterizer: lines reach both end points and stay connected, discs cover about
// pi r^2 pixels, and drawing outside the picture is clipped (no out-of-range writes).

#include <array>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "algia/report/png.hpp"

namespace algia::report {
namespace {

int count(const Picture& p, Rgb c) {
    int n = 0;
    for (const auto& q : p.pixels) n += q.r == c.r && q.g == c.g && q.b == c.b;
    return n;
}

TEST(ReportDraw, LineReachesItsEndsAndIsConnected) {
    const Rgb red{200, 0, 0};
    const std::vector<std::array<int, 4>> lines = {{2, 3, 37, 21}, {37, 21, 2, 3}, {5, 30, 5, 2}, {1, 1, 38, 38}, {30, 4, 3, 9}};
    for (const auto& l : lines) {
        const int x0 = l[0], y0 = l[1], x1 = l[2], y1 = l[3];
        Picture p(40, 40);
        draw_line(p, x0, y0, x1, y1, red);
        EXPECT_EQ(p.at(x0, y0).r, 200);
        EXPECT_EQ(p.at(x1, y1).r, 200);
        // One pixel per step of the longer axis (Bresenham, thickness 1).
        EXPECT_EQ(count(p, red), std::max(std::abs(x1 - x0), std::abs(y1 - y0)) + 1);
        // 8-connected: every drawn pixel but the ends has two drawn neighbours or more.
        for (int y = 0; y < 40; ++y)
            for (int x = 0; x < 40; ++x) {
                if (p.at(x, y).r != 200 || (x == x0 && y == y0) || (x == x1 && y == y1)) continue;
                int nb = 0;
                for (int dy = -1; dy <= 1; ++dy)
                    for (int dx = -1; dx <= 1; ++dx)
                        if ((dx || dy) && x + dx >= 0 && y + dy >= 0 && x + dx < 40 && y + dy < 40) nb += p.at(x + dx, y + dy).r == 200;
                EXPECT_GE(nb, 2) << x << "," << y;
            }
    }
}

TEST(ReportDraw, ThickLinesAndClipping) {
    Picture p(20, 20);
    draw_line(p, -10, 10, 30, 10, {0, 0, 255}, 3);  // crosses the whole picture, 3 px wide
    EXPECT_EQ(count(p, {0, 0, 255}), 20 * 3);
    fill_disc(p, 19, 19, 8, {0, 255, 0});  // partly outside
    EXPECT_GT(count(p, {0, 255, 0}), 0);
}

TEST(ReportDraw, DiscAreaAndRing) {
    for (double r : {3.0, 7.5, 15.0}) {
        Picture p(40, 40);
        fill_disc(p, 20, 20, r, {9, 9, 9});
        const double area = 3.14159265358979 * r * r;
        EXPECT_NEAR(count(p, {9, 9, 9}), area, 2 * 3.14159265358979 * r + 4) << r;
        Picture q(40, 40);
        draw_ring(q, 20, 20, r, 1.5, {9, 9, 9});
        EXPECT_LT(count(q, {9, 9, 9}), count(p, {9, 9, 9}));
        EXPECT_EQ(q.at(20, 20).r, 255);  // hollow
    }
}

}  // namespace
}  // namespace algia::report
