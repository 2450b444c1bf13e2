#include "../command.hpp"

namespace algia::cli {

std::vector<Command> all_commands() { return {demo_command(), run_command(), report_command(), config_command(), info_command(), resample_command(), score_command(), extract_command(), connect_command(), seedmap_command(), simulate_command(), glm_command(), stats_command(), roi_command(), mediate_command(), trial_command()}; }

}  // namespace algia::cli
