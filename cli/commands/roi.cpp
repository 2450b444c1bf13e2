// algia roi IMAGE... --atlas ATLAS: region measures (mean, median, sum, volume) of 3D/4D maps, one
// row per image (per volume for 4D files), joined with BIDS entities and a participants table.

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "../command.hpp"
#include "../denoise.hpp"
#include "../maps.hpp"
#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/image/resample.hpp"
#include "algia/io/bids.hpp"
#include "algia/io/file.hpp"
#include "algia/io/json.hpp"
#include "algia/io/labels.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/tsv.hpp"
#include "algia/roi/roi.hpp"

namespace algia::cli {

namespace fs = std::filesystem;

namespace {

std::string join_names(const std::vector<std::string>& v, std::size_t max = 12) {
    std::string s;
    for (std::size_t i = 0; i < v.size() && i < max; ++i) s += (s.empty() ? "" : ", ") + v[i];
    if (v.size() > max) s += fmt::format(" (and {} more)", v.size() - max);
    return s;
}

std::string sphere_name(const signal::Sphere& s) {
    return fmt::format("sphere_{:g}_{:g}_{:g}_r{:g}", s.x, s.y, s.z, s.radius);
}

// Regions placed on one source grid (shared by every image on that grid).
struct Placement {
    image::Grid source;           // the images' own grid
    roi::Regions regions;         // on the analysis grid
    std::string first_image;
    std::size_t images = 0;
};

}  // namespace

Command roi_command() {
    return {"roi", "Region measures of maps (mean, median, sum, volume in mL) per atlas region or sphere",
            [](CLI::App& app) -> Run {
                struct Options {
                    std::vector<std::string> images, spheres;
                    std::string atlas, labels, mask, stat = "mean", participants, resample_to = "images", out;
                    double radius = 6.0;
                    bool long_format = false;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "One row per image (per volume for 4D files) and one column per atlas region (named from --labels: "
                    "CBIG .txt or a TSV with index and name) or sphere (--sphere X,Y,Z,RADIUS in mm, repeatable): the "
                    "region's mean, median or sum of voxel values (as nilearn's NiftiLabelsMasker; non-finite values "
                    "count as 0), or its volume = sum of voxel values x voxel volume in mL (for grey-matter probability "
                    "or modulated maps). Images on another grid than the atlas: by default the atlas (and mask) are "
                    "resampled onto each image's grid by nearest neighbour (as nilearn); --resample-to atlas resamples "
                    "the images trilinearly onto the atlas grid instead (voxels outside an image's field of view are "
                    "left out). sub- and ses- labels in the file names become columns; --participants joins the "
                    "participants table's columns by sub- label. --long writes tidy rows (image, volume, region, value, "
                    "n_voxels). Writes OUT.tsv and a sidecar OUT.json (resampling, atlas, labels, mask, stat, voxel "
                    "counts per region); without --out the table goes to standard output.");
                app.add_option("images", o->images, "Maps (NIfTI/Analyze, 3D or 4D), or a list file (one path per line)")
                    ->required();
                app.add_option("--atlas", o->atlas, "Label atlas (3D, integers, 0 = background)");
                app.add_option("--labels", o->labels, "Region names: CBIG .txt (index name R G B 0) or TSV with index, name");
                app.add_option("--mask", o->mask, "Mask: voxels outside it are left out of every region");
                app.add_option("--stat", o->stat, "mean, median, sum or volume (mL)")->capture_default_str();
                app.add_option("--sphere", o->spheres, "Sphere X,Y,Z[,RADIUS] in mm (repeatable)");
                app.add_option("--radius", o->radius, "Default sphere radius (mm)")->capture_default_str();
                app.add_flag("--long", o->long_format, "Tidy rows: image, volume, region, value, n_voxels");
                app.add_option("--participants", o->participants, "participants.tsv to join by sub- label");
                app.add_option("--resample-to", o->resample_to, "images (atlas by nearest neighbour) or atlas (images trilinear)")
                    ->capture_default_str();
                app.add_option("--out,-o", o->out, "Output table (TSV); the sidecar is the same name with .json");
                return [o](Context& ctx) {
                    // ---- Check everything before reading any image data.
                    const roi::Stat stat = roi::parse_stat(o->stat);
                    if (o->resample_to != "images" && o->resample_to != "atlas")
                        throw Error(Kind::usage, fmt::format("--resample-to '{}' is not images or atlas", o->resample_to))
                            .hint("images: the atlas is resampled onto each image (nearest); atlas: images onto the atlas (trilinear)");
                    if (o->atlas.empty() && o->spheres.empty())
                        throw Error(Kind::usage, "no regions given").hint("pass --atlas LABELS and/or --sphere X,Y,Z,RADIUS");
                    if (!o->labels.empty() && o->atlas.empty())
                        throw Error(Kind::usage, "--labels names atlas regions, but no --atlas is given").hint("add --atlas");
                    const bool to_atlas = o->resample_to == "atlas" && !o->atlas.empty();
                    const auto images = expand_image_list(o->images);
                    if (images.empty()) throw Error(Kind::usage, "no images given");
                    std::string json_path;
                    if (!o->out.empty()) {
                        std::vector<std::string> inputs = images;
                        for (const auto* p : {&o->atlas, &o->labels, &o->mask, &o->participants})
                            if (!p->empty()) inputs.push_back(*p);
                        io::check_output_path(o->out, inputs, "--out");
                        const std::string stem = o->out.size() > 4 && o->out.substr(o->out.size() - 4) == ".tsv"
                                                     ? o->out.substr(0, o->out.size() - 4)
                                                     : o->out;
                        json_path = stem + ".json";
                        io::check_output_path(json_path, inputs, "--out (sidecar)");
                    }
                    std::vector<std::int64_t> volumes(images.size());
                    bool any_4d = false;
                    for (std::size_t i = 0; i < images.size(); ++i) {
                        const auto& path = images[i];
                        if (!io::looks_like_image_path(path))
                            throw Error(Kind::usage, fmt::format("{}: not an image file name (.nii, .nii.gz, .hdr/.img)", path))
                                .hint("give images, or one list file with one image path per line");
                        const auto h = io::read_header(path);
                        volumes[i] = h.volumes();
                        any_4d = any_4d || volumes[i] > 1;
                    }

                    roi::RegionDefinition def;
                    std::vector<std::string> names;
                    if (!o->atlas.empty()) {
                        def.atlas = io::read_image<float>(o->atlas, ctx);
                        def.labels = roi::atlas_labels(def.atlas, o->atlas);
                        std::map<std::int32_t, std::string> table;
                        if (!o->labels.empty()) {
                            table = io::read_label_table(o->labels);
                            table.erase(0);  // background rows
                            std::vector<std::string> missing, extra;
                            const std::set<std::int32_t> in_atlas(def.labels.begin(), def.labels.end());
                            for (auto l : def.labels)
                                if (!table.count(l)) missing.push_back(std::to_string(l));
                            for (const auto& [l, name] : table)
                                if (!in_atlas.count(l)) extra.push_back(fmt::format("{} ({})", l, name));
                            if (!missing.empty() || !extra.empty()) {
                                std::string what;
                                if (!missing.empty())
                                    what = fmt::format("atlas labels missing from the table: {}", join_names(missing));
                                if (!extra.empty())
                                    what += fmt::format("{}table labels not in the atlas: {}", what.empty() ? "" : "; ",
                                                        join_names(extra));
                                throw Error(Kind::invalid_input,
                                            fmt::format("{}: the labels table does not match the atlas {} ({})", o->labels,
                                                        o->atlas, what))
                                    .hint("pass the labels file that belongs to this atlas (same parcellation and resolution)");
                            }
                        }
                        for (auto l : def.labels) names.push_back(table.count(l) ? table[l] : std::to_string(l));
                    }
                    for (const auto& s : o->spheres) {
                        def.spheres.push_back(parse_seed(s, o->radius));
                        names.push_back(sphere_name(def.spheres.back()));
                    }
                    {
                        std::set<std::string> seen;
                        for (const auto& n : names)
                            if (!seen.insert(n).second)
                                throw Error(Kind::invalid_input, fmt::format("two regions are both named '{}'", n))
                                    .hint("give each region (label or sphere) a distinct name");
                    }
                    if (!o->mask.empty()) {
                        def.mask = io::read_image<float>(o->mask, ctx);
                        if (def.mask.volumes() != 1)
                            throw Error(Kind::invalid_input, fmt::format("{}: the mask must be one 3D image", o->mask));
                    }

                    // BIDS entities and the participants table.
                    std::vector<std::string> sub(images.size()), ses(images.size());
                    bool any_sub = false, any_ses = false;
                    for (std::size_t i = 0; i < images.size(); ++i)
                        if (const auto b = io::try_parse_bids_name(images[i])) {
                            if (auto s = b->get("sub")) sub[i] = *s, any_sub = true;
                            if (auto s = b->get("ses")) ses[i] = *s, any_ses = true;
                        }
                    io::Table participants;
                    std::vector<std::size_t> prow(images.size());
                    std::vector<std::size_t> pcols;
                    if (!o->participants.empty()) {
                        participants = io::read_table(o->participants);
                        if (!participants.has("participant_id"))
                            throw Error(Kind::invalid_input,
                                        fmt::format("{}: no participant_id column", o->participants))
                                .hint("a BIDS participants.tsv starts with participant_id (sub-01, ...)");
                        std::map<std::string, std::size_t> by_id;
                        const auto ids = participants.strings("participant_id");
                        for (std::size_t r = 0; r < ids.size(); ++r)
                            by_id[ids[r].rfind("sub-", 0) == 0 ? ids[r].substr(4) : ids[r]] = r;
                        std::vector<std::string> absent;
                        std::set<std::string> absent_seen;
                        for (std::size_t i = 0; i < images.size(); ++i) {
                            if (sub[i].empty())
                                throw Error(Kind::invalid_input,
                                            fmt::format("{}: no sub- label in the file name to join with {}", images[i],
                                                        o->participants))
                                    .hint("name the maps as BIDS (sub-01_..._map.nii.gz), or leave out --participants");
                            const auto it = by_id.find(sub[i]);
                            if (it == by_id.end()) {
                                if (absent_seen.insert(sub[i]).second) absent.push_back("sub-" + sub[i]);
                            } else {
                                prow[i] = it->second;
                            }
                        }
                        if (!absent.empty())
                            throw Error(Kind::invalid_input,
                                        fmt::format("{}: no row for {} (found in the image file names)", o->participants,
                                                    join_names(absent)))
                                .hint("add the participants to the table, or leave their images out");
                        for (std::size_t c = 0; c < participants.cols(); ++c) {
                            const auto& name = participants.columns()[c];
                            if (name == "participant_id") continue;
                            if (name == "image" || name == "volume" || name == "sub" || name == "ses" ||
                                std::find(names.begin(), names.end(), name) != names.end())
                                throw Error(Kind::invalid_input,
                                            fmt::format("{}: column '{}' clashes with an output column", o->participants, name))
                                    .hint("rename the column in the participants table");
                            pcols.push_back(c);
                        }
                    }

                    // ---- Region measures, images in parallel (one image in memory per thread).
                    std::vector<Eigen::MatrixXd> results(images.size());
                    std::vector<std::size_t> placement_of(images.size());
                    std::vector<std::shared_ptr<Placement>> placements;
                    std::mutex mu;
                    Context inner = ctx;
                    inner.set_threads(1);
                    const image::Grid atlas_grid = def.atlas.empty() ? image::Grid{} : def.atlas.grid();
                    // Place the regions for the atlas grid itself first (a common case; also checks spheres early).
                    auto place_for = [&](const image::Grid& source, const std::string& path) -> std::size_t {
                        std::lock_guard<std::mutex> lock(mu);
                        for (std::size_t p = 0; p < placements.size(); ++p)
                            if (placements[p]->source.same_as(source)) {
                                placements[p]->images++;
                                return p;
                            }
                        auto pl = std::make_shared<Placement>();
                        pl->source = source;
                        pl->first_image = path;
                        pl->images = 1;
                        pl->regions = to_atlas ? roi::place_regions(def, atlas_grid, &source, inner)
                                               : roi::place_regions(def, source, nullptr, inner);
                        if (pl->regions.total() == 0)
                            throw Error(Kind::invalid_input,
                                        fmt::format("{}: no region {}overlaps this image ({}){}", path,
                                                    o->atlas.empty() ? "sphere " : fmt::format("of {} ", o->atlas),
                                                    source.describe(), def.mask.empty() ? "" : " within the mask"))
                                .hint("check that the image and the atlas are in the same space (e.g. MNI); `algia info` "
                                      "shows both affines");
                        placements.push_back(pl);
                        return placements.size() - 1;
                    };
                    parallel_for(ctx, images.size(), 1, [&](std::size_t b, std::size_t e) {
                        for (std::size_t i = b; i < e; ++i) {
                            auto img = io::read_image<float>(images[i], inner);
                            const std::size_t p = place_for(img.grid(), images[i]);
                            const auto& regions = placements[p]->regions;
                            if (!img.grid().same_as(regions.grid))
                                img = image::resample(img, regions.grid, image::Interp::linear, inner);
                            results[i] = roi::region_stats(img, regions, stat);
                            placement_of[i] = p;
                        }
                    });

                    // Grids in the order of their first image (not of the threads' arrival), so the sidecar
                    // is the same on any thread count.
                    {
                        std::vector<std::size_t> first(placements.size(), images.size()), count(placements.size(), 0);
                        for (std::size_t i = 0; i < images.size(); ++i) {
                            first[placement_of[i]] = std::min(first[placement_of[i]], i);
                            count[placement_of[i]]++;
                        }
                        std::vector<std::size_t> order(placements.size());
                        for (std::size_t p = 0; p < order.size(); ++p) order[p] = p;
                        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return first[a] < first[b]; });
                        std::vector<std::size_t> rank(placements.size());
                        std::vector<std::shared_ptr<Placement>> sorted;
                        for (std::size_t k = 0; k < order.size(); ++k) {
                            rank[order[k]] = k;
                            sorted.push_back(placements[order[k]]);
                            sorted.back()->first_image = images[first[order[k]]];
                            sorted.back()->images = count[order[k]];
                        }
                        placements = std::move(sorted);
                        for (auto& p : placement_of) p = rank[p];
                    }

                    // ---- Empty regions: reported, written as n/a.
                    std::vector<std::string> warnings;
                    for (const auto& pl : placements) {
                        std::vector<std::string> empty;
                        for (std::size_t r = 0; r < names.size(); ++r)
                            if (pl->regions.voxels[r].empty()) empty.push_back(names[r]);
                        if (!empty.empty())
                            warnings.push_back(fmt::format(
                                "{} region{} with no voxel {}on the grid of {} ({} image{}; written as n/a): {}", empty.size(),
                                empty.size() == 1 ? "" : "s", def.mask.empty() ? "" : "in the mask ", pl->first_image,
                                pl->images, pl->images == 1 ? "" : "s", join_names(empty)));
                    }

                    // ---- Output.
                    std::vector<std::string> lead = {"image"};
                    if (any_sub) lead.push_back("sub");
                    if (any_ses) lead.push_back("ses");
                    const bool volume_col = any_4d || o->long_format;
                    if (volume_col) lead.push_back("volume");
                    for (auto c : pcols) lead.push_back(participants.columns()[c]);
                    auto lead_cells = [&](std::size_t i, std::int64_t t) {
                        std::vector<std::string> row = {images[i]};
                        if (any_sub) row.push_back(sub[i].empty() ? "n/a" : sub[i]);
                        if (any_ses) row.push_back(ses[i].empty() ? "n/a" : ses[i]);
                        if (volume_col) row.push_back(std::to_string(t));
                        for (auto c : pcols) row.push_back(participants.cell(prow[i], c));
                        return row;
                    };
                    io::Table table;
                    if (o->long_format) {
                        auto cols = lead;
                        for (const char* c : {"region", "value", "n_voxels"}) cols.push_back(c);
                        table = io::Table(cols);
                        for (std::size_t i = 0; i < images.size(); ++i) {
                            const auto& regions = placements[placement_of[i]]->regions;
                            for (Eigen::Index t = 0; t < results[i].rows(); ++t)
                                for (std::size_t r = 0; r < names.size(); ++r) {
                                    auto row = lead_cells(i, t);
                                    row.push_back(names[r]);
                                    row.push_back(io::format_number(results[i](t, Eigen::Index(r))));
                                    row.push_back(std::to_string(regions.voxels[r].size()));
                                    table.add_row(std::move(row));
                                }
                        }
                    } else {
                        auto cols = lead;
                        cols.insert(cols.end(), names.begin(), names.end());
                        table = io::Table(cols);
                        for (std::size_t i = 0; i < images.size(); ++i)
                            for (Eigen::Index t = 0; t < results[i].rows(); ++t) {
                                auto row = lead_cells(i, t);
                                for (std::size_t r = 0; r < names.size(); ++r)
                                    row.push_back(io::format_number(results[i](t, Eigen::Index(r))));
                                table.add_row(std::move(row));
                            }
                    }
                    if (o->out.empty()) {
                        std::fputs(io::format_table(table).c_str(), stdout);
                    } else {
                        io::Json grids = io::Json::array();
                        for (const auto& pl : placements) {
                            io::Json counts = io::Json::object();
                            for (std::size_t r = 0; r < names.size(); ++r) counts[names[r]] = pl->regions.voxels[r].size();
                            const bool resampled = !pl->source.same_as(pl->regions.grid) ||
                                                   (!def.atlas.empty() && !def.atlas.grid().same_as(pl->regions.grid));
                            grids.push_back({{"ImageGrid", pl->source.describe()},
                                             {"AnalysisGrid", pl->regions.grid.describe()},
                                             {"Resampled", resampled},
                                             {"Images", pl->images},
                                             {"FirstImage", pl->first_image},
                                             {"VoxelVolume_mL", roi::voxel_ml(pl->regions.grid)},
                                             {"VoxelCounts", counts}});
                        }
                        io::Json side = {
                            {"Statistic", roi::stat_name(stat)},
                            {"Units", stat == roi::Stat::volume ? "mL (sum of voxel values x voxel volume)" : "image units"},
                            {"ResampleTo", o->resample_to},
                            {"Resampling", to_atlas ? "images resampled onto the atlas grid (trilinear); voxels outside an "
                                                      "image's field of view left out"
                                                    : "atlas and mask resampled onto each image's grid (nearest neighbour), "
                                                      "as nilearn's NiftiLabelsMasker"},
                            {"Atlas", o->atlas.empty() ? io::Json(nullptr) : io::Json(o->atlas)},
                            {"Labels", o->labels.empty() ? io::Json(nullptr) : io::Json(o->labels)},
                            {"Mask", o->mask.empty() ? io::Json(nullptr) : io::Json(o->mask)},
                            {"Spheres", o->spheres},
                            {"Participants", o->participants.empty() ? io::Json(nullptr) : io::Json(o->participants)},
                            {"Format", o->long_format ? "long" : "wide"},
                            {"NonFiniteValues", "counted as 0 (as nilearn's ensure_finite)"},
                            {"Regions", names},
                            {"Grids", grids},
                            {"Warnings", warnings},
                            {"Reference", "nilearn 0.10.3 NiftiLabelsMasker (strategy mean/median/sum)"}};
                        io::write_json(json_path, side);
                        io::write_table(o->out, table);
                    }
                    for (const auto& w : warnings) std::fprintf(stderr, "algia roi: warning: %s\n", w.c_str());
                    return 0;
                };
            }};
}

}  // namespace algia::cli
