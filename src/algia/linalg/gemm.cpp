#include "algia/linalg/gemm.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <new>

#if defined(__AVX512F__) && !defined(ALGIA_GEMM_PORTABLE)
#define ALGIA_GEMM_AVX512 1
#define ALGIA_GEMM_SIMD 1
#include <immintrin.h>
#elif defined(__AVX2__) && defined(__FMA__) && !defined(ALGIA_GEMM_PORTABLE)
#define ALGIA_GEMM_AVX2 1
#define ALGIA_GEMM_SIMD 1
#include <immintrin.h>
#endif

namespace algia::linalg {

using Eigen::Index;

namespace {

// The vector operations of the kernel, and its tile: 3 vectors of rows by nr columns, so that the
// accumulators, three vectors of A and one broadcast of B fill the registers (AVX-512: 24 of 32;
// AVX2: 12 + 4 of 16).
#if defined(ALGIA_GEMM_AVX512)
struct Simd {
    using V = __m512d;
    static constexpr Index width = 8;
    static V zero() { return _mm512_setzero_pd(); }
    static V broadcast(double x) { return _mm512_set1_pd(x); }
    static V load(const double* p) { return _mm512_load_pd(p); }
    static V loadu(const double* p) { return _mm512_loadu_pd(p); }
    static void store(double* p, V v) { _mm512_store_pd(p, v); }
    static void storeu(double* p, V v) { _mm512_storeu_pd(p, v); }
    static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
    static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
};
constexpr Index mr = 3 * Simd::width, nr = 8;
#elif defined(ALGIA_GEMM_AVX2)
struct Simd {
    using V = __m256d;
    static constexpr Index width = 4;
    static V zero() { return _mm256_setzero_pd(); }
    static V broadcast(double x) { return _mm256_set1_pd(x); }
    static V load(const double* p) { return _mm256_load_pd(p); }
    static V loadu(const double* p) { return _mm256_loadu_pd(p); }
    static void store(double* p, V v) { _mm256_store_pd(p, v); }
    static void storeu(double* p, V v) { _mm256_storeu_pd(p, v); }
    static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
    static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
};
constexpr Index mr = 3 * Simd::width, nr = 4;
#else
constexpr Index mr = 8, nr = 4;
#endif
// Panel sizes: a kc x nr micro-panel of B (16 KB) stays in L1 while the mc x kc block of A (288 KB)
// streams from L2; B's kc x nc panel is read from L3.
constexpr Index kc_max = 256, mc_max = 6 * mr, nc_max = 2048;

// The packing buffers of this thread, allocated once (aligned for the kernel's loads).
struct Buffers {
    struct Free {
        void operator()(double* p) const { ::operator delete[](p, std::align_val_t(64)); }
    };
    std::unique_ptr<double[], Free> a, b;
    Buffers()
        : a(static_cast<double*>(::operator new[](sizeof(double) * mc_max * kc_max, std::align_val_t(64)))),
          b(static_cast<double*>(::operator new[](sizeof(double) * kc_max * nc_max, std::align_val_t(64)))) {}
};

Buffers& buffers() {
    thread_local Buffers b;
    return b;
}

#if defined(ALGIA_GEMM_AVX512)
// The 8 x 8 block at s (rows ld apart) transposed to d (rows ld_out apart).
inline void transpose8(const double* s, Index ld, double* d, Index ld_out) {
    __m512d r[8];
    for (int q = 0; q < 8; ++q) r[q] = _mm512_loadu_pd(s + q * ld);
    const __m512d t0 = _mm512_unpacklo_pd(r[0], r[1]), t1 = _mm512_unpackhi_pd(r[0], r[1]);
    const __m512d t2 = _mm512_unpacklo_pd(r[2], r[3]), t3 = _mm512_unpackhi_pd(r[2], r[3]);
    const __m512d t4 = _mm512_unpacklo_pd(r[4], r[5]), t5 = _mm512_unpackhi_pd(r[4], r[5]);
    const __m512d t6 = _mm512_unpacklo_pd(r[6], r[7]), t7 = _mm512_unpackhi_pd(r[6], r[7]);
    // 128-bit lanes: 0x88 takes lanes 0 and 2 of each source, 0xdd lanes 1 and 3.
    const __m512d u0 = _mm512_shuffle_f64x2(t0, t2, 0x88), u1 = _mm512_shuffle_f64x2(t0, t2, 0xdd);
    const __m512d u2 = _mm512_shuffle_f64x2(t1, t3, 0x88), u3 = _mm512_shuffle_f64x2(t1, t3, 0xdd);
    const __m512d v0 = _mm512_shuffle_f64x2(t4, t6, 0x88), v1 = _mm512_shuffle_f64x2(t4, t6, 0xdd);
    const __m512d v2 = _mm512_shuffle_f64x2(t5, t7, 0x88), v3 = _mm512_shuffle_f64x2(t5, t7, 0xdd);
    _mm512_storeu_pd(d + 0 * ld_out, _mm512_shuffle_f64x2(u0, v0, 0x88));
    _mm512_storeu_pd(d + 1 * ld_out, _mm512_shuffle_f64x2(u2, v2, 0x88));
    _mm512_storeu_pd(d + 2 * ld_out, _mm512_shuffle_f64x2(u1, v1, 0x88));
    _mm512_storeu_pd(d + 3 * ld_out, _mm512_shuffle_f64x2(u3, v3, 0x88));
    _mm512_storeu_pd(d + 4 * ld_out, _mm512_shuffle_f64x2(u0, v0, 0xdd));
    _mm512_storeu_pd(d + 5 * ld_out, _mm512_shuffle_f64x2(u2, v2, 0xdd));
    _mm512_storeu_pd(d + 6 * ld_out, _mm512_shuffle_f64x2(u1, v1, 0xdd));
    _mm512_storeu_pd(d + 7 * ld_out, _mm512_shuffle_f64x2(u3, v3, 0xdd));
}
#endif

// count x kc of `a` from (i0, p0) into micro-panels of `width` rows (zero rows pad the last): panel r
// holds element (r width + i, p) at r width kc + p width + i. A is packed as it is (width mr), B as
// its transpose (width nr).
template <Index width>
void pack(const Operand& a, Index i0, Index count, Index p0, Index kc, double* dst) {
    for (Index r = 0; r < count; r += width) {
        const Index h = std::min(width, count - r);
        double* d = dst + r * kc;
        const double* s = a.data + (i0 + r) * a.row_stride + p0 * a.col_stride;
        if (a.row_stride == 1) {  // read down the columns
            for (Index p = 0; p < kc; ++p, s += a.col_stride, d += width) {
                for (Index i = 0; i < h; ++i) d[i] = s[i];
                for (Index i = h; i < width; ++i) d[i] = 0.0;
            }
        } else {  // read along the rows
            Index i = 0;
#if defined(ALGIA_GEMM_AVX512)
            if (a.col_stride == 1)  // 8 x 8 blocks transposed in registers
                for (; i + 8 <= h; i += 8) {
                    Index p = 0;
                    for (; p + 8 <= kc; p += 8) transpose8(s + i * a.row_stride + p, a.row_stride, d + p * width + i, width);
                    for (; p < kc; ++p)
                        for (Index q = i; q < i + 8; ++q) d[p * width + q] = s[q * a.row_stride + p];
                }
#endif
            for (; i < h; ++i)
                for (Index p = 0; p < kc; ++p) d[p * width + i] = s[i * a.row_stride + p * a.col_stride];
            for (i = h; i < width; ++i)
                for (Index p = 0; p < kc; ++p) d[p * width + i] = 0.0;
        }
    }
}

// How a tile's sums meet C: the first panel of k applies beta (C not read when beta == 0), the
// later panels add.
struct Update {
    double alpha, beta;
    bool first;
    double apply(double c, double sum) const {  // the same roundings as the avx512 kernel's stores
        if (!first) return std::fma(alpha, sum, c);
        return beta == 0.0 ? alpha * sum : std::fma(alpha, sum, beta * c);
    }
};

// Stores an mr x nr tile of sums (column-major in `t`) into the rows x cols corner of C at c,
// skipping the elements above C's diagonal when `lower` (the tile's top-left element is C(gi, gj)).
void store_partial(const double* t, double* c, Index ldc, Index rows, Index cols, bool lower, Index gi, Index gj,
                   const Update& u) {
    for (Index j = 0; j < cols; ++j) {
        const Index first_row = lower ? std::max<Index>(0, gj + j - gi) : 0;
        for (Index i = first_row; i < rows; ++i) c[i + j * ldc] = u.apply(c[i + j * ldc], t[i + j * mr]);
    }
}

#if defined(ALGIA_GEMM_SIMD)

// The sums of one mr x kc micro-panel of A times one kc x nr micro-panel of B. Full tiles go
// straight into C; others through `t`.
void kernel(Index kc, const double* __restrict a, const double* __restrict b, double* c, Index ldc, bool full,
            double* __restrict t, const Update& u) {
    using V = Simd::V;
    constexpr Index w = Simd::width;
    V c0[nr], c1[nr], c2[nr];
    for (Index j = 0; j < nr; ++j) c0[j] = c1[j] = c2[j] = Simd::zero();
    for (Index p = 0; p < kc; ++p, a += mr, b += nr) {
        const V a0 = Simd::load(a), a1 = Simd::load(a + w), a2 = Simd::load(a + 2 * w);
#pragma GCC unroll 8
        for (Index j = 0; j < nr; ++j) {
            const V bj = Simd::broadcast(b[j]);
            c0[j] = Simd::fma(a0, bj, c0[j]);
            c1[j] = Simd::fma(a1, bj, c1[j]);
            c2[j] = Simd::fma(a2, bj, c2[j]);
        }
    }
    if (!full) {
        for (Index j = 0; j < nr; ++j) {
            Simd::store(t + j * mr, c0[j]);
            Simd::store(t + j * mr + w, c1[j]);
            Simd::store(t + j * mr + 2 * w, c2[j]);
        }
        return;
    }
    // C = alpha s (first panel, beta = 0), fma(alpha, s, C) (later panels, or beta = 1), or
    // fma(alpha, s, beta C): the roundings of Update::apply.
    const V alpha = Simd::broadcast(u.alpha);
    const bool assign = u.first && u.beta == 0.0, add = !u.first || u.beta == 1.0;
    const V beta = Simd::broadcast(u.beta);
    for (Index j = 0; j < nr; ++j) {
        double* cj = c + j * ldc;
        const V sums[3] = {c0[j], c1[j], c2[j]};
        for (Index q = 0; q < 3; ++q) {
            double* cq = cj + q * w;
            const V out = assign ? Simd::mul(alpha, sums[q])
                                 : Simd::fma(alpha, sums[q], add ? Simd::loadu(cq) : Simd::mul(beta, Simd::loadu(cq)));
            Simd::storeu(cq, out);
        }
    }
}

#else

void kernel(Index kc, const double* __restrict a, const double* __restrict b, double* c, Index ldc, bool full,
            double* __restrict t, const Update& u) {
    double acc[nr][mr] = {};
    for (Index p = 0; p < kc; ++p, a += mr, b += nr)
        for (Index j = 0; j < nr; ++j)
            for (Index i = 0; i < mr; ++i) acc[j][i] += a[i] * b[j];
    for (Index j = 0; j < nr; ++j)
        for (Index i = 0; i < mr; ++i) t[i + j * mr] = acc[j][i];
    if (full) store_partial(t, c, ldc, mr, nr, false, 0, 0, u);
}

#endif

}  // namespace

const char* multiply_kernel() noexcept {
#if defined(ALGIA_GEMM_AVX512)
    return "avx512 24x8";
#elif defined(ALGIA_GEMM_AVX2)
    return "avx2 12x4";
#else
    return "portable 8x4";
#endif
}

void multiply(Index m, Index n, Index k, double alpha, Operand a, Operand b, double beta, double* c, Index ldc,
              Part part) {
    if (m <= 0 || n <= 0) return;
    const bool lower = part == Part::lower;
    if (k <= 0 || alpha == 0.0) {
        for (Index j = 0; j < n; ++j)
            for (Index i = lower ? std::min(j, m) : 0; i < m; ++i) c[i + j * ldc] = beta == 0.0 ? 0.0 : beta * c[i + j * ldc];
        return;
    }
    Buffers& buf = buffers();
    alignas(64) double tile[mr * nr];
    for (Index jc = 0; jc < n; jc += nc_max) {
        const Index nc = std::min(nc_max, n - jc);
        // Rows entirely above the diagonal of these columns are skipped when only the lower half is wanted.
        const Index row_start = lower ? std::min(jc, m) : 0;
        if (row_start >= m) break;
        for (Index pc = 0; pc < k; pc += kc_max) {
            const Index kc = std::min(kc_max, k - pc);
            const Update u{alpha, beta, pc == 0};
            pack<nr>(Operand{b.data, b.col_stride, b.row_stride}, jc, nc, pc, kc, buf.b.get());
            for (Index ic = row_start; ic < m; ic += mc_max) {
                const Index mc = std::min(mc_max, m - ic);
                pack<mr>(a, ic, mc, pc, kc, buf.a.get());
                for (Index jr = 0; jr < nc; jr += nr) {
                    const Index gj = jc + jr, cols = std::min(nr, nc - jr);
                    for (Index ir = 0; ir < mc; ir += mr) {
                        const Index gi = ic + ir, rows = std::min(mr, mc - ir);
                        if (lower && gi + rows - 1 < gj) continue;  // wholly above the diagonal
                        const bool full = rows == mr && cols == nr && (!lower || gi >= gj + nr - 1);
                        double* ct = c + gi + gj * ldc;
                        kernel(kc, buf.a.get() + ir * kc, buf.b.get() + jr * kc, ct, ldc, full, tile, u);
                        if (!full) store_partial(tile, ct, ldc, rows, cols, lower, gi, gj, u);
                    }
                }
            }
        }
    }
}

}  // namespace algia::linalg
