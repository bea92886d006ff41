/* prog.h: the lowered program -- an ordered list of runtime-kernel calls over
 * buffers -- which the interpreter executes and codegen prints (DESIGN §1:
 * same kernels, same parameters, same numerics). */
#ifndef AXCC_PROG_H
#define AXCC_PROG_H

#include "ir/ir.h"

/* kernel ids, one per AXRT_K line of runtime/include/axrt_*.def */
typedef enum {
#define AXRT_P(name, LIST)
#define AXRT_K(k, p) K_##k,
#include "axrt_all.def"
#undef AXRT_P
#undef AXRT_K
	NKERNEL
} KernelId;

typedef struct KernelDef {
	const char *name;      /* "conv2d_f32": C function axrt_<name> */
	const char *params;    /* "conv": struct axrt_<params>_params */
	const char *family;    /* runtime/kernels/<family>.c */
	size_t psize;          /* sizeof the params struct */
} KernelDef;
extern const KernelDef ktab[NKERNEL];

typedef enum {
	BUF_ARENA,     /* activation in the planned arena */
	BUF_CONST,     /* weight/constant, emitted as static const */
	BUF_INPUT,     /* graph input: caller's pointer */
	BUF_OUTPUT,    /* graph output: caller's pointer */
	BUF_ALIAS      /* a view of another buffer at a byte offset */
} BufKind;

typedef struct Buf {
	int id;
	BufKind kind;
	DType dtype;
	size_t size;           /* bytes */
	const char *name;      /* tensor name or a made-up one; cname() sanitizes */
	const Tensor *t;       /* NULL for scratch and lowering-made constants */
	const void *data;      /* BUF_CONST: the bytes */
	int io;                /* BUF_INPUT/BUF_OUTPUT: graph position */
	int alias; size_t alias_off; /* BUF_ALIAS: viewed buffer and offset */
	int view;              /* BUF_ALIAS made by lower_view (Reshape...), not by
	                        * in-place sharing or Concat placement (prog/plan.c) */
	int first, last;       /* liveness in step indices (prog/plan.c) */
	size_t offset;         /* BUF_ARENA: offset in the arena (prog/plan.c) */
	int link; long delta;  /* placed with buffer `link` at offset + delta (plan.c) */
	int scratch;           /* 1: a kernel's scratch, live for one step */
} Buf;

typedef struct Step {
	KernelId k;
	const void *params;    /* ktab[k].psize bytes in the program arena */
	int nin, nout;
	int *in, *out;         /* buffer ids; -1 = absent optional */
	int scratch;           /* buffer id or -1 */
	int inplace;           /* input out[0] may overwrite (elementwise, same size), or -1;
	                        * prog/plan.c shares their memory when in[k] dies here */
	int overlap;           /* input out[0] may overlap when out[0] starts `lead` bytes
	                        * before it (a window op writing forward), or -1 */
	size_t lead;
	const Node *node;      /* the ONNX node it comes from (comments, reports) */
} Step;

typedef struct Program {
	Arena *arena;
	Graph *g;
	Buf *buf; int nbuf, capbuf;
	Step *step; int nstep, capstep;
	int *input; int ninput;      /* buffer ids of the graph inputs, in order */
	int *output; int noutput;
	size_t arena_bytes;          /* planned peak (prog/plan.c) */
} Program;

typedef struct Lower {
	Program *p;
	Diag *d;
	Arena *a;              /* == p->arena: lower functions allocate here */
} Lower;

/* lower.c */
Program *prog_lower(Graph *g, Diag *d);   /* NULL after diagnostics */
int lower_buf(Lower *l, const Tensor *t); /* buffer of a tensor (creates it); -1 for NULL */
int lower_const(Lower *l, const char *name, DType dt, size_t nbytes, const void *data);
int prog_add_buf(Program *p, BufKind kind, DType dt, size_t size, const char *name);
/* Appends a step; params are copied. in/out are buffer ids. */
Step *lower_step(Lower *l, const Node *n, KernelId k, const void *params,
		int nin, const int *in, int nout, const int *out, size_t scratch_bytes);
/* The common case: the node's inputs and outputs, in order. */
Step *lower_call(Lower *l, const Node *n, KernelId k, const void *params, size_t scratch_bytes);
/* out is a view of in (Reshape, Flatten, Squeeze...): aliases when it can,
 * copies when out is a graph output or in is not a plain activation. */
int lower_view(Lower *l, const Node *n, const Tensor *out, const Tensor *in);
int buf_root(const Program *p, int b, size_t *off);  /* follows aliases */
/* Makes the already-lowered activation `part` live inside `whole` at
 * byte_off, so its producer writes there directly (Concat without copies).
 * Returns 1 if done, 0 if part cannot move (input, constant, output...). */
int lower_place_into(Lower *l, const Tensor *part, const Tensor *whole, size_t byte_off);
/* A program evaluating one node with constant inputs (constant folding). */
Program *prog_lower_node(Graph *g, Node *n, Diag *d);
void prog_free(Program *p);
/* Bytes of the constants the steps read (what the generated C stores). */
size_t prog_weight_bytes(const Program *p);

/* plan.c */
void prog_plan(Program *p);               /* liveness + offsets, sets arena_bytes */

/* interp.c: runs the program with the runtime kernels. arena has
 * p->arena_bytes bytes (16-byte aligned). Returns 0 or a kernel's status. */
int prog_run(const Program *p, const void *const *in, void *const *out, void *arena);

/* What analyses attach to a run: a callback after every step (it may
 * change the step's outputs: error injection), and replacement data for
 * constant buffers (perturbed weights). */
typedef struct RunHooks {
	void (*after)(void *ctx, const Program *p, int step, void *const *out, int sample);
	void *ctx;
	const void *const *constant;  /* NULL, or per buffer id: data replacing a BUF_CONST */
	int sample;                   /* passed to after(); set by prog_run_batch */
} RunHooks;
/* Runs steps [from, to) only: the arena must hold what earlier steps left
 * (suffix re-runs from a saved arena). */
int prog_run_steps(const Program *p, int from, int to, const void *const *in, void *const *out,
	void *arena, const RunHooks *h);

/* n samples, each input/output k at base + i * its size; nthreads 0 = all cores.
 * Samples are split in contiguous blocks, one per thread, each with its own
 * arena; hooks are shared (after() must be thread-safe per sample). */
typedef struct Batch {
	int n;
	const void *const *in;
	void *const *out;
	int nthreads;
	const RunHooks *hooks;
} Batch;
int prog_run_batch(const Program *p, const Batch *b);
int nthreads_default(void);
int kernel_call(KernelId k, const void *params, const void *const *in, void *const *out, void *scratch);
#endif
