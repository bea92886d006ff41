/* rnn.c: kernels of the rnn family -- RNN, GRU and LSTM in float32.
 * Batch entries and directions are independent, so each (direction, entry)
 * pair runs its sequence on its own: per step one matrix-vector product
 * with W and one with R into the gate scratch, then the op's gate math.
 * Sums accumulate in float as in ONNX Runtime: (X*W^T + H*R^T) first, then
 * the peephole term, then Wb + Rb, then the clip. */
#include "axrt.h"
#include <math.h>
#include <stddef.h>
#include <string.h>

/* One activation (AXRT_RNN_*) of x with parameters a, b. Sigmoid takes
 * exp of a non-positive number only, so it never overflows. */
AXRT_PRIVATE float
rnn_act(int32_t fn, float a, float b, float x)
{
	float e;

	switch (fn) {
	case AXRT_RNN_SIGMOID:
		if (x >= 0.0f)
			return 1.0f / (1.0f + expf(-x));
		e = expf(x);
		return e / (1.0f + e);
	case AXRT_RNN_TANH: return tanhf(x);
	case AXRT_RNN_RELU: return x > 0.0f ? x : 0.0f;
	case AXRT_RNN_AFFINE: return a * x + b;
	case AXRT_RNN_LEAKYRELU: return x >= 0.0f ? x : a * x;
	case AXRT_RNN_THRESHOLDEDRELU: return x > a ? x : 0.0f;
	case AXRT_RNN_SCALEDTANH: return a * tanhf(b * x);
	case AXRT_RNN_HARDSIGMOID:
		e = a * x + b;
		return e < 0.0f ? 0.0f : e > 1.0f ? 1.0f : e;
	case AXRT_RNN_ELU: return x >= 0.0f ? x : a * (expf(x) - 1.0f);
	case AXRT_RNN_SOFTSIGN: return x / (1.0f + fabsf(x));
	case AXRT_RNN_SOFTPLUS:   /* log(1 + e^x) without overflow for large x */
		return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x));
	default:
		return x;
	}
}

/* y[j] = sum_k m[j * cols + k] * x[k] for j < rows */
AXRT_PRIVATE void
rnn_matvec(float *restrict y, const float *restrict m, const float *restrict x,
	int32_t rows, int32_t cols)
{
	for (int32_t j = 0; j < rows; j++) {
		const float *mr = m + (ptrdiff_t)j * cols;
		float acc = 0.0f;
		for (int32_t k = 0; k < cols; k++)
			acc += mr[k] * x[k];
		y[j] = acc;
	}
}

/* One direction of one batch entry: its weights, activations and the
 * scratch state. b is NULL without biases, pp NULL without peepholes. */
typedef struct {
	const axrt_rnn_params *p;
	const float *w, *r, *b, *pp;   /* G*H x I, G*H x H, 2*G*H, 3*H */
	const int32_t *fn;             /* 3 activations: f, g, h */
	const float *al, *be;          /* their alpha and beta */
	int32_t gh;                    /* G * H: offset of the R biases in b */
	float *h, *c, *g, *t;          /* state and gate scratch */
} rnn_cell;

/* Wb[j] + Rb[j], the bias of gate row j (0 without B) */
AXRT_PRIVATE float
rnn_bias(const rnn_cell *cl, int32_t j)
{
	return cl->b ? cl->b[j] + cl->b[cl->gh + j] : 0.0f;
}

/* Activation k of the cell applied to gate input v, clipped first. */
AXRT_PRIVATE float
rnn_gate(const rnn_cell *cl, int k, float v)
{
	const axrt_rnn_params *p = cl->p;

	if (p->clip_on)
		v = v > p->clip ? p->clip : v < -p->clip ? -p->clip : v;
	return rnn_act(cl->fn[k], cl->al[k], cl->be[k], v);
}

/* g[row + j] = X*W^T + H*R^T for gate rows row + j, j < n */
AXRT_PRIVATE void
rnn_preact(const rnn_cell *cl, const float *x, const float *h, int32_t row, int32_t n)
{
	const axrt_rnn_params *p = cl->p;
	float *g = cl->g + row;

	rnn_matvec(g, cl->w + (ptrdiff_t)row * p->input, x, n, p->input);
	for (int32_t j = 0; j < n; j++) {
		const float *rr = cl->r + (ptrdiff_t)(row + j) * p->hidden;
		float acc = 0.0f;
		for (int32_t k = 0; k < p->hidden; k++)
			acc += rr[k] * h[k];
		g[j] += acc;
	}
}

/* RNN: Ht = f(Xt*W^T + Ht-1*R^T + Wb + Rb) */
AXRT_PRIVATE void
rnn_step_rnn(const rnn_cell *cl, const float *x)
{
	int32_t hs = cl->p->hidden;

	rnn_preact(cl, x, cl->h, 0, hs);
	for (int32_t j = 0; j < hs; j++)
		cl->h[j] = rnn_gate(cl, 0, cl->g[j] + rnn_bias(cl, j));
}

/* The input of GRU's g into t: Xt*Wh^T + (r (.) Ht-1)*Rh^T + Wbh + Rbh, or
 * with linear_before_reset Xt*Wh^T + r (.) (Ht-1*Rh^T + Rbh) + Wbh.
 * g holds z, r, Xt*Wh^T; r is overwritten. */
AXRT_PRIVATE void
rnn_gru_hidden(const rnn_cell *cl)
{
	int32_t hs = cl->p->hidden;
	const float *rh = cl->r + (ptrdiff_t)2 * hs * hs;
	float *r = cl->g + hs, *xw = cl->g + 2 * hs, *t = cl->t;

	if (cl->p->linear_before_reset) {
		rnn_matvec(t, rh, cl->h, hs, hs);
		for (int32_t j = 0; j < hs; j++) {
			float rb = cl->b ? cl->b[cl->gh + 2 * hs + j] : 0.0f;
			float wb = cl->b ? cl->b[2 * hs + j] : 0.0f;
			t[j] = xw[j] + r[j] * (t[j] + rb) + wb;
		}
		return;
	}
	for (int32_t j = 0; j < hs; j++)
		t[j] = r[j] * cl->h[j];
	rnn_matvec(r, rh, t, hs, hs);
	for (int32_t j = 0; j < hs; j++)
		t[j] = xw[j] + r[j] + rnn_bias(cl, 2 * hs + j);
}

/* GRU: z = f(..), r = f(..), h~ = g(see rnn_gru_hidden),
 * Ht = (1 - z) (.) h~ + z (.) Ht-1 */
AXRT_PRIVATE void
rnn_step_gru(const rnn_cell *cl, const float *x)
{
	const axrt_rnn_params *p = cl->p;
	int32_t hs = p->hidden;
	float *g = cl->g, *h = cl->h;

	rnn_preact(cl, x, h, 0, 2 * hs);
	for (int32_t j = 0; j < 2 * hs; j++)
		g[j] = rnn_gate(cl, 0, g[j] + rnn_bias(cl, j));
	rnn_matvec(g + 2 * hs, cl->w + (ptrdiff_t)2 * hs * p->input, x, hs, p->input);
	rnn_gru_hidden(cl);
	for (int32_t j = 0; j < hs; j++) {
		float hh = rnn_gate(cl, 1, cl->t[j]);
		h[j] = (1.0f - g[j]) * hh + g[j] * h[j];
	}
}

/* LSTM (gates i o f c): i = f(.. + Pi (.) Ct-1), f = f(.. + Pf (.) Ct-1)
 * or 1 - i with input_forget, c~ = g(..), Ct = f (.) Ct-1 + i (.) c~,
 * o = f(.. + Po (.) Ct), Ht = o (.) h(Ct). */
AXRT_PRIVATE void
rnn_step_lstm(const rnn_cell *cl, const float *x)
{
	int32_t hs = cl->p->hidden;
	const float *pp = cl->pp;
	float *g = cl->g;

	rnn_preact(cl, x, cl->h, 0, 4 * hs);
	for (int32_t j = 0; j < hs; j++) {
		float cp = cl->c[j], gi = g[j], go = g[hs + j], gf = g[2 * hs + j], i, f, c, o;
		if (pp) {
			gi += pp[j] * cp;
			gf += pp[2 * hs + j] * cp;
		}
		i = rnn_gate(cl, 0, gi + rnn_bias(cl, j));
		f = cl->p->input_forget ? 1.0f - i : rnn_gate(cl, 0, gf + rnn_bias(cl, 2 * hs + j));
		c = rnn_gate(cl, 1, g[3 * hs + j] + rnn_bias(cl, 3 * hs + j));
		c = cp * f + i * c;
		if (pp)
			go += pp[hs + j] * c;
		o = rnn_gate(cl, 0, go + rnn_bias(cl, hs + j));
		cl->c[j] = c;
		cl->h[j] = o * rnn_act(cl->fn[2], cl->al[2], cl->be[2], c);
	}
}

/* Element offsets of X row (t, n), Y row (t, d, n) and state row (d, n)
 * for the layout. */
AXRT_PRIVATE ptrdiff_t
rnn_xoff(const axrt_rnn_params *p, int32_t t, int32_t n)
{
	ptrdiff_t row = p->layout ? (ptrdiff_t)n * p->seq + t : (ptrdiff_t)t * p->batch + n;
	return row * p->input;
}

AXRT_PRIVATE ptrdiff_t
rnn_yoff(const axrt_rnn_params *p, int32_t t, int32_t d, int32_t n)
{
	ptrdiff_t row = p->layout ? ((ptrdiff_t)n * p->seq + t) * p->ndir + d
		: ((ptrdiff_t)t * p->ndir + d) * p->batch + n;
	return row * p->hidden;
}

AXRT_PRIVATE ptrdiff_t
rnn_soff(const axrt_rnn_params *p, int32_t d, int32_t n)
{
	ptrdiff_t row = p->layout ? (ptrdiff_t)n * p->ndir + d : (ptrdiff_t)d * p->batch + n;
	return row * p->hidden;
}

typedef void (*rnn_step_fn)(const rnn_cell *cl, const float *x);

/* Copies the state row at s (or zeros when s is NULL) to dst. */
AXRT_PRIVATE void
rnn_load(float *dst, const float *s, int32_t hs)
{
	if (s)
		memcpy(dst, s, (size_t)hs * sizeof *dst);
	else
		memset(dst, 0, (size_t)hs * sizeof *dst);
}

/* Runs direction d of batch entry n over len steps; in/out as the kernel's,
 * with the LSTM-only in[6] (initial_c) and out[2] (Y_c) when lstm. */
AXRT_PRIVATE void
rnn_sequence(rnn_cell *cl, rnn_step_fn step, int lstm, int32_t d, int32_t n, int32_t len,
	const void *const *in, void *const *out)
{
	const axrt_rnn_params *p = cl->p;
	const float *x = in[0], *h0 = in[5], *c0 = lstm ? in[6] : NULL;
	float *y = out[0], *yh = out[1], *yc = lstm ? out[2] : NULL;
	int32_t hs = p->hidden, rev = p->ndir == 2 ? d : p->reverse;
	ptrdiff_t so = rnn_soff(p, d, n);

	rnn_load(cl->h, h0 ? h0 + so : NULL, hs);
	if (lstm)
		rnn_load(cl->c, c0 ? c0 + so : NULL, hs);
	for (int32_t s = 0; s < len; s++) {
		int32_t t = rev ? len - 1 - s : s;
		step(cl, x + rnn_xoff(p, t, n));
		if (y)
			memcpy(y + rnn_yoff(p, t, d, n), cl->h, (size_t)hs * sizeof *y);
	}
	for (int32_t t = len; y && t < p->seq; t++)
		memset(y + rnn_yoff(p, t, d, n), 0, (size_t)hs * sizeof *y);
	if (yh)
		rnn_load(yh + so, len ? cl->h : NULL, hs);
	if (yc)
		rnn_load(yc + so, len ? cl->c : NULL, hs);
}

/* The ranges documented in axrt_rnn.h, sequence_lens and the nact
 * activations used per direction included. */
AXRT_PRIVATE int
rnn_check(const axrt_rnn_params *p, int nact, const int32_t *lens)
{
	if (p->seq < 1 || p->batch < 1 || p->input < 1 || p->hidden < 1
	 || p->ndir < 1 || p->ndir > 2 || p->layout < 0 || p->layout > 1)
		return AXRT_EINVAL;
	for (int i = 0; i < 3 * p->ndir; i++)
		if (i % 3 < nact && (p->act[i] < AXRT_RNN_SIGMOID || p->act[i] >= AXRT_RNN_NACTFN))
			return AXRT_EINVAL;
	for (int32_t n = 0; lens && n < p->batch; n++)
		if (lens[n] < 0 || lens[n] > p->seq)
			return AXRT_EINVAL;
	return AXRT_OK;
}

/* The driver shared by the three kernels: G gates per direction, the
 * scratch split into h, c (LSTM), g (G*H) and t (GRU). */
AXRT_PRIVATE axrt_status
rnn_run(const axrt_rnn_params *p, int32_t ngate, rnn_step_fn step, int lstm,
	const void *const *in, void *const *out, float *scratch)
{
	const int32_t *lens = in[4];
	int32_t hs = p->hidden, gh;
	rnn_cell cl;

	if (rnn_check(p, ngate == 1 ? 1 : ngate - 1, lens) != AXRT_OK)
		return AXRT_EINVAL;
	gh = ngate * hs;
	memset(&cl, 0, sizeof cl);
	cl.p = p;
	cl.gh = gh;
	cl.h = scratch;
	cl.c = lstm ? scratch + hs : NULL;
	cl.g = scratch + (lstm ? 2 : 1) * hs;
	cl.t = cl.g + gh;
	for (int32_t d = 0; d < p->ndir; d++) {
		const float *w = in[1], *r = in[2], *b = in[3], *pp = lstm ? in[7] : NULL;
		cl.w = w + (ptrdiff_t)d * gh * p->input;
		cl.r = r + (ptrdiff_t)d * gh * hs;
		cl.b = b ? b + (ptrdiff_t)d * 2 * gh : NULL;
		cl.pp = pp ? pp + (ptrdiff_t)d * 3 * hs : NULL;
		cl.fn = p->act + 3 * d;
		cl.al = p->act_alpha + 3 * d;
		cl.be = p->act_beta + 3 * d;
		for (int32_t n = 0; n < p->batch; n++)
			rnn_sequence(&cl, step, lstm, d, n, lens ? lens[n] : p->seq, in, out);
	}
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(rnn_f32, rnn)
{
	return rnn_run(p, 1, rnn_step_rnn, 0, in, out, scratch);
}

AXRT_KERNEL_PROTO(gru_f32, rnn)
{
	return rnn_run(p, 3, rnn_step_gru, 0, in, out, scratch);
}

AXRT_KERNEL_PROTO(lstm_f32, rnn)
{
	return rnn_run(p, 4, rnn_step_lstm, 1, in, out, scratch);
}
