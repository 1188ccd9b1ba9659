// kernels_avx2.c: the AVX2 quantised dot-product kernels declared in arbiter_kernels.h. Per block
// an integer Σ q_w·q_x from 32 byte lanes (_mm256_maddubs_epi16 takes one unsigned and one signed
// operand: 4-bit weights are unsigned nibbles; signed Q8_0 weights lend their sign to the
// activations), widened to 8 int32 lanes, converted once and scaled by d_w·d_x in a float
// accumulator. The Q4_1 offset m and the Q4_0 offset −8 are applied per block from the
// activation block's precomputed sums. Same arithmetic as llama.cpp's ggml_vec_dot_q4_1_q8_1.
#include "arbiter_kernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define ARBITER_AVX2 __attribute__((target("avx2,fma,f16c")))

int arbiter_kernels_avx2_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

ARBITER_AVX2 static inline float half_to_float(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

ARBITER_AVX2 static inline float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// 16 bytes of nibbles → 32 unsigned bytes: elements 0..15 (low nibbles), then 16..31 (high).
ARBITER_AVX2 static inline __m256i unpack_nibbles(const uint8_t *p) {
    const __m128i bytes = _mm_loadu_si128((const __m128i *)p);
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(bytes, 4), bytes);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

/// 32 unsigned bytes · 32 signed bytes → 8 int32 lanes → 8 floats.
ARBITER_AVX2 static inline __m256 dot_bytes(__m256i unsigned_bytes, __m256i signed_bytes) {
    const __m256i pairs = _mm256_maddubs_epi16(unsigned_bytes, signed_bytes);  // 16 × int16; ours ≤ 2·128·127, no saturation
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

/// One activation row against four Q4_1 weight rows at once: four independent accumulator
/// chains (one chain stalls on the FMA latency) sharing each activation block load.
ARBITER_AVX2 static inline void q4_1_four_rows(const uint8_t *row, size_t row_bytes, long blocks, const int8_t *q,
                                               const float *d, const float *s, float *out) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
    float off0 = 0, off1 = 0, off2 = 0, off3 = 0;
    const uint8_t *r0 = row, *r1 = row + row_bytes, *r2 = row + 2 * row_bytes, *r3 = row + 3 * row_bytes;
    for (long k = 0; k < blocks; k++) {
        const __m256i x = _mm256_loadu_si256((const __m256i *)(q + k * 32));
        const float dx = d[k], sx = s[k];
        const uint8_t *b0 = r0 + k * 20, *b1 = r1 + k * 20, *b2 = r2 + k * 20, *b3 = r3 + k * 20;
        acc0 = _mm256_fmadd_ps(dot_bytes(unpack_nibbles(b0 + 4), x), _mm256_set1_ps(half_to_float(b0) * dx), acc0);
        acc1 = _mm256_fmadd_ps(dot_bytes(unpack_nibbles(b1 + 4), x), _mm256_set1_ps(half_to_float(b1) * dx), acc1);
        acc2 = _mm256_fmadd_ps(dot_bytes(unpack_nibbles(b2 + 4), x), _mm256_set1_ps(half_to_float(b2) * dx), acc2);
        acc3 = _mm256_fmadd_ps(dot_bytes(unpack_nibbles(b3 + 4), x), _mm256_set1_ps(half_to_float(b3) * dx), acc3);
        off0 += half_to_float(b0 + 2) * sx;
        off1 += half_to_float(b1 + 2) * sx;
        off2 += half_to_float(b2 + 2) * sx;
        off3 += half_to_float(b3 + 2) * sx;
    }
    out[0] = horizontal_sum(acc0) + off0;
    out[1] = horizontal_sum(acc1) + off1;
    out[2] = horizontal_sum(acc2) + off2;
    out[3] = horizontal_sum(acc3) + off3;
}

ARBITER_AVX2 void arbiter_q4_1_rows_avx2(const uint8_t *w, size_t row_bytes, long row_begin, long row_end, long blocks,
                                         const int8_t *xq, const float *xd, const float *xs, long n, float *y, long y_stride) {
    long r = row_begin;
    for (; r + 4 <= row_end; r += 4) {
        for (long b = 0; b < n; b++) {
            float out[4];
            q4_1_four_rows(w + (size_t)r * row_bytes, row_bytes, blocks, xq + b * blocks * 32, xd + b * blocks, xs + b * blocks, out);
            for (int i = 0; i < 4; i++) y[b * y_stride + r + i] = out[i];
        }
    }
    for (; r < row_end; r++) {
        const uint8_t *row = w + (size_t)r * row_bytes;
        for (long b = 0; b < n; b++) {
            const int8_t *q = xq + b * blocks * 32;
            const float *d = xd + b * blocks, *s = xs + b * blocks;
            __m256 acc = _mm256_setzero_ps();
            float offsets = 0;
            for (long k = 0; k < blocks; k++) {
                const uint8_t *block = row + k * 20;
                const float dw = half_to_float(block), mw = half_to_float(block + 2);
                const __m256i x = _mm256_loadu_si256((const __m256i *)(q + k * 32));
                acc = _mm256_fmadd_ps(dot_bytes(unpack_nibbles(block + 4), x), _mm256_set1_ps(dw * d[k]), acc);
                offsets += mw * s[k];
            }
            y[b * y_stride + r] = horizontal_sum(acc) + offsets;
        }
    }
}

ARBITER_AVX2 void arbiter_q4_0_rows_avx2(const uint8_t *w, size_t row_bytes, long row_begin, long row_end, long blocks,
                                         const int8_t *xq, const float *xd, const float *xs, long n, float *y, long y_stride) {
    for (long r = row_begin; r < row_end; r++) {
        const uint8_t *row = w + (size_t)r * row_bytes;
        for (long b = 0; b < n; b++) {
            const int8_t *q = xq + b * blocks * 32;
            const float *d = xd + b * blocks, *c = xs + b * blocks;
            __m256 acc = _mm256_setzero_ps();
            float offsets = 0;
            for (long k = 0; k < blocks; k++) {
                const uint8_t *block = row + k * 18;
                const float scale = half_to_float(block) * d[k];
                const __m256i x = _mm256_loadu_si256((const __m256i *)(q + k * 32));
                acc = _mm256_fmadd_ps(dot_bytes(unpack_nibbles(block + 2), x), _mm256_set1_ps(scale), acc);
                offsets -= 8 * scale * c[k];
            }
            y[b * y_stride + r] = horizontal_sum(acc) + offsets;
        }
    }
}

/// |w| (unsigned) · (x with w's sign) for 32 signed weights: the product keeps its sign and
/// w = −128 stays exact.
ARBITER_AVX2 static inline __m256 dot_signed(const uint8_t *block, __m256i x) {
    const __m256i wq = _mm256_loadu_si256((const __m256i *)(block + 2));
    return dot_bytes(_mm256_sign_epi8(wq, wq), _mm256_sign_epi8(x, wq));
}

ARBITER_AVX2 void arbiter_q8_0_rows_avx2(const uint8_t *w, size_t row_bytes, long row_begin, long row_end, long blocks,
                                         const int8_t *xq, const float *xd, const float *xs, long n, float *y, long y_stride) {
    (void)xs;
    long r = row_begin;
    for (; r + 4 <= row_end; r += 4) {
        const uint8_t *r0 = w + (size_t)r * row_bytes, *r1 = r0 + row_bytes, *r2 = r1 + row_bytes, *r3 = r2 + row_bytes;
        for (long b = 0; b < n; b++) {
            const int8_t *q = xq + b * blocks * 32;
            const float *d = xd + b * blocks;
            __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
            for (long k = 0; k < blocks; k++) {
                const __m256i x = _mm256_loadu_si256((const __m256i *)(q + k * 32));
                const uint8_t *b0 = r0 + k * 34, *b1 = r1 + k * 34, *b2 = r2 + k * 34, *b3 = r3 + k * 34;
                acc0 = _mm256_fmadd_ps(dot_signed(b0, x), _mm256_set1_ps(half_to_float(b0) * d[k]), acc0);
                acc1 = _mm256_fmadd_ps(dot_signed(b1, x), _mm256_set1_ps(half_to_float(b1) * d[k]), acc1);
                acc2 = _mm256_fmadd_ps(dot_signed(b2, x), _mm256_set1_ps(half_to_float(b2) * d[k]), acc2);
                acc3 = _mm256_fmadd_ps(dot_signed(b3, x), _mm256_set1_ps(half_to_float(b3) * d[k]), acc3);
            }
            y[b * y_stride + r] = horizontal_sum(acc0);
            y[b * y_stride + r + 1] = horizontal_sum(acc1);
            y[b * y_stride + r + 2] = horizontal_sum(acc2);
            y[b * y_stride + r + 3] = horizontal_sum(acc3);
        }
    }
    for (; r < row_end; r++) {
        const uint8_t *row = w + (size_t)r * row_bytes;
        for (long b = 0; b < n; b++) {
            const int8_t *q = xq + b * blocks * 32;
            const float *d = xd + b * blocks;
            __m256 acc = _mm256_setzero_ps();
            for (long k = 0; k < blocks; k++) {
                const uint8_t *block = row + k * 34;
                const __m256i x = _mm256_loadu_si256((const __m256i *)(q + k * 32));
                acc = _mm256_fmadd_ps(dot_signed(block, x), _mm256_set1_ps(half_to_float(block) * d[k]), acc);
            }
            y[b * y_stride + r] = horizontal_sum(acc);
        }
    }
}

/// e^x for 8 lanes (Cody–Waite reduction, Cephes polynomial; inputs clamped to [−87.3, 88.3]).
ARBITER_AVX2 static inline __m256 exp_avx2(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

ARBITER_AVX2 static inline float dot_avx2(const float *a, const float *b, long n) {
    __m256 acc = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
    float s = horizontal_sum(acc);
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

ARBITER_AVX2 void arbiter_attention_row_avx2(const float *q, const float *k, const float *v, long keys, long d, float scale,
                                             const uint8_t *valid, float *scores, float *out) {
    float maximum = -INFINITY;
    for (long j = 0; j < keys; j++) {
        if (valid && !valid[j]) { scores[j] = -INFINITY; continue; }
        scores[j] = scale * dot_avx2(q, k + j * d, d);
        if (scores[j] > maximum) maximum = scores[j];
    }
    for (long c = 0; c < d; c++) out[c] = 0;
    if (maximum == -INFINITY) return;
    const __m256 m = _mm256_set1_ps(maximum), floor = _mm256_set1_ps(-INFINITY);
    __m256 sum8 = _mm256_setzero_ps();
    long j = 0;
    for (; j + 8 <= keys; j += 8) {
        const __m256 s = _mm256_loadu_ps(scores + j);
        const __m256 e = _mm256_andnot_ps(_mm256_cmp_ps(s, floor, _CMP_EQ_OQ), exp_avx2(_mm256_sub_ps(s, m)));
        _mm256_storeu_ps(scores + j, e);
        sum8 = _mm256_add_ps(sum8, e);
    }
    float total = horizontal_sum(sum8);
    for (; j < keys; j++) {
        float e = 0;
        if (scores[j] != -INFINITY) {
            float lane[8];
            _mm256_storeu_ps(lane, exp_avx2(_mm256_set1_ps(scores[j] - maximum)));
            e = lane[0];
        }
        scores[j] = e;
        total += e;
    }
    const float inverse = 1.0f / total;
    for (j = 0; j < keys; j++) {
        const float p = scores[j] * inverse;
        if (p == 0) continue;
        const __m256 pv = _mm256_set1_ps(p);
        long c = 0;
        for (; c + 8 <= d; c += 8) _mm256_storeu_ps(out + c, _mm256_fmadd_ps(pv, _mm256_loadu_ps(v + j * d + c), _mm256_loadu_ps(out + c)));
        for (; c < d; c++) out[c] += p * v[j * d + c];
    }
}

ARBITER_AVX2 void arbiter_softmax_row_avx2(float *row, long limit, long count) {
    __m256 top = _mm256_set1_ps(-INFINITY);
    long j = 0;
    for (; j + 8 <= limit; j += 8) top = _mm256_max_ps(_mm256_loadu_ps(row + j), top);  // a NaN lane is skipped
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(top), _mm256_extractf128_ps(top, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    float maximum = _mm_cvtss_f32(m4);
    for (; j < limit; j++) if (row[j] > maximum) maximum = row[j];
    for (j = limit; j < count; j++) row[j] = 0;
    if (maximum == -INFINITY) {
        for (j = 0; j < limit; j++) row[j] = 0;
        return;
    }
    const __m256 m = _mm256_set1_ps(maximum), floor = _mm256_set1_ps(-INFINITY);
    __m256 sum8 = _mm256_setzero_ps();
    for (j = 0; j + 8 <= limit; j += 8) {
        const __m256 s = _mm256_loadu_ps(row + j);
        const __m256 e = _mm256_andnot_ps(_mm256_cmp_ps(s, floor, _CMP_EQ_OQ), exp_avx2(_mm256_sub_ps(s, m)));
        _mm256_storeu_ps(row + j, e);
        sum8 = _mm256_add_ps(sum8, e);
    }
    if (j < limit) {  // the tail through one masked vector: lanes past `limit` contribute 0
        float lane[8] = {0};
        const long rest = limit - j;
        for (long i = 0; i < rest; i++) lane[i] = row[j + i];
        for (long i = rest; i < 8; i++) lane[i] = -INFINITY;
        const __m256 s = _mm256_loadu_ps(lane);
        const __m256 e = _mm256_andnot_ps(_mm256_cmp_ps(s, floor, _CMP_EQ_OQ), exp_avx2(_mm256_sub_ps(s, m)));
        _mm256_storeu_ps(lane, e);
        for (long i = 0; i < rest; i++) row[j + i] = lane[i];
        sum8 = _mm256_add_ps(sum8, e);
    }
    const __m256 inverse = _mm256_set1_ps(1.0f / horizontal_sum(sum8));
    for (j = 0; j + 8 <= limit; j += 8) _mm256_storeu_ps(row + j, _mm256_mul_ps(_mm256_loadu_ps(row + j), inverse));
    for (; j < limit; j++) row[j] *= _mm256_cvtss_f32(inverse);
}

#else

int arbiter_kernels_avx2_available(void) { return 0; }

void arbiter_attention_row_avx2(const float *q, const float *k, const float *v, long keys, long d, float scale,
                                const uint8_t *valid, float *scores, float *out) {
    (void)q; (void)k; (void)v; (void)keys; (void)d; (void)scale; (void)valid; (void)scores; (void)out;
}

void arbiter_softmax_row_avx2(float *row, long limit, long count) {
    (void)row; (void)limit; (void)count;
}

void arbiter_q4_1_rows_avx2(const uint8_t *w, size_t row_bytes, long row_begin, long row_end, long blocks,
                            const int8_t *xq, const float *xd, const float *xs, long n, float *y, long y_stride) {
    (void)w; (void)row_bytes; (void)row_begin; (void)row_end; (void)blocks; (void)xq; (void)xd; (void)xs; (void)n; (void)y; (void)y_stride;
}
void arbiter_q4_0_rows_avx2(const uint8_t *w, size_t row_bytes, long row_begin, long row_end, long blocks,
                            const int8_t *xq, const float *xd, const float *xs, long n, float *y, long y_stride) {
    arbiter_q4_1_rows_avx2(w, row_bytes, row_begin, row_end, blocks, xq, xd, xs, n, y, y_stride);
}
void arbiter_q8_0_rows_avx2(const uint8_t *w, size_t row_bytes, long row_begin, long row_end, long blocks,
                            const int8_t *xq, const float *xd, const float *xs, long n, float *y, long y_stride) {
    arbiter_q4_1_rows_avx2(w, row_bytes, row_begin, row_end, blocks, xq, xd, xs, n, y, y_stride);
}

#endif
