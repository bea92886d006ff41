/* quant.c: the quant op family -- shape inference and lowering. */
#include "ops.h"

int
quant_infer(Node *n, Diag *d)
{
	return diag_node(d, n, "op family 'quant' is not implemented yet");
}

int
quant_lower(Node *n, Lower *l)
{
	return diag_node(l->d, n, "op family 'quant' is not implemented yet");
}
