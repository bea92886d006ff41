/* control.c: If, Loop and Scan, the sequence and optional ops, and
 * Gradient. passes/inline.c replaces them during inference (bodies spliced
 * in, sequences resolved into lists of tensors, gradients expanded), so
 * these entry points only report a node that escaped it. */
#include "ops.h"

int
control_infer(Node *n, Diag *d)
{
	return diag_node(d, n, "was not resolved at compile time (inlining)");
}

int
control_lower(Node *n, Lower *l)
{
	return diag_node(l->d, n, "was not resolved at compile time (inlining)");
}
