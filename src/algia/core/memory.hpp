#pragma once
// Fresh memory on the virtual machines algia is measured on costs a page fault per 4 KB on first
// touch (5-25 us each). prefault() maps the whole pages of a buffer that is about to be written in
// one system call (Linux's MADV_POPULATE_WRITE, about 25 times cheaper than faulting them one by
// one); elsewhere, or on kernels before 5.14, it does nothing and the pages fault as usual.

#include <cstddef>

namespace algia {

void prefault(void* data, std::size_t bytes) noexcept;

template <typename Dense>
void prefault(Dense& m) noexcept {
    prefault(static_cast<void*>(m.data()), std::size_t(m.size()) * sizeof(typename Dense::Scalar));
}

}  // namespace algia
