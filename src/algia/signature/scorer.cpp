#include "algia/signature/scorer.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/image/resample.hpp"
#include "algia/io/nifti.hpp"

namespace algia::signature {

namespace {

image::Image<float> load_single_volume(const std::string& path, const std::string& role, const Context& ctx) {
    auto img = io::read_image<float>(path, ctx);
    if (img.volumes() != 1)
        throw Error(Kind::invalid_input,
                    fmt::format("{}: the {} has {} volumes; it must be a single 3D map", path, role, img.volumes()))
            .hint("split out the one volume you mean (e.g. fslroi or nibabel) and pass that file");
    return img;
}

}  // namespace

Scorer::Scorer(std::vector<SignatureSource> signatures, std::vector<Metric> metrics, const Context& ctx)
    : sources_(std::move(signatures)), metrics_(std::move(metrics)) {
    if (sources_.empty())
        throw Error(Kind::usage, "no signature given").hint("pass --signature NAME=PATH (repeat for several)");
    if (metrics_.empty()) metrics_ = {Metric::dot, Metric::cosine, Metric::correlation};
    for (const auto& s : sources_) add_weights(s, load_single_volume(s.path, fmt::format("signature '{}'", s.name), ctx));
}

Scorer::Scorer(std::vector<SignatureSource> signatures, const std::vector<image::Image<float>>& weights,
               std::vector<Metric> metrics)
    : sources_(std::move(signatures)), metrics_(std::move(metrics)) {
    if (sources_.empty()) throw Error(Kind::usage, "no signature given").hint("give at least one weight map");
    if (weights.size() != sources_.size()) throw Error(Kind::internal, "Scorer: one weight map per signature");
    if (metrics_.empty()) metrics_ = {Metric::dot, Metric::cosine, Metric::correlation};
    for (std::size_t i = 0; i < weights.size(); ++i) {
        const auto& w = weights[i];
        if (w.volumes() != 1)
            throw Error(Kind::invalid_input, fmt::format("{}: signature '{}' has {} volumes; it must be a single 3D map",
                                                         sources_[i].path, sources_[i].name, w.volumes()))
                .hint("pass the one volume you mean");
        image::Image<float> copy(w.grid(), 1);
        std::copy(w.data(), w.data() + w.size(), copy.data());
        add_weights(sources_[i], std::move(copy));
    }
}

void Scorer::add_weights(const SignatureSource& s, image::Image<float> w) {
    // NaN weights carry no weight.
    std::int64_t nonzero = 0;
    for (float& v : w.values()) {
        if (!std::isfinite(v)) v = 0.0f;
        nonzero += v != 0.0f;
    }
    if (nonzero == 0)
        throw Error(Kind::invalid_input, fmt::format("{}: signature '{}' has no non-zero weights", s.path, s.name))
            .hint("check that this is the weight map and not a mask or an empty image");
    weights_.push_back(std::move(w));
}

void Scorer::set_mask(const std::string& path, const Context& ctx) { mask_ = load_single_volume(path, "mask", ctx); }

void Scorer::set_mask(const image::Image<float>& mask, const std::string& name) {
    if (mask.volumes() != 1)
        throw Error(Kind::invalid_input, fmt::format("{}: the mask has {} volumes; it must be a single 3D map", name, mask.volumes()));
    mask_ = mask;
}

void Scorer::set_regions(const std::string& path, const Context& ctx) {
    set_regions(load_single_volume(path, "atlas", ctx), path);
}

void Scorer::set_regions(const image::Image<float>& atlas, const std::string& name) {
    if (atlas.volumes() != 1)
        throw Error(Kind::invalid_input, fmt::format("{}: the atlas has {} volumes; it must be a single 3D map", name, atlas.volumes()));
    for (float v : atlas.values())
        if (std::isfinite(v) && (v != std::round(v) || v < 0 || v > 1e9))
            throw Error(Kind::invalid_input, fmt::format("{}: the atlas holds a value that is not a label ({})", name, v))
                .hint("--by-region needs a label image (integers, 0 = background); for probabilistic maps "
                      "threshold them first");
    atlas_ = atlas;
}

std::shared_ptr<const Scorer::OnGrid> Scorer::on_grid(const image::Grid& grid, const Context& ctx) {
    std::lock_guard lock(mutex_);
    for (const auto& [g, cached] : cache_)
        if (g.same_as(grid, 1e-4)) return cached;
    auto og = std::make_shared<OnGrid>();
    for (const auto& w : weights_) {
        if (w.grid().same_as(grid, 1e-4)) og->weights.push_back(w);
        else og->weights.push_back(image::resample(w, grid, image::Interp::linear, ctx));
        // NaN cannot appear (weights were cleaned), but resampling can't create them either.
    }
    if (mask_) {
        const auto m = mask_->grid().same_as(grid, 1e-4) ? *mask_ : image::resample(*mask_, grid, image::Interp::nearest, ctx);
        og->keep.resize(std::size_t(m.voxels()));
        for (std::int64_t v = 0; v < m.voxels(); ++v) og->keep[std::size_t(v)] = std::isfinite(m.data()[v]) && m.data()[v] != 0;
    }
    if (atlas_) {
        const auto a = atlas_->grid().same_as(grid, 1e-4) ? *atlas_ : image::resample(*atlas_, grid, image::Interp::nearest, ctx);
        std::set<std::int32_t> present;
        for (float v : a.values())
            if (std::isfinite(v) && v > 0) present.insert(std::int32_t(v));
        og->labels.assign(present.begin(), present.end());
        std::map<std::int32_t, std::int32_t> index;
        for (std::size_t i = 0; i < og->labels.size(); ++i) index[og->labels[i]] = std::int32_t(i);
        og->region.resize(std::size_t(a.voxels()));
        for (std::int64_t v = 0; v < a.voxels(); ++v) {
            const float x = a.data()[v];
            og->region[std::size_t(v)] = (std::isfinite(x) && x > 0) ? index[std::int32_t(x)] : -1;
        }
    }
    cache_.emplace_back(grid, og);
    return og;
}

std::vector<ScoreRow> Scorer::score(const image::Image<float>& data, const std::string& name, const Context& ctx) {
    const auto og = on_grid(data.grid(), ctx);
    std::vector<std::span<const float>> w;
    for (const auto& img : og->weights) w.push_back(img.values());
    std::vector<ScoreRow> rows;
    for (std::int64_t t = 0; t < data.volumes(); ++t) {
        const auto vol = data.volume(t);
        const auto stats = pattern_stats(vol, w, og->keep);
        for (std::size_t s = 0; s < stats.size(); ++s) {
            const double cov = stats[s].coverage();
            if (!(cov > 0))
                throw Error(Kind::invalid_input,
                            fmt::format("{}{}: signature '{}' does not overlap the image's valid voxels", name,
                                        data.volumes() > 1 ? fmt::format(" (volume {})", t) : "", sources_[s].name))
                    .hint("check that image and signature are in the same space (e.g. MNI) and that the image is "
                          "not empty; `algia info` shows both affines");
            for (Metric m : metrics_) rows.push_back({t, s, m, stats[s].value(m), stats[s].n, cov, -1});
        }
        if (!og->region.empty()) {
            const auto by = pattern_stats_by_region(vol, w, og->region, og->labels.size(), og->keep);
            for (std::size_t s = 0; s < by.size(); ++s)
                for (std::size_t r = 0; r < og->labels.size(); ++r)
                    for (Metric m : metrics_)
                        rows.push_back({t, s, m, by[s][r].value(m), by[s][r].n, by[s][r].coverage(), og->labels[r]});
        }
    }
    return rows;
}

}  // namespace algia::signature
