/* window.h: sliding-window geometry shared by the conv and pool op
 * families: strides, dilations, pads and auto_pad read and checked once.
 * compiler/ops/conv.c defines these functions. */
#ifndef AXCC_WINDOW_H
#define AXCC_WINDOW_H

#include "ops.h"

#define WIN_MAXSP 3   /* spatial dims the runtime kernels handle */

typedef enum { PAD_NOTSET, PAD_SAME_UPPER, PAD_SAME_LOWER, PAD_VALID } AutoPad;

typedef struct Window {
	int nsp;                      /* spatial dims (rank - 2): set by the caller */
	int64_t in[WIN_MAXSP];        /* input spatial sizes: caller */
	int64_t k[WIN_MAXSP];         /* kernel sizes: caller */
	int64_t stride[WIN_MAXSP];    /* window_attrs */
	int64_t dil[WIN_MAXSP];       /* window_attrs */
	int64_t pad[WIN_MAXSP];       /* leading pads: window_attrs, then window_infer */
	int64_t pad_end[WIN_MAXSP];   /* trailing pads: likewise */
	int64_t out[WIN_MAXSP];       /* output sizes: window_infer or convtranspose */
	AutoPad autopad;              /* window_attrs */
} Window;

/* Reads strides, dilations, pads and auto_pad of n (defaults 1, 1, 0,
 * NOTSET), checking counts and ranges. Returns 0 or -1 after diag_node(). */
int window_attrs(Node *n, Diag *d, Window *w);
/* Reads attribute `name` as exactly `want` integers >= lo into v, or
 * fills v with def when absent. Returns 0 or -1 after diag_node(). */
int window_ints(Node *n, Diag *d, const char *name, int want, int64_t def, int64_t lo, int64_t *v);
/* Output sizes and the auto_pad pads of a conv or pool window (ceil_mode
 * for pools): fails on an output size below 1. Returns 0 or -1. */
int window_infer(Node *n, Diag *d, Window *w, int ceil_mode);
/* Copies the nsp values of v into dst[3] right-aligned, def in front. */
void window_fill3(const int64_t *v, int nsp, int32_t def, int32_t *dst);
/* Checks that t's element count fits the kernels' int32 sizes. */
int window_check_size(Node *n, Diag *d, const Tensor *t);

/* conv.c: the checks Conv, ConvTranspose, ConvInteger and QLinearConv share:
 * x of rank 3 to 2 + WIN_MAXSP, w of the same rank, no empty dimension.
 * Returns 0, or -1 after diag_node(). */
int window_operands(Node *n, Diag *d, const Tensor *x, const Tensor *w);

/* Copies a conv's geometry (n, c, m, group and the in, out, k, stride,
 * dil, pad triples) between the params structs of kernel families that
 * lay those fields out alike (conv, convgemm, qconv, qdqconv). */
#define WINDOW_COPY_CONV(dst, src) do { \
	(dst)->n = (src)->n; \
	(dst)->c = (src)->c; \
	(dst)->m = (src)->m; \
	(dst)->group = (src)->group; \
	memcpy((dst)->in, (src)->in, sizeof (dst)->in); \
	memcpy((dst)->out, (src)->out, sizeof (dst)->out); \
	memcpy((dst)->k, (src)->k, sizeof (dst)->k); \
	memcpy((dst)->stride, (src)->stride, sizeof (dst)->stride); \
	memcpy((dst)->dil, (src)->dil, sizeof (dst)->dil); \
	memcpy((dst)->pad, (src)->pad, sizeof (dst)->pad); \
} while (0)

#endif
