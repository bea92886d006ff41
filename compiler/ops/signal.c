/* signal.c: the signal op family -- DFT, STFT, HannWindow, HammingWindow,
 * BlackmanWindow, MelWeightMatrix, GridSample and TfIdfVectorizer: shape
 * inference and lowering to runtime/kernels/signal.c. Lengths, sizes and
 * steps that decide an output shape must be constants (helpers.c lists
 * them in op_static_input, so `--freeze` can make them so). */
#include <string.h>

#include "axrt.h"
#include "ops.h"

static const DType sig_f32[] = {DT_F32};
static const DType sig_index[] = {DT_I32, DT_I64};
static const DType sig_float[] = {DT_F32, DT_F64};

static int64_t
sig_prod(const Tensor *t, int lo, int hi)
{
	int64_t p = 1;
	for (int i = lo; i < hi; i++)
		p *= t->dim[i];
	return p;
}

/* Input i is a constant integer scalar >= lo: its value in *v. */
static int
sig_const_scalar(Node *n, Diag *d, int i, int64_t lo, int64_t *v)
{
	Tensor *t = n->in[i];

	if (check_dtype(n, d, t, sig_index, 2) < 0)
		return -1;
	if (!t->init)
		return diag_node(d, n, "input '%s' must be a constant: the output shape depends on "
			"its value, and axcc needs static shapes", t->name);
	if (tensor_numel(t) != 1 || const_ints(t, v, 1) != 1)
		return diag_node(d, n, "input '%s' must hold one value", t->name);
	if (*v < lo || *v > INT32_MAX)
		return diag_node(d, n, "input '%s' is %lld, expected %lld to %d", t->name,
			(long long)*v, (long long)lo, INT32_MAX);
	return 0;
}

/* Input i, when present, must be a scalar of one of the types ok. */
static int
sig_check_scalar(Node *n, Diag *d, int i, const DType *ok, int nok)
{
	Tensor *t = n->in[i];

	if (check_dtype(n, d, t, ok, nok) < 0)
		return -1;
	if (tensor_numel(t) != 1)
		return diag_node(d, n, "input '%s' must hold one value", t->name);
	return 0;
}

static int
sig_check_size(Node *n, Diag *d, const Tensor *t)
{
	if (tensor_numel(t) > INT32_MAX)
		return diag_node(d, n, "tensor '%s' has more than 2^31 - 1 elements", t->name);
	return 0;
}

/* ---- DFT and STFT ---- */

/* The DFT axis (an attribute before opset 20, then input 2, default -2),
 * normalized into [0, rank - 2]. */
static int
sig_dft_axis(Node *n, Diag *d, int *ax)
{
	int rank = n->in[0]->rank;
	int64_t axis = n->opset >= 20 ? -2 : attr_i(n, "axis", 1);

	if (n->opset >= 20 && n->nin > 2 && n->in[2] && sig_const_scalar(n, d, 2, INT32_MIN, &axis) < 0)
		return -1;
	if (axis < -rank || axis > rank - 2 || axis == -1)
		return diag_node(d, n, "axis %lld is out of range for a signal of rank %d "
			"(the last dim holds the real and imaginary parts)", (long long)axis, rank);
	*ax = (int)(axis < 0 ? axis + rank : axis);
	return 0;
}

/* The DFT's parameters from the node; infer and lower share them. */
static int
sig_dft_params(Node *n, Diag *d, axrt_dft_params *p, int *axp)
{
	Tensor *x = n->in[0];
	int64_t nfft;
	int ax = 0, onesided = attr_i(n, "onesided", 0) != 0;

	if (check_dtype(n, d, x, sig_f32, 1) < 0 || check_rank(n, d, x, 3, IR_MAXRANK) < 0 ||
	    sig_check_size(n, d, x) < 0 || sig_dft_axis(n, d, &ax) < 0)
		return -1;
	if (x->dim[x->rank - 1] != 1 && x->dim[x->rank - 1] != 2)
		return diag_node(d, n, "the last dim of '%s' is %lld, expected 1 (real) or 2 (complex)",
			x->name, (long long)x->dim[x->rank - 1]);
	nfft = x->dim[ax];
	if (n->nin > 1 && n->in[1] && sig_const_scalar(n, d, 1, 1, &nfft) < 0)
		return -1;
	if (nfft < 1)
		return diag_node(d, n, "the signal along axis %d is empty", ax);
	if (onesided && (x->dim[x->rank - 1] == 2 || attr_i(n, "inverse", 0)))
		return diag_node(d, n, "onesided=1 needs a real input and a forward transform");
	p->outer = (int32_t)sig_prod(x, 0, ax);
	p->len = (int32_t)x->dim[ax];
	p->inner = (int32_t)sig_prod(x, ax + 1, x->rank - 1);
	p->comps = (int32_t)x->dim[x->rank - 1];
	p->nfft = (int32_t)nfft;
	p->nbins = (int32_t)(onesided ? nfft / 2 + 1 : nfft);
	p->inverse = attr_i(n, "inverse", 0) != 0;
	*axp = ax;
	return 0;
}

static int
sig_infer_dft(Node *n, Diag *d)
{
	Tensor *x = n->in[0];
	axrt_dft_params p;
	int64_t dim[IR_MAXRANK];
	int ax;

	if (sig_dft_params(n, d, &p, &ax) < 0)
		return -1;
	memcpy(dim, x->dim, sizeof dim);
	dim[ax] = p.nbins;
	dim[x->rank - 1] = 2;
	tensor_set(n->out[0], DT_F32, x->rank, dim);
	return sig_check_size(n, d, n->out[0]);
}

static int
sig_stft_params(Node *n, Diag *d, axrt_stft_params *p)
{
	Tensor *x = n->in[0], *w = n->nin > 2 ? n->in[2] : NULL;
	int64_t step, flen = -1;

	if (check_dtype(n, d, x, sig_f32, 1) < 0 || check_rank(n, d, x, 3, 3) < 0 ||
	    sig_check_size(n, d, x) < 0 || sig_const_scalar(n, d, 1, 1, &step) < 0)
		return -1;
	if (x->dim[2] != 1 && x->dim[2] != 2)
		return diag_node(d, n, "the last dim of '%s' is %lld, expected 1 (real) or 2 (complex)",
			x->name, (long long)x->dim[2]);
	if (n->nin > 3 && n->in[3] && sig_const_scalar(n, d, 3, 1, &flen) < 0)
		return -1;
	if (w && (check_dtype(n, d, w, sig_f32, 1) < 0 || check_rank(n, d, w, 1, 1) < 0))
		return -1;
	if (w && flen >= 0 && w->dim[0] != flen)
		return diag_node(d, n, "window '%s' has %lld values but frame_length is %lld",
			w->name, (long long)w->dim[0], (long long)flen);
	if (w)
		flen = w->dim[0];
	if (flen < 1)
		return diag_node(d, n, "needs a window or a frame_length of at least 1");
	if (flen > x->dim[1])
		return diag_node(d, n, "frame length %lld is longer than the signal (%lld)",
			(long long)flen, (long long)x->dim[1]);
	if (attr_i(n, "onesided", 1) && x->dim[2] == 2)
		return diag_node(d, n, "onesided=1 needs a real signal");
	p->batch = (int32_t)x->dim[0];
	p->siglen = (int32_t)x->dim[1];
	p->comps = (int32_t)x->dim[2];
	p->step = (int32_t)step;
	p->flen = (int32_t)flen;
	p->frames = (int32_t)((x->dim[1] - flen) / step + 1);
	p->nbins = (int32_t)(attr_i(n, "onesided", 1) ? flen / 2 + 1 : flen);
	return 0;
}

static int
sig_infer_stft(Node *n, Diag *d)
{
	axrt_stft_params p;

	if (sig_stft_params(n, d, &p) < 0)
		return -1;
	tensor_set(n->out[0], DT_F32, 4, (int64_t[]){p.batch, p.frames, p.nbins, 2});
	return sig_check_size(n, d, n->out[0]);
}

/* ---- windows and the mel filter bank ---- */

/* output_datatype: float (default) or double. */
static int
sig_out_dtype(Node *n, Diag *d, DType *dt)
{
	int64_t v = attr_i(n, "output_datatype", DT_F32);

	if (v != DT_F32 && v != DT_F64)
		return diag_node(d, n, "output_datatype %lld is not supported (only 1 = float and "
			"11 = double)", (long long)v);
	*dt = (DType)v;
	return 0;
}

static int
sig_infer_window(Node *n, Diag *d)
{
	int64_t size;
	DType dt = DT_UNDEF;

	if (sig_const_scalar(n, d, 0, 0, &size) < 0 || sig_out_dtype(n, d, &dt) < 0)
		return -1;
	tensor_set(n->out[0], dt, 1, &size);
	return 0;
}

static int
sig_infer_mel(Node *n, Diag *d)
{
	int64_t nmel, dftlen;
	DType dt = DT_UNDEF;

	if (sig_const_scalar(n, d, 0, 1, &nmel) < 0 || sig_const_scalar(n, d, 1, 1, &dftlen) < 0 ||
	    sig_check_scalar(n, d, 2, sig_index, 2) < 0 || sig_check_scalar(n, d, 3, sig_float, 2) < 0 ||
	    sig_check_scalar(n, d, 4, sig_float, 2) < 0 || sig_out_dtype(n, d, &dt) < 0)
		return -1;
	if (n->in[3]->dtype != n->in[4]->dtype)
		return diag_node(d, n, "lower and upper edge have different types");
	tensor_set(n->out[0], dt, 2, (int64_t[]){dftlen / 2 + 1, nmel});
	return sig_check_size(n, d, n->out[0]);
}

/* ---- GridSample ---- */

/* mode and padding_mode as kernel codes (opset 20 renamed the modes
 * linear and cubic). */
static int
sig_grid_modes(Node *n, Diag *d, int32_t *mode, int32_t *pad)
{
	const char *m = attr_s(n, "mode", n->opset >= 20 ? "linear" : "bilinear");
	const char *pm = attr_s(n, "padding_mode", "zeros");

	if (!strcmp(m, "bilinear") || !strcmp(m, "linear"))
		*mode = 0;
	else if (!strcmp(m, "nearest"))
		*mode = 1;
	else if (!strcmp(m, "bicubic") || !strcmp(m, "cubic"))
		*mode = 2;
	else
		return diag_node(d, n, "mode '%s' is not supported (bilinear, nearest, bicubic)", m);
	if (!strcmp(pm, "zeros"))
		*pad = 0;
	else if (!strcmp(pm, "border"))
		*pad = 1;
	else if (!strcmp(pm, "reflection"))
		*pad = 2;
	else
		return diag_node(d, n, "padding_mode '%s' is not one of zeros, border, reflection", pm);
	return 0;
}

static int
sig_infer_grid(Node *n, Diag *d)
{
	Tensor *x = n->in[0], *g = n->in[1];
	int32_t mode, pad;
	char a[64], b[64];

	if (check_dtype(n, d, x, sig_f32, 1) < 0 || check_dtype(n, d, g, sig_f32, 1) < 0 ||
	    sig_grid_modes(n, d, &mode, &pad) < 0)
		return -1;
	if (x->rank != 4)
		return diag_node(d, n, "input '%s' has rank %d: only 2-D sampling (rank 4) is supported",
			x->name, x->rank);
	if (g->rank != 4 || g->dim[0] != x->dim[0] || g->dim[3] != 2)
		return diag_node(d, n, "grid '%s' of shape %s does not fit input shape %s "
			"(expected N, H_out, W_out, 2)", g->name, tensor_shape_str(g, a, sizeof a),
			tensor_shape_str(x, b, sizeof b));
	if (x->dim[2] < 1 || x->dim[3] < 1)
		return diag_node(d, n, "input '%s' has an empty image", x->name);
	tensor_set(n->out[0], DT_F32, 4, (int64_t[]){x->dim[0], x->dim[1], g->dim[1], g->dim[2]});
	if (sig_check_size(n, d, x) < 0 || sig_check_size(n, d, g) < 0)
		return -1;
	return sig_check_size(n, d, n->out[0]);
}

/* ---- TfIdfVectorizer ---- */

/* Walks the pool's levels (ngram_counts), checking them and ngram_indexes
 * against the pool; fills grams (3 int32 per n-gram: length, offset,
 * output index) unless NULL. *ngrams: the n-gram count, *nout: the
 * largest output index + 1. */
static int
sig_tfidf_table(Node *n, Diag *d, int32_t *grams, int32_t *ngrams, int32_t *nout)
{
	const int64_t *pool, *cnt, *idx;
	int np = attr_ints(n, "pool_int64s", &pool), nc = attr_ints(n, "ngram_counts", &cnt);
	int ni = attr_ints(n, "ngram_indexes", &idx), g = 0;
	int64_t mx = -1;

	if (attr_get(n, "pool_strings"))
		return diag_node(d, n, "pool_strings is not supported (no string tensors)");
	if (np < 0 || nc < 0 || ni < 0)
		return diag_node(d, n, "needs the attributes pool_int64s, ngram_counts and ngram_indexes");
	for (int k = 0; k < nc; k++) {
		int64_t lo = cnt[k], hi = k + 1 < nc ? cnt[k + 1] : np;
		if (lo < 0 || hi < lo || hi > np || (hi - lo) % (k + 1))
			return diag_node(d, n, "ngram_counts[%d] = %lld does not split the pool of %d "
				"values into %d-grams", k, (long long)lo, np, k + 1);
		for (int64_t o = lo; o < hi; o += k + 1, g++) {
			if (g >= ni)
				continue;   /* counted for the message below */
			if (idx[g] < 0 || idx[g] >= INT32_MAX)
				return diag_node(d, n, "ngram_indexes[%d] = %lld is out of range", g,
					(long long)idx[g]);
			if (grams) {
				grams[3 * g] = k + 1;
				grams[3 * g + 1] = (int32_t)o;
				grams[3 * g + 2] = (int32_t)idx[g];
			}
			mx = idx[g] > mx ? idx[g] : mx;
		}
	}
	if (g != ni)
		return diag_node(d, n, "ngram_indexes has %d values, but the pool holds %d n-grams", ni, g);
	*ngrams = g;
	*nout = (int32_t)(mx + 1);
	return 0;
}

/* The kernel's parameters from the node; infer and lower share them. */
static int
sig_tfidf_params(Node *n, Diag *d, axrt_tfidf_params *p)
{
	Tensor *x = n->in[0];
	const char *mode = attr_s(n, "mode", "");
	const float *w;
	int nw = attr_floats(n, "weights", &w);
	int64_t lo = attr_i(n, "min_gram_length", 0), hi = attr_i(n, "max_gram_length", 0);
	int64_t skip = attr_i(n, "max_skip_count", 0);

	if (check_dtype(n, d, x, sig_index, 2) < 0 || check_rank(n, d, x, 1, 2) < 0 ||
	    sig_check_size(n, d, x) < 0 || sig_tfidf_table(n, d, NULL, &p->ngrams, &p->nout) < 0)
		return -1;
	p->mode = !strcmp(mode, "TF") ? 0 : !strcmp(mode, "IDF") ? 1 : !strcmp(mode, "TFIDF") ? 2 : -1;
	if (p->mode < 0)
		return diag_node(d, n, "mode '%s' is not one of TF, IDF, TFIDF", mode);
	if (lo < 1 || hi < lo || hi > INT32_MAX || skip < 0 || skip > INT32_MAX)
		return diag_node(d, n, "min_gram_length %lld, max_gram_length %lld, max_skip_count %lld: "
			"expected 1 <= min <= max and skip >= 0", (long long)lo, (long long)hi, (long long)skip);
	if (nw >= 0 && nw != p->ngrams)
		return diag_node(d, n, "weights has %d values, expected one per n-gram (%d)", nw, p->ngrams);
	p->rows = x->rank == 2 ? (int32_t)x->dim[0] : 1;
	p->len = (int32_t)x->dim[x->rank - 1];
	p->x64 = x->dtype == DT_I64;
	p->min_gram = (int32_t)lo;
	p->max_gram = (int32_t)hi;
	p->max_skip = (int32_t)skip;
	return 0;
}

static int
sig_infer_tfidf(Node *n, Diag *d)
{
	Tensor *x = n->in[0];
	axrt_tfidf_params p;

	if (sig_tfidf_params(n, d, &p) < 0)
		return -1;
	if (x->rank == 2)
		tensor_set(n->out[0], DT_F32, 2, (int64_t[]){x->dim[0], p.nout});
	else
		tensor_set(n->out[0], DT_F32, 1, (int64_t[]){p.nout});
	return sig_check_size(n, d, n->out[0]);
}

/* Required inputs (below the op's minimum count) and the output must be
 * present: a model may name them "". */
static int
sig_check_present(Node *n, Diag *d)
{
	for (int i = 0; i < optab[n->op].min_in && i < n->nin; i++)
		if (!n->in[i])
			return diag_node(d, n, "input %d is missing", i);
	if (n->nout < 1 || !n->out[0])
		return diag_node(d, n, "output 0 is missing");
	return 0;
}

int
signal_infer(Node *n, Diag *d)
{
	if (n->op > OP_UNKNOWN && n->op < NOP && sig_check_present(n, d) < 0)
		return -1;
	switch (n->op) {
	case OP_DFT: return sig_infer_dft(n, d);
	case OP_STFT: return sig_infer_stft(n, d);
	case OP_HANNWINDOW:
	case OP_HAMMINGWINDOW:
	case OP_BLACKMANWINDOW: return sig_infer_window(n, d);
	case OP_MELWEIGHTMATRIX: return sig_infer_mel(n, d);
	case OP_GRIDSAMPLE: return sig_infer_grid(n, d);
	case OP_TFIDFVECTORIZER: return sig_infer_tfidf(n, d);
	default: return diag_node(d, n, "not a signal-family op");
	}
}

/* ---- lowering ---- */

/* A step with the node's first nin inputs (-1 for absent ones) and its
 * output. */
static void
sig_call(Lower *l, Node *n, KernelId k, const void *params, int nin, size_t scratch)
{
	int in[8], out = lower_buf(l, n->out[0]);
	for (int i = 0; i < nin; i++)
		in[i] = i < n->nin ? lower_buf(l, n->in[i]) : -1;
	lower_step(l, n, k, params, nin, in, 1, &out, scratch);
}

static int
sig_lower_tfidf(Node *n, Lower *l)
{
	axrt_tfidf_params p;
	const int64_t *pool;
	const float *w;
	int np = attr_ints(n, "pool_int64s", &pool), nw = attr_floats(n, "weights", &w);
	int in[4], out;
	int32_t *grams;
	float *wout;

	if (sig_tfidf_params(n, l->d, &p) < 0)
		return -1;
	grams = arena_alloc(l->a, (size_t)(3 * p.ngrams + 1) * sizeof *grams);
	if (sig_tfidf_table(n, l->d, grams, &p.ngrams, &p.nout) < 0)
		return -1;
	in[0] = lower_buf(l, n->in[0]);
	in[1] = lower_const(l, arena_printf(l->a, "%s_pool", n->name), DT_I64,
		(size_t)(np ? np : 1) * sizeof *pool, arena_memdup(l->a, pool, (size_t)(np ? np : 1) * sizeof *pool));
	in[2] = lower_const(l, arena_printf(l->a, "%s_ngrams", n->name), DT_I32,
		(size_t)(3 * p.ngrams + 1) * sizeof *grams, grams);
	in[3] = -1;
	if (nw >= 0) {
		wout = arena_alloc(l->a, (size_t)(p.nout + 1) * sizeof *wout);
		for (int g = 0; g < p.ngrams; g++)
			wout[grams[3 * g + 2]] = w[g];
		in[3] = lower_const(l, arena_printf(l->a, "%s_weights", n->name), DT_F32,
			(size_t)(p.nout + 1) * sizeof *wout, wout);
	}
	out = lower_buf(l, n->out[0]);
	lower_step(l, n, K_tfidf, &p, 4, in, 1, &out, 0);
	return 0;
}

static int
sig_lower_other(Node *n, Lower *l)
{
	axrt_dft_params dp;
	axrt_stft_params sp;
	int ax;
	axrt_gridsample_params gp;
	Tensor *x = n->in[0], *y = n->out[0];

	switch (n->op) {
	case OP_DFT:
		if (sig_dft_params(n, l->d, &dp, &ax) < 0)
			return -1;
		sig_call(l, n, K_dft_f32, &dp, 1, AXRT_DFT_SCRATCH(dp.nfft));
		return 0;
	case OP_STFT:
		if (sig_stft_params(n, l->d, &sp) < 0)
			return -1;
		sig_call(l, n, K_stft_f32, &sp, 4, AXRT_DFT_SCRATCH(sp.flen));
		return 0;
	case OP_GRIDSAMPLE:
		gp = (axrt_gridsample_params){(int32_t)x->dim[0], (int32_t)x->dim[1], (int32_t)x->dim[2],
			(int32_t)x->dim[3], (int32_t)y->dim[2], (int32_t)y->dim[3], 0, 0,
			attr_i(n, "align_corners", 0) != 0};
		if (sig_grid_modes(n, l->d, &gp.mode, &gp.padding) < 0)
			return -1;
		sig_call(l, n, K_gridsample_f32, &gp, 2, 0);
		return 0;
	default:
		return diag_node(l->d, n, "not a signal-family op");
	}
}

int
signal_lower(Node *n, Lower *l)
{
	const Tensor *y = n->out[0];

	switch (n->op) {
	case OP_HANNWINDOW:
	case OP_HAMMINGWINDOW:
	case OP_BLACKMANWINDOW: {
		axrt_window_params p = {(int32_t)y->dim[0], n->op == OP_HANNWINDOW ? AXRT_WINDOW_HANN :
			n->op == OP_HAMMINGWINDOW ? AXRT_WINDOW_HAMMING : AXRT_WINDOW_BLACKMAN,
			attr_i(n, "periodic", 1) != 0, y->dtype};
		sig_call(l, n, K_window, &p, 1, 0);
		return 0;
	}
	case OP_MELWEIGHTMATRIX: {
		axrt_melweights_params p = {(int32_t)y->dim[1], 0, n->in[2]->dtype == DT_I64,
			n->in[3]->dtype == DT_F64, y->dtype};
		int64_t dftlen;
		if (sig_const_scalar(n, l->d, 1, 1, &dftlen) < 0)
			return -1;
		p.dftlen = (int32_t)dftlen;
		sig_call(l, n, K_melweights, &p, 5, 0);
		return 0;
	}
	case OP_TFIDFVECTORIZER:
		return sig_lower_tfidf(n, l);
	default:
		return sig_lower_other(n, l);
	}
}
