// Responder statistics; see proportions.hpp. The conditional odds-ratio code follows the
// structure of R's fisher.test (stats package) so that its numbers can be compared term by term.

#include "algia/trial/proportions.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>

#include <fmt/format.h>

#include "algia/core/error.hpp"

namespace algia::trial {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

double z_two_sided(double level) {
    boost::math::normal n;
    return boost::math::quantile(boost::math::complement(n, (1 - level) / 2));
}

double chi2_sf(double x) {
    if (!std::isfinite(x)) return nan;
    boost::math::chi_squared c(1);
    return boost::math::cdf(boost::math::complement(c, x));
}

// Noncentral hypergeometric distribution of the (1,1) cell given the margins (fisher.test's
// dnhyper/pnhyper/mnhyper).
struct Noncentral {
    std::int64_t lo = 0, hi = 0, x = 0;
    std::vector<double> logdc;  // log dhyper over lo..hi

    std::vector<double> density(double ncp) const {
        std::vector<double> d(logdc.size());
        const double l = std::log(ncp);
        double mx = -inf;
        for (std::size_t i = 0; i < d.size(); ++i) {
            d[i] = logdc[i] + l * double(lo + std::int64_t(i));
            mx = std::max(mx, d[i]);
        }
        double s = 0;
        for (auto& v : d) s += (v = std::exp(v - mx));
        for (auto& v : d) v /= s;
        return d;
    }
    double mean(double ncp) const {
        if (ncp == 0) return double(lo);
        if (ncp == inf) return double(hi);
        const auto d = density(ncp);
        double m = 0;
        for (std::size_t i = 0; i < d.size(); ++i) m += double(lo + std::int64_t(i)) * d[i];
        return m;
    }
    // P(X <= q) or P(X >= q).
    double cdf(std::int64_t q, double ncp, bool upper) const {
        if (ncp == 0) return upper ? double(q <= lo) : double(q >= lo);
        if (ncp == inf) return upper ? double(q <= hi) : double(q >= hi);
        const auto d = density(ncp);
        double s = 0;
        for (std::size_t i = 0; i < d.size(); ++i) {
            const std::int64_t k = lo + std::int64_t(i);
            if (upper ? k >= q : k <= q) s += d[i];
        }
        return s;
    }
};

// R's uniroot: Brent's zeroin as in R's stats/src/zeroin.c (R_zeroin2), so that with R's
// default tolerance (DBL_EPSILON^0.25) the roots are the ones fisher.test reports, iterate for
// iterate. f(a) and f(b) must have opposite signs (as uniroot requires).
template <class F>
double solve(F f, double ax, double bx, double tol) {
    const double EPS = std::numeric_limits<double>::epsilon();
    double a = ax, b = bx, fa = f(a), fb = f(b);
    double c = a, fc = fa;
    if (fa == 0) return a;
    if (fb == 0) return b;
    int maxit = 1000 + 1;
    while (maxit--) {
        const double prev_step = b - a;
        if (std::abs(fc) < std::abs(fb)) {
            a = b; b = c; c = a;
            fa = fb; fb = fc; fc = fa;
        }
        const double tol_act = 2 * EPS * std::abs(b) + tol / 2;
        double new_step = (c - b) / 2;
        if (std::abs(new_step) <= tol_act || fb == 0) return b;
        if (std::abs(prev_step) >= tol_act && std::abs(fa) > std::abs(fb)) {
            double t1, cb, t2, p, q;
            cb = c - b;
            if (a == c) {
                t1 = fb / fa;
                p = cb * t1;
                q = 1.0 - t1;
            } else {
                q = fa / fc;
                t1 = fb / fc;
                t2 = fb / fa;
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0));
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0);
            }
            if (p > 0) q = -q;
            else p = -p;
            if (p < (0.75 * cb * q - std::abs(tol_act * q) / 2) && p < std::abs(prev_step * q / 2)) new_step = p / q;
        }
        if (std::abs(new_step) < tol_act) new_step = new_step > 0 ? tol_act : -tol_act;
        a = b;
        fa = fb;
        b += new_step;
        fb = f(b);
        if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
            c = a;
            fc = fa;
        }
    }
    return b;
}

}  // namespace

double log_dhyper(std::int64_t k, std::int64_t good, std::int64_t bad, std::int64_t draws) {
    auto lchoose = [](std::int64_t n, std::int64_t r) {
        return std::lgamma(double(n) + 1) - std::lgamma(double(r) + 1) - std::lgamma(double(n - r) + 1);
    };
    if (k < 0 || k > good || draws - k < 0 || draws - k > bad) return -inf;
    return lchoose(good, k) + lchoose(bad, draws - k) - lchoose(good + bad, draws);
}

Interval wilson(std::int64_t x, std::int64_t n, double level) {
    if (n <= 0 || x < 0 || x > n) throw Error(Kind::invalid_input, "wilson: need 0 <= x <= n and n > 0");
    const double z = z_two_sided(level), z2 = z * z, nn = double(n), p = double(x) / nn;
    const double center = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    const double half = z / (1 + z2 / nn) * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    return {center - half, center + half};
}

Comparison compare(const TwoByTwo& t, double level, double root_tolerance) {
    if (t.n1 <= 0 || t.n2 <= 0 || t.x1 < 0 || t.x2 < 0 || t.x1 > t.n1 || t.x2 > t.n2)
        throw Error(Kind::invalid_input, "compare: need 0 <= x <= n and n > 0 in both arms");
    Comparison c;
    const double a = double(t.x1), b = double(t.n1 - t.x1), cc = double(t.x2), d = double(t.n2 - t.x2);
    const double n1 = double(t.n1), n2 = double(t.n2);
    c.p1 = a / n1;
    c.p2 = cc / n2;
    c.risk_difference = c.p1 - c.p2;
    const Interval w1 = wilson(t.x1, t.n1, level), w2 = wilson(t.x2, t.n2, level);
    c.rd_newcombe.lower = c.risk_difference - std::sqrt((c.p1 - w1.lower) * (c.p1 - w1.lower) + (w2.upper - c.p2) * (w2.upper - c.p2));
    c.rd_newcombe.upper = c.risk_difference + std::sqrt((w1.upper - c.p1) * (w1.upper - c.p1) + (c.p2 - w2.lower) * (c.p2 - w2.lower));
    const double z = z_two_sided(level);
    c.risk_ratio = c.p2 > 0 ? c.p1 / c.p2 : nan;
    if (a > 0 && cc > 0) {
        const double se = std::sqrt(1 / a - 1 / n1 + 1 / cc - 1 / n2);
        c.rr_log = {c.risk_ratio * std::exp(-z * se), c.risk_ratio * std::exp(z * se)};
    } else {
        c.rr_log = {nan, nan};
    }
    c.odds_ratio = (b * cc) > 0 ? (a * d) / (b * cc) : nan;
    if (a > 0 && b > 0 && cc > 0 && d > 0) {
        const double se = std::sqrt(1 / a + 1 / b + 1 / cc + 1 / d);
        c.or_woolf = {c.odds_ratio * std::exp(-z * se), c.odds_ratio * std::exp(z * se)};
    } else {
        c.or_woolf = {nan, nan};
    }
    // Conditional inference given the margins, as fisher.test: m = column-1 total (responders),
    // n = column-2 total, k = row-1 total (arm 1 size), x = responders in arm 1.
    const std::int64_t m = t.x1 + t.x2, nn = (t.n1 - t.x1) + (t.n2 - t.x2), k = t.n1, x = t.x1;
    Noncentral h;
    h.lo = std::max<std::int64_t>(0, k - nn);
    h.hi = std::min(k, m);
    h.x = x;
    for (std::int64_t s = h.lo; s <= h.hi; ++s) h.logdc.push_back(log_dhyper(s, m, nn, k));
    {
        const auto dens = h.density(1.0);
        const double obs = dens[std::size_t(x - h.lo)] * (1 + 1e-7);
        double p = 0;
        for (double v : dens)
            if (v <= obs) p += v;
        c.fisher_p = std::min(1.0, p);
    }
    const double eps = std::numeric_limits<double>::epsilon();
    auto mle = [&]() -> double {
        if (x == h.lo) return 0;
        if (x == h.hi) return inf;
        const double mu = h.mean(1);
        if (mu > double(x)) return solve([&](double u) { return h.mean(u) - double(x); }, 0, 1, root_tolerance);
        if (mu < double(x)) return 1 / solve([&](double u) { return h.mean(1 / u) - double(x); }, eps, 1, root_tolerance);
        return 1;
    };
    const double alpha = (1 - level) / 2;
    auto ncp_upper = [&]() -> double {
        if (x == h.hi) return inf;
        const double p = h.cdf(x, 1, false);
        if (p < alpha) return solve([&](double u) { return h.cdf(x, u, false) - alpha; }, 0, 1, root_tolerance);
        if (p > alpha) return 1 / solve([&](double u) { return h.cdf(x, 1 / u, false) - alpha; }, eps, 1, root_tolerance);
        return 1;
    };
    auto ncp_lower = [&]() -> double {
        if (x == h.lo) return 0;
        const double p = h.cdf(x, 1, true);
        if (p > alpha) return solve([&](double u) { return h.cdf(x, u, true) - alpha; }, 0, 1, root_tolerance);
        if (p < alpha) return 1 / solve([&](double u) { return h.cdf(x, 1 / u, true) - alpha; }, eps, 1, root_tolerance);
        return 1;
    };
    c.or_conditional = mle();
    c.or_exact = {ncp_lower(), ncp_upper()};
    // Chi-square on the 2x2 table.
    const double N = n1 + n2, r1 = a + cc, r2 = b + d;
    const double obs[4] = {a, b, cc, d};
    const double exp_[4] = {n1 * r1 / N, n1 * r2 / N, n2 * r1 / N, n2 * r2 / N};
    if (r1 > 0 && r2 > 0) {
        double s = 0, sy = 0, yates = 0.5;
        for (int i = 0; i < 4; ++i) yates = std::min(yates, std::abs(obs[i] - exp_[i]));
        for (int i = 0; i < 4; ++i) {
            s += (obs[i] - exp_[i]) * (obs[i] - exp_[i]) / exp_[i];
            const double dy = std::abs(obs[i] - exp_[i]) - yates;
            sy += dy * dy / exp_[i];
        }
        c.chi2 = s;
        c.chi2_yates = sy;
        c.chi2_p = chi2_sf(s);
        c.chi2_yates_p = chi2_sf(sy);
    } else {
        c.chi2 = c.chi2_yates = c.chi2_p = c.chi2_yates_p = nan;
    }
    return c;
}

bool Rule::test(double x) const {
    if (op == "<=") return x <= value;
    if (op == "<") return x < value;
    if (op == ">=") return x >= value;
    if (op == ">") return x > value;
    return x == value;  // "==" or "="
}

Rule parse_rule(const std::string& text) {
    std::string s;
    for (char ch : text)
        if (ch != ' ') s += ch;
    Rule r;
    for (const char* op : {"<=", ">=", "==", "<", ">", "="})
        if (s.rfind(op, 0) == 0) {
            r.op = op;
            break;
        }
    const std::string rest = r.op.empty() ? "" : s.substr(r.op.size());
    char* end = nullptr;
    if (!rest.empty()) r.value = std::strtod(rest.c_str(), &end);
    if (r.op.empty() || rest.empty() || end != rest.c_str() + rest.size() || !std::isfinite(r.value))
        throw Error(Kind::usage, fmt::format("rule '{}' is not a comparison with a number", text))
            .hint("write e.g. '<=1' (operators <=, <, >=, >, ==)");
    return r;
}

}  // namespace algia::trial
