// Group level of the BIDS App: one table of participants x measures, then the configured models.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "algia/core/error.hpp"
#include "algia/io/file.hpp"
#include "algia/io/json.hpp"
#include "algia/io/tsv.hpp"
#include "algia/mediation/bootstrap.hpp"
#include "algia/mediation/table.hpp"
#include "algia/pipeline/participant.hpp"
#include "algia/stats/design.hpp"
#include "algia/stats/glm.hpp"
#include "algia/trial/proportions.hpp"

namespace algia::pipeline {

namespace fs = std::filesystem;

namespace {

std::string bare(const std::string& id) { return id.rfind("sub-", 0) == 0 ? id.substr(4) : id; }

// Rethrows an error found while running a configured model with the configuration line in front.
template <class F>
void with_origin(const Origin& origin, const std::string& what, F&& f) {
    try {
        f();
    } catch (const Error& e) {
        throw Error(e.kind(), fmt::format("{}: {}: {}", origin.where(), what, e.what())).hint("fix the model in the configuration");
    }
}

}  // namespace

void run_group(const Config& config, const Layout& layout, const std::string& output_dir, const Context& ctx) {
    const std::string participants_path =
        config.participants.empty() ? (fs::path(layout.root) / "participants.tsv").string() : config.participants;
    if (!fs::exists(participants_path))
        throw Error(Kind::invalid_input, fmt::format("{}: no participants table", participants_path))
            .hint(fmt::format("set [study] participants in {}", config.file));
    const io::Table participants = io::read_table(participants_path);
    if (!participants.has(config.id_column))
        throw Error(Kind::invalid_input, fmt::format("{}: no column '{}' (the participant id, [columns] id in {})", participants_path,
                                                     config.id_column, config.file))
            .hint(fmt::format("the table's columns are: {}", fmt::join(participants.columns(), ", ")));
    const auto ids = participants.strings(config.id_column);
    std::map<std::string, std::size_t> row_of;
    for (std::size_t r = 0; r < ids.size(); ++r) row_of[bare(ids[r])] = r;

    // Participants with complete participant-level output.
    std::vector<std::string> labels, missing_output, not_in_table;
    for (const auto& p : layout.participants) {
        const fs::path done = fs::path(output_dir) / ("sub-" + p.label) / ("sub-" + p.label + "_desc-done.json");
        if (!fs::exists(done)) {
            missing_output.push_back(p.label);
            continue;
        }
        if (!row_of.count(p.label)) {
            not_in_table.push_back(p.label);
            continue;
        }
        labels.push_back(p.label);
    }
    if (!not_in_table.empty())
        throw Error(Kind::invalid_input, fmt::format("{}: no row for participant(s) {} whose images were processed", participants_path,
                                                     fmt::join(not_in_table, ", ")))
            .hint("add them to the participants table, or rerun without them (--participant-label)");
    if (!missing_output.empty())
        std::fprintf(stderr, "algia group: no complete participant-level output for %s; left out of the group level\n",
                     fmt::format("{}", fmt::join(missing_output, ", ")).c_str());
    std::vector<std::string> no_images;
    for (const auto& id : ids) {
        bool found = false;
        for (const auto& p : layout.participants) found = found || p.label == bare(id);
        if (!found) no_images.push_back(bare(id));
    }
    if (!no_images.empty())
        std::fprintf(stderr, "algia group: participants in %s without images: %s (kept in the table, without brain measures)\n",
                     participants_path.c_str(), fmt::format("{}", fmt::join(no_images, ", ")).c_str());
    if (labels.size() < 3)
        throw Error(Kind::invalid_input, fmt::format("only {} participant(s) have participant-level output", labels.size()))
            .hint("run the participant level first: algia FMRIPREP OUTPUT participant --config ...");

    // Wide table: participants columns + measure_session (+ measure_change) per participant, averaged
    // over runs of one session.
    std::map<std::string, std::map<std::string, double>> values;  // label -> column -> value
    std::set<std::string> measure_names;
    for (const auto& label : labels) {
        std::map<std::string, std::pair<double, int>> acc;
        for (const auto& m : read_measures(output_dir, label)) {
            const std::string col = m.session.empty() ? m.name : m.name + "_" + m.session;
            measure_names.insert(m.name);
            if (std::isfinite(m.value)) acc[col].first += m.value, acc[col].second += 1;
        }
        for (const auto& [col, s] : acc) values[label][col] = s.second ? s.first / s.second : std::nan("");
    }
    std::vector<std::string> columns = participants.columns();
    std::vector<std::string> added;
    const auto& sessions = layout.sessions;
    for (const auto& m : measure_names) {
        if (sessions.size() == 1 && sessions[0].empty()) {
            added.push_back(m);
        } else {
            for (const auto& s : sessions) added.push_back(m + "_" + s);
        }
    }
    // Change scores: any column present for the first and the last session.
    std::vector<std::string> change_of;
    if (sessions.size() >= 2) {
        std::set<std::string> bases;
        const auto consider = [&](const std::string& col) {
            const std::string suffix = "_" + sessions.front();
            if (col.size() > suffix.size() && col.compare(col.size() - suffix.size(), suffix.size(), suffix) == 0) {
                const std::string base = col.substr(0, col.size() - suffix.size());
                const std::string last = base + "_" + sessions.back();
                if (std::find(columns.begin(), columns.end(), last) != columns.end() ||
                    std::find(added.begin(), added.end(), last) != added.end())
                    bases.insert(base);
            }
        };
        for (const auto& c : columns) consider(c);
        for (const auto& c : added) consider(c);
        change_of.assign(bases.begin(), bases.end());
    }
    std::vector<std::string> header = columns;
    for (const auto& c : added)
        if (std::find(header.begin(), header.end(), c) == header.end()) header.push_back(c);
    // Only numeric columns get change scores (text columns such as free-text causes do not).
    {
        std::vector<std::string> numeric_bases;
        for (const auto& b : change_of) {
            bool numeric = true;
            for (const std::string& col : {b + "_" + sessions.front(), b + "_" + sessions.back()})
                if (participants.has(col)) {
                    try {
                        (void)participants.numeric(col);
                    } catch (const Error&) {
                        numeric = false;
                    }
                }
            if (numeric) numeric_bases.push_back(b);
        }
        change_of = numeric_bases;
    }
    for (const auto& b : change_of)
        if (std::find(header.begin(), header.end(), b + "_change") == header.end()) header.push_back(b + "_change");
    io::Table table(header);
    for (const auto& label : labels) {
        const std::size_t r = row_of[label];
        std::vector<std::string> row;
        std::map<std::string, double> numeric;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            row.push_back(participants.cell(r, c));
            char* end = nullptr;
            const std::string& cell = participants.cell(r, c);
            const double v = std::strtod(cell.c_str(), &end);
            numeric[columns[c]] = (!cell.empty() && end && *end == '\0') ? v : std::nan("");
        }
        for (const auto& c : added) {
            if (std::find(columns.begin(), columns.end(), c) != columns.end()) continue;
            const auto it = values[label].find(c);
            const double v = it == values[label].end() ? std::nan("") : it->second;
            numeric[c] = v;
            row.push_back(std::isfinite(v) ? io::format_number(v) : "n/a");
        }
        for (const auto& b : change_of) {
            const double v = numeric[b + "_" + sessions.back()] - numeric[b + "_" + sessions.front()];
            row.push_back(std::isfinite(v) ? io::format_number(v) : "n/a");
        }
        table.add_row(std::move(row));
    }
    table.set_source((fs::path(output_dir) / "group" / "group_table.tsv").string());
    const fs::path gdir = fs::path(output_dir) / "group";
    fs::create_directories(gdir);
    io::write_table((gdir / "group_table.tsv").string(), table);

    // Group models: outcome ~ formula, the contrast tested parametrically and by permutation.
    io::Table models({"model", "outcome", "formula", "contrast", "n", "estimate", "se", "t", "df", "p", "p_permutation", "permutations"});
    for (const auto& m : config.models) {
        with_origin(m.origin, fmt::format("model '{}'", m.name), [&] {
            const auto d = stats::design_from_formula(table, m.formula);
            const auto y = mediation::column_values(table, m.outcome, "outcome");
            std::vector<std::size_t> used;
            for (std::size_t k = 0; k < d.rows.size(); ++k)
                if (std::isfinite(y[d.rows[k]])) used.push_back(k);
            if (used.size() < std::size_t(d.X.cols()) + 2)
                throw Error(Kind::invalid_input, fmt::format("{} complete rows for {} design columns", used.size(), d.X.cols()));
            Eigen::MatrixXd X(Eigen::Index(used.size()), d.X.cols());
            Eigen::MatrixXd Y(Eigen::Index(used.size()), 1);
            for (std::size_t k = 0; k < used.size(); ++k) {
                X.row(Eigen::Index(k)) = d.X.row(Eigen::Index(used[k]));
                Y(Eigen::Index(k), 0) = y[d.rows[used[k]]];
            }
            const std::string cname = m.contrast.empty() ? d.columns.back() : m.contrast;
            const Eigen::VectorXd c = stats::parse_contrast(cname, d.columns);
            stats::PermutationOptions po;
            po.permutations = config.permutations;
            po.seed = config.seed;
            po.two_sided = true;
            stats::PermutationResult r;
            if (config.permutations > 0) r = stats::permutation_test(X, Y, c, po, ctx);
            else r.observed = stats::glm_t(X, Y, c);
            const double t = r.observed.t[0], df = r.observed.df;
            models.add_row({m.name, m.outcome, m.formula, cname, std::to_string(used.size()), io::format_number(r.observed.effect[0]),
                            io::format_number(std::sqrt(r.observed.variance[0])), io::format_number(t), io::format_number(df),
                            io::format_number(std::min(1.0, 2 * stats::t_sf(std::fabs(t), df))),
                            config.permutations > 0 ? io::format_number(r.p_uncorrected[0]) : "n/a",
                            std::to_string(config.permutations)});
        });
    }
    io::write_table((gdir / "models.tsv").string(), models);

    // Mediation models.
    for (const auto& m : config.mediation) {
        with_origin(m.origin, fmt::format("mediation '{}'", m.name), [&] {
            const auto covs = m.covariates.empty() ? config.covariates : m.covariates;
            auto td = mediation::data_from_table(table, m.x, m.m, m.y, covs);
            const mediation::Model model(std::move(td.data), m.serial ? mediation::Structure::serial : mediation::Structure::parallel);
            mediation::BootstrapOptions bo;
            bo.resamples = config.bootstrap;
            bo.seed = config.seed;
            bo.ci = mediation::CiMethod::bca;
            const auto r = mediation::bootstrap(model, bo, ctx);
            io::write_table((gdir / ("mediation-" + m.name + ".tsv")).string(), mediation::results_table(model, r, bo.ci));
            if (!td.x_coding.empty()) {
                io::Json j{{"x", m.x}, {"x_coding", td.x_coding}, {"rows_left_out", td.dropped}};
                io::write_json((gdir / ("mediation-" + m.name + ".json")).string(), j);
            }
        });
    }

    // Responder rates per arm (every randomised participant of the participants table; a missing
    // outcome counts as a non-responder) and each arm against the first in sorted order.
    for (const auto& rr : config.responders) {
        with_origin(rr.origin, fmt::format("responders '{}'", rr.name), [&] {
            if (config.arm_column.empty())
                throw Error(Kind::usage, "responder rates need the arm column").hint("set [columns] arm = \"...\"");
            const trial::Rule rule = trial::parse_rule(rr.rule);
            const auto y = mediation::column_values(participants, rr.column, "outcome");
            if (!participants.has(config.arm_column))
                throw Error(Kind::invalid_input, fmt::format("{}: no arm column '{}'", participants_path, config.arm_column));
            const auto arms = participants.strings(config.arm_column);
            std::map<std::string, std::pair<std::int64_t, std::int64_t>> count;  // arm -> (responders, n)
            for (std::size_t r = 0; r < participants.rows(); ++r) {
                if (arms[r].empty() || arms[r] == "n/a") continue;
                auto& c = count[arms[r]];
                c.second += 1;
                if (std::isfinite(y[r]) && rule.test(y[r])) c.first += 1;
            }
            if (count.size() < 2)
                throw Error(Kind::invalid_input, fmt::format("column '{}' has {} arm(s); responder comparisons need two or more",
                                                             config.arm_column, count.size()));
            io::Table t({"arm", "responders", "n", "rate", "ci_low", "ci_high", "vs", "risk_difference", "rd_ci_low", "rd_ci_high",
                         "odds_ratio_conditional", "fisher_p"});
            const auto& ref = *count.begin();
            for (const auto& [name, c] : count) {
                const trial::Interval w = trial::wilson(c.first, c.second);
                std::vector<std::string> row{name, std::to_string(c.first), std::to_string(c.second),
                                             io::format_number(double(c.first) / double(c.second)), io::format_number(w.lower),
                                             io::format_number(w.upper)};
                if (name == ref.first) {
                    for (int k = 0; k < 6; ++k) row.push_back("n/a");
                } else {
                    const trial::Comparison cmp = trial::compare({c.first, c.second, ref.second.first, ref.second.second});
                    row.insert(row.end(), {ref.first, io::format_number(cmp.risk_difference), io::format_number(cmp.rd_newcombe.lower),
                                           io::format_number(cmp.rd_newcombe.upper), io::format_number(cmp.or_conditional),
                                           io::format_number(cmp.fisher_p)});
                }
                t.add_row(std::move(row));
            }
            io::write_table((gdir / ("responders-" + rr.name + ".tsv")).string(), t);
        });
    }
}

}  // namespace algia::pipeline
