/* onnxbuild.h: builds ONNX models in tests with the protobuf-c API, so that
 * tests can make well-formed and deliberately broken models in a few lines. */
#ifndef AXCC_ONNXBUILD_H
#define AXCC_ONNXBUILD_H

#include <stdint.h>

#include "ir/ir.h"
#include "onnx.pb-c.h"

#define MB_MAXDEPTH 8
typedef struct MB {
	Arena *a;
	Onnx__ModelProto m;
	Onnx__GraphProto g;
	Onnx__OperatorSetIdProto os;
	Onnx__OperatorSetIdProto *osv[1];
	Onnx__GraphProto *cur;              /* where mb_input/mb_node/... add */
	Onnx__GraphProto *stack[MB_MAXDEPTH];
	int depth;
} MB;

MB *mb_new(int opset);
void mb_free(MB *b);
/* dims[i] < 0 becomes the symbolic dimension "N" */
void mb_input(MB *b, const char *name, int elem_type, int rank, const int64_t *dims);
void mb_output(MB *b, const char *name);
/* float initializer in raw_data; raw_bytes < 0: exact size, else that many bytes */
Onnx__TensorProto *mb_init_f32(MB *b, const char *name, int rank, const int64_t *dims,
	const float *data, long raw_bytes);
Onnx__TensorProto *mb_init_i64(MB *b, const char *name, int rank, const int64_t *dims, const int64_t *data);
/* ins/outs: comma-separated tensor names ("" entries allowed: "x,,b") */
Onnx__NodeProto *mb_node(MB *b, const char *op, const char *name, const char *ins, const char *outs);
void mb_attr_int(MB *b, Onnx__NodeProto *n, const char *name, int64_t v);
void mb_attr_float(MB *b, Onnx__NodeProto *n, const char *name, float v);
void mb_attr_ints(MB *b, Onnx__NodeProto *n, const char *name, int cnt, const int64_t *v);
/* Adds a graph attribute to n; later mb_* calls build that subgraph until
 * mb_end_graph() returns to the enclosing graph. */
Onnx__GraphProto *mb_graph_attr(MB *b, Onnx__NodeProto *n, const char *name);
void mb_end_graph(MB *b);
uint8_t *mb_pack(MB *b, size_t *len);       /* arena-owned bytes */
int mb_write(MB *b, const char *path);      /* 0 or -1 */
int write_bytes(const char *path, const void *p, size_t n);
#endif
