/* axrt_loss.h: parameter structs and kernels of the loss family: the
 * classification losses (NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss)
 * and the optimizer steps of the ai.onnx.preview.training domain (Adagrad,
 * Adam, Momentum). float32 data; sums are accumulated in float. */
#ifndef AXRT_LOSS_H
#define AXRT_LOSS_H

#include "axrt_core.h"

/* Loss reductions (the ONNX attribute reduction). */
enum { AXRT_LOSS_NONE = 0, AXRT_LOSS_SUM = 1, AXRT_LOSS_MEAN = 2 };

/* nllloss: in[0] x, log-probabilities, n x c x inner floats; in[1] target,
 * n x inner class indices (int64 when t64, else int32); in[2] weight, c
 * floats, or NULL (all 1). A sample's loss is -x[i][t][j] * weight[t]; a
 * target equal to ignore_index (when has_ignore) has loss 0 and weight 0.
 * out[0]: the n x inner losses (reduction NONE), their sum (SUM), or their
 * sum divided by the sum of the samples' weights (MEAN: NaN when that is 0).
 * A target outside [0, c) that is not ignored: AXRT_EINVAL.
 * sce: the same with in[0] holding scores: x is replaced by log_softmax(x)
 * over c (maximum subtracted, expf summed in float); out[1], n x c x inner,
 * receives that log-probability when not NULL. No scratch. */
#define AXRT_NLLLOSS_PARAMS(F, A) F(int32_t, n) F(int32_t, c) F(int32_t, inner) \
	F(int32_t, reduction) F(int32_t, has_ignore) F(int64_t, ignore_index) F(int32_t, t64)

/* The optimizers update numel floats of one tensor. in[0] R, the learning
 * rate (1 float); in[1] T, the update count (1 int64); then the tensor's
 * inputs and outputs as listed. g = norm_coefficient * X + G throughout.
 * adagrad: in X, G, H; out X_new, H_new:
 *   H_new = H + g^2, X_new = X - R / (1 + T * decay_factor) * g / (sqrt(H_new) + epsilon).
 * adam: in X, G, V, H; out X_new, V_new, H_new:
 *   V_new = alpha V + (1 - alpha) g, H_new = beta H + (1 - beta) g^2,
 *   R' = R sqrt(1 - beta^T) / (1 - alpha^T) when T > 0, else R,
 *   X_new = (1 - norm_coefficient_post) (X - R' V_new / (sqrt(H_new) + epsilon)).
 * momentum: in X, G, V; out X_new, V_new, with b = beta when T > 0, else 1:
 *   V_new = alpha V + b g; X_new = X - R V_new (standard) or
 *   X - R (g + alpha V_new) (nesterov != 0).
 * Outputs may share memory with their own inputs. No scratch. */
#define AXRT_ADAGRAD_PARAMS(F, A) F(int32_t, numel) F(float, decay_factor) F(float, epsilon) \
	F(float, norm_coefficient)
#define AXRT_ADAM_PARAMS(F, A) F(int32_t, numel) F(float, alpha) F(float, beta) \
	F(float, epsilon) F(float, norm_coefficient) F(float, norm_coefficient_post)
#define AXRT_MOMENTUM_PARAMS(F, A) F(int32_t, numel) F(float, alpha) F(float, beta) \
	F(float, norm_coefficient) F(int32_t, nesterov)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_loss.def"
#undef AXRT_P
#undef AXRT_K

#endif
