/* axrt_select.h: parameter structs and kernels of the select family. */
#ifndef AXRT_SELECT_H
#define AXRT_SELECT_H

#include "axrt_core.h"

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_select.def"
#undef AXRT_P
#undef AXRT_K

#endif
