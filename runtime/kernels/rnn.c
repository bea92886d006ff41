/* rnn.c: kernels of the rnn family. */
#include "axrt.h"
