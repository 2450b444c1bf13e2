#include "algia/linalg/tridiagonal.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "algia/core/memory.hpp"
#include "algia/linalg/gemm.hpp"

namespace algia::linalg {

namespace {

using Eigen::Index;
using Vector = Eigen::Map<Eigen::VectorXd>;

constexpr Index panel = 16;            // LAPACK uses 32; at n = 400 its matrix-vector corrections cost more than the product saves
constexpr Index unblocked_below = 64;  // trailing matrices this small are reduced column by column

// LAPACK's dlarfg: H (alpha; x) = (beta; 0) for H = I - tau v v', v = (1; x / (alpha - beta)). x is
// overwritten by v's tail and alpha by beta; returns tau. As Eigen's makeHouseholder, a tail whose
// squares underflow is nothing to annihilate (tau = 0, the tail cleared).
double householder(double& alpha, double* x, Index count) {
    Vector tail(x, count);
    const double tail_squares = tail.squaredNorm();
    if (tail_squares <= std::numeric_limits<double>::min()) {
        tail.setZero();
        return 0.0;
    }
    const double beta = -std::copysign(std::sqrt(alpha * alpha + tail_squares), alpha);
    const double tau = (beta - alpha) / beta;
    tail *= 1.0 / (alpha - beta);
    alpha = beta;
    return tau;
}

// One column of the unblocked reduction (dsytd2): the reflector of column i, then the trailing
// matrix A(i+1:, i+1:) -= v y' + y v' with y = tau A v - (tau^2 / 2) (v' A v) v. `y` is scratch.
void reduce_column(Eigen::Ref<Eigen::MatrixXd> a, Index i, Eigen::VectorXd& d, Eigen::VectorXd& e, Eigen::VectorXd& tau,
                   double* y) {
    const Index m = a.rows() - i - 1;  // the trailing size
    double alpha = a(i + 1, i);
    const double t = householder(alpha, &a(std::min(i + 2, a.rows() - 1), i), m - 1);
    e[i] = alpha;
    tau[i] = t;
    if (t != 0.0) {
        a(i + 1, i) = 1.0;
        const Vector v(&a(i + 1, i), m);
        Vector yv(y, m);
        symmetric_lower_times(&a(i + 1, i + 1), a.outerStride(), m, v.data(), y);
        yv *= t;
        yv += (-0.5 * t * yv.dot(v)) * v;
        for (Index c = 0; c < m; ++c) a.col(i + 1 + c).segment(i + 1 + c, m - c) -= v[c] * yv.tail(m - c) + yv[c] * v.tail(m - c);
        a(i + 1, i) = alpha;
    }
    d[i] = a(i, i);
}

// LAPACK's dlatrd (lower): reduces columns k .. k + panel - 1 against the trailing matrix as it was
// before the panel, and leaves in s.left the panel's reflectors and W interleaved, [v_0 w_0 v_1 w_1
// ...] (local rows: row r is the matrix's row k + r), for which the trailing update is
// A -= V W' + W V'. Column i is first brought up to date with the panel's earlier reflectors,
// A(:, i) -= V W(i, :)' + W V(i, :)', and w_i = tau (A v - V (W' v) - W (V' v)), then
// w_i -= (tau / 2)(w_i' v) v. Interleaved, each pair of corrections is one matrix-vector product
// over 2i columns (with the row, or the products, taken pairwise swapped).
void reduce_panel(Eigen::Ref<Eigen::MatrixXd> a, Index k, Eigen::VectorXd& d, Eigen::VectorXd& e, Eigen::VectorXd& tau,
                  TridiagonalizeScratch& s) {
    const Index m = a.rows() - k;
    auto vw = s.left.topRows(m);
    auto swapped = s.t.head(2 * panel);
    auto swap_pairs = [&](const auto& from, Index count) {
        for (Index j = 0; j < count; j += 2) {
            swapped[j] = from[j + 1];
            swapped[j + 1] = from[j];
        }
    };
    for (Index i = 0; i < panel; ++i) {
        const Index g = k + i, r = m - i - 1;
        if (i > 0) {
            swap_pairs(vw.row(i), 2 * i);
            a.col(g).segment(g, m - i).noalias() -= vw.block(i, 0, m - i, 2 * i) * swapped.head(2 * i);
        }
        double alpha = a(g + 1, g);
        const double t = householder(alpha, &a(g + 2, g), r - 1);
        tau[g] = t;
        e[g] = alpha;
        d[g] = a(g, g);
        a(g + 1, g) = 1.0;
        const auto v = a.col(g).segment(g + 1, r);
        vw.col(2 * i).segment(i + 1, r) = v;
        auto wc = vw.col(2 * i + 1).segment(i + 1, r);
        symmetric_lower_times(&a(g + 1, g + 1), a.outerStride(), r, v.data(), wc.data());
        if (i > 0) {
            auto products = s.t.segment(2 * panel, 2 * i);
            products.noalias() = vw.block(i + 1, 0, r, 2 * i).transpose() * v;
            swap_pairs(products, 2 * i);
            wc.noalias() -= vw.block(i + 1, 0, r, 2 * i) * swapped.head(2 * i);
        }
        wc *= t;
        wc += (-0.5 * t * wc.dot(v)) * v;
    }
}

}  // namespace

void TridiagonalizeScratch::reserve(Index n) {
    left.resize(n, 2 * panel);
    right.resize(n, 2 * panel);
    t.resize(std::max(n, 4 * panel));
    for (Eigen::MatrixXd* m : {&left, &right}) prefault(*m);
}

void tridiagonalize(Eigen::Ref<Eigen::MatrixXd> a, Eigen::VectorXd& d, Eigen::VectorXd& e, Eigen::VectorXd& tau,
                    TridiagonalizeScratch& s) {
    const Index n = a.rows();
    d.resize(n);
    e.resize(std::max<Index>(n - 1, 0));
    tau.resize(std::max<Index>(n - 1, 0));
    if (n == 0) return;
    if (s.left.rows() < n || s.t.size() < n) s.reserve(n);
    Index k = 0;
    for (; n - k > unblocked_below; k += panel) {
        reduce_panel(a, k, d, e, tau, s);
        // The trailing matrix takes the panel: A22 -= V W' + W V' = [v_0 w_0 ...] [w_0 v_0 ...]', its
        // lower half by one product (linalg/gemm.hpp, the lower part only).
        const Index r = n - k - panel;
        const auto left = s.left.block(panel, 0, r, 2 * panel);
        auto right = s.right.topRows(r);
        for (Index j = 0; j < 2 * panel; j += 2) {
            right.col(j) = left.col(j + 1);
            right.col(j + 1) = left.col(j);
        }
        multiply(a.block(k + panel, k + panel, r, r), -1.0, plain(left), transposed(right), 2 * panel, 1.0, Part::lower);
        for (Index j = k; j < k + panel; ++j) a(j + 1, j) = e[j];
    }
    for (; k < n - 1; ++k) reduce_column(a, k, d, e, tau, s.t.data());
    d[n - 1] = a(n - 1, n - 1);
}

void symmetric_lower_times(const double* a, Index lda, Index m, const double* x, double* y) {
    using namespace Eigen::internal;
    using Packet = packet_traits<double>::type;
    constexpr Index ps = Index(sizeof(Packet) / sizeof(double));  // doubles per packet
    std::fill(y, y + m, 0.0);
    Index j = 0;
    for (; j + 4 <= m; j += 4) {
        const double* c0 = a + j * lda;
        const double* c1 = c0 + lda;
        const double* c2 = c1 + lda;
        const double* c3 = c2 + lda;
        // The 4 x 4 block on the diagonal: y_j gets its row's elements, the rows below their column's.
        double s0 = c0[j] * x[j] + c0[j + 1] * x[j + 1] + c0[j + 2] * x[j + 2] + c0[j + 3] * x[j + 3];
        double s1 = c1[j + 1] * x[j + 1] + c1[j + 2] * x[j + 2] + c1[j + 3] * x[j + 3];
        double s2 = c2[j + 2] * x[j + 2] + c2[j + 3] * x[j + 3];
        double s3 = c3[j + 3] * x[j + 3];
        y[j + 1] += c0[j + 1] * x[j];
        y[j + 2] += c0[j + 2] * x[j] + c1[j + 2] * x[j + 1];
        y[j + 3] += c0[j + 3] * x[j] + c1[j + 3] * x[j + 1] + c2[j + 3] * x[j + 2];
        // Below it: y_i += A(i, j:j+4) x(j:j+4) and s += A(i, j:j+4)' x_i, a packet of rows at a time.
        const Packet x0 = pset1<Packet>(x[j]), x1 = pset1<Packet>(x[j + 1]), x2 = pset1<Packet>(x[j + 2]),
                     x3 = pset1<Packet>(x[j + 3]);
        Packet p0 = pset1<Packet>(0.0), p1 = p0, p2 = p0, p3 = p0;
        Index i = j + 4;
        // Scalar rows until the columns' packets are aligned (they all are when lda is a multiple
        // of the packet size): a misaligned packet spans two cache lines.
        for (; i < m && reinterpret_cast<std::uintptr_t>(c0 + i) % sizeof(Packet) != 0; ++i) {
            y[i] += c0[i] * x[j] + c1[i] * x[j + 1] + c2[i] * x[j + 2] + c3[i] * x[j + 3];
            s0 += c0[i] * x[i];
            s1 += c1[i] * x[i];
            s2 += c2[i] * x[i];
            s3 += c3[i] * x[i];
        }
        for (; i + ps <= m; i += ps) {
            const Packet xi = ploadu<Packet>(x + i);
            const Packet a0 = ploadu<Packet>(c0 + i), a1 = ploadu<Packet>(c1 + i), a2 = ploadu<Packet>(c2 + i),
                         a3 = ploadu<Packet>(c3 + i);
            Packet yi = ploadu<Packet>(y + i);
            yi = pmadd(a0, x0, yi);
            yi = pmadd(a1, x1, yi);
            yi = pmadd(a2, x2, yi);
            yi = pmadd(a3, x3, yi);
            pstoreu(y + i, yi);
            p0 = pmadd(a0, xi, p0);
            p1 = pmadd(a1, xi, p1);
            p2 = pmadd(a2, xi, p2);
            p3 = pmadd(a3, xi, p3);
        }
        s0 += predux(p0);
        s1 += predux(p1);
        s2 += predux(p2);
        s3 += predux(p3);
        for (; i < m; ++i) {
            y[i] += c0[i] * x[j] + c1[i] * x[j + 1] + c2[i] * x[j + 2] + c3[i] * x[j + 3];
            s0 += c0[i] * x[i];
            s1 += c1[i] * x[i];
            s2 += c2[i] * x[i];
            s3 += c3[i] * x[i];
        }
        y[j] += s0;
        y[j + 1] += s1;
        y[j + 2] += s2;
        y[j + 3] += s3;
    }
    for (; j < m; ++j) {  // the last columns (fewer than 4)
        const double* c = a + j * lda;
        double s = c[j] * x[j];
        for (Index i = j + 1; i < m; ++i) {
            y[i] += c[i] * x[j];
            s += c[i] * x[i];
        }
        y[j] += s;
    }
}

}  // namespace algia::linalg
