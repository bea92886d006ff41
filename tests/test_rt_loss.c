/* test_rt_loss.c: the loss and signal families' kernels
 * (runtime/kernels/loss.c, signal.c) against the ONNX formulas evaluated
 * in double here, and against the examples of the ONNX operator specs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"

#define PI 3.14159265358979323846

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

static float *
frandv(size_t n, float scale, float shift)
{
	float *v = malloc((n ? n : 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = frand() * scale + shift;
	return v;
}

/* ---- NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss ---- */

/* The loss reference in double: lp holds log-probabilities n x c x inner;
 * loss gets n x inner values (reduction 0) or one. */
static void
ref_nll(int n, int c, int inner, const double *lp, const int64_t *t, const float *w,
	int has_ii, int64_t ii, int red, double *loss)
{
	double sum = 0, wsum = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < inner; j++) {
			int64_t cls = t[i * inner + j];
			double wt = (has_ii && cls == ii) ? 0 : w ? w[cls] : 1;
			double l = wt == 0 ? 0 : -lp[(i * c + cls) * inner + j] * wt;
			if (red == 0)
				loss[i * inner + j] = l;
			sum += l;
			wsum += wt;
		}
	if (red == 1)
		loss[0] = sum;
	if (red == 2)
		loss[0] = sum / wsum;
}

/* Random targets in [0, c), with about a quarter set to ii when has_ii. */
static int64_t *
rand_targets(int cnt, int c, int has_ii, int64_t ii)
{
	int64_t *t = malloc(cnt * sizeof *t);
	for (int k = 0; k < cnt; k++)
		t[k] = has_ii && irand(0, 3) == 0 ? ii : irand(0, c - 1);
	return t;
}

/* One random case of nllloss (sce 0) or sce (1) with every option. */
static void
loss_case(int sce, int red, int weighted, int has_ii, int t64)
{
	int n = irand(1, 4), c = irand(2, 6), inner = irand(1, 5), cnt = n * inner, sz = cnt * c;
	int64_t ii = irand(0, 1) ? -1 : 1, *t = rand_targets(cnt, c, has_ii, ii);
	float *x = frandv(sz, 3, sce ? 0.5f : -2.0f), *w = frandv(c, 0.5f, 1);
	float *y = malloc(cnt * sizeof *y), *lp = malloc(sz * sizeof *lp);
	double *ref = malloc(cnt * sizeof *ref), *rlp = malloc(sz * sizeof *rlp);
	int32_t *t32 = malloc(cnt * sizeof *t32);
	axrt_nllloss_params p = {n, c, inner, red, has_ii, ii, t64};

	for (int k = 0; k < cnt; k++)
		t32[k] = (int32_t)t[k];
	for (int i = 0; i < n; i++)
		for (int j = 0; j < inner; j++) {
			double m = -1e30, s = 0;
			for (int q = 0; q < c; q++)
				m = fmax(m, x[(i * c + q) * inner + j]);
			for (int q = 0; q < c; q++)
				s += exp(x[(i * c + q) * inner + j] - m);
			for (int q = 0; q < c; q++) {
				int k = (i * c + q) * inner + j;
				rlp[k] = sce ? x[k] - m - log(s) : x[k];
			}
		}
	ref_nll(n, c, inner, rlp, t, weighted ? w : NULL, has_ii, ii, red, ref);
	for (int with_lp = 0; with_lp <= sce; with_lp++) {
		const void *in[3] = {x, t64 ? (const void *)t : t32, weighted ? w : NULL};
		void *out[2] = {y, with_lp ? lp : NULL};
		ck_assert_int_eq((sce ? axrt_sce_f32 : axrt_nllloss_f32)(&p, in, out, NULL), AXRT_OK);
		for (int k = 0; k < (red ? 1 : cnt); k++) {
			if (isnan(ref[k]))   /* mean over samples that are all ignored: 0 / 0 */
				ck_assert(isnan(y[k]));
			else
				ck_assert_float_close(y[k], ref[k], 1e-4 * (1 + fabs(ref[k])));
		}
		for (int k = 0; with_lp && k < sz; k++)
			ck_assert_float_close(lp[k], rlp[k], 1e-5);
	}
	free(t), free(x), free(w), free(y), free(lp), free(ref), free(rlp), free(t32);
}

START_TEST(test_nllloss_and_sce_match_reference)
{
	for (int sce = 0; sce <= 1; sce++)
		for (int red = 0; red <= 2; red++)
			for (int opt = 0; opt < 8; opt++)
				loss_case(sce, red, opt & 1, (opt >> 1) & 1, (opt >> 2) & 1);
}
END_TEST

/* The examples of the NegativeLogLikelihoodLoss spec: none gives
 * [[-3, -2], [-0, -2]]; weighted sum -1.1; weighted mean -1.1 / 0.7. */
START_TEST(test_nllloss_spec_examples)
{
	const float x[] = {1, 2, 2, 2, 3, 2, 0, 1, 2, 2, 1, 2}, w[] = {0.2f, 0.3f, 0.1f};
	const int64_t t[] = {2, 1, 0, 2};
	const float want[] = {-3, -2, -0.0f, -2};
	float y[4];
	axrt_nllloss_params p = {2, 3, 2, AXRT_LOSS_NONE, 0, 0, 1};
	const void *in[3] = {x, t, NULL};
	void *out[1] = {y};

	ck_assert_int_eq(axrt_nllloss_f32(&p, in, out, NULL), AXRT_OK);
	for (int k = 0; k < 4; k++)
		ck_assert_float_close(y[k], want[k], 1e-6);
	in[2] = w;
	p.reduction = AXRT_LOSS_SUM;
	ck_assert_int_eq(axrt_nllloss_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_close(y[0], -1.1, 1e-6);
	p.reduction = AXRT_LOSS_MEAN;
	ck_assert_int_eq(axrt_nllloss_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_close(y[0], -1.1 / 0.7, 1e-6);
}
END_TEST

/* A target outside [0, c) that is not ignored is an error; an ignored one
 * of any value is fine; all samples ignored under mean gives NaN (0 / 0,
 * as the ONNX reference). */
START_TEST(test_loss_target_range_and_all_ignored)
{
	const float x[] = {-1, -2, -3, -4};
	const int64_t t[] = {0, 2};
	const int32_t t32[] = {-7, -7};
	float y[2];
	axrt_nllloss_params p = {2, 2, 1, AXRT_LOSS_NONE, 0, 0, 1};
	const void *in[3] = {x, t, NULL};
	void *out[2] = {y, NULL};

	ck_assert_int_eq(axrt_nllloss_f32(&p, in, out, NULL), AXRT_EINVAL);
	ck_assert_int_eq(axrt_sce_f32(&p, in, out, NULL), AXRT_EINVAL);
	p.has_ignore = 1;
	p.ignore_index = 2;
	ck_assert_int_eq(axrt_nllloss_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 1.0f);
	ck_assert_float_eq(y[1], 0.0f);
	p = (axrt_nllloss_params){2, 2, 1, AXRT_LOSS_MEAN, 1, -7, 0};
	in[1] = t32;
	ck_assert_int_eq(axrt_nllloss_f32(&p, in, out, NULL), AXRT_OK);
	ck_assert(isnan(y[0]));
	p.c = 0;
	ck_assert_int_eq(axrt_nllloss_f32(&p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

/* ---- optimizers ---- */

START_TEST(test_optimizers_match_formulas)
{
	const float x[] = {1.2f, -2.8f, 0.5f}, g[] = {-0.94f, 2.5f, 0.1f};
	const float v[] = {1.7f, -3.6f, 0.2f}, h[] = {0.1f, 2.0f, 0.7f};
	const float r = 0.1f, nc = 0.01f, a = 0.9f, b = 0.8f, eps = 1e-3f;
	float xn[3], vn[3], hn[3];

	for (int64_t t = 0; t <= 3; t += 3) {
		axrt_adagrad_params pa = {3, 0.1f, eps, nc};
		axrt_adam_params pd = {3, a, b, eps, nc, 0.02f};
		ck_assert_int_eq(axrt_adagrad_f32(&pa, (const void *const[]){&r, &t, x, g, h},
			(void *const[]){xn, hn}, NULL), AXRT_OK);
		for (int i = 0; i < 3; i++) {
			double gr = nc * x[i] + g[i], hh = h[i] + gr * gr;
			ck_assert_float_close(hn[i], hh, 1e-6);
			ck_assert_float_close(xn[i], x[i] - r / (1 + t * 0.1) * gr / (sqrt(hh) + eps), 1e-6);
		}
		ck_assert_int_eq(axrt_adam_f32(&pd, (const void *const[]){&r, &t, x, g, v, h},
			(void *const[]){xn, vn, hn}, NULL), AXRT_OK);
		for (int i = 0; i < 3; i++) {
			double gr = nc * x[i] + g[i], vv = a * v[i] + (1 - a) * gr;
			double hh = b * h[i] + (1 - b) * gr * gr;
			double ra = t > 0 ? r * sqrt(1 - pow(b, t)) / (1 - pow(a, t)) : r;
			ck_assert_float_close(vn[i], vv, 1e-6);
			ck_assert_float_close(hn[i], hh, 1e-6);
			ck_assert_float_close(xn[i], (1 - 0.02) * (x[i] - ra * vv / (sqrt(hh) + eps)), 1e-5);
		}
		for (int nest = 0; nest <= 1; nest++) {
			axrt_momentum_params pm = {3, a, b, nc, nest};
			ck_assert_int_eq(axrt_momentum_f32(&pm, (const void *const[]){&r, &t, x, g, v},
				(void *const[]){xn, vn}, NULL), AXRT_OK);
			for (int i = 0; i < 3; i++) {
				double gr = nc * x[i] + g[i], vv = a * v[i] + (t > 0 ? b : 1) * gr;
				ck_assert_float_close(vn[i], vv, 1e-6);
				ck_assert_float_close(xn[i], nest ? x[i] - r * (gr + a * vv) : x[i] - r * vv, 1e-6);
			}
		}
	}
}
END_TEST

/* ---- DFT, STFT ---- */

/* The DFT of n points (re, im) over nfft (padded/truncated), bin k. */
static void
ref_dft(const double *re, const double *im, int n, int nfft, int k, int inverse, double *out)
{
	double sr = 0, si = 0, sg = inverse ? 1 : -1;
	for (int j = 0; j < n && j < nfft; j++) {
		double a = sg * 2 * PI * (double)j * k / nfft;
		sr += re[j] * cos(a) - im[j] * sin(a);
		si += re[j] * sin(a) + im[j] * cos(a);
	}
	out[0] = inverse ? sr / nfft : sr;
	out[1] = inverse ? si / nfft : si;
}

static void
dft_case(int comps, int nfft_delta, int onesided, int inverse)
{
	int outer = irand(1, 3), len = irand(2, 9), inner = irand(1, 3);
	int nfft = len + nfft_delta < 1 ? 1 : len + nfft_delta, nbins = onesided ? nfft / 2 + 1 : nfft;
	float *x = frandv((size_t)outer * len * inner * comps, 10, 0);
	float *y = malloc((size_t)outer * nbins * inner * 2 * sizeof *y);
	double *scr = malloc(AXRT_DFT_SCRATCH(nfft)), re[16], im[16], r[2];
	axrt_dft_params p = {outer, len, inner, comps, nfft, nbins, inverse};

	ck_assert_int_eq(axrt_dft_f32(&p, (const void *const[]){x}, (void *const[]){y}, scr), AXRT_OK);
	for (int o = 0; o < outer; o++)
		for (int i = 0; i < inner; i++) {
			for (int j = 0; j < len; j++) {
				const float *xp = x + ((o * len + j) * inner + i) * comps;
				re[j] = xp[0];
				im[j] = comps == 2 ? xp[1] : 0;
			}
			for (int k = 0; k < nbins; k++) {
				const float *yp = y + ((o * nbins + k) * inner + i) * 2;
				ref_dft(re, im, len, nfft, k, inverse, r);
				ck_assert_float_close(yp[0], r[0], 1e-5 * (1 + fabs(r[0])));
				ck_assert_float_close(yp[1], r[1], 1e-5 * (1 + fabs(r[1])));
			}
		}
	free(x), free(y), free(scr);
}

START_TEST(test_dft_matches_reference)
{
	for (int d = -1; d <= 3; d += 2) {
		dft_case(1, d, 0, 0);
		dft_case(1, d, 1, 0);
		dft_case(2, d, 0, 0);
		dft_case(2, d, 0, 1);
		dft_case(1, d, 0, 1);
	}
}
END_TEST

/* An impulse transforms to all ones; a constant to nfft at bin 0 and 0
 * elsewhere (exactly representable results, checked to 1e-6). */
START_TEST(test_dft_impulse_and_constant)
{
	float x[8] = {1}, c[8], y[16];
	double scr[16];
	axrt_dft_params p = {1, 8, 1, 1, 8, 8, 0};

	ck_assert_int_eq(axrt_dft_f32(&p, (const void *const[]){x}, (void *const[]){y}, scr), AXRT_OK);
	for (int k = 0; k < 8; k++) {
		ck_assert_float_close(y[2 * k], 1.0, 1e-6);
		ck_assert_float_close(y[2 * k + 1], 0.0, 1e-6);
	}
	for (int j = 0; j < 8; j++)
		c[j] = 3;
	ck_assert_int_eq(axrt_dft_f32(&p, (const void *const[]){c}, (void *const[]){y}, scr), AXRT_OK);
	for (int k = 0; k < 8; k++) {
		ck_assert_float_close(y[2 * k], k ? 0.0 : 24.0, 1e-5);
		ck_assert_float_close(y[2 * k + 1], 0.0, 1e-5);
	}
	p.comps = 3;
	ck_assert_int_eq(axrt_dft_f32(&p, (const void *const[]){c}, (void *const[]){y}, scr), AXRT_EINVAL);
}
END_TEST

START_TEST(test_stft_matches_reference)
{
	for (int win = 0; win <= 1; win++)
		for (int comps = 1; comps <= 2; comps++) {
			int batch = 2, siglen = 40, step = irand(3, 7), flen = irand(4, 12);
			int frames = (siglen - flen) / step + 1, nbins = comps == 1 ? flen / 2 + 1 : flen;
			float *x = frandv((size_t)batch * siglen * comps, 5, 1), *w = frandv(flen, 0.5f, 0.5f);
			float *y = malloc((size_t)batch * frames * nbins * 2 * sizeof *y);
			double *scr = malloc(AXRT_DFT_SCRATCH(flen)), re[16], im[16], r[2];
			axrt_stft_params p = {batch, siglen, comps, step, flen, frames, nbins};
			const void *in[4] = {x, NULL, win ? w : NULL, NULL};
			ck_assert_int_eq(axrt_stft_f32(&p, in, (void *const[]){y}, scr), AXRT_OK);
			for (int b = 0; b < batch; b++)
				for (int f = 0; f < frames; f++) {
					for (int j = 0; j < flen; j++) {
						const float *xp = x + (b * siglen + f * step + j) * comps;
						double wj = win ? w[j] : 1;
						re[j] = xp[0] * wj;
						im[j] = comps == 2 ? xp[1] * wj : 0;
					}
					for (int k = 0; k < nbins; k++) {
						const float *yp = y + ((b * frames + f) * nbins + k) * 2;
						ref_dft(re, im, flen, flen, k, 0, r);
						ck_assert_float_close(yp[0], r[0], 1e-5 * (1 + fabs(r[0])));
						ck_assert_float_close(yp[1], r[1], 1e-5 * (1 + fabs(r[1])));
					}
				}
			p.frames++;   /* one frame past the signal's end */
			ck_assert_int_eq(axrt_stft_f32(&p, in, (void *const[]){y}, scr), AXRT_EINVAL);
			free(x), free(w), free(y), free(scr);
		}
}
END_TEST

/* ---- windows, mel filter bank ---- */

START_TEST(test_windows_match_formulas)
{
	float y[12];
	double yd[12];

	for (int kind = 0; kind < 3; kind++)
		for (int per = 0; per <= 1; per++) {
			int size = 11, n = per ? size : size - 1;
			axrt_window_params p = {size, kind, per, AXRT_DT_FLOAT};
			ck_assert_int_eq(axrt_window(&p, (const void *const[]){NULL}, (void *const[]){y}, NULL), AXRT_OK);
			p.dtype = AXRT_DT_DOUBLE;
			ck_assert_int_eq(axrt_window(&p, (const void *const[]){NULL}, (void *const[]){yd}, NULL), AXRT_OK);
			for (int j = 0; j < size; j++) {
				double c1 = cos(2 * PI * j / n), c2 = cos(4 * PI * j / n);
				double ref = kind == 0 ? 0.5 - 0.5 * c1 : kind == 1 ? 0.54347826087 - 0.45652173913 * c1 :
					0.42 - 0.5 * c1 + 0.08 * c2;
				ck_assert_float_close(y[j], ref, 1e-7);
				ck_assert_float_close(yd[j], ref, 1e-10);
			}
			if (!per)   /* symmetric: both ends equal */
				ck_assert_float_close(y[0], y[size - 1], 1e-7);
		}
	axrt_window_params one = {1, AXRT_WINDOW_HANN, 0, AXRT_DT_FLOAT};
	ck_assert_int_eq(axrt_window(&one, (const void *const[]){NULL}, (void *const[]){y}, NULL), AXRT_OK);
	ck_assert_float_eq(y[0], 1.0f);
	one.dtype = AXRT_DT_INT32;
	ck_assert_int_eq(axrt_window(&one, (const void *const[]){NULL}, (void *const[]){y}, NULL), AXRT_EINVAL);
}
END_TEST

/* The mel filter bank in the form of the spec: the bins of the nmel + 2
 * mel points, then each triangle evaluated at every spectrogram bin. */
static void
ref_mel(int nmel, int dftlen, double rate, double lo, double hi, double *m)
{
	int nspec = dftlen / 2 + 1, bin[64];
	double mlo = 2595 * log10(1 + lo / 700), mhi = 2595 * log10(1 + hi / 700);
	for (int i = 0; i < nmel + 2; i++) {
		double mel = mlo + i * (mhi - mlo) / (nmel + 2);
		bin[i] = (int)floor((dftlen + 1) * 700 * (pow(10, mel / 2595) - 1) / rate);
	}
	for (int j = 0; j < nspec; j++)
		for (int i = 0; i < nmel; i++) {
			int l = bin[i], c = bin[i + 1], h = bin[i + 2];
			double v = 0;
			if (j >= l && j <= c)
				v = c == l ? 1 : (double)(j - l) / (c - l);
			if (j >= c && j < h)
				v = (double)(h - j) / (h - c);
			m[j * nmel + i] = v;
		}
}

START_TEST(test_melweights_match_reference)
{
	const int32_t rate = 8192;
	const int64_t rate64 = 16000;
	const float lo = 0, hi = 4096;
	const double lod = 100, hid = 7000;
	float y[9 * 8];
	double yd[33 * 10], ref[33 * 10];
	axrt_melweights_params p = {8, 16, 0, 0, AXRT_DT_FLOAT};

	ck_assert_int_eq(axrt_melweights(&p, (const void *const[]){NULL, NULL, &rate, &lo, &hi},
		(void *const[]){y}, NULL), AXRT_OK);
	ref_mel(8, 16, rate, lo, hi, ref);
	for (int k = 0; k < 9 * 8; k++)
		ck_assert_float_close(y[k], ref[k], 1e-7);
	p = (axrt_melweights_params){10, 64, 1, 1, AXRT_DT_DOUBLE};
	ck_assert_int_eq(axrt_melweights(&p, (const void *const[]){NULL, NULL, &rate64, &lod, &hid},
		(void *const[]){yd}, NULL), AXRT_OK);
	ref_mel(10, 64, rate64, lod, hid, ref);
	for (int k = 0; k < 33 * 10; k++)
		ck_assert_float_close(yd[k], ref[k], 1e-12);
	for (int i = 0; i < 10; i++) {   /* every triangle peaks at 1 */
		double mx = 0;
		for (int j = 0; j < 33; j++)
			mx = fmax(mx, yd[j * 10 + i]);
		ck_assert_float_close(mx, 1.0, 1e-12);
	}
	const int64_t bad = 0;
	ck_assert_int_eq(axrt_melweights(&p, (const void *const[]){NULL, NULL, &bad, &lod, &hid},
		(void *const[]){yd}, NULL), AXRT_EINVAL);
}
END_TEST

/* ---- GridSample ---- */

static void
grid_run(int mode, int pad, int align, const float *x, int h, int w, const float *grid,
	int ho, int wo, const float *want, double tol)
{
	float y[64];
	axrt_gridsample_params p = {1, 1, h, w, ho, wo, mode, pad, align};

	ck_assert_int_eq(axrt_gridsample_f32(&p, (const void *const[]){x, grid}, (void *const[]){y}, NULL),
		AXRT_OK);
	for (int k = 0; k < ho * wo; k++)
		ck_assert_msg(fabs(y[k] - want[k]) <= tol, "mode %d pad %d align %d: y[%d] = %g, expected %g",
			mode, pad, align, k, y[k], want[k]);
}

/* The examples of the GridSample spec (values from PyTorch). */
START_TEST(test_gridsample_spec_examples)
{
	const float x[] = {0, 1, 2, 3, 4, 5};   /* 3 x 2 */
	const float gpad[] = {-10, -10, -5, -5, -0.2f, -0.2f, 10, 10, 10, 10, -0.2f, -0.2f, 5, 5, 10, 10};
	const float gmode[] = {-1, -1, -0.5f, -0.5f, -0.2f, -0.2f, 0, 0, 0, 0, -0.2f, -0.2f, 0.5f, 0.5f, 1, 1};
	const float zeros[] = {0, 0, 1.7f, 0, 0, 1.7f, 0, 0};
	const float border[] = {0, 0, 1.7f, 5, 5, 1.7f, 5, 5};
	const float refl[] = {2.5f, 0, 1.7f, 2.5f, 2.5f, 1.7f, 5, 2.5f};
	const float bilinear[] = {0, 0.5f, 1.7f, 2.5f, 2.5f, 1.7f, 4.5f, 1.25f};
	const float aligned[] = {0, 1.25f, 2, 2.5f, 2.5f, 2, 3.75f, 5};
	const float nearest[] = {0, 0, 2, 2, 2, 2, 5, 0};
	const float bicubic[] = {-0.1406f, 0.3828f, 1.7556f, 2.9688f, 2.9688f, 1.7556f, 5.1445f, 1.3906f};

	grid_run(0, 0, 0, x, 3, 2, gpad, 2, 4, zeros, 1e-5);
	grid_run(0, 1, 0, x, 3, 2, gpad, 2, 4, border, 1e-5);
	grid_run(0, 2, 0, x, 3, 2, gpad, 2, 4, refl, 1e-5);
	grid_run(0, 0, 0, x, 3, 2, gmode, 2, 4, bilinear, 1e-5);
	grid_run(0, 0, 1, x, 3, 2, gmode, 2, 4, aligned, 1e-5);
	grid_run(1, 0, 0, x, 3, 2, gmode, 2, 4, nearest, 0);
	grid_run(2, 0, 0, x, 3, 2, gmode, 2, 4, bicubic, 1e-4);   /* printed to 4 decimals */
}
END_TEST

/* Bilinear sampling with zero padding is the sum over all pixels of value
 * times the hat weights max(0, 1 - |d|) in x and y; with border padding
 * the coordinate is clamped first. Random grids, both align modes. */
START_TEST(test_gridsample_bilinear_random)
{
	int n = 2, c = 2, h = 4, w = 5, ho = 3, wo = 3;
	float *x = frandv(n * c * h * w, 2, 0), *grid = frandv(n * ho * wo * 2, 1.4f, 0), y[36];

	for (int pad = 0; pad <= 1; pad++)
		for (int align = 0; align <= 1; align++) {
			axrt_gridsample_params p = {n, c, h, w, ho, wo, 0, pad, align};
			ck_assert_int_eq(axrt_gridsample_f32(&p, (const void *const[]){x, grid},
				(void *const[]){y}, NULL), AXRT_OK);
			for (int b = 0; b < n; b++)
				for (int k = 0; k < ho * wo; k++) {
					double gx = grid[(b * ho * wo + k) * 2], gy = grid[(b * ho * wo + k) * 2 + 1];
					double ix = align ? (gx + 1) / 2 * (w - 1) : ((gx + 1) * w - 1) / 2;
					double iy = align ? (gy + 1) / 2 * (h - 1) : ((gy + 1) * h - 1) / 2;
					if (pad) {
						ix = fmin(fmax(ix, 0), w - 1);
						iy = fmin(fmax(iy, 0), h - 1);
					}
					for (int ch = 0; ch < c; ch++) {
						double ref = 0;
						for (int py = 0; py < h; py++)
							for (int px = 0; px < w; px++)
								ref += x[((b * c + ch) * h + py) * w + px] *
									fmax(0, 1 - fabs(ix - px)) * fmax(0, 1 - fabs(iy - py));
						ck_assert_float_close(y[(b * c + ch) * ho * wo + k], ref, 1e-5);
					}
				}
		}
	free(x), free(grid);
}
END_TEST

/* ---- TfIdfVectorizer ---- */

/* The pool of the spec's tests: 1-grams {2, 3, 5, 4}, 2-grams {5, 6},
 * {7, 8}, {6, 7}; outputs 0..6 in pool order. */
static const int64_t tf_pool[] = {2, 3, 5, 4, 5, 6, 7, 8, 6, 7};
static const int32_t tf_grams[] = {1, 0, 0, 1, 1, 1, 1, 2, 2, 1, 3, 3, 2, 4, 4, 2, 6, 5, 2, 8, 6};

static void
tfidf_run(const int32_t *x, int rows, int len, int lo, int hi, int skip, int mode,
	const float *wt, const float *want)
{
	float y[14];
	axrt_tfidf_params p = {rows, len, 0, 7, 7, lo, hi, skip, mode};

	ck_assert_int_eq(axrt_tfidf(&p, (const void *const[]){x, tf_pool, tf_grams, wt},
		(void *const[]){y}, NULL), AXRT_OK);
	for (int k = 0; k < rows * 7; k++)
		ck_assert_msg(y[k] == want[k], "lo %d hi %d skip %d mode %d: y[%d] = %g, expected %g",
			lo, hi, skip, mode, k, y[k], want[k]);
}

/* Expected counts from the TfIdfVectorizer backend tests' generator. */
START_TEST(test_tfidf_spec_examples)
{
	const int32_t x[] = {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8};
	const float bi0[] = {0, 0, 0, 0, 1, 1, 1}, bi5[] = {0, 0, 0, 0, 1, 3, 1};
	const float uni5[] = {0, 3, 1, 0, 1, 3, 1};
	const float batch_bi0[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
	const float batch_bi5[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
	const float batch_uni5[] = {0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1};

	tfidf_run(x, 1, 12, 2, 2, 0, 0, NULL, bi0);
	tfidf_run(x, 1, 12, 2, 2, 5, 0, NULL, bi5);
	tfidf_run(x, 1, 12, 1, 2, 5, 0, NULL, uni5);
	tfidf_run(x, 2, 6, 2, 2, 0, 0, NULL, batch_bi0);
	tfidf_run(x, 2, 6, 2, 2, 5, 0, NULL, batch_bi5);
	tfidf_run(x, 2, 6, 1, 2, 5, 0, NULL, batch_uni5);
}
END_TEST

/* IDF gives the weight where a count is positive; TFIDF count * weight;
 * int64 input counts the same as int32. */
START_TEST(test_tfidf_modes_and_int64)
{
	const int32_t x[] = {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8};
	const int64_t x64[] = {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8};
	const float wt[] = {1, 2, 3, 4, 5, 6, 7};
	const float idf[] = {0, 2, 3, 0, 5, 6, 7}, tfidf[] = {0, 6, 3, 0, 5, 18, 7};
	float y[7];
	axrt_tfidf_params p = {1, 12, 1, 7, 7, 1, 2, 5, 0};

	tfidf_run(x, 1, 12, 1, 2, 5, 1, wt, idf);
	tfidf_run(x, 1, 12, 1, 2, 5, 2, wt, tfidf);
	ck_assert_int_eq(axrt_tfidf(&p, (const void *const[]){x64, tf_pool, tf_grams, NULL},
		(void *const[]){y}, NULL), AXRT_OK);
	ck_assert_float_eq(y[1], 3.0f);
	ck_assert_float_eq(y[5], 3.0f);
	p.min_gram = 0;
	ck_assert_int_eq(axrt_tfidf(&p, (const void *const[]){x64, tf_pool, tf_grams, NULL},
		(void *const[]){y}, NULL), AXRT_EINVAL);
}
END_TEST

static Suite *
loss_suite(void)
{
	Suite *s = suite_create("rt_loss");
	TCase *tc = tcase_create("loss");

	tcase_add_test(tc, test_nllloss_and_sce_match_reference);
	tcase_add_test(tc, test_nllloss_spec_examples);
	tcase_add_test(tc, test_loss_target_range_and_all_ignored);
	tcase_add_test(tc, test_optimizers_match_formulas);
	suite_add_tcase(s, tc);
	tc = tcase_create("signal");
	tcase_add_test(tc, test_dft_matches_reference);
	tcase_add_test(tc, test_dft_impulse_and_constant);
	tcase_add_test(tc, test_stft_matches_reference);
	tcase_add_test(tc, test_windows_match_formulas);
	tcase_add_test(tc, test_melweights_match_reference);
	suite_add_tcase(s, tc);
	tc = tcase_create("sampling");
	tcase_add_test(tc, test_gridsample_spec_examples);
	tcase_add_test(tc, test_gridsample_bilinear_random);
	tcase_add_test(tc, test_tfidf_spec_examples);
	tcase_add_test(tc, test_tfidf_modes_and_int64);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(loss_suite());
}
