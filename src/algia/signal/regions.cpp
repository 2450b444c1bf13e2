#include "algia/signal/regions.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/image/resample.hpp"
#include "algia/io/volume_reader.hpp"
#include "algia/signal/clean.hpp"

namespace algia::signal {

namespace {

// Which region (index into labels) each voxel of the BOLD grid belongs to, -1 for none.
struct LabelPlan {
    RegionSignals meta;  // labels, voxels, missing (no signals)
    std::vector<std::int32_t> region_of;
};

LabelPlan plan_labels(const image::Grid& grid, const image::Image<float>& atlas_in, const image::Image<float>& mask_in,
                      const Context& ctx) {
    const image::Image<float> atlas =
        atlas_in.grid().same_as(grid) ? atlas_in : image::resample(atlas_in, grid, image::Interp::nearest, ctx);
    image::Image<float> mask;
    if (!mask_in.empty())
        mask = mask_in.grid().same_as(grid) ? mask_in : image::resample(mask_in, grid, image::Interp::nearest, ctx);
    std::set<std::int32_t> all_labels;
    for (float v : atlas_in.values()) {
        if (!std::isfinite(v) || v == 0) continue;
        if (v != std::round(v) || v < 0 || v > 1e9)
            throw Error(Kind::invalid_input, fmt::format("the atlas holds a value that is not a label ({})", v))
                .hint("pass a label image (integers, 0 = background); probabilistic maps need a maps atlas");
        all_labels.insert(std::int32_t(v));
    }
    std::map<std::int32_t, std::int32_t> index;
    LabelPlan plan;
    plan.region_of.assign(std::size_t(grid.voxels()), -1);
    std::map<std::int32_t, std::int64_t> count;
    for (std::int64_t v = 0; v < grid.voxels(); ++v) {
        const float a = atlas.data()[v];
        if (!std::isfinite(a) || a <= 0) continue;
        if (!mask.empty() && !(std::isfinite(mask.data()[v]) && mask.data()[v] != 0)) continue;
        count[std::int32_t(a)]++;
    }
    RegionSignals& out = plan.meta;
    for (const auto& [label, n] : count) {
        index[label] = std::int32_t(out.labels.size());
        out.labels.push_back(label);
        out.voxels.push_back(n);
    }
    for (auto l : all_labels)
        if (!count.count(l)) out.missing.push_back(l);
    if (out.labels.empty())
        throw Error(Kind::invalid_input, "no atlas region overlaps the image")
            .hint("check that the BOLD run and the atlas are in the same space (e.g. MNI); `algia info` shows both affines");
    for (std::int64_t v = 0; v < grid.voxels(); ++v) {
        const float a = atlas.data()[v];
        if (!std::isfinite(a) || a <= 0) continue;
        if (!mask.empty() && !(std::isfinite(mask.data()[v]) && mask.data()[v] != 0)) continue;
        plan.region_of[std::size_t(v)] = index[std::int32_t(a)];
    }
    return plan;
}

// Region means of one volume into row t of `signals`; `sum` is scratch of one entry per region.
void region_means(const LabelPlan& plan, const float* vol, std::vector<double>& sum, Eigen::MatrixXd& signals,
                  Eigen::Index t) {
    sum.assign(plan.meta.labels.size(), 0.0);
    for (std::size_t v = 0; v < plan.region_of.size(); ++v) {
        const std::int32_t r = plan.region_of[v];
        if (r >= 0) sum[std::size_t(r)] += vol[v];
    }
    for (std::size_t r = 0; r < sum.size(); ++r) signals(t, Eigen::Index(r)) = sum[r] / double(plan.meta.voxels[r]);
}

}  // namespace

RegionSignals label_signals(const image::Image<float>& bold, const image::Image<float>& atlas_in,
                            const image::Image<float>& mask_in, const Context& ctx) {
    const auto& grid = bold.grid();
    const LabelPlan plan = plan_labels(grid, atlas_in, mask_in, ctx);
    RegionSignals out = plan.meta;
    const std::int64_t nt = bold.volumes();
    out.signals = Eigen::MatrixXd::Zero(nt, Eigen::Index(out.labels.size()));
    parallel_for(ctx, std::size_t(nt), 1, [&](std::size_t t0, std::size_t t1) {
        std::vector<double> sum;
        for (std::size_t t = t0; t < t1; ++t)
            region_means(plan, bold.data() + std::int64_t(t) * grid.voxels(), sum, out.signals, Eigen::Index(t));
    });
    return out;
}

RegionSignals label_signals(io::VolumeReader& bold, const image::Image<float>& atlas_in,
                            const image::Image<float>& mask_in, const Context& ctx) {
    const LabelPlan plan = plan_labels(bold.grid(), atlas_in, mask_in, ctx);
    RegionSignals out = plan.meta;
    out.signals = Eigen::MatrixXd::Zero(bold.volumes(), Eigen::Index(out.labels.size()));
    std::vector<float> vol(std::size_t(bold.voxels()));
    std::vector<double> sum;
    for (Eigen::Index t = 0; bold.next(vol); ++t) {
        ctx.throw_if_cancelled();
        region_means(plan, vol.data(), sum, out.signals, t);
    }
    return out;
}

std::map<std::string, Eigen::Vector3d> label_centroids(const image::Image<float>& atlas,
                                                       const std::map<std::int32_t, std::string>& names) {
    const auto& g = atlas.grid();
    std::map<std::int32_t, std::pair<Eigen::Vector3d, double>> sum;
    for (std::int64_t k = 0; k < g.dims[2]; ++k)
        for (std::int64_t j = 0; j < g.dims[1]; ++j)
            for (std::int64_t i = 0; i < g.dims[0]; ++i) {
                const float v = atlas.data()[g.index(i, j, k)];
                if (!(v > 0) || !std::isfinite(v)) continue;
                auto& s = sum.try_emplace(std::int32_t(std::lround(v)), Eigen::Vector3d::Zero(), 0.0).first->second;
                s.first += Eigen::Vector3d(double(i), double(j), double(k));
                s.second += 1;
            }
    std::map<std::string, Eigen::Vector3d> out;
    for (const auto& [label, s] : sum) {
        const Eigen::Vector3d ijk = s.first / s.second;
        const Eigen::Vector3d mm = g.affine.topLeftCorner<3, 3>() * ijk + g.affine.topRightCorner<3, 1>();
        out[names.count(label) ? names.at(label) : fmt::format("region{}", label)] = mm;
    }
    return out;
}

}  // namespace algia::signal

#include <Eigen/LU>
#include <Eigen/QR>

namespace algia::signal {

namespace {
std::vector<std::uint8_t> mask_on_grid(const image::Image<float>& mask, const image::Grid& grid, const Context& ctx) {
    if (mask.empty()) return {};
    const auto m = mask.grid().same_as(grid) ? mask : image::resample(mask, grid, image::Interp::nearest, ctx);
    std::vector<std::uint8_t> out(std::size_t(m.voxels()));
    for (std::int64_t v = 0; v < m.voxels(); ++v) out[std::size_t(v)] = std::isfinite(m.data()[v]) && m.data()[v] != 0;
    return out;
}
}  // namespace

std::vector<std::vector<std::int64_t>> sphere_voxels(const image::Grid& grid, const std::vector<Sphere>& spheres,
                                                     const std::vector<std::uint8_t>& mask) {
    const Eigen::Matrix4d inv = grid.affine.inverse();
    std::vector<std::vector<std::int64_t>> out(spheres.size());
    for (std::size_t s = 0; s < spheres.size(); ++s) {
        const auto& sp = spheres[s];
        std::vector<std::uint8_t> in(std::size_t(grid.voxels()), 0);
        // Nearest voxel: numpy.round (half to even) of the voxel coordinate.
        const Eigen::Vector4d vc = inv * Eigen::Vector4d(sp.x, sp.y, sp.z, 1.0);
        const std::int64_t ni = std::int64_t(std::nearbyint(vc[0])), nj = std::int64_t(std::nearbyint(vc[1])),
                           nk = std::int64_t(std::nearbyint(vc[2]));
        const double r2 = sp.radius * sp.radius;
        const double seed_int[3] = {std::trunc(sp.x), std::trunc(sp.y), std::trunc(sp.z)};
        for (std::int64_t k = 0; k < grid.dims[2]; ++k)
            for (std::int64_t j = 0; j < grid.dims[1]; ++j)
                for (std::int64_t i = 0; i < grid.dims[0]; ++i) {
                    const std::int64_t v = grid.index(i, j, k);
                    if (!mask.empty() && !mask[std::size_t(v)]) continue;
                    const auto w = grid.world(double(i), double(j), double(k));
                    const double dx = w[0] - sp.x, dy = w[1] - sp.y, dz = w[2] - sp.z;
                    bool take = dx * dx + dy * dy + dz * dz <= r2;
                    take = take || (i == ni && j == nj && k == nk);
                    take = take || (std::trunc(w[0]) == seed_int[0] && std::trunc(w[1]) == seed_int[1] &&
                                    std::trunc(w[2]) == seed_int[2]);
                    if (take) out[s].push_back(v);
                }
        if (out[s].empty())
            throw Error(Kind::invalid_input,
                        fmt::format("the sphere around ({:g}, {:g}, {:g}) with radius {:g} mm holds no voxel{}", sp.x, sp.y,
                                    sp.z, sp.radius, mask.empty() ? "" : " of the mask"))
                .hint("check that the seed's coordinates are in the image's space (MNI mm) and inside its field of view");
    }
    return out;
}

Eigen::MatrixXd sphere_signals(const image::Image<float>& bold, const std::vector<Sphere>& spheres,
                               const image::Image<float>& mask, const Context& ctx) {
    const auto sets = sphere_voxels(bold.grid(), spheres, mask_on_grid(mask, bold.grid(), ctx));
    Eigen::MatrixXd out(bold.volumes(), Eigen::Index(spheres.size()));
    parallel_for(ctx, std::size_t(bold.volumes()), 8, [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const float* vol = bold.data() + std::int64_t(t) * bold.voxels();
            for (std::size_t s = 0; s < sets.size(); ++s) {
                double sum = 0;
                for (auto v : sets[s]) sum += vol[v];
                out(Eigen::Index(t), Eigen::Index(s)) = sum / double(sets[s].size());
            }
        }
    });
    return out;
}

Eigen::MatrixXd maps_signals(const image::Image<float>& bold, const image::Image<float>& maps_in,
                             const image::Image<float>& mask, const Context& ctx) {
    const auto& grid = bold.grid();
    const image::Image<float> maps =
        maps_in.grid().same_as(grid) ? maps_in : image::resample(maps_in, grid, image::Interp::linear, ctx);
    const auto keep = mask_on_grid(mask, grid, ctx);
    std::vector<std::int64_t> vox;
    for (std::int64_t v = 0; v < grid.voxels(); ++v)
        if (keep.empty() || keep[std::size_t(v)]) vox.push_back(v);
    const Eigen::Index n = Eigen::Index(vox.size()), k = maps.volumes(), nt = bold.volumes();
    Eigen::MatrixXd A(n, k), Y(n, nt);
    for (Eigen::Index r = 0; r < n; ++r) {
        for (Eigen::Index m = 0; m < k; ++m) {
            const double x = maps.data()[vox[std::size_t(r)] + m * grid.voxels()];
            A(r, m) = std::isfinite(x) ? x : 0.0;
        }
        for (Eigen::Index t = 0; t < nt; ++t) {
            const double y = bold.data()[vox[std::size_t(r)] + t * grid.voxels()];
            Y(r, t) = std::isfinite(y) ? y : 0.0;
        }
    }
    Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod(A);
    return cod.solve(Y).transpose();
}

Eigen::MatrixXd voxel_signals(const image::Image<float>& bold, const image::Image<float>& mask,
                              std::vector<std::int64_t>& voxels, const Context& ctx) {
    const auto keep = mask_on_grid(mask, bold.grid(), ctx);
    voxels.clear();
    for (std::int64_t v = 0; v < bold.voxels(); ++v)
        if (keep.empty() || keep[std::size_t(v)]) voxels.push_back(v);
    Eigen::MatrixXd out(bold.volumes(), Eigen::Index(voxels.size()));
    parallel_for(ctx, voxels.size(), 4096, [&](std::size_t b, std::size_t e) {
        for (std::size_t c = b; c < e; ++c)
            for (std::int64_t t = 0; t < bold.volumes(); ++t)
                out(t, Eigen::Index(c)) = bold.data()[voxels[c] + t * bold.voxels()];
    });
    return out;
}

image::Image<float> seed_maps(const image::Image<float>& bold, const std::vector<Sphere>& spheres,
                              const std::vector<std::string>& seed_names, const image::Image<float>& mask,
                              const Eigen::MatrixXd& confounds, const CleanOptions& clean_options,
                              const std::vector<std::size_t>& kept, bool fisher_z, const Context& ctx) {
    const Eigen::MatrixXd seeds = clean(sphere_signals(bold, spheres, mask, ctx), confounds, clean_options, kept);
    std::vector<std::int64_t> voxels;
    const Eigen::MatrixXd vox = clean(voxel_signals(bold, mask, voxels, ctx), confounds, clean_options, kept);
    image::Image<float> out(bold.grid(), Eigen::Index(spheres.size()));
    std::fill(out.values().begin(), out.values().end(), 0.0f);
    const Eigen::Index n = vox.rows();
    for (std::size_t s = 0; s < spheres.size(); ++s) {
        const Eigen::VectorXd a = seeds.col(Eigen::Index(s)).array() - seeds.col(Eigen::Index(s)).mean();
        const double na = a.norm();
        if (!(na > 0))
            throw Error(Kind::invalid_input, fmt::format("the seed signal {} is constant after cleaning", seed_names.at(s)))
                .hint("move the seed into the brain, or enlarge its radius");
        parallel_for(ctx, voxels.size(), 4096, [&](std::size_t b, std::size_t e) {
            for (std::size_t c = b; c < e; ++c) {
                const auto col = vox.col(Eigen::Index(c));
                const double m = col.mean();
                double num = 0, den = 0;
                for (Eigen::Index t = 0; t < n; ++t) {
                    num += a[t] * (col[t] - m);
                    den += (col[t] - m) * (col[t] - m);
                }
                double r = den > 0 ? num / (na * std::sqrt(den)) : 0.0;
                r = std::max(-1.0, std::min(1.0, r));
                out.data()[voxels[c] + std::int64_t(s) * out.voxels()] = float(fisher_z ? std::atanh(std::min(r, 1.0 - 1e-15)) : r);
            }
        });
    }
    return out;
}

}  // namespace algia::signal
