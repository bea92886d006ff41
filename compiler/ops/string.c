/* string.c: the string op family -- StringNormalizer, over fixed-size
 * string elements (runtime/include/axrt_string.h). Its output length is
 * the count of strings that are not stopwords, so the input must be a
 * constant; the kernel still runs in the program (and in the interpreter
 * for the shape, through axrt_strnorm_kept). */
#include <string.h>

#include "axrt.h"
#include "ops.h"

/* The stopwords as a constant string tensor's bytes (NULL: none). */
static axrt_str *
string_stopwords(const Node *n, Arena *a, int *count)
{
	const Attr *sw = attr_get(n, "stopwords");
	*count = sw && sw->type == AT_STRINGS ? sw->n : 0;
	if (!*count)
		return NULL;
	axrt_str *v = arena_alloc(a, (size_t)*count * sizeof *v);
	for (int i = 0; i < *count; i++)
		strncpy(v[i].s, sw->strings[i], sizeof v[i].s - 1);
	return v;
}

static int
string_params(Node *n, Diag *d, axrt_strnorm_params *p)
{
	Tensor *x = n->in[0];
	const char *cc = attr_s(n, "case_change_action", "NONE");
	memset(p, 0, sizeof *p);
	if (x->dtype != DT_STRING)
		return diag_node(d, n, "input '%s' has type %s, expected string", x->name, dtype_name(x->dtype));
	if (x->rank != 1 && !(x->rank == 2 && x->dim[0] == 1))
		return diag_node(d, n, "input '%s' must have shape [C] or [1, C]", x->name);
	if (!strcmp(cc, "LOWER"))
		p->case_change = AXRT_CASE_LOWER;
	else if (!strcmp(cc, "UPPER"))
		p->case_change = AXRT_CASE_UPPER;
	else if (strcmp(cc, "NONE"))
		return diag_node(d, n, "case_change_action is '%s', expected LOWER, UPPER or NONE", cc);
	const Attr *sw = attr_get(n, "stopwords");
	for (int i = 0; sw && sw->type == AT_STRINGS && i < sw->n; i++)
		if (strlen(sw->strings[i]) >= AXRT_STR_BYTES)
			return diag_node(d, n, "stopword %d is longer than %d bytes", i, AXRT_STR_BYTES - 1);
	p->rows = 1;
	p->cols = x->dim[x->rank - 1];
	p->case_sensitive = attr_i(n, "is_case_sensitive", 0) != 0;
	return 0;
}

int
string_infer(Node *n, Diag *d)
{
	Tensor *x = n->in[0];
	axrt_strnorm_params p;
	if (string_params(n, d, &p) < 0)
		return -1;
	if (!x->init)
		return diag_node(d, n, "input '%s' must be a constant: the output's length is the count of "
			"strings that are not stopwords", x->name);
	Arena *a = arena_new();
	int nstop;
	axrt_str *stop = string_stopwords(n, a, &nstop);
	p.nstop = nstop;
	int64_t kept = axrt_strnorm_kept(&p, x->init, stop);
	arena_free(a);
	int64_t dim[2] = {1, kept ? kept : 1};
	if (x->rank == 1)
		dim[0] = dim[1];
	tensor_set(n->out[0], DT_STRING, x->rank, dim);
	return 0;
}

int
string_lower(Node *n, Lower *l)
{
	axrt_strnorm_params p;
	if (string_params(n, l->d, &p) < 0)
		return -1;
	int nstop, in[2], out = lower_buf(l, n->out[0]);
	axrt_str *stop = string_stopwords(n, l->a, &nstop);
	Tensor *y = n->out[0];
	p.nstop = nstop;
	p.kept = tensor_numel(y) == 1 && n->in[0]->init &&
		axrt_strnorm_kept(&p, n->in[0]->init, stop) == 0 ? 0 : y->dim[y->rank - 1];
	in[0] = lower_buf(l, n->in[0]);
	in[1] = stop ? lower_const(l, arena_printf(l->a, "%s_stopwords", n->name), DT_STRING,
		(size_t)nstop * sizeof *stop, stop) : -1;
	lower_step(l, n, K_strnorm, &p, 2, in, 1, &out, 0);
	return 0;
}
