/* plan.c: memory planning. Liveness of every arena buffer over the step
 * list; in-place sharing where a step marks an input it may overwrite and
 * that input dies there; then offsets: greedy placement (lowest offset that
 * overlaps no buffer live at the same time) tried in several orders, keeping
 * the smallest arena. */
#include <stdlib.h>
#include <string.h>

#include "prog.h"

#define ALIGN 16

static void
liveness(Program *p)
{
	for (int b = 0; b < p->nbuf; b++)
		p->buf[b].first = p->buf[b].last = -1;
	for (int s = 0; s < p->nstep; s++) {
		const Step *st = &p->step[s];
		for (int pass = 0; pass < 3; pass++) {
			int cnt = pass == 0 ? st->nin : pass == 1 ? st->nout : 1;
			const int *ids = pass == 0 ? st->in : pass == 1 ? st->out : &st->scratch;
			for (int i = 0; i < cnt; i++) {
				if (ids[i] < 0)
					continue;
				Buf *r = &p->buf[buf_root(p, ids[i], NULL)];
				if (r->first < 0)
					r->first = s;
				r->last = s;
			}
		}
	}
}

/* A step's output may start `lead` bytes before its dying input (a window
 * or depthwise step writing forward, or a 1x1 conv over its own input):
 * the two stay separate buffers, linked (input to output: link, delta)
 * so that place() puts the output exactly lead bytes before the input.
 * Their only shared step is this one. Links chain (an output that
 * overlaps its input may itself be overlapped by the next step's output);
 * a chain is placed as one piece. The lead is rounded up to the
 * alignment, which keeps the output aligned; a larger lead only puts the
 * output further from what is still read. */
static void
share_overlap(Program *p, int *prev)
{
	for (int s = 0; s < p->nstep; s++) {
		const Step *st = &p->step[s];
		if (st->overlap < 0 || st->overlap >= st->nin || st->nout < 1)
			continue;
		int ib = st->in[st->overlap], ob = st->out[0];
		if (ib < 0 || ob < 0)
			continue;
		Buf *i = &p->buf[ib], *o = &p->buf[ob];
		if (i->kind != BUF_ARENA || i->scratch || o->kind != BUF_ARENA || o->scratch ||
		    i->last != s || o->first != s || ib == ob || i->link >= 0 || prev[ob] >= 0)
			continue;
		i->link = ob;
		i->delta = -(long)((st->lead + ALIGN - 1) & ~(size_t)(ALIGN - 1));
		prev[ob] = ib;
	}
}

/* out[0] of an in-place step becomes a view of the input it overwrites,
 * when that input is a plain activation whose last reader is this step. */
static void
share_inplace(Program *p, int *prev)
{
	liveness(p);
	for (int s = 0; s < p->nstep; s++) {
		const Step *st = &p->step[s];
		if (st->inplace < 0 || st->inplace >= st->nin || st->nout < 1)
			continue;
		int ib = st->in[st->inplace], ob = st->out[0];
		if (ib < 0 || ob < 0)
			continue;
		Buf *o = &p->buf[ob];
		int r = buf_root(p, ib, NULL);
		Buf *rb = &p->buf[r];
		if (o->kind != BUF_ARENA || o->scratch || rb->kind != BUF_ARENA || rb->scratch ||
		    r == ob || rb->last != s || p->buf[ib].size != o->size)
			continue;
		o->kind = BUF_ALIAS;
		o->alias = ib;
		o->alias_off = 0;
		if (o->last > rb->last)
			rb->last = o->last;
	}
	liveness(p);
	share_overlap(p, prev);
}

/* bytes a buffer occupies: aligned, and never 0 so it has an address */
static size_t
footprint(const Buf *b)
{
	size_t n = (b->size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	return n ? n : ALIGN;
}

/* chain[id]: the first buffer of id's chain of links; rel[id]: its
 * offset from the chain's lowest member */
static const int *chain;
static const long *rel;

static int
overlaps(const Buf *a, const Buf *b)
{
	if (chain[a->id] == chain[b->id])
		return 0;   /* one chain: their placement is fixed relative to each other */
	return !(a->last < b->first || b->last < a->first);
}

/* placement orders; ties broken by buffer id, so planning is deterministic */
enum { BY_SIZE, BY_AREA, BY_LIFETIME, BY_FIRST, NORDER };
static const Program *sort_p;
static int sort_key;

static double
key(const Buf *b)
{
	double size = (double)footprint(b), life = b->last - b->first + 1;
	switch (sort_key) {
	case BY_SIZE: return size;
	case BY_AREA: return size * life;
	case BY_LIFETIME: return life * 1e12 + size;
	default: return -(double)b->first * 1e12 + size;
	}
}

static int
by_key(const void *a, const void *b)
{
	const Buf *x = &sort_p->buf[*(const int *)a], *y = &sort_p->buf[*(const int *)b];
	double kx = key(x), ky = key(y);
	if (kx != ky)
		return kx > ky ? -1 : 1;
	return x->id - y->id;
}

/* The lowest offset >= o at which b fits beside the placed buffers
 * (at[id] >= 0: placed at that offset); advances past each conflict. */
static size_t
fit(const Program *p, const int *order, int n, const long *at, const Buf *b, size_t o)
{
	for (int again = 1; again;) {
		again = 0;
		for (int j = 0; j < n; j++) {
			const Buf *c = &p->buf[order[j]];
			if (at[c->id] < 0 || !overlaps(b, c))
				continue;
			size_t co = (size_t)at[c->id];
			if (o >= co + footprint(c) || co >= o + footprint(b))
				continue;
			o = co + footprint(c);
			again = 1;
		}
	}
	return o;
}

/* Greedy placement of order[0..n): each buffer at the lowest offset that
 * overlaps no placed buffer live at the same time; a chain of linked
 * buffers all together, at the lowest base where every member fits.
 * Offsets into at[] (by buffer id); returns the peak. */
static size_t
place(const Program *p, const int *order, int n, long *at)
{
	size_t peak = 0;
	for (int i = 0; i < p->nbuf; i++)
		at[i] = -1;
	for (int i = 0; i < n; i++) {
		const Buf *b = &p->buf[order[i]];
		if (at[b->id] >= 0)
			continue;   /* placed with its chain */
		int head = chain[b->id];
		size_t base = 0;
		for (int moved = 1; moved;) {
			moved = 0;
			for (int m = head; m >= 0; m = p->buf[m].link) {
				size_t want = base + (size_t)rel[m];
				size_t o = fit(p, order, n, at, &p->buf[m], want);
				if (o != want) {
					base = o - (size_t)rel[m];
					moved = 1;
					break;
				}
			}
		}
		for (int m = head; m >= 0; m = p->buf[m].link) {
			at[m] = (long)(base + (size_t)rel[m]);
			if ((size_t)at[m] + footprint(&p->buf[m]) > peak)
				peak = (size_t)at[m] + footprint(&p->buf[m]);
		}
	}
	return peak;
}

void
prog_plan(Program *p)
{
	int *prev = xmalloc((p->nbuf + 1) * sizeof *prev);
	int *head = xmalloc((p->nbuf + 1) * sizeof *head);
	long *off = xmalloc((p->nbuf + 1) * sizeof *off);
	for (int b = 0; b < p->nbuf; b++) {
		p->buf[b].link = -1;
		p->buf[b].delta = 0;
		prev[b] = -1;
	}
	share_inplace(p, prev);
	/* chains: offsets from their first buffer, then from their lowest */
	for (int b = 0; b < p->nbuf; b++) {
		if (prev[b] >= 0)
			continue;
		long lo = 0;
		off[b] = 0;
		for (int m = b; m >= 0; m = p->buf[m].link) {
			head[m] = b;
			if (p->buf[m].link >= 0)
				off[p->buf[m].link] = off[m] + p->buf[m].delta;
			lo = off[m] < lo ? off[m] : lo;
		}
		for (int m = b; m >= 0; m = p->buf[m].link)
			off[m] -= lo;
	}
	chain = head;
	rel = off;
	int *order = xmalloc((p->nbuf + 1) * sizeof *order), n = 0;
	long *at = xmalloc((p->nbuf + 1) * sizeof *at);
	for (int b = 0; b < p->nbuf; b++)
		if (p->buf[b].kind == BUF_ARENA && p->buf[b].first >= 0)
			order[n++] = b;
	size_t best = (size_t)-1;
	int best_key = BY_SIZE;
	sort_p = p;
	for (sort_key = 0; sort_key < NORDER; sort_key++) {
		qsort(order, n, sizeof *order, by_key);
		size_t peak = place(p, order, n, at);
		if (peak < best) {
			best = peak;
			best_key = sort_key;
		}
	}
	sort_key = best_key;
	qsort(order, n, sizeof *order, by_key);
	p->arena_bytes = place(p, order, n, at);
	for (int i = 0; i < n; i++)
		p->buf[order[i]].offset = (size_t)at[order[i]];
	chain = NULL;
	rel = NULL;
	free(order);
	free(at);
	free(prev);
	free(head);
	free(off);
}
