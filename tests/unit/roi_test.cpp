// algia::roi: region mean/median/sum against nilearn 0.10.3's NiftiLabelsMasker and volumes against
// numpy (tests/golden/make_roi.py -> tests/fixtures/roi/), on the real GM probability template x
// Schaefer 100/400 and Yeo 7, and on the Wager 2008 Analyze maps (another grid: the atlas resampled
// onto them, or they onto the atlas). Tolerance 1e-6 relative. Plus small synthetic cases.
#include <cmath>
#include <map>

#include "algia/image/resample.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/tsv.hpp"
#include "algia/roi/roi.hpp"
#include "test_support.hpp"

using namespace algia;

namespace {

const std::map<std::string, std::string> kAtlas = {
    {"schaefer100", "atlases/schaefer2018/Schaefer2018_100Parcels_7Networks_order_FSLMNI152_2mm.nii.gz"},
    {"schaefer400", "atlases/schaefer2018/Schaefer2018_400Parcels_7Networks_order_FSLMNI152_2mm.nii.gz"},
    {"yeo7", "atlases/yeo2011/Yeo-7_space-MNI152NLin6_res-2x2x2.nii.gz"},
};
const std::string kGM = "atlases/templates/tpl_icbm09a_GMprob_2mm.nii.gz";

// Compares every image row of a fixture with algia's values; returns the largest relative error.
double check_fixture(const std::string& fixture, const std::string& atlas_rel, roi::Stat stat, bool to_atlas = false,
                     const std::string& mask_rel = "", const image::Image<float>* override_image = nullptr) {
    Context ctx;
    const auto t = io::read_table(test::fixtures() + "/roi/" + fixture + ".tsv");
    roi::RegionDefinition def;
    def.atlas = io::read_image<float>(test::shared_data() + "/" + atlas_rel, ctx);
    def.labels = roi::atlas_labels(def.atlas, atlas_rel);
    if (!mask_rel.empty()) def.mask = io::read_image<float>(test::shared_data() + "/" + mask_rel, ctx);
    double worst = 0;
    int compared = 0;
    for (std::size_t r = 0; r < t.rows(); ++r) {
        image::Image<float> img = override_image ? *override_image
                                                 : io::read_image<float>(test::shared_data() + "/" + t.cell(r, 0), ctx);
        roi::Regions regions = to_atlas ? roi::place_regions(def, def.atlas.grid(), &img.grid(), ctx)
                                        : roi::place_regions(def, img.grid(), nullptr, ctx);
        if (!img.grid().same_as(regions.grid)) img = image::resample(img, regions.grid, image::Interp::linear, ctx);
        const Eigen::MatrixXd got = roi::region_stats(img, regions, stat);
        for (std::size_t c = 1; c < t.cols(); ++c) {
            const auto label = std::int32_t(std::stol(t.columns()[c]));
            const auto it = std::lower_bound(def.labels.begin(), def.labels.end(), label);
            EXPECT_TRUE(it != def.labels.end() && *it == label) << fixture << ": label " << label;
            if (it == def.labels.end()) continue;
            const double want = std::stod(t.cell(r, c));
            const double have = got(0, Eigen::Index(it - def.labels.begin()));
            const double rel = std::abs(have - want) / std::max(std::abs(want), 1e-9);
            worst = std::max(worst, rel);
            EXPECT_LE(rel, 1e-6) << fixture << " row " << r << " label " << label << ": " << have << " vs " << want;
            ++compared;
        }
        // nilearn drops labels with no voxel on the grid; algia keeps them as NaN (reported by the CLI).
        for (std::size_t k = 0; k < def.labels.size(); ++k)
            if (regions.voxels[k].empty()) EXPECT_TRUE(std::isnan(got(0, Eigen::Index(k))));
    }
    EXPECT_GT(compared, 0) << fixture;
    return worst;
}

}  // namespace

TEST(RoiGolden, GreyMatterTemplateMeanMedianSum) {
    ALGIA_REQUIRE_SHARED_DATA();
    for (const auto& [name, atlas] : kAtlas)
        for (auto stat : {roi::Stat::mean, roi::Stat::median, roi::Stat::sum}) {
            const double worst = check_fixture("gm_" + name + "_" + roi::stat_name(stat), atlas, stat);
            RecordProperty("gm_" + name + "_" + roi::stat_name(stat), std::to_string(worst));
        }
}

TEST(RoiGolden, GreyMatterVolumeAgainstNumpy) {
    ALGIA_REQUIRE_SHARED_DATA();
    Context ctx;
    for (const auto& [name, atlas] : kAtlas) {
        check_fixture("gm_" + name + "_volume", atlas, roi::Stat::volume);
        // A binary map (atlas > 0): volume = voxel count x voxel volume.
        auto a = io::read_image<float>(test::shared_data() + "/" + atlas, ctx);
        image::Image<float> ones(a.grid(), 1);
        for (std::int64_t v = 0; v < a.voxels(); ++v) ones.data()[v] = a.data()[v] > 0 ? 1.0f : 0.0f;
        check_fixture("count_" + name + "_volume", atlas, roi::Stat::volume, false, "", &ones);
    }
}

TEST(RoiGolden, BrainMask) {
    ALGIA_REQUIRE_SHARED_DATA();
    check_fixture("gm_schaefer400_mean_brainmask", kAtlas.at("schaefer400"), roi::Stat::mean, false,
                  "atlases/templates/tpl_icbm09a_brainmask_2mm.nii.gz");
}

TEST(RoiGolden, AnalyzeImagesOnAnotherGrid) {
    ALGIA_REQUIRE_SHARED_DATA();
    for (auto stat : {roi::Stat::mean, roi::Stat::median, roi::Stat::sum})
        check_fixture("wager_schaefer100_" + roi::stat_name(stat), kAtlas.at("schaefer100"), stat);
    // Images resampled trilinearly onto the atlas grid, voxels outside their field of view left out.
    check_fixture("wager_schaefer100_mean_to_atlas", kAtlas.at("schaefer100"), roi::Stat::mean, true);
}

namespace {
image::Grid small_grid() {
    image::Grid g;
    g.dims = {4, 3, 2};
    g.affine.diagonal() << 2.0, 2.0, 2.0, 1.0;
    return g;
}
}  // namespace

TEST(Roi, StatsOnASmallGrid) {
    Context ctx;
    const auto g = small_grid();
    roi::RegionDefinition def;
    def.atlas = image::Image<float>(g, 1);
    image::Image<float> img(g, 2);
    for (std::int64_t v = 0; v < g.voxels(); ++v) {
        def.atlas.data()[v] = float(v % 3);  // labels 0, 1, 2
        img.data()[v] = float(v);
        img.data()[v + g.voxels()] = float(2 * v);
    }
    img.data()[4] = std::nanf("");  // label 1, volume 0: counts as 0 (nilearn's ensure_finite)
    def.labels = roi::atlas_labels(def.atlas, "atlas");
    ASSERT_EQ(def.labels, (std::vector<std::int32_t>{1, 2}));
    const auto regions = roi::place_regions(def, g, nullptr, ctx);
    // label 1: voxels 1,4,7,...,22 (8 voxels); label 2: 2,5,...,23.
    ASSERT_EQ(regions.counts(), (std::vector<std::int64_t>{8, 8}));
    const auto mean = roi::region_stats(img, regions, roi::Stat::mean);
    EXPECT_DOUBLE_EQ(mean(0, 0), (1 + 7 + 10 + 13 + 16 + 19 + 22) / 8.0);
    EXPECT_DOUBLE_EQ(mean(1, 1), 2.0 * (2 + 5 + 8 + 11 + 14 + 17 + 20 + 23) / 8.0);
    const auto med = roi::region_stats(img, regions, roi::Stat::median);
    EXPECT_DOUBLE_EQ(med(0, 0), (10 + 13) / 2.0);  // 0,1,7,10 | 13,16,19,22
    EXPECT_DOUBLE_EQ(med(0, 1), (11 + 14) / 2.0);
    const auto vol = roi::region_stats(img, regions, roi::Stat::volume);
    EXPECT_DOUBLE_EQ(vol(0, 1), (2 + 5 + 8 + 11 + 14 + 17 + 20 + 23) * 8.0 / 1000.0);
    EXPECT_DOUBLE_EQ(roi::voxel_ml(g), 0.008);
}

TEST(Roi, EmptyRegionAfterMaskIsNaN) {
    Context ctx;
    const auto g = small_grid();
    roi::RegionDefinition def;
    def.atlas = image::Image<float>(g, 1);
    def.mask = image::Image<float>(g, 1);
    for (std::int64_t v = 0; v < g.voxels(); ++v) {
        def.atlas.data()[v] = v < 12 ? 1.0f : 2.0f;
        def.mask.data()[v] = v < 12 ? 1.0f : 0.0f;
    }
    def.labels = roi::atlas_labels(def.atlas, "atlas");
    const auto regions = roi::place_regions(def, g, nullptr, ctx);
    EXPECT_EQ(regions.counts(), (std::vector<std::int64_t>{12, 0}));
    image::Image<float> img(g, 1);
    for (auto& x : img.values()) x = 1.0f;
    const auto m = roi::region_stats(img, regions, roi::Stat::mean);
    EXPECT_DOUBLE_EQ(m(0, 0), 1.0);
    EXPECT_TRUE(std::isnan(m(0, 1)));
}

TEST(Roi, SpheresAndBadAtlases) {
    Context ctx;
    const auto g = small_grid();
    roi::RegionDefinition def;
    def.spheres = {{2.0, 2.0, 0.0, 2.0}};  // voxel (1,1,0), its 4 in-plane neighbours and (1,1,1)
    const auto regions = roi::place_regions(def, g, nullptr, ctx);
    EXPECT_EQ(regions.counts(), (std::vector<std::int64_t>{6}));
    image::Image<float> four_d(g, 2), frac(g, 1);
    for (auto& x : four_d.values()) x = 1.0f;
    for (auto& x : frac.values()) x = 0.5f;
    EXPECT_ALGIA_ERROR(roi::atlas_labels(four_d, "a4d.nii"), Kind::invalid_input, "a4d.nii: the atlas has 2 volumes");
    EXPECT_ALGIA_ERROR(roi::atlas_labels(frac, "p.nii"), Kind::invalid_input, "not a label (0.5)");
    EXPECT_ALGIA_ERROR(roi::parse_stat("max"), Kind::usage, "unknown --stat 'max'");
}
