/* plan.c: memory planning -- liveness of every arena buffer over the step
 * list, then offsets by greedy-by-size placement (largest first, lowest
 * offset that overlaps no buffer live at the same time). */
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

/* bytes a buffer occupies: aligned, and never 0 so it has an address */
static size_t
footprint(const Buf *b)
{
	size_t n = (b->size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	return n ? n : ALIGN;
}

static const Program *sort_p;

static int
by_size(const void *a, const void *b)
{
	const Buf *x = &sort_p->buf[*(const int *)a], *y = &sort_p->buf[*(const int *)b];
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->id - y->id;
}

static int
overlaps(const Buf *a, const Buf *b)
{
	return !(a->last < b->first || b->last < a->first);
}

void
prog_plan(Program *p)
{
	liveness(p);
	int *order = xmalloc((p->nbuf + 1) * sizeof *order), n = 0;
	for (int b = 0; b < p->nbuf; b++)
		if (p->buf[b].kind == BUF_ARENA && p->buf[b].first >= 0)
			order[n++] = b;
	sort_p = p;
	qsort(order, n, sizeof *order, by_size);
	size_t peak = 0;
	for (int i = 0; i < n; i++) {
		Buf *b = &p->buf[order[i]];
		size_t size = footprint(b), off = 0;
		/* candidate offsets: 0 and the end of every placed, overlapping buffer */
		for (int again = 1; again;) {
			again = 0;
			for (int j = 0; j < i; j++) {
				const Buf *c = &p->buf[order[j]];
				size_t csize = footprint(c);
				if (!overlaps(b, c) || off >= c->offset + csize || c->offset >= off + size)
					continue;
				off = c->offset + csize;
				again = 1;
			}
		}
		b->offset = off;
		if (off + size > peak)
			peak = off + size;
	}
	free(order);
	p->arena_bytes = peak;
}
