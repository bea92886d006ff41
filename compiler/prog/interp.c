/* interp.c: executes a Program with the runtime kernels -- the same calls
 * with the same parameters that codegen prints (DESIGN §1). */
#include <string.h>

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
buf_ptr(const Program *p, int b, const void *const *in, void *const *out, void *arena)
{
	size_t off;
	if (b < 0)
		return NULL;
	int r = buf_root(p, b, &off);
	const Buf *rb = &p->buf[r];
	unsigned char *base;
	switch (rb->kind) {
	case BUF_ARENA: base = (unsigned char *)arena + rb->offset; break;
	case BUF_CONST: base = (unsigned char *)rb->data; break;
	case BUF_INPUT: base = (unsigned char *)in[rb->io]; break;
	case BUF_OUTPUT: base = (unsigned char *)out[rb->io]; break;
	default: die("buffer %d: bad root kind", b);
	}
	return base ? base + off : NULL;
}

int
prog_run(const Program *p, const void *const *in, void *const *out, void *arena)
{
	enum { MAXPTR = NODE_MAXIO };
	const void *ip[MAXPTR];
	void *op[MAXPTR];
	for (int s = 0; s < p->nstep; s++) {
		const Step *st = &p->step[s];
		for (int i = 0; i < st->nin; i++)
			ip[i] = buf_ptr(p, st->in[i], in, out, arena);
		for (int i = 0; i < st->nout; i++)
			op[i] = buf_ptr(p, st->out[i], in, out, arena);
		void *scr = buf_ptr(p, st->scratch, in, out, arena);
		int rc = kernel_call(st->k, st->params, ip, op, scr);
		if (rc != 0)
			return rc;
	}
	return 0;
}
