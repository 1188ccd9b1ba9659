// kernels_x8_avx2.c: quantised matrix-vector kernels over weights repacked eight rows at a time
// (declared in arbiter_kernels.h). The ggml layout keeps each row's blocks together, so a kernel
// reduces every row's 8 integer lanes and converts its two f16 factors once per block; that
// bookkeeping costs more than the arithmetic. Repacked, one 32-element block column of eight rows
// sits together: their eight f16 scales (and Q4_1 offsets) in one vector, then the quants. The
// kernel sums the eight rows' integer products into one vector with three (Q4) or six (Q8)
// horizontal adds, converts once and scales all eight rows with one FMA: about a third of the
// instructions per weight of the row-at-a-time kernel. Values are the same sums as
// kernels_avx2.c (integer block dots, float accumulation in a different order).
#include "arbiter_kernels.h"

#include <string.h>

/// Q4 group block (Q4_1, and Q4_0 stored as Q4_1 with m = −8·d): f16 d[8], f16 m[8], then eight
/// rows' 16 nibble bytes in the physical order rows 0,4,1,5,2,6,3,7 (pairs that share a vector).
#define Q4X8_BLOCK 160
/// Q8_0 group block: f16 d[8], then eight rows' 32 int8 quants in natural row order.
#define Q8X8_BLOCK 272

static const int q4_slot_row[8] = {0, 4, 1, 5, 2, 6, 3, 7};

long arbiter_x8_packed_bytes(int kind, long rows, long blocks) {
    const long groups = (rows + 7) / 8;
    return groups * blocks * (kind == ARBITER_X8_Q8_0 ? Q8X8_BLOCK : Q4X8_BLOCK);
}

static inline uint16_t load_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

int arbiter_x8_repack(int kind, const uint8_t *w, size_t row_bytes, long rows, long blocks, uint8_t *out) {
    const long groups = (rows + 7) / 8;
    for (long g = 0; g < groups; g++) {
        for (long k = 0; k < blocks; k++) {
            if (kind == ARBITER_X8_Q8_0) {
                uint8_t *dst = out + (g * blocks + k) * Q8X8_BLOCK;
                memset(dst, 0, Q8X8_BLOCK);
                for (int i = 0; i < 8; i++) {
                    const long r = g * 8 + i;
                    if (r >= rows) continue;
                    const uint8_t *src = w + (size_t)r * row_bytes + (size_t)k * 34;
                    memcpy(dst + 2 * i, src, 2);
                    memcpy(dst + 16 + 32 * i, src + 2, 32);
                }
                continue;
            }
            uint8_t *dst = out + (g * blocks + k) * Q4X8_BLOCK;
            memset(dst, 0, Q4X8_BLOCK);
            for (int slot = 0; slot < 8; slot++) {
                const int i = q4_slot_row[slot];
                const long r = g * 8 + i;
                if (r >= rows) continue;
                if (kind == ARBITER_X8_Q4_1) {
                    const uint8_t *src = w + (size_t)r * row_bytes + (size_t)k * 20;
                    memcpy(dst + 2 * i, src, 2);
                    memcpy(dst + 16 + 2 * i, src + 2, 2);
                    memcpy(dst + 32 + 16 * slot, src + 4, 16);
                } else {
                    // Q4_0: w = d·(q − 8) = d·q + m with m = −8·d, exact in f16 (a power-of-two
                    // multiple) unless it overflows, which the caller has ruled out.
                    const uint8_t *src = w + (size_t)r * row_bytes + (size_t)k * 18;
                    const uint16_t d = load_u16(src);
                    const uint16_t exponent = (d >> 10) & 0x1F;
                    uint16_t m;
                    if ((d & 0x7FFF) == 0) {
                        m = 0;
                    } else if (exponent == 0 || exponent + 3 >= 0x1F) {
                        return 0;  // subnormal or too large: ×8 would not be a plain exponent shift
                    } else {
                        m = (uint16_t)((d ^ 0x8000) + (3 << 10));  // −8·d
                    }
                    memcpy(dst + 2 * i, &d, 2);
                    memcpy(dst + 16 + 2 * i, &m, 2);
                    memcpy(dst + 32 + 16 * slot, src + 2, 16);
                }
            }
        }
    }
    return 1;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define ARBITER_AVX2 __attribute__((target("avx2,fma,f16c")))

/// Two rows' 16 nibble bytes (32 bytes) times one activation block: lanes 0–3 hold row A's
/// partial sums, lanes 4–7 row B's.
ARBITER_AVX2 static inline __m256i q4_pair(const uint8_t *p, __m256i x_low, __m256i x_high, __m256i mask, __m256i ones) {
    const __m256i v = _mm256_loadu_si256((const __m256i *)p);
    const __m256i low = _mm256_and_si256(v, mask);  // elements 0..15 of A | of B
    const __m256i high = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);  // elements 16..31
    // Each int16 pair sum is at most 2·15·127; two of them still fit.
    const __m256i sums = _mm256_add_epi16(_mm256_maddubs_epi16(low, x_low), _mm256_maddubs_epi16(high, x_high));
    return _mm256_madd_epi16(sums, ones);
}

ARBITER_AVX2 void arbiter_q4_x8_avx2(const uint8_t *packed, long group_begin, long group_end, long blocks, const int8_t *xq,
                                     const float *xd, const float *xs, long n, float *y, long y_stride, long rows) {
    const __m256i mask = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
    for (long g = group_begin; g < group_end; g++) {
        const uint8_t *group = packed + g * blocks * Q4X8_BLOCK;
        for (long b = 0; b < n; b++) {
            const int8_t *q = xq + b * blocks * 32;
            const float *d = xd + b * blocks, *s = xs + b * blocks;
            __m256 acc = _mm256_setzero_ps(), offsets = _mm256_setzero_ps();
            for (long k = 0; k < blocks; k++) {
                const uint8_t *block = group + k * Q4X8_BLOCK;
                const __m256i x_low = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(q + k * 32)));
                const __m256i x_high = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(q + k * 32 + 16)));
                const __m256i p0 = q4_pair(block + 32, x_low, x_high, mask, ones);  // rows 0 | 4
                const __m256i p1 = q4_pair(block + 64, x_low, x_high, mask, ones);  // rows 1 | 5
                const __m256i p2 = q4_pair(block + 96, x_low, x_high, mask, ones);  // rows 2 | 6
                const __m256i p3 = q4_pair(block + 128, x_low, x_high, mask, ones);  // rows 3 | 7
                // [r0 r1 r2 r3 | r4 r5 r6 r7]: see the slot order above.
                const __m256i dots = _mm256_hadd_epi32(_mm256_hadd_epi32(p0, p1), _mm256_hadd_epi32(p2, p3));
                const __m256 scale = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)block));
                const __m256 offset = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(block + 16)));
                acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots), _mm256_mul_ps(scale, _mm256_set1_ps(d[k])), acc);
                offsets = _mm256_fmadd_ps(offset, _mm256_set1_ps(s[k]), offsets);
            }
            const __m256 out = _mm256_add_ps(acc, offsets);
            float *dst = y + b * y_stride + g * 8;
            if (g * 8 + 8 <= rows) {
                _mm256_storeu_ps(dst, out);
            } else {
                float lanes[8];
                _mm256_storeu_ps(lanes, out);
                for (long i = 0; g * 8 + i < rows; i++) dst[i] = lanes[i];
            }
        }
    }
}

/// One Q8_0 row's 32 quants times an activation block: 8 int32 partial sums. |w| (unsigned) times
/// x with w's sign keeps each product and lets w = −128 stay exact.
ARBITER_AVX2 static inline __m256i q8_row(const uint8_t *p, __m256i x, __m256i ones) {
    const __m256i w = _mm256_loadu_si256((const __m256i *)p);
    return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w)), ones);
}

ARBITER_AVX2 void arbiter_q8_0_x8_avx2(const uint8_t *packed, long group_begin, long group_end, long blocks, const int8_t *xq,
                                       const float *xd, long n, float *y, long y_stride, long rows) {
    const __m256i ones = _mm256_set1_epi16(1);
    for (long g = group_begin; g < group_end; g++) {
        const uint8_t *group = packed + g * blocks * Q8X8_BLOCK;
        for (long b = 0; b < n; b++) {
            const int8_t *q = xq + b * blocks * 32;
            const float *d = xd + b * blocks;
            __m256 acc = _mm256_setzero_ps();
            for (long k = 0; k < blocks; k++) {
                const uint8_t *block = group + k * Q8X8_BLOCK;
                const __m256i x = _mm256_loadu_si256((const __m256i *)(q + k * 32));
                const __m256i h01 = _mm256_hadd_epi32(q8_row(block + 16, x, ones), q8_row(block + 48, x, ones));
                const __m256i h23 = _mm256_hadd_epi32(q8_row(block + 80, x, ones), q8_row(block + 112, x, ones));
                const __m256i h45 = _mm256_hadd_epi32(q8_row(block + 144, x, ones), q8_row(block + 176, x, ones));
                const __m256i h67 = _mm256_hadd_epi32(q8_row(block + 208, x, ones), q8_row(block + 240, x, ones));
                const __m256i low = _mm256_hadd_epi32(h01, h23);  // [r0..r3 first halves | r0..r3 second halves]
                const __m256i high = _mm256_hadd_epi32(h45, h67);  // the same for rows 4..7
                const __m256i dots = _mm256_add_epi32(_mm256_permute2x128_si256(low, high, 0x20), _mm256_permute2x128_si256(low, high, 0x31));
                const __m256 scale = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)block));
                acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots), _mm256_mul_ps(scale, _mm256_set1_ps(d[k])), acc);
            }
            float *dst = y + b * y_stride + g * 8;
            if (g * 8 + 8 <= rows) {
                _mm256_storeu_ps(dst, acc);
            } else {
                float lanes[8];
                _mm256_storeu_ps(lanes, acc);
                for (long i = 0; g * 8 + i < rows; i++) dst[i] = lanes[i];
            }
        }
    }
}

#else

void arbiter_q4_x8_avx2(const uint8_t *packed, long group_begin, long group_end, long blocks, const int8_t *xq,
                        const float *xd, const float *xs, long n, float *y, long y_stride, long rows) {
    (void)packed; (void)group_begin; (void)group_end; (void)blocks; (void)xq; (void)xd; (void)xs; (void)n; (void)y; (void)y_stride; (void)rows;
}
void arbiter_q8_0_x8_avx2(const uint8_t *packed, long group_begin, long group_end, long blocks, const int8_t *xq,
                          const float *xd, long n, float *y, long y_stride, long rows) {
    (void)packed; (void)group_begin; (void)group_end; (void)blocks; (void)xq; (void)xd; (void)n; (void)y; (void)y_stride; (void)rows;
}

#endif
