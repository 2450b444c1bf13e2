// core/memory.hpp: huge_page_bytes and Arena hand out aligned, writable, non-overlapping memory,
// small and large, from any thread.
#include "algia/core/memory.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace {

bool aligned64(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }

TEST(HugePageBytes, AlignedAndWritableSmallAndLarge) {
    for (std::size_t n : {std::size_t(0), std::size_t(100), std::size_t(3) << 20, (std::size_t(5) << 20) + 7}) {
        auto b = algia::huge_page_bytes(n);
        ASSERT_TRUE(b);
        EXPECT_TRUE(aligned64(b.get())) << n;
        for (std::size_t i = 0; i < n; i += 4096) b[i] = std::byte(1);
        if (n > 0) b[n - 1] = std::byte(2);
    }
}

TEST(Arena, BlocksAreAlignedDistinctAndGrowFromAnyThread) {
    algia::Arena arena(1000);
    std::vector<std::pair<double*, std::size_t>> taken;
    std::mutex m;
    auto work = [&](int seed) {
        for (int k = 0; k < 50; ++k) {
            const std::size_t count = std::size_t(1 + (seed * 131 + k * 977) % 70000);  // some beyond a block
            double* p = arena.take(count);
            EXPECT_TRUE(aligned64(p));
            for (std::size_t i = 0; i < count; ++i) p[i] = double(seed);
            std::lock_guard<std::mutex> lock(m);
            taken.emplace_back(p, count);
        }
    };
    std::vector<std::thread> threads;
    for (int s = 0; s < 4; ++s) threads.emplace_back(work, s);
    for (auto& t : threads) t.join();
    std::sort(taken.begin(), taken.end());
    for (std::size_t i = 1; i < taken.size(); ++i)
        EXPECT_LE(taken[i - 1].first + taken[i - 1].second, taken[i].first) << "overlap";
    // Each thread's values survived the others' writes.
    for (const auto& [p, count] : taken) EXPECT_EQ(p[0], p[count - 1]);
}

}  // namespace
