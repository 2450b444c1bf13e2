// linalg::SymmetricEigen (divide and conquer on the tridiagonal matrix) against Eigen's
// SelfAdjointEigenSolver: on matrices that exercise each path of the merge (no deflation,
// deflation by small components, by close eigenvalues, everything deflated, graded and clustered
// spectra, sizes around the leaf size), eigenvalues agree with Eigen's to 40 n eps ||A|| and
// ||A V - V diag(values)|| and ||V'V - I|| stay below 40 n eps (||A|| for the residual).
// The blocked tridiagonalization (linalg::tridiagonalize) against Eigen's unblocked one: the same
// reflectors and tridiagonal matrix to 100 n eps ||A||, on sizes around its panel and crossover.
#include "algia/linalg/symmetric_eigen.hpp"
#include "algia/linalg/tridiagonal.hpp"

#include <cmath>
#include <random>
#include <string>

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include "algia/core/error.hpp"

using algia::linalg::SymmetricEigen;

namespace {

Eigen::MatrixXd random_normal(Eigen::Index rows, Eigen::Index cols, std::mt19937& g) {
    std::normal_distribution<double> normal;
    Eigen::MatrixXd x(rows, cols);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = normal(g);
    return x;
}

// Q diag(values) Q' with Q a random orthogonal matrix.
Eigen::MatrixXd with_spectrum(const Eigen::VectorXd& values, std::mt19937& g) {
    const Eigen::Index n = values.size();
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(random_normal(n, n, g));
    const Eigen::MatrixXd q = qr.householderQ();
    return q * values.asDiagonal() * q.transpose();
}

void expect_decomposes(const Eigen::MatrixXd& a, const std::string& what, SymmetricEigen& es) {
    SCOPED_TRACE(what);
    const Eigen::Index n = a.rows();
    es.compute(a);
    const Eigen::VectorXd& values = es.eigenvalues();
    const Eigen::MatrixXd& v = es.eigenvectors();
    ASSERT_EQ(values.size(), n);
    ASSERT_EQ(v.rows(), n);
    ASSERT_EQ(v.cols(), n);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> reference(a);
    const double eps = std::numeric_limits<double>::epsilon();
    const double bound = 40.0 * double(n) * eps;
    const double norm = std::max(a.stableNorm(), 1e-300);
    for (Eigen::Index i = 1; i < n; ++i) EXPECT_LE(values[i - 1], values[i]) << "ascending at " << i;
    EXPECT_LE((values - reference.eigenvalues()).cwiseAbs().maxCoeff(), bound * norm);
    EXPECT_LE((a * v - v * values.asDiagonal()).stableNorm(), bound * norm);
    EXPECT_LE((v.transpose() * v - Eigen::MatrixXd::Identity(n, n)).norm(), bound);
}

}  // namespace

TEST(SymmetricEigen, RandomMatricesAroundTheLeafSize) {
    std::mt19937 g(1);
    for (Eigen::Index n : {1, 2, 3, 24, 25, 26, 27, 49, 50, 51, 101, 257}) {
        SymmetricEigen es(n);
        const Eigen::MatrixXd x = random_normal(n, n, g);
        expect_decomposes(x + x.transpose(), "random n=" + std::to_string(n), es);
    }
}

TEST(SymmetricEigen, CovariancesOfFewerSamplesThanVariables) {
    // X'X / T + ridge: T - 1 distinct eigenvalues and p - T + 1 equal ones (deflation by close
    // eigenvalues), as the tangent kind's covariances of 200 volumes x 400 regions.
    std::mt19937 g(2);
    SymmetricEigen es;
    for (double ridge : {0.0, 0.3}) {
        const Eigen::MatrixXd x = random_normal(120, 300, g);
        Eigen::MatrixXd c = x.transpose() * x / 120.0;
        c.diagonal().array() += ridge;
        expect_decomposes(c, "low rank + " + std::to_string(ridge), es);
    }
}

TEST(SymmetricEigen, StructuredSpectra) {
    std::mt19937 g(3);
    SymmetricEigen es;
    const Eigen::Index n = 200;
    expect_decomposes(Eigen::MatrixXd::Identity(n, n), "identity (all deflated)", es);
    expect_decomposes(Eigen::MatrixXd::Zero(n, n), "zero", es);
    Eigen::MatrixXd diag = Eigen::MatrixXd::Zero(n, n);
    for (Eigen::Index i = 0; i < n; ++i) diag(i, i) = double(i % 7);
    expect_decomposes(diag, "diagonal with repeats (tridiagonal already, e = 0)", es);
    Eigen::MatrixXd wilkinson = Eigen::MatrixXd::Zero(201, 201);  // pairs of nearly equal eigenvalues
    for (Eigen::Index i = 0; i < 201; ++i) {
        wilkinson(i, i) = std::abs(100.0 - double(i));
        if (i + 1 < 201) wilkinson(i, i + 1) = wilkinson(i + 1, i) = 1.0;
    }
    expect_decomposes(wilkinson, "Wilkinson W+201", es);
    Eigen::MatrixXd glued = Eigen::MatrixXd::Zero(210, 210);  // Wilkinson blocks glued by 1e-10
    for (Eigen::Index b = 0; b < 10; ++b)
        for (Eigen::Index i = 0; i < 21; ++i) {
            const Eigen::Index r = 21 * b + i;
            glued(r, r) = std::abs(10.0 - double(i));
            if (i < 20) glued(r, r + 1) = glued(r + 1, r) = 1.0;
            else if (b < 9) glued(r, r + 1) = glued(r + 1, r) = 1e-10;
        }
    expect_decomposes(glued, "glued Wilkinson", es);
    Eigen::VectorXd graded(n), clusters(n), spread(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        graded[i] = std::pow(10.0, -12.0 * double(i) / double(n));
        clusters[i] = (i < n / 2 ? 1.0 : 2.0) + 1e-10 * double(i);
        spread[i] = i % 2 ? -std::exp(double(i) / 20.0) : std::exp(double(i) / 20.0);
    }
    expect_decomposes(with_spectrum(graded, g), "graded 1 .. 1e-12", es);
    expect_decomposes(with_spectrum(clusters, g), "two tight clusters", es);
    expect_decomposes(with_spectrum(spread, g), "both signs, 1 .. e^10", es);
    expect_decomposes(1e-200 * with_spectrum(spread, g), "tiny scale", es);
}

TEST(SymmetricEigen, ReusedAcrossSizesAndDeterministic) {
    std::mt19937 g(4);
    SymmetricEigen es(10);
    const Eigen::MatrixXd x = random_normal(150, 150, g);
    const Eigen::MatrixXd a = x + x.transpose();
    expect_decomposes(a, "150 after construction for 10", es);
    const Eigen::VectorXd values = es.eigenvalues();
    const Eigen::MatrixXd vectors = es.eigenvectors();
    expect_decomposes(a.topLeftCorner(60, 60), "60 after 150", es);
    es.compute(a);
    EXPECT_EQ(values, es.eigenvalues());  // bit-identical on repetition
    EXPECT_EQ(vectors, es.eigenvectors());
}

TEST(SymmetricEigen, NonFiniteInputIsAnError) {
    Eigen::MatrixXd a = Eigen::MatrixXd::Identity(40, 40);
    a(3, 1) = std::numeric_limits<double>::quiet_NaN();
    SymmetricEigen es;
    EXPECT_THROW(es.compute(a), algia::Error);
    a(3, 1) = std::numeric_limits<double>::infinity();
    EXPECT_THROW(es.compute(a), algia::Error);
}

TEST(Tridiagonalize, SymmetricProductReadsTheLowerHalfOnly) {
    std::mt19937 g(7);
    for (Eigen::Index m : {0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 31, 100}) {
        SCOPED_TRACE(m);
        const Eigen::MatrixXd b = random_normal(m + 3, m + 3, g);  // a leading dimension larger than m
        Eigen::MatrixXd stored = b;
        stored.triangularView<Eigen::StrictlyUpper>().setConstant(std::numeric_limits<double>::quiet_NaN());
        const Eigen::MatrixXd full = b.topLeftCorner(m, m).selfadjointView<Eigen::Lower>();
        const Eigen::VectorXd x = random_normal(m, 1, g);
        Eigen::VectorXd y = Eigen::VectorXd::Constant(m, 99.0);
        algia::linalg::symmetric_lower_times(stored.data(), stored.outerStride(), m, x.data(), y.data());
        if (m == 0) continue;
        EXPECT_LE((y - full * x).cwiseAbs().maxCoeff(), 1e-13 * std::max<double>(1, m));
    }
}

TEST(Tridiagonalize, AgreesWithEigensUnblockedReduction) {
    std::mt19937 g(5);
    algia::linalg::TridiagonalizeScratch scratch;
    for (Eigen::Index n : {1, 2, 3, 40, 64, 65, 66, 96, 97, 98, 129, 200, 301}) {
        SCOPED_TRACE(n);
        const Eigen::MatrixXd x = random_normal(n, n, g);
        const Eigen::MatrixXd a = (x + x.transpose()) / 2.0;
        Eigen::MatrixXd packed = a;
        packed.triangularView<Eigen::StrictlyUpper>().setConstant(std::numeric_limits<double>::quiet_NaN());
        Eigen::VectorXd d, e, tau;
        algia::linalg::tridiagonalize(packed, d, e, tau, scratch);
        const Eigen::Tridiagonalization<Eigen::MatrixXd> reference(a);
        const double bound = 100.0 * double(n) * std::numeric_limits<double>::epsilon() * a.norm();
        ASSERT_EQ(d.size(), n);
        ASSERT_EQ(e.size(), n - 1);
        EXPECT_LE((d - reference.diagonal()).cwiseAbs().maxCoeff(), bound);
        if (n < 2) continue;
        EXPECT_LE((e - reference.subDiagonal()).cwiseAbs().maxCoeff(), bound);
        EXPECT_LE((tau - reference.householderCoefficients()).cwiseAbs().maxCoeff(), bound);
        for (Eigen::Index j = 0; j + 2 < n; ++j)
            EXPECT_LE((packed.col(j).tail(n - j - 2) - reference.packedMatrix().col(j).tail(n - j - 2)).cwiseAbs().maxCoeff(), bound)
                << "reflector " << j;
        // Q' A Q is the tridiagonal matrix (Q from the reflectors as Eigen forms it).
        Eigen::MatrixXd t = Eigen::MatrixXd::Zero(n, n);
        t.diagonal() = d;
        t.diagonal(-1) = e;
        t.diagonal(1) = e;
        Eigen::Tridiagonalization<Eigen::MatrixXd> ours(n);
        const Eigen::HouseholderSequence<Eigen::MatrixXd, Eigen::VectorXd> q =
            Eigen::HouseholderSequence<Eigen::MatrixXd, Eigen::VectorXd>(packed, tau).setLength(n - 1).setShift(1);
        const Eigen::MatrixXd qm = q;
        EXPECT_LE((qm.transpose() * a * qm - t).norm(), bound);
    }
}
