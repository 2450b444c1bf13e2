// algia trial effects: mean (SD, n) per arm and visit, and Hedges g between arms on post-treatment
// levels and on change scores of completers.

#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "trial.hpp"
#include "trial_common.hpp"
#include "algia/trial/effects.hpp"

namespace algia::cli {


Command trial_effects_command() {
    return {"effects", "Mean (SD, n) per arm and visit; Hedges g with CIs on post-treatment levels and on change scores of completers",
            [](CLI::App& app) -> Run {
                struct Options {
                    std::string table, arm_column, column, visit_column, id_column, pre, post, out;
                    std::vector<std::string> arms;
                    double level = 0.95;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "Wide table: --pre and --post name two columns (e.g. pain_pre pain_post). Long table: --column pain "
                    "--visit-column visit --id-column participant_id, and --pre/--post name visit levels. Writes mean, SD "
                    "(n - 1) and n per arm and visit, then for each pair of arms (first minus second) Hedges g = J d with "
                    "the exact small-sample correction J, on (1) the post-treatment level of everyone with a post value "
                    "and (2) the change post - pre of completers (both values present). Two intervals: 'exact' inverts the "
                    "noncentral t of the two-sample t statistic (Steiger & Fouladi) and scales by J; 'normal' is Hedges & "
                    "Olkin's approximation g +- z sqrt((n1+n2)/(n1 n2) + g^2/(2(n1+n2))). The pooled-variance t test p "
                    "is given too.");
                app.add_option("--table", o->table, "Table (TSV/CSV)")->required();
                app.add_option("--arm-column", o->arm_column, "Column holding the arm")->required();
                app.add_option("--arms", o->arms, "Arm order (default: order of appearance)")->delimiter(',');
                app.add_option("--pre", o->pre, "Pre-treatment column (wide) or visit level (long)")->required();
                app.add_option("--post", o->post, "Post-treatment column (wide) or visit level (long)")->required();
                app.add_option("--column", o->column, "Outcome column of a long table");
                app.add_option("--visit-column", o->visit_column, "Visit column of a long table");
                app.add_option("--id-column", o->id_column, "Participant column of a long table");
                app.add_option("--level", o->level, "Confidence level")->check(CLI::Range(0.5, 0.9999))->capture_default_str();
                app.add_option("--out,-o", o->out, "Output TSV (default: standard output)");
                return [o](Context&) {
                    const io::Table t = io::read_table(o->table);
                    (void)t.index(o->arm_column);
                    const auto pp = trial_common::pre_post(t, o->arm_column, o->column, o->visit_column, o->id_column, o->pre, o->post);
                    std::vector<std::size_t> all;
                    for (std::size_t i = 0; i < pp.arm.size(); ++i) all.push_back(i);
                    io::Table arms_only({o->arm_column});
                    for (const auto& a : pp.arm) arms_only.add_row({a});
                    arms_only.set_source(t.source());
                    const auto levels = trial_common::arm_levels(arms_only, o->arm_column, all, o->arms);
                    auto values_of = [&](const std::vector<double>& v, const std::string& arm) {
                        std::vector<double> out;
                        for (std::size_t i = 0; i < v.size(); ++i)
                            if (pp.arm[i] == arm) out.push_back(v[i]);
                        return out;
                    };
                    std::vector<double> change(pp.pre.size());
                    for (std::size_t i = 0; i < change.size(); ++i) change[i] = pp.post[i] - pp.pre[i];  // NaN unless completer
                    io::Table out({"analysis", "arm1", "arm2", "visit", "n1", "n2", "estimate", "sd", "ci_lower", "ci_upper",
                                   "ci_lower_normal", "ci_upper_normal", "cohen_d", "t", "df", "p", "method"});
                    auto num = [](double v) { return io::format_number(v); };
                    const std::string na = "n/a";
                    for (const auto& a : levels)
                        for (std::size_t v = 0; v < pp.visits.size(); ++v) {
                            const auto d = trial::describe(values_of(pp.by_visit[v], a));
                            out.add_row({"descriptive", a, na, pp.visits[v], std::to_string(d.n), na, num(d.mean), num(d.sd), na, na, na, na,
                                         na, na, na, na, "mean and SD (n - 1) of non-missing values"});
                        }
                    for (const auto& a : levels) {
                        const auto d = trial::describe(values_of(change, a));
                        out.add_row({"descriptive", a, na, fmt::format("change {} - {} (completers)", o->post, o->pre), std::to_string(d.n), na,
                                     num(d.mean), num(d.sd), na, na, na, na, na, na, na, na, "mean and SD (n - 1) of change scores of completers"});
                    }
                    const std::string lvl = fmt::format("{:g}%", 100 * o->level);
                    for (std::size_t i = 0; i < levels.size(); ++i)
                        for (std::size_t j = i + 1; j < levels.size(); ++j)
                            for (int which = 0; which < 2; ++which) {
                                const auto& v = which == 0 ? pp.post : change;
                                const auto a = trial::describe(values_of(v, levels[i])), b = trial::describe(values_of(v, levels[j]));
                                if (a.n < 2 || b.n < 2)
                                    throw Error(Kind::invalid_input, fmt::format("{}: fewer than 2 {} in arm '{}' or '{}'", o->table,
                                                                                 which == 0 ? "post-treatment values" : "completers", levels[i], levels[j]))
                                        .hint("Hedges g needs at least 2 participants per arm");
                                const auto g = trial::hedges_g(a, b, o->level);
                                out.add_row({which == 0 ? "hedges_g_post" : "hedges_g_change", levels[i], levels[j],
                                             which == 0 ? o->post : fmt::format("change {} - {} (completers)", o->post, o->pre),
                                             std::to_string(a.n), std::to_string(b.n), num(g.g), na, num(g.ci_exact.lower),
                                             num(g.ci_exact.upper), num(g.ci_normal.lower), num(g.ci_normal.upper), num(g.d), num(g.t),
                                             num(g.df), num(g.p),
                                             fmt::format("Hedges g ({} - {}) on {}; exact J; {} CI: noncentral t (ci_lower/upper), "
                                                         "Hedges-Olkin normal approximation (ci_*_normal); p: pooled two-sample t",
                                                         levels[i], levels[j],
                                                         which == 0 ? "post-treatment levels" : "change scores of completers", lvl)});
                            }
                    trial_common::emit(out, o->out, {o->table});
                    return 0;
                };
            }};
}

}  // namespace algia::cli
