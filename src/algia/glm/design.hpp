#pragma once
// First-level design matrices as nilearn 0.10.3 `make_first_level_design_matrix` builds them:
//   - HRFs: gamma differences sampled at dt = TR / oversampling over 32 s (SPM 6/16/1/1/0.167,
//     Glover 6/12/0.9/0.9/0.35), normalised to sum 1; time derivative (hrf(t) - hrf(t + 0.1)) / 0.1
//     and dispersion derivative (finite difference 0.01), orthogonalised onto the main regressor as
//     nilearn's `orthogonalize`; FIR boxcars of one TR per delay.
//   - Each condition (sorted trial_type) is a train of boxcars on the oversampled grid that starts
//     24 s before the first frame (`min_onset`), convolved, and linearly interpolated at the frame
//     times; duplicated events (same trial_type, onset, duration) add their modulation.
//   - Then confounds (as given), then drifts: cosine (order floor(2 n hp dt), scaled sqrt(2/n)) or
//     polynomial (orthogonalised powers), and `constant` last.
// Parametric modulators (algia's extension, written the way one would with nilearn): for a numeric
// events column COL other than onset/duration/modulation, each trial type T gets an extra
// condition `T_x_COL` whose modulation is COL minus its mean over T's events (skipped when COL is
// constant or has n/a over T's events).

#include <string>
#include <vector>

#include <Eigen/Core>

#include "algia/io/tsv.hpp"

namespace algia::glm {

enum class HrfModel { spm, spm_derivative, spm_derivative_dispersion, glover, glover_derivative, glover_derivative_dispersion, fir, none };

HrfModel parse_hrf_model(const std::string& name);  // nilearn's names: "spm + derivative", ...
std::vector<std::string> hrf_model_names();

// Kernels sampled at tr / oversampling (one vector per basis function).
std::vector<Eigen::VectorXd> hrf_kernels(HrfModel model, double tr, int oversampling = 50, const std::vector<int>& fir_delays = {0});
Eigen::VectorXd spm_hrf(double tr, int oversampling = 50, double time_length = 32.0, double onset = 0.0);
Eigen::VectorXd glover_hrf(double tr, int oversampling = 50, double time_length = 32.0, double onset = 0.0);

// numpy.linspace(start, stop, num), bit for bit.
Eigen::VectorXd linspace(double start, double stop, std::size_t num);

// Frame times as FirstLevelModel: linspace(ref * tr, (n - 1 + ref) * tr, n).
Eigen::VectorXd frame_times(std::size_t volumes, double tr, double slice_time_ref = 0.0);

struct Event {
    double onset = 0, duration = 0, modulation = 1;
    std::string trial_type;
};

struct Events {
    std::vector<Event> events;
    std::string source;
};

// Reads a BIDS events.tsv (onset, duration, optional trial_type and modulation); extra numeric
// columns become parametric modulators (see above) unless `modulators` is false. Validates
// against the run: onsets must be finite, durations >= 0, no event may start after the run ends
// (n_volumes * tr after the first frame) or before the oversampled grid starts (24 s before it).
Events read_events(const std::string& path, bool modulators = true);
Events events_from_table(const io::Table& table, bool modulators = true);
void check_events_in_run(const Events& events, const Eigen::VectorXd& frame_times, double min_onset = -24.0);

// One condition's regressor(s), as nilearn `compute_regressor` (n_frames x basis functions).
Eigen::MatrixXd compute_regressor(const std::vector<double>& onsets, const std::vector<double>& durations,
                                  const std::vector<double>& amplitudes, HrfModel model, const Eigen::VectorXd& frame_times,
                                  int oversampling = 50, const std::vector<int>& fir_delays = {0}, double min_onset = -24.0);

std::vector<std::string> regressor_names(const std::string& condition, HrfModel model, const std::vector<int>& fir_delays);

Eigen::MatrixXd cosine_drift(double high_pass, const Eigen::VectorXd& frame_times);
Eigen::MatrixXd polynomial_drift(int order, const Eigen::VectorXd& frame_times);

// Gram-Schmidt as nilearn `orthogonalize`: column i minus its projection on columns 0..i-1.
void orthogonalize(Eigen::MatrixXd& X);

struct DesignOptions {
    HrfModel hrf = HrfModel::glover;
    std::string drift = "cosine";  // cosine, polynomial, none
    double high_pass = 0.01;
    int drift_order = 1;
    std::vector<int> fir_delays{0};
    double min_onset = -24.0;
    int oversampling = 50;
};

struct DesignMatrix {
    Eigen::MatrixXd X;
    std::vector<std::string> columns;
    std::vector<std::string> conditions;  // trial types in column order
};

DesignMatrix make_design_matrix(const Eigen::VectorXd& frame_times, const Events& events, const DesignOptions& options,
                                const Eigen::MatrixXd& confounds = Eigen::MatrixXd(),
                                const std::vector<std::string>& confound_names = {});

// Throws an invalid_input error naming columns that are (numerically) linear combinations of
// others, found by a rank-revealing QR; `what` names the run in the message.
void check_full_rank(const DesignMatrix& design, const std::string& what);

// Keeps the rows (volumes) `kept` (sorted indices) of a design built on all frame times, as
// nilearn's FirstLevelModel.fit(sample_masks=...) does (design.iloc[sample_mask]); empty = all.
void keep_rows(DesignMatrix& design, const std::vector<std::size_t>& kept);

// One run's design after censoring, as FirstLevelModel.fit(sample_masks=...): built on all frame
// times, the rows of the censored volumes dropped when `censored` (`kept`: ascending volume indices),
// then its rank checked. `run` names the run in errors; `fix` is the hint when no more volumes are
// kept than the design has columns.
void censor_design(DesignMatrix& design, bool censored, const std::vector<std::size_t>& kept, const std::string& run,
                   const std::string& fix);

}  // namespace algia::glm

namespace algia::glm {

// Single-trial models (Mumford et al. 2012). Each trial gets a name `<trial_type>__<k>` (k counts
// the trials of that type from 1, in onset order; parametric-modulator conditions are dropped).
struct Trial {
    std::string name, trial_type;
    double onset = 0, duration = 0;
};
std::vector<Trial> list_trials(const Events& events);
// LSA: one condition per trial. LSS for trial i: trial i alone, the other trials keep their types.
Events lsa_events(const Events& events, const std::vector<Trial>& trials);
Events lss_events(const Events& events, const std::vector<Trial>& trials, std::size_t i);

}  // namespace algia::glm
