#pragma once
// Coding free-text causes of pain into categories with an editable codebook (a TSV: category,
// pattern, type, note). Matching is transparent: text is lower-cased and split into words
// (letters, digits, apostrophes); a `phrase` pattern is a word sequence where a trailing `*` lets a
// word continue (`injur*` matches injury, injured); a `regex` pattern is an ECMAScript regular
// expression (case-insensitive) on the normalized text; `negation` rows list cue phrases: a match
// that begins within `negation_window` words after a cue (e.g. "not stress related") is ignored.
// The category of a cause is that of the first codebook row (in file order) that matches; all
// matching categories are reported too. Text that matches no row is `uncoded`.

#include <string>
#include <vector>

#include "algia/io/tsv.hpp"

namespace algia::trial {

struct CodebookRow {
    std::string category, pattern, type;  // type: phrase | regex | negation
    std::size_t line = 0;
};

struct Codebook {
    std::vector<CodebookRow> rows;
    int negation_window = 3;
    std::string source;
};

// Parse a codebook table (columns category, pattern, type; note optional). Errors name the line.
Codebook parse_codebook(const io::Table& t);
// <source tree or install>/data/codebooks/attributions.tsv (same search as the instruments, with
// $ALGIA_CODEBOOKS), or a given path.
Codebook load_codebook(const std::string& path_or_empty);

struct Coded {
    std::string category;              // "uncoded" when nothing matched; "" for empty text
    std::vector<std::string> all;      // every matching category (codebook order, unique)
    std::string matched;               // the pattern that decided the category
    std::vector<std::string> negated;  // patterns ignored because of a negation cue
};

std::vector<std::string> normalize_words(const std::string& text);
Coded code_text(const Codebook& codebook, const std::string& text);

struct Agreement {
    std::vector<std::string> categories;     // union of both coders' categories, sorted
    std::vector<std::vector<long>> confusion;  // [reference][algia]
    long n = 0;
    double observed = 0, expected = 0, kappa = 0;
    struct PerCategory {
        std::string category;
        long reference = 0, algia = 0, both = 0;
        double agreement = 0;  // proportion of causes on which the coders agree about this category (yes/yes or no/no)
        double kappa = 0;      // binary Cohen's kappa (this category vs the rest)
    };
    std::vector<PerCategory> per_category;
};

// Cohen's kappa between two codings of the same items (pairs with an empty code are left out).
Agreement agreement(const std::vector<std::string>& reference, const std::vector<std::string>& algia);

}  // namespace algia::trial
