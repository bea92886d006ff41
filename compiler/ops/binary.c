/* binary.c: the binary op family -- broadcasting arithmetic (Add Sub Mul
 * Div Pow Mod PRelu BitShift), comparisons, logic, the variadic Max Min Sum
 * Mean and the ternary Where: shape inference and lowering to the eltwise
 * kernels (runtime/kernels/eltwise.c), one call per input pair. */
#include <string.h>

#include "axrt.h"
#include "eltwise.h"

static int
binary_is_compare(const Node *n)
{
	switch (n->op) {
	case OP_EQUAL: case OP_GREATER: case OP_LESS: case OP_GREATEROREQUAL: case OP_LESSOREQUAL:
		return 1;
	default:
		return 0;
	}
}

/* The kernel of op n on operand type dt (Pow: the base's, Where: the
 * values'), or -1. */
static int
binary_kernel(const Node *n, DType dt)
{
	int f = dt == DT_F32 || dt == DT_F64, h = dt == DT_F16, shl;
	switch (n->op) {
	case OP_ADD: case OP_SUM: return h ? K_add_f16 : eltwise_num_kernel(K_add_f32, dt);
	case OP_MEAN: return f ? eltwise_num_kernel(K_add_f32, dt) : -1;
	case OP_SUB: return h ? K_sub_f16 : eltwise_num_kernel(K_sub_f32, dt);
	case OP_MUL: return h ? K_mul_f16 : eltwise_num_kernel(K_mul_f32, dt);
	case OP_DIV: return h ? K_div_f16 : eltwise_num_kernel(K_div_f32, dt);
	case OP_MAX: return h ? K_max_f16 : eltwise_num_kernel(K_max_f32, dt);
	case OP_MIN: return h ? K_min_f16 : eltwise_num_kernel(K_min_f32, dt);
	case OP_MOD: return h ? K_mod_f16 : eltwise_num_kernel(K_mod_f32, dt);
	case OP_EQUAL: return dt == DT_BOOL ? K_equal_bool : eltwise_num_kernel(K_equal_f32, dt);
	case OP_GREATER: return eltwise_num_kernel(K_greater_f32, dt);
	case OP_LESS: return eltwise_num_kernel(K_less_f32, dt);
	case OP_GREATEROREQUAL: return eltwise_num_kernel(K_greaterequal_f32, dt);
	case OP_LESSOREQUAL: return eltwise_num_kernel(K_lessequal_f32, dt);
	case OP_AND: return dt == DT_BOOL ? K_and_bool : -1;
	case OP_OR: return dt == DT_BOOL ? K_or_bool : -1;
	case OP_XOR: return dt == DT_BOOL ? K_xor_bool : -1;
	case OP_PRELU: return dt == DT_F32 ? K_prelu_f32 : dt == DT_F64 ? K_prelu_f64 : -1;
	case OP_POW:
		return dt == DT_F32 ? K_pow_f32 : dt == DT_F64 ? K_pow_f64 :
			dt == DT_I32 ? K_pow_i32 : dt == DT_I64 ? K_pow_i64 : -1;
	case OP_BITSHIFT:
		shl = !strcmp(attr_s(n, "direction", ""), "LEFT");
		return dt == DT_U8 ? (shl ? K_shl_u8 : K_shr_u8) : dt == DT_U16 ? (shl ? K_shl_u16 : K_shr_u16) :
			dt == DT_U32 ? (shl ? K_shl_u32 : K_shr_u32) : dt == DT_U64 ? (shl ? K_shl_u64 : K_shr_u64) : -1;
	case OP_WHERE:
		switch (dtype_size(dt)) {
		case 1: return K_where_8;
		case 2: return K_where_16;
		case 4: return K_where_32;
		case 8: return K_where_64;
		default: return -1;
		}
	default:
		return -1;
	}
}

/* Input 1's shape as broadcasting sees it, in *b. Before opset 7, a
 * broadcast=1 with `axis` aligns B's dims at that axis of A, and PRelu's
 * 1-D slope runs along the channel axis 1. Returns 0 or -1 after diag_node(). */
static int
binary_legacy_shape(Node *n, Diag *d, Tensor *b)
{
	const Tensor *a = n->in[0];
	int pad = 0;
	*b = *n->in[1];
	if (n->opset >= 7)
		return 0;
	if (n->op == OP_PRELU && b->rank == 1 && a->rank >= 2 && b->dim[0] == a->dim[1])
		pad = a->rank - 2;
	else if (n->nin == 2 && attr_i(n, "broadcast", 0) && attr_get(n, "axis")) {
		int64_t axis = attr_i(n, "axis", 0);
		if (axis < 0)
			axis += a->rank;
		pad = a->rank - (int)axis - b->rank;
		if (axis < 0 || pad < 0)
			return diag_node(d, n, "axis %lld does not fit input '%s' of rank %d under '%s' of rank %d",
				(long long)attr_i(n, "axis", 0), b->name, b->rank, a->name, a->rank);
	}
	for (; pad > 0 && b->rank < IR_MAXRANK; pad--)
		b->dim[b->rank++] = 1;
	return 0;
}

/* Operand types: every input of the same type except Pow's exponent (any
 * numeric type) and Where's bool condition. */
static int
binary_check_types(Node *n, Diag *d, int nin, DType *dt)
{
	int first = n->op == OP_WHERE ? 1 : 0;
	const Tensor *x = n->in[first];
	*dt = x->dtype;
	if (n->op == OP_WHERE && n->in[0]->dtype != DT_BOOL)
		return diag_node(d, n, "condition '%s' has type %s, expected bool",
			n->in[0]->name, dtype_name(n->in[0]->dtype));
	if (n->op == OP_POW && eltwise_num_kernel(K_add_f32, n->in[1]->dtype) < 0)
		return diag_node(d, n, "exponent '%s' has type %s, which this op does not support",
			n->in[1]->name, dtype_name(n->in[1]->dtype));
	for (int i = first + 1; i < nin; i++)
		if (n->op != OP_POW && n->in[i]->dtype != *dt)
			return diag_node(d, n, "input '%s' has type %s, expected %s like input '%s'",
				n->in[i]->name, dtype_name(n->in[i]->dtype), dtype_name(*dt), x->name);
	if (binary_kernel(n, *dt) < 0)
		return diag_node(d, n, "input '%s' has type %s, which this op does not support",
			x->name, dtype_name(*dt));
	return 0;
}

/* Attributes of Mod and BitShift. */
static int
binary_check_attrs(Node *n, Diag *d, DType dt)
{
	if (n->op == OP_MOD) {
		int64_t fm = attr_i(n, "fmod", 0);
		if (fm != 0 && fm != 1)
			return diag_node(d, n, "fmod is %lld, expected 0 or 1", (long long)fm);
		if (fm == 0 && dtype_is_float(dt))
			return diag_node(d, n, "fmod must be 1 for floating-point inputs");
	}
	if (n->op == OP_BITSHIFT) {
		const char *s = attr_s(n, "direction", NULL);
		if (!s || (strcmp(s, "LEFT") && strcmp(s, "RIGHT")))
			return diag_node(d, n, "direction is '%s', expected LEFT or RIGHT", s ? s : "(missing)");
	}
	return 0;
}

int
binary_infer(Node *n, Diag *d)
{
	int64_t dim[IR_MAXRANK];
	int nin = n->nin, rank;
	DType dt;
	Tensor b, *v[2], **in = n->in;

	if (binary_check_types(n, d, nin, &dt) < 0 || binary_check_attrs(n, d, dt) < 0)
		return -1;
	if (nin == 2) {
		if (binary_legacy_shape(n, d, &b) < 0)
			return -1;
		v[0] = n->in[0];
		v[1] = &b;
		in = v;
	}
	if (infer_broadcast(n, d, nin, in, dim, &rank) < 0)
		return -1;
	if (n->op == OP_PRELU && (rank != n->in[0]->rank || memcmp(dim, n->in[0]->dim, rank * sizeof *dim))) {
		char s1[64], s2[64];
		return diag_node(d, n, "slope '%s' of shape %s does not broadcast to input '%s' of shape %s",
			n->in[1]->name, tensor_shape_str(n->in[1], s1, sizeof s1),
			n->in[0]->name, tensor_shape_str(n->in[0], s2, sizeof s2));
	}
	tensor_set(n->out[0], binary_is_compare(n) ? DT_BOOL : dt, rank, dim);
	return 0;
}

/* A broadcasting walk of an output over up to three inputs: the output's
 * dims and each input's element strides per dim (0 where broadcast). */
typedef struct Walk {
	int32_t rank, dims[AXRT_MAXRANK], s[3][AXRT_MAXRANK];
} Walk;

/* Builds the walk of out over t[0..nin) (shapes aligned to the right),
 * dropping dims of 1 and merging neighbours that are contiguous for every
 * input, so equal shapes give rank 1. Returns 0, or -1 when a dim or a
 * stride does not fit int32. */
static int
binary_walk(int nin, const Tensor *const *t, const Tensor *out, Walk *w)
{
	int64_t d[IR_MAXRANK], s[3][IR_MAXRANK], str[3][IR_MAXRANK];
	int r = 0, m = 0;
	for (int i = 0; i < nin; i++) {
		int64_t acc = 1;
		for (int k = t[i]->rank - 1; k >= 0; k--) {
			str[i][k] = acc;
			acc *= t[i]->dim[k];
		}
	}
	for (int k = 0; k < out->rank; k++) {
		if (out->dim[k] == 1)
			continue;
		d[r] = out->dim[k];
		for (int i = 0; i < nin; i++) {
			int ki = k - (out->rank - t[i]->rank);
			s[i][r] = ki < 0 || t[i]->dim[ki] == 1 ? 0 : str[i][ki];
		}
		r++;
	}
	memset(w, 0, sizeof *w);
	for (int k = 0; k < r; k++) {
		int merge = m > 0;
		for (int i = 0; i < nin && merge; i++)
			merge = s[i][k] * d[k] == w->s[i][m - 1];
		if (d[k] > INT32_MAX || (m > 0 && merge && (int64_t)w->dims[m - 1] * d[k] > INT32_MAX))
			return -1;
		if (!merge)
			w->dims[m++] = 1;
		w->dims[m - 1] *= (int32_t)d[k];
		for (int i = 0; i < nin; i++)
			w->s[i][m - 1] = (int32_t)s[i][k];
	}
	if (m == 0)
		w->dims[m++] = 1;
	w->rank = m;
	return 0;
}

/* Appends y = a op b as kernel k over buffers ab[0], ab[1] -> yb with the
 * shapes of ta, tb and ty. */
static int
binary_step(Node *n, Lower *l, int k, const Tensor *ta, const Tensor *tb, const int *ab,
	const Tensor *ty, int yb)
{
	const Tensor *t[2] = {ta, tb};
	axrt_binary_params p;
	Walk w;
	if (binary_walk(2, t, ty, &w) < 0)
		return diag_node(l->d, n, "output '%s' is too large for the eltwise kernels", ty->name);
	memset(&p, 0, sizeof p);
	p.rank = w.rank;
	memcpy(p.dims, w.dims, sizeof p.dims);
	memcpy(p.sa, w.s[0], sizeof p.sa);
	memcpy(p.sb, w.s[1], sizeof p.sb);
	p.fmod = (int32_t)attr_i(n, "fmod", 0);
	p.btype = tb->dtype;
	Step *st = lower_step(l, n, k, &p, 2, ab, 1, &yb, 0);
	/* y may take the memory of an input of its own type and full shape
	 * (never a broadcast one: its elements are read more than once) */
	for (int i = 1; i >= 0; i--)
		if (t[i]->dtype == ty->dtype && tensor_same_shape(t[i], ty))
			st->inplace = i;
	return 0;
}

static int
binary_lower_where(Node *n, Lower *l)
{
	const Tensor *t[3] = {n->in[0], n->in[1], n->in[2]};
	int in[3], out = lower_buf(l, n->out[0]);
	axrt_where_params p;
	Walk w;
	if (binary_walk(3, t, n->out[0], &w) < 0)
		return diag_node(l->d, n, "output '%s' is too large for the eltwise kernels", n->out[0]->name);
	memset(&p, 0, sizeof p);
	p.rank = w.rank;
	memcpy(p.dims, w.dims, sizeof p.dims);
	memcpy(p.sc, w.s[0], sizeof p.sc);
	memcpy(p.sa, w.s[1], sizeof p.sa);
	memcpy(p.sb, w.s[2], sizeof p.sb);
	for (int i = 0; i < 3; i++)
		in[i] = lower_buf(l, n->in[i]);
	lower_step(l, n, binary_kernel(n, n->in[1]->dtype), &p, 3, in, 1, &out, 0);
	return 0;
}

/* Mean's last step: y = y / nin, with nin a new constant of y's type. */
static int
binary_lower_mean(Node *n, Lower *l, int yb)
{
	Tensor *y = n->out[0], one;
	void *v = arena_alloc(l->a, 8);
	if (y->dtype == DT_F64)
		*(double *)v = n->nin;
	else
		*(float *)v = (float)n->nin;
	memset(&one, 0, sizeof one);
	one.dtype = y->dtype;
	int ab[2] = {yb, lower_const(l, arena_printf(l->a, "%s_count", n->name), y->dtype, dtype_size(y->dtype), v)};
	return binary_step(n, l, eltwise_num_kernel(K_div_f32, y->dtype), y, &one, ab, y, yb);
}

/* Two inputs: one call. Variadic ops fold the inputs left to right into
 * the output, which after the first call has the final shape, so later
 * calls update it in place. */
int
binary_lower(Node *n, Lower *l)
{
	Tensor *y = n->out[0], b;
	int k, yb, ab[2];
	if (n->op == OP_WHERE)
		return binary_lower_where(n, l);
	if (n->nin == 1)
		return lower_view(l, n, y, n->in[0]);
	if ((k = binary_kernel(n, n->in[0]->dtype)) < 0)
		die("%s (%s): no kernel for %s; binary_infer lets it through", n->name, n->optype,
			dtype_name(n->in[0]->dtype));
	if (binary_legacy_shape(n, l->d, &b) < 0)
		return -1;
	yb = lower_buf(l, y);
	ab[0] = lower_buf(l, n->in[0]);
	ab[1] = lower_buf(l, n->in[1]);
	if (binary_step(n, l, k, n->in[0], &b, ab, y, yb) < 0)
		return -1;
	for (int i = 2; i < n->nin; i++) {
		ab[0] = yb;
		ab[1] = lower_buf(l, n->in[i]);
		if (binary_step(n, l, k, y, n->in[i], ab, y, yb) < 0)
			return -1;
	}
	if (n->op == OP_MEAN)
		return binary_lower_mean(n, l, yb);
	return 0;
}
