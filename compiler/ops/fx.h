/* fx.h: helpers shared by the fixed-point lowering files: compiler/ops/fx.c
 * (formats, constants, the boundary ops, dispatch and data movement) and
 * compiler/ops/fx_nn.c (conv, gemm, pooling, Add/Mul, tables). */
#ifndef AXCC_FX_H
#define AXCC_FX_H

#include "axrt.h"
#include "ops.h"

/* A tensor's format: bits (2..16), frac, round and the runtime storage
 * type (AXRT_DT_INT8 or AXRT_DT_INT16). */
typedef struct FxFmt {
	int bits, frac, round, t;
} FxFmt;

/* fx.c */
/* The format of a fixed-point activation t, checked (bits in 2..16,
 * dtype int8 for bits <= 8 else int16). Returns 0 or -1 after diag_node(). */
int fx_fmt(Node *n, Diag *d, const Tensor *t, FxFmt *f);
/* A requantization shift a - b clamped to what axrt_fx_shift takes. */
int32_t fx_shift_of(int64_t a, int64_t b);
/* The smallest and largest code of f. */
int32_t fx_min(const FxFmt *f);
int32_t fx_max(const FxFmt *f);
/* v (a real value) as a code of f: round (f->round) and saturate, the
 * quantizer of axrt_fixed.h in double. */
int32_t fx_code(double v, const FxFmt *f);
/* v * 2^s rounded half to even, saturated to int32. */
int32_t fx_round_i32(double v, int s);
/* A constant buffer with the codes of constant t in format f (its own
 * format when it has one, else 16 bits with frac from its largest value). */
int fx_const_codes(Node *n, Lower *l, const Tensor *t, FxFmt *f);
/* Lowers `from` into `to` as fx_requant (same element order). */
int fx_lower_requant(Node *n, Lower *l, const Tensor *from, const FxFmt *ff, int fromb,
	const Tensor *to, const FxFmt *tf, int tob, int32_t lo, int32_t hi);
/* A fresh arena activation for an intermediate in format f. */
int fx_temp(Lower *l, const Node *n, const FxFmt *f, int64_t numel, const char *what);

/* fx_nn.c: the compute ops. Each returns 0 or -1 after diag_node(). */
int fx_lower_conv(Node *n, Lower *l);
int fx_lower_gemm(Node *n, Lower *l);
int fx_lower_pool(Node *n, Lower *l);
int fx_lower_binary(Node *n, Lower *l);
int fx_lower_table(Node *n, Lower *l);
int fx_lower_softmax(Node *n, Lower *l);

#endif
