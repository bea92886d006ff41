/* export.h: writes a Graph back as an ONNX model (export.c). */
#ifndef AXCC_EXPORT_H
#define AXCC_EXPORT_H

#include "ir.h"

/* Writes canonical float graph g to path as an ONNX ModelProto: live nodes
 * in order, constants as initializers, fused activations as their own
 * nodes, g's opset, concrete input/output shapes. Returns 0, or -1 after
 * diagnostics (a node or constant ONNX cannot hold, an I/O error). */
int onnx_export(const Graph *g, const char *path, Diag *d);

#endif
