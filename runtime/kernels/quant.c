/* quant.c: kernels of the quant family -- linear (de)quantization and the
 * 8-bit integer matmul and conv with int32 accumulators, plus their
 * requantizing QLinear forms (ranges and formulas in axrt_quant.h).
 * Every integer product and sum goes through one function, quant_mac
 * (ORDER QUANT_MAC): the matmul and conv bodies take it as a parameter so
 * that a later issue can instantiate them with approximate multipliers and
 * adders without writing a second body. */
#include "axrt.h"
#include <limits.h>
#include <math.h>
#include <stddef.h>

/* ---- arithmetic ---- */

/* The multiply-accumulate of the integer kernels: acc + a * b modulo 2^32.
 * a is the zero-point-corrected activation (x - x_zp), b the weight
 * (w - w_zp), both in [-255, 255], so a * b (|a * b| <= 65025) never
 * overflows; the sum wraps like ONNX's int32 accumulators ("may overflow
 * if and only if in 32 bits") and lives in uint32_t, where that is defined. */
typedef uint32_t (*quant_mac_fn)(uint32_t acc, int32_t a, int32_t b);

AXRT_PRIVATE uint32_t
quant_mac(uint32_t acc, int32_t a, int32_t b)
{
	return acc + (uint32_t)(a * b);
}

/* The int32 with the two's complement bits of v, without relying on the
 * implementation-defined conversion of out-of-range values. */
AXRT_PRIVATE int32_t
quant_wrap(uint32_t v)
{
	if (v <= (uint32_t)INT32_MAX)
		return (int32_t)v;
	return (int32_t)(v - 0x80000000u) + INT32_MIN;
}

/* v rounded to the nearest integer, ties to even, whatever the FPU's
 * rounding mode. v - floor(v) is exact for every float; from 2^23 up
 * every float is an integer. Infinities and NaN come back unchanged. */
AXRT_PRIVATE float
quant_round(float v)
{
	float r = floorf(v), d = v - r;

	if (d > 0.5f || (d == 0.5f && r * 0.5f != floorf(r * 0.5f)))
		r += 1.0f;
	return r;
}

AXRT_PRIVATE double
quant_round_d(double v)
{
	double r = floor(v), d = v - r;

	if (d > 0.5 || (d == 0.5 && r * 0.5 != floor(r * 0.5)))
		r += 1.0;
	return r;
}

/* saturate(round(v) + zp) into [lo, hi]; NaN gives lo, as ONNX Runtime's
 * clamp does (MLAS on x86 and ARM). The sum is exact whenever it lies
 * within [lo, hi] (|values| < 2^24); beyond, only its side matters. */
AXRT_PRIVATE int32_t
quant_sat(float v, int32_t zp, int32_t lo, int32_t hi)
{
	float r = quant_round(v);

	if (r != r)
		return lo;
	r += (float)zp;
	return r < (float)lo ? lo : r > (float)hi ? hi : (int32_t)r;
}

AXRT_PRIVATE int32_t
quant_sat_d(double v, int32_t zp, int32_t lo, int32_t hi)
{
	double r = quant_round_d(v);

	if (r != r)
		return lo;
	r += zp;
	return r < lo ? lo : r > hi ? hi : (int32_t)r;
}

/* ---- quantized element access ---- */

/* Sets the range of a quantized type; returns 0 for a type it does not know. */
AXRT_PRIVATE int
quant_range(int32_t qtype, int32_t *lo, int32_t *hi)
{
	switch (qtype) {
	case AXRT_DT_UINT8: *lo = 0; *hi = 255; return 1;
	case AXRT_DT_INT8: *lo = -128; *hi = 127; return 1;
	case AXRT_DT_UINT16: *lo = 0; *hi = 65535; return 1;
	case AXRT_DT_INT16: *lo = -32768; *hi = 32767; return 1;
	default: return 0;
	}
}

/* Element i of a tensor of qtype (or INT32). */
AXRT_PRIVATE int32_t
quant_get(const void *p, int32_t qtype, ptrdiff_t i)
{
	switch (qtype) {
	case AXRT_DT_UINT8: return ((const uint8_t *)p)[i];
	case AXRT_DT_INT8: return ((const int8_t *)p)[i];
	case AXRT_DT_UINT16: return ((const uint16_t *)p)[i];
	case AXRT_DT_INT16: return ((const int16_t *)p)[i];
	default: return ((const int32_t *)p)[i];
	}
}

/* Stores v, already within qtype's range, as element i. */
AXRT_PRIVATE void
quant_put(void *p, int32_t qtype, ptrdiff_t i, int32_t v)
{
	switch (qtype) {
	case AXRT_DT_UINT8: ((uint8_t *)p)[i] = (uint8_t)v; break;
	case AXRT_DT_INT8: ((int8_t *)p)[i] = (int8_t)v; break;
	case AXRT_DT_UINT16: ((uint16_t *)p)[i] = (uint16_t)v; break;
	case AXRT_DT_INT16: ((int16_t *)p)[i] = (int16_t)v; break;
	default: break;
	}
}

/* ---- QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear ---- */

AXRT_PRIVATE int
quant_lin_check(const axrt_qlinear_params *p)
{
	return p->outer < 0 || p->chan < 1 || p->inner < 0 ? AXRT_EINVAL : AXRT_OK;
}

AXRT_KERNEL_PROTO(quantize_f32, qlinear)
{
	const float *x = in[0], *scale = in[1];
	int32_t lo, hi;
	ptrdiff_t i = 0;

	(void)scratch;
	if (quant_lin_check(p) != AXRT_OK || !quant_range(p->qtype, &lo, &hi))
		return AXRT_EINVAL;
	for (int32_t o = 0; o < p->outer; o++)
		for (int32_t c = 0; c < p->chan; c++) {
			int32_t ci = p->per_axis ? c : 0;
			int32_t zp = in[2] ? quant_get(in[2], p->qtype, ci) : 0;
			float s = scale[ci];
			for (int32_t j = 0; j < p->inner; j++, i++)
				quant_put(out[0], p->qtype, i, quant_sat(x[i] / s, zp, lo, hi));
		}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(quantize_i32, qlinear)
{
	const int32_t *x = in[0];
	const float *scale = in[1];
	int32_t lo, hi;
	ptrdiff_t i = 0;

	(void)scratch;
	if (quant_lin_check(p) != AXRT_OK || !quant_range(p->qtype, &lo, &hi))
		return AXRT_EINVAL;
	for (int32_t o = 0; o < p->outer; o++)
		for (int32_t c = 0; c < p->chan; c++) {
			int32_t ci = p->per_axis ? c : 0;
			int32_t zp = in[2] ? quant_get(in[2], p->qtype, ci) : 0;
			double s = scale[ci];
			for (int32_t j = 0; j < p->inner; j++, i++)
				quant_put(out[0], p->qtype, i, quant_sat_d(x[i] / s, zp, lo, hi));
		}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(dequantize_f32, qlinear)
{
	const float *scale = in[1];
	float *y = out[0];
	int32_t lo, hi;
	ptrdiff_t i = 0;

	(void)scratch;
	if (quant_lin_check(p) != AXRT_OK
	 || (p->qtype != AXRT_DT_INT32 && !quant_range(p->qtype, &lo, &hi)))
		return AXRT_EINVAL;
	for (int32_t o = 0; o < p->outer; o++)
		for (int32_t c = 0; c < p->chan; c++) {
			int32_t ci = p->per_axis ? c : 0;
			int64_t zp = in[2] ? quant_get(in[2], p->qtype, ci) : 0;
			float s = scale[ci];
			for (int32_t j = 0; j < p->inner; j++, i++)
				y[i] = (float)(quant_get(in[0], p->qtype, i) - zp) * s;
		}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(dynquant_u8, dynquant)
{
	const float *x = in[0];
	uint8_t *y = out[0];
	float lo = 0.0f, hi = 0.0f, scale;
	int32_t zp;

	(void)scratch;
	if (p->n < 0)
		return AXRT_EINVAL;
	for (int32_t i = 0; i < p->n; i++) {   /* the range always includes 0 */
		lo = x[i] < lo ? x[i] : lo;
		hi = x[i] > hi ? x[i] : hi;
	}
	scale = hi == lo ? 1.0f : (hi - lo) / 255.0f;
	zp = quant_sat(0.0f - lo / scale, 0, 0, 255);
	for (int32_t i = 0; i < p->n; i++)
		y[i] = (uint8_t)quant_sat(x[i] / scale, zp, 0, 255);
	if (out[1])
		*(float *)out[1] = scale;
	if (out[2])
		*(uint8_t *)out[2] = (uint8_t)zp;
	return AXRT_OK;
}

/* ---- 8-bit operands of the integer matmul and conv ---- */

/* An 8-bit operand: its bytes, a mask that maps int8 bytes onto 0..255
 * (b ^ 0x80 == b + 128 for an int8 b, so one loop serves both types) and
 * its zero points, read through the same mask: (v ^ mask) - (zp ^ mask)
 * == v - zp. An absent zero point reads as the byte 0. */
typedef struct {
	const uint8_t *v;
	const uint8_t *zp;     /* zero points; quant_zero when absent */
	ptrdiff_t zstep;       /* 1: one per row/column/channel, 0: one */
	uint32_t mask;         /* 0x80 for int8, 0 for uint8 */
} quant_opnd;

AXRT_PRIVATE const uint8_t quant_zero[1] = {0};

AXRT_PRIVATE quant_opnd
quant_opnd_make(const void *v, const void *zp, int32_t per, int32_t is_signed)
{
	quant_opnd o;

	o.v = v;
	o.zp = zp ? (const uint8_t *)zp : quant_zero;
	o.zstep = zp && per ? 1 : 0;
	o.mask = is_signed ? 0x80u : 0u;
	return o;
}

/* Zero point z of o (in the biased 0..255 domain). */
AXRT_PRIVATE int32_t
quant_zpv(const quant_opnd *o, ptrdiff_t z)
{
	return (int32_t)(o->zp[z * o->zstep] ^ o->mask);
}

/* Element i of o (in the biased 0..255 domain). */
AXRT_PRIVATE int32_t
quant_val(const quant_opnd *o, ptrdiff_t i)
{
	return (int32_t)(o->v[i] ^ o->mask);
}

/* y = saturate(round((float)acc * mult) + zp) as int8 (y_signed) or uint8. */
AXRT_PRIVATE void
quant_requant(void *y, int32_t y_signed, ptrdiff_t i, uint32_t acc, float mult, int32_t zp)
{
	float v = (float)quant_wrap(acc) * mult;

	if (y_signed)
		((int8_t *)y)[i] = (int8_t)quant_sat(v, zp, -128, 127);
	else
		((uint8_t *)y)[i] = (uint8_t)quant_sat(v, zp, 0, 255);
}

/* Zero point of a requantized output (in[i], int8 or uint8). */
AXRT_PRIVATE int32_t
quant_yzp(const void *zp, int32_t y_signed)
{
	return quant_get(zp, y_signed ? AXRT_DT_INT8 : AXRT_DT_UINT8, 0);
}

/* ---- MatMulInteger, QLinearMatMul ---- */

AXRT_PRIVATE int
quant_mm_check(const axrt_qmatmul_params *p)
{
	if (p->m < 0 || p->n < 0 || p->k < 0 || p->brank < 0 || p->brank > AXRT_MAXRANK)
		return AXRT_EINVAL;
	for (int32_t i = 0; i < p->brank; i++)
		if (p->bdim[i] < 0)
			return AXRT_EINVAL;
	return AXRT_OK;
}

/* Output matrices of the batch. */
AXRT_PRIVATE ptrdiff_t
quant_mm_nbatch(const axrt_qmatmul_params *p)
{
	ptrdiff_t nb = 1;

	for (int32_t i = 0; i < p->brank; i++)
		nb *= p->bdim[i];
	return nb;
}

/* Element offset of batch matrix b of an operand with batch strides bs. */
AXRT_PRIVATE ptrdiff_t
quant_mm_off(const axrt_qmatmul_params *p, ptrdiff_t b, const int32_t *bs)
{
	ptrdiff_t off = 0;

	for (int32_t i = p->brank - 1; i >= 0; i--) {
		off += (b % p->bdim[i]) * bs[i];
		b /= p->bdim[i];
	}
	return off;
}

/* acc[j] = sum over kk of mac(A[i][kk] - azp[i], B[kk][j] - bzp[j]) for
 * j < n, for row i of batch matrix bi. */
AXRT_PRIVATE void
quant_mm_row(const axrt_qmatmul_params *p, const quant_opnd *a, const quant_opnd *b,
	ptrdiff_t bi, int32_t i, uint32_t *acc, quant_mac_fn mac)
{
	ptrdiff_t ar = quant_mm_off(p, bi, p->a_bs) + (ptrdiff_t)i * p->k;
	ptrdiff_t bo = quant_mm_off(p, bi, p->b_bs);
	int32_t azp = quant_zpv(a, i);

	for (int32_t j = 0; j < p->n; j++)
		acc[j] = 0;
	for (int32_t kk = 0; kk < p->k; kk++) {
		int32_t av = quant_val(a, ar + kk) - azp;
		ptrdiff_t bk = bo + (ptrdiff_t)kk * p->n;
		for (int32_t j = 0; j < p->n; j++)
			acc[j] = mac(acc[j], av, quant_val(b, bk + j) - quant_zpv(b, j));
	}
}

AXRT_KERNEL_PROTO(matmulinteger_i32, qmatmul)
{
	quant_opnd a = quant_opnd_make(in[0], in[2], p->a_per_row, p->a_signed);
	quant_opnd b = quant_opnd_make(in[1], in[3], p->b_per_col, p->b_signed);
	int32_t *y = out[0];
	uint32_t *acc = scratch;
	ptrdiff_t nb, yo = 0;

	if (quant_mm_check(p) != AXRT_OK || (p->n > 0 && !acc))
		return AXRT_EINVAL;
	nb = quant_mm_nbatch(p);
	for (ptrdiff_t bi = 0; bi < nb; bi++)
		for (int32_t i = 0; i < p->m; i++) {
			quant_mm_row(p, &a, &b, bi, i, acc, quant_mac);
			for (int32_t j = 0; j < p->n; j++)
				y[yo++] = quant_wrap(acc[j]);
		}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(qlinearmatmul_q8, qmatmul)
{
	quant_opnd a = quant_opnd_make(in[0], in[2], p->a_per_row, p->a_signed);
	quant_opnd b = quant_opnd_make(in[3], in[5], p->b_per_col, p->b_signed);
	const float *as = in[1], *bs = in[4], *ys = in[6];
	uint32_t *acc = scratch;
	int32_t yzp;
	ptrdiff_t nb, yo = 0;

	if (quant_mm_check(p) != AXRT_OK || (p->n > 0 && !acc))
		return AXRT_EINVAL;
	nb = quant_mm_nbatch(p);
	yzp = quant_yzp(in[7], p->y_signed);
	for (ptrdiff_t bi = 0; bi < nb; bi++)
		for (int32_t i = 0; i < p->m; i++) {
			float ai = as[p->a_per_row ? i : 0];
			quant_mm_row(p, &a, &b, bi, i, acc, quant_mac);
			for (int32_t j = 0; j < p->n; j++) {
				float mult = ai * bs[p->b_per_col ? j : 0];   /* ORT's order */
				mult = mult / ys[0];
				quant_requant(out[0], p->y_signed, yo++, acc[j], mult, yzp);
			}
		}
	return AXRT_OK;
}

/* ---- ConvInteger, QLinearConv ---- */

AXRT_PRIVATE ptrdiff_t
quant_vol(const int32_t *d)
{
	return (ptrdiff_t)d[0] * d[1] * d[2];
}

AXRT_PRIVATE int
quant_conv_check(const axrt_qconv_params *p)
{
	if (p->n < 1 || p->c < 1 || p->m < 1 || p->group < 1
	 || p->c % p->group != 0 || p->m % p->group != 0)
		return AXRT_EINVAL;
	for (int i = 0; i < 3; i++)
		if (p->in[i] < 1 || p->out[i] < 1 || p->k[i] < 1 || p->stride[i] < 1 || p->dil[i] < 1)
			return AXRT_EINVAL;
	return AXRT_OK;
}

/* Sets [*lo, *hi) to the o in [0, count) with 0 <= o * s + off < limit
 * (s >= 1); empty (*lo == *hi) when there are none. */
AXRT_PRIVATE void
quant_span(int32_t off, int32_t s, int32_t limit, int32_t count, int32_t *lo, int32_t *hi)
{
	int32_t a = off < 0 ? (-off + s - 1) / s : 0;
	int32_t b = limit - 1 - off < 0 ? 0 : (limit - 1 - off) / s + 1;

	if (b > count)
		b = count;
	if (a > b)
		a = b;
	*lo = a;
	*hi = b;
}

/* One kernel row: acc[ow] = mac(acc[ow], x - xzp, w - wzp) along the
 * output row for each kw, xr the input row's offset, wr the weights'. */
AXRT_PRIVATE void
quant_conv_taps(const axrt_qconv_params *p, const quant_opnd *x, ptrdiff_t xr, int32_t xzp,
	const quant_opnd *w, ptrdiff_t wr, int32_t wzp, uint32_t *acc, quant_mac_fn mac)
{
	int32_t s = p->stride[2], lo, hi;

	for (int32_t kw = 0; kw < p->k[2]; kw++) {
		int32_t off = kw * p->dil[2] - p->pad[2];
		int32_t wv = quant_val(w, wr + kw) - wzp;
		quant_span(off, s, p->in[2], p->out[2], &lo, &hi);
		for (int32_t ow = lo; ow < hi; ow++)
			acc[ow] = mac(acc[ow], quant_val(x, xr + (ptrdiff_t)ow * s + off) - xzp, wv);
	}
}

/* Output row r of y (r counts rows of out[2] elements over n, m, out[0],
 * out[1]) into acc, starting from init; *mo: its output channel. Padded
 * positions are skipped: they hold xzp, so contribute nothing. */
AXRT_PRIVATE void
quant_conv_row(const axrt_qconv_params *p, const quant_opnd *x, const quant_opnd *w,
	ptrdiff_t r, uint32_t init, uint32_t *acc, quant_mac_fn mac)
{
	int32_t oh = (int32_t)(r % p->out[1]), od = (int32_t)(r / p->out[1] % p->out[0]);
	ptrdiff_t rm = r / p->out[1] / p->out[0];
	int32_t mo = (int32_t)(rm % p->m), img = (int32_t)(rm / p->m);
	int32_t cg = p->c / p->group, g = mo / (p->m / p->group);
	int32_t xzp = quant_zpv(x, 0), wzp = quant_zpv(w, mo);
	ptrdiff_t isz = quant_vol(p->in), ksz = quant_vol(p->k);

	for (int32_t ow = 0; ow < p->out[2]; ow++)
		acc[ow] = init;
	for (int32_t c = 0; c < cg; c++) {
		ptrdiff_t xc = ((ptrdiff_t)img * p->c + (ptrdiff_t)g * cg + c) * isz;
		ptrdiff_t wc = ((ptrdiff_t)mo * cg + c) * ksz;
		for (int32_t kd = 0; kd < p->k[0]; kd++) {
			int32_t id = od * p->stride[0] - p->pad[0] + kd * p->dil[0];
			if (id < 0 || id >= p->in[0])
				continue;
			for (int32_t kh = 0; kh < p->k[1]; kh++) {
				int32_t ih = oh * p->stride[1] - p->pad[1] + kh * p->dil[1];
				if (ih < 0 || ih >= p->in[1])
					continue;
				quant_conv_taps(p, x, xc + ((ptrdiff_t)id * p->in[1] + ih) * p->in[2], xzp,
					w, wc + ((ptrdiff_t)kd * p->k[1] + kh) * p->k[2], wzp, acc, mac);
			}
		}
	}
}

AXRT_KERNEL_PROTO(convinteger_i32, qconv)
{
	quant_opnd x = quant_opnd_make(in[0], in[2], 0, p->x_signed);
	quant_opnd w = quant_opnd_make(in[1], in[3], p->w_per_chan, p->w_signed);
	int32_t *y = out[0];
	uint32_t *acc = scratch;
	ptrdiff_t rows, yo = 0;

	if (quant_conv_check(p) != AXRT_OK || !acc)
		return AXRT_EINVAL;
	rows = (ptrdiff_t)p->n * p->m * p->out[0] * p->out[1];
	for (ptrdiff_t r = 0; r < rows; r++) {
		quant_conv_row(p, &x, &w, r, 0, acc, quant_mac);
		for (int32_t ow = 0; ow < p->out[2]; ow++)
			y[yo++] = quant_wrap(acc[ow]);
	}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(qlinearconv_q8, qconv)
{
	quant_opnd x = quant_opnd_make(in[0], in[2], 0, p->x_signed);
	quant_opnd w = quant_opnd_make(in[3], in[5], p->w_per_chan, p->w_signed);
	const float *xs = in[1], *ws = in[4], *ys = in[6];
	const int32_t *bias = in[8];
	uint32_t *acc = scratch;
	int32_t yzp;
	ptrdiff_t rows, yo = 0;

	if (quant_conv_check(p) != AXRT_OK || !acc)
		return AXRT_EINVAL;
	rows = (ptrdiff_t)p->n * p->m * p->out[0] * p->out[1];
	yzp = quant_yzp(in[7], p->y_signed);
	for (ptrdiff_t r = 0; r < rows; r++) {
		int32_t mo = (int32_t)(r / p->out[1] / p->out[0] % p->m);
		float mult = xs[0] * ws[p->w_per_chan ? mo : 0];   /* ORT's order */
		mult = mult / ys[0];
		quant_conv_row(p, &x, &w, r, bias ? (uint32_t)bias[mo] : 0u, acc, quant_mac);
		for (int32_t ow = 0; ow < p->out[2]; ow++)
			quant_requant(out[0], p->y_signed, yo++, acc[ow], mult, yzp);
	}
	return AXRT_OK;
}
