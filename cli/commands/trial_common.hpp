#pragma once
// Helpers shared by the `algia trial` subcommands: selecting rows (a visit), arm levels, and
// writing a result table to a file (atomically) or to standard output.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/io/file.hpp"
#include "algia/io/tsv.hpp"

namespace algia::cli::trial_common {

// Rows of `t` whose `visit_column` equals `visit` (all rows when visit_column is empty). An error
// naming the levels present when no row has that visit.
inline std::vector<std::size_t> select_visit(const io::Table& t, const std::string& visit_column, const std::string& visit) {
    std::vector<std::size_t> rows;
    if (visit_column.empty()) {
        if (!visit.empty())
            throw Error(Kind::usage, "--visit needs --visit-column").hint("name the column holding the visit, e.g. --visit-column visit");
        for (std::size_t r = 0; r < t.rows(); ++r) rows.push_back(r);
        return rows;
    }
    if (visit.empty())
        throw Error(Kind::usage, fmt::format("--visit-column {} needs --visit", visit_column)).hint("e.g. --visit post");
    const auto v = t.strings(visit_column);
    std::vector<std::string> levels;
    for (std::size_t r = 0; r < v.size(); ++r) {
        if (v[r] == visit) rows.push_back(r);
        if (std::find(levels.begin(), levels.end(), v[r]) == levels.end()) levels.push_back(v[r]);
    }
    if (rows.empty())
        throw Error(Kind::invalid_input, fmt::format("{}: no row has {} = '{}' (levels: {})", t.source(), visit_column, visit,
                                                     fmt::join(levels, ", ")))
            .hint("give one of the levels present to --visit");
    return rows;
}

// Arm levels in order of first appearance among `rows`, or in the order given by `order`
// (each must be present). At least two levels, else an error naming the column.
inline std::vector<std::string> arm_levels(const io::Table& t, const std::string& arm_column, const std::vector<std::size_t>& rows,
                                           const std::vector<std::string>& order) {
    const auto a = t.strings(arm_column);
    std::vector<std::string> levels;
    for (auto r : rows) {
        if (io::is_missing(a[r]))
            throw Error(Kind::invalid_input, fmt::format("{}: line {}: column '{}' is missing (n/a)", t.source(), r + 2, arm_column))
                .hint("every row needs its arm; remove the row or fill in the arm");
        if (std::find(levels.begin(), levels.end(), a[r]) == levels.end()) levels.push_back(a[r]);
    }
    if (!order.empty()) {
        for (const auto& o : order)
            if (std::find(levels.begin(), levels.end(), o) == levels.end())
                throw Error(Kind::invalid_input, fmt::format("{}: arm '{}' (from --arms) does not occur in column '{}' (levels: {})",
                                                             t.source(), o, arm_column, fmt::join(levels, ", ")))
                    .hint("spell the arms as in the table");
        levels = order;
    }
    if (levels.size() < 2)
        throw Error(Kind::invalid_input, fmt::format("{}: column '{}' has only one level ('{}'); comparing arms needs at least two",
                                                     t.source(), arm_column, levels.empty() ? "" : levels[0]))
            .hint("check --arm-column (and --visit): the rows used must come from at least two arms");
    return levels;
}

inline void emit(const io::Table& out, const std::string& path, const std::vector<std::string>& inputs) {
    if (path.empty()) {
        const std::string text = io::format_table(out);
        std::fwrite(text.data(), 1, text.size(), stdout);
        return;
    }
    io::check_output_path(path, inputs, "--out");
    io::write_table(path, out);
}


// Pre and post values per participant from a wide table (--pre/--post are columns) or a long one
// (--column with --visit-column and --id-column; --pre/--post are visit levels).
struct PrePost {
    std::vector<std::string> arm;
    std::vector<double> pre, post;
    // Every visit's values per participant for the descriptive table, in visit order.
    std::vector<std::string> visits;
    std::vector<std::vector<double>> by_visit;  // [visit][participant]
};

inline PrePost pre_post(const io::Table& t, const std::string& arm_column, const std::string& column, const std::string& visit_column,
                        const std::string& id_column, const std::string& pre, const std::string& post) {
    PrePost out;
    const auto arms = arm_column.empty() ? std::vector<std::string>(t.rows(), "all") : t.strings(arm_column);
    if (column.empty()) {
        if (!visit_column.empty())
            throw Error(Kind::usage, "--visit-column needs --column (a long table)")
                .hint("for a wide table give --pre and --post as column names; for a long one add --column and --id-column");
        out.pre = t.numeric(pre);
        out.post = t.numeric(post);
        out.arm = arms;
        out.visits = {pre, post};
        out.by_visit = {out.pre, out.post};
        return out;
    }
    if (visit_column.empty() || id_column.empty())
        throw Error(Kind::usage, "--column (a long table) needs --visit-column and --id-column")
            .hint("e.g. --column pain --visit-column visit --id-column participant_id --pre pre --post post");
    const auto values = t.numeric(column);
    const auto visit = t.strings(visit_column);
    const auto id = t.strings(id_column);
    std::map<std::string, std::size_t> index;
    std::vector<std::string> ids;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        if (std::find(out.visits.begin(), out.visits.end(), visit[r]) == out.visits.end()) out.visits.push_back(visit[r]);
        if (!index.count(id[r])) {
            index[id[r]] = ids.size();
            ids.push_back(id[r]);
            out.arm.push_back(arms[r]);
        } else if (out.arm[index[id[r]]] != arms[r]) {
            throw Error(Kind::invalid_input, fmt::format("{}: line {}: participant '{}' is in arm '{}' here but '{}' on an earlier line",
                                                         t.source(), r + 2, id[r], arms[r], out.arm[index[id[r]]]))
                .hint("each participant belongs to one arm");
        }
    }
    for (const auto& v : {pre, post})
        if (std::find(out.visits.begin(), out.visits.end(), v) == out.visits.end())
            throw Error(Kind::invalid_input, fmt::format("{}: no row has {} = '{}' (levels: {})", t.source(), visit_column, v, fmt::join(out.visits, ", ")))
                .hint("give visit levels present in the table to --pre and --post");
    const double nan = std::nan("");
    out.by_visit.assign(out.visits.size(), std::vector<double>(ids.size(), nan));
    std::vector<std::vector<bool>> seen(out.visits.size(), std::vector<bool>(ids.size(), false));
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const std::size_t v = std::size_t(std::find(out.visits.begin(), out.visits.end(), visit[r]) - out.visits.begin());
        const std::size_t p = index[id[r]];
        if (seen[v][p])
            throw Error(Kind::invalid_input, fmt::format("{}: line {}: participant '{}' has a second row for visit '{}'", t.source(), r + 2, id[r], visit[r]))
                .hint("one row per participant and visit");
        seen[v][p] = true;
        out.by_visit[v][p] = values[r];
    }
    const auto at = [&](const std::string& v) { return std::size_t(std::find(out.visits.begin(), out.visits.end(), v) - out.visits.begin()); };
    out.pre = out.by_visit[at(pre)];
    out.post = out.by_visit[at(post)];
    return out;
}

}  // namespace algia::cli::trial_common
