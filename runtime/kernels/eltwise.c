/* eltwise.c: kernels of the eltwise family -- unary maps, Cast, broadcasting
 * binary ops and Where. Each body is written once as a macro and
 * instantiated per (op, type); see axrt_eltwise.h for the parameters.
 * Integer arithmetic wraps (it is done in the unsigned twin type), integer
 * division by zero gives 0 instead of trapping. */
#include "axrt.h"
#include <math.h>
#include <string.h>

/* ORDER ELTWISE_NUM: the ten numeric types of AXRT_ELT_NUM in
 * axrt_eltwise.def, by kind. X(suffix, C type, unsigned type wide enough
 * for wrapping arithmetic without int promotion). */
#define ELTWISE_FLT(X) X(f32, float, float) X(f64, double, double)
#define ELTWISE_SINT(X) X(i8, int8_t, uint32_t) X(i16, int16_t, uint32_t) \
	X(i32, int32_t, uint32_t) X(i64, int64_t, uint64_t)
#define ELTWISE_UINT(X) X(u8, uint8_t, uint32_t) X(u16, uint16_t, uint32_t) \
	X(u32, uint32_t, uint32_t) X(u64, uint64_t, uint64_t)

/* ---- unary ---- */

/* One map body: y[i] = F(T, UT, x[i], p), y of type TO. */
#define ELTWISE_MAP(kname, T, UT, TO, F) \
AXRT_KERNEL_PROTO(kname, unary) \
{ \
	const T *x = (const T *)in[0]; \
	TO *y = (TO *)out[0]; \
	(void)scratch; \
	if (p->n < 0) \
		return AXRT_EINVAL; \
	for (int64_t i = 0; i < p->n; i++) \
		y[i] = (TO)(F(T, UT, x[i], p)); \
	return AXRT_OK; \
}

/* Float32 maps: y[i] = fn(x[i], p). */
#define ELTWISE_MAPF(kname, fn) \
AXRT_KERNEL_PROTO(kname, unary) \
{ \
	const float *x = (const float *)in[0]; \
	float *y = (float *)out[0]; \
	(void)scratch; \
	if (p->n < 0) \
		return AXRT_EINVAL; \
	for (int64_t i = 0; i < p->n; i++) \
		y[i] = fn(x[i], p); \
	return AXRT_OK; \
}

/* Activations shared with fused epilogues go through axrt_act_f32. */
AXRT_PRIVATE float
eltwise_leakyrelu(float x, const axrt_unary_params *p)
{
	return axrt_act_f32(AXRT_ACT_LEAKYRELU, x, p->alpha, 0.0f);
}

AXRT_PRIVATE float
eltwise_sigmoid(float x, const axrt_unary_params *p)
{
	(void)p;
	return axrt_act_f32(AXRT_ACT_SIGMOID, x, 0.0f, 0.0f);
}

AXRT_PRIVATE float
eltwise_hardsigmoid(float x, const axrt_unary_params *p)
{
	return axrt_act_f32(AXRT_ACT_HARDSIGMOID, x, p->alpha, p->beta);
}

AXRT_PRIVATE float
eltwise_hardswish(float x, const axrt_unary_params *p)
{
	(void)p;
	return axrt_act_f32(AXRT_ACT_HARDSWISH, x, 0.0f, 0.0f);
}

AXRT_PRIVATE float
eltwise_tanh(float x, const axrt_unary_params *p)
{
	(void)p;
	return axrt_act_f32(AXRT_ACT_TANH, x, 0.0f, 0.0f);
}

/* exp(x) - 1 rather than expm1f, as ONNX Runtime computes it. */
AXRT_PRIVATE float
eltwise_elu(float x, const axrt_unary_params *p)
{
	return x < 0.0f ? p->alpha * (expf(x) - 1.0f) : x;
}

/* alpha, gamma = beta */
AXRT_PRIVATE float
eltwise_selu(float x, const axrt_unary_params *p)
{
	return p->beta * (x > 0.0f ? x : p->alpha * (expf(x) - 1.0f));
}

AXRT_PRIVATE float
eltwise_celu(float x, const axrt_unary_params *p)
{
	return x > 0.0f ? x : p->alpha * (expf(x / p->alpha) - 1.0f);
}

AXRT_PRIVATE float
eltwise_thresholdedrelu(float x, const axrt_unary_params *p)
{
	return x > p->alpha ? x : 0.0f;
}

/* log(1 + exp(x)) without overflow for large x. */
AXRT_PRIVATE float
eltwise_softplus(float x, const axrt_unary_params *p)
{
	(void)p;
	return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x));
}

AXRT_PRIVATE float
eltwise_softsign(float x, const axrt_unary_params *p)
{
	(void)p;
	return x / (1.0f + fabsf(x));
}

AXRT_PRIVATE float
eltwise_mish(float x, const axrt_unary_params *p)
{
	return x * tanhf(eltwise_softplus(x, p));
}

/* lambd = alpha, bias = beta */
AXRT_PRIVATE float
eltwise_shrink(float x, const axrt_unary_params *p)
{
	if (x < -p->alpha)
		return x + p->beta;
	if (x > p->alpha)
		return x - p->beta;
	return 0.0f;
}

AXRT_PRIVATE float
eltwise_reciprocal(float x, const axrt_unary_params *p)
{
	(void)p;
	return 1.0f / x;
}

/* Round half to even (ONNX Round), independent of the FPU rounding mode.
 * |x| >= 2^23 is already an integer (d == 0); NaN stays NaN. */
AXRT_PRIVATE float
eltwise_round(float x, const axrt_unary_params *p)
{
	float r = floorf(x), d = x - r;
	(void)p;
	if (d > 0.5f || (d == 0.5f && fmodf(r, 2.0f) != 0.0f))
		r += 1.0f;
	return r;
}

/* Plain libm wrappers: eltwise_<op>(x, p) = <fn>f(x). */
#define ELTWISE_LIBM(op, fn) \
AXRT_PRIVATE float \
eltwise_##op(float x, const axrt_unary_params *p) \
{ \
	(void)p; \
	return fn(x); \
}
ELTWISE_LIBM(exp, expf)
ELTWISE_LIBM(log, logf)
ELTWISE_LIBM(sqrt, sqrtf)
ELTWISE_LIBM(erf, erff)
ELTWISE_LIBM(ceil, ceilf)
ELTWISE_LIBM(floor, floorf)
ELTWISE_LIBM(sin, sinf)
ELTWISE_LIBM(cos, cosf)
ELTWISE_LIBM(tan, tanf)
ELTWISE_LIBM(asin, asinf)
ELTWISE_LIBM(acos, acosf)
ELTWISE_LIBM(atan, atanf)
ELTWISE_LIBM(sinh, sinhf)
ELTWISE_LIBM(cosh, coshf)
ELTWISE_LIBM(asinh, asinhf)
ELTWISE_LIBM(acosh, acoshf)
ELTWISE_LIBM(atanh, atanhf)

ELTWISE_MAPF(leakyrelu_f32, eltwise_leakyrelu)
ELTWISE_MAPF(elu_f32, eltwise_elu)
ELTWISE_MAPF(selu_f32, eltwise_selu)
ELTWISE_MAPF(celu_f32, eltwise_celu)
ELTWISE_MAPF(thresholdedrelu_f32, eltwise_thresholdedrelu)
ELTWISE_MAPF(sigmoid_f32, eltwise_sigmoid)
ELTWISE_MAPF(hardsigmoid_f32, eltwise_hardsigmoid)
ELTWISE_MAPF(hardswish_f32, eltwise_hardswish)
ELTWISE_MAPF(tanh_f32, eltwise_tanh)
ELTWISE_MAPF(softplus_f32, eltwise_softplus)
ELTWISE_MAPF(softsign_f32, eltwise_softsign)
ELTWISE_MAPF(mish_f32, eltwise_mish)
ELTWISE_MAPF(shrink_f32, eltwise_shrink)
ELTWISE_MAPF(exp_f32, eltwise_exp)
ELTWISE_MAPF(log_f32, eltwise_log)
ELTWISE_MAPF(sqrt_f32, eltwise_sqrt)
ELTWISE_MAPF(reciprocal_f32, eltwise_reciprocal)
ELTWISE_MAPF(erf_f32, eltwise_erf)
ELTWISE_MAPF(ceil_f32, eltwise_ceil)
ELTWISE_MAPF(floor_f32, eltwise_floor)
ELTWISE_MAPF(round_f32, eltwise_round)
ELTWISE_MAPF(sin_f32, eltwise_sin)
ELTWISE_MAPF(cos_f32, eltwise_cos)
ELTWISE_MAPF(tan_f32, eltwise_tan)
ELTWISE_MAPF(asin_f32, eltwise_asin)
ELTWISE_MAPF(acos_f32, eltwise_acos)
ELTWISE_MAPF(atan_f32, eltwise_atan)
ELTWISE_MAPF(sinh_f32, eltwise_sinh)
ELTWISE_MAPF(cosh_f32, eltwise_cosh)
ELTWISE_MAPF(asinh_f32, eltwise_asinh)
ELTWISE_MAPF(acosh_f32, eltwise_acosh)
ELTWISE_MAPF(atanh_f32, eltwise_atanh)

/* IsNaN, IsInf: float in, bool out. IsInf's mode bit 0 detects +inf, bit 1 -inf. */
#define ELTWISE_ISNAN(T, UT, x, p) (isnan(x) ? 1 : 0)
#define ELTWISE_ISINF(T, UT, x, p) \
	(isinf(x) ? ((x) > 0 ? (p->mode & 1) != 0 : (p->mode & 2) != 0) : 0)
ELTWISE_MAP(isnan_f32, float, float, uint8_t, ELTWISE_ISNAN)
ELTWISE_MAP(isinf_f32, float, float, uint8_t, ELTWISE_ISINF)

/* Relu of floats matches axrt_act_f32 (NaN -> 0). Negation and |x| of
 * signed integers wrap (-INT_MIN == INT_MIN) like two's complement
 * hardware; Sign of a float keeps NaN and signed zeros. */
#define ELTWISE_RELU(T, UT, x, p) ((x) > 0 ? (x) : (T)0)
#define ELTWISE_FABS(T, UT, x, p) fabs(x)
#define ELTWISE_FNEG(T, UT, x, p) (-(x))
#define ELTWISE_FSIGN(T, UT, x, p) ((x) > 0 ? (T)1 : (x) < 0 ? (T)-1 : (x))
#define ELTWISE_IABS(T, UT, x, p) ((x) < 0 ? (T)((UT)0 - (UT)(x)) : (x))
#define ELTWISE_INEG(T, UT, x, p) ((T)((UT)0 - (UT)(x)))
#define ELTWISE_ISIGN(T, UT, x, p) (((x) > 0) - ((x) < 0))
#define ELTWISE_UABS(T, UT, x, p) (x)
#define ELTWISE_USIGN(T, UT, x, p) ((x) > 0)
#define ELTWISE_NOT(T, UT, x, p) (!(x))

/* Clip: in[1], in[2] are the optional scalar bounds; the upper one wins
 * when they cross, as in axrt_act_f32. */
#define ELTWISE_CLIP(s, T, UT) \
AXRT_KERNEL_PROTO(clip_##s, unary) \
{ \
	const T *x = (const T *)in[0], *lo = (const T *)in[1], *hi = (const T *)in[2]; \
	T *y = (T *)out[0]; \
	(void)scratch; \
	if (p->n < 0) \
		return AXRT_EINVAL; \
	for (int64_t i = 0; i < p->n; i++) { \
		T v = x[i]; \
		if (lo && v < *lo) \
			v = *lo; \
		if (hi && v > *hi) \
			v = *hi; \
		y[i] = v; \
	} \
	return AXRT_OK; \
}

#define ELTWISE_UNARY_FLT(s, T, UT) \
	ELTWISE_MAP(relu_##s, T, UT, T, ELTWISE_RELU) \
	ELTWISE_MAP(abs_##s, T, UT, T, ELTWISE_FABS) \
	ELTWISE_MAP(neg_##s, T, UT, T, ELTWISE_FNEG) \
	ELTWISE_MAP(sign_##s, T, UT, T, ELTWISE_FSIGN) \
	ELTWISE_CLIP(s, T, UT)
#define ELTWISE_UNARY_SINT(s, T, UT) \
	ELTWISE_MAP(relu_##s, T, UT, T, ELTWISE_RELU) \
	ELTWISE_MAP(abs_##s, T, UT, T, ELTWISE_IABS) \
	ELTWISE_MAP(neg_##s, T, UT, T, ELTWISE_INEG) \
	ELTWISE_MAP(sign_##s, T, UT, T, ELTWISE_ISIGN) \
	ELTWISE_CLIP(s, T, UT)
#define ELTWISE_UNARY_UINT(s, T, UT) \
	ELTWISE_MAP(relu_##s, T, UT, T, ELTWISE_RELU) \
	ELTWISE_MAP(abs_##s, T, UT, T, ELTWISE_UABS) \
	ELTWISE_MAP(neg_##s, T, UT, T, ELTWISE_INEG) \
	ELTWISE_MAP(sign_##s, T, UT, T, ELTWISE_USIGN) \
	ELTWISE_CLIP(s, T, UT)
ELTWISE_FLT(ELTWISE_UNARY_FLT)
ELTWISE_SINT(ELTWISE_UNARY_SINT)
ELTWISE_UINT(ELTWISE_UNARY_UINT)
ELTWISE_MAP(not_bool, uint8_t, uint32_t, uint8_t, ELTWISE_NOT)

/* ---- cast ---- */

/* float32 -> IEEE half, round to nearest even; NaN stays a quiet NaN. */
AXRT_PRIVATE uint16_t
eltwise_f32_to_f16(float f)
{
	uint32_t x, ax, sign, m, k, rem, half;
	int sh;
	memcpy(&x, &f, sizeof x);
	sign = (x >> 16) & 0x8000u;
	ax = x & 0x7fffffffu;
	if (ax > 0x7f800000u)
		return (uint16_t)(sign | 0x7e00u);
	if (ax >= 0x477ff000u)                 /* >= 65520 rounds to inf */
		return (uint16_t)(sign | 0x7c00u);
	if (ax >= 0x38800000u) {               /* normal: rebias, round 13 bits */
		ax -= 0x38000000u;
		return (uint16_t)(sign | ((ax + 0xfffu + ((ax >> 13) & 1u)) >> 13));
	}
	if (ax < 0x33000000u)                  /* <= 2^-25 rounds to zero */
		return (uint16_t)sign;
	m = (ax & 0x7fffffu) | 0x800000u;      /* subnormal: units of 2^-24 */
	sh = 126 - (int)(ax >> 23);
	k = m >> sh;
	rem = m & ((1u << sh) - 1u);
	half = 1u << (sh - 1);
	if (rem > half || (rem == half && (k & 1u)))
		k++;
	return (uint16_t)(sign | k);
}

AXRT_PRIVATE float
eltwise_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu;
	uint32_t m = h & 0x3ffu, x;
	float f;
	if (e == 31)
		x = sign | 0x7f800000u | (m << 13);
	else if (e != 0)
		x = sign | ((e + 112u) << 23) | (m << 13);
	else if (m == 0)
		x = sign;
	else {
		for (e = 113; !(m & 0x400u); e--)
			m <<= 1;
		x = sign | (e << 23) | ((m & 0x3ffu) << 13);
	}
	memcpy(&f, &x, sizeof f);
	return f;
}

/* float32 -> bfloat16 keeps the upper half (truncation, as the ONNX
 * backend tests expect); NaN stays NaN. */
AXRT_PRIVATE uint16_t
eltwise_f32_to_bf16(float f)
{
	uint32_t x;
	memcpy(&x, &f, sizeof x);
	if ((x & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)((x >> 16) | 0x40u);
	return (uint16_t)(x >> 16);
}

AXRT_PRIVATE float
eltwise_bf16_to_f32(uint16_t h)
{
	uint32_t x = (uint32_t)h << 16;
	float f;
	memcpy(&f, &x, sizeof f);
	return f;
}

/* double -> int64 truncating toward zero; NaN gives 0 and values beyond
 * the int64 range saturate (C leaves both undefined). */
AXRT_PRIVATE int64_t
eltwise_d2i(double d)
{
	if (d != d)
		return 0;
	if (d >= 9223372036854775807.0)
		return INT64_MAX;
	if (d <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

AXRT_PRIVATE uint64_t
eltwise_d2u(double d)
{
	if (d >= 18446744073709551615.0)
		return UINT64_MAX;
	if (d >= 9223372036854775808.0)
		return (uint64_t)d;
	return (uint64_t)eltwise_d2i(d);
}

/* A chunk of converted elements: floats go through double, integers
 * through int64 (uint64 keeps its bits there, kind ELTWISE_U). */
enum { ELTWISE_CHUNK = 32, ELTWISE_F = 0, ELTWISE_I = 1, ELTWISE_U = 2 };
typedef struct {
	int kind;
	double f[ELTWISE_CHUNK];
	int64_t i[ELTWISE_CHUNK];
} eltwise_chunk;

#define ELTWISE_LOAD(T, KIND, DST, CONV) { \
	const T *s_ = (const T *)x + off; \
	for (int k_ = 0; k_ < n; k_++) \
		c->DST[k_] = CONV(s_[k_]); \
	c->kind = KIND; \
	return 0; }
#define ELTWISE_ID(v) (v)
#define ELTWISE_BOOL(v) ((v) != 0)

/* Reads x[off .. off+n) of ONNX type `from` into c; -1 for a type it does not know. */
AXRT_PRIVATE int
eltwise_cast_load(int from, const void *x, int64_t off, int n, eltwise_chunk *c)
{
	switch (from) {
	case AXRT_DT_FLOAT: ELTWISE_LOAD(float, ELTWISE_F, f, ELTWISE_ID)
	case AXRT_DT_DOUBLE: ELTWISE_LOAD(double, ELTWISE_F, f, ELTWISE_ID)
	case AXRT_DT_FLOAT16: ELTWISE_LOAD(uint16_t, ELTWISE_F, f, eltwise_f16_to_f32)
	case AXRT_DT_BFLOAT16: ELTWISE_LOAD(uint16_t, ELTWISE_F, f, eltwise_bf16_to_f32)
	case AXRT_DT_INT8: ELTWISE_LOAD(int8_t, ELTWISE_I, i, ELTWISE_ID)
	case AXRT_DT_INT16: ELTWISE_LOAD(int16_t, ELTWISE_I, i, ELTWISE_ID)
	case AXRT_DT_INT32: ELTWISE_LOAD(int32_t, ELTWISE_I, i, ELTWISE_ID)
	case AXRT_DT_INT64: ELTWISE_LOAD(int64_t, ELTWISE_I, i, ELTWISE_ID)
	case AXRT_DT_UINT8: ELTWISE_LOAD(uint8_t, ELTWISE_I, i, ELTWISE_ID)
	case AXRT_DT_UINT16: ELTWISE_LOAD(uint16_t, ELTWISE_I, i, ELTWISE_ID)
	case AXRT_DT_UINT32: ELTWISE_LOAD(uint32_t, ELTWISE_I, i, ELTWISE_ID)
	case AXRT_DT_UINT64: ELTWISE_LOAD(uint64_t, ELTWISE_U, i, (int64_t))
	case AXRT_DT_BOOL: ELTWISE_LOAD(uint8_t, ELTWISE_I, i, ELTWISE_BOOL)
	default: return -1;
	}
}

/* FC converts a double, IC an int64, UC a uint64 to T. */
#define ELTWISE_STORE(T, FC, IC, UC) { \
	T *d_ = (T *)y + off; \
	for (int k_ = 0; k_ < n; k_++) \
		d_[k_] = c->kind == ELTWISE_F ? FC(c->f[k_]) : \
			c->kind == ELTWISE_I ? IC(c->i[k_]) : UC((uint64_t)c->i[k_]); \
	return 0; }
#define ELTWISE_TOF32(v) ((float)(v))
#define ELTWISE_TOF64(v) ((double)(v))
#define ELTWISE_TOF16(v) eltwise_f32_to_f16((float)(v))
#define ELTWISE_TOBF16(v) eltwise_f32_to_bf16((float)(v))
#define ELTWISE_DTOI(T) (T)eltwise_d2i
#define ELTWISE_TOB(v) ((v) != 0)

/* Writes c to y[off .. off+n) as ONNX type `to`; -1 for an unknown type. */
AXRT_PRIVATE int
eltwise_cast_store(int to, void *y, int64_t off, int n, const eltwise_chunk *c)
{
	switch (to) {
	case AXRT_DT_FLOAT: ELTWISE_STORE(float, ELTWISE_TOF32, ELTWISE_TOF32, ELTWISE_TOF32)
	case AXRT_DT_DOUBLE: ELTWISE_STORE(double, ELTWISE_TOF64, ELTWISE_TOF64, ELTWISE_TOF64)
	case AXRT_DT_FLOAT16: ELTWISE_STORE(uint16_t, ELTWISE_TOF16, ELTWISE_TOF16, ELTWISE_TOF16)
	case AXRT_DT_BFLOAT16: ELTWISE_STORE(uint16_t, ELTWISE_TOBF16, ELTWISE_TOBF16, ELTWISE_TOBF16)
	case AXRT_DT_INT8: ELTWISE_STORE(int8_t, ELTWISE_DTOI(int8_t), (int8_t), (int8_t))
	case AXRT_DT_INT16: ELTWISE_STORE(int16_t, ELTWISE_DTOI(int16_t), (int16_t), (int16_t))
	case AXRT_DT_INT32: ELTWISE_STORE(int32_t, ELTWISE_DTOI(int32_t), (int32_t), (int32_t))
	case AXRT_DT_INT64: ELTWISE_STORE(int64_t, eltwise_d2i, (int64_t), (int64_t))
	case AXRT_DT_UINT8: ELTWISE_STORE(uint8_t, ELTWISE_DTOI(uint8_t), (uint8_t), (uint8_t))
	case AXRT_DT_UINT16: ELTWISE_STORE(uint16_t, ELTWISE_DTOI(uint16_t), (uint16_t), (uint16_t))
	case AXRT_DT_UINT32: ELTWISE_STORE(uint32_t, ELTWISE_DTOI(uint32_t), (uint32_t), (uint32_t))
	case AXRT_DT_UINT64: ELTWISE_STORE(uint64_t, eltwise_d2u, (uint64_t), (uint64_t))
	case AXRT_DT_BOOL: ELTWISE_STORE(uint8_t, ELTWISE_TOB, ELTWISE_TOB, ELTWISE_TOB)
	default: return -1;
	}
}

/* Converts in chunks so that each element is read and written once with
 * one switch per chunk. y may alias x only when both types have the same size. */
AXRT_KERNEL_PROTO(cast, cast)
{
	eltwise_chunk c;
	(void)scratch;
	if (p->n < 0)
		return AXRT_EINVAL;
	for (int64_t off = 0; off < p->n; off += ELTWISE_CHUNK) {
		int n = p->n - off < ELTWISE_CHUNK ? (int)(p->n - off) : ELTWISE_CHUNK;
		if (eltwise_cast_load(p->from, in[0], off, n, &c) < 0
		    || eltwise_cast_store(p->to, out[0], off, n, &c) < 0)
			return AXRT_EUNSUPPORTED;
	}
	return AXRT_OK;
}

/* ---- broadcasting walk (binary, where) ---- */

/* Element count of dims[0..rank), or -1 when rank or a dim is out of range. */
AXRT_PRIVATE int
eltwise_size(int32_t rank, const int32_t *dims, int64_t *n)
{
	if (rank < 1 || rank > AXRT_MAXRANK)
		return -1;
	*n = 1;
	for (int k = 0; k < rank; k++) {
		if (dims[k] < 0)
			return -1;
		*n *= dims[k];
	}
	return 0;
}

/* Advances the index over the outer dimensions 0..rank-2 by one row, moving
 * each of the nin input offsets by its strides s[j]. */
AXRT_PRIVATE void
eltwise_next(int32_t rank, const int32_t *dims, int32_t *idx, int nin,
	const int32_t *const *s, int64_t *off)
{
	for (int k = rank - 2; k >= 0; k--) {
		for (int j = 0; j < nin; j++)
			off[j] += s[j][k];
		if (++idx[k] < dims[k])
			return;
		for (int j = 0; j < nin; j++)
			off[j] -= (int64_t)s[j][k] * dims[k];
		idx[k] = 0;
	}
}

/* The binary body: y = OP(T, UT, a, b) over the broadcast walk, with a, b,
 * y and p in scope. The innermost dimension is a tight loop specialized for
 * contiguous operands and a broadcast scalar on either side. Returns. */
#define ELTWISE_LOOP2(TA, TB, UT, OP) do { \
	const int32_t *s_[2] = {p->sa, p->sb}; \
	int32_t idx_[AXRT_MAXRANK] = {0}; \
	int64_t off_[2] = {0, 0}, n_, w_, ia_, ib_, k_; \
	if (eltwise_size(p->rank, p->dims, &n_) < 0) \
		return AXRT_EINVAL; \
	if (n_ == 0) \
		return AXRT_OK; \
	w_ = p->dims[p->rank - 1]; \
	ia_ = p->sa[p->rank - 1]; \
	ib_ = p->sb[p->rank - 1]; \
	for (int64_t r_ = n_ / w_; r_ > 0; r_--, y += w_) { \
		const TA *a_ = a + off_[0]; \
		const TB *b_ = b + off_[1]; \
		if (ia_ == 1 && ib_ == 1) { \
			for (k_ = 0; k_ < w_; k_++) \
				y[k_] = OP(TA, UT, a_[k_], b_[k_]); \
		} else if (ia_ == 1 && ib_ == 0) { \
			TB bv_ = *b_; \
			for (k_ = 0; k_ < w_; k_++) \
				y[k_] = OP(TA, UT, a_[k_], bv_); \
		} else if (ia_ == 0 && ib_ == 1) { \
			TA av_ = *a_; \
			for (k_ = 0; k_ < w_; k_++) \
				y[k_] = OP(TA, UT, av_, b_[k_]); \
		} else { \
			for (k_ = 0; k_ < w_; k_++) \
				y[k_] = OP(TA, UT, a_[k_ * ia_], b_[k_ * ib_]); \
		} \
		eltwise_next(p->rank, p->dims, idx_, 2, s_, off_); \
	} \
	return AXRT_OK; \
} while (0)

#define ELTWISE_BIN(kname, TA, TB, TO, UT, OP) \
AXRT_KERNEL_PROTO(kname, binary) \
{ \
	const TA *a = (const TA *)in[0]; \
	const TB *b = (const TB *)in[1]; \
	TO *y = (TO *)out[0]; \
	(void)scratch; \
	ELTWISE_LOOP2(TA, TB, UT, OP); \
}

/* Python-style remainder (sign of the divisor) unless p->fmod; x % 0 and
 * x % -1 give 0 instead of trapping. Float remainders are exact in double. */
AXRT_PRIVATE double
eltwise_fmod(double x, double y, int c)
{
	double r = fmod(x, y);
	if (!c && r != 0 && ((r < 0) != (y < 0)))
		r += y;
	return r;
}

AXRT_PRIVATE int64_t
eltwise_imod(int64_t x, int64_t y, int c)
{
	int64_t r;
	if (y == 0 || y == -1)
		return 0;
	r = x % y;
	if (!c && r != 0 && ((r < 0) != (y < 0)))
		r += y;
	return r;
}

/* x^e for integers by squaring, wrapping on overflow; a negative e gives
 * the truncated 1/x^-e (0 unless |x| == 1). */
AXRT_PRIVATE int64_t
eltwise_ipow(int64_t x, int64_t e)
{
	uint64_t r = 1, b = (uint64_t)x;
	if (e < 0)
		return x == 1 ? 1 : x == -1 ? ((e & 1) ? -1 : 1) : 0;
	for (; e > 0; e >>= 1, b *= b)
		if (e & 1)
			r *= b;
	return (int64_t)r;
}

/* Operators OP(T, UT, x, y): T the operand type, UT its unsigned twin. */
#define ELTWISE_FADD(T, UT, x, y) ((x) + (y))
#define ELTWISE_FSUB(T, UT, x, y) ((x) - (y))
#define ELTWISE_FMUL(T, UT, x, y) ((x) * (y))
#define ELTWISE_FDIV(T, UT, x, y) ((x) / (y))
#define ELTWISE_FMAX(T, UT, x, y) ((x) > (y) || isnan(x) ? (x) : (y))
#define ELTWISE_FMIN(T, UT, x, y) ((x) < (y) || isnan(x) ? (x) : (y))
#define ELTWISE_FMOD(T, UT, x, y) ((T)eltwise_fmod((x), (y), p->fmod))
#define ELTWISE_IADD(T, UT, x, y) ((T)((UT)(x) + (UT)(y)))
#define ELTWISE_ISUB(T, UT, x, y) ((T)((UT)(x) - (UT)(y)))
#define ELTWISE_IMUL(T, UT, x, y) ((T)((UT)(x) * (UT)(y)))
#define ELTWISE_SDIV(T, UT, x, y) \
	((y) == 0 ? (T)0 : (y) == -1 ? (T)((UT)0 - (UT)(x)) : (T)((x) / (y)))
#define ELTWISE_UDIV(T, UT, x, y) ((y) == 0 ? (T)0 : (T)((x) / (y)))
#define ELTWISE_IMAX(T, UT, x, y) ((x) > (y) ? (x) : (y))
#define ELTWISE_IMIN(T, UT, x, y) ((x) < (y) ? (x) : (y))
#define ELTWISE_SMOD(T, UT, x, y) ((T)eltwise_imod((x), (y), p->fmod))
#define ELTWISE_UMOD(T, UT, x, y) ((y) == 0 ? (T)0 : (T)((x) % (y)))
#define ELTWISE_EQ(T, UT, x, y) ((x) == (y))
#define ELTWISE_GT(T, UT, x, y) ((x) > (y))
#define ELTWISE_LT(T, UT, x, y) ((x) < (y))
#define ELTWISE_GE(T, UT, x, y) ((x) >= (y))
#define ELTWISE_LE(T, UT, x, y) ((x) <= (y))
#define ELTWISE_AND(T, UT, x, y) ((x) && (y))
#define ELTWISE_OR(T, UT, x, y) ((x) || (y))
#define ELTWISE_XOR(T, UT, x, y) (!(x) != !(y))
#define ELTWISE_PRELU(T, UT, x, y) ((x) < 0 ? (x) * (y) : (x))
#define ELTWISE_SHL(T, UT, x, y) \
	((y) >= 8 * sizeof(T) ? (T)0 : (T)((UT)(x) << (y)))
#define ELTWISE_SHR(T, UT, x, y) ((y) >= 8 * sizeof(T) ? (T)0 : (T)((x) >> (y)))

#define ELTWISE_CMP(s, T, UT) \
	ELTWISE_BIN(equal_##s, T, T, uint8_t, UT, ELTWISE_EQ) \
	ELTWISE_BIN(greater_##s, T, T, uint8_t, UT, ELTWISE_GT) \
	ELTWISE_BIN(less_##s, T, T, uint8_t, UT, ELTWISE_LT) \
	ELTWISE_BIN(greaterequal_##s, T, T, uint8_t, UT, ELTWISE_GE) \
	ELTWISE_BIN(lessequal_##s, T, T, uint8_t, UT, ELTWISE_LE)
#define ELTWISE_BINARY_FLT(s, T, UT) \
	ELTWISE_BIN(add_##s, T, T, T, UT, ELTWISE_FADD) \
	ELTWISE_BIN(sub_##s, T, T, T, UT, ELTWISE_FSUB) \
	ELTWISE_BIN(mul_##s, T, T, T, UT, ELTWISE_FMUL) \
	ELTWISE_BIN(div_##s, T, T, T, UT, ELTWISE_FDIV) \
	ELTWISE_BIN(max_##s, T, T, T, UT, ELTWISE_FMAX) \
	ELTWISE_BIN(min_##s, T, T, T, UT, ELTWISE_FMIN) \
	ELTWISE_BIN(mod_##s, T, T, T, UT, ELTWISE_FMOD) \
	ELTWISE_BIN(prelu_##s, T, T, T, UT, ELTWISE_PRELU) \
	ELTWISE_CMP(s, T, UT)
#define ELTWISE_BINARY_INT(s, T, UT, DIV, MOD) \
	ELTWISE_BIN(add_##s, T, T, T, UT, ELTWISE_IADD) \
	ELTWISE_BIN(sub_##s, T, T, T, UT, ELTWISE_ISUB) \
	ELTWISE_BIN(mul_##s, T, T, T, UT, ELTWISE_IMUL) \
	ELTWISE_BIN(div_##s, T, T, T, UT, DIV) \
	ELTWISE_BIN(max_##s, T, T, T, UT, ELTWISE_IMAX) \
	ELTWISE_BIN(min_##s, T, T, T, UT, ELTWISE_IMIN) \
	ELTWISE_BIN(mod_##s, T, T, T, UT, MOD) \
	ELTWISE_CMP(s, T, UT)
#define ELTWISE_BINARY_SINT(s, T, UT) ELTWISE_BINARY_INT(s, T, UT, ELTWISE_SDIV, ELTWISE_SMOD)
#define ELTWISE_BINARY_UINT(s, T, UT) ELTWISE_BINARY_INT(s, T, UT, ELTWISE_UDIV, ELTWISE_UMOD) \
	ELTWISE_BIN(shl_##s, T, T, T, UT, ELTWISE_SHL) \
	ELTWISE_BIN(shr_##s, T, T, T, UT, ELTWISE_SHR)
ELTWISE_FLT(ELTWISE_BINARY_FLT)
ELTWISE_SINT(ELTWISE_BINARY_SINT)
ELTWISE_UINT(ELTWISE_BINARY_UINT)
/* float16: y = half(OP(float(a), float(b))). For + - * / the float32
 * result rounded once to half is the correctly rounded half result. */
#define ELTWISE_H(OP, x, y) \
	eltwise_f32_to_f16((float)OP(float, float, eltwise_f16_to_f32(x), eltwise_f16_to_f32(y)))
#define ELTWISE_HADD(T, UT, x, y) ELTWISE_H(ELTWISE_FADD, x, y)
#define ELTWISE_HSUB(T, UT, x, y) ELTWISE_H(ELTWISE_FSUB, x, y)
#define ELTWISE_HMUL(T, UT, x, y) ELTWISE_H(ELTWISE_FMUL, x, y)
#define ELTWISE_HDIV(T, UT, x, y) ELTWISE_H(ELTWISE_FDIV, x, y)
#define ELTWISE_HMAX(T, UT, x, y) ELTWISE_H(ELTWISE_FMAX, x, y)
#define ELTWISE_HMIN(T, UT, x, y) ELTWISE_H(ELTWISE_FMIN, x, y)
#define ELTWISE_HMOD(T, UT, x, y) ELTWISE_H(ELTWISE_FMOD, x, y)
ELTWISE_BIN(add_f16, uint16_t, uint16_t, uint16_t, uint32_t, ELTWISE_HADD)
ELTWISE_BIN(sub_f16, uint16_t, uint16_t, uint16_t, uint32_t, ELTWISE_HSUB)
ELTWISE_BIN(mul_f16, uint16_t, uint16_t, uint16_t, uint32_t, ELTWISE_HMUL)
ELTWISE_BIN(div_f16, uint16_t, uint16_t, uint16_t, uint32_t, ELTWISE_HDIV)
ELTWISE_BIN(max_f16, uint16_t, uint16_t, uint16_t, uint32_t, ELTWISE_HMAX)
ELTWISE_BIN(min_f16, uint16_t, uint16_t, uint16_t, uint32_t, ELTWISE_HMIN)
ELTWISE_BIN(mod_f16, uint16_t, uint16_t, uint16_t, uint32_t, ELTWISE_HMOD)
ELTWISE_BIN(equal_bool, uint8_t, uint8_t, uint8_t, uint32_t, ELTWISE_EQ)
ELTWISE_BIN(and_bool, uint8_t, uint8_t, uint8_t, uint32_t, ELTWISE_AND)
ELTWISE_BIN(or_bool, uint8_t, uint8_t, uint8_t, uint32_t, ELTWISE_OR)
ELTWISE_BIN(xor_bool, uint8_t, uint8_t, uint8_t, uint32_t, ELTWISE_XOR)

/* Pow: b may have any numeric type (p->btype). Float bases use powf/pow on
 * the exponent converted to the base type; integer bases square-multiply
 * for integer exponents and truncate pow() toward zero for float ones. */
#define ELTWISE_POWF32(T, UT, x, y) powf((x), (float)(y))
#define ELTWISE_POWF64(T, UT, x, y) pow((x), (double)(y))
#define ELTWISE_POWI(T, UT, x, y) ((T)eltwise_ipow((x), (int64_t)(y)))
#define ELTWISE_POWIF(T, UT, x, y) ((T)eltwise_d2i(pow((double)(x), (double)(y))))

/* eltwise_pow_<base>_<exp>(p, a, b, y) for one exponent type. */
#define ELTWISE_POWFN(base, e, TA, TB, OP) \
AXRT_PRIVATE axrt_status \
eltwise_pow_##base##_##e(const axrt_binary_params *p, const TA *a, const TB *b, TA *y) \
{ \
	ELTWISE_LOOP2(TA, TB, TA, OP); \
}
#define ELTWISE_POWFNS(base, TA, FOP, IOP) \
	ELTWISE_POWFN(base, f32, TA, float, FOP) ELTWISE_POWFN(base, f64, TA, double, FOP) \
	ELTWISE_POWFN(base, i8, TA, int8_t, IOP) ELTWISE_POWFN(base, i16, TA, int16_t, IOP) \
	ELTWISE_POWFN(base, i32, TA, int32_t, IOP) ELTWISE_POWFN(base, i64, TA, int64_t, IOP) \
	ELTWISE_POWFN(base, u8, TA, uint8_t, IOP) ELTWISE_POWFN(base, u16, TA, uint16_t, IOP) \
	ELTWISE_POWFN(base, u32, TA, uint32_t, IOP) ELTWISE_POWFN(base, u64, TA, uint64_t, IOP) \
AXRT_KERNEL_PROTO(pow_##base, binary) \
{ \
	(void)scratch; \
	switch (p->btype) { \
	case AXRT_DT_FLOAT: return eltwise_pow_##base##_f32(p, in[0], in[1], out[0]); \
	case AXRT_DT_DOUBLE: return eltwise_pow_##base##_f64(p, in[0], in[1], out[0]); \
	case AXRT_DT_INT8: return eltwise_pow_##base##_i8(p, in[0], in[1], out[0]); \
	case AXRT_DT_INT16: return eltwise_pow_##base##_i16(p, in[0], in[1], out[0]); \
	case AXRT_DT_INT32: return eltwise_pow_##base##_i32(p, in[0], in[1], out[0]); \
	case AXRT_DT_INT64: return eltwise_pow_##base##_i64(p, in[0], in[1], out[0]); \
	case AXRT_DT_UINT8: return eltwise_pow_##base##_u8(p, in[0], in[1], out[0]); \
	case AXRT_DT_UINT16: return eltwise_pow_##base##_u16(p, in[0], in[1], out[0]); \
	case AXRT_DT_UINT32: return eltwise_pow_##base##_u32(p, in[0], in[1], out[0]); \
	case AXRT_DT_UINT64: return eltwise_pow_##base##_u64(p, in[0], in[1], out[0]); \
	default: return AXRT_EUNSUPPORTED; \
	} \
}
ELTWISE_POWFNS(f32, float, ELTWISE_POWF32, ELTWISE_POWF32)
ELTWISE_POWFNS(f64, double, ELTWISE_POWF64, ELTWISE_POWF64)
ELTWISE_POWFNS(i32, int32_t, ELTWISE_POWIF, ELTWISE_POWI)
ELTWISE_POWFNS(i64, int64_t, ELTWISE_POWIF, ELTWISE_POWI)

/* ---- where ---- */

/* y = c ? a : b over the three-way broadcast walk; elements are moved as
 * unsigned integers of their size. */
#define ELTWISE_WHERE(bits, T) \
AXRT_KERNEL_PROTO(where_##bits, where) \
{ \
	const uint8_t *c = (const uint8_t *)in[0]; \
	const T *a = (const T *)in[1], *b = (const T *)in[2]; \
	T *y = (T *)out[0]; \
	const int32_t *s[3] = {p->sc, p->sa, p->sb}; \
	int32_t idx[AXRT_MAXRANK] = {0}; \
	int64_t off[3] = {0, 0, 0}, n, w, ic, ia, ib; \
	(void)scratch; \
	if (eltwise_size(p->rank, p->dims, &n) < 0) \
		return AXRT_EINVAL; \
	if (n == 0) \
		return AXRT_OK; \
	w = p->dims[p->rank - 1]; \
	ic = p->sc[p->rank - 1]; \
	ia = p->sa[p->rank - 1]; \
	ib = p->sb[p->rank - 1]; \
	for (int64_t r = n / w; r > 0; r--, y += w) { \
		for (int64_t k = 0; k < w; k++) \
			y[k] = c[off[0] + k * ic] ? a[off[1] + k * ia] : b[off[2] + k * ib]; \
		eltwise_next(p->rank, p->dims, idx, 3, s, off); \
	} \
	return AXRT_OK; \
}
ELTWISE_WHERE(8, uint8_t)
ELTWISE_WHERE(16, uint16_t)
ELTWISE_WHERE(32, uint32_t)
ELTWISE_WHERE(64, uint64_t)
