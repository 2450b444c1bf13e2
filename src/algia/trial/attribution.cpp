// Attribution coding and agreement; see attribution.hpp.

#include "algia/trial/attribution.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/trial/instrument.hpp"

namespace algia::trial {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split_words(const std::string& text, bool keep_star) {
    std::vector<std::string> words;
    std::string w;
    for (char ch : text) {
        const unsigned char u = static_cast<unsigned char>(ch);
        if (std::isalnum(u) || ch == '\'' || u >= 0x80 || (keep_star && ch == '*')) {
            if (ch != '\'') w += char(std::tolower(u));
            else if (!w.empty()) w += ch;
        } else if (!w.empty()) {
            words.push_back(w);
            w.clear();
        }
    }
    if (!w.empty()) words.push_back(w);
    for (auto& x : words)
        while (!x.empty() && x.back() == '\'') x.pop_back();
    return words;
}

// Pattern words keep a trailing '*' (the continuation wildcard).
std::vector<std::string> pattern_words(const std::string& pattern) { return split_words(pattern, true); }

}  // namespace

std::vector<std::string> normalize_words(const std::string& text) { return split_words(text, false); }

namespace {

bool word_matches(const std::string& pattern, const std::string& word) {
    if (!pattern.empty() && pattern.back() == '*') return word.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
    return pattern == word;
}

// Start positions of a phrase (word sequence) in the text's words.
std::vector<std::size_t> find_phrase(const std::vector<std::string>& phrase, const std::vector<std::string>& words) {
    std::vector<std::size_t> at;
    if (phrase.empty() || phrase.size() > words.size()) return at;
    for (std::size_t i = 0; i + phrase.size() <= words.size(); ++i) {
        bool ok = true;
        for (std::size_t k = 0; k < phrase.size() && ok; ++k) ok = word_matches(phrase[k], words[i + k]);
        if (ok) at.push_back(i);
    }
    return at;
}

std::string join_words(const std::vector<std::string>& w) {
    std::string s;
    for (const auto& x : w) s += (s.empty() ? "" : " ") + x;
    return s;
}

}  // namespace

Codebook parse_codebook(const io::Table& t) {
    Codebook cb;
    cb.source = t.source();
    for (const char* c : {"category", "pattern", "type"})
        if (!t.has(c))
            throw Error(Kind::invalid_input, fmt::format("{}: the codebook has no '{}' column", t.source(), c))
                .hint("a codebook is a TSV with columns category, pattern, type (phrase|regex|negation) and an optional note");
    const auto cat = t.strings("category"), pat = t.strings("pattern"), type = t.strings("type");
    for (std::size_t r = 0; r < t.rows(); ++r) {
        CodebookRow row{cat[r], pat[r], type[r], r + 2};
        if (row.type != "phrase" && row.type != "regex" && row.type != "negation")
            throw Error(Kind::invalid_input, fmt::format("{}: line {}: type '{}' is not phrase, regex or negation", t.source(), r + 2, row.type))
                .hint("fix the codebook row");
        if (io::is_missing(row.pattern) || normalize_words(row.pattern).empty())
            throw Error(Kind::invalid_input, fmt::format("{}: line {}: empty pattern", t.source(), r + 2)).hint("fill in the pattern or delete the row");
        if (row.type != "negation" && io::is_missing(row.category))
            throw Error(Kind::invalid_input, fmt::format("{}: line {}: no category for pattern '{}'", t.source(), r + 2, row.pattern))
                .hint("give the category the phrase codes for");
        if (row.type == "regex") {
            try {
                std::regex re(row.pattern, std::regex::ECMAScript | std::regex::icase);
            } catch (const std::regex_error& e) {
                throw Error(Kind::invalid_input, fmt::format("{}: line {}: '{}' is not a valid regular expression ({})", t.source(), r + 2, row.pattern, e.what()))
                    .hint("fix the expression, or use type phrase");
            }
        }
        cb.rows.push_back(std::move(row));
    }
    if (cb.rows.empty()) throw Error(Kind::invalid_input, fmt::format("{}: the codebook has no rows", t.source())).hint("add category rows");
    return cb;
}

Codebook load_codebook(const std::string& path_or_empty) {
    if (!path_or_empty.empty()) return parse_codebook(io::read_table(path_or_empty));
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("ALGIA_CODEBOOKS")) dirs.push_back(env);
    for (const auto& d : instrument_search_path()) dirs.push_back((fs::path(d).parent_path() / "codebooks").string());
    for (const auto& d : dirs)
        if (fs::is_regular_file(fs::path(d) / "attributions.tsv")) return parse_codebook(io::read_table((fs::path(d) / "attributions.tsv").string()));
    throw Error(Kind::io, fmt::format("the default codebook attributions.tsv was not found (searched: {})", fmt::join(dirs, ", ")))
        .hint("give one with --codebook, or set ALGIA_CODEBOOKS to its folder");
}

Coded code_text(const Codebook& codebook, const std::string& text) {
    Coded c;
    if (io::is_missing(text)) return c;
    const auto words = normalize_words(text);
    if (words.empty()) return c;
    const std::string norm = join_words(words);
    // Negation cue end positions (word index just after each cue).
    std::vector<std::size_t> cue_ends;
    for (const auto& row : codebook.rows)
        if (row.type == "negation") {
            const auto phrase = pattern_words(row.pattern);
            for (auto s : find_phrase(phrase, words)) cue_ends.push_back(s + phrase.size());
        }
    auto negated_at = [&](std::size_t start) {
        for (auto e : cue_ends)
            if (e <= start && start - e < std::size_t(codebook.negation_window)) return true;
        return false;
    };
    for (const auto& row : codebook.rows) {
        if (row.type == "negation") continue;
        bool hit = false, neg = false;
        if (row.type == "phrase") {
            for (auto s : find_phrase(pattern_words(row.pattern), words)) {
                if (negated_at(s)) neg = true;
                else hit = true;
            }
        } else {
            std::regex re(row.pattern, std::regex::ECMAScript | std::regex::icase);
            std::smatch m;
            if (std::regex_search(norm, m, re)) {
                const std::size_t start = std::size_t(std::count(norm.begin(), norm.begin() + m.position(0), ' '));
                if (negated_at(start)) neg = true;
                else hit = true;
            }
        }
        if (hit) {
            if (c.category.empty()) {
                c.category = row.category;
                c.matched = row.pattern;
            }
            if (std::find(c.all.begin(), c.all.end(), row.category) == c.all.end()) c.all.push_back(row.category);
        } else if (neg) {
            c.negated.push_back(row.pattern);
        }
    }
    if (c.category.empty()) c.category = "uncoded";
    return c;
}

Agreement agreement(const std::vector<std::string>& reference, const std::vector<std::string>& algia) {
    if (reference.size() != algia.size()) throw Error(Kind::internal, "agreement: codings differ in length");
    Agreement a;
    std::vector<std::pair<std::string, std::string>> pairs;
    std::set<std::string> cats;
    for (std::size_t i = 0; i < reference.size(); ++i)
        if (!reference[i].empty() && !io::is_missing(reference[i]) && !algia[i].empty()) {
            pairs.push_back({reference[i], algia[i]});
            cats.insert(reference[i]);
            cats.insert(algia[i]);
        }
    a.categories.assign(cats.begin(), cats.end());
    const std::size_t K = a.categories.size();
    a.confusion.assign(K, std::vector<long>(K, 0));
    auto idx = [&](const std::string& s) { return std::size_t(std::lower_bound(a.categories.begin(), a.categories.end(), s) - a.categories.begin()); };
    for (const auto& p : pairs) ++a.confusion[idx(p.first)][idx(p.second)];
    a.n = long(pairs.size());
    if (a.n == 0) {
        a.observed = a.expected = a.kappa = std::nan("");
        return a;
    }
    const double N = double(a.n);
    std::vector<double> row(K, 0), col(K, 0);
    double diag = 0;
    for (std::size_t i = 0; i < K; ++i)
        for (std::size_t j = 0; j < K; ++j) {
            row[i] += double(a.confusion[i][j]);
            col[j] += double(a.confusion[i][j]);
            if (i == j) diag += double(a.confusion[i][j]);
        }
    a.observed = diag / N;
    for (std::size_t k = 0; k < K; ++k) a.expected += row[k] / N * (col[k] / N);
    a.kappa = a.expected < 1 ? (a.observed - a.expected) / (1 - a.expected) : std::nan("");
    for (std::size_t k = 0; k < K; ++k) {
        Agreement::PerCategory pc;
        pc.category = a.categories[k];
        pc.reference = long(row[k]);
        pc.algia = long(col[k]);
        pc.both = a.confusion[k][k];
        const double yy = double(pc.both), yn = row[k] - yy, ny = col[k] - yy, nn = N - yy - yn - ny;
        pc.agreement = (yy + nn) / N;
        const double pe = (row[k] / N) * (col[k] / N) + ((N - row[k]) / N) * ((N - col[k]) / N);
        pc.kappa = pe < 1 ? (pc.agreement - pe) / (1 - pe) : std::nan("");
        a.per_category.push_back(pc);
    }
    return a;
}

}  // namespace algia::trial
