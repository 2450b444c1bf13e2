#pragma once
// Fresh memory on the virtual machines algia is measured on costs a page fault per 4 KB on first
// touch (5-25 us each). prefault() maps the whole pages of a buffer that is about to be written in
// one system call (Linux's MADV_POPULATE_WRITE, about 25 times cheaper than faulting them one by
// one); elsewhere, or on kernels before 5.14, it does nothing and the pages fault as usual.

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace algia {

void prefault(void* data, std::size_t bytes) noexcept;

template <typename Dense>
void prefault(Dense& m) noexcept {
    prefault(static_cast<void*>(m.data()), std::size_t(m.size()) * sizeof(typename Dense::Scalar));
}

// Room for large buffers: a mapping advised to use 2 MB pages (Linux's transparent huge pages, in
// their default "madvise" mode), so that 40 MB is mapped by 20 faults instead of 10,000 (2.3 ms
// against 130 ms for 4 KB pages, and 41 ms populated, measured on the virtual machine algia is
// benchmarked on). Below 2 MB, elsewhere, or when the mapping fails: ordinary memory. 64-byte aligned.
std::shared_ptr<std::byte[]> huge_page_bytes(std::size_t n);

// Scratch of one computation carved from huge_page_bytes blocks (at least 1 MB each), all freed
// with the arena. take() is thread-safe; the doubles it returns are uninitialized, 64-byte aligned.
// Pages are left to fault on first touch (2 MB at a time), by the threads that use them.
class Arena {
public:
    explicit Arena(std::size_t doubles = 0);
    double* take(std::size_t count);

private:
    std::mutex mutex_;
    std::vector<std::shared_ptr<std::byte[]>> blocks_;
    std::size_t used_ = 0, size_ = 0;  // in the last block, in doubles
};

}  // namespace algia
