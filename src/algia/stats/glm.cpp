#include "algia/stats/glm.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <utility>

#include <Eigen/Dense>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>

#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/core/random.hpp"
#include "algia/stats/t_dist.hpp"

namespace algia::stats {

namespace {

struct Fit {
    Eigen::MatrixXd pinv;   // p x n
    Eigen::VectorXd cvec;   // c' (X'X)^-1 c as a scalar in [0]
    double ccov = 0;
    double df = 0;
};

Fit prepare(const Eigen::MatrixXd& X, const Eigen::VectorXd& c) {
    const Eigen::Index n = X.rows(), p = X.cols();
    if (c.size() != p)
        throw Error(Kind::usage, fmt::format("the contrast has {} entries but the design {} columns", c.size(), p));
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(X);
    const Eigen::Index rank = qr.rank();
    if (rank < p)
        throw Error(Kind::invalid_input, fmt::format("the design is rank deficient (rank {} of {} columns)", rank, p))
            .hint("drop a column that is a combination of others (e.g. a constant column besides the intercept)");
    if (n - rank < 1)
        throw Error(Kind::invalid_input, fmt::format("{} observations are too few for {} design columns", n, p))
            .hint("add participants or remove covariates");
    Fit f;
    const Eigen::MatrixXd xtx_inv = (X.transpose() * X).inverse();
    f.pinv = xtx_inv * X.transpose();
    f.ccov = c.dot(xtx_inv * c);
    f.df = double(n - rank);
    return f;
}

// t for every column of Y given a prepared fit.
void t_values(const Fit& f, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::VectorXd& c,
              Eigen::VectorXd& t, Eigen::VectorXd* effect = nullptr, Eigen::VectorXd* variance = nullptr) {
    // In chunks of columns that stay in cache: the residuals of every column at once would be a
    // fresh matrix as large as Y (page faults cost more than the arithmetic).
    const Eigen::Index V = Y.cols();
    Eigen::VectorXd s2(V), eff(V);
    constexpr Eigen::Index chunk = 2048;
    Eigen::MatrixXd B, R;
    for (Eigen::Index c0 = 0; c0 < V; c0 += chunk) {
        const Eigen::Index nc = std::min(chunk, V - c0);
        B.noalias() = f.pinv * Y.middleCols(c0, nc);
        R = Y.middleCols(c0, nc);
        R.noalias() -= X * B;
        s2.segment(c0, nc) = R.colwise().squaredNorm().transpose() / f.df;
        eff.segment(c0, nc) = (c.transpose() * B).transpose();
    }
    t.resize(Y.cols());
    for (Eigen::Index v = 0; v < Y.cols(); ++v) {
        const double var = s2[v] * f.ccov;
        t[v] = var > 0 ? eff[v] / std::sqrt(var) : 0.0;
    }
    if (effect) *effect = eff;
    if (variance) *variance = s2 * f.ccov;
}

}  // namespace

TMap glm_t(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::VectorXd& c) {
    const Fit f = prepare(X, c);
    TMap m;
    t_values(f, X, Y, c, m.t, &m.effect, &m.variance);
    m.df = f.df;
    return m;
}

double t_sf(double t, double df) {
    if (!std::isfinite(t)) return t > 0 ? 0.0 : 1.0;
    // Called once per voxel with one df: the two-sided p of that df (TwoSidedT) kept per thread.
    thread_local std::optional<TwoSidedT> two_sided;
    if (!two_sided || !(two_sided->df() == df)) two_sided.emplace(df);
    const double p = (*two_sided)(t);
    return t >= 0 ? p / 2 : 1 - p / 2;
}

double z_from_p(double p) {
    p = std::clamp(p, 1e-300, 1.0 - 1e-16);
    // Double precision throughout (Boost's default policy computes in long double).
    using Policy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;
    const boost::math::normal_distribution<double, Policy> n;
    return boost::math::quantile(boost::math::complement(n, p));
}

Eigen::VectorXd fdr_bh(const Eigen::VectorXd& p) {
    const Eigen::Index m = p.size();
    std::vector<Eigen::Index> order(static_cast<std::size_t>(m));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return p[a] < p[b]; });
    Eigen::VectorXd q(m);
    double running = 1.0;
    for (Eigen::Index k = m; k-- > 0;) {
        const Eigen::Index i = order[std::size_t(k)];
        running = std::min(running, p[i] * double(m) / double(k + 1));
        q[i] = std::min(1.0, running);
    }
    return q;
}

namespace {

// Union-find whose nodes carry additive weights: score(x) = sum of w on the path x -> root.
struct WeightedUnionFind {
    std::vector<std::int64_t> parent, size;
    std::vector<double> w;
    explicit WeightedUnionFind(std::size_t n) : parent(n, -1), size(n, 0), w(n, 0.0) {}
    bool active(std::int64_t x) const { return parent[std::size_t(x)] >= 0; }
    void add(std::int64_t x) {
        parent[std::size_t(x)] = x;
        size[std::size_t(x)] = 1;
        w[std::size_t(x)] = 0;
    }
    // Root of x; compresses the path keeping each node's score.
    std::int64_t find(std::int64_t x) {
        std::int64_t r = x;
        double sum = 0;
        while (parent[std::size_t(r)] != r) r = parent[std::size_t(r)];
        // Second pass: re-hang every node on the path directly under r with its weight adjusted.
        std::vector<std::int64_t> path;
        for (std::int64_t y = x; y != r; y = parent[std::size_t(y)]) path.push_back(y);
        // Sums from each node up to (not including) r.
        for (std::size_t i = path.size(); i-- > 0;) {
            sum += w[std::size_t(path[i])];
            w[std::size_t(path[i])] = sum;
            parent[std::size_t(path[i])] = r;
        }
        return r;
    }
    void unite(std::int64_t a, std::int64_t b) {
        a = find(a);
        b = find(b);
        if (a == b) return;
        if (size[std::size_t(a)] < size[std::size_t(b)]) std::swap(a, b);
        parent[std::size_t(b)] = a;
        w[std::size_t(b)] -= w[std::size_t(a)];
        size[std::size_t(a)] += size[std::size_t(b)];
    }
    double score(std::int64_t x) {
        const std::int64_t r = find(x);
        return x == r ? w[std::size_t(r)] : w[std::size_t(x)] + w[std::size_t(r)];
    }
};

// One-sided TFCE of the positive part of `v`.
Eigen::VectorXd tfce_positive(const Eigen::VectorXd& v, const std::vector<std::vector<std::int64_t>>& nbrs, double E,
                              double H, double max_override = 0) {
    const Eigen::Index n = v.size();
    Eigen::VectorXd out = Eigen::VectorXd::Zero(n);
    double max_score = max_override;
    if (max_score <= 0)
        for (Eigen::Index i = 0; i < n; ++i) max_score = std::max(max_score, v[i]);
    if (!(max_score > 0)) return out;
    const double step = max_score / 100;
    // numpy.arange(step, max + step, step): start + i * step.
    const auto count = std::size_t(std::ceil(((max_score + step) - step) / step));
    std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return v[a] > v[b]; });
    WeightedUnionFind uf{static_cast<std::size_t>(n)};
    std::vector<std::int64_t> roots;
    std::size_t next = 0;
    for (std::size_t k = count; k-- > 0;) {
        const double h = step + double(k) * step;
        while (next < order.size() && v[order[next]] >= h) {
            const Eigen::Index x = order[next++];
            uf.add(x);
            roots.push_back(x);
            for (auto y : nbrs[std::size_t(x)])
                if (uf.active(y)) uf.unite(x, y);
        }
        // Every active voxel gains size(cluster)^E * h^H: add it once at each cluster's root.
        const double hh = std::pow(h, H);
        std::size_t kept = 0;
        for (std::size_t i = 0; i < roots.size(); ++i) {
            const auto x = roots[i];
            if (uf.parent[std::size_t(x)] != x) continue;  // merged into another cluster
            uf.w[std::size_t(x)] += std::pow(double(uf.size[std::size_t(x)]), E) * hh;
            roots[kept++] = x;
        }
        roots.resize(kept);
    }
    for (std::size_t i = 0; i < next; ++i) out[order[i]] = uf.score(order[i]);
    return out;
}

std::vector<std::vector<std::int64_t>> neighbours(const std::array<std::int64_t, 3>& dims, const std::vector<std::int64_t>& voxels,
                                                  int connectivity) {
    std::vector<std::int64_t> index(std::size_t(dims[0] * dims[1] * dims[2]), -1);
    for (std::size_t i = 0; i < voxels.size(); ++i) index[std::size_t(voxels[i])] = std::int64_t(i);
    std::vector<std::vector<std::int64_t>> out(voxels.size());
    for (std::size_t i = 0; i < voxels.size(); ++i) {
        const std::int64_t v = voxels[i];
        const std::int64_t x = v % dims[0], y = (v / dims[0]) % dims[1], z = v / (dims[0] * dims[1]);
        for (int dz = -1; dz <= 1; ++dz)
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    const int manhattan = std::abs(dx) + std::abs(dy) + std::abs(dz);
                    if (manhattan == 0 || (connectivity == 6 && manhattan > 1) || (connectivity == 18 && manhattan > 2)) continue;
                    const std::int64_t a = x + dx, b = y + dy, c = z + dz;
                    if (a < 0 || b < 0 || c < 0 || a >= dims[0] || b >= dims[1] || c >= dims[2]) continue;
                    const std::int64_t j = index[std::size_t(a + dims[0] * (b + dims[1] * c))];
                    if (j >= 0) out[i].push_back(j);
                }
    }
    return out;
}

// Size and mass of the largest clusters (over both signs when two-sided), without keeping members.
std::pair<double, double> max_cluster(const Eigen::VectorXd& t, const std::vector<std::vector<std::int64_t>>& nbrs, double thr,
                                      bool two_sided, std::vector<std::int64_t>& label, std::vector<std::int64_t>& stack) {
    const std::size_t n = std::size_t(t.size());
    label.assign(n, 0);
    double max_size = 0, max_mass = 0;
    std::int64_t next = 0;
    for (int sign : {1, -1}) {
        if (sign < 0 && !two_sided) break;
        for (std::size_t s = 0; s < n; ++s) {
            if (label[s] || !(sign * t[Eigen::Index(s)] > thr)) continue;
            label[s] = ++next;
            stack.assign(1, std::int64_t(s));
            double size = 0, mass = 0;
            while (!stack.empty()) {
                const auto c = std::size_t(stack.back());
                stack.pop_back();
                size += 1;
                mass += sign * t[Eigen::Index(c)] - thr;
                for (auto y : nbrs[c])
                    if (!label[std::size_t(y)] && sign * t[Eigen::Index(y)] > thr) {
                        label[std::size_t(y)] = next;
                        stack.push_back(y);
                    }
            }
            max_size = std::max(max_size, size);
            max_mass = std::max(max_mass, mass);
        }
    }
    return {max_size, max_mass};
}

std::vector<Cluster> clusters_of(const Eigen::VectorXd& t, const std::vector<std::vector<std::int64_t>>& nbrs, double thr,
                                 bool two_sided) {
    const std::size_t n = std::size_t(t.size());
    std::vector<char> seen(n, 0);
    std::vector<Cluster> out;
    std::vector<std::int64_t> stack;
    for (int sign : {1, -1}) {
        if (sign < 0 && !two_sided) break;
        const std::size_t first = out.size();
        for (std::size_t s = 0; s < n; ++s) {
            if (seen[s] || !(sign * t[Eigen::Index(s)] > thr)) continue;
            seen[s] = 1;
            stack.assign(1, std::int64_t(s));
            Cluster c;
            c.sign = sign;
            c.peak = Eigen::Index(s);
            while (!stack.empty()) {
                const auto v = std::size_t(stack.back());
                stack.pop_back();
                c.members.push_back(Eigen::Index(v));
                for (auto y : nbrs[v])
                    if (!seen[std::size_t(y)] && sign * t[Eigen::Index(y)] > thr) {
                        seen[std::size_t(y)] = 1;
                        stack.push_back(y);
                    }
            }
            std::sort(c.members.begin(), c.members.end());
            c.size = std::int64_t(c.members.size());
            c.peak = c.members.front();
            for (auto m : c.members) {
                c.mass += sign * t[m] - thr;
                if (sign * t[m] > sign * t[c.peak]) c.peak = m;
            }
            c.peak_value = t[c.peak];
            out.push_back(std::move(c));
        }
        std::stable_sort(out.begin() + std::ptrdiff_t(first), out.end(),
                         [](const Cluster& a, const Cluster& b) { return std::abs(a.peak_value) > std::abs(b.peak_value); });
    }
    return out;
}

void check_connectivity(int connectivity, const char* what) {
    if (connectivity != 6 && connectivity != 18 && connectivity != 26)
        throw Error(Kind::usage, fmt::format("{} connectivity {} is not 6, 18 or 26", what, connectivity));
}

// Freedman-Lane pieces: the fit of Y on the nuisance space (the design with the contrast rows' space
// removed, X (I - C'(CC')^-1 C)) and its residuals.
void nuisance_split(const Eigen::MatrixXd& X, const Eigen::MatrixXd& C, const Eigen::MatrixXd& Y, Eigen::MatrixXd& fitted,
                    Eigen::MatrixXd& resid) {
    const Eigen::Index n = X.rows(), p = X.cols();
    const Eigen::MatrixXd cc = C.transpose() * (C * C.transpose()).inverse() * C;
    const Eigen::MatrixXd Z0 = X * (Eigen::MatrixXd::Identity(p, p) - cc);
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qz(Z0);
    const Eigen::Index rz = qz.rank();
    Eigen::MatrixXd Q = (qz.householderQ() * Eigen::MatrixXd::Identity(n, n)).leftCols(rz);
    fitted = Q * (Q.transpose() * Y);
    resid = Y - fitted;
}

// How observations are rearranged: sign flips of units (rows, or whole blocks when blocks are
// given) for one-sample designs; otherwise permutations of rows within blocks, or of whole blocks.
struct Scheme {
    bool one_sample = false, whole = false, exhaustive = false;
    std::vector<std::vector<Eigen::Index>> groups;  // rows of each block, in order (one group: no blocks)
    int permutations = 0;                            // how many are run (excluding the identity)
};

// Number of distinct rearrangements, including the identity (capped at `cap`).
double distinct_rearrangements(const Scheme& s, double cap) {
    auto factorial = [&](std::size_t m) {
        double f = 1;
        for (std::size_t i = 2; i <= m && f <= cap; ++i) f *= double(i);
        return f;
    };
    double total = 1;
    if (s.one_sample) {
        const std::size_t units = s.groups.size() == 1 && !s.whole ? s.groups[0].size() : s.groups.size();
        for (std::size_t i = 0; i < units && total <= cap; ++i) total *= 2;
    } else if (s.whole) {
        total = factorial(s.groups.size());
    } else {
        for (const auto& g : s.groups) {
            total *= factorial(g.size());
            if (total > cap) break;
        }
    }
    return std::min(total, cap + 1);
}

Scheme make_scheme(Eigen::Index n, bool one_sample, const PermutationOptions& o) {
    Scheme s;
    s.one_sample = one_sample;
    s.whole = o.whole_blocks;
    if (o.blocks.empty()) {
        if (o.whole_blocks) throw Error(Kind::usage, "whole-block permutation needs blocks").hint("give --blocks COLUMN");
        s.groups.assign(1, {});
        for (Eigen::Index i = 0; i < n; ++i) s.groups[0].push_back(i);
    } else {
        if (Eigen::Index(o.blocks.size()) != n)
            throw Error(Kind::invalid_input, fmt::format("{} block labels for {} observations", o.blocks.size(), n));
        std::map<std::int64_t, std::size_t> index;
        for (Eigen::Index i = 0; i < n; ++i) {
            auto it = index.find(o.blocks[std::size_t(i)]);
            if (it == index.end()) {
                it = index.emplace(o.blocks[std::size_t(i)], s.groups.size()).first;
                s.groups.emplace_back();
            }
            s.groups[it->second].push_back(i);
        }
        if (s.whole)
            for (const auto& g : s.groups)
                if (g.size() != s.groups[0].size())
                    throw Error(Kind::invalid_input,
                                fmt::format("whole-block permutation needs blocks of equal size; they have {} and {} observations",
                                            s.groups[0].size(), g.size()))
                        .hint("drop incomplete blocks, or permute within blocks (without --whole-blocks)");
        if (s.groups.size() < 2 && (s.whole || one_sample))
            throw Error(Kind::invalid_input, "there is only one block: nothing to permute as wholes or sign-flip")
                .hint("check the block column");
    }
    const double total = distinct_rearrangements(s, double(o.permutations) + 1);
    if (total < 2 && o.sign_flips.empty())
        throw Error(Kind::invalid_input, "the exchangeability blocks leave nothing to permute (every block has one observation)")
            .hint("use a block column that groups several observations (e.g. participant_id for repeated measures)");
    s.exhaustive = o.sign_flips.empty() && double(o.permutations) >= total - 1;
    s.permutations = s.exhaustive ? int(total) - 1 : o.permutations;
    return s;
}

// Permutation number j (0 = identity) of m items in lexicographic order (factorial number system).
void nth_permutation(std::uint64_t j, std::size_t m, std::vector<std::size_t>& out) {
    std::vector<std::uint64_t> digits(m, 0);
    for (std::size_t r = 1; r <= m; ++r) {
        digits[m - r] = j % r;
        j /= r;
    }
    std::vector<std::size_t> pool(m);
    std::iota(pool.begin(), pool.end(), 0);
    out.resize(m);
    for (std::size_t i = 0; i < m; ++i) {
        out[i] = pool[std::size_t(digits[i])];
        pool.erase(pool.begin() + std::ptrdiff_t(digits[i]));
    }
}

// The data of permutation k: sign flips of Y (one-sample) or fitted + rearranged residuals. Random
// draws come from the stream (seed, k); exhaustive enumeration takes rearrangement k + 1.
void permuted_data(std::size_t k, const PermutationOptions& o, const Scheme& sc, const Eigen::MatrixXd& Y,
                   const Eigen::MatrixXd& fitted_z, const Eigen::MatrixXd& resid_z, Eigen::MatrixXd& Ys) {
    const Eigen::Index n = Y.rows();
    Rng rng(o.seed, k);
    const std::uint64_t j = std::uint64_t(k) + 1;
    if (sc.one_sample) {
        const bool per_row = sc.groups.size() == 1 && !sc.whole;
        if (per_row) {
            for (Eigen::Index i = 0; i < n; ++i) {
                const bool keep = !o.sign_flips.empty() ? o.sign_flips[k][std::size_t(i)] > 0
                                  : sc.exhaustive       ? ((j >> i) & 1) == 0
                                                        : rng.coin();
                Ys.row(i) = keep ? Y.row(i) : Eigen::RowVectorXd(-Y.row(i));
            }
        } else {
            for (std::size_t b = 0; b < sc.groups.size(); ++b) {
                const bool keep = sc.exhaustive ? ((j >> b) & 1) == 0 : rng.coin();
                for (auto i : sc.groups[b]) Ys.row(i) = keep ? Y.row(i) : Eigen::RowVectorXd(-Y.row(i));
            }
        }
        return;
    }
    std::vector<Eigen::Index> perm(static_cast<std::size_t>(n));
    std::iota(perm.begin(), perm.end(), 0);
    std::vector<std::size_t> lehmer;
    if (sc.whole) {
        const std::size_t nb = sc.groups.size();
        std::vector<std::size_t> order(nb);
        if (sc.exhaustive) nth_permutation(j, nb, order);
        else {
            std::iota(order.begin(), order.end(), 0);
            for (std::size_t i = nb - 1; i > 0; --i) std::swap(order[i], order[std::size_t(rng.below(i + 1))]);
        }
        for (std::size_t b = 0; b < nb; ++b)
            for (std::size_t i = 0; i < sc.groups[b].size(); ++i) perm[std::size_t(sc.groups[b][i])] = sc.groups[order[b]][i];
    } else {
        std::uint64_t rest = j;
        for (const auto& g : sc.groups) {
            const std::size_t m = g.size();
            if (sc.exhaustive) {
                std::uint64_t f = 1;
                for (std::size_t i = 2; i <= m; ++i) f *= i;
                nth_permutation(rest % f, m, lehmer);
                rest /= f;
                for (std::size_t i = 0; i < m; ++i) perm[std::size_t(g[i])] = g[lehmer[i]];
            } else {
                for (std::size_t i = m; i-- > 1;) std::swap(perm[std::size_t(g[i])], perm[std::size_t(g[std::size_t(rng.below(i + 1))])]);
            }
        }
    }
    for (Eigen::Index i = 0; i < n; ++i) Ys.row(i) = fitted_z.row(i) + resid_z.row(perm[std::size_t(i)]);
}

}  // namespace

Rearrangement rearrangement(std::size_t k, Eigen::Index n, bool one_sample, const PermutationOptions& o) {
    const Scheme sc = make_scheme(n, one_sample, o);
    const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n), Z = Eigen::MatrixXd::Zero(n, n);
    Eigen::MatrixXd Ys(n, n);
    permuted_data(k, o, sc, I, Z, I, Ys);
    Rearrangement r;
    r.exhaustive = sc.exhaustive;
    r.permutations = sc.permutations;
    for (Eigen::Index i = 0; i < n; ++i) {
        Eigen::Index j = 0;
        Ys.row(i).cwiseAbs().maxCoeff(&j);
        r.source.push_back(j);
        r.sign.push_back(Ys(i, j) < 0 ? -1 : 1);
    }
    return r;
}

double cluster_forming_t(double p, double df, bool two_sided) {
    if (!(p > 0 && p < 1))
        throw Error(Kind::usage, fmt::format("the cluster-forming threshold {} is not a p-value in (0, 1)", p))
            .hint("give an uncorrected p such as 0.001");
    boost::math::students_t dist(df);
    return boost::math::quantile(boost::math::complement(dist, two_sided ? p / 2 : p));
}

std::vector<Cluster> find_clusters(const Eigen::VectorXd& values, const std::array<std::int64_t, 3>& dims,
                                   const std::vector<std::int64_t>& voxels, double threshold, int connectivity, bool two_sided) {
    check_connectivity(connectivity, "cluster");
    return clusters_of(values, neighbours(dims, voxels, connectivity), threshold, two_sided);
}

Eigen::VectorXd tfce(const Eigen::VectorXd& values, const std::array<std::int64_t, 3>& dims,
                     const std::vector<std::int64_t>& voxels, int connectivity, bool two_sided, double E, double H) {
    check_connectivity(connectivity, "TFCE");
    const auto nbrs = neighbours(dims, voxels, connectivity);
    if (!two_sided) return tfce_positive(values, nbrs, E, H);
    // nilearn: one step size from max |value| for both signs.
    const double m = values.cwiseAbs().maxCoeff();
    return tfce_positive(values.cwiseMax(0.0), nbrs, E, H, m) - tfce_positive((-values).cwiseMax(0.0), nbrs, E, H, m);
}

PermutationResult permutation_test(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::VectorXd& c,
                                   const PermutationOptions& o, const Context& ctx) {
    if (X.rows() != Y.rows())
        throw Error(Kind::invalid_input, fmt::format("the design has {} rows but there are {} observations", X.rows(), Y.rows()))
            .hint("give one design row per image (participants table rows must match the images)");
    if (X.rows() < 2) throw Error(Kind::invalid_input, "fewer than 2 observations").hint("group inference needs at least 2");
    const Fit f = prepare(X, c);
    PermutationResult r;
    t_values(f, X, Y, c, r.observed.t, &r.observed.effect, &r.observed.variance);
    r.observed.df = f.df;
    const Eigen::Index n = X.rows(), V = Y.cols();
    const bool one_sample = X.cols() == 1 && (X.col(0).array() == X(0, 0)).all();
    r.sign_flipping = one_sample;
    const bool tfce_on = o.tfce && !o.voxels.empty();
    std::vector<std::vector<std::int64_t>> nbrs;
    if (tfce_on) nbrs = neighbours(o.dims, o.voxels, o.tfce_connectivity);
    auto enhance = [&](const Eigen::VectorXd& t) {
        if (!o.two_sided) return tfce_positive(t, nbrs, 0.5, 2.0);
        const double m = t.cwiseAbs().maxCoeff();
        return Eigen::VectorXd(tfce_positive(t.cwiseMax(0.0), nbrs, 0.5, 2.0, m) - tfce_positive((-t).cwiseMax(0.0), nbrs, 0.5, 2.0, m));
    };
    if (tfce_on) r.tfce = enhance(r.observed.t);
    const bool clusters_on = o.cluster_p > 0 && !o.voxels.empty();
    std::vector<std::vector<std::int64_t>> cluster_nbrs;
    if (clusters_on) {
        check_connectivity(o.cluster_connectivity, "cluster");
        r.cluster_threshold_t = cluster_forming_t(o.cluster_p, f.df, o.two_sided);
        cluster_nbrs = tfce_on && o.cluster_connectivity == o.tfce_connectivity ? nbrs
                                                                                : neighbours(o.dims, o.voxels, o.cluster_connectivity);
        r.clusters = clusters_of(r.observed.t, cluster_nbrs, r.cluster_threshold_t, o.two_sided);
    }
    // Freedman-Lane pieces: nuisance = design projected off the contrast.
    Eigen::MatrixXd fitted_z, resid_z;
    if (!one_sample) nuisance_split(X, c.transpose(), Y, fitted_z, resid_z);
    if (!o.sign_flips.empty() && !one_sample)
        throw Error(Kind::usage, "explicit sign flips apply to one-sample designs only");
    if (o.sign_flips.empty() && o.permutations < 1) throw Error(Kind::usage, "--permutations must be at least 1");
    const Scheme sc = make_scheme(n, one_sample, o);
    const int N = o.sign_flips.empty() ? sc.permutations : int(o.sign_flips.size());
    r.permutations = N;
    r.exhaustive = sc.exhaustive;
    r.null_max_t.assign(std::size_t(N), 0.0);
    if (tfce_on) r.null_max_tfce.assign(std::size_t(N), 0.0);
    if (o.extra_max) r.null_max_extra.assign(std::size_t(N), 0.0);
    if (clusters_on) {
        r.null_max_size.assign(std::size_t(N), 0.0);
        r.null_max_mass.assign(std::size_t(N), 0.0);
    }
    // Exceedance counts: each block of permutations counts into its own array, then adds it to the
    // total under a lock (integer sums: the order does not matter), so memory is per thread, not
    // per block.
    std::vector<std::int64_t> total(std::size_t(V), 0);
    std::mutex total_lock;
    // Sign flipping: the sum of squares of each column does not change, so the t of flip pattern s
    // needs only s'Y: a block of 16 patterns is one matrix product (t = m / sqrt((ss - n m^2) /
    // ((n - 1) n)), m = s'y / n, the intercept-only GLM t).
    const Eigen::VectorXd ss = one_sample ? Eigen::VectorXd(Y.colwise().squaredNorm().transpose()) : Eigen::VectorXd();
    const double scale = one_sample ? X(0, 0) * c[0] : 0.0;  // the sign of the tested effect
    const Eigen::VectorXd observed_stat = o.two_sided ? Eigen::VectorXd(r.observed.t.cwiseAbs()) : r.observed.t;
    ProgressScope progress(ctx.progress(), "permutations", std::uint64_t(N));
    // Sign flipping with nothing but the voxelwise maximum to find per pattern: voxels in chunks
    // that stay in cache (the t of 64 patterns x 2,048 voxels), instead of every voxel's t of each
    // pattern in turn through memory.
    const bool chunked = one_sample && !tfce_on && !clusters_on && !o.extra_max;
    parallel_for(ctx, std::size_t(N), chunked ? 64 : 16, [&](std::size_t b, std::size_t e) {
        thread_local std::vector<std::int32_t> cnt;
        cnt.assign(std::size_t(V), 0);
        if (chunked) {
            const Eigen::Index P = Eigen::Index(e - b);
            Eigen::MatrixXd S(P, n), s(n, 1);
            const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(n, 1);
            for (std::size_t k = b; k < e; ++k) {
                permuted_data(k, o, sc, ones, fitted_z, resid_z, s);
                S.row(Eigen::Index(k - b)) = s.col(0).transpose() / double(n);
            }
            std::vector<double> mx(std::size_t(P), -std::numeric_limits<double>::infinity());
            constexpr Eigen::Index chunk = 2048;
            thread_local Eigen::MatrixXd Mc;
            const double dn = double(n);
            for (Eigen::Index c0 = 0; c0 < V; c0 += chunk) {
                const Eigen::Index nc = std::min(chunk, V - c0);
                Mc.noalias() = Y.middleCols(c0, nc).transpose() * S.transpose();  // chunk voxels x patterns
                for (Eigen::Index k = 0; k < P; ++k) {
                    const double* mk = Mc.col(k).data();
                    double m_k = mx[std::size_t(k)];
                    for (Eigen::Index j = 0; j < nc; ++j) {
                        const Eigen::Index v = c0 + j;
                        const double m = mk[j];
                        const double var = (ss[v] - dn * m * m) / ((dn - 1) * dn);
                        double tv = var > 0 && scale != 0 ? (scale > 0 ? m : -m) / std::sqrt(var) : 0.0;
                        if (o.two_sided) tv = std::abs(tv);
                        m_k = std::max(m_k, tv);
                        cnt[std::size_t(v)] += tv >= observed_stat[v];
                    }
                    mx[std::size_t(k)] = m_k;
                }
            }
            for (Eigen::Index k = 0; k < P; ++k) r.null_max_t[b + std::size_t(k)] = mx[std::size_t(k)];
            progress.advance(e - b);
            const std::lock_guard<std::mutex> lock(total_lock);
            for (std::size_t v = 0; v < cnt.size(); ++v) total[v] += cnt[v];
            return;
        }
        Eigen::VectorXd t;
        Eigen::MatrixXd Ys, M;
        if (one_sample) {
            Eigen::MatrixXd S(Eigen::Index(e - b), n), s(n, 1);
            const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(n, 1);
            for (std::size_t k = b; k < e; ++k) {
                permuted_data(k, o, sc, ones, fitted_z, resid_z, s);
                S.row(Eigen::Index(k - b)) = s.col(0).transpose() / double(n);
            }
            M.noalias() = Y.transpose() * S.transpose();  // voxels x patterns: each pattern contiguous
        } else {
            Ys.resize(n, V);
        }
        std::vector<std::int64_t> label, stack;
        for (std::size_t k = b; k < e; ++k) {
            if (one_sample) {
                t.resize(V);
                const double dn = double(n);
                const double* mk = M.col(Eigen::Index(k - b)).data();
                for (Eigen::Index v = 0; v < V; ++v) {
                    const double m = mk[v];
                    const double var = (ss[v] - dn * m * m) / ((dn - 1) * dn);
                    t[v] = var > 0 && scale != 0 ? (scale > 0 ? m : -m) / std::sqrt(var) : 0.0;
                }
            } else {
                permuted_data(k, o, sc, Y, fitted_z, resid_z, Ys);
                t_values(f, X, Ys, c, t);
            }
            double mx = -std::numeric_limits<double>::infinity();
            if (o.two_sided) {
                for (Eigen::Index v = 0; v < V; ++v) {
                    const double a = std::abs(t[v]);
                    mx = std::max(mx, a);
                    cnt[std::size_t(v)] += a >= observed_stat[v];
                }
            } else {
                for (Eigen::Index v = 0; v < V; ++v) {
                    mx = std::max(mx, t[v]);
                    cnt[std::size_t(v)] += t[v] >= observed_stat[v];
                }
            }
            r.null_max_t[k] = mx;
            if (tfce_on) {
                const Eigen::VectorXd tf = enhance(t);
                r.null_max_tfce[k] = o.two_sided ? tf.cwiseAbs().maxCoeff() : tf.maxCoeff();
            }
            if (o.extra_max) r.null_max_extra[k] = o.extra_max(t);
            if (clusters_on) {
                const auto m = max_cluster(t, cluster_nbrs, r.cluster_threshold_t, o.two_sided, label, stack);
                r.null_max_size[k] = m.first;
                r.null_max_mass[k] = m.second;
            }
        }
        progress.advance(e - b);
        const std::lock_guard<std::mutex> lock(total_lock);
        for (std::size_t v = 0; v < cnt.size(); ++v) total[v] += cnt[v];
    });
    r.p_uncorrected.resize(V);
    r.p_fwe.resize(V);
    std::vector<double> sorted_max = r.null_max_t;
    std::sort(sorted_max.begin(), sorted_max.end());
    for (Eigen::Index v = 0; v < V; ++v) {
        const std::int64_t c_unc = total[std::size_t(v)];
        const double obs = o.two_sided ? std::abs(r.observed.t[v]) : r.observed.t[v];
        const std::int64_t c_fwe = sorted_max.end() - std::lower_bound(sorted_max.begin(), sorted_max.end(), obs);
        r.p_uncorrected[v] = double(1 + c_unc) / double(1 + N);
        r.p_fwe[v] = double(1 + c_fwe) / double(1 + N);
    }
    if (tfce_on) {
        r.p_tfce_fwe.resize(V);
        std::vector<double> sorted = r.null_max_tfce;
        std::sort(sorted.begin(), sorted.end());
        for (Eigen::Index v = 0; v < V; ++v) {
            const double obs = o.two_sided ? std::abs(r.tfce[v]) : r.tfce[v];
            const auto ge = sorted.end() - std::lower_bound(sorted.begin(), sorted.end(), obs);
            r.p_tfce_fwe[v] = double(1 + ge) / double(1 + N);
        }
    }
    if (clusters_on) {
        auto fwe = [&](const std::vector<double>& null, double obs) {
            std::int64_t ge = 0;
            for (double m : null) ge += m >= obs;
            return double(1 + ge) / double(1 + N);
        };
        r.cluster_size = Eigen::VectorXd::Zero(V);
        r.cluster_mass = Eigen::VectorXd::Zero(V);
        r.p_cluster_size_fwe = Eigen::VectorXd::Ones(V);
        r.p_cluster_mass_fwe = Eigen::VectorXd::Ones(V);
        for (const auto& cl : r.clusters) {
            const double ps = fwe(r.null_max_size, double(cl.size)), pm = fwe(r.null_max_mass, cl.mass);
            r.cluster_p_size_fwe.push_back(ps);
            r.cluster_p_mass_fwe.push_back(pm);
            for (auto m : cl.members) {
                r.cluster_size[m] = double(cl.size);
                r.cluster_mass[m] = cl.mass;
                r.p_cluster_size_fwe[m] = ps;
                r.p_cluster_mass_fwe[m] = pm;
            }
        }
    }
    return r;
}

std::vector<NbsComponent> nbs_components(const Eigen::VectorXd& t, const std::vector<std::pair<int, int>>& edges, int n_nodes,
                                         double threshold, bool intensity) {
    std::vector<int> parent(static_cast<std::size_t>(n_nodes));
    std::iota(parent.begin(), parent.end(), 0);
    auto find = [&](int x) {
        while (parent[std::size_t(x)] != x) x = parent[std::size_t(x)] = parent[std::size_t(parent[std::size_t(x)])];
        return x;
    };
    for (std::size_t e = 0; e < edges.size(); ++e)
        if (t[Eigen::Index(e)] > threshold) {
            const int a = find(edges[e].first), b = find(edges[e].second);
            if (a != b) parent[std::size_t(std::max(a, b))] = std::min(a, b);
        }
    std::map<int, std::size_t> index;
    std::vector<NbsComponent> out;
    std::vector<std::set<int>> nodes;
    for (std::size_t e = 0; e < edges.size(); ++e) {
        if (!(t[Eigen::Index(e)] > threshold)) continue;
        const int root = find(edges[e].first);
        auto it = index.find(root);
        if (it == index.end()) {
            it = index.emplace(root, out.size()).first;
            out.emplace_back();
            nodes.emplace_back();
        }
        auto& c = out[it->second];
        c.edges.push_back(Eigen::Index(e));
        c.statistic += intensity ? t[Eigen::Index(e)] - threshold : 1.0;
        nodes[it->second].insert(edges[e].first);
        nodes[it->second].insert(edges[e].second);
    }
    for (std::size_t k = 0; k < out.size(); ++k) out[k].n_nodes = std::int64_t(nodes[k].size());
    std::stable_sort(out.begin(), out.end(), [](const NbsComponent& a, const NbsComponent& b) { return a.statistic > b.statistic; });
    return out;
}

NbsResult nbs(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::VectorXd& c,
              const std::vector<std::pair<int, int>>& edges, int n_nodes, double threshold, bool intensity,
              const PermutationOptions& options, const Context& ctx) {
    if (Eigen::Index(edges.size()) != Y.cols())
        throw Error(Kind::internal, fmt::format("{} edges for {} columns", edges.size(), Y.cols()));
    if (options.two_sided)
        throw Error(Kind::usage, "the network-based statistic is one-sided here")
            .hint("test the other direction with the negated contrast (e.g. --contrast neg=-1*x)");
    PermutationOptions o = options;
    o.tfce = false;
    o.cluster_p = 0;
    o.extra_max = [&](const Eigen::VectorXd& t) {
        double m = 0;
        for (const auto& comp : nbs_components(t, edges, n_nodes, threshold, intensity)) m = std::max(m, comp.statistic);
        return m;
    };
    NbsResult r;
    r.permutation = permutation_test(X, Y, c, o, ctx);
    r.components = nbs_components(r.permutation.observed.t, edges, n_nodes, threshold, intensity);
    const auto& null = r.permutation.null_max_extra;
    for (auto& comp : r.components) {
        std::int64_t ge = 0;
        for (double m : null) ge += m >= comp.statistic;
        comp.p_fwe = double(1 + ge) / double(1 + null.size());
    }
    return r;
}

namespace {

struct FFit {
    Eigen::MatrixXd pinv, M;  // (X'X)^-1 X'; (C (X'X)^-1 C')^-1
    double df1 = 0, df2 = 0;
};

FFit prepare_f(const Eigen::MatrixXd& X, const Eigen::MatrixXd& C) {
    const Eigen::Index n = X.rows(), p = X.cols();
    if (C.cols() != p)
        throw Error(Kind::usage, fmt::format("the F contrast has {} columns but the design {}", C.cols(), p));
    if (C.rows() < 1) throw Error(Kind::usage, "the F contrast has no rows");
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(X);
    if (qr.rank() < p)
        throw Error(Kind::invalid_input, fmt::format("the design is rank deficient (rank {} of {} columns)", qr.rank(), p))
            .hint("drop a column that is a combination of others (e.g. a constant column besides the intercept)");
    if (n - p < 1)
        throw Error(Kind::invalid_input, fmt::format("{} observations are too few for {} design columns", n, p))
            .hint("add participants or remove covariates");
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qc(C.transpose());
    if (qc.rank() < C.rows())
        throw Error(Kind::usage, fmt::format("the F contrast's {} rows are linearly dependent (rank {})", C.rows(), qc.rank()))
            .hint("drop the rows that are combinations of the others");
    FFit f;
    const Eigen::MatrixXd xtx_inv = (X.transpose() * X).inverse();
    f.pinv = xtx_inv * X.transpose();
    f.M = (C * xtx_inv * C.transpose()).inverse();
    f.df1 = double(C.rows());
    f.df2 = double(n - p);
    return f;
}

void f_values(const FFit& f, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::MatrixXd& C, Eigen::VectorXd& F) {
    const Eigen::MatrixXd B = f.pinv * Y;
    const Eigen::MatrixXd R = Y - X * B;
    const Eigen::MatrixXd CB = C * B;
    const Eigen::MatrixXd MCB = f.M * CB;
    F.resize(Y.cols());
    for (Eigen::Index v = 0; v < Y.cols(); ++v) {
        const double s2 = R.col(v).squaredNorm() / f.df2;
        const double num = CB.col(v).dot(MCB.col(v)) / f.df1;
        F[v] = s2 > 0 ? num / s2 : 0.0;
    }
}

}  // namespace

FMap glm_f(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::MatrixXd& C) {
    const FFit f = prepare_f(X, C);
    FMap m;
    f_values(f, X, Y, C, m.F);
    m.df1 = f.df1;
    m.df2 = f.df2;
    return m;
}

double f_sf(double F, double df1, double df2) {
    if (!std::isfinite(F)) return F > 0 ? 0.0 : 1.0;
    if (F <= 0) return 1.0;
    boost::math::fisher_f dist(df1, df2);
    return boost::math::cdf(boost::math::complement(dist, F));
}

FPermutationResult permutation_test_f(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y, const Eigen::MatrixXd& C,
                                      const PermutationOptions& o, const Context& ctx) {
    if (X.rows() != Y.rows())
        throw Error(Kind::invalid_input, fmt::format("the design has {} rows but there are {} observations", X.rows(), Y.rows()))
            .hint("give one design row per image (participants table rows must match the images)");
    if (X.rows() < 2) throw Error(Kind::invalid_input, "fewer than 2 observations").hint("group inference needs at least 2");
    const FFit f = prepare_f(X, C);
    FPermutationResult r;
    f_values(f, X, Y, C, r.observed.F);
    r.observed.df1 = f.df1;
    r.observed.df2 = f.df2;
    const Eigen::Index n = X.rows(), V = Y.cols();
    const bool one_sample = X.cols() == 1 && (X.col(0).array() == X(0, 0)).all();
    r.sign_flipping = one_sample;
    Eigen::MatrixXd fitted_z, resid_z;
    if (!one_sample) nuisance_split(X, C, Y, fitted_z, resid_z);
    if (!o.sign_flips.empty()) throw Error(Kind::usage, "explicit sign flips apply to t contrasts only");
    if (o.permutations < 1) throw Error(Kind::usage, "--permutations must be at least 1");
    const Scheme sc = make_scheme(n, one_sample, o);
    const int N = sc.permutations;
    r.permutations = N;
    r.exhaustive = sc.exhaustive;
    r.null_max_f.assign(std::size_t(N), 0.0);
    std::vector<std::int64_t> total(std::size_t(V), 0);
    std::mutex total_lock;
    parallel_for(ctx, std::size_t(N), 16, [&](std::size_t b, std::size_t e) {
        std::vector<std::int32_t> cnt(std::size_t(V), 0);
        Eigen::VectorXd F;
        Eigen::MatrixXd Ys(n, V);
        for (std::size_t k = b; k < e; ++k) {
            permuted_data(k, o, sc, Y, fitted_z, resid_z, Ys);
            f_values(f, X, Ys, C, F);
            double mx = -std::numeric_limits<double>::infinity();
            for (Eigen::Index v = 0; v < V; ++v) {
                mx = std::max(mx, F[v]);
                cnt[std::size_t(v)] += F[v] >= r.observed.F[v];
            }
            r.null_max_f[k] = mx;
        }
        const std::lock_guard<std::mutex> lock(total_lock);
        for (std::size_t v = 0; v < cnt.size(); ++v) total[v] += cnt[v];
    });
    std::vector<double> sorted = r.null_max_f;
    std::sort(sorted.begin(), sorted.end());
    r.p_uncorrected.resize(V);
    r.p_fwe.resize(V);
    for (Eigen::Index v = 0; v < V; ++v) {
        const std::int64_t c_unc = total[std::size_t(v)];
        const auto ge = sorted.end() - std::lower_bound(sorted.begin(), sorted.end(), r.observed.F[v]);
        r.p_uncorrected[v] = double(1 + c_unc) / double(1 + N);
        r.p_fwe[v] = double(1 + ge) / double(1 + N);
    }
    return r;
}

}  // namespace algia::stats
