/* axrt_rnn.h: parameter structs and kernels of the rnn family: the ONNX
 * recurrent ops RNN, GRU and LSTM in float32, one kernel each, covering
 * forward, reverse and bidirectional runs, per-entry sequence lengths,
 * initial states, LSTM peepholes and the activation choices of the spec. */
#ifndef AXRT_RNN_H
#define AXRT_RNN_H

#include "axrt_core.h"

/* Activation functions of the recurrent ops (ONNX names in comments).
 * a, b: the function's alpha and beta (the lowering fills the defaults). */
enum {
	AXRT_RNN_SIGMOID = 1,     /* Sigmoid */
	AXRT_RNN_TANH,            /* Tanh */
	AXRT_RNN_RELU,            /* Relu: max(0, x) */
	AXRT_RNN_AFFINE,          /* Affine: a * x + b */
	AXRT_RNN_LEAKYRELU,       /* LeakyRelu: x >= 0 ? x : a * x */
	AXRT_RNN_THRESHOLDEDRELU, /* ThresholdedRelu: x > a ? x : 0 */
	AXRT_RNN_SCALEDTANH,      /* ScaledTanh: a * tanh(b * x) */
	AXRT_RNN_HARDSIGMOID,     /* HardSigmoid: min(max(a * x + b, 0), 1) */
	AXRT_RNN_ELU,             /* Elu: x >= 0 ? x : a * (exp(x) - 1) */
	AXRT_RNN_SOFTSIGN,        /* Softsign: x / (1 + |x|) */
	AXRT_RNN_SOFTPLUS,        /* Softplus: log(1 + exp(x)) */
	AXRT_RNN_NACTFN
};

/* rnn_f32, gru_f32, lstm_f32: one ONNX RNN / GRU / LSTM node.
 * Sizes: T = seq, N = batch, I = input, H = hidden, D = ndir (1 or 2),
 * G gates per direction (RNN 1, GRU 3 in order z r h, LSTM 4 in order
 * i o f c).
 *   in[0] X: T x N x I (layout 0) or N x T x I (layout 1)
 *   in[1] W: D x G*H x I      in[2] R: D x G*H x H
 *   in[3] B: D x 2*G*H (W biases then R biases), or NULL for zeros
 *   in[4] sequence_lens: N int32 in [0, T], or NULL for all T
 *   in[5] initial_h: D x N x H (layout 0) or N x D x H (layout 1), or NULL
 *   LSTM only: in[6] initial_c like initial_h, in[7] P: D x 3*H peepholes
 *   (order i o f) or NULL
 *   out[0] Y: T x D x N x H (layout 0) or N x T x D x H (layout 1)
 *   out[1] Y_h, LSTM out[2] Y_c: shaped like initial_h
 * Every input and output but X, W, R may be NULL. Direction d of a
 * bidirectional node runs forward for d = 0 and reverse for d = 1; with
 * D = 1, reverse picks the direction. Entry n runs over its first
 * len = sequence_lens[n] steps only (reverse from step len-1 down to 0);
 * Y is zero at steps >= len and Y_h/Y_c hold the state after the last
 * step run, zero when len is 0 (as ONNX Runtime does).
 * Gate inputs are Xt*W^T + Ht-1*R^T (+ LSTM peephole P (.) C) + Wb + Rb,
 * clamped to [-clip, clip] when clip_on, then activated. act[3 * d + k]
 * with act_alpha/act_beta is activation k of direction d: RNN uses k = 0
 * (f), GRU k = 0, 1 (f, g), LSTM k = 0, 1, 2 (f, g, h). GRU with
 * linear_before_reset applies the reset gate after R_h and Rb_h; LSTM
 * with input_forget uses f = 1 - i. Sums accumulate in float.
 * Scratch (floats): RNN 2*H, GRU 5*H, LSTM 6*H. */
#define AXRT_RNN_PARAMS(F, A) \
	F(int32_t, seq) \
	F(int32_t, batch) \
	F(int32_t, input) \
	F(int32_t, hidden) \
	F(int32_t, ndir) \
	F(int32_t, reverse) \
	F(int32_t, layout) \
	F(int32_t, linear_before_reset) \
	F(int32_t, input_forget) \
	F(int32_t, clip_on) \
	F(float, clip) \
	A(int32_t, act, 6) \
	A(float, act_alpha, 6) \
	A(float, act_beta, 6)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_rnn.def"
#undef AXRT_P
#undef AXRT_K

#endif
