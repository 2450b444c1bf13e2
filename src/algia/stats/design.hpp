#pragma once
// Design matrices from participants-style tables and R-like formulas, and contrasts written as
// expressions over the design's column names.
//   "~ years_with_pain + age"   numeric columns as they are, an intercept first
//   "~ arm + age"               a text column is categorical: treatment coding, the first level
//                               (sorted) is the reference, columns named "arm[T.level]"
//   "~ arm * session"           main effects and the interaction (a:b is the product of columns);
//                               "a * b * c" every main effect, two-way and three-way term (as R)
//   "~ 0 + x" or "~ x - 1"      no intercept
// Contrasts: "armtreatment" style names are avoided; use the column names as written in the design
// ("arm[T.treatment]", "age", "intercept"), e.g. "arm[T.treatment] - 0.5*age".

#include <string>
#include <vector>

#include <Eigen/Core>

#include "algia/io/tsv.hpp"

namespace algia::stats {

struct Design {
    Eigen::MatrixXd X;
    std::vector<std::string> columns;
    std::vector<std::size_t> rows;  // table rows used (rows with n/a in a used column are dropped)
};

Design design_from_formula(const io::Table& table, const std::string& formula);

// The terms of a formula's right-hand side ("a*b + c - 1", without '~'), as R and patsy read it:
// '+' separates terms; "a*b*c" stands for every non-empty product of its factors by degree, then
// position (a, b, c, a:b, a:c, b:c, a:b:c; a factor may itself be "x:y"); "0" or "- 1" drops the
// intercept and "1" keeps it (any other '-' is an error naming `formula`); a term given twice counts
// once. Each term is its variables in order, trimmed. Shared by design_from_formula and the
// mixed-model parser, so both expand a formula the same way.
struct FormulaTerms {
    std::vector<std::vector<std::string>> terms;
    bool intercept = true;
};
FormulaTerms formula_terms(const std::string& rhs, const std::string& formula);

// A contrast vector over the design's columns from "a - b", "0.5*a + 0.5*b", "a".
Eigen::VectorXd parse_contrast(const std::string& expr, const std::vector<std::string>& columns);

}  // namespace algia::stats
