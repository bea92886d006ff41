/* axrt_loss.h: parameter structs and kernels of the loss family. */
#ifndef AXRT_LOSS_H
#define AXRT_LOSS_H

#include "axrt_core.h"

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_loss.def"
#undef AXRT_P
#undef AXRT_K

#endif
