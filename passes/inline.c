/* inline.c: If, Loop and Scan become straight-line code. Called by
 * infer_node when it meets one of them: the body's nodes are copied into
 * the graph right after the control node (fresh tensors; subgraph inputs
 * bound to the node's operands), the control node dies, and inference goes
 * on over the copies. If with a constant condition takes one branch, with a
 * runtime condition both and a Where per output; Scan unrolls over its
 * static sequence length; Loop unrolls one iteration at a time, so that a
 * condition computed from constants is folded before the next step.
 * The same splicing resolves sequence and optional ops into lists of
 * tensors, expands training-mode BatchNormalization into its arithmetic, and
 * differentiates for Gradient. */
#include <stdlib.h>
#include <string.h>

#include "passes.h"

#define INLINE_MAX_NODES 4096   /* copied nodes per control node */
#define INLINE_MAX_GRAPH (1 << 16)  /* nodes made by all inlining, nested included */

typedef struct Env {
	Graph *sub;
	Tensor **map;          /* sub tensor id -> tensor of the main graph */
	struct Env *up;        /* the body the control node itself was copied from */
} Env;

typedef struct LoopState {
	int iter;              /* iterations spliced so far */
	int copied;            /* nodes copied so far */
} LoopState;

typedef struct Inl {
	Graph *g;
	Node *n;               /* the control node */
	Diag *d;
	int pos;               /* index in g->node right after the control node */
	int copied;
} Inl;

/* New nodes go to the end of g->node; inline_node moves them after the
 * control node at the end, in emission order. */
static Node *
emit(Inl *s, const char *op, const char *tag, int nin, int nout)
{
	Node *c = graph_add_node(s->g, op, arena_printf(s->g->arena, "%s/%s", s->n->name, tag), nin, nout);
	c->opset = s->n->opset;
	s->g->ninlined++;
	return c;
}

/* a new tensor; the tensor count in the hint keeps name probing short */
static Tensor *
newt(Inl *s, const char *hint)
{
	return graph_new_tensor(s->g, arena_printf(s->g->arena, "%s/%s.%d", s->n->name, hint, s->g->ntensor));
}

static Tensor *
fresh(Inl *s, const char *hint, Node *def, int k)
{
	Tensor *t = newt(s, hint);
	t->def = def;
	def->out[k] = t;
	return t;
}

static void
add_attr(Inl *s, Node *c, Attr v)
{
	Attr *a = arena_alloc(s->g->arena, (size_t)(c->nattr + 1) * sizeof *a);
	if (c->nattr)
		memcpy(a, c->attr, (size_t)c->nattr * sizeof *a);
	a[c->nattr++] = v;
	c->attr = a;
}

static Tensor *
const_i64(Inl *s, int rank, int64_t v)
{
	int64_t one = 1;
	Tensor *t = newt(s, "const");
	tensor_set(t, DT_I64, rank, &one);
	t->init = arena_memdup(s->g->arena, &v, sizeof v);
	return t;
}

static Tensor *
const_bool(Inl *s, int v)
{
	Tensor *t = newt(s, "true");
	uint8_t b = (uint8_t)v;
	tensor_set(t, DT_BOOL, 0, NULL);
	t->init = arena_memdup(s->g->arena, &b, 1);
	return t;
}

/* dst takes src's sequence or optional value (no code: the tensors are shared). */
static void
share_value(Tensor *src, Tensor *dst)
{
	dst->vkind = src->vkind;
	dst->seq = src->seq;
	dst->nseq = src->nseq;
	dst->none = src->none;
	dst->dtype = src->dtype;
	dst->rank = 0;
	dst->def = NULL;
}

static void
link(Inl *s, Tensor *src, Tensor *dst)
{
	if (!dst)
		return;
	if (src->vkind) {
		share_value(src, dst);
		return;
	}
	Node *c = emit(s, "Identity", arena_printf(s->g->arena, "out_%s", dst->name), 1, 1);
	c->in[0] = src;
	c->out[0] = dst;
	dst->def = c;
}

static Tensor *
gather(Inl *s, Tensor *x, int64_t idx, int64_t axis)
{
	Node *c = emit(s, "Gather", "slice", 2, 1);
	c->in[0] = x;
	c->in[1] = const_i64(s, 0, idx);
	add_attr(s, c, (Attr){.name = "axis", .type = AT_INT, .i = axis});
	return fresh(s, "slice", c, 0);
}

static Tensor *
unsqueeze(Inl *s, Tensor *x, int64_t axis)
{
	Node *c = emit(s, "Unsqueeze", "stack", s->n->opset >= 13 ? 2 : 1, 1);
	c->in[0] = x;
	if (s->n->opset >= 13)
		c->in[1] = const_i64(s, 1, axis);
	else
		add_attr(s, c, (Attr){.name = "axes", .type = AT_INTS, .n = 1,
			.ints = arena_memdup(s->g->arena, &axis, sizeof axis)});
	return fresh(s, "stack", c, 0);
}

/* dst = Concat(Unsqueeze(v[i], axis)...) along axis: stacks v. dst NULL: a fresh tensor. */
static Tensor *
stack(Inl *s, Tensor **v, int n, int64_t axis, Tensor *dst)
{
	Tensor **u = arena_alloc(s->g->arena, (size_t)(n + 1) * sizeof *u);
	for (int i = 0; i < n; i++)
		u[i] = unsqueeze(s, v[i], axis);
	Node *c = emit(s, "Concat", "concat", n, 1);
	memcpy(c->in, u, (size_t)n * sizeof *u);
	add_attr(s, c, (Attr){.name = "axis", .type = AT_INT, .i = axis});
	if (!dst)
		return fresh(s, "stacked", c, 0);
	c->out[0] = dst;
	dst->def = c;
	return dst;
}

/* Binds a body's inputs (bind[i], any may be NULL) and copies its constants. */
static Env *
env_new(Inl *s, Graph *sub, Tensor **bind)
{
	Env *e = arena_alloc(s->g->arena, sizeof *e);
	e->sub = sub;
	e->up = s->n->scope;
	e->map = arena_alloc(s->g->arena, (size_t)(sub->ntensor + 1) * sizeof *e->map);
	for (int i = 0; i < sub->ntensor; i++) {
		Tensor *t = sub->tensor[i];
		if (!t->init)
			continue;
		Tensor *c = newt(s, t->name);
		tensor_set(c, t->dtype, t->rank, t->dim);
		c->init = arena_memdup(s->g->arena, t->init, tensor_bytes(t) ? tensor_bytes(t) : 1);
		e->map[i] = c;
	}
	for (int i = 0; i < sub->ninput; i++)
		e->map[sub->input[i]->id] = bind[i];
	return e;
}

static Tensor *
resolve(Env *e, Tensor *t)
{
	for (; e; e = e->up)
		if (graph_owns(e->sub, t))
			return e->map[t->id];
	return t;
}

static int
copy_node(Inl *s, Env *e, Node *m, const char *tag)
{
	if (*m->domain && strcmp(m->domain, "ai.onnx") != 0)
		return diag_node(s->d, s->n, "body node '%s': domain '%s' is not supported", m->name, m->domain);
	Node *c = emit(s, m->optype, arena_printf(s->g->arena, "%s/%s", tag, m->name), m->nin, m->nout);
	c->domain = m->domain;
	c->opset = m->opset;
	c->nattr = m->nattr;
	c->attr = m->attr;
	c->scope = e;
	for (int i = 0; i < m->nin; i++) {
		if (!m->in[i])
			continue;
		Tensor *t = resolve(e, m->in[i]);
		if (!t)
			return diag_node(s->d, s->n, "body node '%s': input '%s' is not bound", m->name, m->in[i]->name);
		if (t == m->in[i] && (t->rank < 0 || t->dtype == DT_UNDEF))
			return diag_node(s->d, s->n, "body node '%s' uses '%s' before the enclosing graph computes it",
				m->name, t->name);
		c->in[i] = t;
	}
	for (int i = 0; i < m->nout; i++)
		if (m->out[i])
			e->map[m->out[i]->id] = fresh(s, m->out[i]->name, c, i);
	return 0;
}

/* Copies body sub with inputs bound to bind[]; out[i] gets its outputs. */
static int
copy_body(Inl *s, Graph *sub, Tensor **bind, const char *tag, Tensor **out)
{
	Env *e = env_new(s, sub, bind);
	if (s->g->ninlined + sub->nnode > INLINE_MAX_GRAPH)
		return diag_node(s->d, s->n, "inlining control flow would add more than %d nodes to the graph",
			INLINE_MAX_GRAPH);
	if (s->copied + sub->nnode > INLINE_MAX_NODES)
		return diag_node(s->d, s->n, "unrolling copies more than %d nodes; axcc inlines control flow at "
			"compile time", INLINE_MAX_NODES);
	s->copied += sub->nnode;
	for (int i = 0; i < sub->nnode; i++)
		if (!sub->node[i]->dead && copy_node(s, e, sub->node[i], tag) < 0)
			return -1;
	for (int i = 0; i < sub->noutput; i++) {
		out[i] = resolve(e, sub->output[i]);
		if (!out[i])
			return diag_node(s->d, s->n, "body output '%s' is not bound", sub->output[i]->name);
	}
	return 0;
}

static Graph *
body(Inl *s, const char *name, int nin, int nout)
{
	const Attr *a = attr_get(s->n, name);
	if (!a || a->type != AT_GRAPH || !a->g) {
		diag_node(s->d, s->n, "needs a graph attribute '%s'", name);
		return NULL;
	}
	if ((nin >= 0 && a->g->ninput != nin) || (nout >= 0 && a->g->noutput != nout)) {
		diag_node(s->d, s->n, "'%s' has %d inputs and %d outputs, expected %d and %d",
			name, a->g->ninput, a->g->noutput, nin, nout);
		return NULL;
	}
	return a->g;
}

/* A runtime If over sequences: a Where per tensor, when both branches
 * give the same structure (the same count of tensors, each of one shape). */
static int
where_values(Inl *s, Tensor *c, Tensor *a, Tensor *b, Tensor *y)
{
	if (a->vkind != b->vkind || a->none || b->none || a->nseq != b->nseq || a->dtype != b->dtype)
		return diag_node(s->d, s->n, "condition '%s' must be a constant: the branches give values of "
			"different structure (sequences are resolved at compile time)", c->name);
	for (int i = 0; i < a->nseq; i++)
		if (!tensor_same_shape(a->seq[i], b->seq[i]))
			return diag_node(s->d, s->n, "condition '%s' must be a constant: the branches give "
				"sequences of different shapes", c->name);
	Tensor **v = arena_alloc(s->g->arena, (size_t)(a->nseq + 1) * sizeof *v);
	for (int i = 0; i < a->nseq; i++) {
		Node *w = emit(s, "Where", "select", 3, 1);
		w->in[0] = c;
		w->in[1] = a->seq[i];
		w->in[2] = b->seq[i];
		v[i] = fresh(s, "select", w, 0);
	}
	share_value(a, y);
	y->seq = v;
	return 0;
}

static int
inline_if(Inl *s)
{
	Node *n = s->n;
	Graph *tb = body(s, "then_branch", 0, n->nout), *eb = tb ? body(s, "else_branch", 0, n->nout) : NULL;
	if (!eb)
		return -1;
	Tensor *c = n->in[0];
	if (tensor_numel(c) != 1 || c->dtype != DT_BOOL)
		return diag_node(s->d, n, "condition must be one bool, is %s with %lld elements",
			dtype_name(c->dtype), (long long)tensor_numel(c));
	Tensor **to = arena_alloc(s->g->arena, (size_t)(n->nout + 1) * sizeof *to);
	Tensor **eo = arena_alloc(s->g->arena, (size_t)(n->nout + 1) * sizeof *eo);
	if (c->init) {
		int k = ((uint8_t *)c->init)[0] != 0;
		if (copy_body(s, k ? tb : eb, NULL, k ? "then" : "else", to) < 0)
			return -1;
		for (int i = 0; i < n->nout; i++)
			link(s, to[i], n->out[i]);
		return 0;
	}
	/* a runtime condition: both branches, then a select per output */
	if (copy_body(s, tb, NULL, "then", to) < 0 || copy_body(s, eb, NULL, "else", eo) < 0)
		return -1;
	for (int i = 0; i < n->nout; i++) {
		if (!n->out[i])
			continue;
		Node *w = emit(s, "Where", "select", 3, 1);
		w->in[0] = c;
		w->in[1] = to[i];
		w->in[2] = eo[i];
		w->out[0] = n->out[i];
		n->out[i]->def = w;
	}
	return 0;
}

/* Ends a Loop: final values and stacked scan outputs. scans[k*iter + t]. */
static int
loop_finish(Inl *s, int nv, int nscan, Tensor **v, Tensor **scans, int iter)
{
	Node *n = s->n;
	for (int i = 0; i < nv; i++)
		link(s, v[i], n->out[i]);
	if (nscan && iter == 0)
		return diag_node(s->d, n, "runs zero iterations but has scan outputs (their shape is unknown)");
	for (int k = 0; k < nscan; k++) {
		Tensor **col = arena_alloc(s->g->arena, (size_t)iter * sizeof *col);
		for (int t = 0; t < iter; t++)
			col[t] = scans[t * nscan + k];
		if (n->out[nv + k])
			stack(s, col, iter, 0, n->out[nv + k]);
	}
	return 0;
}

static int
loop_flag(Inl *s, Tensor *t, int64_t *v, const char *what)
{
	if (!t->init || tensor_numel(t) != 1)
		return diag_node(s->d, s->n, "%s '%s' must be a constant scalar (a compile-time "
			"constant: axcc unrolls loops)", what, t->name);
	if (t->dtype == DT_BOOL)
		*v = ((uint8_t *)t->init)[0] != 0;
	else if (dtype_is_float(t->dtype))
		*v = const_scalar(t) != 0;
	else if (const_ints(t, v, 1) != 1)
		return diag_node(s->d, s->n, "%s '%s' has an unsupported type", what, t->name);
	return 0;
}

/* One iteration: the body's copy, then a Loop node carrying the rest. */
static int
inline_loop(Inl *s)
{
	Node *n = s->n;
	Graph *b = body(s, "body", -1, -1);
	if (!b)
		return -1;
	int nv = b->ninput - 2, nscan = n->nout - nv;
	if (nv < 0 || nscan < 0 || b->noutput != 1 + nv + nscan)
		return diag_node(s->d, n, "body has %d inputs and %d outputs, the node %d outputs: they do not match",
			b->ninput, b->noutput, n->nout);
	LoopState *st = n->ctl;
	int iter = st ? st->iter : 0;
	if (n->nin != 2 + nv + nscan * iter)
		return diag_node(s->d, n, "has %d inputs, its body needs %d", n->nin, 2 + nv);
	int64_t m = INT64_MAX, go = 1;
	if (n->in[0] && loop_flag(s, n->in[0], &m, "trip count") < 0)
		return -1;
	if (n->in[1] && loop_flag(s, n->in[1], &go, "condition") < 0)
		return -1;
	Tensor **v = n->in + 2, **scans = n->in + 2 + nv;
	if (iter >= m || !go)
		return loop_finish(s, nv, nscan, v, scans, iter);
	if (iter >= INLINE_MAX_NODES)
		return diag_node(s->d, n, "unrolling runs more than %d iterations", INLINE_MAX_NODES);
	if (s->g->ninlined >= INLINE_MAX_GRAPH)
		return diag_node(s->d, n, "inlining control flow would add more than %d nodes to the graph",
			INLINE_MAX_GRAPH);
	Tensor **bind = arena_alloc(s->g->arena, (size_t)(nv + 2) * sizeof *bind);
	Tensor **out = arena_alloc(s->g->arena, (size_t)(nv + nscan + 1) * sizeof *out);
	bind[0] = const_i64(s, 0, iter);
	bind[1] = n->in[1] ? n->in[1] : const_bool(s, 1);
	memcpy(bind + 2, v, (size_t)nv * sizeof *bind);
	s->copied = st ? st->copied : 0;
	if (copy_body(s, b, bind, arena_printf(s->g->arena, "%d", iter), out) < 0)
		return -1;
	Node *c = emit(s, "Loop", "next", 2 + nv + nscan * (iter + 1), n->nout);
	c->name = n->name;
	c->op = n->op;
	c->nattr = n->nattr;
	c->attr = n->attr;
	c->scope = n->scope;
	c->in[0] = n->in[0];
	c->in[1] = n->in[1] ? out[0] : NULL;   /* without a cond input, cond_out is ignored */
	memcpy(c->in + 2, out + 1, (size_t)nv * sizeof *c->in);
	memcpy(c->in + 2 + nv, scans, (size_t)(nscan * iter) * sizeof *c->in);
	memcpy(c->in + 2 + nv + nscan * iter, out + 1 + nv, (size_t)nscan * sizeof *c->in);
	for (int i = 0; i < n->nout; i++)
		if ((c->out[i] = n->out[i]))
			c->out[i]->def = c;
	st = arena_alloc(s->g->arena, sizeof *st);
	st->iter = iter + 1;
	st->copied = s->copied;
	c->ctl = st;
	return 0;
}

typedef struct Scan {
	Graph *b;
	int nst, nx, ny;
	Tensor **st, **xs;     /* initial states; scan inputs */
	int64_t xaxis[NODE_MAXIO], xdir[NODE_MAXIO], ydir[NODE_MAXIO];
	int64_t len;
} Scan;

/* Unrolls sc->len steps: fin[] gets the final states, ys[k*len + pos] the
 * scan output k for position pos (directions applied). */
static int
scan_unroll(Inl *s, Scan *sc, Tensor **fin, Tensor **ys, const char *tag)
{
	int nst = sc->nst, nx = sc->nx, ny = sc->ny;
	Tensor **bind = arena_alloc(s->g->arena, (size_t)(nst + nx + 1) * sizeof *bind);
	Tensor **out = arena_alloc(s->g->arena, (size_t)(nst + ny + 1) * sizeof *out);
	memcpy(bind, sc->st, (size_t)nst * sizeof *bind);
	for (int64_t t = 0; t < sc->len; t++) {
		for (int j = 0; j < nx; j++)
			bind[nst + j] = gather(s, sc->xs[j], sc->xdir[j] ? sc->len - 1 - t : t, sc->xaxis[j]);
		if (copy_body(s, sc->b, bind, arena_printf(s->g->arena, "%s%lld", tag, (long long)t), out) < 0)
			return -1;
		memcpy(bind, out, (size_t)nst * sizeof *bind);
		for (int k = 0; k < ny; k++)
			ys[k * sc->len + (sc->ydir[k] ? sc->len - 1 - t : t)] = out[nst + k];
	}
	memcpy(fin, bind, (size_t)nst * sizeof *fin);
	return 0;
}

/* Reads an attribute of cnt values (default 0); 0 or -1. */
static int
scan_attr(Inl *s, const char *name, int cnt, int64_t *v, int isdir)
{
	const int64_t *a;
	int na = attr_ints(s->n, name, &a);
	for (int i = 0; i < cnt; i++)
		v[i] = na > 0 && i < na ? a[i] : 0;
	if (na >= 0 && na != cnt)
		return diag_node(s->d, s->n, "%s has %d values, expected %d", name, na, cnt);
	for (int i = 0; isdir && i < cnt; i++)
		if (v[i] != 0 && v[i] != 1)
			return diag_node(s->d, s->n, "%s[%d] is %lld, expected 0 or 1", name, i, (long long)v[i]);
	return 0;
}

/* the common sequence length along each scan input's axis */
static int
scan_len(Inl *s, Scan *sc, int seqaxis)
{
	sc->len = -1;
	for (int j = 0; j < sc->nx; j++) {
		Tensor *x = sc->xs[j];
		int64_t ax = seqaxis >= 0 ? seqaxis : sc->xaxis[j];
		if (ax < 0)
			ax += x->rank;
		if (ax < 0 || ax >= x->rank)
			return diag_node(s->d, s->n, "scan input '%s' (rank %d) has no axis %lld", x->name, x->rank,
				(long long)(seqaxis >= 0 ? seqaxis : sc->xaxis[j]));
		if (seqaxis < 0)
			sc->xaxis[j] = ax;
		if (sc->len >= 0 && x->dim[ax] != sc->len)
			return diag_node(s->d, s->n, "scan inputs have different sequence lengths (%lld and %lld)",
				(long long)sc->len, (long long)x->dim[ax]);
		sc->len = x->dim[ax];
	}
	if (sc->len <= 0 && sc->ny > 0)
		return diag_node(s->d, s->n, "has an empty sequence but scan outputs (their shape is unknown)");
	return 0;
}

static int
scan_setup(Inl *s, Scan *sc, int first)
{
	Node *n = s->n;
	sc->b = body(s, "body", -1, -1);
	if (!sc->b)
		return -1;
	int64_t nx = attr_i(n, "num_scan_inputs", -1);
	if (nx < 1 || nx > sc->b->ninput)
		return diag_node(s->d, n, "num_scan_inputs is %lld, expected 1 to %d", (long long)nx, sc->b->ninput);
	sc->nx = (int)nx;
	sc->nst = sc->b->ninput - sc->nx;
	sc->ny = sc->b->noutput - sc->nst;
	if (sc->ny < 0 || n->nout != sc->b->noutput || n->nin != first + sc->nst + sc->nx)
		return diag_node(s->d, n, "has %d inputs and %d outputs, its body %d and %d: they do not match",
			n->nin - first, n->nout, sc->b->ninput, sc->b->noutput);
	sc->st = n->in + first;
	sc->xs = n->in + first + sc->nst;
	for (int i = 0; i < sc->nst + sc->nx; i++)
		if (!n->in[first + i])
			return diag_node(s->d, n, "input %d is missing", first + i);
	return 0;
}

/* Scan-9 and later: no batch axis; per-input axes and directions. */
static int
inline_scan9(Inl *s)
{
	Node *n = s->n;
	Scan sc;
	int64_t yaxis[NODE_MAXIO];
	if (scan_setup(s, &sc, 0) < 0 ||
	    scan_attr(s, "scan_input_axes", sc.nx, sc.xaxis, 0) < 0 ||
	    scan_attr(s, "scan_input_directions", sc.nx, sc.xdir, 1) < 0 ||
	    scan_attr(s, "scan_output_axes", sc.ny, yaxis, 0) < 0 ||
	    scan_attr(s, "scan_output_directions", sc.ny, sc.ydir, 1) < 0 ||
	    scan_len(s, &sc, -1) < 0)
		return -1;
	for (int k = 0; k < sc.ny; k++)
		if (yaxis[k] < 0 && n->opset < 11)
			return diag_node(s->d, n, "negative scan_output_axes need opset 11 or later");
	Tensor **fin = arena_alloc(s->g->arena, (size_t)(sc.nst + 1) * sizeof *fin);
	Tensor **ys = arena_alloc(s->g->arena, (size_t)(sc.ny * sc.len + 1) * sizeof *ys);
	if (scan_unroll(s, &sc, fin, ys, "") < 0)
		return -1;
	for (int i = 0; i < sc.nst; i++)
		link(s, fin[i], n->out[i]);
	for (int k = 0; k < sc.ny; k++)
		if (n->out[sc.nst + k])
			stack(s, ys + k * sc.len, (int)sc.len, yaxis[k], n->out[sc.nst + k]);
	return 0;
}

/* Scan-8: axis 0 is a batch, axis 1 the sequence; one unrolling per batch item. */
static int
inline_scan8(Inl *s)
{
	Node *n = s->n;
	Scan sc;
	if (scan_setup(s, &sc, 1) < 0 || scan_attr(s, "directions", sc.nx, sc.xdir, 1) < 0 ||
	    scan_len(s, &sc, 1) < 0)
		return -1;
	memset(sc.ydir, 0, sizeof sc.ydir);
	int64_t nb = sc.xs[0]->dim[0];
	for (int i = 0; i < sc.nst + sc.nx; i++)
		if (sc.st[i]->rank < 1 || sc.st[i]->dim[0] != nb)
			return diag_node(s->d, n, "input '%s' does not have the batch size %lld", sc.st[i]->name, (long long)nb);
	Tensor *sl = n->in[0];
	if (sl) {
		if (!sl->init || sl->dtype != DT_I64 || tensor_numel(sl) != nb)
			return diag_node(s->d, n, "sequence_lens must be an int64 constant with one value per batch item");
		for (int64_t i = 0; i < nb; i++)
			if (((int64_t *)sl->init)[i] != sc.len)
				return diag_node(s->d, n, "sequence_lens differ from the sequence length %lld (not supported)",
					(long long)sc.len);
	}
	Tensor **st0 = sc.st;
	Tensor **fin = arena_alloc(s->g->arena, (size_t)(sc.nst * nb + 1) * sizeof *fin);
	Tensor **ys = arena_alloc(s->g->arena, (size_t)(sc.ny * sc.len * nb + 1) * sizeof *ys);
	Tensor **bt = arena_alloc(s->g->arena, (size_t)(sc.nst + sc.nx + 1) * sizeof *bt);
	for (int64_t b = 0; b < nb; b++) {
		for (int i = 0; i < sc.nst + sc.nx; i++)
			bt[i] = gather(s, st0[i], b, 0);
		sc.st = bt;
		sc.xs = bt + sc.nst;
		for (int j = 0; j < sc.nx; j++)
			sc.xaxis[j] = 0;
		if (scan_unroll(s, &sc, fin + b * sc.nst, ys + b * sc.ny * sc.len,
		    arena_printf(s->g->arena, "b%lld_", (long long)b)) < 0)
			return -1;
	}
	Tensor **col = arena_alloc(s->g->arena, (size_t)(nb + 1) * sizeof *col);
	for (int i = 0; i < sc.nst; i++) {
		for (int64_t b = 0; b < nb; b++)
			col[b] = fin[b * sc.nst + i];
		if (n->out[i])
			stack(s, col, (int)nb, 0, n->out[i]);
	}
	for (int k = 0; k < sc.ny; k++) {
		for (int64_t b = 0; b < nb; b++)
			col[b] = stack(s, ys + (b * sc.ny + k) * sc.len, (int)sc.len, 0, NULL);
		if (n->out[sc.nst + k])
			stack(s, col, (int)nb, 0, n->out[sc.nst + k]);
	}
	return 0;
}

/* ---- sequences and optionals ----
 * A sequence is a list of tensors known at compile time (Tensor.seq); its
 * ops only rearrange the list, or emit tensor ops: SequenceAt an Identity,
 * ConcatFromSequence a Concat, SplitToSequence Slices, SequenceMap a copy of
 * its body per element. An optional with a value is that value; without
 * one it is marked none. Positions and splits must be constants. */

static int
is_value_op(int op)
{
	switch (op) {
	case OP_SEQ_EMPTY: case OP_SEQ_CONSTRUCT: case OP_SEQ_INSERT: case OP_SEQ_ERASE:
	case OP_SEQ_AT: case OP_SEQ_LENGTH: case OP_SEQ_SPLIT: case OP_SEQ_CONCAT:
	case OP_SEQ_MAP: case OP_OPTIONAL: case OP_OPT_HAS: case OP_OPT_GET:
		return 1;
	}
	return 0;
}

int
inline_wants(const Node *n)
{
	if (n->op == OP_IF || n->op == OP_LOOP || n->op == OP_SCAN || is_value_op(n->op))
		return 1;
	if ((n->op == OP_BATCHNORM && attr_i(n, "training_mode", 0) != 0) || n->op == OP_GRADIENT)
		return 1;
	for (int i = 0; i < n->nin; i++)
		if (n->in[i] && n->in[i]->vkind)
			return 1;   /* Identity, or If's Where over branches giving sequences */
	return 0;
}

/* a constant 1-D int64 tensor */
static Tensor *
const_vec(Inl *s, const int64_t *v, int n)
{
	int64_t dim = n;
	Tensor *t = newt(s, "const");
	tensor_set(t, DT_I64, 1, &dim);
	t->init = arena_memdup(s->g->arena, v, (size_t)(n ? n : 1) * sizeof *v);
	return t;
}

/* an op with inputs in[0..nin) and one fresh output (or dst) */
static Tensor *
op_to(Inl *s, const char *op, Tensor **in, int nin, Tensor *dst)
{
	Node *c = emit(s, op, op, nin, 1);
	memcpy(c->in, in, (size_t)nin * sizeof *in);
	if (!dst)
		return fresh(s, op, c, 0);
	c->out[0] = dst;
	dst->def = c;
	return dst;
}

static Tensor *
op2(Inl *s, const char *op, Tensor *a, Tensor *b)
{
	Tensor *in[2] = {a, b};
	return op_to(s, op, in, b ? 2 : 1, NULL);
}

static Tensor *
reshape(Inl *s, Tensor *x, const int64_t *dim, int rank, Tensor *dst)
{
	Tensor *in[2] = {x, const_vec(s, dim, rank)};
	return op_to(s, "Reshape", in, 2, dst);
}

static int
seq_in(Inl *s, int i, Tensor **out)
{
	Tensor *t = s->n->in[i];
	if (!t || !(t->vkind & VK_SEQ) || t->none)
		return diag_node(s->d, s->n, "input %d '%s' is not a sequence", i, t ? t->name : "");
	if (t->nseq < 0)
		return diag_node(s->d, s->n, "sequence '%s' has no known length (a graph input needs data "
			"to fix it)", t->name);
	*out = t;
	return 0;
}

/* y becomes the sequence v[0..n) of element type dt */
static void
seq_out(Inl *s, Tensor *y, Tensor **v, int n, DType dt)
{
	if (!y)
		return;
	y->vkind = VK_SEQ;
	y->seq = arena_alloc(s->g->arena, (size_t)(n + 1) * sizeof *v);
	if (n)
		memcpy(y->seq, v, (size_t)n * sizeof *v);
	y->nseq = n;
	y->none = 0;
	y->dtype = dt;
	y->rank = 0;
	y->def = NULL;
}

/* A position input (default def), in [-len, len] for an insert, else [-len, len). */
static int
seq_pos(Inl *s, int i, int64_t len, int64_t def, int insert, int64_t *pos)
{
	Tensor *p = i < s->n->nin ? s->n->in[i] : NULL;
	*pos = def;
	if (!p)
		return 0;
	if (!p->init || tensor_numel(p) != 1 || const_ints(p, pos, 1) != 1)
		return diag_node(s->d, s->n, "position '%s' must be a constant integer scalar: axcc resolves "
			"sequences at compile time", p->name);
	if (*pos < -len || *pos > len - !insert)
		return diag_node(s->d, s->n, "position %lld is out of range for a sequence of %lld",
			(long long)*pos, (long long)len);
	if (*pos < 0)
		*pos += len;
	return 0;
}

static int
seq_split(Inl *s)
{
	Node *n = s->n;
	Tensor *x = n->in[0], *sp = n->nin > 1 ? n->in[1] : NULL;
	int axis;
	if (norm_axis(n, s->d, attr_i(n, "axis", 0), x->rank, &axis) < 0)
		return -1;
	int64_t len = x->dim[axis], size[1024];
	int keep = attr_i(n, "keepdims", 1) != 0 || sp, k = 0;
	if (len > 1024 && (!sp || sp->rank == 0))
		return diag_node(s->d, n, "splits an axis of %lld into more than 1024 tensors (not supported)",
			(long long)len);
	if (!sp) {
		for (; k < len; k++)
			size[k] = 1;
	} else {
		if (!sp->init || !dtype_is_int(sp->dtype) || sp->rank > 1)
			return diag_node(s->d, n, "split input '%s' must be a constant integer scalar or vector: "
				"the sequence's length depends on it", sp->name);
		if (sp->rank == 0) {
			int64_t c;
			const_ints(sp, &c, 1);
			if (c <= 0)
				return diag_node(s->d, n, "split is %lld, expected a positive size", (long long)c);
			for (int64_t b = 0; b < len; b += c)
				size[k++] = len - b < c ? len - b : c;
		} else {
			k = const_ints(sp, size, 1024);
			if (k < 0)
				return diag_node(s->d, n, "split has more than 1024 sizes (not supported)");
			int64_t sum = 0;
			for (int j = 0; j < k; j++) {
				if (size[j] < 0)
					return diag_node(s->d, n, "split size %lld is negative", (long long)size[j]);
				sum += size[j];
			}
			if (sum != len)
				return diag_node(s->d, n, "split sizes add up to %lld, the axis has %lld", (long long)sum,
					(long long)len);
		}
	}
	Tensor **v = arena_alloc(s->g->arena, (size_t)(k + 1) * sizeof *v);
	int64_t at = 0, ax = axis;
	for (int j = 0; j < k; j++) {
		int64_t b = at, e = at + size[j];
		Tensor *in[4] = {x, const_vec(s, &b, 1), const_vec(s, &e, 1), const_vec(s, &ax, 1)};
		v[j] = op_to(s, "Slice", in, 4, NULL);
		at = e;
		if (!keep) {
			int64_t dim[IR_MAXRANK];
			int r = 0;
			for (int q = 0; q < x->rank; q++)
				if (q != axis)
					dim[r++] = x->dim[q];
			v[j] = reshape(s, v[j], dim, r, NULL);
		}
	}
	seq_out(s, n->out[0], v, k, x->dtype);
	return 0;
}

static int
seq_concat(Inl *s)
{
	Node *n = s->n;
	Tensor *q = NULL;
	if (seq_in(s, 0, &q) < 0)
		return -1;
	if (q->nseq == 0)
		return diag_node(s->d, n, "concatenates an empty sequence");
	int newax = attr_i(n, "new_axis", 0) != 0, axis;
	Tensor *x0 = q->seq[0];
	if (norm_axis(n, s->d, attr_i(n, "axis", 0), x0->rank + newax, &axis) < 0)
		return -1;
	Tensor **v = arena_alloc(s->g->arena, (size_t)(q->nseq + 1) * sizeof *v);
	for (int i = 0; i < q->nseq; i++) {
		v[i] = q->seq[i];
		if (newax) {
			int64_t dim[IR_MAXRANK + 1];
			for (int r = 0, k = 0; r <= v[i]->rank; r++)
				dim[r] = r == axis ? 1 : v[i]->dim[k++];
			if (v[i]->rank + 1 > IR_MAXRANK)
				return diag_node(s->d, n, "the result would have rank above %d", IR_MAXRANK);
			v[i] = reshape(s, v[i], dim, v[i]->rank + 1, NULL);
		}
	}
	Node *c = emit(s, "Concat", "concat", q->nseq, 1);
	memcpy(c->in, v, (size_t)q->nseq * sizeof *v);
	add_attr(s, c, (Attr){.name = "axis", .type = AT_INT, .i = axis});
	c->out[0] = n->out[0];
	n->out[0]->def = c;
	return 0;
}

static int
seq_map(Inl *s)
{
	Node *n = s->n;
	Graph *b = body(s, "body", n->nin, n->nout);
	if (!b)
		return -1;
	Tensor *q = NULL;
	if (seq_in(s, 0, &q) < 0)
		return -1;
	int len = q->nseq;
	for (int j = 1; j < n->nin; j++)
		if (n->in[j] && (n->in[j]->vkind & VK_SEQ) && n->in[j]->nseq != len)
			return diag_node(s->d, n, "input sequences have different lengths (%d and %d)", len, n->in[j]->nseq);
	Tensor **bind = arena_alloc(s->g->arena, (size_t)(n->nin + 1) * sizeof *bind);
	Tensor **out = arena_alloc(s->g->arena, (size_t)(n->nout + 1) * sizeof *out);
	Tensor **ys = arena_alloc(s->g->arena, (size_t)(n->nout * len + 1) * sizeof *ys);
	for (int i = 0; i < len; i++) {
		for (int j = 0; j < n->nin; j++)
			bind[j] = n->in[j] && (n->in[j]->vkind & VK_SEQ) ? n->in[j]->seq[i] : n->in[j];
		if (copy_body(s, b, bind, arena_printf(s->g->arena, "%d", i), out) < 0)
			return -1;
		for (int k = 0; k < n->nout; k++) {
			if (out[k]->vkind)
				return diag_node(s->d, n, "body output %d is a sequence or optional (not supported)", k);
			ys[k * len + i] = out[k];
		}
	}
	for (int k = 0; k < n->nout; k++) {
		Tensor *o = b->output[k];
		seq_out(s, n->out[k], ys + k * len, len, len ? ys[k * len]->dtype : o->dtype ? o->dtype : DT_F32);
	}
	return 0;
}

static int
inline_value(Inl *s)
{
	Node *n = s->n;
	Tensor *q = NULL, *y = n->out[0], **v;
	int64_t pos;
	for (int i = 0; i < n->nin; i++)
		if (n->in[i] && n->in[i]->vkind && n->in[i]->nseq < 0 && !n->in[i]->none)
			return diag_node(s->d, n, "'%s' is a sequence or optional graph input whose length and "
				"shapes are unknown: axcc resolves them at compile time (axcc verify takes them from "
				"the test data)", n->in[i]->name);
	switch (n->op) {
	case OP_SEQ_EMPTY:
		seq_out(s, y, NULL, 0, (DType)attr_i(n, "dtype", DT_F32));
		return 0;
	case OP_SEQ_CONSTRUCT:
		for (int i = 1; i < n->nin; i++)
			if (!n->in[i] || n->in[i]->vkind || n->in[i]->dtype != n->in[0]->dtype)
				return diag_node(s->d, n, "inputs must be tensors of one element type");
		if (n->in[0]->vkind)
			return diag_node(s->d, n, "input '%s' is not a tensor", n->in[0]->name);
		seq_out(s, y, n->in, n->nin, n->in[0]->dtype);
		return 0;
	case OP_SEQ_INSERT:
		if (seq_in(s, 0, &q) < 0 || seq_pos(s, 2, q->nseq, q->nseq, 1, &pos) < 0)
			return -1;
		if (n->in[1]->vkind || (q->nseq && n->in[1]->dtype != q->dtype))
			return diag_node(s->d, n, "inserts '%s', which is not a tensor of the sequence's type",
				n->in[1]->name);
		v = arena_alloc(s->g->arena, (size_t)(q->nseq + 2) * sizeof *v);
		memcpy(v, q->seq, (size_t)pos * sizeof *v);
		v[pos] = n->in[1];
		memcpy(v + pos + 1, q->seq + pos, (size_t)(q->nseq - pos) * sizeof *v);
		seq_out(s, y, v, q->nseq + 1, n->in[1]->dtype);
		return 0;
	case OP_SEQ_ERASE:
		if (seq_in(s, 0, &q) < 0 || seq_pos(s, 1, q->nseq, q->nseq - 1, 0, &pos) < 0)
			return -1;
		if (q->nseq == 0)
			return diag_node(s->d, n, "erases from an empty sequence");
		v = arena_alloc(s->g->arena, (size_t)(q->nseq + 1) * sizeof *v);
		memcpy(v, q->seq, (size_t)pos * sizeof *v);
		memcpy(v + pos, q->seq + pos + 1, (size_t)(q->nseq - pos - 1) * sizeof *v);
		seq_out(s, y, v, q->nseq - 1, q->dtype);
		return 0;
	case OP_SEQ_AT:
		if (seq_in(s, 0, &q) < 0 || seq_pos(s, 1, q->nseq, 0, 0, &pos) < 0)
			return -1;
		link(s, q->seq[pos], y);
		return 0;
	case OP_SEQ_LENGTH:
		if (seq_in(s, 0, &q) < 0)
			return -1;
		link(s, const_i64(s, 0, q->nseq), y);
		return 0;
	case OP_SEQ_SPLIT:
		return seq_split(s);
	case OP_SEQ_CONCAT:
		return seq_concat(s);
	case OP_SEQ_MAP:
		return seq_map(s);
	case OP_OPTIONAL:
		if (n->nin > 0 && n->in[0]) {
			link(s, n->in[0], y);
			return 0;
		}
		y->vkind = VK_OPT;
		y->none = 1;
		y->dtype = DT_F32;
		y->rank = 0;
		y->def = NULL;
		return 0;
	case OP_OPT_HAS:
		link(s, const_bool(s, n->nin > 0 && n->in[0] && !n->in[0]->none), y);
		return 0;
	case OP_OPT_GET:
		if (n->in[0]->none)
			return diag_node(s->d, n, "optional '%s' is empty", n->in[0]->name);
		link(s, n->in[0], y);
		return 0;
	case OP_IDENTITY:
		link(s, n->in[0], y);
		return 0;
	case OP_WHERE:
		if (n->in[0]->vkind)
			break;
		return where_values(s, n->in[0], n->in[1], n->in[2], y);
	}
	return diag_node(s->d, n, "takes a sequence or optional input (not supported)");
}

/* Graph outputs: a sequence becomes its tensors, each copied to a fresh
 * output (an element may be an input or appear twice). */
int
inline_flatten_outputs(Graph *g, Diag *d)
{
	int n = 0, any = 0;
	for (int i = 0; i < g->noutput; i++) {
		Tensor *t = g->output[i];
		if (t->vkind && t->none)
			return diag_error(d, "graph output '%s' is an empty optional (not supported)", t->name);
		if (t->vkind && t->nseq < 0)
			return diag_error(d, "graph output '%s' is a sequence of unknown length", t->name);
		n += t->vkind ? t->nseq : 1;
		any |= t->vkind;
	}
	if (!any)
		return 0;
	Tensor **out = arena_alloc(g->arena, (size_t)(n + 1) * sizeof *out);
	int k = 0;
	for (int i = 0; i < g->noutput; i++) {
		Tensor *t = g->output[i];
		if (!t->vkind) {
			out[k++] = t;
			continue;
		}
		t->is_output = 0;
		for (int j = 0; j < t->nseq; j++) {
			Node *c = graph_add_node(g, "Identity", arena_printf(g->arena, "%s/%d", t->name, j), 1, 1);
			c->opset = g->opset;
			c->op = OP_IDENTITY;
			c->in[0] = t->seq[j];
			Tensor *y = graph_new_tensor(g, arena_printf(g->arena, "%s.%d", t->name, j));
			y->def = c;
			y->is_output = 1;
			c->out[0] = y;
			out[k++] = y;
		}
	}
	g->output = out;
	g->noutput = n;
	return 0;
}

/* a rank-0 float or double constant */
static Tensor *
scalar_of(Inl *s, DType dt, double v)
{
	Tensor *t = newt(s, "const");
	tensor_set(t, dt, 0, NULL);
	if (dt == DT_F64)
		t->init = arena_memdup(s->g->arena, &v, sizeof v);
	else {
		float f = (float)v;
		t->init = arena_memdup(s->g->arena, &f, sizeof f);
	}
	return t;
}

/* Training-mode BatchNormalization (opset 14+): normalizes with the batch's
 * own mean and (population) variance, and returns the updated running mean
 * and variance: running * momentum + batch * (1 - momentum). */
static int
expand_bn_training(Inl *s)
{
	Node *n = s->n;
	Tensor *x = n->in[0];
	if (x->dtype != DT_F32 && x->dtype != DT_F64)
		return diag_node(s->d, n, "training mode needs float or double input, '%s' is %s", x->name,
			dtype_name(x->dtype));
	if (x->rank < 2)
		return diag_node(s->d, n, "input '%s' has rank %d, expected 2 or more", x->name, x->rank);
	for (int i = 1; i < 5; i++)
		if (!n->in[i] || n->in[i]->dtype != x->dtype || n->in[i]->rank != 1 || n->in[i]->dim[0] != x->dim[1])
			return diag_node(s->d, n, "input %d must be a vector of %lld %s values", i,
				(long long)x->dim[1], dtype_name(x->dtype));
	int64_t axes[IR_MAXRANK], cdim[IR_MAXRANK];
	int na = 0;
	for (int r = 0; r < x->rank; r++) {
		cdim[r] = r == 1 ? x->dim[1] : 1;
		if (r != 1)
			axes[na++] = r;
	}
	double eps = attr_f(n, "epsilon", 1e-5f), mom = attr_f(n, "momentum", 0.9f);
	Attr ax = {.name = "axes", .type = AT_INTS, .n = na, .ints = arena_memdup(s->g->arena, axes, sizeof axes)};
	Tensor *mean = op2(s, "ReduceMean", x, NULL);
	add_attr(s, mean->def, ax);
	Tensor *dev = op2(s, "Sub", x, mean);
	Tensor *var = op2(s, "ReduceMean", op2(s, "Mul", dev, dev), NULL);
	add_attr(s, var->def, ax);
	Tensor *den = op2(s, "Sqrt", op2(s, "Add", var, scalar_of(s, x->dtype, eps)), NULL);
	Tensor *sc = reshape(s, n->in[1], cdim, x->rank, NULL), *bi = reshape(s, n->in[2], cdim, x->rank, NULL);
	Tensor *in[2] = {op2(s, "Mul", op2(s, "Div", dev, den), sc), bi};
	op_to(s, "Add", in, 2, n->out[0]);
	int64_t c = x->dim[1];
	for (int k = 1; k <= 2 && k < n->nout; k++) {
		if (!n->out[k])
			continue;
		Tensor *run = op2(s, "Mul", n->in[2 + k], scalar_of(s, x->dtype, mom));
		Tensor *cur = op2(s, "Mul", reshape(s, k == 1 ? mean : var, &c, 1, NULL), scalar_of(s, x->dtype, 1 - mom));
		Tensor *in2[2] = {run, cur};
		op_to(s, "Add", in2, 2, n->out[k]);
	}
	if (n->nout > 3)
		return diag_node(s->d, n, "has %d outputs; training mode gives at most 3", n->nout);
	return 0;
}

/* Gradient (ai.onnx.preview.training): reverse-mode differentiation of
 * the tensor named by y with respect to xs (the node's inputs), seeded with
 * ones, through the nodes that compute y. Elementwise Add, Sub, Mul, Div,
 * Neg and Identity on equal shapes. */
typedef struct Grad { Tensor *t, *g; } Grad;

static Tensor *
grad_of(Grad *gr, int ng, const Tensor *t)
{
	for (int i = 0; i < ng; i++)
		if (gr[i].t == t)
			return gr[i].g;
	return NULL;
}

static void
grad_add(Inl *s, Grad *gr, int *ng, Tensor *t, Tensor *g)
{
	for (int i = 0; i < *ng; i++)
		if (gr[i].t == t) {
			gr[i].g = op2(s, "Add", gr[i].g, g);
			return;
		}
	gr[*ng].t = t;
	gr[(*ng)++].g = g;
}

static Tensor *
grad_fill(Inl *s, const Tensor *like, double v)
{
	Tensor *t = newt(s, "fill");
	tensor_set(t, like->dtype, like->rank, like->dim);
	size_t k = (size_t)tensor_numel(like);
	t->init = arena_alloc(s->g->arena, (k ? k : 1) * dtype_size(like->dtype));
	for (size_t i = 0; i < k; i++)
		if (like->dtype == DT_F64)
			((double *)t->init)[i] = v;
		else
			((float *)t->init)[i] = (float)v;
	return t;
}

static int
expand_gradient(Inl *s)
{
	Node *n = s->n;
	const char *yn = attr_s(n, "y", NULL);
	const Attr *xs = attr_get(n, "xs");
	Tensor *y = yn ? graph_find(s->g, yn) : NULL;
	if (!y || !xs || xs->type != AT_STRINGS || xs->n != n->nout)
		return diag_node(s->d, n, "needs attribute y naming a tensor and xs naming one input per output");
	if (attr_get(n, "zs"))
		return diag_node(s->d, n, "attribute zs is not supported");
	if (y->dtype != DT_F32 && y->dtype != DT_F64)
		return diag_node(s->d, n, "differentiates '%s' of type %s (float or double only)", y->name,
			dtype_name(y->dtype));
	int end = s->pos - 1, cap = 2 * s->g->nnode + 2, ng = 0;
	Grad *gr = arena_alloc(s->g->arena, (size_t)cap * sizeof *gr);
	gr[ng].t = y;
	gr[ng++].g = grad_fill(s, y, 1);
	for (int i = end - 1; i >= 0; i--) {
		Node *m = s->g->node[i];
		Tensor *g = m->dead || m->nout != 1 ? NULL : grad_of(gr, ng, m->out[0]);
		if (!g)
			continue;
		Tensor *a = m->in[0], *b = m->nin > 1 ? m->in[1] : NULL;
		for (int k = 0; k < m->nin; k++)
			if (m->in[k] && !tensor_same_shape(m->in[k], m->out[0]))
				return diag_node(s->d, n, "differentiates through '%s' (%s), which broadcasts (not supported)",
					m->name, m->optype);
		if (ng + 2 >= cap)
			return diag_node(s->d, n, "too many gradients");
		switch (m->op) {
		case OP_IDENTITY:
			grad_add(s, gr, &ng, a, g);
			break;
		case OP_NEG:
			grad_add(s, gr, &ng, a, op2(s, "Neg", g, NULL));
			break;
		case OP_ADD:
			grad_add(s, gr, &ng, a, g);
			grad_add(s, gr, &ng, b, g);
			break;
		case OP_SUB:
			grad_add(s, gr, &ng, a, g);
			grad_add(s, gr, &ng, b, op2(s, "Neg", g, NULL));
			break;
		case OP_MUL:
			grad_add(s, gr, &ng, a, op2(s, "Mul", g, b));
			grad_add(s, gr, &ng, b, op2(s, "Mul", g, a));
			break;
		case OP_DIV:
			grad_add(s, gr, &ng, a, op2(s, "Div", g, b));
			grad_add(s, gr, &ng, b, op2(s, "Neg", op2(s, "Div", op2(s, "Mul", g, a), op2(s, "Mul", b, b)), NULL));
			break;
		default:
			return diag_node(s->d, n, "differentiates through '%s' (%s) (only Add, Sub, Mul, Div, Neg and "
				"Identity are supported)", m->name, m->optype);
		}
	}
	for (int k = 0; k < n->nout; k++) {
		Tensor *x = graph_find(s->g, xs->strings[k]);
		if (!x)
			return diag_node(s->d, n, "xs names '%s', which is not a tensor", xs->strings[k]);
		Tensor *g = grad_of(gr, ng, x);
		link(s, g ? g : grad_fill(s, x, 0), n->out[k]);
	}
	return 0;
}

/* Moves the nodes appended since index from to s->pos, keeping their order. */
static void
splice(Inl *s, int from)
{
	Graph *g = s->g;
	int k = g->nnode - from;
	if (k <= 0)
		return;
	Node **tmp = xmalloc((size_t)k * sizeof *tmp);
	memcpy(tmp, &g->node[from], (size_t)k * sizeof *tmp);
	memmove(&g->node[s->pos + k], &g->node[s->pos], (size_t)(from - s->pos) * sizeof *g->node);
	memcpy(&g->node[s->pos], tmp, (size_t)k * sizeof *tmp);
	free(tmp);
}

int
inline_node(Graph *g, Node *n, Diag *d)
{
	Inl s = {.g = g, .n = n, .d = d, .pos = -1};
	for (int i = 0; i < g->nnode; i++)
		if (g->node[i] == n)
			s.pos = i + 1;
	if (NEVER(s.pos < 0))
		return -1;
	int from = g->nnode, rc;
	switch (n->op) {
	case OP_IF: rc = inline_if(&s); break;
	case OP_LOOP: rc = inline_loop(&s); break;
	case OP_SCAN: rc = n->opset >= 9 ? inline_scan9(&s) : inline_scan8(&s); break;
	case OP_BATCHNORM: rc = expand_bn_training(&s); break;
	case OP_GRADIENT: rc = expand_gradient(&s); break;
	default: rc = inline_value(&s); break;
	}
	splice(&s, from);
	n->dead = 1;
	return rc;
}
