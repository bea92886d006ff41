/* axrt.h: the one public header of the axcc runtime. Kernels are grouped in
 * families, one header, one .def list and one source file each. */
#ifndef AXRT_H
#define AXRT_H

#include "axrt_core.h"
#include "axrt_conv.h"
#include "axrt_data.h"
#include "axrt_eltwise.h"
#include "axrt_gemm.h"
#include "axrt_norm.h"
#include "axrt_pool.h"
#include "axrt_reduce.h"
#include "axrt_select.h"
#include "axrt_quant.h"
#include "axrt_rnn.h"
#include "axrt_fixed.h"
#include "axrt_signal.h"
#include "axrt_loss.h"
#include "axrt_string.h"

#include "axrt_fx.h"
#include "axrt_qdq.h"

#endif
