// arbiter_kernels.h: hand-vectorised CPU kernels that Swift cannot express at full width (Swift
// code is compiled for baseline x86-64, SSE2). Each kernel is compiled for AVX2 + FMA + F16C with
// a function attribute and is only called after `arbiter_kernels_avx2_available()` said yes, so
// the package needs no special compiler flags and still runs (on the Swift fallbacks) elsewhere.
// Used by ArbiterModels' QuantizedMatrix (decode-time quantised matrix-vector products and the
// opt-in quantised prefill's matrix-matrix products; the latter also in an AVX-512 VNNI form); also two
// glibc malloc shims (heap.c) for ArbiterTensor's HeapReuse.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU is x86-64 with AVX2, FMA and F16C (the kernels below may run), else 0.
int arbiter_kernels_avx2_available(void);

/// Rows [row_begin, row_end) of a weight matrix in ggml block format, times n activation rows
/// quantised to 8-bit blocks of 32 (codes in natural order): for each row r and activation row b,
///   y[b * y_stride + r] = Σ_k dot(block k of row r, block k of activation row b).
///   w: row 0 of the matrix, rows row_bytes apart, each `blocks` blocks.
///   xq: (n, blocks·32) int8 codes; xd: (n, blocks) scales; xs: (n, blocks) per-block terms —
///     Q4_1: d·Σq (for the weight offset m), Q4_0: Σq as a float (for the −8 offset), Q8_0: unused.
/// Q4_1 block: f16 d, f16 m, 16 bytes (element j in the low nibble of byte j, j+16 in the high).
/// Q4_0 block: f16 d, 16 bytes (same nibble order), weight = d·(q − 8). Q8_0: f16 d, 32 × int8.
void arbiter_q4_1_rows_avx2(const uint8_t *w, size_t row_bytes, long row_begin, long row_end, long blocks,
                            const int8_t *xq, const float *xd, const float *xs, long n, float *y, long y_stride);
void arbiter_q4_0_rows_avx2(const uint8_t *w, size_t row_bytes, long row_begin, long row_end, long blocks,
                            const int8_t *xq, const float *xd, const float *xs, long n, float *y, long y_stride);
void arbiter_q8_0_rows_avx2(const uint8_t *w, size_t row_bytes, long row_begin, long row_end, long blocks,
                            const int8_t *xq, const float *xd, const float *xs, long n, float *y, long y_stride);

/// Weights repacked eight rows at a time (kernels_x8_avx2.c) for the `_x8` kernels below.
/// Kinds: the source's ggml type; Q4_0 is stored like Q4_1 (offset m = −8·d).
#define ARBITER_X8_Q4_0 0
#define ARBITER_X8_Q4_1 1
#define ARBITER_X8_Q8_0 2

/// Bytes the repacked copy of a (rows, blocks·32) matrix of `kind` needs (rows rounded up to 8).
long arbiter_x8_packed_bytes(int kind, long rows, long blocks);

/// Repacks `rows` rows of ggml blocks (row_bytes apart) into `out` (arbiter_x8_packed_bytes
/// bytes); padding rows are zero. Returns 1, or 0 when a Q4_0 scale cannot be stored as Q4_1
/// exactly (subnormal, too large, or not finite): keep using the row-at-a-time kernel then.
/// Portable C (no AVX2 needed).
int arbiter_x8_repack(int kind, const uint8_t *w, size_t row_bytes, long rows, long blocks, uint8_t *out);

/// Row groups [group_begin, group_end) (rows 8g..8g+7, those < rows written) of a repacked Q4
/// matrix times n activation rows, as arbiter_q4_1_rows_avx2 (xs: the Q4_1 sums d·Σq, also for
/// Q4_0 sources). y[b * y_stride + r] for each row r and activation row b.
void arbiter_q4_x8_avx2(const uint8_t *packed, long group_begin, long group_end, long blocks, const int8_t *xq,
                        const float *xd, const float *xs, long n, float *y, long y_stride, long rows);

/// The same for a repacked Q8_0 matrix.
void arbiter_q8_0_x8_avx2(const uint8_t *packed, long group_begin, long group_end, long blocks, const int8_t *xq,
                          const float *xd, long n, float *y, long y_stride, long rows);

/// Q4 weights repacked sixteen rows at a time (kernels_p16_gemm.c) for the prefill GEMM kernels
/// below (kinds ARBITER_X8_Q4_0 / ARBITER_X8_Q4_1; scales stored as float, so every Q4_0 packs).
/// Bytes the repacked copy of a (rows, blocks·32) matrix needs (rows rounded up to 16).
long arbiter_p16_packed_bytes(long rows, long blocks);

/// Repacks `rows` Q4 rows (row_bytes apart) into `out` (arbiter_p16_packed_bytes bytes); padding
/// rows are zero. Returns 1, or 0 for a kind other than Q4_0 / Q4_1. Portable C.
int arbiter_p16_repack(int kind, const uint8_t *w, size_t row_bytes, long rows, long blocks, uint8_t *out);

/// 1 when this CPU is x86-64 with AVX-512 F/BW/VL and VNNI (arbiter_p16_gemm_vnni may run), else 0.
int arbiter_kernels_avx512vnni_available(void);

/// Panels [panel_begin, panel_end) (rows 16p..16p+15, those < rows written) of a p16-repacked
/// matrix times n activation rows (xq, xd, xs as arbiter_q4_1_rows_avx2):
///   y[b * y_stride + r] = Σ_k fma(m_r,k, s_b,k, fma(dot_k, d_r,k·d_b,k, ·)) in block order.
/// The three forms give bit-identical results: `_vnni` needs arbiter_kernels_avx512vnni_available(),
/// `_avx2` needs arbiter_kernels_avx2_available(), `_c` runs anywhere (slowly).
void arbiter_p16_gemm_vnni(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                           const float *xd, const float *xs, long n, float *y, long y_stride, long rows);
void arbiter_p16_gemm_avx2(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                           const float *xd, const float *xs, long n, float *y, long y_stride, long rows);
void arbiter_p16_gemm_c(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                        const float *xd, const float *xs, long n, float *y, long y_stride, long rows);

/// The Q8_0 form (kernels_p16_q8.c): bytes of the sixteen-row copy, the repack (portable C), and
/// the products as arbiter_p16_gemm_* without the offset term (xsum: Σq per activation block, the
/// code sums, which the VNNI form needs; results bit-identical across the three forms).
long arbiter_p16_q8_packed_bytes(long rows, long blocks);
void arbiter_p16_q8_repack(const uint8_t *w, size_t row_bytes, long rows, long blocks, uint8_t *out);
void arbiter_p16_q8_gemm_vnni(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                              const float *xd, const float *xsum, long n, float *y, long y_stride, long rows);
void arbiter_p16_q8_gemm_avx2(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                              const float *xd, long n, float *y, long y_stride, long rows);
void arbiter_p16_q8_gemm_c(const uint8_t *packed, long panel_begin, long panel_end, long blocks, const int8_t *xq,
                           const float *xd, long n, float *y, long y_stride, long rows);

/// Quantises `blocks` blocks of 32 floats to 8 bits as QuantizedActivations does (d = max|x|/127,
/// q = round(x/d) ties to even, s = d·Σq, qsum = Σq): q natural order. AVX2 (see above).
void arbiter_quantize_q8_avx2(const float *x, long blocks, int8_t *q, float *d, float *s, float *qsum);

/// A spin-wait hint (x86 `pause`; nothing elsewhere) for threads polling a shared flag.
static inline void arbiter_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/// One query row of attention over one kv head, for decode steps: with s_j = scale·(q·k_j) for
/// the keys j < keys whose valid[j] is nonzero (valid may be NULL: all), out = Σ_j softmax(s)_j·v_j.
/// q (d), k and v (keys, d) row-major, scores: scratch of `keys` floats, out (d). No valid key:
/// out is zeros. AVX2 + FMA; call only when arbiter_kernels_avx2_available().
void arbiter_attention_row_avx2(const float *q, const float *k, const float *v, long keys, long d, float scale,
                                const uint8_t *valid, float *scores, float *out);

/// In place: row[j] ← softmax of row[0..<limit] (entries equal to −∞ get 0), row[limit..<count] ← 0;
/// all of row[0..<count] ← 0 when every visible entry is −∞. The exp of the attention row kernel.
/// AVX2 + FMA; call only when arbiter_kernels_avx2_available().
void arbiter_softmax_row_avx2(float *row, long limit, long count);

/// glibc malloc (heap.c): sets M_MMAP_THRESHOLD and M_TRIM_THRESHOLD; 1 when both were accepted,
/// 0 when refused or not glibc.
int arbiter_heap_set_thresholds(long mmap_threshold, long trim_threshold);
/// 1 when glibc malloc served `p` (a live malloc result) with a mapping of its own, 0 when it came
/// from an arena's heap, -1 when not glibc.
int arbiter_heap_is_mapped(const void *p);
