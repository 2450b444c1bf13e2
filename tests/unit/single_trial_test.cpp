// algia::glm::single_trial_betas: LSA is one fit of the LSA design; LSS through the shared LSA
// design (one pass over the data) equals fitting each trial's own LSS design.

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "algia/core/error.hpp"

#include "algia/core/random.hpp"
#include "algia/glm/design.hpp"
#include "algia/glm/model.hpp"
#include "algia/glm/single_trial.hpp"

namespace {

using namespace algia;

struct Run {
    Eigen::VectorXd ft;
    glm::Events events;
    Eigen::MatrixXf Y;
};

Run make_run() {
    Run r;
    const std::size_t T = 80;
    r.ft = glm::frame_times(T, 2.0);
    const char* types[] = {"heat", "warm"};
    for (int i = 0; i < 8; ++i) r.events.events.push_back({6.0 + 18.0 * i, 4.0, 1.0, types[i % 2]});
    Rng rng(7, 0);
    r.Y.resize(30, Eigen::Index(T));
    for (Eigen::Index v = 0; v < r.Y.rows(); ++v)
        for (Eigen::Index t = 0; t < r.Y.cols(); ++t) r.Y(v, t) = float(100 + 5 * rng.normal() + (v % 3) * std::sin(0.3 * double(t)));
    glm::mean_scaling(r.Y);
    return r;
}

Eigen::VectorXd column_beta(const glm::DesignMatrix& d, const Eigen::MatrixXf& Y, glm::Noise noise, const std::string& col) {
    const auto f = glm::fit_run(d.X, Y, noise, Context());
    const auto it = std::find(d.columns.begin(), d.columns.end(), col);
    EXPECT_NE(it, d.columns.end()) << col;
    return f.beta.row(it - d.columns.begin()).transpose();
}

TEST(SingleTrial, LsaIsOneFitOfTheLsaDesign) {
    const auto r = make_run();
    glm::DesignOptions o;
    const auto st = glm::single_trial_betas(r.ft, r.events, o, {}, {}, r.Y, glm::Noise::ols, false, "run (run 1", Context());
    ASSERT_EQ(st.trials.size(), 8u);
    ASSERT_EQ(st.betas.size(), 8u);
    const auto d = glm::make_design_matrix(r.ft, glm::lsa_events(r.events, st.trials), o);
    for (std::size_t i = 0; i < st.trials.size(); ++i)
        EXPECT_LT((st.betas[i] - column_beta(d, r.Y, glm::Noise::ols, st.trials[i].name)).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(SingleTrial, LssSharedDesignEqualsOneFitPerTrial) {
    const auto r = make_run();
    for (auto noise : {glm::Noise::ols, glm::Noise::ar1}) {
        glm::DesignOptions o;  // glover: every LSS design is a linear map of the LSA design
        const auto st = glm::single_trial_betas(r.ft, r.events, o, {}, {}, r.Y, noise, true, "run (run 1", Context());
        ASSERT_EQ(st.betas.size(), 8u);
        for (std::size_t i = 0; i < st.trials.size(); ++i) {
            const auto d = glm::make_design_matrix(r.ft, glm::lss_events(r.events, st.trials, i), o);
            const Eigen::VectorXd ref = column_beta(d, r.Y, noise, st.trials[i].name);
            EXPECT_LT((st.betas[i] - ref).cwiseAbs().maxCoeff(), 1e-8 * std::max(1.0, ref.cwiseAbs().maxCoeff()))
                << st.trials[i].name;
        }
    }
}

TEST(SingleTrial, RankDeficientDesignNamesTheRun) {
    auto r = make_run();
    r.events.events[1].onset = r.events.events[0].onset;  // two identical trials of different types
    r.events.events[1].trial_type = "heat";
    glm::DesignOptions o;
    try {
        (void)glm::single_trial_betas(r.ft, r.events, o, {}, {}, r.Y, glm::Noise::ols, false, "bold.nii.gz (run 2", Context());
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("bold.nii.gz (run 2, LSA design)"), std::string::npos) << e.what();
    }
}

}  // namespace
