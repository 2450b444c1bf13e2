#pragma once
// Numeric columns of a table as a matrix (rows = table rows): region time series, connectivity
// matrices, fixtures. Non-numbers are errors naming the file, line and column; n/a becomes NaN.

#include <string>
#include <vector>

#include <Eigen/Core>

#include "algia/io/tsv.hpp"

namespace algia::io {

Eigen::MatrixXd numeric_matrix(const Table& table, const std::vector<std::string>& columns);
Eigen::MatrixXd numeric_matrix(const Table& table);  // every column
// read_table(path) then numeric_matrix of every column (`columns` gets the header), the same
// numbers and errors, without building a Table of strings when every cell is a number or n/a.
Eigen::MatrixXd read_numeric_table(const std::string& path, std::vector<std::string>& columns);

}  // namespace algia::io
