// Effect sizes, paired tests and correlations; see effects.hpp.

#include "algia/trial/effects.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/tools/roots.hpp>

#include "algia/core/error.hpp"

namespace algia::trial {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

double z_quantile(double level) {
    return boost::math::quantile(boost::math::complement(boost::math::normal(), (1 - level) / 2));
}
double t_two_sided_p(double t, double df) {
    if (!std::isfinite(t) || !(df > 0)) return std::isinf(t) ? 0.0 : nan;
    return std::min(1.0, 2 * boost::math::cdf(boost::math::complement(boost::math::students_t(df), std::abs(t))));
}
double norm_two_sided_p(double z) {
    return std::min(1.0, 2 * boost::math::cdf(boost::math::complement(boost::math::normal(), std::abs(z))));
}

}  // namespace

Descriptive describe(std::span<const double> x) {
    Descriptive d;
    double s = 0;
    for (double v : x)
        if (std::isfinite(v)) s += v, ++d.n;
    d.mean = d.n ? s / double(d.n) : nan;
    double ss = 0;
    for (double v : x)
        if (std::isfinite(v)) ss += (v - d.mean) * (v - d.mean);
    d.sd = d.n > 1 ? std::sqrt(ss / double(d.n - 1)) : nan;
    return d;
}

Interval2 noncentral_t_interval(double t, double df, double level) {
    if (!std::isfinite(t) || !(df > 0)) return {nan, nan};
    const double alpha = (1 - level) / 2;
    // cdf(t; df, ncp) decreases in ncp; lower limit: cdf = 1 - alpha, upper: cdf = alpha.
    auto solve = [&](double target) {
        auto f = [&](double ncp) { return boost::math::cdf(boost::math::non_central_t(df, ncp), t) - target; };
        double a = t - 1, b = t + 1;
        double fa = f(a), fb = f(b);
        for (int i = 0; i < 200 && fa < 0; ++i) a -= std::max(1.0, std::abs(a - t)), fa = f(a);
        for (int i = 0; i < 200 && fb > 0; ++i) b += std::max(1.0, std::abs(b - t)), fb = f(b);
        if (fa < 0 || fb > 0) return nan;
        boost::uintmax_t iters = 300;
        auto r = boost::math::tools::toms748_solve(f, a, b, fa, fb, boost::math::tools::eps_tolerance<double>(50), iters);
        return (r.first + r.second) / 2;
    };
    return {solve(1 - alpha), solve(alpha)};
}

HedgesG hedges_g(const Descriptive& a, const Descriptive& b, double level) {
    HedgesG h;
    if (a.n < 2 || b.n < 2) {
        h.d = h.j = h.g = h.t = h.p = nan;
        h.df = double(a.n + b.n - 2);
        h.ci_exact = h.ci_normal = {nan, nan};
        return h;
    }
    const double n1 = double(a.n), n2 = double(b.n);
    h.df = n1 + n2 - 2;
    const double sp = std::sqrt(((n1 - 1) * a.sd * a.sd + (n2 - 1) * b.sd * b.sd) / h.df);
    h.d = (a.mean - b.mean) / sp;
    h.j = std::exp(std::lgamma(h.df / 2) - std::lgamma((h.df - 1) / 2)) / std::sqrt(h.df / 2);
    h.g = h.j * h.d;
    const double scale = std::sqrt(n1 * n2 / (n1 + n2));
    h.t = h.d * scale;
    h.p = t_two_sided_p(h.t, h.df);
    const auto ncp = noncentral_t_interval(h.t, h.df, level);
    h.ci_exact = {h.j * ncp.lower / scale, h.j * ncp.upper / scale};
    const double z = z_quantile(level);
    const double se = std::sqrt((n1 + n2) / (n1 * n2) + h.g * h.g / (2 * (n1 + n2)));
    h.ci_normal = {h.g - z * se, h.g + z * se};
    return h;
}

std::vector<double> average_ranks(std::span<const double> x) {
    std::vector<std::size_t> order(x.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return x[i] < x[j]; });
    std::vector<double> r(x.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
        const double avg = (double(i) + double(j)) / 2 + 1;
        for (std::size_t k = i; k <= j; ++k) r[order[k]] = avg;
        i = j + 1;
    }
    return r;
}

Paired paired(std::span<const double> pre, std::span<const double> post, double level) {
    if (pre.size() != post.size()) throw Error(Kind::internal, "paired: pre and post differ in length");
    std::vector<double> d;
    for (std::size_t i = 0; i < pre.size(); ++i)
        if (std::isfinite(pre[i]) && std::isfinite(post[i])) d.push_back(post[i] - pre[i]);
    Paired p;
    const auto s = describe(d);
    p.n = s.n;
    p.mean_diff = s.mean;
    p.sd_diff = s.sd;
    p.df = double(p.n - 1);
    if (p.n >= 2) {
        const double se = s.sd / std::sqrt(double(p.n));
        p.t = s.mean / se;
        p.p = t_two_sided_p(p.t, p.df);
        const double q = boost::math::quantile(boost::math::complement(boost::math::students_t(p.df), (1 - level) / 2));
        p.ci_mean = {s.mean - q * se, s.mean + q * se};
        p.dz = s.mean / s.sd;
        const auto ncp = noncentral_t_interval(p.t, p.df, level);
        const double sq = std::sqrt(double(p.n));
        p.ci_dz = {ncp.lower / sq, ncp.upper / sq};
    } else {
        p.t = p.p = p.dz = nan;
        p.ci_mean = p.ci_dz = {nan, nan};
    }
    // Wilcoxon signed-rank.
    std::vector<double> nz, absd;
    for (double v : d)
        if (v != 0) nz.push_back(v), absd.push_back(std::abs(v));
    p.w_n = std::int64_t(nz.size());
    const bool zeros = nz.size() != d.size();
    if (nz.empty()) {
        p.w_statistic = p.w_plus = p.w_minus = p.w_p = p.w_z = p.rank_biserial = nan;
        return p;
    }
    const auto r = average_ranks(absd);
    for (std::size_t i = 0; i < nz.size(); ++i) (nz[i] > 0 ? p.w_plus : p.w_minus) += r[i];
    p.w_statistic = std::min(p.w_plus, p.w_minus);
    p.rank_biserial = (p.w_plus - p.w_minus) / (p.w_plus + p.w_minus);
    bool ties = false;
    {
        std::vector<double> sorted = absd;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t i = 1; i < sorted.size(); ++i) ties = ties || sorted[i] == sorted[i - 1];
    }
    const std::int64_t n = p.w_n;
    p.w_exact = n <= 50 && !zeros && !ties;
    if (p.w_exact) {
        // Number of subsets of {1..n} with each sum, as scipy's _get_wilcoxon_distr.
        const std::int64_t top = n * (n + 1) / 2;
        std::vector<double> c(std::size_t(top + 1), 0.0);
        c[0] = 1;
        for (std::int64_t k = 1; k <= n; ++k)
            for (std::int64_t s2 = top; s2 >= k; --s2) c[std::size_t(s2)] += c[std::size_t(s2 - k)];
        const double total = std::ldexp(1.0, int(n));
        const auto rp = std::int64_t(p.w_plus);
        if (rp == top / 2) {
            p.w_p = 1;
        } else {
            double lo = 0, hi = 0;
            for (std::int64_t s2 = 0; s2 <= rp; ++s2) lo += c[std::size_t(s2)];
            for (std::int64_t s2 = rp; s2 <= top; ++s2) hi += c[std::size_t(s2)];
            p.w_p = std::clamp(2 * std::min(lo, hi) / total, 0.0, 1.0);
        }
        p.w_z = nan;
    } else {
        const double nn = double(n);
        const double mn = nn * (nn + 1) * 0.25;
        double se = nn * (nn + 1) * (2 * nn + 1);
        std::vector<double> sorted = r;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t i = 0; i < sorted.size();) {
            std::size_t j = i;
            while (j + 1 < sorted.size() && sorted[j + 1] == sorted[i]) ++j;
            const double t = double(j - i + 1);
            if (t > 1) se -= 0.5 * t * (t * t - 1);
            i = j + 1;
        }
        se = std::sqrt(se / 24);
        p.w_z = (p.w_statistic - mn) / se;
        p.w_p = norm_two_sided_p(p.w_z);
    }
    return p;
}

namespace {

Correlation correlate(const std::vector<double>& x, const std::vector<double>& y, double level, bool exact_t) {
    Correlation c;
    c.n = std::int64_t(x.size());
    if (c.n < 3) {
        c.r = c.p = nan;
        c.ci = {nan, nan};
        return c;
    }
    const auto dx = describe(x), dy = describe(y);
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - dx.mean) * (y[i] - dy.mean);
        sxx += (x[i] - dx.mean) * (x[i] - dx.mean);
        syy += (y[i] - dy.mean) * (y[i] - dy.mean);
    }
    c.r = std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
    const double df = double(c.n - 2);
    (void)exact_t;
    if (std::abs(c.r) == 1) {
        c.p = 0;
    } else {
        const double t = c.r * std::sqrt(df / ((1 - c.r) * (1 + c.r)));
        c.p = t_two_sided_p(t, df);
    }
    if (c.n > 3 && std::abs(c.r) < 1) {
        const double z = std::atanh(c.r), se = 1 / std::sqrt(double(c.n - 3)), q = z_quantile(level);
        c.ci = {std::tanh(z - q * se), std::tanh(z + q * se)};
    } else if (c.n > 3) {
        c.ci = {c.r, c.r};  // |r| = 1: tanh(+-inf), as scipy
    } else {
        c.ci = {nan, nan};
    }
    return c;
}

void complete_pairs(std::span<const double> x, std::span<const double> y, std::vector<double>& a, std::vector<double>& b) {
    if (x.size() != y.size()) throw Error(Kind::internal, "correlation: x and y differ in length");
    for (std::size_t i = 0; i < x.size(); ++i)
        if (std::isfinite(x[i]) && std::isfinite(y[i])) a.push_back(x[i]), b.push_back(y[i]);
}

}  // namespace

Correlation pearson(std::span<const double> x, std::span<const double> y, double level) {
    std::vector<double> a, b;
    complete_pairs(x, y, a, b);
    return correlate(a, b, level, true);
}

Correlation spearman(std::span<const double> x, std::span<const double> y, double level) {
    std::vector<double> a, b;
    complete_pairs(x, y, a, b);
    return correlate(average_ranks(a), average_ranks(b), level, false);
}

}  // namespace algia::trial
