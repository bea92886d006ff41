/* axrt_qdq.h: parameter structs and kernels of the qdq family: the integer
 * kernels of ONNX linear quantization (QDQ models, QLinearConv,
 * QLinearMatMul) with scales that need not be powers of two
 * (docs/QDQ.md). A tensor holds uint8 or int8 codes q (xt/yt:
 * AXRT_DT_UINT8 or AXRT_DT_INT8) standing for s * (q - z). The arithmetic
 * of every kernel, exactly:
 *
 * - Sums are exact: acc = bias + sum (w - z_w)(x - z_x) in int32 (the
 *   compiler uses these kernels only when no sum can leave int32; padding
 *   positions contribute 0, i.e. they hold x = z_x). Weights are stored
 *   with their zero point already subtracted (wt: int8 when every
 *   w - z_w fits, else int16).
 * - The real multiplier M (s_x * s_w / s_y, as a float32: the value ONNX
 *   Runtime uses) is M0 * 2^-n with M0 in [2^30, 2^31) and 0 <= n <= 62;
 *   a float32 has 24 significant bits, so this is M exactly.
 * - y = clamp(z_y + axrt_qdq_rshift(acc * M0, n), lo, hi): the real
 *   product acc * M rounded half to even, exactly (int64, no
 *   intermediate rounding); [lo, hi] is the code range of yt narrowed by
 *   a fused Relu (lo = max(lo, z_y)) or Clip (its bounds quantized). */
#ifndef AXRT_QDQ_H
#define AXRT_QDQ_H

#include "axrt_core.h"

/* qdqconv: the conv of axrt_conv.h (n, c, m, group, (D, H, W) arrays with
 * 1s in front for fewer spatial dims) on codes.
 *   in[0] x: codes (xt, zero point xz), n x c x in[...]
 *   in[1] w: m rows of K = c/group * k0*k1*k2 values w - z_w (wt: int8 or
 *     int16) in the order (c', k0, k1, k2)
 *   in[2] bias: int32, m values (scale s_x * s_w[o]), or NULL
 *   in[3] mult: int32 M0 per output channel (m values)
 *   in[4] shift: int32 n per output channel
 *   out[0] y: codes (yt, yz), n x m x out[...]
 * qdq_conv: the reference (no scratch). qdq_conv_fast: in[0] == k[0] ==
 * 1 (1 or 2 spatial dims): per image and group the input planes become
 * int16 x - xz zero-padded to hp x wp (hp = (out[1]-1)*stride[1] +
 * (k[1]-1)*dil[1] + 1, wp likewise), then per output channel the int32
 * sums of the whole output plane are built tap by tap (long loops gcc
 * vectorizes). Scratch: AXRT_QDQ_CONV_SCRATCH(c/group, hp, wp,
 * out[1] * out[2]) bytes. Both give the same bits. */
#define AXRT_QDQCONV_PARAMS(F, A) \
	F(int32_t, n) \
	F(int32_t, c) \
	F(int32_t, m) \
	F(int32_t, group) \
	A(int32_t, in, 3) \
	A(int32_t, out, 3) \
	A(int32_t, k, 3) \
	A(int32_t, stride, 3) \
	A(int32_t, dil, 3) \
	A(int32_t, pad, 3) \
	F(int32_t, xt) \
	F(int32_t, xz) \
	F(int32_t, wt) \
	F(int32_t, yt) \
	F(int32_t, yz) \
	F(int32_t, lo) \
	F(int32_t, hi)
#define AXRT_QDQ_CONV_SCRATCH(cg, hp, wp, plane) \
	((size_t)(cg) * (size_t)(hp) * (size_t)(wp) * 2u + (size_t)(plane) * 4u + 32u)

/* qdqgemm: Y[i][o] = epilogue(bias[o] + sum_k (A[i][k] - az) * W[o][k])
 * for the m x k codes A (row-major, or k x m when trans_a) and n weight
 * rows W of k values w - z_w (wt): Gemm with a constant B, MatMul with a
 * constant 2-D B (leading dims of A are rows), QLinearMatMul.
 *   in[0] A, in[1] W, in[2] bias int32 (n) or NULL, in[3] mult, in[4]
 *   shift (n values each), out[0] Y: m x n codes.
 * qdq_gemm: reference. qdq_gemm_fast: trans_a 0; each row of A becomes
 * int16 a - az in scratch (AXRT_QDQ_GEMM_SCRATCH(k) bytes). */
#define AXRT_QDQGEMM_PARAMS(F, A) \
	F(int32_t, m) \
	F(int32_t, n) \
	F(int32_t, k) \
	F(int32_t, trans_a) \
	F(int32_t, xt) \
	F(int32_t, xz) \
	F(int32_t, wt) \
	F(int32_t, yt) \
	F(int32_t, yz) \
	F(int32_t, lo) \
	F(int32_t, hi)
#define AXRT_QDQ_GEMM_SCRATCH(k) ((size_t)(k) * 2u + 32u)

/* qdqcvt: qdq_requant, elementwise over n codes:
 * y = clamp(yz + rshift((x - xz) * m0, shift), lo, hi): a change of
 * scale, zero point or type (uint8 <-> int8), a standalone Relu (lo = yz)
 * or Clip. No scratch. */
#define AXRT_QDQCVT_PARAMS(F, A) \
	F(int64_t, n) \
	F(int32_t, xt) \
	F(int32_t, xz) \
	F(int32_t, yt) \
	F(int32_t, yz) \
	F(int32_t, m0) \
	F(int32_t, shift) \
	F(int32_t, lo) \
	F(int32_t, hi)

/* qdqbin: qdq_add, y = a + b with numpy broadcasting (rank <= 8, element
 * strides a_str/b_str over the output dims, 0: broadcast):
 * y = clamp(yz + rshift((a - az) * ma + (b - bz) * mb, shift), lo, hi)
 * where ma = Ma0 * 2^(shift - na) and mb likewise (int64, exact): both
 * operands on the finer of their two multipliers' scales. No scratch. */
#define AXRT_QDQBIN_PARAMS(F, A) \
	F(int32_t, rank) \
	A(int32_t, dims, AXRT_MAXRANK) \
	A(int64_t, a_str, AXRT_MAXRANK) \
	A(int64_t, b_str, AXRT_MAXRANK) \
	F(int32_t, at) \
	F(int32_t, az) \
	F(int32_t, bt) \
	F(int32_t, bz) \
	F(int32_t, yt) \
	F(int32_t, yz) \
	F(int64_t, ma) \
	F(int64_t, mb) \
	F(int32_t, shift) \
	F(int32_t, lo) \
	F(int32_t, hi)

/* qdqpool: qdq_avgpool, the windows of axrt_pool.h (planes, (D, H, W)
 * arrays): s = sum over the window of x - xz (int32; positions in the
 * padding count as 0: count_include_pad, or no padding, so every window
 * has k0*k1*k2 positions), y = clamp(yz + rshift(s * m0, shift), lo, hi)
 * where M0 * 2^-shift = s_x / (s_y * k0*k1*k2). GlobalAveragePool is the
 * window of the whole plane. No scratch. */
#define AXRT_QDQPOOL_PARAMS(F, A) \
	F(int32_t, planes) \
	A(int32_t, in, 3) \
	A(int32_t, out, 3) \
	A(int32_t, k, 3) \
	A(int32_t, stride, 3) \
	A(int32_t, pad, 3) \
	F(int32_t, xt) \
	F(int32_t, xz) \
	F(int32_t, yt) \
	F(int32_t, yz) \
	F(int32_t, m0) \
	F(int32_t, shift) \
	F(int32_t, lo) \
	F(int32_t, hi)

/* v * 2^-s rounded half to even, 0 <= s <= 62 (|v| < 2^62). Portable:
 * the floor of a negative v goes through ~v, never >> of a negative. */
static inline AXRT_UNUSED int64_t
axrt_qdq_rshift(int64_t v, int32_t s)
{
	int64_t q, r, half;

	if (s <= 0)
		return v;
	q = v >= 0 ? v >> s : ~(~v >> s);          /* floor(v / 2^s) */
	r = v - q * ((int64_t)1 << s);            /* 0 <= r < 2^s */
	half = (int64_t)1 << (s - 1);
	if (r > half || (r == half && (q & 1)))
		q++;
	return q;
}

/* The output code: z + rshift(v, s), clamped to [lo, hi]. */
static inline AXRT_UNUSED int32_t
axrt_qdq_out(int64_t v, int32_t s, int32_t z, int32_t lo, int32_t hi)
{
	int64_t y = axrt_qdq_rshift(v, s) + z;

	return (int32_t)(y < lo ? lo : y > hi ? hi : y);
}

/* Code i of a uint8 (AXRT_DT_UINT8) or int8 array. */
static inline AXRT_UNUSED int32_t
axrt_qdq_ld(const void *p, int32_t t, int64_t i)
{
	return t == AXRT_DT_UINT8 ? ((const uint8_t *)p)[i] : ((const int8_t *)p)[i];
}

static inline AXRT_UNUSED void
axrt_qdq_st(void *p, int32_t t, int64_t i, int32_t v)
{
	if (t == AXRT_DT_UINT8)
		((uint8_t *)p)[i] = (uint8_t)v;
	else
		((int8_t *)p)[i] = (int8_t)v;
}

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_qdq.def"
#undef AXRT_P
#undef AXRT_K

#endif
