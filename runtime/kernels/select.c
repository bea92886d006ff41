/* select.c: kernels of the select family. */
#include "axrt.h"
