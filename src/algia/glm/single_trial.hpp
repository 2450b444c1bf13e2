#pragma once
// Single-trial betas of one run (Mumford et al. 2012), as `algia glm --single-trial` computes them:
//   - LSA: one model with one condition per trial;
//   - LSS: per trial, a model with that trial alone and the other trials keeping their types. With a
//     single-basis HRF (spm, glover, none) every LSS design is a linear map of the LSA design, so all
//     trials' betas come from one pass over the data (shared_design_betas); otherwise one fit per trial.
// Used by the CLI and the Python module.

#include <string>
#include <vector>

#include <Eigen/Core>

#include "algia/core/context.hpp"
#include "algia/glm/design.hpp"
#include "algia/glm/model.hpp"

namespace algia::glm {

struct SingleTrialBetas {
    std::vector<Trial> trials;           // list_trials order
    std::vector<Eigen::VectorXd> betas;  // one per trial, over the voxels of Y
};

// Y: voxels x time, already scaled (mean_scaling); `what` names the run in messages (e.g.
// "bold.nii.gz (run 1"). Every design is checked for full rank. `kept`: the volumes of Y (censoring;
// empty = all), the designs being built on all frame times first (keep_rows).
SingleTrialBetas single_trial_betas(const Eigen::VectorXd& frame_times, const Events& events, const DesignOptions& options,
                                    const Eigen::MatrixXd& confounds, const std::vector<std::string>& confound_names,
                                    const Eigen::MatrixXf& Y, Noise noise, bool lss, const std::string& what,
                                    const Context& ctx, const std::vector<std::size_t>& kept = {});

}  // namespace algia::glm
