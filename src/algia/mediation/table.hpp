#pragma once
// Mediation on a table's columns: the conversion from a table (numeric columns; a two-level text X
// coded 0/1; casewise deletion of incomplete rows) and the results table every front end writes.

#include <string>
#include <vector>

#include "algia/io/tsv.hpp"
#include "algia/mediation/bootstrap.hpp"
#include "algia/mediation/mediation.hpp"

namespace algia::mediation {

struct TableData {
    Data data;
    std::vector<std::size_t> rows;  // table rows used
    std::size_t dropped = 0;        // rows left out for a missing value
    std::string x_coding;           // "placebo = 0, prt = 1" when X was a two-level text column
};

// Errors name the table and column: a missing column, a non-numeric mediator/Y/covariate, a text X
// with other than two levels.
TableData data_from_table(const io::Table& table, const std::string& x, const std::vector<std::string>& m,
                          const std::string& y, const std::vector<std::string>& covariates);

// A numeric column, or a two-level text column coded 0/1 (`coding` says how) when `coding` is given.
std::vector<double> column_values(const io::Table& table, const std::string& name, const std::string& role,
                                  std::string* coding = nullptr);

// Columns: path estimate se ci_low ci_high p n stat p_parametric boot_se ci_method resamples.
io::Table results_table(const Model& model, const BootstrapResult& result, CiMethod method);

}  // namespace algia::mediation
