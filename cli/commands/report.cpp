// algia report OUTPUT_DIR: (re)writes the HTML reports of a participant/group output folder, as the
// BIDS App does at the end of each level (e.g. after runs with --no-report, or on a cluster where
// the participant jobs skip the report).

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "../command.hpp"
#include "algia/core/error.hpp"
#include "algia/report/report.hpp"

namespace algia::cli {

namespace fs = std::filesystem;

Command report_command() {
    return {"report",
            "Writes the self-contained HTML reports of an algia output folder (the BIDS App's OUTPUT_DIR): one per "
            "participant (sub-<label>/sub-<label>_report.html) and one for the group (group/group_report.html, when "
            "the group level has run), exactly as the participant and group levels write them at their end. Prints "
            "the last path written (the group report when there is one).",
            [](CLI::App& app) {
                auto dir = std::make_shared<std::string>();
                app.add_option("output_dir", *dir, "The BIDS App's output folder")->required();
                return [dir](Context& ctx) {
                    if (!fs::is_directory(*dir))
                        throw Error(Kind::invalid_input, fmt::format("{}: is not a folder", *dir))
                            .hint("pass the OUTPUT_DIR given to `algia FMRIPREP_DIR OUTPUT_DIR participant`");
                    bool any = false;
                    for (const auto& e : fs::directory_iterator(*dir))
                        any = any || (e.is_directory() && e.path().filename().string().rfind("sub-", 0) == 0);
                    if (!any)
                        throw Error(Kind::invalid_input, fmt::format("{}: holds no sub-<label> folder of algia's participant level", *dir))
                            .hint("run `algia FMRIPREP_DIR OUTPUT_DIR participant --config study.toml` first");
                    const auto paths = report::write_reports(*dir, ctx);
                    if (paths.empty())
                        throw Error(Kind::invalid_input, fmt::format("{}: no participant outputs to report on", *dir))
                            .hint("run the participant level first");
                    std::fprintf(stderr, "algia: %zu report(s) written\n", paths.size());
                    std::printf("%s\n", paths.back().c_str());
                    return 0;
                };
            }};
}

}  // namespace algia::cli
