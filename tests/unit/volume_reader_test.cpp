// Reading a run volume by volume equals reading it whole, bit for bit, for compressed and plain
// NIfTI, Analyze pairs, int16 and float data; truncated files give a clear error at the volume
// that is cut; the streamed label means equal the in-memory ones.

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "algia/core/context.hpp"
#include "algia/core/error.hpp"
#include "algia/io/nifti.hpp"
#include "algia/io/volume_reader.hpp"
#include "algia/signal/regions.hpp"
#include "test_support.hpp"

namespace algia::io {
namespace {

void expect_same_as_whole(const std::string& path) {
    const Context ctx;
    const auto whole = read_image<float>(path, ctx);
    VolumeReader r(path);
    ASSERT_EQ(r.volumes(), whole.volumes()) << path;
    ASSERT_TRUE(r.grid().same_as(whole.grid())) << path;
    std::vector<float> vol(std::size_t(r.voxels()));
    std::int64_t t = 0;
    while (r.next(vol)) {
        ASSERT_EQ(std::memcmp(vol.data(), whole.data() + t * r.voxels(), vol.size() * sizeof(float)), 0)
            << path << " volume " << t;
        ++t;
    }
    EXPECT_EQ(t, whole.volumes());
    EXPECT_FALSE(r.next(vol));
}

TEST(VolumeReader, EqualsWholeReadOnRealImages) {
    ALGIA_REQUIRE_SHARED_DATA();
    const std::string d = test::shared_data();
    expect_same_as_whole(d + "/fmri/nipy/functional.nii.gz");
    expect_same_as_whole(d + "/fmri/haxby2001_pymvpa/haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz");
    expect_same_as_whole(d + "/contrast_maps/wager2008_emoreg_canlab/con_00810001.img");
}

TEST(VolumeReader, EqualsWholeReadUncompressedFloat) {
    test::TempDir tmp;
    const Context ctx;
    image::Grid g;
    g.dims = {4, 3, 2};
    image::Image<float> img(g, 5);
    for (std::int64_t i = 0; i < g.voxels() * 5; ++i) img.data()[i] = float(i) * 0.25f - 3;
    write_nifti(tmp.path("a.nii"), img, ctx);
    write_nifti(tmp.path("a.nii.gz"), img, ctx);
    expect_same_as_whole(tmp.path("a.nii"));
    expect_same_as_whole(tmp.path("a.nii.gz"));
}

TEST(VolumeReader, TruncatedFileNamesTheVolume) {
    test::TempDir tmp;
    const Context ctx;
    image::Grid g;
    g.dims = {8, 8, 8};
    image::Image<float> img(g, 6);
    std::uint32_t x = 12345;
    for (std::int64_t i = 0; i < g.voxels() * 6; ++i) {
        x = x * 1664525u + 1013904223u;  // values that do not compress away
        img.data()[i] = float(x >> 8);
    }
    write_nifti(tmp.path("a.nii"), img, ctx);
    write_nifti(tmp.path("a.nii.gz"), img, ctx);
    // Uncompressed: the header is checked against the file size before anything is read.
    const std::string plain = test::read_bytes(tmp.path("a.nii"));
    test::write_bytes(tmp.path("cut.nii"), plain.substr(0, 352 + 3 * 512 * 4 + 100));
    EXPECT_THROW(VolumeReader(tmp.path("cut.nii")), Error);
    // Compressed: the size is only known by inflating, so the stream stops inside a volume and
    // the error names the file; the volumes before it were read.
    const std::string gz = test::read_bytes(tmp.path("a.nii.gz"));
    test::write_bytes(tmp.path("cut.nii.gz"), gz.substr(0, gz.size() * 6 / 10));
    VolumeReader r(tmp.path("cut.nii.gz"));
    std::vector<float> vol(std::size_t(r.voxels()));
    int read = 0;
    try {
        while (r.next(vol)) ++read;
        FAIL() << "a truncated stream was read to the end";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cut.nii.gz"), std::string::npos) << e.what();
    }
    EXPECT_GE(read, 2);
    EXPECT_LE(read, 4);
}

TEST(VolumeReader, StreamedLabelMeansEqualInMemory) {
    ALGIA_REQUIRE_SHARED_DATA();
    const Context ctx;
    const std::string d = test::shared_data() + "/fmri/haxby2001_pymvpa/haxby2001/sub001/";
    const std::string bold = d + "BOLD/task001_run001/bold_25mm.nii.gz";
    const auto img = read_image<float>(bold, ctx);
    // A label image on the BOLD grid: slabs along x.
    image::Image<float> atlas(img.grid(), 1);
    for (std::int64_t v = 0; v < img.grid().voxels(); ++v) atlas.data()[v] = float(v % img.grid().dims[0] / 2 + 1);
    const auto mask = read_image<float>(d + "masks/25mm/brain.nii.gz", ctx);
    const auto a = signal::label_signals(img, atlas, mask, ctx);
    VolumeReader r(bold);
    const auto b = signal::label_signals(r, atlas, mask, ctx);
    EXPECT_EQ(a.labels, b.labels);
    EXPECT_EQ(a.voxels, b.voxels);
    EXPECT_TRUE((a.signals.array() == b.signals.array()).all());
}

}  // namespace
}  // namespace algia::io
