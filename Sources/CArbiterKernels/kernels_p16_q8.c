// kernels_p16_q8.c: the Q8_0 form of the prefill matrix-matrix kernels (kernels_p16_gemm.c has the
// Q4 form; declared in arbiter_kernels.h). Sixteen rows per panel: line g (64 bytes) of a block
// column holds each row's int8 weights 4g..4g+3, then the rows' scales as float. Per block and
// activation row the exact integer dot Σ w·x is scaled once: acc = fma(float(dot), d_w·d_x, acc).
// VNNI multiplies unsigned by signed bytes, so it uses w + 128 (a sign-bit flip) and subtracts
// 128·Σx (Σx from the activations' code sums); AVX2 gives |w| and moves w's sign onto x (as the
// decode kernels do), widening every product pair at once because two u8·s8 pairs with |w| = 128
// already need 15 bits. All three forms give bit-identical results.
#include "arbiter_kernels.h"
#include "p16_common.h"

#include <math.h>
#include <string.h>

/// Panel block: 8 × 64 bytes of int8 weights, then float d[16].
#define P16Q8_BLOCK 576

long arbiter_p16_q8_packed_bytes(long rows, long blocks) {
    return (rows + 15) / 16 * blocks * P16Q8_BLOCK;
}

void arbiter_p16_q8_repack(const uint8_t *w, size_t row_bytes, long rows, long blocks, uint8_t *out) {
    const long panels = (rows + 15) / 16;
    for (long p = 0; p < panels; p++) {
        for (long k = 0; k < blocks; k++) {
            uint8_t *dst = out + (p * blocks + k) * P16Q8_BLOCK;
            memset(dst, 0, P16Q8_BLOCK);
            float d[16] = {0};
            for (int i = 0; i < 16; i++) {
                const long r = p * 16 + i;
                if (r >= rows) continue;
                const uint8_t *src = w + (size_t)r * row_bytes + (size_t)k * 34;
                uint16_t h;
                memcpy(&h, src, 2);
                d[i] = arbiter_half_bits_to_float(h);
                for (int g = 0; g < 8; g++) memcpy(dst + 64 * g + 4 * i, src + 2 + 4 * g, 4);
            }
            memcpy(dst + 512, d, sizeof d);
        }
    }
}

void arbiter_p16_q8_gemm_c(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                           const float *xd, long n, float *y, long y_stride, long rows) {
    for (long p = panel_begin; p < panel_end; p++) {
        const uint8_t *panel = packed + p * blocks * P16Q8_BLOCK;
        for (long b = 0; b < n; b++) {
            float acc[16] = {0};
            for (long k = 0; k < blocks; k++) {
                const uint8_t *block = panel + k * P16Q8_BLOCK;
                const int8_t *x = xq + (b * blocks + k) * 32;
                float d[16];
                memcpy(d, block + 512, sizeof d);
                const float dx = xd[b * blocks + k];
                for (int i = 0; i < 16; i++) {
                    int32_t dot = 0;
                    for (int g = 0; g < 8; g++) {
                        for (int j = 0; j < 4; j++) dot += (int32_t)(int8_t)block[64 * g + 4 * i + j] * x[4 * g + j];
                    }
                    acc[i] = fmaf((float)dot, d[i] * dx, acc[i]);
                }
            }
            for (int i = 0; i < 16 && p * 16 + i < rows; i++) y[b * y_stride + p * 16 + i] = acc[i];
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))

/// R activation rows (from row b) times one Q8_0 panel. xsum: Σq per activation block.
ARBITER_P16_VNNI static inline __attribute__((always_inline)) void p16q8_tile_vnni(
    const uint8_t *panel, long blocks, const int8_t *xq, const float *xd, const float *xsum, long b, const int R,
    float *y, long y_stride, __mmask16 store_mask) {
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    __m512 acc[8];
    for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
    for (long k = 0; k < blocks; k++) {
        const uint8_t *block = panel + k * P16Q8_BLOCK;
        __m512i w[8];
        for (int g = 0; g < 8; g++) w[g] = _mm512_xor_si512(_mm512_loadu_si512((const void *)(block + 64 * g)), flip);  // w + 128
        const __m512 d = _mm512_loadu_ps((const float *)(block + 512));
        for (int r = 0; r < R; r++) {
            const int8_t *x = xq + ((b + r) * blocks + k) * 32;
            const long at = (b + r) * blocks + k;
            __m512i dot = _mm512_set1_epi32(-128 * (int32_t)xsum[at]);  // Σ(w+128)·x − 128·Σx = Σ w·x
            for (int g = 0; g < 8; g++) dot = _mm512_dpbusd_epi32(dot, w[g], _mm512_set1_epi32(arbiter_load_i32(x + 4 * g)));
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(d, _mm512_set1_ps(xd[at])), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) _mm512_mask_storeu_ps(y + (b + r) * y_stride, store_mask, acc[r]);
}

ARBITER_P16_VNNI void arbiter_p16_q8_gemm_vnni(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                                           const float *xd, const float *xsum, long n, float *y, long y_stride, long rows) {
    for (long p = panel_begin; p < panel_end; p++) {
        const uint8_t *panel = packed + p * blocks * P16Q8_BLOCK;
        const long valid = rows - p * 16 < 16 ? rows - p * 16 : 16;
        const __mmask16 store_mask = (__mmask16)((1u << valid) - 1u);
        float *out = y + p * 16;
        long b = 0;
        for (; b + 8 <= n; b += 8) p16q8_tile_vnni(panel, blocks, xq, xd, xsum, b, 8, out, y_stride, store_mask);
        for (; b < n; b++) p16q8_tile_vnni(panel, blocks, xq, xd, xsum, b, 1, out, y_stride, store_mask);
    }
}

/// AVX2: one half-panel (8 rows) times R activation rows.
ARBITER_P16_AVX2 static inline __attribute__((always_inline)) void p16q8_tile_avx2(
    const uint8_t *panel, long blocks, const int8_t *xq, const float *xd, long b, const int R, float *y, long y_stride,
    long valid) {
    const __m256i ones = _mm256_set1_epi16(1);
    for (int half = 0; half < 2; half++) {
        if (half * 8 >= valid) break;
        __m256 acc[4];
        for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
        for (long k = 0; k < blocks; k++) {
            const uint8_t *block = panel + k * P16Q8_BLOCK;
            __m256i w[8], magnitude[8];
            for (int g = 0; g < 8; g++) {
                w[g] = _mm256_loadu_si256((const __m256i *)(block + 64 * g + 32 * half));
                magnitude[g] = _mm256_sign_epi8(w[g], w[g]);  // |w|; −128 stays 0x80 = 128 unsigned
            }
            const __m256 d = _mm256_loadu_ps((const float *)(block + 512) + 8 * half);
            for (int r = 0; r < R; r++) {
                const int8_t *x = xq + ((b + r) * blocks + k) * 32;
                __m256i dot = _mm256_setzero_si256();
                for (int g = 0; g < 8; g++) {
                    const __m256i xs = _mm256_sign_epi8(_mm256_set1_epi32(arbiter_load_i32(x + 4 * g)), w[g]);
                    dot = _mm256_add_epi32(dot, _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude[g], xs), ones));
                }
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(d, _mm256_set1_ps(xd[(b + r) * blocks + k])), acc[r]);
            }
        }
        for (int r = 0; r < R; r++) arbiter_p16_store_half(y + (b + r) * y_stride + 8 * half, half, valid, acc[r]);
    }
}

ARBITER_P16_AVX2 void arbiter_p16_q8_gemm_avx2(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                                           const float *xd, long n, float *y, long y_stride, long rows) {
    for (long p = panel_begin; p < panel_end; p++) {
        const uint8_t *panel = packed + p * blocks * P16Q8_BLOCK;
        const long valid = rows - p * 16 < 16 ? rows - p * 16 : 16;
        float *out = y + p * 16;
        long b = 0;
        for (; b + 4 <= n; b += 4) p16q8_tile_avx2(panel, blocks, xq, xd, b, 4, out, y_stride, valid);
        for (; b < n; b++) p16q8_tile_avx2(panel, blocks, xq, xd, b, 1, out, y_stride, valid);
    }
}

#else

void arbiter_p16_q8_gemm_vnni(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                              const float *xd, const float *xsum, long n, float *y, long y_stride, long rows) {
    (void)xsum;
    arbiter_p16_q8_gemm_c(packed, panel_begin, panel_end, blocks, xq, xd, n, y, y_stride, rows);
}
void arbiter_p16_q8_gemm_avx2(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                              const float *xd, long n, float *y, long y_stride, long rows) {
    arbiter_p16_q8_gemm_c(packed, panel_begin, panel_end, blocks, xq, xd, n, y, y_stride, rows);
}

#endif
