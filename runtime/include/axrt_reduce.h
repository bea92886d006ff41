/* axrt_reduce.h: parameter structs and kernels of the reduce family: the
 * Reduce* ops over any set of axes, and ArgMax/ArgMin. */
#ifndef AXRT_REDUCE_H
#define AXRT_REDUCE_H

#include "axrt_core.h"

/* reduce_<op>_<type>: X has shape dims[0..rank), rank >= 1; red[i] = 1 marks
 * a reduced axis. Y holds the kept elements in C order (keepdims changes
 * only Y's shape, never its layout). The compiler merges adjacent axes of
 * the same kind, so rank is small. Types: f32, f64 (accumulating in their
 * own type), i32 and i64 (sum, mean, max, min, prod only; sums and products
 * wrap, the mean truncates toward zero).
 *   sum, mean, max, min, prod: the usual; l1: sum |x|; l2: sqrt(sum x^2);
 *   sumsquare: sum x^2; logsum: log(sum x); logsumexp: m + log(sum exp(x - m))
 *   with m the maximum (scratch: one float per element of Y; others none). */
#define AXRT_REDUCE_PARAMS(F, A) F(int32_t, rank) A(int32_t, dims, AXRT_MAXRANK) \
	A(int32_t, red, AXRT_MAXRANK)

/* argmax/argmin: X is outer x len x inner, Y (int64) outer x inner: the
 * index along len of the first extreme value, or of the last when
 * select_last is set. No scratch. */
#define AXRT_ARGMAX_PARAMS(F, A) F(int32_t, outer) F(int32_t, len) F(int32_t, inner) \
	F(int32_t, select_last)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_reduce.def"
#undef AXRT_P
#undef AXRT_K

#endif
