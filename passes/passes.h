/* passes.h: every pass has one signature; the pipeline is one table
 * (compiler/driver/pipeline.c). A pass returns 0, or -1 after its errors
 * went to cx->diag. needs/gives/breaks are IR_* facts (ir.h). */
#ifndef AXCC_PASSES_H
#define AXCC_PASSES_H

#include <stdio.h>

#include "ir/ir.h"
#include "ops.h"

typedef struct PassCtx {
	Diag *diag;
	Arena *scratch;        /* reset after each pass */
	int verbose;
} PassCtx;

typedef struct Pass {
	const char *name;
	int (*run)(Graph *g, PassCtx *cx);
	unsigned needs, gives, breaks;
} Pass;

/* infer.c -- shape and type inference of every node, in topological order,
 * folding nodes whose inputs are all constant by running them in the
 * interpreter. needs: -  gives: IR_SHAPES IR_FOLDED */
int pass_infer(Graph *g, PassCtx *cx);
/* Infers (and folds) one node; used by passes that add nodes. */
int infer_node(Graph *g, Node *n, Diag *d);
/* Evaluates node n (all inputs constant) and stores its outputs as constants. */
int fold_node(Graph *g, Node *n, Diag *d);

/* inline.c -- If, Loop and Scan spliced into the graph at compile time
 * (a constant condition picks a branch, constant trip counts unroll).
 * Called by infer_node; returns 0, or -1 after diag_node(). */
int inline_node(Graph *g, Node *n, Diag *d);
/* Whether inline_node rewrites n: control flow, sequence and optional ops
 * (resolved into lists of tensors at compile time), any node reading a
 * sequence or optional, training-mode BatchNormalization, Gradient. */
int inline_wants(const Node *n);
/* Graph outputs that are sequences become their tensors, in order, each
 * copied by an Identity. Called at the end of pass_infer. */
int inline_flatten_outputs(Graph *g, Diag *d);

/* simplify.c -- removes Identity and inference-mode Dropout.
 * needs: IR_SHAPES  gives: -  breaks: - */
int pass_simplify(Graph *g, PassCtx *cx);
/* bnfold.c -- folds BatchNormalization into the preceding Conv/Gemm
 * (and a lone BatchNormalization into nothing else). needs: IR_SHAPES */
int pass_bnfold(Graph *g, PassCtx *cx);
/* fuse.c -- fuses Relu/Clip/LeakyRelu/... into the preceding Conv/Gemm/
 * MatMul when it is the only consumer (Node.act). needs: IR_SHAPES */
int pass_fuse(Graph *g, PassCtx *cx);
/* qdq.c -- DequantizeLinear -> op -> QuantizeLinear patterns onto integer
 * kernels (docs/QDQ.md); folds the constant DequantizeLinear nodes
 * passes/infer.c leaves. needs: IR_SHAPES */
int pass_qdq(Graph *g, PassCtx *cx);
/* dce.c -- removes nodes whose outputs reach no graph output. */
int pass_dce(Graph *g, PassCtx *cx);

/* Replaces every use of tensor `from` (node inputs, graph outputs) by `to`.
 * Graph outputs keep their ONNX name: if `from` is a graph output, the
 * producer of `to` is renamed instead when possible (simplify.c). */
void graph_replace_uses(Graph *g, Tensor *from, Tensor *to);

#endif
