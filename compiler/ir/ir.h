/* ir.h: axcc's intermediate representation -- graph, tensors, nodes,
 * attributes -- plus the arena that owns them and the diagnostics sink.
 * Dependencies run one way: proto -> ir -> ops -> passes -> codegen -> driver. */
#ifndef AXCC_IR_H
#define AXCC_IR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IR_MAXRANK 8
#define AXCC_VERSION "0.1.0"

typedef struct Arena Arena;
typedef struct Tensor Tensor;
typedef struct Node Node;
typedef struct Graph Graph;
typedef struct Diag Diag;

/* Element types use ONNX TensorProto.DataType numbering. */
typedef enum {
	DT_UNDEF = 0, DT_F32 = 1, DT_U8 = 2, DT_I8 = 3, DT_U16 = 4, DT_I16 = 5,
	DT_I32 = 6, DT_I64 = 7, DT_STRING = 8, DT_BOOL = 9, DT_F16 = 10,
	DT_F64 = 11, DT_U32 = 12, DT_U64 = 13, DT_BF16 = 16, DT_MAX = 17
} DType;

/* ---- arena.c ---- */
Arena *arena_new(void);
void *arena_alloc(Arena *a, size_t n);        /* 16-byte aligned, zeroed; dies on OOM */
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
void *arena_memdup(Arena *a, const void *p, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...);
void arena_reset(Arena *a);                   /* frees every block but keeps the arena */
void arena_free(Arena *a);
size_t arena_used(const Arena *a);

/* ---- util.c ---- */
_Noreturn void die_at(const char *file, int line, const char *fmt, ...);
#define die(...) die_at(__FILE__, __LINE__, __VA_ARGS__)
#define ALWAYS(x) ((x) ? 1 : (die("ALWAYS(%s) failed", #x), 0))
#define NEVER(x) ((x) ? (die("NEVER(%s) failed", #x), 1) : 0)
void *xmalloc(size_t n);                      /* dies on OOM */
void *xrealloc(void *p, size_t n);
size_t dtype_size(DType t);                   /* 0 for undefined/string */
const char *dtype_name(DType t);              /* "float", "int64", ... */
const char *dtype_ctype(DType t);             /* C storage type: "float", "int64_t", ... */
int dtype_is_float(DType t);
int dtype_is_int(DType t);                    /* signed or unsigned integer, not bool */
int mul_overflows(int64_t a, int64_t b, int64_t limit); /* a*b > limit (a,b >= 0) */

/* ---- diag.c: user-facing errors, accumulated (SQLite's nErr) ---- */
struct Diag {
	const char *path;      /* model file: first word of every message */
	int nerr, nwarn;
	int capture;           /* 1: keep messages in last[] and print nothing */
	int quiet_notes;       /* 1: drop notes */
	char last[1024];       /* the most recent message (capture mode) */
	char all[4096];        /* every message joined by '\n', truncated (capture mode) */
};
Diag diag_make(const char *path);
Diag diag_capture(void);
int diag_error(Diag *d, const char *fmt, ...);   /* always returns -1 */
int diag_node(Diag *d, const Node *n, const char *fmt, ...); /* always returns -1 */
void diag_warn(Diag *d, const char *fmt, ...);
void diag_note(Diag *d, const char *fmt, ...);

/* ---- attributes (ONNX AttributeProto types) ---- */
typedef enum {
	AT_UNDEF = 0, AT_FLOAT = 1, AT_INT = 2, AT_STRING = 3, AT_TENSOR = 4,
	AT_GRAPH = 5, AT_FLOATS = 6, AT_INTS = 7, AT_STRINGS = 8
} AttrType;

typedef struct Attr {
	const char *name;
	AttrType type;
	float f;
	int64_t i;
	const char *s; size_t slen;   /* AT_STRING: bytes, NUL-terminated too */
	int n;                        /* count of floats/ints/strings */
	const float *floats;
	const int64_t *ints;
	const char **strings;
	Tensor *t;                    /* AT_TENSOR: a constant tensor (not in Graph.tensor) */
	Graph *g;                     /* AT_GRAPH: a subgraph */
} Attr;

/* ---- graph ---- */
struct Tensor {
	const char *name;      /* ONNX name, interned in the graph arena */
	int id;                /* index in Graph.tensor */
	DType dtype;           /* DT_UNDEF until import or passes/infer.c sets it */
	int rank;              /* -1: shape unknown yet */
	int64_t dim[IR_MAXRANK];
	void *init;            /* constant data, host order, C layout; NULL for activations */
	Node *def;             /* producer; NULL for inputs and constants */
	int is_input;          /* graph input (index in Graph.input is input_idx) */
	int is_output;         /* graph output */
	int nuse;              /* consumers, recomputed by graph_uses() */
	int buf;               /* buffer id during lowering (compiler/prog) */
	/* Fixed-point format (APPROX.md §3; set by passes/fixed.c, read by the
	 * fx lowering in compiler/ops/fx.c): value = code * 2^-qfrac with codes
	 * of qbits bits (2..16), stored as int8 (qbits <= 8) or int16. qbits 0:
	 * float. An activation with a format has dtype DT_I8/DT_I16. A constant
	 * (weights, bias) keeps its float init; lowering quantizes it, per output
	 * channel with qchfrac[0..qnch) when that is not NULL. qround: rounding
	 * used when this tensor is produced (AXRT_FIXED_NEAREST/_TRUNC). */
	int qbits, qfrac, qround;
	const int *qchfrac; int qnch;
	/* Sequences and optionals (passes/inline.c), resolved at compile time:
	 * vkind says what the ONNX value is; a sequence's tensors are seq[0..nseq)
	 * (nseq -1: a graph input not bound yet); an optional with a value is
	 * that value, without one it has none set. dtype is the element type. */
	int vkind;             /* VK_* bits; 0: a tensor */
	Tensor **seq; int nseq;
	int none;
	unsigned symdims;      /* graph input: bit k set when dim k was symbolic, set to 1 */
};
enum { VK_SEQ = 1, VK_OPT = 2 };

#define NODE_MAXIO 4096
struct Node {
	const char *name;      /* ONNX node name, or "<OpType>_<index>" if it had none */
	const char *optype;    /* ONNX op_type as written in the model */
	const char *domain;    /* "" for the default domain */
	int id;                /* index in Graph.node at import */
	int op;                /* OpKind from compiler/ops/ops.def; OP_UNKNOWN if unsupported */
	int opset;             /* the model's version of the default domain */
	int nin, nout;
	Tensor **in, **out;    /* absent optional inputs are NULL */
	int nattr;
	Attr *attr;
	int dead;              /* removed by a pass; graph_compact() drops it */
	int act;               /* fused activation AXRT_ACT_* (passes/fuse.c) */
	float act_alpha, act_beta;
	void *scope;           /* passes/inline.c: tensor map of the inlined body this copy came from */
	void *ctl;             /* passes/inline.c: state of a partly unrolled Loop */
};

struct Graph {
	Arena *arena;          /* owns every Node, Tensor, string and array below */
	const char *path;      /* model file: first word of every diagnostic */
	const char *name;
	int opset;             /* default-domain opset */
	Node **node; int nnode, capnode;         /* topological order */
	Tensor **tensor; int ntensor, captensor;
	Tensor **input; int ninput;              /* graph inputs that are not constants */
	Tensor **output; int noutput;
	void *names;           /* name -> Tensor hash (graph.c) */
	unsigned valid;        /* IR_* facts currently true */
	Graph *parent;         /* a subgraph (If/Loop/Scan body): the enclosing graph; shares its arena */
	int ninlined;          /* nodes made by passes/inline.c so far */
};

enum { IR_SHAPES = 1u << 0, IR_FOLDED = 1u << 1, IR_CANON = 1u << 2 };

/* ---- graph.c ---- */
Graph *graph_new(const char *path);
void graph_free(Graph *g);
Graph *graph_new_sub(Graph *parent);    /* a subgraph in parent's arena; never graph_free it */
int graph_owns(const Graph *g, const Tensor *t); /* t is in g->tensor (not an outer-scope tensor) */
Tensor *graph_tensor(Graph *g, const char *name);       /* find or create */
Tensor *graph_find(const Graph *g, const char *name);    /* NULL if absent */
Tensor *graph_new_tensor(Graph *g, const char *hint);    /* fresh unique name */
Node *graph_add_node(Graph *g, const char *optype, const char *name, int nin, int nout);
Node *graph_live_node(const Graph *g, const char *name); /* the live node so named, or NULL */
void graph_compact(Graph *g);       /* drop dead nodes, keep order */
void graph_uses(Graph *g);          /* recompute Tensor.nuse */
int graph_toposort(Graph *g, Diag *d); /* -1 with diagnostics on cycles / undefined inputs */
int64_t tensor_numel(const Tensor *t);
size_t tensor_bytes(const Tensor *t);
void tensor_set(Tensor *t, DType dt, int rank, const int64_t *dim);
int tensor_same_shape(const Tensor *a, const Tensor *b);
const char *tensor_shape_str(const Tensor *t, char *buf, size_t n); /* "1x3x224x224" */
void graph_dump(const Graph *g, FILE *f);
int graph_verify(const Graph *g, Diag *d);   /* IR invariants; -1 on a breach */

/* attributes: lookups with defaults; attr_ints returns the count, or -1 if absent */
const Attr *attr_get(const Node *n, const char *name);
int64_t attr_i(const Node *n, const char *name, int64_t def);
float attr_f(const Node *n, const char *name, float def);
const char *attr_s(const Node *n, const char *name, const char *def);
int attr_ints(const Node *n, const char *name, const int64_t **v);
int attr_floats(const Node *n, const char *name, const float **v);

/* constant access: converts an integer constant tensor (int32/int64/...) into
 * out[0..max); returns its element count, or -1 if t is not an integer constant
 * or has more than max elements. */
int const_ints(const Tensor *t, int64_t *out, int max);
double const_scalar(const Tensor *t);   /* element 0 as double; t must be constant */

/* ---- import.c ---- */
typedef struct DimBind { const char *name; int64_t value; } DimBind;
typedef struct ImportOpts {
	const DimBind *dims; int ndims;   /* --dim NAME=VALUE */
	int quiet;                        /* no notes */
} ImportOpts;
/* Reads an ONNX model into a new graph. Returns NULL after reporting errors to d. */
Graph *onnx_import(const char *path, const ImportOpts *o, Diag *d);
Graph *onnx_import_mem(const char *path, const uint8_t *buf, size_t len, const ImportOpts *o, Diag *d);
/* Decodes a serialized TensorProto (a backend-test .pb file). Returns 0 or -1. */
int tensorproto_read(const char *path, Arena *a, Tensor *t, Diag *d);

#endif
