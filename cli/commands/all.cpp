#include "../command.hpp"

namespace algia::cli {

std::vector<Command> all_commands() { return {demo_command(), info_command(), resample_command(), score_command(), extract_command(), connect_command(), seedmap_command(), simulate_command(), stats_command(), trial_command(), glm_command()}; }

}  // namespace algia::cli
