#include "algia/trial/lmm_tables.hpp"

#include <fmt/format.h>

namespace algia::trial {

LmmTables lmm_tables(const LmmFit& fit, const std::vector<FTestResult>& anova, const std::vector<Emmeans>& emms,
                     const std::vector<std::string>& specs, const std::string& formula, std::size_t table_rows) {
    using io::format_number;
    LmmTables t{io::Table({"term", "estimate", "se", "df", "t", "p"}),
                io::Table({"term", "sum_sq", "mean_sq", "num_df", "den_df", "F", "p"}),
                io::Table({"group", "effect", "effect2", "variance", "sd", "correlation"}),
                io::Table({"key", "value"}),
                io::Table({"spec", "levels", "estimate", "se", "df", "t", "p"}),
                io::Table({"spec", "contrast", "at", "estimate", "se", "df", "t", "p"})};
    for (std::size_t j = 0; j < fit.columns.size(); ++j) {
        const auto i = Eigen::Index(j);
        t.fixed.add_row({fit.columns[j], format_number(fit.beta[i]), format_number(fit.se[i]), format_number(fit.df[i]),
                         format_number(fit.t[i]), format_number(fit.p[i])});
    }
    for (const auto& r : anova)
        t.anova.add_row({r.term, format_number(r.sum_sq), format_number(r.mean_sq), format_number(r.num_df),
                         format_number(r.den_df), format_number(r.F), format_number(r.p)});
    const auto q = fit.re_sd.size();
    for (Eigen::Index i = 0; i < q; ++i)
        t.random.add_row({fit.group, fit.random_effects[std::size_t(i)], "", format_number(fit.re_sd[i] * fit.re_sd[i]),
                          format_number(fit.re_sd[i]), ""});
    for (Eigen::Index j = 0; j < q; ++j)
        for (Eigen::Index i = j + 1; i < q; ++i)
            t.random.add_row({fit.group, fit.random_effects[std::size_t(j)], fit.random_effects[std::size_t(i)], "", "",
                              format_number(fit.re_corr(i, j))});
    t.random.add_row({"Residual", "", "", format_number(fit.sigma * fit.sigma), format_number(fit.sigma), ""});
    t.model.add_row({"formula", formula});
    t.model.add_row({"method", fit.reml ? "REML" : "ML"});
    t.model.add_row({"observations", std::to_string(fit.n_obs)});
    t.model.add_row({"groups", std::to_string(fit.n_groups)});
    t.model.add_row({"dropped_rows", std::to_string(table_rows - fit.n_obs)});
    t.model.add_row({fit.reml ? "reml_criterion" : "deviance", format_number(fit.criterion)});
    t.model.add_row({"loglik", format_number(fit.loglik)});
    t.model.add_row({"aic", format_number(fit.aic)});
    t.model.add_row({"bic", format_number(fit.bic)});
    t.model.add_row({"converged", fit.converged ? "true" : "false"});
    t.model.add_row({"singular", fit.singular ? "true" : "false"});
    t.model.add_row({"evaluations", std::to_string(fit.evaluations)});
    t.model.add_row({"message", fit.message});
    for (std::size_t k = 0; k < emms.size(); ++k) {
        const auto& m = emms[k];
        for (const auto& r : m.means)
            t.emmeans.add_row({specs[k], fmt::format("{}", fmt::join(r.levels, ":")), format_number(r.result.estimate),
                               format_number(r.result.se), format_number(r.result.df), format_number(r.result.t),
                               format_number(r.result.p)});
        for (std::size_t i = 0; i < m.contrasts.size(); ++i) {
            const auto& r = m.contrasts[i];
            t.contrasts.add_row({specs[k], m.contrast_labels[i], r.levels.empty() ? "" : fmt::format("{}", fmt::join(r.levels, ":")),
                                 format_number(r.result.estimate), format_number(r.result.se), format_number(r.result.df),
                                 format_number(r.result.t), format_number(r.result.p)});
        }
    }
    return t;
}

}  // namespace algia::trial
