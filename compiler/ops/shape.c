/* shape.c: the shape family -- views (Flatten, Reshape, Squeeze, Unsqueeze),
 * Shape and Size, the ops that lower to strided copies (Transpose, Concat,
 * Split, Slice) or to the pad kernel, and the helpers misc.c shares.
 * Data movement is type-generic: kernels see element sizes. Shape-like
 * inputs (shape, axes, pads, starts...) must be constants. */
#include <limits.h>
#include <string.h>

#include "shape.h"

_Static_assert(2 * IR_MAXRANK <= AXRT_STRIDED_MAXRANK, "a ShapeBox must fit the strided kernel");

/* ---- helpers shared with misc.c (shape.h) ---- */

int
shape_has_input(const Node *n, int i)
{
	return i < n->nin && n->in[i] && !(n->in[i]->rank >= 0 && tensor_numel(n->in[i]) == 0);
}

int
shape_static_input(const Node *n, int i)
{
	switch (n->op) {
	case OP_RESHAPE: case OP_SQUEEZE: case OP_UNSQUEEZE: case OP_SPLIT: case OP_EXPAND:
	case OP_TILE: case OP_UPSAMPLE: case OP_ONEHOT: case OP_CUMSUM:
		return i == 1;
	case OP_SLICE: return i >= 1;
	case OP_PAD: return i == 1 || i == 3;
	case OP_RESIZE: return i >= 1;
	case OP_CONSTANTOFSHAPE: case OP_RANGE: return 1;
	default: return 0;
	}
}

static int
const_missing(Node *n, Diag *d, int i)
{
	if (i >= n->nin || !n->in[i])
		return diag_node(d, n, "input %d is required", i);
	return diag_node(d, n, "shape input '%s' must be a constant; its value depends on "
		"the model's input data", n->in[i]->name);
}

int
shape_const_ints(Node *n, Diag *d, int i, int64_t *v, int max)
{
	if (i >= n->nin || !n->in[i] || !n->in[i]->init)
		return const_missing(n, d, i);
	const Tensor *t = n->in[i];
	if (!dtype_is_int(t->dtype) && t->dtype != DT_BOOL)
		return diag_node(d, n, "input '%s' has type %s, expected an integer type",
			t->name, dtype_name(t->dtype));
	int k = const_ints(t, v, max);
	if (k < 0)
		return diag_node(d, n, "input '%s' has %lld values, at most %d are supported",
			t->name, (long long)tensor_numel(t), max);
	return k;
}

int
shape_const_floats(Node *n, Diag *d, int i, double *v, int max)
{
	if (i >= n->nin || !n->in[i] || !n->in[i]->init)
		return const_missing(n, d, i);
	const Tensor *t = n->in[i];
	int64_t k = tensor_numel(t), iv[64];
	if (k > max || k > 64)
		return diag_node(d, n, "input '%s' has %lld values, at most %d are supported",
			t->name, (long long)k, max);
	if (t->dtype == DT_F32 || t->dtype == DT_F64) {
		for (int64_t j = 0; j < k; j++)
			v[j] = t->dtype == DT_F32 ? ((const float *)t->init)[j] : ((const double *)t->init)[j];
		return (int)k;
	}
	if (const_ints(t, iv, 64) < 0)
		return diag_node(d, n, "input '%s' has type %s, expected a number",
			t->name, dtype_name(t->dtype));
	for (int64_t j = 0; j < k; j++)
		v[j] = (double)iv[j];
	return (int)k;
}

int
shape_set(Node *n, Diag *d, int i, DType dt, int rank, const int64_t *dim)
{
	int64_t numel = 1;
	if (rank > IR_MAXRANK)
		return diag_node(d, n, "output has rank %d, at most %d is supported", rank, IR_MAXRANK);
	for (int k = 0; k < rank; k++) {
		if (dim[k] < 0)
			return diag_node(d, n, "output dimension %d would be negative (%lld)", k, (long long)dim[k]);
		if (dim[k] > INT32_MAX || mul_overflows(numel, dim[k], SHAPE_MAXNUMEL))
			return diag_node(d, n, "output dimension %d (%lld) is too large", k, (long long)dim[k]);
		numel *= dim[k];
	}
	if (i < n->nout && n->out[i])
		tensor_set(n->out[i], dt, rank, dim);
	return 0;
}

int
shape_check_movable(Node *n, Diag *d, const Tensor *t)
{
	size_t es = dtype_size(t->dtype);
	if (es != 1 && es != 2 && es != 4 && es != 8)
		return diag_node(d, n, "input '%s' has type %s, which this op does not support",
			t->name, dtype_name(t->dtype));
	return 0;
}

void
shape_strides(const Tensor *t, int64_t *str)
{
	int64_t s = 1;
	for (int k = t->rank - 1; k >= 0; k--) {
		str[k] = s;
		s *= t->dim[k];
	}
}

int64_t
shape_prod(const int64_t *dim, int lo, int hi)
{
	int64_t p = 1;
	for (int k = lo; k < hi; k++)
		p *= dim[k];
	return p;
}

int64_t
shape_elem_bits(const void *p, size_t es)
{
	uint8_t b1; uint16_t b2; uint32_t b4; uint64_t b8;
	switch (es) {
	case 1: memcpy(&b1, p, 1); return b1;
	case 2: memcpy(&b2, p, 2); return b2;
	case 4: memcpy(&b4, p, 4); return b4;
	default: memcpy(&b8, p, 8); return (int64_t)b8;
	}
}

/* float to IEEE half, rounding to nearest even; overflow gives infinity. */
static uint16_t
f32_to_f16(float f)
{
	uint32_t x, m, h, rem, half;
	memcpy(&x, &f, 4);
	uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
	int e = (int)((x >> 23) & 0xff) - 127 + 15;
	m = x & 0x7fffff;
	if (((x >> 23) & 0xff) == 0xff)
		return (uint16_t)(sign | 0x7c00 | (m ? 0x200 : 0));
	if (e >= 31)
		return sign | 0x7c00;
	if (e <= 0) {                       /* subnormal half */
		if (e < -10)
			return sign;
		m |= 0x800000;
		int sh = 14 - e;
		h = m >> sh;
		rem = m & ((1u << sh) - 1);
		half = 1u << (sh - 1);
	} else {
		h = ((uint32_t)e << 10) | (m >> 13);
		rem = m & 0x1fff;
		half = 0x1000;
	}
	if (rem > half || (rem == half && (h & 1)))
		h++;                            /* a carry into the exponent is right */
	return (uint16_t)(sign | h);
}

/* float to bfloat16, rounding to nearest even. */
static uint16_t
f32_to_bf16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((x >> 16) | 0x40);
	return (uint16_t)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

int64_t
shape_value_bits(DType dt, double v)
{
	union { float f; double d; int8_t i8; int16_t i16; int32_t i32; int64_t i64;
		uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64; } u;
	memset(&u, 0, sizeof u);
	switch (dt) {
	case DT_F32: u.f = (float)v; break;
	case DT_F64: u.d = v; break;
	case DT_I8: u.i8 = (int8_t)v; break;
	case DT_I16: u.i16 = (int16_t)v; break;
	case DT_I32: u.i32 = (int32_t)v; break;
	case DT_I64: u.i64 = (int64_t)v; break;
	case DT_U8: case DT_BOOL: u.u8 = (uint8_t)(v != 0 && dt == DT_BOOL ? 1 : v); break;
	case DT_U16: u.u16 = (uint16_t)v; break;
	case DT_U32: u.u32 = (uint32_t)v; break;
	case DT_U64: u.u64 = (uint64_t)v; break;
	case DT_F16: u.u16 = f32_to_f16((float)v); break;
	case DT_BF16: u.u16 = f32_to_bf16((float)v); break;
	default: return 0;
	}
	return shape_elem_bits(&u, dtype_size(dt));
}

int
shape_lower_box(Lower *l, Node *n, int inb, int outb, DType dt, const ShapeBox *b)
{
	axrt_strided_params p;
	int r = 0;

	memset(&p, 0, sizeof p);
	/* b->rank <= 2 * IR_MAXRANK == AXRT_STRIDED_MAXRANK: r never overflows */
	for (int k = 0; k < b->rank; k++) {
		int64_t dk = b->dim[k];
		if (dk == 0) {                      /* nothing to copy */
			r = 1;
			p.dims[0] = 0;
			p.in_str[0] = p.out_str[0] = 1;
			break;
		}
		if (dk == 1)
			continue;
		if (r > 0 && p.in_str[r - 1] == b->is[k] * dk && p.out_str[r - 1] == b->os[k] * dk &&
		    (int64_t)p.dims[r - 1] * dk <= INT32_MAX) {
			p.dims[r - 1] = (int32_t)(p.dims[r - 1] * dk);
			p.in_str[r - 1] = b->is[k];
			p.out_str[r - 1] = b->os[k];
			continue;
		}
		p.dims[r] = (int32_t)dk;
		p.in_str[r] = b->is[k];
		p.out_str[r] = b->os[k];
		r++;
	}
	p.rank = r;
	p.esize = (int32_t)dtype_size(dt);
	p.in_off = b->ioff;
	p.out_off = b->ooff;
	int in[1] = {inb}, out[1] = {outb};
	return lower_step(l, n, K_strided, &p, 1, in, 1, out, 0) ? 0 : -1;
}

void
shape_box_whole(ShapeBox *b, const Tensor *from)
{
	memset(b, 0, sizeof *b);
	b->rank = from->rank;
	for (int k = 0; k < from->rank; k++)
		b->dim[k] = from->dim[k];
	shape_strides(from, b->is);
	shape_strides(from, b->os);
}

/* ---- views ---- */

static int
infer_flatten(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int64_t axis = attr_i(n, "axis", 1), dim[2];
	if (axis < -x->rank || axis > x->rank)
		return diag_node(d, n, "axis %lld is out of range for rank %d", (long long)axis, x->rank);
	if (axis < 0)
		axis += x->rank;
	dim[0] = shape_prod(x->dim, 0, (int)axis);
	dim[1] = shape_prod(x->dim, (int)axis, x->rank);
	return shape_set(n, d, 0, x->dtype, 2, dim);
}

/* The target shape of Reshape: input 1 (opset >= 5) or attribute shape. */
static int
reshape_target(Node *n, Diag *d, int64_t *v)
{
	const int64_t *a;
	int k;
	if (n->nin >= 2 && n->in[1])
		return shape_const_ints(n, d, 1, v, IR_MAXRANK + 1);
	k = attr_ints(n, "shape", &a);
	if (k < 0)
		return diag_node(d, n, "the target shape is missing (input 'shape')");
	if (k > IR_MAXRANK)
		return diag_node(d, n, "target shape has %d dims, at most %d are supported", k, IR_MAXRANK);
	memcpy(v, a, (size_t)k * sizeof *v);
	return k;
}

static int
infer_reshape(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int64_t v[IR_MAXRANK + 1], known = 1, total = tensor_numel(x);
	int k = reshape_target(n, d, v), neg = -1, allowzero = (int)attr_i(n, "allowzero", 0);
	if (k < 0)
		return -1;
	if (k > IR_MAXRANK)
		return diag_node(d, n, "target shape has %d dims, at most %d are supported", k, IR_MAXRANK);
	for (int i = 0; i < k; i++) {
		if (v[i] == 0 && !allowzero) {
			if (i >= x->rank)
				return diag_node(d, n, "shape[%d] is 0 (copy) but the input has rank %d", i, x->rank);
			v[i] = x->dim[i];
		}
		if (v[i] == -1) {
			if (neg >= 0)
				return diag_node(d, n, "shape has more than one -1");
			neg = i;
			continue;
		}
		if (v[i] < 0)
			return diag_node(d, n, "shape[%d] is %lld", i, (long long)v[i]);
		known *= v[i];
	}
	if (neg >= 0) {
		if (known == 0 || total % known)
			return diag_node(d, n, "cannot infer the -1 in shape: %lld elements do not "
				"divide into blocks of %lld", (long long)total, (long long)known);
		v[neg] = total / known;
	} else if (known != total) {
		char s[64];
		return diag_node(d, n, "cannot reshape %s (%lld elements) into %lld elements",
			tensor_shape_str(x, s, sizeof s), (long long)total, (long long)known);
	}
	return shape_set(n, d, 0, x->dtype, k, v);
}

/* Squeeze/Unsqueeze axes: attribute before opset 13, input 1 from 13.
 * Returns the count (0: none given) or -1. */
static int
view_axes(Node *n, Diag *d, int64_t *ax)
{
	const int64_t *a;
	if (n->opset >= 13 || (n->nin >= 2 && n->in[1])) {
		if (n->nin < 2 || !n->in[1])
			return 0;
		return shape_const_ints(n, d, 1, ax, IR_MAXRANK);
	}
	int k = attr_ints(n, "axes", &a);
	if (k > IR_MAXRANK)
		return diag_node(d, n, "axes has %d values, at most %d are supported", k, IR_MAXRANK);
	if (k > 0)
		memcpy(ax, a, (size_t)k * sizeof *ax);
	return k < 0 ? 0 : k;
}

/* Normalizes k axes against rank r into a mask; rejects repeats. */
static int
axes_mask(Node *n, Diag *d, const int64_t *ax, int k, int r, int *mask)
{
	for (int i = 0; i < r; i++)
		mask[i] = 0;
	for (int i = 0; i < k; i++) {
		int a;
		if (norm_axis(n, d, ax[i], r, &a) < 0)
			return -1;
		if (mask[a])
			return diag_node(d, n, "axis %lld is repeated", (long long)ax[i]);
		mask[a] = 1;
	}
	return 0;
}

static int
infer_squeeze(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int64_t ax[IR_MAXRANK], dim[IR_MAXRANK];
	int mask[IR_MAXRANK], k = view_axes(n, d, ax), r = 0;
	if (k < 0 || axes_mask(n, d, ax, k, x->rank, mask) < 0)
		return -1;
	for (int i = 0; i < x->rank; i++) {
		if (k == 0)
			mask[i] = x->dim[i] == 1;
		else if (mask[i] && x->dim[i] != 1)
			return diag_node(d, n, "cannot squeeze axis %d of size %lld", i, (long long)x->dim[i]);
		if (!mask[i])
			dim[r++] = x->dim[i];
	}
	return shape_set(n, d, 0, x->dtype, r, dim);
}

static int
infer_unsqueeze(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int64_t ax[IR_MAXRANK], dim[IR_MAXRANK];
	int mask[IR_MAXRANK], k = view_axes(n, d, ax), j = 0;
	if (k < 0)
		return -1;
	if (k == 0)
		return diag_node(d, n, "axes are missing");
	if (x->rank + k > IR_MAXRANK)
		return diag_node(d, n, "output would have rank %d, at most %d is supported",
			x->rank + k, IR_MAXRANK);
	if (axes_mask(n, d, ax, k, x->rank + k, mask) < 0)
		return -1;
	for (int i = 0; i < x->rank + k; i++)
		dim[i] = mask[i] ? 1 : x->dim[j++];
	return shape_set(n, d, 0, x->dtype, x->rank + k, dim);
}

/* ---- Shape, Size ---- */

/* Shape's [start, end) (opset 15), clamped to [0, rank]. */
static void
shape_range(const Node *n, int r, int64_t *lo, int64_t *hi)
{
	int64_t s = attr_i(n, "start", 0), e = attr_i(n, "end", r);
	if (s < 0)
		s += r;
	if (e < 0)
		e += r;
	*lo = s < 0 ? 0 : s > r ? r : s;
	*hi = e < 0 ? 0 : e > r ? r : e;
	if (*hi < *lo)
		*hi = *lo;
}

static int
infer_shape(Node *n, Diag *d)
{
	int64_t lo, hi, len;
	shape_range(n, n->in[0]->rank, &lo, &hi);
	len = hi - lo;
	return shape_set(n, d, 0, DT_I64, 1, &len);
}

static int
lower_shape(Node *n, Lower *l)
{
	axrt_values_params p;
	const Tensor *x = n->in[0];
	int64_t lo, hi;
	memset(&p, 0, sizeof p);
	if (n->op == OP_SIZE) {
		p.n = 1;
		p.v[0] = tensor_numel(x);
	} else {
		shape_range(n, x->rank, &lo, &hi);
		p.n = (int32_t)(hi - lo);
		for (int64_t k = lo; k < hi; k++)
			p.v[k - lo] = x->dim[k];
	}
	int out[1] = {lower_buf(l, n->out[0])};
	/* no inputs: `out` only stands in for the (unread) input list */
	return lower_step(l, n, K_values_i64, &p, 0, out, 1, out, 0) ? 0 : -1;
}

/* ---- Transpose ---- */

static int
transpose_perm(Node *n, Diag *d, int *perm)
{
	const int64_t *a;
	int r = n->in[0]->rank, k = attr_ints(n, "perm", &a), seen[IR_MAXRANK] = {0};
	if (k < 0) {
		for (int i = 0; i < r; i++)
			perm[i] = r - 1 - i;
		return 0;
	}
	if (k != r)
		return diag_node(d, n, "perm has %d values, expected %d", k, r);
	for (int i = 0; i < r; i++) {
		if (a[i] < 0 || a[i] >= r || seen[a[i]])
			return diag_node(d, n, "perm is not a permutation of 0..%d", r - 1);
		seen[a[i]] = 1;
		perm[i] = (int)a[i];
	}
	return 0;
}

static int
infer_transpose(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int perm[IR_MAXRANK];
	int64_t dim[IR_MAXRANK];
	if (shape_check_movable(n, d, x) < 0 || transpose_perm(n, d, perm) < 0)
		return -1;
	for (int i = 0; i < x->rank; i++)
		dim[i] = x->dim[perm[i]];
	return shape_set(n, d, 0, x->dtype, x->rank, dim);
}

static int
lower_transpose(Node *n, Lower *l)
{
	const Tensor *x = n->in[0], *y = n->out[0];
	int perm[IR_MAXRANK];
	int64_t xs[IR_MAXRANK];
	ShapeBox b;
	if (transpose_perm(n, l->d, perm) < 0)
		return -1;
	shape_box_whole(&b, y);
	shape_strides(x, xs);
	for (int i = 0; i < x->rank; i++)
		b.is[i] = xs[perm[i]];
	return shape_lower_box(l, n, lower_buf(l, x), lower_buf(l, y), x->dtype, &b);
}

/* ---- Concat ---- */

static int
infer_concat(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int64_t dim[IR_MAXRANK];
	int ax;
	if (shape_check_movable(n, d, x) < 0)
		return -1;
	if (!attr_get(n, "axis"))
		return diag_node(d, n, "attribute 'axis' is required");
	if (x->rank < 1)
		return diag_node(d, n, "input '%s' is a scalar; Concat needs rank >= 1", x->name);
	if (norm_axis(n, d, attr_i(n, "axis", 0), x->rank, &ax) < 0)
		return -1;
	memcpy(dim, x->dim, sizeof dim);
	dim[ax] = 0;
	for (int i = 0; i < n->nin; i++) {
		const Tensor *t = n->in[i];
		if (!t)
			return diag_node(d, n, "input %d is missing", i);
		if (t->dtype != x->dtype || t->rank != x->rank)
			return diag_node(d, n, "input '%s' (%s, rank %d) does not match '%s' (%s, rank %d)",
				t->name, dtype_name(t->dtype), t->rank, x->name, dtype_name(x->dtype), x->rank);
		for (int k = 0; k < x->rank; k++)
			if (k != ax && t->dim[k] != x->dim[k])
				return diag_node(d, n, "input '%s' has size %lld on axis %d, expected %lld",
					t->name, (long long)t->dim[k], k, (long long)x->dim[k]);
		dim[ax] += t->dim[ax];
	}
	return shape_set(n, d, 0, x->dtype, x->rank, dim);
}

static int
lower_concat(Node *n, Lower *l)
{
	const Tensor *y = n->out[0];
	int64_t ys[IR_MAXRANK], off = 0;
	int ax;
	ShapeBox b;
	if (norm_axis(n, l->d, attr_i(n, "axis", 0), y->rank, &ax) < 0)
		return -1;
	shape_strides(y, ys);
	/* one slab per input (nothing outside the axis varies): producers
	 * write straight into their slice, no copy */
	int slab = shape_prod(y->dim, 0, ax) == 1;
	for (int i = 0; i < n->nin; i++) {
		for (int j = 0; j < i && slab; j++)
			if (n->in[j] == n->in[i])
				slab = 0;   /* the same tensor twice: copy it */
		if (slab && lower_place_into(l, n->in[i], y,
				(size_t)(off * ys[ax]) * dtype_size(y->dtype))) {
			off += n->in[i]->dim[ax];
			continue;
		}
		shape_box_whole(&b, n->in[i]);
		memcpy(b.os, ys, sizeof ys);
		b.ooff = off * ys[ax];
		off += n->in[i]->dim[ax];
		if (shape_lower_box(l, n, lower_buf(l, n->in[i]), lower_buf(l, y), y->dtype, &b) < 0)
			return -1;
	}
	return 0;
}

/* ---- Split ---- */

/* The sizes of the pieces along the axis (split attribute before opset 13,
 * input 1 from 13, num_outputs from 18, else equal parts). */
static int
split_sizes(Node *n, Diag *d, int ax, int64_t *sz)
{
	const int64_t *a;
	int64_t len = n->in[0]->dim[ax], sum = 0, k;
	if (n->nin >= 2 && n->in[1]) {
		k = shape_const_ints(n, d, 1, sz, NODE_MAXIO);
	} else if ((k = attr_ints(n, "split", &a)) >= 0) {
		if (k > n->nout)
			k = n->nout + 1;       /* reported below */
		memcpy(sz, a, (size_t)k * sizeof *sz);
	} else {
		int64_t parts = attr_i(n, "num_outputs", n->nout);
		if (parts != n->nout)
			return diag_node(d, n, "num_outputs is %lld but the node has %d outputs",
				(long long)parts, n->nout);
		if (!attr_get(n, "num_outputs") && len % parts)
			return diag_node(d, n, "axis %d of size %lld does not split into %lld equal parts",
				ax, (long long)len, (long long)parts);
		int64_t chunk = (len + parts - 1) / parts;
		for (int i = 0; i < n->nout; i++, len -= chunk)
			sz[i] = len < chunk ? (len < 0 ? 0 : len) : chunk;
		return n->nout;
	}
	if (k < 0)
		return -1;
	if (k != n->nout)
		return diag_node(d, n, "split has %lld values but the node has %d outputs", (long long)k, n->nout);
	for (int i = 0; i < k; i++) {
		if (sz[i] < 0)
			return diag_node(d, n, "split[%d] is negative (%lld)", i, (long long)sz[i]);
		sum += sz[i];
	}
	if (sum != len)
		return diag_node(d, n, "split sizes add up to %lld, but axis %d has size %lld",
			(long long)sum, ax, (long long)len);
	return (int)k;
}


static int
infer_split(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int64_t sz[NODE_MAXIO + 1], dim[IR_MAXRANK];
	int ax;
	if (shape_check_movable(n, d, x) < 0 || norm_axis(n, d, attr_i(n, "axis", 0), x->rank, &ax) < 0)
		return -1;
	if (split_sizes(n, d, ax, sz) < 0)
		return -1;
	memcpy(dim, x->dim, sizeof dim);
	for (int i = 0; i < n->nout; i++) {
		dim[ax] = sz[i];
		if (shape_set(n, d, i, x->dtype, x->rank, dim) < 0)
			return -1;
	}
	return 0;
}

static int
lower_split(Node *n, Lower *l)
{
	const Tensor *x = n->in[0];
	int64_t xs[IR_MAXRANK], off = 0;
	int ax;
	ShapeBox b;
	if (norm_axis(n, l->d, attr_i(n, "axis", 0), x->rank, &ax) < 0)
		return -1;
	shape_strides(x, xs);
	for (int i = 0; i < n->nout; i++) {
		const Tensor *y = n->out[i];
		if (!y)
			continue;
		shape_box_whole(&b, y);
		memcpy(b.is, xs, sizeof xs);
		b.ioff = off * xs[ax];
		off += y->dim[ax];
		if (shape_lower_box(l, n, lower_buf(l, x), lower_buf(l, y), x->dtype, &b) < 0)
			return -1;
	}
	return 0;
}

/* ---- Slice ---- */

/* starts, ends, axes, steps: attributes before opset 10, inputs from 10. */
static int
slice_lists(Node *n, Diag *d, int64_t (*v)[IR_MAXRANK], int *cnt)
{
	static const char *const names[4] = {"starts", "ends", "axes", "steps"};
	for (int j = 0; j < 4; j++) {
		const int64_t *a;
		if (n->opset >= 10) {
			cnt[j] = j < 2 || shape_has_input(n, j + 1) ?
				shape_const_ints(n, d, j + 1, v[j], IR_MAXRANK) : -2;
			if (cnt[j] == -1)
				return -1;
		} else if ((cnt[j] = attr_ints(n, names[j], &a)) >= 0) {
			if (cnt[j] > IR_MAXRANK)
				return diag_node(d, n, "%s has %d values, at most %d are supported",
					names[j], cnt[j], IR_MAXRANK);
			memcpy(v[j], a, (size_t)cnt[j] * sizeof **v);
		} else if (j < 2) {
			return diag_node(d, n, "attribute '%s' is required", names[j]);
		} else {
			cnt[j] = -2;
		}
		if (j > 0 && cnt[j] != -2 && cnt[j] != cnt[0])
			return diag_node(d, n, "%s has %d values but starts has %d", names[j], cnt[j], cnt[0]);
	}
	return 0;
}

/* Clamps start and end as the ONNX spec says; returns the output length. */
static int64_t
slice_clamp(int64_t dim, int64_t *start, int64_t end, int64_t step)
{
	int64_t s = *start, e = end;
	if (s < 0)
		s += dim;
	if (e < 0)
		e += dim;
	if (step > 0) {
		s = s < 0 ? 0 : s > dim ? dim : s;
		e = e < 0 ? 0 : e > dim ? dim : e;
		*start = s;
		return e > s ? (e - s + step - 1) / step : 0;
	}
	s = s < 0 ? 0 : s > dim - 1 ? dim - 1 : s;
	e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
	*start = s;
	return s > e ? (s - e - step - 1) / -step : 0;
}

/* Per input axis: first element, step and output length. */
static int
slice_params(Node *n, Diag *d, int64_t *start, int64_t *step, int64_t *len)
{
	const Tensor *x = n->in[0];
	int64_t v[4][IR_MAXRANK];
	int cnt[4], seen[IR_MAXRANK] = {0};
	if (slice_lists(n, d, v, cnt) < 0)
		return -1;
	for (int k = 0; k < x->rank; k++) {
		start[k] = 0;
		step[k] = 1;
		len[k] = x->dim[k];
	}
	for (int j = 0; j < cnt[0]; j++) {
		int a = j;
		if (cnt[2] >= 0 && norm_axis(n, d, v[2][j], x->rank, &a) < 0)
			return -1;
		if (a >= x->rank)
			return diag_node(d, n, "starts has %d values for rank %d", cnt[0], x->rank);
		if (seen[a]++)
			return diag_node(d, n, "axis %d is sliced twice", a);
		step[a] = cnt[3] >= 0 ? v[3][j] : 1;
		if (step[a] == 0)
			return diag_node(d, n, "step %d is 0", j);
		start[a] = v[0][j];
		len[a] = slice_clamp(x->dim[a], &start[a], v[1][j], step[a]);
	}
	return 0;
}

static int
infer_slice(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int64_t start[IR_MAXRANK], step[IR_MAXRANK], len[IR_MAXRANK];
	if (shape_check_movable(n, d, x) < 0 || slice_params(n, d, start, step, len) < 0)
		return -1;
	return shape_set(n, d, 0, x->dtype, x->rank, len);
}

static int
lower_slice(Node *n, Lower *l)
{
	const Tensor *x = n->in[0], *y = n->out[0];
	int64_t start[IR_MAXRANK], step[IR_MAXRANK], len[IR_MAXRANK], xs[IR_MAXRANK];
	ShapeBox b;
	if (slice_params(n, l->d, start, step, len) < 0)
		return -1;
	shape_box_whole(&b, y);
	shape_strides(x, xs);
	for (int k = 0; k < x->rank; k++) {
		b.is[k] = step[k] * xs[k];
		b.ioff += start[k] * xs[k];
	}
	return shape_lower_box(l, n, lower_buf(l, x), lower_buf(l, y), x->dtype, &b);
}

/* ---- Pad ---- */

/* Leading and trailing pads per axis: attribute pads before opset 11,
 * input 1 from 11 (with optional axes, input 3, from 18). */
static int
pad_amounts(Node *n, Diag *d, int64_t *begin, int64_t *end)
{
	int r = n->in[0]->rank, k, na = r, mask[IR_MAXRANK];
	int64_t v[2 * IR_MAXRANK], ax[IR_MAXRANK];
	const int64_t *a;
	if (n->opset >= 11) {
		if ((k = shape_const_ints(n, d, 1, v, 2 * IR_MAXRANK)) < 0)
			return -1;
	} else if ((k = attr_ints(n, "pads", &a)) >= 0 || (k = attr_ints(n, "paddings", &a)) >= 0) {
		if (k > 2 * IR_MAXRANK)
			return diag_node(d, n, "pads has %d values, expected %d", k, 2 * r);
		memcpy(v, a, (size_t)k * sizeof *v);
	} else {
		return diag_node(d, n, "attribute 'pads' is required");
	}
	for (int i = 0; i < r; i++)
		ax[i] = i;
	if (n->opset >= 18 && shape_has_input(n, 3)) {
		if ((na = shape_const_ints(n, d, 3, ax, IR_MAXRANK)) < 0 || axes_mask(n, d, ax, na, r, mask) < 0)
			return -1;
	}
	if (k != 2 * na)
		return diag_node(d, n, "pads has %d values, expected %d", k, 2 * na);
	for (int i = 0; i < r; i++)
		begin[i] = end[i] = 0;
	for (int i = 0; i < na; i++) {
		int a = (int)(ax[i] < 0 ? ax[i] + r : ax[i]);
		begin[a] = v[i];
		end[a] = v[na + i];
	}
	return 0;
}

static int
pad_mode(Node *n, Diag *d)
{
	static const char *const modes[] = {"constant", "reflect", "edge", "wrap"};
	const char *m = attr_s(n, "mode", "constant");
	for (int i = 0; i < 4; i++)
		if (strcmp(m, modes[i]) == 0)
			return i;
	return diag_node(d, n, "mode '%s' is not one of constant, reflect, edge, wrap", m);
}

static int
infer_pad(Node *n, Diag *d)
{
	const Tensor *x = n->in[0], *v = n->nin > 2 ? n->in[2] : NULL;
	int64_t begin[IR_MAXRANK], end[IR_MAXRANK], dim[IR_MAXRANK];
	int mode = pad_mode(n, d);
	if (mode < 0 || shape_check_movable(n, d, x) < 0 || pad_amounts(n, d, begin, end) < 0)
		return -1;
	if (v && (v->dtype != x->dtype || tensor_numel(v) != 1))
		return diag_node(d, n, "constant_value '%s' must be one %s", v->name, dtype_name(x->dtype));
	for (int k = 0; k < x->rank; k++) {
		dim[k] = x->dim[k] + begin[k] + end[k];
		if (mode != 0 && x->dim[k] == 0 && dim[k] > 0)
			return diag_node(d, n, "cannot pad the empty axis %d in mode '%s'", k, attr_s(n, "mode", ""));
	}
	return shape_set(n, d, 0, x->dtype, x->rank, dim);
}

static int
lower_pad(Node *n, Lower *l)
{
	const Tensor *x = n->in[0], *y = n->out[0];
	int64_t begin[IR_MAXRANK], end[IR_MAXRANK];
	axrt_pad_params p;
	if (pad_amounts(n, l->d, begin, end) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.rank = x->rank;
	p.esize = (int32_t)dtype_size(x->dtype);
	p.mode = pad_mode(n, l->d);
	if (p.mode < 0)
		return -1;
	p.bits = shape_value_bits(x->dtype, attr_f(n, "value", 0));
	for (int k = 0; k < x->rank; k++) {
		if (begin[k] < INT32_MIN || begin[k] > INT32_MAX)
			return diag_node(l->d, n, "pad %lld is too large", (long long)begin[k]);
		p.in[k] = (int32_t)x->dim[k];
		p.out[k] = (int32_t)y->dim[k];
		p.begin[k] = (int32_t)begin[k];
	}
	int in[2] = {lower_buf(l, x), n->nin > 2 ? lower_buf(l, n->in[2]) : -1};
	int out[1] = {lower_buf(l, y)};
	return lower_step(l, n, K_pad, &p, 2, in, 1, out, 0) ? 0 : -1;
}

/* ---- family entry points ---- */

int
shape_infer(Node *n, Diag *d)
{
	switch (n->op) {
	case OP_FLATTEN: return infer_flatten(n, d);
	case OP_RESHAPE: return infer_reshape(n, d);
	case OP_SQUEEZE: return infer_squeeze(n, d);
	case OP_UNSQUEEZE: return infer_unsqueeze(n, d);
	case OP_SHAPE: return infer_shape(n, d);
	case OP_SIZE: return shape_set(n, d, 0, DT_I64, 0, NULL);
	case OP_TRANSPOSE: return infer_transpose(n, d);
	case OP_CONCAT: return infer_concat(n, d);
	case OP_SPLIT: return infer_split(n, d);
	case OP_SLICE: return infer_slice(n, d);
	case OP_PAD: return infer_pad(n, d);
	default: return diag_node(d, n, "op %s is not in the shape family", n->optype);
	}
}

int
shape_lower(Node *n, Lower *l)
{
	switch (n->op) {
	case OP_FLATTEN: case OP_RESHAPE: case OP_SQUEEZE: case OP_UNSQUEEZE:
		return lower_view(l, n, n->out[0], n->in[0]);
	case OP_SHAPE: case OP_SIZE: return lower_shape(n, l);
	case OP_TRANSPOSE: return lower_transpose(n, l);
	case OP_CONCAT: return lower_concat(n, l);
	case OP_SPLIT: return lower_split(n, l);
	case OP_SLICE: return lower_slice(n, l);
	case OP_PAD: return lower_pad(n, l);
	default: return diag_node(l->d, n, "op %s is not in the shape family", n->optype);
	}
}
