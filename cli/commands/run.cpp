// The BIDS App: `algia FMRIPREP_DIR OUTPUT_DIR participant|group --config study.toml` (main.cpp
// turns that form into `algia run ...`), and `algia config --example | --check FILE`.

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "../command.hpp"
#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/core/progress.hpp"
#include "algia/pipeline/config.hpp"
#include "algia/pipeline/participant.hpp"
#include "algia/report/report.hpp"

namespace algia::cli {

namespace fs = std::filesystem;

namespace {
void report_paths(const std::vector<std::string>& paths) {
    if (paths.empty()) return;
    std::fprintf(stderr, "algia: %zu report(s) written\n", paths.size());
    std::printf("%s\n", paths.back().c_str());
}
}  // namespace

Command run_command() {
    return {"run", "The BIDS App: algia FMRIPREP_DIR OUTPUT_DIR participant|group --config study.toml", [](CLI::App& app) -> Run {
                struct Options {
                    std::string fmriprep, output, level, config, work_dir;
                    std::vector<std::string> labels;
                    bool no_report = false;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "participant: for each participant (all, or --participant-label), every session's rest runs "
                    "(denoised atlas time series, correlation matrix, network and default-mode connectivity, QC) and "
                    "heat runs (signature expression per volume and its evoked response; the first-level GLM of [glm] as algia glm, "
                    "contrast maps, LSS single-trial betas and their signature scores), grey-matter region means where "
                    "fMRIPrep's GM probability maps exist, written only inside "
                    "OUTPUT_DIR/sub-<label>/, each file atomically, with a completion record last: a rerun skips "
                    "completed participants and redoes interrupted ones; a failing participant is reported and the "
                    "others go on. group: one table of participants x measures (OUTPUT_DIR/group/group_table.tsv, "
                    "with <measure>_change columns between the first and last session), the configured group models "
                    "(permutation p), mediation models (bootstrap BCa), responder rates, QC-FC (qcfc.tsv, qcfc_summary.tsv) and "
                    "one-sample group maps of the heat contrasts. Both levels end with the HTML report.");
                app.add_option("fmriprep_dir", o->fmriprep, "fMRIPrep derivatives folder")->required();
                app.add_option("output_dir", o->output, "Output folder (created; not inside fmriprep_dir)")->required();
                app.add_option("analysis_level", o->level, "participant or group")->required()->check(CLI::IsMember({"participant", "group"}));
                app.add_option("--config,--config-file", o->config, "Study configuration (TOML; algia config --example)")->required();
                app.add_option("--participant-label,--participant_label", o->labels, "Participants to process (01 or sub-01)");
                app.add_option("-w,--work-dir", o->work_dir, "Scratch folder (unused: outputs are written atomically in place)");
                app.add_flag("--no-report", o->no_report, "Do not write the HTML report");
                return [o](Context& ctx) {
                    const auto config = pipeline::load_config(o->config);
                    pipeline::check_output_location(o->fmriprep, o->output);
                    const auto layout = pipeline::discover(o->fmriprep, config);
                    fs::create_directories(o->output);
                    pipeline::write_dataset_description(config, o->output, o->fmriprep);
                    if (o->level == "group") {
                        pipeline::run_group(config, layout, o->output, ctx);
                        if (!o->no_report) report_paths(report::write_reports(o->output, ctx));
                        return 0;
                    }
                    pipeline::check_glm(config, layout);
                    std::vector<const pipeline::ParticipantFiles*> selected;
                    for (auto label : o->labels) {
                        if (label.rfind("sub-", 0) == 0) label = label.substr(4);
                        const pipeline::ParticipantFiles* found = nullptr;
                        for (const auto& p : layout.participants)
                            if (p.label == label) found = &p;
                        if (!found)
                            throw Error(Kind::invalid_input, fmt::format("{}: no preprocessed runs for participant {}", o->fmriprep, label))
                                .hint("check the label (ls the folder's sub-* entries)");
                        selected.push_back(found);
                    }
                    if (o->labels.empty())
                        for (const auto& p : layout.participants) selected.push_back(&p);
                    // Participants in parallel, one thread each; a failure is reported, the others go on.
                    std::vector<std::string> failures(selected.size());
                    std::vector<int> status(selected.size(), 0);
                    Context inner = ctx;
                    inner.set_threads(1);
                    ProgressScope progress(ctx.progress(), "participants", selected.size());
                    parallel_for(ctx, selected.size(), 1, [&](std::size_t b, std::size_t e) {
                        for (std::size_t i = b; i < e; ++i) {
                            try {
                                status[i] = pipeline::run_participant(config, layout, *selected[i], o->output, inner) ? 1 : 2;
                            } catch (const Error& err) {
                                if (err.kind() == Kind::cancelled) throw;
                                failures[i] = err.what();
                            } catch (const std::exception& err) {
                                failures[i] = err.what();
                            }
                            progress.advance();
                        }
                    });
                    int failed = 0, skipped = 0, done = 0;
                    for (std::size_t i = 0; i < selected.size(); ++i) {
                        if (!failures[i].empty()) {
                            ++failed;
                            std::fprintf(stderr, "algia participant: sub-%s failed: %s\n", selected[i]->label.c_str(), failures[i].c_str());
                        } else if (status[i] == 2) {
                            ++skipped;
                        } else {
                            ++done;
                        }
                    }
                    std::fprintf(stderr, "algia participant: %d processed, %d already complete, %d failed\n", done, skipped, failed);
                    if (!o->no_report) report_paths(report::write_reports(o->output, ctx));
                    return failed ? 1 : 0;
                };
            }};
}

Command config_command() {
    return {"config", "Print an example study configuration, or check one", [](CLI::App& app) -> Run {
                struct Options {
                    bool example = false;
                    std::string check;
                };
                auto o = std::make_shared<Options>();
                app.add_flag("--example", o->example, "Print a commented example configuration");
                app.add_option("--check", o->check, "Validate a configuration file and print its canonical form");
                return [o](Context&) {
                    if (o->example) {
                        std::fputs(pipeline::example_config().c_str(), stdout);
                        return 0;
                    }
                    if (o->check.empty()) throw Error(Kind::usage, "give --example or --check FILE").hint("algia config --example > study.toml");
                    const auto c = pipeline::load_config(o->check);
                    std::printf("%s: ok (hash %s)\n%s\n", o->check.c_str(), c.hash.c_str(), pipeline::canonical_json(c).c_str());
                    return 0;
                };
            }};
}

}  // namespace algia::cli
