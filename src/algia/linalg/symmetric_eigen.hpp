#pragma once
// Eigendecomposition of dense symmetric matrices: blocked Householder tridiagonalization
// (linalg/tridiagonal.hpp), then
// Cuppen's divide and conquer on the tridiagonal matrix (the method of LAPACK's dstedc / dsyevd),
// then the back-transformation (the Householder reflectors applied to the eigenvectors in blocks).
//
// Why not Eigen's SelfAdjointEigenSolver: its implicit QR on the tridiagonal matrix applies every
// plane rotation to the n x n eigenvector matrix, one at a time (on 400 x 400 whitened covariances:
// 7.5 of its 14 ms). Divide and conquer spends its time in matrix products of the merged halves'
// eigenvectors, and deflation removes most of those on clustered spectra (the covariances of fewer
// time points than regions). Agreement with Eigen's solver is checked in
// tests/unit/symmetric_eigen_test.cpp (residual and orthogonality within a small multiple of n eps).

#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include "algia/linalg/tridiagonal.hpp"

namespace algia::linalg {

// Scratch of the divide and conquer, kept between calls (sized on first use).
struct TridiagonalScratch {
    Eigen::VectorXd v, dl, w, rw2, dorig, r, q, what, lambda, tau, deflated_values;  // n each
    Eigen::VectorXd u, gathered, merged, leaf;                                  // n x n, flat
    std::vector<Eigen::Index> order, kept, deflated, rows, sorted, origins;
    std::vector<int> type;
    // Sizes the buffers for n x n problems and maps their pages (core/memory.hpp).
    void reserve(Eigen::Index n);
};

// Eigenvalues and eigenvectors of the symmetric tridiagonal matrix with diagonal `d` and
// subdiagonal `e` (n - 1 values; overwritten). On return `d` holds the eigenvalues in ascending
// order and `z` (resized to n x n) the orthonormal eigenvectors, column k for d[k]. Throws
// algia::Error if the QR iteration on a leaf block does not converge (non-finite input).
void tridiagonal_eigen(Eigen::VectorXd& d, Eigen::VectorXd& e, Eigen::MatrixXd& z, TridiagonalScratch& scratch);

// A = V diag(values) V' for symmetric A (its lower half is read), eigenvalues ascending.
// Storage is kept between calls, so a solver reused on matrices of one size allocates nothing.
class SymmetricEigen {
public:
    // Storage for n x n matrices, its pages mapped at once (core/memory.hpp).
    explicit SymmetricEigen(Eigen::Index n = 0);
    void compute(const Eigen::Ref<const Eigen::MatrixXd>& a);
    const Eigen::VectorXd& eigenvalues() const { return values_; }
    const Eigen::MatrixXd& eigenvectors() const { return vectors_; }

private:
    Eigen::MatrixXd vectors_;
    Eigen::MatrixXd packed_;  // the scaled matrix, then its reduction (tridiagonalize's layout)
    Eigen::VectorXd values_, sub_, tau_, householder_work_;
    TridiagonalizeScratch reduce_scratch_;
    TridiagonalScratch scratch_;
};

}  // namespace algia::linalg
