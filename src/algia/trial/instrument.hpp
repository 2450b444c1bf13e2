#pragma once
// Questionnaire scoring from item columns, with instruments defined as data (JSON files, see
// data/instruments/README.md): item count, item range, reverse-keyed items and scores (total,
// subscales), each with its own method and missing-item rule:
//   method "sum":     sum of (reversed) item values; with missing items and "prorate": true, the
//                     mean of the answered items times the number of items (when at most
//                     "max_missing" are missing); otherwise n/a when any item is missing.
//   method "mean":    mean of the answered items when at most "max_missing" are missing.
//   method "percent": 100 x sum of (value - range minimum) / ((range max - min) x answered items),
//                     when at most "max_missing" are missing (the Oswestry rule).
// Each score may carry "bands": severity categories [{"min": 5, "label": "mild"}, ...].

#include <optional>
#include <string>
#include <vector>

#include "algia/io/json.hpp"
#include "algia/io/tsv.hpp"

namespace algia::trial {

struct ScoreRule {
    std::string name;
    std::vector<int> items;  // 1-based item numbers
    std::string method = "sum";
    int max_missing = 0;
    bool prorate = false;
    std::vector<std::pair<double, std::string>> bands;  // ascending minimum -> label
};

struct Instrument {
    std::string name, title, reference, missing_note;
    int items = 0;
    double min = 0, max = 0;
    std::vector<int> reverse;
    std::string item_pattern = "{instrument}_{item:02d}";
    std::vector<ScoreRule> scores;
};

// Parse and validate an instrument definition; `source` names it in messages.
Instrument parse_instrument(const io::Json& j, const std::string& source);

// Folders searched for <name>.json, in order: $ALGIA_INSTRUMENTS (colon-separated), then
// <dir of the executable>/../share/algia/instruments, <dir>/../data/instruments,
// <dir>/data/instruments, and the source tree's data/instruments.
std::vector<std::string> instrument_search_path();
// Load by name (looked up in the search path) or by path to a .json file.
Instrument load_instrument(const std::string& name_or_path);

// Column name of item `item` under `pattern`: "{instrument}" -> the instrument's name, "{item}" ->
// the number, "{item:02d}" -> zero-padded to 2 digits.
std::string item_column(const std::string& pattern, const Instrument& ins, int item);

struct ScoredRow {
    std::vector<double> values;            // one per score rule (NaN = not computable)
    std::vector<std::string> labels;       // band label per score ("" when no bands)
    int missing = 0;                       // missing items
};

// Score one respondent: `items[k]` is item k+1 (NaN when missing). Values must already be checked.
ScoredRow score_items(const Instrument& ins, const std::vector<double>& items);

// Score every row of a table; items out of range (or not whole numbers) are an error naming the
// line and column. Output: `keep` columns copied, then <prefix><score> per score, <prefix>band_*
// for scores with bands, <prefix>missing_items.
io::Table score_table(const io::Table& t, const Instrument& ins, const std::string& pattern, const std::vector<std::string>& keep,
                      const std::string& prefix);

}  // namespace algia::trial
