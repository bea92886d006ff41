/* lower.c: Graph -> Program. Each node's family lowers it to runtime-kernel
 * calls over buffers; the kernel table comes from runtime/include/axrt_all.def. */
#include <stdlib.h>
#include <string.h>

#include "axrt.h"
#include "ops.h"
#include "prog.h"

const KernelDef ktab[NKERNEL] = {
#define AXRT_P(name, LIST)
#define AXRT_K(k, p) [K_##k] = {#k, #p, AXRT_FAM, sizeof(axrt_##p##_params)},
#include "axrt_all.def"
#undef AXRT_P
#undef AXRT_K
};

int
prog_add_buf(Program *p, BufKind kind, DType dt, size_t size, const char *name)
{
	if (p->nbuf == p->capbuf) {
		int cap = p->capbuf ? p->capbuf * 2 : 64;
		Buf *v = arena_alloc(p->arena, cap * sizeof *v);
		if (p->nbuf)
			memcpy(v, p->buf, p->nbuf * sizeof *v);
		p->buf = v;
		p->capbuf = cap;
	}
	Buf *b = &p->buf[p->nbuf];
	memset(b, 0, sizeof *b);
	b->id = p->nbuf;
	b->kind = kind;
	b->dtype = dt;
	b->size = size;
	b->name = name;
	b->alias = -1;
	b->first = b->last = -1;
	return p->nbuf++;
}

int
lower_buf(Lower *l, const Tensor *t)
{
	if (!t)
		return -1;
	Tensor *mt = (Tensor *)t;
	if (mt->buf >= 0 && mt->buf < l->p->nbuf && l->p->buf[mt->buf].t == t)
		return mt->buf;
	int b = prog_add_buf(l->p, t->init ? BUF_CONST : BUF_ARENA, t->dtype, tensor_bytes(t), t->name);
	l->p->buf[b].t = t;
	l->p->buf[b].data = t->init;
	mt->buf = b;
	return b;
}

int
lower_const(Lower *l, const char *name, DType dt, size_t nbytes, const void *data)
{
	int b = prog_add_buf(l->p, BUF_CONST, dt, nbytes, arena_strdup(l->a, name));
	l->p->buf[b].data = data;
	return b;
}

Step *
lower_step(Lower *l, const Node *n, KernelId k, const void *params,
		int nin, const int *in, int nout, const int *out, size_t scratch_bytes)
{
	Program *p = l->p;
	if (p->nstep == p->capstep) {
		int cap = p->capstep ? p->capstep * 2 : 64;
		Step *v = arena_alloc(p->arena, cap * sizeof *v);
		if (p->nstep)
			memcpy(v, p->step, p->nstep * sizeof *v);
		p->step = v;
		p->capstep = cap;
	}
	Step *s = &p->step[p->nstep++];
	s->k = k;
	s->params = arena_memdup(p->arena, params, ktab[k].psize);
	s->nin = nin;
	s->nout = nout;
	s->in = arena_alloc(p->arena, (nin ? nin : 1) * sizeof(int));
	s->out = arena_alloc(p->arena, (nout ? nout : 1) * sizeof(int));
	if (nin)
		memcpy(s->in, in, nin * sizeof(int));
	if (nout)
		memcpy(s->out, out, nout * sizeof(int));
	s->node = n;
	s->scratch = -1;
	s->inplace = -1;
	s->overlap = -1;
	if (scratch_bytes) {
		s->scratch = prog_add_buf(p, BUF_ARENA, DT_U8, scratch_bytes,
			arena_printf(p->arena, "%s_scratch", n ? n->name : "step"));
		p->buf[s->scratch].scratch = 1;
	}
	return s;
}

Step *
lower_call(Lower *l, const Node *n, KernelId k, const void *params, size_t scratch_bytes)
{
	int in[NODE_MAXIO], out[NODE_MAXIO];
	/* absent trailing optional inputs still get a (NULL) slot, so a kernel
	 * may look at in[max_in - 1] */
	int nin = n->nin, max = n->op > 0 && n->op < NOP ? optab[n->op].max_in : -1;
	if (max > nin && max <= NODE_MAXIO)
		nin = max;
	for (int i = 0; i < nin; i++)
		in[i] = i < n->nin ? lower_buf(l, n->in[i]) : -1;
	for (int i = 0; i < n->nout; i++)
		out[i] = lower_buf(l, n->out[i]);
	return lower_step(l, n, k, params, nin, in, n->nout, out, scratch_bytes);
}

static void
lower_copy(Lower *l, const Node *n, int from, int to, size_t nbytes)
{
	axrt_copy_params cp = {(int64_t)nbytes};
	lower_step(l, n, K_copy, &cp, 1, &from, 1, &to, 0);
}

int
lower_view(Lower *l, const Node *n, const Tensor *out, const Tensor *in)
{
	Program *p = l->p;
	int ib = lower_buf(l, in);
	if (out->buf >= 0 && out->buf < p->nbuf && p->buf[out->buf].t == out) {
		lower_copy(l, n, ib, out->buf, tensor_bytes(out));   /* a graph output */
		return 0;
	}
	int b = prog_add_buf(p, BUF_ALIAS, out->dtype, tensor_bytes(out), out->name);
	p->buf[b].t = out;
	p->buf[b].alias = ib;
	p->buf[b].view = 1;
	((Tensor *)out)->buf = b;
	return 0;
}

int
lower_place_into(Lower *l, const Tensor *part, const Tensor *whole, size_t byte_off)
{
	Program *p = l->p;
	int b = part->buf;
	if (b < 0 || b >= p->nbuf || p->buf[b].t != part)
		return 0;
	Buf *pb = &p->buf[b];
	int w = lower_buf(l, whole);
	int r = buf_root(p, w, NULL);
	if (pb->kind != BUF_ARENA || pb->scratch || r == b ||
	    (p->buf[r].kind != BUF_ARENA && p->buf[r].kind != BUF_OUTPUT) ||
	    byte_off + pb->size > p->buf[w].size)
		return 0;
	pb->kind = BUF_ALIAS;
	pb->alias = w;
	pb->alias_off = byte_off;
	return 1;
}

int
buf_root(const Program *p, int b, size_t *off)
{
	size_t o = 0;
	while (p->buf[b].kind == BUF_ALIAS) {
		o += p->buf[b].alias_off;
		b = p->buf[b].alias;
	}
	if (off)
		*off = o;
	return b;
}

static Program *
prog_new(Graph *g)
{
	Arena *a = arena_new();
	Program *p = arena_alloc(a, sizeof *p);
	p->arena = a;
	p->g = g;
	for (int i = 0; i < g->ntensor; i++)
		g->tensor[i]->buf = -1;
	return p;
}

/* Graph outputs are written straight into the caller's buffers, except
 * those that are inputs, constants or repeated: they get a copy at the end. */
static void
lower_outputs_begin(Lower *l, Graph *g, int *needcopy)
{
	Program *p = l->p;
	p->noutput = g->noutput;
	p->output = arena_alloc(p->arena, (g->noutput + 1) * sizeof(int));
	for (int i = 0; i < g->noutput; i++) {
		Tensor *t = g->output[i];
		needcopy[i] = t->init || t->is_input || t->buf >= 0;
		int b = prog_add_buf(p, BUF_OUTPUT, t->dtype, tensor_bytes(t), t->name);
		p->buf[b].io = i;
		p->output[i] = b;
		if (!needcopy[i]) {
			p->buf[b].t = t;
			t->buf = b;
		}
	}
}

Program *
prog_lower(Graph *g, Diag *d)
{
	Program *p = prog_new(g);
	Lower l = {p, d, p->arena};
	int nerr = d->nerr;
	p->ninput = g->ninput;
	p->input = arena_alloc(p->arena, (g->ninput + 1) * sizeof(int));
	for (int i = 0; i < g->ninput; i++) {
		Tensor *t = g->input[i];
		int b = prog_add_buf(p, BUF_INPUT, t->dtype, tensor_bytes(t), t->name);
		p->buf[b].t = t;
		p->buf[b].io = i;
		t->buf = b;
		p->input[i] = b;
	}
	int *needcopy = arena_alloc(p->arena, (g->noutput + 1) * sizeof(int));
	lower_outputs_begin(&l, g, needcopy);
	for (int i = 0; i < g->nnode; i++) {
		Node *n = g->node[i];
		if (n->dead)
			continue;
		if (n->op <= OP_UNKNOWN || n->op >= NOP) {
			diag_node(d, n, "unsupported op");
			continue;
		}
		if (fx_node(n))
			fx_lower(n, &l);   /* fixed-point codes: the integer kernels */
		else
			optab[n->op].lower(n, &l);
	}
	for (int i = 0; i < g->noutput; i++)
		if (needcopy[i])
			lower_copy(&l, NULL, lower_buf(&l, g->output[i]), p->output[i], tensor_bytes(g->output[i]));
	if (d->nerr > nerr) {
		prog_free(p);
		return NULL;
	}
	return p;
}

/* A program that evaluates one node whose inputs are all constant; its
 * outputs are the node's outputs in order (absent ones skipped). */
Program *
prog_lower_node(Graph *g, Node *n, Diag *d)
{
	Program *p = prog_new(g);
	Lower l = {p, d, p->arena};
	int nerr = d->nerr;
	p->output = arena_alloc(p->arena, (n->nout + 1) * sizeof(int));
	for (int i = 0; i < n->nout; i++) {
		Tensor *t = n->out[i];
		if (!t)
			continue;
		int b = prog_add_buf(p, BUF_OUTPUT, t->dtype, tensor_bytes(t), t->name);
		p->buf[b].t = t;
		p->buf[b].io = p->noutput;
		p->output[p->noutput++] = b;
		t->buf = b;
	}
	optab[n->op].lower(n, &l);
	if (d->nerr > nerr) {
		prog_free(p);
		return NULL;
	}
	return p;
}

void
prog_free(Program *p)
{
	if (p)
		arena_free(p->arena);
}

size_t
prog_weight_bytes(const Program *p)
{
	char *used = xmalloc(p->nbuf + 1);
	size_t n = 0;
	memset(used, 0, p->nbuf + 1);
	for (int s = 0; s < p->nstep; s++)
		for (int i = 0; i < p->step[s].nin; i++)
			if (p->step[s].in[i] >= 0)
				used[buf_root(p, p->step[s].in[i], NULL)] = 1;
	for (int b = 0; b < p->nbuf; b++)
		if (p->buf[b].kind == BUF_CONST && used[b])
			n += p->buf[b].size;
	free(used);
	return n;
}
