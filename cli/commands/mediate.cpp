// algia mediate: single-level, multilevel and voxelwise mediation with bootstrap inference.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "../command.hpp"
#include "../maps.hpp"
#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/io/file.hpp"
#include "algia/io/json.hpp"
#include "algia/io/tsv.hpp"
#include "algia/mediation/bootstrap.hpp"
#include "algia/mediation/mediation.hpp"
#include "algia/mediation/multilevel.hpp"
#include "algia/mediation/table.hpp"
#include "algia/mediation/voxelwise.hpp"
#include "algia/stats/glm.hpp"

namespace algia::cli {

namespace fs = std::filesystem;

namespace {

struct Options {
    std::string table, x, y, level2, out, ci = "bca", mask;
    std::vector<std::string> m, covariates, x_images, m_images, y_images;
    bool serial = false, equal_weights = false;
    int boot = 10000, initial_boot = 1000;
    double alpha = 0.05, adapt_below = 0.05;
    bool double_precision = false;
    std::uint64_t seed = 0;
};

void check_out_file(const std::string& path) {
    const fs::path parent = fs::path(path).parent_path();
    if (!parent.empty() && !fs::is_directory(parent))
        throw Error(Kind::io, fmt::format("{}: the output folder does not exist", path))
            .hint(fmt::format("create it first (mkdir -p {})", parent.string()));
}

int run_table(const Options& o, const Context& ctx) {
    if (!o.out.empty() && o.out != "-") check_out_file(o.out);
    const io::Table t = io::read_table(o.table);
    if (!o.level2.empty() && !t.has(o.level2))
        throw Error(Kind::invalid_input, fmt::format("{}: no column '{}' (--level2)", o.table, o.level2));
    mediation::TableData td = mediation::data_from_table(t, o.x, o.m, o.y, o.covariates);
    const std::vector<std::size_t>& keep = td.rows;
    const std::size_t dropped = td.dropped;
    const std::string coding = td.x_coding;
    mediation::Data d = std::move(td.data);
    const auto structure = o.serial ? mediation::Structure::serial : mediation::Structure::parallel;
    const auto method = mediation::parse_ci_method(o.ci);

    io::Table out({"path", "estimate", "se", "ci_low", "ci_high", "p", "n", "stat", "p_parametric", "boot_se",
                   "ci_method", "resamples"});
    if (!o.level2.empty()) {
        std::vector<std::string> groups;
        const auto ids = t.strings(o.level2);
        for (std::size_t r : keep) groups.push_back(ids[r]);
        mediation::MultilevelOptions mo;
        mo.resamples = o.boot;
        mo.seed = o.seed;
        mo.ci = method;
        mo.alpha = o.alpha;
        mo.weighting = o.equal_weights ? mediation::Weighting::equal : mediation::Weighting::empirical_bayes;
        const auto r = mediation::multilevel_mediation(d, groups, mo, ctx);
        for (std::size_t i = 0; i < r.names.size(); ++i) {
            const Eigen::Index ii = Eigen::Index(i);
            out.add_row({r.names[i], io::format_number(r.estimate(ii)), io::format_number(r.se(ii)),
                         io::format_number(r.intervals[i].low), io::format_number(r.intervals[i].high),
                         io::format_number(r.intervals[i].p), std::to_string(r.participants), io::format_number(r.stat(ii)),
                         io::format_number(r.p_parametric(ii)), io::format_number(r.boot_se(ii)),
                         mediation::ci_method_name(method), std::to_string(r.resamples)});
        }
    } else {
        const mediation::Model model(std::move(d), structure);
        mediation::BootstrapOptions bo;
        bo.resamples = o.boot;
        bo.seed = o.seed;
        bo.ci = method;
        bo.alpha = o.alpha;
        const auto r = mediation::bootstrap(model, bo, ctx);
        if (r.failed > 0)
            std::fprintf(stderr, "algia mediate: %d of %d resamples had a singular design and were left out\n", r.failed, r.resamples);
        out = mediation::results_table(model, r, method);
    }
    if (dropped > 0)
        std::fprintf(stderr, "algia mediate: %zu of %zu rows of %s have a missing value in X, M, Y or a covariate and were left out\n",
                     dropped, t.rows(), o.table.c_str());
    if (!coding.empty()) std::fprintf(stderr, "algia mediate: X '%s' coded %s\n", o.x.c_str(), coding.c_str());
    if (o.out.empty() || o.out == "-") {
        std::fputs(io::format_table(out).c_str(), stdout);
    } else {
        check_out_file(o.out);
        io::write_table(o.out, out);
    }
    return 0;
}

int run_images(const Options& o, const Context& ctx) {
    const int given = int(!o.x_images.empty()) + int(!o.m_images.empty()) + int(!o.y_images.empty());
    if (given != 1)
        throw Error(Kind::usage, "give exactly one of --x-images, --m-images, --y-images")
            .hint("the other two variables are columns of --table");
    if (o.out.empty() || !fs::is_directory(o.out))
        throw Error(Kind::io, fmt::format("{}: the output folder does not exist", o.out.empty() ? "--out" : o.out))
            .hint("voxelwise mediation writes maps into a folder: create it first and give it as --out DIR");
    mediation::VoxelwiseData d;
    std::vector<std::string> images;
    if (!o.x_images.empty()) d.role = mediation::ImageRole::x, images = expand_image_list(o.x_images);
    if (!o.m_images.empty()) d.role = mediation::ImageRole::m, images = expand_image_list(o.m_images);
    if (!o.y_images.empty()) d.role = mediation::ImageRole::y, images = expand_image_list(o.y_images);
    const io::Table t = io::read_table(o.table);
    const auto rows = match_rows(t, o.table, images);
    const auto pick = [&](const std::string& column, const char* role) {
        if (column.empty())
            throw Error(Kind::usage, fmt::format("the {} column is missing", role)).hint(fmt::format("give --{} COLUMN", role));
        std::string coding;
        const auto v = mediation::column_values(t, column, role, std::string(role) == "x" ? &coding : nullptr);
        Eigen::VectorXd out(Eigen::Index(images.size()));
        for (std::size_t i = 0; i < images.size(); ++i) out(Eigen::Index(i)) = v[rows[i]];
        if (!out.allFinite())
            throw Error(Kind::invalid_input, fmt::format("{}: column '{}' has n/a for some images' rows", o.table, column))
                .hint("remove those images (voxelwise mediation needs complete rows)");
        return out;
    };
    if (d.role != mediation::ImageRole::x) d.x = pick(o.x, "x");
    if (d.role != mediation::ImageRole::m) {
        if (o.m.size() != 1) throw Error(Kind::usage, "voxelwise mediation takes one mediator").hint("give one --m COLUMN");
        d.m = pick(o.m[0], "m");
    }
    if (d.role != mediation::ImageRole::y) d.y = pick(o.y, "y");
    d.covariates.resize(Eigen::Index(images.size()), Eigen::Index(o.covariates.size()));
    for (std::size_t j = 0; j < o.covariates.size(); ++j) d.covariates.col(Eigen::Index(j)) = pick(o.covariates[j], "covariate");
    MaskedMaps maps = load_masked_maps(images, o.mask, ctx);
    d.images = std::move(maps.values);
    mediation::VoxelwiseOptions vo;
    vo.resamples = o.boot;
    vo.initial = o.initial_boot;
    vo.adapt_below = o.adapt_below;
    vo.bootstrap = o.boot > 0;
    vo.seed = o.seed;
    vo.ci = mediation::parse_ci_method(o.ci);
    vo.alpha = o.alpha;
    vo.single_precision = !o.double_precision;
    const auto r = mediation::voxelwise_mediation(d, vo, ctx);
    const char* names[] = {"a", "b", "cprime", "c", "ab"};
    // Every output map, then written concurrently (independent files, each atomic).
    struct MapOut {
        std::string path, descrip;
        Eigen::VectorXd values;
    };
    std::vector<MapOut> outs;
    for (int k = 0; k < 5; ++k) {
        const auto path = [&](const std::string& stat) {
            return (fs::path(o.out) / fmt::format("mediation_path-{}_stat-{}.nii.gz", names[k], stat)).string();
        };
        outs.push_back({path("effect"), fmt::format("algia mediate {} effect", names[k]), r.effect.col(k)});
        outs.push_back({path("se"), fmt::format("algia mediate {} se", names[k]), r.se.col(k)});
        outs.push_back({path("p"), fmt::format("algia mediate {} {}", names[k], k == 4 ? "Sobel p" : "OLS t-test p"), r.p_parametric.col(k)});
    }
    if (vo.bootstrap) {
        const auto path = [&](const std::string& stat) {
            return (fs::path(o.out) / fmt::format("mediation_path-ab_stat-{}.nii.gz", stat)).string();
        };
        outs.push_back({path("pboot"), fmt::format("algia mediate ab bootstrap p ({})", o.ci), r.ab_p});
        outs.push_back({path("cilow"), "algia mediate ab CI low", r.ab_ci_low});
        outs.push_back({path("cihigh"), "algia mediate ab CI high", r.ab_ci_high});
        outs.push_back({path("qfdr"), "algia mediate ab bootstrap p, BH FDR q", stats::fdr_bh(r.ab_p)});
        outs.push_back({path("resamples"), "algia mediate resamples per voxel", r.resamples.cast<double>()});
    }
    parallel_for(ctx, outs.size(), 1, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) write_masked_map(outs[i].path, maps, outs[i].values, outs[i].descrip, ctx);
    });
    // Summary of what was done.
    io::Json j;
    j["images"] = images;
    j["image_variable"] = !o.x_images.empty() ? "X" : !o.m_images.empty() ? "M" : "Y";
    j["x"] = o.x;
    j["m"] = o.m;
    j["y"] = o.y;
    j["covariates"] = o.covariates;
    j["voxels"] = maps.voxels.size();
    j["df_a_c"] = r.df_a;
    j["df_b_cprime"] = r.df_b;
    j["bootstrap"] = {{"resamples", o.boot}, {"initial", o.initial_boot}, {"adapt_below", o.adapt_below},
                      {"ci", o.ci}, {"alpha", o.alpha}, {"seed", o.seed},
                      {"precision", o.double_precision ? "double" : "single"}};
    io::write_text_file_atomic((fs::path(o.out) / "mediation.json").string(), j.dump(2) + "\n");
    return 0;
}

}  // namespace

Command mediate_command() {
    return {"mediate", "Mediation X -> M -> Y: paths, indirect effects, bootstrap CIs; multilevel and voxelwise",
            [](CLI::App& app) -> Run {
                auto o = std::make_shared<Options>();
                app.description(
                    "Fits a -> M ~ X + C, b and c' -> Y ~ M + X + C, c -> Y ~ X + C by OLS and tests the indirect "
                    "effect ab with a bootstrap (--boot resamples of rows, --ci percentile|bc|bca; --seed gives the same "
                    "result on any thread count) and the delta method (Sobel). Several --m are parallel mediators "
                    "(each ab and their total); --serial makes two of them a chain X -> M1 -> M2 -> Y. --level2 COLUMN: "
                    "multilevel mediation of trial-level data (paths per participant, then a precision-weighted or "
                    "--equal-weights second level, bootstrap over participants). --m-images (or --x-images, "
                    "--y-images): voxelwise mediation, one map per row of --table (matched by participant_id), "
                    "writing path, SE, p and bootstrap maps into --out DIR. Rows with a missing value are left out "
                    "and counted.");
                app.add_option("--table", o->table, "Table (TSV/CSV) with X, M, Y and covariate columns")->required();
                app.add_option("--x", o->x, "X column (numeric, or two groups coded 0/1)");
                app.add_option("--m", o->m, "Mediator column(s)");
                app.add_option("--y", o->y, "Y column");
                app.add_option("--covariate", o->covariates, "Covariate column(s)");
                app.add_flag("--serial", o->serial, "Two mediators as a serial chain X -> M1 -> M2 -> Y");
                app.add_option("--boot", o->boot, "Bootstrap resamples (0 = none, voxelwise only)")->capture_default_str();
                app.add_option("--ci", o->ci, "Bootstrap CI: percentile, bc or bca")->capture_default_str();
                app.add_option("--alpha", o->alpha, "1 - confidence level")->capture_default_str();
                app.add_option("--seed", o->seed, "Random seed")->capture_default_str();
                app.add_option("--level2", o->level2, "Participant column of trial-level data: multilevel mediation");
                app.add_flag("--equal-weights", o->equal_weights, "Multilevel: equal second-level weights");
                app.add_option("--x-images", o->x_images, "X is an image per participant (voxelwise)");
                app.add_option("--m-images", o->m_images, "M is an image per participant (voxelwise)");
                app.add_option("--y-images", o->y_images, "Y is an image per participant (voxelwise)");
                app.add_option("--mask", o->mask, "Voxelwise: mask (default: voxels finite and non-zero in every image)");
                app.add_option("--initial-boot", o->initial_boot, "Voxelwise: resamples for every voxel before adapting")
                    ->capture_default_str();
                app.add_option("--adapt-below", o->adapt_below, "Voxelwise: voxels with p(ab) below this get all --boot resamples")
                    ->capture_default_str();
                app.add_flag("--double", o->double_precision,
                             "Voxelwise: bootstrap products in double precision (default single: ~2x faster, ab within ~1e-6 relative)");
                app.add_option("--out,-o", o->out, "Results TSV (table) or output folder (voxelwise); '-' = stdout");
                return [o](Context& ctx) {
                    if (o->boot < 0) throw Error(Kind::usage, "--boot must be >= 0");
                    const bool voxelwise = !o->x_images.empty() || !o->m_images.empty() || !o->y_images.empty();
                    if (!voxelwise) {
                        if (o->x.empty() || o->y.empty() || o->m.empty())
                            throw Error(Kind::usage, "give --x, --m and --y").hint("e.g. algia mediate --table t.tsv --x arm --m pcs_change --y pain_change");
                        if (o->boot < 1) throw Error(Kind::usage, "table mediation needs --boot >= 1");
                        return run_table(*o, ctx);
                    }
                    return run_images(*o, ctx);
                };
            }};
}

}  // namespace algia::cli
