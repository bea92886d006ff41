/* sens_data.c: the analysis dataset -- inputs from .npy, TensorProto .pb or
 * IDX, converted to float32 and preprocessed (x * scale - mean) / std per
 * channel; integer labels from .npy or IDX; the deterministic split into an
 * analysis part and a held-out part. Every mismatch is a user error naming
 * the file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "data.h"

/* element i of a numeric tensor as a double; 0 with *bad set otherwise */
static double
elem(const Tensor *t, int64_t i, int *bad)
{
	const void *v = t->init;
	switch (t->dtype) {
	case DT_F32: return ((const float *)v)[i];
	case DT_F64: return ((const double *)v)[i];
	case DT_U8: return ((const uint8_t *)v)[i];
	case DT_I8: return ((const int8_t *)v)[i];
	case DT_U16: return ((const uint16_t *)v)[i];
	case DT_I16: return ((const int16_t *)v)[i];
	case DT_I32: return ((const int32_t *)v)[i];
	case DT_U32: return ((const uint32_t *)v)[i];
	case DT_I64: return (double)((const int64_t *)v)[i];
	case DT_U64: return (double)((const uint64_t *)v)[i];
	default: *bad = 1; return 0;
	}
}

/* dims without leading ones, into out; returns the count */
static int
squeeze_lead(const int64_t *dim, int rank, int64_t *out)
{
	int k = 0;
	while (k < rank && dim[k] == 1)
		k++;
	for (int i = k; i < rank; i++)
		out[i - k] = dim[i];
	return rank - k;
}

/* The samples of t (dim 0) must each have the model input's shape, up to
 * leading ones (an IDX [N,28,28] feeds a [1,1,28,28] input). */
static int
check_shape(const Tensor *t, const Tensor *in, const char *path, Diag *d)
{
	int64_t a[IR_MAXRANK], b[IR_MAXRANK];
	char s1[128], s2[128];
	if (t->rank < 1 || t->dim[0] < 1)
		return data_error(d, path, "holds no samples (shape %s)", tensor_shape_str(t, s1, sizeof s1));
	int na = squeeze_lead(t->dim + 1, t->rank - 1, a), nb = squeeze_lead(in->dim, in->rank, b);
	int same = na == nb;
	for (int i = 0; same && i < na; i++)
		same = a[i] == b[i];
	if (!same)
		return data_error(d, path, "has shape %s: %lld samples that do not match the model "
			"input '%s' of shape %s", tensor_shape_str(t, s1, sizeof s1), (long long)t->dim[0],
			in->name, tensor_shape_str(in, s2, sizeof s2));
	return 0;
}

/* The channel of element j of one sample (dim 1 of the model input). */
static int
channel_of(const Tensor *in, int64_t j, int64_t insz)
{
	if (in->rank < 2 || in->dim[1] < 1)
		return 0;
	int64_t inner = insz / in->dim[0] / in->dim[1];
	return (int)((j / inner) % in->dim[1]);
}

static int
check_prep(const SensPrep *pp, const Tensor *in, const char *path, Diag *d)
{
	int64_t c = in->rank >= 2 ? in->dim[1] : 1;
	if ((pp->nmean > 1 && pp->nmean != c) || (pp->nstd > 1 && pp->nstd != c))
		return data_error(d, path, "--mean/--std give %d/%d values; the model input '%s' has "
			"%lld channels (give 1 or %lld)", pp->nmean, pp->nstd, in->name, (long long)c,
			(long long)c);
	for (int i = 0; i < pp->nstd; i++)
		if (!(pp->std[i] != 0.0) || !isfinite(pp->std[i]))
			return data_error(d, path, "--std value %g is not a nonzero number", pp->std[i]);
	return 0;
}

/* Converts t into sd->x with the preprocessing. */
static int
convert(SensData *sd, const Tensor *t, const Tensor *in, const SensPrep *pp, const char *path,
	Diag *d)
{
	int bad = 0;
	int64_t total = (int64_t)sd->n * sd->insz;
	sd->x = xmalloc((size_t)(total ? total : 1) * sizeof *sd->x);
	for (int64_t i = 0; i < total && !bad; i++) {
		int c = channel_of(in, i % sd->insz, sd->insz);
		double v = elem(t, i, &bad) * pp->scale;
		if (pp->nmean)
			v -= pp->mean[pp->nmean > 1 ? c : 0];
		if (pp->nstd)
			v /= pp->std[pp->nstd > 1 ? c : 0];
		sd->x[i] = (float)v;
	}
	if (bad)
		return data_error(d, path, "has element type %s; inputs must be numbers",
			dtype_name(t->dtype));
	return 0;
}

static int
load_labels(SensData *sd, const char *path, Arena *a, Diag *d)
{
	Tensor t;
	char s[128];
	if (data_read(path, a, &t, d) < 0)
		return -1;
	if (!dtype_is_int(t.dtype))
		return data_error(d, path, "labels have type %s; they must be integers", dtype_name(t.dtype));
	if (t.rank < 1 || t.rank > 2 || (t.rank == 2 && t.dim[1] != 1) || t.dim[0] != sd->n)
		return data_error(d, path, "labels have shape %s; the data holds %d samples (expected "
			"[%d] or [%d,1])", tensor_shape_str(&t, s, sizeof s), sd->n, sd->n, sd->n);
	sd->label = xmalloc((size_t)sd->n * sizeof *sd->label);
	for (int i = 0; i < sd->n; i++) {
		int bad = 0;
		double v = elem(&t, i, &bad);
		if (v < 0 || v >= (double)sd->nclass)
			return data_error(d, path, "label %.0f of sample %d is outside [0, %lld) (the "
				"model's output 0 has %lld classes)", v, i, (long long)sd->nclass,
				(long long)sd->nclass);
		sd->label[i] = (int32_t)v;
	}
	return 0;
}

/* The model must have one float32 input and a float32 output 0. */
static int
check_model(const Graph *g, Diag *d)
{
	if (g->ninput != 1)
		return diag_error(d, "%s: analysis needs a model with one input; this one has %d",
			g->path, g->ninput);
	if (g->input[0]->dtype != DT_F32)
		return diag_error(d, "%s: analysis needs a float32 input; input '%s' is %s", g->path,
			g->input[0]->name, dtype_name(g->input[0]->dtype));
	if (g->noutput < 1 || g->output[0]->dtype != DT_F32 || tensor_numel(g->output[0]) < 1)
		return diag_error(d, "%s: analysis needs a float32 output 0 (class scores)", g->path);
	return 0;
}

int
sens_data_load(SensData *sd, const Graph *g, const char *xpath, const char *ypath,
	const SensPrep *pp, Diag *d)
{
	memset(sd, 0, sizeof *sd);
	if (check_model(g, d) < 0)
		return -1;
	const Tensor *in = g->input[0];
	Arena *a = arena_new();
	Tensor t;
	int rc = -1;
	sd->insz = tensor_numel(in);
	sd->nclass = tensor_numel(g->output[0]);
	if (data_read(xpath, a, &t, d) < 0 || check_shape(&t, in, xpath, d) < 0 ||
	    check_prep(pp, in, xpath, d) < 0)
		goto out;
	if (t.dim[0] > (1 << 30)) {
		data_error(d, xpath, "has %lld samples; at most 2^30 are supported", (long long)t.dim[0]);
		goto out;
	}
	sd->n = (int)t.dim[0];
	if (convert(sd, &t, in, pp, xpath, d) < 0)
		goto out;
	if (ypath && load_labels(sd, ypath, a, d) < 0)
		goto out;
	rc = 0;
out:
	arena_free(a);
	if (rc < 0)
		sens_data_free(sd);
	return rc;
}

void
sens_data_free(SensData *sd)
{
	free(sd->x);
	free(sd->label);
	sd->x = NULL;
	sd->label = NULL;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int
sens_split(int n, double frac, uint64_t seed, int *idx)
{
	for (int i = 0; i < n; i++)
		idx[i] = i;
	if (frac >= 1.0 || n <= 1)
		return n;
	Rng r;
	rng_seed(&r, rng_key(seed, 0x73706c6974ull, 0, 0, 0, 0));   /* "split" */
	for (int i = n - 1; i > 0; i--) {   /* Fisher-Yates: j uniform in [0, i] */
		int j = (int)(rng_uniform(&r) * (double)(i + 1));
		int t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
	int na = (int)floor(frac * n + 0.5);
	na = na < 1 ? 1 : na > n ? n : na;
	qsort(idx, (size_t)na, sizeof *idx, cmp_int);
	qsort(idx + na, (size_t)(n - na), sizeof *idx, cmp_int);
	return na;
}

int
sens_parse_num(const char *s, double *v)
{
	char *end;
	double a = strtod(s, &end);
	if (end == s)
		return -1;
	if (*end == '/') {
		const char *q = end + 1;
		double b = strtod(q, &end);
		if (end == q || b == 0.0)
			return -1;
		a /= b;
	}
	if (*end || !isfinite(a))
		return -1;
	*v = a;
	return 0;
}

int
sens_parse_list(const char *s, double *v, int max)
{
	int n = 0;
	char buf[64];
	while (*s) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		if (n == max || len == 0 || len >= sizeof buf)
			return -1;
		memcpy(buf, s, len);
		buf[len] = 0;
		if (sens_parse_num(buf, &v[n++]) < 0)
			return -1;
		s += len + (c ? 1 : 0);
		if (c && !*s)
			return -1;
	}
	return n;
}
