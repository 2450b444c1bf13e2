// algia stats: group GLM with parametric and permutation inference, on images or table columns.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <regex>
#include <set>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "../command.hpp"
#include "../maps.hpp"
#include "algia/core/error.hpp"
#include "algia/io/file.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/tsv.hpp"
#include "algia/stats/design.hpp"
#include "algia/stats/glm.hpp"

namespace algia::cli {

namespace fs = std::filesystem;

namespace {

// One row per cluster: id, sign, size (voxels, mm^3), peak (mm, from the affine), peak t (or F), mass,
// FWE p.
void write_cluster_table(const std::string& path, const stats::ClusterInference& r, const image::Grid& grid,
                         const std::vector<std::int64_t>& voxels, const std::string& stat) {
    io::Table t({"cluster", "sign", "size_voxels", "size_mm3", "peak_x", "peak_y", "peak_z", "peak_" + stat, "mass", "p_fwe_size",
                 "p_fwe_mass", "threshold_" + stat});
    const double voxel_mm3 = std::abs(grid.affine.topLeftCorner<3, 3>().determinant());
    for (std::size_t k = 0; k < r.clusters.size(); ++k) {
        const auto& c = r.clusters[k];
        const std::int64_t v = voxels[std::size_t(c.peak)];
        const std::int64_t i = v % grid.dims[0], j = (v / grid.dims[0]) % grid.dims[1], kk = v / (grid.dims[0] * grid.dims[1]);
        const Eigen::Vector3d xyz = grid.world(double(i), double(j), double(kk));
        t.add_row({std::to_string(k + 1), c.sign > 0 ? "+" : "-", std::to_string(c.size), io::format_number(double(c.size) * voxel_mm3),
                   io::format_number(xyz[0]), io::format_number(xyz[1]), io::format_number(xyz[2]), io::format_number(c.peak_value),
                   io::format_number(c.mass), io::format_number(r.cluster_p_size_fwe[k]), io::format_number(r.cluster_p_mass_fwe[k]),
                   io::format_number(r.cluster_threshold_t)});
    }
    io::write_table(path, t);
}

// The cluster-extent outputs of a t or F contrast: size and mass maps, their FWE p maps, the table.
template <class WriteMap>
void write_clusters(const WriteMap& write_map, const stats::ClusterInference& r, const std::string& table_path,
                    const image::Grid& grid, const std::vector<std::int64_t>& voxels, const std::string& stat) {
    write_map("clustersize", r.cluster_size);
    write_map("clustermass", r.cluster_mass);
    write_map("pclustersizefwe", r.p_cluster_size_fwe);
    write_map("pclustermassfwe", r.p_cluster_mass_fwe);
    write_cluster_table(table_path, r, grid, voxels, stat);
}

// Connectivity matrices as `algia connect` writes them (header "Node" + region names, one row per
// region): the upper-triangle edges (i < j, row-major) of each as one row of Y.
struct Relmats {
    std::vector<std::string> nodes;
    std::vector<std::pair<int, int>> edges;
    Eigen::MatrixXd Y;
};

Relmats read_relmats(const std::vector<std::string>& files) {
    Relmats r;
    for (std::size_t s = 0; s < files.size(); ++s) {
        const auto t = io::read_table(files[s]);
        if (t.cols() < 3 || t.columns()[0] != "Node")
            throw Error(Kind::invalid_input, fmt::format("{}: not a relmat TSV (a 'Node' column, then one column per region)", files[s]))
                .hint("give the *_relmat.tsv files that algia connect writes");
        const std::vector<std::string> names(t.columns().begin() + 1, t.columns().end());
        if (t.rows() != names.size())
            throw Error(Kind::invalid_input, fmt::format("{}: {} rows for {} region columns", files[s], t.rows(), names.size()))
                .hint("a relmat is square: one row per region");
        for (std::size_t i = 0; i < names.size(); ++i)
            if (t.cell(i, 0) != names[i])
                throw Error(Kind::invalid_input, fmt::format("{}: row {} is '{}' but column {} is '{}'", files[s], i + 1, t.cell(i, 0), i + 1, names[i]));
        if (s == 0) {
            r.nodes = names;
            for (int a = 0; a < int(names.size()); ++a)
                for (int b = a + 1; b < int(names.size()); ++b) r.edges.push_back({a, b});
            r.Y.resize(Eigen::Index(files.size()), Eigen::Index(r.edges.size()));
        } else if (names != r.nodes) {
            throw Error(Kind::invalid_input, fmt::format("{}: its regions differ from those of {}", files[s], files[0]))
                .hint("all matrices must come from the same atlas, in the same order");
        }
        for (std::size_t e = 0; e < r.edges.size(); ++e) {
            const auto& cell = t.cell(std::size_t(r.edges[e].first), std::size_t(r.edges[e].second) + 1);
            char* end = nullptr;
            const double v = std::strtod(cell.c_str(), &end);
            if (cell.empty() || end != cell.c_str() + cell.size() || !std::isfinite(v))
                throw Error(Kind::invalid_input, fmt::format("{}: edge {} - {} is '{}', not a finite number", files[s],
                                                             names[std::size_t(r.edges[e].first)], names[std::size_t(r.edges[e].second)], cell))
                    .hint("regions without signal give n/a: drop them from the atlas or the matrices");
            r.Y(Eigen::Index(s), Eigen::Index(e)) = v;
        }
    }
    return r;
}

}  // namespace

Command stats_command() {
    return {"stats", "Group GLM: t maps, permutation p (uncorrected, FWE), TFCE, FDR, on images or table columns",
            [](CLI::App& app) -> Run {
                struct Options {
                    std::vector<std::string> images, contrasts, f_contrasts, columns;
                    std::string design, formula = "~ 1", mask, table, out, blocks;
                    int permutations = 5000, tfce_connectivity = 6, cluster_connectivity = 6;
                    double cluster_threshold = 0, nbs = std::numeric_limits<double>::quiet_NaN(), nbs_alpha = 0.05;
                    bool nbs_intensity = false;
                    std::uint64_t seed = 0;
                    bool tfce = false, two_sided = false, fdr = false, whole_blocks = false, symmetric_errors = false;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "Fits the design (from --design TABLE and --formula, e.g. '~ years_with_pain + age'; default "
                    "'~ 1', a one-sample test) to one image per row, or to --table columns, and tests each "
                    "--contrast NAME=EXPR: t, z and parametric p maps; with --permutations N > 0, permutation p "
                    "(random sign flips for one-sample designs, Freedman-Lane otherwise), FWE-corrected p from the "
                    "maximum t, and with --tfce the TFCE map (E 0.5, H 2, dh max/100, --tfce-connectivity 6 as nilearn "
                    "and FSL randomise, or 18/26) and its FWE p; --fdr adds Benjamini-Hochberg q. One-sided (positive "
                    "effects) unless --two-sided. Rows of the design table are matched to images by their sub- label "
                    "when the table has participant_id, else taken in order. Same --seed, same result on any thread "
                    "count. --f-contrast NAME=\"EXPR; EXPR\" tests several rows at once: F, z and p maps (F distribution), "
                    "permutation p and max-F FWE (sign flips or Freedman-Lane), summary_f.tsv / stats_f.tsv. "
                    "--cluster-threshold P adds cluster-extent inference (nilearn's conventions): clusters of t above "
                    "the t whose one-sided p is P (two-sided: p/2 each side), --cluster-connectivity 6 by default; FWE p "
                    "of each cluster's size and mass (sum of t - threshold) from the permutation maxima; maps and a "
                    "cluster table with peak coordinates (mm); for F contrasts the same on the F map at the F whose p "
                    "is P (F has one tail: --two-sided does not apply to F). --nbs THRESH --two-sided scores positive "
                    "(t > THRESH) and negative (t < -THRESH) components separately, FWE from the maximum over both "
                    "signs. --symmetric-errors sign-flips the nuisance-model residuals instead of permuting them "
                    "(PALM -ise; nilearn's scheme when the design has an intercept column).");
                app.add_option("images", o->images, "Images (one per participant/session), or a list file");
                app.add_option("--design", o->design, "Design table (TSV, e.g. participants.tsv)");
                app.add_option("--formula", o->formula, "Model formula")->capture_default_str();
                app.add_option("--contrast", o->contrasts, "NAME=EXPR over design columns (default: the last column)");
                app.add_option("--f-contrast", o->f_contrasts,
                               "NAME=\"EXPR; EXPR; ...\": an F contrast, one row per expression (e.g. arm=\"arm[T.b]; arm[T.c]\")");
                app.add_option("--table", o->table, "Test table columns instead of images");
                app.add_option("--columns", o->columns, "Columns of --table to test (default: all numeric not in the formula)");
                app.add_option("--mask", o->mask, "Mask (default: voxels finite and non-zero in every image)");
                app.add_option("--permutations", o->permutations, "Permutations (0 = parametric only)")->capture_default_str();
                app.add_flag("--tfce", o->tfce, "Threshold-free cluster enhancement (images)");
                app.add_option("--tfce-connectivity", o->tfce_connectivity, "6, 18 or 26")->capture_default_str();
                app.add_option("--cluster-threshold", o->cluster_threshold,
                               "Cluster-extent inference: cluster-forming uncorrected p (e.g. 0.001; t from the t distribution)");
                app.add_option("--cluster-connectivity", o->cluster_connectivity, "6 (as nilearn), 18 or 26")->capture_default_str();
                app.add_option("--nbs", o->nbs,
                               "Network-based statistic on relmat TSVs (algia connect): edge t threshold for supra-threshold edges");
                app.add_flag("--nbs-intensity", o->nbs_intensity, "Score components by the sum of (t - threshold), not edge count");
                app.add_option("--nbs-alpha", o->nbs_alpha, "FWE level of the components whose edges are listed")->capture_default_str();
                app.add_option("--blocks", o->blocks,
                               "Design column of exchangeability blocks (e.g. participant_id for repeated measures): permute "
                               "within blocks; one-sample designs flip whole blocks");
                app.add_flag("--whole-blocks", o->whole_blocks, "Permute whole blocks (equal sizes) instead of within them");
                app.add_flag("--two-sided", o->two_sided, "Test both signs (t contrasts and --nbs; F contrasts are one-sided by nature)");
                app.add_flag("--symmetric-errors", o->symmetric_errors,
                             "Freedman-Lane with sign flips of the residuals instead of permutations (errors symmetric, not "
                             "necessarily exchangeable; PALM -ise; nilearn's scheme for designs with an intercept column)");
                app.add_flag("--fdr", o->fdr, "Benjamini-Hochberg FDR q values");
                app.add_option("--seed", o->seed, "Random seed")->capture_default_str();
                app.add_option("--out,-o", o->out, "Output folder")->required();
                return [o](Context& ctx) {
                    if (!fs::is_directory(o->out))
                        throw Error(Kind::io, fmt::format("{}: the output folder does not exist", o->out))
                            .hint(fmt::format("create it first (mkdir -p {})", o->out));
                    const bool table_mode = !o->table.empty();
                    const bool nbs_mode = !std::isnan(o->nbs);
                    if (nbs_mode) {
                        if (table_mode) throw Error(Kind::usage, "--nbs takes relmat TSVs as inputs, not --table").hint("e.g. algia stats sub-*_relmat.tsv --nbs 3 --out nbs");
                        if (o->tfce || o->cluster_threshold != 0 || !o->mask.empty())
                            throw Error(Kind::usage, "--nbs does not combine with --tfce, --cluster-threshold or --mask");
                        if (!o->f_contrasts.empty()) throw Error(Kind::usage, "--nbs tests t contrasts only").hint("use --contrast");
                        if (o->permutations < 1) throw Error(Kind::usage, "--nbs needs permutations").hint("give --permutations N, e.g. 5000");
                        if (!std::isfinite(o->nbs)) throw Error(Kind::usage, "--nbs needs a finite t threshold, e.g. --nbs 3");
                    }
                    if (o->cluster_threshold != 0) {
                        if (table_mode)
                            throw Error(Kind::usage, "--cluster-threshold applies to images, not to --table columns")
                                .hint("use --fdr or the max-t FWE p for table columns");
                        if (!(o->cluster_threshold > 0 && o->cluster_threshold < 1))
                            throw Error(Kind::usage, fmt::format("--cluster-threshold {} is not a p-value in (0, 1)", o->cluster_threshold))
                                .hint("give the cluster-forming uncorrected p, e.g. --cluster-threshold 0.001");
                        if (o->permutations < 1)
                            throw Error(Kind::usage, "--cluster-threshold needs permutations (the cluster FWE p comes from them)")
                                .hint("give --permutations N, e.g. 5000");
                    }
                    if (o->whole_blocks && o->blocks.empty())
                        throw Error(Kind::usage, "--whole-blocks needs --blocks COLUMN").hint("e.g. --blocks participant_id --whole-blocks");
                    if (o->cluster_connectivity != 6 && o->cluster_connectivity != 18 && o->cluster_connectivity != 26)
                        throw Error(Kind::usage, fmt::format("--cluster-connectivity {} is not 6, 18 or 26", o->cluster_connectivity));
                    if (table_mode == !o->images.empty())
                        throw Error(Kind::usage, "give either images or --table").hint("e.g. algia stats con_*.nii.gz --out results");
                    // Observations.
                    const std::vector<std::string> images = expand_image_list(o->images);
                    const std::size_t n_obs = table_mode ? io::read_table(o->table).rows() : images.size();
                    // Design.
                    io::Table design_table;
                    if (!o->design.empty()) design_table = io::read_table(o->design);
                    else if (table_mode) design_table = io::read_table(o->table);
                    else {
                        design_table = io::Table({"row"});
                        for (std::size_t i = 0; i < n_obs; ++i) design_table.add_row({std::to_string(i)});
                    }
                    // Match design rows to images by sub- label when possible.
                    std::vector<std::size_t> row_of(n_obs);
                    if (!table_mode) {
                        row_of = match_rows(design_table, o->design.empty() ? "the design" : o->design, images);
                    } else {
                        if (design_table.rows() != n_obs)
                            throw Error(Kind::invalid_input, fmt::format("{}: {} rows for {} observations", o->design, design_table.rows(), n_obs))
                                .hint("one design row per image, in the same order (or a participant_id column)");
                        for (std::size_t i = 0; i < n_obs; ++i) row_of[i] = i;
                    }
                    const auto d = stats::design_from_formula(design_table, o->formula);
                    std::vector<std::size_t> pos_of_row(design_table.rows(), std::size_t(-1));
                    for (std::size_t k = 0; k < d.rows.size(); ++k) pos_of_row[d.rows[k]] = k;
                    std::vector<std::size_t> used;  // observations with a complete design row
                    for (std::size_t i = 0; i < n_obs; ++i)
                        if (pos_of_row[row_of[i]] != std::size_t(-1)) used.push_back(i);
                    if (used.size() < 2) throw Error(Kind::invalid_input, "fewer than 2 observations with a complete design row");
                    Eigen::MatrixXd X(Eigen::Index(used.size()), d.X.cols());
                    for (std::size_t k = 0; k < used.size(); ++k) X.row(Eigen::Index(k)) = d.X.row(Eigen::Index(pos_of_row[row_of[used[k]]]));
                    for (Eigen::Index j = 0; j < X.cols(); ++j)
                        if (d.columns[std::size_t(j)] != "intercept" && (X.col(j).array() == X(0, j)).all())
                            throw Error(Kind::invalid_input, fmt::format("design column '{}' is constant", d.columns[std::size_t(j)]))
                                .hint("remove it from the formula; the intercept already models a constant");
                    std::vector<std::int64_t> block_of;
                    if (!o->blocks.empty()) {
                        const std::string table_name = !o->design.empty() ? o->design : !o->table.empty() ? o->table : "the design";
                        if (!design_table.has(o->blocks))
                            throw Error(Kind::usage, fmt::format("{}: no column '{}' for --blocks", table_name, o->blocks))
                                .hint(fmt::format("the columns are: {}", fmt::join(design_table.columns(), ", ")));
                        const std::size_t col = design_table.index(o->blocks);
                        std::map<std::string, std::int64_t> ids;
                        for (auto i : used) {
                            const std::string& label = design_table.cell(row_of[i], col);
                            if (io::is_missing(label))
                                throw Error(Kind::invalid_input, fmt::format("{}: column '{}' has a missing block label", table_name, o->blocks))
                                    .hint("give every row its block");
                            block_of.push_back(ids.emplace(label, std::int64_t(ids.size())).first->second);
                        }
                    }
                    std::vector<std::pair<std::string, Eigen::VectorXd>> contrasts;
                    for (const auto& s : o->contrasts) {
                        const auto eq = s.find('=');
                        if (eq == std::string::npos) contrasts.push_back({s, stats::parse_contrast(s, d.columns)});
                        else contrasts.push_back({s.substr(0, eq), stats::parse_contrast(s.substr(eq + 1), d.columns)});
                    }
                    std::vector<std::pair<std::string, Eigen::MatrixXd>> f_contrasts;
                    for (const auto& s : o->f_contrasts) {
                        const auto eq = s.find('=');
                        if (eq == std::string::npos || eq == 0)
                            throw Error(Kind::usage, fmt::format("--f-contrast '{}' has no NAME=", s))
                                .hint("write --f-contrast NAME=\"EXPR; EXPR\", e.g. arm=\"arm[T.b]; arm[T.c]\"");
                        std::vector<Eigen::VectorXd> rows;
                        std::string rest = s.substr(eq + 1);
                        for (std::size_t start = 0; start <= rest.size();) {
                            const auto semi = std::min(rest.find(';', start), rest.size());
                            const std::string piece = rest.substr(start, semi - start);
                            if (piece.find_first_not_of(" \t") != std::string::npos) rows.push_back(stats::parse_contrast(piece, d.columns));
                            start = semi + 1;
                        }
                        if (rows.empty()) throw Error(Kind::usage, fmt::format("--f-contrast '{}' has no rows", s));
                        Eigen::MatrixXd C(Eigen::Index(rows.size()), Eigen::Index(d.columns.size()));
                        for (std::size_t k = 0; k < rows.size(); ++k) C.row(Eigen::Index(k)) = rows[k].transpose();
                        f_contrasts.push_back({s.substr(0, eq), C});
                    }
                    {
                        std::set<std::string> seen;
                        for (const auto& c : contrasts)
                            if (!seen.insert(c.first).second) throw Error(Kind::usage, fmt::format("two contrasts are named '{}'", c.first));
                        for (const auto& c : f_contrasts)
                            if (!seen.insert(c.first).second)
                                throw Error(Kind::usage, fmt::format("two contrasts are named '{}'", c.first))
                                    .hint("give each --contrast and --f-contrast its own NAME (the maps are named after it)");
                    }
                    if (contrasts.empty() && f_contrasts.empty()) contrasts.push_back({d.columns.back(), stats::parse_contrast(d.columns.back(), d.columns)});
                    bool told = false;
                    auto tell_exhaustive = [&](bool exhaustive, int n) {
                        if (!exhaustive || told) return;
                        told = true;
                        std::fprintf(stderr,
                                     "algia stats: %d permutations requested but only %d distinct rearrangements (besides the "
                                     "identity) exist: all were enumerated (exact permutation p)\n",
                                     o->permutations, n);
                    };
                    bool told_intercept = false;
                    auto tell_intercept = [&](bool flips, const std::string& name) {
                        if (!flips || told_intercept) return;
                        told_intercept = true;
                        std::fprintf(stderr,
                                     "algia stats: contrast '%s' tests the intercept of a design with covariates: permuting rows "
                                     "cannot change it, so the residuals are sign-flipped instead (symmetric errors, as nilearn "
                                     "and PALM -ise)\n",
                                     name.c_str());
                    };
                    auto perm_cells = [&](bool perm, int n, bool exhaustive) {
                        return std::vector<std::string>{perm ? std::to_string(n) : "0", perm ? (exhaustive ? "yes" : "no") : "n/a"};
                    };
                    // The rearrangement options every path shares (NBS, t and F contrasts).
                    auto permutation_options = [&] {
                        stats::PermutationOptions po;
                        po.permutations = o->permutations;
                        po.seed = o->seed;
                        po.two_sided = o->two_sided;
                        po.symmetric_errors = o->symmetric_errors;
                        po.blocks = block_of;
                        po.whole_blocks = o->whole_blocks;
                        return po;
                    };
                    // Data.
                    Eigen::MatrixXd Y;
                    std::vector<std::string> names;
                    std::vector<std::int64_t> voxels;
                    image::Grid grid;
                    MaskedMaps maps;
                    if (table_mode) {
                        const auto t = io::read_table(o->table);
                        names = o->columns;
                        if (names.empty())
                            for (const auto& c : t.columns())
                                if (std::find(d.columns.begin(), d.columns.end(), c) == d.columns.end() && c != "participant_id") {
                                    try {
                                        (void)t.numeric(c);
                                        names.push_back(c);
                                    } catch (const Error&) {
                                    }
                                }
                        Y.resize(Eigen::Index(used.size()), Eigen::Index(names.size()));
                        for (std::size_t j = 0; j < names.size(); ++j) {
                            const auto col = t.numeric(names[j]);
                            for (std::size_t k = 0; k < used.size(); ++k) Y(Eigen::Index(k), Eigen::Index(j)) = col[used[k]];
                        }
                        if (!Y.allFinite())
                            throw Error(Kind::invalid_input, fmt::format("{}: the tested columns have n/a values", o->table))
                                .hint("remove those rows or impute them first");
                    } else if (nbs_mode) {
                        std::vector<std::string> used_files;
                        for (auto i : used) used_files.push_back(images[i]);
                        auto rel = read_relmats(used_files);
                        Y = std::move(rel.Y);
                        for (const auto& contrast : contrasts) {
                            const std::string cname = contrast.first;
                            const stats::PermutationOptions po = permutation_options();
                            const auto r = stats::nbs(X, Y, contrast.second, rel.edges, int(rel.nodes.size()), o->nbs, o->nbs_intensity, po, ctx);
                            tell_exhaustive(r.permutation.exhaustive, r.permutation.permutations);
                            io::Table comp({"component", "sign", "n_edges", "n_nodes", "statistic", "p_fwe"});
                            io::Table edges({"component", "node_a", "node_b", "t", "p_fwe"});
                            for (std::size_t k = 0; k < r.components.size(); ++k) {
                                const auto& cm = r.components[k];
                                comp.add_row({std::to_string(k + 1), cm.sign > 0 ? "+" : "-", std::to_string(cm.edges.size()), std::to_string(cm.n_nodes),
                                              io::format_number(cm.statistic), io::format_number(cm.p_fwe)});
                                if (cm.p_fwe <= o->nbs_alpha)
                                    for (auto e : cm.edges)
                                        edges.add_row({std::to_string(k + 1), rel.nodes[std::size_t(rel.edges[std::size_t(e)].first)],
                                                       rel.nodes[std::size_t(rel.edges[std::size_t(e)].second)],
                                                       io::format_number(r.permutation.observed.t[e]), io::format_number(cm.p_fwe)});
                            }
                            io::write_table((fs::path(o->out) / fmt::format("contrast-{}_nbs_components.tsv", cname)).string(), comp);
                            io::write_table((fs::path(o->out) / fmt::format("contrast-{}_nbs_edges.tsv", cname)).string(), edges);
                            std::vector<std::string> header{"Node"};
                            header.insert(header.end(), rel.nodes.begin(), rel.nodes.end());
                            io::Table tm(header);
                            Eigen::MatrixXd T = Eigen::MatrixXd::Zero(Eigen::Index(rel.nodes.size()), Eigen::Index(rel.nodes.size()));
                            for (std::size_t e = 0; e < rel.edges.size(); ++e)
                                T(rel.edges[e].first, rel.edges[e].second) = T(rel.edges[e].second, rel.edges[e].first) =
                                    r.permutation.observed.t[Eigen::Index(e)];
                            for (Eigen::Index i = 0; i < T.rows(); ++i) {
                                std::vector<std::string> row{rel.nodes[std::size_t(i)]};
                                for (Eigen::Index j = 0; j < T.cols(); ++j) row.push_back(io::format_number(T(i, j)));
                                tm.add_row(row);
                            }
                            io::write_table((fs::path(o->out) / fmt::format("contrast-{}_stat-t_relmat.tsv", cname)).string(), tm);
                        }
                        return 0;
                    } else {
                        std::vector<std::string> used_images;
                        for (auto i : used) used_images.push_back(images[i]);
                        maps = load_masked_maps(used_images, o->mask, ctx);
                        voxels = maps.voxels;
                        grid = maps.grid;
                        Y = std::move(maps.values);
                    }
                    // Fit and write.
                    io::Table summary({"contrast", "column", "t", "df", "p", "z", "p_perm", "p_fwe", "q_fdr", "permutations", "exhaustive"});
                    for (const auto& contrast : contrasts) {
                        const std::string cname = contrast.first;  // a plain variable: lambdas below capture it
                        const Eigen::VectorXd& c = contrast.second;
                        stats::PermutationResult r;
                        if (o->permutations > 0) {
                            stats::PermutationOptions po = permutation_options();
                            po.tfce = o->tfce && !table_mode;
                            po.tfce_connectivity = o->tfce_connectivity;
                            po.cluster_p = table_mode ? 0.0 : o->cluster_threshold;
                            po.cluster_connectivity = o->cluster_connectivity;
                            po.dims = grid.dims;
                            po.voxels = voxels;
                            r = stats::permutation_test(X, Y, c, po, ctx);
                            tell_exhaustive(r.exhaustive, r.permutations);
                            tell_intercept(r.intercept_flips, cname);
                        } else {
                            r.observed = stats::glm_t(X, Y, c);
                        }
                        const Eigen::Index V = Y.cols();
                        Eigen::VectorXd p(V), z(V);
                        for (Eigen::Index v = 0; v < V; ++v) {
                            const double tv = r.observed.t[v];
                            p[v] = o->two_sided ? 2 * stats::t_sf(std::abs(tv), r.observed.df) : stats::t_sf(tv, r.observed.df);
                            p[v] = std::min(1.0, p[v]);
                            z[v] = stats::z_from_p(o->two_sided ? p[v] / 2 : p[v]) * (o->two_sided && tv < 0 ? -1 : 1);
                        }
                        const Eigen::VectorXd q = o->fdr ? stats::fdr_bh(o->permutations > 0 ? r.p_uncorrected : p) : Eigen::VectorXd();
                        if (table_mode) {
                            for (Eigen::Index v = 0; v < V; ++v)
                                summary.add_row({cname, names[std::size_t(v)], io::format_number(r.observed.t[v]), io::format_number(r.observed.df),
                                                 io::format_number(p[v]), io::format_number(z[v]),
                                                 o->permutations > 0 ? io::format_number(r.p_uncorrected[v]) : "n/a",
                                                 o->permutations > 0 ? io::format_number(r.p_fwe[v]) : "n/a",
                                                 o->fdr ? io::format_number(q[v]) : "n/a", perm_cells(o->permutations > 0, r.permutations, r.exhaustive)[0],
                                                 perm_cells(o->permutations > 0, r.permutations, r.exhaustive)[1]});
                            continue;
                        }
                        auto write_map = [&](const std::string& stat, const Eigen::VectorXd& values) {
                            write_masked_map((fs::path(o->out) / fmt::format("contrast-{}_stat-{}_statmap.nii.gz", cname, stat)).string(),
                                             maps, values, fmt::format("algia stats {} {}", cname, stat), ctx);
                        };
                        write_map("effect", r.observed.effect);
                        write_map("t", r.observed.t);
                        write_map("z", z);
                        write_map("p", p);
                        if (o->permutations > 0) {
                            write_map("pperm", r.p_uncorrected);
                            write_map("pfwe", r.p_fwe);
                            if (r.tfce.size()) {
                                write_map("tfce", r.tfce);
                                write_map("ptfcefwe", r.p_tfce_fwe);
                            }
                            if (o->cluster_threshold > 0)
                                write_clusters(write_map, r, (fs::path(o->out) / fmt::format("contrast-{}_clusters.tsv", cname)).string(),
                                               maps.grid, maps.voxels, "t");
                        }
                        if (o->fdr) write_map("qfdr", q);
                        const Eigen::Index best = [&] { Eigen::Index i; r.observed.t.maxCoeff(&i); return i; }();
                        summary.add_row({cname, "max", io::format_number(r.observed.t[best]), io::format_number(r.observed.df),
                                         io::format_number(p[best]), io::format_number(z[best]),
                                         o->permutations > 0 ? io::format_number(r.p_uncorrected[best]) : "n/a",
                                         o->permutations > 0 ? io::format_number(r.p_fwe[best]) : "n/a", o->fdr ? io::format_number(q[best]) : "n/a",
                                         perm_cells(o->permutations > 0, r.permutations, r.exhaustive)[0],
                                         perm_cells(o->permutations > 0, r.permutations, r.exhaustive)[1]});
                    }
                    if (!contrasts.empty())
                        io::write_table((fs::path(o->out) / (table_mode ? "stats.tsv" : "summary.tsv")).string(), summary);
                    if (f_contrasts.empty()) return 0;
                    if (o->two_sided)
                        std::fprintf(stderr, "algia stats: --two-sided does not apply to F contrasts (F has one tail: a large F is "
                                             "evidence for an effect of either sign); they are tested as always\n");
                    io::Table fsummary({"contrast", "column", "F", "df1", "df2", "p", "z", "p_perm", "p_fwe", "q_fdr", "permutations", "exhaustive"});
                    for (const auto& contrast : f_contrasts) {
                        const std::string cname = contrast.first;
                        const Eigen::MatrixXd& C = contrast.second;
                        stats::FPermutationResult r;
                        if (o->permutations > 0) {
                            stats::PermutationOptions po = permutation_options();
                            po.two_sided = false;  // F has one tail
                            po.cluster_p = table_mode ? 0.0 : o->cluster_threshold;
                            po.cluster_connectivity = o->cluster_connectivity;
                            po.dims = grid.dims;
                            po.voxels = voxels;
                            r = stats::permutation_test_f(X, Y, C, po, ctx);
                            tell_exhaustive(r.exhaustive, r.permutations);
                            tell_intercept(r.intercept_flips, cname);
                        } else {
                            r.observed = stats::glm_f(X, Y, C);
                        }
                        const Eigen::Index V = Y.cols();
                        Eigen::VectorXd p(V), z(V);
                        for (Eigen::Index v = 0; v < V; ++v) {
                            p[v] = stats::f_sf(r.observed.F[v], r.observed.df1, r.observed.df2);
                            z[v] = stats::z_from_p(p[v]);
                        }
                        const bool perm = o->permutations > 0;
                        const Eigen::VectorXd q = o->fdr ? stats::fdr_bh(perm ? r.p_uncorrected : p) : Eigen::VectorXd();
                        auto row = [&](const std::string& column, Eigen::Index v) {
                            fsummary.add_row({cname, column, io::format_number(r.observed.F[v]), io::format_number(r.observed.df1),
                                              io::format_number(r.observed.df2), io::format_number(p[v]), io::format_number(z[v]),
                                              perm ? io::format_number(r.p_uncorrected[v]) : "n/a", perm ? io::format_number(r.p_fwe[v]) : "n/a",
                                              o->fdr ? io::format_number(q[v]) : "n/a", perm_cells(perm, r.permutations, r.exhaustive)[0],
                                              perm_cells(perm, r.permutations, r.exhaustive)[1]});
                        };
                        if (table_mode) {
                            for (Eigen::Index v = 0; v < V; ++v) row(names[std::size_t(v)], v);
                            continue;
                        }
                        auto write_map = [&](const std::string& stat, const Eigen::VectorXd& values) {
                            write_masked_map((fs::path(o->out) / fmt::format("contrast-{}_stat-{}_statmap.nii.gz", cname, stat)).string(),
                                             maps, values, fmt::format("algia stats {} {}", cname, stat), ctx);
                        };
                        write_map("F", r.observed.F);
                        write_map("z", z);
                        write_map("p", p);
                        if (perm) {
                            write_map("pperm", r.p_uncorrected);
                            write_map("pfwe", r.p_fwe);
                            if (o->cluster_threshold > 0)
                                write_clusters(write_map, r, (fs::path(o->out) / fmt::format("contrast-{}_clusters.tsv", cname)).string(),
                                               maps.grid, maps.voxels, "F");
                        }
                        if (o->fdr) write_map("qfdr", q);
                        Eigen::Index best = 0;
                        r.observed.F.maxCoeff(&best);
                        row("max", best);
                    }
                    io::write_table((fs::path(o->out) / (table_mode ? "stats_f.tsv" : "summary_f.tsv")).string(), fsummary);
                    return 0;
                };
            }};
}

}  // namespace algia::cli
