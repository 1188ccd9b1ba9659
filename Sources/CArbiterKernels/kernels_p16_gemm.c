// kernels_p16_gemm.c: quantised matrix-matrix kernels for prefill (declared in arbiter_kernels.h).
// A Q4 weight matrix (Q4_1, or Q4_0 as Q4_1 with m = −8·d) is repacked sixteen rows at a time so
// that one 64-byte line of a block column holds, for each of the 16 rows, the same 4 source bytes:
// low nibbles are elements 4g..4g+3 of the block, high nibbles elements 16+4g..16+4g+3. After
// masking, each 32-bit lane is one row's four weights, so a "u8 × s8, sum of four" instruction
// (AVX-512 VNNI vpdpbusd; AVX2: vpmaddubsw then vpmaddwd) against four activation bytes broadcast
// to every lane gives 16 rows' partial dots with no horizontal reduction. Per block and activation
// row the exact integer dot is scaled once: acc = fma(float(dot), d_w·d_x, acc), then
// acc = fma(m_w, s_x, acc) (s_x = d_x·Σq_x, the Q8_1 sum). Both kernels (and the portable one)
// do exactly these float operations in this order, so their outputs are bit-identical.
// Activations: QuantizedActivations' natural-order int8 codes, per-block scales and sums, made by
// the AVX2 quantiser at the end of this file where it runs.
#include "arbiter_kernels.h"
#include "p16_common.h"

#include <math.h>
#include <string.h>

/// Panel block: 4 × 64 bytes of nibbles, then float d[16], then float m[16].
#define P16_BLOCK 384

long arbiter_p16_packed_bytes(long rows, long blocks) {
    return (rows + 15) / 16 * blocks * P16_BLOCK;
}

int arbiter_p16_repack(int kind, const uint8_t *w, size_t row_bytes, long rows, long blocks, uint8_t *out) {
    if (kind != ARBITER_X8_Q4_0 && kind != ARBITER_X8_Q4_1) return 0;
    const long panels = (rows + 15) / 16;
    const long source_block = kind == ARBITER_X8_Q4_1 ? 20 : 18;
    for (long p = 0; p < panels; p++) {
        for (long k = 0; k < blocks; k++) {
            uint8_t *dst = out + (p * blocks + k) * P16_BLOCK;
            memset(dst, 0, P16_BLOCK);
            float d[16] = {0}, m[16] = {0};
            for (int i = 0; i < 16; i++) {
                const long r = p * 16 + i;
                if (r >= rows) continue;
                const uint8_t *src = w + (size_t)r * row_bytes + (size_t)k * source_block;
                uint16_t h;
                memcpy(&h, src, 2);
                d[i] = arbiter_half_bits_to_float(h);
                if (kind == ARBITER_X8_Q4_1) {
                    memcpy(&h, src + 2, 2);
                    m[i] = arbiter_half_bits_to_float(h);
                } else {
                    m[i] = -8.0f * d[i];  // exact in float for every f16 d
                }
                const uint8_t *quants = src + (kind == ARBITER_X8_Q4_1 ? 4 : 2);
                for (int g = 0; g < 4; g++) memcpy(dst + 64 * g + 4 * i, quants + 4 * g, 4);
            }
            memcpy(dst + 256, d, sizeof d);
            memcpy(dst + 320, m, sizeof m);
        }
    }
    return 1;
}

/// Portable C: the same arithmetic one lane at a time (used where neither SIMD kernel can run).
void arbiter_p16_gemm_c(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                        const float *xd, const float *xs, long n, float *y, long y_stride, long rows) {
    for (long p = panel_begin; p < panel_end; p++) {
        const uint8_t *panel = packed + p * blocks * P16_BLOCK;
        for (long b = 0; b < n; b++) {
            float acc[16] = {0};
            for (long k = 0; k < blocks; k++) {
                const uint8_t *block = panel + k * P16_BLOCK;
                const int8_t *x = xq + (b * blocks + k) * 32;
                float d[16], m[16];
                memcpy(d, block + 256, sizeof d);
                memcpy(m, block + 320, sizeof m);
                const float dx = xd[b * blocks + k], sx = xs[b * blocks + k];
                for (int i = 0; i < 16; i++) {
                    int32_t dot = 0;
                    for (int g = 0; g < 4; g++) {
                        for (int j = 0; j < 4; j++) {
                            const uint8_t byte = block[64 * g + 4 * i + j];
                            dot += (int32_t)(byte & 0x0F) * x[4 * g + j] + (int32_t)(byte >> 4) * x[16 + 4 * g + j];
                        }
                    }
                    acc[i] = fmaf((float)dot, d[i] * dx, acc[i]);
                    acc[i] = fmaf(m[i], sx, acc[i]);
                }
            }
            for (int i = 0; i < 16 && p * 16 + i < rows; i++) y[b * y_stride + p * 16 + i] = acc[i];
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))

int arbiter_kernels_avx512vnni_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512vnni");
}

/// R activation rows (from row b) times one panel over all blocks, into R rows of y.
ARBITER_P16_VNNI static inline __attribute__((always_inline)) void p16_tile_vnni(
    const uint8_t *panel, long blocks, const int8_t *xq, const float *xd, const float *xs, long b, const int R,
    float *y, long y_stride, __mmask16 store_mask) {
    const __m512i mask = _mm512_set1_epi8(0x0F);
    __m512 acc[8];
    for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
    for (long k = 0; k < blocks; k++) {
        const uint8_t *block = panel + k * P16_BLOCK;
        __m512i w[8];
        for (int g = 0; g < 4; g++) {
            const __m512i v = _mm512_loadu_si512((const void *)(block + 64 * g));
            w[g] = _mm512_and_si512(v, mask);
            w[g + 4] = _mm512_and_si512(_mm512_srli_epi16(v, 4), mask);
        }
        const __m512 d = _mm512_loadu_ps((const float *)(block + 256));
        const __m512 m = _mm512_loadu_ps((const float *)(block + 320));
        for (int r = 0; r < R; r++) {
            const int8_t *x = xq + ((b + r) * blocks + k) * 32;
            __m512i dot = _mm512_setzero_si512();
            for (int g = 0; g < 8; g++) dot = _mm512_dpbusd_epi32(dot, w[g], _mm512_set1_epi32(arbiter_load_i32(x + 4 * g)));
            const float dx = xd[(b + r) * blocks + k], sx = xs[(b + r) * blocks + k];
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(d, _mm512_set1_ps(dx)), acc[r]);
            acc[r] = _mm512_fmadd_ps(m, _mm512_set1_ps(sx), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) _mm512_mask_storeu_ps(y + (b + r) * y_stride, store_mask, acc[r]);
}

ARBITER_P16_VNNI void arbiter_p16_gemm_vnni(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                                        const float *xd, const float *xs, long n, float *y, long y_stride, long rows) {
    for (long p = panel_begin; p < panel_end; p++) {
        const uint8_t *panel = packed + p * blocks * P16_BLOCK;
        const long valid = rows - p * 16 < 16 ? rows - p * 16 : 16;
        const __mmask16 store_mask = (__mmask16)((1u << valid) - 1u);
        float *out = y + p * 16;
        long b = 0;
        for (; b + 8 <= n; b += 8) p16_tile_vnni(panel, blocks, xq, xd, xs, b, 8, out, y_stride, store_mask);
        for (; b < n; b++) p16_tile_vnni(panel, blocks, xq, xd, xs, b, 1, out, y_stride, store_mask);
    }
}

/// The AVX2 form of one tile: a panel's 16 rows as two halves of 8 (one ymm of int32 lanes each).
/// vpmaddubsw sums two u4·s8 products per int16 lane (|·| ≤ 2·15·127 = 3810); eight of them
/// added in int16 stay below 32767, so one vpmaddwd per block widens the exact dot to int32.
ARBITER_P16_AVX2 static inline __attribute__((always_inline)) void p16_tile_avx2(
    const uint8_t *panel, long blocks, const int8_t *xq, const float *xd, const float *xs, long b, const int R,
    float *y, long y_stride, long valid) {
    const __m256i mask = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
    for (int half = 0; half < 2; half++) {
        if (half * 8 >= valid) break;
        __m256 acc[4];
        for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
        for (long k = 0; k < blocks; k++) {
            const uint8_t *block = panel + k * P16_BLOCK;
            __m256i w[8];
            for (int g = 0; g < 4; g++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *)(block + 64 * g + 32 * half));
                w[g] = _mm256_and_si256(v, mask);
                w[g + 4] = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);
            }
            const __m256 d = _mm256_loadu_ps((const float *)(block + 256) + 8 * half);
            const __m256 m = _mm256_loadu_ps((const float *)(block + 320) + 8 * half);
            for (int r = 0; r < R; r++) {
                const int8_t *x = xq + ((b + r) * blocks + k) * 32;
                __m256i sums = _mm256_maddubs_epi16(w[0], _mm256_set1_epi32(arbiter_load_i32(x)));
                for (int g = 1; g < 8; g++) sums = _mm256_add_epi16(sums, _mm256_maddubs_epi16(w[g], _mm256_set1_epi32(arbiter_load_i32(x + 4 * g))));
                const __m256i dot = _mm256_madd_epi16(sums, ones);
                const float dx = xd[(b + r) * blocks + k], sx = xs[(b + r) * blocks + k];
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(d, _mm256_set1_ps(dx)), acc[r]);
                acc[r] = _mm256_fmadd_ps(m, _mm256_set1_ps(sx), acc[r]);
            }
        }
        for (int r = 0; r < R; r++) arbiter_p16_store_half(y + (b + r) * y_stride + 8 * half, half, valid, acc[r]);
    }
}

ARBITER_P16_AVX2 void arbiter_p16_gemm_avx2(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                                        const float *xd, const float *xs, long n, float *y, long y_stride, long rows) {
    for (long p = panel_begin; p < panel_end; p++) {
        const uint8_t *panel = packed + p * blocks * P16_BLOCK;
        const long valid = rows - p * 16 < 16 ? rows - p * 16 : 16;
        float *out = y + p * 16;
        long b = 0;
        for (; b + 4 <= n; b += 4) p16_tile_avx2(panel, blocks, xq, xd, xs, b, 4, out, y_stride, valid);
        for (; b < n; b++) p16_tile_avx2(panel, blocks, xq, xd, xs, b, 1, out, y_stride, valid);
    }
}

ARBITER_P16_AVX2 void arbiter_quantize_q8_avx2(const float *x, long blocks, int8_t *q, float *d, float *s, float *qsum) {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    for (long k = 0; k < blocks; k++) {
        const float *block = x + k * 32;
        __m256 v[4];
        __m256 top = _mm256_setzero_ps();
        for (int part = 0; part < 4; part++) {
            v[part] = _mm256_loadu_ps(block + 8 * part);
            top = _mm256_max_ps(_mm256_and_ps(v[part], abs_mask), top);  // a NaN element is skipped
        }
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(top), _mm256_extractf128_ps(top, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float scale = _mm_cvtss_f32(m4) / 127.0f;
        const __m256 inverse = _mm256_set1_ps(scale == 0 ? 0.0f : 1.0f / scale);
        __m256i codes[4];
        for (int part = 0; part < 4; part++) codes[part] = _mm256_cvtps_epi32(_mm256_mul_ps(v[part], inverse));  // ties to even
        const __m256i total = _mm256_add_epi32(_mm256_add_epi32(codes[0], codes[1]), _mm256_add_epi32(codes[2], codes[3]));
        __m128i t = _mm_add_epi32(_mm256_castsi256_si128(total), _mm256_extracti128_si256(total, 1));
        t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4E));
        t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xB1));
        const int32_t sum = _mm_cvtsi128_si32(t);
        // packs interleave 128-bit lanes: (0,1) → [0lo 1lo 0hi 1hi] as int16, then to int8; one
        // cross-lane permute restores the natural order.
        const __m256i w01 = _mm256_packs_epi32(codes[0], codes[1]), w23 = _mm256_packs_epi32(codes[2], codes[3]);
        const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w01, w23), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(q + k * 32), bytes);
        d[k] = scale;
        s[k] = scale * (float)sum;
        qsum[k] = (float)sum;
    }
}

#else

int arbiter_kernels_avx512vnni_available(void) { return 0; }

void arbiter_p16_gemm_vnni(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                           const float *xd, const float *xs, long n, float *y, long y_stride, long rows) {
    arbiter_p16_gemm_c(packed, panel_begin, panel_end, blocks, xq, xd, xs, n, y, y_stride, rows);
}
void arbiter_p16_gemm_avx2(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                           const float *xd, const float *xs, long n, float *y, long y_stride, long rows) {
    arbiter_p16_gemm_c(packed, panel_begin, panel_end, blocks, xq, xd, xs, n, y, y_stride, rows);
}

void arbiter_quantize_q8_avx2(const float *x, long blocks, int8_t *q, float *d, float *s, float *qsum) {
    (void)x; (void)blocks; (void)q; (void)d; (void)s; (void)qsum;
}

#endif

