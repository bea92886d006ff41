/* test_rt_rnn.c: the rnn family's kernels (runtime/kernels/rnn.c) against a
 * straightforward double-precision reference of the ONNX RNN, GRU and LSTM
 * equations written here, over random small cases that sweep directions,
 * layouts, sequence lengths, initial states, peepholes, clip and every
 * activation function. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"

enum { OPRNN, OPGRU, OPLSTM };
enum { MAXT = 5, MAXN = 3, MAXI = 4, MAXH = 5 };

static uint32_t seed = 4242;

static float
frand(void)   /* uniform in [-1, 1), deterministic */
{
	seed = seed * 1664525u + 1013904223u;
	return (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static int
irand(int lo, int hi)   /* uniform in [lo, hi] */
{
	seed = seed * 1664525u + 1013904223u;
	return lo + (int)((seed >> 8) % (uint32_t)(hi - lo + 1));
}

/* The activation functions as the ONNX operator docs define them. */
static double
ref_fn(int fn, double a, double b, double x)
{
	switch (fn) {
	case AXRT_RNN_SIGMOID: return 1 / (1 + exp(-x));
	case AXRT_RNN_TANH: return tanh(x);
	case AXRT_RNN_RELU: return x > 0 ? x : 0;
	case AXRT_RNN_AFFINE: return a * x + b;
	case AXRT_RNN_LEAKYRELU: return x >= 0 ? x : a * x;
	case AXRT_RNN_THRESHOLDEDRELU: return x > a ? x : 0;
	case AXRT_RNN_SCALEDTANH: return a * tanh(b * x);
	case AXRT_RNN_HARDSIGMOID: return fmin(fmax(a * x + b, 0), 1);
	case AXRT_RNN_ELU: return x >= 0 ? x : a * (exp(x) - 1);
	case AXRT_RNN_SOFTSIGN: return x / (1 + fabs(x));
	case AXRT_RNN_SOFTPLUS: return log(1 + exp(x));
	}
	ck_abort_msg("bad activation %d", fn);
	return 0;
}

/* One test case: the kernel's parameters and its inputs. NULL pointers
 * are absent optional inputs. */
typedef struct {
	int op, ngate;
	axrt_rnn_params p;
	float x[MAXT * MAXN * MAXI];
	float w[2 * 4 * MAXH * MAXI], r[2 * 4 * MAXH * MAXH], b[2 * 8 * MAXH], pp[2 * 3 * MAXH];
	float h0[2 * MAXN * MAXH], c0[2 * MAXN * MAXH];
	int32_t lens[MAXN];
	int has_b, has_lens, has_h0, has_c0, has_p;
} Case;

/* Activation k of direction d at v, with the clip on its input. */
static double
ref_gate(const Case *c, int d, int k, double v)
{
	const axrt_rnn_params *p = &c->p;
	if (p->clip_on)
		v = fmax(-p->clip, fmin(p->clip, v));
	return ref_fn(p->act[3 * d + k], p->act_alpha[3 * d + k], p->act_beta[3 * d + k], v);
}

/* Row `row` of W times x plus bias Wb[row] (direction d). */
static double
ref_wx(const Case *c, int d, int row, const float *x)
{
	const axrt_rnn_params *p = &c->p;
	int gh = c->ngate * p->hidden;
	double s = c->has_b ? c->b[d * 2 * gh + row] : 0;
	for (int i = 0; i < p->input; i++)
		s += (double)c->w[(d * gh + row) * p->input + i] * x[i];
	return s;
}

/* Row `row` of R times h plus bias Rb[row] (direction d). */
static double
ref_rh(const Case *c, int d, int row, const double *h)
{
	const axrt_rnn_params *p = &c->p;
	int gh = c->ngate * p->hidden;
	double s = c->has_b ? c->b[d * 2 * gh + gh + row] : 0;
	for (int i = 0; i < p->hidden; i++)
		s += (double)c->r[(d * gh + row) * p->hidden + i] * h[i];
	return s;
}

/* One time step of direction d: updates h (and cell for LSTM). */
static void
ref_step(const Case *c, int d, const float *x, double *h, double *cell)
{
	int H = c->p.hidden;
	double hn[MAXH], rh[MAXH];

	for (int j = 0; j < H; j++) {
		if (c->op == OPRNN) {
			hn[j] = ref_gate(c, d, 0, ref_wx(c, d, j, x) + ref_rh(c, d, j, h));
		} else if (c->op == OPGRU) {
			double z = ref_gate(c, d, 0, ref_wx(c, d, j, x) + ref_rh(c, d, j, h));
			double rr, ht;
			for (int k = 0; k < H; k++)   /* r for every unit */
				rh[k] = ref_gate(c, d, 0, ref_wx(c, d, H + k, x) + ref_rh(c, d, H + k, h)) * h[k];
			rr = ref_gate(c, d, 0, ref_wx(c, d, H + j, x) + ref_rh(c, d, H + j, h));
			if (c->p.linear_before_reset)
				ht = ref_wx(c, d, 2 * H + j, x) + rr * ref_rh(c, d, 2 * H + j, h);
			else
				ht = ref_wx(c, d, 2 * H + j, x) + ref_rh(c, d, 2 * H + j, rh);
			hn[j] = (1 - z) * ref_gate(c, d, 1, ht) + z * h[j];
		} else {
			const float *P = c->pp + d * 3 * H;
			double pi = c->has_p ? P[j] : 0, po = c->has_p ? P[H + j] : 0, pf = c->has_p ? P[2 * H + j] : 0;
			double i = ref_gate(c, d, 0, ref_wx(c, d, j, x) + ref_rh(c, d, j, h) + pi * cell[j]);
			double f = c->p.input_forget ? 1 - i
				: ref_gate(c, d, 0, ref_wx(c, d, 2 * H + j, x) + ref_rh(c, d, 2 * H + j, h) + pf * cell[j]);
			double g = ref_gate(c, d, 1, ref_wx(c, d, 3 * H + j, x) + ref_rh(c, d, 3 * H + j, h));
			double cn = f * cell[j] + i * g;
			double o = ref_gate(c, d, 0, ref_wx(c, d, H + j, x) + ref_rh(c, d, H + j, h) + po * cn);
			cell[H + j] = cn;   /* the new cell goes to the upper half until all j are done */
			hn[j] = o * ref_fn(c->p.act[3 * d + 2], c->p.act_alpha[3 * d + 2], c->p.act_beta[3 * d + 2], cn);
		}
	}
	for (int j = 0; j < H; j++) {
		h[j] = hn[j];
		if (c->op == OPLSTM)
			cell[j] = cell[H + j];
	}
}

/* Y, Y_h, Y_c in double, layout 0 (T x D x N x H, D x N x H). Inputs in
 * the case's layout are indexed directly here. */
static void
ref_run(const Case *c, double *y, double *yh, double *yc)
{
	const axrt_rnn_params *p = &c->p;
	int T = p->seq, N = p->batch, D = p->ndir, H = p->hidden, I = p->input;

	memset(y, 0, sizeof(double) * T * D * N * H);
	for (int d = 0; d < D; d++)
	for (int n = 0; n < N; n++) {
		double h[MAXH] = {0}, cell[2 * MAXH] = {0};
		int len = c->has_lens ? c->lens[n] : T, rev = D == 2 ? d : p->reverse;
		int srow = p->layout ? n * D + d : d * N + n;
		for (int j = 0; j < H; j++) {
			h[j] = c->has_h0 ? c->h0[srow * H + j] : 0;
			cell[j] = c->has_c0 ? c->c0[srow * H + j] : 0;
		}
		for (int s = 0; s < len; s++) {
			int t = rev ? len - 1 - s : s;
			const float *x = c->x + (p->layout ? n * T + t : t * N + n) * I;
			ref_step(c, d, x, h, cell);
			for (int j = 0; j < H; j++)
				y[((t * D + d) * N + n) * H + j] = h[j];
		}
		for (int j = 0; j < H; j++) {
			yh[(d * N + n) * H + j] = len ? h[j] : 0;
			yc[(d * N + n) * H + j] = len ? cell[j] : 0;
		}
	}
}

static float
rnd_param(int fn, int beta)
{
	switch (fn) {
	case AXRT_RNN_THRESHOLDEDRELU: return beta ? 0 : 0.3f * frand();
	case AXRT_RNN_HARDSIGMOID: return beta ? 0.5f + 0.2f * frand() : 0.2f + 0.1f * frand();
	default: return 0.5f + 0.5f * frand();
	}
}

/* Whether fn maps into [-1, 1] with rnd_param's parameters. */
static int
bounded(int fn)
{
	return fn == AXRT_RNN_SIGMOID || fn == AXRT_RNN_TANH || fn == AXRT_RNN_HARDSIGMOID
		|| fn == AXRT_RNN_SOFTSIGN || fn == AXRT_RNN_SCALEDTANH;
}

/* A random case of op; `allfns` draws any activation, else the defaults. */
static void
rnd_case(Case *c, int op, int allfns)
{
	static const int dflt[3][3] = {{AXRT_RNN_TANH}, {AXRT_RNN_SIGMOID, AXRT_RNN_TANH},
		{AXRT_RNN_SIGMOID, AXRT_RNN_TANH, AXRT_RNN_TANH}};
	axrt_rnn_params *p = &c->p;
	int nact = op == OPRNN ? 1 : op == OPGRU ? 2 : 3;

	memset(c, 0, sizeof *c);
	c->op = op;
	c->ngate = op == OPRNN ? 1 : op == OPGRU ? 3 : 4;
	p->seq = irand(1, MAXT), p->batch = irand(1, MAXN), p->input = irand(1, MAXI);
	p->hidden = irand(1, MAXH), p->ndir = irand(1, 2), p->reverse = p->ndir == 1 && irand(0, 1);
	p->layout = irand(0, 1);
	p->linear_before_reset = op == OPGRU && irand(0, 1);
	p->input_forget = op == OPLSTM && irand(0, 3) == 0;
	p->clip_on = irand(0, 2) == 0;
	p->clip = 0.3f + fabsf(frand());
	for (int d = 0; d < p->ndir; d++)
		for (int k = 0; k < nact; k++) {
			int fn = allfns ? irand(AXRT_RNN_SIGMOID, AXRT_RNN_NACTFN - 1) : dflt[op][k];
			while (op != OPRNN && k == 0 && !bounded(fn))   /* an unbounded gate explodes */
				fn = irand(AXRT_RNN_SIGMOID, AXRT_RNN_NACTFN - 1);
			p->act[3 * d + k] = fn;
			p->act_alpha[3 * d + k] = rnd_param(fn, 0);
			p->act_beta[3 * d + k] = rnd_param(fn, 1);
		}
	c->has_b = irand(0, 3) != 0, c->has_lens = irand(0, 1), c->has_h0 = irand(0, 1);
	c->has_c0 = op == OPLSTM && irand(0, 1), c->has_p = op == OPLSTM && irand(0, 1);
	for (size_t i = 0; i < sizeof c->x / sizeof c->x[0]; i++)
		c->x[i] = 2 * frand();
	for (size_t i = 0; i < sizeof c->w / sizeof c->w[0]; i++)
		c->w[i] = frand(), c->r[i % (sizeof c->r / sizeof c->r[0])] = frand();
	for (size_t i = 0; i < sizeof c->b / sizeof c->b[0]; i++)
		c->b[i] = 0.5f * frand();
	for (size_t i = 0; i < sizeof c->h0 / sizeof c->h0[0]; i++)
		c->h0[i] = frand(), c->c0[i] = frand(), c->pp[i % (sizeof c->pp / sizeof c->pp[0])] = frand();
	for (int n = 0; n < MAXN; n++)
		c->lens[n] = irand(0, p->seq);
}

/* Y offset of (t, d, n) in the case's layout. */
static int
yoff(const axrt_rnn_params *p, int t, int d, int n)
{
	return p->layout ? ((n * p->seq + t) * p->ndir + d) * p->hidden
		: ((t * p->ndir + d) * p->batch + n) * p->hidden;
}

/* Runs the kernel (outputs present as `mask` bits 1 Y, 2 Y_h, 4 Y_c) and
 * compares with the reference. */
static void
check_case(const Case *c, unsigned mask)
{
	const axrt_rnn_params *p = &c->p;
	int T = p->seq, N = p->batch, D = p->ndir, H = p->hidden;
	float y[MAXT * 2 * MAXN * MAXH], yh[2 * MAXN * MAXH], yc[2 * MAXN * MAXH], scratch[6 * MAXH];
	double ry[MAXT * 2 * MAXN * MAXH], ryh[2 * MAXN * MAXH], ryc[2 * MAXN * MAXH];
	const void *in[8] = {c->x, c->w, c->r, c->has_b ? c->b : NULL, c->has_lens ? c->lens : NULL,
		c->has_h0 ? c->h0 : NULL, c->has_c0 ? c->c0 : NULL, c->has_p ? c->pp : NULL};
	void *out[3] = {mask & 1 ? y : NULL, mask & 2 ? yh : NULL, mask & 4 ? yc : NULL};
	axrt_status st;

	memset(y, 0x7f, sizeof y);   /* garbage that must be overwritten */
	st = c->op == OPRNN ? axrt_rnn_f32(p, in, out, scratch)
		: c->op == OPGRU ? axrt_gru_f32(p, in, out, scratch) : axrt_lstm_f32(p, in, out, scratch);
	ck_assert_int_eq(st, AXRT_OK);
	ref_run(c, ry, ryh, ryc);
	for (int t = 0; t < T; t++)
	for (int d = 0; d < D; d++)
	for (int n = 0; n < N; n++)
	for (int j = 0; mask & 1 && j < H; j++) {
		double want = ry[((t * D + d) * N + n) * H + j];
		ck_assert_float_close(y[yoff(p, t, d, n) + j], want, 2e-5 + 1e-4 * fabs(want));
	}
	for (int d = 0; d < D; d++)
	for (int n = 0; n < N; n++)
	for (int j = 0; j < H; j++) {
		int k = (d * N + n) * H + j, ko = (p->layout ? n * D + d : d * N + n) * H + j;
		if (mask & 2)
			ck_assert_float_close(yh[ko], ryh[k], 2e-5 + 1e-4 * fabs(ryh[k]));
		if (mask & 4)
			ck_assert_float_close(yc[ko], ryc[k], 2e-5 + 1e-4 * fabs(ryc[k]));
	}
}

static void
sweep(int op, int allfns, int count)
{
	Case c;
	for (int i = 0; i < count; i++) {
		rnd_case(&c, op, allfns);
		if (getenv("RNN_DEBUG"))
			fprintf(stderr, "case %d: T%d N%d I%d H%d D%d rev%d lay%d acts %d %d %d / %d %d %d clip %d\n", i,
				c.p.seq, c.p.batch, c.p.input, c.p.hidden, c.p.ndir, c.p.reverse, c.p.layout,
				c.p.act[0], c.p.act[1], c.p.act[2], c.p.act[3], c.p.act[4], c.p.act[5], c.p.clip_on);
		check_case(&c, op == OPLSTM ? 7 : 3);
	}
}

START_TEST(test_rnn_random_default_acts) { sweep(OPRNN, 0, 300); }
END_TEST
START_TEST(test_rnn_random_all_acts) { sweep(OPRNN, 1, 300); }
END_TEST
START_TEST(test_gru_random_default_acts) { sweep(OPGRU, 0, 300); }
END_TEST
START_TEST(test_gru_random_all_acts) { sweep(OPGRU, 1, 300); }
END_TEST
START_TEST(test_lstm_random_default_acts) { sweep(OPLSTM, 0, 300); }
END_TEST
START_TEST(test_lstm_random_all_acts) { sweep(OPLSTM, 1, 300); }
END_TEST

/* Any subset of the outputs may be absent; the present ones still match. */
START_TEST(test_rnn_absent_outputs)
{
	Case c;
	for (int op = OPRNN; op <= OPLSTM; op++)
		for (unsigned mask = 0; mask < 8; mask++) {
			rnd_case(&c, op, 0);
			check_case(&c, op == OPLSTM ? mask : mask & 3);
		}
}
END_TEST

/* Entries shorter than the sequence: Y is zero past their length, Y_h is
 * the state after their last step (reverse: after step 0), and a length
 * of 0 gives zero states. */
START_TEST(test_rnn_sequence_lens_semantics)
{
	Case c;
	float y[3 * 2 * 2 * 2], yh[2 * 2 * 2], scratch[2 * 2];
	const void *in[6];
	void *out[2] = {y, yh};

	rnd_case(&c, OPRNN, 0);
	c.p.seq = 3, c.p.batch = 2, c.p.input = 1, c.p.hidden = 2, c.p.ndir = 2, c.p.layout = 0;
	c.p.clip_on = 0;
	c.p.act[0] = c.p.act[3] = AXRT_RNN_TANH;
	c.has_lens = 1, c.has_h0 = 1, c.has_b = 0;
	c.lens[0] = 2, c.lens[1] = 0;
	in[0] = c.x, in[1] = c.w, in[2] = c.r, in[3] = NULL, in[4] = c.lens, in[5] = c.h0;
	ck_assert_int_eq(axrt_rnn_f32(&c.p, in, out, scratch), AXRT_OK);
	for (int d = 0; d < 2; d++)
		for (int j = 0; j < 2; j++) {
			ck_assert_float_eq(y[((2 * 2 + d) * 2 + 0) * 2 + j], 0);   /* t = 2, n = 0 */
			for (int t = 0; t < 3; t++)
				ck_assert_float_eq(y[((t * 2 + d) * 2 + 1) * 2 + j], 0);   /* n = 1 */
			ck_assert_float_eq(yh[(d * 2 + 1) * 2 + j], 0);
		}
	/* forward Y_h is Y at t = 1, reverse Y_h is Y at t = 0 */
	for (int j = 0; j < 2; j++) {
		ck_assert_float_eq(yh[(0 * 2 + 0) * 2 + j], y[((1 * 2 + 0) * 2 + 0) * 2 + j]);
		ck_assert_float_eq(yh[(1 * 2 + 0) * 2 + j], y[((0 * 2 + 1) * 2 + 0) * 2 + j]);
	}
	check_case(&c, 3);
}
END_TEST

/* A hand-computed one-unit LSTM step: x = 1, W = (0.5, -0.5, 1, 2) for
 * (i o f c), R = 0, c0 = 1, h0 = 0, no bias:
 * i = s(0.5), o = s(-0.5), f = s(1), C = f + i tanh(2), H = o tanh(C). */
START_TEST(test_lstm_hand_computed_step)
{
	float x = 1, w[4] = {0.5f, -0.5f, 1, 2}, r[4] = {0}, c0 = 1, h0 = 0, yh, yc, scratch[6];
	const void *in[8] = {&x, w, r, NULL, NULL, &h0, &c0, NULL};
	void *out[3] = {NULL, &yh, &yc};
	axrt_rnn_params p;
	double s5 = 1 / (1 + exp(-0.5)), sm5 = 1 / (1 + exp(0.5)), s1 = 1 / (1 + exp(-1.0));
	double C = s1 * 1 + s5 * tanh(2.0);

	memset(&p, 0, sizeof p);
	p.seq = p.batch = p.input = p.hidden = p.ndir = 1;
	p.act[0] = AXRT_RNN_SIGMOID, p.act[1] = AXRT_RNN_TANH, p.act[2] = AXRT_RNN_TANH;
	ck_assert_int_eq(axrt_lstm_f32(&p, in, out, scratch), AXRT_OK);
	ck_assert_float_close(yc, C, 1e-6);
	ck_assert_float_close(yh, sm5 * tanh(C), 1e-6);
}
END_TEST

/* The GRU's two reset placements differ once Rb_h and Ht-1 are nonzero:
 * one unit, x = 0, W = 0, R = (0, 0, 1) (z r h), Rb = (0, 0, 1), h0 = 1:
 * z = r = 0.5; default h~ = tanh(0.5 * 1 + 1), linear h~ = tanh(0.5 * (1 + 1)). */
START_TEST(test_gru_linear_before_reset)
{
	float x = 0, w[3] = {0}, r[3] = {0, 0, 1}, b[6] = {0, 0, 0, 0, 0, 1}, h0 = 1, yh, scratch[5];
	const void *in[6] = {&x, w, r, b, NULL, &h0};
	void *out[2] = {NULL, &yh};
	axrt_rnn_params p;

	memset(&p, 0, sizeof p);
	p.seq = p.batch = p.input = p.hidden = p.ndir = 1;
	p.act[0] = AXRT_RNN_SIGMOID, p.act[1] = AXRT_RNN_TANH;
	ck_assert_int_eq(axrt_gru_f32(&p, in, out, scratch), AXRT_OK);
	ck_assert_float_close(yh, 0.5 * tanh(1.5) + 0.5, 1e-6);
	p.linear_before_reset = 1;
	ck_assert_int_eq(axrt_gru_f32(&p, in, out, scratch), AXRT_OK);
	ck_assert_float_close(yh, 0.5 * tanh(1.0) + 0.5, 1e-6);
}
END_TEST

/* Activations at large inputs stay finite (sigmoid, softplus). */
START_TEST(test_rnn_activations_extreme_inputs)
{
	static const float xs[] = {-200, -30, -1, 0, 1, 30, 200};
	for (int fn = AXRT_RNN_SIGMOID; fn < AXRT_RNN_NACTFN; fn++)
		for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
			float x = xs[i], w = 1, r = 0, yh, scratch[2];
			const void *in[6] = {&x, &w, &r, NULL, NULL, NULL};
			void *out[2] = {NULL, &yh};
			axrt_rnn_params p;
			double want;
			memset(&p, 0, sizeof p);
			p.seq = p.batch = p.input = p.hidden = p.ndir = 1;
			p.act[0] = fn, p.act_alpha[0] = 0.7f, p.act_beta[0] = 0.4f;
			ck_assert_int_eq(axrt_rnn_f32(&p, in, out, scratch), AXRT_OK);
			want = fn == AXRT_RNN_SOFTPLUS && x > 30 ? x : ref_fn(fn, 0.7f, 0.4f, x);
			ck_assert_msg(isfinite(yh), "activation %d at %g gives %g", fn, (double)x, (double)yh);
			ck_assert_float_close(yh, want, 1e-5 + 1e-6 * fabs(want));
		}
}
END_TEST

START_TEST(test_rnn_rejects_bad_params)
{
	Case c;
	float y[MAXT * 2 * MAXN * MAXH], yh[2 * MAXN * MAXH], scratch[6 * MAXH];
	const void *in[8];
	void *out[3] = {y, yh, NULL};
	axrt_rnn_params p;

	rnd_case(&c, OPGRU, 0);
	in[0] = c.x, in[1] = c.w, in[2] = c.r, in[3] = NULL, in[4] = c.lens, in[5] = NULL;
	c.lens[0] = c.p.seq + 1;
	ck_assert_int_eq(axrt_gru_f32(&c.p, in, out, scratch), AXRT_EINVAL);
	c.lens[0] = -1;
	ck_assert_int_eq(axrt_gru_f32(&c.p, in, out, scratch), AXRT_EINVAL);
	in[4] = NULL;
	ck_assert_int_eq(axrt_gru_f32(&c.p, in, out, scratch), AXRT_OK);
	p = c.p, p.act[0] = 0;
	ck_assert_int_eq(axrt_gru_f32(&p, in, out, scratch), AXRT_EINVAL);
	p = c.p, p.act[1] = AXRT_RNN_NACTFN;
	ck_assert_int_eq(axrt_gru_f32(&p, in, out, scratch), AXRT_EINVAL);
	p = c.p, p.ndir = 3;
	ck_assert_int_eq(axrt_gru_f32(&p, in, out, scratch), AXRT_EINVAL);
	p = c.p, p.hidden = 0;
	ck_assert_int_eq(axrt_gru_f32(&p, in, out, scratch), AXRT_EINVAL);
	p = c.p, p.layout = 2;
	ck_assert_int_eq(axrt_gru_f32(&p, in, out, scratch), AXRT_EINVAL);
}
END_TEST

static Suite *
rnn_suite(void)
{
	Suite *s = suite_create("rt_rnn");
	TCase *tc = tcase_create("random");

	tcase_add_test(tc, test_rnn_random_default_acts);
	tcase_add_test(tc, test_rnn_random_all_acts);
	tcase_add_test(tc, test_gru_random_default_acts);
	tcase_add_test(tc, test_gru_random_all_acts);
	tcase_add_test(tc, test_lstm_random_default_acts);
	tcase_add_test(tc, test_lstm_random_all_acts);
	suite_add_tcase(s, tc);
	tc = tcase_create("semantics");
	tcase_add_test(tc, test_rnn_absent_outputs);
	tcase_add_test(tc, test_rnn_sequence_lens_semantics);
	tcase_add_test(tc, test_lstm_hand_computed_step);
	tcase_add_test(tc, test_gru_linear_before_reset);
	tcase_add_test(tc, test_rnn_activations_extreme_inputs);
	tcase_add_test(tc, test_rnn_rejects_bad_params);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(rnn_suite());
}
