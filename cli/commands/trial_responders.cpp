// algia trial responders: responder proportions per arm and pairwise comparisons (risk
// difference, risk ratio, odds ratios, Fisher exact and chi-square tests).

#include <cmath>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "trial.hpp"
#include "trial_common.hpp"
#include "algia/trial/proportions.hpp"

namespace algia::cli {

namespace {

using trial::Rule;
using trial::parse_rule;

}  // namespace

Command trial_responders_command() {
    return {"responders", "Responders per arm (Wilson CI) and arm comparisons: risk difference (Newcombe), RR, OR, Fisher exact",
            [](CLI::App& app) -> Run {
                struct Options {
                    std::string table, column, rule, visit_column, visit, arm_column, id_column, missing = "nonresponder", out;
                    std::vector<std::string> arms;
                    double level = 0.95, root_tolerance = trial::kRRootTolerance;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "A participant responds when --column satisfies --rule (e.g. pain '<=1') at --visit. Missing values "
                    "(n/a) count as non-responders with the randomised denominator (--missing nonresponder, default) or "
                    "are left out (--missing complete-case); the table needs one row per randomised participant at that "
                    "visit. Per arm: n/N with the Wilson score interval. Each pair of arms (first minus second, in "
                    "--arms order or order of appearance): risk difference with Newcombe's hybrid-score interval, risk "
                    "ratio (log interval), odds ratio with Woolf's interval (n/a with a zero cell), the conditional "
                    "maximum-likelihood odds ratio with its exact interval and Fisher's exact two-sided p (as R "
                    "fisher.test), Pearson chi-square without and with Yates' continuity correction (as R chisq.test).");
                app.add_option("--table", o->table, "Table (TSV/CSV), one row per participant (and visit)")->required();
                app.add_option("--column", o->column, "Outcome column, e.g. pain")->required();
                app.add_option("--rule", o->rule, "Responder rule, e.g. '<=1'")->required();
                app.add_option("--visit-column", o->visit_column, "Column holding the visit");
                app.add_option("--visit", o->visit, "Visit to analyse, e.g. post");
                app.add_option("--arm-column", o->arm_column, "Column holding the arm")->required();
                app.add_option("--id-column", o->id_column,
                               "Participant column of a long table: participants with rows at other visits but none at --visit "
                               "count as missing (default: participant_id when present)");
                app.add_option("--arms", o->arms, "Arm order (default: order of appearance)")->delimiter(',');
                app.add_option("--missing", o->missing, "nonresponder or complete-case")
                    ->check(CLI::IsMember({"nonresponder", "complete-case"}))
                    ->capture_default_str();
                app.add_option("--level", o->level, "Confidence level")->check(CLI::Range(0.5, 0.9999))->capture_default_str();
                app.add_option("--or-tolerance", o->root_tolerance,
                               "Root tolerance of the conditional odds ratio and its exact limits (default: R uniroot's, so the "
                               "numbers equal fisher.test's; e.g. 1e-13 for more precise ones)")
                    ->check(CLI::Range(1e-15, 1e-2))
                    ->capture_default_str();
                app.add_option("--out,-o", o->out, "Output TSV (default: standard output)");
                return [o](Context&) {
                    const Rule rule = parse_rule(o->rule);
                    const io::Table t = io::read_table(o->table);
                    const std::size_t col = t.index(o->column);
                    (void)t.index(o->arm_column);
                    const auto rows = trial_common::select_visit(t, o->visit_column, o->visit);
                    const auto values = t.numeric(col);
                    const auto arm = t.strings(o->arm_column);
                    const auto levels = trial_common::arm_levels(t, o->arm_column, rows, o->arms);
                    const bool complete = o->missing == "complete-case";
                    std::vector<std::int64_t> x(levels.size(), 0), n(levels.size(), 0), missing(levels.size(), 0);
                    std::size_t matched = 0;
                    for (auto r : rows) {
                        const auto it = std::find(levels.begin(), levels.end(), arm[r]);
                        if (it == levels.end()) continue;  // an arm left out by --arms
                        const std::size_t g = std::size_t(it - levels.begin());
                        if (std::isnan(values[r])) {
                            ++missing[g];
                            if (!complete) ++n[g];
                            continue;
                        }
                        ++n[g];
                        if (rule.test(values[r])) ++x[g], ++matched;
                    }
                    for (std::size_t g = 0; g < levels.size(); ++g)
                        if (n[g] == 0)
                            throw Error(Kind::invalid_input, fmt::format("{}: arm '{}' has no participant with a value of '{}'", o->table,
                                                                         levels[g], o->column))
                                .hint("check the arm and visit, or leave the arm out with --arms");
                    // Long tables: participants seen at other visits but without a row at --visit are missing too.
                    std::string id_column = o->id_column;
                    if (id_column.empty() && t.has("participant_id")) id_column = "participant_id";
                    std::vector<std::int64_t> absent(levels.size(), 0);
                    if (!o->visit_column.empty() && !id_column.empty()) {
                        const auto ids = t.strings(id_column);
                        std::map<std::string, std::string> arm_of;
                        std::set<std::string> at_visit;
                        for (auto r : rows)
                            if (!at_visit.insert(ids[r]).second)
                                throw Error(Kind::invalid_input, fmt::format("{}: line {}: participant '{}' has a second row at {} = '{}'", o->table, r + 2,
                                                                             ids[r], o->visit_column, o->visit))
                                    .hint("one row per participant and visit");
                        for (std::size_t r = 0; r < t.rows(); ++r)
                            if (!at_visit.count(ids[r]) && !io::is_missing(arm[r])) arm_of.emplace(ids[r], arm[r]);
                        for (const auto& [id, a] : arm_of) {
                            (void)id;
                            const auto it = std::find(levels.begin(), levels.end(), a);
                            if (it == levels.end()) continue;
                            const std::size_t g = std::size_t(it - levels.begin());
                            ++absent[g];
                            ++missing[g];
                            if (!complete) ++n[g];
                        }
                    }
                    if (matched == 0)
                        throw Error(Kind::invalid_input, fmt::format("{}: the rule '{} {}' matches no participant{}", o->table, o->column, o->rule,
                                                                     o->visit.empty() ? "" : fmt::format(" at visit {}", o->visit)))
                            .hint("check the rule's direction and threshold against the column's values");
                    io::Table out({"arm1", "arm2", "measure", "estimate", "ci_lower", "ci_upper", "p", "x1", "n1", "x2", "n2", "method"});
                    auto num = [](double v) { return io::format_number(v); };
                    auto cnt = [](std::int64_t v) { return std::to_string(v); };
                    const std::string lvl = fmt::format("{:g}%", 100 * o->level);
                    for (std::size_t g = 0; g < levels.size(); ++g) {
                        const auto w = trial::wilson(x[g], n[g], o->level);
                        out.add_row({levels[g], "n/a", "proportion", num(double(x[g]) / double(n[g])), num(w.lower), num(w.upper), "n/a",
                                     cnt(x[g]), cnt(n[g]), "n/a", "n/a",
                                     fmt::format("Wilson score {} CI; {} missing ({} without a row at the visit) {}", lvl, missing[g], absent[g],
                                                 complete ? "excluded (complete case)" : "counted as non-responders")});
                    }
                    for (std::size_t i = 0; i < levels.size(); ++i)
                        for (std::size_t j = i + 1; j < levels.size(); ++j) {
                            const auto c = trial::compare({x[i], n[i], x[j], n[j]}, o->level, o->root_tolerance);
                            auto row = [&](const std::string& measure, double est, trial::Interval ci, double p, const std::string& method) {
                                out.add_row({levels[i], levels[j], measure, num(est), num(ci.lower), num(ci.upper), num(p), cnt(x[i]),
                                             cnt(n[i]), cnt(x[j]), cnt(n[j]), method});
                            };
                            const double nan = std::nan("");
                            row("risk_difference", c.risk_difference, c.rd_newcombe, c.fisher_p,
                                fmt::format("{} - {}; Newcombe hybrid score {} CI (Wilson limits); p: Fisher exact two-sided", levels[i],
                                            levels[j], lvl));
                            row("risk_ratio", c.risk_ratio, c.rr_log, c.fisher_p, fmt::format("{} / {}; log-normal {} CI; p: Fisher exact", levels[i], levels[j], lvl));
                            row("odds_ratio", c.odds_ratio, c.or_woolf, c.fisher_p, fmt::format("sample odds ratio; Woolf (log) {} CI, n/a with a zero cell; p: Fisher exact", lvl));
                            row("odds_ratio_conditional", c.or_conditional, c.or_exact, c.fisher_p,
                                fmt::format("conditional MLE odds ratio with exact conditional {} CI, as R fisher.test (root tolerance {:g})", lvl,
                                            o->root_tolerance));
                            row("fisher_exact", nan, {nan, nan}, c.fisher_p,
                                "Fisher exact two-sided: sum of tables with probability <= observed x (1 + 1e-7), as R fisher.test");
                            row("chi_square", c.chi2, {nan, nan}, c.chi2_p, "Pearson chi-square, 1 df, no continuity correction (R chisq.test correct=FALSE)");
                            row("chi_square_yates", c.chi2_yates, {nan, nan}, c.chi2_yates_p,
                                "Pearson chi-square, 1 df, Yates continuity correction min(0.5, |O-E|) (R chisq.test default)");
                        }
                    trial_common::emit(out, o->out, {o->table});
                    return 0;
                };
            }};
}

}  // namespace algia::cli
