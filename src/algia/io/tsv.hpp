#pragma once
// Tab-separated tables (BIDS events, confounds, participants; algia's own outputs): a header row,
// then rows of the same width. `n/a` (and an empty cell) is missing, read as NaN in numeric
// columns. Lines may end in CRLF; a UTF-8 byte-order mark is skipped; blank trailing lines are
// ignored. A ragged row is an error that names the file and line.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace algia::io {

class Table {
public:
    Table() = default;
    explicit Table(std::vector<std::string> columns);

    const std::vector<std::string>& columns() const noexcept { return columns_; }
    std::size_t rows() const noexcept { return cells_.size(); }
    std::size_t cols() const noexcept { return columns_.size(); }
    const std::string& source() const noexcept { return source_; }
    void set_source(std::string name) { source_ = std::move(name); }

    bool has(std::string_view column) const noexcept;
    // Index of a column; an error naming the file and the columns it has when missing.
    std::size_t index(std::string_view column) const;

    const std::string& cell(std::size_t row, std::size_t col) const { return cells_[row][col]; }
    void add_row(std::vector<std::string> row);

    // A column as numbers: `n/a` or empty -> NaN; anything else that is not a number is an error
    // naming the file, line and column.
    std::vector<double> numeric(std::string_view column) const;
    std::vector<double> numeric(std::size_t col) const;
    std::vector<std::string> strings(std::string_view column) const;

private:
    std::vector<std::string> columns_;
    std::vector<std::vector<std::string>> cells_;
    std::string source_ = "<table>";
};

bool is_missing(std::string_view cell) noexcept;
// A number cell as Table::numeric reads it (spaces around and a leading '+' allowed; out of range
// -> +-inf); false when it is not a number (missing cells are not numbers here).
bool parse_number(std::string_view cell, double& out);

// Parse text; `name` is used in messages. `delimiter` is '\t' (TSV) or ',' (CSV, no quoting).
Table parse_table(std::string_view text, const std::string& name, char delimiter = '\t');

// The lines of a text table: a UTF-8 byte-order mark dropped, "\r\n" or "\n" line ends, trailing
// blank lines dropped (views into text). Shared by parse_table and the numeric fast path.
std::vector<std::string_view> table_lines(std::string_view text);
// Read a .tsv, .tsv.gz or .csv (by extension) file.
Table read_table(const std::string& path);

// Format a number as algia writes it: shortest round-trip form, `n/a` for NaN.
std::string format_number(double value);
// The same text appended to `out` (no temporary string: for large matrices).
void append_number(std::string& out, double value);
std::string format_table(const Table& table);
void write_table(const std::string& path, const Table& table);

}  // namespace algia::io
