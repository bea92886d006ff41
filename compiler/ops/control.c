/* control.c: If, Loop and Scan. passes/inline.c replaces them by their
 * bodies during inference, so these entry points only report a node that
 * escaped inlining. */
#include "ops.h"

int
control_infer(Node *n, Diag *d)
{
	return diag_node(d, n, "control-flow op was not inlined");
}

int
control_lower(Node *n, Lower *l)
{
	return diag_node(l->d, n, "control-flow op was not inlined");
}
