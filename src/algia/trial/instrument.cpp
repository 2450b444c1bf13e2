// Questionnaire scoring; see instrument.hpp.

#include "algia/trial/instrument.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "algia/core/error.hpp"

#ifndef ALGIA_SOURCE_DIR
#define ALGIA_SOURCE_DIR ""
#endif

namespace algia::trial {

namespace fs = std::filesystem;

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

Error bad(const std::string& source, const std::string& what) {
    return std::move(Error(Kind::invalid_input, fmt::format("{}: {}", source, what))
                         .hint("fix the instrument definition (see data/instruments/README.md)"));
}

std::string exe_dir() {
    std::error_code ec;
    const auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.parent_path().string();
}

}  // namespace

Instrument parse_instrument(const io::Json& j, const std::string& source) {
    if (!j.is_object()) throw bad(source, "not a JSON object");
    Instrument ins;
    try {
        ins.name = j.at("name").get<std::string>();
        ins.title = j.value("title", ins.name);
        ins.reference = j.value("reference", "");
        ins.missing_note = j.value("missing_note", "");
        ins.items = j.at("items").get<int>();
        const auto range = j.at("range");
        if (!range.is_array() || range.size() != 2) throw bad(source, "'range' must be [min, max]");
        ins.min = range[0].get<double>();
        ins.max = range[1].get<double>();
        if (j.contains("reverse")) ins.reverse = j["reverse"].get<std::vector<int>>();
        ins.item_pattern = j.value("item_pattern", ins.item_pattern);
        for (const auto& s : j.at("scores")) {
            ScoreRule r;
            r.name = s.at("name").get<std::string>();
            if (s.contains("items")) r.items = s["items"].get<std::vector<int>>();
            else
                for (int k = 1; k <= ins.items; ++k) r.items.push_back(k);
            r.method = s.value("method", "sum");
            r.max_missing = s.value("max_missing", 0);
            r.prorate = s.value("prorate", false);
            if (s.contains("bands"))
                for (const auto& b : s["bands"]) r.bands.push_back({b.at("min").get<double>(), b.at("label").get<std::string>()});
            ins.scores.push_back(std::move(r));
        }
    } catch (const nlohmann::json::exception& e) {
        throw bad(source, fmt::format("a field is missing or has the wrong type ({})", e.what()));
    }
    if (ins.items < 1 || ins.items > 1000) throw bad(source, fmt::format("'items' is {}; give 1 to 1000", ins.items));
    if (!(ins.min < ins.max)) throw bad(source, "'range' minimum must be below its maximum");
    if (ins.scores.empty()) throw bad(source, "no 'scores'");
    for (int k : ins.reverse)
        if (k < 1 || k > ins.items) throw bad(source, fmt::format("reverse item {} is not between 1 and {}", k, ins.items));
    for (const auto& r : ins.scores) {
        if (r.method != "sum" && r.method != "mean" && r.method != "percent")
            throw bad(source, fmt::format("score '{}': method '{}' is not sum, mean or percent", r.name, r.method));
        if (r.items.empty()) throw bad(source, fmt::format("score '{}' has no items", r.name));
        for (int k : r.items)
            if (k < 1 || k > ins.items) throw bad(source, fmt::format("score '{}': item {} is not between 1 and {}", r.name, k, ins.items));
        if (r.max_missing < 0 || r.max_missing >= int(r.items.size()))
            throw bad(source, fmt::format("score '{}': max_missing {} must be between 0 and {}", r.name, r.max_missing, r.items.size() - 1));
        for (std::size_t b = 1; b < r.bands.size(); ++b)
            if (!(r.bands[b].first > r.bands[b - 1].first)) throw bad(source, fmt::format("score '{}': band minimums must increase", r.name));
    }
    return ins;
}

std::vector<std::string> instrument_search_path() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("ALGIA_INSTRUMENTS")) {
        std::string s = env;
        std::size_t pos = 0;
        while (pos <= s.size()) {
            std::size_t c = s.find(':', pos);
            if (c == std::string::npos) c = s.size();
            if (c > pos) dirs.push_back(s.substr(pos, c - pos));
            pos = c + 1;
        }
    }
    const std::string exe = exe_dir();
    if (!exe.empty()) {
        dirs.push_back((fs::path(exe) / ".." / "share" / "algia" / "instruments").lexically_normal().string());
        dirs.push_back((fs::path(exe) / ".." / "data" / "instruments").lexically_normal().string());
        dirs.push_back((fs::path(exe) / "data" / "instruments").lexically_normal().string());
    }
    if (std::string(ALGIA_SOURCE_DIR).size()) dirs.push_back((fs::path(ALGIA_SOURCE_DIR) / "data" / "instruments").string());
    return dirs;
}

Instrument load_instrument(const std::string& name_or_path) {
    std::string path;
    if (name_or_path.find('/') != std::string::npos || (name_or_path.size() > 5 && name_or_path.ends_with(".json"))) {
        path = name_or_path;
    } else {
        const auto dirs = instrument_search_path();
        for (const auto& d : dirs)
            if (fs::is_regular_file(fs::path(d) / (name_or_path + ".json"))) {
                path = (fs::path(d) / (name_or_path + ".json")).string();
                break;
            }
        if (path.empty()) {
            std::vector<std::string> known;
            for (const auto& d : dirs) {
                std::error_code ec;
                for (const auto& e : fs::directory_iterator(d, ec))
                    if (e.path().extension() == ".json") known.push_back(e.path().stem().string());
            }
            std::sort(known.begin(), known.end());
            known.erase(std::unique(known.begin(), known.end()), known.end());
            throw Error(Kind::invalid_input, fmt::format("no instrument '{}' (known: {}; searched: {})", name_or_path,
                                                         known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", ")), fmt::join(dirs, ", ")))
                .hint("give a known name, a path to a .json definition, or set ALGIA_INSTRUMENTS to the folder holding yours");
        }
    }
    if (!fs::is_regular_file(path))
        throw Error(Kind::io, fmt::format("{}: no such instrument file", path)).hint("check the path");
    return parse_instrument(io::read_json(path), path);
}

std::string item_column(const std::string& pattern, const Instrument& ins, int item) {
    std::string out;
    for (std::size_t i = 0; i < pattern.size();) {
        if (pattern.compare(i, 12, "{instrument}") == 0) {
            out += ins.name;
            i += 12;
        } else if (pattern.compare(i, 10, "{item:02d}") == 0) {
            out += fmt::format("{:02d}", item);
            i += 10;
        } else if (pattern.compare(i, 10, "{item:03d}") == 0) {
            out += fmt::format("{:03d}", item);
            i += 10;
        } else if (pattern.compare(i, 6, "{item}") == 0) {
            out += std::to_string(item);
            i += 6;
        } else {
            out += pattern[i++];
        }
    }
    return out;
}

ScoredRow score_items(const Instrument& ins, const std::vector<double>& items) {
    ScoredRow row;
    for (double v : items) row.missing += std::isnan(v);
    for (const auto& r : ins.scores) {
        double sum = 0;
        int answered = 0;
        for (int k : r.items) {
            double v = items[std::size_t(k - 1)];
            if (std::isnan(v)) continue;
            if (std::find(ins.reverse.begin(), ins.reverse.end(), k) != ins.reverse.end()) v = ins.min + ins.max - v;
            sum += r.method == "percent" ? v - ins.min : v;
            ++answered;
        }
        const int missing = int(r.items.size()) - answered;
        double value = nan;
        if (missing <= r.max_missing && answered > 0) {
            if (r.method == "sum") {
                if (missing == 0) value = sum;
                else if (r.prorate) value = sum / answered * double(r.items.size());
            } else if (r.method == "mean") {
                value = sum / answered;
            } else {
                value = 100 * sum / ((ins.max - ins.min) * answered);
            }
        }
        row.values.push_back(value);
        std::string label;
        if (!std::isnan(value))
            for (const auto& b : r.bands)
                if (value >= b.first) label = b.second;
        row.labels.push_back(label);
    }
    return row;
}

io::Table score_table(const io::Table& t, const Instrument& ins, const std::string& pattern, const std::vector<std::string>& keep,
                      const std::string& prefix) {
    std::vector<std::size_t> cols;
    std::vector<std::string> missing_cols;
    for (int k = 1; k <= ins.items; ++k) {
        const std::string c = item_column(pattern, ins, k);
        if (!t.has(c)) missing_cols.push_back(c);
        else cols.push_back(t.index(c));
    }
    if (!missing_cols.empty())
        throw Error(Kind::invalid_input, fmt::format("{}: no column {} for {} (item pattern '{}')", t.source(),
                                                     missing_cols.size() > 3 ? fmt::format("'{}' (and {} more item columns)", missing_cols[0], missing_cols.size() - 1)
                                                                             : fmt::format("'{}'", fmt::join(missing_cols, "', '")),
                                                     ins.name, pattern))
            .hint("name the item columns with --item-pattern, e.g. 'pcs_{item:02d}_pre'");
    std::vector<std::size_t> keep_cols;
    for (const auto& k : keep) keep_cols.push_back(t.index(k));
    std::vector<std::string> header = keep;
    for (const auto& r : ins.scores) {
        header.push_back(prefix + r.name);
        if (!r.bands.empty()) header.push_back(prefix + r.name + "_band");
    }
    header.push_back(prefix + "missing_items");
    io::Table out(header);
    std::vector<std::vector<double>> values;
    for (auto c : cols) values.push_back(t.numeric(c));
    for (std::size_t row = 0; row < t.rows(); ++row) {
        std::vector<double> items(cols.size());
        for (std::size_t k = 0; k < cols.size(); ++k) {
            const double v = values[k][row];
            if (!std::isnan(v) && (v < ins.min || v > ins.max || v != std::round(v)))
                throw Error(Kind::invalid_input, fmt::format("{}: line {}, column '{}': {} is not a valid answer for {} (whole numbers {} to {})",
                                                             t.source(), row + 2, t.columns()[cols[k]], t.cell(row, cols[k]), ins.name,
                                                             ins.min, ins.max))
                    .hint("correct the entry, or set it to n/a if the item was not answered");
            items[k] = v;
        }
        const auto s = score_items(ins, items);
        std::vector<std::string> cells;
        for (auto c : keep_cols) cells.push_back(t.cell(row, c));
        for (std::size_t i = 0; i < ins.scores.size(); ++i) {
            cells.push_back(io::format_number(s.values[i]));
            if (!ins.scores[i].bands.empty()) cells.push_back(s.labels[i].empty() ? "n/a" : s.labels[i]);
        }
        cells.push_back(std::to_string(s.missing));
        out.add_row(std::move(cells));
    }
    return out;
}

}  // namespace algia::trial
