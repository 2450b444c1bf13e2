#pragma once
// `algia trial SUBCOMMAND`: the clinical-trial statistics. Each subcommand is a Command like the
// top-level ones (declared as data in its own file); trial.cpp nests them under `algia trial`.

#include <vector>

#include "../command.hpp"

namespace algia::cli {

// Every `algia trial` subcommand, in the order `algia trial --help` lists them.
std::vector<Command> trial_subcommands();

Command trial_responders_command();
Command trial_effects_command();
Command trial_change_command();
Command trial_score_command();
Command trial_attributions_command();
Command trial_lmm_command();

}  // namespace algia::cli
