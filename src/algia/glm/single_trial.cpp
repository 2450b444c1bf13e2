#include "algia/glm/single_trial.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace algia::glm {

SingleTrialBetas single_trial_betas(const Eigen::VectorXd& frame_times, const Events& events, const DesignOptions& dopt,
                                    const Eigen::MatrixXd& conf, const std::vector<std::string>& conf_names,
                                    const Eigen::MatrixXf& Y, Noise noise, bool lss, const std::string& what,
                                    const Context& ctx, const std::vector<std::size_t>& kept) {
    SingleTrialBetas out;
    const auto list = list_trials(events);
    out.trials = list;
    const std::string mode = lss ? "lss" : "lsa";
    const auto fit_one = [&](const Events& ev, const std::string& column) {
        auto d = make_design_matrix(frame_times, ev, dopt, conf, conf_names);
        keep_rows(d, kept);
        check_full_rank(d, fmt::format("{}, {} single-trial design)", what, mode));
        const auto f = fit_run(d.X, Y, noise, ctx);
        const auto it = std::find(d.columns.begin(), d.columns.end(), column);
        return Eigen::VectorXd(f.beta.row(it - d.columns.begin()).transpose());
    };
    if (!lss) {
        const auto ev = lsa_events(events, list);
        auto d = make_design_matrix(frame_times, ev, dopt, conf, conf_names);
        keep_rows(d, kept);
        check_full_rank(d, fmt::format("{}, LSA design)", what));
        const auto f = fit_run(d.X, Y, noise, ctx);
        for (const auto& tr : list) {
            const auto it = std::find(d.columns.begin(), d.columns.end(), tr.name);
            out.betas.push_back(f.beta.row(it - d.columns.begin()).transpose());
        }
        return out;
    }
    // Every LSS design is a linear map of the LSA design (single-basis HRFs): one pass over the
    // data for all trials; otherwise one fit per trial.
    const bool linear = dopt.hrf == HrfModel::spm || dopt.hrf == HrfModel::glover || dopt.hrf == HrfModel::none;
    bool shared = linear;
    DesignMatrix A;
    std::vector<Eigen::MatrixXd> maps;
    std::vector<Eigen::Index> target;
    if (shared) {
        A = make_design_matrix(frame_times, lsa_events(events, list), dopt, conf, conf_names);
        keep_rows(A, kept);
        check_full_rank(A, fmt::format("{}, LSA design)", what));
        const auto col_of = [&](const std::string& c) {
            const auto it = std::find(A.columns.begin(), A.columns.end(), c);
            return it == A.columns.end() ? Eigen::Index(-1) : Eigen::Index(it - A.columns.begin());
        };
        for (std::size_t i = 0; i < list.size() && shared; ++i) {
            auto d = make_design_matrix(frame_times, lss_events(events, list, i), dopt, conf, conf_names);
            keep_rows(d, kept);
            check_full_rank(d, fmt::format("{}, LSS design of {})", what, list[i].name));
            Eigen::MatrixXd Mi = Eigen::MatrixXd::Zero(A.X.cols(), d.X.cols());
            for (std::size_t c = 0; c < d.columns.size(); ++c) {
                const Eigen::Index a = col_of(d.columns[c]);
                if (a >= 0) Mi(a, Eigen::Index(c)) = 1;
                else
                    for (std::size_t k = 0; k < list.size(); ++k)
                        if (k != i && list[k].trial_type == d.columns[c]) Mi(col_of(list[k].name), Eigen::Index(c)) = 1;
            }
            const double scale = std::max(1.0, d.X.cwiseAbs().maxCoeff());
            if ((A.X * Mi - d.X).cwiseAbs().maxCoeff() > 1e-9 * scale) shared = false;
            target.push_back(Eigen::Index(std::find(d.columns.begin(), d.columns.end(), list[i].name) - d.columns.begin()));
            maps.push_back(std::move(Mi));
        }
    }
    if (shared) {
        const Eigen::MatrixXd b = shared_design_betas(A.X, maps, target, Y, noise, ctx);
        for (Eigen::Index i = 0; i < b.rows(); ++i) out.betas.push_back(b.row(i).transpose());
    } else {
        for (std::size_t i = 0; i < list.size(); ++i) out.betas.push_back(fit_one(lss_events(events, list, i), list[i].name));
    }
    return out;
}

}  // namespace algia::glm
