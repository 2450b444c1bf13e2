#pragma once
// Reading NIfTI-1/NIfTI-2 (.nii, .nii.gz, .hdr/.img pairs) and Analyze 7.5 (.hdr/.img, .img.gz)
// into float32 or float64 images, and writing float32 NIfTI-1.
//
// Every size the header claims is checked against the file before anything is allocated: an
// uncompressed file must hold vox_offset + the data; a compressed one must be able to (deflate
// expands at most ~1032:1). Scaling (scl_slope/scl_inter; 0 or NaN slope = none), byte order,
// and the affine follow nibabel 5, so that algia and nibabel agree on every file.

#include <cstdint>
#include <span>
#include <string>

#include "algia/image/image.hpp"
#include "algia/io/nifti_header.hpp"

namespace algia {
class Context;
}

namespace algia::io {

// The files that make up one image on disk.
struct ImagePaths {
    std::string header;   // .nii(.gz) or .hdr(.gz)
    std::string data;     // same as header for single files, else the .img(.gz)
    bool two_files = false;
};

// Resolves a user-given path (.nii, .nii.gz, .hdr, .img, .hdr.gz, .img.gz) to its file(s); errors
// name the missing partner file.
ImagePaths resolve_image_paths(const std::string& path);

// True if the path names a file algia reads as an image (by extension).
bool looks_like_image_path(const std::string& path);

// Header only (fast: a few hundred bytes are decompressed), validated against the file size.
ImageHeader read_header(const std::string& path);

// Header and data. T is float or double.
template <class T>
image::Image<T> read_image(const std::string& path, const Context& ctx, ImageHeader* header_out = nullptr);

// Same, from bytes already in memory (used by tests and the fuzzer). `data_bytes` is empty for a
// single-file image. Either buffer may be gzip-compressed.
template <class T>
image::Image<T> read_image_from_memory(std::span<const std::byte> header_bytes,
                                       std::span<const std::byte> data_bytes, const std::string& name,
                                       const Context& ctx, ImageHeader* header_out = nullptr);

// Converts n voxels of raw image bytes (the header's datatype, byte order and scaling) to float, as
// read_image does.
void convert_voxels(const ImageHeader& h, const std::byte* raw, float* out, std::size_t n);

struct WriteOptions {
    std::string descrip = "algia";
    int xform_code = 1;          // 1 scanner, 2 aligned, 3 Talairach, 4 MNI, 5 template
    int gzip_level = 4;
};

// Writes float32 NIfTI-1, gzip-compressed if the path ends in .gz, atomically (temp + rename).
void write_nifti(const std::string& path, const image::Image<float>& img, const Context& ctx,
                 const WriteOptions& options = {});

}  // namespace algia::io
