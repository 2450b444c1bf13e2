#include "algia/trial/lmm.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <Eigen/SVD>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "algia/core/error.hpp"
#include "algia/core/text.hpp"
#include "algia/core/parallel.hpp"
#include "algia/stats/design.hpp"

namespace algia::trial {

namespace {

constexpr double kPi = 3.14159265358979323846;

using algia::split;
using algia::trim;

std::string strip_c(const std::string& v) {
    return (v.rfind("C(", 0) == 0 && v.back() == ')') ? v.substr(2, v.size() - 3) : v;
}

struct Parsed {
    std::string response, fixed, group;
    std::vector<std::string> random_vars;
    bool random_intercept = true;
};

Parsed parse_formula(const std::string& formula) {
    Parsed p;
    const auto tilde = formula.find('~');
    if (tilde == std::string::npos || trim(formula.substr(0, tilde)).empty())
        throw Error(Kind::usage, fmt::format("formula '{}' needs a response: 'y ~ fixed + (1 | group)'", formula))
            .hint("e.g. --formula 'pain ~ arm * visit + age + (1 | id)'");
    p.response = trim(formula.substr(0, tilde));
    std::string rhs = formula.substr(tilde + 1);
    std::vector<std::string> randoms;
    std::string fixed;
    int depth = 0;
    std::string cur;
    for (char c : rhs) {
        if (c == '(') {
            if (depth == 0 && !cur.empty() && trim(cur).size() >= 1 && trim(cur).back() == 'C') {
                cur += c;
                ++depth;
                continue;
            }
            if (depth == 0) {
                fixed += cur;
                cur.clear();
                ++depth;
                continue;
            }
            ++depth;
        } else if (c == ')') {
            --depth;
            if (depth == 0) {
                if (cur.find('|') != std::string::npos) {
                    randoms.push_back(cur);
                } else {
                    // C(var) stays in the fixed part.
                    cur += c;
                    continue;
                }
                cur.clear();
                continue;
            }
        }
        cur += c;
    }
    fixed += cur;
    if (depth != 0) throw Error(Kind::usage, fmt::format("formula '{}': unbalanced parentheses", formula));
    if (randoms.size() != 1)
        throw Error(Kind::usage, fmt::format("formula '{}' needs exactly one random-effects term '(... | group)'", formula))
            .hint("e.g. '(1 | id)' for a random intercept or '(visit | id)' for a random intercept and slope; "
                  "one grouping factor is supported");
    const auto bar = randoms[0].find('|');
    p.group = trim(randoms[0].substr(bar + 1));
    if (p.group.empty() || p.group.find_first_of("+*:/") != std::string::npos)
        throw Error(Kind::usage, fmt::format("formula '{}': the grouping factor must be one column", formula));
    for (const auto& term : split(randoms[0].substr(0, bar), '+')) {
        if (term == "1") continue;
        if (term == "0" || term == "-1") {
            p.random_intercept = false;
            continue;
        }
        if (term.empty()) throw Error(Kind::usage, fmt::format("formula '{}': empty random-effects term", formula));
        if (term.find_first_of("*:-") != std::string::npos)
            throw Error(Kind::unsupported, fmt::format("formula '{}': random term '{}' is not supported", formula, term))
                .hint("random effects are an intercept and numeric columns, e.g. (1 + visit | id)");
        p.random_vars.push_back(term);
    }
    if (!p.random_intercept && p.random_vars.empty())
        throw Error(Kind::usage, fmt::format("formula '{}': the random-effects term has no effects", formula));
    // Fixed part: drop '+' left dangling by the removed random term.
    fixed = trim(fixed);
    while (!fixed.empty() && fixed.back() == '+') fixed = trim(fixed.substr(0, fixed.size() - 1));
    while (!fixed.empty() && fixed.front() == '+') fixed = trim(fixed.substr(1));
    std::string collapsed;
    for (std::size_t i = 0; i < fixed.size(); ++i) {
        collapsed += fixed[i];
        if (fixed[i] == '+') {
            std::size_t j = i + 1;
            while (j < fixed.size() && (std::isspace(static_cast<unsigned char>(fixed[j])) || fixed[j] == '+')) ++j;
            i = j - 1;
            collapsed += ' ';
        }
    }
    p.fixed = collapsed.empty() ? "1" : collapsed;
    return p;
}

// Terms of the fixed formula with their variables, expanded as design_from_formula expands them.
std::vector<std::vector<std::string>> fixed_terms(const std::string& fixed, bool& intercept) {
    auto ft = stats::formula_terms(fixed, "~ " + fixed);
    intercept = ft.intercept;
    return std::move(ft.terms);
}

// The term a design column belongs to: "arm[T.b]:visit[T.v2]" -> "arm:visit".
std::string column_term(const std::string& col) {
    std::string out;
    int depth = 0;
    for (char c : col) {
        if (c == '[') ++depth;
        if (depth == 0) out += c;
        if (c == ']') --depth;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// The profiled deviance.

struct Problem {
    std::size_t n = 0, p = 0, q = 0, G = 0;
    // Per group g, contiguous: Z_g'Z_g (q x q), Z_g'X_g (q x p), Z_g'y_g (q), column-major.
    std::vector<double> ZtZ, ZtX, Zty;
    Eigen::MatrixXd XtX;
    Eigen::VectorXd Xty;
    double yty = 0;
    bool reml = true;
    const Context* ctx = nullptr;
};

struct Pls {
    bool ok = false;
    double ldL2 = 0, ldRX2 = 0, pwrss = 0;
    Eigen::VectorXd beta;
    Eigen::MatrixXd RX;  // upper triangular: RX'RX = X'X - RZX'RZX
};

Eigen::MatrixXd make_T(const Eigen::VectorXd& theta, std::size_t q) {
    Eigen::MatrixXd T = Eigen::MatrixXd::Zero(Eigen::Index(q), Eigen::Index(q));
    Eigen::Index k = 0;
    for (Eigen::Index j = 0; j < Eigen::Index(q); ++j)
        for (Eigen::Index i = j; i < Eigen::Index(q); ++i) T(i, j) = theta[k++];
    return T;
}

// Sums over a block of groups [g0, g1) (see solve_pls).
struct PlsPartial {
    std::vector<double> S, r;
    double cu2 = 0, ldL2 = 0;
    bool ok = true;
};

// QF > 0: q known at compile time (1 or 2, the usual random terms), so the small loops unroll.
template <std::size_t QF>
PlsPartial pls_block(const Problem& pr, const Eigen::MatrixXd& T, std::size_t g0, std::size_t g1) {
    const std::size_t q = QF ? QF : pr.q, p = pr.p;
    PlsPartial out;
    out.S.assign(p * p, 0.0);
    out.r.assign(p, 0.0);
    std::vector<double>& S = out.S;
    std::vector<double>& r = out.r;
    double M[9], TZ[9], b[3];
    std::vector<double> Mv, TZv, bv;
    double* Mp = M;
    double* TZp = TZ;
    double* bp = b;
    if (q > 3) {
        Mv.resize(q * q);
        TZv.resize(q * q);
        bv.resize(q);
        Mp = Mv.data();
        TZp = TZv.data();
        bp = bv.data();
    }
    std::vector<double> A(q * p);
    double cu2 = 0;
    const double* Td = T.data();  // column-major q x q, lower triangular
    double logacc = 1;  // product of Cholesky diagonals over a few groups (each det(M_g) >= 1), then a log
    for (std::size_t g = g0; g < g1; ++g) {
        if ((g - g0) % 8 == 0) {
            out.ldL2 += 2 * std::log(logacc);
            logacc = 1;
        }
        const double* ZZ = &pr.ZtZ[g * q * q];
        const double* ZX = &pr.ZtX[g * q * p];
        const double* Zy = &pr.Zty[g * q];
        // TZ = T' ZZ (q x q): TZ(i, j) = sum_{k >= i} T(k, i) ZZ(k, j)
        for (std::size_t i = 0; i < q; ++i)
            for (std::size_t j = 0; j < q; ++j) {
                double acc = 0;
                for (std::size_t k = i; k < q; ++k) acc += Td[k + i * q] * ZZ[k + j * q];
                TZp[i + j * q] = acc;
            }
        // M = TZ T + I (lower triangle suffices): M(i, j) = sum_{k >= j} TZ(i, k) T(k, j)
        for (std::size_t j = 0; j < q; ++j)
            for (std::size_t i = j; i < q; ++i) {
                double acc = (i == j) ? 1.0 : 0.0;
                for (std::size_t k = j; k < q; ++k) acc += TZp[i + k * q] * Td[k + j * q];
                Mp[i + j * q] = acc;
            }
        // In-place Cholesky (lower).
        for (std::size_t j = 0; j < q; ++j) {
            double d = Mp[j + j * q];
            for (std::size_t k = 0; k < j; ++k) d -= Mp[j + k * q] * Mp[j + k * q];
            if (!(d > 0)) {
                out.ok = false;
                return out;
            }
            d = std::sqrt(d);
            Mp[j + j * q] = d;
            logacc *= d;
            for (std::size_t i = j + 1; i < q; ++i) {
                double v = Mp[i + j * q];
                for (std::size_t k = 0; k < j; ++k) v -= Mp[i + k * q] * Mp[j + k * q];
                Mp[i + j * q] = v / d;
            }
        }
        // A = L^-1 T' ZX, b = L^-1 T' Zy (A row-major q x p here: A[i * p + c]).
        for (std::size_t i = 0; i < q; ++i) {
            for (std::size_t c = 0; c < p; ++c) {
                double acc = 0;
                for (std::size_t k = i; k < q; ++k) acc += Td[k + i * q] * ZX[k + c * q];
                for (std::size_t k = 0; k < i; ++k) acc -= Mp[i + k * q] * A[k * p + c];
                A[i * p + c] = acc / Mp[i + i * q];
            }
            double acc = 0;
            for (std::size_t k = i; k < q; ++k) acc += Td[k + i * q] * Zy[k];
            for (std::size_t k = 0; k < i; ++k) acc -= Mp[i + k * q] * bp[k];
            bp[i] = acc / Mp[i + i * q];
            cu2 += bp[i] * bp[i];
        }
        if constexpr (QF == 2) {
            const double* A0 = &A[0];
            const double* A1 = &A[p];
            for (std::size_t c = 0; c < p; ++c) {
                const double a0 = A0[c], a1 = A1[c];
                r[c] += a0 * bp[0] + a1 * bp[1];
                double* Sc = &S[c * p];
                for (std::size_t e = c; e < p; ++e) Sc[e] += a0 * A0[e] + a1 * A1[e];
            }
        } else {
            for (std::size_t i = 0; i < q; ++i) {
                const double* Ai = &A[i * p];
                const double bi = bp[i];
                for (std::size_t c = 0; c < p; ++c) {
                    const double ac = Ai[c];
                    r[c] += ac * bi;
                    double* Sc = &S[c * p];
                    for (std::size_t e = c; e < p; ++e) Sc[e] += ac * Ai[e];
                }
            }
        }
    }
    out.ldL2 += 2 * std::log(logacc);
    out.cu2 = cu2;
    return out;
}

Pls solve_pls(const Problem& pr, const Eigen::VectorXd& theta) {
    Pls out;
    const std::size_t q = pr.q, p = pr.p;
    const Eigen::MatrixXd T = make_T(theta, q);
    // Upper triangle of S = X'X - sum_g A_g'A_g and r = X'y - sum_g A_g'b_g, with
    // A_g = L_g^-1 T' Z_g'X_g, b_g = L_g^-1 T' Z_g'y_g, L_g L_g' = T'Z_g'Z_g T + I: small loops, no
    // allocation per group; blocks of groups (fixed boundaries, folded in order: the same bits on
    // any number of threads).
    constexpr std::size_t grain = 512;
    auto map = [&](std::size_t g0, std::size_t g1) {
        return q == 1 ? pls_block<1>(pr, T, g0, g1) : q == 2 ? pls_block<2>(pr, T, g0, g1) : pls_block<0>(pr, T, g0, g1);
    };
    auto fold = [](PlsPartial acc, PlsPartial b) {
        if (acc.S.empty()) return b;
        for (std::size_t i = 0; i < acc.S.size(); ++i) acc.S[i] += b.S[i];
        for (std::size_t i = 0; i < acc.r.size(); ++i) acc.r[i] += b.r[i];
        acc.cu2 += b.cu2;
        acc.ldL2 += b.ldL2;
        acc.ok = acc.ok && b.ok;
        return acc;
    };
    PlsPartial tot;
    if (pr.ctx && pr.G > grain) {
        tot = parallel_reduce(*pr.ctx, pr.G, grain, PlsPartial{{}, {}, 0, 0, true}, map, fold);
    } else {
        for (std::size_t g0 = 0; g0 < pr.G; g0 += grain) tot = fold(std::move(tot), map(g0, std::min(pr.G, g0 + grain)));
    }
    if (!tot.ok) return out;
    const std::vector<double>& S = tot.S;
    const std::vector<double>& r = tot.r;
    const double cu2 = tot.cu2;
    out.ldL2 = tot.ldL2;
    Eigen::MatrixXd Sm = pr.XtX;
    Eigen::VectorXd rv = pr.Xty;
    for (std::size_t c = 0; c < p; ++c) {
        rv[Eigen::Index(c)] -= r[c];
        for (std::size_t e = c; e < p; ++e) {
            Sm(Eigen::Index(e), Eigen::Index(c)) -= S[c * p + e];
            if (e != c) Sm(Eigen::Index(c), Eigen::Index(e)) = Sm(Eigen::Index(e), Eigen::Index(c));
        }
    }
    Eigen::LLT<Eigen::MatrixXd> lx(Sm);
    if (lx.info() != Eigen::Success) return out;
    out.RX = lx.matrixU();
    for (std::size_t i = 0; i < p; ++i) out.ldRX2 += 2 * std::log(out.RX(Eigen::Index(i), Eigen::Index(i)));
    Eigen::VectorXd cbeta = lx.matrixL().solve(rv);
    out.beta = lx.matrixU().solve(cbeta);
    out.pwrss = std::max(pr.yty - cu2 - cbeta.squaredNorm(), 1e-300);
    out.ok = true;
    return out;
}

double profiled_deviance(const Problem& pr, const Pls& s) {
    if (!s.ok) return std::numeric_limits<double>::infinity();
    const double n = double(pr.n), p = double(pr.p);
    if (pr.reml) return s.ldL2 + s.ldRX2 + (n - p) * (1 + std::log(2 * kPi * s.pwrss / (n - p)));
    return s.ldL2 + n * (1 + std::log(2 * kPi * s.pwrss / n));
}

// lmerTest's devfun_vp: the deviance at (theta, sigma).
double deviance_vp(const Problem& pr, const Eigen::VectorXd& varpar) {
    const Eigen::Index k = varpar.size() - 1;
    const double sigma2 = varpar[k] * varpar[k];
    const Pls s = solve_pls(pr, varpar.head(k));
    if (!s.ok) return std::numeric_limits<double>::quiet_NaN();
    double dev = s.ldL2 + s.pwrss / sigma2 + double(pr.n) * std::log(2 * kPi * sigma2);
    if (pr.reml) dev += s.ldRX2 - double(pr.p) * std::log(2 * kPi * sigma2);
    return dev;
}

// numDeriv's Richardson settings.
constexpr double kEps = 1e-4, kD = 1e-4, kV = 2;
constexpr int kR = 4;
// numDeriv's relative step 1e-4 leaves the Hessian of the deviance at the mercy of rounding (its
// second differences shrink to ~1e-11 of a deviance of ~1e3); a 1e-2 relative step with the same
// Richardson extrapolation is accurate to ~1e-7 (lmerTest's own result is closer to this than to
// our evaluation of its exact recipe: e.g. sleepstudy's balanced df of exactly 17).
constexpr double kHessianD = 1e-2;
const double kZeroTol = std::sqrt(std::numeric_limits<double>::epsilon() / 7e-7);

Eigen::VectorXd numderiv_h0(const Eigen::VectorXd& x, double d = kD) {
    Eigen::VectorXd h(x.size());
    for (Eigen::Index i = 0; i < x.size(); ++i) h[i] = std::abs(d * x[i]) + (std::abs(x[i]) < kZeroTol ? kEps : 0.0);
    return h;
}

void richardson(std::vector<Eigen::VectorXd>& a) {
    for (int m = 1; m < kR; ++m)
        for (int k = 0; k < kR - m; ++k) a[k] = (a[k + 1] * std::pow(4.0, m) - a[k]) / (std::pow(4.0, m) - 1);
}

// numDeriv::hessian (genD) of a scalar function; also the gradient.
Eigen::MatrixXd nd_hessian(const std::function<double(const Eigen::VectorXd&)>& f, const Eigen::VectorXd& x,
                           Eigen::VectorXd* gradient = nullptr, double d = kD) {
    const Eigen::Index n = x.size();
    const double f0 = f(x);
    const Eigen::VectorXd h0 = numderiv_h0(x, d);
    Eigen::VectorXd Hdiag(n), D(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        std::vector<Eigen::VectorXd> da(kR, Eigen::VectorXd(1)), ha(kR, Eigen::VectorXd(1));
        Eigen::VectorXd h = h0;
        for (int k = 0; k < kR; ++k) {
            Eigen::VectorXd xp = x, xm = x;
            xp[i] += h[i];
            xm[i] -= h[i];
            const double f1 = f(xp), f2 = f(xm);
            da[k][0] = (f1 - f2) / (2 * h[i]);
            ha[k][0] = (f1 - 2 * f0 + f2) / (h[i] * h[i]);
            h /= kV;
        }
        richardson(da);
        richardson(ha);
        D[i] = da[0][0];
        Hdiag[i] = ha[0][0];
    }
    Eigen::MatrixXd H(n, n);
    for (Eigen::Index i = 0; i < n; ++i) {
        H(i, i) = Hdiag[i];
        for (Eigen::Index j = 0; j < i; ++j) {
            std::vector<Eigen::VectorXd> da(kR, Eigen::VectorXd(1));
            Eigen::VectorXd h = h0;
            for (int k = 0; k < kR; ++k) {
                Eigen::VectorXd xp = x, xm = x;
                xp[i] += h[i];
                xp[j] += h[j];
                xm[i] -= h[i];
                xm[j] -= h[j];
                const double f1 = f(xp), f2 = f(xm);
                da[k][0] = (f1 - 2 * f0 + f2 - Hdiag[i] * h[i] * h[i] - Hdiag[j] * h[j] * h[j]) / (2 * h[i] * h[j]);
                h /= kV;
            }
            richardson(da);
            H(i, j) = H(j, i) = da[0][0];
        }
    }
    if (gradient) *gradient = D;
    return H;
}

// numDeriv::jacobian of a vector function: column k = d f / d x_k.
Eigen::MatrixXd nd_jacobian(const std::function<Eigen::VectorXd(const Eigen::VectorXd&)>& f, const Eigen::VectorXd& x) {
    const Eigen::Index n = x.size();
    Eigen::VectorXd h = numderiv_h0(x);
    const Eigen::Index m = f(x).size();
    std::vector<std::vector<Eigen::VectorXd>> a(std::size_t(n), std::vector<Eigen::VectorXd>(kR, Eigen::VectorXd(m)));
    for (int k = 0; k < kR; ++k) {
        for (Eigen::Index i = 0; i < n; ++i) {
            Eigen::VectorXd xp = x, xm = x;
            xp[i] += h[i];
            xm[i] -= h[i];
            a[std::size_t(i)][std::size_t(k)] = (f(xp) - f(xm)) / (2 * h[i]);
        }
        h /= kV;
    }
    Eigen::MatrixXd J(m, n);
    for (Eigen::Index i = 0; i < n; ++i) {
        richardson(a[std::size_t(i)]);
        J.col(i) = a[std::size_t(i)][0];
    }
    return J;
}

// Nelder-Mead on an unconstrained function.
struct NmResult {
    Eigen::VectorXd x;
    double f = 0;
    int evaluations = 0;
    bool converged = false;
};

NmResult nelder_mead(const std::function<double(const Eigen::VectorXd&)>& f, Eigen::VectorXd x0, double step,
                     int max_eval, double ftol = 1e-14, double xtol = 1e-9) {
    const Eigen::Index n = x0.size();
    std::vector<Eigen::VectorXd> s(std::size_t(n + 1), x0);
    std::vector<double> fv(std::size_t(n + 1));
    NmResult out;
    for (Eigen::Index i = 0; i < n; ++i) s[std::size_t(i + 1)][i] += (std::abs(x0[i]) > 1e-3 ? step * std::abs(x0[i]) + step : step);
    for (std::size_t i = 0; i <= std::size_t(n); ++i) fv[i] = f(s[i]);
    out.evaluations = int(n) + 1;
    std::vector<std::size_t> idx(std::size_t(n + 1));
    while (out.evaluations < max_eval) {
        std::iota(idx.begin(), idx.end(), 0);
        std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return fv[a] < fv[b]; });
        const std::size_t best = idx[0], worst = idx[std::size_t(n)], second = idx[std::size_t(n - 1)];
        double size = 0;
        for (std::size_t i = 0; i <= std::size_t(n); ++i) size = std::max(size, (s[i] - s[best]).cwiseAbs().maxCoeff());
        if (std::abs(fv[worst] - fv[best]) <= ftol * (std::abs(fv[best]) + 1e-10) && size < xtol) {
            out.converged = true;
            break;
        }
        if (size < 1e-12) {
            out.converged = true;
            break;
        }
        Eigen::VectorXd c = Eigen::VectorXd::Zero(n);
        for (std::size_t i = 0; i <= std::size_t(n); ++i)
            if (i != worst) c += s[i];
        c /= double(n);
        const Eigen::VectorXd xr = c + (c - s[worst]);
        const double fr = f(xr);
        ++out.evaluations;
        if (fr < fv[best]) {
            const Eigen::VectorXd xe = c + 2 * (c - s[worst]);
            const double fe = f(xe);
            ++out.evaluations;
            if (fe < fr) {
                s[worst] = xe;
                fv[worst] = fe;
            } else {
                s[worst] = xr;
                fv[worst] = fr;
            }
        } else if (fr < fv[second]) {
            s[worst] = xr;
            fv[worst] = fr;
        } else {
            const bool outside = fr < fv[worst];
            const Eigen::VectorXd xc = outside ? Eigen::VectorXd(c + 0.5 * (xr - c)) : Eigen::VectorXd(c + 0.5 * (s[worst] - c));
            const double fc = f(xc);
            ++out.evaluations;
            if (fc < (outside ? fr : fv[worst])) {
                s[worst] = xc;
                fv[worst] = fc;
            } else {
                for (std::size_t i = 0; i <= std::size_t(n); ++i)
                    if (i != best) {
                        s[i] = s[best] + 0.5 * (s[i] - s[best]);
                        fv[i] = f(s[i]);
                        ++out.evaluations;
                    }
            }
        }
    }
    std::size_t best = 0;
    for (std::size_t i = 1; i <= std::size_t(n); ++i)
        if (fv[i] < fv[best]) best = i;
    out.x = s[best];
    out.f = fv[best];
    return out;
}

double zapsmall_digits(const Eigen::MatrixXd& x) {
    const double mx = x.size() ? x.cwiseAbs().maxCoeff() : 0;
    return mx > 0 ? std::max(0.0, 7 - std::ceil(std::log10(mx))) : 7;
}

void zapsmall(Eigen::MatrixXd& x) {
    const double d = zapsmall_digits(x);
    const double scale = std::pow(10.0, d);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = std::nearbyint(x.data()[i] * scale) / scale;
}

Eigen::MatrixXd pinv(const Eigen::MatrixXd& A) {
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(A, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const auto& s = svd.singularValues();
    const double tol = std::max(A.rows(), A.cols()) * (s.size() ? s[0] : 0) * std::numeric_limits<double>::epsilon();
    Eigen::VectorXd inv(s.size());
    for (Eigen::Index i = 0; i < s.size(); ++i) inv[i] = s[i] > tol ? 1 / s[i] : 0;
    return svd.matrixV() * inv.asDiagonal() * svd.matrixU().transpose();
}

double t_p(double t, double df) {
    if (!std::isfinite(t) || !(df > 0)) return std::numeric_limits<double>::quiet_NaN();
    boost::math::students_t dist(df);
    return 2 * boost::math::cdf(boost::math::complement(dist, std::abs(t)));
}

}  // namespace

// ---------------------------------------------------------------------------------------------

LmmFit fit_lmm(const io::Table& table, const std::string& formula, const LmmOptions& options) {
    const Parsed ps = parse_formula(formula);
    LmmFit fit;
    fit.formula = formula;
    fit.response = ps.response;
    fit.group = ps.group;
    fit.fixed = ps.fixed;
    fit.reml = options.reml;
    bool intercept = true;
    const auto term_vars = fixed_terms(ps.fixed, intercept);
    // Variables used, in first-appearance order.
    std::vector<std::string> vars;
    for (const auto& tv : term_vars)
        for (const auto& v : tv)
            if (std::find(vars.begin(), vars.end(), strip_c(v)) == vars.end()) vars.push_back(strip_c(v));
    std::vector<std::string> used = vars;
    used.push_back(ps.response);
    for (const auto& v : ps.random_vars) used.push_back(v);
    used.push_back(ps.group);
    for (const auto& c : used) (void)table.index(c);  // names the file and its columns when missing
    // Numeric columns: response and random-effect covariates.
    const std::vector<double> y_all = table.numeric(ps.response);
    std::vector<std::vector<double>> z_all;
    for (const auto& v : ps.random_vars) {
        try {
            z_all.push_back(table.numeric(v));
        } catch (const Error&) {
            throw Error(Kind::invalid_input, fmt::format("{}: random-effect column '{}' is not numeric", table.source(), v))
                .hint("random slopes need a numeric column (e.g. visit as 0, 1, 2, ...)");
        }
    }
    // Keep complete rows (every used column present), as lme4's na.omit.
    const auto group_cells = table.strings(ps.group);
    std::vector<std::size_t> used_idx;
    for (const auto& c : used) used_idx.push_back(table.index(c));
    std::vector<std::size_t> keep;
    for (std::size_t r = 0; r < table.rows(); ++r) {
        bool ok = true;
        for (std::size_t c : used_idx) ok = ok && !io::is_missing(table.cell(r, c));
        if (ok) keep.push_back(r);
    }
    io::Table sub_copy;
    if (keep.size() < table.rows()) {
        sub_copy = io::Table(table.columns());
        sub_copy.set_source(table.source());
        for (std::size_t r : keep) {
            std::vector<std::string> row(table.cols());
            for (std::size_t c = 0; c < table.cols(); ++c) row[c] = table.cell(r, c);
            sub_copy.add_row(std::move(row));
        }
    }
    const io::Table& sub = keep.size() < table.rows() ? sub_copy : table;
    const std::string fixed_formula = "~ " + ps.fixed;
    stats::Design d = stats::design_from_formula(sub, fixed_formula);
    if (d.rows.size() != sub.rows())
        throw Error(Kind::internal, "lmm: design dropped complete rows");
    const std::size_t n = keep.size();
    // lme4's column order: terms by their order (main effects, then interactions), stable.
    std::vector<std::string> term_names;
    std::map<std::string, std::vector<std::size_t>> term_cols;
    for (std::size_t j = 0; j < d.columns.size(); ++j) {
        const std::string t = d.columns[j] == "intercept" ? "intercept" : column_term(d.columns[j]);
        if (!term_cols.count(t)) term_names.push_back(t);
        term_cols[t].push_back(j);
    }
    std::vector<std::size_t> order(term_names.size());
    std::iota(order.begin(), order.end(), 0);
    auto degree = [&](const std::string& t) { return t == "intercept" ? 0 : int(split(t, ':').size()); };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return degree(term_names[a]) < degree(term_names[b]); });
    // Within an interaction, R's column order: the first factor's level varies fastest.
    for (auto& [tname, cols] : term_cols) {
        if (tname == "intercept" || tname.find(':') == std::string::npos) continue;
        auto key = [&d](std::size_t j) {
            auto parts = split(d.columns[j], ':');
            std::reverse(parts.begin(), parts.end());
            return parts;
        };
        std::stable_sort(cols.begin(), cols.end(), [&key](std::size_t a, std::size_t b) { return key(a) < key(b); });
    }
    std::vector<std::size_t> perm;
    fit.intercept = term_cols.count("intercept") > 0;
    for (std::size_t oi : order) {
        const std::string& t = term_names[oi];
        if (t != "intercept") {
            LmmTerm term;
            term.name = t;
            for (const auto& v : split(t, ':')) term.variables.push_back(strip_c(v));
            for (std::size_t j : term_cols[t]) {
                term.columns.push_back(perm.size());
                perm.push_back(j);
            }
            fit.terms.push_back(term);
        } else {
            for (std::size_t j : term_cols[t]) perm.push_back(j);
        }
    }
    const std::size_t p = perm.size();
    fit.X.resize(Eigen::Index(n), Eigen::Index(p));
    for (std::size_t j = 0; j < p; ++j) {
        fit.X.col(Eigen::Index(j)) = d.X.col(Eigen::Index(perm[j]));
        fit.columns.push_back(d.columns[perm[j]] == "intercept" ? "(Intercept)" : d.columns[perm[j]]);
    }
    // Variables' kinds, levels and means (for emmeans and Type III contrasts).
    for (const auto& tv : term_vars)
        for (const auto& raw : tv) {
            const std::string v = strip_c(raw);
            if (std::find(fit.variables.begin(), fit.variables.end(), v) != fit.variables.end()) continue;
            const auto cells = sub.strings(v);
            bool numeric = raw.rfind("C(", 0) != 0;
            std::vector<double> vals;
            for (const auto& c : cells) {
                if (!numeric) break;
                char* end = nullptr;
                const double x = std::strtod(c.c_str(), &end);
                if (end == c.c_str() || *end != '\0') numeric = false;
                vals.push_back(x);
            }
            fit.variables.push_back(v);
            fit.variable_numeric.push_back(numeric);
            std::set<std::string> lv(cells.begin(), cells.end());
            fit.variable_levels.push_back(numeric ? std::vector<std::string>{} : std::vector<std::string>(lv.begin(), lv.end()));
            fit.variable_mean.push_back(numeric && !vals.empty() ? std::accumulate(vals.begin(), vals.end(), 0.0) / double(vals.size()) : 0.0);
            Eigen::VectorXd values(Eigen::Index(cells.size()));
            const auto& levels = fit.variable_levels.back();
            for (std::size_t r = 0; r < cells.size(); ++r)
                values[Eigen::Index(r)] = numeric ? vals[r] : double(std::lower_bound(levels.begin(), levels.end(), cells[r]) - levels.begin());
            fit.variable_values.push_back(values);
        }
    // Response, groups, random-effects design.
    Eigen::VectorXd y(static_cast<Eigen::Index>(n));
    std::map<std::string, std::size_t> group_of;
    std::vector<std::size_t> g(n);
    for (std::size_t i = 0; i < n; ++i) {
        y[Eigen::Index(i)] = y_all[keep[i]];
        const auto it = group_of.emplace(group_cells[keep[i]], group_of.size()).first;
        g[i] = it->second;
    }
    fit.n_obs = n;
    fit.n_groups = group_of.size();
    if (ps.random_intercept) fit.random_effects.push_back("(Intercept)");
    for (const auto& v : ps.random_vars) fit.random_effects.push_back(v);
    const std::size_t q = fit.random_effects.size();
    if (fit.n_groups < 2)
        throw Error(Kind::invalid_input, fmt::format("{}: grouping factor '{}' has {} level in the complete rows", table.source(), ps.group, fit.n_groups))
            .hint("a random effect needs at least two groups (participants)");
    if (fit.n_groups * q >= n)
        throw Error(Kind::invalid_input,
                    fmt::format("{}: {} random effects for {} groups of '{}' need more than {} observations (there are {})",
                                table.source(), q, fit.n_groups, ps.group, fit.n_groups * q, n))
            .hint("the random effects are unidentifiable; use a simpler random term, e.g. (1 | id)");
    if (n <= p)
        throw Error(Kind::invalid_input, fmt::format("{}: {} complete rows for {} fixed effects", table.source(), n, p))
            .hint("check for n/a in the model's columns");
    {
        Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(fit.X);
        if (qr.rank() < Eigen::Index(p))
            throw Error(Kind::invalid_input, fmt::format("{}: the fixed-effects design is rank deficient ({} of {} columns independent)",
                                                         table.source(), qr.rank(), p))
                .hint("a column is constant or a combination of others (e.g. an empty arm x visit cell); simplify the formula");
    }
    Problem pr;
    pr.n = n;
    pr.p = p;
    pr.q = q;
    pr.G = fit.n_groups;
    pr.reml = options.reml;
    pr.ctx = options.context;
    pr.ZtZ.assign(pr.G * q * q, 0.0);
    pr.ZtX.assign(pr.G * q * p, 0.0);
    pr.Zty.assign(pr.G * q, 0.0);
    // Work with the OLS residuals instead of y: beta(theta) = beta_ols + the PLS solution for them.
    // The penalized residual sum of squares is then y'y - |cu|^2 - |cbeta|^2 with y'y about its own
    // size (not the raw y'y), so it keeps its digits, which the finite-difference Hessian needs.
    const Eigen::VectorXd beta_ols = fit.X.colPivHouseholderQr().solve(y);
    y -= fit.X * beta_ols;
    Eigen::VectorXd z(static_cast<Eigen::Index>(q));
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t k = 0;
        if (ps.random_intercept) z[Eigen::Index(k++)] = 1;
        for (const auto& col : z_all) z[Eigen::Index(k++)] = col[keep[i]];
        double* ZZ = &pr.ZtZ[g[i] * q * q];
        double* ZX = &pr.ZtX[g[i] * q * p];
        double* Zy = &pr.Zty[g[i] * q];
        for (std::size_t a = 0; a < q; ++a) {
            for (std::size_t b = 0; b < q; ++b) ZZ[a + b * q] += z[Eigen::Index(a)] * z[Eigen::Index(b)];
            for (std::size_t c = 0; c < p; ++c) ZX[a + c * q] += z[Eigen::Index(a)] * fit.X(Eigen::Index(i), Eigen::Index(c));
            Zy[a] += z[Eigen::Index(a)] * y[Eigen::Index(i)];
        }
    }
    pr.XtX = fit.X.transpose() * fit.X;
    pr.Xty = fit.X.transpose() * y;
    pr.yty = y.squaredNorm();

    // Optimize theta.
    const std::size_t nt = q * (q + 1) / 2;
    Eigen::VectorXd theta = Eigen::VectorXd::Zero(Eigen::Index(nt));
    {
        Eigen::Index k = 0;
        for (std::size_t j = 0; j < q; ++j)
            for (std::size_t i = j; i < q; ++i) theta[k++] = (i == j) ? 1.0 : 0.0;
    }
    int evals = 0;
    auto dev = [&](const Eigen::VectorXd& th) {
        ++evals;
        return profiled_deviance(pr, solve_pls(pr, th));
    };
    double best = dev(theta);
    // Nelder-Mead, then Newton steps on Richardson derivatives (each accepted only if the deviance
    // decreases); converged when the Hessian is positive definite and the last step negligible.
    // Otherwise (e.g. on a boundary) Nelder-Mead restarts from the best point until a restart gains
    // nothing.
    auto polish = [&]() {
        for (int it = 0; it < 8; ++it) {
            Eigen::VectorXd grad;
            const Eigen::MatrixXd H = nd_hessian(dev, theta, &grad, kHessianD);
            Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(H);
            if (es.info() != Eigen::Success || es.eigenvalues().minCoeff() <= 1e-10 * std::max(1.0, es.eigenvalues().maxCoeff()))
                return false;
            const Eigen::VectorXd step =
                es.eigenvectors() * (es.eigenvalues().cwiseInverse().asDiagonal() * (es.eigenvectors().transpose() * grad));
            if (!step.allFinite()) return false;
            if (step.norm() < 1e-8 * (theta.norm() + 1e-6)) return true;
            bool improved = false;
            for (double a = 1; a > 1e-3; a /= 4) {
                const Eigen::VectorXd cand = theta - a * step;
                const double fc = dev(cand);
                if (fc <= best) {
                    theta = cand;
                    best = fc;
                    improved = true;
                    break;
                }
            }
            if (!improved) return step.norm() < 1e-6 * (theta.norm() + 1e-6);
        }
        return false;
    };
    // The first pass stops early (the Newton steps finish the job).
    NmResult first = nelder_mead(dev, theta, 0.5, 4000, 1e-11, 1e-5);
    if (first.f <= best) {
        theta = first.x;
        best = first.f;
    }
    bool converged = first.converged && polish();
    for (int restart = 1; restart < 8 && !converged; ++restart) {
        const NmResult r = nelder_mead(dev, theta, 0.05, 4000);
        const double gain = best - r.f;
        if (r.f <= best) {
            theta = r.x;
            best = r.f;
        }
        if (gain <= 1e-10 * (std::abs(best) + 1)) {
            converged = r.converged;
            polish();
            break;
        }
    }
    // Non-negative diagonal (flip columns of T), as lme4's bounds.
    {
        Eigen::MatrixXd T = make_T(theta, q);
        for (Eigen::Index j = 0; j < Eigen::Index(q); ++j)
            if (T(j, j) < 0) T.col(j) *= -1;
        Eigen::Index k = 0;
        for (Eigen::Index j = 0; j < Eigen::Index(q); ++j)
            for (Eigen::Index i = j; i < Eigen::Index(q); ++i) theta[k++] = T(i, j);
        for (Eigen::Index j = 0; j < Eigen::Index(q); ++j) fit.singular = fit.singular || T(j, j) < 1e-4;
    }
    fit.evaluations = evals;
    fit.converged = converged;
    fit.theta = theta;
    const Pls s = solve_pls(pr, theta);
    if (!s.ok) throw Error(Kind::internal, "lmm: the fitted model's Cholesky factor failed");
    fit.criterion = profiled_deviance(pr, s);
    fit.loglik = -fit.criterion / 2;
    const double n_par = double(p + nt + 1);
    fit.aic = fit.criterion + 2 * n_par;
    fit.bic = fit.criterion + std::log(double(n)) * n_par;
    fit.sigma = std::sqrt(s.pwrss / (options.reml ? double(n - p) : double(n)));
    fit.beta = beta_ols + s.beta;
    Eigen::MatrixXd RXi = s.RX.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(Eigen::Index(p), Eigen::Index(p)));
    fit.vcov_beta = fit.sigma * fit.sigma * RXi * RXi.transpose();
    {
        const Eigen::MatrixXd T = make_T(theta, q);
        const Eigen::MatrixXd Sig = fit.sigma * fit.sigma * T * T.transpose();
        fit.re_sd = Sig.diagonal().cwiseSqrt();
        fit.re_corr = Eigen::MatrixXd::Identity(Eigen::Index(q), Eigen::Index(q));
        for (Eigen::Index i = 0; i < Eigen::Index(q); ++i)
            for (Eigen::Index j = 0; j < Eigen::Index(q); ++j)
                if (i != j) fit.re_corr(i, j) = (fit.re_sd[i] > 0 && fit.re_sd[j] > 0) ? Sig(i, j) / (fit.re_sd[i] * fit.re_sd[j]) : std::numeric_limits<double>::quiet_NaN();
    }
    // Satterthwaite ingredients (lmerTest's as_lmerModLT).
    Eigen::VectorXd varpar(Eigen::Index(nt + 1));
    varpar << theta, fit.sigma;
    const Eigen::MatrixXd H = nd_hessian([&](const Eigen::VectorXd& v) { return deviance_vp(pr, v); }, varpar, nullptr, kHessianD);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(H);
    fit.hessian_eigenvalues = es.eigenvalues();
    Eigen::MatrixXd hinv = Eigen::MatrixXd::Zero(H.rows(), H.cols());
    bool negative = false;
    for (Eigen::Index i = 0; i < H.rows(); ++i) {
        const double e = es.eigenvalues()[i];
        if (e < -1e-8) negative = true;
        if (e > 1e-8) hinv += es.eigenvectors().col(i) * es.eigenvectors().col(i).transpose() / e;
    }
    fit.vcov_varpar = 2 * hinv;
    const Eigen::MatrixXd J = nd_jacobian(
        [&](const Eigen::VectorXd& v) {
            const Eigen::Index k = v.size() - 1;
            const Pls sv = solve_pls(pr, v.head(k));
            Eigen::MatrixXd Ri = sv.RX.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(Eigen::Index(p), Eigen::Index(p)));
            Eigen::MatrixXd C = v[k] * v[k] * Ri * Ri.transpose();
            return Eigen::VectorXd(Eigen::Map<Eigen::VectorXd>(C.data(), C.size()));
        },
        varpar);
    for (Eigen::Index k = 0; k < J.cols(); ++k)
        fit.jac.push_back(Eigen::Map<const Eigen::MatrixXd>(J.col(k).data(), Eigen::Index(p), Eigen::Index(p)));
    // Fixed effects table.
    fit.se.resize(Eigen::Index(p));
    fit.df.resize(Eigen::Index(p));
    fit.t.resize(Eigen::Index(p));
    fit.p.resize(Eigen::Index(p));
    for (std::size_t j = 0; j < p; ++j) {
        Eigen::VectorXd L = Eigen::VectorXd::Zero(Eigen::Index(p));
        L[Eigen::Index(j)] = 1;
        const ContrastResult c = contest1d(fit, L);
        fit.se[Eigen::Index(j)] = c.se;
        fit.df[Eigen::Index(j)] = c.df;
        fit.t[Eigen::Index(j)] = c.t;
        fit.p[Eigen::Index(j)] = c.p;
    }
    std::vector<std::string> notes;
    if (!converged) notes.push_back("the optimizer stopped at its evaluation limit before converging");
    if (fit.singular) notes.push_back("boundary (singular) fit: a random-effect variance is (near) zero or correlations are +-1; simplify the random effects");
    if (negative) notes.push_back("the deviance Hessian has a negative eigenvalue: the model may not have converged");
    fit.message = notes.empty() ? "converged" : fmt::format("{}", fmt::join(notes, "; "));
    return fit;
}

ContrastResult contest1d(const LmmFit& fit, const Eigen::VectorXd& L) {
    ContrastResult r;
    r.estimate = L.dot(fit.beta);
    const double var = L.dot(fit.vcov_beta * L);
    Eigen::VectorXd grad(Eigen::Index(fit.jac.size()));
    for (std::size_t k = 0; k < fit.jac.size(); ++k) grad[Eigen::Index(k)] = L.dot(fit.jac[k] * L);
    const double denom = grad.dot(fit.vcov_varpar * grad);
    r.se = std::sqrt(var);
    r.df = 2 * var * var / denom;
    r.t = r.estimate / r.se;
    r.p = t_p(r.t, r.df);
    return r;
}

FTestResult contest_md(const LmmFit& fit, const Eigen::MatrixXd& L) {
    FTestResult out;
    if (L.rows() == 1) {
        const ContrastResult c = contest1d(fit, L.row(0).transpose());
        out.F = c.t * c.t;
        out.num_df = 1;
        out.den_df = c.df;
    } else {
        const Eigen::MatrixXd V = L * fit.vcov_beta * L.transpose();
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(V);
        // Descending order as R's eigen().
        const Eigen::Index m = V.rows();
        Eigen::VectorXd d = es.eigenvalues().reverse();
        Eigen::MatrixXd P = es.eigenvectors().rowwise().reverse();
        const double tol = std::max(std::sqrt(std::numeric_limits<double>::epsilon()) * d[0], 0.0);
        Eigen::Index q = 0;
        for (Eigen::Index i = 0; i < m; ++i) q += d[i] > tol;
        const Eigen::MatrixXd PtL = (P.transpose() * L).topRows(q);
        if (q == 1) {
            const ContrastResult c = contest1d(fit, PtL.row(0).transpose());
            out.F = c.t * c.t;
            out.num_df = 1;
            out.den_df = c.df;
        } else {
            double F = 0;
            std::vector<double> nu(static_cast<std::size_t>(q));
            for (Eigen::Index i = 0; i < q; ++i) {
                const Eigen::VectorXd l = PtL.row(i).transpose();
                const double e = l.dot(fit.beta);
                F += e * e / d[i];
                Eigen::VectorXd grad(Eigen::Index(fit.jac.size()));
                for (std::size_t k = 0; k < fit.jac.size(); ++k) grad[Eigen::Index(k)] = l.dot(fit.jac[k] * l);
                nu[std::size_t(i)] = 2 * d[i] * d[i] / grad.dot(fit.vcov_varpar * grad);
            }
            out.F = F / double(q);
            out.num_df = double(q);
            bool equal = true;
            for (std::size_t i = 1; i < nu.size(); ++i) equal = equal && std::abs(nu[i] - nu[i - 1]) < 1e-8;
            if (equal) {
                out.den_df = std::accumulate(nu.begin(), nu.end(), 0.0) / double(nu.size());
            } else if (std::any_of(nu.begin(), nu.end(), [](double v) { return v <= 2; })) {
                out.den_df = 2;
            } else {
                double E = 0;
                for (double v : nu) E += v / (v - 2);
                out.den_df = 2 * E / (E - double(q));
            }
        }
    }
    out.mean_sq = out.F * fit.sigma * fit.sigma;
    out.sum_sq = out.mean_sq * out.num_df;
    if (out.den_df > 0 && std::isfinite(out.F)) {
        boost::math::fisher_f dist(out.num_df, out.den_df);
        out.p = boost::math::cdf(boost::math::complement(dist, std::max(out.F, 0.0)));
    } else {
        out.p = std::numeric_limits<double>::quiet_NaN();
    }
    return out;
}

std::vector<Eigen::MatrixXd> type3_contrasts(const LmmFit& fit) {
    const Eigen::Index p = fit.X.cols();
    std::vector<Eigen::MatrixXd> out;
    if (p <= 1 || fit.terms.size() <= 1) {
        // Type 1: rows of the normalized Doolittle factor of X'X.
        Eigen::MatrixXd U = Eigen::MatrixXd::Identity(p, p);
        if (p > 1) {
            Eigen::LLT<Eigen::MatrixXd> llt(fit.X.transpose() * fit.X);
            const Eigen::MatrixXd R = llt.matrixU();
            U = R.diagonal().cwiseInverse().asDiagonal() * R;
        }
        for (const auto& term : fit.terms) {
            Eigen::MatrixXd L(Eigen::Index(term.columns.size()), p);
            for (std::size_t k = 0; k < term.columns.size(); ++k) L.row(Eigen::Index(k)) = U.row(Eigen::Index(term.columns[k]));
            out.push_back(L);
        }
        return out;
    }
    if (!fit.intercept)
        throw Error(Kind::unsupported, "Type III tests need a model with an intercept").hint("remove '0 +' / '- 1' from the formula");
    auto var_index = [&](const std::string& v) {
        return std::size_t(std::find(fit.variables.begin(), fit.variables.end(), v) - fit.variables.begin());
    };
    // rdX: the intercept, then each term's full dummy coding (every level of each factor); each column
    // remembers which X column it is (or -1).
    const Eigen::Index n = fit.X.rows();
    std::vector<Eigen::VectorXd> rd_cols;
    std::vector<long> rd_to_x;
    rd_cols.push_back(Eigen::VectorXd::Ones(n));
    rd_to_x.push_back(0);
    for (const auto& term : fit.terms) {
        // Enumerate level combinations (first variable fastest, as R's model.matrix).
        std::vector<std::vector<std::string>> lv;
        for (const auto& v : term.variables) {
            const std::size_t vi = var_index(v);
            lv.push_back(fit.variable_numeric[vi] ? std::vector<std::string>{""} : fit.variable_levels[vi]);
        }
        std::vector<std::size_t> idx(lv.size(), 0);
        while (true) {
            // The column: product of the factors' level indicators and the numeric variables.
            Eigen::VectorXd col = Eigen::VectorXd::Ones(n);
            std::string xname;
            bool in_x = true;
            for (std::size_t k = 0; k < lv.size(); ++k) {
                const std::string& v = term.variables[k];
                const std::size_t vi = var_index(v);
                if (fit.variable_numeric[vi]) {
                    col.array() *= fit.variable_values[vi].array();
                    if (k) xname += ':';
                    xname += v;
                } else {
                    const auto& levels = fit.variable_levels[vi];
                    col.array() *= (fit.variable_values[vi].array() == double(idx[k])).cast<double>();
                    if (idx[k] == 0) in_x = false;
                    if (k) xname += ':';
                    xname += fmt::format("{}[T.{}]", v, levels[idx[k]]);
                }
            }
            rd_cols.push_back(col);
            long xi = -1;
            if (in_x) {
                const auto it = std::find(fit.columns.begin(), fit.columns.end(), xname);
                if (it != fit.columns.end()) xi = long(it - fit.columns.begin());
            }
            rd_to_x.push_back(xi);
            std::size_t k = 0;
            while (k < lv.size() && ++idx[k] == lv[k].size()) idx[k++] = 0;
            if (k == lv.size()) break;
        }
    }
    Eigen::MatrixXd rdX(n, Eigen::Index(rd_cols.size()));
    for (std::size_t j = 0; j < rd_cols.size(); ++j) rdX.col(Eigen::Index(j)) = rd_cols[j];
    Eigen::MatrixXd L = (fit.X.colPivHouseholderQr().solve(rdX)).transpose();  // rows: rdX columns
    zapsmall(L);
    // Orthogonalize each term's columns against the columns of the terms that contain it.
    std::vector<std::size_t> torder(fit.terms.size());
    std::iota(torder.begin(), torder.end(), 0);
    std::stable_sort(torder.begin(), torder.end(), [&](std::size_t a, std::size_t b) {
        return fit.terms[a].variables.size() > fit.terms[b].variables.size();
    });
    auto numerics = [&](const LmmTerm& t) {
        std::set<std::string> s;
        for (const auto& v : t.variables)
            if (fit.variable_numeric[var_index(v)]) s.insert(v);
        return s;
    };
    for (std::size_t ti : torder) {
        const LmmTerm& t1 = fit.terms[ti];
        const std::set<std::string> v1(t1.variables.begin(), t1.variables.end());
        std::vector<std::size_t> cc;
        for (const auto& t2 : fit.terms) {
            const std::set<std::string> v2(t2.variables.begin(), t2.variables.end());
            const bool contained = std::includes(v2.begin(), v2.end(), v1.begin(), v1.end()) && v2.size() > v1.size() &&
                                   numerics(t1) == numerics(t2);
            if (contained) cc.insert(cc.end(), t2.columns.begin(), t2.columns.end());
        }
        if (cc.empty()) continue;
        Eigen::MatrixXd Xc(L.rows(), Eigen::Index(cc.size())), Yc(L.rows(), Eigen::Index(t1.columns.size()));
        for (std::size_t k = 0; k < cc.size(); ++k) Xc.col(Eigen::Index(k)) = L.col(Eigen::Index(cc[k]));
        for (std::size_t k = 0; k < t1.columns.size(); ++k) Yc.col(Eigen::Index(k)) = L.col(Eigen::Index(t1.columns[k]));
        Eigen::MatrixXd res = Yc - Xc * (pinv(Xc) * Yc);
        zapsmall(res);
        for (std::size_t k = 0; k < t1.columns.size(); ++k) L.col(Eigen::Index(t1.columns[k])) = res.col(Eigen::Index(k));
    }
    // Keep the rows that are X's columns, in X's order.
    Eigen::MatrixXd Lx(p, p);
    for (std::size_t r = 0; r < rd_to_x.size(); ++r)
        if (rd_to_x[r] >= 0) Lx.row(rd_to_x[r]) = L.row(Eigen::Index(r));
    for (const auto& term : fit.terms) {
        std::vector<Eigen::VectorXd> rows;
        for (std::size_t c : term.columns) {
            const Eigen::VectorXd row = Lx.col(Eigen::Index(c));
            if (row.cwiseAbs().sum() > 1e-8) rows.push_back(row);
        }
        Eigen::MatrixXd M(Eigen::Index(rows.size()), p);
        for (std::size_t k = 0; k < rows.size(); ++k) M.row(Eigen::Index(k)) = rows[k].transpose();
        out.push_back(M);
    }
    return out;
}

std::vector<FTestResult> anova_type3(const LmmFit& fit) {
    const auto Ls = type3_contrasts(fit);
    std::vector<FTestResult> out;
    for (std::size_t i = 0; i < fit.terms.size(); ++i) {
        FTestResult r = contest_md(fit, Ls[i]);
        r.term = fit.terms[i].name;
        out.push_back(r);
    }
    return out;
}

Emmeans emmeans(const LmmFit& fit, const std::string& spec) {
    Emmeans out;
    out.factors = split(spec, ':');
    std::vector<std::size_t> fidx;
    for (const auto& f : out.factors) {
        const auto it = std::find(fit.variables.begin(), fit.variables.end(), f);
        if (it == fit.variables.end())
            throw Error(Kind::usage, fmt::format("--emmeans '{}': '{}' is not a variable of the fixed effects", spec, f))
                .hint(fmt::format("the fixed-effect variables are: {}", fmt::join(fit.variables, ", ")));
        const std::size_t vi = std::size_t(it - fit.variables.begin());
        if (fit.variable_numeric[vi])
            throw Error(Kind::usage, fmt::format("--emmeans '{}': '{}' is numeric", spec, f))
                .hint(fmt::format("marginal means are over categorical variables; write C({}) in the formula to treat it as one", f));
        fidx.push_back(vi);
    }
    // Reference grid over every categorical variable; numeric ones at their mean.
    std::vector<std::size_t> cats;
    for (std::size_t v = 0; v < fit.variables.size(); ++v)
        if (!fit.variable_numeric[v]) cats.push_back(v);
    io::Table grid(fit.variables);
    std::vector<std::vector<std::size_t>> combos;
    std::vector<std::size_t> idx(cats.size(), 0);
    while (true) {
        combos.push_back(idx);
        std::vector<std::string> row(fit.variables.size());
        for (std::size_t v = 0; v < fit.variables.size(); ++v) row[v] = io::format_number(fit.variable_mean[v]);
        for (std::size_t k = 0; k < cats.size(); ++k) row[cats[k]] = fit.variable_levels[cats[k]][idx[k]];
        grid.add_row(row);
        std::size_t k = 0;
        while (k < cats.size() && ++idx[k] == fit.variable_levels[cats[k]].size()) idx[k++] = 0;
        if (k == cats.size()) break;
    }
    // The grid's design, via the same formula machinery (C() kept as written).
    const std::string fixed = fit.fixed;
    // C(var) columns: the grid holds the level text, so they code the same way.
    const stats::Design gd = stats::design_from_formula(grid, "~ " + fixed);
    const Eigen::Index p = Eigen::Index(fit.columns.size());
    Eigen::MatrixXd G(gd.X.rows(), p);
    for (Eigen::Index j = 0; j < p; ++j) {
        const std::string name = fit.columns[std::size_t(j)] == "(Intercept)" ? "intercept" : fit.columns[std::size_t(j)];
        const auto it = std::find(gd.columns.begin(), gd.columns.end(), name);
        if (it == gd.columns.end()) throw Error(Kind::internal, fmt::format("emmeans: grid lacks column {}", name));
        G.col(j) = gd.X.col(Eigen::Index(it - gd.columns.begin()));
    }
    // Average the grid rows within each combination of the spec factors.
    std::vector<std::size_t> spec_pos;
    for (std::size_t vi : fidx) spec_pos.push_back(std::size_t(std::find(cats.begin(), cats.end(), vi) - cats.begin()));
    std::vector<std::size_t> sidx(fidx.size(), 0);
    std::vector<std::vector<std::size_t>> cells;
    // Order: last spec factor fastest? emmeans varies the first factor fastest; we list the first
    // factor slowest (arm, then visit within arm) for readability.
    std::function<void(std::size_t)> rec = [&](std::size_t k) {
        if (k == fidx.size()) {
            cells.push_back(sidx);
            return;
        }
        for (std::size_t l = 0; l < fit.variable_levels[fidx[k]].size(); ++l) {
            sidx[k] = l;
            rec(k + 1);
        }
    };
    rec(0);
    out.L_means.resize(Eigen::Index(cells.size()), p);
    for (std::size_t c = 0; c < cells.size(); ++c) {
        Eigen::VectorXd acc = Eigen::VectorXd::Zero(p);
        double count = 0;
        for (std::size_t r = 0; r < combos.size(); ++r) {
            bool match = true;
            for (std::size_t k = 0; k < fidx.size(); ++k) match = match && combos[r][spec_pos[k]] == cells[c][k];
            if (match) {
                acc += G.row(Eigen::Index(r)).transpose();
                ++count;
            }
        }
        out.L_means.row(Eigen::Index(c)) = acc.transpose() / count;
        EmmRow row;
        for (std::size_t k = 0; k < fidx.size(); ++k) row.levels.push_back(fit.variable_levels[fidx[k]][cells[c][k]]);
        row.result = contest1d(fit, out.L_means.row(Eigen::Index(c)).transpose());
        out.means.push_back(row);
    }
    // Contrasts of the first factor's levels against its first level, within the other factors.
    const auto& first_levels = fit.variable_levels[fidx[0]];
    const std::size_t per = cells.size() / first_levels.size();
    std::vector<Eigen::VectorXd> crows;
    for (std::size_t l = 1; l < first_levels.size(); ++l)
        for (std::size_t c = 0; c < per; ++c) {
            const Eigen::VectorXd Lc = (out.L_means.row(Eigen::Index(l * per + c)) - out.L_means.row(Eigen::Index(c))).transpose();
            crows.push_back(Lc);
            EmmRow row;
            for (std::size_t k = 1; k < fidx.size(); ++k) row.levels.push_back(fit.variable_levels[fidx[k]][cells[c][k]]);
            row.result = contest1d(fit, Lc);
            out.contrasts.push_back(row);
            out.contrast_labels.push_back(fmt::format("{} - {}", first_levels[l], first_levels[0]));
        }
    out.L_contrasts.resize(Eigen::Index(crows.size()), p);
    for (std::size_t k = 0; k < crows.size(); ++k) out.L_contrasts.row(Eigen::Index(k)) = crows[k].transpose();
    return out;
}

}  // namespace algia::trial
