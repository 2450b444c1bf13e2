#include "algia/pipeline/config.hpp"

#include <cctype>
#include <filesystem>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "algia/core/error.hpp"
#include "algia/io/file.hpp"

namespace algia::pipeline {

namespace fs = std::filesystem;

std::string Origin::where() const { return fmt::format("{}:{}:{}", file, line, column); }

namespace {

class Reader {
public:
    Reader(std::string origin, std::string base) : origin_(std::move(origin)), base_(std::move(base)) {}

    Origin at(const toml::node& node) const {
        return {origin_, int(node.source().begin.line), int(node.source().begin.column)};
    }

    [[noreturn]] void fail(const toml::node& node, const std::string& problem, const std::string& fix) const {
        throw Error(Kind::invalid_input, fmt::format("{}: {}", at(node).where(), problem)).hint(fix);
    }

    // Refuses keys not in `known` (typos would otherwise be silently ignored).
    void only(const toml::table& t, const std::string& section, std::initializer_list<const char*> known) const {
        for (auto&& [key, node] : t) {
            (void)node;
            bool ok = false;
            for (const char* k : known) ok = ok || key.str() == k;
            if (!ok) {
                std::vector<std::string> names(known.begin(), known.end());
                const Origin o{origin_, int(key.source().begin.line), int(key.source().begin.column)};
                throw Error(Kind::invalid_input, fmt::format("{}: unknown key '{}' in [{}]", o.where(), key.str(), section))
                    .hint(fmt::format("the keys of [{}] are: {}", section, fmt::join(names, ", ")));
            }
        }
    }

    const toml::table* table(const toml::table& t, const char* key) const {
        const toml::node* n = t.get(key);
        if (!n) return nullptr;
        if (!n->is_table()) fail(*n, fmt::format("'{}' must be a table ([{}])", key, key), "see algia config --example");
        return n->as_table();
    }

    void string(const toml::table& t, const char* key, std::string& out) const {
        if (const toml::node* n = t.get(key)) {
            if (!n->is_string()) fail(*n, fmt::format("'{}' must be a string", key), fmt::format("write {} = \"...\"", key));
            out = n->value<std::string>().value();
        }
    }

    void path(const toml::table& t, const char* key, std::string& out, bool must_exist = true) const {
        if (const toml::node* n = t.get(key)) {
            string(t, key, out);
            out = resolve(out);
            if (must_exist && !fs::exists(out))
                fail(*n, fmt::format("'{}' names {}, which does not exist", key, out),
                     "give the path relative to the configuration file's folder, or an absolute one");
        }
    }

    std::string resolve(const std::string& p) const {
        if (p.empty() || fs::path(p).is_absolute()) return p;
        return (fs::path(base_) / p).lexically_normal().string();
    }

    void strings(const toml::table& t, const char* key, std::vector<std::string>& out) const {
        if (const toml::node* n = t.get(key)) {
            if (n->is_string()) {
                out = {n->value<std::string>().value()};
                return;
            }
            if (!n->is_array()) fail(*n, fmt::format("'{}' must be a list of strings", key), fmt::format("write {} = [\"a\", \"b\"]", key));
            out.clear();
            for (const auto& e : *n->as_array()) {
                if (!e.is_string()) fail(e, fmt::format("'{}' must contain only strings", key), "quote every entry");
                out.push_back(e.value<std::string>().value());
            }
        }
    }

    void number(const toml::table& t, const char* key, std::optional<double>& out, double lo, double hi) const {
        if (const toml::node* n = t.get(key)) {
            if (n->is_boolean() && !n->value<bool>().value()) {
                out.reset();  // false = off
                return;
            }
            if (!n->is_number()) fail(*n, fmt::format("'{}' must be a number (or false for none)", key), "e.g. 0.5");
            const double v = n->value<double>().value();
            if (!(v >= lo && v <= hi)) fail(*n, fmt::format("'{}' = {} is outside [{}, {}]", key, v, lo, hi), "use a value in range");
            out = v;
        }
    }

    template <class Int>
    void integer(const toml::table& t, const char* key, Int& out, std::int64_t lo, std::int64_t hi) const {
        if (const toml::node* n = t.get(key)) {
            if (!n->is_integer()) fail(*n, fmt::format("'{}' must be a whole number", key), "e.g. 1000");
            const std::int64_t v = n->value<std::int64_t>().value();
            if (v < lo || v > hi) fail(*n, fmt::format("'{}' = {} is outside [{}, {}]", key, v, lo, hi), "use a value in range");
            out = static_cast<Int>(v);
        }
    }

    void boolean(const toml::table& t, const char* key, bool& out) const {
        if (const toml::node* n = t.get(key)) {
            if (!n->is_boolean()) fail(*n, fmt::format("'{}' must be true or false", key), "write true or false");
            out = n->value<bool>().value();
        }
    }

    // [[section]] entries: an array of tables.
    template <class F>
    void each(const toml::table& t, const char* key, F&& f) const {
        if (const toml::node* n = t.get(key)) {
            if (!n->is_array_of_tables())
                fail(*n, fmt::format("'{}' must be a list of tables ([[{}]] entries)", key, key), "see algia config --example");
            for (const auto& e : *n->as_array()) f(*e.as_table());
        }
    }

    const std::string& origin() const { return origin_; }

private:
    std::string origin_, base_;
};

}  // namespace

Config parse_config(const std::string& text, const std::string& origin_name, const std::string& base_dir) {
    toml::table root;
    try {
        root = toml::parse(text, origin_name);
    } catch (const toml::parse_error& e) {
        throw Error(Kind::invalid_input, fmt::format("{}:{}:{}: {}", origin_name, e.source().begin.line, e.source().begin.column,
                                                     e.description()))
            .hint("fix the TOML syntax (see algia config --example)");
    }
    const Reader r(origin_name, base_dir);
    Config c;
    c.file = origin_name;
    r.only(root, "top level", {"study", "columns", "runs", "denoise", "atlas", "connectivity", "seed", "glm", "signatures", "group", "model", "mixed_model", "mediation", "responders"});
    if (const auto* t = r.table(root, "study")) {
        r.only(*t, "study", {"name", "participants", "space", "sessions"});
        r.strings(*t, "sessions", c.sessions);
        r.string(*t, "name", c.name);
        r.path(*t, "participants", c.participants);
        r.string(*t, "space", c.space);
    }
    if (const auto* t = r.table(root, "columns")) {
        r.only(*t, "columns", {"id", "arm", "covariates"});
        r.string(*t, "id", c.id_column);
        r.string(*t, "arm", c.arm_column);
        r.strings(*t, "covariates", c.covariates);
    }
    if (const auto* t = r.table(root, "runs")) {
        r.only(*t, "runs", {"rest", "heat"});
        r.string(*t, "rest", c.rest_task);
        r.string(*t, "heat", c.heat_task);
    }
    if (const auto* t = r.table(root, "denoise")) {
        r.only(*t, "denoise", {"strategy", "scrub_fd", "high_pass", "low_pass", "standardize"});
        r.string(*t, "strategy", c.strategy);
        static const std::set<std::string> strategies = {"none", "6p", "9p", "12p", "24p", "27p", "36p", "acompcor", "acompcor+gsr", "simple"};
        if (!strategies.count(c.strategy))
            r.fail(*t->get("strategy"), fmt::format("unknown denoising strategy '{}'", c.strategy),
                   "use none, 6p, 9p, 12p, 24p, 27p, 36p, acompcor, acompcor+gsr or simple");
        r.number(*t, "scrub_fd", c.scrub_fd, 0.01, 100);
        r.number(*t, "high_pass", c.high_pass, 0, 10);
        r.number(*t, "low_pass", c.low_pass, 0, 10);
        r.string(*t, "standardize", c.standardize);
        if (c.standardize != "zscore" && c.standardize != "psc" && c.standardize != "none")
            r.fail(*t->get("standardize"), fmt::format("unknown standardization '{}'", c.standardize), "use zscore, psc or none");
        if (c.high_pass && c.low_pass && *c.high_pass >= *c.low_pass)
            r.fail(*t, "high_pass must be below low_pass", "e.g. high_pass = 0.01, low_pass = 0.08");
    }
    if (const auto* t = r.table(root, "atlas")) {
        r.only(*t, "atlas", {"image", "labels"});
        r.path(*t, "image", c.atlas);
        r.path(*t, "labels", c.labels);
    }
    if (const auto* t = r.table(root, "connectivity")) {
        r.only(*t, "connectivity", {"density"});
        std::optional<double> d = c.graph_density;
        r.number(*t, "density", d, 0.001, 1);
        if (!d) r.fail(*t, "density must be a number", "e.g. density = 0.1 (the strongest 10% of edges)");
        c.graph_density = *d;
    }
    {
        std::set<std::string> seed_names;
        r.each(root, "seed", [&](const toml::table& t) {
            SeedRegion s;
            r.only(t, "[seed]", {"name", "x", "y", "z", "radius"});
            r.string(t, "name", s.name);
            s.origin = r.at(t);
            for (const auto& [key, out] : {std::pair<const char*, double*>{"x", &s.x}, {"y", &s.y}, {"z", &s.z}}) {
                if (!t.get(key)) r.fail(t, fmt::format("seed '{}' needs {} (MNI mm)", s.name, key), "e.g. name = \"pcc\", x = 0, y = -52, z = 26");
                std::optional<double> v;
                r.number(t, key, v, -1000, 1000);
                if (!v) r.fail(*t.get(key), fmt::format("seed '{}': {} must be a number (MNI mm)", s.name, key), "e.g. y = -52");
                *out = *v;
            }
            std::optional<double> rad = s.radius;
            r.number(t, "radius", rad, 0, 100);
            if (!rad) r.fail(*t.get("radius"), fmt::format("seed '{}': radius must be a number (mm)", s.name), "e.g. radius = 6");
            s.radius = *rad;
            if (s.name.empty() || s.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != std::string::npos)
                r.fail(t, fmt::format("seed name '{}' must be letters and digits (it becomes a BIDS seed- label)", s.name), "e.g. name = \"pcc\"");
            if (!seed_names.insert(s.name).second) r.fail(t, fmt::format("the seed name '{}' is used twice", s.name), "give every seed its own name");
            c.seeds.push_back(std::move(s));
        });
    }
    c.glm_origin = {origin_name, 1, 1};
    if (const auto* t = r.table(root, "glm")) {
        r.only(*t, "glm", {"enabled", "contrasts", "hrf", "noise", "high_pass", "strategy", "confound_columns", "modulators", "single_trial",
                          "scrub_fd"});
        c.glm_origin = r.at(*t);
        r.boolean(*t, "enabled", c.glm);
        if (const toml::node* n = t->get("contrasts")) {
            if (!n->is_table()) r.fail(*n, "'contrasts' must be a table of NAME = \"expression\"", "write contrasts = { heat = \"heat\" }");
            for (auto&& [key, node] : *n->as_table()) {
                if (!node.is_string())
                    r.fail(node, fmt::format("contrast '{}' must be an expression over design columns", key.str()), "write heat = \"heat\"");
                const std::string name(key.str());
                bool label = !name.empty();
                for (char ch : name) label = label && std::isalnum(static_cast<unsigned char>(ch));
                if (!label) r.fail(node, fmt::format("the contrast name '{}' is not a BIDS label", name), "use letters and digits only, e.g. heatVsWarm");
                c.contrasts.push_back({name, node.value<std::string>().value(),
                                       Origin{r.origin(), int(key.source().begin.line), int(key.source().begin.column)}});
            }
        }
        r.string(*t, "hrf", c.hrf);
        static const std::set<std::string> hrfs = {"spm", "glover", "spm + derivative", "glover + derivative", "spm + derivative + dispersion",
                                                   "glover + derivative + dispersion"};
        if (!hrfs.count(c.hrf))
            r.fail(*t->get("hrf"), fmt::format("unknown HRF model '{}'", c.hrf), "use spm, glover, or '... + derivative', '... + derivative + dispersion'");
        r.string(*t, "noise", c.noise);
        if (c.noise != "ar1" && c.noise != "ols") r.fail(*t->get("noise"), fmt::format("unknown noise model '{}'", c.noise), "use ar1 or ols");
        std::optional<double> hp = c.glm_high_pass;
        r.number(*t, "high_pass", hp, 0, 10);
        c.glm_high_pass = hp.value_or(0.0);
        r.number(*t, "scrub_fd", c.glm_scrub_fd, 0.01, 100);
        r.string(*t, "strategy", c.glm_strategy);
        static const std::set<std::string> strategies = {"none", "6p", "9p", "12p", "24p", "27p", "36p", "acompcor", "acompcor+gsr", "simple"};
        if (!strategies.count(c.glm_strategy))
            r.fail(*t->get("strategy"), fmt::format("unknown confound strategy '{}'", c.glm_strategy),
                   "use none, 6p, 9p, 12p, 24p, 27p, 36p, acompcor, acompcor+gsr or simple");
        r.strings(*t, "confound_columns", c.confound_columns);
        r.boolean(*t, "modulators", c.modulators);
        r.string(*t, "single_trial", c.single_trial);
        if (c.single_trial != "lss" && c.single_trial != "lsa" && c.single_trial != "none")
            r.fail(*t->get("single_trial"), fmt::format("unknown single-trial model '{}'", c.single_trial), "use lss, lsa or none");
    }
    if (const auto* t = r.table(root, "signatures")) {
        for (auto&& [key, node] : *t) {
            if (!node.is_string()) r.fail(node, fmt::format("signature '{}' must be a path to its weight map", key.str()), "write name = \"path.nii.gz\"");
            const std::string p = r.resolve(node.value<std::string>().value());
            if (!fs::exists(p)) r.fail(node, fmt::format("signature '{}': {} does not exist", key.str(), p), "fix the path");
            c.signatures[std::string(key.str())] = p;
        }
    }
    if (const auto* t = r.table(root, "group")) {
        r.only(*t, "group", {"permutations", "bootstrap", "seed"});
        r.integer(*t, "permutations", c.permutations, 0, 1000000);
        r.integer(*t, "bootstrap", c.bootstrap, 1, 1000000);
        r.integer(*t, "seed", c.seed, 0, std::numeric_limits<std::int64_t>::max());
    }
    std::set<std::string> names;
    const auto unique = [&](const toml::table& t, const std::string& name, const char* what) {
        if (name.empty()) r.fail(t, fmt::format("a {} needs a name", what), "add name = \"...\"");
        if (!names.insert(name).second) r.fail(t, fmt::format("the name '{}' is used twice", name), "give every model its own name");
    };
    r.each(root, "model", [&](const toml::table& t) {
        GroupModel m;
        r.only(t, "[model]", {"name", "outcome", "formula", "contrast"});
        r.string(t, "name", m.name);
        r.string(t, "outcome", m.outcome);
        r.string(t, "formula", m.formula);
        r.string(t, "contrast", m.contrast);
        m.origin = r.at(t);
        unique(t, m.name, "model");
        if (m.outcome.empty()) r.fail(t, fmt::format("model '{}' needs an outcome column", m.name), "add outcome = \"dmn_within_pre\" (see algia config --example)");
        c.models.push_back(std::move(m));
    });
    r.each(root, "mixed_model", [&](const toml::table& t) {
        MixedModel m;
        r.only(t, "[mixed_model]", {"name", "outcome", "formula", "random", "emmeans", "reml"});
        r.string(t, "name", m.name);
        r.string(t, "outcome", m.outcome);
        r.string(t, "formula", m.formula);
        r.string(t, "random", m.random);
        r.strings(t, "emmeans", m.emmeans);
        r.boolean(t, "reml", m.reml);
        m.origin = r.at(t);
        unique(t, m.name, "mixed model");
        if (m.name.find_first_of("/\\ \t") != std::string::npos)
            r.fail(t, fmt::format("mixed model name '{}' becomes a file name", m.name), "use letters, digits, '_' or '-'");
        if (m.outcome.empty())
            r.fail(t, fmt::format("mixed model '{}' needs an outcome", m.name),
                   "add outcome = \"signature_pain\" (a measure or participants column family without the _<session> suffix)");
        const auto tilde = m.formula.find('~');
        if (tilde == std::string::npos || m.formula.substr(0, tilde).find_first_not_of(" \t") != std::string::npos)
            r.fail(*t.get("formula"), fmt::format("mixed model '{}': formula '{}' must be the right-hand side only", m.name, m.formula),
                   "e.g. formula = \"~ arm * session + age\" (the outcome is given by outcome =)");
        if (m.formula.find('|') != std::string::npos)
            r.fail(*t.get("formula"), fmt::format("mixed model '{}': the random effects go in random =, not in formula", m.name),
                   "e.g. random = \"(1 | id)\" or \"(session | id)\"");
        const auto a = m.random.find('('), bar = m.random.find('|'), b = m.random.rfind(')');
        if (a == std::string::npos || bar == std::string::npos || b == std::string::npos || !(a < bar && bar < b))
            r.fail(t.get("random") ? *t.get("random") : static_cast<const toml::node&>(t),
                   fmt::format("mixed model '{}': random = '{}' is not an lme4 random-effects term", m.name, m.random),
                   "e.g. random = \"(1 | id)\" (random intercept per participant) or \"(1 + visit | id)\" (and a random slope over the visit number)");
        c.mixed_models.push_back(std::move(m));
    });
    r.each(root, "mediation", [&](const toml::table& t) {
        MediationModel m;
        r.only(t, "[mediation]", {"name", "x", "m", "y", "covariates", "serial"});
        r.string(t, "name", m.name);
        r.string(t, "x", m.x);
        r.strings(t, "m", m.m);
        r.string(t, "y", m.y);
        r.strings(t, "covariates", m.covariates);
        r.boolean(t, "serial", m.serial);
        m.origin = r.at(t);
        unique(t, m.name, "mediation model");
        if (m.x.empty() || m.y.empty() || m.m.empty())
            r.fail(t, fmt::format("mediation '{}' needs x, m and y", m.name), "add x = \"...\", m = [\"...\"], y = \"...\"");
        c.mediation.push_back(std::move(m));
    });
    r.each(root, "responders", [&](const toml::table& t) {
        ResponderRule m;
        r.only(t, "[responders]", {"name", "column", "rule"});
        r.string(t, "name", m.name);
        r.string(t, "column", m.column);
        r.string(t, "rule", m.rule);
        m.origin = r.at(t);
        unique(t, m.name, "responder rule");
        if (m.column.empty() || m.rule.empty())
            r.fail(t, fmt::format("responders '{}' needs column and rule", m.name), "e.g. column = \"pain_post\", rule = \"<= 1\"");
        c.responders.push_back(std::move(m));
    });
    // Hash of the canonical form (FNV-1a 64): the same study settings give the same hash.
    const std::string canon = canonical_json(c);
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char ch : canon) h = (h ^ ch) * 1099511628211ULL;
    c.hash = fmt::format("{:016x}", h);
    return c;
}

Config load_config(const std::string& path) {
    if (!fs::exists(path))
        throw Error(Kind::io, fmt::format("{}: no such configuration file", path)).hint("write one: algia config --example > study.toml");
    const std::string text = io::read_text_file(path);
    return parse_config(text, path, fs::path(path).parent_path().string());
}

std::string canonical_json(const Config& c) {
    // Paths relative to the configuration's folder, so that a study moved as a whole keeps its hash.
    const fs::path base = fs::path(c.file).parent_path().lexically_normal();
    const auto rel = [&](const std::string& p) -> std::string {
        if (p.empty()) return p;
        const fs::path r = fs::path(p).lexically_normal().lexically_relative(base);
        return r.empty() ? p : r.string();
    };
    std::map<std::string, std::string> signatures;
    for (const auto& [k, v] : c.signatures) signatures[k] = rel(v);
    nlohmann::json j;
    j["study"] = {{"name", c.name}, {"participants", rel(c.participants)}, {"space", c.space}, {"sessions", c.sessions}};
    j["columns"] = {{"id", c.id_column}, {"arm", c.arm_column}, {"covariates", c.covariates}};
    j["runs"] = {{"rest", c.rest_task}, {"heat", c.heat_task}};
    const auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(false); };
    j["denoise"] = {{"strategy", c.strategy}, {"scrub_fd", opt(c.scrub_fd)}, {"high_pass", opt(c.high_pass)},
                    {"low_pass", opt(c.low_pass)}, {"standardize", c.standardize}};
    j["atlas"] = {{"image", rel(c.atlas)}, {"labels", rel(c.labels)}};
    j["connectivity"] = {{"density", c.graph_density}};
    for (const auto& sd : c.seeds)
        j["seed"].push_back({{"name", sd.name}, {"x", sd.x}, {"y", sd.y}, {"z", sd.z}, {"radius", sd.radius}});
    j["signatures"] = signatures;
    nlohmann::json contrasts = nlohmann::json::array();
    for (const auto& k : c.contrasts) contrasts.push_back({k.name, k.expression});
    j["glm"] = {{"enabled", c.glm}, {"contrasts", contrasts}, {"hrf", c.hrf}, {"noise", c.noise}, {"high_pass", c.glm_high_pass},
                {"strategy", c.glm_strategy}, {"confound_columns", c.confound_columns}, {"modulators", c.modulators},
                {"single_trial", c.single_trial}, {"scrub_fd", opt(c.glm_scrub_fd)}};
    j["group"] = {{"permutations", c.permutations}, {"bootstrap", c.bootstrap}, {"seed", c.seed}};
    for (const auto& m : c.models) j["model"].push_back({{"name", m.name}, {"outcome", m.outcome}, {"formula", m.formula}, {"contrast", m.contrast}});
    for (const auto& m : c.mixed_models)
        j["mixed_model"].push_back({{"name", m.name}, {"outcome", m.outcome}, {"formula", m.formula}, {"random", m.random},
                                    {"emmeans", m.emmeans}, {"reml", m.reml}});
    for (const auto& m : c.mediation)
        j["mediation"].push_back({{"name", m.name}, {"x", m.x}, {"m", m.m}, {"y", m.y}, {"covariates", m.covariates}, {"serial", m.serial}});
    for (const auto& m : c.responders) j["responders"].push_back({{"name", m.name}, {"column", m.column}, {"rule", m.rule}});
    return j.dump();
}

std::string example_config() {
    return R"EX(# algia study configuration (TOML). Paths are relative to this file's folder.
# Check it with: algia config --check study.toml

[study]
name = "Pain reprocessing trial"
participants = "participants.tsv"   # default: participants.tsv of the fMRIPrep folder
space = "MNI152NLin6Asym"           # the space- entity of the preprocessed runs
sessions = ["pre", "post"]          # visit order of the ses- labels (change scores = last - first)

[columns]
id = "participant_id"               # sub- labels, with or without the prefix
arm = "arm"                         # treatment arm (optional)

[runs]
rest = "rest"                       # task- label of resting-state runs
heat = "heat"                       # task- label of heat-pain runs (with _events.tsv)

[denoise]
strategy = "24p"                    # none 6p 9p 12p 24p 27p 36p acompcor acompcor+gsr simple
scrub_fd = 0.5                      # censor volumes with FD above (mm); false = no scrubbing
high_pass = 0.01                    # Hz; false = none
low_pass = 0.08                     # Hz; false = none
standardize = "zscore"              # zscore psc none

[atlas]
image = "atlas/Schaefer2018_100Parcels_7Networks_order_FSLMNI152_2mm.nii.gz"
labels = "atlas/Schaefer2018_100Parcels_7Networks_order.txt"   # network names: Default = DMN

[connectivity]
density = 0.1                       # graph measures on the strongest 10% of positive edges

[[seed]]                            # seed-to-voxel Fisher-z maps of every rest run (repeatable)
name = "pcc"                        # letters and digits: the file's seed- label
x = 0                               # MNI mm
y = -52
z = 26
radius = 6                          # mm

[glm]                               # first-level model of every heat run (as algia glm)
contrasts = { heat = "heat" }       # NAME = expression over design columns; default: one per trial type
hrf = "spm"                         # spm glover, '... + derivative', '... + derivative + dispersion'
noise = "ar1"                       # ar1 ols
high_pass = 0.01                    # cosine drift cut-off (Hz)
strategy = "6p"                     # confounds in the design (none 6p 12p 24p ...)
confound_columns = []               # extra confound columns (names or patterns)
modulators = false                  # extra numeric events columns as parametric modulators
single_trial = "lss"                # lss lsa none: single-trial betas, scored by each signature
scrub_fd = false                    # censor volumes with FD above (mm) from the model (as algia glm --scrub-fd)

[signatures]                        # name = weight map; scored on every heat run
pain = "signatures/SIIPS1.nii.gz"

[group]
permutations = 1000                 # permutation tests of the group models (0 = parametric only)
bootstrap = 5000                    # mediation bootstrap resamples
seed = 0

# Group models: a column of the group table (participants.tsv joined with the participant-level
# measures: dmn_within_<ses>, signature_<name>_<ses>, mean_fd_<ses>, censored_<ses>, and for every
# measure or participants column present in two sessions <name>_change = last - first) against a
# formula over participants columns.
[[model]]
name = "dmn_years"
outcome = "dmn_within_pre"
formula = "~ years_with_pain + age"
contrast = "years_with_pain"

[[model]]
name = "signature_by_arm"
outcome = "signature_pain_change"
formula = "~ arm"
contrast = "arm[T.treatment]"

# Linear mixed models over sessions (as algia trial lmm: lme4 + lmerTest, Satterthwaite df): the
# group table reshaped to one row per participant x session; outcome is a measure or participants
# column family without the _<session> suffix (signature_pain -> signature_pain_pre, _post);
# session is categorical in [study] sessions order (the first session is the reference); arm and
# covariates come from the participants table; id is the participant. Participants missing a
# session keep their other sessions.
[[mixed_model]]
name = "signature_lmm"
outcome = "signature_pain"
formula = "~ arm * session + age"
random = "(1 | id)"                 # lme4 syntax: (1 | id), (1 + visit | id): visit = 0, 1, ... (the session number)
emmeans = ["arm:session"]           # marginal means and arm contrasts per session (default)
reml = true                         # false = maximum likelihood

[[mediation]]
name = "arm_signature_pain"
x = "arm"                           # a two-level column is coded 0/1 (first level in sorted order = 0)
m = ["signature_pain_change"]
y = "pain_change"

[[responders]]
name = "pain_free"
column = "pain_post"
rule = "<= 1"
)EX";
}

}  // namespace algia::pipeline
