/* graph.c: graph construction, name lookup, attribute and constant access. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

typedef struct Names {
	Tensor **slot;
	size_t cap, n;
} Names;

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void
names_put(Graph *g, Tensor *t)
{
	Names *m = g->names;
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		Tensor **s = arena_alloc(g->arena, cap * sizeof *s);
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->slot[i])
				continue;
			size_t j = hash_str(m->slot[i]->name) & (cap - 1);
			while (s[j])
				j = (j + 1) & (cap - 1);
			s[j] = m->slot[i];
		}
		m->slot = s;
		m->cap = cap;
	}
	size_t j = hash_str(t->name) & (m->cap - 1);
	while (m->slot[j])
		j = (j + 1) & (m->cap - 1);
	m->slot[j] = t;
	m->n++;
}

Graph *
graph_new(const char *path)
{
	Arena *a = arena_new();
	Graph *g = arena_alloc(a, sizeof *g);
	g->arena = a;
	g->path = arena_strdup(a, path ? path : "<memory>");
	g->name = "";
	g->names = arena_alloc(a, sizeof(Names));
	return g;
}

Graph *
graph_new_sub(Graph *parent)
{
	Graph *g = arena_alloc(parent->arena, sizeof *g);
	g->arena = parent->arena;
	g->path = parent->path;
	g->name = "";
	g->opset = parent->opset;
	g->names = arena_alloc(parent->arena, sizeof(Names));
	g->parent = parent;
	return g;
}

int
graph_owns(const Graph *g, const Tensor *t)
{
	return t->id >= 0 && t->id < g->ntensor && g->tensor[t->id] == t;
}

void
graph_free(Graph *g)
{
	if (g)
		arena_free(g->arena);
}

Tensor *
graph_find(const Graph *g, const char *name)
{
	const Names *m = g->names;
	if (!m->cap)
		return NULL;
	size_t j = hash_str(name) & (m->cap - 1);
	for (; m->slot[j]; j = (j + 1) & (m->cap - 1))
		if (strcmp(m->slot[j]->name, name) == 0)
			return m->slot[j];
	return NULL;
}

static Tensor *
add_tensor(Graph *g, const char *name)
{
	Tensor *t = arena_alloc(g->arena, sizeof *t);
	t->name = arena_strdup(g->arena, name);
	t->rank = -1;
	t->buf = -1;
	if (g->ntensor == g->captensor) {
		int cap = g->captensor ? g->captensor * 2 : 64;
		Tensor **v = arena_alloc(g->arena, cap * sizeof *v);
		if (g->ntensor)
			memcpy(v, g->tensor, g->ntensor * sizeof *v);
		g->tensor = v;
		g->captensor = cap;
	}
	t->id = g->ntensor;
	g->tensor[g->ntensor++] = t;
	names_put(g, t);
	return t;
}

Tensor *
graph_tensor(Graph *g, const char *name)
{
	Tensor *t = graph_find(g, name);
	return t ? t : add_tensor(g, name);
}

Tensor *
graph_new_tensor(Graph *g, const char *hint)
{
	char buf[512];
	for (int i = 0;; i++) {
		snprintf(buf, sizeof buf, "%s_%d", hint, i);
		if (!graph_find(g, buf))
			return add_tensor(g, buf);
	}
}

Node *
graph_live_node(const Graph *g, const char *name)
{
	for (int i = 0; i < g->nnode; i++)
		if (!g->node[i]->dead && g->node[i]->name && !strcmp(g->node[i]->name, name))
			return g->node[i];
	return NULL;
}

Node *
graph_add_node(Graph *g, const char *optype, const char *name, int nin, int nout)
{
	Node *n = arena_alloc(g->arena, sizeof *n);
	n->optype = arena_strdup(g->arena, optype);
	n->domain = "";
	n->name = name && *name ? arena_strdup(g->arena, name)
	                        : arena_printf(g->arena, "%s_%d", optype, g->nnode);
	n->nin = nin;
	n->nout = nout;
	n->in = arena_alloc(g->arena, (nin ? nin : 1) * sizeof *n->in);
	n->out = arena_alloc(g->arena, (nout ? nout : 1) * sizeof *n->out);
	n->opset = g->opset;
	if (g->nnode == g->capnode) {
		int cap = g->capnode ? g->capnode * 2 : 64;
		Node **v = arena_alloc(g->arena, cap * sizeof *v);
		if (g->nnode)
			memcpy(v, g->node, g->nnode * sizeof *v);
		g->node = v;
		g->capnode = cap;
	}
	n->id = g->nnode;
	g->node[g->nnode++] = n;
	return n;
}

void
graph_compact(Graph *g)
{
	int k = 0;
	for (int i = 0; i < g->nnode; i++)
		if (!g->node[i]->dead)
			g->node[k++] = g->node[i];
	g->nnode = k;
}

void
graph_uses(Graph *g)
{
	for (int i = 0; i < g->ntensor; i++)
		g->tensor[i]->nuse = 0;
	for (int i = 0; i < g->nnode; i++)
		for (int j = 0; j < g->node[i]->nin; j++)
			if (g->node[i]->in[j])
				g->node[i]->in[j]->nuse++;
	for (int i = 0; i < g->noutput; i++)
		g->output[i]->nuse++;
}

/* Orders nodes so every input is defined before use (Kahn's algorithm,
 * stable: ties keep model order). Reports inputs nothing defines. */
int
graph_toposort(Graph *g, Diag *d)
{
	int n = g->nnode, nerr = d->nerr;
	int *pending = xmalloc((n ? n : 1) * sizeof *pending);
	Node **out = arena_alloc(g->arena, (n ? n : 1) * sizeof *out);
	int nout = 0;
	char *done = xmalloc(g->ntensor ? g->ntensor : 1);
	for (int i = 0; i < g->ntensor; i++)
		done[i] = g->tensor[i]->init || g->tensor[i]->is_input;
	/* undefined tensors */
	for (int i = 0; i < n; i++) {
		Node *nd = g->node[i];
		for (int j = 0; j < nd->nin; j++) {
			Tensor *t = nd->in[j];
			if (t && !t->def && !t->init && !t->is_input)
				diag_node(d, nd, "input '%s' is not produced by any node, initializer or graph input", t->name);
		}
	}
	if (d->nerr > nerr)
		goto out;
	int progress = 1;
	for (int i = 0; i < n; i++)
		pending[i] = 1;
	while (nout < n && progress) {
		progress = 0;
		for (int i = 0; i < n; i++) {
			if (!pending[i])
				continue;
			Node *nd = g->node[i];
			int ready = 1;
			for (int j = 0; j < nd->nin && ready; j++)
				if (nd->in[j] && graph_owns(g, nd->in[j]) && !done[nd->in[j]->id])
					ready = 0;
			if (!ready)
				continue;
			pending[i] = 0;
			out[nout++] = nd;
			for (int j = 0; j < nd->nout; j++)
				if (nd->out[j])
					done[nd->out[j]->id] = 1;
			progress = 1;
		}
	}
	if (nout < n) {
		for (int i = 0; i < n; i++)
			if (pending[i]) {
				diag_node(d, g->node[i], "is part of a cycle or depends on one");
				break;
			}
		goto out;
	}
	memcpy(g->node, out, n * sizeof *out);
	for (int i = 0; i < n; i++)
		g->node[i]->id = i;
out:
	free(pending);
	free(done);
	return d->nerr > nerr ? -1 : 0;
}

int64_t
tensor_numel(const Tensor *t)
{
	int64_t n = 1;
	for (int i = 0; i < t->rank; i++)
		n *= t->dim[i];
	return n;
}

size_t
tensor_bytes(const Tensor *t)
{
	return (size_t)tensor_numel(t) * dtype_size(t->dtype);
}

void
tensor_set(Tensor *t, DType dt, int rank, const int64_t *dim)
{
	t->dtype = dt;
	t->rank = rank;
	for (int i = 0; i < rank; i++)
		t->dim[i] = dim[i];
}

int
tensor_same_shape(const Tensor *a, const Tensor *b)
{
	if (a->rank != b->rank)
		return 0;
	for (int i = 0; i < a->rank; i++)
		if (a->dim[i] != b->dim[i])
			return 0;
	return 1;
}

const char *
tensor_shape_str(const Tensor *t, char *buf, size_t n)
{
	size_t k = 0;
	buf[0] = 0;
	if (t->rank < 0) {
		snprintf(buf, n, "?");
		return buf;
	}
	if (t->rank == 0) {
		snprintf(buf, n, "scalar");
		return buf;
	}
	for (int i = 0; i < t->rank && k < n; i++)
		k += snprintf(buf + k, n - k, i ? "x%" PRId64 : "%" PRId64, t->dim[i]);
	return buf;
}

const Attr *
attr_get(const Node *n, const char *name)
{
	for (int i = 0; i < n->nattr; i++)
		if (strcmp(n->attr[i].name, name) == 0)
			return &n->attr[i];
	return NULL;
}

int64_t
attr_i(const Node *n, const char *name, int64_t def)
{
	const Attr *a = attr_get(n, name);
	return a && a->type == AT_INT ? a->i : def;
}

float
attr_f(const Node *n, const char *name, float def)
{
	const Attr *a = attr_get(n, name);
	if (a && a->type == AT_FLOAT)
		return a->f;
	if (a && a->type == AT_INT)
		return (float)a->i;
	return def;
}

const char *
attr_s(const Node *n, const char *name, const char *def)
{
	const Attr *a = attr_get(n, name);
	return a && a->type == AT_STRING ? a->s : def;
}

int
attr_ints(const Node *n, const char *name, const int64_t **v)
{
	const Attr *a = attr_get(n, name);
	if (!a || (a->type != AT_INTS && a->type != AT_INT))
		return -1;
	if (a->type == AT_INT) {
		*v = &a->i;
		return 1;
	}
	*v = a->ints;
	return a->n;
}

int
attr_floats(const Node *n, const char *name, const float **v)
{
	const Attr *a = attr_get(n, name);
	if (!a || a->type != AT_FLOATS)
		return -1;
	*v = a->floats;
	return a->n;
}

int
const_ints(const Tensor *t, int64_t *out, int max)
{
	if (!t || !t->init || t->rank < 0)
		return -1;
	int64_t n = tensor_numel(t);
	if (n > max)
		return -1;
	for (int64_t i = 0; i < n; i++) {
		switch (t->dtype) {
		case DT_I64: out[i] = ((const int64_t *)t->init)[i]; break;
		case DT_I32: out[i] = ((const int32_t *)t->init)[i]; break;
		case DT_I16: out[i] = ((const int16_t *)t->init)[i]; break;
		case DT_I8: out[i] = ((const int8_t *)t->init)[i]; break;
		case DT_U8: out[i] = ((const uint8_t *)t->init)[i]; break;
		case DT_U16: out[i] = ((const uint16_t *)t->init)[i]; break;
		case DT_U32: out[i] = ((const uint32_t *)t->init)[i]; break;
		case DT_U64: out[i] = (int64_t)((const uint64_t *)t->init)[i]; break;
		case DT_BOOL: out[i] = ((const uint8_t *)t->init)[i]; break;
		default: return -1;
		}
	}
	return (int)n;
}

double
const_scalar(const Tensor *t)
{
	if (!ALWAYS(t && t->init))
		return 0;
	switch (t->dtype) {
	case DT_F32: return ((const float *)t->init)[0];
	case DT_F64: return ((const double *)t->init)[0];
	default: {
		int64_t v[1];
		if (tensor_numel(t) >= 1 && const_ints(t, v, 1 << 30) >= 1)
			return (double)v[0];
		return 0;
	}
	}
}

void
graph_dump(const Graph *g, FILE *f)
{
	char s[128];
	fprintf(f, "graph %s (opset %d): %d nodes, %d tensors\n", g->name, g->opset, g->nnode, g->ntensor);
	for (int i = 0; i < g->ninput; i++)
		fprintf(f, "  input  %s: %s[%s]\n", g->input[i]->name, dtype_name(g->input[i]->dtype),
			tensor_shape_str(g->input[i], s, sizeof s));
	for (int i = 0; i < g->nnode; i++) {
		const Node *n = g->node[i];
		fprintf(f, "  %-24s %-18s", n->name, n->optype);
		for (int j = 0; j < n->nout; j++)
			if (n->out[j])
				fprintf(f, " %s%s:%s[%s]", j ? ", " : "", n->out[j]->name,
					dtype_name(n->out[j]->dtype), tensor_shape_str(n->out[j], s, sizeof s));
		fprintf(f, " <-");
		for (int j = 0; j < n->nin; j++)
			fprintf(f, " %s%s", n->in[j] ? n->in[j]->name : "-", n->in[j] && n->in[j]->init ? "(c)" : "");
		if (n->act)
			fprintf(f, " +act%d", n->act);
		fputc('\n', f);
	}
	for (int i = 0; i < g->noutput; i++)
		fprintf(f, "  output %s: %s[%s]\n", g->output[i]->name, dtype_name(g->output[i]->dtype),
			tensor_shape_str(g->output[i], s, sizeof s));
}

/* Checks the IR's invariants: node order is topological, every tensor has
 * at most one producer and def points back at it, shapes are set once
 * IR_SHAPES holds. Returns 0, or -1 after describing the first breach. */
int
graph_verify(const Graph *g, Diag *d)
{
	char *seen = xmalloc(g->ntensor + 1);
	int rc = 0;
	for (int i = 0; i < g->ntensor; i++)
		seen[i] = g->tensor[i]->init || g->tensor[i]->is_input;
	for (int i = 0; i < g->nnode && rc == 0; i++) {
		const Node *n = g->node[i];
		for (int j = 0; j < n->nin && rc == 0; j++)
			if (n->in[j] && n->in[j]->id >= 0 && !seen[n->in[j]->id])
				rc = diag_node(d, n, "IR: input '%s' is used before it is produced", n->in[j]->name);
		for (int j = 0; j < n->nout && rc == 0; j++) {
			const Tensor *t = n->out[j];
			if (!t)
				continue;
			if (t->def != n)
				rc = diag_node(d, n, "IR: output '%s' does not point back at its producer", t->name);
			else if ((g->valid & IR_SHAPES) && (t->rank < 0 || t->dtype == DT_UNDEF))
				rc = diag_node(d, n, "IR: output '%s' has no shape", t->name);
			else
				seen[t->id] = 1;
		}
	}
	for (int i = 0; i < g->noutput && rc == 0; i++)
		if (!seen[g->output[i]->id])
			rc = diag_error(d, "IR: graph output '%s' is not produced", g->output[i]->name);
	free(seen);
	return rc;
}
