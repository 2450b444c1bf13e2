// algia trial lmm: linear mixed models (lme4 + lmerTest's numbers) on a long or wide table.

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "trial.hpp"
#include "algia/core/error.hpp"
#include "algia/io/file.hpp"
#include "algia/io/tsv.hpp"
#include "algia/trial/lmm.hpp"
#include "algia/trial/lmm_tables.hpp"

namespace algia::cli {

namespace {

using io::format_number;

// Wide to long: each pattern "pain_{visit}" turns the columns pain_<x> into rows with visit = <x>
// and a column "pain" (the pattern without the placeholder and the separators around it). Columns
// that match no pattern are copied onto every row.
io::Table wide_to_long(const io::Table& t, const std::vector<std::string>& patterns) {
    std::string key;
    struct Pat {
        std::string prefix, suffix, value;
    };
    std::vector<Pat> pats;
    for (const auto& pat : patterns) {
        const auto a = pat.find('{'), b = pat.find('}');
        if (a == std::string::npos || b == std::string::npos || b < a + 2 || pat.find('{', a + 1) != std::string::npos)
            throw Error(Kind::usage, fmt::format("--wide '{}' needs one placeholder, e.g. 'pain_{{visit}}'", pat))
                .hint("columns pain_1, pain_2, ... then become rows with visit = 1, 2, ... and a column pain");
        const std::string k = pat.substr(a + 1, b - a - 1);
        if (!key.empty() && k != key)
            throw Error(Kind::usage, fmt::format("--wide patterns use different placeholders ({} and {})", key, k));
        key = k;
        Pat p{pat.substr(0, a), pat.substr(b + 1), pat.substr(0, a) + pat.substr(b + 1)};
        auto strip = [](std::string s) {
            while (!s.empty() && std::string("_.- ").find(s.back()) != std::string::npos) s.pop_back();
            while (!s.empty() && std::string("_.- ").find(s.front()) != std::string::npos) s.erase(s.begin());
            return s;
        };
        p.value = strip(p.value);
        if (p.value.empty()) throw Error(Kind::usage, fmt::format("--wide '{}': no value name around the placeholder", pat));
        pats.push_back(p);
    }
    if (t.has(key)) throw Error(Kind::invalid_input, fmt::format("{}: --wide placeholder '{}' is already a column", t.source(), key));
    std::vector<std::string> levels;                        // placeholder values, first-seen order
    std::map<std::pair<std::size_t, std::string>, std::size_t> col_of;  // (pattern, level) -> column
    std::vector<bool> consumed(t.cols(), false);
    for (std::size_t c = 0; c < t.cols(); ++c) {
        const std::string& name = t.columns()[c];
        for (std::size_t k = 0; k < pats.size(); ++k) {
            const auto& p = pats[k];
            if (name.size() > p.prefix.size() + p.suffix.size() && name.rfind(p.prefix, 0) == 0 &&
                name.compare(name.size() - p.suffix.size(), p.suffix.size(), p.suffix) == 0) {
                const std::string level = name.substr(p.prefix.size(), name.size() - p.prefix.size() - p.suffix.size());
                if (std::find(levels.begin(), levels.end(), level) == levels.end()) levels.push_back(level);
                col_of[{k, level}] = c;
                consumed[c] = true;
                break;
            }
        }
    }
    for (std::size_t k = 0; k < pats.size(); ++k) {
        bool any = false;
        for (const auto& l : levels) any = any || col_of.count({k, l});
        if (!any)
            throw Error(Kind::invalid_input, fmt::format("{}: no column matches --wide '{}{{{}}}{}'", t.source(), pats[k].prefix, key, pats[k].suffix))
                .hint(fmt::format("the columns are: {}", fmt::join(t.columns(), ", ")));
    }
    std::vector<std::string> cols;
    for (std::size_t c = 0; c < t.cols(); ++c)
        if (!consumed[c]) cols.push_back(t.columns()[c]);
    cols.push_back(key);
    for (const auto& p : pats) cols.push_back(p.value);
    io::Table out(cols);
    out.set_source(t.source() + " (as long)");
    for (std::size_t r = 0; r < t.rows(); ++r)
        for (const auto& level : levels) {
            std::vector<std::string> row;
            for (std::size_t c = 0; c < t.cols(); ++c)
                if (!consumed[c]) row.push_back(t.cell(r, c));
            row.push_back(level);
            for (std::size_t k = 0; k < pats.size(); ++k) {
                const auto it = col_of.find({k, level});
                row.push_back(it == col_of.end() ? "n/a" : t.cell(r, it->second));
            }
            out.add_row(std::move(row));
        }
    return out;
}

}  // namespace

Command trial_lmm_command() {
    return {"lmm", "Linear mixed models (REML/ML), Satterthwaite t and Type III F tests, marginal means, as lme4 + lmerTest",
            [](CLI::App& app) -> Run {
                struct Options {
                    std::string table, formula, out;
                    std::vector<std::string> emmeans, wide;
                    bool reml = false, ml = false;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "Fits a linear mixed model with one grouping factor, e.g. --formula 'pain ~ arm * visit + age + (1 | id)' "
                    "(random intercept) or '(visit | id)' (correlated random intercept and slope; visit numeric), by REML "
                    "(default) or ML, with lme4's profiled deviance. Text columns are factors (treatment coding, first "
                    "level sorted is the reference); C(x) makes a numeric column a factor. Rows with n/a in a used column "
                    "are dropped. Writes PREFIX_fixed.tsv (estimate, se, Satterthwaite df, t, p as lmerTest's summary), "
                    "PREFIX_anova.tsv (Type III F tests with Satterthwaite denominator df, as lmerTest's anova), "
                    "PREFIX_random.tsv (variances, SDs, correlations), PREFIX_model.tsv (n, criterion, logLik, AIC, BIC, "
                    "convergence, singular fit) and, with --emmeans arm:visit, PREFIX_emmeans.tsv (marginal means over a "
                    "reference grid: factors balanced, numeric covariates at their mean, as emmeans) and "
                    "PREFIX_contrasts.tsv (each level of the first factor minus its first level within each level of the "
                    "others, Satterthwaite df). Wide tables: --wide 'pain_{visit}' turns columns pain_1, pain_2, ... into "
                    "rows with a column visit (1, 2, ...) and a column pain; other columns are repeated on each row.");
                app.add_option("--table", o->table, "Input table (TSV/CSV), one row per observation (or wide, see --wide)")->required();
                app.add_option("--formula", o->formula, "Model formula: 'y ~ fixed + (effects | group)'")->required();
                app.add_flag("--reml", o->reml, "Restricted maximum likelihood (the default)");
                app.add_flag("--ml", o->ml, "Maximum likelihood (for comparing fixed effects by likelihood)");
                app.add_option("--emmeans", o->emmeans, "Marginal means and first-factor contrasts over factors, e.g. arm:visit");
                app.add_option("--wide", o->wide, "Wide-table pattern(s), e.g. 'pain_{visit}'");
                app.add_option("--out,-o", o->out, "Output prefix (e.g. results/pain writes results/pain_fixed.tsv, ...)")->required();
                return [o](Context& ctx) -> int {
                    if (o->reml && o->ml) throw Error(Kind::usage, "give --reml or --ml, not both");
                    const std::vector<std::string> suffixes = {"_fixed.tsv", "_anova.tsv", "_random.tsv", "_model.tsv",
                                                               "_emmeans.tsv", "_contrasts.tsv"};
                    for (const auto& s : suffixes) io::check_output_path(o->out + s, {o->table}, "--out");
                    io::Table table = io::read_table(o->table);
                    if (!o->wide.empty()) table = wide_to_long(table, o->wide);
                    const trial::LmmFit fit = trial::fit_lmm(table, o->formula, {!o->ml, &ctx});
                    std::vector<trial::Emmeans> emms;
                    for (const auto& spec : o->emmeans) emms.push_back(trial::emmeans(fit, spec));
                    std::vector<trial::FTestResult> anova;
                    std::string anova_note;
                    try {
                        anova = trial::anova_type3(fit);
                    } catch (const Error& e) {
                        if (e.kind() != Kind::unsupported) throw;
                        anova_note = e.what();  // e.g. no intercept: the other outputs stand
                    }
                    // Everything is computed; now write.
                    const auto t = trial::lmm_tables(fit, anova, emms, o->emmeans, o->formula, table.rows());
                    io::write_table(o->out + "_fixed.tsv", t.fixed);
                    io::write_table(o->out + "_anova.tsv", t.anova);
                    io::write_table(o->out + "_random.tsv", t.random);
                    io::write_table(o->out + "_model.tsv", t.model);
                    if (!emms.empty()) {
                        io::write_table(o->out + "_emmeans.tsv", t.emmeans);
                        io::write_table(o->out + "_contrasts.tsv", t.contrasts);
                    }
                    std::printf("%s\n", fmt::format("{} fit of {}: {} observations, {} groups of {}; {} {:.4f}; {}", fit.reml ? "REML" : "ML",
                                                    o->formula, fit.n_obs, fit.n_groups, fit.group,
                                                    fit.reml ? "REML criterion" : "deviance", fit.criterion, fit.message)
                                            .c_str());
                    if (!anova_note.empty()) std::fprintf(stderr, "warning: no Type III tests: %s\n", anova_note.c_str());
                    if (fit.singular)
                        std::fprintf(stderr, "warning: %s\n", "boundary (singular) fit: a random-effect variance is (near) zero or a correlation is +-1; see the _random.tsv and _model.tsv outputs");
                    return 0;
                };
            }};
}

}  // namespace algia::cli
