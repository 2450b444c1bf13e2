#include "algia/stats/t_dist.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/beta.hpp>

namespace algia::stats {

namespace {

constexpr double max_fraction_df = 400;

// Continued fraction of I_x(a, b) (without its prefactor x^a (1-x)^b / (a B(a, b))), by the
// modified Lentz method; NaN when it has not converged.
double beta_fraction(double a, double b, double x) {
    constexpr double tiny = 1e-300, eps = 1e-16;
    const double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (std::fabs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 2000; ++m) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        if (std::fabs(d) < tiny) d = tiny;
        c = 1 + aa / c;
        if (std::fabs(c) < tiny) c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        if (std::fabs(d) < tiny) d = tiny;
        c = 1 + aa / c;
        if (std::fabs(c) < tiny) c = tiny;
        d = 1 / d;
        const double step = d * c;
        h *= step;
        if (std::fabs(step - 1) < eps) return h;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

TwoSidedT::TwoSidedT(double df)
    : df_(df), a_(df / 2), b_(0.5),
      log_beta_(df > 0 && std::isfinite(df) ? std::log(boost::math::beta(df / 2, 0.5)) : std::numeric_limits<double>::quiet_NaN()) {}

double TwoSidedT::operator()(double t) const {
    if (std::isnan(t) || std::isnan(log_beta_)) return std::numeric_limits<double>::quiet_NaN();
    if (std::isinf(t)) return 0.0;
    if (t == 0) return 1.0;
    if (df_ > max_fraction_df) {
        // The fraction needs O(sqrt(df)) terms whose rounding adds up past 1e-12 beyond ~1,000 df.
        const boost::math::students_t dist(df_);
        return 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(t)));
    }
    const double t2 = t * t, s = df_ + t2;
    // x = df / s and 1 - x = t^2 / s as logs: log x = -log1p(t^2 / df) keeps its relative accuracy
    // when x is near 1 (a large df multiplies it).
    const double log_x = -std::log1p(t2 / df_), log_1mx = std::log(t2) - std::log(s);
    const double x = df_ / s;
    const double front = std::exp(a_ * log_x + b_ * log_1mx - log_beta_);
    double p;
    if (x < (a_ + 1) / (a_ + b_ + 2))
        p = front * beta_fraction(a_, b_, x) / a_;
    else
        p = 1 - front * beta_fraction(b_, a_, t2 / s) / b_;
    if (std::isnan(p)) {  // no convergence: Boost decides
        const boost::math::students_t dist(df_);
        return 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(t)));
    }
    return std::clamp(p, 0.0, 1.0);
}

}  // namespace algia::stats
