#pragma once
// Dense matrix products for the eigensolver and the tangent kind: C = beta C + alpha A B, blocked as
// BLIS/GotoBLAS (panels of A and B packed into contiguous micro-panels, a register-tiled kernel
// multiplying them), with operands read through strides (so A' and B' cost nothing) and an option to
// compute only C's lower half (the symmetric results: V D V', rank-k updates).
//
// Why not Eigen's products: at the sizes of the tangent kind (400 x 400, and rank-32 updates of it)
// Eigen 3.4's kernel tiles the result by 3 x 4 packets, 12 of AVX-512's 32 vector registers, and
// reaches 66-73 GFLOP/s of the 101 this machine's core can do; a 24 x 8 tile (24 registers) reaches 85-100.
// Why not a BLAS: Debian 12's BLIS 0.9 does not recognise Zen 5 and runs its generic kernel (16
// GFLOP/s); OpenBLAS or BLIS from Debian install themselves as the system's libblas.so.3, which would
// also change numpy's (and so every Python peer's) speed. With AVX2 and FMA (no AVX-512) the tile is
// 12 x 4 (Eigen's own shape there: 12 of 16 registers); without either, a portable 8 x 4 kernel.
//
// Every element of C is summed in one fixed order (over k in panels of 256, each panel's terms in
// order), whatever m, n, the strides or the part: the same numbers on any machine with the same
// kernel, and on any thread count (a call runs on its calling thread).

#include <Eigen/Core>

namespace algia::linalg {

// A matrix operand read through strides: element (i, j) at data[i * row_stride + j * col_stride].
struct Operand {
    const double* data;
    Eigen::Index row_stride, col_stride;
};

// A column-major Eigen matrix or block as it is, and as its transpose.
template <class M> Operand plain(const M& m) { return {m.data(), m.innerStride(), m.outerStride()}; }
template <class M> Operand transposed(const M& m) { return {m.data(), m.outerStride(), m.innerStride()}; }

enum class Part { all, lower };

// C = beta C + alpha A B, with A m x k, B k x n and C m x n column-major (leading dimension ldc).
// Part::lower: only C's elements on and below its diagonal (i >= j) are read or written.
// beta == 0: C is only written (NaN in it does not propagate). C must not overlap A or B.
void multiply(Eigen::Index m, Eigen::Index n, Eigen::Index k, double alpha, Operand a, Operand b, double beta, double* c,
              Eigen::Index ldc, Part part = Part::all);

// The same with C an Eigen column-major matrix, block or map (unit inner stride); k = A's columns.
template <class M>
void multiply(M&& c, double alpha, Operand a, Operand b, Eigen::Index k, double beta, Part part = Part::all) {
    eigen_assert(c.innerStride() == 1);
    multiply(c.rows(), c.cols(), k, alpha, a, b, beta, c.data(), c.outerStride(), part);
}

// The kernel in use: "avx512 24x8", "avx2 12x4" or "portable 8x4".
const char* multiply_kernel() noexcept;

}  // namespace algia::linalg
