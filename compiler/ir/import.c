/* import.c: ONNX ModelProto (protobuf-c) -> Graph. Model files are untrusted:
 * every count, size, dimension and name is checked, and problems are
 * reported through Diag with the node they belong to. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "onnx.pb-c.h"

#define MAX_NUMEL ((int64_t)1 << 31)   /* element count limit of one tensor */

typedef struct Imp {
	Graph *g;
	Diag *d;
	const ImportOpts *o;
	char *dir;             /* model's folder, for external data */
	int nnoted;            /* symbolic dims defaulted to 1 */
	int depth;             /* subgraph nesting */
} Imp;

#define MAX_DEPTH 16           /* subgraph nesting limit */

static int import_subgraph(Imp *im, Node *n, Attr *a, const Onnx__GraphProto *gp);

/* Lexical scoping: a subgraph may name tensors of the graphs enclosing it. */
static Tensor *
scope_find(const Graph *g, const char *name)
{
	for (; g; g = g->parent) {
		Tensor *t = graph_find(g, name);
		if (t)
			return t;
	}
	return NULL;
}

static Tensor *
scope_tensor(Graph *g, const char *name)
{
	Tensor *t = scope_find(g, name);
	return t ? t : graph_tensor(g, name);
}

static int
read_file(const char *path, uint8_t **buf, size_t *len, Diag *d)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return diag_error(d, "cannot open: %s", strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0) {
		fclose(f);
		return diag_error(d, "cannot seek: %s", strerror(errno));
	}
	long n = ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return diag_error(d, "cannot read: %s", strerror(errno));
	}
	*buf = xmalloc((size_t)n + 1);
	*len = fread(*buf, 1, (size_t)n, f);
	fclose(f);
	if (*len != (size_t)n) {
		free(*buf);
		return diag_error(d, "short read");
	}
	return 0;
}

static int
dtype_supported(int32_t dt)
{
	return dt > 0 && dt < DT_MAX && dtype_size((DType)dt) > 0;

}

/* external data: path relative to the model's folder, never escaping it */
static int
read_external(Imp *im, const Onnx__TensorProto *tp, size_t want, void *dst, const char *what)
{
	const char *loc = NULL;
	long long off = 0, len = -1;
	for (size_t i = 0; i < tp->n_external_data; i++) {
		const Onnx__StringStringEntryProto *e = tp->external_data[i];
		if (!e->key || !e->value)
			continue;
		if (!strcmp(e->key, "location"))
			loc = e->value;
		else if (!strcmp(e->key, "offset"))
			off = strtoll(e->value, NULL, 10);
		else if (!strcmp(e->key, "length"))
			len = strtoll(e->value, NULL, 10);
	}
	if (!loc || !*loc)
		return diag_error(im->d, "%s: external data has no location", what);
	if (loc[0] == '/' || strstr(loc, "..") || strchr(loc, '\\'))
		return diag_error(im->d, "%s: external data location '%s' escapes the model's folder", what, loc);
	if (off < 0 || (len >= 0 && (size_t)len != want))
		return diag_error(im->d, "%s: external data offset/length (%lld/%lld) do not match %zu bytes",
			what, off, len, want);
	char *path = arena_printf(im->g->arena, "%s/%s", im->dir, loc);
	FILE *f = fopen(path, "rb");
	if (!f)
		return diag_error(im->d, "%s: cannot open external data '%s': %s", what, loc, strerror(errno));
	int ok = fseek(f, (long)off, SEEK_SET) == 0 && fread(dst, 1, want, f) == want;
	fclose(f);
	if (!ok)
		return diag_error(im->d, "%s: external data '%s' is shorter than %zu bytes at offset %lld",
			what, loc, want, off);
	return 0;
}

/* Copies the typed repeated field of tp into dst (n elements of dt). */
static int
decode_typed(Imp *im, const Onnx__TensorProto *tp, DType dt, int64_t n, void *dst, const char *what)
{
	size_t have;
	switch (dt) {
	case DT_F32: have = tp->n_float_data; break;
	case DT_F64: have = tp->n_double_data; break;
	case DT_I64: have = tp->n_int64_data; break;
	case DT_U32: case DT_U64: have = tp->n_uint64_data; break;
	default: have = tp->n_int32_data; break;
	}
	if ((int64_t)have != n)
		return diag_error(im->d, "%s: has %zu values, its shape needs %lld", what, have, (long long)n);
	for (int64_t i = 0; i < n; i++) {
		switch (dt) {
		case DT_F32: ((float *)dst)[i] = tp->float_data[i]; break;
		case DT_F64: ((double *)dst)[i] = tp->double_data[i]; break;
		case DT_I64: ((int64_t *)dst)[i] = tp->int64_data[i]; break;
		case DT_U32: ((uint32_t *)dst)[i] = (uint32_t)tp->uint64_data[i]; break;
		case DT_U64: ((uint64_t *)dst)[i] = tp->uint64_data[i]; break;
		case DT_I32: ((int32_t *)dst)[i] = tp->int32_data[i]; break;
		case DT_I16: ((int16_t *)dst)[i] = (int16_t)tp->int32_data[i]; break;
		case DT_U16: case DT_F16: case DT_BF16:
			((uint16_t *)dst)[i] = (uint16_t)tp->int32_data[i]; break;
		case DT_I8: ((int8_t *)dst)[i] = (int8_t)tp->int32_data[i]; break;
		case DT_U8: ((uint8_t *)dst)[i] = (uint8_t)tp->int32_data[i]; break;
		case DT_BOOL: ((uint8_t *)dst)[i] = tp->int32_data[i] != 0; break;
		default: return diag_error(im->d, "%s: unsupported element type", what);
		}
	}
	return 0;
}

/* TensorProto -> constant tensor t (dtype, shape, init). what names it in errors. */
static int
decode_tensor(Imp *im, const Onnx__TensorProto *tp, Tensor *t, const char *what)
{
	int32_t dt = tp->has_data_type ? tp->data_type : 0;
	if (!dtype_supported(dt))
		return diag_error(im->d, "%s: unknown element type %d", what, (int)dt);
	if (tp->n_dims > IR_MAXRANK)
		return diag_error(im->d, "%s: rank %zu exceeds the limit of %d", what, tp->n_dims, IR_MAXRANK);
	int64_t n = 1;
	for (size_t i = 0; i < tp->n_dims; i++) {
		if (tp->dims[i] < 0)
			return diag_error(im->d, "%s: dimension %zu is negative (%lld)", what, i, (long long)tp->dims[i]);
		if (mul_overflows(n, tp->dims[i], MAX_NUMEL))
			return diag_error(im->d, "%s: more than %lld elements", what, (long long)MAX_NUMEL);
		n *= tp->dims[i];
		t->dim[i] = tp->dims[i];
	}
	t->rank = (int)tp->n_dims;
	t->dtype = (DType)dt;
	size_t bytes = (size_t)n * dtype_size(t->dtype);
	t->init = arena_alloc(im->g->arena, bytes);
	if (t->dtype == DT_STRING) {
		/* fixed-size elements (runtime/include/axrt_string.h) */
		if (tp->n_string_data != (size_t)n)
			return diag_error(im->d, "%s: has %zu strings, its shape needs %lld", what,
				tp->n_string_data, (long long)n);
		for (int64_t i = 0; i < n; i++) {
			if (tp->string_data[i].len >= dtype_size(DT_STRING) ||
			    (tp->string_data[i].len && memchr(tp->string_data[i].data, 0, tp->string_data[i].len)))
				return diag_error(im->d, "%s: string %lld is longer than %zu bytes or holds a NUL "
					"(axcc strings are fixed-size)", what, (long long)i, dtype_size(DT_STRING) - 1);
			if (tp->string_data[i].len)
				memcpy((char *)t->init + i * dtype_size(DT_STRING), tp->string_data[i].data,
					tp->string_data[i].len);
		}
		return 0;
	}
	if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		return read_external(im, tp, bytes, t->init, what);
	if (tp->has_raw_data) {
		if (tp->raw_data.len != bytes) {
			char sh[128];
			return diag_error(im->d, "%s: raw_data has %zu bytes, but %s[%s] needs %zu",
				what, tp->raw_data.len, dtype_name(t->dtype), tensor_shape_str(t, sh, sizeof sh), bytes);
		}
		if (bytes)
			memcpy(t->init, tp->raw_data.data, bytes);
		if (t->dtype == DT_BOOL)
			for (size_t i = 0; i < bytes; i++)
				((uint8_t *)t->init)[i] = ((uint8_t *)t->init)[i] != 0;
		return 0;
	}
	return decode_typed(im, tp, t->dtype, n, t->init, what);
}

static int
import_attr(Imp *im, Node *n, Attr *a, const Onnx__AttributeProto *ap)
{
	Arena *ar = im->g->arena;
	a->name = arena_strdup(ar, ap->name ? ap->name : "");
	a->type = ap->has_type ? (AttrType)ap->type : AT_UNDEF;
	switch (a->type) {
	case AT_FLOAT: a->f = ap->f; break;
	case AT_INT: a->i = ap->i; break;
	case AT_STRING:
		a->s = arena_strndup(ar, (const char *)ap->s.data, ap->s.len);
		a->slen = ap->s.len;
		break;
	case AT_FLOATS:
		a->n = (int)ap->n_floats;
		a->floats = arena_memdup(ar, ap->floats, ap->n_floats * sizeof(float));
		break;
	case AT_INTS:
		a->n = (int)ap->n_ints;
		a->ints = arena_memdup(ar, ap->ints, ap->n_ints * sizeof(int64_t));
		break;
	case AT_STRINGS: {
		a->n = (int)ap->n_strings;
		const char **v = arena_alloc(ar, (ap->n_strings + 1) * sizeof *v);
		for (size_t i = 0; i < ap->n_strings; i++)
			v[i] = arena_strndup(ar, (const char *)ap->strings[i].data, ap->strings[i].len);
		a->strings = v;
		break;
	}
	case AT_TENSOR: {
		if (!ap->t)
			return diag_node(im->d, n, "attribute '%s' has no tensor", a->name);
		a->t = arena_alloc(ar, sizeof *a->t);
		a->t->name = a->name;
		a->t->id = -1;
		a->t->buf = -1;
		char *what = arena_printf(ar, "node '%s' (%s): attribute '%s'", n->name, n->optype, a->name);
		if (decode_tensor(im, ap->t, a->t, what) < 0)
			return -1;
		break;
	}
	case AT_GRAPH:
		if (!ap->g)
			return diag_node(im->d, n, "attribute '%s' has no graph", a->name);
		return import_subgraph(im, n, a, ap->g);
	default:
		break;   /* sparse tensors, type protos: ops using them are unsupported */
	}
	return 0;
}

/* A Constant node becomes a constant tensor; it never reaches the passes. */
static int
import_constant(Imp *im, Node *n, Tensor *out)
{
	const Attr *a = n->nattr == 1 ? &n->attr[0] : NULL;
	if (!a)
		return diag_node(im->d, n, "needs exactly one value attribute, has %d", n->nattr);
	Arena *ar = im->g->arena;
	int64_t cnt;
	if (!strcmp(a->name, "value") && a->type == AT_TENSOR) {
		out->dtype = a->t->dtype;
		out->rank = a->t->rank;
		memcpy(out->dim, a->t->dim, sizeof out->dim);
		out->init = a->t->init;
	} else if (!strcmp(a->name, "value_float") && a->type == AT_FLOAT) {
		tensor_set(out, DT_F32, 0, NULL);
		out->init = arena_memdup(ar, &a->f, sizeof a->f);
	} else if (!strcmp(a->name, "value_int") && a->type == AT_INT) {
		tensor_set(out, DT_I64, 0, NULL);
		out->init = arena_memdup(ar, &a->i, sizeof a->i);
	} else if (!strcmp(a->name, "value_floats") && a->type == AT_FLOATS) {
		cnt = a->n;
		tensor_set(out, DT_F32, 1, &cnt);
		out->init = arena_memdup(ar, a->floats, cnt * sizeof(float));
	} else if (!strcmp(a->name, "value_ints") && a->type == AT_INTS) {
		cnt = a->n;
		tensor_set(out, DT_I64, 1, &cnt);
		out->init = arena_memdup(ar, a->ints, cnt * sizeof(int64_t));
	} else {
		return diag_node(im->d, n, "attribute '%s' is not supported (string or sparse constants)", a->name);
	}
	return 0;
}

static int
bind_dim(Imp *im, const Onnx__TensorShapeProto__Dimension *dm, const char *input, int64_t *out, int *sym)
{
	if (dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
		if (dm->dim_value < 0 || dm->dim_value > MAX_NUMEL)
			return diag_error(im->d, "input '%s': dimension %lld is out of range",
				input, (long long)dm->dim_value);
		*out = dm->dim_value;
		return 0;
	}
	const char *name = dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
		? dm->dim_param : "";
	for (int i = 0; i < im->o->ndims; i++)
		if (!strcmp(im->o->dims[i].name, name)) {
			*out = im->o->dims[i].value;
			return 0;
		}
	*out = 1;
	if (sym)
		*sym = 1;
	if (!im->o->quiet)
		diag_note(im->d, "input '%s': symbolic dimension '%s' set to 1 (use --dim %s=VALUE)",
			input, *name ? name : "?", *name ? name : "NAME");
	return 0;
}

static int
import_input(Imp *im, const Onnx__ValueInfoProto *vi)
{
	Graph *g = im->g;
	if (!vi->name || !*vi->name)
		return diag_error(im->d, "a graph input has no name");
	Tensor *t = graph_tensor(g, vi->name);
	if (t->init)
		return 0;   /* an initializer listed as input: a constant */
	const Onnx__TypeProto *tp = vi->type;
	int vk = 0;
	for (int k = 0; tp && k < 2; k++)   /* optional(sequence(tensor)) at most */
		if (tp->value_case == ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE && tp->optional_type && !(vk & VK_OPT))
			vk |= VK_OPT, tp = tp->optional_type->elem_type;
		else if (tp->value_case == ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE && tp->sequence_type && !(vk & VK_SEQ))
			vk |= VK_SEQ, tp = tp->sequence_type->elem_type;
	if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
		return diag_error(im->d, "input '%s' is not a tensor, a sequence of tensors or an optional "
			"(maps are not supported)", vi->name);
	if (vk) {
		/* its tensors and their shapes come when it is bound to data (verify) */
		int32_t et = tp->tensor_type->has_elem_type ? tp->tensor_type->elem_type : 0;
		if (!dtype_supported(et))
			return diag_error(im->d, "input '%s' has unsupported element type %d", vi->name, (int)et);
		if (t->is_input)
			return diag_error(im->d, "input '%s' is listed twice", vi->name);
		t->dtype = (DType)et;
		t->rank = 0;
		t->vkind = vk;
		t->nseq = -1;
		t->is_input = 1;
		g->input[g->ninput++] = t;
		return 0;
	}
	const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
	int32_t dt = tt->has_elem_type ? tt->elem_type : 0;
	if (!dtype_supported(dt))
		return diag_error(im->d, "input '%s' has unsupported element type %d", vi->name, (int)dt);
	if (!tt->shape)
		return diag_error(im->d, "input '%s' has no shape; axcc needs static input shapes", vi->name);
	if (tt->shape->n_dim > IR_MAXRANK)
		return diag_error(im->d, "input '%s' has rank %zu, more than %d", vi->name, tt->shape->n_dim, IR_MAXRANK);
	t->dtype = (DType)dt;
	t->rank = (int)tt->shape->n_dim;
	int64_t n = 1;
	for (int i = 0; i < t->rank; i++) {
		int sym = 0;
		if (bind_dim(im, tt->shape->dim[i], vi->name, &t->dim[i], &sym) < 0)
			return -1;
		t->symdims |= (unsigned)sym << i;
		if (mul_overflows(n, t->dim[i], MAX_NUMEL))
			return diag_error(im->d, "input '%s' has more than %lld elements", vi->name, (long long)MAX_NUMEL);
		n *= t->dim[i];
	}
	if (t->is_input)
		return diag_error(im->d, "input '%s' is listed twice", vi->name);
	t->is_input = 1;
	g->input[g->ninput++] = t;
	return 0;
}

static int
import_node(Imp *im, const Onnx__NodeProto *np, int idx)
{
	Graph *g = im->g;
	const char *op = np->op_type ? np->op_type : "";
	char *name = np->name && *np->name ? np->name : NULL;
	if (np->n_input > NODE_MAXIO || np->n_output > NODE_MAXIO)
		return diag_error(im->d, "node %d has too many inputs or outputs", idx);
	Node *n = graph_add_node(g, *op ? op : "?", name, (int)np->n_input, (int)np->n_output);
	if (!name)
		n->name = arena_printf(g->arena, "%s_%d", *op ? op : "node", idx);
	n->domain = arena_strdup(g->arena, np->domain ? np->domain : "");
	if (!*op)
		return diag_node(im->d, n, "has no op_type");
	n->nattr = (int)np->n_attribute;
	n->attr = arena_alloc(g->arena, (np->n_attribute + 1) * sizeof *n->attr);
	for (size_t i = 0; i < np->n_attribute; i++)
		if (import_attr(im, n, &n->attr[i], np->attribute[i]) < 0)
			return -1;
	for (size_t i = 0; i < np->n_input; i++)
		n->in[i] = np->input[i] && *np->input[i] ? scope_tensor(g, np->input[i]) : NULL;
	for (size_t i = 0; i < np->n_output; i++) {
		if (!np->output[i] || !*np->output[i])
			continue;
		Tensor *t = graph_tensor(g, np->output[i]);
		if (t->def || t->init || t->is_input)
			return diag_node(im->d, n, "output '%s' is already defined elsewhere", t->name);
		n->out[i] = t;
		t->def = n;
	}
	if (!strcmp(op, "Constant") && (!*n->domain || !strcmp(n->domain, "ai.onnx"))) {
		if (np->n_output != 1 || !n->out[0])
			return diag_node(im->d, n, "must have exactly one output");
		n->out[0]->def = NULL;
		n->dead = 1;
		return import_constant(im, n, n->out[0]);
	}
	return 0;
}

static int
import_opsets(Imp *im, const Onnx__ModelProto *m)
{
	Graph *g = im->g;
	g->opset = 0;
	for (size_t i = 0; i < m->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *os = m->opset_import[i];
		const char *dom = os->domain ? os->domain : "";
		if (!*dom || !strcmp(dom, "ai.onnx"))
			g->opset = (int)os->version;
	}
	if (g->opset == 0) {
		if (m->n_opset_import == 0 && m->has_ir_version && m->ir_version <= 2)
			g->opset = 1;
		return 0;   /* 0: default-domain nodes are refused by passes/infer.c */
	}
	if (g->opset > 18)
		diag_warn(im->d, "opset %d is newer than axcc knows (18); ops are read with opset-18 rules", g->opset);
	return 0;
}

static int
import_graph(Imp *im, const Onnx__GraphProto *gp)
{
	Graph *g = im->g;
	int nerr = im->d->nerr;
	g->name = arena_strdup(g->arena, gp->name ? gp->name : "");
	for (size_t i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *tp = gp->initializer[i];
		if (!tp->name || !*tp->name) {
			diag_error(im->d, "initializer %zu has no name", i);
			continue;
		}
		Tensor *t = graph_tensor(g, tp->name);
		if (t->init) {
			diag_error(im->d, "initializer '%s' is defined twice", tp->name);
			continue;
		}
		char *what = arena_printf(g->arena, "initializer '%s'", tp->name);
		decode_tensor(im, tp, t, what);
	}
	if (gp->n_sparse_initializer)
		diag_error(im->d, "sparse initializers are not supported");
	g->input = arena_alloc(g->arena, (gp->n_input + 1) * sizeof *g->input);
	for (size_t i = 0; i < gp->n_input; i++)
		import_input(im, gp->input[i]);
	if (im->d->nerr > nerr)
		return -1;
	for (size_t i = 0; i < gp->n_node; i++)
		if (import_node(im, gp->node[i], (int)i) < 0)
			break;
	if (im->d->nerr > nerr)
		return -1;
	graph_compact(g);   /* Constant nodes are gone */
	g->output = arena_alloc(g->arena, (gp->n_output + 1) * sizeof *g->output);
	for (size_t i = 0; i < gp->n_output; i++) {
		const char *nm = gp->output[i]->name;
		Tensor *t = nm && *nm ? graph_find(g, nm) : NULL;
		if (!t || (!t->def && !t->init && !t->is_input)) {
			diag_error(im->d, "graph output '%s' is not produced by any node", nm ? nm : "");
			continue;
		}
		t->is_output = 1;
		g->output[g->noutput++] = t;
	}
	if (g->noutput == 0 && im->d->nerr == nerr)
		diag_error(im->d, "the graph has no outputs");
	if (im->d->nerr > nerr)
		return -1;
	return graph_toposort(g, im->d);
}

/* A subgraph's inputs are bound by its op (passes/inline.c): their shapes
 * may be missing or symbolic, so only the element type is kept. */
static int
import_sub_input(Imp *im, Node *n, const Onnx__ValueInfoProto *vi)
{
	Graph *g = im->g;
	if (!vi->name || !*vi->name)
		return diag_node(im->d, n, "a subgraph input has no name");
	Tensor *t = graph_tensor(g, vi->name);
	if (t->is_input || t->init)
		return diag_node(im->d, n, "subgraph input '%s' is defined twice", vi->name);
	const Onnx__TypeProto *tp = vi->type;
	if (tp && tp->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE && tp->tensor_type &&
	    tp->tensor_type->has_elem_type && dtype_supported(tp->tensor_type->elem_type))
		t->dtype = (DType)tp->tensor_type->elem_type;
	else if (tp && tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE &&
			tp->value_case != ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE &&
			tp->value_case != ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE)
		return diag_node(im->d, n, "subgraph input '%s' is not a tensor, sequence or optional", vi->name);
	t->is_input = 1;
	g->input[g->ninput++] = t;
	return 0;
}

static int
import_sub_body(Imp *im, Node *n, const Onnx__GraphProto *gp)
{
	Graph *g = im->g;
	int nerr = im->d->nerr;
	g->name = arena_strdup(g->arena, gp->name ? gp->name : "");
	for (size_t i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *tp = gp->initializer[i];
		if (!tp->name || !*tp->name)
			return diag_node(im->d, n, "a subgraph initializer has no name");
		Tensor *t = graph_tensor(g, tp->name);
		if (t->init)
			return diag_node(im->d, n, "subgraph initializer '%s' is defined twice", tp->name);
		char *what = arena_printf(g->arena, "node '%s' (%s): initializer '%s'", n->name, n->optype, tp->name);
		if (decode_tensor(im, tp, t, what) < 0)
			return -1;
	}
	if (gp->n_sparse_initializer)
		return diag_node(im->d, n, "sparse initializers are not supported");
	g->input = arena_alloc(g->arena, (gp->n_input + 1) * sizeof *g->input);
	for (size_t i = 0; i < gp->n_input; i++)
		if (import_sub_input(im, n, gp->input[i]) < 0)
			return -1;
	for (size_t i = 0; i < gp->n_node; i++)
		if (import_node(im, gp->node[i], (int)i) < 0)
			return -1;
	graph_compact(g);
	g->output = arena_alloc(g->arena, (gp->n_output + 1) * sizeof *g->output);
	for (size_t i = 0; i < gp->n_output; i++) {
		const char *nm = gp->output[i]->name;
		Tensor *t = nm && *nm ? scope_find(g, nm) : NULL;
		if (!t || (!t->def && !t->init && !t->is_input))
			return diag_node(im->d, n, "subgraph output '%s' is not produced by any node", nm ? nm : "");
		g->output[g->noutput++] = t;
	}
	if (graph_toposort(g, im->d) < 0 || im->d->nerr > nerr)
		return -1;
	return 0;
}

/* An If/Loop/Scan body: a Graph in the parent's arena whose nodes may use
 * the enclosing graphs' tensors by name. */
static int
import_subgraph(Imp *im, Node *n, Attr *a, const Onnx__GraphProto *gp)
{
	if (im->depth >= MAX_DEPTH)
		return diag_node(im->d, n, "subgraphs are nested more than %d deep", MAX_DEPTH);
	Graph *outer = im->g;
	a->g = graph_new_sub(outer);
	im->g = a->g;
	im->depth++;
	int rc = import_sub_body(im, n, gp);
	im->depth--;
	im->g = outer;
	return rc;
}

Graph *
onnx_import_mem(const char *path, const uint8_t *buf, size_t len, const ImportOpts *o, Diag *d)
{
	static const ImportOpts none;
	Imp im = {.d = d, .o = o ? o : &none};
	if (len == 0) {
		diag_error(d, "the file is empty");
		return NULL;
	}
	Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
	if (!m) {
		diag_error(d, "not a valid ONNX model (protobuf parse failed: truncated or not a ModelProto)");
		return NULL;
	}
	if (!m->graph) {
		diag_error(d, "the model has no graph");
		onnx__model_proto__free_unpacked(m, NULL);
		return NULL;
	}
	im.g = graph_new(path);
	const char *slash = path ? strrchr(path, '/') : NULL;
	im.dir = slash ? arena_strndup(im.g->arena, path, (size_t)(slash - path)) : arena_strdup(im.g->arena, ".");
	int rc = import_opsets(&im, m);
	if (rc == 0)
		rc = import_graph(&im, m->graph);
	onnx__model_proto__free_unpacked(m, NULL);
	if (rc < 0 || d->nerr) {
		graph_free(im.g);
		return NULL;
	}
	return im.g;
}

Graph *
onnx_import(const char *path, const ImportOpts *o, Diag *d)
{
	uint8_t *buf;
	size_t len;
	if (read_file(path, &buf, &len, d) < 0)
		return NULL;
	Graph *g = onnx_import_mem(path, buf, len, o, d);
	free(buf);
	return g;
}

static int
tensorproto_decode(const char *path, const uint8_t *buf, size_t len, Arena *a, Tensor *t, Diag *d)
{
	Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, buf);
	if (!tp)
		return diag_error(d, "not a valid TensorProto file");
	/* decode into a scratch graph's arena, then copy into a */
	Graph *g = graph_new(path);
	Imp im = {.g = g, .d = d};
	const char *slash = strrchr(path, '/');
	im.dir = slash ? arena_strndup(g->arena, path, (size_t)(slash - path)) : ".";
	Tensor tmp;
	memset(&tmp, 0, sizeof tmp);
	int rc = decode_tensor(&im, tp, &tmp, "tensor");
	if (rc == 0) {
		*t = tmp;
		t->name = arena_strdup(a, tp->name && *tp->name ? tp->name : path);
		t->init = arena_memdup(a, tmp.init, tensor_bytes(&tmp) ? tensor_bytes(&tmp) : 1);
		t->def = NULL;
		t->id = -1;
		t->buf = -1;
	}
	onnx__tensor_proto__free_unpacked(tp, NULL);
	graph_free(g);
	return rc;
}

/* Protobuf wire format, enough to walk SequenceProto and OptionalProto
 * (onnx-data.proto, which the build does not compile): both are
 * 1 name, 2 elem_type, 3 tensor value(s), 4 sparse, 5 sequence(s), 6 map(s),
 * 7 optional(s). */
static int
wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int sh = 0; sh < 64 && *p < end; sh += 7) {
		uint8_t b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/* Whether buf looks like a SequenceProto/OptionalProto rather than a
 * TensorProto: only fields 1 (bytes), 2 (varint), 3, 5, 7 (bytes); an
 * elem_type; and tensors or sequences when field 7 (TensorProto's
 * int64_data) appears. A TensorProto always has its name or data in
 * fields above 7 or dims in field 1 as varints. */
static int
is_value_proto(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	int has[8] = {0};
	while (p < end) {
		uint64_t key, v;
		if (wire_varint(&p, end, &key) < 0)
			return 0;
		int f = (int)(key >> 3), w = (int)(key & 7);
		if (f < 1 || f > 7 || f == 4 || f == 6)
			return 0;
		if (f == 2 ? w != 0 : w != 2)
			return 0;
		if (wire_varint(&p, end, &v) < 0)
			return 0;
		if (w == 2) {
			if (v > (uint64_t)(end - p))
				return 0;
			p += v;
		}
		has[f] = 1;
	}
	return has[2] && (!has[7] || has[3] || has[5]);
}

/* t becomes a value: elem_type 1 (tensor) 3 (sequence) 5 (optional), items
 * in t->seq (vkind VK_SEQ for a sequence, VK_OPT for an optional). */
static int
valueproto_decode(const char *path, const uint8_t *buf, size_t len, Arena *a, Tensor *t, Diag *d,
		int opt, int depth)
{
	const uint8_t *p = buf, *end = buf + len;
	int cap = 8;
	memset(t, 0, sizeof *t);
	t->id = t->buf = -1;
	t->vkind = opt ? VK_OPT : VK_SEQ;
	t->seq = arena_alloc(a, (size_t)cap * sizeof *t->seq);
	t->name = arena_strdup(a, path);
	if (depth > 4)
		return diag_error(d, "values nested too deeply");
	while (p < end) {
		uint64_t key, v;
		if (wire_varint(&p, end, &key) < 0 || wire_varint(&p, end, &v) < 0)
			return diag_error(d, "not a valid SequenceProto or OptionalProto");
		int f = (int)(key >> 3);
		if ((key & 7) == 0) {
			if (f == 2 && v != 0 && v != 1 && v != 3 && v != 5)
				return diag_error(d, "element type %d (sparse tensors and maps are not supported)", (int)v);
			continue;
		}
		const uint8_t *q = p;
		p += v;
		if (f == 1) {
			t->name = arena_strndup(a, (const char *)q, (size_t)v);
			continue;
		}
		if (t->nseq == cap) {
			Tensor **n2 = arena_alloc(a, (size_t)cap * 2 * sizeof *n2);
			memcpy(n2, t->seq, (size_t)cap * sizeof *n2);
			t->seq = n2;
			cap *= 2;
		}
		Tensor *e = arena_alloc(a, sizeof *e);
		int rc = f == 3 ? tensorproto_decode(path, q, (size_t)v, a, e, d)
			: valueproto_decode(path, q, (size_t)v, a, e, d, f == 7, depth + 1);
		if (rc < 0)
			return -1;
		t->seq[t->nseq++] = e;
		t->dtype = e->dtype;
	}
	if (opt && t->nseq > 1)
		return diag_error(d, "an OptionalProto with %d values", t->nseq);
	t->none = opt && t->nseq == 0;
	return 0;
}

int
tensorproto_read(const char *path, Arena *a, Tensor *t, Diag *d)
{
	uint8_t *buf;
	size_t len;
	if (read_file(path, &buf, &len, d) < 0)
		return -1;
	int rc = is_value_proto(buf, len) ? valueproto_decode(path, buf, len, a, t, d, 0, 0)
		: tensorproto_decode(path, buf, len, a, t, d);
	free(buf);
	return rc;
}
