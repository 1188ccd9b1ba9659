// p16_common.h: what the two prefill kernel files (kernels_p16_gemm.c, kernels_p16_q8.c) share:
// IEEE half → float for the portable repack code (exact, subnormals included), an unaligned
// 4-byte load, and, on x86-64, the target attributes and the AVX2 store of a half-panel's 8 rows.
// Internal to CArbiterKernels (not in include/).
#pragma once
#include <stdint.h>
#include <string.h>

static inline float arbiter_half_bits_to_float(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    const uint32_t exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
    uint32_t bits;
    if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {
        float f = (float)mantissa * 0x1p-24f;  // subnormal: exact
        memcpy(&bits, &f, 4);
        bits |= sign;
    }
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

/// Four activation codes as one int32 (unaligned), for broadcasting to every lane.
static inline int32_t arbiter_load_i32(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define ARBITER_P16_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma")))
#define ARBITER_P16_AVX2 __attribute__((target("avx2,fma")))

/// Rows 8·half … 8·half+7 of a sixteen-row panel into dst[0..<8], only those below `valid`.
ARBITER_P16_AVX2 static inline void arbiter_p16_store_half(float *dst, int half, long valid, __m256 acc) {
    if (half * 8 + 8 <= valid) {
        _mm256_storeu_ps(dst, acc);
        return;
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, acc);
    for (long i = 0; half * 8 + i < valid; i++) dst[i] = lanes[i];
}
#endif
