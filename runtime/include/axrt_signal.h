/* axrt_signal.h: parameter structs and kernels of the signal family:
 * Fourier transforms (DFT, STFT), the window generators (Hann, Hamming,
 * Blackman), the mel filter bank (MelWeightMatrix), image resampling on a
 * grid (GridSample) and n-gram counting (TfIdfVectorizer). */
#ifndef AXRT_SIGNAL_H
#define AXRT_SIGNAL_H

#include "axrt_core.h"

/* dft: x is outer x len x inner x comps floats (comps 1: real, 2: complex
 * pairs); y is outer x nbins x inner x 2. Along len the signal is
 * truncated or zero-padded to nfft points, then
 *   y[k] = sum_j x[j] exp(-2 pi i j k / nfft)              (inverse 0)
 *   y[k] = 1/nfft sum_j x[j] exp(+2 pi i j k / nfft)       (inverse 1)
 * for k < nbins <= nfft (onesided: nbins = nfft / 2 + 1). Twiddles come
 * from the exact index j k mod nfft; twiddles and sums are double (bins
 * that cancel to zero would miss the reference by more than 1e-5 in float).
 * Scratch: AXRT_DFT_SCRATCH(nfft) bytes (the twiddle table, 8-byte aligned). */
#define AXRT_DFT_PARAMS(F, A) F(int32_t, outer) F(int32_t, len) F(int32_t, inner) \
	F(int32_t, comps) F(int32_t, nfft) F(int32_t, nbins) F(int32_t, inverse)
#define AXRT_DFT_SCRATCH(nfft) ((size_t)(nfft) * 2u * sizeof(double))

/* stft: in[0] x is batch x siglen x comps floats; in[1] (frame_step) and
 * in[3] (frame_length) are not read; in[2] the window, flen floats, or NULL
 * (all ones). y is batch x frames x nbins x 2: frame f is the DFT over flen
 * points of x[f step + j] * window[j] (the forward transform of dft above).
 * frames = (siglen - flen) / step + 1. Scratch: AXRT_DFT_SCRATCH(flen). */
#define AXRT_STFT_PARAMS(F, A) F(int32_t, batch) F(int32_t, siglen) F(int32_t, comps) \
	F(int32_t, step) F(int32_t, flen) F(int32_t, frames) F(int32_t, nbins)

/* window: y[j], j < size, of element type dtype (AXRT_DT_FLOAT or
 * AXRT_DT_DOUBLE), with N = size (periodic) or size - 1 (symmetric) and
 * a = 2 pi j / N, evaluated in double:
 *   hann (kind 0)     0.5 - 0.5 cos a
 *   hamming (kind 1)  25/46 - 21/46 cos a
 *   blackman (kind 2) 0.42 - 0.5 cos a + 0.08 cos 2a
 * A symmetric window of size 1 is {1}. in[0] (size) is not read. */
#define AXRT_WINDOW_PARAMS(F, A) F(int32_t, size) F(int32_t, kind) F(int32_t, periodic) \
	F(int32_t, dtype)
enum { AXRT_WINDOW_HANN = 0, AXRT_WINDOW_HAMMING = 1, AXRT_WINDOW_BLACKMAN = 2 };

/* melweights: the nspec x nmel matrix (nspec = dftlen / 2 + 1) of nmel
 * triangular filters, element type dtype (float or double). in[2] the
 * sample rate (int64 when i64, else int32), in[3] and in[4] the lower and
 * upper edge in hertz (double when f64, else float); in[0], in[1] are not
 * read. As the ONNX reference, in double: the nmel + 2 points spaced evenly
 * on mel(f) = 2595 log10(1 + f / 700) between the edges (step: the span
 * over nmel + 2) map to bins floor((dftlen + 1) f / rate); filter i rises
 * from bin[i] to 1 at bin[i + 1] and falls to bin[i + 2]. Entries outside
 * the matrix are dropped. A sample rate <= 0 gives AXRT_EINVAL. */
#define AXRT_MELWEIGHTS_PARAMS(F, A) F(int32_t, nmel) F(int32_t, dftlen) F(int32_t, i64) \
	F(int32_t, f64) F(int32_t, dtype)

/* gridsample: x is n x c x h x w floats, in[1] grid n x ho x wo x 2
 * (x then y, -1..1 spanning the input); y is n x c x ho x wo. As PyTorch's
 * grid_sampler_2d (which the ONNX tests come from): mode 0 bilinear,
 * 1 nearest (round half to even), 2 bicubic (A = -0.75); padding 0 zeros,
 * 1 border, 2 reflection; align_corners maps -1 and 1 to the corner
 * pixels' centres instead of their outer edges. No scratch. */
#define AXRT_GRIDSAMPLE_PARAMS(F, A) F(int32_t, n) F(int32_t, c) F(int32_t, h) F(int32_t, w) \
	F(int32_t, ho) F(int32_t, wo) F(int32_t, mode) F(int32_t, padding) F(int32_t, align_corners)

/* tfidf: in[0] x is rows x len integers (int64 when x64, else int32);
 * in[1] the pool, int64; in[2] ngrams x 3 int32: each n-gram's length,
 * offset in the pool and output index (< nout); in[3] nout floats, the
 * weight of each output, or NULL (all 1). y is rows x nout floats. For
 * every start, skip s <= max_skip and length n in [min_gram, max_gram],
 * the n items x[start + m (s + 1)], m < n, that match a pool n-gram count
 * once for its output (1-grams only at s = 0, as ONNX Runtime). mode 0
 * (TF): y = count; 1 (IDF): weight where count > 0; 2 (TFIDF):
 * count * weight. No scratch. */
#define AXRT_TFIDF_PARAMS(F, A) F(int32_t, rows) F(int32_t, len) F(int32_t, x64) \
	F(int32_t, ngrams) F(int32_t, nout) F(int32_t, min_gram) F(int32_t, max_gram) \
	F(int32_t, max_skip) F(int32_t, mode)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_signal.def"
#undef AXRT_P
#undef AXRT_K

#endif
