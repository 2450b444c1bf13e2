// algia extract BOLD --atlas ATLAS ... --out PREFIX: denoised region time series of one run.

#include <cmath>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "../command.hpp"
#include "../denoise.hpp"
#include "algia/core/error.hpp"
#include "algia/io/file.hpp"
#include "algia/io/json.hpp"
#include "algia/io/labels.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/volume_reader.hpp"
#include "algia/io/tsv.hpp"
#include "algia/signal/clean.hpp"
#include "algia/signal/confounds.hpp"
#include "algia/signal/regions.hpp"

namespace algia::cli {

namespace {

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
    double sa = 0, sb = 0, n = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::isfinite(a[i]) && std::isfinite(b[i])) sa += a[i], sb += b[i], n += 1;
    if (n < 3) return std::nan("");
    const double ma = sa / n, mb = sb / n;
    double cab = 0, caa = 0, cbb = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::isfinite(a[i]) && std::isfinite(b[i])) {
            cab += (a[i] - ma) * (b[i] - mb);
            caa += (a[i] - ma) * (a[i] - ma);
            cbb += (b[i] - mb) * (b[i] - mb);
        }
    return caa > 0 && cbb > 0 ? cab / std::sqrt(caa * cbb) : std::nan("");
}

}  // namespace

Command extract_command() {
    return {"extract", "Denoised region time series of a BOLD run (fMRIPrep confounds, scrubbing, filtering)",
            [](CLI::App& app) -> Run {
                struct Options {
                    std::string bold, atlas, maps, labels, mask, out;
                    std::vector<std::string> seeds;
                    double radius = 6.0;
                    DenoiseCli dn;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "Region means of a 4D BOLD run within each atlas label (the atlas is resampled onto the BOLD grid by "
                    "nearest neighbour; labels with no voxel are dropped and reported), then cleaned as nilearn's "
                    "signal.clean does: censored volumes interpolated for filtering and dropped after it, linear detrend, "
                    "Butterworth filter (order 5, zero-phase) on signals and confounds, confound regression, "
                    "standardisation. Writes PREFIX_timeseries.tsv (+ .json), PREFIX_outliers.tsv and PREFIX_qc.tsv. "
                    "Strategies: none, 6p, 9p, 12p, 24p, 27p, 36p, acompcor, acompcor+gsr, simple.");
                app.add_option("bold", o->bold, "Preprocessed 4D BOLD (e.g. *_desc-preproc_bold.nii.gz)")->required();
                auto* atlas_opt = app.add_option("--atlas", o->atlas, "Label atlas (integers, 0 = background)");
                auto* maps_opt = app.add_option("--maps", o->maps, "4D probabilistic maps (least-squares fit, as nilearn's maps masker)");
                auto* seed_opt = app.add_option("--seed", o->seeds, "Sphere X,Y,Z[,RADIUS] in mm (repeatable; as nilearn's spheres masker)");
                app.add_option("--radius", o->radius, "Default sphere radius (mm)")->capture_default_str();
                atlas_opt->excludes(maps_opt)->excludes(seed_opt);
                maps_opt->excludes(seed_opt);
                app.add_option("--labels", o->labels, "Region names (CBIG .txt, or TSV with index/name)");
                app.add_option("--mask", o->mask, "Brain mask: voxels outside are ignored");
                add_denoise_options(app, o->dn);
                app.add_option("--out,-o", o->out, "Output prefix (PREFIX_timeseries.tsv, ...)")->required();
                return [o](Context& ctx) {
                    const std::string ts_path = o->out + "_timeseries.tsv";
                    if (o->atlas.empty() && o->maps.empty() && o->seeds.empty())
                        throw Error(Kind::usage, "no regions given").hint("pass --atlas LABELS, --maps MAPS or --seed X,Y,Z[,R]");
                    io::check_output_path(ts_path, {o->bold}, "--out");
                    // Label means need one volume at a time: the run is streamed (memory: one
                    // volume); maps and spheres read it whole.
                    io::ImageHeader h;
                    std::unique_ptr<io::VolumeReader> reader;
                    image::Image<float> bold;
                    if (!o->atlas.empty()) {
                        reader = std::make_unique<io::VolumeReader>(o->bold);
                        h = reader->header();
                    } else {
                        bold = io::read_image<float>(o->bold, ctx, &h);
                    }
                    const image::Grid bold_grid = reader ? reader->grid() : bold.grid();
                    const std::int64_t volumes = reader ? reader->volumes() : bold.volumes();
                    if (volumes < 2)
                        throw Error(Kind::invalid_input,
                                    fmt::format("{}: is 3-D, but `algia extract` needs a 4-D BOLD run", o->bold))
                            .hint("pass the preprocessed BOLD file (desc-preproc_bold.nii.gz), not a mask or a map");
                    const std::string region_source = !o->atlas.empty() ? o->atlas : (!o->maps.empty() ? o->maps : "seeds");
                    image::Image<float> atlas;
                    if (!o->atlas.empty()) {
                        atlas = io::read_image<float>(o->atlas, ctx);
                        if (atlas.volumes() != 1)
                            throw Error(Kind::invalid_input, fmt::format("{}: the atlas must be a 3D label image", o->atlas))
                                .hint("for probabilistic (4D) maps use --maps");
                    } else if (!o->maps.empty()) {
                        atlas = io::read_image<float>(o->maps, ctx);
                    }
                    const bool resampled = !atlas.empty() && !atlas.grid().same_as(bold_grid);
                    image::Image<float> mask;
                    if (!o->mask.empty()) mask = io::read_image<float>(o->mask, ctx);
                    const std::size_t nt = std::size_t(volumes);
                    const Denoising dn = prepare_denoising(o->dn, o->bold, h.tr_seconds, nt);
                    const auto& conf = dn.confounds;
                    const double tr = dn.tr;
                    signal::RegionSignals rs;
                    if (!o->atlas.empty()) {
                        rs = signal::label_signals(*reader, atlas, mask, ctx);
                    } else if (!o->maps.empty()) {
                        rs.signals = signal::maps_signals(bold, atlas, mask, ctx);
                        for (Eigen::Index m = 0; m < rs.signals.cols(); ++m) rs.labels.push_back(std::int32_t(m + 1));
                    } else {
                        std::vector<signal::Sphere> spheres;
                        for (const auto& sd : o->seeds) spheres.push_back(parse_seed(sd, o->radius));
                        rs.signals = signal::sphere_signals(bold, spheres, mask, ctx);
                        for (std::size_t i = 0; i < spheres.size(); ++i) rs.labels.push_back(std::int32_t(i + 1));
                    }
                    const auto cleaned = signal::clean(rs.signals, conf.values, dn.clean, dn.kept);

                    // Region names.
                    std::map<std::int32_t, std::string> names;
                    if (!o->labels.empty()) names = io::read_label_table(o->labels);
                    std::vector<std::string> cols;
                    for (std::size_t i = 0; i < rs.labels.size(); ++i) {
                        const auto l = rs.labels[i];
                        if (names.count(l)) cols.push_back(names[l]);
                        else if (!o->seeds.empty()) cols.push_back("seed-" + o->seeds[i]);
                        else if (!o->maps.empty()) cols.push_back("map" + std::to_string(l - 1));
                        else cols.push_back(std::to_string(l));
                    }
                    // QC: tSNR of the raw region signals, constant regions.
                    std::vector<std::string> constant;
                    std::vector<double> tsnr;
                    for (Eigen::Index j = 0; j < rs.signals.cols(); ++j) {
                        const double m = rs.signals.col(j).mean();
                        const double sd = std::sqrt((rs.signals.col(j).array() - m).square().sum() / double(rs.signals.rows()));
                        if (sd == 0) constant.push_back(cols[std::size_t(j)]);
                        else tsnr.push_back(m / sd);
                    }
                    std::sort(tsnr.begin(), tsnr.end());
                    std::vector<std::string> missing;
                    for (auto l : rs.missing) missing.push_back(names.count(l) ? names[l] : std::to_string(l));
                    auto join = [](const std::vector<std::string>& v) {
                        std::string s;
                        for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
                        return s.empty() ? std::string("n/a") : s;
                    };
                    double fd_sum = 0, fd_max = 0;
                    int fd_n = 0;
                    for (double f : conf.fd)
                        if (std::isfinite(f)) fd_sum += f, fd_max = std::max(fd_max, f), ++fd_n;

                    io::Table ts(cols);
                    for (Eigen::Index i = 0; i < cleaned.rows(); ++i) {
                        std::vector<std::string> row;
                        for (Eigen::Index j = 0; j < cleaned.cols(); ++j) row.push_back(io::format_number(cleaned(i, j)));
                        ts.add_row(std::move(row));
                    }
                    io::Table outliers({"volume", "kept", "reason", "framewise_displacement", "std_dvars"});
                    for (std::size_t i = 0; i < nt; ++i)
                        outliers.add_row({std::to_string(i), conf.reason[i].empty() ? "1" : "0",
                                          conf.reason[i].empty() ? "n/a" : conf.reason[i], io::format_number(conf.fd[i]),
                                          io::format_number(conf.dvars[i])});
                    io::Table qc({"n_volumes", "n_kept", "n_censored", "mean_fd", "max_fd", "fd_dvars_correlation",
                                  "n_regions", "regions_without_voxels", "constant_regions", "median_tsnr",
                                  "n_confounds", "repetition_time"});
                    qc.add_row({std::to_string(nt), std::to_string(conf.kept.size()), std::to_string(nt - conf.kept.size()),
                                io::format_number(fd_n ? fd_sum / fd_n : std::nan("")), io::format_number(fd_n ? fd_max : std::nan("")),
                                io::format_number(pearson(conf.fd, conf.dvars)), std::to_string(cols.size()), join(missing),
                                join(constant), io::format_number(tsnr.empty() ? std::nan("") : tsnr[tsnr.size() / 2]),
                                std::to_string(conf.columns.size()), io::format_number(tr)});
                    io::Json side = {{"SamplingFrequency", tr > 0 ? io::Json(1.0 / tr) : io::Json(nullptr)},
                                     {"RepetitionTimeSource", dn.tr_source.empty() ? io::Json(nullptr) : io::Json(dn.tr_source)},
                                     {"Sources", io::Json::array({o->bold, region_source})},
                                     {"ConfoundsFile", dn.confounds_path.empty() ? io::Json(nullptr) : io::Json(dn.confounds_path)},
                                     {"Strategy", o->dn.strategy},
                                     {"ConfoundColumns", conf.columns},
                                     {"CensoredVolumes", nt - conf.kept.size()},
                                     {"Detrend", !o->dn.no_detrend},
                                     {"Filter", o->dn.filter},
                                     {"HighPass", o->dn.high_pass ? io::Json(*o->dn.high_pass) : io::Json(nullptr)},
                                     {"LowPass", o->dn.low_pass ? io::Json(*o->dn.low_pass) : io::Json(nullptr)},
                                     {"Standardize", o->dn.standardize},
                                     {"AtlasResampled", resampled},
                                     {"Reference", "nilearn 0.10.3 signal.clean / NiftiLabelsMasker"}};
                    io::write_table(o->out + "_outliers.tsv", outliers);
                    io::write_table(o->out + "_qc.tsv", qc);
                    io::write_json(o->out + "_timeseries.json", side);
                    io::write_table(ts_path, ts);
                    if (resampled)
                        std::fprintf(stderr, "algia extract: note: %s is on another grid than %s; resampled by nearest neighbour\n",
                                     region_source.c_str(), o->bold.c_str());
                    if (!missing.empty())
                        std::fprintf(stderr, "algia extract: warning: %zu atlas regions have no voxel in this image and are left out: %s\n",
                                     missing.size(), join(missing).c_str());
                    if (!constant.empty())
                        std::fprintf(stderr, "algia extract: warning: %zu regions have a constant signal (set to 0): %s\n",
                                     constant.size(), join(constant).c_str());
                    return 0;
                };
            }};
}

}  // namespace algia::cli
