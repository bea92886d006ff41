/* select.c: the select op family -- shape inference and lowering. */
#include "ops.h"

int
select_infer(Node *n, Diag *d)
{
	return diag_node(d, n, "op family 'select' is not implemented yet");
}

int
select_lower(Node *n, Lower *l)
{
	return diag_node(l->d, n, "op family 'select' is not implemented yet");
}
