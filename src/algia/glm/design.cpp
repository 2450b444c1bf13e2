#include "algia/glm/design.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <Eigen/Dense>
#include <boost/math/distributions/gamma.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "algia/core/error.hpp"

namespace algia::glm {

namespace {

struct HrfModelName {
    HrfModel model;
    const char* name;
};
constexpr HrfModelName kHrfNames[] = {
    {HrfModel::spm, "spm"},
    {HrfModel::spm_derivative, "spm + derivative"},
    {HrfModel::spm_derivative_dispersion, "spm + derivative + dispersion"},
    {HrfModel::glover, "glover"},
    {HrfModel::glover_derivative, "glover + derivative"},
    {HrfModel::glover_derivative_dispersion, "glover + derivative + dispersion"},
    {HrfModel::fir, "fir"},
    {HrfModel::none, "none"},
};

double gamma_pdf(double x, double shape, double loc, double scale) {
    const double z = (x - loc) / scale;
    if (!(z > 0)) return 0.0;
    return boost::math::pdf(boost::math::gamma_distribution<double>(shape, 1.0), z) / scale;
}

Eigen::VectorXd gamma_difference_hrf(double tr, int oversampling, double time_length, double onset, double delay,
                                     double undershoot, double dispersion, double u_dispersion, double ratio) {
    const double dt = tr / oversampling;
    const auto n = static_cast<std::size_t>(std::nearbyint(time_length / dt));
    Eigen::VectorXd t = linspace(0.0, time_length, n);
    t.array() -= onset;
    Eigen::VectorXd h(t.size());
    for (Eigen::Index i = 0; i < t.size(); ++i)
        h[i] = gamma_pdf(t[i], delay / dispersion, dt, dispersion) - ratio * gamma_pdf(t[i], undershoot / u_dispersion, dt, u_dispersion);
    h /= h.sum();
    return h;
}

struct GammaParams {
    double delay, undershoot, dispersion, u_dispersion, ratio;
};
constexpr GammaParams kSpm{6, 16, 1, 1, 0.167};
constexpr GammaParams kGlover{6, 12, 0.9, 0.9, 0.35};

Eigen::VectorXd hrf(const GammaParams& p, double tr, int oversampling, double onset = 0.0, double dispersion_shift = 0.0) {
    return gamma_difference_hrf(tr, oversampling, 32.0, onset, p.delay, p.undershoot, p.dispersion + dispersion_shift, p.u_dispersion, p.ratio);
}

Eigen::VectorXd time_derivative(const GammaParams& p, double tr, int oversampling) {
    const double dt = 0.1;
    return 1.0 / dt * (hrf(p, tr, oversampling) - hrf(p, tr, oversampling, dt));
}

Eigen::VectorXd dispersion_derivative(const GammaParams& p, double tr, int oversampling) {
    // nilearn's _generic_dispersion_derivative keeps delay 6 and u_dispersion 1 (its defaults).
    const double dt = 0.01;
    const auto g = [&](double dispersion) {
        return gamma_difference_hrf(tr, oversampling, 32.0, 0.0, 6.0, p.undershoot, dispersion, 1.0, p.ratio);
    };
    return 1.0 / dt * (g(p.dispersion) - g(p.dispersion + dt));
}

// scipy.interpolate.interp1d(x, y)(x_new), linear, x sorted.
double interp_linear(const Eigen::VectorXd& x, const double* y, double xn) {
    const Eigen::Index n = x.size();
    Eigen::Index idx = Eigen::Index(std::lower_bound(x.data(), x.data() + n, xn) - x.data());
    idx = std::clamp<Eigen::Index>(idx, 1, n - 1);
    const Eigen::Index lo = idx - 1, hi = idx;
    const double slope = (y[hi] - y[lo]) / (x[hi] - x[lo]);
    return slope * (xn - x[lo]) + y[lo];
}

bool is_numeric_column(const io::Table& t, std::size_t c) {
    try {
        (void)t.numeric(c);
        return true;
    } catch (const Error&) {
        return false;
    }
}

}  // namespace

HrfModel parse_hrf_model(const std::string& name) {
    std::string s;
    for (char ch : name) s += char(std::tolower(static_cast<unsigned char>(ch)));
    for (const auto& h : kHrfNames)
        if (s == h.name) return h.model;
    throw Error(Kind::usage, fmt::format("unknown HRF model '{}'", name))
        .hint(fmt::format("use one of: {}", fmt::join(hrf_model_names(), ", ")));
}

std::vector<std::string> hrf_model_names() {
    std::vector<std::string> out;
    for (const auto& h : kHrfNames) out.push_back(h.name);
    return out;
}

Eigen::VectorXd linspace(double start, double stop, std::size_t num) {
    Eigen::VectorXd y(static_cast<Eigen::Index>(num));
    if (num == 0) return y;
    if (num == 1) {
        y[0] = start;
        return y;
    }
    const double div = double(num - 1);
    const double delta = stop - start;
    const double step = delta / div;
    for (std::size_t i = 0; i < num; ++i) {
        if (step == 0) y[Eigen::Index(i)] = double(i) / div * delta + start;
        else y[Eigen::Index(i)] = double(i) * step + start;
    }
    y[Eigen::Index(num - 1)] = stop;
    return y;
}

Eigen::VectorXd frame_times(std::size_t volumes, double tr, double slice_time_ref) {
    return linspace(slice_time_ref * tr, (double(volumes) - 1 + slice_time_ref) * tr, volumes);
}

Eigen::VectorXd spm_hrf(double tr, int oversampling, double time_length, double onset) {
    return gamma_difference_hrf(tr, oversampling, time_length, onset, kSpm.delay, kSpm.undershoot, kSpm.dispersion, kSpm.u_dispersion, kSpm.ratio);
}

Eigen::VectorXd glover_hrf(double tr, int oversampling, double time_length, double onset) {
    return gamma_difference_hrf(tr, oversampling, time_length, onset, kGlover.delay, kGlover.undershoot, kGlover.dispersion,
                                kGlover.u_dispersion, kGlover.ratio);
}

std::vector<Eigen::VectorXd> hrf_kernels(HrfModel model, double tr, int oversampling, const std::vector<int>& fir_delays) {
    const GammaParams& p = (model == HrfModel::glover || model == HrfModel::glover_derivative || model == HrfModel::glover_derivative_dispersion) ? kGlover : kSpm;
    switch (model) {
    case HrfModel::spm:
    case HrfModel::glover: return {hrf(p, tr, oversampling)};
    case HrfModel::spm_derivative:
    case HrfModel::glover_derivative: return {hrf(p, tr, oversampling), time_derivative(p, tr, oversampling)};
    case HrfModel::spm_derivative_dispersion:
    case HrfModel::glover_derivative_dispersion:
        return {hrf(p, tr, oversampling), time_derivative(p, tr, oversampling), dispersion_derivative(p, tr, oversampling)};
    case HrfModel::fir: {
        std::vector<Eigen::VectorXd> out;
        for (int f : fir_delays) {
            Eigen::VectorXd k = Eigen::VectorXd::Zero(Eigen::Index(f) * oversampling + oversampling);
            k.tail(oversampling).setConstant(1.0 / oversampling);
            out.push_back(k);
        }
        return out;
    }
    case HrfModel::none: {
        Eigen::VectorXd k = Eigen::VectorXd::Zero(oversampling);
        k[0] = 1;
        return {k};
    }
    }
    return {};
}

std::vector<std::string> regressor_names(const std::string& condition, HrfModel model, const std::vector<int>& fir_delays) {
    switch (model) {
    case HrfModel::spm_derivative:
    case HrfModel::glover_derivative: return {condition, condition + "_derivative"};
    case HrfModel::spm_derivative_dispersion:
    case HrfModel::glover_derivative_dispersion: return {condition, condition + "_derivative", condition + "_dispersion"};
    case HrfModel::fir: {
        std::vector<std::string> out;
        for (int d : fir_delays) out.push_back(fmt::format("{}_delay_{}", condition, d));
        return out;
    }
    default: return {condition};
    }
}

void orthogonalize(Eigen::MatrixXd& X) {
    for (Eigen::Index i = 1; i < X.cols(); ++i) {
        const Eigen::MatrixXd prev = X.leftCols(i);
        // x_i -= (x_i' P) pinv(P): the least-squares projection on the previous columns.
        const Eigen::VectorXd coef = prev.completeOrthogonalDecomposition().solve(X.col(i));
        X.col(i) -= prev * coef;
    }
}

Eigen::MatrixXd compute_regressor(const std::vector<double>& onsets, const std::vector<double>& durations,
                                  const std::vector<double>& amplitudes, HrfModel model, const Eigen::VectorXd& ft,
                                  int oversampling, const std::vector<int>& fir_delays, double min_onset) {
    const Eigen::Index n_frames = ft.size();
    if (n_frames < 2) throw Error(Kind::invalid_input, "a run needs at least 2 volumes for a design matrix");
    // TR = the smallest gap between frame times.
    double tr = INFINITY;
    for (Eigen::Index i = 1; i < n_frames; ++i) tr = std::min(tr, ft[i] - ft[i - 1]);
    // The oversampled grid (_sample_condition).
    const double mini = ft.minCoeff(), maxi = ft.maxCoeff();
    double n_hr = double(n_frames - 1) * 1.0 / (maxi - mini);
    n_hr *= (maxi * (1 + 1.0 / double(n_frames - 1)) - mini - min_onset) * oversampling;
    n_hr += 1;
    const Eigen::VectorXd grid = linspace(mini + min_onset, maxi * (1 + 1.0 / double(n_frames - 1)), std::size_t(std::nearbyint(n_hr)));
    const Eigen::Index tmax = grid.size();
    Eigen::VectorXd reg = Eigen::VectorXd::Zero(tmax);
    const auto search = [&](double v) {
        return std::min<Eigen::Index>(Eigen::Index(std::lower_bound(grid.data(), grid.data() + tmax, v) - grid.data()), tmax - 1);
    };
    std::vector<Eigen::Index> t_on(onsets.size()), t_off(onsets.size());
    for (std::size_t e = 0; e < onsets.size(); ++e) {
        t_on[e] = search(onsets[e]);
        reg[t_on[e]] += amplitudes[e];
    }
    for (std::size_t e = 0; e < onsets.size(); ++e) {
        t_off[e] = search(onsets[e] + durations[e]);
        if (t_off[e] < tmax - 1 && t_off[e] == t_on[e]) t_off[e] += 1;
    }
    for (std::size_t e = 0; e < onsets.size(); ++e) reg[t_off[e]] -= amplitudes[e];
    for (Eigen::Index i = 1; i < tmax; ++i) reg[i] += reg[i - 1];

    const auto kernels = hrf_kernels(model, tr, oversampling, fir_delays);
    Eigen::MatrixXd out(n_frames, Eigen::Index(kernels.size()));
    std::vector<double> conv(static_cast<std::size_t>(tmax));
    for (std::size_t k = 0; k < kernels.size(); ++k) {
        const Eigen::VectorXd& h = kernels[k];
        const Eigen::Index L = h.size();
        // np.convolve(reg, h)[:tmax]; zero stretches of reg are skipped.
        std::fill(conv.begin(), conv.end(), 0.0);
        for (Eigen::Index j = 0; j < tmax; ++j) {
            const double r = reg[j];
            if (r == 0) continue;
            const Eigen::Index m = std::min(L, tmax - j);
            for (Eigen::Index l = 0; l < m; ++l) conv[std::size_t(j + l)] += r * h[l];
        }
        if (model == HrfModel::fir && oversampling > 1) {
            // Resample conv[oversampling-1:] on grid[:1-oversampling].
            const Eigen::Index m = tmax - (oversampling - 1);
            const Eigen::VectorXd g = grid.head(m);
            for (Eigen::Index i = 0; i < n_frames; ++i) out(i, Eigen::Index(k)) = interp_linear(g, conv.data() + (oversampling - 1), ft[i]);
        } else {
            for (Eigen::Index i = 0; i < n_frames; ++i) out(i, Eigen::Index(k)) = interp_linear(grid, conv.data(), ft[i]);
        }
    }
    if (model != HrfModel::fir) orthogonalize(out);
    return out;
}

Eigen::MatrixXd cosine_drift(double high_pass, const Eigen::VectorXd& ft) {
    const Eigen::Index n = ft.size();
    const double dt = (ft[n - 1] - ft[0]) / double(n - 1);
    const Eigen::Index order = std::min<Eigen::Index>(n - 1, Eigen::Index(std::floor(2 * double(n) * high_pass * dt)));
    Eigen::MatrixXd d = Eigen::MatrixXd::Zero(n, order + 1);
    const double normalizer = std::sqrt(2.0 / double(n));
    const double pi = 3.141592653589793;
    for (Eigen::Index k = 1; k <= order; ++k)
        for (Eigen::Index t = 0; t < n; ++t) d(t, k - 1) = normalizer * std::cos((pi / double(n)) * (double(t) + 0.5) * double(k));
    d.col(order).setOnes();
    return d;
}

Eigen::MatrixXd polynomial_drift(int order, const Eigen::VectorXd& ft) {
    const Eigen::Index n = ft.size();
    Eigen::MatrixXd pol(n, order + 1);
    const double tmax = ft.maxCoeff();
    for (int k = 0; k <= order; ++k)
        for (Eigen::Index t = 0; t < n; ++t) pol(t, k) = std::pow(ft[t] / tmax, double(k));
    orthogonalize(pol);
    Eigen::MatrixXd out(n, order + 1);
    out.leftCols(order) = pol.rightCols(order);
    out.col(order) = pol.col(0);
    return out;
}

Events events_from_table(const io::Table& table, bool modulators) {
    Events ev;
    ev.source = table.source();
    for (const char* col : {"onset", "duration"})
        if (!table.has(col))
            throw Error(Kind::invalid_input, fmt::format("{}: no '{}' column", table.source(), col))
                .hint("a BIDS events file has the columns onset, duration and trial_type");
    const auto onset = table.numeric("onset");
    const auto duration = table.numeric("duration");
    std::vector<std::string> type(table.rows(), "dummy");
    if (table.has("trial_type")) type = table.strings("trial_type");
    std::vector<double> modulation(table.rows(), 1.0);
    if (table.has("modulation")) modulation = table.numeric("modulation");
    for (std::size_t r = 0; r < table.rows(); ++r) {
        const auto where = fmt::format("{}: row {}", table.source(), r + 1);
        if (!std::isfinite(onset[r])) throw Error(Kind::invalid_input, fmt::format("{}: the onset is missing or not finite", where)).hint("give every event an onset in seconds");
        if (!std::isfinite(duration[r])) throw Error(Kind::invalid_input, fmt::format("{}: the duration is missing or not finite", where)).hint("give every event a duration in seconds (0 for an impulse)");
        if (duration[r] < 0)
            throw Error(Kind::invalid_input, fmt::format("{}: negative duration {}", where, duration[r])).hint("durations are in seconds and must be >= 0");
        if (!std::isfinite(modulation[r])) throw Error(Kind::invalid_input, fmt::format("{}: the modulation is missing", where)).hint("fill the modulation column or remove it");
        if (io::is_missing(type[r])) throw Error(Kind::invalid_input, fmt::format("{}: the trial_type is n/a", where)).hint("name every event's trial type, or drop the row");
        ev.events.push_back({onset[r], duration[r], modulation[r], type[r]});
    }
    if (modulators) {
        const std::set<std::string> reserved{"onset", "duration", "trial_type", "modulation"};
        std::set<std::string> types(type.begin(), type.end());
        std::vector<Event> extra;
        for (std::size_t c = 0; c < table.cols(); ++c) {
            const std::string& col = table.columns()[c];
            if (reserved.count(col) || !is_numeric_column(table, c)) continue;
            const auto v = table.numeric(c);
            for (const auto& tt : types) {
                double sum = 0;
                std::size_t n = 0;
                bool complete = true;
                for (std::size_t r = 0; r < table.rows(); ++r)
                    if (type[r] == tt) {
                        complete = complete && std::isfinite(v[r]);
                        sum += v[r];
                        ++n;
                    }
                if (!complete || n == 0) continue;
                const double mean = sum / double(n);
                bool constant = true;
                for (std::size_t r = 0; r < table.rows(); ++r)
                    if (type[r] == tt && v[r] != mean) constant = false;
                if (constant) continue;
                for (std::size_t r = 0; r < table.rows(); ++r)
                    if (type[r] == tt) extra.push_back({onset[r], duration[r], v[r] - mean, tt + "_x_" + col});
            }
        }
        for (auto& e : extra) ev.events.push_back(std::move(e));
    }
    return ev;
}

Events read_events(const std::string& path, bool modulators) {
    return events_from_table(io::read_table(path), modulators);
}

void check_events_in_run(const Events& events, const Eigen::VectorXd& ft, double min_onset) {
    const Eigen::Index n = ft.size();
    const double tr = n > 1 ? (ft[n - 1] - ft[0]) / double(n - 1) : 0;
    const double end = ft[n - 1] + tr;
    for (const auto& e : events.events) {
        if (e.onset >= end)
            throw Error(Kind::invalid_input, fmt::format("{}: a '{}' event starts at {} s, after the run ends ({} volumes, {} s)", events.source,
                                                         e.trial_type, e.onset, n, end))
                .hint("check the TR (--t-r), that the events file belongs to this run, and that onsets are in seconds");
        if (e.onset < ft[0] + min_onset)
            throw Error(Kind::invalid_input, fmt::format("{}: a '{}' event starts at {} s, more than {} s before the first volume", events.source,
                                                         e.trial_type, e.onset, -min_onset))
                .hint("onsets are in seconds from the first volume; remove events from discarded volumes");
    }
}

DesignMatrix make_design_matrix(const Eigen::VectorXd& ft, const Events& events, const DesignOptions& o, const Eigen::MatrixXd& confounds,
                                const std::vector<std::string>& confound_names) {
    DesignMatrix d;
    std::vector<Eigen::MatrixXd> blocks;
    // Merge duplicated events (same trial_type, onset, duration): modulations add up.
    std::map<std::string, std::vector<Event>> by_type;
    for (const auto& e : events.events) {
        auto& list = by_type[e.trial_type];
        bool merged = false;
        for (auto& x : list)
            if (x.onset == e.onset && x.duration == e.duration) {
                x.modulation += e.modulation;
                merged = true;
                break;
            }
        if (!merged) list.push_back(e);
    }
    for (const auto& [tt, list] : by_type) {
        std::vector<double> on, du, am;
        for (const auto& e : list) {
            on.push_back(e.onset);
            du.push_back(e.duration);
            am.push_back(e.modulation);
        }
        blocks.push_back(compute_regressor(on, du, am, o.hrf, ft, o.oversampling, o.fir_delays, o.min_onset));
        for (auto& nm : regressor_names(tt, o.hrf, o.fir_delays)) d.columns.push_back(nm);
        d.conditions.push_back(tt);
    }
    if (confounds.size()) {
        if (confounds.rows() != ft.size())
            throw Error(Kind::invalid_input, fmt::format("the confounds have {} rows for {} volumes", confounds.rows(), ft.size()))
                .hint("give the confounds table of this run (one row per volume)");
        blocks.push_back(confounds);
        for (std::size_t j = 0; j < std::size_t(confounds.cols()); ++j)
            d.columns.push_back(j < confound_names.size() ? confound_names[j] : fmt::format("reg{}", j));
    }
    Eigen::MatrixXd drift;
    if (o.drift == "cosine") drift = cosine_drift(o.high_pass, ft);
    else if (o.drift == "polynomial") drift = polynomial_drift(o.drift_order, ft);
    else if (o.drift == "none") drift = Eigen::MatrixXd::Ones(ft.size(), 1);
    else throw Error(Kind::usage, fmt::format("unknown drift model '{}'", o.drift)).hint("use cosine, polynomial or none");
    for (Eigen::Index k = 1; k < drift.cols(); ++k) d.columns.push_back(fmt::format("drift_{}", k));
    d.columns.push_back("constant");
    blocks.push_back(drift);
    Eigen::Index cols = 0;
    for (const auto& b : blocks) cols += b.cols();
    d.X.resize(ft.size(), cols);
    Eigen::Index c = 0;
    for (const auto& b : blocks) {
        d.X.middleCols(c, b.cols()) = b;
        c += b.cols();
    }
    std::set<std::string> seen;
    for (const auto& nm : d.columns)
        if (!seen.insert(nm).second)
            throw Error(Kind::invalid_input, fmt::format("two design columns are named '{}'", nm))
                .hint("rename the confound or the trial type so that every column name is unique");
    return d;
}

void check_full_rank(const DesignMatrix& d, const std::string& what) {
    const Eigen::Index p = d.X.cols();
    // Scale columns to unit norm so that the rank test is about directions, not units.
    Eigen::MatrixXd Xs = d.X;
    for (Eigen::Index j = 0; j < p; ++j) {
        const double nrm = Xs.col(j).norm();
        if (nrm == 0)
            throw Error(Kind::invalid_input, fmt::format("{}: design column '{}' is all zeros", what, d.columns[std::size_t(j)]))
                .hint("its events fall where the model cannot see them, or the confound is empty; remove it");
        Xs.col(j) /= nrm;
    }
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(Xs, Eigen::ComputeThinV);
    const auto& s = svd.singularValues();
    const double tol = 1e-10 * s[0];
    std::vector<std::string> involved;
    for (Eigen::Index k = 0; k < s.size(); ++k) {
        if (s[k] > tol) continue;
        const Eigen::VectorXd v = svd.matrixV().col(k);
        for (Eigen::Index j = 0; j < p; ++j)
            if (std::abs(v[j]) > 1e-6 && std::find(involved.begin(), involved.end(), d.columns[std::size_t(j)]) == involved.end())
                involved.push_back(d.columns[std::size_t(j)]);
    }
    if (!involved.empty())
        throw Error(Kind::invalid_input, fmt::format("{}: the design matrix is rank deficient; these columns are collinear: {}", what, fmt::join(involved, ", ")))
            .hint("remove a redundant confound or condition, or lower --high-pass so the drifts do not span the conditions");
}

}  // namespace algia::glm

namespace algia::glm {

namespace {
bool is_modulator(const std::string& tt) { return tt.find("_x_") != std::string::npos; }
std::vector<const Event*> base_events(const Events& events) {
    std::vector<const Event*> out;
    for (const auto& e : events.events)
        if (!is_modulator(e.trial_type)) out.push_back(&e);
    std::stable_sort(out.begin(), out.end(), [](const Event* a, const Event* b) { return a->onset < b->onset; });
    return out;
}
}  // namespace

std::vector<Trial> list_trials(const Events& events) {
    std::map<std::string, int> count;
    std::vector<Trial> out;
    for (const Event* e : base_events(events))
        out.push_back({fmt::format("{}__{}", e->trial_type, ++count[e->trial_type]), e->trial_type, e->onset, e->duration});
    return out;
}

Events lsa_events(const Events& events, const std::vector<Trial>& trials) {
    Events out;
    out.source = events.source;
    const auto base = base_events(events);
    for (std::size_t i = 0; i < base.size(); ++i) {
        Event e = *base[i];
        e.trial_type = trials[i].name;
        out.events.push_back(e);
    }
    return out;
}

Events lss_events(const Events& events, const std::vector<Trial>& trials, std::size_t i) {
    Events out;
    out.source = events.source;
    const auto base = base_events(events);
    for (std::size_t k = 0; k < base.size(); ++k) {
        Event e = *base[k];
        if (k == i) e.trial_type = trials[k].name;
        out.events.push_back(e);
    }
    return out;
}

void keep_rows(DesignMatrix& d, const std::vector<std::size_t>& kept) {
    if (kept.empty() || kept.size() == std::size_t(d.X.rows())) return;
    Eigen::MatrixXd X(Eigen::Index(kept.size()), d.X.cols());
    for (std::size_t i = 0; i < kept.size(); ++i) X.row(Eigen::Index(i)) = d.X.row(Eigen::Index(kept[i]));
    d.X = std::move(X);
}

void censor_design(DesignMatrix& d, bool censored, const std::vector<std::size_t>& kept, const std::string& run,
                   const std::string& fix) {
    if (censored) {
        if (kept.size() <= std::size_t(d.X.cols()))
            throw Error(Kind::invalid_input, fmt::format("{}: {} of {} volumes are kept after censoring, but the design has {} columns",
                                                         run, kept.size(), d.X.rows(), d.X.cols()))
                .hint(fix);
        keep_rows(d, kept);
    }
    check_full_rank(d, censored ? run + ", censored volumes removed" : run);
}

}  // namespace algia::glm
