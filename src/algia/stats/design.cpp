#include "algia/stats/design.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "algia/core/error.hpp"
#include "algia/core/text.hpp"

namespace algia::stats {

namespace {

using algia::split;
using algia::trim;

struct Coded {
    std::vector<std::string> names;
    std::vector<std::vector<double>> cols;  // each of table.rows()
};

Coded code_variable(const io::Table& t, const std::string& name) {
    const std::string var = (name.rfind("C(", 0) == 0 && name.back() == ')') ? name.substr(2, name.size() - 3) : name;
    const auto cells = t.strings(var);  // error names the columns when missing
    bool numeric = name.rfind("C(", 0) != 0;
    std::vector<double> values(cells.size());
    for (std::size_t r = 0; r < cells.size() && numeric; ++r) {
        if (io::is_missing(cells[r])) {
            values[r] = NAN;
            continue;
        }
        char* end = nullptr;
        values[r] = std::strtod(cells[r].c_str(), &end);
        if (end == cells[r].c_str() || *end != '\0') numeric = false;
    }
    Coded out;
    if (numeric) {
        out.names = {var};
        out.cols = {values};
        return out;
    }
    std::set<std::string> levels;
    for (const auto& c : cells)
        if (!io::is_missing(c)) levels.insert(c);
    if (levels.size() < 2)
        throw Error(Kind::invalid_input, fmt::format("{}: column '{}' has fewer than two levels", t.source(), var))
            .hint("a categorical term needs at least two groups");
    auto it = levels.begin();
    ++it;  // the first level is the reference
    for (; it != levels.end(); ++it) {
        out.names.push_back(fmt::format("{}[T.{}]", var, *it));
        std::vector<double> col(cells.size());
        for (std::size_t r = 0; r < cells.size(); ++r) col[r] = io::is_missing(cells[r]) ? NAN : (cells[r] == *it ? 1.0 : 0.0);
        out.cols.push_back(col);
    }
    return out;
}

}  // namespace

FormulaTerms formula_terms(const std::string& rhs, const std::string& formula) {
    FormulaTerms out;
    std::vector<std::string> raw;
    // Split on '+' and '-' (a '-' only removes the intercept: "- 1").
    std::string cur;
    for (std::size_t i = 0; i <= rhs.size(); ++i) {
        if (i == rhs.size() || rhs[i] == '+' || rhs[i] == '-') {
            const std::string term = trim(cur);
            if (!term.empty()) raw.push_back(term);
            if (i < rhs.size() && rhs[i] == '-') {
                std::size_t j = i + 1;
                while (j < rhs.size() && std::isspace(static_cast<unsigned char>(rhs[j]))) ++j;
                if (j < rhs.size() && rhs[j] == '1') {
                    out.intercept = false;
                    i = j;
                } else {
                    throw Error(Kind::usage, fmt::format("formula '{}': only '- 1' may be subtracted", formula));
                }
            }
            cur.clear();
        } else {
            cur += rhs[i];
        }
    }
    std::set<std::string> seen;
    auto add = [&](const std::vector<std::string>& vars) {
        if (seen.insert(fmt::format("{}", fmt::join(vars, ":"))).second) out.terms.push_back(vars);
    };
    for (const auto& term : raw) {
        if (term == "0") {
            out.intercept = false;
            continue;
        }
        if (term == "1") continue;
        const auto factors = split(term, '*');
        if (factors.size() > 20)
            throw Error(Kind::usage, fmt::format("formula '{}': '{}' has more than 20 factors", formula, term));
        // Every non-empty subset of the factors, by size, then in the order of the factors.
        const std::size_t k = factors.size();
        for (std::size_t size = 1; size <= k; ++size) {
            std::vector<bool> pick(k, false);
            std::fill(pick.begin(), pick.begin() + std::ptrdiff_t(size), true);
            do {
                std::vector<std::string> vars;
                for (std::size_t i = 0; i < k; ++i)
                    if (pick[i])
                        for (const auto& v : split(factors[i], ':')) vars.push_back(v);
                add(vars);
            } while (std::prev_permutation(pick.begin(), pick.end()));
        }
    }
    return out;
}

Design design_from_formula(const io::Table& t, const std::string& formula_in) {
    std::string f = trim(formula_in);
    if (f.empty() || f[0] != '~')
        throw Error(Kind::usage, fmt::format("formula '{}' must start with ~", formula_in)).hint("e.g. --formula '~ arm + age'");
    const FormulaTerms ft = formula_terms(f.substr(1), formula_in);
    const bool intercept = ft.intercept;
    std::vector<std::string> names;
    std::vector<std::vector<double>> cols;
    if (intercept) {
        names.push_back("intercept");
        cols.push_back(std::vector<double>(t.rows(), 1.0));
    }
    for (const auto& factors : ft.terms) {
        Coded acc = code_variable(t, factors[0]);
        for (std::size_t k = 1; k < factors.size(); ++k) {
            const Coded next = code_variable(t, factors[k]);
            Coded prod;
            for (std::size_t a = 0; a < acc.names.size(); ++a)
                for (std::size_t b = 0; b < next.names.size(); ++b) {
                    prod.names.push_back(acc.names[a] + ":" + next.names[b]);
                    std::vector<double> c(t.rows());
                    for (std::size_t r = 0; r < t.rows(); ++r) c[r] = acc.cols[a][r] * next.cols[b][r];
                    prod.cols.push_back(c);
                }
            acc = prod;
        }
        names.insert(names.end(), acc.names.begin(), acc.names.end());
        cols.insert(cols.end(), acc.cols.begin(), acc.cols.end());
    }
    Design d;
    d.columns = names;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        bool ok = true;
        for (const auto& c : cols) ok = ok && std::isfinite(c[r]);
        if (ok) d.rows.push_back(r);
    }
    d.X.resize(Eigen::Index(d.rows.size()), Eigen::Index(cols.size()));
    for (std::size_t i = 0; i < d.rows.size(); ++i)
        for (std::size_t j = 0; j < cols.size(); ++j) d.X(Eigen::Index(i), Eigen::Index(j)) = cols[j][d.rows[i]];
    return d;
}

Eigen::VectorXd parse_contrast(const std::string& expr, const std::vector<std::string>& columns) {
    Eigen::VectorXd c = Eigen::VectorXd::Zero(Eigen::Index(columns.size()));
    std::string s;
    for (char ch : expr)
        if (!std::isspace(static_cast<unsigned char>(ch))) s += ch;
    if (s.empty()) throw Error(Kind::usage, "empty contrast");
    std::size_t i = 0;
    while (i < s.size()) {
        double sign = 1;
        if (s[i] == '+' || s[i] == '-') {
            sign = s[i] == '-' ? -1 : 1;
            ++i;
        }
        // Optional coefficient "0.5*"; a column name may contain [ ] . : and letters/digits/_.
        std::size_t j = i;
        double coef = 1;
        const auto star = s.find('*', i);
        const auto next_op = s.find_first_of("+-", i + 1);
        if (star != std::string::npos && (next_op == std::string::npos || star < next_op)) {
            try {
                coef = std::stod(s.substr(i, star - i));
            } catch (...) {
                throw Error(Kind::usage, fmt::format("contrast '{}': '{}' is not a number", expr, s.substr(i, star - i)));
            }
            j = star + 1;
        }
        // The name runs to the next + or - that is not inside brackets.
        std::size_t k = j;
        int depth = 0;
        while (k < s.size() && !(depth == 0 && (s[k] == '+' || s[k] == '-'))) {
            if (s[k] == '[') ++depth;
            if (s[k] == ']') --depth;
            ++k;
        }
        const std::string name = s.substr(j, k - j);
        const auto it = std::find(columns.begin(), columns.end(), name);
        if (it == columns.end())
            throw Error(Kind::usage, fmt::format("contrast '{}': the design has no column '{}'", expr, name))
                .hint(fmt::format("the columns are: {}", fmt::join(columns, ", ")));
        c[it - columns.begin()] += sign * coef;
        i = k;
    }
    return c;
}

}  // namespace algia::stats
