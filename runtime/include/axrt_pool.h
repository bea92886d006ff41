/* axrt_pool.h: parameter structs and kernels of the pool family: windowed
 * max, average and Lp pooling and their global forms over NC[D][H]W tensors. */
#ifndef AXRT_POOL_H
#define AXRT_POOL_H

#include "axrt_core.h"

/* pool: one window slides over each of the `planes` (n * c) planes.
 *   in[0] x: planes x in[0] x in[1] x in[2]
 *   out[0] y: planes x out[0] x out[1] x out[2]
 * Spatial arrays are (D, H, W); lower ranks put 1 in front (k = stride =
 * dil = 1, pads 0). Window o covers x[o * stride - pad + j * dil] for
 * j < k; positions outside x are skipped (max) or count as zero (avg, lp).
 * pad_end is the trailing padding: only count_include_pad uses it.
 *
 * maxpool_*: the largest value, -FLT_MAX (or the type's minimum) for a
 *   window wholly in the padding. out[1], if not NULL, receives int64
 *   indices of the first maximum into the flattened x, counting planes;
 *   storage_order 1 numbers the spatial position column-major (ONNX).
 * avgpool_f32: sum / count, count = window positions inside x, or inside
 *   the padded x when count_include_pad (0 if none: y = 0).
 * lppool_f32: (sum |x|^p)^(1/p).
 * Scratch: none. */
#define AXRT_POOL_PARAMS(F, A) \
	F(int32_t, planes) \
	A(int32_t, in, 3) \
	A(int32_t, out, 3) \
	A(int32_t, k, 3) \
	A(int32_t, stride, 3) \
	A(int32_t, dil, 3) \
	A(int32_t, pad, 3) \
	A(int32_t, pad_end, 3) \
	F(int32_t, count_include_pad) \
	F(int32_t, storage_order) \
	F(float, p)

/* gpool: reduces each of `planes` runs of `size` contiguous elements to one
 * value (GlobalAveragePool, GlobalMaxPool, GlobalLpPool with exponent p).
 * size >= 1. Scratch: none. */
#define AXRT_GPOOL_PARAMS(F, A) \
	F(int32_t, planes) \
	F(int32_t, size) \
	F(float, p)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_pool.def"
#undef AXRT_P
#undef AXRT_K

#endif
