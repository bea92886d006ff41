/* axrt_norm.h: parameter structs and kernels of the norm family:
 * normalizations (batch, instance, layer, local response, Lp, mean-variance)
 * and the axis-wise Softmax, LogSoftmax and Hardmax. */
#ifndef AXRT_NORM_H
#define AXRT_NORM_H

#include "axrt_core.h"

/* batchnorm (inference): in X, scale, bias, mean, var (each of c floats);
 * Y = (X - mean) / sqrt(var + epsilon) * scale + bias per channel.
 * instnorm: in X, scale, bias; the mean and (population) variance are those
 * of each (n, c) plane. X and Y are n x c x inner. No scratch. */
#define AXRT_BATCHNORM_PARAMS(F, A) F(int32_t, n) F(int32_t, c) F(int32_t, inner) \
	F(float, epsilon)

/* lrn: X and Y are n x c x inner; Y = X / (bias + alpha / size * S)^beta with
 * S the sum of squares over channels [c - (size-1)/2, c + size/2]. */
#define AXRT_LRN_PARAMS(F, A) F(int32_t, n) F(int32_t, c) F(int32_t, inner) \
	F(int32_t, size) F(float, alpha) F(float, beta) F(float, bias)

/* softmax, logsoftmax, hardmax: X and Y are outer x len x inner, the op
 * runs along len (stride inner). Softmax subtracts the maximum, sums expf
 * in float; hardmax sets the first maximum to 1. No scratch. */
#define AXRT_SOFTMAX_PARAMS(F, A) F(int32_t, outer) F(int32_t, len) F(int32_t, inner)

/* lpnorm: Y = X / ||X||_p along len (outer x len x inner), p is 1 or 2; an
 * all-zero vector stays zero. */
#define AXRT_LPNORM_PARAMS(F, A) F(int32_t, outer) F(int32_t, len) F(int32_t, inner) \
	F(int32_t, p)

/* layernorm: X and Y are outer x size; each row is normalized with its mean
 * and population variance, then Y = norm * scale + bias. in: X, scale, bias
 * or NULL; scale/bias hold size floats, or 1 when s_bcast/b_bcast. Optional
 * outputs (NULL when absent): out[1] mean, out[2] 1/sqrt(var + epsilon),
 * outer floats each. No scratch. */
#define AXRT_LAYERNORM_PARAMS(F, A) F(int32_t, outer) F(int32_t, size) \
	F(float, epsilon) F(int32_t, s_bcast) F(int32_t, b_bcast)

/* mvn: Y = (X - mean) / (sqrt(var) + 1e-9), the mean and population
 * variance taken over the axes with red[i] = 1 of the rank-dim X.
 * Scratch: 2 * (number of kept elements) floats. */
#define AXRT_MVN_PARAMS(F, A) F(int32_t, rank) A(int32_t, dims, AXRT_MAXRANK) \
	A(int32_t, red, AXRT_MAXRANK)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_norm.def"
#undef AXRT_P
#undef AXRT_K

#endif
