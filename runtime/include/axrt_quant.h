/* axrt_quant.h: parameter structs and kernels of the quant family. */
#ifndef AXRT_QUANT_H
#define AXRT_QUANT_H

#include "axrt_core.h"

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_quant.def"
#undef AXRT_P
#undef AXRT_K

#endif
