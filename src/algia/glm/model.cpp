#include "algia/glm/model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <cstring>
#include <sstream>

#include <Eigen/Dense>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/stats/design.hpp"

namespace algia::glm {

namespace {

constexpr std::size_t kGrain = 512;  // voxels per block

// Double precision all the way (Boost promotes to long double by default: 5x slower, no gain here).
using Fast = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

Eigen::MatrixXd pinv(const Eigen::MatrixXd& A) {
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(A, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const auto& s = svd.singularValues();
    const double cutoff = double(std::max(A.rows(), A.cols())) * std::numeric_limits<double>::epsilon() * (s.size() ? s[0] : 0.0);
    Eigen::VectorXd inv = Eigen::VectorXd::Zero(s.size());
    for (Eigen::Index i = 0; i < s.size(); ++i)
        if (s[i] > cutoff) inv[i] = 1.0 / s[i];
    return svd.matrixV() * inv.asDiagonal() * svd.matrixU().transpose();
}

int matrix_rank(const Eigen::MatrixXd& A) {
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(A);
    const double tol = A.cwiseAbs().sum() * std::numeric_limits<double>::epsilon();
    int r = 0;
    for (Eigen::Index i = 0; i < svd.singularValues().size(); ++i)
        if (svd.singularValues()[i] > tol) ++r;
    return r;
}

Eigen::MatrixXd whiten(const Eigen::MatrixXd& X, double rho) {
    Eigen::MatrixXd W = X;
    if (rho != 0 && X.rows() > 1) W.bottomRows(X.rows() - 1) -= rho * X.topRows(X.rows() - 1);
    return W;
}

struct Task {
    int bin;
    std::size_t begin, end;  // positions in the bin's voxel list
};

std::vector<Task> make_tasks(const std::vector<std::vector<Eigen::Index>>& members) {
    std::vector<Task> tasks;
    for (std::size_t b = 0; b < members.size(); ++b)
        for (std::size_t s = 0; s < members[b].size(); s += kGrain) tasks.push_back({int(b), s, std::min(members[b].size(), s + kGrain)});
    return tasks;
}

void gather_into(Eigen::MatrixXd& out, const Eigen::MatrixXf& Y, const std::vector<Eigen::Index>& vox, std::size_t b0, std::size_t b1) {
    const Eigen::Index n = Eigen::Index(b1 - b0), T = Y.cols();
    out.resize(T, n);
    for (Eigen::Index j = 0; j < n; ++j) {
        const Eigen::Index v = vox[b0 + std::size_t(j)];
        double* o = out.col(j).data();
        for (Eigen::Index t = 0; t < T; ++t) o[t] = Y(v, t);
    }
}

}  // namespace

void mean_scaling(Eigen::MatrixXf& Y) {
    // Y is voxels x time; numpy sums a float32 column over time in order, in float32.
    const Eigen::Index T = Y.cols(), V = Y.rows();
    Eigen::VectorXf sum = Eigen::VectorXf::Zero(V);
    for (Eigen::Index t = 0; t < T; ++t)
        for (Eigen::Index v = 0; v < V; ++v) sum[v] += Y(v, t);
    Eigen::VectorXf mean(V);
    for (Eigen::Index v = 0; v < V; ++v) mean[v] = std::max(sum[v] / float(T), 1.0f);
    for (Eigen::Index t = 0; t < T; ++t)
        for (Eigen::Index v = 0; v < V; ++v) Y(v, t) = (Y(v, t) / mean[v] - 1.0f) * 100.0f;
}

RunFit fit_run(const Eigen::MatrixXd& X, const Eigen::MatrixXf& Y, Noise noise, const Context& ctx) {
    const Eigen::Index T = X.rows(), p = X.cols(), V = Y.rows();
    if (Y.cols() != T) throw Error(Kind::internal, "fit_run: the data and the design have different numbers of volumes");
    RunFit fit;
    fit.beta.resize(p, V);
    fit.dispersion.resize(V);
    fit.rho = Eigen::VectorXd::Zero(V);
    fit.bin.assign(std::size_t(V), 0);
    fit.df_residuals = double(T - matrix_rank(X));
    const double dof_disp = double(T - p);
    std::vector<std::vector<Eigen::Index>> members(1);
    members[0].resize(std::size_t(V));
    for (Eigen::Index v = 0; v < V; ++v) members[0][std::size_t(v)] = v;
    const Eigen::MatrixXd P = pinv(X);
    fit.cov = {P * P.transpose()};
    auto tasks = make_tasks(members);
    // OLS pass; for AR(1) also the sums that give the lag-1 autocovariance of the residuals
    // centred on the mean of all residuals (nilearn's Yule-Walker): sum r, sum r^2, sum r_t r_t+1,
    // r_0 and r_{T-1}.
    Eigen::MatrixXd sums(5, V);
    parallel_for(ctx, tasks.size(), 1, [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const auto& task = tasks[t];
            thread_local Eigen::MatrixXd Yd, B, R;
            gather_into(Yd, Y, members[0], task.begin, task.end);
            B.noalias() = P * Yd;
            R = Yd;
            R.noalias() -= X * B;
            const Eigen::Index c0 = Eigen::Index(task.begin), n = Eigen::Index(task.end - task.begin);
            fit.beta.middleCols(c0, n) = B;
            fit.dispersion.segment(c0, n) = R.colwise().squaredNorm().transpose() / dof_disp;
            if (noise == Noise::ar1)
                for (Eigen::Index j = 0; j < n; ++j) {
                    sums(0, c0 + j) = R.col(j).sum();
                    sums(1, c0 + j) = R.col(j).squaredNorm();
                    sums(2, c0 + j) = R.col(j).head(T - 1).dot(R.col(j).tail(T - 1));
                    sums(3, c0 + j) = R(0, j);
                    sums(4, c0 + j) = R(T - 1, j);
                }
        }
    });
    if (noise == Noise::ols) return fit;
    double total = 0;
    for (Eigen::Index v = 0; v < V; ++v) total += sums(0, v);
    const double g = total / (double(V) * double(T));
    for (Eigen::Index v = 0; v < V; ++v) {
        const double s1 = sums(0, v);
        const double c0 = sums(1, v) - 2 * g * s1 + double(T) * g * g;
        const double c1 = sums(2, v) - g * (s1 - sums(4, v)) - g * (s1 - sums(3, v)) + double(T - 1) * g * g;
        const double r0 = c0 / (double(T) * double(T));
        const double r1 = c1 / (double(T - 1) * double(T));
        double rho = r0 > 0 ? r1 / r0 : 0.0;
        fit.rho[v] = double(static_cast<long long>(rho * 100)) * 1.0 / 100;
    }
    std::map<long long, std::vector<Eigen::Index>> by_key;
    for (Eigen::Index v = 0; v < V; ++v) by_key[std::llround(fit.rho[v] * 100)].push_back(v);
    members.clear();
    fit.cov.clear();
    std::vector<Eigen::MatrixXd> Xw, Pw;
    for (auto& [key, vox] : by_key) {
        const double rho = fit.rho[vox.front()];
        for (auto v : vox) fit.bin[std::size_t(v)] = int(members.size());
        members.push_back(std::move(vox));
        Xw.push_back(whiten(X, rho));
        Pw.push_back(pinv(Xw.back()));
        fit.cov.push_back(Pw.back() * Pw.back().transpose());
    }
    tasks = make_tasks(members);
    parallel_for(ctx, tasks.size(), 1, [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t) {
            const auto& task = tasks[t];
            const auto& vox = members[std::size_t(task.bin)];
            const double rho = fit.rho[vox[task.begin]];
            thread_local Eigen::MatrixXd Yd, Yw, B, R;
            gather_into(Yd, Y, vox, task.begin, task.end);
            Yw = Yd;
            Yw.bottomRows(T - 1) -= rho * Yd.topRows(T - 1);
            B.noalias() = Pw[std::size_t(task.bin)] * Yw;
            R = Yw;
            R.noalias() -= Xw[std::size_t(task.bin)] * B;
            for (std::size_t j = task.begin; j < task.end; ++j) {
                const Eigen::Index c = Eigen::Index(j - task.begin);
                fit.beta.col(vox[j]) = B.col(c);
                fit.dispersion[vox[j]] = R.col(c).squaredNorm() / dof_disp;
            }
        }
    });
    return fit;
}

double z_from_p(double p, double one_minus_p) {
    if (!std::isfinite(p)) return NAN;
    const boost::math::normal_distribution<double, Fast> N;
    p = std::clamp(p, 1e-300, 1.0 - 1e-16);
    const double zs = boost::math::quantile(boost::math::complement(N, p));
    if (zs >= 0) return zs;
    one_minus_p = std::clamp(one_minus_p, 1e-300, 1.0 - 1e-16);
    return boost::math::quantile(N, one_minus_p);
}

void ContrastResult::finish() {
    const Eigen::Index V = variance.size();
    stat.resize(V);
    p.resize(V);
    z.resize(V);
    const double dof_eff = std::min(dof, 1e10);
    for (Eigen::Index v = 0; v < V; ++v) {
        const double var = std::max(variance[v], 1e-50);
        double s, sf, cdf;
        if (is_f) {
            s = effect.col(v).squaredNorm() / double(dim) / var;
            if (!std::isfinite(s)) {
                stat[v] = p[v] = z[v] = NAN;
                continue;
            }
            const boost::math::fisher_f_distribution<double, Fast> F(dim, dof_eff);
            sf = boost::math::cdf(boost::math::complement(F, s));
            cdf = sf > 0.5 ? boost::math::cdf(F, s) : 1 - sf;  // only used when z < 0
        } else {
            s = effect(0, v) / std::sqrt(var);
            if (!std::isfinite(s)) {
                stat[v] = p[v] = z[v] = NAN;
                continue;
            }
            const boost::math::students_t_distribution<double, Fast> Tdist(dof_eff);
            sf = boost::math::cdf(boost::math::complement(Tdist, s));
            cdf = sf > 0.5 ? boost::math::cdf(Tdist, s) : 1 - sf;  // only used when z < 0
        }
        stat[v] = s;
        p[v] = sf;
        z[v] = z_from_p(sf, cdf);
    }
}

ContrastResult run_contrast(const RunFit& fit, const Eigen::MatrixXd& C, bool force_f) {
    ContrastResult r;
    r.dim = int(C.rows());
    r.is_f = force_f || C.rows() > 1;
    const Eigen::Index V = fit.beta.cols();
    r.effect.resize(r.dim, V);
    r.variance.resize(V);
    r.dof = fit.df_residuals;
    if (C.cols() != fit.beta.rows())
        throw Error(Kind::usage, fmt::format("a contrast has {} weights for {} design columns", C.cols(), fit.beta.rows()));
    // Per-bin quantities.
    std::vector<Eigen::MatrixXd> whitener(fit.cov.size());
    std::vector<double> tvar(fit.cov.size());
    for (std::size_t b = 0; b < fit.cov.size(); ++b) {
        const Eigen::MatrixXd CC = C * fit.cov[b] * C.transpose();
        if (!r.is_f) tvar[b] = CC(0, 0);
        else {
            const Eigen::MatrixXd inv = CC.inverse();
            Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(0.5 * (inv + inv.transpose()));
            whitener[b] = es.operatorSqrt();
        }
    }
    const Eigen::MatrixXd CB = C * fit.beta;
    for (Eigen::Index v = 0; v < V; ++v) {
        const std::size_t b = std::size_t(fit.bin[std::size_t(v)]);
        if (!r.is_f) {
            r.effect(0, v) = CB(0, v);
            r.variance[v] = tvar[b] * fit.dispersion[v];
        } else {
            r.effect.col(v) = whitener[b] * CB.col(v);
            r.variance[v] = fit.dispersion[v];
        }
    }
    return r;
}

ContrastResult fixed_effects(const std::vector<RunFit>& fits, const std::vector<Eigen::MatrixXd>& contrasts, bool force_f) {
    ContrastResult sum;
    int n = 0;
    for (std::size_t i = 0; i < fits.size(); ++i) {
        if ((contrasts[i].array() == 0).all()) continue;
        ContrastResult c = run_contrast(fits[i], contrasts[i], force_f);
        if (n == 0) sum = std::move(c);
        else {
            if (c.dim != sum.dim) throw Error(Kind::usage, "the runs' contrasts have different numbers of rows");
            sum.effect += c.effect;
            sum.variance += c.variance;
            sum.dof += c.dof;
        }
        ++n;
    }
    if (n == 0) throw Error(Kind::usage, "the contrast is zero in every run").hint("check the contrast's column names");
    const double s = 1.0 / n;
    sum.effect *= s;
    sum.variance *= s * s;
    sum.finish();
    return sum;
}

Eigen::MatrixXd parse_contrast_rows(const std::string& expr, const std::vector<std::string>& columns) {
    std::vector<std::string> parts;
    std::size_t pos = 0;
    while (true) {
        const auto semi = expr.find(';', pos);
        parts.push_back(expr.substr(pos, semi == std::string::npos ? std::string::npos : semi - pos));
        if (semi == std::string::npos) break;
        pos = semi + 1;
    }
    Eigen::MatrixXd C(Eigen::Index(parts.size()), Eigen::Index(columns.size()));
    for (std::size_t r = 0; r < parts.size(); ++r) {
        const std::string& s = parts[r];
        bool numeric = !s.empty() && s.find_first_of("0123456789") != std::string::npos;
        for (char ch : s)
            if (!std::strchr(" \t,[]+-.0123456789eE", ch)) numeric = false;
        // A name made only of e/E letters is not a number list; a list needs separators or brackets.
        if (numeric && s.find_first_of(" \t,[") == std::string::npos) {
            try {
                std::size_t used = 0;
                (void)std::stod(s, &used);
                numeric = used == s.size();
            } catch (...) {
                numeric = false;
            }
        }
        if (numeric) {
            std::string t = s;
            for (char& ch : t)
                if (ch == ',' || ch == '[' || ch == ']') ch = ' ';
            std::istringstream in(t);
            std::vector<double> w;
            std::string tok;
            while (in >> tok) {
                try {
                    std::size_t used = 0;
                    w.push_back(std::stod(tok, &used));
                    if (used != tok.size()) throw 0;
                } catch (...) {
                    throw Error(Kind::usage, fmt::format("contrast '{}': '{}' is not a number", expr, tok));
                }
            }
            if (w.size() != columns.size())
                throw Error(Kind::usage, fmt::format("contrast '{}' has {} weights but the design has {} columns", expr, w.size(), columns.size()))
                    .hint("give one weight per design column (see _design.tsv), or write the contrast over column names, e.g. 'a - b'");
            for (std::size_t j = 0; j < w.size(); ++j) C(Eigen::Index(r), Eigen::Index(j)) = w[j];
        } else {
            C.row(Eigen::Index(r)) = stats::parse_contrast(s, columns).transpose();
        }
    }
    return C;
}

}  // namespace algia::glm

namespace algia::glm {

namespace {

template <class T>
void smooth_impl(T* data, const std::array<std::int64_t, 3>& dims, std::int64_t volumes, const Eigen::Vector3d& voxel_size,
                 double fwhm_mm, const Context& ctx) {
    if (!(fwhm_mm > 0)) return;
    const std::int64_t nvox = dims[0] * dims[1] * dims[2];
    const std::array<std::int64_t, 3> stride{1, dims[0], dims[0] * dims[1]};
    std::array<std::vector<double>, 3> weights;
    for (int a = 0; a < 3; ++a) {
        const double sigma = fwhm_mm / std::sqrt(8 * std::log(2.0)) / voxel_size[a];
        const int lw = int(4.0 * sigma + 0.5);
        std::vector<double> w(std::size_t(2 * lw + 1));
        double sum = 0;
        for (int x = -lw; x <= lw; ++x) sum += w[std::size_t(x + lw)] = std::exp(-0.5 / (sigma * sigma) * x * x);
        for (auto& v : w) v /= sum;
        weights[std::size_t(a)] = std::move(w);
    }
    parallel_for(ctx, std::size_t(volumes), 1, [&](std::size_t v0, std::size_t v1) {
        std::vector<double> line, out;
        for (std::size_t vol = v0; vol < v1; ++vol) {
            T* d = data + std::int64_t(vol) * nvox;
            for (std::int64_t i = 0; i < nvox; ++i)
                if (!std::isfinite(d[i])) d[i] = 0;
            for (int a = 0; a < 3; ++a) {
                const auto& w = weights[std::size_t(a)];
                const std::int64_t n = dims[std::size_t(a)], lw = std::int64_t(w.size() / 2), s = stride[std::size_t(a)];
                if (lw == 0 || n < 2) continue;
                line.resize(std::size_t(n));
                out.resize(std::size_t(n));
                // All lines along axis a: iterate over the other two axes.
                const int b = (a + 1) % 3, c = (a + 2) % 3;
                for (std::int64_t jb = 0; jb < dims[std::size_t(b)]; ++jb)
                    for (std::int64_t jc = 0; jc < dims[std::size_t(c)]; ++jc) {
                        const std::int64_t base = jb * stride[std::size_t(b)] + jc * stride[std::size_t(c)];
                        for (std::int64_t i = 0; i < n; ++i) line[std::size_t(i)] = d[base + i * s];
                        for (std::int64_t i = 0; i < n; ++i) {
                            double acc = 0;
                            for (std::int64_t k = -lw; k <= lw; ++k) {
                                std::int64_t j = i + k;
                                // scipy 'reflect': d c b a | a b c d | d c b a
                                while (j < 0 || j >= n) j = j < 0 ? -j - 1 : 2 * n - j - 1;
                                acc += w[std::size_t(k + lw)] * line[std::size_t(j)];
                            }
                            out[std::size_t(i)] = acc;
                        }
                        for (std::int64_t i = 0; i < n; ++i) d[base + i * s] = T(out[std::size_t(i)]);
                    }
            }
        }
    });
}

}  // namespace

void smooth_volumes(float* data, const std::array<std::int64_t, 3>& dims, std::int64_t volumes, const Eigen::Vector3d& voxel_size,
                    double fwhm_mm, const Context& ctx) {
    smooth_impl(data, dims, volumes, voxel_size, fwhm_mm, ctx);
}

void smooth_volumes(double* data, const std::array<std::int64_t, 3>& dims, std::int64_t volumes, const Eigen::Vector3d& voxel_size,
                    double fwhm_mm, const Context& ctx) {
    smooth_impl(data, dims, volumes, voxel_size, fwhm_mm, ctx);
}

}  // namespace algia::glm

namespace algia::glm {

Eigen::MatrixXd shared_design_betas(const Eigen::MatrixXd& A, const std::vector<Eigen::MatrixXd>& M,
                                    const std::vector<Eigen::Index>& target, const Eigen::MatrixXf& Y, Noise noise,
                                    const Context& ctx) {
    const Eigen::Index T = A.rows(), q = A.cols(), V = Y.rows();
    // Pass over the data: G = A'y, Hs = A_b'y_a + A_a'y_b (lag-1 cross products), and per voxel
    // sum y, sum y^2, sum y_t y_t+1, y_0, y_T-1.
    Eigen::MatrixXd G(q, V), Hs(q, V), S(5, V);
    const Eigen::MatrixXd Aa = A.topRows(T - 1), Ab = A.bottomRows(T - 1);
    const std::size_t blocks = (std::size_t(V) + kGrain - 1) / kGrain;
    parallel_for(ctx, blocks, 1, [&](std::size_t b0, std::size_t b1) {
        for (std::size_t b = b0; b < b1; ++b) {
            const Eigen::Index c0 = Eigen::Index(b * kGrain), n = std::min<Eigen::Index>(Eigen::Index(kGrain), V - c0);
            thread_local Eigen::MatrixXd Yd;
            Yd = Y.middleRows(c0, n).transpose().cast<double>();
            G.middleCols(c0, n).noalias() = A.transpose() * Yd;
            Hs.middleCols(c0, n).noalias() = Ab.transpose() * Yd.topRows(T - 1);
            Hs.middleCols(c0, n).noalias() += Aa.transpose() * Yd.bottomRows(T - 1);
            for (Eigen::Index j = 0; j < n; ++j) {
                S(0, c0 + j) = Yd.col(j).sum();
                S(1, c0 + j) = Yd.col(j).squaredNorm();
                S(2, c0 + j) = Yd.col(j).head(T - 1).dot(Yd.col(j).tail(T - 1));
                S(3, c0 + j) = Yd(0, j);
                S(4, c0 + j) = Yd(T - 1, j);
            }
        }
    });
    Eigen::MatrixXd out(Eigen::Index(M.size()), V);
    for (std::size_t i = 0; i < M.size(); ++i) {
        const Eigen::MatrixXd X = A * M[i];
        const Eigen::Index p = X.cols();
        const Eigen::MatrixXd XtX = X.transpose() * X;
        const Eigen::MatrixXd P0 = pinv(XtX);
        const Eigen::MatrixXd W = P0 * M[i].transpose();  // B = W G
        const Eigen::MatrixXd Mt = M[i].transpose();
        if (noise == Noise::ols) {
            out.row(Eigen::Index(i)).noalias() = W.row(target[i]) * G;
            continue;
        }
        const Eigen::MatrixXd XaXb = X.topRows(T - 1).transpose() * X.bottomRows(T - 1);
        const Eigen::RowVectorXd ones_W = X.colwise().sum() * W;  // sum of fitted values = ones_W g
        Eigen::VectorXd rsum(V);
        parallel_for(ctx, blocks, 1, [&](std::size_t b0, std::size_t b1) {
            for (std::size_t b = b0; b < b1; ++b) {
                const Eigen::Index c0 = Eigen::Index(b * kGrain), n = std::min<Eigen::Index>(Eigen::Index(kGrain), V - c0);
                rsum.segment(c0, n) = S.row(0).segment(c0, n).transpose() - (ones_W * G.middleCols(c0, n)).transpose();
            }
        });
        double total = 0;
        for (Eigen::Index v = 0; v < V; ++v) total += rsum[v];
        const double g = total / (double(V) * double(T));
        // Target rows of pinv(Xw'Xw) for every bin rho = k / 100.
        std::vector<Eigen::RowVectorXd> rows(201);
        for (int k = -100; k <= 100; ++k) {
            const Eigen::MatrixXd Xw = whiten(X, double(k) / 100);
            rows[std::size_t(k + 100)] = pinv(Xw.transpose() * Xw).row(target[i]);
        }
        const Eigen::RowVectorXd x_last = X.row(T - 1), x_first = X.row(0);
        parallel_for(ctx, blocks, 1, [&](std::size_t b0, std::size_t b1) {
            for (std::size_t b = b0; b < b1; ++b) {
                const Eigen::Index c0 = Eigen::Index(b * kGrain), n = std::min<Eigen::Index>(Eigen::Index(kGrain), V - c0);
                const Eigen::MatrixXd XtY = Mt * G.middleCols(c0, n);
                const Eigen::MatrixXd XtHs = Mt * Hs.middleCols(c0, n);  // X_b'y_a + X_a'y_b
                const Eigen::MatrixXd B = P0 * XtY;
                for (Eigen::Index j = 0; j < n; ++j) {
                    const Eigen::Index v = c0 + j;
                    const auto bv = B.col(j);
                    const double rr = S(1, v) - bv.dot(XtY.col(j));
                    const double rl = S(2, v) - bv.dot(XtHs.col(j)) + bv.dot(XaXb * bv);
                    const double r_first = S(3, v) - x_first.dot(bv), r_last = S(4, v) - x_last.dot(bv);
                    const double s1 = rsum[v];
                    const double cc0 = rr - 2 * g * s1 + double(T) * g * g;
                    const double cc1 = rl - g * (s1 - r_last) - g * (s1 - r_first) + double(T - 1) * g * g;
                    const double r0 = cc0 / (double(T) * double(T)), r1 = cc1 / (double(T - 1) * double(T));
                    double r = r0 > 0 ? r1 / r0 : 0.0;
                    r = double(static_cast<long long>(r * 100)) * 1.0 / 100;
                    const long long key = std::llround(r * 100);
                    // Xw'yw = X'y - rho (X_b'y_a + X_a'y_b) + rho^2 (X'y - x_T-1 y_T-1)
                    const Eigen::VectorXd xwy = XtY.col(j) - r * XtHs.col(j) + r * r * (XtY.col(j) - x_last.transpose() * S(4, v));
                    if (key >= -100 && key <= 100) out(Eigen::Index(i), v) = rows[std::size_t(key + 100)].dot(xwy);
                    else {
                        const Eigen::MatrixXd Xw = whiten(X, r);
                        out(Eigen::Index(i), v) = pinv(Xw.transpose() * Xw).row(target[i]).dot(xwy);
                    }
                }
            }
        });
        (void)p;
    }
    return out;
}

}  // namespace algia::glm
