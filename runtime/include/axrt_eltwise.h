/* axrt_eltwise.h: parameter structs and kernels of the eltwise family:
 * unary maps (activations, math, Clip, Cast), broadcasting binary ops
 * (arithmetic, comparisons, logic, shifts) and the ternary Where.
 * Kernel names are <op>_<type>, type one of f32 f64 f16 i8 i16 i32 i64 u8
 * u16 u32 u64 bool (bool is one byte, 0 or 1; f16 is IEEE half bits,
 * computed in float32). */
#ifndef AXRT_ELTWISE_H
#define AXRT_ELTWISE_H

#include "axrt_core.h"

/* unary: y[i] = f(x[i]) for i < n (n >= 0). Every unary kernel shares it.
 * alpha/beta by op: LeakyRelu, Elu, Celu, ThresholdedRelu: alpha;
 * Selu: alpha, gamma = beta; HardSigmoid: alpha, beta; Shrink: lambd =
 * alpha, bias = beta; others ignore them. mode: IsInf's detect_positive
 * (bit 0) and detect_negative (bit 1); 0 elsewhere.
 * Clip: in[1], in[2] point at one element of the input's type (min, max);
 * NULL means unbounded on that side. y may alias x. */
#define AXRT_UNARY_PARAMS(F, A) \
	F(int64_t, n) F(float, alpha) F(float, beta) F(int32_t, mode)

/* cast: y[i] = (to) x[i] for i < n, from/to ONNX element types (AXRT_DT_*:
 * every numeric type, bool, float16 and bfloat16). float -> integer
 * truncates toward zero (NaN gives 0, no saturation beyond the int64 range,
 * then wraps); anything -> bool is x != 0; float -> float16 rounds to
 * nearest even; float -> bfloat16 truncates (as the ONNX tests do). */
#define AXRT_CAST_PARAMS(F, A) F(int64_t, n) F(int32_t, from) F(int32_t, to)

/* binary: y = a op b with numpy broadcasting, y of shape dims[0..rank).
 * sa/sb are the element strides of a and b per output dimension, 0 where
 * that input is broadcast (1 <= rank <= AXRT_MAXRANK, dims >= 0). The
 * compiler merges dimensions so equal shapes arrive as rank 1. y may alias
 * an input only when that input has y's shape.
 * fmod: Mod only, 1 = C fmod (sign of a), 0 = Python mod (sign of b).
 * btype: Pow only, the element type of b (AXRT_DT_*: float, double, int8..
 * int64, uint8..uint64); others ignore it and take b of a's type. */
#define AXRT_BINARY_PARAMS(F, A) F(int32_t, rank) A(int32_t, dims, AXRT_MAXRANK) \
	A(int32_t, sa, AXRT_MAXRANK) A(int32_t, sb, AXRT_MAXRANK) \
	F(int32_t, fmod) F(int32_t, btype)

/* where: y = c ? a : b, broadcasting like binary with a third stride list
 * sc for the bool condition c = in[0]; a = in[1], b = in[2]. The kernels
 * move elements of 1, 2, 4 or 8 bytes, whatever their type. */
#define AXRT_WHERE_PARAMS(F, A) F(int32_t, rank) A(int32_t, dims, AXRT_MAXRANK) \
	A(int32_t, sc, AXRT_MAXRANK) A(int32_t, sa, AXRT_MAXRANK) A(int32_t, sb, AXRT_MAXRANK)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_eltwise.def"
#undef AXRT_P
#undef AXRT_K

#endif
