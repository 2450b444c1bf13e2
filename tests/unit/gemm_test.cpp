// linalg::multiply against Eigen's products: every shape around the kernel's tile (24 x 8) and panel
// sizes (k over 256, m over 144), both operands plain and transposed, strided blocks, alpha and beta,
// the lower part (the upper half untouched), beta = 0 with NaN in C, and k = 0.
#include "algia/linalg/gemm.hpp"

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace {

using algia::linalg::multiply;
using algia::linalg::Part;
using algia::linalg::plain;
using algia::linalg::transposed;
using Eigen::Index;
using Eigen::MatrixXd;

MatrixXd random_matrix(Index rows, Index cols, std::mt19937_64& rng) {
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    MatrixXd m(rows, cols);
    for (Index j = 0; j < cols; ++j)
        for (Index i = 0; i < rows; ++i) m(i, j) = u(rng);
    return m;
}

// |got - want| within 4 k eps of the sum of magnitudes, element by element.
void expect_close(const MatrixXd& got, const MatrixXd& want, const MatrixXd& magnitude, Index k, const char* what) {
    const double eps = std::numeric_limits<double>::epsilon();
    for (Index j = 0; j < got.cols(); ++j)
        for (Index i = 0; i < got.rows(); ++i)
            ASSERT_LE(std::abs(got(i, j) - want(i, j)), 4.0 * double(k + 2) * eps * magnitude(i, j) + 1e-300)
                << what << " at (" << i << ", " << j << ")";
}

TEST(Multiply, RunsTheKernelThisBuildSelects) {
#if defined(ALGIA_GEMM_PORTABLE)
    EXPECT_STREQ(algia::linalg::multiply_kernel(), "portable 8x4");
#elif defined(__AVX512F__)
    EXPECT_STREQ(algia::linalg::multiply_kernel(), "avx512 24x8");
#elif defined(__AVX2__) && defined(__FMA__)
    EXPECT_STREQ(algia::linalg::multiply_kernel(), "avx2 12x4");
#else
    EXPECT_STREQ(algia::linalg::multiply_kernel(), "portable 8x4");
#endif
}

TEST(Multiply, AgreesWithEigenOnEveryShapeAroundTheTilesAndPanels) {
    std::mt19937_64 rng(3);
    const Index sizes[] = {1, 7, 8, 9, 23, 24, 25, 49, 145, 300};
    const Index depths[] = {1, 2, 31, 256, 257, 600};
    for (Index m : sizes)
        for (Index n : sizes)
            for (Index k : depths) {
                if (m * n * k > 300 * 300 * 300 / 3) continue;
                const MatrixXd a = random_matrix(m, k, rng), b = random_matrix(k, n, rng), c0 = random_matrix(m, n, rng);
                const MatrixXd at = a.transpose(), bt = b.transpose();
                const MatrixXd magnitude = 0.5 * c0.cwiseAbs() + 1.5 * (a.cwiseAbs() * b.cwiseAbs());
                const MatrixXd want = 0.5 * c0 + 1.5 * (a * b);
                for (int form = 0; form < 4; ++form) {
                    MatrixXd c = c0;
                    multiply(c, 1.5, form & 1 ? transposed(at) : plain(a), form & 2 ? transposed(bt) : plain(b), k, 0.5);
                    expect_close(c, want, magnitude, k, "C = 0.5 C + 1.5 A B");
                }
            }
}

TEST(Multiply, LowerPartLeavesTheUpperHalfAlone) {
    std::mt19937_64 rng(5);
    for (Index m : {1, 5, 24, 25, 40, 150, 301})
        for (Index n : {1, 8, 9, 33, 150, 301})
            for (Index k : {1, 32, 300}) {
                const MatrixXd a = random_matrix(m, k, rng), b = random_matrix(n, k, rng);
                const double nan = std::numeric_limits<double>::quiet_NaN();
                MatrixXd c = random_matrix(m, n, rng);
                MatrixXd want = c - a * b.transpose();
                const MatrixXd magnitude = c.cwiseAbs() + a.cwiseAbs() * b.cwiseAbs().transpose();
                for (Index j = 0; j < n; ++j)
                    for (Index i = 0; i < std::min(j, m); ++i) c(i, j) = want(i, j) = nan;  // never read, never written
                multiply(c, -1.0, plain(a), transposed(b), k, 1.0, Part::lower);
                for (Index j = 0; j < n; ++j)
                    for (Index i = 0; i < m; ++i) {
                        if (i < j) {
                            ASSERT_TRUE(std::isnan(c(i, j))) << "wrote above the diagonal at " << i << ", " << j;
                        } else {
                            ASSERT_LE(std::abs(c(i, j) - want(i, j)), 4.0 * double(k + 2) * 2.2e-16 * magnitude(i, j))
                                << m << " x " << n << " x " << k << " at " << i << ", " << j;
                        }
                    }
            }
}

TEST(Multiply, BetaZeroNeverReadsC_AndKZeroScales) {
    std::mt19937_64 rng(7);
    const MatrixXd a = random_matrix(30, 20, rng), b = random_matrix(20, 17, rng);
    MatrixXd c = MatrixXd::Constant(30, 17, std::numeric_limits<double>::quiet_NaN());
    multiply(c, 2.0, plain(a), plain(b), 20, 0.0);
    EXPECT_LE((c - 2.0 * a * b).cwiseAbs().maxCoeff(), 1e-13);
    MatrixXd d = MatrixXd::Constant(30, 17, 3.0);
    multiply(d, 2.0, plain(a), plain(b), 0, 0.5);
    EXPECT_EQ(d, MatrixXd::Constant(30, 17, 1.5));
    multiply(d, 2.0, plain(a), plain(b), 0, 0.0);
    EXPECT_EQ(d, MatrixXd::Zero(30, 17));
}

TEST(Multiply, BlocksOfLargerMatricesAndTheSameNumbersWhateverTheTiling) {
    std::mt19937_64 rng(11);
    const MatrixXd big_a = random_matrix(320, 280, rng), big_b = random_matrix(280, 330, rng);
    MatrixXd big_c = random_matrix(330, 340, rng);
    const auto a = big_a.block(3, 5, 200, 270);
    const auto b = big_b.block(7, 2, 270, 310);
    auto c = big_c.block(11, 13, 200, 310);
    const MatrixXd want = c - a * b;
    multiply(c, -1.0, plain(a), plain(b), 270, 1.0);
    EXPECT_LE((MatrixXd(c) - want).cwiseAbs().maxCoeff(), 1e-12);
    // Each element's sum does not depend on where it falls in the tiles: a sub-block computed alone
    // equals the same elements of the whole product, bit for bit.
    MatrixXd whole(200, 310), part(37, 45);
    multiply(whole, 1.0, plain(a), plain(b), 270, 0.0);
    multiply(part, 1.0, plain(a.middleRows(50, 37)), plain(b.middleCols(101, 45)), 270, 0.0);
    EXPECT_EQ(part, whole.block(50, 101, 37, 45));
    MatrixXd lower = MatrixXd::Zero(200, 200);
    multiply(lower, 1.0, plain(a), plain(b.leftCols(200)), 270, 0.0, Part::lower);
    for (Index j = 0; j < 200; ++j)
        for (Index i = j; i < 200; ++i) ASSERT_EQ(lower(i, j), whole(i, j));
}

}  // namespace
