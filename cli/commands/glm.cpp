// algia glm: first-level GLM of task fMRI runs, as nilearn's FirstLevelModel.

#include "../command.hpp"
#include "algia/glm/first_level.hpp"

namespace algia::cli {

Command glm_command() {
    return {"glm", "First-level GLM of task runs (nilearn FirstLevelModel): contrast maps, single-trial betas",
            [](CLI::App& app) -> Run {
                struct Options {
                    std::vector<std::string> bold, events, confounds, contrasts, confound_columns, modulators, sample_masks;
                    std::string strategy = "6p", mask, hrf = "glover", drift = "cosine", noise = "ar1", single_trial, out, prefix;
                    std::optional<double> t_r, slice_time_ref;
                    double high_pass = 0.01, smooth = 0;
                    int drift_order = 1;
                    std::vector<int> fir_delays{0};
                    bool no_modulators = false;
                    std::optional<double> scrub_fd, scrub_dvars;
                    int min_segment = 5;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "Fits nilearn's first-level model voxelwise: design = conditions (sorted trial types) convolved "
                    "with the HRF on a 50x oversampled grid, then confounds, then drifts (cosine from --high-pass, or "
                    "polynomial) and a constant; each voxel scaled to percent signal change (100 (y/mean - 1)); OLS, or "
                    "AR(1) with nilearn's binned lag-1 coefficients. Extra numeric events columns (e.g. temperature) "
                    "become mean-centred parametric modulators TYPE_x_COLUMN. Contrasts are expressions over design "
                    "columns ('heat_high - heat_low', '0.5*a + 0.5*b'), F contrasts rows separated by ';', or a vector "
                    "'[1, 0, -1, ...]' with one weight per column; several runs are combined by fixed effects. Writes "
                    "PREFIX_contrast-NAME_stat-{effect,variance,t|F,z,p}_statmap.nii.gz and each run's _design.tsv and _design.png; "
                    "--single-trial lsa|lss writes PREFIX_desc-lsa|lss_betas.nii.gz (one volume per trial) and "
                    "PREFIX_desc-lsa|lss_trials.tsv. Without --mask (or with --mask epi) the model runs inside nilearn's EPI "
                    "mask of the first run (compute_epi_mask, as FirstLevelModel without mask_img), written as "
                    "PREFIX_desc-epi_mask.nii.gz; --mask nonzero keeps algia's former rule (voxels whose mean over time "
                    "is above 0 and that vary in every run). "
                    "Censoring as nilearn's fit(sample_masks=...): --scrub-fd / --scrub-dvars (with --confounds; the rule of "
                    "algia extract: non-steady-state volumes, FD / std_dvars above the threshold, kept segments shorter than "
                    "--min-segment) and --sample-mask (one TSV per run, a 0/1 column 'kept', one row per volume) drop the "
                    "censored volumes and their design rows (the design being built on all frame times) before scaling and "
                    "fitting; AR(1) then treats the kept volumes as contiguous, as nilearn does. Each run's _outliers.tsv "
                    "lists the kept volumes and _design.tsv has the kept rows only.");
                app.add_option("bold", o->bold, "Preprocessed BOLD runs (4D NIfTI)")->required();
                app.add_option("--events", o->events, "One BIDS events.tsv per run")->required();
                app.add_option("--confounds", o->confounds, "One fMRIPrep confounds TSV per run");
                app.add_option("--strategy", o->strategy, "Confound strategy with --confounds (6p, 12p, 24p, 27p, 36p, 9p, acompcor, simple, none)")
                    ->capture_default_str();
                app.add_option("--confound-columns", o->confound_columns, "Extra confound columns or patterns");
                app.add_option("--mask", o->mask, "Brain mask on the BOLD grid, 'epi' (nilearn's EPI mask; default) or 'nonzero'");
                app.add_option("--t-r", o->t_r, "Repetition time (s); default: JSON sidecar, then header");
                app.add_option("--slice-time-ref", o->slice_time_ref, "Slice-timing reference in [0, 1] (default: sidecar StartTime / TR, else 0)");
                app.add_option("--hrf", o->hrf, "spm, glover, spm + derivative, ... + dispersion, fir")->capture_default_str();
                app.add_option("--fir-delays", o->fir_delays, "FIR delays in scans (with --hrf fir)");
                app.add_option("--drift", o->drift, "cosine, polynomial or none")->check(CLI::IsMember({"cosine", "polynomial", "none"}))->capture_default_str();
                app.add_option("--high-pass", o->high_pass, "Cosine drift cut-off (Hz)")->capture_default_str();
                app.add_option("--drift-order", o->drift_order, "Polynomial drift order")->capture_default_str();
                app.add_option("--noise", o->noise, "ar1 or ols")->check(CLI::IsMember({"ar1", "ols"}))->capture_default_str();
                app.add_option("--smooth", o->smooth, "Gaussian smoothing FWHM (mm), 0 = none")->capture_default_str();
                app.add_option("--scrub-fd", o->scrub_fd, "Censor volumes with framewise displacement above this (mm; needs --confounds)");
                app.add_option("--scrub-dvars", o->scrub_dvars, "Censor volumes with std_dvars above this (needs --confounds)");
                app.add_option("--min-segment", o->min_segment, "With scrubbing, also censor kept runs of volumes shorter than this")
                    ->capture_default_str();
                app.add_option("--sample-mask", o->sample_masks, "One TSV per run: column 'kept' (1 = kept, 0 = censored), one row per volume");
                app.add_flag("--no-modulators", o->no_modulators, "Ignore extra numeric events columns");
                app.add_option("--contrast", o->contrasts, "NAME=EXPR (NAME: letters and digits)");
                app.add_option("--single-trial", o->single_trial, "lsa or lss: single-trial betas")->check(CLI::IsMember({"lsa", "lss"}));
                app.add_option("--prefix", o->prefix, "Output name prefix (default: from the first BOLD file)");
                app.add_option("--out,-o", o->out, "Output folder")->required();
                return [o](Context& ctx) {
                    glm::FirstLevelOptions f;
                    f.bold = o->bold;
                    f.events = o->events;
                    f.confounds = o->confounds;
                    f.confound_columns = o->confound_columns;
                    for (const auto& s : o->contrasts) f.contrasts.push_back(glm::parse_named_contrast(s, "--contrast"));
                    f.strategy = o->strategy;
                    f.mask = o->mask;
                    f.hrf = o->hrf;
                    f.drift = o->drift;
                    f.noise = o->noise;
                    f.single_trial = o->single_trial;
                    f.prefix = o->prefix;
                    f.t_r = o->t_r;
                    f.slice_time_ref = o->slice_time_ref;
                    f.high_pass = o->high_pass;
                    f.smooth = o->smooth;
                    f.drift_order = o->drift_order;
                    f.fir_delays = o->fir_delays;
                    f.no_modulators = o->no_modulators;
                    f.scrub_fd = o->scrub_fd;
                    f.scrub_dvars = o->scrub_dvars;
                    f.min_segment = o->min_segment;
                    f.sample_masks = o->sample_masks;
                    (void)glm::first_level(f, o->out, ctx);
                    return 0;
                };
            }};
}

}  // namespace algia::cli
