// Symmetric eigendecomposition of whitened covariances as the tangent kind makes them (200 time
// points x 400 regions, Ledoit-Wolf-like ridge, whitened by the Cholesky factor of the group mean):
// algia's linalg::SymmetricEigen (tridiagonal divide and conquer) against Eigen's
// SelfAdjointEigenSolver (tridiagonal QR), on the same matrices. Prints the best time per matrix of
// each, the ratio, and both decompositions' residual and orthogonality.
// Usage: bench_eigen [REGIONS=400] [TIME_POINTS=200] [MATRICES=8]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include <Eigen/Dense>

#include "algia/linalg/symmetric_eigen.hpp"

namespace {

template <typename Solver>
double best_ms(Solver& solver, const std::vector<Eigen::MatrixXd>& mats, int repeats) {
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        for (const auto& m : mats) solver.compute(m);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, ms / double(mats.size()));
    }
    return best;
}

template <typename Solver>
void quality(Solver& solver, const Eigen::MatrixXd& a, double& residual, double& orthogonality) {
    solver.compute(a);
    const Eigen::MatrixXd& v = solver.eigenvectors();
    residual = (a * v - v * solver.eigenvalues().asDiagonal()).norm() / a.norm();
    orthogonality = (v.transpose() * v - Eigen::MatrixXd::Identity(a.rows(), a.cols())).norm();
}

}  // namespace

int main(int argc, char** argv) {
    const Eigen::Index p = argc > 1 ? std::atoi(argv[1]) : 400;
    const Eigen::Index t = argc > 2 ? std::atoi(argv[2]) : 200;
    const int count = argc > 3 ? std::atoi(argv[3]) : 8;
    std::mt19937 g(11);
    std::normal_distribution<double> normal;
    auto random = [&](Eigen::Index r, Eigen::Index c) {
        Eigen::MatrixXd x(r, c);
        for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = normal(g);
        return x;
    };
    const Eigen::MatrixXd mix = random(20, p);
    std::vector<Eigen::MatrixXd> covs;
    for (int s = 0; s < count; ++s) {
        Eigen::MatrixXd x = random(t, 20) * mix + 2.0 * random(t, p);
        x.rowwise() -= x.colwise().mean();
        Eigen::MatrixXd c = 0.9 * x.transpose() * x / double(t);
        c.diagonal().array() += 0.1 * c.trace() / double(p);
        covs.push_back(c);
    }
    Eigen::MatrixXd mean = Eigen::MatrixXd::Zero(p, p);
    for (const auto& c : covs) mean += c / double(count);
    const Eigen::MatrixXd f = mean.llt().matrixL().solve(Eigen::MatrixXd::Identity(p, p));
    std::vector<Eigen::MatrixXd> whitened;
    for (const auto& c : covs) {
        Eigen::MatrixXd w = f * c * f.transpose();
        whitened.push_back(0.5 * (w + w.transpose()));
    }
    algia::linalg::SymmetricEigen ours(p);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(p);
    const double ms_ours = best_ms(ours, whitened, 5), ms_eigen = best_ms(eigen, whitened, 5);
    double r_ours, o_ours, r_eigen, o_eigen;
    quality(ours, whitened[0], r_ours, o_ours);
    quality(eigen, whitened[0], r_eigen, o_eigen);
    std::printf("symmetric eigendecomposition, %d whitened covariances %ld x %ld (%ld time points), one thread\n", count,
                long(p), long(p), long(t));
    std::printf("  Eigen SelfAdjointEigenSolver  %7.2f ms   residual %.1e  orthogonality %.1e\n", ms_eigen, r_eigen, o_eigen);
    std::printf("  algia linalg::SymmetricEigen  %7.2f ms   residual %.1e  orthogonality %.1e\n", ms_ours, r_ours, o_ours);
    std::printf("  ratio %.2fx\n", ms_eigen / ms_ours);
}
