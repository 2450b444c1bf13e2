#include "algia/io/table_matrix.hpp"

#include <limits>

#include "algia/io/file.hpp"
#include "algia/io/gzip.hpp"

namespace algia::io {

Eigen::MatrixXd numeric_matrix(const Table& table, const std::vector<std::string>& columns) {
    Eigen::MatrixXd m(Eigen::Index(table.rows()), Eigen::Index(columns.size()));
    for (std::size_t j = 0; j < columns.size(); ++j) {
        const auto col = table.numeric(columns[j]);
        for (std::size_t i = 0; i < col.size(); ++i) m(Eigen::Index(i), Eigen::Index(j)) = col[i];
    }
    return m;
}

Eigen::MatrixXd numeric_matrix(const Table& table) { return numeric_matrix(table, table.columns()); }

namespace {

// The rows of an all-numeric table parsed straight into a matrix, without a Table of strings (a
// 200 x 400 time series is 80,000 cells). False when anything is unusual (quotes, a ragged row, a
// cell that is not a number, NUL bytes): the caller then takes read_table + numeric_matrix, which
// gives the same numbers or the error naming the file, line and column.
bool parse_numeric_fast(std::string_view text, const std::string& name, char delimiter,
                        std::vector<std::string>& columns, Eigen::MatrixXd& out) {
    if (text.find('\0') != std::string_view::npos) return false;
    const std::vector<std::string_view> lines = table_lines(text);
    if (lines.empty() || lines[0].find_first_not_of(" \t") == std::string_view::npos) return false;
    columns = parse_table(lines[0], name, delimiter).columns();  // header checks (names, duplicates)
    const std::size_t n_cols = columns.size();
    // Row-major while parsing (one pass over each line), transposed into the column-major matrix.
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(Eigen::Index(lines.size() - 1),
                                                                              Eigen::Index(n_cols));
    for (std::size_t l = 1; l < lines.size(); ++l) {
        const std::string_view line = lines[l];
        double* row = m.row(Eigen::Index(l - 1)).data();
        std::size_t p = 0, c = 0;
        while (true) {
            std::size_t d = line.find(delimiter, p);
            const bool last = d == std::string_view::npos;
            if (last) d = line.size();
            if (c == n_cols) return false;
            const std::string_view cell = line.substr(p, d - p);
            if (!cell.empty() && cell.front() == '"') return false;
            if (is_missing(cell))
                row[c] = std::numeric_limits<double>::quiet_NaN();
            else if (!parse_number(cell, row[c]))
                return false;
            ++c;
            if (last) break;
            p = d + 1;
        }
        if (c != n_cols) return false;
    }
    out = m;
    return true;
}

}  // namespace

Eigen::MatrixXd read_numeric_table(const std::string& path, std::vector<std::string>& columns) {
    {
        MappedFile f(path);
        const bool csv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
        Eigen::MatrixXd m;
        if (!is_gzip(f.bytes()) &&
            parse_numeric_fast(std::string_view(reinterpret_cast<const char*>(f.bytes().data()), f.size()), path,
                               csv ? ',' : '\t', columns, m))
            return m;
    }
    const auto t = read_table(path);
    columns = t.columns();
    return numeric_matrix(t);
}

}  // namespace algia::io
