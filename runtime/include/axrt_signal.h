/* axrt_signal.h: parameter structs and kernels of the signal family. */
#ifndef AXRT_SIGNAL_H
#define AXRT_SIGNAL_H

#include "axrt_core.h"

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_signal.def"
#undef AXRT_P
#undef AXRT_K

#endif
