/* onnxbuild.c: test-side ONNX model builder (see onnxbuild.h). */
#include <stdio.h>
#include <string.h>

#include "onnxbuild.h"

#define GROW(a, arr, n) do { \
	void *nv_ = arena_alloc(a, ((n) + 1) * sizeof *(arr)); \
	if (n) memcpy(nv_, arr, (n) * sizeof *(arr)); \
	(arr) = nv_; \
} while (0)

MB *
mb_new(int opset)
{
	Arena *a = arena_new();
	MB *b = arena_alloc(a, sizeof *b);
	b->a = a;
	onnx__model_proto__init(&b->m);
	onnx__graph_proto__init(&b->g);
	onnx__operator_set_id_proto__init(&b->os);
	b->os.domain = "";
	b->os.has_version = 1;
	b->os.version = opset;
	b->osv[0] = &b->os;
	b->m.n_opset_import = 1;
	b->m.opset_import = b->osv;
	b->m.has_ir_version = 1;
	b->m.ir_version = 8;
	b->m.graph = &b->g;
	b->g.name = "test";
	b->cur = &b->g;
	return b;
}

void
mb_free(MB *b)
{
	arena_free(b->a);
}

static Onnx__ValueInfoProto *
value_info(MB *b, const char *name)
{
	Onnx__ValueInfoProto *v = arena_alloc(b->a, sizeof *v);
	onnx__value_info_proto__init(v);
	v->name = arena_strdup(b->a, name);
	return v;
}

void
mb_input(MB *b, const char *name, int elem_type, int rank, const int64_t *dims)
{
	Onnx__ValueInfoProto *v = value_info(b, name);
	Onnx__TypeProto *tp = arena_alloc(b->a, sizeof *tp);
	Onnx__TypeProto__Tensor *tt = arena_alloc(b->a, sizeof *tt);
	Onnx__TensorShapeProto *sh = arena_alloc(b->a, sizeof *sh);
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	onnx__tensor_shape_proto__init(sh);
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	tt->has_elem_type = 1;
	tt->elem_type = elem_type;
	tt->shape = sh;
	sh->n_dim = (size_t)rank;
	sh->dim = arena_alloc(b->a, (rank + 1) * sizeof *sh->dim);
	for (int i = 0; i < rank; i++) {
		Onnx__TensorShapeProto__Dimension *d = arena_alloc(b->a, sizeof *d);
		onnx__tensor_shape_proto__dimension__init(d);
		if (dims[i] < 0) {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
			d->dim_param = "N";
		} else {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
			d->dim_value = dims[i];
		}
		sh->dim[i] = d;
	}
	v->type = tp;
	GROW(b->a, b->cur->input, b->cur->n_input);
	b->cur->input[b->cur->n_input++] = v;
}

void
mb_output(MB *b, const char *name)
{
	GROW(b->a, b->cur->output, b->cur->n_output);
	b->cur->output[b->cur->n_output++] = value_info(b, name);
}

static Onnx__TensorProto *
new_init(MB *b, const char *name, int dt, int rank, const int64_t *dims)
{
	Onnx__TensorProto *t = arena_alloc(b->a, sizeof *t);
	onnx__tensor_proto__init(t);
	t->name = arena_strdup(b->a, name);
	t->has_data_type = 1;
	t->data_type = dt;
	t->n_dims = (size_t)rank;
	t->dims = arena_alloc(b->a, (rank + 1) * sizeof *dims);
	if (rank)
		memcpy(t->dims, dims, rank * sizeof *dims);
	GROW(b->a, b->cur->initializer, b->cur->n_initializer);
	b->cur->initializer[b->cur->n_initializer++] = t;
	return t;
}

static int64_t
count(int rank, const int64_t *dims)
{
	int64_t n = 1;
	for (int i = 0; i < rank; i++)
		n *= dims[i] > 0 ? dims[i] : 0;
	return n;
}

Onnx__TensorProto *
mb_init_f32(MB *b, const char *name, int rank, const int64_t *dims, const float *data, long raw_bytes)
{
	Onnx__TensorProto *t = new_init(b, name, 1, rank, dims);
	size_t n = raw_bytes < 0 ? (size_t)count(rank, dims) * 4 : (size_t)raw_bytes;
	t->has_raw_data = 1;
	t->raw_data.len = n;
	t->raw_data.data = arena_alloc(b->a, n);
	if (data)
		memcpy(t->raw_data.data, data, n);
	return t;
}

Onnx__TensorProto *
mb_init_i64(MB *b, const char *name, int rank, const int64_t *dims, const int64_t *data)
{
	Onnx__TensorProto *t = new_init(b, name, 7, rank, dims);
	t->n_int64_data = (size_t)count(rank, dims);
	t->int64_data = arena_alloc(b->a, (t->n_int64_data + 1) * sizeof *data);
	if (t->n_int64_data)
		memcpy(t->int64_data, data, t->n_int64_data * sizeof *data);
	return t;
}

static char **
split(MB *b, const char *csv, size_t *n)
{
	*n = 0;
	if (!csv)
		return NULL;
	char **v = arena_alloc(b->a, (strlen(csv) + 2) * sizeof *v);
	for (const char *s = csv;;) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		v[(*n)++] = arena_strndup(b->a, s, len);
		if (!c)
			break;
		s = c + 1;
	}
	return v;
}

Onnx__NodeProto *
mb_node(MB *b, const char *op, const char *name, const char *ins, const char *outs)
{
	Onnx__NodeProto *n = arena_alloc(b->a, sizeof *n);
	onnx__node_proto__init(n);
	n->op_type = arena_strdup(b->a, op);
	n->name = name ? arena_strdup(b->a, name) : NULL;
	n->input = split(b, ins, &n->n_input);
	n->output = split(b, outs, &n->n_output);
	GROW(b->a, b->cur->node, b->cur->n_node);
	b->cur->node[b->cur->n_node++] = n;
	return n;
}

static Onnx__AttributeProto *
new_attr(MB *b, Onnx__NodeProto *n, const char *name, int type)
{
	Onnx__AttributeProto *a = arena_alloc(b->a, sizeof *a);
	onnx__attribute_proto__init(a);
	a->name = arena_strdup(b->a, name);
	a->has_type = 1;
	a->type = type;
	GROW(b->a, n->attribute, n->n_attribute);
	n->attribute[n->n_attribute++] = a;
	return a;
}

void
mb_attr_int(MB *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = new_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
	a->has_i = 1;
	a->i = v;
}

void
mb_attr_float(MB *b, Onnx__NodeProto *n, const char *name, float v)
{
	Onnx__AttributeProto *a = new_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
	a->has_f = 1;
	a->f = v;
}

void
mb_attr_ints(MB *b, Onnx__NodeProto *n, const char *name, int cnt, const int64_t *v)
{
	Onnx__AttributeProto *a = new_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
	a->n_ints = (size_t)cnt;
	a->ints = arena_alloc(b->a, (cnt + 1) * sizeof *v);
	if (cnt)
		memcpy(a->ints, v, cnt * sizeof *v);
}

Onnx__GraphProto *
mb_graph_attr(MB *b, Onnx__NodeProto *n, const char *name)
{
	Onnx__AttributeProto *a = new_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH);
	Onnx__GraphProto *g = arena_alloc(b->a, sizeof *g);
	onnx__graph_proto__init(g);
	g->name = arena_strdup(b->a, name);
	a->g = g;
	if (b->depth < MB_MAXDEPTH)
		b->stack[b->depth++] = b->cur;
	b->cur = g;
	return g;
}

void
mb_end_graph(MB *b)
{
	if (b->depth > 0)
		b->cur = b->stack[--b->depth];
}

uint8_t *
mb_pack(MB *b, size_t *len)
{
	*len = onnx__model_proto__get_packed_size(&b->m);
	uint8_t *p = arena_alloc(b->a, *len + 1);
	onnx__model_proto__pack(&b->m, p);
	return p;
}

int
write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(p, 1, n, f);
	return (fclose(f) == 0 && w == n) ? 0 : -1;
}

int
mb_write(MB *b, const char *path)
{
	size_t n;
	uint8_t *p = mb_pack(b, &n);
	return write_bytes(path, p, n);
}
