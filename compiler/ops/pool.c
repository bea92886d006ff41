/* pool.c: the pool op family (MaxPool, AveragePool, LpPool and their
 * global forms) -- attribute checks, shape inference and lowering to the
 * axrt pool kernels. Window geometry comes from window.h (ops/conv.c). */
#include <string.h>

#include "axrt.h"
#include "window.h"

static int
pool_is_global(const Node *n)
{
	return n->op == OP_GLOBALAVERAGEPOOL || n->op == OP_GLOBALMAXPOOL || n->op == OP_GLOBALLPPOOL;
}

/* Input type and rank: MaxPool takes float, uint8 and int8; windowed
 * pools handle 1 to 3 spatial dims, global ones any number. */
static int
pool_check_input(Node *n, Diag *d)
{
	static const DType f32[] = {DT_F32}, maxt[] = {DT_F32, DT_U8, DT_I8};
	Tensor *x = n->in[0];
	int hi = pool_is_global(n) ? IR_MAXRANK : 2 + WIN_MAXSP;
	char buf[96];

	if (n->op == OP_MAXPOOL ? check_dtype(n, d, x, maxt, 3) < 0 : check_dtype(n, d, x, f32, 1) < 0)
		return -1;
	if (x->rank < 3 || x->rank > hi)
		return diag_node(d, n, "input '%s' has rank %d, expected 3 to %d (N, C and 1 to %d spatial dims)",
			x->name, x->rank, hi, hi - 2);
	for (int i = 0; i < x->rank; i++)
		if (x->dim[i] < 1)
			return diag_node(d, n, "input '%s' has an empty dimension (shape %s)",
				x->name, tensor_shape_str(x, buf, sizeof buf));
	return 0;
}

/* LpPool's exponent p: a float attribute in opset 1, an int later. */
static int
pool_exponent(Node *n, Diag *d, float *p)
{
	const Attr *a = attr_get(n, "p");

	*p = !a ? 2.0f : a->type == AT_FLOAT ? a->f : (float)a->i;
	if (!(*p > 0.0f))
		return diag_node(d, n, "p is %g, must be positive", (double)*p);
	return 0;
}

/* The window of a MaxPool, AveragePool or LpPool node. */
static int
pool_geom(Node *n, Diag *d, Window *w)
{
	Tensor *x = n->in[0];
	int64_t ceil_mode = attr_i(n, "ceil_mode", 0), order = attr_i(n, "storage_order", 0);

	memset(w, 0, sizeof *w);
	w->nsp = x->rank - 2;
	for (int i = 0; i < w->nsp; i++)
		w->in[i] = x->dim[2 + i];
	if (!attr_get(n, "kernel_shape"))
		return diag_node(d, n, "kernel_shape is required");
	if (window_ints(n, d, "kernel_shape", w->nsp, 1, 1, w->k) < 0 || window_attrs(n, d, w) < 0)
		return -1;
	if (ceil_mode != 0 && ceil_mode != 1)
		return diag_node(d, n, "ceil_mode is %lld, expected 0 or 1", (long long)ceil_mode);
	if (order != 0 && order != 1)
		return diag_node(d, n, "storage_order is %lld, expected 0 or 1", (long long)order);
	return window_infer(n, d, w, (int)ceil_mode);
}

int
pool_infer(Node *n, Diag *d)
{
	Tensor *x = n->in[0];
	int64_t dim[IR_MAXRANK];
	Window w;
	float p;

	if (pool_check_input(n, d) < 0)
		return -1;
	if ((n->op == OP_LPPOOL || n->op == OP_GLOBALLPPOOL) && pool_exponent(n, d, &p) < 0)
		return -1;
	memcpy(dim, x->dim, sizeof dim);
	if (pool_is_global(n))
		for (int i = 2; i < x->rank; i++)
			dim[i] = 1;
	else {
		if (pool_geom(n, d, &w) < 0)
			return -1;
		for (int i = 0; i < w.nsp; i++)
			dim[2 + i] = w.out[i];
	}
	if (n->nout > (n->op == OP_MAXPOOL ? 2 : 1))
		return diag_node(d, n, "has %d outputs, expected %s", n->nout,
			n->op == OP_MAXPOOL ? "1 or 2" : "1");
	tensor_set(n->out[0], x->dtype, x->rank, dim);
	if (n->nout > 1 && n->out[1])
		tensor_set(n->out[1], DT_I64, x->rank, dim);
	return window_check_size(n, d, x);
}

static int
pool_lower_global(Node *n, Lower *l)
{
	Tensor *x = n->in[0];
	axrt_gpool_params g;
	int in = lower_buf(l, x), out = lower_buf(l, n->out[0]);
	KernelId k = n->op == OP_GLOBALMAXPOOL ? K_globalmaxpool_f32
		: n->op == OP_GLOBALLPPOOL ? K_globallppool_f32 : K_globalavgpool_f32;

	memset(&g, 0, sizeof g);
	g.planes = (int32_t)(x->dim[0] * x->dim[1]);
	g.size = (int32_t)(tensor_numel(x) / (x->dim[0] * x->dim[1]));
	g.p = 2.0f;
	if (n->op == OP_GLOBALLPPOOL && pool_exponent(n, l->d, &g.p) < 0)
		return -1;
	lower_step(l, n, k, &g, 1, &in, 1, &out, 0);
	return 0;
}

/* The kernel of a windowed pool node for its op and element type. */
static KernelId
pool_kernel(const Node *n)
{
	if (n->op == OP_AVERAGEPOOL)
		return K_avgpool_f32;
	if (n->op == OP_LPPOOL)
		return K_lppool_f32;
	return n->in[0]->dtype == DT_U8 ? K_maxpool_u8 : n->in[0]->dtype == DT_I8 ? K_maxpool_i8 : K_maxpool_f32;
}

/* How many elements before its input the output of a pooling step may
 * start, so that writing output element o (the kernel writes them in order,
 * plane by plane, each after reading its window) never overwrites an input
 * element that a later output still reads; -1 if the output is larger than
 * the input. Later planes read only their own, higher, input plane. */
static int64_t
pool_overlap_lead(const axrt_pool_params *p)
{
	int64_t isz = (int64_t)p->in[0] * p->in[1] * p->in[2];
	int64_t osz = (int64_t)p->out[0] * p->out[1] * p->out[2], lead = 0, suff = isz;
	if (osz > isz)
		return -1;
	for (int64_t o = osz - 1; o >= 0; o--) {
		/* o writes at o - lead; later outputs read at suff or beyond */
		if (o - suff + 1 > lead)
			lead = o - suff + 1;
		int64_t q[3] = {o / (p->out[1] * p->out[2]), o / p->out[2] % p->out[1], o % p->out[2]};
		int64_t first = 0, stride = isz;
		for (int d = 0; d < 3; d++) {
			int64_t t = q[d] * p->stride[d] - p->pad[d];
			if (t < 0)
				t += (-t + p->dil[d] - 1) / p->dil[d] * p->dil[d];
			stride /= p->in[d];
			if (t >= p->in[d] || t > q[d] * p->stride[d] - p->pad[d] + (int64_t)(p->k[d] - 1) * p->dil[d]) {
				first = isz;   /* the window reads nothing */
				break;
			}
			first += t * stride;
		}
		if (first < suff)
			suff = first;
	}
	return lead;
}

int
pool_lower(Node *n, Lower *l)
{
	Tensor *x = n->in[0];
	axrt_pool_params p;
	Window w;
	int in, out[2];

	if (pool_is_global(n))
		return pool_lower_global(n, l);
	if (pool_geom(n, l->d, &w) < 0)
		return -1;
	memset(&p, 0, sizeof p);
	p.planes = (int32_t)(x->dim[0] * x->dim[1]);
	window_fill3(w.in, w.nsp, 1, p.in);
	window_fill3(w.out, w.nsp, 1, p.out);
	window_fill3(w.k, w.nsp, 1, p.k);
	window_fill3(w.stride, w.nsp, 1, p.stride);
	window_fill3(w.dil, w.nsp, 1, p.dil);
	window_fill3(w.pad, w.nsp, 0, p.pad);
	window_fill3(w.pad_end, w.nsp, 0, p.pad_end);
	p.count_include_pad = n->op == OP_AVERAGEPOOL && attr_i(n, "count_include_pad", 0) != 0;
	p.storage_order = (int32_t)attr_i(n, "storage_order", 0);
	p.p = 2.0f;
	if (n->op == OP_LPPOOL && pool_exponent(n, l->d, &p.p) < 0)
		return -1;
	in = lower_buf(l, x);
	out[0] = lower_buf(l, n->out[0]);
	out[1] = n->nout > 1 ? lower_buf(l, n->out[1]) : -1;   /* max kernels read out[1] */
	Step *st = lower_step(l, n, pool_kernel(n), &p, 1, &in, 2, out, 0);
	int64_t lead = pool_overlap_lead(&p);
	if (out[1] < 0 && lead >= 0 && x->dtype == n->out[0]->dtype) {
		st->overlap = 0;
		st->lead = (size_t)lead * dtype_size(x->dtype);
	}
	return 0;
}
