/* rnn.c: the rnn op family -- shape inference and lowering. */
#include "ops.h"

int
rnn_infer(Node *n, Diag *d)
{
	return diag_node(d, n, "op family 'rnn' is not implemented yet");
}

int
rnn_lower(Node *n, Lower *l)
{
	return diag_node(l->d, n, "op family 'rnn' is not implemented yet");
}
