#include "algia/linalg/symmetric_eigen.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "algia/core/error.hpp"
#include "algia/core/memory.hpp"
#include "algia/linalg/gemm.hpp"

namespace algia::linalg {

namespace {

using Eigen::Index;
using MapMatrix = Eigen::Map<Eigen::MatrixXd>;
using MapVector = Eigen::Map<Eigen::VectorXd>;

constexpr Index leaf_size = 25;  // LAPACK's SMLSIZ: blocks this small are solved by QR
constexpr double eps = std::numeric_limits<double>::epsilon();

[[noreturn]] void not_converged() {
    throw Error(Kind::invalid_input, "an eigendecomposition did not converge: the matrix has non-finite or extreme values")
        .hint("check the inputs for n/a, infinite or constant values");
}

// Root `j` (0-based, ascending) of the secular equation 1 + sum_i rw2_i / (dl_i - x) = 0, with
// dl ascending and rw2 = rho w^2 > 0, so that dl_j < x < dl_{j+1} (x < dl_{k-1} + sum rw2 for the
// last root). The root is kept as an origin pole and an offset, x = dl[origin] + tau, so that
// dl_i - x can be formed as (dl_i - dl[origin]) - tau: Gu and Eisenstat's eigenvectors need these
// differences to full relative accuracy, which x itself does not carry.
// Iteration: the two poles next to the root keep their own terms and the rest of each side is
// matched in value and slope (the "middle way" of Li, as LAPACK's dlaed4), safeguarded by a bracket
// that each evaluation narrows (bisection when a step leaves it).
void secular_root(Index j, const MapVector& dl, const MapVector& rw2, double rw2_sum, MapVector& dorig, MapVector& r,
                  MapVector& q, Index& origin, double& tau) {
    const Index k = dl.size();
    if (k == 1) {
        origin = 0;
        tau = rw2[0];
        return;
    }
    const Index below = j + 1;  // poles 0..j lie below the root, j+1..k-1 above
    double t = 0.0, psi = 0.0, dpsi = 0.0, phi = 0.0, dphi = 0.0, f = 0.0;
    auto evaluate = [&] {  // psi (poles below) and phi (above), their slopes, f at t
        r.array() = (dorig.array() - t).inverse();
        q.array() = rw2.array() * r.array();
        psi = q.head(below).sum();
        dpsi = q.head(below).dot(r.head(below));
        phi = below < k ? q.tail(k - below).sum() : 0.0;
        dphi = below < k ? q.tail(k - below).dot(r.tail(k - below)) : 0.0;
        f = 1.0 + psi + phi;
    };
    double lo, hi;
    bool evaluated = false;
    if (j < k - 1) {
        // Halfway between the poles, the sign of f tells which pole is nearer the root; the
        // iteration starts from there, in the nearer pole's coordinates.
        const double mid = (dl[j + 1] - dl[j]) / 2.0;
        dorig.array() = dl.array() - dl[j];
        t = mid;
        evaluate();
        evaluated = true;
        if (f >= 0.0) {
            origin = j;
            lo = 0.0;
            hi = mid;
        } else {
            origin = j + 1;
            lo = (dl[j] - dl[j + 1]) + mid;
            hi = 0.0;
            dorig.array() = dl.array() - dl[j + 1];
            t = lo;
        }
    } else {
        origin = j;
        lo = 0.0;
        hi = rw2_sum;
        dorig.array() = dl.array() - dl[j];
        t = (lo + hi) / 2.0;
    }
    for (int iter = 0; iter < 400; ++iter) {
        if (!evaluated) evaluate();
        evaluated = false;
        // Rounding error of f's evaluation (psi <= 0 <= phi), as dlaed4's bound.
        const double err = eps * (8.0 * (phi - psi) + 8.0 + 3.0 * std::abs(t) * (dpsi + dphi));
        if (std::abs(f) <= err) break;
        if (f < 0.0) lo = t;
        else hi = t;
        double step = std::numeric_limits<double>::quiet_NaN();
        const double da = dorig[j] - t;  // < 0: the pole below
        const double b_lo = dpsi * da * da;
        const double a_lo = psi - dpsi * da;
        if (below < k) {
            const double db = dorig[j + 1] - t;  // > 0: the pole above
            const double b_hi = dphi * db * db;
            const double a_hi = phi - dphi * db;
            // a + b_lo / (da - s) + b_hi / (db - s) = 0  <=>  a s^2 - qb s + qc = 0
            const double a = 1.0 + a_lo + a_hi;
            const double qb = a * (da + db) + b_lo + b_hi;
            const double qc = da * db * f;
            if (a == 0.0) {
                step = qc / qb;
            } else {
                const double disc = qb * qb - 4.0 * a * qc;
                if (disc >= 0.0) {
                    const double qq = (qb + std::copysign(std::sqrt(disc), qb)) / 2.0;
                    const double s1 = qq / a, s2 = qc / qq;
                    step = (t + s1 > lo && t + s1 < hi) ? s1 : s2;
                }
            }
        } else {
            // a + b_lo / (da - s) = 0 with nothing above the last pole
            step = da + b_lo / (1.0 + a_lo);
        }
        double next = t + step;
        if (!(next > lo && next < hi) || (iter >= 30 && iter % 2 == 0)) next = lo + (hi - lo) / 2.0;
        if (next == t) break;
        t = next;
        if (hi - lo <= 2.0 * eps * std::max(std::abs(lo), std::abs(hi))) break;
    }
    tau = t;
}

class DivideAndConquer {
public:
    DivideAndConquer(Eigen::VectorXd& d, Eigen::VectorXd& e, Eigen::MatrixXd& z, TridiagonalScratch& s) : d_(d), e_(e), z_(z), s_(s) {}

    // Block [lo, lo + m): eigenvalues into d, eigenvectors into z's diagonal block.
    void solve(Index lo, Index m) {
        if (m <= leaf_size) return leaf(lo, m);
        const Index m1 = m / 2, m2 = m - m1;
        // T = diag(T1 - |rho| e_last e_last', T2 - |rho| e_1 e_1') + |rho| u u', u = e_last + sgn(rho) e_1
        const double rho = e_[lo + m1 - 1];
        d_[lo + m1 - 1] -= std::abs(rho);
        d_[lo + m1] -= std::abs(rho);
        solve(lo, m1);
        solve(lo + m1, m2);
        merge(lo, m1, m2, rho);
    }

private:
    void leaf(Index lo, Index m) {
        MapVector diag(d_.data() + lo, m);
        MapVector sub(e_.data() + lo, std::max<Index>(m - 1, 0));
        MapMatrix q(s_.leaf.data(), m, m);
        q.setIdentity();
        if (Eigen::internal::computeFromTridiagonal_impl(diag, sub, 30, true, q) != Eigen::Success) not_converged();
        z_.block(lo, lo, m, m) = q;
    }

    // Merges the solved halves [lo, lo + m1) and [lo + m1, lo + m) (dlaed1/2/3 of LAPACK): the
    // eigenproblem of diag(D1, D2) + r v v' with v = (last row of Z1, sgn(rho) first row of Z2) / sqrt 2
    // and r = 2 |rho|; deflated pairs keep their columns, the others come from the secular roots.
    void merge(Index lo, Index m1, Index m2, double rho) {
        const Index m = m1 + m2;
        auto block = z_.block(lo, lo, m, m);
        block.topRightCorner(m1, m2).setZero();
        block.bottomLeftCorner(m2, m1).setZero();
        MapVector dv(d_.data() + lo, m);
        MapVector v(s_.v.data(), m);
        v.head(m1) = block.row(m1 - 1).head(m1).transpose();
        v.tail(m2) = block.row(m1).tail(m2).transpose() * (rho < 0 ? -1.0 : 1.0);
        v *= 1.0 / std::sqrt(2.0);
        const double r = 2.0 * std::abs(rho);
        // Column support: 1 = upper half only, 3 = lower half only, 2 = both (after a deflating
        // rotation of an upper and a lower column), 4 = deflated.
        auto& type = s_.type;
        for (Index i = 0; i < m; ++i) type[std::size_t(i)] = i < m1 ? 1 : 3;
        // Ascending order of the eigenvalues of both halves (each is ascending).
        auto& order = s_.order;
        std::iota(order.begin(), order.begin() + m, Index(0));
        std::inplace_merge(order.begin(), order.begin() + m1, order.begin() + m,
                           [&](Index a, Index b) { return dv[a] < dv[b]; });
        const double tol = 8.0 * eps * std::max(dv.cwiseAbs().maxCoeff(), v.cwiseAbs().maxCoeff());
        // Deflation (dlaed2): a negligible component of v, or two eigenvalues so close that a
        // rotation of their columns zeroes one component.
        auto& kept = s_.kept;  // in ascending order of their eigenvalues
        auto& deflated = s_.deflated;
        kept.clear();
        deflated.clear();
        Index pj = -1;
        for (Index t = 0; t < m; ++t) {
            const Index nj = order[std::size_t(t)];
            if (r * std::abs(v[nj]) <= tol) {
                type[std::size_t(nj)] = 4;
                deflated.push_back(nj);
                continue;
            }
            if (pj < 0) {
                pj = nj;
                continue;
            }
            double s = v[pj], c = v[nj];
            const double tau = std::hypot(c, s);
            const double gap = dv[nj] - dv[pj];
            c /= tau;
            s = -s / tau;
            if (std::abs(gap * c * s) <= tol) {
                v[nj] = tau;
                v[pj] = 0.0;
                if (type[std::size_t(nj)] != type[std::size_t(pj)]) type[std::size_t(nj)] = 2;
                type[std::size_t(pj)] = 4;
                auto x = block.col(pj);
                auto y = block.col(nj);
                for (Index i = 0; i < m; ++i) {
                    const double xi = x[i], yi = y[i];
                    x[i] = c * xi + s * yi;
                    y[i] = c * yi - s * xi;
                }
                const double dp = dv[pj] * c * c + dv[nj] * s * s;
                dv[nj] = dv[pj] * s * s + dv[nj] * c * c;
                dv[pj] = dp;
                deflated.push_back(pj);
            } else {
                kept.push_back(pj);
            }
            pj = nj;
        }
        if (pj >= 0) kept.push_back(pj);
        const Index k = Index(kept.size()), nd = m - k;
        MapVector lambda(s_.lambda.data(), k);
        MapMatrix merged(s_.merged.data(), m, k);
        if (k > 0) roots_and_vectors(block, m1, m2, r, merged, lambda);
        // All m eigenpairs in ascending order: the roots (ascending) merged with the deflated pairs,
        // whose columns are copied out first.
        MapMatrix deflated_cols(s_.gathered.data(), m, nd);
        MapVector deflated_values(s_.deflated_values.data(), nd);
        for (Index t = 0; t < nd; ++t) {
            deflated_cols.col(t) = block.col(deflated[std::size_t(t)]);
            deflated_values[t] = dv[deflated[std::size_t(t)]];
        }
        auto& sorted = s_.sorted;
        sorted.resize(std::size_t(m));
        std::iota(sorted.begin(), sorted.end(), Index(0));
        auto value = [&](Index i) { return i < k ? lambda[i] : deflated_values[i - k]; };
        std::stable_sort(sorted.begin(), sorted.end(), [&](Index a, Index b) { return value(a) < value(b); });
        for (Index t = 0; t < m; ++t) {
            const Index i = sorted[std::size_t(t)];
            dv[t] = value(i);
            if (i < k) block.col(t) = merged.col(i);
            else block.col(t) = deflated_cols.col(i - k);
        }
    }

    // The k kept pairs: roots of the secular equation, Gu and Eisenstat's vector w_hat (the one for
    // which the computed roots are exact, so that the eigenvectors come out orthogonal), the
    // eigenvectors w_hat / (dl - lambda_j) of the rank-one problem, and their product with the
    // halves' eigenvectors: the upper rows from the upper-only and mixed columns, the lower rows from
    // the mixed and lower-only ones (zeros are not multiplied).
    template <typename Block>
    void roots_and_vectors(Block& block, Index m1, Index m2, double r, MapMatrix& merged, MapVector& lambda) {
        const auto& kept = s_.kept;
        const auto& type = s_.type;
        const Index k = Index(kept.size()), m = m1 + m2;
        MapVector dl(s_.dl.data(), k), w(s_.w.data(), k), rw2(s_.rw2.data(), k), dorig(s_.dorig.data(), k);
        MapVector rs(s_.r.data(), k), qs(s_.q.data(), k), what(s_.what.data(), k);
        for (Index i = 0; i < k; ++i) {
            dl[i] = d_[block.startCol() + kept[std::size_t(i)]];
            w[i] = s_.v[kept[std::size_t(i)]];
        }
        rw2.array() = r * w.array().square();
        const double rw2_sum = rw2.sum();
        // Root j as dl[origin_j] + tau_j; dl_i - lambda_j is formed as (dl_i - dl[origin_j]) - tau_j.
        auto& origins = s_.origins;
        MapVector taus(s_.tau.data(), k);
        for (Index j = 0; j < k; ++j) {
            Index origin = 0;
            double tau = 0.0;
            secular_root(j, dl, rw2, rw2_sum, dorig, rs, qs, origin, tau);
            origins[std::size_t(j)] = origin;
            taus[j] = tau;
            lambda[j] = dl[origin] + tau;
        }
        auto gap = [&](const auto& d, Index j) { return (d.array() - dl[origins[std::size_t(j)]]) - taus[j]; };
        // r w_hat_i^2 = -(dl_i - lambda_i) prod_{j != i} (dl_i - lambda_j) / (dl_i - dl_j) (Loewner)
        for (Index i = 0; i < k; ++i) what[i] = (dl[i] - dl[origins[std::size_t(i)]]) - taus[i];
        for (Index j = 0; j < k; ++j) {
            if (j > 0) what.head(j).array() *= gap(dl.head(j), j) / (dl.head(j).array() - dl[j]);
            const Index after = k - j - 1;
            if (after > 0) what.tail(after).array() *= gap(dl.tail(after), j) / (dl.tail(after).array() - dl[j]);
        }
        for (Index i = 0; i < k; ++i) what[i] = std::copysign(std::sqrt(-what[i]), w[i]);
        // The rank-one problem's eigenvectors w_hat / (dl - lambda_j), normalized, with their rows
        // in the order of the gathered columns: upper-only, mixed, lower-only.
        auto& rows = s_.rows;
        rows.clear();
        Index count[5] = {0, 0, 0, 0, 0};
        for (int want : {1, 2, 3})
            for (Index i = 0; i < k; ++i)
                if (type[std::size_t(kept[std::size_t(i)])] == want) {
                    rows.push_back(i);
                    ++count[want];
                }
        MapVector dl_rows(s_.r.data(), k), what_rows(s_.q.data(), k);  // the secular scratch, free now
        MapMatrix gathered(s_.gathered.data(), m, k);
        for (Index g = 0; g < k; ++g) {
            const Index i = rows[std::size_t(g)];
            dl_rows[g] = dl[i];
            what_rows[g] = what[i];
            gathered.col(g) = block.col(kept[std::size_t(i)]);
        }
        MapMatrix u(s_.u.data(), k, k);
        for (Index j = 0; j < k; ++j) {
            auto col = u.col(j);
            col.array() = what_rows.array() / gap(dl_rows, j);
            col /= col.norm();
        }
        const Index n1 = count[1], n2 = count[2], n3 = count[3];
        multiply(merged.topRows(m1), 1.0, plain(gathered.topLeftCorner(m1, n1 + n2)), plain(u.topRows(n1 + n2)), n1 + n2, 0.0);
        multiply(merged.bottomRows(m2), 1.0, plain(gathered.bottomRightCorner(m2, n2 + n3)), plain(u.bottomRows(n2 + n3)),
                 n2 + n3, 0.0);
    }

    Eigen::VectorXd& d_;
    Eigen::VectorXd& e_;
    Eigen::MatrixXd& z_;
    TridiagonalScratch& s_;
};

}  // namespace

void TridiagonalScratch::reserve(Index n) {
    for (Eigen::VectorXd* vec : {&v, &dl, &w, &rw2, &dorig, &r, &q, &what, &lambda, &tau, &deflated_values})
        vec->resize(n);
    for (Eigen::VectorXd* mat : {&u, &gathered, &merged}) mat->resize(n * n);
    leaf.resize(leaf_size * leaf_size);
    order.resize(std::size_t(n));
    origins.resize(std::size_t(n));
    type.resize(std::size_t(n));
    for (auto* list : {&kept, &deflated, &rows, &sorted}) list->reserve(std::size_t(n));
    for (Eigen::VectorXd* mat : {&u, &gathered, &merged}) prefault(*mat);
}

void tridiagonal_eigen(Eigen::VectorXd& d, Eigen::VectorXd& e, Eigen::MatrixXd& z, TridiagonalScratch& s) {
    const Index n = d.size();
    z.resize(n, n);
    if (n == 0) return;
    if (!d.allFinite() || !e.allFinite()) not_converged();
    if (s.u.size() != n * n) s.reserve(n);
    DivideAndConquer(d, e, z, s).solve(0, n);
}

namespace {

// z <- Q z for Q = H_0 H_1 ... H_{n-2}, the tridiagonalization's reflectors (H_i = I - tau_i v_i v_i',
// v_i = 1 at row i + 1 and the packed matrix's column i below it). Blocks of reflectors in compact WY
// form, Q_b = I - V T V' (T upper triangular, LAPACK's dlarft), applied last block first, each by
// two matrix products (linalg/gemm.hpp) with V stored dense: W' = z' V, then z -= V (W' T')'. W is
// formed transposed so that the kernel's 24-row tiles run along z's n columns, not along the block's
// 32 reflectors (32 = 24 + 8 would leave a tile two thirds empty): 12% faster.
void apply_reflectors(const Eigen::MatrixXd& packed, const Eigen::VectorXd& tau, Eigen::MatrixXd& z, Eigen::VectorXd& work) {
    constexpr Index nb = 32;
    const Index n = z.rows(), count = n - 1;
    work.resize(n * nb + nb * nb + 2 * n * nb);
    for (Index start = (count - 1) / nb * nb; start >= 0; start -= nb) {
        const Index bs = std::min(nb, count - start), rows = n - start - 1;
        MapMatrix v(work.data(), rows, bs), t(work.data() + n * nb, bs, bs);
        MapMatrix wt(work.data() + n * nb + nb * nb, n, bs), twt(work.data() + 2 * n * nb + nb * nb, n, bs);
        v.setZero();
        for (Index j = 0; j < bs; ++j) {
            v(j, j) = 1.0;
            v.col(j).tail(rows - j - 1) = packed.col(start + j).tail(rows - j - 1);
        }
        t.setZero();
        for (Index j = 0; j < bs; ++j) {  // T(0:j, j) = -tau_j T(0:j, 0:j) V(:, 0:j)' v_j
            t(j, j) = tau[start + j];
            if (j == 0) continue;
            auto products = wt.col(0).head(j);
            products.noalias() = v.leftCols(j).transpose() * v.col(j);
            t.col(j).head(j).noalias() = t.topLeftCorner(j, j).triangularView<Eigen::Upper>() * products;
            t.col(j).head(j) *= -tau[start + j];
        }
        auto zs = z.bottomRows(rows);
        multiply(wt, 1.0, transposed(zs), plain(v), rows, 0.0);
        twt.noalias() = wt * t.triangularView<Eigen::Upper>().transpose();
        multiply(zs, -1.0, plain(v), transposed(twt), bs, 1.0);
    }
}

}  // namespace

SymmetricEigen::SymmetricEigen(Index n) : vectors_(n, n), packed_(n, n) {
    prefault(vectors_);
    prefault(packed_);
    if (n > 0) reduce_scratch_.reserve(n);
    if (n > leaf_size) scratch_.reserve(n);
}

void SymmetricEigen::compute(const Eigen::Ref<const Eigen::MatrixXd>& m) {
    const Index n = m.rows();
    double scale = 0.0;  // as Eigen's solver: scaled by the largest magnitude against over/underflow
    for (Index j = 0; j < n; ++j) {
        const auto column = m.col(j).tail(n - j);
        if (!column.allFinite()) not_converged();
        scale = std::max(scale, column.cwiseAbs().maxCoeff());
    }
    if (scale == 0.0) scale = 1.0;
    if (packed_.rows() != n) packed_.resize(n, n);
    for (Index j = 0; j < n; ++j) packed_.col(j).tail(n - j) = m.col(j).tail(n - j) / scale;  // the lower half only
    tridiagonalize(packed_, values_, sub_, tau_, reduce_scratch_);
    if (n <= leaf_size) {
        // Small: Eigen's QR iteration on Q itself.
        vectors_.setIdentity(n, n);
        if (n > 1) apply_reflectors(packed_, tau_, vectors_, householder_work_);
        if (Eigen::internal::computeFromTridiagonal_impl(values_, sub_, 30, true, vectors_) != Eigen::Success) not_converged();
    } else {
        tridiagonal_eigen(values_, sub_, vectors_, scratch_);
        apply_reflectors(packed_, tau_, vectors_, householder_work_);
    }
    values_ *= scale;
}

}  // namespace algia::linalg
