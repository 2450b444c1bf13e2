#pragma once
// Each subcommand lives in its own file under cli/commands/ and is declared as data: its name, a
// one-line summary, and a function that declares its options on a CLI11 sub-app (from which
// --help is generated) and returns the code that runs it. No option state is global.

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "algia/core/context.hpp"

namespace algia::cli {

using Run = std::function<int(Context&)>;

struct Command {
    std::string name;
    std::string summary;
    std::function<Run(CLI::App&)> declare;
};

// Every subcommand, in the order `algia --help` lists them.
std::vector<Command> all_commands();

Command info_command();
Command resample_command();
Command demo_command();
Command score_command();
Command extract_command();
Command connect_command();
Command seedmap_command();
Command simulate_command();
Command stats_command();
Command trial_command();
Command mediate_command();
Command run_command();
Command config_command();
Command roi_command();
Command report_command();
Command glm_command();

}  // namespace algia::cli
