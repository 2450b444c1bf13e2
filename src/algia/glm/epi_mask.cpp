#include "algia/glm/epi_mask.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/glm/model.hpp"

namespace algia::glm {

namespace {

using Dims = std::array<std::int64_t, 3>;

// One binary erosion (dilate = false) or dilation with scipy's default 3D structure (the 6-connected
// cross) and border_value 0.
std::vector<char> morph(const std::vector<char>& m, const Dims& d, bool dilate) {
    std::vector<char> out(m.size(), 0);
    const std::int64_t sy = d[0], sz = d[0] * d[1];
    for (std::int64_t k = 0; k < d[2]; ++k)
        for (std::int64_t j = 0; j < d[1]; ++j)
            for (std::int64_t i = 0; i < d[0]; ++i) {
                const std::int64_t v = i + sy * j + sz * k;
                // Neighbours outside the grid count as background.
                const char nb[6] = {i > 0 ? m[std::size_t(v - 1)] : char(0), i + 1 < d[0] ? m[std::size_t(v + 1)] : char(0),
                                    j > 0 ? m[std::size_t(v - sy)] : char(0), j + 1 < d[1] ? m[std::size_t(v + sy)] : char(0),
                                    k > 0 ? m[std::size_t(v - sz)] : char(0), k + 1 < d[2] ? m[std::size_t(v + sz)] : char(0)};
                if (dilate) {
                    char any = m[std::size_t(v)];
                    for (char c : nb) any = char(any | c);
                    out[std::size_t(v)] = any;
                } else {
                    char all = m[std::size_t(v)];
                    for (char c : nb) all = char(all & c);
                    out[std::size_t(v)] = all;
                }
            }
    return out;
}

// The largest 6-connected component; ties go to the component whose first voxel in C order
// (i slowest, k fastest) comes first, which is scipy.ndimage.label's numbering.
std::vector<char> largest_component(const std::vector<char>& m, const Dims& d) {
    const std::int64_t sy = d[0], sz = d[0] * d[1], n = std::int64_t(m.size());
    std::vector<std::int32_t> label(m.size(), 0);
    std::int32_t best = 0;
    std::int64_t best_size = 0, best_first = n;
    std::int32_t next = 0;
    std::vector<std::int64_t> stack;
    for (std::int64_t v0 = 0; v0 < n; ++v0) {
        if (!m[std::size_t(v0)] || label[std::size_t(v0)]) continue;
        ++next;
        std::int64_t size = 0, first = n;
        stack.assign(1, v0);
        label[std::size_t(v0)] = next;
        while (!stack.empty()) {
            const std::int64_t v = stack.back();
            stack.pop_back();
            ++size;
            const std::int64_t i = v % d[0], j = (v / sy) % d[1], k = v / sz;
            first = std::min(first, (i * d[1] + j) * d[2] + k);
            const std::int64_t cand[6] = {i > 0 ? v - 1 : -1, i + 1 < d[0] ? v + 1 : -1, j > 0 ? v - sy : -1,
                                          j + 1 < d[1] ? v + sy : -1, k > 0 ? v - sz : -1, k + 1 < d[2] ? v + sz : -1};
            for (std::int64_t w : cand)
                if (w >= 0 && m[std::size_t(w)] && !label[std::size_t(w)]) {
                    label[std::size_t(w)] = next;
                    stack.push_back(w);
                }
        }
        if (size > best_size || (size == best_size && first < best_first)) best = next, best_size = size, best_first = first;
    }
    std::vector<char> out(m.size(), 0);
    for (std::size_t v = 0; v < m.size(); ++v) out[v] = char(label[v] == best && best > 0);
    return out;
}

}  // namespace

image::Image<float> compute_epi_mask(const image::Image<float>& run, const Context& ctx, double lower_cutoff, double upper_cutoff,
                                     int opening) {
    const auto& grid = run.grid();
    const std::int64_t nvox = grid.voxels(), T = run.volumes();
    std::vector<double> mean(static_cast<std::size_t>(nvox), 0.0);
    for (std::int64_t t = 0; t < T; ++t) {
        const float* vol = run.data() + t * nvox;
        for (std::int64_t v = 0; v < nvox; ++v) mean[std::size_t(v)] += double(vol[v]);
    }
    std::vector<char> nan(static_cast<std::size_t>(nvox), 0);
    for (std::int64_t v = 0; v < nvox; ++v) {
        mean[std::size_t(v)] /= double(T);
        nan[std::size_t(v)] = char(std::isnan(mean[std::size_t(v)]));
    }
    if (opening) {
        smooth_volumes(mean.data(), grid.dims, 1, Eigen::Vector3d::Ones(), 1.0, ctx);
        for (std::int64_t v = 0; v < nvox; ++v)
            if (nan[std::size_t(v)]) mean[std::size_t(v)] = NAN;
    }
    for (auto& x : mean)
        if (!std::isfinite(x)) x = 0;
    std::vector<double> sorted = mean;
    std::sort(sorted.begin(), sorted.end());
    const std::int64_t N = std::int64_t(sorted.size());
    const std::int64_t lo = std::int64_t(std::floor(lower_cutoff * double(N)));
    const std::int64_t hi = std::min(std::int64_t(std::floor(upper_cutoff * double(N))), N - 1);
    if (hi <= lo)
        throw Error(Kind::invalid_input, fmt::format("the image has {} voxel(s): too few for nilearn's EPI mask heuristic", N))
            .hint("pass a brain mask with --mask FILE, or --mask nonzero");
    std::int64_t ia = 0;
    double gap = -INFINITY;
    for (std::int64_t i = lo; i < hi; ++i) {
        const double g = sorted[std::size_t(i + 1)] - sorted[std::size_t(i)];
        if (g > gap) gap = g, ia = i - lo;
    }
    const double threshold = 0.5 * (sorted[std::size_t(ia + lo)] + sorted[std::size_t(ia + lo + 1)]);
    std::vector<char> m(static_cast<std::size_t>(nvox));
    for (std::int64_t v = 0; v < nvox; ++v) m[std::size_t(v)] = char(mean[std::size_t(v)] >= threshold);
    const auto& d = grid.dims;
    for (int i = 0; i < opening; ++i) m = morph(m, d, false);
    if (std::any_of(m.begin(), m.end(), [](char c) { return c != 0; })) m = largest_component(m, d);
    if (opening) {
        for (int i = 0; i < 2 * opening; ++i) m = morph(m, d, true);
        for (int i = 0; i < opening; ++i) m = morph(m, d, false);
    }
    image::Image<float> out(grid, 1);
    for (std::int64_t v = 0; v < nvox; ++v) out.data()[v] = m[std::size_t(v)] ? 1.0f : 0.0f;
    return out;
}

}  // namespace algia::glm
