#pragma once
// The study configuration: a TOML file a researcher writes (`algia config --example` prints a
// commented one). It names the participants table and its columns, which runs are rest and which
// are heat task, the denoising, the atlas and signatures, and the group models and mediation models
// to run. Every key is checked: unknown keys, wrong types, missing files and impossible values are
// errors naming the file, line and column (`study.toml:12:1: ...`). Relative paths are relative to
// the configuration file's folder.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace algia::pipeline {

// Where a value came from in the configuration file, for errors found later (e.g. a model naming a
// column that the participants table lacks).
struct Origin {
    std::string file;
    int line = 0, column = 0;
    std::string where() const;  // "file:line:column"
};

struct GroupModel {
    std::string name, outcome, formula = "~ 1", contrast;
    Origin origin;
};

// A linear mixed model over sessions ([[mixed_model]]): the group table reshaped to one row per
// participant x session (outcome_<ses> columns -> outcome, session categorical in the configured
// order, the first session the reference), fitted as `algia trial lmm` (lme4 + lmerTest).
struct MixedModel {
    std::string name, outcome, formula = "~ arm * session", random = "(1 | id)";
    std::vector<std::string> emmeans;  // marginal-means specs; default: arm:session (or session)
    bool reml = true;
    Origin origin;
};

struct MediationModel {
    std::string name, x, y;
    std::vector<std::string> m, covariates;
    bool serial = false;
    Origin origin;
};

struct ResponderRule {
    std::string name, column, rule;  // rule like "<= 1"
    Origin origin;
};

struct GlmContrast {
    std::string name, expression;
    Origin origin;
};

// A seed for seed-to-voxel maps of rest runs ([[seed]]): sphere centre (MNI mm) and radius.
struct SeedRegion {
    std::string name;
    double x = 0, y = 0, z = 0, radius = 6;
    Origin origin;
};

struct Config {
    std::string file;  // the configuration file
    // [study]
    std::string name = "study";
    std::string participants;  // participants table (default: FMRIPREP_DIR/participants.tsv)
    std::string space = "MNI152NLin6Asym";
    std::vector<std::string> sessions;  // visit order (ses- labels); change = last - first
    // [columns]
    std::string id_column = "participant_id", arm_column;
    std::vector<std::string> covariates;
    // [runs]
    std::string rest_task = "rest", heat_task = "heat";
    // [denoise]
    std::string strategy = "24p", standardize = "zscore";
    std::optional<double> scrub_fd = 0.5, high_pass = 0.01, low_pass = 0.08;
    // [atlas]
    std::string atlas, labels;
    // [connectivity] graph measures on the strongest `density` share of positive edges
    double graph_density = 0.1;
    // [[seed]] seed-to-voxel Fisher-z maps of each rest run
    std::vector<SeedRegion> seeds;
    // [glm] first-level model of heat runs (as algia glm). No contrasts = one per trial type.
    bool glm = true;
    std::vector<GlmContrast> contrasts;
    std::string hrf = "spm", noise = "ar1", glm_strategy = "6p", single_trial = "lss";
    double glm_high_pass = 0.01;
    std::optional<double> glm_scrub_fd;  // censor volumes in the model (algia glm --scrub-fd)
    bool modulators = false;
    std::vector<std::string> confound_columns;
    Origin glm_origin;  // the [glm] table (or the file when absent)
    // [signatures] name -> weight map
    std::map<std::string, std::string> signatures;
    // [group]
    int permutations = 1000, bootstrap = 5000;
    std::uint64_t seed = 0;
    std::vector<GroupModel> models;
    std::vector<MixedModel> mixed_models;
    std::vector<MediationModel> mediation;
    std::vector<ResponderRule> responders;
    // A hash of the normalised configuration (for GeneratedBy and resumption).
    std::string hash;
};

// Reads and validates `path` (paths resolved against its folder; files must exist).
Config load_config(const std::string& path);

// Parses configuration text (`origin_name` in errors; relative paths against `base_dir`).
Config parse_config(const std::string& text, const std::string& origin_name, const std::string& base_dir);

// A commented example covering every key, with the defaults.
std::string example_config();

// The configuration as canonical JSON text (sorted keys, resolved paths): what the hash covers.
std::string canonical_json(const Config& config);

}  // namespace algia::pipeline
