// algia trial change: pre/post change analysis (paired t, Wilcoxon signed-rank, effect sizes) and
// correlations of change scores with other measures, with FDR across outcomes.

#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "trial.hpp"
#include "trial_common.hpp"
#include "algia/stats/glm.hpp"
#include "algia/trial/effects.hpp"

namespace algia::cli {

Command trial_change_command() {
    return {"change", "Pre/post change: paired t and Wilcoxon signed-rank with effect sizes; correlations of change scores; FDR",
            [](CLI::App& app) -> Run {
                struct Options {
                    std::string table, by, column, visit_column, id_column, out;
                    std::vector<std::string> pre, post, with, with_change;
                    double level = 0.95;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "Change = post - pre per participant (pairs with both values). Per outcome (and per --by group): mean "
                    "change with its t interval, paired t (scipy.stats.ttest_rel), d_z = mean / SD of the change with a "
                    "noncentral-t interval, Wilcoxon signed-rank (zeros dropped; exact null distribution when n <= 50 "
                    "with no zeros and no ties, otherwise the normal approximation with the tie correction and no "
                    "continuity correction, as scipy.stats.wilcoxon) with the matched-pairs rank-biserial correlation. "
                    "--with COL correlates each change score with a column and --with-change PRE:POST with the change of "
                    "another pair of columns: Pearson and Spearman r, t-test p, Fisher-z interval. With several outcomes "
                    "(repeat --pre/--post in the same order), Benjamini-Hochberg q across outcomes for each test. Wide "
                    "tables: --pre/--post are columns; long tables: --column with --visit-column and --id-column, "
                    "--pre/--post are visit levels.");
                app.add_option("--table", o->table, "Table (TSV/CSV)")->required();
                app.add_option("--pre", o->pre, "Pre columns (wide) or the pre visit level (long)")->required();
                app.add_option("--post", o->post, "Post columns (wide, same order) or the post visit level (long)")->required();
                app.add_option("--by", o->by, "Group column: analyse each level separately (e.g. arm)");
                app.add_option("--column", o->column, "Outcome column of a long table");
                app.add_option("--visit-column", o->visit_column, "Visit column of a long table");
                app.add_option("--id-column", o->id_column, "Participant column of a long table");
                app.add_option("--with", o->with, "Correlate change scores with these columns (wide tables)");
                app.add_option("--with-change", o->with_change, "Correlate with the change PRE:POST of these columns (wide tables)");
                app.add_option("--level", o->level, "Confidence level")->check(CLI::Range(0.5, 0.9999))->capture_default_str();
                app.add_option("--out,-o", o->out, "Output TSV (default: standard output)");
                return [o](Context&) {
                    const io::Table t = io::read_table(o->table);
                    if (o->pre.size() != o->post.size())
                        throw Error(Kind::usage, fmt::format("{} --pre but {} --post given", o->pre.size(), o->post.size()))
                            .hint("give one --post per --pre, in the same order");
                    if (!o->column.empty() && o->pre.size() != 1)
                        throw Error(Kind::usage, "a long table (--column) takes one --pre and one --post visit level").hint("e.g. --pre pre --post post");
                    if (!o->column.empty() && (!o->with.empty() || !o->with_change.empty()))
                        throw Error(Kind::unsupported, "--with and --with-change need a wide table (one row per participant)")
                            .hint("reshape the table to one row per participant (columns like pcs_pre, pcs_post)");
                    if (!o->by.empty()) (void)t.index(o->by);
                    // Outcomes.
                    struct Outcome {
                        std::string name;
                        trial_common::PrePost pp;
                    };
                    std::vector<Outcome> outcomes;
                    for (std::size_t k = 0; k < o->pre.size(); ++k) {
                        Outcome oc;
                        oc.name = o->column.empty() ? fmt::format("{} - {}", o->post[k], o->pre[k]) : fmt::format("{}: {} - {}", o->column, o->post[k], o->pre[k]);
                        oc.pp = trial_common::pre_post(t, o->by, o->column, o->visit_column, o->id_column, o->pre[k], o->post[k]);
                        outcomes.push_back(std::move(oc));
                    }
                    // Correlates (wide tables only: one row per participant).
                    std::vector<std::pair<std::string, std::vector<double>>> correlates;
                    for (const auto& c : o->with) correlates.push_back({c, t.numeric(c)});
                    for (const auto& c : o->with_change) {
                        const auto colon = c.find(':');
                        if (colon == std::string::npos)
                            throw Error(Kind::usage, fmt::format("--with-change '{}' is not PRE:POST", c)).hint("e.g. --with-change pcs_pre:pcs_post");
                        const auto a = t.numeric(c.substr(0, colon)), b = t.numeric(c.substr(colon + 1));
                        std::vector<double> d(a.size());
                        for (std::size_t i = 0; i < a.size(); ++i) d[i] = b[i] - a[i];
                        correlates.push_back({fmt::format("change {} - {}", c.substr(colon + 1), c.substr(0, colon)), d});
                    }
                    std::vector<std::string> groups;
                    for (const auto& g : outcomes[0].pp.arm)
                        if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
                    io::Table out({"group", "outcome", "test", "with", "n", "estimate", "ci_lower", "ci_upper", "statistic", "df", "p", "q_fdr",
                                   "effect_size", "es_ci_lower", "es_ci_upper", "method"});
                    auto num = [](double v) { return io::format_number(v); };
                    const std::string na = "n/a", lvl = fmt::format("{:g}%", 100 * o->level);
                    for (const auto& g : groups) {
                        // Rows per test, then BH q across outcomes within (group, test, with).
                        struct Row {
                            std::vector<std::string> cells;
                            double p;
                        };
                        std::map<std::string, std::vector<Row>> families;
                        std::vector<std::string> family_order;
                        auto add = [&](const std::string& family, std::vector<std::string> cells, double p) {
                            if (!families.count(family)) family_order.push_back(family);
                            families[family].push_back({std::move(cells), p});
                        };
                        for (const auto& oc : outcomes) {
                            std::vector<double> pre, post, change;
                            std::vector<std::size_t> idx;
                            for (std::size_t i = 0; i < oc.pp.arm.size(); ++i)
                                if (oc.pp.arm[i] == g) {
                                    pre.push_back(oc.pp.pre[i]);
                                    post.push_back(oc.pp.post[i]);
                                    change.push_back(oc.pp.post[i] - oc.pp.pre[i]);
                                    idx.push_back(i);
                                }
                            const auto r = trial::paired(pre, post, o->level);
                            if (r.n < 3)
                                throw Error(Kind::invalid_input, fmt::format("{}: {}: fewer than 3 participants with both values{}", o->table, oc.name,
                                                                             o->by.empty() ? "" : fmt::format(" in {} = {}", o->by, g)))
                                    .hint("check the columns (and --by); a change analysis needs pairs");
                            add("paired_t", {g, oc.name, "paired_t", na, std::to_string(r.n), num(r.mean_diff), num(r.ci_mean.lower), num(r.ci_mean.upper),
                                             num(r.t), num(r.df), num(r.p), "", num(r.dz), num(r.ci_dz.lower), num(r.ci_dz.upper),
                                             fmt::format("mean change post - pre with t {} CI; paired t (scipy ttest_rel); effect size d_z = mean/SD "
                                                         "of change, noncentral-t {} CI", lvl, lvl)},
                                r.p);
                            add("wilcoxon", {g, oc.name, "wilcoxon_signed_rank", na, std::to_string(r.w_n), num(r.w_plus), na, na, num(r.w_statistic), na,
                                             num(r.w_p), "", num(r.rank_biserial), na, na,
                                             r.w_exact ? "estimate R+; statistic min(R+, R-); exact null distribution (no zeros, no ties, n <= 50); effect "
                                                         "size matched-pairs rank-biserial r"
                                                       : fmt::format("estimate R+; statistic min(R+, R-); normal approximation z = {} (zeros dropped, tie "
                                                                     "correction, no continuity correction); effect size matched-pairs rank-biserial r",
                                                                     num(r.w_z))},
                                r.w_p);
                            for (const auto& c : correlates) {
                                std::vector<double> y;
                                for (auto i : idx) y.push_back(c.second[i]);
                                const auto pr = trial::pearson(change, y, o->level), sr = trial::spearman(change, y, o->level);
                                add("pearson " + c.first, {g, oc.name, "pearson", c.first, std::to_string(pr.n), num(pr.r), num(pr.ci.lower),
                                                           num(pr.ci.upper), na, num(double(pr.n - 2)), num(pr.p), "", na, na, na,
                                                           fmt::format("Pearson r of the change with '{}'; t-test p; Fisher z {} CI", c.first, lvl)},
                                    pr.p);
                                add("spearman " + c.first, {g, oc.name, "spearman", c.first, std::to_string(sr.n), num(sr.r), num(sr.ci.lower),
                                                            num(sr.ci.upper), na, num(double(sr.n - 2)), num(sr.p), "", na, na, na,
                                                            fmt::format("Spearman rho (average ranks) of the change with '{}'; t-approximation p (as "
                                                                        "scipy spearmanr); Fisher z {} CI with SE 1/sqrt(n-3)", c.first, lvl)},
                                    sr.p);
                            }
                        }
                        for (const auto& f : family_order) {
                            auto& rows = families[f];
                            Eigen::VectorXd p(Eigen::Index(rows.size()));
                            for (std::size_t i = 0; i < rows.size(); ++i) p[Eigen::Index(i)] = std::isnan(rows[i].p) ? 1.0 : rows[i].p;
                            const Eigen::VectorXd q = stats::fdr_bh(p);
                            for (std::size_t i = 0; i < rows.size(); ++i) {
                                rows[i].cells[11] = std::isnan(rows[i].p) ? na : num(q[Eigen::Index(i)]);
                                out.add_row(rows[i].cells);
                            }
                        }
                    }
                    trial_common::emit(out, o->out, {o->table});
                    return 0;
                };
            }};
}

}  // namespace algia::cli
