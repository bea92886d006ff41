/* export.c: Graph -> ONNX ModelProto (protobuf-c), the reverse of import.c.
 * Writes the graph as it stands after canonicalization and pruning: every
 * live node, constants as initializers (raw little-endian data), fused
 * activations (Node.act) as the ONNX nodes they came from, the model's
 * opset. Used by `axcc compile --emit-onnx`. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axrt_core.h"
#include "export.h"
#include "onnx.pb-c.h"

typedef struct Ex {
	const Graph *g;
	Arena *a;
	Diag *d;
	Onnx__GraphProto *gp;
	size_t capnode, capinit;
	unsigned char *inited;   /* per tensor id: already an initializer */
} Ex;

static void
add_node(Ex *e, Onnx__NodeProto *np)
{
	Onnx__GraphProto *gp = e->gp;
	if (gp->n_node == e->capnode) {
		e->capnode = e->capnode ? 2 * e->capnode : 64;
		Onnx__NodeProto **v = arena_alloc(e->a, e->capnode * sizeof *v);
		if (gp->n_node)
			memcpy(v, gp->node, gp->n_node * sizeof *v);
		gp->node = v;
	}
	gp->node[gp->n_node++] = np;
}

static void
add_init(Ex *e, Onnx__TensorProto *tp)
{
	Onnx__GraphProto *gp = e->gp;
	if (gp->n_initializer == e->capinit) {
		e->capinit = e->capinit ? 2 * e->capinit : 64;
		Onnx__TensorProto **v = arena_alloc(e->a, e->capinit * sizeof *v);
		if (gp->n_initializer)
			memcpy(v, gp->initializer, gp->n_initializer * sizeof *v);
		gp->initializer = v;
	}
	gp->initializer[gp->n_initializer++] = tp;
}

/* A TensorProto of t's type, shape and data (raw, host order = little endian). */
static Onnx__TensorProto *
tensor_proto(Ex *e, const Tensor *t, const char *name)
{
	Onnx__TensorProto *tp = arena_alloc(e->a, sizeof *tp);
	onnx__tensor_proto__init(tp);
	tp->name = (char *)name;
	tp->has_data_type = 1;
	tp->data_type = t->dtype;
	tp->n_dims = (size_t)t->rank;
	tp->dims = arena_alloc(e->a, (t->rank + 1) * sizeof *tp->dims);
	for (int k = 0; k < t->rank; k++)
		tp->dims[k] = t->dim[k];
	tp->has_raw_data = 1;
	tp->raw_data.len = tensor_bytes(t);
	tp->raw_data.data = (uint8_t *)t->init;
	return tp;
}

static int
const_tensor(Ex *e, const Tensor *t)
{
	if (e->inited[t->id])
		return 0;
	if (t->dtype == DT_STRING || !dtype_size(t->dtype))
		return diag_error(e->d, "export: constant '%s' has type %s, which is not exported",
			t->name, dtype_name(t->dtype));
	e->inited[t->id] = 1;
	add_init(e, tensor_proto(e, t, (char *)t->name));
	return 0;
}

/* A float scalar initializer of a fresh name. */
static const char *
scalar_init(Ex *e, const char *hint, float v)
{
	Tensor t = {0};
	t.dtype = DT_F32;
	t.rank = 0;
	t.init = arena_memdup(e->a, &v, sizeof v);
	const char *name = hint;
	for (int i = 1; graph_find(e->g, name); i++)
		name = arena_printf(e->a, "%s_%d", hint, i);
	add_init(e, tensor_proto(e, &t, name));
	return name;
}

static Onnx__ValueInfoProto *
value_info(Ex *e, const Tensor *t)
{
	Onnx__ValueInfoProto *v = arena_alloc(e->a, sizeof *v);
	Onnx__TypeProto *tp = arena_alloc(e->a, sizeof *tp);
	Onnx__TypeProto__Tensor *tt = arena_alloc(e->a, sizeof *tt);
	Onnx__TensorShapeProto *sh = arena_alloc(e->a, sizeof *sh);
	onnx__value_info_proto__init(v);
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	onnx__tensor_shape_proto__init(sh);
	v->name = (char *)t->name;
	v->type = tp;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	tt->has_elem_type = 1;
	tt->elem_type = t->dtype;
	tt->shape = sh;
	sh->n_dim = (size_t)(t->rank > 0 ? t->rank : 0);
	sh->dim = arena_alloc(e->a, (sh->n_dim + 1) * sizeof *sh->dim);
	for (size_t i = 0; i < sh->n_dim; i++) {
		Onnx__TensorShapeProto__Dimension *d = arena_alloc(e->a, sizeof *d);
		onnx__tensor_shape_proto__dimension__init(d);
		d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
		d->dim_value = t->dim[i];
		sh->dim[i] = d;
	}
	return v;
}

static Onnx__AttributeProto *
new_attr(Ex *e, const char *name, int type)
{
	Onnx__AttributeProto *a = arena_alloc(e->a, sizeof *a);
	onnx__attribute_proto__init(a);
	a->name = (char *)name;
	a->has_type = 1;
	a->type = type;
	return a;
}

static Onnx__AttributeProto *
attr_float(Ex *e, const char *name, float v)
{
	Onnx__AttributeProto *a = new_attr(e, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
	a->has_f = 1;
	a->f = v;
	return a;
}

/* An IR attribute as ONNX; NULL after diag for a subgraph. */
static Onnx__AttributeProto *
attr_proto(Ex *e, const Node *n, const Attr *at)
{
	Onnx__AttributeProto *a = new_attr(e, at->name, at->type);
	switch (at->type) {
	case AT_FLOAT: a->has_f = 1; a->f = at->f; break;
	case AT_INT: a->has_i = 1; a->i = at->i; break;
	case AT_STRING:
		a->has_s = 1;
		a->s.len = at->slen;
		a->s.data = (uint8_t *)at->s;
		break;
	case AT_TENSOR: a->t = tensor_proto(e, at->t, NULL); break;
	case AT_FLOATS: a->n_floats = at->n; a->floats = (float *)at->floats; break;
	case AT_INTS: a->n_ints = at->n; a->ints = (int64_t *)at->ints; break;
	case AT_STRINGS:
		a->n_strings = at->n;
		a->strings = arena_alloc(e->a, (at->n + 1) * sizeof *a->strings);
		for (int i = 0; i < at->n; i++) {
			a->strings[i].len = strlen(at->strings[i]);
			a->strings[i].data = (uint8_t *)at->strings[i];
		}
		break;
	default:
		diag_node(e->d, n, "export: attribute '%s' (a subgraph or an unknown kind) is not exported",
			at->name);
		return NULL;
	}
	return a;
}

static Onnx__NodeProto *
node_proto(Ex *e, const char *op, const char *name, int nin, int nout)
{
	Onnx__NodeProto *np = arena_alloc(e->a, sizeof *np);
	onnx__node_proto__init(np);
	np->op_type = (char *)op;
	np->name = (char *)name;
	np->domain = "";
	np->n_input = nin;
	np->input = arena_alloc(e->a, (nin + 1) * sizeof *np->input);
	np->n_output = nout;
	np->output = arena_alloc(e->a, (nout + 1) * sizeof *np->output);
	return np;
}

/* The ONNX node(s) of fused activation n->act from x to y. */
static int
act_nodes(Ex *e, const Node *n, const char *x, const char *y)
{
	const char *nm = arena_printf(e->a, "%s_act", n->name);
	Onnx__NodeProto *np;
	switch (n->act) {
	case AXRT_ACT_RELU: np = node_proto(e, "Relu", nm, 1, 1); break;
	case AXRT_ACT_SIGMOID: np = node_proto(e, "Sigmoid", nm, 1, 1); break;
	case AXRT_ACT_TANH: np = node_proto(e, "Tanh", nm, 1, 1); break;
	case AXRT_ACT_LEAKYRELU:
		np = node_proto(e, "LeakyRelu", nm, 1, 1);
		np->n_attribute = 1;
		np->attribute = arena_alloc(e->a, sizeof *np->attribute);
		np->attribute[0] = attr_float(e, "alpha", n->act_alpha);
		break;
	case AXRT_ACT_HARDSIGMOID:
		np = node_proto(e, "HardSigmoid", nm, 1, 1);
		np->n_attribute = 2;
		np->attribute = arena_alloc(e->a, 2 * sizeof *np->attribute);
		np->attribute[0] = attr_float(e, "alpha", n->act_alpha);
		np->attribute[1] = attr_float(e, "beta", n->act_beta);
		break;
	case AXRT_ACT_HARDSWISH:
		if (e->g->opset < 14)
			return diag_node(e->d, n, "export: a fused HardSwish needs opset 14");
		np = node_proto(e, "HardSwish", nm, 1, 1);
		break;
	case AXRT_ACT_CLIP:
		if (e->g->opset < 11) {
			np = node_proto(e, "Clip", nm, 1, 1);
			np->n_attribute = 2;
			np->attribute = arena_alloc(e->a, 2 * sizeof *np->attribute);
			np->attribute[0] = attr_float(e, "min", n->act_alpha);
			np->attribute[1] = attr_float(e, "max", n->act_beta);
			break;
		}
		np = node_proto(e, "Clip", nm, 3, 1);
		np->input[1] = isinf(n->act_alpha) ? "" :
			(char *)scalar_init(e, arena_printf(e->a, "%s_min", nm), n->act_alpha);
		np->input[2] = isinf(n->act_beta) ? "" :
			(char *)scalar_init(e, arena_printf(e->a, "%s_max", nm), n->act_beta);
		break;
	default:
		return diag_node(e->d, n, "export: fused activation %d has no ONNX form here", n->act);
	}
	np->input[0] = (char *)x;
	np->output[0] = (char *)y;
	add_node(e, np);
	return 0;
}

static int
export_node(Ex *e, const Node *n)
{
	if (*n->domain && strcmp(n->domain, "ai.onnx"))
		return diag_node(e->d, n, "export: domain '%s' is not exported", n->domain);
	if (!strncmp(n->optype, "Fx", 2))
		return diag_node(e->d, n, "export: fixed-point nodes are not exported (the float model is)");
	Onnx__NodeProto *np = node_proto(e, n->optype, n->name, n->nin, n->nout);
	for (int i = 0; i < n->nin; i++) {
		np->input[i] = n->in[i] ? (char *)n->in[i]->name : "";
		if (n->in[i] && n->in[i]->init && const_tensor(e, n->in[i]) < 0)
			return -1;
	}
	for (int i = 0; i < n->nout; i++)
		np->output[i] = n->out[i] ? (char *)n->out[i]->name : "";
	np->attribute = arena_alloc(e->a, (n->nattr + 1) * sizeof *np->attribute);
	for (int i = 0; i < n->nattr; i++)
		if (!(np->attribute[np->n_attribute++] = attr_proto(e, n, &n->attr[i])))
			return -1;
	if (!n->act) {
		add_node(e, np);
		return 0;
	}
	/* fused: the node writes a fresh tensor, the activation node the real one */
	const char *y = n->out[0]->name, *pre = arena_printf(e->a, "%s_preact", y);
	for (int i = 1; graph_find(e->g, pre); i++)
		pre = arena_printf(e->a, "%s_preact_%d", y, i);
	np->output[0] = (char *)pre;
	add_node(e, np);
	return act_nodes(e, n, pre, y);
}

int
onnx_export(const Graph *g, const char *path, Diag *d)
{
	Arena *a = arena_new();
	Ex e = {g, a, d, NULL, 0, 0, arena_alloc(a, g->ntensor + 1)};
	int nerr = d->nerr;
	Onnx__ModelProto m;
	Onnx__GraphProto gp;
	Onnx__OperatorSetIdProto os, *osv[1] = {&os};
	onnx__model_proto__init(&m);
	onnx__graph_proto__init(&gp);
	onnx__operator_set_id_proto__init(&os);
	os.domain = "";
	os.has_version = 1;
	os.version = g->opset;
	m.has_ir_version = 1;
	m.ir_version = 8;
	m.n_opset_import = 1;
	m.opset_import = osv;
	m.producer_name = "axcc";
	m.producer_version = AXCC_VERSION;
	m.graph = &gp;
	gp.name = (char *)(g->name && *g->name ? g->name : "axcc");
	e.gp = &gp;
	gp.n_input = g->ninput;
	gp.input = arena_alloc(a, (g->ninput + 1) * sizeof *gp.input);
	for (int i = 0; i < g->ninput; i++)
		gp.input[i] = value_info(&e, g->input[i]);
	for (int i = 0; i < g->nnode; i++)
		if (!g->node[i]->dead)
			export_node(&e, g->node[i]);
	gp.n_output = g->noutput;
	gp.output = arena_alloc(a, (g->noutput + 1) * sizeof *gp.output);
	for (int i = 0; i < g->noutput; i++) {
		gp.output[i] = value_info(&e, g->output[i]);
		if (g->output[i]->init)
			const_tensor(&e, g->output[i]);
	}
	int rc = d->nerr > nerr ? -1 : 0;
	if (rc == 0) {
		size_t len = onnx__model_proto__get_packed_size(&m);
		uint8_t *buf = xmalloc(len ? len : 1);
		onnx__model_proto__pack(&m, buf);
		FILE *f = fopen(path, "wb");
		int ok = f && fwrite(buf, 1, len, f) == len;
		if ((f && fclose(f) != 0) || !ok)
			rc = diag_error(d, "%s: cannot write: %s", path, strerror(errno));
		free(buf);
	}
	arena_free(a);
	return rc;
}
