#include "algia/simulate/study.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <unistd.h>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/core/random.hpp"
#include "algia/core/version.hpp"
#include "algia/image/image.hpp"
#include "algia/io/json.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/tsv.hpp"

namespace fs = std::filesystem;

namespace algia::simulate {

namespace {

// ---- Designs -----------------------------------------------------------------------------

std::map<std::string, Effect> default_effects() {
    return {
        {"pain_arm_effect", {-2.0, -8, 8, "extra pre->post change in pain (0-10) in the first arm vs the others"}},
        {"mindbrain_pre", {0.10, 0, 1, "probability that a named cause is mind/brain at the first visit"}},
        {"mindbrain_post_treated", {0.50, 0, 1, "same, at later visits, first arm"}},
        {"mindbrain_post_control", {0.12, 0, 1, "same, at later visits, other arms"}},
        {"mindbrain_pain_b", {-0.6, -5, 5, "pain change per unit change in mind-brain score (mediation b path)"}},
        {"signature_arm_effect", {-0.45, -3, 3, "pre->post change in signature response of the first arm (SD units)"}},
        {"temperature_slope", {0.35, 0, 3, "signature response per degree C (SD units)"}},
        {"dmn_base", {0.35, 0, 0.9, "within-DMN correlation (loading) at zero years of pain"}},
        {"dmn_years_slope", {0.015, -0.05, 0.05, "direct increase of DMN loading per year lived with pain"}},
        {"coping_years_a", {-0.05, -1, 1, "coping score (SD) per year lived with pain (a path)"}},
        {"dmn_coping_b", {-0.06, -0.3, 0.3, "DMN loading per SD of coping (b path)"}},
        {"gm_pcs_slope", {-0.02, -0.2, 0.2, "grey-matter change in control-network regions per point of PCS change"}},
    };
}

std::vector<Design> make_designs() {
    std::vector<Design> out;
    Design demo;
    demo.name = "demo";
    demo.description = "small study exercising every analysis: 2 arms, pre/post, rest + heat runs, 6 mm";
    demo.participants = 8;
    demo.arms = {"treatment", "control"};
    demo.sessions = {"pre", "post"};
    demo.voxel_size = 6.0;
    demo.rest_volumes = 80;
    demo.heat_volumes = 80;
    demo.regions = 40;
    demo.effects = default_effects();
    out.push_back(demo);
    Design prt = demo;
    prt.name = "reprocessing-trial";
    prt.description = "pain reprocessing therapy vs placebo vs usual care (Ashar 2022 shape)";
    prt.participants = 60;
    prt.arms = {"prt", "placebo", "usual_care"};
    prt.voxel_size = 4.0;
    prt.rest_volumes = 150;
    prt.heat_volumes = 150;
    prt.regions = 100;
    prt.effects["pain_arm_effect"].value = -1.7;
    out.push_back(prt);
    Design mbsr = prt;
    mbsr.name = "mindfulness-signatures";
    mbsr.description = "MBSR vs active control vs waitlist, signature responses (Wielgosz 2022 shape)";
    mbsr.arms = {"mbsr", "hep", "waitlist"};
    mbsr.effects["signature_arm_effect"].value = -0.43;
    out.push_back(mbsr);
    Design dmn = prt;
    dmn.name = "dmn-chronicity";
    dmn.description = "one resting-state visit, DMN perturbation with years lived with pain (Heukamp shape)";
    dmn.arms = {"cbp"};
    dmn.sessions = {"baseline"};
    dmn.participants = 60;
    dmn.heat_volumes = 0;
    out.push_back(dmn);
    Design stress = prt;
    stress.name = "stress-morphometry";
    stress.description = "CBT pre/post grey matter and catastrophizing (Seminowicz 2013 shape)";
    stress.arms = {"cbt", "control"};
    stress.participants = 26;
    stress.rest_volumes = 60;
    stress.heat_volumes = 0;
    out.push_back(stress);
    return out;
}

// ---- Anatomy -----------------------------------------------------------------------------

struct Anatomy {
    image::Grid grid;
    std::vector<float> gm;            // grey-matter probability
    std::vector<std::uint8_t> brain;  // inside the brain
    std::vector<std::uint8_t> wm, csf;
    std::vector<std::int32_t> region; // 0 = none, else 1..R
    std::vector<std::string> names, networks;
    std::vector<float> pattern;       // the planted pain pattern
};

const char* hemi(double x) { return x < 0 ? "LH" : "RH"; }  // world x < 0 is left (RAS mm)

Anatomy make_anatomy(const Design& d, std::uint64_t seed) {
    Anatomy a;
    const double vs = d.voxel_size;
    a.grid.dims = {std::int64_t(std::lround(182 / vs)), std::int64_t(std::lround(218 / vs)), std::int64_t(std::lround(182 / vs))};
    a.grid.affine << -vs, 0, 0, 90, 0, vs, 0, -126, 0, 0, vs, -72, 0, 0, 0, 1;
    const std::size_t n = std::size_t(a.grid.voxels());
    a.gm.assign(n, 0.0f);
    a.brain.assign(n, 0);
    a.wm.assign(n, 0);
    a.csf.assign(n, 0);
    a.region.assign(n, 0);
    // Region seeds: canonical default-mode nodes first, then pseudo-random points in the brain.
    struct Seed {
        double x, y, z;
        std::string net;
    };
    std::vector<Seed> seeds = {{-6, -52, 28, "Default"}, {6, -52, 28, "Default"}, {-5, 50, 8, "Default"},
                               {5, 50, 8, "Default"},    {-46, -66, 30, "Default"}, {46, -66, 30, "Default"}};
    Rng rng(seed, 0xA7);
    auto inside = [](double x, double y, double z) {
        return (x / 68) * (x / 68) + ((y + 18) / 86) * ((y + 18) / 86) + ((z - 10) / 62) * ((z - 10) / 62);
    };
    while (int(seeds.size()) < d.regions) {
        const double x = -65 + 130 * rng.uniform(), y = -100 + 160 * rng.uniform(), z = -45 + 110 * rng.uniform();
        if (inside(x, y, z) > 0.8) continue;
        std::string net;
        if (y < -70) net = "Vis";
        else if (z > 45 && std::abs(y + 10) < 30) net = "SomMot";
        else if (z < -15) net = "Limbic";
        else if (std::abs(x) > 30 && y > 10) net = "Cont";
        else if (std::abs(x) > 25 && y < -30) net = "DorsAttn";
        else if (std::abs(x) < 15 && (y < -40 || y > 35) && z > 0) net = "Default";
        else net = "SalVentAttn";
        seeds.push_back({x, y, z, net});
    }
    std::map<std::string, int> count;
    for (const auto& s : seeds)
        a.names.push_back(fmt::format("7Networks_{}_{}_{}", hemi(s.x), s.net, ++count[s.net + hemi(s.x)])),
            a.networks.push_back(s.net);
    // Planted pain pattern: positive in insula / dACC / thalamus / S2, negative in default mode.
    struct Blob {
        double x, y, z, w;
    };
    const std::vector<Blob> blobs = {{-38, 6, 2, 1.0},   {38, 6, 2, 1.0},    {0, 18, 36, 0.9}, {-10, -18, 6, 0.8},
                                     {10, -18, 6, 0.8},  {-52, -24, 20, 0.7}, {52, -24, 20, 0.7}, {0, -52, 28, -0.6},
                                     {0, 50, 8, -0.5}};
    a.pattern.assign(n, 0.0f);
    for (std::int64_t k = 0; k < a.grid.dims[2]; ++k)
        for (std::int64_t j = 0; j < a.grid.dims[1]; ++j)
            for (std::int64_t i = 0; i < a.grid.dims[0]; ++i) {
                const auto w = a.grid.world(double(i), double(j), double(k));
                const double r = std::sqrt(inside(w[0], w[1], w[2]));
                const std::size_t v = std::size_t(a.grid.index(i, j, k));
                if (r >= 1.0) continue;
                a.brain[v] = 1;
                const bool ventricle = std::abs(w[0]) < 12 && std::abs(w[1] + 10) < 22 && std::abs(w[2] - 12) < 10;
                if (ventricle) {
                    a.csf[v] = 1;
                    a.gm[v] = 0.05f;
                    continue;
                }
                a.gm[v] = r > 0.72 ? 0.85f : 0.15f;
                if (r <= 0.72) a.wm[v] = 1;
                if (r > 0.72) {
                    double best = 1e30;
                    int which = 0;
                    for (std::size_t s = 0; s < seeds.size(); ++s) {
                        const double dx = w[0] - seeds[s].x, dy = w[1] - seeds[s].y, dz = w[2] - seeds[s].z;
                        const double dd = dx * dx + dy * dy + dz * dz;
                        if (dd < best) best = dd, which = int(s) + 1;
                    }
                    a.region[v] = which;
                }
                double p = 0;
                for (const auto& b : blobs) {
                    const double dx = w[0] - b.x, dy = w[1] - b.y, dz = w[2] - b.z;
                    p += b.w * std::exp(-(dx * dx + dy * dy + dz * dz) / (2 * 12.0 * 12.0));
                }
                a.pattern[v] = float(p);
            }
    return a;
}

// Item scores (0..max each) that add up to `total` (clamped to what the items allow).
std::vector<int> items_for_total(int total, int n, int max, Rng& rng) {
    std::vector<int> items(static_cast<std::size_t>(n), 0);
    total = std::clamp(total, 0, n * max);
    for (int k = 0; k < total; ++k) {
        std::size_t i = std::size_t(rng.below(std::uint64_t(n)));
        while (items[i] >= max) i = (i + 1) % items.size();
        ++items[i];
    }
    return items;
}

struct Instrument {
    const char* name;
    int items, max;
};
// PCS 13 items 0-4; RMDQ 24 yes/no; PHQ-9 9 items 0-3; GAD-7 7 items 0-3.
const Instrument instruments[] = {{"pcs", 13, 4}, {"rmdq", 24, 1}, {"phq9", 9, 3}, {"gad7", 7, 3}};

// An AR(1)-filtered Gaussian series (1/f-like), unit variance.
std::vector<double> slow_series(Rng& rng, int n, double rho) {
    std::vector<double> x(static_cast<std::size_t>(n));
    double prev = rng.normal();
    for (int t = 0; t < n; ++t) {
        prev = rho * prev + std::sqrt(1 - rho * rho) * rng.normal();
        x[std::size_t(t)] = prev;
    }
    return x;
}

const std::map<std::string, std::vector<std::string>>& phrase_bank() {
    static const std::map<std::string, std::vector<std::string>> bank = {
        {"injury", {"lifting a heavy box at work", "a car accident", "a fall on the ice", "a sports injury"}},
        {"activity", {"too much running", "gardening all weekend", "carrying my kids"}},
        {"spinal condition", {"a herniated disc", "arthritis in my spine", "degenerated discs", "scoliosis"}},
        {"physiology", {"tight muscles", "inflammation in my back", "weak core muscles"}},
        {"hereditary", {"it runs in my family", "my genes"}},
        {"stress", {"stress at work", "a stressful divorce", "money worries"}},
        {"sedentary", {"sitting all day", "lack of exercise"}},
        {"age", {"getting older", "wear and tear with age"}},
        {"negligence", {"bad posture", "not stretching enough"}},
        {"psychological", {"anxiety", "depression", "fear of moving", "emotions I hold in"}},
        {"brain", {"my brain is stuck in a pain loop", "oversensitive nerves", "pain my brain learned"}},
        {"other", {"bad luck", "the weather"}},
    };
    return bank;
}

std::string draw_cause(Rng& rng, bool mindbrain) {
    static const std::vector<std::string> mind = {"stress", "psychological", "brain"};
    static const std::vector<std::string> body = {"injury", "activity", "spinal condition", "physiology", "hereditary",
                                                  "sedentary", "age", "negligence", "other"};
    const auto& cats = mindbrain ? mind : body;
    const auto& cat = cats[rng.below(cats.size())];
    const auto& phrases = phrase_bank().at(cat);
    return phrases[rng.below(phrases.size())];
}

void write_image(const std::string& path, const image::Grid& g, std::int64_t volumes, const std::vector<float>& data,
                 double tr, const Context& ctx) {
    image::Image<float> img(g, volumes);
    std::copy(data.begin(), data.end(), img.data());
    img.set_tr(tr);
    io::WriteOptions wo;
    wo.descrip = "algia simulate";
    wo.xform_code = 4;
    io::write_nifti(path, img, ctx, wo);
}

struct Person {
    std::string id, arm;
    int arm_index = 0;
    double age = 0, years = 0, coping = 0, dmn_loading = 0;
    std::string sex;
    std::vector<double> pain, pcs, rmdq, phq9, gad7, signature;
    std::vector<std::map<std::string, std::vector<int>>> items;  // per session: instrument -> item scores
    std::vector<int> mindbrain;
    std::vector<std::array<std::string, 3>> causes;
};

// Confound regressors of a run, fMRIPrep column names and conventions.
io::Table confounds_table(const Eigen::MatrixXd& motion, const std::vector<double>& csf, const std::vector<double>& wm,
                          const std::vector<double>& gs, const std::vector<double>& dvars,
                          const Eigen::MatrixXd& compcor, double tr, bool non_steady_first) {
    const int n = int(motion.rows());
    std::vector<std::string> cols;
    std::vector<std::vector<double>> vals;
    auto add_expanded = [&](const std::string& name, const std::vector<double>& x) {
        std::vector<double> d(x.size(), NAN), p(x.size()), dp(x.size(), NAN);
        for (std::size_t t = 0; t < x.size(); ++t) {
            p[t] = x[t] * x[t];
            if (t > 0) {
                d[t] = x[t] - x[t - 1];
                dp[t] = d[t] * d[t];
            }
        }
        cols.insert(cols.end(), {name, name + "_derivative1", name + "_power2", name + "_derivative1_power2"});
        vals.insert(vals.end(), {x, d, p, dp});
    };
    add_expanded("global_signal", gs);
    add_expanded("csf", csf);
    add_expanded("white_matter", wm);
    static const char* mnames[6] = {"trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"};
    for (int m = 0; m < 6; ++m) {
        std::vector<double> x(static_cast<std::size_t>(n));
        for (int t = 0; t < n; ++t) x[std::size_t(t)] = motion(t, m);
        add_expanded(mnames[m], x);
    }
    std::vector<double> fd(static_cast<std::size_t>(n), NAN), sd(std::size_t(n), NAN), dv(std::size_t(n), NAN);
    double mean_dvars = 0;
    for (int t = 1; t < n; ++t) mean_dvars += dvars[std::size_t(t)] / (n - 1);
    for (int t = 1; t < n; ++t) {
        double f = 0;
        for (int m = 0; m < 3; ++m) f += std::abs(motion(t, m) - motion(t - 1, m));
        for (int m = 3; m < 6; ++m) f += 50.0 * std::abs(motion(t, m) - motion(t - 1, m));
        fd[std::size_t(t)] = f;
        dv[std::size_t(t)] = dvars[std::size_t(t)];
        sd[std::size_t(t)] = dvars[std::size_t(t)] / mean_dvars;
    }
    cols.insert(cols.end(), {"framewise_displacement", "dvars", "std_dvars"});
    vals.insert(vals.end(), {fd, dv, sd});
    for (Eigen::Index c = 0; c < compcor.cols(); ++c) {
        std::vector<double> x(static_cast<std::size_t>(n));
        for (int t = 0; t < n; ++t) x[std::size_t(t)] = compcor(t, c);
        cols.push_back(fmt::format("a_comp_cor_{:02d}", c));
        vals.push_back(x);
    }
    // DCT-II cosine regressors for a 128 s high-pass, as fMRIPrep writes them.
    const int order = int(std::floor(2.0 * n * tr / 128.0));
    for (int k = 1; k <= order; ++k) {
        std::vector<double> x(static_cast<std::size_t>(n));
        for (int t = 0; t < n; ++t) x[std::size_t(t)] = std::sqrt(2.0 / n) * std::cos(M_PI / n * (t + 0.5) * k);
        cols.push_back(fmt::format("cosine{:02d}", k - 1));
        vals.push_back(x);
    }
    if (non_steady_first) {
        std::vector<double> x(static_cast<std::size_t>(n), 0.0);
        x[0] = 1.0;
        cols.push_back("non_steady_state_outlier00");
        vals.push_back(x);
    }
    io::Table table(cols);
    for (int t = 0; t < n; ++t) {
        std::vector<std::string> row;
        for (const auto& v : vals) row.push_back(io::format_number(v[std::size_t(t)]));
        table.add_row(std::move(row));
    }
    return table;
}

// One BOLD run: region signals (rest) or evoked responses (heat), noise, motion artefacts.
struct RunOut {
    std::vector<float> data;
    io::Table confounds;
    io::Json confounds_json;
};

RunOut simulate_run(const Anatomy& a, const Design& d, int volumes, Rng& rng, const std::vector<double>* evoked,
                    double dmn_loading, double other_loading) {
    const std::size_t nv = std::size_t(a.grid.voxels());
    const int R = int(a.names.size());
    // Network factors and region signals.
    std::map<std::string, std::vector<double>> factor;
    for (const auto& net : a.networks)
        if (!factor.count(net)) factor[net] = slow_series(rng, volumes, 0.85);
    std::vector<std::vector<double>> region(static_cast<std::size_t>(R));
    for (int r = 0; r < R; ++r) {
        const double w = a.networks[std::size_t(r)] == "Default" ? dmn_loading : other_loading;
        const auto own = slow_series(rng, volumes, 0.6);
        const auto& f = factor[a.networks[std::size_t(r)]];
        region[std::size_t(r)].resize(std::size_t(volumes));
        for (int t = 0; t < volumes; ++t)
            region[std::size_t(r)][std::size_t(t)] = std::sqrt(w) * f[std::size_t(t)] + std::sqrt(1 - w) * own[std::size_t(t)];
    }
    // Head motion: slow drifts plus a few sudden movements.
    Eigen::MatrixXd motion(volumes, 6);
    for (int m = 0; m < 6; ++m) {
        double x = 0;
        const double scale = m < 3 ? 0.02 : 0.0004;
        for (int t = 0; t < volumes; ++t) {
            x += scale * rng.normal();
            motion(t, m) = x;
        }
    }
    const int spikes = std::max(1, volumes / 40);
    for (int s = 0; s < spikes; ++s) {
        const int t = 2 + int(rng.below(std::uint64_t(std::max(1, volumes - 3))));
        for (int m = 0; m < 3; ++m) motion(t, m) += 0.4 * rng.normal();
    }
    // Spatially smooth noise: a few broad Gaussian fields, each with its own slow time course.
    constexpr int n_fields = 4;
    std::vector<std::array<double, 4>> fields;  // x, y, z, amplitude
    std::vector<std::vector<double>> field_ts;
    for (int k = 0; k < n_fields; ++k) {
        fields.push_back({-50 + 100 * rng.uniform(), -90 + 120 * rng.uniform(), -30 + 80 * rng.uniform(), 4.0});
        field_ts.push_back(slow_series(rng, volumes, 0.9));
    }
    RunOut out;
    out.data.assign(nv * std::size_t(volumes), 0.0f);
    std::vector<double> csf(static_cast<std::size_t>(volumes), 0), wm(std::size_t(volumes), 0), gs(std::size_t(volumes), 0);
    double ncsf = 0, nwm = 0, nb = 0;
    std::vector<std::size_t> nuisance_voxels;
    for (std::size_t v = 0; v < nv; ++v) {
        if (!a.brain[v]) continue;
        const double base = a.csf[v] ? 1400.0 : (a.wm[v] ? 800.0 : 1000.0);
        const int r = a.region[v] - 1;
        const double amp = r >= 0 ? 12.0 : 4.0;
        const double mx = rng.normal(), my = rng.normal(), mz = rng.normal();  // voxel's motion sensitivity
        const std::int64_t vi = std::int64_t(v);
        const auto w = a.grid.world(double(vi % a.grid.dims[0]), double((vi / a.grid.dims[0]) % a.grid.dims[1]),
                                    double(vi / (a.grid.dims[0] * a.grid.dims[1])));
        double fw[n_fields];
        for (int k = 0; k < n_fields; ++k) {
            const double dx = w[0] - fields[std::size_t(k)][0], dy = w[1] - fields[std::size_t(k)][1], dz = w[2] - fields[std::size_t(k)][2];
            fw[k] = fields[std::size_t(k)][3] * std::exp(-(dx * dx + dy * dy + dz * dz) / (2 * 25.0 * 25.0));
        }
        for (int t = 0; t < volumes; ++t) {
            double x = base + 6.0 * rng.normal();
            for (int k = 0; k < n_fields; ++k) x += fw[k] * field_ts[std::size_t(k)][std::size_t(t)];
            if (r >= 0) x += amp * region[std::size_t(r)][std::size_t(t)];
            if (evoked) x += base * 0.01 * a.pattern[v] * (*evoked)[std::size_t(t)];
            x += 40.0 * (mx * motion(t, 0) + my * motion(t, 1) + mz * motion(t, 2));
            if (t == 0) x *= 1.08;  // non-steady state
            out.data[v + std::size_t(t) * nv] = float(x);
        }
        nb += 1;
        if (a.csf[v]) ncsf += 1;
        if (a.wm[v]) nwm += 1;
        if ((a.csf[v] || a.wm[v]) && nuisance_voxels.size() < 3000) nuisance_voxels.push_back(v);
    }
    std::vector<double> dvars(static_cast<std::size_t>(volumes), 0.0);
    for (int t = 0; t < volumes; ++t) {
        double ds = 0;
        for (std::size_t v = 0; v < nv; ++v) {
            if (!a.brain[v]) continue;
            const double x = out.data[v + std::size_t(t) * nv];
            gs[std::size_t(t)] += x / nb;
            if (a.csf[v]) csf[std::size_t(t)] += x / std::max(1.0, ncsf);
            if (a.wm[v]) wm[std::size_t(t)] += x / std::max(1.0, nwm);
            if (t > 0) {
                const double dd = x - out.data[v + std::size_t(t - 1) * nv];
                ds += dd * dd;
            }
        }
        dvars[std::size_t(t)] = std::sqrt(ds / nb);
    }
    // aCompCor: principal components of detrended white-matter + CSF signals.
    const int nc = std::min<int>(5, volumes - 2);
    Eigen::MatrixXd Y(volumes, Eigen::Index(nuisance_voxels.size()));
    for (std::size_t c = 0; c < nuisance_voxels.size(); ++c)
        for (int t = 0; t < volumes; ++t) Y(t, Eigen::Index(c)) = out.data[nuisance_voxels[c] + std::size_t(t) * nv];
    Y.rowwise() -= Y.colwise().mean();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(Y * Y.transpose());
    Eigen::MatrixXd comp(volumes, nc);
    const double total = es.eigenvalues().sum();
    double cum = 0;
    out.confounds_json = io::Json::object();
    for (int c = 0; c < nc; ++c) {
        const Eigen::Index idx = volumes - 1 - c;
        comp.col(c) = es.eigenvectors().col(idx);
        const double ve = es.eigenvalues()[idx] / total;
        cum += ve;
        out.confounds_json[fmt::format("a_comp_cor_{:02d}", c)] = {{"Method", "aCompCor"}, {"Mask", "combined"},
                                                                   {"Retained", true}, {"VarianceExplained", ve},
                                                                   {"CumulativeVarianceExplained", cum},
                                                                   {"SingularValue", std::sqrt(es.eigenvalues()[idx])}};
    }
    // Deterministic sign: first entry positive.
    for (int c = 0; c < nc; ++c)
        if (comp(0, c) < 0) comp.col(c) *= -1;
    out.confounds = confounds_table(motion, csf, wm, gs, dvars, comp, d.tr, true);
    return out;
}

}  // namespace

// SPM canonical HRF sampled every dt seconds (peak 6 s, undershoot 16 s, ratio 1/6), sum 1.
std::vector<double> spm_hrf(double dt, double length) {
    auto gpdf = [](double x, double shape) { return x <= 0 ? 0.0 : std::exp((shape - 1) * std::log(x) - x - std::lgamma(shape)); };
    std::vector<double> h;
    double s = 0;
    for (double t = 0; t < length; t += dt) {
        h.push_back(gpdf(t, 6.0) - gpdf(t, 16.0) / 6.0);
        s += h.back();
    }
    for (auto& v : h) v /= s;
    return h;
}

std::vector<Design> designs() { return make_designs(); }

const Design& design(const std::string& name) {
    static const std::vector<Design> all = make_designs();
    for (const auto& d : all)
        if (d.name == name) return d;
    std::string names;
    for (const auto& d : all) names += (names.empty() ? "" : ", ") + d.name;
    throw Error(Kind::usage, fmt::format("unknown design '{}'", name)).hint(fmt::format("use one of: {}", names));
}

void set_effect(Design& d, const std::string& key, double value) {
    auto it = d.effects.find(key);
    if (it == d.effects.end()) {
        std::string keys;
        for (const auto& [k, _] : d.effects) keys += (keys.empty() ? "" : ", ") + k;
        throw Error(Kind::usage, fmt::format("design '{}' has no effect '{}'", d.name, key)).hint(fmt::format("effects: {}", keys));
    }
    if (!(value >= it->second.min && value <= it->second.max))
        throw Error(Kind::usage, fmt::format("effect {} = {} is outside its range [{}, {}]", key, value, it->second.min,
                                             it->second.max))
            .hint("choose a value in the range (`algia simulate --list` shows them)");
    it->second.value = value;
}

void simulate_study(const Design& d, const std::string& out, std::uint64_t seed, const Context& ctx) {
    if (d.participants < 2)
        throw Error(Kind::usage, fmt::format("--participants {} is too few", d.participants)).hint("simulate at least 2 participants");
    if (d.sessions.empty()) throw Error(Kind::usage, "no sessions given").hint("e.g. --sessions pre,post");
    if (d.voxel_size < 1.5 || d.voxel_size > 12)
        throw Error(Kind::usage, fmt::format("--voxel-size {} mm is outside 1.5-12 mm", d.voxel_size));
    if ((d.rest_volumes != 0 && d.rest_volumes < 30) || (d.heat_volumes != 0 && d.heat_volumes < 30))
        throw Error(Kind::usage, "runs need at least 30 volumes").hint("pass --volumes 30 or more");
    std::error_code ec;
    if (fs::exists(out, ec) && !(fs::is_directory(out, ec) && fs::is_empty(out, ec)))
        throw Error(Kind::usage, fmt::format("{}: the output folder exists and is not empty", out))
            .hint("choose a new folder; algia simulate never writes into an existing dataset");
    const fs::path target(out);
    const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
    if (!fs::is_directory(parent, ec))
        throw Error(Kind::io, fmt::format("{}: the folder {} does not exist", out, parent.string()))
            .hint(fmt::format("create it first (mkdir -p {})", parent.string()));
    const fs::path tmp = parent / fmt::format(".{}.algia-tmp-{}", target.filename().string(), ::getpid());
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp);
    struct Cleanup {
        fs::path p;
        bool keep = false;
        ~Cleanup() {
            std::error_code e;
            if (!keep) fs::remove_all(p, e);
        }
    } cleanup{tmp};

    auto eff = [&](const char* k) { return d.effects.at(k).value; };
    const Anatomy a = make_anatomy(d, seed);
    fs::create_directories(tmp / "atlas");
    const std::size_t nv = std::size_t(a.grid.voxels());
    {
        std::vector<float> labels(nv), brain(nv), gm(nv), pattern(nv), weights(nv);
        Rng wr(seed, 0xB0);
        for (std::size_t v = 0; v < nv; ++v) {
            labels[v] = float(a.region[v]);
            brain[v] = a.brain[v];
            gm[v] = a.gm[v];
            pattern[v] = a.pattern[v];
            weights[v] = a.brain[v] ? float(a.pattern[v] + 0.05 * wr.normal()) : 0.0f;
        }
        const std::string space = fmt::format("space-MNI152NLin6Asym_res-{:g}mm", d.voxel_size);
        write_image((tmp / "atlas" / ("atlas-sim_" + space + "_dseg.nii.gz")).string(), a.grid, 1, labels, 0, ctx);
        write_image((tmp / "atlas" / (space + "_desc-brain_mask.nii.gz")).string(), a.grid, 1, brain, 0, ctx);
        write_image((tmp / "atlas" / (space + "_label-GM_probseg.nii.gz")).string(), a.grid, 1, gm, 0, ctx);
        write_image((tmp / "atlas" / (space + "_desc-truepain_pattern.nii.gz")).string(), a.grid, 1, pattern, 0, ctx);
        write_image((tmp / "atlas" / (space + "_desc-painsignature_weights.nii.gz")).string(), a.grid, 1, weights, 0, ctx);
        io::Table lt({"index", "name", "network"});
        // The table describes the labels of this image: regions too small to keep a voxel at this
        // resolution are not listed (as a BIDS _dseg.tsv describes its _dseg image).
        std::vector<char> present(a.names.size() + 1, 0);
        for (std::size_t v = 0; v < nv; ++v)
            if (a.region[v] > 0 && std::size_t(a.region[v]) <= a.names.size()) present[std::size_t(a.region[v])] = 1;
        for (std::size_t r = 0; r < a.names.size(); ++r)
            if (present[r + 1]) lt.add_row({std::to_string(r + 1), a.names[r], a.networks[r]});
        io::write_table((tmp / "atlas" / "atlas-sim_dseg.tsv").string(), lt);
    }

    // Participant-level variables (drawn serially: cheap, and the order fixes the streams).
    std::vector<Person> people(static_cast<std::size_t>(d.participants));
    for (int p = 0; p < d.participants; ++p) {
        Rng r(seed, 1000 + std::uint64_t(p));
        Person& x = people[std::size_t(p)];
        x.id = fmt::format("{:02d}", p + 1);
        x.arm_index = p % int(d.arms.size());
        x.arm = d.arms[std::size_t(x.arm_index)];
        x.age = std::round(45 + 12 * r.normal());
        x.sex = r.coin() ? "F" : "M";
        x.years = std::max(0.5, std::round(10 * std::exp(0.7 * r.normal()) * 10) / 10);
        x.coping = eff("coping_years_a") * (x.years - 10) + r.normal();
        x.dmn_loading = std::clamp(eff("dmn_base") + eff("dmn_years_slope") * x.years + eff("dmn_coping_b") * x.coping, 0.02, 0.95);
        const double pain0 = std::clamp(std::round(5.5 + 1.5 * r.normal()), 2.0, 10.0);
        const double pcs0 = std::clamp(std::round(22 + 8 * r.normal()), 0.0, 52.0);
        const double sig0 = r.normal();
        int mb0 = 0;
        for (std::size_t s = 0; s < d.sessions.size(); ++s) {
            const bool later = s > 0;
            const bool treated = x.arm_index == 0;
            const double pmb = !later ? eff("mindbrain_pre") : (treated ? eff("mindbrain_post_treated") : eff("mindbrain_post_control"));
            std::array<std::string, 3> causes;
            int mb = 0;
            for (auto& c : causes) {
                const bool m = r.uniform() < pmb;
                mb += m;
                c = draw_cause(r, m);
            }
            if (!later) mb0 = mb;
            double pain = pain0;
            if (later) {
                const double improvement = (treated ? -eff("pain_arm_effect") : 0.0) - eff("mindbrain_pain_b") * (mb - mb0) + 0.8 + 1.2 * r.normal();
                pain = std::clamp(std::round(pain0 - improvement), 0.0, 10.0);
            }
            const double pcs = std::clamp(std::round(pcs0 + (pain - pain0) * 2.0 + 3 * r.normal()), 0.0, 52.0);
            x.pain.push_back(pain);
            x.pcs.push_back(pcs);
            x.rmdq.push_back(std::clamp(std::round(pain * 1.6 + 2 * r.normal()), 0.0, 24.0));
            x.phq9.push_back(std::clamp(std::round(6 + 0.6 * pain + 3 * r.normal()), 0.0, 27.0));
            x.gad7.push_back(std::clamp(std::round(5 + 0.4 * pain + 3 * r.normal()), 0.0, 21.0));
            std::map<std::string, std::vector<int>> it;
            const double totals[4] = {pcs, x.rmdq.back(), x.phq9.back(), x.gad7.back()};
            for (int k = 0; k < 4; ++k)
                it[instruments[k].name] = items_for_total(int(totals[k]), instruments[k].items, instruments[k].max, r);
            x.items.push_back(it);
            x.mindbrain.push_back(mb);
            x.causes.push_back(causes);
            x.signature.push_back(sig0 + (later && treated ? eff("signature_arm_effect") : 0.0) + 0.3 * r.normal());
        }
    }

    // Images, one participant per task.
    const bool rest = d.rest_volumes > 0, heat = d.heat_volumes > 0;
    ProgressScope progress(ctx.progress(), "simulate", std::uint64_t(d.participants));
    Context inner = ctx;
    inner.set_threads(1);
    std::vector<io::Json> trial_truth(std::size_t(d.participants));
    parallel_for(ctx, std::size_t(d.participants), 1, [&](std::size_t b, std::size_t e) {
        for (std::size_t p = b; p < e; ++p) {
            const Person& x = people[p];
            for (std::size_t s = 0; s < d.sessions.size(); ++s) {
                Rng r(seed, 100000 + p * 100 + s);
                const std::string ses = d.sessions[s];
                const std::string stem = fmt::format("sub-{}_ses-{}", x.id, ses);
                const fs::path func = tmp / ("sub-" + x.id) / ("ses-" + ses) / "func";
                const fs::path anat = tmp / ("sub-" + x.id) / ("ses-" + ses) / "anat";
                fs::create_directories(func);
                fs::create_directories(anat);
                const std::string space = "space-MNI152NLin6Asym";
                if (rest) {
                    auto run = simulate_run(a, d, d.rest_volumes, r, nullptr, x.dmn_loading, 0.4);
                    write_image((func / (stem + "_task-rest_" + space + "_desc-preproc_bold.nii.gz")).string(), a.grid,
                                d.rest_volumes, run.data, d.tr, inner);
                    io::write_json((func / (stem + "_task-rest_" + space + "_desc-preproc_bold.json")).string(),
                                   io::Json{{"RepetitionTime", d.tr}, {"TaskName", "rest"}, {"SkullStripped", true}});
                    io::write_table((func / (stem + "_task-rest_desc-confounds_timeseries.tsv")).string(), run.confounds);
                    io::write_json((func / (stem + "_task-rest_desc-confounds_timeseries.json")).string(), run.confounds_json);
                }
                if (heat) {
                    // Heat trials every ~20 s; response = HRF * (slope x temperature + person/session effect).
                    const double run_len = d.heat_volumes * d.tr;
                    io::Table ev({"onset", "duration", "trial_type", "temperature", "rating"});
                    std::vector<double> stick(static_cast<std::size_t>(d.heat_volumes * 10), 0.0);  // 0.1 TR resolution
                    io::Json trials = io::Json::array();
                    for (double onset = 8 + 4 * r.uniform(); onset + 12 < run_len - 16; onset += 18 + 4 * r.uniform()) {
                        const double temp = 44 + double(r.below(6));
                        const double amp = 1.0 + eff("temperature_slope") * (temp - 46.5) + 0.3 * x.signature[s];
                        const double rating = std::clamp(std::round(50 + 25 * (amp - 1) + 8 * r.normal()), 0.0, 100.0);
                        ev.add_row({io::format_number(std::round(onset * 100) / 100), "10", "heat", io::format_number(temp),
                                    io::format_number(rating)});
                        trials.push_back({{"onset", std::round(onset * 100) / 100}, {"temperature", temp}, {"amplitude", amp}});
                        for (double t = onset; t < onset + 10; t += d.tr / 10) {
                            const std::size_t k = std::size_t(t / (d.tr / 10));
                            if (k < stick.size()) stick[k] += amp;
                        }
                    }
                    const auto h = spm_hrf(d.tr / 10);
                    std::vector<double> evoked(static_cast<std::size_t>(d.heat_volumes), 0.0);
                    for (int t = 0; t < d.heat_volumes; ++t) {
                        double s2 = 0;
                        const std::size_t k = std::size_t(t) * 10;
                        for (std::size_t j = 0; j < h.size() && j <= k; ++j) s2 += h[j] * stick[k - j];
                        evoked[std::size_t(t)] = s2 * 10;  // per-second stick scale
                    }
                    auto run = simulate_run(a, d, d.heat_volumes, r, &evoked, 0.3, 0.3);
                    write_image((func / (stem + "_task-heat_" + space + "_desc-preproc_bold.nii.gz")).string(), a.grid,
                                d.heat_volumes, run.data, d.tr, inner);
                    io::write_json((func / (stem + "_task-heat_" + space + "_desc-preproc_bold.json")).string(),
                                   io::Json{{"RepetitionTime", d.tr}, {"TaskName", "heat"}, {"StartTime", 0.0}});
                    io::write_table((func / (stem + "_task-heat_desc-confounds_timeseries.tsv")).string(), run.confounds);
                    io::write_json((func / (stem + "_task-heat_desc-confounds_timeseries.json")).string(), run.confounds_json);
                    io::write_table((func / (stem + "_task-heat_events.tsv")).string(), ev);
                    trial_truth[p][ses] = trials;
                }
                // Grey matter: control-network regions follow the catastrophizing change.
                std::vector<float> gm(nv);
                const double dpcs = x.pcs[s] - x.pcs[0];
                for (std::size_t v = 0; v < nv; ++v) {
                    double g = a.gm[v];
                    const int reg = a.region[v] - 1;
                    if (reg >= 0 && a.networks[std::size_t(reg)] == "Cont") g *= 1.0 + eff("gm_pcs_slope") * dpcs;
                    if (a.brain[v]) g += 0.02 * r.normal();
                    gm[v] = float(std::clamp(g, 0.0, 1.0));
                }
                write_image((anat / (stem + "_" + space + "_label-GM_probseg.nii.gz")).string(), a.grid, 1, gm, 0, inner);
            }
            progress.advance();
        }
    });

    // participants.tsv (wide: one column per measure and visit) with its JSON.
    std::vector<std::string> cols = {"participant_id", "arm", "age", "sex", "years_with_pain", "coping"};
    for (const auto& ses : d.sessions)
        for (const char* m : {"pain", "pcs", "rmdq", "phq9", "gad7", "cause1", "cause2", "cause3"})
            cols.push_back(std::string(m) + "_" + ses);
    for (const auto& ses : d.sessions)
        for (const auto& ins : instruments)
            for (int i = 1; i <= ins.items; ++i) cols.push_back(fmt::format("{}_{:02d}_{}", ins.name, i, ses));
    io::Table pt(cols);
    for (const auto& x : people) {
        std::vector<std::string> row = {"sub-" + x.id, x.arm, io::format_number(x.age), x.sex, io::format_number(x.years),
                                        io::format_number(std::round(x.coping * 1000) / 1000)};
        for (std::size_t s = 0; s < d.sessions.size(); ++s) {
            for (double v : {x.pain[s], x.pcs[s], x.rmdq[s], x.phq9[s], x.gad7[s]}) row.push_back(io::format_number(v));
            for (const auto& c : x.causes[s]) row.push_back(c);
        }
        for (std::size_t s = 0; s < d.sessions.size(); ++s)
            for (const auto& ins : instruments)
                for (int v : x.items[s].at(ins.name)) row.push_back(std::to_string(v));
        pt.add_row(std::move(row));
    }
    io::write_table((tmp / "participants.tsv").string(), pt);

    // truth.json: every planted value, per participant too.
    io::Json truth;
    truth["design"] = d.name;
    truth["seed"] = seed;
    truth["generator"] = std::string("algia ") + version();
    io::Json effects = io::Json::object();
    for (const auto& [k, e] : d.effects) effects[k] = {{"value", e.value}, {"doc", e.doc}};
    truth["effects"] = effects;
    truth["arms"] = d.arms;
    truth["sessions"] = d.sessions;
    truth["tr"] = d.tr;
    truth["dmn_regions"] = io::Json::array();
    for (std::size_t r = 0; r < a.names.size(); ++r)
        if (a.networks[r] == "Default") truth["dmn_regions"].push_back(a.names[r]);
    io::Json ppl = io::Json::array();
    for (std::size_t p = 0; p < people.size(); ++p) {
        const auto& x = people[p];
        ppl.push_back({{"participant_id", "sub-" + x.id}, {"arm", x.arm}, {"years_with_pain", x.years},
                       {"coping", x.coping}, {"dmn_loading", x.dmn_loading}, {"mindbrain", x.mindbrain},
                       {"signature", x.signature}, {"heat_trials", trial_truth[p]}});
    }
    truth["participants"] = ppl;
    // Expected responder rates (last visit pain 0-1) and mean pain change per arm, by Monte Carlo
    // of the same generative model (200,000 draws per arm, a stream of its own).
    if (d.sessions.size() > 1) {
        io::Json rates = io::Json::object(), changes = io::Json::object();
        for (std::size_t a = 0; a < d.arms.size(); ++a) {
            Rng mc(seed, 0xC0DE + a);
            const bool treated = a == 0;
            const int draws = 200000;
            double resp = 0, change = 0;
            for (int i = 0; i < draws; ++i) {
                const double pain0 = std::clamp(std::round(5.5 + 1.5 * mc.normal()), 2.0, 10.0);
                int mb0 = 0, mb = 0;
                for (int k = 0; k < 3; ++k) mb0 += mc.uniform() < eff("mindbrain_pre");
                const double p_later = treated ? eff("mindbrain_post_treated") : eff("mindbrain_post_control");
                for (int k = 0; k < 3; ++k) mb += mc.uniform() < p_later;
                const double improvement = (treated ? -eff("pain_arm_effect") : 0.0) - eff("mindbrain_pain_b") * (mb - mb0) + 0.8 + 1.2 * mc.normal();
                const double pain = std::clamp(std::round(pain0 - improvement), 0.0, 10.0);
                resp += pain <= 1.0;
                change += pain - pain0;
            }
            rates[d.arms[a]] = resp / draws;
            changes[d.arms[a]] = change / draws;
        }
        truth["expected_responder_rate"] = rates;
        truth["expected_pain_change"] = changes;
    }
    io::write_json((tmp / "truth.json").string(), truth);
    io::write_json((tmp / "dataset_description.json").string(),
                   io::Json{{"Name", fmt::format("algia simulated study: {}", d.name)},
                            {"BIDSVersion", "1.8.0"},
                            {"DatasetType", "derivative"},
                            {"GeneratedBy", io::Json::array({io::Json{{"Name", "algia simulate"}, {"Version", version()}}})}});
    // Publish atomically.
    if (fs::exists(target, ec)) fs::remove(target, ec);  // an empty folder
    fs::rename(tmp, target, ec);
    if (ec)
        throw Error(Kind::io, fmt::format("{}: cannot move the finished dataset into place: {}", out, ec.message()));
    cleanup.keep = true;
}

}  // namespace algia::simulate
