// algia connect TIMESERIES.tsv... --kind K: connectivity matrices, network means, graph measures.

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <fmt/format.h>

#include "../command.hpp"
#include "algia/connectivity/connectivity.hpp"
#include "algia/connectivity/graph.hpp"
#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/io/bids.hpp"
#include "algia/io/file.hpp"
#include "algia/io/labels.hpp"
#include "algia/io/table_matrix.hpp"
#include "algia/io/tsv.hpp"

namespace algia::cli {

namespace {

Eigen::MatrixXd read_series(const std::string& path, std::vector<std::string>& names) {
    return io::read_numeric_table(path, names);
}

// A relmat TSV: header "Node" + region names, then one row per region (written directly: a
// 400 x 400 matrix is 160,000 numbers). Below the diagonal, a value bit-identical to its mirror
// above is copied from the text already written instead of formatted again (the matrices are
// symmetric, most of them exactly), and the text buffer is kept per thread between files.
void write_relmat(const std::string& path, const Eigen::MatrixXd& m, const std::vector<std::string>& names) {
    thread_local std::string text;
    thread_local std::vector<std::size_t> at;  // where the text of m(i, j), j > i, starts
    const Eigen::Index p = m.rows();
    text.clear();
    text += "Node";
    for (const auto& n : names) text += "\t" + n;
    text += '\n';
    text.reserve(text.size() + std::size_t(m.size()) * 22);
    at.assign(std::size_t(p * p) + 1, 0);
    auto same_bits = [](double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); };
    for (Eigen::Index i = 0; i < p; ++i) {
        text += names[std::size_t(i)];
        for (Eigen::Index j = 0; j < m.cols(); ++j) {
            text += '\t';
            if (j < i && same_bits(m(i, j), m(j, i))) {
                const std::size_t from = at[std::size_t(j * p + i)];
                std::size_t len = 0;
                while (text[from + len] != '\t' && text[from + len] != '\n') ++len;
                text.append(text, from, len);
                continue;
            }
            if (j > i) at[std::size_t(i * p + j)] = text.size();
            io::append_number(text, m(i, j));
        }
        text += '\n';
    }
    io::write_text_file_atomic(path, text);
}

// Output prefix for one input: --out for a single input, else DIR/<input name without _timeseries>.
std::string prefix_for(const std::string& input, const std::string& out, const std::string& out_dir, bool single) {
    if (single && !out.empty()) return out;
    std::string stem = std::filesystem::path(input).filename().string();
    for (const char* suffix : {"_timeseries.tsv", ".tsv", ".csv"})
        if (stem.size() > std::strlen(suffix) && stem.compare(stem.size() - std::strlen(suffix), std::strlen(suffix), suffix) == 0) {
            stem = stem.substr(0, stem.size() - std::strlen(suffix));
            break;
        }
    return (std::filesystem::path(out_dir) / stem).string();
}

}  // namespace

Command connect_command() {
    return {"connect", "Connectivity matrices (nilearn ConnectivityMeasure kinds), network means and graph measures",
            [](CLI::App& app) -> Run {
                struct Options {
                    std::vector<std::string> inputs;
                    std::string kind = "correlation", estimator = "ledoit-wolf", out, out_dir;
                    bool fisher_z = false, graph = false, networks = false;
                    std::vector<double> densities;
                };
                auto o = std::make_shared<Options>();
                app.description(
                    "Reads region time series (TSV, one column per region, e.g. from `algia extract`) and writes one "
                    "connectivity matrix per input as PREFIX_desc-<kind>_relmat.tsv (first column Node). Kinds as "
                    "nilearn's ConnectivityMeasure: covariance, correlation (z-scored series, then the estimator: with "
                    "Ledoit-Wolf a shrunk correlation; --estimator empirical gives Pearson's r), partial, precision, "
                    "tangent (relative to the inputs' geometric mean; needs several inputs; also writes the group mean). "
                    "--networks writes mean connectivity within/between networks (from Schaefer-style region names); "
                    "--graph writes node and graph measures (degree, strength, clustering, closeness, path length, "
                    "efficiency) of the whole graph and the default-mode subgraph, weighted and at each --density.");
                app.add_option("inputs", o->inputs, "Region time-series TSVs (one per participant/run)")->required();
                app.add_option("--kind", o->kind, "covariance, correlation, partial, precision, tangent")
                    ->check(CLI::IsMember({"covariance", "correlation", "partial", "precision", "tangent"}))
                    ->capture_default_str();
                app.add_option("--estimator", o->estimator, "ledoit-wolf or empirical")
                    ->check(CLI::IsMember({"ledoit-wolf", "empirical"}))
                    ->capture_default_str();
                app.add_flag("--fisher-z", o->fisher_z, "Fisher z-transform (atanh) correlation-type matrices");
                app.add_flag("--networks", o->networks, "Also write within/between-network means");
                app.add_flag("--graph", o->graph, "Also write graph measures");
                app.add_option("--density", o->densities, "Proportional thresholds for graph measures (repeatable)");
                app.add_option("--out,-o", o->out, "Output prefix (one input)");
                app.add_option("--out-dir", o->out_dir, "Output folder (several inputs)");
                return [o](Context& ctx) {
#if defined(__GLIBC__)
                    // Matrices of 400 x 400 (1.3 MB) are allocated and freed by the hundred: keep them
                    // in the heap instead of fresh mmaps that page-fault on every first touch.
                    mallopt(M_MMAP_THRESHOLD, 64 << 20);
                    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
                    const auto kind = connectivity::parse_kind(o->kind);
                    const auto est = connectivity::parse_estimator(o->estimator);
                    const bool single = o->inputs.size() == 1;
                    if (single && o->out.empty() && o->out_dir.empty())
                        throw Error(Kind::usage, "no output given").hint("pass --out PREFIX (or --out-dir DIR)");
                    if (!single && o->out_dir.empty())
                        throw Error(Kind::usage, "several inputs need --out-dir")
                            .hint("pass --out-dir DIR; each matrix is named after its input");
                    if (!o->out_dir.empty() && !std::filesystem::is_directory(o->out_dir))
                        throw Error(Kind::io, fmt::format("{}: the output folder does not exist", o->out_dir))
                            .hint(fmt::format("create it first (mkdir -p {})", o->out_dir));
                    if (o->fisher_z && !(kind == connectivity::Kind::correlation || kind == connectivity::Kind::partial_correlation))
                        throw Error(Kind::usage, "--fisher-z applies to correlation and partial correlation only");
                    std::vector<Eigen::MatrixXd> series;
                    std::vector<std::string> names, first_names;
                    series.resize(o->inputs.size());
                    std::vector<std::vector<std::string>> cols(o->inputs.size());
                    parallel_for(ctx, o->inputs.size(), 1, [&](std::size_t b, std::size_t e) {
                        for (std::size_t i = b; i < e; ++i) series[i] = read_series(o->inputs[i], cols[i]);
                    });
                    first_names = cols[0];
                    for (std::size_t i = 1; i < cols.size(); ++i)
                        if (cols[i] != first_names)
                            throw Error(Kind::invalid_input, fmt::format("{}: its regions differ from those of {}", o->inputs[i], o->inputs[0]))
                                .hint("extract every input with the same atlas (and the same regions present)");
                    const auto res = connectivity::connectivity(series, kind, est, o->inputs, ctx);
                    const std::string token = std::string("desc-") + (kind == connectivity::Kind::partial_correlation ? "partialcorrelation" : o->kind);
                    std::vector<std::string> net(first_names.size());
                    for (std::size_t i = 0; i < net.size(); ++i) net[i] = io::network_of(first_names[i]);
                    std::vector<int> dmn;
                    for (std::size_t i = 0; i < net.size(); ++i)
                        if (io::is_default_mode(net[i].empty() ? first_names[i] : net[i])) dmn.push_back(int(i));
                    for (std::size_t s = 0; s < series.size(); ++s)
                        io::check_output_path(prefix_for(o->inputs[s], o->out, o->out_dir, single) + "_" + token + "_relmat.tsv",
                                              o->inputs, "--out");
                    parallel_for(ctx, series.size(), 1, [&](std::size_t s0, std::size_t s1) {
                    for (std::size_t s = s0; s < s1; ++s) {
                        const std::string prefix = prefix_for(o->inputs[s], o->out, o->out_dir, single);
                        Eigen::MatrixXd z;
                        if (o->fisher_z) z = connectivity::fisher_z(res.matrices[s]);
                        const Eigen::MatrixXd& m = o->fisher_z ? z : res.matrices[s];
                        write_relmat(prefix + "_" + token + "_relmat.tsv", m, first_names);
                        if (o->networks) {
                            io::Table t({"network_a", "network_b", "n_edges", "mean"});
                            for (const auto& p : connectivity::network_means(m, net))
                                t.add_row({p.a, p.b, std::to_string(p.n_edges), io::format_number(p.mean)});
                            io::write_table(prefix + "_" + token + "_networks.tsv", t);
                        }
                        if (o->graph) {
                            io::Table nodes({"graph", "node", "degree", "strength", "clustering_binary", "clustering_weighted",
                                             "closeness_binary", "closeness_weighted"});
                            io::Table graphs({"graph", "n_nodes", "n_edges", "density", "char_path_length_binary",
                                              "char_path_length_weighted", "n_disconnected_pairs", "global_efficiency_binary",
                                              "global_efficiency_weighted", "mean_clustering_binary", "mean_clustering_weighted"});
                            std::vector<std::optional<double>> dens = {std::nullopt};
                            for (double d : o->densities) dens.push_back(d);
                            for (const auto& d : dens) {
                                const auto g = connectivity::make_graph(m, d);
                                const std::string gname = d ? fmt::format("density-{:g}", *d) : "full";
                                std::vector<std::pair<std::string, connectivity::Graph>> variants = {{gname, g}};
                                if (!dmn.empty()) variants.push_back({gname + "-dmn", connectivity::subgraph(g, dmn)});
                                for (const auto& [vname, vg] : variants) {
                                    const auto nm = connectivity::node_measures(vg);
                                    for (std::size_t i = 0; i < nm.degree.size(); ++i) {
                                        const auto& node = vname.size() > 4 && vname.substr(vname.size() - 4) == "-dmn"
                                                               ? first_names[std::size_t(dmn[i])]
                                                               : first_names[i];
                                        nodes.add_row({vname, node, io::format_number(nm.degree[i]), io::format_number(nm.strength[i]),
                                                       io::format_number(nm.clustering_binary[i]), io::format_number(nm.clustering_weighted[i]),
                                                       io::format_number(nm.closeness_binary[i]), io::format_number(nm.closeness_weighted[i])});
                                    }
                                    const auto gm = connectivity::graph_measures(vg);
                                    graphs.add_row({vname, std::to_string(gm.n_nodes), std::to_string(gm.n_edges), io::format_number(gm.density),
                                                    io::format_number(gm.char_path_length_binary), io::format_number(gm.char_path_length_weighted),
                                                    std::to_string(gm.n_disconnected_pairs), io::format_number(gm.global_efficiency_binary),
                                                    io::format_number(gm.global_efficiency_weighted), io::format_number(gm.mean_clustering_binary),
                                                    io::format_number(gm.mean_clustering_weighted)});
                                }
                            }
                            io::write_table(prefix + "_" + token + "_nodes.tsv", nodes);
                            io::write_table(prefix + "_" + token + "_graph.tsv", graphs);
                        }
                    }
                    });
                    if (!single) {
                        write_relmat((std::filesystem::path(o->out_dir) / ("group_" + token + "_relmat.tsv")).string(), res.mean, first_names);
                    }
                    return 0;
                };
            }};
}

}  // namespace algia::cli
