/* axrt_quant.h: parameter structs and kernels of the quant family: ONNX
 * linear (de)quantization and the integer matmul/conv ops, exact to the
 * ONNX backend tests and ONNX Runtime's reference arithmetic.
 *
 * Conventions shared by the kernels below:
 * - qtype is the ONNX element type of a quantized tensor: AXRT_DT_UINT8,
 *   INT8, UINT16 or INT16 (and INT32 for dequantize_f32 input).
 * - Rounding is to nearest, ties to even, independent of the FPU rounding
 *   mode; saturation clamps to qtype's range. NaN saturates to the
 *   lowest value of the range, as in ONNX Runtime.
 * - The integer ops subtract the zero points from both 8-bit operands
 *   (so each factor lies in [-255, 255] and no product overflows) and
 *   accumulate modulo 2^32, which ONNX allows for its int32 accumulators;
 *   the sum is kept in uint32_t so that the wrap is defined behaviour. */
#ifndef AXRT_QUANT_H
#define AXRT_QUANT_H

#include "axrt_core.h"

/* quantize_f32 / quantize_i32: x viewed as outer x chan x inner;
 *   y[o][c][i] = saturate(round(x[o][c][i] / scale[c]) + zp[c])
 * in[0] x: float (quantize_f32: float division) or int32 (quantize_i32:
 * the division is in double, like numpy's int32 / float32);
 * in[1] scale: float, chan values if per_axis else 1;
 * in[2] zp: qtype, as many values as scale, or NULL (zero);
 * out[0] y: qtype (UINT8, INT8, UINT16, INT16). Per-tensor: chan = 1.
 *
 * dequantize_f32: y[o][c][i] = (float)(x[o][c][i] - zp[c]) * scale[c]
 * (the difference is exact, in 64 bits; then one float product, as in
 * ONNX Runtime). in[0] x: qtype (UINT8, INT8, UINT16, INT16, INT32), in[1]
 * scale: float, in[2] zp: qtype or NULL, out[0] y: float. No scratch. */
#define AXRT_QLINEAR_PARAMS(F, A) \
	F(int32_t, outer) \
	F(int32_t, chan) \
	F(int32_t, inner) \
	F(int32_t, per_axis) \
	F(int32_t, qtype)

/* dynquant_u8 (DynamicQuantizeLinear): over the n floats of in[0]
 *   lo = min(0, min x), hi = max(0, max x),
 *   scale = (hi - lo) / 255 (1 when hi == lo, as ONNX Runtime does),
 *   zp = round(clamp(0 - lo / scale, 0, 255)),
 *   y = saturate(round(x / scale) + zp) as uint8.
 * out[0] y: n uint8; out[1] scale: 1 float; out[2] zp: 1 uint8 (out[1],
 * out[2] may be NULL). No scratch. */
#define AXRT_DYNQUANT_PARAMS(F, A) F(int32_t, n)

/* matmulinteger_i32 (MatMulInteger) and qlinearmatmul_q8 (QLinearMatMul):
 * batched Y[b][i][j] = sum_k (A[b][i][k] - azp[i]) * (B[b][k][j] - bzp[j])
 * over row-major m x k and k x n matrices of 8-bit elements, batch
 * broadcasting as for axrt_matmul (bdim, a_bs, b_bs: see axrt_gemm.h).
 * a_signed/b_signed: the operand is int8 (1) or uint8 (0). a_per_row:
 * A's zero point (and scale) has m values, one per row, else one; likewise
 * b_per_col with n values, one per column.
 * matmulinteger_i32: in A, B, a_zp (or NULL: 0), b_zp (or NULL); out[0]
 *   int32 Y (the sum modulo 2^32, two's complement).
 * qlinearmatmul_q8: in a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp;
 *   out[0] y of int8 (y_signed) or uint8:
 *   y = saturate(round((float)Y * mult) + y_zp), where the multiplier
 *   mult = (a_scale[i] * b_scale[j]) / y_scale is rounded to float at each
 *   step and (float)Y rounds to nearest -- ONNX Runtime's
 *   MlasRequantizeOutput arithmetic.
 * Scratch: 4 * n bytes (one row of int32 accumulators). */
#define AXRT_QMATMUL_PARAMS(F, A) \
	F(int32_t, m) \
	F(int32_t, n) \
	F(int32_t, k) \
	F(int32_t, brank) \
	A(int32_t, bdim, AXRT_MAXRANK) \
	A(int32_t, a_bs, AXRT_MAXRANK) \
	A(int32_t, b_bs, AXRT_MAXRANK) \
	F(int32_t, a_signed) \
	F(int32_t, b_signed) \
	F(int32_t, y_signed) \
	F(int32_t, a_per_row) \
	F(int32_t, b_per_col)

/* convinteger_i32 (ConvInteger) and qlinearconv_q8 (QLinearConv): the
 * geometry of axrt_conv_f32 (see axrt_conv.h: n, c, m, group, and (D, H, W)
 * arrays with 1s for missing spatial dims) over 8-bit x and w:
 *   Y[n][m][o] = B[m] + sum (x[..] - xzp) * (w[m][..] - wzp[m])
 * where padded positions contribute nothing (they hold xzp). x_signed,
 * w_signed: int8 (1) or uint8 (0); w_per_chan: w's zero point (and scale)
 * has m values, else one.
 * convinteger_i32: in x, w, x_zp (or NULL), w_zp (or NULL); out[0] int32 Y
 *   (modulo 2^32), no bias.
 * qlinearconv_q8: in x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp,
 *   B (int32 bias, m values, or NULL); out[0] y of int8 (y_signed) or
 *   uint8: y = saturate(round((float)Y * mult) + y_zp) with
 *   mult = (x_scale * w_scale[m]) / y_scale, as for qlinearmatmul_q8.
 * Scratch: 4 * out[2] bytes (one output row of int32 accumulators). */
#define AXRT_QCONV_PARAMS(F, A) \
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
	F(int32_t, x_signed) \
	F(int32_t, w_signed) \
	F(int32_t, y_signed) \
	F(int32_t, w_per_chan)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_quant.def"
#undef AXRT_P
#undef AXRT_K

#endif
