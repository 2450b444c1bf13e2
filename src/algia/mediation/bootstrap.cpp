#include "algia/mediation/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/core/random.hpp"

namespace algia::mediation {

namespace {

// Double precision throughout: Boost's default policy promotes to long double, which made the
// normal quantiles a visible share of voxelwise bootstrap time.
using DoublePolicy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;
const boost::math::normal_distribution<double, DoublePolicy> standard_normal;

double Phi(double z) {
    if (std::isnan(z)) return z;
    if (z == std::numeric_limits<double>::infinity()) return 1;
    if (z == -std::numeric_limits<double>::infinity()) return 0;
    return boost::math::cdf(standard_normal, z);
}

double Phi_inv(double p) {
    if (std::isnan(p)) return p;
    if (p <= 0) return -std::numeric_limits<double>::infinity();
    if (p >= 1) return std::numeric_limits<double>::infinity();
    return boost::math::quantile(standard_normal, p);
}

double acceleration(const Eigen::VectorXd& jackknife) {
    if (jackknife.size() < 2 || !jackknife.allFinite()) return 0;
    const double m = jackknife.mean();
    const Eigen::ArrayXd d = m - jackknife.array();
    const double s2 = d.square().sum();
    if (s2 <= 0) return 0;
    return d.cube().sum() / (6.0 * std::pow(s2, 1.5));
}

// Quantile level of the bootstrap distribution that the method maps a normal quantile z_q to.
double level(CiMethod method, double z0, double a, double zq) {
    switch (method) {
        case CiMethod::percentile: return Phi(zq);
        case CiMethod::bc: return Phi(2 * z0 + zq);
        case CiMethod::bca: {
            const double s = z0 + zq;
            return Phi(z0 + s / (1 - a * s));
        }
    }
    return std::nan("");
}

}  // namespace

CiMethod parse_ci_method(const std::string& name) {
    if (name == "percentile") return CiMethod::percentile;
    if (name == "bc") return CiMethod::bc;
    if (name == "bca") return CiMethod::bca;
    throw Error(Kind::usage, fmt::format("unknown confidence-interval method '{}'", name))
        .hint("use percentile, bc or bca");
}

const char* ci_method_name(CiMethod method) {
    switch (method) {
        case CiMethod::percentile: return "percentile";
        case CiMethod::bc: return "bc";
        case CiMethod::bca: return "bca";
    }
    return "?";
}

double quantile_sorted(const std::vector<double>& sorted, double q, Quantile rule) {
    if (sorted.empty() || std::isnan(q)) return std::nan("");
    q = std::clamp(q, 0.0, 1.0);
    const double last = double(sorted.size()) - 1;
    const double h = rule == Quantile::linear ? last * q : std::clamp(double(sorted.size()) * q - 0.5, 0.0, last);
    const std::size_t lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (h - double(lo)) * (sorted[hi] - sorted[lo]);
}

namespace {

// A value beyond which (below on the low end, above on the high end) the `need` most extreme values
// of v are expected to lie, with room to spare: from a normal distribution with v's mean and SD at a
// level a few SDs of the count past need/n (the Abramowitz-Stegun 26.2.23 approximation of the
// normal quantile is enough: the threshold only has to be far enough out, which the caller checks).
double normal_threshold(std::size_t n, std::size_t need, bool low_end, double mean, double sd, double widen) {
    const double want = widen * (double(need) + 4 * std::sqrt(double(need)) + 8);
    const double p = std::min(0.5, want / double(n));
    const double t = std::sqrt(-2 * std::log(p));
    const double z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
    return low_end ? mean - z * sd : mean + z * sd;
}

// Order statistics lo and lo + 1 (0-based, ascending) of v near one end of the distribution, when
// they are among the `need` most extreme values on that end and at least `need` values lie beyond
// the threshold t: one branch-free pass gathers the values beyond t and a selection among them
// gives the exact order statistics. Returns false when fewer than `need` values lie beyond t.
bool order_stats_beyond(std::span<const double> v, double t, std::size_t lo, bool interpolate, bool low_end,
                        std::size_t need, double& at, double& next) {
    const std::size_t n = v.size();
    thread_local std::vector<double> buf;
    buf.resize(n);
    std::size_t c = 0;
    if (low_end)
        for (double x : v) buf[c] = x, c += x <= t;
    else
        for (double x : v) buf[c] = x, c += x >= t;
    if (c < need) return false;
    // buf[0, c) holds exactly the c smallest (or largest) values of v, ties included.
    const std::size_t at_rank = low_end ? lo : lo - (n - c);
    const auto first = buf.begin(), last = buf.begin() + std::ptrdiff_t(c);
    std::nth_element(first, first + std::ptrdiff_t(at_rank), last);
    at = buf[at_rank];
    next = interpolate ? *std::min_element(first + std::ptrdiff_t(at_rank) + 1, last) : at;
    return true;
}

// Quantile of unsorted values by selection: equals quantile_sorted of the sorted values. Bootstrap
// intervals need order statistics near the ends: those are found among the few values gathered
// beyond a threshold placed from the values' mean and SD (widened once if too few lie beyond it);
// other levels, and distributions the threshold misjudges twice, use nth_element on a copy.
double quantile_select(std::span<const double> v, double q, Quantile rule, double mean, double sd) {
    if (v.empty() || std::isnan(q)) return std::nan("");
    q = std::clamp(q, 0.0, 1.0);
    const std::size_t n = v.size();
    const double last = double(n) - 1;
    const double h = rule == Quantile::linear ? last * q : std::clamp(double(n) * q - 0.5, 0.0, last);
    const std::size_t lo = static_cast<std::size_t>(std::floor(h));
    const bool interpolate = lo + 1 < n && h != double(lo);
    // Order statistics lo and lo + 1 (0-based).
    double at, next;
    const std::size_t from_top = n - 1 - lo;  // lo-th smallest = from_top-th largest
    const bool low_end = lo <= from_top;
    // How many of the most extreme values on that end hold both order statistics.
    const std::size_t need = low_end ? lo + (interpolate ? 2 : 1) : n - lo;
    const auto beyond = [&](double widen) {
        const double t = normal_threshold(n, need, low_end, mean, sd, widen);
        return order_stats_beyond(v, t, lo, interpolate, low_end, need, at, next);
    };
    if (n >= 256 && need * 8 <= n && std::isfinite(mean) && sd > 0 && (beyond(1) || beyond(3))) {
        // found among the extremes
    } else {
        thread_local std::vector<double> copy;
        copy.assign(v.begin(), v.end());
        std::nth_element(copy.begin(), copy.begin() + std::ptrdiff_t(lo), copy.end());
        at = copy[lo];
        next = interpolate ? *std::min_element(copy.begin() + std::ptrdiff_t(lo) + 1, copy.end()) : at;
    }
    return interpolate ? at + (h - double(lo)) * (next - at) : at;
}

}  // namespace

Interval bootstrap_interval(std::span<const double> all, double estimate, const Eigen::VectorXd& jackknife,
                            CiMethod method, double alpha) {
    Interval out{std::nan(""), std::nan(""), std::nan("")};
    if (!std::isfinite(estimate)) return out;
    // One pass: counts on each side of the estimate and of 0, and whether any value is not finite
    // (then only the finite ones are used, from a copy).
    std::span<const double> boot = all;
    thread_local std::vector<double> kept;
    if (!Eigen::Map<const Eigen::ArrayXd>(all.data(), Eigen::Index(all.size())).allFinite()) {
        kept.clear();
        for (double v : all)
            if (std::isfinite(v)) kept.push_back(v);
        boot = kept;
    }
    if (boot.empty()) return out;
    // Counts as integers and sums through Eigen: both vectorize (a double accumulator in a plain
    // loop is one long chain of dependent additions).
    const Eigen::Map<const Eigen::ArrayXd> b(boot.data(), Eigen::Index(boot.size()));
    const double below_estimate = double((b < estimate).count());
    const double below_zero = double((b < 0).count()), above_zero = double((b > 0).count());
    const double B = double(boot.size());
    const double mean = b.mean(), sd = std::sqrt(std::max(0.0, (b - mean).square().sum() / B));
    double z0 = 0, a = 0;
    if (method != CiMethod::percentile) {
        // Bias: share strictly below the estimate; kept off 0 and 1 so z0 stays finite when every
        // resample falls on one side.
        z0 = Phi_inv(std::clamp(below_estimate / B, 0.5 / B, 1 - 0.5 / B));
    }
    if (method == CiMethod::bca) a = acceleration(jackknife);
    const Quantile rule = method == CiMethod::bca ? Quantile::hazen : Quantile::linear;
    // The normal quantiles of alpha (and the percentile levels) once per alpha and thread: voxelwise
    // intervals call this hundreds of thousands of times with the same alpha.
    thread_local double cached_alpha = std::nan(""), zlo = 0, zhi = 0, plo = 0, phi = 0;
    if (alpha != cached_alpha) {
        zlo = Phi_inv(alpha / 2), zhi = Phi_inv(1 - alpha / 2);
        plo = Phi(zlo), phi = Phi(zhi);
        cached_alpha = alpha;
    }
    const bool plain = method == CiMethod::percentile;
    out.low = quantile_select(boot, plain ? plo : level(method, z0, a, zlo), rule, mean, sd);
    out.high = quantile_select(boot, plain ? phi : level(method, z0, a, zhi), rule, mean, sd);
    if (method == CiMethod::percentile) {
        const double le = B - above_zero, ge = B - below_zero;
        out.p = std::clamp(2 * std::min(le, ge) / B, 1 / B, 1.0);
        return out;
    }
    // The interval's bound reaches 0 at the alpha found by inverting the quantile-level map:
    // u = Phi^-1(share beyond 0 on the estimate's far side) - z0, z = (u (1 - a z0) - z0) / (1 + a u).
    const double pL = std::clamp(below_zero / B, 1 / B, 1 - 1 / B);
    const double pU = std::clamp(above_zero / B, 1 / B, 1 - 1 / B);
    const double u = pL < pU ? Phi_inv(pL) - z0 : -Phi_inv(pU) - z0;
    const double z = (u * (1 - a * z0) - z0) / (1 + a * u);
    const double one = Phi(z);
    out.p = std::min(1.0, 2 * std::min(one, 1 - one));
    return out;
}

std::vector<std::size_t> resample_rows(std::uint64_t seed, std::uint64_t r, std::size_t n) {
    Rng rng(seed, r);
    std::vector<std::size_t> rows(n);
    for (auto& i : rows) i = static_cast<std::size_t>(rng.below(n));
    return rows;
}

BootstrapResult bootstrap(const Model& model, const BootstrapOptions& options, const Context& ctx) {
    const std::size_t n = model.n();
    const bool explicit_rows = !options.rows.empty();
    const std::size_t B = explicit_rows ? options.rows.size() : static_cast<std::size_t>(options.resamples);
    if (B < 1) throw Error(Kind::usage, "the bootstrap needs at least one resample").hint("use --boot 10000");
    if (!(options.alpha > 0 && options.alpha < 1))
        throw Error(Kind::usage, fmt::format("alpha {} is not between 0 and 1", options.alpha));
    for (const auto& rows : options.rows)
        for (std::size_t i : rows)
            if (i >= n || rows.size() != n)
                throw Error(Kind::invalid_input, "an explicit resample has the wrong length or an index out of range");

    BootstrapResult out;
    out.fit = model.fit();
    const std::size_t Q = model.parameters().size();
    Eigen::MatrixXd samples(static_cast<Eigen::Index>(B), static_cast<Eigen::Index>(Q));
    {
        ProgressScope progress(ctx.progress(), "bootstrap", B);
        parallel_for(ctx, B, 64, [&](std::size_t r0, std::size_t r1) {
            for (std::size_t r = r0; r < r1; ++r) {
                const std::vector<std::size_t> rows = explicit_rows ? options.rows[r] : resample_rows(options.seed, r, n);
                samples.row(static_cast<Eigen::Index>(r)) = model.estimate(rows).transpose();
            }
            progress.advance(r1 - r0);
        });
    }
    Eigen::MatrixXd jack;
    if (options.ci == CiMethod::bca) {
        jack.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(Q));
        parallel_for(ctx, n, 64, [&](std::size_t i0, std::size_t i1) {
            std::vector<std::size_t> rows(n - 1);
            for (std::size_t i = i0; i < i1; ++i) {
                std::size_t at = 0;
                for (std::size_t j = 0; j < n; ++j)
                    if (j != i) rows[at++] = j;
                jack.row(static_cast<Eigen::Index>(i)) = model.estimate(rows).transpose();
            }
        });
    }
    out.resamples = static_cast<int>(B);
    for (Eigen::Index r = 0; r < samples.rows(); ++r)
        if (!samples.row(r).head(static_cast<Eigen::Index>(Q) - 1).allFinite()) ++out.failed;
    out.boot_se.resize(static_cast<Eigen::Index>(Q));
    out.boot_mean.resize(static_cast<Eigen::Index>(Q));
    for (std::size_t q = 0; q < Q; ++q) {
        const Eigen::Index qi = static_cast<Eigen::Index>(q);
        std::vector<double> values;
        values.reserve(B);
        for (Eigen::Index r = 0; r < samples.rows(); ++r)
            if (std::isfinite(samples(r, qi))) values.push_back(samples(r, qi));
        double mean = 0, ss = 0;
        for (double v : values) mean += v;
        mean /= double(values.size());
        for (double v : values) ss += (v - mean) * (v - mean);
        out.boot_mean(qi) = values.empty() ? std::nan("") : mean;
        out.boot_se(qi) = values.size() > 1 ? std::sqrt(ss / double(values.size() - 1)) : std::nan("");
        const Eigen::VectorXd jq = options.ci == CiMethod::bca ? Eigen::VectorXd(jack.col(qi)) : Eigen::VectorXd();
        out.intervals.push_back(bootstrap_interval(values, out.fit.estimate(qi), jq, options.ci, options.alpha));
    }
    return out;
}

}  // namespace algia::mediation
