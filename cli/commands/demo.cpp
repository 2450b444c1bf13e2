// algia demo [--out DIR]: the main job on a study algia simulates itself, with no input at all.
//
// It simulates the `demo` study (fMRIPrep-shaped derivatives with planted effects) into
// OUT/fmriprep, writes a study configuration (OUT/study.toml), runs the BIDS App's participant level
// on every participant and then its group level into OUT/algia, writes the HTML reports, and prints
// what the group models found beside what was planted (truth.json).

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>

#include "../command.hpp"
#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/core/progress.hpp"
#include "algia/io/file.hpp"
#include "algia/io/json.hpp"
#include "algia/io/tsv.hpp"
#include "algia/pipeline/config.hpp"
#include "algia/pipeline/participant.hpp"
#include "algia/report/report.hpp"
#include "algia/simulate/study.hpp"

namespace algia::cli {

namespace fs = std::filesystem;

namespace {

std::string find_in(const fs::path& dir, const std::string& needle) {
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().find(needle) != std::string::npos) return e.path().filename().string();
    throw Error(Kind::internal, fmt::format("{}: the simulated study has no *{}* file", dir.string(), needle));
}

// The demo's study configuration: what a researcher would write for this study.
std::string demo_config(const fs::path& data, const std::vector<std::string>& arms, const std::vector<std::string>& sessions) {
    const fs::path atlas = data / "atlas";
    // Arms sort alphabetically for treatment coding; the planted effect is in arms[0].
    return fmt::format(R"TOML(# The configuration algia demo wrote for its simulated study (see algia config --example).
[study]
name = "algia demo: simulated pain-reprocessing trial"
participants = "fmriprep/participants.tsv"
space = "MNI152NLin6Asym"
sessions = ["{}", "{}"]

[columns]
id = "participant_id"
arm = "arm"

[runs]
rest = "rest"
heat = "heat"

[denoise]
strategy = "24p"
scrub_fd = 0.5
high_pass = 0.01
low_pass = 0.08

[atlas]
image = "fmriprep/atlas/{}"
labels = "fmriprep/atlas/atlas-sim_dseg.tsv"

[signatures]
pain = "fmriprep/atlas/{}"

[group]
permutations = 2000
bootstrap = 5000
seed = 1

[[model]]
name = "pain_by_arm"
outcome = "pain_change"
formula = "~ arm"
contrast = "arm[T.{}]"

[[model]]
name = "signature_by_arm"
outcome = "signature_pain_change"
formula = "~ arm"
contrast = "arm[T.{}]"

[[model]]
name = "dmn_years"
outcome = "dmn_within_pre"
formula = "~ years_with_pain + age"
contrast = "years_with_pain"

[[mixed_model]]
name = "pain_lmm"
outcome = "pain"
formula = "~ arm * session"
random = "(1 | id)"

[[mixed_model]]
name = "signature_lmm"
outcome = "signature_pain"
formula = "~ arm * session"
random = "(1 | id)"

[[mediation]]
name = "arm_signature_pain"
x = "arm"
m = ["signature_pain_change"]
y = "pain_change"

[[responders]]
name = "pain_free"
column = "pain_{}"
rule = "<= 1"
)TOML",
                       sessions[0], sessions[1], find_in(atlas, "_dseg.nii.gz"), find_in(atlas, "painsignature_weights"), arms[0], arms[0],
                       sessions.back());
}

}  // namespace

Command demo_command() {
    return {"demo", "Run the main job on a simulated study (no input needed)", [](CLI::App& app) -> Run {
                struct Options {
                    std::string out = "algia-demo";
                    std::uint64_t seed = 2026;
                    int participants = 24;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "Simulates the `demo` study into OUT/fmriprep, writes OUT/study.toml, runs the participant level "
                    "(denoised atlas time series, connectivity, default-mode connectivity, QC, pain-signature responses "
                    "of the heat runs) and the group level (group models with permutation p, linear mixed models over sessions, mediation with a BCa "
                    "bootstrap) into OUT/algia, writes the HTML reports, and prints what it found beside what was planted.");
                app.add_option("--out,-o", o->out, "Output folder (new or empty)")->capture_default_str();
                app.add_option("--seed", o->seed, "Random seed (same seed, same bytes)")->capture_default_str();
                app.add_option("--participants", o->participants, "Participants to simulate")->capture_default_str();
                return [o](Context& ctx) {
                    std::error_code ec;
                    if (fs::exists(o->out, ec) && !fs::is_empty(o->out, ec))
                        throw Error(Kind::usage, fmt::format("{}: the demo's output folder is not empty", o->out))
                            .hint("pass --out with a new folder, or remove the old demo output");
                    fs::create_directories(o->out, ec);
                    if (ec) throw Error(Kind::io, fmt::format("{}: cannot create the folder: {}", o->out, ec.message()));
                    const fs::path root(o->out), data = root / "fmriprep", results = root / "algia";
                    simulate::Design design = simulate::design("demo");
                    if (o->participants < 6) throw Error(Kind::usage, "the demo needs at least 6 participants").hint("e.g. --participants 24");
                    design.participants = o->participants;
                    std::fprintf(stderr, "algia demo: simulating the '%s' study (%d participants, %s)\n", design.name.c_str(),
                                 design.participants, design.description.c_str());
                    simulate::simulate_study(design, data.string(), o->seed, ctx);
                    const auto truth = io::read_json((data / "truth.json").string());
                    const auto arms = truth["arms"].get<std::vector<std::string>>();
                    io::write_text_file_atomic((root / "study.toml").string(), demo_config(data, arms, truth["sessions"].get<std::vector<std::string>>()));
                    const auto config = pipeline::load_config((root / "study.toml").string());
                    const auto layout = pipeline::discover(data.string(), config);
                    fs::create_directories(results);
                    pipeline::write_dataset_description(config, results.string(), data.string());

                    std::fprintf(stderr, "algia demo: participant level (%zu participants)\n", layout.participants.size());
                    Context inner = ctx;
                    inner.set_threads(1);
                    ProgressScope progress(ctx.progress(), "participants", layout.participants.size());
                    parallel_for(ctx, layout.participants.size(), 1, [&](std::size_t b, std::size_t e) {
                        for (std::size_t i = b; i < e; ++i) {
                            pipeline::run_participant(config, layout, layout.participants[i], results.string(), inner);
                            progress.advance();
                        }
                    });
                    std::fprintf(stderr, "algia demo: group level\n");
                    pipeline::run_group(config, layout, results.string(), ctx);
                    const auto reports = report::write_reports(results.string(), ctx);

                    // What was found, beside what was planted.
                    const auto models = io::read_table((results / "group" / "models.tsv").string());
                    const auto names = models.strings("model");
                    const auto est = models.numeric("estimate"), se = models.numeric("se"), df = models.numeric("df"),
                               pperm = models.numeric("p_permutation");
                    const auto& exp = truth["expected_pain_change"];
                    std::map<std::string, std::string> planted = {
                        {"pain_by_arm", fmt::format("{:.2f} (expected change {} minus {})",
                                                    exp[arms[0]].get<double>() - exp[arms[1]].get<double>(), arms[0], arms[1])},
                        {"signature_by_arm", fmt::format("negative ({} SD)", truth["effects"]["signature_arm_effect"]["value"].get<double>())},
                        {"dmn_years", fmt::format("positive (DMN loading +{} per year)", truth["effects"]["dmn_years_slope"]["value"].get<double>())}};
                    io::Table summary({"model", "estimate", "ci_low", "ci_high", "p_permutation", "planted"});
                    for (std::size_t i = 0; i < models.rows(); ++i) {
                        const double q = boost::math::quantile(boost::math::students_t(df[i]), 0.975);
                        summary.add_row({names[i], io::format_number(est[i]), io::format_number(est[i] - q * se[i]),
                                         io::format_number(est[i] + q * se[i]), io::format_number(pperm[i]),
                                         planted.count(names[i]) ? planted[names[i]] : "n/a"});
                    }
                    io::write_table((results / "group" / "demo_summary.tsv").string(), summary);
                    std::printf("algia demo: simulated %zu participants x %zu sessions into %s\n", layout.participants.size(),
                                layout.sessions.size(), data.string().c_str());
                    std::printf("algia demo: results in %s\n\n", results.string().c_str());
                    std::printf("  %-18s %9s  %-22s %8s   %s\n", "model", "estimate", "95% CI", "p (perm)", "planted");
                    for (std::size_t r = 0; r < summary.rows(); ++r)
                        std::printf("  %-18s %9.3f  [%8.3f, %8.3f] %8.4f   %s\n", summary.cell(r, 0).c_str(), std::stod(summary.cell(r, 1)),
                                    std::stod(summary.cell(r, 2)), std::stod(summary.cell(r, 3)), std::stod(summary.cell(r, 4)),
                                    summary.cell(r, 5).c_str());
                    // Mixed models: the arm x session interaction (the planted arm's extra change).
                    const auto mixed = io::read_table((results / "group" / "mixed_models.tsv").string());
                    std::printf("\n  mixed models (REML, Satterthwaite df), arm x session:\n");
                    for (std::size_t r = 0; r < mixed.rows(); ++r) {
                        const std::string term = mixed.cell(r, mixed.index("term"));
                        if (term.find(':') == std::string::npos) continue;
                        std::printf("  %-18s %9.3f  [%8.3f, %8.3f] %8.4f   %s\n", mixed.cell(r, 0).c_str(), std::stod(mixed.cell(r, mixed.index("estimate"))),
                                    std::stod(mixed.cell(r, mixed.index("ci_low"))), std::stod(mixed.cell(r, mixed.index("ci_high"))),
                                    std::stod(mixed.cell(r, mixed.index("p"))), term.c_str());
                    }
                    const auto resp = io::read_table((results / "group" / "responders-pain_free.tsv").string());
                    std::printf("\n  pain-free (pain <= 1) at %s:\n", truth["sessions"].back().get<std::string>().c_str());
                    for (std::size_t r = 0; r < resp.rows(); ++r)
                        std::printf("    %-12s %s/%s = %.2f [%.2f, %.2f]   planted rate %.2f%s\n", resp.cell(r, 0).c_str(), resp.cell(r, 1).c_str(),
                                    resp.cell(r, 2).c_str(), std::stod(resp.cell(r, 3)), std::stod(resp.cell(r, 4)), std::stod(resp.cell(r, 5)),
                                    truth["expected_responder_rate"].value(resp.cell(r, 0), std::nan("")),
                                    resp.cell(r, 7) == "n/a" ? "" : fmt::format("; difference vs {} {:.2f}, Fisher p = {:.2g}", resp.cell(r, 6),
                                                                                std::stod(resp.cell(r, 7)), std::stod(resp.cell(r, 11))).c_str());
                    if (!reports.empty()) std::printf("\nalgia demo: report: %s\n", reports.back().c_str());
                    return 0;
                };
            }};
}

}  // namespace algia::cli
