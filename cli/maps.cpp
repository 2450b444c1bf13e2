#include "maps.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/image/image.hpp"
#include "algia/io/file.hpp"
#include "algia/io/nifti.hpp"

namespace algia::cli {

namespace fs = std::filesystem;

std::vector<std::string> expand_image_list(const std::vector<std::string>& args) {
    if (args.size() != 1 || io::looks_like_image_path(args[0])) return args;
    const std::string text = io::read_text_file(args[0]);
    std::vector<std::string> images;
    std::size_t pos = 0, lineno = 1;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) {
            fs::path p(line);
            images.push_back(p.is_absolute() ? line : (fs::path(args[0]).parent_path() / p).string());
            if (!fs::exists(images.back()))
                throw Error(Kind::io, fmt::format("{}: line {}: {} does not exist", args[0], lineno, images.back()))
                    .hint("paths in a list file are relative to the list file's folder (or absolute)");
        }
        pos = nl + 1;
        ++lineno;
    }
    return images;
}

std::vector<std::size_t> match_rows(const io::Table& table, const std::string& table_name,
                                    const std::vector<std::string>& images) {
    const std::size_t n = images.size();
    std::vector<std::size_t> row_of(n);
    if (table.has("participant_id")) {
        std::map<std::string, std::size_t> by_id;
        const auto ids = table.strings("participant_id");
        for (std::size_t r = 0; r < ids.size(); ++r) by_id[ids[r].rfind("sub-", 0) == 0 ? ids[r] : "sub-" + ids[r]] = r;
        const std::regex sub_re("sub-[A-Za-z0-9]+");
        for (std::size_t i = 0; i < n; ++i) {
            std::smatch m;
            const std::string name = fs::path(images[i]).filename().string();
            if (!std::regex_search(name, m, sub_re) || !by_id.count(m.str()))
                throw Error(Kind::invalid_input, fmt::format("{}: no row of {} for this image's participant", images[i], table_name))
                    .hint("add the participant to the table, or remove the image");
            row_of[i] = by_id[m.str()];
        }
        return row_of;
    }
    if (table.rows() != n)
        throw Error(Kind::invalid_input, fmt::format("{}: {} rows for {} observations", table_name, table.rows(), n))
            .hint("one row per image, in the same order (or a participant_id column)");
    for (std::size_t i = 0; i < n; ++i) row_of[i] = i;
    return row_of;
}

namespace {

void check_map(const std::string& path, const image::Image<float>& img, const std::string& first_path, const image::Grid& grid) {
    if (img.volumes() != 1)
        throw Error(Kind::invalid_input, fmt::format("{}: has {} volumes; give one 3D map per observation", path, img.volumes()));
    if (!img.grid().same_as(grid))
        throw Error(Kind::invalid_input, fmt::format("{}: is on another grid ({}) than {} ({})", path, img.grid().describe(),
                                                     first_path, grid.describe()))
            .hint("resample the maps onto one grid first (algia resample)");
}

// With a mask, only the mask's voxels of each map are kept, as each map is read: the whole maps are
// never held at once (their memory is reused from one map to the next instead of touched fresh).
MaskedMaps load_with_mask(const std::vector<std::string>& images, const std::string& mask_path, const Context& ctx) {
    MaskedMaps out;
    const auto first = io::read_image<float>(images[0], ctx);
    out.grid = first.grid();
    check_map(images[0], first, images[0], out.grid);
    const auto mask = io::read_image<float>(mask_path, ctx);
    if (!mask.grid().same_as(out.grid))
        throw Error(Kind::invalid_input, fmt::format("{}: the mask is on another grid than the images", mask_path))
            .hint("resample it with algia resample --interp nearest");
    std::vector<std::int64_t> candidates;
    for (std::int64_t v = 0; v < out.grid.voxels(); ++v)
        if (mask.data()[v] != 0) candidates.push_back(v);
    const Eigen::Index nc = Eigen::Index(candidates.size()), n = Eigen::Index(images.size());
    Eigen::MatrixXf columns(nc, n);  // map k's mask voxels in column k
    const auto gather = [&](const image::Image<float>& img, Eigen::Index k) {
        float* dst = columns.col(k).data();
        for (Eigen::Index j = 0; j < nc; ++j) dst[j] = img.data()[candidates[std::size_t(j)]];
    };
    gather(first, 0);
    // Errors of later maps are reported for the first such map in order, whatever the threads did.
    std::vector<std::exception_ptr> errors(images.size());
    parallel_for(ctx, images.size() - 1, 1, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b + 1; i < e + 1; ++i) {
            try {
                const auto img = io::read_image<float>(images[i], ctx);
                check_map(images[i], img, images[0], out.grid);
                gather(img, Eigen::Index(i));
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }
    });
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
    std::vector<char> keep(std::size_t(nc), 1);
    for (Eigen::Index k = 0; k < n; ++k)
        for (Eigen::Index j = 0; j < nc; ++j) keep[std::size_t(j)] &= char(std::isfinite(columns(j, k)));
    std::vector<Eigen::Index> kept;
    for (Eigen::Index j = 0; j < nc; ++j)
        if (keep[std::size_t(j)]) kept.push_back(j), out.voxels.push_back(candidates[std::size_t(j)]);
    if (out.voxels.empty()) throw Error(Kind::invalid_input, "no voxel is valid in every image (and the mask)");
    out.values.resize(n, Eigen::Index(kept.size()));
    parallel_for(ctx, kept.size(), std::size_t(1) << 12, [&](std::size_t b, std::size_t e) {
        for (std::size_t j = b; j < e; ++j)
            for (Eigen::Index k = 0; k < n; ++k) out.values(k, Eigen::Index(j)) = columns(kept[j], k);
    });
    return out;
}

}  // namespace

MaskedMaps load_masked_maps(const std::vector<std::string>& images, const std::string& mask_path, const Context& ctx) {
    if (images.empty()) throw Error(Kind::usage, "no images given");
    // Check every path before reading any image.
    for (const auto& path : images)
        if (!fs::exists(path))
            throw Error(Kind::io, fmt::format("{}: no such file", path)).hint("check the path (and the list file's folder)");
    if (!mask_path.empty()) return load_with_mask(images, mask_path, ctx);
    MaskedMaps out;
    // Read concurrently (each file is independent), then check in order.
    std::vector<image::Image<float>> imgs(images.size());
    parallel_for(ctx, images.size(), 1, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) imgs[i] = io::read_image<float>(images[i], ctx);
    });
    for (std::size_t i = 0; i < images.size(); ++i) {
        const std::string& path = images[i];
        if (imgs[i].volumes() != 1)
            throw Error(Kind::invalid_input, fmt::format("{}: has {} volumes; give one 3D map per observation", path, imgs[i].volumes()));
        if (!imgs[i].grid().same_as(imgs.front().grid()))
            throw Error(Kind::invalid_input, fmt::format("{}: is on another grid ({}) than {} ({})", path,
                                                         imgs[i].grid().describe(), images[0], imgs.front().grid().describe()))
                .hint("resample the maps onto one grid first (algia resample)");
    }
    out.grid = imgs.front().grid();
    image::Image<float> mask;
    if (!mask_path.empty()) {
        mask = io::read_image<float>(mask_path, ctx);
        if (!mask.grid().same_as(out.grid))
            throw Error(Kind::invalid_input, fmt::format("{}: the mask is on another grid than the images", mask_path))
                .hint("resample it with algia resample --interp nearest");
    }
    const std::size_t nvox = std::size_t(out.grid.voxels());
    std::vector<char> keep(nvox);
    parallel_for(ctx, nvox, std::size_t(1) << 16, [&](std::size_t b, std::size_t e) {
        for (std::size_t v = b; v < e; ++v) {
            bool in = mask.empty() || mask.data()[v] != 0;
            for (const auto& im : imgs) in = in && std::isfinite(im.data()[v]) && (!mask.empty() || im.data()[v] != 0);
            keep[v] = in;
        }
    });
    for (std::size_t v = 0; v < nvox; ++v)
        if (keep[v]) out.voxels.push_back(std::int64_t(v));
    if (out.voxels.empty()) throw Error(Kind::invalid_input, "no voxel is valid in every image (and the mask)");
    out.values.resize(Eigen::Index(imgs.size()), Eigen::Index(out.voxels.size()));
    parallel_for(ctx, out.voxels.size(), std::size_t(1) << 14, [&](std::size_t b, std::size_t e) {
        for (std::size_t j = b; j < e; ++j)
            for (std::size_t k = 0; k < imgs.size(); ++k)
                out.values(Eigen::Index(k), Eigen::Index(j)) = imgs[k].data()[out.voxels[j]];
    });
    return out;
}

void write_masked_map(const std::string& path, const MaskedMaps& maps, const Eigen::VectorXd& values,
                      const std::string& descrip, const Context& ctx) {
    image::Image<float> img(maps.grid, 1);
    std::fill(img.values().begin(), img.values().end(), 0.0f);
    for (std::size_t j = 0; j < maps.voxels.size(); ++j) img.data()[maps.voxels[j]] = float(values[Eigen::Index(j)]);
    io::WriteOptions wo;
    wo.descrip = descrip;
    io::write_nifti(path, img, ctx, wo);
}

}  // namespace algia::cli
