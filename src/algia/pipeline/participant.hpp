#pragma once
// The BIDS-App levels. `discover` reads an fMRIPrep derivatives folder; `run_participant` processes
// one participant (every session's rest and heat runs) into OUTPUT/sub-<label>/ only, each file
// written atomically and a completion record (sub-<label>_desc-done.json, written last) naming the
// configuration hash and the inputs, so a rerun skips a completed participant and redoes an
// interrupted one from scratch; `run_group` gathers the participants' measures into one table and
// runs the configured group models and mediation models into OUTPUT/group/.

#include <string>
#include <vector>

#include "algia/core/context.hpp"
#include "algia/pipeline/config.hpp"

namespace algia::pipeline {

struct RunFiles {
    std::string session;  // "" when the dataset has no sessions
    std::string task, run;
    std::string bold, confounds, events, mask;
};

struct AnatFiles {
    std::string session;  // "" when not in a session folder
    std::string gm;       // fMRIPrep's *_space-<space>_label-GM_probseg.nii.gz
};

struct ParticipantFiles {
    std::string label;  // without "sub-"
    std::vector<RunFiles> runs;
    std::vector<AnatFiles> anat;  // grey-matter maps, by session
};

struct Layout {
    std::string root;
    std::vector<ParticipantFiles> participants;  // sorted by label
    std::vector<std::string> sessions;           // sorted; {""} without sessions
};

// Errors: the folder does not exist, is not fMRIPrep output (no preprocessed BOLD in the config's
// space), or an output folder inside it.
Layout discover(const std::string& fmriprep_dir, const Config& config);

// Checks the [glm] contrasts and confound columns against the design of the first heat run with
// events (events, confounds and header only): an expression naming a column the design lacks is an
// error at the contrast's line of the configuration, listing the design's columns.
void check_glm(const Config& config, const Layout& layout);

// Refuses an output folder inside the input folder (BIDS derivatives are written beside it).
void check_output_location(const std::string& fmriprep_dir, const std::string& output_dir);

// Participant level for one participant. Returns false when it was already complete (skipped).
bool run_participant(const Config& config, const Layout& layout, const ParticipantFiles& who,
                     const std::string& output_dir, const Context& ctx);

// Per participant x session measures, as written by run_participant (long: session, measure, value).
struct Measure {
    std::string session, name;
    double value = 0;
};
std::vector<Measure> read_measures(const std::string& output_dir, const std::string& label);

// Group level: OUTPUT/group/group_table.tsv, models.tsv, mediation-<name>.tsv, qc.tsv.
void run_group(const Config& config, const Layout& layout, const std::string& output_dir, const Context& ctx);

// dataset_description.json at the top of OUTPUT (atomically, by whichever level): GeneratedBy with
// the version, the configuration (canonical), its hash, and where the configuration and the input
// folder are relative to OUTPUT (for the report).
void write_dataset_description(const Config& config, const std::string& output_dir, const std::string& input_dir);

}  // namespace algia::pipeline
