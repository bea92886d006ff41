/* signal.c: kernels of the signal family. */
#include "axrt.h"
