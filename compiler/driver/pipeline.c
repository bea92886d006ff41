/* pipeline.c: the canonicalization pipeline as one table (QBE's func()),
 * and the import -> passes -> lower -> plan sequence every verb shares. */
#include <string.h>

#include "driver.h"

static const Pass pipeline[] = {
	/* name       run            needs      gives                  breaks */
	{"infer",    pass_infer,    0,         IR_SHAPES | IR_FOLDED, 0},
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

Graph *
load_model(const Options *o, Diag *d)
{
	ImportOpts io = {o->dim, o->ndim, o->quiet};
	d->quiet_notes = o->quiet;
	Graph *g = onnx_import(o->model, &io, d);
	if (!g)
		return NULL;
	if (run_pipeline(g, d, o->dump) < 0) {
		graph_free(g);
		return NULL;
	}
	return g;
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
