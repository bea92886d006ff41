/* loss.c: kernels of the loss family. */
#include "axrt.h"
