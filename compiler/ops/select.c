/* select.c: the select op family -- TopK, Unique, NonZero, Compress,
 * NonMaxSuppression, MaxUnpool, MaxRoiPool, RoiAlign: shape inference and
 * lowering to the kernels of runtime/kernels/select.c.
 * axcc needs static shapes: for the ops whose output size depends on data
 * (Unique, NonZero, Compress, NonMaxSuppression) those inputs must be
 * constants, and inference counts the results by running the kernel on
 * them (one arithmetic); the node is then folded or lowered with that count. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "shape.h"

static const DType ordered_types[] = {
	DT_F32, DT_F64, DT_I8, DT_I16, DT_I32, DT_I64, DT_U8, DT_U16, DT_U32, DT_U64, DT_BOOL
};
enum { NORDERED = sizeof ordered_types / sizeof ordered_types[0] };
static const DType index_types[] = {DT_I32, DT_I64};
static const DType f32_only[] = {DT_F32};

/* Input i must be a constant because the output shape depends on its values. */
static int
need_const(Node *n, Diag *d, int i)
{
	if (n->in[i]->init)
		return 0;
	return diag_node(d, n, "input '%s' must be a constant: the output shape depends on "
		"its values, and axcc needs static shapes", n->in[i]->name);
}

/* Splits x at axis ax into outer x len x inner. */
static void
split_axis(const Tensor *x, int ax, int64_t *outer, int64_t *len, int64_t *inner)
{
	*outer = shape_prod(x->dim, 0, ax);
	*len = x->dim[ax];
	*inner = shape_prod(x->dim, ax + 1, x->rank);
}

/* Runs kernel k at compile time on the node's constant inputs, into freshly
 * allocated outputs of out_bytes each (0: absent; the caller frees them).
 * The capacity in params is the largest possible count, so a failing
 * status is a compiler bug. */
static void
run_now(Node *n, KernelId k, const void *params, int nout, const size_t *out_bytes,
	void **out, size_t scratch_bytes)
{
	const void *in[8];
	void *scr = xmalloc(scratch_bytes + 16);
	for (int i = 0; i < n->nin && i < 8; i++)
		in[i] = n->in[i] ? n->in[i]->init : NULL;
	for (int i = 0; i < nout; i++)
		out[i] = out_bytes[i] ? xmalloc(out_bytes[i]) : NULL;
	int rc = kernel_call(k, params, in, out, scr);
	if (rc != 0)
		die("%s (%s): counting the results failed (kernel status %d)", n->name, n->optype, rc);
	free(scr);
}

/* Lowers with explicit input and output slots (absent ones NULL), so that a
 * kernel may look at every slot its ONNX op has. */
static int
lower_slots(Lower *l, Node *n, KernelId k, const void *params, int nin, int nout, size_t scratch)
{
	int in[8], out[8];
	for (int i = 0; i < nin; i++)
		in[i] = i < n->nin ? lower_buf(l, n->in[i]) : -1;
	for (int i = 0; i < nout; i++)
		out[i] = i < n->nout ? lower_buf(l, n->out[i]) : -1;
	return lower_step(l, n, k, params, nin, in, nout, out, scratch) ? 0 : -1;
}

/* ---- TopK ---- */

/* k: the attribute (opset < 10) or the constant input K. */
static int
topk_k(Node *n, Diag *d, int64_t *k)
{
	if (n->nin < 2 || !n->in[1]) {
		if (!attr_get(n, "k"))
			return diag_node(d, n, "needs the attribute k (opset < 10) or the input K");
		*k = attr_i(n, "k", 0);
		return 0;
	}
	int64_t v[2];
	int c = need_const(n, d, 1) < 0 ? -1 : shape_const_ints(n, d, 1, v, 2);
	if (c < 0)
		return -1;
	if (c != 1)
		return diag_node(d, n, "K '%s' has %d values, expected 1", n->in[1]->name, c);
	*k = v[0];
	return 0;
}

static int
infer_topk(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int64_t k = 0, dim[IR_MAXRANK];
	int ax;
	if (check_dtype(n, d, x, ordered_types, NORDERED - 1) < 0 ||
	    check_rank(n, d, x, 1, IR_MAXRANK) < 0 ||
	    norm_axis(n, d, attr_i(n, "axis", -1), x->rank, &ax) < 0 || topk_k(n, d, &k) < 0)
		return -1;
	if (k < 0 || k > x->dim[ax])
		return diag_node(d, n, "k = %lld is out of range for axis %d of size %lld",
			(long long)k, ax, (long long)x->dim[ax]);
	memcpy(dim, x->dim, sizeof dim);
	dim[ax] = k;
	if (shape_set(n, d, 0, x->dtype, x->rank, dim) < 0)
		return -1;
	return shape_set(n, d, 1, DT_I64, x->rank, dim);
}

static int
lower_topk(Node *n, Lower *l)
{
	const Tensor *x = n->in[0];
	axrt_topk_params p;
	int64_t outer, len, inner;
	int ax;
	if (norm_axis(n, l->d, attr_i(n, "axis", -1), x->rank, &ax) < 0)
		return -1;
	split_axis(x, ax, &outer, &len, &inner);
	memset(&p, 0, sizeof p);
	p.outer = outer;
	p.n = (int32_t)len;
	p.inner = inner;
	p.k = (int32_t)(n->out[0] ? n->out[0] : n->out[1])->dim[ax];
	p.largest = n->opset < 11 || attr_i(n, "largest", 1) != 0;
	p.dtype = x->dtype;
	return lower_slots(l, n, K_topk, &p, 2, 2, AXRT_TOPK_SCRATCH(len));
}

/* ---- Unique ---- */

/* The parameters with the capacity m (every slice distinct). */
static int
unique_params(Node *n, Diag *d, axrt_unique_params *p, int *ax)
{
	const Tensor *x = n->in[0];
	int64_t outer = 1, m = tensor_numel(x), inner = 1;
	*ax = -1;
	if (attr_get(n, "axis")) {
		if (check_rank(n, d, x, 1, IR_MAXRANK) < 0 ||
		    norm_axis(n, d, attr_i(n, "axis", 0), x->rank, ax) < 0)
			return -1;
		split_axis(x, *ax, &outer, &m, &inner);
	}
	if (m > INT32_MAX)
		return diag_node(d, n, "input '%s' has %lld values to compare, at most %d are supported",
			x->name, (long long)m, INT32_MAX);
	memset(p, 0, sizeof *p);
	p->outer = outer;
	p->m = (int32_t)m;
	p->inner = inner;
	p->nuniq = (int32_t)m;
	p->sorted = attr_i(n, "sorted", 1) != 0;
	p->dtype = n->in[0]->dtype;
	return 0;
}

static int
infer_unique(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	axrt_unique_params p;
	int64_t dim[IR_MAXRANK], cnt = 0;
	int ax;
	if (check_dtype(n, d, x, ordered_types, NORDERED) < 0 || unique_params(n, d, &p, &ax) < 0 ||
	    need_const(n, d, 0) < 0)
		return -1;
	if (p.m > 0) {
		void *out[4];
		size_t bytes[4] = {0, 0, 0, (size_t)p.m * 8};
		run_now(n, K_unique, &p, 4, bytes, out, AXRT_UNIQUE_SCRATCH(p.m));
		while (cnt < p.m && ((int64_t *)out[3])[cnt] > 0)
			cnt++;
		free(out[3]);
	}
	memcpy(dim, x->dim, sizeof dim);
	if (ax >= 0)
		dim[ax] = cnt;
	if (shape_set(n, d, 0, x->dtype, ax >= 0 ? x->rank : 1, ax >= 0 ? dim : &cnt) < 0 ||
	    shape_set(n, d, 1, DT_I64, 1, &cnt) < 0 ||
	    shape_set(n, d, 2, DT_I64, 1, (int64_t[]){p.m}) < 0)
		return -1;
	return shape_set(n, d, 3, DT_I64, 1, &cnt);
}

static int
lower_unique(Node *n, Lower *l)
{
	axrt_unique_params p;
	int ax;
	if (unique_params(n, l->d, &p, &ax) < 0)
		return -1;
	p.nuniq = (int32_t)n->out[0]->dim[ax >= 0 ? ax : 0];
	return lower_slots(l, n, K_unique, &p, 1, 4, AXRT_UNIQUE_SCRATCH(p.m));
}

/* ---- NonZero ---- */

static int
infer_nonzero(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int64_t numel = tensor_numel(x), cnt = 0;
	if (check_dtype(n, d, x, ordered_types, NORDERED) < 0)
		return -1;
	if (numel > INT32_MAX)
		return diag_node(d, n, "input '%s' has %lld elements, at most %d are supported",
			x->name, (long long)numel, INT32_MAX);
	if (need_const(n, d, 0) < 0)
		return -1;
	if (numel > 0) {
		axrt_nonzero_params p;   /* x as a vector: one row of positions */
		void *out[1];
		size_t bytes = (size_t)numel * 8;
		memset(&p, 0, sizeof p);
		p.rank = 1;
		p.dims[0] = (int32_t)numel;
		p.dtype = x->dtype;
		p.nnz = numel;
		run_now(n, K_nonzero, &p, 1, &bytes, out, 0);
		while (cnt < numel && ((int64_t *)out[0])[cnt] >= 0)
			cnt++;
		free(out[0]);
	}
	return shape_set(n, d, 0, DT_I64, 2, (int64_t[]){x->rank, cnt});
}

static int
lower_nonzero(Node *n, Lower *l)
{
	const Tensor *x = n->in[0];
	axrt_nonzero_params p;
	memset(&p, 0, sizeof p);
	p.rank = x->rank;
	shape_to_i32(x, p.dims);
	p.dtype = x->dtype;
	p.nnz = n->out[0]->dim[1];
	return lower_slots(l, n, K_nonzero, &p, 1, 1, 0);
}

/* ---- Compress ---- */

/* Splits the input around the axis (none: flattened). */
static int
compress_split(Node *n, Diag *d, int *ax, int64_t *outer, int64_t *len, int64_t *inner)
{
	const Tensor *x = n->in[0];
	*ax = -1;
	*outer = *inner = 1;
	*len = tensor_numel(x);
	if (!attr_get(n, "axis"))
		return 0;
	if (check_rank(n, d, x, 1, IR_MAXRANK) < 0 ||
	    norm_axis(n, d, attr_i(n, "axis", 0), x->rank, ax) < 0)
		return -1;
	split_axis(x, *ax, outer, len, inner);
	return 0;
}

static int
infer_compress(Node *n, Diag *d)
{
	const Tensor *x = n->in[0], *c = n->in[1];
	int64_t outer, len, inner, sel = 0, dim[IR_MAXRANK];
	int ax;
	static const DType bools[] = {DT_BOOL};
	if (shape_check_movable(n, d, x) < 0 || check_dtype(n, d, c, bools, 1) < 0 ||
	    check_rank(n, d, c, 1, 1) < 0 || compress_split(n, d, &ax, &outer, &len, &inner) < 0 ||
	    need_const(n, d, 1) < 0)
		return -1;
	for (int64_t j = 0; j < c->dim[0]; j++) {
		if (!((const uint8_t *)c->init)[j])
			continue;
		if (j >= len)
			return diag_node(d, n, "condition '%s' selects index %lld, past the axis length %lld",
				c->name, (long long)j, (long long)len);
		sel++;
	}
	memcpy(dim, x->dim, sizeof dim);
	if (ax >= 0)
		dim[ax] = sel;
	return shape_set(n, d, 0, x->dtype, ax >= 0 ? x->rank : 1, ax >= 0 ? dim : &sel);
}

static int
lower_compress(Node *n, Lower *l)
{
	axrt_compress_params p;
	int ax;
	memset(&p, 0, sizeof p);
	if (compress_split(n, l->d, &ax, &p.outer, &p.n, &p.inner) < 0)
		return -1;
	p.ncond = n->in[1]->dim[0];
	p.nsel = n->out[0]->dim[ax >= 0 ? ax : 0];
	p.esize = (int32_t)dtype_size(n->in[0]->dtype);
	return lower_slots(l, n, K_compress, &p, 2, 1, 0);
}

/* ---- NonMaxSuppression ---- */

/* Checks the inputs (all constant: they all decide how many boxes are kept)
 * and fills the parameters (capacity: max_out boxes of every class). */
static int
nms_params(Node *n, Diag *d, axrt_nms_params *p)
{
	const Tensor *b = n->in[0], *s = n->in[1];
	int64_t mo = 0;
	double v;
	if (check_dtype(n, d, b, f32_only, 1) < 0 || check_dtype(n, d, s, f32_only, 1) < 0 ||
	    check_rank(n, d, b, 3, 3) < 0 || check_rank(n, d, s, 3, 3) < 0)
		return -1;
	if (b->dim[2] != 4 || s->dim[0] != b->dim[0] || s->dim[2] != b->dim[1])
		return diag_node(d, n, "boxes '%s' must be [batch, boxes, 4] and scores '%s' "
			"[batch, classes, boxes]", b->name, s->name);
	for (int i = 0; i < n->nin; i++)
		if (n->in[i] && need_const(n, d, i) < 0)
			return -1;
	memset(p, 0, sizeof *p);
	p->center = (int32_t)attr_i(n, "center_point_box", 0);
	if (p->center != 0 && p->center != 1)
		return diag_node(d, n, "center_point_box is %d, expected 0 or 1", p->center);
	if (shape_has_input(n, 2) && shape_const_ints(n, d, 2, &mo, 1) < 0)
		return -1;
	if (shape_has_input(n, 3) && shape_const_floats(n, d, 3, &v, 1) < 0)
		return -1;
	p->iou = shape_has_input(n, 3) ? (float)v : 0.0f;
	if (shape_has_input(n, 4) && shape_const_floats(n, d, 4, &v, 1) < 0)
		return -1;
	p->has_score_min = shape_has_input(n, 4);
	p->score_min = p->has_score_min ? (float)v : 0.0f;
	p->batch = (int32_t)b->dim[0];
	p->nclass = (int32_t)s->dim[1];
	p->nbox = (int32_t)b->dim[1];
	p->max_out = mo < 0 ? 0 : mo > p->nbox ? p->nbox : mo;
	p->nsel = (int64_t)p->batch * p->nclass * p->max_out;
	return 0;
}

static int
infer_nms(Node *n, Diag *d)
{
	axrt_nms_params p;
	int64_t cnt = 0;
	if (nms_params(n, d, &p) < 0)
		return -1;
	if (p.nsel > 0) {
		void *out[1];
		size_t bytes = (size_t)p.nsel * 24;
		run_now(n, K_nms_f32, &p, 1, &bytes, out, AXRT_NMS_SCRATCH(p.nbox));
		while (cnt < p.nsel && ((int64_t *)out[0])[cnt * 3] >= 0)
			cnt++;
		free(out[0]);
	}
	return shape_set(n, d, 0, DT_I64, 2, (int64_t[]){cnt, 3});
}

static int
lower_nms(Node *n, Lower *l)
{
	axrt_nms_params p;
	if (nms_params(n, l->d, &p) < 0)
		return -1;
	p.nsel = n->out[0]->dim[0];
	return lower_slots(l, n, K_nms_f32, &p, 2, 1, AXRT_NMS_SCRATCH(p.nbox));
}

/* ---- MaxUnpool ---- */

/* The shape unpooling infers, (in - 1) * stride + kernel - pads on each
 * spatial axis (inf; the indices number its elements), and the output
 * dims (dim): the constant output_shape if given, padding inf at the end. */
static int
unpool_dims(Node *n, Diag *d, int64_t *inf, int64_t *dim)
{
	const Tensor *x = n->in[0];
	const int64_t *ks, *st, *pd;
	int ns = x->rank - 2, nk = attr_ints(n, "kernel_shape", &ks);
	int nst = attr_ints(n, "strides", &st), npd = attr_ints(n, "pads", &pd);
	if (nk != ns || (nst >= 0 && nst != ns) || (npd >= 0 && npd != 2 * ns))
		return diag_node(d, n, "kernel_shape, strides and pads need %d, %d and %d values",
			ns, ns, 2 * ns);
	memcpy(inf, x->dim, IR_MAXRANK * sizeof *inf);
	for (int k = 0; k < ns; k++) {
		int64_t s = nst >= 0 ? st[k] : 1, p0 = npd >= 0 ? pd[k] : 0, p1 = npd >= 0 ? pd[k + ns] : 0;
		if (ks[k] < 1 || s < 1 || p0 < 0 || p1 < 0)
			return diag_node(d, n, "kernel_shape and strides must be positive, pads not negative");
		inf[k + 2] = (x->dim[k + 2] - 1) * s + ks[k] - p0 - p1;
	}
	memcpy(dim, inf, IR_MAXRANK * sizeof *dim);
	if (!shape_has_input(n, 2))
		return 0;
	int c = need_const(n, d, 2) < 0 ? -1 : shape_const_ints(n, d, 2, dim, IR_MAXRANK);
	if (c < 0)
		return -1;
	if (c != x->rank)
		return diag_node(d, n, "output_shape '%s' has %d values, expected %d",
			n->in[2]->name, c, x->rank);
	for (int k = 0; k < c; k++)
		if (dim[k] < inf[k])
			return diag_node(d, n, "output_shape '%s' is smaller than the unpooled shape "
				"on axis %d (%lld < %lld)", n->in[2]->name, k,
				(long long)dim[k], (long long)inf[k]);
	return 0;
}

static int
infer_maxunpool(Node *n, Diag *d)
{
	const Tensor *x = n->in[0], *i = n->in[1];
	int64_t inf[IR_MAXRANK], dim[IR_MAXRANK];
	if (shape_check_movable(n, d, x) < 0 || check_dtype(n, d, i, index_types, 2) < 0 ||
	    check_rank(n, d, x, 3, IR_MAXRANK) < 0 || unpool_dims(n, d, inf, dim) < 0)
		return -1;
	if (!tensor_same_shape(x, i))
		return diag_node(d, n, "indices '%s' must have the shape of '%s'", i->name, x->name);
	if (shape_set(n, d, 0, x->dtype, x->rank, inf) < 0)   /* checks inf */
		return -1;
	return shape_set(n, d, 0, x->dtype, x->rank, dim);
}

static int
lower_maxunpool(Node *n, Lower *l)
{
	const Tensor *x = n->in[0];
	axrt_unpool_params p;
	int64_t inf[IR_MAXRANK], dim[IR_MAXRANK];
	if (unpool_dims(n, l->d, inf, dim) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.rank = x->rank;
	for (int k = 0; k < x->rank; k++) {
		p.idx[k] = (int32_t)inf[k];
		p.out[k] = (int32_t)dim[k];
	}
	p.nin = tensor_numel(x);
	p.esize = (int32_t)dtype_size(x->dtype);
	p.idtype = n->in[1]->dtype;
	return lower_slots(l, n, K_maxunpool, &p, 2, 1, 0);
}

/* ---- MaxRoiPool, RoiAlign ---- */

/* Common checks; fills the geometry of p (x dims, regions, output bins). */
static int
roi_params(Node *n, Diag *d, axrt_roi_params *p, int ncoord)
{
	const Tensor *x = n->in[0], *r = n->in[1];
	if (check_dtype(n, d, x, f32_only, 1) < 0 || check_dtype(n, d, r, f32_only, 1) < 0 ||
	    check_rank(n, d, x, 4, 4) < 0 || check_rank(n, d, r, 2, 2) < 0)
		return -1;
	if (r->dim[1] != ncoord)
		return diag_node(d, n, "rois '%s' must be [regions, %d]", r->name, ncoord);
	memset(p, 0, sizeof *p);
	p->n = (int32_t)x->dim[0];
	p->c = (int32_t)x->dim[1];
	p->h = (int32_t)x->dim[2];
	p->w = (int32_t)x->dim[3];
	p->nroi = (int32_t)r->dim[0];
	p->scale = attr_f(n, "spatial_scale", 1.0f);
	return 0;
}

static int
maxroipool_params(Node *n, Diag *d, axrt_roi_params *p)
{
	const int64_t *ps;
	if (roi_params(n, d, p, 5) < 0)
		return -1;
	if (attr_ints(n, "pooled_shape", &ps) != 2 || ps[0] < 1 || ps[1] < 1 ||
	    ps[0] > INT32_MAX || ps[1] > INT32_MAX)
		return diag_node(d, n, "pooled_shape must be two positive values");
	p->oh = (int32_t)ps[0];
	p->ow = (int32_t)ps[1];
	return 0;
}

static int
roialign_params(Node *n, Diag *d, axrt_roi_params *p)
{
	const Tensor *bi = n->in[2];
	const char *mode = attr_s(n, "mode", "avg");
	const char *ct = attr_s(n, "coordinate_transformation_mode",
		n->opset >= 16 ? "half_pixel" : "output_half_pixel");
	int64_t oh = attr_i(n, "output_height", 1), ow = attr_i(n, "output_width", 1);
	int64_t sr = attr_i(n, "sampling_ratio", 0);
	if (roi_params(n, d, p, 4) < 0 || check_dtype(n, d, bi, index_types, 2) < 0 ||
	    check_rank(n, d, bi, 1, 1) < 0)
		return -1;
	if (bi->dim[0] != p->nroi)
		return diag_node(d, n, "batch_indices '%s' must have one value per region", bi->name);
	if (strcmp(mode, "avg") && strcmp(mode, "max"))
		return diag_node(d, n, "mode '%s' is not avg or max", mode);
	if (strcmp(ct, "half_pixel") && strcmp(ct, "output_half_pixel"))
		return diag_node(d, n, "coordinate_transformation_mode '%s' is not half_pixel or "
			"output_half_pixel", ct);
	if (oh < 1 || ow < 1 || oh > INT32_MAX || ow > INT32_MAX || sr < 0 || sr > INT32_MAX)
		return diag_node(d, n, "output_height and output_width must be positive, "
			"sampling_ratio not negative");
	p->oh = (int32_t)oh;
	p->ow = (int32_t)ow;
	p->sampling = (int32_t)sr;
	p->half_pixel = !strcmp(ct, "half_pixel");
	p->mode = !strcmp(mode, "max");
	p->idtype = bi->dtype;
	return 0;
}

static int
infer_roi(Node *n, Diag *d)
{
	axrt_roi_params p;
	if ((n->op == OP_MAXROIPOOL ? maxroipool_params(n, d, &p) : roialign_params(n, d, &p)) < 0)
		return -1;
	return shape_set(n, d, 0, DT_F32, 4, (int64_t[]){p.nroi, p.c, p.oh, p.ow});
}

static int
lower_roi(Node *n, Lower *l)
{
	axrt_roi_params p;
	if (n->op == OP_MAXROIPOOL) {
		if (maxroipool_params(n, l->d, &p) < 0)
			return -1;
		return lower_slots(l, n, K_maxroipool_f32, &p, 2, 1, 0);
	}
	if (roialign_params(n, l->d, &p) < 0)
		return -1;
	return lower_slots(l, n, K_roialign_f32, &p, 3, 1, 0);
}

/* ---- family entry points ---- */

int
select_infer(Node *n, Diag *d)
{
	switch (n->op) {
	case OP_TOPK: return infer_topk(n, d);
	case OP_UNIQUE: return infer_unique(n, d);
	case OP_NONZERO: return infer_nonzero(n, d);
	case OP_COMPRESS: return infer_compress(n, d);
	case OP_NONMAXSUPPRESSION: return infer_nms(n, d);
	case OP_MAXUNPOOL: return infer_maxunpool(n, d);
	case OP_MAXROIPOOL: case OP_ROIALIGN: return infer_roi(n, d);
	default: return diag_node(d, n, "op %s is not in the select family", n->optype);
	}
}

int
select_lower(Node *n, Lower *l)
{
	switch (n->op) {
	case OP_TOPK: return lower_topk(n, l);
	case OP_UNIQUE: return lower_unique(n, l);
	case OP_NONZERO: return lower_nonzero(n, l);
	case OP_COMPRESS: return lower_compress(n, l);
	case OP_NONMAXSUPPRESSION: return lower_nms(n, l);
	case OP_MAXUNPOOL: return lower_maxunpool(n, l);
	case OP_MAXROIPOOL: case OP_ROIALIGN: return lower_roi(n, l);
	default: return diag_node(l->d, n, "op %s is not in the select family", n->optype);
	}
}
