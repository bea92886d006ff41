/* axrt_fixed.h: the power-of-two fixed-point quantizer (APPROX.md §3),
 * shared by the compiler's analyses and the integer kernels. Signed two's
 * complement codes of k bits (2 <= k <= 32) with f fractional bits:
 *     amax = max |x|, e = smallest integer with 2^e >= amax (from frexpf),
 *     f = (k - 1) - e, q = clamp(round(x * 2^f), -2^(k-1), 2^(k-1) - 1),
 *     x^ = q * 2^-f.
 * An amax of exactly 2^e saturates to 2^(k-1) - 1 (intended). Rounding is
 * round half to even (AXRT_FIXED_NEAREST, the default everywhere) or
 * truncation (AXRT_FIXED_TRUNC: the fractional bits dropped from the two's
 * complement value, i.e. floor). Inputs must be finite. */
#ifndef AXRT_FIXED_H
#define AXRT_FIXED_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "axrt_core.h"

enum { AXRT_FIXED_NEAREST = 0, AXRT_FIXED_TRUNC = 1 };

/* The exponent e of a positive amax: the smallest integer with 2^e >= amax.
 * frexpf gives amax = m * 2^x with m in [0.5, 1); only m = 0.5 (amax a power
 * of two) makes 2^(x-1) large enough. Exact, unlike ceil(log2(amax)). */
static inline AXRT_UNUSED int
axrt_fixed_exp(float amax)
{
	int x;
	float m = frexpf(amax, &x);
	return m == 0.5f ? x - 1 : x;
}

/* Fractional bits f for a k-bit code covering [-amax, amax]; may be negative
 * or exceed k. amax <= 0 (an all-zero tensor) gives k - 1: every code is 0. */
static inline AXRT_UNUSED int
axrt_fixed_fracbits(float amax, int k)
{
	return amax > 0.0f ? (k - 1) - axrt_fixed_exp(amax) : k - 1;
}

/* max |x[i]| over n floats (0 for n = 0). */
static inline AXRT_UNUSED float
axrt_fixed_amax(const float *x, int64_t n)
{
	float m = 0.0f;
	for (int64_t i = 0; i < n; i++) {
		float a = fabsf(x[i]);
		if (a > m)
			m = a;
	}
	return m;
}

/* v rounded to an integer: half to even, or floor for AXRT_FIXED_TRUNC.
 * v - floorf(v) is exact for every float, so the tie test is exact; floats
 * of magnitude >= 2^23 are integers already. */
static inline AXRT_UNUSED float
axrt_fixed_round(float v, int mode)
{
	float r = floorf(v), d = v - r;
	if (mode == AXRT_FIXED_TRUNC)
		return r;
	if (d > 0.5f || (d == 0.5f && fmodf(r, 2.0f) != 0.0f))
		r += 1.0f;
	return r;
}

/* The k-bit code of x with f fractional bits: x * 2^f (exact, a power-of-two
 * scaling) rounded, then saturated to [-2^(k-1), 2^(k-1) - 1]. */
static inline AXRT_UNUSED int32_t
axrt_fixed_quant(float x, int k, int f, int mode)
{
	float r = axrt_fixed_round(ldexpf(x, f), mode);
	float top = ldexpf(1.0f, k - 1);     /* 2^(k-1), exact in float */
	if (r >= top)
		return (int32_t)(((int64_t)1 << (k - 1)) - 1);
	if (r < -top)
		return (int32_t)(-((int64_t)1 << (k - 1)));
	return (int32_t)r;
}

/* The value of code q with f fractional bits, q * 2^-f, as a float (exact
 * for k <= 24; wider codes round once, to nearest). */
static inline AXRT_UNUSED float
axrt_fixed_dequant(int32_t q, int f)
{
	return ldexpf((float)q, -f);
}

/* The bits of a float and back (memcpy: no aliasing questions). */
static inline AXRT_UNUSED uint32_t
axrt_fixed_bits(float v)
{
	uint32_t u;
	memcpy(&u, &v, sizeof u);
	return u;
}

static inline AXRT_UNUSED float
axrt_fixed_float(uint32_t u)
{
	float v;
	memcpy(&v, &u, sizeof v);
	return v;
}

/* y[i] = x^[i] (quantize then dequantize) for n floats; y may be x.
 * The first loop is the same function written so that it vectorizes (no
 * calls, no branches, no float compares: those may trap, which stops the
 * compiler from turning them into selects). For |f| <= 126, 2^f and 2^-f
 * are normal floats and a product with one rounds exactly as ldexpf does.
 * a = |x * 2^f| below 2^23 is rounded half to even by adding 2^23 and
 * subtracting it again in the default rounding mode; larger floats are
 * integers. Non-negative floats order as their bit patterns, so the
 * saturation is an unsigned min on the magnitude: at most 2^(k-1) - 1 (as
 * a float: 2^(k-1) for k > 24, as the code's dequantization gives) for
 * x >= 0, 2^(k-1) for x < 0. Adding +0 turns -0 into the +0 of code 0.
 * Other f, truncation, and compilers that evaluate float expressions in
 * wider precision take the code route. */
static inline AXRT_UNUSED void
axrt_fixed_fake_f32(const float *x, float *y, int64_t n, int k, int f, int mode)
{
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
	if (mode == AXRT_FIXED_NEAREST && f >= -126 && f <= 126) {
		float s = ldexpf(1.0f, f), inv = ldexpf(1.0f, -f), top = ldexpf(1.0f, k - 1);
		uint32_t uhi = axrt_fixed_bits((float)(((int64_t)1 << (k - 1)) - 1));
		uint32_t utop = axrt_fixed_bits(top), two23 = 0x4b000000u;   /* 2^23 */
		for (int64_t i = 0; i < n; i++) {
			float v = x[i] * s, a = fabsf(v), t = (a + 8388608.0f) - 8388608.0f;
			uint32_t uv = axrt_fixed_bits(v), ua = axrt_fixed_bits(a);
			uint32_t m = 0u - (uint32_t)(ua < two23);   /* masks, so that t is */
			uint32_t ur = (axrt_fixed_bits(t) & m) | (ua & ~m); /* not sunk into a branch */
			uint32_t lim = uv >> 31 ? utop : uhi;
			ur = ur < lim ? ur : lim;
			y[i] = (axrt_fixed_float(ur | (uv & 0x80000000u)) + 0.0f) * inv;
		}
		return;
	}
#endif
	for (int64_t i = 0; i < n; i++)
		y[i] = axrt_fixed_dequant(axrt_fixed_quant(x[i], k, f, mode), f);
}

/* The k-bit two's complement code q with bit b (0 = least significant)
 * inverted, read back as a signed value in [-2^(k-1), 2^(k-1) - 1]. */
static inline AXRT_UNUSED int32_t
axrt_fixed_flip(int32_t q, int k, int b)
{
	uint32_t mask = k >= 32 ? 0xffffffffu : ((uint32_t)1 << k) - 1u;
	uint32_t u = ((uint32_t)q & mask) ^ ((uint32_t)1 << b);
	if ((u >> (k - 1)) & 1u)
		return (int32_t)((int64_t)u - ((int64_t)1 << k));
	return (int32_t)u;
}

#endif /* AXRT_FIXED_H */
