// Group level of the BIDS App: one table of participants x measures, then the configured models.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "algia/core/error.hpp"
#include "algia/io/file.hpp"
#include "algia/io/labels.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/json.hpp"
#include "algia/io/tsv.hpp"
#include "algia/mediation/bootstrap.hpp"
#include "algia/mediation/table.hpp"
#include "algia/pipeline/participant.hpp"
#include "algia/signal/regions.hpp"
#include "algia/stats/design.hpp"
#include "algia/stats/glm.hpp"
#include "algia/trial/lmm.hpp"
#include "algia/trial/lmm_tables.hpp"
#include "algia/trial/proportions.hpp"

namespace algia::pipeline {

namespace fs = std::filesystem;

namespace {

std::string bare(const std::string& id) { return id.rfind("sub-", 0) == 0 ? id.substr(4) : id; }

// Rethrows an error found while running a configured model with the configuration line in front.
template <class F>
void with_origin(const Origin& origin, const std::string& what, F&& f) {
    try {
        f();
    } catch (const Error& e) {
        throw Error(e.kind(), fmt::format("{}: {}: {}", origin.where(), what, e.what())).hint("fix the model in the configuration");
    }
}


// Pearson correlation of two equally long series and its two-sided p (t with n - 2 df, as
// scipy.stats.pearsonr); NaN when either has no variance.
std::pair<double, double> pearson(const std::vector<double>& x, const std::vector<double>& y) {
    const std::size_t n = x.size();
    double mx = 0, my = 0;
    for (std::size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
    mx /= double(n);
    my /= double(n);
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (!(sxx > 0) || !(syy > 0) || n < 3) return {std::nan(""), std::nan("")};
    const double r = std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
    const double df = double(n) - 2;
    if (std::fabs(r) >= 1) return {r, 0.0};
    const double t = r * std::sqrt(df / (1 - r * r));
    return {r, std::min(1.0, 2 * stats::t_sf(std::fabs(t), df))};
}

// QC-FC (Power et al. 2014; Ciric et al. 2017): across participants, per session, the correlation of
// each rest connectivity edge with mean framewise displacement; the summary gives the median
// |r|, the share of edges with p < 0.05 before and after BH FDR, and the correlation of QC-FC with
// the distance between the regions' centroids.
void qcfc(const Config& config, const Layout& layout, const std::vector<std::string>& labels,
          std::map<std::string, std::map<std::string, double>>& values, const fs::path& gdir, const Context& ctx) {
    io::Table edges({"session", "edge", "region_a", "region_b", "distance_mm", "n", "r", "p", "p_fdr"});
    io::Table summary({"session", "n", "edges", "median_abs_r", "percent_p05", "percent_fdr05", "distance_r", "distance_p"});
    std::map<std::string, Eigen::Vector3d> where;
    if (!config.atlas.empty())
        where = signal::label_centroids(io::read_image<float>(config.atlas, ctx),
                                        config.labels.empty() ? std::map<std::int32_t, std::string>{} : io::read_label_table(config.labels));
    bool any = false;
    for (const auto& ses : layout.sessions) {
        std::vector<std::string> regions;
        std::vector<Eigen::MatrixXd> mats;
        std::vector<double> fd;
        for (const auto& label : labels) {
            const ParticipantFiles* who = nullptr;
            for (const auto& p : layout.participants)
                if (p.label == label) who = &p;
            Eigen::MatrixXd sum;
            int runs = 0;
            for (const auto& r : who->runs) {
                if (r.task != config.rest_task || r.session != ses) continue;
                std::string stem = "sub-" + label + (ses.empty() ? "" : "_ses-" + ses) + "_task-" + r.task + (r.run.empty() ? "" : "_run-" + r.run);
                const fs::path f = fs::path(gdir).parent_path() / ("sub-" + label) / (ses.empty() ? fs::path("func") : fs::path("ses-" + ses) / "func") /
                                   (stem + "_desc-correlation_relmat.tsv");
                if (!fs::exists(f)) continue;
                const auto t = io::read_table(f.string());
                std::vector<std::string> cols(t.columns().begin() + 1, t.columns().end());
                if (regions.empty()) regions = cols;
                if (cols != regions)
                    throw Error(Kind::invalid_input, fmt::format("{}: other regions than the other participants' matrices", f.string()))
                        .hint("rerun the participant level with one atlas for everyone");
                Eigen::MatrixXd m(Eigen::Index(cols.size()), Eigen::Index(cols.size()));
                for (std::size_t c = 0; c < cols.size(); ++c) {
                    const auto v = t.numeric(cols[c]);
                    for (std::size_t i = 0; i < v.size(); ++i) m(Eigen::Index(i), Eigen::Index(c)) = v[i];
                }
                sum = runs ? Eigen::MatrixXd(sum + m) : m;
                ++runs;
            }
            const auto it = values[label].find(ses.empty() ? "mean_fd" : "mean_fd_" + ses);
            if (!runs || it == values[label].end() || !std::isfinite(it->second)) continue;
            mats.push_back(sum / double(runs));
            fd.push_back(it->second);
        }
        if (mats.size() < 3) continue;
        any = true;
        const std::size_t R = regions.size();
        std::vector<double> rs, ps, dist;
        std::vector<std::pair<std::size_t, std::size_t>> pairs;
        for (std::size_t a = 0; a < R; ++a)
            for (std::size_t b = a + 1; b < R; ++b) {
                std::vector<double> e;
                for (const auto& m : mats) e.push_back(m(Eigen::Index(a), Eigen::Index(b)));
                bool finite = true;
                for (double v : e) finite = finite && std::isfinite(v);
                const auto [r, p] = finite ? pearson(fd, e) : std::pair<double, double>{std::nan(""), std::nan("")};
                pairs.push_back({a, b});
                rs.push_back(r);
                ps.push_back(p);
                const auto wa = where.find(regions[a]), wb = where.find(regions[b]);
                dist.push_back(wa != where.end() && wb != where.end() ? (wa->second - wb->second).norm() : std::nan(""));
            }
        // BH over the edges with a p value.
        std::vector<std::size_t> ok;
        for (std::size_t k = 0; k < ps.size(); ++k)
            if (std::isfinite(ps[k])) ok.push_back(k);
        Eigen::VectorXd pv(Eigen::Index(ok.size()));
        for (std::size_t k = 0; k < ok.size(); ++k) pv[Eigen::Index(k)] = ps[ok[k]];
        const Eigen::VectorXd q = ok.empty() ? Eigen::VectorXd() : stats::fdr_bh(pv);
        std::vector<double> fdr(ps.size(), std::nan(""));
        for (std::size_t k = 0; k < ok.size(); ++k) fdr[ok[k]] = q[Eigen::Index(k)];
        const std::string sname = ses.empty() ? "n/a" : ses;
        for (std::size_t k = 0; k < pairs.size(); ++k) {
            const auto fmtv = [](double v) { return std::isfinite(v) ? io::format_number(v) : std::string("n/a"); };
            edges.add_row({sname, regions[pairs[k].first] + "--" + regions[pairs[k].second], regions[pairs[k].first], regions[pairs[k].second],
                           fmtv(dist[k]), std::to_string(mats.size()), fmtv(rs[k]), fmtv(ps[k]), fmtv(fdr[k])});
        }
        std::vector<double> absr, rd, dd;
        std::size_t p05 = 0, q05 = 0;
        for (std::size_t k : ok) {
            absr.push_back(std::fabs(rs[k]));
            p05 += ps[k] < 0.05;
            q05 += fdr[k] < 0.05;
            if (std::isfinite(dist[k])) rd.push_back(rs[k]), dd.push_back(dist[k]);
        }
        double median = std::nan("");
        if (!absr.empty()) {
            std::sort(absr.begin(), absr.end());
            const std::size_t n = absr.size();
            median = n % 2 ? absr[n / 2] : 0.5 * (absr[n / 2 - 1] + absr[n / 2]);
        }
        const auto [dr, dp] = rd.size() >= 3 ? pearson(rd, dd) : std::pair<double, double>{std::nan(""), std::nan("")};
        const auto fmtv = [](double v) { return std::isfinite(v) ? io::format_number(v) : std::string("n/a"); };
        const double ne = double(ok.size());
        summary.add_row({sname, std::to_string(mats.size()), std::to_string(ok.size()), fmtv(median), fmtv(ne > 0 ? 100.0 * double(p05) / ne : std::nan("")),
                         fmtv(ne > 0 ? 100.0 * double(q05) / ne : std::nan("")), fmtv(dr), fmtv(dp)});
    }
    if (!any) return;
    io::write_table((gdir / "qcfc.tsv").string(), edges);
    io::write_table((gdir / "qcfc_summary.tsv").string(), summary);
}


// One-sample group maps of each heat contrast per session: the participants' effect maps (voxels
// non-zero and finite in every map) -> mean effect and t (stats::glm_t with a constant design).
void group_maps(const Config& config, const Layout& layout, const std::vector<std::string>& labels, const fs::path& gdir,
                const Context& ctx) {
    if (!config.glm) return;
    std::map<std::string, std::vector<std::string>> files;  // "ses-X_contrast-Y" -> effect maps
    for (const auto& label : labels)
        for (const auto& ses : layout.sessions) {
            const fs::path func = gdir.parent_path() / ("sub-" + label) / (ses.empty() ? fs::path("func") : fs::path("ses-" + ses) / "func");
            if (!fs::is_directory(func)) continue;
            std::vector<fs::path> found;
            const std::string tail = "_stat-effect_statmap.nii.gz";
            const std::string head = "sub-" + label + (ses.empty() ? "" : "_ses-" + ses) + "_task-" + config.heat_task + "_";
            for (const auto& e : fs::directory_iterator(func)) {
                const std::string n = e.path().filename().string();
                if (n.rfind(head, 0) == 0 && n.find("_run-") == std::string::npos && n.size() > tail.size() &&
                    n.compare(n.size() - tail.size(), tail.size(), tail) == 0)
                    found.push_back(e.path());
            }
            std::sort(found.begin(), found.end());
            for (const auto& f : found) {
                const std::string n = f.filename().string();
                const auto c = n.find("_contrast-");
                const std::string tail = "_stat-effect_statmap.nii.gz";
                const std::string contrast = n.substr(c + 10, n.size() - tail.size() - (c + 10));
                files[(ses.empty() ? std::string() : "ses-" + ses + "_") + "task-" + config.heat_task + "_contrast-" + contrast].push_back(f.string());
            }
        }
    for (const auto& entry : files) {
        const std::string& key = entry.first;
        const std::vector<std::string>& list = entry.second;
        if (list.size() < 3) continue;
        std::vector<image::Image<float>> maps;
        for (const auto& f : list) maps.push_back(io::read_image<float>(f, ctx));
        const auto& grid = maps[0].grid();
        bool same = true;
        for (const auto& m : maps) same = same && m.grid().same_as(grid) && m.volumes() == 1;
        if (!same) continue;  // participants on other grids: no voxelwise group map
        std::vector<std::int64_t> voxels;
        for (std::int64_t v = 0; v < grid.voxels(); ++v) {
            bool in = true;
            for (const auto& m : maps) in = in && std::isfinite(m.data()[v]) && m.data()[v] != 0;
            if (in) voxels.push_back(v);
        }
        if (voxels.empty()) continue;
        Eigen::MatrixXd Y(Eigen::Index(maps.size()), Eigen::Index(voxels.size()));
        for (std::size_t i = 0; i < maps.size(); ++i)
            for (std::size_t j = 0; j < voxels.size(); ++j) Y(Eigen::Index(i), Eigen::Index(j)) = maps[i].data()[voxels[j]];
        const auto t = stats::glm_t(Eigen::MatrixXd::Ones(Y.rows(), 1), Y, Eigen::VectorXd::Ones(1));
        const auto write = [&](const std::string& stat, const Eigen::VectorXd& values) {
            image::Image<float> img(grid, 1);
            std::fill(img.data(), img.data() + img.size(), 0.0f);
            for (std::size_t j = 0; j < voxels.size(); ++j) img.data()[voxels[j]] = float(values[Eigen::Index(j)]);
            io::WriteOptions wo;
            wo.descrip = fmt::format("algia group one-sample n={} df={}", maps.size(), t.df);
            io::write_nifti((gdir / (key + "_stat-" + stat + "_statmap.nii.gz")).string(), img, ctx, wo);
        };
        write("effect", t.effect);
        write("t", t.t);
        // The participants' mean images averaged: the reference the report draws the map on.
        image::Image<float> ref(grid, 1);
        std::fill(ref.data(), ref.data() + ref.size(), 0.0f);
        int nref = 0;
        for (const auto& f : list) {
            const std::string mp = f.substr(0, f.find("_contrast-")) + "_desc-mean_bold.nii.gz";
            if (!fs::exists(mp)) continue;
            const auto m = io::read_image<float>(mp, ctx);
            if (!m.grid().same_as(grid)) continue;
            for (std::int64_t v = 0; v < grid.voxels(); ++v) ref.data()[v] += m.data()[v];
            ++nref;
        }
        if (nref) {
            for (std::int64_t v = 0; v < grid.voxels(); ++v) ref.data()[v] /= float(nref);
            io::write_nifti((gdir / (key.substr(0, key.find("_contrast-")) + "_desc-mean_bold.nii.gz")).string(), ref, ctx);
        }
    }
}

// Session level labels of the long table: the ses- labels when they sort in the configured order
// (design.hpp and lmm code text factors in sorted order, the first the reference), otherwise
// prefixed with their position ("1_pre", "2_post") so that the first session stays the reference.
std::vector<std::string> session_levels(const std::vector<std::string>& sessions) {
    if (std::is_sorted(sessions.begin(), sessions.end())) return sessions;
    const int width = int(std::to_string(sessions.size()).size());
    std::vector<std::string> out;
    for (std::size_t k = 0; k < sessions.size(); ++k) out.push_back(fmt::format("{:0{}}_{}", k + 1, width, sessions[k]));
    return out;
}

// Identifier-like words of a formula (candidate column names).
std::set<std::string> formula_words(const std::string& f) {
    std::set<std::string> out;
    std::string cur;
    for (char ch : f + " ") {
        if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.') {
            cur += ch;
        } else {
            if (!cur.empty()) out.insert(cur);
            cur.clear();
        }
    }
    return out;
}

// The long table of one [[mixed_model]]: one row per participant x session with id, session, visit
// (when the formula names it: the session's position as a number), the outcome (outcome_<ses> of
// the group table, n/a when missing) and the participants columns and measures the formula names.
io::Table mixed_long_table(const MixedModel& m, const io::Table& wide, const std::vector<std::string>& labels,
                           const std::vector<std::string>& sessions, const io::Table& participants, const std::string& id_column,
                           const std::string& group_table) {
    if (sessions.size() < 2 || sessions[0].empty())
        throw Error(Kind::invalid_input, "a mixed model over sessions needs two or more sessions (ses- labels)")
            .hint("use a [[model]] for a single-session study");
    std::vector<std::string> outcome_cols;
    bool any = false;
    for (const auto& ses : sessions) {
        outcome_cols.push_back(m.outcome + "_" + ses);
        any = any || wide.has(outcome_cols.back());
    }
    if (!any) {
        std::set<std::string> families;
        for (const auto& c : wide.columns())
            for (const auto& ses : sessions) {
                const std::string suffix = "_" + ses;
                if (c.size() > suffix.size() && c.compare(c.size() - suffix.size(), suffix.size(), suffix) == 0)
                    families.insert(c.substr(0, c.size() - suffix.size()));
            }
        // The closest family names first (edit distance).
        const auto distance = [](const std::string& a, const std::string& b) {
            std::vector<std::size_t> d(b.size() + 1);
            for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
            for (std::size_t i = 1; i <= a.size(); ++i) {
                std::size_t diag = d[0];
                d[0] = i;
                for (std::size_t j = 1; j <= b.size(); ++j) {
                    const std::size_t up = d[j];
                    d[j] = std::min({d[j] + 1, d[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
                    diag = up;
                }
            }
            return d[b.size()];
        };
        std::vector<std::string> near(families.begin(), families.end());
        std::stable_sort(near.begin(), near.end(),
                         [&](const std::string& a, const std::string& b) { return distance(m.outcome, a) < distance(m.outcome, b); });
        if (near.size() > 8) near.resize(8);
        throw Error(Kind::invalid_input, fmt::format("outcome '{}': {} has no column {} for any session", m.outcome, group_table,
                                                     fmt::join(outcome_cols, " / ")))
            .hint(fmt::format("outcome is a column family without the _<session> suffix ({} families; the closest: {})", families.size(),
                              fmt::join(near, ", ")));
    }
    const auto words = formula_words(m.formula + " " + m.random);
    // visit: the session's position (0, 1, ...) as a number, for time trends and random slopes.
    const bool visit = words.count("visit") && !participants.has("visit") && !wide.has("visit");
    const std::set<std::string> reserved = {"id", "session", m.outcome};
    std::vector<std::string> covs;
    for (const auto& w : words) {
        if (reserved.count(w) || (visit && w == "visit")) continue;
        if (participants.has(w)) covs.push_back(w);
        else if (wide.has(w)) covs.push_back(w);  // a participant-level measure used as a covariate (e.g. dmn_within_pre)
        else if (!(std::isdigit(static_cast<unsigned char>(w[0])) || w[0] == '.') && w != "C")
            throw Error(Kind::invalid_input, fmt::format("'{}' (in formula = '{}' / random = '{}') is neither a participants column nor a "
                                                         "measure of {}", w, m.formula, m.random, group_table))
                .hint("the long table has id, session (categorical), visit (the session's position 0, 1, ... as a number) and the "
                      "outcome; other variables come from the participants table (e.g. arm, age)");
    }
    for (const auto& name : {std::string("session"), m.outcome})
        if (participants.has(name))
            throw Error(Kind::invalid_input, fmt::format("the participants table has a column '{}', which the long table of the mixed model needs for itself", name))
                .hint("rename that column");
    std::vector<std::string> cols = {"id", "session"};
    if (visit) cols.push_back("visit");
    cols.insert(cols.end(), covs.begin(), covs.end());
    cols.push_back(m.outcome);
    io::Table out(cols);
    out.set_source(fmt::format("the long table of mixed model '{}'", m.name));
    const auto levels = session_levels(sessions);
    std::vector<std::vector<std::string>> cov_cells;
    for (const auto& c : covs) cov_cells.push_back(wide.strings(c));
    std::vector<std::string> outcome_cells_empty(labels.size(), "n/a");
    std::vector<std::vector<std::string>> ys;
    for (const auto& c : outcome_cols) ys.push_back(wide.has(c) ? wide.strings(c) : outcome_cells_empty);
    for (std::size_t r = 0; r < labels.size(); ++r)
        for (std::size_t s = 0; s < sessions.size(); ++s) {
            std::vector<std::string> row = {labels[r], levels[s]};
            if (visit) row.push_back(std::to_string(s));
            for (const auto& cc : cov_cells) row.push_back(cc[r]);
            row.push_back(ys[s][r].empty() ? "n/a" : ys[s][r]);
            out.add_row(std::move(row));
        }
    // Participants of the table without participant-level output (no images, or not processed) still
    // count when the outcome and covariates are participants columns (a clinical outcome: every
    // randomised participant); brain measures are n/a for them, so such rows drop out of brain models.
    const std::set<std::string> have(labels.begin(), labels.end());
    const auto ids = participants.strings(id_column);
    for (std::size_t pr = 0; pr < participants.rows(); ++pr) {
        const std::string label = bare(ids[pr]);
        if (have.count(label)) continue;
        const auto cell = [&](const std::string& column) {
            if (!participants.has(column)) return std::string("n/a");
            const std::string v = participants.cell(pr, participants.index(column));
            return v.empty() ? std::string("n/a") : v;
        };
        for (std::size_t s = 0; s < sessions.size(); ++s) {
            std::vector<std::string> row = {label, levels[s]};
            if (visit) row.push_back(std::to_string(s));
            for (const auto& c : covs) row.push_back(cell(c));
            row.push_back(cell(outcome_cols[s]));
            out.add_row(std::move(row));
        }
    }
    return out;
}

}  // namespace

void run_group(const Config& config, const Layout& layout, const std::string& output_dir, const Context& ctx) {
    const std::string participants_path =
        config.participants.empty() ? (fs::path(layout.root) / "participants.tsv").string() : config.participants;
    if (!fs::exists(participants_path))
        throw Error(Kind::invalid_input, fmt::format("{}: no participants table", participants_path))
            .hint(fmt::format("set [study] participants in {}", config.file));
    const io::Table participants = io::read_table(participants_path);
    if (!participants.has(config.id_column))
        throw Error(Kind::invalid_input, fmt::format("{}: no column '{}' (the participant id, [columns] id in {})", participants_path,
                                                     config.id_column, config.file))
            .hint(fmt::format("the table's columns are: {}", fmt::join(participants.columns(), ", ")));
    const auto ids = participants.strings(config.id_column);
    std::map<std::string, std::size_t> row_of;
    for (std::size_t r = 0; r < ids.size(); ++r) row_of[bare(ids[r])] = r;

    // Participants with complete participant-level output.
    std::vector<std::string> labels, missing_output, not_in_table;
    for (const auto& p : layout.participants) {
        const fs::path done = fs::path(output_dir) / ("sub-" + p.label) / ("sub-" + p.label + "_desc-done.json");
        if (!fs::exists(done)) {
            missing_output.push_back(p.label);
            continue;
        }
        if (!row_of.count(p.label)) {
            not_in_table.push_back(p.label);
            continue;
        }
        labels.push_back(p.label);
    }
    if (!not_in_table.empty())
        throw Error(Kind::invalid_input, fmt::format("{}: no row for participant(s) {} whose images were processed", participants_path,
                                                     fmt::join(not_in_table, ", ")))
            .hint("add them to the participants table, or rerun without them (--participant-label)");
    if (!missing_output.empty())
        std::fprintf(stderr, "algia group: no complete participant-level output for %s; left out of the group level\n",
                     fmt::format("{}", fmt::join(missing_output, ", ")).c_str());
    std::vector<std::string> no_images;
    for (const auto& id : ids) {
        bool found = false;
        for (const auto& p : layout.participants) found = found || p.label == bare(id);
        if (!found) no_images.push_back(bare(id));
    }
    if (!no_images.empty())
        std::fprintf(stderr, "algia group: participants in %s without images: %s (kept in the table, without brain measures)\n",
                     participants_path.c_str(), fmt::format("{}", fmt::join(no_images, ", ")).c_str());
    if (labels.size() < 3)
        throw Error(Kind::invalid_input, fmt::format("only {} participant(s) have participant-level output", labels.size()))
            .hint("run the participant level first: algia FMRIPREP OUTPUT participant --config ...");

    // Wide table: participants columns + measure_session (+ measure_change) per participant, averaged
    // over runs of one session.
    std::map<std::string, std::map<std::string, double>> values;  // label -> column -> value
    std::set<std::string> measure_names;
    for (const auto& label : labels) {
        std::map<std::string, std::pair<double, int>> acc;
        for (const auto& m : read_measures(output_dir, label)) {
            const std::string col = m.session.empty() ? m.name : m.name + "_" + m.session;
            measure_names.insert(m.name);
            if (std::isfinite(m.value)) acc[col].first += m.value, acc[col].second += 1;
        }
        for (const auto& [col, s] : acc) values[label][col] = s.second ? s.first / s.second : std::nan("");
    }
    std::vector<std::string> columns = participants.columns();
    std::vector<std::string> added;
    const auto& sessions = layout.sessions;
    for (const auto& m : measure_names) {
        if (sessions.size() == 1 && sessions[0].empty()) {
            added.push_back(m);
        } else {
            for (const auto& s : sessions) added.push_back(m + "_" + s);
        }
    }
    // Change scores: any column present for the first and the last session.
    std::vector<std::string> change_of;
    if (sessions.size() >= 2) {
        std::set<std::string> bases;
        const auto consider = [&](const std::string& col) {
            const std::string suffix = "_" + sessions.front();
            if (col.size() > suffix.size() && col.compare(col.size() - suffix.size(), suffix.size(), suffix) == 0) {
                const std::string base = col.substr(0, col.size() - suffix.size());
                const std::string last = base + "_" + sessions.back();
                if (std::find(columns.begin(), columns.end(), last) != columns.end() ||
                    std::find(added.begin(), added.end(), last) != added.end())
                    bases.insert(base);
            }
        };
        for (const auto& c : columns) consider(c);
        for (const auto& c : added) consider(c);
        change_of.assign(bases.begin(), bases.end());
    }
    std::vector<std::string> header = columns;
    for (const auto& c : added)
        if (std::find(header.begin(), header.end(), c) == header.end()) header.push_back(c);
    // Only numeric columns get change scores (text columns such as free-text causes do not).
    {
        std::vector<std::string> numeric_bases;
        for (const auto& b : change_of) {
            bool numeric = true;
            for (const std::string& col : {b + "_" + sessions.front(), b + "_" + sessions.back()})
                if (participants.has(col)) {
                    try {
                        (void)participants.numeric(col);
                    } catch (const Error&) {
                        numeric = false;
                    }
                }
            if (numeric) numeric_bases.push_back(b);
        }
        change_of = numeric_bases;
    }
    for (const auto& b : change_of)
        if (std::find(header.begin(), header.end(), b + "_change") == header.end()) header.push_back(b + "_change");
    io::Table table(header);
    for (const auto& label : labels) {
        const std::size_t r = row_of[label];
        std::vector<std::string> row;
        std::map<std::string, double> numeric;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            row.push_back(participants.cell(r, c));
            char* end = nullptr;
            const std::string& cell = participants.cell(r, c);
            const double v = std::strtod(cell.c_str(), &end);
            numeric[columns[c]] = (!cell.empty() && end && *end == '\0') ? v : std::nan("");
        }
        for (const auto& c : added) {
            if (std::find(columns.begin(), columns.end(), c) != columns.end()) continue;
            const auto it = values[label].find(c);
            const double v = it == values[label].end() ? std::nan("") : it->second;
            numeric[c] = v;
            row.push_back(std::isfinite(v) ? io::format_number(v) : "n/a");
        }
        for (const auto& b : change_of) {
            const double v = numeric[b + "_" + sessions.back()] - numeric[b + "_" + sessions.front()];
            row.push_back(std::isfinite(v) ? io::format_number(v) : "n/a");
        }
        table.add_row(std::move(row));
    }
    table.set_source((fs::path(output_dir) / "group" / "group_table.tsv").string());
    const fs::path gdir = fs::path(output_dir) / "group";
    fs::create_directories(gdir);
    io::write_table((gdir / "group_table.tsv").string(), table);

    qcfc(config, layout, labels, values, gdir, ctx);
    group_maps(config, layout, labels, gdir, ctx);

    // Group models: outcome ~ formula, the contrast tested parametrically and by permutation.
    io::Table models({"model", "outcome", "formula", "contrast", "n", "estimate", "se", "t", "df", "p", "p_permutation", "permutations"});
    for (const auto& m : config.models) {
        with_origin(m.origin, fmt::format("model '{}'", m.name), [&] {
            const auto d = stats::design_from_formula(table, m.formula);
            const auto y = mediation::column_values(table, m.outcome, "outcome");
            std::vector<std::size_t> used;
            for (std::size_t k = 0; k < d.rows.size(); ++k)
                if (std::isfinite(y[d.rows[k]])) used.push_back(k);
            if (used.size() < std::size_t(d.X.cols()) + 2)
                throw Error(Kind::invalid_input, fmt::format("{} complete rows for {} design columns", used.size(), d.X.cols()));
            Eigen::MatrixXd X(Eigen::Index(used.size()), d.X.cols());
            Eigen::MatrixXd Y(Eigen::Index(used.size()), 1);
            for (std::size_t k = 0; k < used.size(); ++k) {
                X.row(Eigen::Index(k)) = d.X.row(Eigen::Index(used[k]));
                Y(Eigen::Index(k), 0) = y[d.rows[used[k]]];
            }
            const std::string cname = m.contrast.empty() ? d.columns.back() : m.contrast;
            const Eigen::VectorXd c = stats::parse_contrast(cname, d.columns);
            stats::PermutationOptions po;
            po.permutations = config.permutations;
            po.seed = config.seed;
            po.two_sided = true;
            stats::PermutationResult r;
            if (config.permutations > 0) r = stats::permutation_test(X, Y, c, po, ctx);
            else r.observed = stats::glm_t(X, Y, c);
            const double t = r.observed.t[0], df = r.observed.df;
            models.add_row({m.name, m.outcome, m.formula, cname, std::to_string(used.size()), io::format_number(r.observed.effect[0]),
                            io::format_number(std::sqrt(r.observed.variance[0])), io::format_number(t), io::format_number(df),
                            io::format_number(std::min(1.0, 2 * stats::t_sf(std::fabs(t), df))),
                            config.permutations > 0 ? io::format_number(r.p_uncorrected[0]) : "n/a",
                            std::to_string(config.permutations)});
        });
    }
    io::write_table((gdir / "models.tsv").string(), models);

    // Mixed models over sessions: the long table, the fit as algia trial lmm, and tidy tables of all.
    if (!config.mixed_models.empty()) {
        io::Table fixed({"model", "outcome", "term", "estimate", "se", "df", "t", "p", "ci_low", "ci_high"});
        io::Table anova({"model", "outcome", "term", "sum_sq", "mean_sq", "num_df", "den_df", "F", "p"});
        io::Table emms({"model", "outcome", "spec", "levels", "estimate", "se", "df", "t", "p"});
        io::Table contrasts({"model", "outcome", "spec", "contrast", "at", "estimate", "se", "df", "t", "p"});
        std::vector<std::pair<std::string, io::Table>> pending;  // written once every model has been fitted
        for (const auto& m : config.mixed_models) {
            with_origin(m.origin, fmt::format("mixed model '{}'", m.name), [&] {
                const io::Table long_table = mixed_long_table(m, table, labels, layout.sessions, participants, config.id_column, table.source());
                const std::string formula = m.outcome + " " + m.formula + " + " + m.random;
                const trial::LmmFit fit = trial::fit_lmm(long_table, formula, {m.reml, &ctx});
                std::vector<std::string> specs = m.emmeans;
                if (specs.empty()) {
                    const auto words = formula_words(m.formula);
                    const bool arm = !config.arm_column.empty() && words.count(config.arm_column);
                    if (words.count("session")) specs.push_back(arm ? config.arm_column + ":session" : "session");
                }
                std::vector<trial::Emmeans> ems;
                for (const auto& spec : specs) ems.push_back(trial::emmeans(fit, spec));
                std::vector<trial::FTestResult> f;
                try {
                    f = trial::anova_type3(fit);
                } catch (const Error& e) {
                    if (e.kind() != Kind::unsupported) throw;
                }
                const auto t = trial::lmm_tables(fit, f, ems, specs, formula, long_table.rows());
                const std::string prefix = (gdir / ("mixed_model-" + m.name)).string();
                pending.push_back({prefix + "_long.tsv", long_table});
                pending.push_back({prefix + "_fixed.tsv", t.fixed});
                pending.push_back({prefix + "_anova.tsv", t.anova});
                pending.push_back({prefix + "_random.tsv", t.random});
                pending.push_back({prefix + "_model.tsv", t.model});
                if (!ems.empty()) {
                    pending.push_back({prefix + "_emmeans.tsv", t.emmeans});
                    pending.push_back({prefix + "_contrasts.tsv", t.contrasts});
                }
                for (Eigen::Index j = 0; j < fit.beta.size(); ++j) {
                    const double q = std::isfinite(fit.df[j]) && fit.df[j] > 0 ? boost::math::quantile(boost::math::students_t(fit.df[j]), 0.975) : std::nan("");
                    const auto fmtv = [](double v) { return std::isfinite(v) ? io::format_number(v) : std::string("n/a"); };
                    fixed.add_row({m.name, m.outcome, fit.columns[std::size_t(j)], io::format_number(fit.beta[j]), io::format_number(fit.se[j]),
                                   fmtv(fit.df[j]), fmtv(fit.t[j]), fmtv(fit.p[j]), fmtv(fit.beta[j] - q * fit.se[j]),
                                   fmtv(fit.beta[j] + q * fit.se[j])});
                }
                const auto prepend = [&](const io::Table& from, io::Table& to) {
                    for (std::size_t r = 0; r < from.rows(); ++r) {
                        std::vector<std::string> row = {m.name, m.outcome};
                        for (std::size_t c = 0; c < from.cols(); ++c) row.push_back(from.cell(r, c));
                        to.add_row(std::move(row));
                    }
                };
                prepend(t.anova, anova);
                prepend(t.emmeans, emms);
                prepend(t.contrasts, contrasts);
                if (fit.singular)
                    std::fprintf(stderr, "algia group: mixed model '%s': boundary (singular) fit; see mixed_model-%s_random.tsv\n",
                                 m.name.c_str(), m.name.c_str());
            });
        }
        for (const auto& [path, t] : pending) io::write_table(path, t);
        io::write_table((gdir / "mixed_models.tsv").string(), fixed);
        io::write_table((gdir / "mixed_models_anova.tsv").string(), anova);
        io::write_table((gdir / "mixed_models_emmeans.tsv").string(), emms);
        io::write_table((gdir / "mixed_models_contrasts.tsv").string(), contrasts);
    }

    // Mediation models.
    for (const auto& m : config.mediation) {
        with_origin(m.origin, fmt::format("mediation '{}'", m.name), [&] {
            const auto covs = m.covariates.empty() ? config.covariates : m.covariates;
            auto td = mediation::data_from_table(table, m.x, m.m, m.y, covs);
            const mediation::Model model(std::move(td.data), m.serial ? mediation::Structure::serial : mediation::Structure::parallel);
            mediation::BootstrapOptions bo;
            bo.resamples = config.bootstrap;
            bo.seed = config.seed;
            bo.ci = mediation::CiMethod::bca;
            const auto r = mediation::bootstrap(model, bo, ctx);
            io::write_table((gdir / ("mediation-" + m.name + ".tsv")).string(), mediation::results_table(model, r, bo.ci));
            if (!td.x_coding.empty()) {
                io::Json j{{"x", m.x}, {"x_coding", td.x_coding}, {"rows_left_out", td.dropped}};
                io::write_json((gdir / ("mediation-" + m.name + ".json")).string(), j);
            }
        });
    }

    // Responder rates per arm (every randomised participant of the participants table; a missing
    // outcome counts as a non-responder) and each arm against the first in sorted order.
    for (const auto& rr : config.responders) {
        with_origin(rr.origin, fmt::format("responders '{}'", rr.name), [&] {
            if (config.arm_column.empty())
                throw Error(Kind::usage, "responder rates need the arm column").hint("set [columns] arm = \"...\"");
            const trial::Rule rule = trial::parse_rule(rr.rule);
            const auto y = mediation::column_values(participants, rr.column, "outcome");
            if (!participants.has(config.arm_column))
                throw Error(Kind::invalid_input, fmt::format("{}: no arm column '{}'", participants_path, config.arm_column));
            const auto arms = participants.strings(config.arm_column);
            std::map<std::string, std::pair<std::int64_t, std::int64_t>> count;  // arm -> (responders, n)
            for (std::size_t r = 0; r < participants.rows(); ++r) {
                if (arms[r].empty() || arms[r] == "n/a") continue;
                auto& c = count[arms[r]];
                c.second += 1;
                if (std::isfinite(y[r]) && rule.test(y[r])) c.first += 1;
            }
            if (count.size() < 2)
                throw Error(Kind::invalid_input, fmt::format("column '{}' has {} arm(s); responder comparisons need two or more",
                                                             config.arm_column, count.size()));
            io::Table t({"arm", "responders", "n", "rate", "ci_low", "ci_high", "vs", "risk_difference", "rd_ci_low", "rd_ci_high",
                         "odds_ratio_conditional", "fisher_p"});
            const auto& ref = *count.begin();
            for (const auto& [name, c] : count) {
                const trial::Interval w = trial::wilson(c.first, c.second);
                std::vector<std::string> row{name, std::to_string(c.first), std::to_string(c.second),
                                             io::format_number(double(c.first) / double(c.second)), io::format_number(w.lower),
                                             io::format_number(w.upper)};
                if (name == ref.first) {
                    for (int k = 0; k < 6; ++k) row.push_back("n/a");
                } else {
                    const trial::Comparison cmp = trial::compare({c.first, c.second, ref.second.first, ref.second.second});
                    row.insert(row.end(), {ref.first, io::format_number(cmp.risk_difference), io::format_number(cmp.rd_newcombe.lower),
                                           io::format_number(cmp.rd_newcombe.upper), io::format_number(cmp.or_conditional),
                                           io::format_number(cmp.fisher_p)});
                }
                t.add_row(std::move(row));
            }
            io::write_table((gdir / ("responders-" + rr.name + ".tsv")).string(), t);
        });
    }
}

}  // namespace algia::pipeline
