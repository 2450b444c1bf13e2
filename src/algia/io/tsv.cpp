#include "algia/io/tsv.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/io/file.hpp"
#include "algia/io/gzip.hpp"

namespace algia::io {

Table::Table(std::vector<std::string> columns) : columns_(std::move(columns)) {}

bool Table::has(std::string_view column) const noexcept {
    for (const auto& c : columns_)
        if (c == column) return true;
    return false;
}

std::size_t Table::index(std::string_view column) const {
    for (std::size_t i = 0; i < columns_.size(); ++i)
        if (columns_[i] == column) return i;
    std::string have;
    for (std::size_t i = 0; i < columns_.size() && i < 12; ++i) have += (i ? ", " : "") + columns_[i];
    if (columns_.size() > 12) have += fmt::format(", ... ({} in all)", columns_.size());
    throw Error(Kind::invalid_input, fmt::format("{}: has no column '{}'", source_, column))
        .hint(fmt::format("the columns are: {}", have));
}

void Table::add_row(std::vector<std::string> row) {
    if (row.size() != columns_.size())
        throw Error(Kind::internal, fmt::format("{}: row of {} cells in a table of {} columns", source_,
                                                row.size(), columns_.size()));
    cells_.push_back(std::move(row));
}

bool is_missing(std::string_view cell) noexcept {
    return cell.empty() || cell == "n/a" || cell == "N/A" || cell == "NA" || cell == "nan" || cell == "NaN";
}

bool parse_number(std::string_view s, double& out) {
    while (!s.empty() && (s.front() == ' ')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ')) s.remove_suffix(1);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc::result_out_of_range) {
        out = (s.front() == '-') ? -std::numeric_limits<double>::infinity()
                                 : std::numeric_limits<double>::infinity();
        return p == s.data() + s.size();
    }
    return ec == std::errc() && p == s.data() + s.size();
}

std::vector<double> Table::numeric(std::size_t col) const {
    std::vector<double> out(cells_.size());
    for (std::size_t r = 0; r < cells_.size(); ++r) {
        const std::string& c = cells_[r][col];
        if (is_missing(c)) {
            out[r] = std::numeric_limits<double>::quiet_NaN();
            continue;
        }
        if (!parse_number(c, out[r]))
            throw Error(Kind::invalid_input,
                        fmt::format("{}: line {}, column '{}': '{}' is not a number", source_, r + 2,
                                    columns_[col], c))
                .hint("numeric columns hold numbers, with n/a for missing values");
    }
    return out;
}

std::vector<double> Table::numeric(std::string_view column) const { return numeric(index(column)); }

std::vector<std::string> Table::strings(std::string_view column) const {
    const std::size_t c = index(column);
    std::vector<std::string> out;
    out.reserve(cells_.size());
    for (const auto& row : cells_) out.push_back(row[c]);
    return out;
}

namespace {
// "name" -> name (CSV files written by R and pandas quote their header).
std::string unquote(std::string_view cell) {
    if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = cell.substr(1, cell.size() - 2);
    return std::string(cell);
}
}  // namespace

std::vector<std::string_view> table_lines(std::string_view text) {
    if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
        static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF)
        text.remove_prefix(3);
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        if (nl == text.size()) break;
        pos = nl + 1;
    }
    while (!lines.empty() && lines.back().find_first_not_of(" \t") == std::string_view::npos)
        lines.pop_back();
    return lines;
}

Table parse_table(std::string_view text, const std::string& name, char delimiter) {
    if (text.find('\0') != std::string_view::npos)
        throw Error(Kind::invalid_input, fmt::format("{}: contains NUL bytes; it is not a text table", name))
            .hint("pass a tab-separated text file");
    const std::vector<std::string_view> lines = table_lines(text);
    if (lines.empty())
        throw Error(Kind::invalid_input, fmt::format("{}: is empty; a table needs at least a header row", name))
            .hint("write the column names on the first line, separated by tabs");
    auto split = [delimiter](std::string_view line) {
        std::vector<std::string> cells;
        std::size_t p = 0;
        while (true) {
            const std::size_t d = line.find(delimiter, p);
            if (d == std::string_view::npos) {
                cells.push_back(unquote(line.substr(p)));
                break;
            }
            cells.push_back(unquote(line.substr(p, d - p)));
            p = d + 1;
        }
        return cells;
    };
    Table t(split(lines[0]));
    t.set_source(name);
    for (std::size_t i = 0; i < t.cols(); ++i) {
        if (t.columns()[i].empty())
            throw Error(Kind::invalid_input,
                        fmt::format("{}: column {} of the header row has no name", name, i + 1))
                .hint(delimiter == '\t' ? "check for doubled or trailing tabs in the first line"
                                        : "check for doubled or trailing commas in the first line");
        for (std::size_t j = 0; j < i; ++j)
            if (t.columns()[j] == t.columns()[i])
                throw Error(Kind::invalid_input,
                            fmt::format("{}: the column name '{}' appears twice", name, t.columns()[i]))
                    .hint("give every column a unique name");
    }
    for (std::size_t l = 1; l < lines.size(); ++l) {
        auto cells = split(lines[l]);
        if (cells.size() != t.cols())
            throw Error(Kind::invalid_input,
                        fmt::format("{}: line {} has {} cells but the header has {} columns", name, l + 1,
                                    cells.size(), t.cols()))
                .hint(delimiter == '\t' ? "every row needs one cell per column, separated by tabs "
                                          "(write n/a for a missing value)"
                                        : "every row needs one cell per column (n/a for missing)");
        t.add_row(std::move(cells));
    }
    return t;
}

Table read_table(const std::string& path) {
    MappedFile f(path);
    const bool csv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
    if (is_gzip(f.bytes())) {
        const auto raw = gzip_inflate_all(f.bytes(), path);
        return parse_table(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()), path,
                           csv ? ',' : '\t');
    }
    return parse_table(std::string_view(reinterpret_cast<const char*>(f.bytes().data()), f.size()), path,
                       csv ? ',' : '\t');
}

std::string format_number(double value) {
    std::string out;
    append_number(out, value);
    return out;
}

void append_number(std::string& out, double value) {
    if (std::isnan(value)) {
        out += "n/a";
        return;
    }
    if (std::isinf(value)) {
        out += value > 0 ? "inf" : "-inf";
        return;
    }
    char buf[64];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, p);
}

std::string format_table(const Table& table) {
    std::string out;
    for (std::size_t c = 0; c < table.cols(); ++c) {
        if (c) out += '\t';
        out += table.columns()[c];
    }
    out += '\n';
    for (std::size_t r = 0; r < table.rows(); ++r) {
        for (std::size_t c = 0; c < table.cols(); ++c) {
            if (c) out += '\t';
            out += table.cell(r, c);
        }
        out += '\n';
    }
    return out;
}

void write_table(const std::string& path, const Table& table) { write_text_file_atomic(path, format_table(table)); }

}  // namespace algia::io
