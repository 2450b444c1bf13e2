#include "algia/mediation/table.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "algia/core/error.hpp"
#include "algia/stats/glm.hpp"

namespace algia::mediation {

std::vector<double> column_values(const io::Table& t, const std::string& name, const std::string& role, std::string* coding) {
    if (!t.has(name))
        throw Error(Kind::invalid_input, fmt::format("{}: no column '{}' (the {})", t.source(), name, role))
            .hint(fmt::format("the table's columns are: {}", fmt::join(t.columns(), ", ")));
    try {
        return t.numeric(name);
    } catch (const Error&) {
        if (!coding) throw;
    }
    const auto cells = t.strings(name);
    std::set<std::string> levels;
    for (const auto& c : cells)
        if (!c.empty() && c != "n/a") levels.insert(c);
    if (levels.size() != 2)
        throw Error(Kind::invalid_input, fmt::format("{}: column '{}' (the {}) is categorical with {} levels ({})", t.source(),
                                                     name, role, levels.size(), fmt::join(levels, ", ")))
            .hint("mediation takes a numeric X or a two-level group; for more groups, run one comparison at a time "
                  "(e.g. a table restricted to two arms)");
    const std::string zero = *levels.begin(), one = *levels.rbegin();
    *coding = fmt::format("{} = 0, {} = 1", zero, one);
    std::vector<double> out;
    for (const auto& c : cells) out.push_back(c == one ? 1.0 : c == zero ? 0.0 : std::nan(""));
    return out;
}

TableData data_from_table(const io::Table& t, const std::string& x_name, const std::vector<std::string>& m_names,
                          const std::string& y_name, const std::vector<std::string>& covariates) {
    TableData out;
    const auto x = column_values(t, x_name, "X", &out.x_coding);
    const auto y = column_values(t, y_name, "Y");
    std::vector<std::vector<double>> ms, cs;
    for (const auto& m : m_names) ms.push_back(column_values(t, m, "mediator"));
    for (const auto& c : covariates) cs.push_back(column_values(t, c, "covariate"));
    for (std::size_t r = 0; r < t.rows(); ++r) {
        bool ok = std::isfinite(x[r]) && std::isfinite(y[r]);
        for (const auto& m : ms) ok = ok && std::isfinite(m[r]);
        for (const auto& c : cs) ok = ok && std::isfinite(c[r]);
        if (ok) out.rows.push_back(r);
    }
    out.dropped = t.rows() - out.rows.size();
    const Eigen::Index n = Eigen::Index(out.rows.size()), k = Eigen::Index(ms.size()), q = Eigen::Index(cs.size());
    Data& d = out.data;
    d.x.resize(n);
    d.y.resize(n);
    d.m.resize(n, k);
    d.covariates.resize(n, q);
    for (Eigen::Index i = 0; i < n; ++i) {
        const std::size_t r = out.rows[std::size_t(i)];
        d.x(i) = x[r];
        d.y(i) = y[r];
        for (Eigen::Index j = 0; j < k; ++j) d.m(i, j) = ms[std::size_t(j)][r];
        for (Eigen::Index j = 0; j < q; ++j) d.covariates(i, j) = cs[std::size_t(j)][r];
    }
    d.mediator_names = m_names;
    return out;
}

io::Table results_table(const Model& model, const BootstrapResult& r, CiMethod method) {
    io::Table out({"path", "estimate", "se", "ci_low", "ci_high", "p", "n", "stat", "p_parametric", "boot_se", "ci_method",
                   "resamples"});
    for (std::size_t i = 0; i < model.parameters().size(); ++i) {
        const auto& par = model.parameters()[i];
        const Eigen::Index ii = Eigen::Index(i);
        const double est = r.fit.estimate(ii), se = r.fit.se(ii);
        double stat = std::nan(""), pp = std::nan("");
        if (par.kind == Quantity::path) {
            stat = est / se;
            pp = 2 * stats::t_sf(std::fabs(stat), r.fit.df(ii));
        } else if (par.kind == Quantity::indirect) {
            stat = est / se;
            pp = std::erfc(std::fabs(stat) / std::sqrt(2.0));
        }
        out.add_row({par.name, io::format_number(est), io::format_number(se), io::format_number(r.intervals[i].low),
                     io::format_number(r.intervals[i].high), io::format_number(r.intervals[i].p), std::to_string(model.n()),
                     io::format_number(stat), io::format_number(pp), io::format_number(r.boot_se(ii)), ci_method_name(method),
                     std::to_string(r.resamples - r.failed)});
    }
    return out;
}

}  // namespace algia::mediation
