#include "algia/glm/first_level.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/glm/design.hpp"
#include "algia/glm/epi_mask.hpp"
#include "algia/glm/model.hpp"
#include "algia/glm/picture.hpp"
#include "algia/glm/single_trial.hpp"
#include "algia/io/file.hpp"
#include "algia/io/json.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/tsv.hpp"
#include "algia/signal/confounds.hpp"

namespace algia::glm {

namespace fs = std::filesystem;

namespace {

std::string strip_image_ext(const std::string& path) {
    std::string name = fs::path(path).filename().string();
    for (const char* ext : {".nii.gz", ".nii"})
        if (name.size() > std::strlen(ext) && name.compare(name.size() - std::strlen(ext), std::strlen(ext), ext) == 0)
            return name.substr(0, name.size() - std::strlen(ext));
    return name;
}

std::string sidecar_of(const std::string& bold) {
    const std::string stem = strip_image_ext(bold);
    return (fs::path(bold).parent_path() / (stem + ".json")).string();
}

// BIDS prefix of a run: the file name without extension and without its suffix (_bold) and desc-.
std::string run_prefix(const std::string& bold) {
    std::string stem = strip_image_ext(bold);
    const auto us = stem.rfind('_');
    if (us != std::string::npos && stem.find('-', us) == std::string::npos) stem = stem.substr(0, us);  // suffix
    stem = std::regex_replace(stem, std::regex("_desc-[A-Za-z0-9]+"), "");
    return stem;
}

}  // namespace

std::pair<std::string, std::string> parse_named_contrast(const std::string& s, const std::string& what) {
    const auto eq = s.find('=');
    if (eq == std::string::npos)
        throw Error(Kind::usage, fmt::format("{} '{}': expected NAME=EXPR", what, s)).hint("e.g. heat=heat_high-heat_low");
    const std::string name = s.substr(0, eq);
    static const std::regex name_re("[A-Za-z0-9]+");
    if (!std::regex_match(name, name_re))
        throw Error(Kind::usage, fmt::format("{} '{}': the name '{}' is not a BIDS label", what, s, name))
            .hint("use letters and digits only, e.g. heatVsWarm");
    return {name, s.substr(eq + 1)};
}

std::vector<std::int64_t> model_voxels(const std::vector<const image::Image<float>*>& runs, const image::Image<float>& mask) {
    std::vector<std::int64_t> voxels;
    const std::int64_t nvox = runs.front()->grid().voxels();
    for (std::int64_t v = 0; v < nvox; ++v) {
        bool in = true;
        if (!mask.empty()) in = mask.data()[v] != 0 && std::isfinite(mask.data()[v]);
        else
            for (const auto* img : runs) {
                double s = 0;
                float mn = img->data()[v], mx = mn;
                for (std::int64_t t = 0; t < img->volumes(); ++t) {
                    const float x = img->data()[v + t * nvox];
                    s += x;
                    mn = std::min(mn, x);
                    mx = std::max(mx, x);
                }
                in = in && s > 0 && mx > mn;
            }
        if (in) voxels.push_back(v);
    }
    return voxels;
}

FirstLevelOutputs first_level(const FirstLevelOptions& o, const std::string& out_dir, const Context& ctx) {
    if (!fs::is_directory(out_dir))
        throw Error(Kind::io, fmt::format("{}: the output folder does not exist", out_dir)).hint(fmt::format("create it first (mkdir -p {})", out_dir));
    const std::size_t n_runs = o.bold.size();
    if (o.events.size() != n_runs)
        throw Error(Kind::usage, fmt::format("{} BOLD runs but {} events files", n_runs, o.events.size()))
            .hint("give one --events file per run, in the same order");
    if (!o.confounds.empty() && o.confounds.size() != n_runs)
        throw Error(Kind::usage, fmt::format("{} BOLD runs but {} confounds files", n_runs, o.confounds.size()))
            .hint("give one --confounds file per run, in the same order");
    if (o.contrasts.empty() && o.single_trial.empty())
        throw Error(Kind::usage, "nothing to compute").hint("give --contrast NAME=EXPR and/or --single-trial lss|lsa");
    if (o.smooth < 0) throw Error(Kind::usage, "--smooth must be >= 0");
    const bool scrubbing = o.scrub_fd.has_value() || o.scrub_dvars.has_value();
    if (scrubbing && o.confounds.empty())
        throw Error(Kind::usage, "--scrub-fd / --scrub-dvars need the runs' confounds tables")
            .hint("give one fMRIPrep --confounds file per run (framewise_displacement, std_dvars)");
    if (!o.sample_masks.empty() && o.sample_masks.size() != n_runs)
        throw Error(Kind::usage, fmt::format("{} BOLD runs but {} sample-mask files", n_runs, o.sample_masks.size()))
            .hint("give one --sample-mask file per run, in the same order");
    if (o.min_segment < 0) throw Error(Kind::usage, "--min-segment must be >= 0");
    const bool censoring = scrubbing || !o.sample_masks.empty();
    DesignOptions dopt;
    dopt.hrf = parse_hrf_model(o.hrf);
    dopt.drift = o.drift;
    dopt.high_pass = o.high_pass;
    dopt.drift_order = o.drift_order;
    dopt.fir_delays = o.fir_delays;
    const Noise noise = o.noise == "ols" ? Noise::ols : Noise::ar1;
    const auto& contrasts = o.contrasts;
    FirstLevelOutputs result;
    // Read the runs.
    // --mask: a file, "epi" (nilearn's compute_epi_mask of the first run; the default) or "nonzero"
    // (voxels whose time mean is > 0 and that vary in every run: algia's rule before the EPI mask).
    const bool epi_mask = o.mask.empty() || o.mask == "epi";
    const bool nonzero_mask = o.mask == "nonzero";
    image::Image<float> mask;
    if (!epi_mask && !nonzero_mask) mask = io::read_image<float>(o.mask, ctx);
    image::Grid grid;
    std::vector<image::Image<float>> runs;
    std::vector<DesignMatrix> designs;
    std::vector<Events> run_events;
    std::vector<Eigen::VectorXd> run_times;
    std::vector<Eigen::MatrixXd> run_conf;
    std::vector<std::string> conf_names;
    std::vector<std::string> conf_names_run;
    // Censoring per run: the kept volumes, and per volume the reason ("" = kept), FD and std_dvars.
    std::vector<std::vector<std::size_t>> run_kept;
    std::vector<std::vector<std::string>> run_reason;
    std::vector<std::vector<double>> run_fd, run_dvars;
    for (std::size_t r = 0; r < n_runs; ++r) {
        io::ImageHeader hdr;
        auto img = io::read_image<float>(o.bold[r], ctx, &hdr);
        if (img.volumes() < 3)
            throw Error(Kind::invalid_input, fmt::format("{}: has {} volume(s); a GLM needs a 4D run", o.bold[r], img.volumes()));
        if (r == 0) grid = img.grid();
        else if (!img.grid().same_as(grid))
            throw Error(Kind::invalid_input, fmt::format("{}: is on another grid ({}) than {} ({})", o.bold[r], img.grid().describe(), o.bold[0], grid.describe()))
                .hint("all runs must be on the same grid");
        // TR and slice timing.
        double tr = 0, start_time = NAN;
        const std::string sidecar = sidecar_of(o.bold[r]);
        io::Json side;
        if (io::file_exists(sidecar)) side = io::read_json(sidecar);
        if (o.t_r) tr = *o.t_r;
        else if (auto v = side.is_null() ? std::nullopt : io::json_number(side, "RepetitionTime", sidecar)) tr = *v;
        else tr = hdr.tr_seconds;
        if (!(tr > 0))
            throw Error(Kind::invalid_input, fmt::format("{}: no repetition time in --t-r, the JSON sidecar ({}) or the header", o.bold[r], sidecar))
                .hint("pass --t-r SECONDS");
        if (!side.is_null())
            if (auto v = io::json_number(side, "StartTime", sidecar)) start_time = *v;
        double ref = o.slice_time_ref ? *o.slice_time_ref : (std::isfinite(start_time) ? start_time / tr : 0.0);
        if (ref < 0 || ref > 1) throw Error(Kind::usage, fmt::format("slice-time reference {} is outside [0, 1]", ref));
        const std::size_t T = std::size_t(img.volumes());
        const Eigen::VectorXd ft = frame_times(T, tr, ref);
        auto ev = read_events(o.events[r], !o.no_modulators);
        check_events_in_run(ev, ft);
        Eigen::MatrixXd conf;
        std::vector<std::string> names;
        std::vector<std::string> reason(T);
        std::vector<double> fd(T, NAN), dvars(T, NAN);
        if (!o.confounds.empty()) {
            signal::ConfoundOptions co;
            co.strategy = o.strategy;
            co.columns = o.confound_columns;
            // Scrubbing censors as `algia extract --scrub-fd` does, non-steady-state volumes included.
            co.drop_non_steady_state = scrubbing;
            co.scrub_fd = o.scrub_fd;
            co.scrub_dvars = o.scrub_dvars;
            co.min_segment = o.min_segment;
            const auto c = signal::load_confounds(o.confounds[r], co, T);
            conf = c.values;
            names = c.columns;
            reason = c.reason;
            fd = c.fd;
            dvars = c.dvars;
            if (!conf.allFinite())
                throw Error(Kind::invalid_input, fmt::format("{}: the selected confounds contain NaN or n/a values", o.confounds[r]))
                    .hint("fill or drop the incomplete columns (only the first row of derivatives may be n/a)");
        }
        if (!o.sample_masks.empty()) {
            const auto& path = o.sample_masks[r];
            const auto t = io::read_table(path);
            if (!t.has("kept") && t.cols() != 1)
                throw Error(Kind::invalid_input, fmt::format("{}: a sample mask needs a 0/1 column 'kept' (or a single 0/1 column)", path))
                    .hint("one row per volume, 1 = kept, 0 = censored (algia extract's _outliers.tsv works)");
            if (t.rows() != T)
                throw Error(Kind::invalid_input, fmt::format("{}: has {} rows but {} has {} volumes", path, t.rows(), o.bold[r], T))
                    .hint("give one row per volume of the run");
            const auto k = t.has("kept") ? t.numeric("kept") : t.numeric(std::size_t(0));
            for (std::size_t i = 0; i < T; ++i) {
                if (k[i] != 0 && k[i] != 1)
                    throw Error(Kind::invalid_input, fmt::format("{}: row {}: the sample mask must be 0 or 1", path, i + 2))
                        .hint("1 = kept, 0 = censored");
                if (k[i] == 0 && reason[i].empty()) reason[i] = "sample_mask";
            }
        }
        std::vector<std::size_t> kept;
        for (std::size_t i = 0; i < T; ++i)
            if (reason[i].empty()) kept.push_back(i);
        auto d = make_design_matrix(ft, ev, dopt, conf, names);
        censor_design(d, censoring, kept, fmt::format("{} (run {})", o.bold[r], r + 1),
                      "loosen --scrub-fd / --scrub-dvars or the sample mask, or exclude this run");
        run_kept.push_back(std::move(kept));
        run_reason.push_back(std::move(reason));
        run_fd.push_back(std::move(fd));
        run_dvars.push_back(std::move(dvars));
        designs.push_back(std::move(d));
        run_events.push_back(std::move(ev));
        run_times.push_back(ft);
        run_conf.push_back(conf);
        conf_names_run = names;
        runs.push_back(std::move(img));
    }
    conf_names = conf_names_run;
    if (epi_mask) {
        mask = compute_epi_mask(runs[0], ctx);
        if (std::none_of(mask.data(), mask.data() + mask.size(), [](float x) { return x != 0; }))
            throw Error(Kind::invalid_input, fmt::format("{}: nilearn's EPI mask of this run is empty", o.bold[0]))
                .hint("pass a brain mask with --mask FILE (or --mask nonzero); are the data detrended or already masked?");
    }
    if (!epi_mask && !mask.empty() && !mask.grid().same_as(grid))
        throw Error(Kind::invalid_input, fmt::format("{}: the mask is on another grid ({}) than the BOLD runs ({})", o.mask, mask.grid().describe(), grid.describe()))
            .hint("resample it with algia resample --interp nearest");
    // Voxels.
    const std::int64_t nvox = grid.voxels();
    std::vector<const image::Image<float>*> run_ptrs;
    for (const auto& img : runs) run_ptrs.push_back(&img);
    const std::vector<std::int64_t> voxels = model_voxels(run_ptrs, mask);
    if (voxels.empty()) throw Error(Kind::invalid_input, "no voxel in the mask").hint("check --mask");
    // Data per run: smooth, mask, scale, fit.
    std::vector<Eigen::MatrixXf> Ys;
    for (std::size_t r = 0; r < n_runs; ++r) {
        auto& img = runs[r];
        if (o.smooth > 0) smooth_volumes(img.data(), grid.dims, img.volumes(), grid.voxel_size(), o.smooth, ctx);
        const auto& kept = run_kept[r];
        Eigen::MatrixXf Y(Eigen::Index(voxels.size()), Eigen::Index(kept.size()));  // voxels x kept time
        parallel_for(ctx, kept.size(), 8, [&](std::size_t t0, std::size_t t1) {
            for (std::size_t t = t0; t < t1; ++t) {
                const float* vol = img.data() + std::int64_t(kept[t]) * nvox;
                float* col = Y.col(Eigen::Index(t)).data();
                for (std::size_t j = 0; j < voxels.size(); ++j) col[j] = vol[voxels[j]];
            }
        });
        if (!Y.allFinite())
            throw Error(Kind::invalid_input, fmt::format("{}: NaN or infinite values inside the mask", o.bold[r])).hint("check the preprocessing, or pass a tighter --mask");
        mean_scaling(Y);
        Ys.push_back(std::move(Y));
        img = image::Image<float>();
    }
    result.prefix = !o.prefix.empty() ? o.prefix
                    : n_runs == 1 ? run_prefix(o.bold[0])
                                  : std::regex_replace(run_prefix(o.bold[0]), std::regex("_run-[A-Za-z0-9]+"), "");
    const std::string& prefix = result.prefix;
    auto write_map = [&](const std::string& file, const std::vector<Eigen::VectorXd>& maps, const std::string& descrip) {
        image::Image<float> img(grid, std::int64_t(maps.size()));
        std::fill(img.data(), img.data() + img.size(), 0.0f);
        for (std::size_t k = 0; k < maps.size(); ++k)
            for (std::size_t j = 0; j < voxels.size(); ++j) img.data()[std::int64_t(k) * nvox + voxels[j]] = float(maps[k][Eigen::Index(j)]);
        io::WriteOptions wo;
        wo.descrip = descrip;
        io::write_nifti((fs::path(out_dir) / file).string(), img, ctx, wo);
    };
    if (epi_mask) {
        io::WriteOptions wo;
        wo.descrip = "algia glm: nilearn's EPI mask";
        io::write_nifti((fs::path(out_dir) / (prefix + "_desc-epi_mask.nii.gz")).string(), mask, ctx, wo);
        result.mask = (fs::path(out_dir) / (prefix + "_desc-epi_mask.nii.gz")).string();
    }
    // Designs.
    for (std::size_t r = 0; r < n_runs; ++r) {
        io::Table t(designs[r].columns);
        for (Eigen::Index i = 0; i < designs[r].X.rows(); ++i) {
            std::vector<std::string> row;
            for (Eigen::Index j = 0; j < designs[r].X.cols(); ++j) row.push_back(io::format_number(designs[r].X(i, j)));
            t.add_row(row);
        }
        std::string name = run_prefix(o.bold[r]);
        for (std::size_t q = 0; q < n_runs; ++q)
            if (q != r && run_prefix(o.bold[q]) == name) {
                name += fmt::format("_run-{}", r + 1);
                break;
            }
        io::write_table((fs::path(out_dir) / (name + "_design.tsv")).string(), t);
        if (censoring) {
            io::Table outl({"volume", "kept", "reason", "framewise_displacement", "std_dvars"});
            for (std::size_t i = 0; i < run_reason[r].size(); ++i)
                outl.add_row({std::to_string(i), run_reason[r][i].empty() ? "1" : "0", run_reason[r][i].empty() ? "n/a" : run_reason[r][i],
                              io::format_number(run_fd[r][i]), io::format_number(run_dvars[r][i])});
            io::write_table((fs::path(out_dir) / (name + "_outliers.tsv")).string(), outl);
            result.outliers.push_back((fs::path(out_dir) / (name + "_outliers.tsv")).string());
        }
        result.designs.push_back((fs::path(out_dir) / (name + "_design.tsv")).string());
        write_design_png((fs::path(out_dir) / (name + "_design.png")).string(), designs[r]);
    }
    // Contrasts.
    if (!contrasts.empty()) {
        std::vector<std::vector<Eigen::MatrixXd>> C(contrasts.size());
        for (std::size_t c = 0; c < contrasts.size(); ++c)
            for (std::size_t r = 0; r < n_runs; ++r) C[c].push_back(parse_contrast_rows(contrasts[c].second, designs[r].columns));
        std::vector<RunFit> fits;
        for (std::size_t r = 0; r < n_runs; ++r) fits.push_back(fit_run(designs[r].X, Ys[r], noise, ctx));
        for (std::size_t c = 0; c < contrasts.size(); ++c) {
            const auto res = fixed_effects(fits, C[c]);
            const std::string base = fmt::format("{}_contrast-{}", prefix, contrasts[c].first);
            const std::string desc = fmt::format("algia glm {}", contrasts[c].first);
            if (!res.is_f) {
                write_map(base + "_stat-effect_statmap.nii.gz", {res.effect.row(0).transpose()}, desc + " effect");
                write_map(base + "_stat-t_statmap.nii.gz", {res.stat}, desc + " t");
            } else {
                write_map(base + "_stat-F_statmap.nii.gz", {res.stat}, desc + " F");
            }
            write_map(base + "_stat-variance_statmap.nii.gz", {res.variance}, desc + " variance");
            write_map(base + "_stat-z_statmap.nii.gz", {res.z}, desc + " z");
            result.effect_maps.push_back(res.is_f ? std::string() : (fs::path(out_dir) / (base + "_stat-effect_statmap.nii.gz")).string());
            result.z_maps.push_back((fs::path(out_dir) / (base + "_stat-z_statmap.nii.gz")).string());
            write_map(base + "_stat-p_statmap.nii.gz", {res.p}, desc + " p");
        }
    }
    // Single-trial betas.
    if (!o.single_trial.empty()) {
        const bool lss = o.single_trial == "lss";
        std::vector<Eigen::VectorXd> betas;
        io::Table trials({"volume", "run", "trial", "trial_type", "onset", "duration"});
        for (std::size_t r = 0; r < n_runs; ++r) {
            auto st = single_trial_betas(run_times[r], run_events[r], dopt, run_conf[r], conf_names, Ys[r], noise, lss,
                                         fmt::format("{} (run {}", o.bold[r], r + 1), ctx, run_kept[r]);
            const auto& list = st.trials;
            for (auto& b : st.betas) betas.push_back(std::move(b));
            for (const auto& tr : list)
                trials.add_row({std::to_string(trials.rows()), std::to_string(r + 1), tr.name, tr.trial_type, io::format_number(tr.onset),
                                io::format_number(tr.duration)});
        }
        write_map(fmt::format("{}_desc-{}_betas.nii.gz", prefix, o.single_trial), betas, "algia glm " + o.single_trial);
        io::write_table((fs::path(out_dir) / fmt::format("{}_desc-{}_trials.tsv", prefix, o.single_trial)).string(), trials);
        result.betas = (fs::path(out_dir) / fmt::format("{}_desc-{}_betas.nii.gz", prefix, o.single_trial)).string();
        result.trials = (fs::path(out_dir) / fmt::format("{}_desc-{}_trials.tsv", prefix, o.single_trial)).string();
    }
    return result;
}

}  // namespace algia::glm
