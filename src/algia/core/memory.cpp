#include "algia/core/memory.hpp"

#include <algorithm>
#include <cstdint>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace algia {

void prefault(void* data, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    static const std::uintptr_t page = std::uintptr_t(::sysconf(_SC_PAGESIZE));
    const auto begin = (reinterpret_cast<std::uintptr_t>(data) + page - 1) / page * page;  // whole pages inside
    const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) / page * page;
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#else
    (void)data;
    (void)bytes;
#endif
}

std::shared_ptr<std::byte[]> huge_page_bytes(std::size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::size_t huge = std::size_t(2) << 20;
    if (n >= huge) {
        const std::size_t len = (n + huge - 1) / huge * huge;
        void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            ::madvise(p, len, MADV_HUGEPAGE);
            return std::shared_ptr<std::byte[]>(static_cast<std::byte*>(p), [len](std::byte* q) { ::munmap(q, len); });
        }
    }
#endif
    void* p = ::operator new[](n == 0 ? 1 : n, std::align_val_t(64));
    return std::shared_ptr<std::byte[]>(static_cast<std::byte*>(p), [](std::byte* q) {
        ::operator delete[](q, std::align_val_t(64));
    });
}

Arena::Arena(std::size_t doubles) {
    if (doubles > 0) {
        blocks_.push_back(huge_page_bytes(doubles * sizeof(double)));
        size_ = doubles;
    }
}

double* Arena::take(std::size_t count) {
    const std::size_t rounded = (count + 7) / 8 * 8;  // 64-byte steps
    std::lock_guard<std::mutex> lock(mutex_);
    if (blocks_.empty() || used_ + rounded > size_) {
        size_ = std::max(rounded, std::size_t(1) << 17);  // at least 1 MB (below 2 MB: ordinary memory)
        blocks_.push_back(huge_page_bytes(size_ * sizeof(double)));
        used_ = 0;
    }
    double* p = reinterpret_cast<double*>(blocks_.back().get()) + used_;
    used_ += rounded;
    return p;
}

}  // namespace algia
