// algia trial: nests the trial-statistics subcommands (responders, effects, lmm, score, ...).

#include <memory>

#include <fmt/format.h>

#include "trial.hpp"
#include "algia/core/error.hpp"

namespace algia::cli {

std::vector<Command> trial_subcommands() {
    return {trial_responders_command(), trial_effects_command(), trial_lmm_command(), trial_change_command(),
            trial_score_command(), trial_attributions_command()};
}

Command trial_command() {
    return {"trial", "Clinical-trial statistics: responders, effect sizes, mixed models, questionnaires, attributions",
            [](CLI::App& app) -> Run {
                app.require_subcommand(1);
                auto runs = std::make_shared<std::vector<std::pair<CLI::App*, Run>>>();
                for (const Command& cmd : trial_subcommands()) {
                    CLI::App* sub = app.add_subcommand(cmd.name, cmd.summary);
                    runs->emplace_back(sub, cmd.declare(*sub));
                }
                return [runs](Context& ctx) -> int {
                    for (auto& [sub, run] : *runs)
                        if (sub->parsed()) return run(ctx);
                    throw Error(Kind::usage, "algia trial needs a subcommand").hint("see algia trial --help");
                };
            }};
}

}  // namespace algia::cli
