/* testutil.c: graph builders and runners shared by the Check suites. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "driver.h"
#include "testutil.h"

Graph *
tg_single_op(const char *optype, DType dt, int nin, const int *rank, const int64_t *const *dims)
{
	Graph *g = graph_new("test.onnx");
	g->opset = 13;
	g->input = arena_alloc(g->arena, (nin + 1) * sizeof *g->input);
	g->output = arena_alloc(g->arena, 2 * sizeof *g->output);
	char lower[64];
	size_t k = 0;
	for (; optype[k] && k + 1 < sizeof lower; k++)
		lower[k] = (char)((optype[k] >= 'A' && optype[k] <= 'Z') ? optype[k] + 32 : optype[k]);
	lower[k] = 0;
	Node *n = graph_add_node(g, optype, arena_printf(g->arena, "%s_0", lower), nin, 1);
	n->attr = arena_alloc(g->arena, 32 * sizeof *n->attr);
	for (int i = 0; i < nin; i++) {
		Tensor *t = graph_tensor(g, arena_printf(g->arena, "x%d", i));
		tensor_set(t, dt, rank[i], dims[i]);
		t->is_input = 1;
		g->input[g->ninput++] = t;
		n->in[i] = t;
	}
	Tensor *y = graph_tensor(g, "y");
	y->def = n;
	y->is_output = 1;
	n->out[0] = y;
	g->output[g->noutput++] = y;
	n->op = op_lookup(optype);
	return g;
}

static Attr *
add_attr(Graph *g, Node *n, const char *name, AttrType type)
{
	Attr *a = &n->attr[n->nattr++];
	memset(a, 0, sizeof *a);
	a->name = arena_strdup(g->arena, name);
	a->type = type;
	return a;
}

void tg_attr_int(Graph *g, Node *n, const char *name, int64_t v) { add_attr(g, n, name, AT_INT)->i = v; }
void tg_attr_float(Graph *g, Node *n, const char *name, float v) { add_attr(g, n, name, AT_FLOAT)->f = v; }

void
tg_attr_ints(Graph *g, Node *n, const char *name, int cnt, const int64_t *v)
{
	Attr *a = add_attr(g, n, name, AT_INTS);
	a->n = cnt;
	a->ints = arena_memdup(g->arena, v, cnt * sizeof *v);
}

void
tg_attr_floats(Graph *g, Node *n, const char *name, int cnt, const float *v)
{
	Attr *a = add_attr(g, n, name, AT_FLOATS);
	a->n = cnt;
	a->floats = arena_memdup(g->arena, v, cnt * sizeof *v);
}

void
tg_attr_string(Graph *g, Node *n, const char *name, const char *v)
{
	Attr *a = add_attr(g, n, name, AT_STRING);
	a->s = arena_strdup(g->arena, v);
	a->slen = strlen(v);
}

/* Turns t into a constant; if it was a graph input, removes it from the list. */
void
tg_const(Graph *g, Tensor *t, DType dt, int rank, const int64_t *dims, const void *data)
{
	tensor_set(t, dt, rank, dims);
	t->init = arena_memdup(g->arena, data, tensor_bytes(t));
	if (t->is_input) {
		t->is_input = 0;
		int k = 0;
		for (int i = 0; i < g->ninput; i++)
			if (g->input[i] != t)
				g->input[k++] = g->input[i];
		g->ninput = k;
	}
}

int
tg_run(Graph *g, Diag *d, const void *const *in, void *const *out)
{
	if (run_pipeline(g, d, NULL) < 0)
		return -1;
	Program *p = prog_lower(g, d);
	if (!p)
		return -1;
	prog_plan(p);
	void *arena = aligned_alloc(64, (p->arena_bytes + 63) / 64 * 64 + 64);
	int rc = prog_run(p, in, out, arena);
	free(arena);
	prog_free(p);
	return rc == 0 ? 0 : -1;
}

int
tg_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

char *
tg_slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)(len > 0 ? len : 0) + 1);
	size_t got = len > 0 ? fread(p, 1, (size_t)len, f) : 0;
	fclose(f);
	p[got] = 0;
	if (n)
		*n = got;
	return p;
}

char *
tg_tmpdir(const char *tag)
{
	char buf[256];
	snprintf(buf, sizeof buf, "/tmp/axcc_%sXXXXXX", tag);
	char *d = strdup(buf);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

int
tg_main(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
