/* axrt_conv.h: parameter structs and kernels of the conv family:
 * grouped N-D convolution and transposed convolution over NC[D][H]W float32
 * tensors with an optional bias and a fused activation epilogue. */
#ifndef AXRT_CONV_H
#define AXRT_CONV_H

#include "axrt_core.h"

/* conv_f32: y = act(conv(x, w) + b), 1 to 3 spatial dims.
 *   in[0] x: n x c x in[0] x in[1] x in[2]
 *   in[1] w: m x (c/group) x k[0] x k[1] x k[2]
 *   in[2] b: m, or NULL
 *   out[0] y: n x m x out[0] x out[1] x out[2]
 * Spatial arrays are (D, H, W); a 2-D conv has in[0] = out[0] = k[0] = 1,
 * stride[0] = dil[0] = 1 and pad[0] = 0 (a 1-D conv likewise in [1]).
 * y[o] = sum over kernel offsets j of w[j] * x[o * stride - pad + j * dil],
 * where offsets outside the input read zero; trailing pads are implied by
 * out. group divides c and m, all sizes >= 1.
 *
 * convtranspose_f32: the gradient of conv with the same geometry read
 * backwards: in[0] x: n x c x in[...], in[1] w: c x (m/group) x k[...],
 * in[2] b: m or NULL, out[0] y: n x m x out[...];
 * y[i * stride - pad + j * dil] += x[i] * w[j], positions outside y dropped.
 *
 * conv_f32 and convtranspose_f32 are the reference kernels (no scratch).
 * The fast paths: conv_f32_dw below, and conv_f32_gemm (axrt_gemm.h) for
 * the other convolutions with constant weights.
 *
 * conv_f32_dw: the depthwise conv_f32 (group == c == m) in 1 or 2 spatial
 * dims (in[0] = out[0] = k[0] = 1), same operands, same summation order
 * (bias, then kh, then kw), so the same values. Scratch (ORDER
 * CONVDW_SCRATCH: compiler/ops/conv.c), for a 3x3 kernel: with unit
 * strides and dilations, pads 1 and out = in (h = in[1] >= 3, w = in[2]
 * >= 4), (h + 2) * w + 2 floats when h * w <= AXRT_CONVDW_FLATC, else w
 * floats; else with unit strides, dil[1] == dil[2] and out[2] <
 * AXRT_CONVDW_WIDE, hp * wp + (out[1]-1)*wp + out[2] floats, hp = (out[1]-1)*stride[1] +
 * (k[1]-1)*dil[1] + 1 and wp likewise along [2] (one padded input plane
 * and the wide loop's plane); else with both strides 1 or both 2 and no
 * dilation, in[2] floats (a row of zeros); else with stride[2] == 2
 * and dil[2] == 1, 6 * (out[2]+1) floats. Any other kernel: hp * wp
 * floats.
 *
 * act is AXRT_ACT_*, applied after the bias: LEAKYRELU uses act_alpha as
 * the slope, CLIP clamps to [act_alpha, act_beta], HARDSIGMOID computes
 * max(0, min(1, act_alpha * v + act_beta)); all as axrt_act_f32. */
#define AXRT_CONVDW_WIDE 64
#define AXRT_CONVDW_FLATC 1024
#define AXRT_CONV_PARAMS(F, A) \
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
	F(int32_t, act) \
	F(float, act_alpha) \
	F(float, act_beta)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_conv.def"
#undef AXRT_P
#undef AXRT_K

#endif
