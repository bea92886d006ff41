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

/* out[0] of an in-place step becomes a view of the input it overwrites,
 * when that input is a plain activation whose last reader is this step. */
static void
share_inplace(Program *p)
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
}

/* bytes a buffer occupies: aligned, and never 0 so it has an address */
static size_t
footprint(const Buf *b)
{
	size_t n = (b->size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	return n ? n : ALIGN;
}

static int
overlaps(const Buf *a, const Buf *b)
{
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

/* Greedy placement of order[0..n); offsets into off[], returns the peak. */
static size_t
place(const Program *p, const int *order, int n, size_t *off)
{
	size_t peak = 0;
	for (int i = 0; i < n; i++) {
		const Buf *b = &p->buf[order[i]];
		size_t size = footprint(b), o = 0;
		for (int again = 1; again;) {
			again = 0;
			for (int j = 0; j < i; j++) {
				const Buf *c = &p->buf[order[j]];
				if (!overlaps(b, c) || o >= off[j] + footprint(c) || off[j] >= o + size)
					continue;
				o = off[j] + footprint(c);
				again = 1;
			}
		}
		off[i] = o;
		if (o + size > peak)
			peak = o + size;
	}
	return peak;
}

void
prog_plan(Program *p)
{
	share_inplace(p);
	int *order = xmalloc((p->nbuf + 1) * sizeof *order), n = 0;
	size_t *off = xmalloc((p->nbuf + 1) * sizeof *off);
	for (int b = 0; b < p->nbuf; b++)
		if (p->buf[b].kind == BUF_ARENA && p->buf[b].first >= 0)
			order[n++] = b;
	size_t best = (size_t)-1;
	int best_key = BY_SIZE;
	sort_p = p;
	for (sort_key = 0; sort_key < NORDER; sort_key++) {
		qsort(order, n, sizeof *order, by_key);
		size_t peak = place(p, order, n, off);
		if (peak < best) {
			best = peak;
			best_key = sort_key;
		}
	}
	sort_key = best_key;
	qsort(order, n, sizeof *order, by_key);
	p->arena_bytes = place(p, order, n, off);
	for (int i = 0; i < n; i++)
		p->buf[order[i]].offset = off[i];
	free(order);
	free(off);
}
