/* data.c: kernels of the data family. Data movement is type-generic: an
 * element is esize bytes (1, 2, 4 or 8) copied as an unsigned integer of
 * that size; only scatter reductions, cumsum, range and resize do arithmetic
 * and so depend on the element type. */
#include "axrt.h"
#include <math.h>
#include <string.h>

/* One precomputed resize tap set: the input positions and weights that one
 * output coordinate of one axis reads; n < 0 means "extrapolate". */
typedef struct {
	int32_t n;
	int32_t idx[4];
	float w[4];
	int32_t pad_;
} data_tap;

AXRT_PRIVATE int
data_esize_ok(int32_t e)
{
	return e == 1 || e == 2 || e == 4 || e == 8;
}

/* Copies one element of es bytes. */
AXRT_PRIVATE void
data_elem(void *dst, const void *src, size_t es)
{
	switch (es) {
	case 1: memcpy(dst, src, 1); break;
	case 2: memcpy(dst, src, 2); break;
	case 4: memcpy(dst, src, 4); break;
	default: memcpy(dst, src, 8); break;
	}
}

/* The element whose bits are the low es bytes of bits (see AXRT_FILL_PARAMS). */
AXRT_PRIVATE void
data_from_bits(void *dst, int64_t bits, size_t es)
{
	uint64_t u = (uint64_t)bits;
	uint8_t b1 = (uint8_t)u;
	uint16_t b2 = (uint16_t)u;
	uint32_t b4 = (uint32_t)u;
	switch (es) {
	case 1: memcpy(dst, &b1, 1); break;
	case 2: memcpy(dst, &b2, 2); break;
	case 4: memcpy(dst, &b4, 4); break;
	default: memcpy(dst, &u, 8); break;
	}
}

#define DATA_ROW(T) do { \
	T *d_ = (T *)dst; const T *s_ = (const T *)src; \
	for (int64_t i_ = 0; i_ < n; i_++) \
		d_[i_ * os] = s_[i_ * is]; \
} while (0)

/* dst[i * os] = src[i * is] for i < n, elements of es bytes. */
AXRT_PRIVATE void
data_row(char *dst, int64_t os, const char *src, int64_t is, int64_t n, size_t es)
{
	if (os == 1 && is == 1) {
		memcpy(dst, src, (size_t)n * es);
		return;
	}
	switch (es) {
	case 1: DATA_ROW(uint8_t); break;
	case 2: DATA_ROW(uint16_t); break;
	case 4: DATA_ROW(uint32_t); break;
	default: DATA_ROW(uint64_t); break;
	}
}

/* Element i of an index tensor of ONNX type dt, as int64 (floats are
 * truncated toward zero, as a cast does). */
AXRT_PRIVATE int64_t
data_index(const void *p, int32_t dt, int64_t i)
{
	switch (dt) {
	case AXRT_DT_INT64: return ((const int64_t *)p)[i];
	case AXRT_DT_INT32: return ((const int32_t *)p)[i];
	case AXRT_DT_INT16: return ((const int16_t *)p)[i];
	case AXRT_DT_INT8: return ((const int8_t *)p)[i];
	case AXRT_DT_UINT8: return ((const uint8_t *)p)[i];
	case AXRT_DT_UINT16: return ((const uint16_t *)p)[i];
	case AXRT_DT_UINT32: return ((const uint32_t *)p)[i];
	case AXRT_DT_UINT64: return (int64_t)((const uint64_t *)p)[i];
	case AXRT_DT_FLOAT: return (int64_t)((const float *)p)[i];
	case AXRT_DT_DOUBLE: return (int64_t)((const double *)p)[i];
	default: return 0;
	}
}

AXRT_PRIVATE int
data_idtype_ok(int32_t dt)
{
	switch (dt) {
	case AXRT_DT_INT64: case AXRT_DT_INT32: case AXRT_DT_INT16: case AXRT_DT_INT8:
	case AXRT_DT_UINT8: case AXRT_DT_UINT16: case AXRT_DT_UINT32: case AXRT_DT_UINT64:
	case AXRT_DT_FLOAT: case AXRT_DT_DOUBLE:
		return 1;
	default:
		return 0;
	}
}

/* Index v on an axis of length n: negative ones count from the end.
 * Returns the position, or -1 if it is out of range. */
AXRT_PRIVATE int64_t
data_wrap(int64_t v, int64_t n)
{
	if (v < 0)
		v += n;
	return v >= 0 && v < n ? v : -1;
}

AXRT_KERNEL_PROTO(copy, copy)
{
	(void)scratch;
	if (p->nbytes < 0)
		return AXRT_EINVAL;
	if (p->nbytes > 0 && out[0] != in[0])
		memmove(out[0], in[0], (size_t)p->nbytes);
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(strided, strided)
{
	int32_t idx[AXRT_STRIDED_MAXRANK];
	int r = p->rank, last = r - 1;
	size_t es = (size_t)p->esize;
	const char *src = (const char *)in[0];
	char *dst = (char *)out[0];
	int64_t io = p->in_off, oo = p->out_off;

	(void)scratch;
	if (r < 0 || r > AXRT_STRIDED_MAXRANK || !data_esize_ok(p->esize))
		return AXRT_EINVAL;
	for (int k = 0; k < r; k++) {
		if (p->dims[k] < 0)
			return AXRT_EINVAL;
		if (p->dims[k] == 0)
			return AXRT_OK;
		idx[k] = 0;
	}
	if (r == 0) {
		data_elem(dst + oo * (int64_t)es, src + io * (int64_t)es, es);
		return AXRT_OK;
	}
	for (;;) {
		data_row(dst + oo * (int64_t)es, p->out_str[last],
			src + io * (int64_t)es, p->in_str[last], p->dims[last], es);
		int k = last - 1;
		for (; k >= 0; k--) {           /* odometer over the outer dims */
			io += p->in_str[k];
			oo += p->out_str[k];
			if (++idx[k] < p->dims[k])
				break;
			io -= p->in_str[k] * p->dims[k];
			oo -= p->out_str[k] * p->dims[k];
			idx[k] = 0;
		}
		if (k < 0)
			return AXRT_OK;
	}
}

AXRT_KERNEL_PROTO(fill, fill)
{
	size_t es = (size_t)p->esize;
	char *dst = (char *)out[0];

	(void)in;
	(void)scratch;
	if (p->n < 0 || !data_esize_ok(p->esize))
		return AXRT_EINVAL;
	for (int64_t i = 0; i < p->n; i++)
		data_from_bits(dst + i * (int64_t)es, p->bits, es);
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(values_i64, values)
{
	int64_t *y = (int64_t *)out[0];

	(void)in;
	(void)scratch;
	if (p->n < 0 || p->n > AXRT_MAXRANK)
		return AXRT_EINVAL;
	for (int i = 0; i < p->n; i++)
		y[i] = p->v[i];
	return AXRT_OK;
}

/* Input position read by output position i - begin on an axis of length n
 * under pad mode; -1 for "the constant". */
AXRT_PRIVATE int64_t
data_pad_map(int64_t i, int64_t n, int32_t mode)
{
	if (i >= 0 && i < n)
		return i;
	if (mode == 0 || n == 0)
		return -1;
	if (mode == 1) {                /* reflect: period 2(n-1) */
		int64_t per = 2 * (n - 1);
		if (per == 0)
			return 0;
		i %= per;
		if (i < 0)
			i += per;
		return i < n ? i : per - i;
	}
	if (mode == 2)                  /* edge */
		return i < 0 ? 0 : n - 1;
	i %= n;                         /* wrap */
	return i < 0 ? i + n : i;
}

/* Input element offset of the row at output position idx (all axes but the
 * last), or -1 if the row lies in the constant border. */
AXRT_PRIVATE int64_t
data_pad_row(const axrt_pad_params *p, const int32_t *idx)
{
	int64_t off = 0;
	for (int k = 0; k < p->rank - 1; k++) {
		int64_t m = data_pad_map((int64_t)idx[k] - p->begin[k], p->in[k], p->mode);
		if (m < 0)
			return -1;
		off = off * p->in[k] + m;
	}
	return off * p->in[p->rank - 1];
}

AXRT_KERNEL_PROTO(pad, pad)
{
	int32_t idx[AXRT_MAXRANK] = {0};
	int r = p->rank;
	size_t es = (size_t)p->esize;
	const char *src = (const char *)in[0];
	char *dst = (char *)out[0], val[8];

	(void)scratch;
	if (r < 0 || r > AXRT_MAXRANK || !data_esize_ok(p->esize) || p->mode < 0 || p->mode > 3)
		return AXRT_EINVAL;
	for (int k = 0; k < r; k++) {
		if (p->in[k] < 0 || p->out[k] < 0)
			return AXRT_EINVAL;
		if (p->out[k] == 0)
			return AXRT_OK;
		if (p->in[k] == 0 && p->mode != 0)
			return AXRT_EINVAL;
	}
	if (in[1])
		data_elem(val, in[1], es);
	else
		data_from_bits(val, p->bits, es);
	if (r == 0) {
		data_elem(dst, src, es);
		return AXRT_OK;
	}
	int64_t nrow = p->out[r - 1], nin = p->in[r - 1], b = p->begin[r - 1];
	for (;;) {
		int64_t row = data_pad_row(p, idx);
		for (int64_t o = 0; o < nrow; o++, dst += es) {
			int64_t m = row < 0 ? -1 : data_pad_map(o - b, nin, p->mode);
			data_elem(dst, m < 0 ? val : src + (row + m) * (int64_t)es, es);
		}
		int k = r - 2;
		for (; k >= 0; k--) {
			if (++idx[k] < p->out[k])
				break;
			idx[k] = 0;
		}
		if (k < 0)
			return AXRT_OK;
	}
}

AXRT_KERNEL_PROTO(gather, gather)
{
	size_t es = (size_t)p->esize, chunk = (size_t)p->inner * es;
	const char *src = (const char *)in[0];
	char *dst = (char *)out[0];

	(void)scratch;
	if (p->outer < 0 || p->axis < 0 || p->inner < 0 || p->nidx < 0 ||
	    !data_esize_ok(p->esize) || !data_idtype_ok(p->idtype))
		return AXRT_EINVAL;
	for (int64_t o = 0; o < p->outer; o++)
		for (int64_t j = 0; j < p->nidx; j++, dst += chunk) {
			int64_t v = data_wrap(data_index(in[1], p->idtype, j), p->axis);
			if (v < 0)
				return AXRT_EINVAL;
			memcpy(dst, src + (o * p->axis + v) * (int64_t)chunk, chunk);
		}
	return AXRT_OK;
}

/* dst op= src for scatter reductions in element type dt. */
#define DATA_RED(T) do { \
	T a_, b_; memcpy(&a_, dst, sizeof a_); memcpy(&b_, src, sizeof b_); \
	switch (red) { \
	case AXRT_RED_ADD: a_ = (T)(a_ + b_); break; \
	case AXRT_RED_MUL: a_ = (T)(a_ * b_); break; \
	case AXRT_RED_MAX: a_ = b_ > a_ ? b_ : a_; break; \
	default: a_ = b_ < a_ ? b_ : a_; break; \
	} \
	memcpy(dst, &a_, sizeof a_); \
} while (0)

/* Integer add and multiply wrap around: they are done unsigned. */
#define DATA_RED_INT(T, U) do { \
	T a_, b_; memcpy(&a_, dst, sizeof a_); memcpy(&b_, src, sizeof b_); \
	switch (red) { \
	case AXRT_RED_ADD: a_ = (T)(U)((U)a_ + (U)b_); break; \
	case AXRT_RED_MUL: a_ = (T)(U)((U)a_ * (U)b_); break; \
	case AXRT_RED_MAX: a_ = b_ > a_ ? b_ : a_; break; \
	default: a_ = b_ < a_ ? b_ : a_; break; \
	} \
	memcpy(dst, &a_, sizeof a_); \
} while (0)

AXRT_PRIVATE axrt_status
data_reduce(void *dst, const void *src, int32_t dt, int32_t red, size_t es)
{
	switch (red == AXRT_RED_NONE ? 0 : dt) {
	case 0: data_elem(dst, src, es); break;
	case AXRT_DT_FLOAT: DATA_RED(float); break;
	case AXRT_DT_DOUBLE: DATA_RED(double); break;
	case AXRT_DT_INT32: DATA_RED_INT(int32_t, uint32_t); break;
	case AXRT_DT_INT64: DATA_RED_INT(int64_t, uint64_t); break;
	case AXRT_DT_UINT32: DATA_RED_INT(uint32_t, uint32_t); break;
	case AXRT_DT_UINT64: DATA_RED_INT(uint64_t, uint64_t); break;
	default: return AXRT_EUNSUPPORTED;
	}
	return AXRT_OK;
}

AXRT_PRIVATE int
data_elements_ok(const axrt_elements_params *p)
{
	if (p->rank < 1 || p->rank > AXRT_MAXRANK || p->axis < 0 || p->axis >= p->rank ||
	    !data_esize_ok(p->esize) || !data_idtype_ok(p->idtype) ||
	    p->reduction < AXRT_RED_NONE || p->reduction > AXRT_RED_MIN)
		return 0;
	for (int k = 0; k < p->rank; k++)
		if (p->data[k] < 0 || p->idx[k] < 0)
			return 0;
	return 1;
}

/* Walks the index tensor of gather_elements / scatter_elements: calls
 * back with the flat index position i and the data position it names.
 * scatter: 1 for scatter (src = updates, dst = out), 0 for gather. */
AXRT_PRIVATE axrt_status
data_elements(const axrt_elements_params *p, const void *const *in, void *const *out, int scatter)
{
	int32_t idx[AXRT_MAXRANK] = {0};
	int64_t str[AXRT_MAXRANK], n = 1, s = 1;
	int r = p->rank, ax = p->axis;
	size_t es = (size_t)p->esize;

	for (int k = r - 1; k >= 0; k--) {
		str[k] = s;
		s *= p->data[k];
		n *= p->idx[k];
	}
	for (int64_t i = 0; i < n; i++) {
		int64_t v = data_wrap(data_index(in[1], p->idtype, i), p->data[ax]), off = 0;
		if (v < 0)
			return AXRT_EINVAL;
		for (int k = 0; k < r; k++)
			off += (k == ax ? v : idx[k]) * str[k];
		if (scatter) {
			axrt_status st = data_reduce((char *)out[0] + off * (int64_t)es,
				(const char *)in[2] + i * (int64_t)es, p->dtype, p->reduction, es);
			if (st != AXRT_OK)
				return st;
		} else {
			data_elem((char *)out[0] + i * (int64_t)es, (const char *)in[0] + off * (int64_t)es, es);
		}
		for (int k = r - 1; k >= 0 && ++idx[k] == p->idx[k]; k--)
			idx[k] = 0;
	}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(gather_elements, elements)
{
	(void)scratch;
	if (!data_elements_ok(p))
		return AXRT_EINVAL;
	return data_elements(p, in, out, 0);
}

AXRT_KERNEL_PROTO(scatter_elements, elements)
{
	int64_t n = 1;

	(void)scratch;
	if (!data_elements_ok(p))
		return AXRT_EINVAL;
	for (int k = 0; k < p->rank; k++)
		n *= p->data[k];
	if (out[0] != in[0])
		memcpy(out[0], in[0], (size_t)n * (size_t)p->esize);
	return data_elements(p, in, out, 1);
}

AXRT_PRIVATE int
data_nd_ok(const axrt_nd_params *p)
{
	if (p->batch < 0 || p->nidx < 0 || p->k < 0 || p->k > AXRT_MAXRANK || p->slice < 0 ||
	    !data_esize_ok(p->esize) || !data_idtype_ok(p->idtype) ||
	    p->reduction < AXRT_RED_NONE || p->reduction > AXRT_RED_MIN)
		return 0;
	for (int k = 0; k < p->k; k++)
		if (p->dims[k] < 0)
			return 0;
	return 1;
}

/* Element offset (in slices) of index tuple j of batch b, or -1. */
AXRT_PRIVATE int64_t
data_nd_offset(const axrt_nd_params *p, const void *idx, int64_t b, int64_t j)
{
	int64_t off = 0, base = (b * p->nidx + j) * p->k;
	for (int k = 0; k < p->k; k++) {
		int64_t v = data_wrap(data_index(idx, p->idtype, base + k), p->dims[k]);
		if (v < 0)
			return -1;
		off = off * p->dims[k] + v;
	}
	return off;
}

AXRT_KERNEL_PROTO(gather_nd, nd)
{
	size_t es = (size_t)p->esize, chunk = (size_t)p->slice * es;
	int64_t per = 1;                /* slices per batch of data */
	char *dst = (char *)out[0];

	(void)scratch;
	if (!data_nd_ok(p))
		return AXRT_EINVAL;
	for (int k = 0; k < p->k; k++)
		per *= p->dims[k];
	for (int64_t b = 0; b < p->batch; b++)
		for (int64_t j = 0; j < p->nidx; j++, dst += chunk) {
			int64_t off = data_nd_offset(p, in[1], b, j);
			if (off < 0)
				return AXRT_EINVAL;
			memcpy(dst, (const char *)in[0] + (b * per + off) * (int64_t)chunk, chunk);
		}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(scatter_nd, nd)
{
	int64_t es = p->esize, per = 1;
	char *dst = (char *)out[0];
	const char *upd = (const char *)in[2];

	(void)scratch;
	if (!data_nd_ok(p) || p->batch != 1)
		return AXRT_EINVAL;
	for (int k = 0; k < p->k; k++)
		per *= p->dims[k];
	if (out[0] != in[0])
		memcpy(dst, in[0], (size_t)(per * p->slice * es));
	for (int64_t j = 0; j < p->nidx; j++) {
		int64_t off = data_nd_offset(p, in[1], 0, j);
		if (off < 0)
			return AXRT_EINVAL;
		for (int64_t i = 0; i < p->slice; i++) {
			axrt_status st = data_reduce(dst + (off * p->slice + i) * es,
				upd + (j * p->slice + i) * es, p->dtype, p->reduction, (size_t)es);
			if (st != AXRT_OK)
				return st;
		}
	}
	return AXRT_OK;
}

/* Input coordinate of output coordinate x on axis k (ONNX Resize's
 * coordinate_transformation_mode), computed in double. As in the spec,
 * length_resized is scale * length_original, which is not an integer when
 * scales were given. */
AXRT_PRIVATE double
data_resize_coord(const axrt_resize_params *p, int k, int64_t x, double s)
{
	double n = p->in[k], m = s * n, lo, hi;
	switch (p->coord) {
	case AXRT_COORD_ASYMMETRIC: return (double)x / s;
	case AXRT_COORD_PYTORCH_HALF_PIXEL: return m > 1 ? ((double)x + 0.5) / s - 0.5 : 0;
	case AXRT_COORD_TF_HALF_PIXEL_FOR_NN: return ((double)x + 0.5) / s;
	case AXRT_COORD_ALIGN_CORNERS: return m > 1 ? (double)x * (n - 1) / (m - 1) : 0;
	case AXRT_COORD_TF_CROP_AND_RESIZE:
		lo = p->roi[k];
		hi = p->roi[p->rank + k];
		if (m > 1)
			return lo * (n - 1) + (double)x * (hi - lo) * (n - 1) / (m - 1);
		return 0.5 * (lo + hi) * (n - 1);
	case AXRT_COORD_HALF_PIXEL_SYMMETRIC: {
		double adj = m / (s * n), off = n / 2 * (1 - adj);
		return off + ((double)x + 0.5) / s - 0.5;
	}
	default: return ((double)x + 0.5) / s - 0.5;
	}
}

AXRT_PRIVATE int64_t
data_resize_round(double x, int32_t mode, int down)
{
	double f = floor(x);
	switch (mode) {
	case AXRT_NEAREST_ROUND_PREFER_CEIL: return (int64_t)(x - f >= 0.5 ? f + 1 : f);
	case AXRT_NEAREST_FLOOR: return (int64_t)f;
	case AXRT_NEAREST_CEIL: return (int64_t)ceil(x);
	case AXRT_NEAREST_SIMPLE: return down ? (int64_t)ceil(x) : (int64_t)x;
	default: return (int64_t)(x - f > 0.5 ? f + 1 : f);
	}
}

AXRT_PRIVATE int64_t
data_clamp(int64_t i, int64_t n)
{
	return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/* Cubic taps around x (Keys kernel with coefficient a). */
AXRT_PRIVATE void
data_resize_cubic(const axrt_resize_params *p, data_tap *t, double x, int64_t n)
{
	double a = p->cubic_a, f = floor(x), r = x - f, c[4], sum = 0;
	double d[4] = {r + 1, r, 1 - r, 2 - r};
	for (int j = 0; j < 4; j++) {
		double u = d[j];
		c[j] = u <= 1 ? ((a + 2) * u - (a + 3)) * u * u + 1
		       : ((a * u - 5 * a) * u + 8 * a) * u - 4 * a;
		int64_t i = (int64_t)f - 1 + j;
		if (p->exclude_outside && (i < 0 || i >= n))
			c[j] = 0;
		sum += c[j];
		t->idx[j] = (int32_t)data_clamp(i, n);
	}
	t->n = 4;
	for (int j = 0; j < 4; j++)
		t->w[j] = (float)(p->exclude_outside && sum != 0 ? c[j] / sum : c[j]);
}

/* The taps of output coordinate x on axis k. */
AXRT_PRIVATE void
data_resize_taps(const axrt_resize_params *p, int k, int64_t x, data_tap *t)
{
	int64_t n = p->in[k];
	double s = p->scale[k] > 0 ? (double)p->scale[k] : (double)p->out[k] / (double)n;
	double c = data_resize_coord(p, k, x, s);

	memset(t, 0, sizeof *t);
	if (p->coord == AXRT_COORD_TF_CROP_AND_RESIZE && (c < 0 || c > (double)(n - 1))) {
		t->n = -1;
		return;
	}
	if (p->mode == AXRT_RESIZE_NEAREST) {
		t->n = 1;
		t->idx[0] = (int32_t)data_clamp(data_resize_round(c, p->nearest, s < 1), n);
		t->w[0] = 1;
	} else if (p->mode == AXRT_RESIZE_LINEAR) {
		double xc = c < 0 ? 0 : c > (double)(n - 1) ? (double)(n - 1) : c;
		int64_t i0 = (int64_t)xc;
		double r = xc - (double)i0;
		t->n = r > 0 ? 2 : 1;
		t->idx[0] = (int32_t)i0;
		t->w[0] = (float)(1 - r);
		t->idx[1] = (int32_t)data_clamp(i0 + 1, n);
		t->w[1] = (float)r;
	} else {
		data_resize_cubic(p, t, c, n);
	}
}

/* One output element: the weighted sum over the taps of every axis. */
AXRT_PRIVATE float
data_resize_one(const axrt_resize_params *p, const float *x, const data_tap *const *tp,
	const int64_t *str)
{
	int32_t t[AXRT_MAXRANK] = {0};
	int r = p->rank;
	float acc = 0;

	for (int k = 0; k < r; k++)
		if (tp[k]->n < 0)
			return p->extrapolation;
	for (;;) {
		float w = 1;
		int64_t off = 0;
		for (int k = 0; k < r; k++) {
			w *= tp[k]->w[t[k]];
			off += tp[k]->idx[t[k]] * str[k];
		}
		acc += w * x[off];
		int k = r - 1;
		for (; k >= 0 && ++t[k] == tp[k]->n; k--)
			t[k] = 0;
		if (k < 0)
			return acc;
	}
}

AXRT_KERNEL_PROTO(resize_f32, resize)
{
	data_tap *taps = (data_tap *)scratch;
	const data_tap *tp[AXRT_MAXRANK];
	int32_t idx[AXRT_MAXRANK] = {0};
	int64_t str[AXRT_MAXRANK], base[AXRT_MAXRANK], s = 1, nt = 0;
	int r = p->rank;
	float *y = (float *)out[0];

	if (r < 1 || r > AXRT_MAXRANK || p->mode < 0 || p->mode > AXRT_RESIZE_CUBIC)
		return AXRT_EINVAL;
	for (int k = r - 1; k >= 0; k--) {
		if (p->in[k] < 1 || p->out[k] < 0)
			return AXRT_EINVAL;
		if (p->out[k] == 0)
			return AXRT_OK;
		str[k] = s;
		s *= p->in[k];
	}
	for (int k = 0; k < r; k++) {
		base[k] = nt;
		for (int64_t x = 0; x < p->out[k]; x++)
			data_resize_taps(p, k, x, &taps[nt++]);
		tp[k] = &taps[base[k]];
	}
	for (;;) {
		*y++ = data_resize_one(p, (const float *)in[0], tp, str);
		int k = r - 1;
		for (; k >= 0; k--) {
			if (++idx[k] < p->out[k])
				break;
			idx[k] = 0;
		}
		if (k < 0)
			return AXRT_OK;
		for (int j = k; j < r; j++)
			tp[j] = &taps[base[j] + idx[j]];
	}
}

AXRT_KERNEL_PROTO(onehot, onehot)
{
	size_t es = (size_t)p->esize;
	const char *off = (const char *)in[2], *on = off + es;
	char *y = (char *)out[0];

	(void)scratch;
	if (p->outer < 0 || p->depth < 0 || p->inner < 0 || !data_esize_ok(p->esize) ||
	    !data_idtype_ok(p->idtype))
		return AXRT_EINVAL;
	for (int64_t o = 0; o < p->outer; o++)
		for (int64_t d = 0; d < p->depth; d++)
			for (int64_t i = 0; i < p->inner; i++) {
				int64_t v = data_wrap(data_index(in[0], p->idtype, o * p->inner + i), p->depth);
				data_elem(y, v == d ? on : off, es);
				y += es;
			}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(trilu, trilu)
{
	size_t es = (size_t)p->esize;
	int64_t k = in[1] ? *(const int64_t *)in[1] : 0;
	const char *x = (const char *)in[0];
	char *y = (char *)out[0];

	(void)scratch;
	if (p->batch < 0 || p->rows < 0 || p->cols < 0 || !data_esize_ok(p->esize))
		return AXRT_EINVAL;
	for (int64_t b = 0; b < p->batch; b++)
		for (int64_t i = 0; i < p->rows; i++)
			for (int64_t j = 0; j < p->cols; j++, x += es, y += es) {
				int keep = p->upper ? j - i >= k : j - i <= k;
				if (keep)
					data_elem(y, x, es);
				else
					memset(y, 0, es);
			}
	return AXRT_OK;
}

/* Cumulative sums: T the element type, A the accumulator type (unsigned
 * for integers, so that overflow wraps instead of being undefined). */
#define DATA_CUMSUM(name, T, A) \
AXRT_KERNEL_PROTO(name, cumsum) \
{ \
	const T *x = (const T *)in[0]; \
	T *y = (T *)out[0]; \
	(void)scratch; \
	if (p->outer < 0 || p->n < 0 || p->inner < 0) \
		return AXRT_EINVAL; \
	for (int64_t o = 0; o < p->outer; o++) \
		for (int64_t i = 0; i < p->inner; i++) { \
			A acc = 0; \
			for (int64_t jj = 0; jj < p->n; jj++) { \
				int64_t j = p->reverse ? p->n - 1 - jj : jj; \
				int64_t at = (o * p->n + j) * p->inner + i; \
				A v = (A)x[at]; \
				if (p->exclusive) { \
					y[at] = (T)acc; \
					acc += v; \
				} else { \
					acc += v; \
					y[at] = (T)acc; \
				} \
			} \
		} \
	return AXRT_OK; \
}
DATA_CUMSUM(cumsum_f32, float, float)
DATA_CUMSUM(cumsum_f64, double, double)
DATA_CUMSUM(cumsum_i32, int32_t, uint32_t)
DATA_CUMSUM(cumsum_i64, int64_t, uint64_t)

#define DATA_RANGE(name, T) \
AXRT_KERNEL_PROTO(name, range) \
{ \
	T start = ((const T *)in[0])[0], delta = ((const T *)in[2])[0]; \
	T *y = (T *)out[0]; \
	(void)scratch; \
	if (p->n < 0) \
		return AXRT_EINVAL; \
	for (int64_t i = 0; i < p->n; i++) \
		y[i] = (T)(start + (T)i * delta); \
	return AXRT_OK; \
}
DATA_RANGE(range_f32, float)
DATA_RANGE(range_f64, double)
DATA_RANGE(range_i16, int16_t)
DATA_RANGE(range_i32, int32_t)
DATA_RANGE(range_i64, int64_t)

AXRT_KERNEL_PROTO(eyelike, eyelike)
{
	size_t es = (size_t)p->esize;
	char *y = (char *)out[0];

	(void)in;
	(void)scratch;
	if (p->rows < 0 || p->cols < 0 || !data_esize_ok(p->esize))
		return AXRT_EINVAL;
	memset(y, 0, (size_t)(p->rows * p->cols) * es);
	for (int64_t i = 0; i < p->rows; i++) {
		int64_t j = i + p->k;
		if (j >= 0 && j < p->cols)
			data_from_bits(y + (i * p->cols + j) * (int64_t)es, p->one, es);
	}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(reverse_sequence, revseq)
{
	int64_t es = p->esize;
	const char *x = (const char *)in[0];
	const int64_t *len = (const int64_t *)in[1];
	char *y = (char *)out[0];

	(void)scratch;
	if (p->batch < 0 || p->time < 0 || p->inner < 0 || !data_esize_ok(p->esize))
		return AXRT_EINVAL;
	for (int64_t b = 0; b < p->batch; b++) {
		if (len[b] < 0 || len[b] > p->time)
			return AXRT_EINVAL;
		for (int64_t t = 0; t < p->time; t++) {
			int64_t from = t < len[b] ? len[b] - 1 - t : t;
			memcpy(y + (b * p->bstride + t * p->tstride) * es,
				x + (b * p->bstride + from * p->tstride) * es, (size_t)(p->inner * es));
		}
	}
	return AXRT_OK;
}
