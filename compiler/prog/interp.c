/* interp.c: executes a Program with the runtime kernels -- the same calls
 * with the same parameters that codegen prints (DESIGN §1). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axrt.h"
#include "prog.h"

int
kernel_call(KernelId k, const void *params, const void *const *in, void *const *out, void *scratch)
{
	switch (k) {
#define AXRT_P(name, LIST)
#define AXRT_K(kn, pn) case K_##kn: return axrt_##kn((const axrt_##pn##_params *)params, in, out, scratch);
#include "axrt_all.def"
#undef AXRT_P
#undef AXRT_K
	default:
		die("kernel id %d out of range", (int)k);
	}
}

static void *
buf_ptr(const Program *p, int b, const void *const *in, void *const *out, void *arena,
	const void *const *cst)
{
	size_t off;
	if (b < 0)
		return NULL;
	int r = buf_root(p, b, &off);
	const Buf *rb = &p->buf[r];
	unsigned char *base;
	switch (rb->kind) {
	case BUF_ARENA: base = (unsigned char *)arena + rb->offset; break;
	case BUF_CONST: base = (unsigned char *)(cst && cst[r] ? cst[r] : rb->data); break;
	case BUF_INPUT: base = (unsigned char *)in[rb->io]; break;
	case BUF_OUTPUT: base = (unsigned char *)out[rb->io]; break;
	default: die("buffer %d: bad root kind", b);
	}
	return base ? base + off : NULL;
}

int
prog_run_steps(const Program *p, int from, int to, const void *const *in, void *const *out,
	void *arena, const RunHooks *h)
{
	enum { MAXPTR = NODE_MAXIO };
	const void *ip[MAXPTR];
	void *op[MAXPTR];
	const void *const *cst = h ? h->constant : NULL;
	for (int s = from; s < to; s++) {
		const Step *st = &p->step[s];
		for (int i = 0; i < st->nin; i++)
			ip[i] = buf_ptr(p, st->in[i], in, out, arena, cst);
		for (int i = 0; i < st->nout; i++)
			op[i] = buf_ptr(p, st->out[i], in, out, arena, cst);
		void *scr = buf_ptr(p, st->scratch, in, out, arena, cst);
		int rc = kernel_call(st->k, st->params, ip, op, scr);
		if (rc != 0)
			return rc;
		if (h && h->after)
			h->after(h->ctx, p, s, op, h->sample);
	}
	return 0;
}

int
prog_run(const Program *p, const void *const *in, void *const *out, void *arena)
{
	return prog_run_steps(p, 0, p->nstep, in, out, arena, NULL);
}

/* ---- batches over threads ---- */
typedef struct Worker {
	const Program *p;
	const Batch *b;
	int first, last;       /* samples [first, last) */
	int rc;
} Worker;

static void *
work(void *arg)
{
	Worker *w = arg;
	const Program *p = w->p;
	const Batch *b = w->b;
	void *arena = aligned_alloc(64, (p->arena_bytes + 63) / 64 * 64 + 64);
	const void *in[NODE_MAXIO];
	void *out[NODE_MAXIO];
	RunHooks h = b->hooks ? *b->hooks : (RunHooks){0};
	for (int i = w->first; i < w->last && w->rc == 0; i++) {
		for (int k = 0; k < p->ninput; k++)
			in[k] = (const char *)b->in[k] + (size_t)i * p->buf[p->input[k]].size;
		for (int k = 0; k < p->noutput; k++)
			out[k] = (char *)b->out[k] + (size_t)i * p->buf[p->output[k]].size;
		h.sample = i;
		w->rc = prog_run_steps(p, 0, p->nstep, in, out, arena, &h);
	}
	free(arena);
	return NULL;
}

int
nthreads_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

int
prog_run_batch(const Program *p, const Batch *b)
{
	int nt = b->nthreads > 0 ? b->nthreads : nthreads_default();
	if (nt > b->n)
		nt = b->n > 0 ? b->n : 1;
	Worker w[64];
	pthread_t th[64];
	for (int t = 0; t < nt; t++) {
		w[t] = (Worker){p, b, (int)((int64_t)b->n * t / nt), (int)((int64_t)b->n * (t + 1) / nt), 0};
		if (t > 0 && pthread_create(&th[t], NULL, work, &w[t]) != 0)
			die("cannot start a thread");
	}
	work(&w[0]);
	int rc = w[0].rc;
	for (int t = 1; t < nt; t++) {
		pthread_join(th[t], NULL);
		if (rc == 0)
			rc = w[t].rc;
	}
	return rc;
}
