/* loss.c: the loss op family -- shape inference and lowering. */
#include "ops.h"

int
loss_infer(Node *n, Diag *d)
{
	return diag_node(d, n, "op family 'loss' is not implemented yet");
}

int
loss_lower(Node *n, Lower *l)
{
	return diag_node(l->d, n, "op family 'loss' is not implemented yet");
}
