#include "algia/io/nifti.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include <fmt/format.h>

#include "algia/core/context.hpp"
#include "algia/core/error.hpp"
#include "algia/core/parallel.hpp"
#include "algia/io/file.hpp"
#include "algia/io/gzip.hpp"

namespace algia::io {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    if (s.size() < suffix.size()) return false;
    return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(),
                      [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
}

std::string strip(const std::string& s, std::size_t n) { return s.substr(0, s.size() - n); }

template <class Raw>
Raw load_raw(const std::byte* p, bool swap) {
    Raw r;
    std::memcpy(&r, p, sizeof r);
    if (swap && sizeof(Raw) > 1) {
        auto* b = reinterpret_cast<unsigned char*>(&r);
        std::reverse(b, b + sizeof(Raw));
    }
    return r;
}

// Convert n raw voxels at src into T at dst. src and dst may overlap as long as dst <= src in
// element order (each element is loaded completely before its slot is written).
template <class Raw, class T>
void convert_block(const std::byte* src, T* dst, std::size_t n, bool swap, bool scaled, double slope,
                   double inter) {
    for (std::size_t i = 0; i < n; ++i) {
        const Raw r = load_raw<Raw>(src + i * sizeof(Raw), swap);
        if (scaled) {
            dst[i] = T(double(r) * slope + inter);
        } else {
            dst[i] = T(r);
        }
    }
}

template <class T>
void convert_dispatch(int datatype, const std::byte* src, T* dst, std::size_t n, bool swap, bool scaled,
                      double slope, double inter) {
    switch (datatype) {
        case 2: convert_block<std::uint8_t, T>(src, dst, n, swap, scaled, slope, inter); break;
        case 256: convert_block<std::int8_t, T>(src, dst, n, swap, scaled, slope, inter); break;
        case 4: convert_block<std::int16_t, T>(src, dst, n, swap, scaled, slope, inter); break;
        case 512: convert_block<std::uint16_t, T>(src, dst, n, swap, scaled, slope, inter); break;
        case 8: convert_block<std::int32_t, T>(src, dst, n, swap, scaled, slope, inter); break;
        case 768: convert_block<std::uint32_t, T>(src, dst, n, swap, scaled, slope, inter); break;
        case 1024: convert_block<std::int64_t, T>(src, dst, n, swap, scaled, slope, inter); break;
        case 1280: convert_block<std::uint64_t, T>(src, dst, n, swap, scaled, slope, inter); break;
        case 16: convert_block<float, T>(src, dst, n, swap, scaled, slope, inter); break;
        case 64: convert_block<double, T>(src, dst, n, swap, scaled, slope, inter); break;
        default: throw Error(Kind::internal, fmt::format("unhandled datatype {}", datatype));
    }
}

bool native_same_type(int datatype, std::size_t size_of_t) {
    return (datatype == 16 && size_of_t == 4) || (datatype == 64 && size_of_t == 8);
}

// The bytes of one part of an image: mapped from a file, or given in memory.
struct Part {
    std::span<const std::byte> bytes;
    std::string name;
    MappedFile* map = nullptr;
};

ImageHeader decode_part_header(const Part& part, bool two_files) {
    if (is_gzip(part.bytes)) {
        std::byte buf[540];
        const std::size_t got = gzip_inflate_prefix(part.bytes, buf, sizeof buf, part.name);
        return decode_header(std::span<const std::byte>(buf, got), part.name, two_files);
    }
    return decode_header(part.bytes, part.name, two_files);
}

// Checks that the data part can hold what the header describes; never allocates.
void check_data_size(const ImageHeader& h, const Part& data) {
    const std::uint64_t offset = std::uint64_t(h.vox_offset);
    const std::uint64_t need = offset + h.data_bytes();
    if (is_gzip(data.bytes)) {
        if (need > gzip_max_inflated_size(data.bytes.size()))
            throw Error(Kind::invalid_input,
                        fmt::format("{}: the header describes {} bytes of image data ({} voxels of {}), "
                                    "more than a {}-byte gzip file can hold",
                                    data.name, h.data_bytes(), h.total_voxels(),
                                    datatype_name(h.datatype), data.bytes.size()))
                .hint("the header is corrupt or the file is truncated; re-create the image");
        return;
    }
    if (offset > data.bytes.size())
        throw Error(Kind::invalid_input,
                    fmt::format("{}: vox_offset {} points past the end of the file ({} bytes)", data.name,
                                offset, data.bytes.size()))
            .hint("the header is corrupt or the file is truncated; re-create the image");
    if (need > data.bytes.size())
        throw Error(Kind::invalid_input,
                    fmt::format("{}: the file is shorter than its header says: {} bytes of image data "
                                "expected after byte {}, only {} present",
                                data.name, h.data_bytes(), offset, data.bytes.size() - offset))
            .hint("the file is truncated (an incomplete download or copy?); copy or re-create it");
}

template <class T>
image::Image<T> read_parts(const Part& header_part, const Part& data_part, bool two_files,
                           const Context& ctx, ImageHeader* header_out) {
    ImageHeader h = decode_part_header(header_part, two_files);
    if (!two_files && h.format == ImageFormat::analyze)
        throw Error(Kind::invalid_input, fmt::format("{}: is an Analyze header without its data", header_part.name));
    const Part& dp = two_files ? data_part : header_part;
    check_data_size(h, dp);

    const std::size_t n = std::size_t(h.total_voxels());
    const std::size_t s = std::size_t(h.bytes_per_voxel);
    const std::size_t t = sizeof(T);
    const bool gz = is_gzip(dp.bytes);
    const std::size_t prefix = gz ? std::size_t(h.vox_offset) : 0;
    const std::size_t bytes = std::max(n * t, n * s) + prefix;
    std::shared_ptr<std::byte[]> buffer;
    try {
        buffer = image::allocate_bytes(bytes);
    } catch (const std::bad_alloc&) {
        throw Error(Kind::io, fmt::format("{}: not enough memory to read {} MB of image data", dp.name,
                                          bytes >> 20))
            .hint("free memory, or process the image on a machine with more");
    }
    std::byte* base = buffer.get();
    const std::size_t raw_at = bytes - n * s;  // raw voxels always end at the end of the buffer
    if (gz) {
        gzip_inflate_exact(dp.bytes, base + raw_at - prefix, prefix + n * s, dp.name);
    } else {
        // Copy in slices, dropping the mapped pages behind us so the file is not held twice.
        const std::byte* src = dp.bytes.data() + h.vox_offset;
        constexpr std::size_t slice = std::size_t(64) << 20;
        for (std::size_t done = 0; done < n * s; done += slice) {
            const std::size_t len = std::min(slice, n * s - done);
            std::memcpy(base + raw_at + done, src + done, len);
        }
        if (dp.map) dp.map->release();
    }
    if (dp.map) dp.map->release();

    std::size_t dst_at = 0;
    if (s == t && raw_at % alignof(T) == 0) dst_at = raw_at;  // convert in place, in parallel
    T* dst = reinterpret_cast<T*>(base + dst_at);
    const std::byte* raw = base + raw_at;
    const bool identity = native_same_type(h.datatype, t) && !h.swapped && !h.scaled;
    if (!identity) {
        if (dst_at == raw_at) {
            parallel_for(ctx, n, std::size_t(1) << 20, [&](std::size_t b, std::size_t e) {
                convert_dispatch<T>(h.datatype, raw + b * s, dst + b, e - b, h.swapped, h.scaled,
                                    h.slope, h.inter);
            });
        } else {
            // Overlapping forward conversion: must run in order.
            convert_dispatch<T>(h.datatype, raw, dst, n, h.swapped, h.scaled, h.slope, h.inter);
        }
    }
    image::Grid grid;
    grid.dims = {h.dim[0], h.dim[1], h.dim[2]};
    grid.affine = h.affine;
    image::Image<T> img(grid, h.volumes(), dst, std::shared_ptr<const void>(buffer, base));
    img.set_tr(h.tr_seconds);
    if (header_out) *header_out = h;
    return img;
}

}  // namespace

bool looks_like_image_path(const std::string& path) {
    for (const char* ext : {".nii", ".nii.gz", ".hdr", ".img", ".hdr.gz", ".img.gz"})
        if (ends_with(path, ext)) return true;
    return false;
}

ImagePaths resolve_image_paths(const std::string& path) {
    ImagePaths p;
    auto require = [&](const std::string& f, const std::string& role) {
        if (!file_exists(f))
            throw Error(Kind::io, fmt::format("{}: {} not found", f, role))
                .hint(role == "image"
                          ? std::string("check the path; relative paths are taken from the current folder")
                          : fmt::format("an Analyze/NIfTI pair needs both files side by side; put the "
                                        "{} next to {}",
                                        role, path));
    };
    if (ends_with(path, ".nii") || ends_with(path, ".nii.gz")) {
        p.header = p.data = path;
        require(path, "image");
        return p;
    }
    std::string stem;
    bool gz = false;
    if (ends_with(path, ".hdr.gz") || ends_with(path, ".img.gz")) {
        stem = strip(path, 7);
        gz = true;
    } else if (ends_with(path, ".hdr") || ends_with(path, ".img")) {
        stem = strip(path, 4);
    } else {
        throw Error(Kind::usage, fmt::format("{}: is not an image file name", path))
            .hint("algia reads NIfTI (.nii, .nii.gz) and Analyze/NIfTI pairs (.hdr with .img, "
                  "optionally .gz)");
    }
    // Keep the user's case for the extension they gave.
    const std::string given_ext = path.substr(stem.size(), 4);
    const bool upper = given_ext == ".HDR" || given_ext == ".IMG";
    p.two_files = true;
    p.header = stem + (upper ? ".HDR" : ".hdr") + (gz ? ".gz" : "");
    p.data = stem + (upper ? ".IMG" : ".img") + (gz ? ".gz" : "");
    require(path, "image");
    if (!file_exists(p.header) && file_exists(stem + ".hdr" + std::string(gz ? "" : ".gz")))
        p.header = stem + ".hdr" + std::string(gz ? "" : ".gz");
    if (!file_exists(p.data) && file_exists(stem + ".img" + std::string(gz ? "" : ".gz")))
        p.data = stem + ".img" + std::string(gz ? "" : ".gz");
    require(p.header, "header file (.hdr)");
    require(p.data, "data file (.img)");
    return p;
}

ImageHeader read_header(const std::string& path) {
    const ImagePaths paths = resolve_image_paths(path);
    MappedFile hf(paths.header);
    Part hp{hf.bytes(), paths.header, &hf};
    ImageHeader h = decode_part_header(hp, paths.two_files);
    if (paths.two_files) {
        MappedFile df(paths.data);
        check_data_size(h, Part{df.bytes(), paths.data, &df});
    } else {
        check_data_size(h, hp);
    }
    return h;
}

void convert_voxels(const ImageHeader& h, const std::byte* raw, float* out, std::size_t n) {
    if (native_same_type(h.datatype, sizeof(float)) && !h.swapped && !h.scaled) {
        std::memcpy(out, raw, n * sizeof(float));
        return;
    }
    convert_dispatch<float>(h.datatype, raw, out, n, h.swapped, h.scaled, h.slope, h.inter);
}

template <class T>
image::Image<T> read_image(const std::string& path, const Context& ctx, ImageHeader* header_out) {
    const ImagePaths paths = resolve_image_paths(path);
    MappedFile hf(paths.header);
    Part hp{hf.bytes(), paths.header, &hf};
    if (!paths.two_files) return read_parts<T>(hp, hp, false, ctx, header_out);
    MappedFile df(paths.data);
    Part dp{df.bytes(), paths.data, &df};
    return read_parts<T>(hp, dp, true, ctx, header_out);
}

template <class T>
image::Image<T> read_image_from_memory(std::span<const std::byte> header_bytes,
                                       std::span<const std::byte> data_bytes, const std::string& name,
                                       const Context& ctx, ImageHeader* header_out) {
    const bool two = !data_bytes.empty();
    Part hp{header_bytes, name, nullptr};
    Part dp{data_bytes, name + " (data)", nullptr};
    return read_parts<T>(hp, two ? dp : hp, two, ctx, header_out);
}

template image::Image<float> read_image<float>(const std::string&, const Context&, ImageHeader*);
template image::Image<double> read_image<double>(const std::string&, const Context&, ImageHeader*);
template image::Image<float> read_image_from_memory<float>(std::span<const std::byte>,
                                                           std::span<const std::byte>,
                                                           const std::string&, const Context&,
                                                           ImageHeader*);
template image::Image<double> read_image_from_memory<double>(std::span<const std::byte>,
                                                             std::span<const std::byte>,
                                                             const std::string&, const Context&,
                                                             ImageHeader*);

void write_nifti(const std::string& path, const image::Image<float>& img, const Context& ctx,
                 const WriteOptions& options) {
    const bool gz = ends_with(path, ".nii.gz");
    if (!gz && !ends_with(path, ".nii"))
        throw Error(Kind::usage, fmt::format("{}: output images must end in .nii or .nii.gz", path))
            .hint("name the output file with a .nii.gz extension");
    if (img.empty()) throw Error(Kind::internal, fmt::format("{}: nothing to write", path));
    const auto& g = img.grid();
    for (std::int64_t d : {g.dims[0], g.dims[1], g.dims[2], img.volumes()})
        if (d > 32767)
            throw Error(Kind::unsupported,
                        fmt::format("{}: dimension {} exceeds NIfTI-1's limit of 32767", path, d));
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c)
            if (!std::isfinite(g.affine(r, c)))
                throw Error(Kind::internal, fmt::format("{}: the affine to write is not finite", path));
    const Nifti1Disk hdr = encode_nifti1({g.dims[0], g.dims[1], g.dims[2], img.volumes()}, g.affine,
                                         img.tr(), options.descrip, options.xform_code);
    std::byte head[352] = {};
    std::memcpy(head, &hdr, sizeof hdr);
    const auto data = std::as_bytes(img.values());
    AtomicFile out(path);
    if (gz) {
        GzipOptions go;
        go.level = options.gzip_level;
        gzip_write(out, std::span<const std::byte>(head, sizeof head), ctx, go);
        gzip_write(out, data, ctx, go);
    } else {
        out.write(head, sizeof head);
        out.write(data);
    }
    out.commit();
}

}  // namespace algia::io
