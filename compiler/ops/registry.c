/* registry.c: ops.def expanded into the table every pass and lowering uses. */
#include <string.h>

#include "ops.h"

const OpDef optab[NOP] = {
	[OP_UNKNOWN] = {"?", "?", 0, -1, NULL, NULL},
#define OP(onnx, E, fam, lo, hi) [OP_##E] = {onnx, #fam, lo, hi, fam##_infer, fam##_lower},
#include "ops.def"
#undef OP
};

int
op_lookup(const char *onnx)
{
	for (int i = 1; i < NOP; i++)
		if (strcmp(optab[i].onnx, onnx) == 0)
			return i;
	return OP_UNKNOWN;
}
