#pragma once
// Householder reduction of a dense symmetric matrix to tridiagonal form, Q' A Q = T, blocked as
// LAPACK's dsytrd (lower). Panels of 16 columns are reduced against the trailing matrix as it was
// before the panel (dlatrd): each column needs one symmetric matrix-vector product with the trailing
// matrix and small corrections from the panel's reflectors; the trailing matrix then takes the whole
// panel at once, as one symmetric rank-32 update (a matrix product).
//
// Why not Eigen's Tridiagonalization: it is the unblocked method (dsytd2), a symmetric rank-2 update
// of the trailing matrix after every column, so the whole matrix streams through the cache twice per
// column, and its symmetric matrix-vector product takes two columns at a time. On the 400 x 400
// whitened covariances of the tangent kind it took 3.7 ms of the eigendecomposition's 13.
// Agreement with Eigen's reduction is checked in tests/unit/symmetric_eigen_test.cpp.

#include <Eigen/Core>

namespace algia::linalg {

// Scratch of tridiagonalize, kept between calls.
struct TridiagonalizeScratch {
    Eigen::MatrixXd left, right;  // the panel's reflectors and W interleaved, and pairwise swapped (n x 32)
    Eigen::VectorXd t;            // small vectors
    // Sizes the buffers for n x n problems and maps their pages (core/memory.hpp).
    void reserve(Eigen::Index n);
};

// Reduces the symmetric matrix held in the lower half of `a` (n x n; the strict upper half is
// neither read nor written). On return d (n) is T's diagonal, e (n - 1) its subdiagonal, and
// Q = H_0 H_1 ... H_{n-2} with H_i = I - tau_i v_i v_i', where v_i is 0 above row i + 1, 1 at row
// i + 1 and a(i + 2 :, i) below (the layout of LAPACK and of Eigen's packed matrix). a(i + 1, i)
// holds e_i.
void tridiagonalize(Eigen::Ref<Eigen::MatrixXd> a, Eigen::VectorXd& d, Eigen::VectorXd& e, Eigen::VectorXd& tau,
                    TridiagonalizeScratch& scratch);

// y = A x for the symmetric m x m matrix A held in the lower half of `a` (column-major, leading
// dimension lda); y must not overlap a or x. Four columns at a time: each element of the lower half
// is read once and used twice (for y_i and for y_j).
void symmetric_lower_times(const double* a, Eigen::Index lda, Eigen::Index m, const double* x, double* y);

}  // namespace algia::linalg
