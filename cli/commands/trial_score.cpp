// algia trial score: questionnaire scores from item columns, instruments defined as data files.

#include <memory>

#include <fmt/format.h>

#include "trial.hpp"
#include "trial_common.hpp"
#include "algia/io/json.hpp"
#include "algia/trial/instrument.hpp"

namespace algia::cli {

Command trial_score_command() {
    return {"score", "Questionnaire scores (PCS, TSK-11, RMDQ, ODI, PHQ-9, GAD-7, BPI, or your own JSON definition) from item columns",
            [](CLI::App& app) -> Run {
                struct Options {
                    std::string table, instrument, pattern, prefix, out;
                    std::vector<std::string> keep;
                    bool list = false;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "Scores each row of --table with the instrument's published rules: item range (answers outside it are "
                    "refused, naming the line and column), reverse-keyed items, total and subscales, and its missing-item "
                    "rule (prorating, mean of answered items, or the Oswestry percentage of answered sections); more "
                    "missing items than the rule allows gives n/a. Instruments are JSON files (data/instruments/; add your "
                    "own there, in $ALGIA_INSTRUMENTS, or pass a path). Item columns are named by --item-pattern, default "
                    "'{instrument}_{item:02d}' (pcs_01 ...); for the simulator's columns use e.g. 'pcs_{item:02d}_pre'.");
                app.add_option("--table", o->table, "Table with one column per item (TSV/CSV)");
                app.add_option("--instrument", o->instrument, "pcs, tsk11, rmdq, odi, phq9, gad7, bpi, or a .json path");
                app.add_option("--item-pattern", o->pattern, "Item column names: {instrument}, {item}, {item:02d}");
                app.add_option("--keep", o->keep, "Columns copied to the output (default: participant_id when present)");
                app.add_option("--prefix", o->prefix, "Prefix of the score columns (default: '<instrument>_')");
                app.add_flag("--list", o->list, "List the instruments found and where they are searched for");
                app.add_option("--out,-o", o->out, "Output TSV (default: standard output); a .json sidecar beside it records the rules used");
                return [o](Context&) {
                    if (o->list) {
                        for (const auto& d : trial::instrument_search_path()) fmt::print("# searched: {}\n", d);
                        for (const char* n : {"pcs", "tsk11", "rmdq", "odi", "phq9", "gad7", "bpi"}) {
                            try {
                                const auto ins = trial::load_instrument(n);
                                fmt::print("{}\t{}\n", ins.name, ins.title);
                            } catch (const Error&) {
                                fmt::print("{}\t(not found)\n", n);
                            }
                        }
                        return 0;
                    }
                    if (o->table.empty() || o->instrument.empty())
                        throw Error(Kind::usage, "algia trial score needs --table and --instrument").hint("e.g. --table participants.tsv --instrument pcs");
                    const auto ins = trial::load_instrument(o->instrument);
                    const io::Table t = io::read_table(o->table);
                    std::vector<std::string> keep = o->keep;
                    if (keep.empty() && t.has("participant_id")) keep.push_back("participant_id");
                    const std::string pattern = o->pattern.empty() ? ins.item_pattern : o->pattern;
                    const auto out = trial::score_table(t, ins, pattern, keep, o->prefix.empty() ? ins.name + "_" : o->prefix);
                    trial_common::emit(out, o->out, {o->table});
                    if (!o->out.empty()) {
                        // Sidecar: how the scores were made.
                        io::Json side;
                        side["instrument"] = ins.name;
                        side["title"] = ins.title;
                        side["reference"] = ins.reference;
                        side["item_columns"] = pattern;
                        side["item_range"] = {ins.min, ins.max};
                        side["reverse_items"] = ins.reverse;
                        side["missing_items"] = ins.missing_note;
                        io::Json scores = io::Json::array();
                        for (const auto& r : ins.scores)
                            scores.push_back({{"name", r.name}, {"items", r.items}, {"method", r.method}, {"max_missing", r.max_missing}, {"prorate", r.prorate}});
                        side["scores"] = scores;
                        side["source_table"] = o->table;
                        std::string json_path = o->out;
                        const auto dot = json_path.rfind('.');
                        const auto slash = json_path.rfind('/');
                        if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) json_path.erase(dot);
                        io::write_json(json_path + ".json", side);
                    }
                    return 0;
                };
            }};
}

}  // namespace algia::cli
