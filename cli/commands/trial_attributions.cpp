// algia trial attributions: code free-text causes of pain with an editable codebook; mind-brain
// score per participant and visit; agreement (Cohen's kappa) with human codes.

#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "trial.hpp"
#include "trial_common.hpp"
#include "algia/trial/attribution.hpp"

namespace algia::cli {

namespace fs = std::filesystem;

namespace {

std::string with_visit(const std::string& pattern, const std::string& visit) {
    std::string s = pattern;
    const auto at = s.find("{visit}");
    if (at != std::string::npos) s.replace(at, 7, visit);
    return s;
}

std::vector<std::string> split_causes(const std::string& cell) {
    std::vector<std::string> out;
    if (io::is_missing(cell)) return out;
    std::size_t pos = 0;
    while (pos <= cell.size()) {
        std::size_t e = cell.find(';', pos);
        if (e == std::string::npos) e = cell.size();
        std::string part = cell.substr(pos, e - pos);
        while (!part.empty() && part.front() == ' ') part.erase(part.begin());
        while (!part.empty() && part.back() == ' ') part.pop_back();
        if (!part.empty()) out.push_back(part);
        pos = e + 1;
    }
    return out;
}

}  // namespace

Command trial_attributions_command() {
    return {"attributions", "Code free-text causes of pain into categories (editable codebook); mind-brain score; kappa vs human codes",
            [](CLI::App& app) -> Run {
                struct Options {
                    std::string table, id_column = "participant_id", visit_column, codebook, out;
                    std::vector<std::string> columns, reference, visits;
                    std::vector<std::string> mind_brain = {"psychological", "brain", "stress"};
                    int window = 3;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "Each --column holds one cause (or several separated by ';'). Every cause is coded with the codebook "
                    "(default data/codebooks/attributions.tsv: category, pattern, type phrase|regex|negation; edit it or "
                    "pass --codebook): the category of the first codebook row that matches, unless a negation cue "
                    "(e.g. 'not', 'nothing to do with') comes within --negation-window words before the match. Writes to "
                    "the --out folder: causes.tsv (each cause, its category, every matching category, the deciding "
                    "pattern, negated patterns), participants.tsv (per participant and visit: causes given and the "
                    "mind-brain score = number of causes coded psychological, brain or stress, 0-3 for three causes), "
                    "uncoded.tsv (text no row matched, to extend the codebook), and with --reference (human codes, one "
                    "column per --column) agreement.tsv (per category and overall: Cohen's kappa) and confusion.tsv. "
                    "Column names may contain {visit}, filled from --visits (e.g. --column 'cause1_{visit}' --visits "
                    "pre,post); or give a long table's --visit-column.");
                app.add_option("--table", o->table, "Table (TSV/CSV)")->required();
                app.add_option("--column", o->columns, "Column(s) holding the causes (may contain {visit})")->required();
                app.add_option("--id-column", o->id_column, "Participant column")->capture_default_str();
                app.add_option("--visit-column", o->visit_column, "Visit column of a long table");
                app.add_option("--visits", o->visits, "Visit labels substituted for {visit} in column names")->delimiter(',');
                app.add_option("--codebook", o->codebook, "Codebook TSV (default: the shipped attributions.tsv)");
                app.add_option("--reference", o->reference, "Human-coded category column(s), one per --column");
                app.add_option("--mind-brain", o->mind_brain, "Categories counted by the mind-brain score")->delimiter(',')->capture_default_str();
                app.add_option("--negation-window", o->window, "Words after a negation cue in which a match is ignored")
                    ->check(CLI::Range(1, 20))->capture_default_str();
                app.add_option("--out,-o", o->out, "Output folder")->required();
                return [o](Context&) {
                    if (!fs::is_directory(o->out))
                        throw Error(Kind::io, fmt::format("{}: the output folder does not exist", o->out)).hint(fmt::format("create it first (mkdir -p {})", o->out));
                    if (!o->reference.empty() && o->reference.size() != o->columns.size())
                        throw Error(Kind::usage, fmt::format("{} --reference columns for {} --column", o->reference.size(), o->columns.size()))
                            .hint("give one human-coded column per cause column, in the same order");
                    auto cb = trial::load_codebook(o->codebook);
                    cb.negation_window = o->window;
                    const io::Table t = io::read_table(o->table);
                    const auto ids = t.strings(o->id_column);
                    std::vector<std::string> visits = o->visits;
                    const bool templated = std::any_of(o->columns.begin(), o->columns.end(), [](const std::string& c) { return c.find("{visit}") != std::string::npos; });
                    if (templated && visits.empty())
                        throw Error(Kind::usage, "column names contain {visit} but --visits is not given").hint("e.g. --visits pre,post");
                    if (!templated && !visits.empty())
                        throw Error(Kind::usage, "--visits needs column names with {visit}").hint("e.g. --column 'cause1_{visit}'");
                    if (visits.empty()) visits.push_back("");
                    std::vector<std::string> row_visit(t.rows(), "");
                    if (!o->visit_column.empty()) row_visit = t.strings(o->visit_column);
                    io::Table causes({"participant_id", "visit", "column", "text", "category", "all_categories", "matched_pattern", "negated_patterns", "reference"});
                    io::Table people({"participant_id", "visit", "causes", "coded", "mind_brain"});
                    io::Table uncoded({"participant_id", "visit", "column", "text"});
                    std::vector<std::string> ref_codes, algia_codes;
                    for (const auto& v : visits) {
                        std::vector<std::size_t> cols, refs;
                        for (std::size_t k = 0; k < o->columns.size(); ++k) {
                            cols.push_back(t.index(with_visit(o->columns[k], v)));
                            if (!o->reference.empty()) refs.push_back(t.index(with_visit(o->reference[k], v)));
                        }
                        for (std::size_t r = 0; r < t.rows(); ++r) {
                            const std::string visit = v.empty() ? row_visit[r] : v;
                            int n = 0, coded = 0, mb = 0;
                            for (std::size_t k = 0; k < cols.size(); ++k) {
                                const auto texts = split_causes(t.cell(r, cols[k]));
                                const std::string ref = refs.empty() ? "n/a" : t.cell(r, refs[k]);
                                if (!refs.empty() && texts.size() > 1)
                                    throw Error(Kind::invalid_input, fmt::format("{}: line {}, column '{}': several causes in one cell cannot be "
                                                                                 "compared with one reference code", t.source(), r + 2, t.columns()[cols[k]]))
                                        .hint("put one cause per column when giving --reference");
                                for (const auto& text : texts) {
                                    const auto c = trial::code_text(cb, text);
                                    ++n;
                                    if (c.category == "uncoded") uncoded.add_row({ids[r], visit.empty() ? "n/a" : visit, t.columns()[cols[k]], text});
                                    else ++coded;
                                    if (std::find(o->mind_brain.begin(), o->mind_brain.end(), c.category) != o->mind_brain.end()) ++mb;
                                    std::string all;
                                    for (const auto& a : c.all) all += (all.empty() ? "" : ";") + a;
                                    std::string neg;
                                    for (const auto& a : c.negated) neg += (neg.empty() ? "" : ";") + a;
                                    causes.add_row({ids[r], visit.empty() ? "n/a" : visit, t.columns()[cols[k]], text, c.category, all.empty() ? "n/a" : all,
                                                    c.matched.empty() ? "n/a" : c.matched, neg.empty() ? "n/a" : neg, ref});
                                    if (!refs.empty() && !io::is_missing(ref)) {
                                        ref_codes.push_back(ref);
                                        algia_codes.push_back(c.category);
                                    }
                                }
                            }
                            people.add_row({ids[r], visit.empty() ? "n/a" : visit, std::to_string(n), std::to_string(coded), std::to_string(mb)});
                        }
                    }
                    const fs::path out(o->out);
                    std::vector<std::pair<std::string, io::Table>> files = {{"causes.tsv", causes}, {"participants.tsv", people}, {"uncoded.tsv", uncoded}};
                    if (!o->reference.empty()) {
                        if (ref_codes.empty())
                            throw Error(Kind::invalid_input, fmt::format("{}: the --reference columns have no codes", o->table)).hint("check the reference column names");
                        const auto a = trial::agreement(ref_codes, algia_codes);
                        io::Table ag({"category", "reference_n", "algia_n", "both_n", "agreement", "kappa"});
                        for (const auto& pc : a.per_category)
                            ag.add_row({pc.category, std::to_string(pc.reference), std::to_string(pc.algia), std::to_string(pc.both), io::format_number(pc.agreement),
                                        io::format_number(pc.kappa)});
                        ag.add_row({"all (Cohen's kappa)", std::to_string(a.n), std::to_string(a.n), io::format_number(a.observed * double(a.n)),
                                    io::format_number(a.observed), io::format_number(a.kappa)});
                        std::vector<std::string> header = {"reference \\ algia"};
                        for (const auto& c : a.categories) header.push_back(c);
                        io::Table conf(header);
                        for (std::size_t i = 0; i < a.categories.size(); ++i) {
                            std::vector<std::string> row = {a.categories[i]};
                            for (auto v : a.confusion[i]) row.push_back(std::to_string(v));
                            conf.add_row(row);
                        }
                        files.push_back({"agreement.tsv", ag});
                        files.push_back({"confusion.tsv", conf});
                    }
                    for (const auto& f : files) io::check_output_path((out / f.first).string(), {o->table, o->codebook}, "--out");
                    for (const auto& f : files) io::write_table((out / f.first).string(), f.second);
                    return 0;
                };
            }};
}

}  // namespace algia::cli
