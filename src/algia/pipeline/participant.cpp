#include "algia/pipeline/participant.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <Eigen/QR>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "algia/connectivity/connectivity.hpp"
#include "algia/connectivity/graph.hpp"
#include "algia/core/error.hpp"
#include "algia/core/version.hpp"
#include "algia/io/bids.hpp"
#include "algia/io/file.hpp"
#include "algia/io/json.hpp"
#include "algia/io/labels.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/tsv.hpp"
#include "algia/glm/design.hpp"
#include "algia/glm/first_level.hpp"
#include "algia/glm/model.hpp"
#include "algia/roi/roi.hpp"
#include "algia/signal/clean.hpp"
#include "algia/signal/confounds.hpp"
#include "algia/signal/regions.hpp"
#include "algia/signature/scorer.hpp"
#include "algia/simulate/study.hpp"

namespace algia::pipeline {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A file beside `bold` with the same entities up to (not including) space-, and the given tail.
std::string sibling(const fs::path& bold, const io::BidsName& name, const std::string& tail) {
    std::string stem;
    for (const auto& [k, v] : name.entities) {
        if (k == "space" || k == "desc" || k == "res" || k == "den") break;
        stem += (stem.empty() ? "" : "_") + k + "-" + v;
    }
    const fs::path p = bold.parent_path() / (stem + tail);
    return fs::exists(p) ? p.string() : std::string();
}

std::string with_space(const fs::path& bold, const io::BidsName& name, const std::string& tail) {
    std::string stem;
    for (const auto& [k, v] : name.entities) {
        if (k == "desc") break;
        stem += (stem.empty() ? "" : "_") + k + "-" + v;
    }
    const fs::path p = bold.parent_path() / (stem + tail);
    return fs::exists(p) ? p.string() : std::string();
}

}  // namespace

static bool inside(const fs::path& child, const fs::path& parent) {
    const auto c = fs::weakly_canonical(child), p = fs::weakly_canonical(parent);
    auto ci = c.begin();
    for (auto pi = p.begin(); pi != p.end(); ++pi, ++ci)
        if (ci == c.end() || *ci != *pi) return false;
    return true;
}

namespace {

std::string stem_of(const ParticipantFiles& who, const RunFiles& r) {
    std::string s = "sub-" + who.label;
    if (!r.session.empty()) s += "_ses-" + r.session;
    s += "_task-" + r.task;
    if (!r.run.empty()) s += "_run-" + r.run;
    return s;
}

double tr_of(const RunFiles& r, const image::Image<float>& bold) {
    const std::string side = ends_with(r.bold, ".nii.gz") ? r.bold.substr(0, r.bold.size() - 7) + ".json"
                                                            : r.bold.substr(0, r.bold.size() - 4) + ".json";
    if (fs::exists(side)) {
        const auto j = io::read_json(side);
        if (j.contains("RepetitionTime") && j["RepetitionTime"].is_number()) return j["RepetitionTime"].get<double>();
    }
    if (bold.tr() > 0) return bold.tr();
    throw Error(Kind::invalid_input, fmt::format("{}: no repetition time in the header or the JSON sidecar", r.bold))
        .hint("add RepetitionTime to the sidecar");
}

io::Table matrix_table(const Eigen::MatrixXd& m, const std::vector<std::string>& columns) {
    io::Table t(columns);
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
        std::vector<std::string> row;
        for (Eigen::Index j = 0; j < m.cols(); ++j) row.push_back(io::format_number(m(i, j)));
        t.add_row(std::move(row));
    }
    return t;
}

// The run-level response of a per-volume signature expression: OLS slope on the HRF-convolved
// event boxcar (events' onsets and durations), with an intercept and a linear drift; volumes
// censored as non-steady-state are left out.
double evoked_response(const std::vector<double>& expression, const io::Table& events, double tr, std::size_t first) {
    const std::size_t nvol = expression.size();
    const int over = 16;
    const double dt = tr / over;
    std::vector<double> box(nvol * over, 0.0);
    const auto on = events.numeric("onset"), du = events.numeric("duration");
    for (std::size_t k = 0; k < on.size(); ++k) {
        const std::size_t a = std::size_t(std::max(0.0, std::floor(on[k] / dt)));
        const std::size_t b = std::size_t(std::max(0.0, std::ceil((on[k] + std::max(du[k], dt)) / dt)));
        for (std::size_t i = a; i < std::min(b, box.size()); ++i) box[i] = 1.0;
    }
    const auto h = simulate::spm_hrf(dt);
    const Eigen::Index n = Eigen::Index(nvol - first);
    Eigen::MatrixXd X(n, 3);
    Eigen::VectorXd y(n);
    for (std::size_t t = first; t < nvol; ++t) {
        double reg = 0;
        const std::size_t at = t * over;
        for (std::size_t j = 0; j < h.size() && j <= at; ++j) reg += h[j] * box[at - j];
        X.row(Eigen::Index(t - first)) << 1.0, double(t), reg * dt;
        y[Eigen::Index(t - first)] = expression[t];
    }
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(X);
    if (qr.rank() < 3) return std::nan("");
    return Eigen::VectorXd(qr.solve(y))[2];
}


// The [glm] contrasts of a run: those of the configuration, or one per trial type (named after it,
// letters and digits only) when it lists none.
std::vector<std::pair<std::string, std::string>> glm_contrasts(const Config& c, const glm::Events& events) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& k : c.contrasts) out.push_back({k.name, k.expression});
    if (!out.empty()) return out;
    std::set<std::string> types;
    for (const auto& e : events.events) types.insert(e.trial_type);
    for (const auto& t : types) {
        std::string name;
        for (char ch : t)
            if (std::isalnum(static_cast<unsigned char>(ch))) name += ch;
        if (name.empty()) name = "condition";
        for (const auto& [n, x] : out)
            if (n == name) name += fmt::format("{}", out.size() + 1);
        out.push_back({name, t});
    }
    return out;
}

glm::FirstLevelOptions glm_options(const Config& c, const RunFiles& r) {
    const bool need_confounds = c.glm_strategy != "none" || !c.confound_columns.empty() || c.glm_scrub_fd.has_value();
    if (r.confounds.empty() && need_confounds)
        throw Error(Kind::invalid_input, fmt::format("{}: no fMRIPrep confounds table beside this run", r.bold))
            .hint(fmt::format("copy the run's _desc-confounds_timeseries.tsv beside it, or set [glm] strategy = \"none\" in {}", c.file));
    glm::FirstLevelOptions f;
    f.bold = {r.bold};
    f.events = {r.events};
    if (!r.confounds.empty() && need_confounds) f.confounds = {r.confounds};
    f.strategy = c.glm_strategy;
    f.confound_columns = c.confound_columns;
    f.mask = r.mask;
    f.hrf = c.hrf;
    f.noise = c.noise;
    f.high_pass = c.glm_high_pass;
    f.scrub_fd = c.glm_scrub_fd;
    f.no_modulators = !c.modulators;
    f.single_trial = c.single_trial == "none" ? "" : c.single_trial;
    f.contrasts = glm_contrasts(c, glm::read_events(r.events, c.modulators));
    return f;
}

// The inputs of a participant, relative to the fMRIPrep folder (so the record survives moving it).
io::Json inputs_record(const ParticipantFiles& who, const std::string& root) {
    io::Json inputs = io::Json::array();
    for (const auto& r : who.runs)
        for (const std::string* f : {&r.bold, &r.confounds, &r.events, &r.mask})
            if (!f->empty())
                inputs.push_back({{"path", fs::path(*f).lexically_normal().lexically_relative(fs::path(root).lexically_normal()).string()},
                                  {"bytes", fs::file_size(*f)}});
    for (const auto& a : who.anat)
        inputs.push_back({{"path", fs::path(a.gm).lexically_normal().lexically_relative(fs::path(root).lexically_normal()).string()},
                          {"bytes", fs::file_size(a.gm)}});
    return inputs;
}

}  // namespace

void check_glm(const Config& c, const Layout& layout) {
    if (!c.glm) return;
    const RunFiles* run = nullptr;
    for (const auto& p : layout.participants)
        for (const auto& r : p.runs)
            if (!run && r.task == c.heat_task && !r.events.empty()) run = &r;
    if (!run) return;
    const auto hdr = io::read_header(run->bold);
    double tr = hdr.tr_seconds;
    const std::string side = ends_with(run->bold, ".nii.gz") ? run->bold.substr(0, run->bold.size() - 7) + ".json"
                                                               : run->bold.substr(0, run->bold.size() - 4) + ".json";
    if (fs::exists(side)) {
        const auto j = io::read_json(side);
        if (j.contains("RepetitionTime") && j["RepetitionTime"].is_number()) tr = j["RepetitionTime"].get<double>();
    }
    if (!(tr > 0)) return;  // the participant level reports it
    const std::size_t T = std::size_t(std::max<std::int64_t>(hdr.dim[3], 1));
    const auto events = glm::read_events(run->events, c.modulators);
    Eigen::MatrixXd conf;
    std::vector<std::string> names;
    if (!run->confounds.empty() && (c.glm_strategy != "none" || !c.confound_columns.empty())) {
        signal::ConfoundOptions co;
        co.strategy = c.glm_strategy;
        co.columns = c.confound_columns;
        co.drop_non_steady_state = false;
        try {
            const auto cf = signal::load_confounds(run->confounds, co, T);
            conf = cf.values;
            names = cf.columns;
        } catch (const Error& e) {
            throw Error(Kind::invalid_input, fmt::format("{}: [glm] confounds: {}", c.glm_origin.where(), e.message()))
                .hint("set [glm] strategy and confound_columns to columns of the fMRIPrep confounds tables");
        }
    }
    glm::DesignOptions d;
    d.hrf = glm::parse_hrf_model(c.hrf);
    d.high_pass = c.glm_high_pass;
    const auto design = glm::make_design_matrix(glm::frame_times(T, tr), events, d, conf, names);
    for (const auto& k : c.contrasts) {
        try {
            (void)glm::parse_contrast_rows(k.expression, design.columns);
        } catch (const Error& e) {
            throw Error(Kind::invalid_input, fmt::format("{}: contrast '{}' = \"{}\" does not fit the design of {}: {}", k.origin.where(), k.name,
                                                         k.expression, fs::path(run->bold).filename().string(), e.message()))
                .hint(fmt::format("the design's columns are: {}", fmt::join(design.columns, ", ")));
        }
    }
}

void check_output_location(const std::string& fmriprep_dir, const std::string& output_dir) {
    if (inside(output_dir, fmriprep_dir))
        throw Error(Kind::usage, fmt::format("{}: the output folder is inside the input folder {}", output_dir, fmriprep_dir))
            .hint("write derivatives beside the fMRIPrep folder (e.g. derivatives/algia), never inside it");
}

Layout discover(const std::string& fmriprep_dir, const Config& config) {
    if (!fs::is_directory(fmriprep_dir))
        throw Error(Kind::io, fmt::format("{}: no such folder", fmriprep_dir)).hint("give the fMRIPrep output folder (the one with sub-*/ folders)");
    Layout out;
    out.root = fmriprep_dir;
    std::set<std::string> sessions;
    const std::string want = "_space-" + config.space + "_desc-preproc_bold.nii.gz";
    std::vector<fs::path> subs;
    for (const auto& e : fs::directory_iterator(fmriprep_dir))
        if (e.is_directory() && e.path().filename().string().rfind("sub-", 0) == 0) subs.push_back(e.path());
    std::sort(subs.begin(), subs.end());
    for (const auto& sub : subs) {
        ParticipantFiles p;
        p.label = sub.filename().string().substr(4);
        std::vector<fs::path> files;
        for (const auto& e : fs::recursive_directory_iterator(sub))
            if (e.is_regular_file() && ends_with(e.path().filename().string(), want)) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            const auto name = io::try_parse_bids_name(f.string());
            if (!name || !name->get("task")) continue;
            RunFiles r;
            r.bold = f.string();
            r.session = name->get("ses").value_or("");
            r.task = *name->get("task");
            r.run = name->get("run").value_or("");
            r.confounds = signal::find_confounds_for(r.bold);
            r.events = sibling(f, *name, "_events.tsv");
            r.mask = with_space(f, *name, "_desc-brain_mask.nii.gz");
            sessions.insert(r.session);
            p.runs.push_back(std::move(r));
        }
        const std::string gm_tail = "_label-GM_probseg.nii.gz";
        std::vector<fs::path> gms;
        for (const auto& e : fs::recursive_directory_iterator(sub)) {
            const std::string n = e.path().filename().string();
            if (e.is_regular_file() && e.path().parent_path().filename() == "anat" && ends_with(n, gm_tail) &&
                n.find("_space-" + config.space + "_") != std::string::npos)
                gms.push_back(e.path());
        }
        std::sort(gms.begin(), gms.end());
        for (const auto& g : gms) {
            const auto name = io::try_parse_bids_name(g.string());
            const std::string ses = name ? name->get("ses").value_or("") : "";
            bool seen = false;  // one map per session (the first in name order)
            for (const auto& a : p.anat) seen = seen || a.session == ses;
            if (!seen) p.anat.push_back({ses, g.string()});
        }
        if (!p.runs.empty()) out.participants.push_back(std::move(p));
    }
    if (out.participants.empty())
        throw Error(Kind::invalid_input,
                    fmt::format("{}: not fMRIPrep output: no sub-*/.../*{} file", fmriprep_dir, want))
            .hint(fmt::format("give the fMRIPrep derivatives folder; if the runs are in another space, set [study] space "
                              "in {} (it is '{}')", config.file, config.space));
    if (config.sessions.empty()) {
        out.sessions.assign(sessions.begin(), sessions.end());
        if (out.sessions.size() > 1)
            std::fprintf(stderr, "algia: sessions taken in alphabetical order (%s); set [study] sessions in %s to give the visit order\n",
                         fmt::format("{}", fmt::join(out.sessions, ", ")).c_str(), config.file.c_str());
    } else {
        for (const auto& s : sessions)
            if (std::find(config.sessions.begin(), config.sessions.end(), s) == config.sessions.end())
                throw Error(Kind::invalid_input, fmt::format("{}: session '{}' is not in [study] sessions of {} ({})", fmriprep_dir,
                                                             s.empty() ? "(none)" : s, config.file, fmt::join(config.sessions, ", ")))
                    .hint("list every visit's ses- label in [study] sessions, in visit order");
        for (const auto& s : config.sessions)
            if (sessions.count(s)) out.sessions.push_back(s);
    }
    return out;
}

void write_dataset_description(const Config& config, const std::string& output_dir, const std::string& input_dir) {
    const fs::path p = fs::path(output_dir) / "dataset_description.json";
    const fs::path cfg = fs::absolute(config.file).lexically_normal().lexically_relative(fs::absolute(output_dir).lexically_normal());
    io::Json j{{"Name", "algia: " + config.name},
               {"BIDSVersion", "1.8.0"},
               {"DatasetType", "derivative"},
               {"GeneratedBy", io::Json::array({io::Json{{"Name", "algia"},
                                                          {"Version", version()},
                                                          {"ConfigurationHash", config.hash},
                                                          {"ConfigurationFile", cfg.string()},
                                                          {"InputFolder", fs::absolute(input_dir).lexically_normal().lexically_relative(
                                                                              fs::absolute(output_dir).lexically_normal()).string()},
                                                          {"Configuration", io::Json::parse(canonical_json(config))}}})}};
    io::write_json(p.string(), j);
}

bool run_participant(const Config& config, const Layout& layout, const ParticipantFiles& who,
                     const std::string& output_dir, const Context& ctx) {
    const fs::path dir = fs::path(output_dir) / ("sub-" + who.label);
    const fs::path done = dir / ("sub-" + who.label + "_desc-done.json");
    const io::Json inputs = inputs_record(who, layout.root);
    if (fs::exists(done)) {
        try {
            const auto j = io::read_json(done.string());
            if (j.value("ConfigurationHash", "") == config.hash && j.value("Version", "") == version() && j["Inputs"] == inputs)
                return false;
        } catch (const Error&) {
        }
        fs::remove(done);
    }
    fs::create_directories(dir);
    // A run killed mid-write (SIGKILL, power loss) leaves its atomic writes' temporaries behind:
    // they are never complete outputs, so the rerun removes them before redoing the participant.
    std::vector<fs::path> stale;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename().string().find(".algia-tmp-") != std::string::npos)
            stale.push_back(e.path());
    for (const auto& f : stale) fs::remove(f);
    if (config.atlas.empty())
        throw Error(Kind::usage, fmt::format("{}: no [atlas] image", config.file)).hint("add [atlas] image = \"...\" and labels = \"...\"");
    const auto atlas = io::read_image<float>(config.atlas, ctx);
    std::map<std::int32_t, std::string> names;
    if (!config.labels.empty()) names = io::read_label_table(config.labels);
    std::unique_ptr<signature::Scorer> scorer;
    if (!config.signatures.empty()) {
        std::vector<signature::SignatureSource> sigs;
        for (const auto& [name, path] : config.signatures) sigs.push_back({name, path});
        scorer = std::make_unique<signature::Scorer>(sigs, std::vector<signature::Metric>{signature::Metric::dot}, ctx);
    }
    io::Table measures({"session", "task", "run", "measure", "value"});
    const auto add = [&](const RunFiles& r, const std::string& m, double v) {
        measures.add_row({r.session.empty() ? "n/a" : r.session, r.task, r.run.empty() ? "n/a" : r.run, m, io::format_number(v)});
    };
    for (const auto& r : who.runs) {
        const bool rest = r.task == config.rest_task, heat = r.task == config.heat_task;
        if (!rest && !heat) continue;
        const fs::path outdir = dir / (r.session.empty() ? fs::path("func") : fs::path("ses-" + r.session) / "func");
        fs::create_directories(outdir);
        const std::string stem = stem_of(who, r);
        const auto bold = io::read_image<float>(r.bold, ctx);
        const double tr = tr_of(r, bold);
        signal::ConfoundOptions co;
        co.strategy = config.strategy;
        co.scrub_fd = rest ? config.scrub_fd : std::nullopt;
        if (r.confounds.empty() && config.strategy != "none")
            throw Error(Kind::invalid_input, fmt::format("{}: no fMRIPrep confounds table beside this run", r.bold))
                .hint("copy the run's _desc-confounds_timeseries.tsv beside it, or set [denoise] strategy = \"none\"");
        signal::Confounds conf;
        if (!r.confounds.empty()) conf = signal::load_confounds(r.confounds, co, std::size_t(bold.volumes()));
        if (conf.kept.empty() && r.confounds.empty())
            for (std::size_t i = 0; i < std::size_t(bold.volumes()); ++i) conf.kept.push_back(i);
        double mean_fd = 0;
        int nfd = 0;
        for (double f : conf.fd)
            if (std::isfinite(f)) mean_fd += f, ++nfd;
        mean_fd = nfd ? mean_fd / nfd : std::nan("");
        if (rest) {
            const image::Image<float> mask = r.mask.empty() ? image::Image<float>() : io::read_image<float>(r.mask, ctx);
            const auto rs = signal::label_signals(bold, atlas, mask, ctx);
            signal::CleanOptions cl;
            cl.high_pass = config.high_pass;
            cl.low_pass = config.low_pass;
            cl.t_r = tr;
            cl.standardize = signal::parse_standardize(config.standardize);
            const bool all = conf.kept.size() == std::size_t(bold.volumes());
            const auto ts = signal::clean(rs.signals, conf.values, cl, all ? std::vector<std::size_t>{} : conf.kept);
            std::vector<std::string> cols, nets;
            for (auto l : rs.labels) {
                const std::string n = names.count(l) ? names.at(l) : fmt::format("region{}", l);
                cols.push_back(n);
                nets.push_back(io::network_of(n));
            }
            io::write_table((outdir / (stem + "_timeseries.tsv")).string(), matrix_table(ts, cols));
            io::Table out_t({"volume", "framewise_displacement", "kept", "reason"});
            for (std::size_t v = 0; v < std::size_t(bold.volumes()); ++v)
                out_t.add_row({std::to_string(v), v < conf.fd.size() ? io::format_number(conf.fd[v]) : "n/a",
                               std::binary_search(conf.kept.begin(), conf.kept.end(), v) ? "1" : "0",
                               v < conf.reason.size() && !conf.reason[v].empty() ? conf.reason[v] : "n/a"});
            io::write_table((outdir / (stem + "_outliers.tsv")).string(), out_t);
            const auto conn = connectivity::connectivity({ts}, connectivity::Kind::correlation, connectivity::Estimator::empirical,
                                                         {stem}, ctx);
            const Eigen::MatrixXd& R = conn.matrices[0];
            io::Table rel(std::vector<std::string>{"Node"});
            {
                std::vector<std::string> header{"Node"};
                header.insert(header.end(), cols.begin(), cols.end());
                rel = io::Table(header);
                for (Eigen::Index i = 0; i < R.rows(); ++i) {
                    std::vector<std::string> row{cols[std::size_t(i)]};
                    for (Eigen::Index j = 0; j < R.cols(); ++j) row.push_back(io::format_number(R(i, j)));
                    rel.add_row(std::move(row));
                }
            }
            io::write_table((outdir / (stem + "_desc-correlation_relmat.tsv")).string(), rel);
            io::Table nt({"network_a", "network_b", "n_edges", "mean"});
            double dmn = std::nan("");
            for (const auto& pr : connectivity::network_means(R, nets)) {
                nt.add_row({pr.a, pr.b, std::to_string(pr.n_edges), io::format_number(pr.mean)});
                if (io::is_default_mode(pr.a) && pr.a == pr.b) dmn = pr.mean;
            }
            io::write_table((outdir / (stem + "_desc-networks_connectivity.tsv")).string(), nt);
            add(r, "dmn_within", dmn);
            // Graph measures (as algia connect --graph) of the whole graph and of the default-mode
            // subgraph, weighted, on the strongest [connectivity] density share of positive edges.
            {
                io::Table gt({"graph", "density", "n_nodes", "n_edges", "global_efficiency", "char_path_length",
                              "mean_clustering", "global_efficiency_binary", "mean_clustering_binary"});
                const auto whole = connectivity::make_graph(R, config.graph_density);
                std::vector<int> dmn_nodes;
                for (std::size_t i = 0; i < nets.size(); ++i)
                    if (io::is_default_mode(nets[i])) dmn_nodes.push_back(int(i));
                const auto row = [&](const std::string& name, const connectivity::Graph& g, const std::string& prefix) {
                    const auto m = connectivity::graph_measures(g);
                    gt.add_row({name, io::format_number(config.graph_density), std::to_string(m.n_nodes), std::to_string(m.n_edges),
                                io::format_number(m.global_efficiency_weighted), io::format_number(m.char_path_length_weighted),
                                io::format_number(m.mean_clustering_weighted), io::format_number(m.global_efficiency_binary),
                                io::format_number(m.mean_clustering_binary)});
                    add(r, prefix + "global_efficiency", m.global_efficiency_weighted);
                    add(r, prefix + "mean_clustering", m.mean_clustering_weighted);
                };
                row("whole", whole, "graph_");
                if (dmn_nodes.size() >= 3) row("default_mode", connectivity::subgraph(whole, dmn_nodes), "dmn_graph_");
                io::write_table((outdir / (stem + "_desc-graph_measures.tsv")).string(), gt);
            }
            // Seed-to-voxel Fisher-z maps ([[seed]]), denoised as the region signals.
            if (!config.seeds.empty()) {
                std::vector<signal::Sphere> spheres;
                std::vector<std::string> seed_names;
                for (const auto& sd : config.seeds) {
                    spheres.push_back({sd.x, sd.y, sd.z, sd.radius});
                    seed_names.push_back(sd.name);
                }
                image::Image<float> seed_mask = mask;
                if (seed_mask.empty()) {
                    seed_mask = image::Image<float>(bold.grid(), 1);
                    for (std::int64_t v = 0; v < bold.voxels(); ++v)
                        seed_mask.data()[v] = (std::isfinite(bold.data()[v]) && bold.data()[v] != 0) ? 1.0f : 0.0f;
                }
                const auto maps = signal::seed_maps(bold, spheres, seed_names, seed_mask, conf.values, cl,
                                                    all ? std::vector<std::size_t>{} : conf.kept, true, ctx);
                for (std::size_t k = 0; k < spheres.size(); ++k) {
                    image::Image<float> one(bold.grid(), 1);
                    std::copy(maps.data() + std::int64_t(k) * maps.voxels(), maps.data() + std::int64_t(k + 1) * maps.voxels(), one.data());
                    io::WriteOptions wo;
                    wo.descrip = "algia seedmap (z)";
                    io::write_nifti((outdir / (stem + "_seed-" + seed_names[k] + "_stat-z_seedmap.nii.gz")).string(), one, ctx, wo);
                }
            }
            add(r, "mean_fd", mean_fd);
            add(r, "censored", double(std::size_t(bold.volumes()) - conf.kept.size()));
            io::write_table((outdir / (stem + "_qc.tsv")).string(),
                            [&] {
                                io::Table q({"volumes", "kept", "mean_fd", "regions"});
                                q.add_row({std::to_string(bold.volumes()), std::to_string(conf.kept.size()), io::format_number(mean_fd),
                                           std::to_string(cols.size())});
                                return q;
                            }());
        }
        if (heat && config.glm) {
            if (r.events.empty())
                throw Error(Kind::invalid_input, fmt::format("{}: no events.tsv beside this heat run", r.bold))
                    .hint(fmt::format("copy the raw dataset's {}_events.tsv into the run's folder, or set [glm] enabled = false", stem));
            const auto fl = glm::first_level(glm_options(config, r), outdir.string(), ctx);
            {
                // The run's mean image: the reference the report draws the contrast maps on.
                const std::int64_t nv = bold.grid().voxels(), nt = bold.volumes();
                image::Image<float> mean(bold.grid(), 1);
                for (std::int64_t v = 0; v < nv; ++v) {
                    double sum = 0;
                    for (std::int64_t t = 0; t < nt; ++t) sum += bold.data()[v + t * nv];
                    mean.data()[v] = float(sum / double(nt));
                }
                io::write_nifti((outdir / (fl.prefix + "_desc-mean_bold.nii.gz")).string(), mean, ctx);
            }
            if (scorer) {
                // Signature responses of each contrast's effect map and of each single-trial beta
                // (the rows of algia score --metric dot, the image named without its folder).
                io::Table gs({"image", "volume", "signature", "metric", "score", "n_voxels", "coverage"});
                const auto& sources = scorer->signatures();
                const auto score_file = [&](const std::string& path) {
                    const auto img = io::read_image<float>(path, ctx);
                    const auto rows = scorer->score(img, path, ctx);
                    for (const auto& row : rows)
                        gs.add_row({fs::path(path).filename().string(), std::to_string(row.volume), sources[row.signature].name,
                                    signature::metric_name(row.metric), io::format_number(row.score), std::to_string(row.n_voxels),
                                    io::format_number(row.coverage)});
                    return rows;
                };
                const auto contrasts = glm_options(config, r).contrasts;
                for (std::size_t k = 0; k < fl.effect_maps.size(); ++k) {
                    if (fl.effect_maps[k].empty()) continue;
                    for (const auto& row : score_file(fl.effect_maps[k]))
                        add(r, fmt::format("glm_{}_{}", contrasts[k].first, sources[row.signature].name), row.score);
                }
                if (!fl.betas.empty()) {
                    std::map<std::size_t, std::pair<double, int>> mean;
                    for (const auto& row : score_file(fl.betas)) {
                        mean[row.signature].first += row.score;
                        ++mean[row.signature].second;
                    }
                    for (const auto& [sig, m] : mean) add(r, fmt::format("trials_{}_mean", sources[sig].name), m.first / m.second);
                }
                io::write_table((outdir / (fl.prefix + "_desc-signatures_scores.tsv")).string(), gs);
            }
        }
        if (heat && scorer) {
            if (r.events.empty())
                throw Error(Kind::invalid_input, fmt::format("{}: no events.tsv beside this heat run", r.bold))
                    .hint(fmt::format("copy the raw dataset's {}_events.tsv into the run's folder", stem));
            const auto events = io::read_table(r.events);
            const auto rows = scorer->score(bold, stem, ctx);
            std::map<std::string, std::vector<double>> expr;
            const auto& sources = scorer->signatures();
            for (const auto& row : rows) expr[sources[row.signature].name].push_back(row.score);
            io::Table st({"volume", "signature", "expression"});
            for (const auto& row : rows)
                st.add_row({std::to_string(row.volume), sources[row.signature].name, io::format_number(row.score)});
            io::write_table((outdir / (stem + "_desc-signatures_timeseries.tsv")).string(), st);
            const std::size_t first = conf.kept.empty() ? 0 : conf.kept.front();
            for (const auto& [sig, values] : expr) add(r, "signature_" + sig, evoked_response(values, events, tr, first));
            add(r, "mean_fd_heat", mean_fd);
        }
    }
    // Grey-matter region means (the roi kernel, atlas placed on the map's grid by nearest neighbour),
    // per region and per network (voxel-weighted).
    for (const auto& a : who.anat) {
        const auto gm = io::read_image<float>(a.gm, ctx);
        roi::RegionDefinition def;
        def.atlas = atlas;
        def.labels = roi::atlas_labels(atlas, config.atlas);
        const auto regions = roi::place_regions(def, gm.grid(), nullptr, ctx);
        const Eigen::MatrixXd means = roi::region_stats(gm, regions, roi::Stat::mean);
        const auto counts = regions.counts();
        io::Table gt({"label", "region", "network", "mean", "n_voxels"});
        std::map<std::string, std::pair<double, std::int64_t>> networks;
        RunFiles where;
        where.session = a.session;
        where.task = "anat";
        for (std::size_t k = 0; k < def.labels.size(); ++k) {
            const std::int32_t l = def.labels[k];
            const std::string n = names.count(l) ? names.at(l) : fmt::format("region{}", l);
            const std::string net = io::network_of(n);
            const double m = means(0, Eigen::Index(k));
            gt.add_row({std::to_string(l), n, net.empty() ? "n/a" : net, io::format_number(m), std::to_string(counts[k])});
            if (counts[k] == 0) continue;
            add(where, "gm_" + n, m);
            if (!net.empty()) {
                networks[net].first += m * double(counts[k]);
                networks[net].second += counts[k];
            }
        }
        for (const auto& [net, sum] : networks) add(where, "gm_" + net, sum.first / double(sum.second));
        const fs::path anatdir = dir / (a.session.empty() ? fs::path("anat") : fs::path("ses-" + a.session) / "anat");
        fs::create_directories(anatdir);
        std::string stem = "sub-" + who.label + (a.session.empty() ? "" : "_ses-" + a.session);
        io::write_table((anatdir / (stem + "_space-" + config.space + "_label-GM_desc-regions_means.tsv")).string(), gt);
    }
    io::write_table((dir / ("sub-" + who.label + "_desc-measures.tsv")).string(), measures);
    io::write_json(done.string(), io::Json{{"Participant", who.label},
                                           {"Version", version()},
                                           {"ConfigurationHash", config.hash},
                                           {"Inputs", inputs}});
    return true;
}

std::vector<Measure> read_measures(const std::string& output_dir, const std::string& label) {
    const fs::path p = fs::path(output_dir) / ("sub-" + label) / ("sub-" + label + "_desc-measures.tsv");
    const auto t = io::read_table(p.string());
    std::vector<Measure> out;
    const auto ses = t.strings("session"), name = t.strings("measure");
    const auto v = t.numeric("value");
    for (std::size_t i = 0; i < t.rows(); ++i) out.push_back({ses[i] == "n/a" ? "" : ses[i], name[i], v[i]});
    return out;
}

}  // namespace algia::pipeline
