/* quant.c: kernels of the quant family. */
#include "axrt.h"
