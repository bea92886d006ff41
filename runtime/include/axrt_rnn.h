/* axrt_rnn.h: parameter structs and kernels of the rnn family. */
#ifndef AXRT_RNN_H
#define AXRT_RNN_H

#include "axrt_core.h"

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_rnn.def"
#undef AXRT_P
#undef AXRT_K

#endif
