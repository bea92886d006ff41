/* axrt_core.h: the runtime's common types, status codes, parameter-struct
 * machinery and memory hooks. C99, no allocation, no stdio. Every family
 * header (axrt_<family>.h) builds on this file; axrt.h includes them all. */
#ifndef AXRT_CORE_H
#define AXRT_CORE_H

#include <stddef.h>
#include <stdint.h>

#define AXRT_MAXRANK 8

/* Kernels return AXRT_OK or a negative status; they never print. */
typedef int axrt_status;
enum {
	AXRT_OK = 0,
	AXRT_EINVAL = -1,      /* parameters out of the documented range */
	AXRT_EUNSUPPORTED = -2 /* a combination this kernel does not handle */
};

/* ONNX TensorProto.DataType numbering, used for elem_type everywhere. */
enum {
	AXRT_DT_FLOAT = 1, AXRT_DT_UINT8 = 2, AXRT_DT_INT8 = 3, AXRT_DT_UINT16 = 4,
	AXRT_DT_INT16 = 5, AXRT_DT_INT32 = 6, AXRT_DT_INT64 = 7, AXRT_DT_STRING = 8,
	AXRT_DT_BOOL = 9, AXRT_DT_FLOAT16 = 10, AXRT_DT_DOUBLE = 11,
	AXRT_DT_UINT32 = 12, AXRT_DT_UINT64 = 13, AXRT_DT_BFLOAT16 = 16
};

/* A string tensor element (the string family, axrt_string.h): a
 * NUL-terminated string of at most AXRT_STR_BYTES - 1 bytes, zero-padded. */
#define AXRT_STR_BYTES 64
#ifndef AXRT_STR_DEFINED
#define AXRT_STR_DEFINED
typedef struct { char s[64]; } axrt_str;
#endif

/* Fused activations of conv/gemm epilogues and the unary kernels. */

enum {
	AXRT_ACT_NONE = 0, AXRT_ACT_RELU, AXRT_ACT_LEAKYRELU, AXRT_ACT_CLIP,
	AXRT_ACT_SIGMOID, AXRT_ACT_TANH, AXRT_ACT_HARDSIGMOID, AXRT_ACT_HARDSWISH
};

#if defined(__GNUC__) || defined(__clang__)
#define AXRT_UNUSED __attribute__((unused))
#else
#define AXRT_UNUSED
#endif

/* AXRT_API marks kernel entry points: external in the library, static when
 * codegen embeds the runtime into a generated file (AXRT_EMBED). */
#ifdef AXRT_EMBED
#define AXRT_API static AXRT_UNUSED
#else
#define AXRT_API
#endif
/* File-local helpers of kernel files. */
#define AXRT_PRIVATE static AXRT_UNUSED

/* Parameter structs are declared once as an X-list of fields so that the
 * compiler can print any of them as a C initializer (codegen/params.c):
 *   #define AXRT_FOO_PARAMS(F, A) F(int32_t, n) A(int32_t, dims, AXRT_MAXRANK)
 *   AXRT_DEFINE_PARAMS(foo, AXRT_FOO_PARAMS)    -> axrt_foo_params
 * Field types are limited to int32_t, int64_t and float. */
#define AXRT_PF_(t, n) t n;
#define AXRT_PA_(t, n, k) t n[k];
#define AXRT_DEFINE_PARAMS(name, LIST) \
	typedef struct { LIST(AXRT_PF_, AXRT_PA_) } axrt_##name##_params;

/* Every kernel has this shape: parameters, input pointers (NULL for an
 * absent optional input), output pointers, scratch of the size its family
 * documents (NULL when that size is 0). */
#define AXRT_KERNEL_PROTO(kname, pname) \
	AXRT_API axrt_status axrt_##kname(const axrt_##pname##_params *p, \
		const void *const *in, void *const *out, void *scratch)

/* Memory-error hooks: every weight load and activation write in generated
 * code passes through these. They cost nothing unless AXRT_FAULTS is set,
 * where a later issue binds them to the fault models (APPROX.md §5). */
#ifndef AXRT_HOOK_WEIGHTS
#define AXRT_HOOK_WEIGHTS(step, ptr, nbytes) ((void)0)
#endif
#ifndef AXRT_HOOK_WRITE
#define AXRT_HOOK_WRITE(step, ptr, nbytes) ((void)0)
#endif

#include <math.h>

/* AXRT_FMAF(a, b, c): a * b + c, rounded once (fmaf) where the target
 * has a fast fused multiply-add (x86 FMA, Cortex-M4F VFMA), else a
 * multiply and an add (ISO C compilers do not fuse them unasked: gcc
 * -std=c99 defaults to -ffp-contract=off). The float kernels' inner
 * loops use it, so a build for such a target computes the same sums in
 * the same order with one rounding less per term, in one instruction
 * instead of two; AXRT_FMA is then set. Such a build differs
 * from the interpreter (built for the baseline x86-64, no FMA) in the
 * last bits of float results; -DAXRT_NO_FMA keeps the separate multiply
 * and add, and with them the interpreter's bits (DESIGN §1; with clang
 * also -ffp-contract=off, as clang fuses a * b + c unasked). */
#if !defined(AXRT_NO_FMA) && (defined(__FP_FAST_FMAF) || defined(__FMA__))
#define AXRT_FMA 1
#define AXRT_FMAF(a, b, c) fmaf(a, b, c)
#else
#define AXRT_FMAF(a, b, c) ((a) * (b) + (c))
#endif

/* axrt_bcast_next: one step of a row-major walk over an output of `rank`
 * dims (idx its index) read through two operands' element strides as and
 * bs (0 on a broadcast dim): moves the operands' offsets *ia and *ib to
 * the next output element. Shared by the integer binary kernels. */
static inline AXRT_UNUSED void
axrt_bcast_next(int32_t rank, const int32_t *dims, const int64_t *as, const int64_t *bs,
	int32_t *idx, int64_t *ia, int64_t *ib)
{
	for (int32_t d = rank - 1; d >= 0; d--) {
		*ia += as[d];
		*ib += bs[d];
		if (++idx[d] < dims[d])
			return;
		*ia -= as[d] * dims[d];
		*ib -= bs[d] * dims[d];
		idx[d] = 0;
	}
}

/* axrt_act_f32: the fused activations AXRT_ACT_* as one scalar function,
 * shared by the eltwise kernels and the conv/gemm epilogues so that fused
 * and unfused graphs compute the same bits. alpha/beta: LeakyRelu alpha;
 * Clip min, max (max wins when min > max, like min(max(x, lo), hi));
 * HardSigmoid alpha, beta. HardSwish is x * HardSigmoid(x) with alpha 1/6,
 * beta 1/2. NaN passes through Clip and LeakyRelu; Relu maps it to 0.
 * (Written by the eltwise family; the one shared piece of its math.) */
static inline AXRT_UNUSED float
axrt_act_f32(int act, float x, float alpha, float beta)
{
	float v;
	switch (act) {
	case AXRT_ACT_RELU:
		return x > 0.0f ? x : 0.0f;
	case AXRT_ACT_LEAKYRELU:
		return x < 0.0f ? alpha * x : x;
	case AXRT_ACT_CLIP:
		v = x < alpha ? alpha : x;
		return v > beta ? beta : v;
	case AXRT_ACT_SIGMOID:
		return 1.0f / (1.0f + expf(-x));
	case AXRT_ACT_TANH:
		return tanhf(x);
	case AXRT_ACT_HARDSIGMOID:
		v = alpha * x + beta;
		return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
	case AXRT_ACT_HARDSWISH:
		v = x * (1.0f / 6.0f) + 0.5f;
		return x * (v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v);
	default:
		return x;
	}
}

#endif /* AXRT_CORE_H */
