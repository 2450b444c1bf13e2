// connectivity::connectivity does not depend on the thread count: on a group larger than the
// column blocks (32) and the participant grain, with series both shorter than the region count (the
// tangent kind whitens those from their factors) and longer, every kind gives bit-identical
// matrices and group mean on 1, 2 and 3 threads, from column-major and C-ordered inputs alike.
// Agreement with nilearn is tests/unit/nilearn_golden_test.cpp.
#include "algia/connectivity/connectivity.hpp"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "algia/core/context.hpp"

using namespace algia;

namespace {

std::vector<Eigen::MatrixXd> group(int subjects, Eigen::Index regions, std::mt19937& g) {
    std::normal_distribution<double> normal;
    auto random = [&](Eigen::Index r, Eigen::Index c) {
        Eigen::MatrixXd m(r, c);
        for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(g);
        return m;
    };
    const Eigen::MatrixXd mix = random(8, regions);
    std::vector<Eigen::MatrixXd> out;
    for (int s = 0; s < subjects; ++s) {
        const Eigen::Index t = s % 2 == 0 ? 60 : 150;  // fewer and more time points than regions
        out.push_back(random(t, 8) * mix + 2.0 * random(t, regions));
    }
    return out;
}

bool identical(const Eigen::Ref<const Eigen::MatrixXd>& a, const Eigen::Ref<const Eigen::MatrixXd>& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::memcmp(a.data(), b.data(), std::size_t(a.size()) * sizeof(double)) == 0;
}

}  // namespace

TEST(Connectivity, SameNumbersOnAnyThreadCountAndStorageOrder) {
    std::mt19937 g(3);
    const auto series = group(9, 90, g);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < series.size(); ++i) names.push_back("s" + std::to_string(i));
    using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    std::vector<RowMajor> c_ordered(series.begin(), series.end());
    std::vector<connectivity::SeriesView> views;
    for (const auto& m : c_ordered) views.push_back(connectivity::row_major_view(m.data(), m.rows(), m.cols()));
    for (auto kind : {connectivity::Kind::covariance, connectivity::Kind::correlation, connectivity::Kind::partial_correlation,
                      connectivity::Kind::precision, connectivity::Kind::tangent}) {
        SCOPED_TRACE(connectivity::kind_name(kind));
        Context one;
        one.set_threads(1);
        const auto reference = connectivity::connectivity(series, kind, connectivity::Estimator::ledoit_wolf, names, one);
        for (int threads : {2, 3}) {
            SCOPED_TRACE(threads);
            Context ctx;
            ctx.set_threads(threads);
            const auto res = connectivity::connectivity(series, kind, connectivity::Estimator::ledoit_wolf, names, ctx);
            std::vector<double> room;
            const auto from_c = connectivity::connectivity(views, kind, connectivity::Estimator::ledoit_wolf, names,
                                                           [&room](std::size_t count) {
                                                               room.resize(count);
                                                               return room.data();
                                                           },
                                                           ctx);
            for (std::size_t i = 0; i < series.size(); ++i) {
                EXPECT_TRUE(identical(res.matrices[i], reference.matrices[i])) << "participant " << i;
                EXPECT_TRUE(identical(from_c.matrices[i], reference.matrices[i])) << "participant " << i << ", C order";
            }
            EXPECT_TRUE(identical(res.mean, reference.mean));
            EXPECT_TRUE(identical(from_c.mean, reference.mean));
        }
    }
}
