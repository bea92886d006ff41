/* signal.c: the signal op family -- shape inference and lowering. */
#include "ops.h"

int
signal_infer(Node *n, Diag *d)
{
	return diag_node(d, n, "op family 'signal' is not implemented yet");
}

int
signal_lower(Node *n, Lower *l)
{
	return diag_node(l->d, n, "op family 'signal' is not implemented yet");
}
