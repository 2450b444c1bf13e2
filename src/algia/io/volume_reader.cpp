#include "algia/io/volume_reader.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <zlib.h>

#include "algia/core/error.hpp"
#include "algia/io/nifti.hpp"

namespace algia::io {

// The data file, compressed or not, positioned at the first voxel.
struct VolumeReader::Source {
    gzFile gz = nullptr;
    std::FILE* file = nullptr;
    std::string name;

    ~Source() {
        if (gz) gzclose_r(gz);
        if (file) std::fclose(file);
    }

    // Reads exactly n bytes; returns how many were read before the end of the file.
    std::size_t read(std::byte* out, std::size_t n) {
        std::size_t done = 0;
        if (file) return std::fread(out, 1, n, file);
        while (done < n) {
            const unsigned chunk = unsigned(std::min<std::size_t>(n - done, std::size_t(1) << 30));
            const int got = gzread(gz, out + done, chunk);
            if (got < 0) {
                int code = 0;
                const char* what = gzerror(gz, &code);
                throw Error(Kind::invalid_input, fmt::format("{}: the compressed data are corrupt ({})", name, what))
                    .hint("the file is damaged or truncated; copy or re-create it");
            }
            if (got == 0) break;
            done += std::size_t(got);
        }
        return done;
    }
};

namespace {

bool gzip_magic(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error(Kind::io, fmt::format("{}: cannot open the file", path)).hint("check the path and permissions");
    unsigned char m[2] = {0, 0};
    const std::size_t got = std::fread(m, 1, 2, f);
    std::fclose(f);
    return got == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

}  // namespace

VolumeReader::VolumeReader(const std::string& path) : path_(path) {
    const ImagePaths paths = resolve_image_paths(path);
    header_ = read_header(path);  // validated against the file size
    grid_.dims = {header_.dim[0], header_.dim[1], header_.dim[2]};
    grid_.affine = header_.affine;
    source_ = std::make_unique<Source>();
    source_->name = paths.data;
    const std::int64_t skip = header_.vox_offset;
    if (gzip_magic(paths.data)) {
        source_->gz = gzopen(paths.data.c_str(), "rb");
        if (!source_->gz) throw Error(Kind::io, fmt::format("{}: cannot open the file", paths.data));
        gzbuffer(source_->gz, 1u << 20);
        std::vector<std::byte> head(static_cast<std::size_t>(skip));
        if (source_->read(head.data(), head.size()) != head.size())
            throw Error(Kind::invalid_input, fmt::format("{}: ends before its image data start (byte {})", paths.data, skip))
                .hint("the file is truncated; copy or re-create it");
    } else {
        source_->file = std::fopen(paths.data.c_str(), "rb");
        if (!source_->file) throw Error(Kind::io, fmt::format("{}: cannot open the file", paths.data));
        if (std::fseek(source_->file, long(skip), SEEK_SET) != 0)
            throw Error(Kind::io, fmt::format("{}: cannot seek to the image data (byte {})", paths.data, skip));
    }
    raw_.resize(std::size_t(voxels()) * std::size_t(header_.bytes_per_voxel));
}

VolumeReader::~VolumeReader() = default;

bool VolumeReader::next(std::span<float> out) {
    if (next_ >= volumes()) return false;
    if (out.size() != std::size_t(voxels()))
        throw Error(Kind::internal, fmt::format("volume buffer of {} for {} voxels", out.size(), voxels()));
    const std::size_t got = source_->read(raw_.data(), raw_.size());
    if (got != raw_.size())
        throw Error(Kind::invalid_input,
                    fmt::format("{}: the data end inside volume {} of {} ({} of {} bytes present)", source_->name,
                                next_ + 1, volumes(), got, raw_.size()))
            .hint("the file is truncated (an incomplete download or copy?); copy or re-create it");
    convert_voxels(header_, raw_.data(), out.data(), out.size());
    ++next_;
    return true;
}

}  // namespace algia::io
