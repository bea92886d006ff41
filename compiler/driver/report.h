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
char *model_stem(const char *path);
int mkdir_p(const char *dir);
#endif
