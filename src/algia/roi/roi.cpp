#include "algia/roi/roi.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <Eigen/LU>
#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/image/resample.hpp"

namespace algia::roi {

Stat parse_stat(const std::string& name) {
    if (name == "mean") return Stat::mean;
    if (name == "median") return Stat::median;
    if (name == "sum") return Stat::sum;
    if (name == "volume") return Stat::volume;
    throw Error(Kind::usage, fmt::format("unknown --stat '{}'", name)).hint("use mean, median, sum or volume");
}

std::string stat_name(Stat stat) {
    switch (stat) {
        case Stat::mean: return "mean";
        case Stat::median: return "median";
        case Stat::sum: return "sum";
        case Stat::volume: return "volume";
    }
    return "";
}

std::vector<std::int32_t> atlas_labels(const image::Image<float>& atlas, const std::string& name) {
    if (atlas.volumes() != 1)
        throw Error(Kind::invalid_input,
                    fmt::format("{}: the atlas has {} volumes, but a label atlas is one 3D image", name, atlas.volumes()))
            .hint("pass a 3D label image (integers, 0 = background); split a 4D file into one atlas per volume, or use "
                  "a maximum-probability (deterministic) version of a probabilistic atlas");
    std::set<std::int32_t> labels;
    for (float v : atlas.values()) {
        if (!std::isfinite(v) || v == 0) continue;
        if (v != std::round(v) || v < 0 || v > 2e9)
            throw Error(Kind::invalid_input, fmt::format("{}: the atlas holds a value that is not a label ({})", name, v))
                .hint("pass a label image (integers, 0 = background)");
        labels.insert(std::int32_t(v));
    }
    if (labels.empty())
        throw Error(Kind::invalid_input, fmt::format("{}: the atlas holds no label (every voxel is 0)", name))
            .hint("pass a label image (integers, 0 = background)");
    return {labels.begin(), labels.end()};
}

std::int64_t Regions::total() const {
    std::int64_t n = 0;
    for (const auto& v : voxels) n += std::int64_t(v.size());
    return n;
}

std::vector<std::int64_t> Regions::counts() const {
    std::vector<std::int64_t> out;
    for (const auto& v : voxels) out.push_back(std::int64_t(v.size()));
    return out;
}

double voxel_ml(const image::Grid& grid) { return std::abs(grid.affine.topLeftCorner<3, 3>().determinant()) / 1000.0; }

Regions place_regions(const RegionDefinition& def, const image::Grid& grid, const image::Grid* field_of_view,
                      const Context& ctx) {
    Regions out;
    out.grid = grid;
    out.voxels.resize(def.size());
    const std::int64_t nv = grid.voxels();
    // Voxels kept: in the mask (resampled by nearest neighbour) and inside the field of view.
    std::vector<std::uint8_t> keep(std::size_t(nv), 1);
    if (!def.mask.empty()) {
        const auto m = def.mask.grid().same_as(grid) ? def.mask : image::resample(def.mask, grid, image::Interp::nearest, ctx);
        for (std::int64_t v = 0; v < nv; ++v) keep[std::size_t(v)] = std::isfinite(m.data()[v]) && m.data()[v] != 0;
    }
    if (field_of_view && !field_of_view->same_as(grid)) {
        const auto map = image::voxel_map(*field_of_view, grid);
        const double eps = 1e-6;
        for (std::int64_t k = 0; k < grid.dims[2]; ++k)
            for (std::int64_t j = 0; j < grid.dims[1]; ++j)
                for (std::int64_t i = 0; i < grid.dims[0]; ++i) {
                    const Eigen::Vector3d s = map * Eigen::Vector4d(double(i), double(j), double(k), 1.0);
                    bool in = true;
                    for (int a = 0; a < 3; ++a) in = in && s[a] >= -eps && s[a] <= double(field_of_view->dims[std::size_t(a)] - 1) + eps;
                    if (!in) keep[std::size_t(grid.index(i, j, k))] = 0;
                }
    }
    if (!def.atlas.empty()) {
        const auto atlas =
            def.atlas.grid().same_as(grid) ? def.atlas : image::resample(def.atlas, grid, image::Interp::nearest, ctx);
        for (std::int64_t v = 0; v < nv; ++v) {
            const float a = atlas.data()[v];
            if (!std::isfinite(a) || a <= 0 || !keep[std::size_t(v)]) continue;
            const auto it = std::lower_bound(def.labels.begin(), def.labels.end(), std::int32_t(a));
            if (it == def.labels.end() || *it != std::int32_t(a)) continue;
            out.voxels[std::size_t(it - def.labels.begin())].push_back(v);
        }
    }
    if (!def.spheres.empty()) {
        const auto sets = signal::sphere_voxels(grid, def.spheres, {});
        for (std::size_t s = 0; s < sets.size(); ++s) {
            auto& dst = out.voxels[def.labels.size() + s];
            for (auto v : sets[s])
                if (keep[std::size_t(v)]) dst.push_back(v);
            std::sort(dst.begin(), dst.end());
        }
    }
    return out;
}

Eigen::MatrixXd region_stats(const image::Image<float>& img, const Regions& regions, Stat stat) {
    if (!img.grid().same_as(regions.grid))
        throw Error(Kind::internal, "region_stats: the image is not on the regions' grid");
    const std::size_t nr = regions.voxels.size();
    Eigen::MatrixXd out(img.volumes(), Eigen::Index(nr));
    const double ml = voxel_ml(regions.grid);
    std::vector<double> buf;
    for (std::int64_t t = 0; t < img.volumes(); ++t) {
        const float* vol = img.data() + t * img.voxels();
        for (std::size_t r = 0; r < nr; ++r) {
            const auto& vox = regions.voxels[r];
            double value = std::nan("");
            if (!vox.empty()) {
                if (stat == Stat::median) {
                    buf.resize(vox.size());
                    for (std::size_t i = 0; i < vox.size(); ++i) {
                        const float x = vol[vox[i]];
                        buf[i] = std::isfinite(x) ? double(x) : 0.0;
                    }
                    // scipy.ndimage.median: the mean of the two middle values for an even count.
                    const std::size_t hi = buf.size() / 2, lo = (buf.size() - 1) / 2;
                    std::nth_element(buf.begin(), buf.begin() + std::ptrdiff_t(hi), buf.end());
                    const double h = buf[hi];
                    const double l = lo == hi ? h : *std::max_element(buf.begin(), buf.begin() + std::ptrdiff_t(hi));
                    value = (l + h) / 2.0;
                } else {
                    double sum = 0;
                    for (auto v : vox) {
                        const float x = vol[v];
                        if (std::isfinite(x)) sum += double(x);
                    }
                    value = stat == Stat::mean ? sum / double(vox.size()) : (stat == Stat::volume ? sum * ml : sum);
                }
            }
            out(Eigen::Index(t), Eigen::Index(r)) = value;
        }
    }
    return out;
}

}  // namespace algia::roi
