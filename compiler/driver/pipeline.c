/* pipeline.c: the canonicalization pipeline as one table (QBE's func()),
 * and the import -> passes -> lower -> plan sequence every verb shares. */
#include <string.h>

#include "data.h"
#include "driver.h"
#include "plan.h"

static const Pass pipeline[] = {
	/* name       run            needs      gives                  breaks */
	{"infer",    pass_infer,    0,         IR_SHAPES | IR_FOLDED, 0},
	{"qdq",      pass_qdq,      IR_SHAPES, 0,                     0},
	{"simplify", pass_simplify, IR_SHAPES, 0,                     0},
	{"bnfold",   pass_bnfold,   IR_SHAPES, 0,                     0},
	{"fuse",     pass_fuse,     IR_SHAPES, 0,                     0},
	{"dce",      pass_dce,      IR_SHAPES, IR_CANON,              0},
};
enum { NPASS = sizeof pipeline / sizeof pipeline[0] };

static int
wants_dump(const char *dump, const char *name)
{
	if (!dump)
		return 0;
	size_t n = strlen(name);
	for (const char *s = dump; *s;) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		if ((len == n && !strncmp(s, name, n)) || (len == 3 && !strncmp(s, "all", 3)))
			return 1;
		s += len + (c ? 1 : 0);
	}
	return 0;
}

int
run_pipeline(Graph *g, Diag *d, const char *dump)
{
	PassCtx cx = {.diag = d, .scratch = arena_new()};
	int rc = 0;
	if (wants_dump(dump, "import")) {
		printf("## after import\n");
		graph_dump(g, stdout);
	}
	for (int i = 0; i < NPASS && rc == 0; i++) {
		const Pass *p = &pipeline[i];
		if ((g->valid & p->needs) != p->needs)
			die("pass %s needs %#x, have %#x", p->name, p->needs, g->valid);
		if (p->run(g, &cx) < 0 || d->nerr) {
			rc = -1;
			break;
		}
		g->valid = (g->valid & ~p->breaks) | p->gives;
		arena_reset(cx.scratch);
#ifndef NDEBUG
		if (graph_verify(g, d) < 0)
			die("IR invalid after pass %s", p->name);
#endif
		if (wants_dump(dump, p->name)) {
			printf("## after %s\n", p->name);
			graph_dump(g, stdout);
		}
	}
	arena_free(cx.scratch);
	return rc;
}

int
graph_freeze(Graph *g, const char *name, const Tensor *value, Diag *d)
{
	char a[128], b[128];
	int k = -1;
	for (int i = 0; i < g->ninput; i++)
		if (!strcmp(g->input[i]->name, name))
			k = i;
	if (k < 0)
		return diag_error(d, "--freeze %s: the model has no input of that name", name);
	Tensor *t = g->input[k];
	if (t->dtype != value->dtype || !tensor_same_shape(t, value))
		return diag_error(d, "--freeze %s: the value is %s[%s], the input is %s[%s]", name,
			dtype_name(value->dtype), tensor_shape_str(value, a, sizeof a),
			dtype_name(t->dtype), tensor_shape_str(t, b, sizeof b));
	t->init = arena_memdup(g->arena, value->init, tensor_bytes(t));
	t->is_input = 0;
	memmove(g->input + k, g->input + k + 1, (g->ninput - k - 1) * sizeof *g->input);
	g->ninput--;
	return 0;
}

static int
apply_freeze(Graph *g, const Options *o, Diag *d)
{
	for (int i = 0; i < o->nfreeze; i++) {
		Tensor v;
		Diag dd = diag_make(o->freeze[i].path);
		if (data_read(o->freeze[i].path, g->arena, &v, &dd) < 0) {
			d->nerr++;
			return -1;
		}
		if (graph_freeze(g, o->freeze[i].name, &v, d) < 0)
			return -1;
	}
	return 0;
}

Graph *
load_model(const Options *o, Diag *d)
{
	ImportOpts io = {o->dim, o->ndim, o->quiet};
	d->quiet_notes = o->quiet;
	Graph *g = onnx_import(o->model, &io, d);
	if (!g)
		return NULL;
	if (apply_freeze(g, o, d) < 0) {
		graph_free(g);
		return NULL;
	}
	if (run_pipeline(g, d, o->dump) < 0 || apply_plan_opt(g, o, d) < 0) {
		graph_free(g);
		return NULL;
	}
	return g;
}

int
apply_plan_opt(Graph *g, const Options *o, Diag *d)
{
	if (o->planobj)
		return plan_apply(g, o->planobj, d);
	if (!o->plan)
		return 0;
	Plan *pl = plan_read(o->plan, d);
	if (!pl)
		return -1;
	int rc = plan_apply(g, pl, d);
	plan_free(pl);
	return rc;
}

Program *
build_program(const Options *o, Diag *d, Graph **gout)
{
	Graph *g = load_model(o, d);
	if (!g)
		return NULL;
	Program *p = prog_lower(g, d);
	if (!p) {
		graph_free(g);
		return NULL;
	}
	prog_plan(p);
	*gout = g;
	return p;
}
