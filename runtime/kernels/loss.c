/* loss.c: kernels of the loss family -- NegativeLogLikelihoodLoss,
 * SoftmaxCrossEntropyLoss and the optimizer steps Adagrad, Adam and
 * Momentum (ai.onnx.preview.training). float32; sums accumulate in float. */
#include "axrt.h"
#include <math.h>

/* Target k of a loss (int64 or int32 storage). */
AXRT_PRIVATE int64_t
loss_target(const void *t, int32_t t64, size_t k)
{
	return t64 ? ((const int64_t *)t)[k] : (int64_t)((const int32_t *)t)[k];
}

/* The class of sample (i, j) in [0, c), -1 when it is ignored, or -2 when
 * it is out of range. */
AXRT_PRIVATE int64_t
loss_class(const axrt_nllloss_params *p, const void *target, size_t k)
{
	int64_t t = loss_target(target, p->t64, k);
	if (p->has_ignore && t == p->ignore_index)
		return -1;
	return t >= 0 && t < p->c ? t : -2;
}

AXRT_PRIVATE int
loss_check(const axrt_nllloss_params *p)
{
	return p->n >= 0 && p->c > 0 && p->inner >= 0 &&
		p->reduction >= AXRT_LOSS_NONE && p->reduction <= AXRT_LOSS_MEAN;
}

/* The maximum m of the c values at x (stride inner) and log(sum exp(x - m))
 * in *ls: log_softmax(x) = x - m - ls. */
AXRT_PRIVATE float
loss_lse(const float *x, int32_t c, int32_t inner, float *ls)
{
	float m = x[0], s = 0.0f;

	for (int32_t q = 1; q < c; q++)
		if (x[(size_t)q * inner] > m)
			m = x[(size_t)q * inner];
	for (int32_t q = 0; q < c; q++)
		s += expf(x[(size_t)q * inner] - m);
	*ls = logf(s);
	return m;
}

/* The log-probability of class t of sample (i, j): read from x, or (soft)
 * computed as log_softmax of the scores in x. */
AXRT_PRIVATE float
loss_logprob(const axrt_nllloss_params *p, const float *x, int32_t i, int32_t j, int64_t t, int soft)
{
	const float *xs = x + (size_t)i * p->c * p->inner + j;
	float m, ls;

	if (!soft)
		return xs[(size_t)t * p->inner];
	m = loss_lse(xs, p->c, p->inner, &ls);
	return xs[(size_t)t * p->inner] - m - ls;
}

/* The weighted negative log-likelihood of every sample, reduced as asked. */
AXRT_PRIVATE axrt_status
loss_nll(const axrt_nllloss_params *p, const float *x, const void *target,
	const float *weight, float *loss, int soft)
{
	float sum = 0.0f, wsum = 0.0f;

	for (int32_t i = 0; i < p->n; i++)
		for (int32_t j = 0; j < p->inner; j++) {
			size_t k = (size_t)i * p->inner + j;
			int64_t t = loss_class(p, target, k);
			float w = 0.0f, l = 0.0f;
			if (t == -2)
				return AXRT_EINVAL;
			if (t >= 0) {
				w = weight ? weight[t] : 1.0f;
				l = -loss_logprob(p, x, i, j, t, soft) * w;
			}
			if (p->reduction == AXRT_LOSS_NONE)
				loss[k] = l;
			sum += l;
			wsum += w;
		}
	if (p->reduction == AXRT_LOSS_SUM)
		loss[0] = sum;
	else if (p->reduction == AXRT_LOSS_MEAN)
		loss[0] = sum / wsum;
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(nllloss_f32, nllloss)
{
	(void)scratch;
	if (!loss_check(p))
		return AXRT_EINVAL;
	return loss_nll(p, in[0], in[1], in[2], out[0], 0);
}

/* With a log_prob output the whole log_softmax is written there first;
 * without one only each sample's target entry is computed. */
AXRT_KERNEL_PROTO(sce_f32, nllloss)
{
	const float *x = in[0];
	float *lp = out[1];

	(void)scratch;
	if (!loss_check(p))
		return AXRT_EINVAL;
	if (!lp)
		return loss_nll(p, x, in[1], in[2], out[0], 1);
	for (int32_t i = 0; i < p->n; i++)
		for (int32_t j = 0; j < p->inner; j++) {
			size_t off = (size_t)i * p->c * p->inner + j;
			float m, ls;
			m = loss_lse(x + off, p->c, p->inner, &ls);
			for (int32_t q = 0; q < p->c; q++)
				lp[off + (size_t)q * p->inner] = x[off + (size_t)q * p->inner] - m - ls;
		}
	return loss_nll(p, lp, in[1], in[2], out[0], 0);
}

/* ---- optimizers ---- */

AXRT_KERNEL_PROTO(adagrad_f32, adagrad)
{
	const float *x = in[2], *g = in[3], *h = in[4];
	float *xn = out[0], *hn = out[1];
	float r = *(const float *)in[0] / (1.0f + (float)*(const int64_t *)in[1] * p->decay_factor);

	(void)scratch;
	if (p->numel < 0)
		return AXRT_EINVAL;
	for (int32_t i = 0; i < p->numel; i++) {
		float gr = p->norm_coefficient * x[i] + g[i];
		float hv = h[i] + gr * gr;
		xn[i] = x[i] - r * gr / (sqrtf(hv) + p->epsilon);
		hn[i] = hv;
	}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(adam_f32, adam)
{
	const float *x = in[2], *g = in[3], *v = in[4], *h = in[5];
	float *xn = out[0], *vn = out[1], *hn = out[2];
	float r = *(const float *)in[0];
	int64_t t = *(const int64_t *)in[1];

	(void)scratch;
	if (p->numel < 0)
		return AXRT_EINVAL;
	if (t > 0)
		r = r * sqrtf(1.0f - powf(p->beta, (float)t)) / (1.0f - powf(p->alpha, (float)t));
	for (int32_t i = 0; i < p->numel; i++) {
		float gr = p->norm_coefficient * x[i] + g[i];
		float vv = p->alpha * v[i] + (1.0f - p->alpha) * gr;
		float hv = p->beta * h[i] + (1.0f - p->beta) * gr * gr;
		float xv = x[i] - r * (vv / (sqrtf(hv) + p->epsilon));
		xn[i] = (1.0f - p->norm_coefficient_post) * xv;
		vn[i] = vv;
		hn[i] = hv;
	}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(momentum_f32, momentum)
{
	const float *x = in[2], *g = in[3], *v = in[4];
	float *xn = out[0], *vn = out[1];
	float r = *(const float *)in[0];
	float b = *(const int64_t *)in[1] > 0 ? p->beta : 1.0f;

	(void)scratch;
	if (p->numel < 0)
		return AXRT_EINVAL;
	for (int32_t i = 0; i < p->numel; i++) {
		float gr = p->norm_coefficient * x[i] + g[i];
		float vv = p->alpha * v[i] + b * gr;
		xn[i] = p->nesterov ? x[i] - r * (gr + p->alpha * vv) : x[i] - r * vv;
		vn[i] = vv;
	}
	return AXRT_OK;
}
