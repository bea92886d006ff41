/* qdq.h: what compiler/ops/quant.c and passes/qdq.c share with the qdq
 * op family (compiler/ops/qdq.c). */
#ifndef AXCC_QDQ_H
#define AXCC_QDQ_H

#include "ops.h"
#include "axrt_quant.h"

/* m (> 0, taken as a float32) as m0 * 2^-shift, m0 in [2^30, 2^31),
 * 0 <= shift <= 62. Returns 0, or -1 when m is not positive or >= 2^31. */
int qdq_mult(double m, int32_t *m0, int32_t *shift);
/* The output code range of type t (uint8/int8), narrowed by a fused
 * Relu (to the zero point) or Clip (its bounds amin/amax quantized with
 * scale ys and zero point yz, round half to even). */
void qdq_range(DType t, int act, float amin, float amax, float ys, int32_t yz, int32_t *lo, int32_t *hi);
/* Whether every sum bias + sum_k (x - z_x)(w - z_w) fits int32 for the
 * constant weight w (rows x k, or k x rows when kmaj) with zero point wz
 * and the int32 bias b (NULL: none), whatever the codes x. */
int qdq_fits(const Tensor *w, const Tensor *wz, int64_t rows, int64_t k, int kmaj, const Tensor *b);
/* QLinearConv with constant w, scales, zero points and bias: whether
 * qdq_lower_conv applies, and the lowering (g: the reference kernel's
 * geometry). qdq_lower_conv returns 1 when lowered, 0 when the sums may
 * leave int32 or a multiplier is 2^31 or more (the reference kernel is
 * used), -1 after a diagnostic. */
int qdq_conv_ok(const Node *n);
int qdq_lower_conv(Node *n, Lower *l, const axrt_qconv_params *g);
/* QLinearMatMul with a constant 2-D B and constant per-tensor scales and
 * zero points (B's may be per column); returns as qdq_lower_conv. */
int qdq_matmul_ok(const Node *n);
int qdq_lower_matmul(Node *n, Lower *l);

#endif
