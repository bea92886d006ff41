/* testutil.h: helpers shared by the Check suites. */
#ifndef AXCC_TESTUTIL_H
#define AXCC_TESTUTIL_H

#include <check.h>
#include <math.h>

#include "ir/ir.h"
#include "ops.h"

/* A graph with one node of op `optype`, inputs x0..x{nin-1} of the given
 * dtype and shapes (shape i has rank[i] dims from dims[i]), one output y.
 * Attributes are added with tg_attr_*. Shapes are not inferred yet. */
Graph *tg_single_op(const char *optype, DType dt, int nin, const int *rank, const int64_t *const *dims);
void tg_attr_int(Graph *g, Node *n, const char *name, int64_t v);
void tg_attr_float(Graph *g, Node *n, const char *name, float v);
void tg_attr_ints(Graph *g, Node *n, const char *name, int cnt, const int64_t *v);
void tg_attr_floats(Graph *g, Node *n, const char *name, int cnt, const float *v);
void tg_attr_string(Graph *g, Node *n, const char *name, const char *v);
/* Makes tensor t a constant holding a copy of data. */
void tg_const(Graph *g, Tensor *t, DType dt, int rank, const int64_t *dims, const void *data);

/* Runs shape inference (passes) on g, lowers it and runs it in the
 * interpreter. Returns 0 or -1 (messages in *d). */
int tg_run(Graph *g, Diag *d, const void *const *in, void *const *out);

/* system() of a printf-formatted command: its exit status (128 if it did
 * not exit). */
int tg_sh(const char *fmt, ...);
/* A file's bytes, NUL-terminated (malloc'd), or NULL; *n its size if n. */
char *tg_slurp(const char *path, size_t *n);
/* A fresh directory /tmp/axcc_<tag>XXXXXX (malloc'd name). */
char *tg_tmpdir(const char *tag);

/* Runs a whole Suite and returns the process exit status. */
int tg_main(Suite *s);

#define ck_assert_float_close(a, b, tol) \
	ck_assert_msg(fabs((double)(a) - (double)(b)) <= (tol), \
		"%s = %.9g, expected %.9g (tol %g)", #a, (double)(a), (double)(b), (double)(tol))
#endif
