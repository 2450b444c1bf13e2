// A header that lies about its size must be refused before any allocation of that size. This
// binary replaces the global operator new, and mmap (image buffers from 1 MB on are mapped), to
// record the largest single request.

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "algia/core/context.hpp"
#include "algia/core/error.hpp"
#include "algia/image/image.hpp"
#include "algia/io/gzip.hpp"
#include "algia/io/nifti.hpp"
#include "test_support.hpp"

namespace {
std::atomic<std::size_t> g_largest{0};
void note(std::size_t n) {
    std::size_t cur = g_largest.load();
    while (n > cur && !g_largest.compare_exchange_weak(cur, n)) {
    }
}
}  // namespace

extern "C" void* mmap(void* addr, std::size_t n, int prot, int flags, int fd, off_t offset) {
    note(n);
    return reinterpret_cast<void*>(::syscall(SYS_mmap, addr, n, prot, flags, fd, offset));
}

void* operator new(std::size_t n) {
    note(n);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
    note(n);
    void* p = nullptr;
    if (posix_memalign(&p, std::max<std::size_t>(std::size_t(a), sizeof(void*)), n ? n : 1) == 0) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace algia;

// The guard sees the mapped image buffers too (so the next test can fail).
TEST(AllocGuard, SeesMappedImageBuffers) {
    g_largest = 0;
    const auto bytes = image::allocate_bytes(std::size_t(8) << 20);
    EXPECT_GE(g_largest.load(), std::size_t(8) << 20);
}

TEST(AllocGuard, TrillionVoxelHeaderIsRefusedBeforeAllocating) {
    Context ctx;
    ctx.set_threads(1);
    io::Nifti1Disk d = io::encode_nifti1({10, 10, 10, 1}, Eigen::Matrix4d::Identity(), 0, "", 1);
    d.dim[0] = 4;
    d.dim[1] = d.dim[2] = d.dim[3] = 10000;
    d.dim[4] = 1000;  // 10^15 voxels claimed
    std::string file(352 + 4000, '\0');
    std::memcpy(file.data(), &d, sizeof d);
    const std::span<const std::byte> plain(reinterpret_cast<const std::byte*>(file.data()), file.size());
    const auto gz = io::gzip_compress(plain, ctx);
    for (auto bytes : {plain, std::span<const std::byte>(gz)}) {
        g_largest = 0;
        EXPECT_THROW(io::read_image_from_memory<float>(bytes, {}, "liar.nii", ctx), Error);
        EXPECT_LT(g_largest.load(), std::size_t(1) << 20) << "largest allocation " << g_largest.load();
    }
}
