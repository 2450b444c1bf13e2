#pragma once
// A first-level analysis of task runs as `algia glm` does it (nilearn's FirstLevelModel): reads the
// runs, events and confounds, builds each run's design, fits contrasts (fixed effects over runs)
// and single-trial betas, and writes the maps and tables into a folder. `algia glm` and the
// BIDS App's participant level both call this, so their outputs are the same bytes.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "algia/image/image.hpp"

#include "algia/core/context.hpp"

namespace algia::glm {

struct FirstLevelOptions {
    std::vector<std::string> bold, events, confounds, confound_columns;
    std::vector<std::pair<std::string, std::string>> contrasts;  // NAME (letters, digits) = EXPR
    std::string strategy = "6p", mask /* file, "epi" (= empty) or "nonzero" */, hrf = "glover", drift = "cosine", noise = "ar1", single_trial, prefix;
    std::optional<double> t_r, slice_time_ref;
    double high_pass = 0.01, smooth = 0;
    int drift_order = 1;
    std::vector<int> fir_delays{0};
    bool no_modulators = false;
    // Censoring (nilearn's FirstLevelModel.fit(sample_masks=...)): the design is built on all frame
    // times, then the rows and volumes of censored volumes are dropped before fitting. scrub_fd /
    // scrub_dvars use the confounds table exactly as `algia extract --scrub-fd` (signal::load_confounds:
    // non-steady-state volumes, FD / std_dvars above the threshold, kept segments shorter than
    // min_segment); sample_masks: one TSV per run with a 0/1 column `kept` (or a single 0/1 column),
    // one row per volume (e.g. extract's _outliers.tsv). Both given: a volume must be kept by both.
    std::optional<double> scrub_fd, scrub_dvars;
    int min_segment = 5;
    std::vector<std::string> sample_masks;
};

struct FirstLevelOutputs {
    std::string prefix;
    std::vector<std::string> designs;  // each run's _design.tsv
    std::vector<std::string> outliers; // each run's _outliers.tsv (with censoring)
    // Per contrast (in order): the effect map (empty for F contrasts) and the z map.
    std::vector<std::string> effect_maps, z_maps;
    std::string betas, trials;  // with single_trial
    std::string mask;           // the EPI mask written (PREFIX_desc-epi_mask.nii.gz) when it was computed
};

// Splits "NAME=EXPR" (`what` names the origin in errors) and checks NAME is a BIDS label.
std::pair<std::string, std::string> parse_named_contrast(const std::string& text, const std::string& what);

// Checks the options and fits; writes into `out_dir` (which must exist). Throws before writing
// anything when an input is invalid (events, confounds, contrasts, grids).
// The voxels a first-level model is fitted on: the mask's (non-zero, finite) when given, else those
// whose time mean is > 0 and that vary in every run (`--mask nonzero`). first_level() passes nilearn's
// EPI mask (compute_epi_mask of the first run) when no mask is given. Shared with the Python module.
std::vector<std::int64_t> model_voxels(const std::vector<const image::Image<float>*>& runs, const image::Image<float>& mask);

FirstLevelOutputs first_level(const FirstLevelOptions& options, const std::string& out_dir, const Context& ctx);

}  // namespace algia::glm
