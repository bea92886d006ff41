/* eltwise.h: what the unary and binary families (unary.c, binary.c) share
 * about the eltwise runtime kernels (runtime/kernels/eltwise.c). */
#ifndef AXCC_ELTWISE_H
#define AXCC_ELTWISE_H

#include "ops.h"

/* ORDER ELTWISE_NUM: AXRT_ELT_NUM in axrt_eltwise.def lists op_f32 op_f64
 * op_i8 op_i16 op_i32 op_i64 op_u8 op_u16 op_u32 op_u64 in a row, so the
 * kernel of one type is the f32 kernel's id plus the type's position. */
_Static_assert(K_add_u64 == K_add_f32 + 9 && K_clip_u64 == K_clip_f32 + 9,
	"AXRT_ELT_NUM order");

/* The kernel `first` (an op's _f32 kernel) instantiated for dt, or -1 when
 * dt is not one of the ten numeric types. */
static inline int
eltwise_num_kernel(int first, DType dt)
{
	static const DType order[10] = {DT_F32, DT_F64, DT_I8, DT_I16, DT_I32,
		DT_I64, DT_U8, DT_U16, DT_U32, DT_U64};
	for (int i = 0; i < 10; i++)
		if (order[i] == dt)
			return first + i;
	return -1;
}

#endif
