#pragma once
// Reading a 4-D image one volume at a time, for measures that need only per-volume summaries
// (region means): memory stays at one volume instead of the whole run. A .gz file is inflated as
// a stream (zlib; about 1.3x slower than libdeflate's whole-buffer inflate, which read_image uses),
// an uncompressed one is read sequentially. The header is validated against the file first, as
// read_image does, and the values equal read_image<float>'s bit for bit.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "algia/image/grid.hpp"
#include "algia/io/nifti_header.hpp"

namespace algia::io {

class VolumeReader {
public:
    explicit VolumeReader(const std::string& path);
    ~VolumeReader();
    VolumeReader(const VolumeReader&) = delete;
    VolumeReader& operator=(const VolumeReader&) = delete;

    const ImageHeader& header() const noexcept { return header_; }
    const image::Grid& grid() const noexcept { return grid_; }
    std::int64_t volumes() const noexcept { return header_.volumes(); }
    std::int64_t voxels() const noexcept { return header_.voxels_3d(); }
    std::int64_t next_index() const noexcept { return next_; }

    // Reads the next volume into `out` (voxels() floats, x fastest). False after the last volume.
    bool next(std::span<float> out);

private:
    struct Source;
    std::string path_;
    ImageHeader header_;
    image::Grid grid_;
    std::int64_t next_ = 0;
    std::vector<std::byte> raw_;
    std::unique_ptr<Source> source_;
};

}  // namespace algia::io
