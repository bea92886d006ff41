/* misc.c: the misc family -- indexing (Gather, GatherElements, GatherND,
 * Scatter, ScatterElements, ScatterND, OneHot, ReverseSequence), resampling
 * (Resize, Upsample), broadcasting copies (Expand, Tile, DepthToSpace,
 * SpaceToDepth) and generators (ConstantOfShape, Range, EyeLike, Trilu,
 * CumSum). Shared helpers (constant inputs, shapes) are in shape.c. */
#include <math.h>
#include <string.h>

#include "shape.h"

static const DType index_types[] = {DT_I32, DT_I64};

/* ---- Gather ---- */

/* Whether a constant index tensor stays in [-n, n); -1 after diag_node(). */
static int
check_const_indices(Node *n, Diag *d, const Tensor *idx, int64_t len, const char *what)
{
	if (!idx->init)
		return 0;
	for (int64_t i = 0; i < tensor_numel(idx); i++) {
		int64_t v = idx->dtype == DT_I64 ? ((const int64_t *)idx->init)[i]
			: ((const int32_t *)idx->init)[i];
		if (v < -len || v >= len)
			return diag_node(d, n, "index %lld in '%s' is out of range for %s of size %lld",
				(long long)v, idx->name, what, (long long)len);
	}
	return 0;
}

static int
infer_gather(Node *n, Diag *d)
{
	const Tensor *x = n->in[0], *idx = n->in[1];
	int64_t dim[2 * IR_MAXRANK];
	int ax, r = 0;
	if (shape_check_movable(n, d, x) < 0 || check_dtype(n, d, idx, index_types, 2) < 0 ||
	    check_rank(n, d, x, 1, IR_MAXRANK) < 0 ||
	    norm_axis(n, d, attr_i(n, "axis", 0), x->rank, &ax) < 0)
		return -1;
	if (check_const_indices(n, d, idx, x->dim[ax], "axis") < 0)
		return -1;
	for (int k = 0; k < ax; k++)
		dim[r++] = x->dim[k];
	for (int k = 0; k < idx->rank; k++)
		dim[r++] = idx->dim[k];
	for (int k = ax + 1; k < x->rank; k++)
		dim[r++] = x->dim[k];
	return shape_set(n, d, 0, x->dtype, r, dim);
}

static int
lower_gather(Node *n, Lower *l)
{
	const Tensor *x = n->in[0];
	axrt_gather_params p;
	int ax;
	if (norm_axis(n, l->d, attr_i(n, "axis", 0), x->rank, &ax) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.outer = shape_prod(x->dim, 0, ax);
	p.axis = x->dim[ax];
	p.inner = shape_prod(x->dim, ax + 1, x->rank);
	p.nidx = tensor_numel(n->in[1]);
	p.esize = (int32_t)dtype_size(x->dtype);
	p.idtype = n->in[1]->dtype;
	return lower_call(l, n, K_gather, &p, 0) ? 0 : -1;
}

/* ---- GatherElements, ScatterElements, Scatter ---- */

static int
scatter_reduction(Node *n, Diag *d)
{
	static const char *const names[] = {"none", "add", "mul", "max", "min"};
	const char *s = attr_s(n, "reduction", "none");
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return diag_node(d, n, "reduction '%s' is not one of none, add, mul, max, min", s);
}

static int
check_reduction_type(Node *n, Diag *d, int red, const Tensor *x)
{
	static const DType ok[] = {DT_F32, DT_F64, DT_I32, DT_I64, DT_U32, DT_U64};
	if (red == AXRT_RED_NONE)
		return 0;
	return check_dtype(n, d, x, ok, 6);
}

static int
infer_elements(Node *n, Diag *d)
{
	const Tensor *x = n->in[0], *idx = n->in[1];
	int ax, scatter = n->op != OP_GATHERELEMENTS, red = 0;
	if (shape_check_movable(n, d, x) < 0 || check_dtype(n, d, idx, index_types, 2) < 0 ||
	    check_rank(n, d, x, 1, IR_MAXRANK) < 0 ||
	    norm_axis(n, d, attr_i(n, "axis", 0), x->rank, &ax) < 0)
		return -1;
	if (idx->rank != x->rank)
		return diag_node(d, n, "indices '%s' have rank %d, expected %d", idx->name, idx->rank, x->rank);
	for (int k = 0; k < x->rank; k++)
		if (k != ax && idx->dim[k] > x->dim[k])
			return diag_node(d, n, "indices '%s' are larger than the data on axis %d", idx->name, k);
	if (check_const_indices(n, d, idx, x->dim[ax], "axis") < 0)
		return -1;
	if (!scatter)
		return shape_set(n, d, 0, x->dtype, idx->rank, idx->dim);
	if (!tensor_same_shape(idx, n->in[2]) || n->in[2]->dtype != x->dtype)
		return diag_node(d, n, "updates '%s' must have the type of the data and the shape of the indices",
			n->in[2]->name);
	if ((red = scatter_reduction(n, d)) < 0 || check_reduction_type(n, d, red, x) < 0)
		return -1;
	return shape_set(n, d, 0, x->dtype, x->rank, x->dim);
}

static int
lower_elements(Node *n, Lower *l)
{
	const Tensor *x = n->in[0], *idx = n->in[1];
	axrt_elements_params p;
	int ax, red = n->op == OP_GATHERELEMENTS ? 0 : scatter_reduction(n, l->d);
	if (red < 0 || norm_axis(n, l->d, attr_i(n, "axis", 0), x->rank, &ax) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.rank = x->rank;
	p.axis = ax;
	p.esize = (int32_t)dtype_size(x->dtype);
	p.idtype = idx->dtype;
	p.dtype = x->dtype;
	p.reduction = red;
	shape_to_i32(x, p.data);
	shape_to_i32(idx, p.idx);
	return lower_call(l, n, n->op == OP_GATHERELEMENTS ? K_gather_elements : K_scatter_elements,
		&p, 0) ? 0 : -1;
}

/* ---- GatherND, ScatterND ---- */

static int
infer_gathernd(Node *n, Diag *d)
{
	const Tensor *x = n->in[0], *idx = n->in[1];
	int64_t b = attr_i(n, "batch_dims", 0), k, dim[2 * IR_MAXRANK];
	int r = 0;
	if (shape_check_movable(n, d, x) < 0 || check_dtype(n, d, idx, index_types, 2) < 0 ||
	    check_rank(n, d, x, 1, IR_MAXRANK) < 0 || check_rank(n, d, idx, 1, IR_MAXRANK) < 0)
		return -1;
	if (b < 0 || b >= x->rank || b >= idx->rank)
		return diag_node(d, n, "batch_dims %lld is out of range", (long long)b);
	k = idx->dim[idx->rank - 1];
	if (k < 1 || k > x->rank - b)
		return diag_node(d, n, "index tuples of %lld values do not fit data of rank %d",
			(long long)k, x->rank);
	for (int i = 0; i < b; i++)
		if (x->dim[i] != idx->dim[i])
			return diag_node(d, n, "batch dimension %d differs between data and indices", i);
	for (int i = 0; i < idx->rank - 1; i++)
		dim[r++] = idx->dim[i];
	for (int i = (int)(b + k); i < x->rank; i++)
		dim[r++] = x->dim[i];
	return shape_set(n, d, 0, x->dtype, r, dim);
}

static int
infer_scatternd(Node *n, Diag *d)
{
	const Tensor *x = n->in[0], *idx = n->in[1], *u = n->in[2];
	int64_t k, dim[2 * IR_MAXRANK];
	int r = 0, red;
	if (shape_check_movable(n, d, x) < 0 || check_dtype(n, d, idx, index_types, 2) < 0 ||
	    check_rank(n, d, x, 1, IR_MAXRANK) < 0 || check_rank(n, d, idx, 1, IR_MAXRANK) < 0)
		return -1;
	k = idx->dim[idx->rank - 1];
	if (k < 1 || k > x->rank)
		return diag_node(d, n, "index tuples of %lld values do not fit data of rank %d",
			(long long)k, x->rank);
	for (int i = 0; i < idx->rank - 1; i++)
		dim[r++] = idx->dim[i];
	for (int i = (int)k; i < x->rank; i++)
		dim[r++] = x->dim[i];
	int same = u->rank == r && u->dtype == x->dtype;
	for (int i = 0; same && i < r; i++)
		same = u->dim[i] == dim[i];
	if (!same)
		return diag_node(d, n, "updates '%s' must have the data's type and shape "
			"indices.shape[:-1] + data.shape[k:]", u->name);
	if ((red = scatter_reduction(n, d)) < 0 || check_reduction_type(n, d, red, x) < 0)
		return -1;
	return shape_set(n, d, 0, x->dtype, x->rank, x->dim);
}

static int
lower_nd(Node *n, Lower *l)
{
	const Tensor *x = n->in[0], *idx = n->in[1];
	int gather = n->op == OP_GATHERND;
	int b = gather ? (int)attr_i(n, "batch_dims", 0) : 0, red = gather ? 0 : scatter_reduction(n, l->d);
	axrt_nd_params p;
	if (red < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.k = (int32_t)idx->dim[idx->rank - 1];
	p.batch = shape_prod(x->dim, 0, b);
	p.nidx = shape_prod(idx->dim, b, idx->rank - 1);
	p.slice = shape_prod(x->dim, b + p.k, x->rank);
	for (int i = 0; i < p.k; i++)
		p.dims[i] = x->dim[b + i];
	p.esize = (int32_t)dtype_size(x->dtype);
	p.idtype = idx->dtype;
	p.dtype = x->dtype;
	p.reduction = red;
	return lower_call(l, n, gather ? K_gather_nd : K_scatter_nd, &p, 0) ? 0 : -1;
}

/* ---- Resize, Upsample ---- */

static int
resize_enum(Node *n, Diag *d, const char *attr, const char *def, const char *const *names, int nn)
{
	const char *s = attr_s(n, attr, def);
	for (int i = 0; i < nn; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return diag_node(d, n, "%s '%s' is not supported", attr, s);
}

/* Mode, coordinate transformation and rounding: attributes from Resize-11;
 * Upsample and Resize-10 are asymmetric with truncating nearest. */
static int
resize_modes(Node *n, Diag *d, axrt_resize_params *p)
{
	static const char *const modes[] = {"nearest", "linear", "cubic", "bilinear"};
	static const char *const coords[] = {"half_pixel", "asymmetric", "pytorch_half_pixel",
		"tf_half_pixel_for_nn", "align_corners", "tf_crop_and_resize", "half_pixel_symmetric"};
	static const char *const rounds[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
	int old = n->op == OP_UPSAMPLE || n->opset < 11;
	if ((p->mode = resize_enum(n, d, "mode", "nearest", modes, old ? 4 : 3)) < 0)
		return -1;
	if (p->mode == 3)
		p->mode = AXRT_RESIZE_LINEAR;
	if (old && p->mode == AXRT_RESIZE_CUBIC)
		return diag_node(d, n, "mode 'cubic' needs Resize from opset 11");
	p->coord = old ? AXRT_COORD_ASYMMETRIC : resize_enum(n, d, "coordinate_transformation_mode",
		"half_pixel", coords, 7);
	p->nearest = old ? AXRT_NEAREST_SIMPLE : resize_enum(n, d, "nearest_mode",
		"round_prefer_floor", rounds, 4);
	if (p->coord < 0 || p->nearest < 0)
		return -1;
	if (attr_i(n, "antialias", 0))
		return diag_node(d, n, "antialias is not supported");
	p->cubic_a = attr_f(n, "cubic_coeff_a", -0.75f);
	p->exclude_outside = (int32_t)attr_i(n, "exclude_outside", 0);
	p->extrapolation = attr_f(n, "extrapolation_value", 0);
	return 0;
}

/* Scales (or sizes) per axis, honouring Resize-18's axes attribute.
 * sizes: 1 if sizes were given (v holds them), 0 for scales. */
static int
resize_factors(Node *n, Diag *d, double *v, int *sizes)
{
	int r = n->in[0]->rank, is = 1, iz = -1, k;
	double f[IR_MAXRANK];
	int64_t z[IR_MAXRANK], ax[IR_MAXRANK];
	const int64_t *a;
	if (n->op == OP_RESIZE && n->opset >= 11) {
		is = 2;
		iz = 3;
	}
	for (int i = 0; i < r; i++)
		ax[i] = i;
	int na = n->op == OP_UPSAMPLE && n->opset < 9 ? -1 : attr_ints(n, "axes", &a);
	if (na > IR_MAXRANK)
		return diag_node(d, n, "axes has %d values, at most %d are supported", na, IR_MAXRANK);
	for (int i = 0; i < na; i++)
		ax[i] = a[i] < 0 ? a[i] + r : a[i];
	if (na < 0)
		na = r;
	*sizes = 0;
	if (n->op == OP_UPSAMPLE && n->opset < 9) {
		const float *fs;
		if ((k = attr_floats(n, "scales", &fs)) < 0)
			return diag_node(d, n, "attribute 'scales' is required");
		for (int i = 0; i < k && i < IR_MAXRANK; i++)
			f[i] = fs[i];
	} else if (shape_has_input(n, is)) {
		k = shape_const_floats(n, d, is, f, IR_MAXRANK);
	} else if (iz >= 0 && shape_has_input(n, iz)) {
		k = shape_const_ints(n, d, iz, z, IR_MAXRANK);
		for (int i = 0; i < k; i++)
			f[i] = (double)z[i];
		*sizes = 1;
	} else {
		return diag_node(d, n, "neither scales nor sizes are given");
	}
	if (k < 0)
		return -1;
	if (k != na)
		return diag_node(d, n, "%s has %d values, expected %d", *sizes ? "sizes" : "scales", k, na);
	for (int i = 0; i < r; i++)
		v[i] = *sizes ? (double)n->in[0]->dim[i] : 1;
	for (int i = 0; i < na; i++) {
		if (ax[i] < 0 || ax[i] >= r || !(f[i] > 0))
			return diag_node(d, n, "axis or factor %d (%g) is out of range", i, f[i]);
		v[ax[i]] = f[i];
	}
	return 0;
}

/* Everything about a Resize/Upsample node but the input dims: filled from
 * attributes and constant inputs, output dims included. */
static int
resize_params(Node *n, Diag *d, axrt_resize_params *p)
{
	const Tensor *x = n->in[0];
	double f[IR_MAXRANK], roi[2 * IR_MAXRANK];
	int sizes = 0, r = x->rank;   /* set by resize_factors; gcc cannot see it */
	memset(p, 0, sizeof *p);
	if (check_rank(n, d, x, 1, IR_MAXRANK) < 0 || resize_modes(n, d, p) < 0 ||
	    resize_factors(n, d, f, &sizes) < 0)
		return -1;
	p->rank = r;
	for (int k = 0; k < r; k++) {
		roi[k] = 0;
		roi[r + k] = 1;
	}
	if (p->coord == AXRT_COORD_TF_CROP_AND_RESIZE) {
		int k = shape_const_floats(n, d, 1, roi, 2 * IR_MAXRANK);
		if (k < 0)
			return -1;
		if (k != 2 * r)
			return diag_node(d, n, "roi has %d values, expected %d", k, 2 * r);
	}
	for (int k = 0; k < r; k++) {
		double len = (double)x->dim[k] * (roi[r + k] - roi[k]) * f[k];
		int64_t o = sizes ? (int64_t)f[k] : (int64_t)floor(len);   /* as the ONNX reference */
		if (o < 0 || o > INT32_MAX)
			return diag_node(d, n, "output dimension %d (%lld) is out of range", k, (long long)o);
		p->in[k] = (int32_t)x->dim[k];
		p->out[k] = (int32_t)o;
		p->scale[k] = sizes ? 0 : (float)f[k];
		p->roi[k] = (float)roi[k];
		p->roi[r + k] = (float)roi[r + k];
	}
	return 0;
}

static int
infer_resize(Node *n, Diag *d)
{
	static const DType ok[] = {DT_F32};
	axrt_resize_params p;
	int64_t dim[IR_MAXRANK];
	if (check_dtype(n, d, n->in[0], ok, 1) < 0 || resize_params(n, d, &p) < 0)
		return -1;
	for (int k = 0; k < p.rank; k++)
		dim[k] = p.out[k];
	return shape_set(n, d, 0, DT_F32, p.rank, dim);
}

static int
lower_resize(Node *n, Lower *l)
{
	axrt_resize_params p;
	int64_t sum = 0;
	if (resize_params(n, l->d, &p) < 0)
		return -1;
	for (int k = 0; k < p.rank; k++)
		sum += p.out[k];
	int in[1] = {lower_buf(l, n->in[0])}, out[1] = {lower_buf(l, n->out[0])};
	return lower_step(l, n, K_resize_f32, &p, 1, in, 1, out, AXRT_RESIZE_SCRATCH(sum)) ? 0 : -1;
}

/* ---- OneHot, ReverseSequence ---- */

static int
infer_onehot(Node *n, Diag *d)
{
	static const DType ok[] = {DT_I8, DT_I16, DT_I32, DT_I64, DT_U8, DT_U16, DT_U32, DT_U64, DT_F32, DT_F64};
	const Tensor *idx = n->in[0], *val = n->in[2];
	double depth;
	int64_t dim[IR_MAXRANK];
	int ax, r = idx->rank + 1;
	if (check_dtype(n, d, idx, ok, 10) < 0 || shape_check_movable(n, d, val) < 0 ||
	    shape_const_floats(n, d, 1, &depth, 1) < 0)
		return -1;
	if (tensor_numel(val) != 2)
		return diag_node(d, n, "values '%s' must hold 2 elements (off, on)", val->name);
	if (!(depth >= 1) || depth > INT32_MAX)
		return diag_node(d, n, "depth %g is out of range", depth);
	if (r > IR_MAXRANK || norm_axis(n, d, attr_i(n, "axis", -1), r, &ax) < 0)
		return r > IR_MAXRANK ? diag_node(d, n, "output rank %d is too large", r) : -1;
	for (int k = 0, j = 0; k < r; k++)
		dim[k] = k == ax ? (int64_t)depth : idx->dim[j++];
	return shape_set(n, d, 0, val->dtype, r, dim);
}

static int
lower_onehot(Node *n, Lower *l)
{
	const Tensor *y = n->out[0];
	axrt_onehot_params p;
	int ax;
	if (norm_axis(n, l->d, attr_i(n, "axis", -1), y->rank, &ax) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.outer = shape_prod(y->dim, 0, ax);
	p.depth = y->dim[ax];
	p.inner = shape_prod(y->dim, ax + 1, y->rank);
	p.esize = (int32_t)dtype_size(y->dtype);
	p.idtype = n->in[0]->dtype;
	return lower_call(l, n, K_onehot, &p, 0) ? 0 : -1;
}

static int
infer_revseq(Node *n, Diag *d)
{
	static const DType ok[] = {DT_I64};
	const Tensor *x = n->in[0], *len = n->in[1];
	int64_t b = attr_i(n, "batch_axis", 1), t = attr_i(n, "time_axis", 0);
	if (shape_check_movable(n, d, x) < 0 || check_rank(n, d, x, 2, IR_MAXRANK) < 0 ||
	    check_dtype(n, d, len, ok, 1) < 0)
		return -1;
	if (!((b == 0 && t == 1) || (b == 1 && t == 0)))
		return diag_node(d, n, "batch_axis and time_axis must be 0 and 1 (got %lld, %lld)",
			(long long)b, (long long)t);
	if (len->rank != 1 || len->dim[0] != x->dim[b])
		return diag_node(d, n, "sequence_lens '%s' must hold %lld lengths", len->name,
			(long long)x->dim[b]);
	return shape_set(n, d, 0, x->dtype, x->rank, x->dim);
}

static int
lower_revseq(Node *n, Lower *l)
{
	const Tensor *x = n->in[0];
	axrt_revseq_params p;
	int b = (int)attr_i(n, "batch_axis", 1);
	memset(&p, 0, sizeof p);
	p.inner = shape_prod(x->dim, 2, x->rank);
	p.batch = x->dim[b];
	p.time = x->dim[1 - b];
	p.bstride = b == 0 ? x->dim[1] * p.inner : p.inner;
	p.tstride = b == 0 ? p.inner : x->dim[1] * p.inner;
	p.esize = (int32_t)dtype_size(x->dtype);
	return lower_call(l, n, K_reverse_sequence, &p, 0) ? 0 : -1;
}

/* ---- Trilu, CumSum ---- */

static int
infer_trilu(Node *n, Diag *d)
{
	static const DType ok[] = {DT_I64};
	const Tensor *x = n->in[0], *k = n->nin > 1 ? n->in[1] : NULL;
	if (shape_check_movable(n, d, x) < 0 || check_rank(n, d, x, 2, IR_MAXRANK) < 0)
		return -1;
	if (k && check_dtype(n, d, k, ok, 1) < 0)
		return -1;
	if (k && tensor_numel(k) != 1)
		return diag_node(d, n, "k '%s' must hold one value", k->name);
	return shape_set(n, d, 0, x->dtype, x->rank, x->dim);
}

static int
lower_trilu(Node *n, Lower *l)
{
	const Tensor *x = n->in[0];
	axrt_trilu_params p;
	memset(&p, 0, sizeof p);
	p.batch = shape_prod(x->dim, 0, x->rank - 2);
	p.rows = x->dim[x->rank - 2];
	p.cols = x->dim[x->rank - 1];
	p.upper = attr_i(n, "upper", 1) != 0;
	p.esize = (int32_t)dtype_size(x->dtype);
	int in[2] = {lower_buf(l, x), n->nin > 1 ? lower_buf(l, n->in[1]) : -1};
	int out[1] = {lower_buf(l, n->out[0])};
	return lower_step(l, n, K_trilu, &p, 2, in, 1, out, 0) ? 0 : -1;
}

static int
cumsum_axis(Node *n, Diag *d, int *ax)
{
	int64_t v[IR_MAXRANK];
	int k = shape_const_ints(n, d, 1, v, IR_MAXRANK);
	if (k < 0)
		return -1;
	if (k != 1)
		return diag_node(d, n, "axis '%s' must hold one value", n->in[1]->name);
	return norm_axis(n, d, v[0], n->in[0]->rank, ax);
}

static int
infer_cumsum(Node *n, Diag *d)
{
	static const DType ok[] = {DT_F32, DT_F64, DT_I32, DT_I64, DT_U32, DT_U64};
	const Tensor *x = n->in[0];
	int ax;
	if (check_dtype(n, d, x, ok, 6) < 0 || check_rank(n, d, x, 1, IR_MAXRANK) < 0 ||
	    cumsum_axis(n, d, &ax) < 0)
		return -1;
	return shape_set(n, d, 0, x->dtype, x->rank, x->dim);
}

static int
lower_cumsum(Node *n, Lower *l)
{
	const Tensor *x = n->in[0];
	axrt_cumsum_params p;
	KernelId k;
	int ax;
	if (cumsum_axis(n, l->d, &ax) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.outer = shape_prod(x->dim, 0, ax);
	p.n = x->dim[ax];
	p.inner = shape_prod(x->dim, ax + 1, x->rank);
	p.exclusive = attr_i(n, "exclusive", 0) != 0;
	p.reverse = attr_i(n, "reverse", 0) != 0;
	switch (x->dtype) {
	case DT_F32: k = K_cumsum_f32; break;
	case DT_F64: k = K_cumsum_f64; break;
	case DT_I32: case DT_U32: k = K_cumsum_i32; break;
	default: k = K_cumsum_i64; break;
	}
	return lower_call(l, n, k, &p, 0) ? 0 : -1;
}

/* ---- EyeLike, ConstantOfShape, Range ---- */

static int
eyelike_type(Node *n, Diag *d, DType *dt)
{
	*dt = (DType)attr_i(n, "dtype", n->in[0]->dtype);
	size_t es = dtype_size(*dt);
	if (es != 1 && es != 2 && es != 4 && es != 8)
		return diag_node(d, n, "dtype %d is not supported", (int)*dt);
	return 0;
}

static int
infer_eyelike(Node *n, Diag *d)
{
	DType dt;
	if (check_rank(n, d, n->in[0], 2, 2) < 0 || eyelike_type(n, d, &dt) < 0)
		return -1;
	return shape_set(n, d, 0, dt, 2, n->in[0]->dim);
}

static int
lower_eyelike(Node *n, Lower *l)
{
	const Tensor *y = n->out[0];
	axrt_eyelike_params p;
	memset(&p, 0, sizeof p);
	p.rows = y->dim[0];
	p.cols = y->dim[1];
	p.k = attr_i(n, "k", 0);
	p.esize = (int32_t)dtype_size(y->dtype);
	p.one = shape_value_bits(y->dtype, 1);
	int out[1] = {lower_buf(l, y)};
	return lower_step(l, n, K_eyelike, &p, 0, out, 1, out, 0) ? 0 : -1;
}

/* ConstantOfShape's value: a one-element tensor attribute, float 0 if absent. */
static int
cos_value(Node *n, Diag *d, DType *dt, int64_t *bits)
{
	const Attr *a = attr_get(n, "value");
	*dt = DT_F32;
	*bits = 0;
	if (!a)
		return 0;
	if (a->type != AT_TENSOR || !a->t || !a->t->init || tensor_numel(a->t) != 1)
		return diag_node(d, n, "attribute 'value' must be a tensor of one element");
	*dt = a->t->dtype;
	size_t es = dtype_size(*dt);
	if (es != 1 && es != 2 && es != 4 && es != 8)
		return diag_node(d, n, "value has type %s, which is not supported", dtype_name(*dt));
	*bits = shape_elem_bits(a->t->init, es);
	return 0;
}

static int
infer_cos(Node *n, Diag *d)
{
	int64_t v[IR_MAXRANK], bits;
	DType dt;
	int k = shape_const_ints(n, d, 0, v, IR_MAXRANK);
	if (k < 0 || cos_value(n, d, &dt, &bits) < 0)
		return -1;
	return shape_set(n, d, 0, dt, k, v);
}

static int
lower_cos(Node *n, Lower *l)
{
	axrt_fill_params p;
	DType dt;
	memset(&p, 0, sizeof p);
	if (cos_value(n, l->d, &dt, &p.bits) < 0)
		return -1;
	p.n = tensor_numel(n->out[0]);
	p.esize = (int32_t)dtype_size(dt);
	int out[1] = {lower_buf(l, n->out[0])};
	return lower_step(l, n, K_fill, &p, 0, out, 1, out, 0) ? 0 : -1;
}

static int
infer_range(Node *n, Diag *d)
{
	static const DType ok[] = {DT_F32, DT_F64, DT_I16, DT_I32, DT_I64};
	const Tensor *s = n->in[0];
	double v[3];
	int64_t len;
	if (check_dtype(n, d, s, ok, 5) < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (n->in[i]->dtype != s->dtype || tensor_numel(n->in[i]) != 1)
			return diag_node(d, n, "input '%s' must be one %s", n->in[i]->name, dtype_name(s->dtype));
	for (int i = 0; i < 3; i++)
		if (shape_const_floats(n, d, i, &v[i], 1) < 0)
			return -1;
	if (v[2] == 0)
		return diag_node(d, n, "delta is 0");
	if (dtype_is_int(s->dtype)) {
		int64_t a = (int64_t)v[0], b = (int64_t)v[1], c = (int64_t)v[2], span = b - a;
		len = c > 0 ? (span > 0 ? (span + c - 1) / c : 0) : (span < 0 ? (-span - c - 1) / -c : 0);
	} else {
		double q = ceil((v[1] - v[0]) / v[2]);
		if (!(q < 1e12))
			return q > 0 ? diag_node(d, n, "range is too long") : shape_set(n, d, 0, s->dtype, 1, (int64_t[]){0});
		len = q > 0 ? (int64_t)q : 0;
	}
	return shape_set(n, d, 0, s->dtype, 1, &len);
}

static int
lower_range(Node *n, Lower *l)
{
	axrt_range_params p;
	KernelId k;
	p.n = n->out[0]->dim[0];
	switch (n->in[0]->dtype) {
	case DT_F32: k = K_range_f32; break;
	case DT_F64: k = K_range_f64; break;
	case DT_I16: k = K_range_i16; break;
	case DT_I32: k = K_range_i32; break;
	default: k = K_range_i64; break;
	}
	return lower_call(l, n, k, &p, 0) ? 0 : -1;
}

/* ---- Expand, Tile ---- */

static int
infer_expand(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int64_t v[IR_MAXRANK], dim[IR_MAXRANK];
	int k = shape_const_ints(n, d, 1, v, IR_MAXRANK), r;
	if (k < 0 || shape_check_movable(n, d, x) < 0)
		return -1;
	r = k > x->rank ? k : x->rank;
	for (int i = 0; i < r; i++) {
		int64_t a = i - (r - x->rank) >= 0 ? x->dim[i - (r - x->rank)] : 1;
		int64_t b = i - (r - k) >= 0 ? v[i - (r - k)] : 1;
		if (a != b && a != 1 && b != 1)
			return diag_node(d, n, "input dimension %lld does not broadcast to %lld",
				(long long)a, (long long)b);
		dim[i] = a == 1 ? b : a;
	}
	return shape_set(n, d, 0, x->dtype, r, dim);
}

static int
lower_expand(Node *n, Lower *l)
{
	const Tensor *x = n->in[0], *y = n->out[0];
	int64_t xs[IR_MAXRANK];
	int lead = y->rank - x->rank;
	ShapeBox b;
	shape_box_whole(&b, y);
	shape_strides(x, xs);
	for (int i = 0; i < y->rank; i++)
		b.is[i] = i < lead || x->dim[i - lead] == 1 ? 0 : xs[i - lead];
	return shape_lower_box(l, n, lower_buf(l, x), lower_buf(l, y), x->dtype, &b);
}

static int
infer_tile(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int64_t v[IR_MAXRANK], dim[IR_MAXRANK];
	int k = shape_const_ints(n, d, 1, v, IR_MAXRANK);
	if (k < 0 || shape_check_movable(n, d, x) < 0)
		return -1;
	if (k != x->rank)
		return diag_node(d, n, "repeats has %d values, expected %d", k, x->rank);
	for (int i = 0; i < k; i++) {
		if (v[i] < 0)
			return diag_node(d, n, "repeats[%d] is negative (%lld)", i, (long long)v[i]);
		if (mul_overflows(x->dim[i], v[i], INT32_MAX))
			return diag_node(d, n, "output dimension %d is too large", i);
		dim[i] = x->dim[i] * v[i];
	}
	return shape_set(n, d, 0, x->dtype, k, dim);
}

/* Tile as a copy over 2r dims (repeat_k, dim_k): the repeat dims read
 * with stride 0 and write whole input-sized blocks. */
static int
lower_tile(Node *n, Lower *l)
{
	const Tensor *x = n->in[0], *y = n->out[0];
	int64_t xs[IR_MAXRANK], ys[IR_MAXRANK];
	ShapeBox b;
	memset(&b, 0, sizeof b);
	shape_strides(x, xs);
	shape_strides(y, ys);
	b.rank = 2 * x->rank;
	for (int k = 0; k < x->rank; k++) {
		b.dim[2 * k] = x->dim[k] ? y->dim[k] / x->dim[k] : 0;
		b.dim[2 * k + 1] = x->dim[k];
		b.is[2 * k] = 0;
		b.is[2 * k + 1] = xs[k];
		b.os[2 * k] = x->dim[k] * ys[k];
		b.os[2 * k + 1] = ys[k];
	}
	return shape_lower_box(l, n, lower_buf(l, x), lower_buf(l, y), x->dtype, &b);
}

/* ---- DepthToSpace, SpaceToDepth ---- */

static int
d2s_check(Node *n, Diag *d, int64_t *bs)
{
	const Tensor *x = n->in[0];
	*bs = attr_i(n, "blocksize", 0);
	if (shape_check_movable(n, d, x) < 0 || check_rank(n, d, x, 4, 4) < 0)
		return -1;
	if (*bs < 1)
		return diag_node(d, n, "blocksize must be a positive integer (attribute blocksize)");
	return 0;
}

static int
infer_d2s(Node *n, Diag *d)
{
	const Tensor *x = n->in[0];
	int64_t b, dim[4];
	if (d2s_check(n, d, &b) < 0)
		return -1;
	dim[0] = x->dim[0];
	if (n->op == OP_DEPTHTOSPACE) {
		const char *m = attr_s(n, "mode", "DCR");
		if (strcmp(m, "DCR") && strcmp(m, "CRD"))
			return diag_node(d, n, "mode '%s' is not DCR or CRD", m);
		if (x->dim[1] % (b * b))
			return diag_node(d, n, "%lld channels do not divide by blocksize^2 = %lld",
				(long long)x->dim[1], (long long)(b * b));
		dim[1] = x->dim[1] / (b * b);
		dim[2] = x->dim[2] * b;
		dim[3] = x->dim[3] * b;
	} else {
		if (x->dim[2] % b || x->dim[3] % b)
			return diag_node(d, n, "spatial size %lldx%lld does not divide by blocksize %lld",
				(long long)x->dim[2], (long long)x->dim[3], (long long)b);
		dim[1] = x->dim[1] * b * b;
		dim[2] = x->dim[2] / b;
		dim[3] = x->dim[3] / b;
	}
	return shape_set(n, d, 0, x->dtype, 4, dim);
}

/* Both ops are a 6-D transpose. DepthToSpace walks the output as
 * (n, c, h, i, w, j), SpaceToDepth as (n, i, j, c, h, w), where i, j are
 * the offsets inside a block; the input strides follow the modes' reshapes. */
static int
lower_d2s(Node *n, Lower *l)
{
	const Tensor *x = n->in[0], *y = n->out[0];
	int64_t b = attr_i(n, "blocksize", 1), s[4];
	ShapeBox bx;
	memset(&bx, 0, sizeof bx);
	shape_strides(x, s);
	bx.rank = 6;
	if (n->op == OP_DEPTHTOSPACE) {
		int64_t c = y->dim[1], crd = strcmp(attr_s(n, "mode", "DCR"), "CRD") == 0;
		int64_t dim[6] = {y->dim[0], c, x->dim[2], b, x->dim[3], b};
		int64_t is[6] = {s[0], crd ? b * b * s[1] : s[1], s[2], crd ? b * s[1] : b * c * s[1],
			s[3], crd ? s[1] : c * s[1]};
		memcpy(bx.dim, dim, sizeof dim);
		memcpy(bx.is, is, sizeof is);
	} else {
		int64_t dim[6] = {x->dim[0], b, b, x->dim[1], y->dim[2], y->dim[3]};
		int64_t is[6] = {s[0], s[2], s[3], s[1], b * s[2], b * s[3]};
		memcpy(bx.dim, dim, sizeof dim);
		memcpy(bx.is, is, sizeof is);
	}
	for (int64_t k = 5, st = 1; k >= 0; k--) {
		bx.os[k] = st;
		st *= bx.dim[k];
	}
	return shape_lower_box(l, n, lower_buf(l, x), lower_buf(l, y), x->dtype, &bx);
}

/* ---- family entry points ---- */

int
misc_infer(Node *n, Diag *d)
{
	switch (n->op) {
	case OP_GATHER: return infer_gather(n, d);
	case OP_GATHERELEMENTS: case OP_SCATTERELEMENTS: case OP_SCATTER: return infer_elements(n, d);
	case OP_GATHERND: return infer_gathernd(n, d);
	case OP_SCATTERND: return infer_scatternd(n, d);
	case OP_RESIZE: case OP_UPSAMPLE: return infer_resize(n, d);
	case OP_ONEHOT: return infer_onehot(n, d);
	case OP_REVERSESEQUENCE: return infer_revseq(n, d);
	case OP_TRILU: return infer_trilu(n, d);
	case OP_CUMSUM: return infer_cumsum(n, d);
	case OP_EYELIKE: return infer_eyelike(n, d);
	case OP_CONSTANTOFSHAPE: return infer_cos(n, d);
	case OP_RANGE: return infer_range(n, d);
	case OP_EXPAND: return infer_expand(n, d);
	case OP_TILE: return infer_tile(n, d);
	case OP_DEPTHTOSPACE: case OP_SPACETODEPTH: return infer_d2s(n, d);
	default: return diag_node(d, n, "op %s is not in the misc family", n->optype);
	}
}

int
misc_lower(Node *n, Lower *l)
{
	switch (n->op) {
	case OP_GATHER: return lower_gather(n, l);
	case OP_GATHERELEMENTS: case OP_SCATTERELEMENTS: case OP_SCATTER: return lower_elements(n, l);
	case OP_GATHERND: case OP_SCATTERND: return lower_nd(n, l);
	case OP_RESIZE: case OP_UPSAMPLE: return lower_resize(n, l);
	case OP_ONEHOT: return lower_onehot(n, l);
	case OP_REVERSESEQUENCE: return lower_revseq(n, l);
	case OP_TRILU: return lower_trilu(n, l);
	case OP_CUMSUM: return lower_cumsum(n, l);
	case OP_EYELIKE: return lower_eyelike(n, l);
	case OP_CONSTANTOFSHAPE: return lower_cos(n, l);
	case OP_RANGE: return lower_range(n, l);
	case OP_EXPAND: return lower_expand(n, l);
	case OP_TILE: return lower_tile(n, l);
	case OP_DEPTHTOSPACE: case OP_SPACETODEPTH: return lower_d2s(n, l);
	default: return diag_node(l->d, n, "op %s is not in the misc family", n->optype);
	}
}
