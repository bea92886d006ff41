/* report.h: per-model facts shared by `compile` (N.report.json) and `info`. */
#ifndef AXCC_REPORT_H
#define AXCC_REPORT_H

#include "driver.h"

typedef struct LayerCost {
	int64_t macs;          /* multiply-accumulates of the node */
	int64_t params;        /* elements of its constant inputs */
} LayerCost;

LayerCost node_cost(const Node *n);
/* Writes DIR/N.report.json: layers, buffers (offset, size, lifetime), arena. */
int report_write(const Program *p, const Graph *g, const CodegenOpts *co, const char *dir, Diag *d);
/* The same; layers pruned by plan pl (NULL: none) also get channels_before
 * and channels_removed (every Conv/Gemm/MatMul has channels, the count now). */
struct Plan;
int report_write_plan(const Program *p, const Graph *g, const CodegenOpts *co, const struct Plan *pl,
	const char *dir, Diag *d);
char *model_stem(const char *path);
int mkdir_p(const char *dir);
#endif
