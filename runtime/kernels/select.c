/* select.c: kernels of the select family -- TopK and Unique (a heap sort of
 * int32 positions in caller scratch under a total order: value, then
 * position, so results are deterministic and equal to a stable sort),
 * NonZero, Compress, NonMaxSuppression, MaxUnpool, MaxRoiPool, RoiAlign. */
#include "axrt.h"
#include <float.h>
#include <math.h>
#include <string.h>

/* Bytes of one element of ONNX type dt; 0 for a type the family lacks. */
AXRT_PRIVATE size_t
select_esize(int32_t dt)
{
	switch (dt) {
	case AXRT_DT_INT8: case AXRT_DT_UINT8: case AXRT_DT_BOOL: return 1;
	case AXRT_DT_INT16: case AXRT_DT_UINT16: return 2;
	case AXRT_DT_FLOAT: case AXRT_DT_INT32: case AXRT_DT_UINT32: return 4;
	case AXRT_DT_DOUBLE: case AXRT_DT_INT64: case AXRT_DT_UINT64: return 8;
	default: return 0;
	}
}

/* -1, 0, 1 as a < b, a == b, a > b; NaN above every number, NaNs equal.
 * (float and double versions: no double arithmetic on single-precision FPUs) */
AXRT_PRIVATE int
select_fcmp(float a, float b)
{
	int na = a != a, nb = b != b;
	if (na || nb)
		return na - nb;
	return (a > b) - (a < b);
}

AXRT_PRIVATE int
select_dcmp(double a, double b)
{
	int na = a != a, nb = b != b;
	if (na || nb)
		return na - nb;
	return (a > b) - (a < b);
}

#define SELECT_ICMP(T) do { \
	T a_ = ((const T *)x)[i], b_ = ((const T *)x)[j]; \
	return (a_ > b_) - (a_ < b_); \
} while (0)

/* Compares elements i and j of x (type dt) like select_fcmp. */
AXRT_PRIVATE int
select_cmp(const void *x, int32_t dt, int64_t i, int64_t j)
{
	switch (dt) {
	case AXRT_DT_FLOAT: return select_fcmp(((const float *)x)[i], ((const float *)x)[j]);
	case AXRT_DT_DOUBLE: return select_dcmp(((const double *)x)[i], ((const double *)x)[j]);
	case AXRT_DT_INT8: SELECT_ICMP(int8_t);
	case AXRT_DT_INT16: SELECT_ICMP(int16_t);
	case AXRT_DT_INT32: SELECT_ICMP(int32_t);
	case AXRT_DT_INT64: SELECT_ICMP(int64_t);
	case AXRT_DT_UINT16: SELECT_ICMP(uint16_t);
	case AXRT_DT_UINT32: SELECT_ICMP(uint32_t);
	case AXRT_DT_UINT64: SELECT_ICMP(uint64_t);
	default: SELECT_ICMP(uint8_t);   /* uint8, bool */
	}
}

/* ---- the heap: positions ordered by a comparator (< 0: a comes first) ---- */

typedef int (*select_order)(const void *ctx, int32_t a, int32_t b);

/* Restores the heap property below v[i]: a parent comes before its children. */
AXRT_PRIVATE void
select_sift(int32_t *v, int32_t n, int32_t i, select_order before, const void *ctx)
{
	for (;;) {
		int32_t c = 2 * i + 1, t;
		if (c >= n)
			return;
		if (c + 1 < n && before(ctx, v[c + 1], v[c]) < 0)
			c++;
		if (before(ctx, v[i], v[c]) <= 0)
			return;
		t = v[i];
		v[i] = v[c];
		v[c] = t;
		i = c;
	}
}

AXRT_PRIVATE void
select_heapify(int32_t *v, int32_t n, select_order before, const void *ctx)
{
	for (int32_t i = n / 2 - 1; i >= 0; i--)
		select_sift(v, n, i, before, ctx);
}

/* Removes and returns the first position of the heap v[0..*n). */
AXRT_PRIVATE int32_t
select_pop(int32_t *v, int32_t *n, select_order before, const void *ctx)
{
	int32_t top = v[0];
	v[0] = v[--*n];
	select_sift(v, *n, 0, before, ctx);
	return top;
}

/* Sorts v[0..n) by before, first to last, in place (heapsort). */
AXRT_PRIVATE void
select_sort(int32_t *v, int32_t n, select_order before, const void *ctx)
{
	int32_t m = n;
	select_heapify(v, n, before, ctx);
	while (m > 0) {
		int32_t t = select_pop(v, &m, before, ctx);
		v[m] = t;           /* the popped ones collect at the end, last first */
	}
	for (int32_t i = 0, j = n - 1; i < j; i++, j--) {
		int32_t t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

/* ---- TopK ---- */

typedef struct {
	const void *x;
	int32_t dt, largest;
	int64_t base, stride;   /* element of position a: base + a * stride */
} select_line;

AXRT_PRIVATE int
select_topk_before(const void *ctx, int32_t a, int32_t b)
{
	const select_line *l = (const select_line *)ctx;
	int c = select_cmp(l->x, l->dt, l->base + a * l->stride, l->base + b * l->stride);
	if (l->largest)
		c = -c;
	return c ? c : (a > b) - (a < b);
}

AXRT_KERNEL_PROTO(topk, topk)
{
	size_t es = select_esize(p->dtype);
	int32_t *pos = (int32_t *)scratch;
	char *vals = (char *)out[0];
	int64_t *idx = (int64_t *)out[1];
	select_line l;

	if (!es || p->k < 0 || p->k > p->n || p->outer < 0 || p->inner < 0)
		return AXRT_EINVAL;
	l.x = in[0];
	l.dt = p->dtype;
	l.largest = p->largest != 0;
	l.stride = p->inner;
	for (int64_t o = 0; o < p->outer; o++)
		for (int64_t i = 0; i < p->inner; i++) {
			int32_t m = p->n;
			l.base = o * p->n * p->inner + i;
			for (int32_t j = 0; j < m; j++)
				pos[j] = j;
			select_heapify(pos, m, select_topk_before, &l);
			for (int32_t j = 0; j < p->k; j++) {
				int32_t a = select_pop(pos, &m, select_topk_before, &l);
				int64_t at = (o * p->k + j) * p->inner + i;
				if (vals)
					memcpy(vals + at * (int64_t)es,
						(const char *)in[0] + (l.base + a * l.stride) * (int64_t)es, es);
				if (idx)
					idx[at] = a;
			}
		}
	return AXRT_OK;
}

/* ---- Unique ---- */

typedef struct {
	const void *x;
	int32_t dt, m;
	int64_t outer, inner;
} select_slices;

/* Compares slices a and b of x as tuples (outer, then inner order). */
AXRT_PRIVATE int
select_slice_cmp(const select_slices *s, int32_t a, int32_t b)
{
	for (int64_t o = 0; o < s->outer; o++) {
		int64_t r = o * s->m;
		for (int64_t i = 0; i < s->inner; i++) {
			int c = select_cmp(s->x, s->dt, (r + a) * s->inner + i, (r + b) * s->inner + i);
			if (c)
				return c;
		}
	}
	return 0;
}

AXRT_PRIVATE int
select_unique_before(const void *ctx, int32_t a, int32_t b)
{
	int c = select_slice_cmp((const select_slices *)ctx, a, b);
	return c ? c : (a > b) - (a < b);
}

/* Groups the m slices: perm sorted, grp[j] = group of slice j (numbered
 * in sorted order), first[g] = first slice of group g. Returns the count. */
AXRT_PRIVATE int32_t
select_group(const select_slices *s, int32_t *perm, int32_t *grp, int32_t *first)
{
	int32_t g = -1;
	for (int32_t j = 0; j < s->m; j++)
		perm[j] = j;
	select_sort(perm, s->m, select_unique_before, s);
	for (int32_t j = 0; j < s->m; j++) {
		if (j == 0 || select_slice_cmp(s, perm[j - 1], perm[j]) != 0)
			first[++g] = perm[j];   /* the lowest position: ties sort by it */
		grp[perm[j]] = g;
	}
	return g + 1;
}

/* Writes group g's outputs at position u. */
AXRT_PRIVATE void
select_unique_put(const axrt_unique_params *p, const void *const *in, void *const *out,
	int32_t u, int32_t src)
{
	size_t es = select_esize(p->dtype);
	if (out[0])
		for (int64_t o = 0; o < p->outer; o++)
			memcpy((char *)out[0] + (o * p->nuniq + u) * p->inner * (int64_t)es,
				(const char *)in[0] + (o * p->m + src) * p->inner * (int64_t)es,
				(size_t)p->inner * es);
	if (out[1])
		((int64_t *)out[1])[u] = src;
}

AXRT_KERNEL_PROTO(unique, unique)
{
	int32_t *perm = (int32_t *)scratch, *grp = perm + p->m, *first = grp + p->m;
	int32_t *rank = perm, ng, u = 0;
	int64_t *inv = (int64_t *)out[2], *cnt = (int64_t *)out[3];
	size_t es = select_esize(p->dtype);
	select_slices s;

	if (!es || p->m < 0 || p->nuniq < 0 || p->outer < 0 || p->inner < 0)
		return AXRT_EINVAL;
	s.x = in[0];
	s.dt = p->dtype;
	s.m = p->m;
	s.outer = p->outer;
	s.inner = p->inner;
	ng = select_group(&s, perm, grp, first);
	if (ng > p->nuniq)
		return AXRT_EINVAL;
	for (int32_t j = 0; j < p->m; j++)   /* rank (reusing perm): output position */
		if (first[grp[j]] == j)
			rank[grp[j]] = p->sorted ? grp[j] : u++;
	for (int32_t g = 0; g < ng; g++)
		select_unique_put(p, in, out, rank[g], first[g]);
	for (int32_t g = ng; g < p->nuniq; g++) {   /* padding */
		if (out[0])
			for (int64_t o = 0; o < p->outer; o++)
				memset((char *)out[0] + (o * p->nuniq + g) * p->inner * (int64_t)es, 0,
					(size_t)p->inner * es);
		if (out[1])
			((int64_t *)out[1])[g] = -1;
	}
	if (cnt)
		for (int32_t g = 0; g < p->nuniq; g++)
			cnt[g] = 0;
	for (int32_t j = 0; j < p->m; j++) {
		if (inv)
			inv[j] = rank[grp[j]];
		if (cnt)
			cnt[rank[grp[j]]]++;
	}
	return AXRT_OK;
}

/* ---- NonZero, Compress ---- */

AXRT_PRIVATE int
select_nonzero_at(const void *x, int32_t dt, int64_t i)
{
	switch (dt) {
	case AXRT_DT_FLOAT: return ((const float *)x)[i] != 0.0f;
	case AXRT_DT_DOUBLE: return ((const double *)x)[i] != 0.0;
	case AXRT_DT_INT16: case AXRT_DT_UINT16: return ((const uint16_t *)x)[i] != 0;
	case AXRT_DT_INT32: case AXRT_DT_UINT32: return ((const uint32_t *)x)[i] != 0;
	case AXRT_DT_INT64: case AXRT_DT_UINT64: return ((const uint64_t *)x)[i] != 0;
	default: return ((const uint8_t *)x)[i] != 0;
	}
}

AXRT_KERNEL_PROTO(nonzero, nonzero)
{
	int64_t *y = (int64_t *)out[0], numel = 1, c = 0;
	int32_t at[AXRT_MAXRANK];

	(void)scratch;
	if (!select_esize(p->dtype) || p->rank < 0 || p->rank > AXRT_MAXRANK || p->nnz < 0)
		return AXRT_EINVAL;
	for (int k = 0; k < p->rank; k++) {
		if (p->dims[k] < 0)
			return AXRT_EINVAL;
		numel *= p->dims[k];
		at[k] = 0;
	}
	for (int64_t i = 0; i < numel; i++) {
		if (select_nonzero_at(in[0], p->dtype, i)) {
			if (c == p->nnz)
				return AXRT_EINVAL;
			for (int k = 0; k < p->rank; k++)
				y[k * p->nnz + c] = at[k];
			c++;
		}
		for (int k = p->rank - 1; k >= 0 && ++at[k] == p->dims[k]; k--)
			at[k] = 0;   /* row-major odometer */
	}
	for (int k = 0; k < p->rank; k++)
		for (int64_t j = c; j < p->nnz; j++)
			y[k * p->nnz + j] = -1;
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(compress, compress)
{
	const uint8_t *cond = (const uint8_t *)in[1];
	int64_t nc = p->ncond < p->n ? p->ncond : p->n, sel = 0;
	size_t row = (size_t)(p->inner * p->esize);
	const char *x = (const char *)in[0];
	char *y = (char *)out[0];

	(void)scratch;
	if ((p->esize != 1 && p->esize != 2 && p->esize != 4 && p->esize != 8) ||
	    p->outer < 0 || p->n < 0 || p->inner < 0 || p->ncond < 0 || p->nsel < 0)
		return AXRT_EINVAL;
	for (int64_t j = 0; j < nc; j++)
		sel += cond[j] != 0;
	if (sel > p->nsel)
		return AXRT_EINVAL;
	for (int64_t o = 0; o < p->outer; o++) {
		char *d = y + o * p->nsel * (int64_t)row;
		for (int64_t j = 0; j < nc; j++)
			if (cond[j]) {
				memcpy(d, x + (o * p->n + j) * (int64_t)row, row);
				d += row;
			}
		memset(d, 0, (size_t)(p->nsel - sel) * row);
	}
	return AXRT_OK;
}

/* ---- NonMaxSuppression ---- */

AXRT_PRIVATE int
select_score_before(const void *ctx, int32_t a, int32_t b)
{
	const float *s = (const float *)ctx;
	if (s[a] != s[b])
		return s[a] > s[b] ? -1 : 1;
	return (a > b) - (a < b);
}

/* Lower and upper coordinate of axis k (0: y, 1: x) of a box. */
AXRT_PRIVATE void
select_box_span(const float *b, int center, int k, float *lo, float *hi)
{
	if (center) {
		float half = b[3 - k] / 2;   /* width for x, height for y */
		*lo = b[1 - k] - half;
		*hi = b[1 - k] + half;
	} else {
		*lo = b[k] < b[k + 2] ? b[k] : b[k + 2];
		*hi = b[k] < b[k + 2] ? b[k + 2] : b[k];
	}
}

/* Whether box a suppresses box b: IoU > iou (ONNX Runtime's SuppressByIOU). */
AXRT_PRIVATE int
select_suppress(const float *a, const float *b, int center, float iou)
{
	float alo[2], ahi[2], blo[2], bhi[2], ilo[2], ihi[2];
	for (int k = 0; k < 2; k++) {
		select_box_span(a, center, k, &alo[k], &ahi[k]);
		select_box_span(b, center, k, &blo[k], &bhi[k]);
		ilo[k] = alo[k] > blo[k] ? alo[k] : blo[k];
		ihi[k] = ahi[k] < bhi[k] ? ahi[k] : bhi[k];
		if (ihi[k] <= ilo[k])
			return 0;
	}
	float inter = (ihi[1] - ilo[1]) * (ihi[0] - ilo[0]);
	float area_a = (ahi[1] - alo[1]) * (ahi[0] - alo[0]);
	float area_b = (bhi[1] - blo[1]) * (bhi[0] - blo[0]);
	float uni = area_a + area_b - inter;
	if (inter <= 0.0f || area_a <= 0.0f || area_b <= 0.0f || uni <= 0.0f)
		return 0;
	return inter / uni > iou;
}

/* One batch and class: appends its rows at *row. Returns 0 or -1 (full). */
AXRT_PRIVATE int
select_nms_class(const axrt_nms_params *p, const float *boxes, const float *s,
	int32_t b, int32_t c, int32_t *cand, int32_t *kept, int64_t *y, int64_t *row)
{
	int32_t nc = 0, nk = 0;
	for (int32_t i = 0; i < p->nbox; i++)
		if (!p->has_score_min || s[i] > p->score_min)
			cand[nc++] = i;
	select_heapify(cand, nc, select_score_before, s);
	while (nc > 0 && nk < p->max_out) {
		int32_t i = select_pop(cand, &nc, select_score_before, s), keep = 1;
		for (int32_t j = 0; j < nk && keep; j++)
			keep = !select_suppress(boxes + 4 * (int64_t)kept[j], boxes + 4 * (int64_t)i,
				p->center, p->iou);
		if (!keep)
			continue;
		if (*row == p->nsel)
			return -1;
		kept[nk++] = i;
		y[*row * 3] = b;
		y[*row * 3 + 1] = c;
		y[*row * 3 + 2] = i;
		++*row;
	}
	return 0;
}

AXRT_KERNEL_PROTO(nms_f32, nms)
{
	const float *boxes = (const float *)in[0], *scores = (const float *)in[1];
	int32_t *cand = (int32_t *)scratch, *kept = cand + p->nbox;
	int64_t *y = (int64_t *)out[0], row = 0;

	if (p->batch < 0 || p->nclass < 0 || p->nbox < 0 || p->nsel < 0)
		return AXRT_EINVAL;
	for (int32_t b = 0; b < p->batch; b++)
		for (int32_t c = 0; c < p->nclass; c++) {
			const float *s = scores + ((int64_t)b * p->nclass + c) * p->nbox;
			if (select_nms_class(p, boxes + (int64_t)b * p->nbox * 4, s, b, c,
					cand, kept, y, &row) < 0)
				return AXRT_EINVAL;
		}
	for (int64_t r = row * 3; r < p->nsel * 3; r++)
		y[r] = -1;
	return AXRT_OK;
}

/* ---- MaxUnpool ---- */

/* Position in out of flat position at of the idx-shaped tensor; -1 if at is
 * outside it or its coordinates outside out. */
AXRT_PRIVATE int64_t
select_unpool_at(const axrt_unpool_params *p, int64_t at)
{
	int64_t pos = 0, step = 1;
	if (at < 0)
		return -1;
	for (int k = p->rank - 1; k >= 0; k--) {
		int64_t c;
		if (p->idx[k] <= 0)
			return -1;
		c = at % p->idx[k];
		if (c >= p->out[k])
			return -1;
		pos += c * step;
		step *= p->out[k];
		at /= p->idx[k];
	}
	return at == 0 ? pos : -1;
}

AXRT_KERNEL_PROTO(maxunpool, unpool)
{
	size_t es = (size_t)p->esize;
	char *y = (char *)out[0];
	int64_t nout = 1;

	(void)scratch;
	if ((es != 1 && es != 2 && es != 4 && es != 8) || p->nin < 0 || p->rank < 1 ||
	    p->rank > AXRT_MAXRANK || (p->idtype != AXRT_DT_INT64 && p->idtype != AXRT_DT_INT32))
		return AXRT_EINVAL;
	for (int k = 0; k < p->rank; k++) {
		if (p->idx[k] < 0 || p->out[k] < 0)
			return AXRT_EINVAL;
		nout *= p->out[k];
	}
	memset(y, 0, (size_t)nout * es);
	for (int64_t i = 0; i < p->nin; i++) {
		int64_t at = select_unpool_at(p, p->idtype == AXRT_DT_INT64 ?
			((const int64_t *)in[1])[i] : ((const int32_t *)in[1])[i]);
		if (at < 0)
			return AXRT_EINVAL;
		memcpy(y + at * (int64_t)es, (const char *)in[0] + i * (int64_t)es, es);
	}
	return AXRT_OK;
}

/* ---- MaxRoiPool, RoiAlign ---- */

AXRT_PRIVATE int
select_clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Bin (ph, pw) of one region over one plane x (h x w). */
AXRT_PRIVATE float
select_roipool_bin(const axrt_roi_params *p, const float *x, const int *r, float bh, float bw,
	int ph, int pw)
{
	int h0 = select_clampi((int)floorf((float)ph * bh) + r[1], 0, p->h);
	int h1 = select_clampi((int)ceilf((float)(ph + 1) * bh) + r[1], 0, p->h);
	int w0 = select_clampi((int)floorf((float)pw * bw) + r[0], 0, p->w);
	int w1 = select_clampi((int)ceilf((float)(pw + 1) * bw) + r[0], 0, p->w);
	float m = -FLT_MAX;
	if (h1 <= h0 || w1 <= w0)
		return 0.0f;
	for (int i = h0; i < h1; i++)
		for (int j = w0; j < w1; j++)
			if (x[(int64_t)i * p->w + j] > m)
				m = x[(int64_t)i * p->w + j];
	return m;
}

AXRT_KERNEL_PROTO(maxroipool_f32, roi)
{
	const float *x = (const float *)in[0], *rois = (const float *)in[1];
	float *y = (float *)out[0];
	int64_t plane = (int64_t)p->h * p->w;

	(void)scratch;
	if (p->oh <= 0 || p->ow <= 0)
		return AXRT_EINVAL;
	for (int32_t n = 0; n < p->nroi; n++) {
		const float *roi = rois + (int64_t)n * 5;
		int b = (int)roi[0], r[4];   /* x1, y1, x2, y2 in cells */
		if (!(roi[0] >= 0.0f && roi[0] < (float)p->n))
			return AXRT_EINVAL;
		for (int k = 0; k < 4; k++)
			r[k] = (int)roundf(roi[k + 1] * p->scale);
		float bh = (float)(r[3] - r[1] + 1 > 1 ? r[3] - r[1] + 1 : 1) / (float)p->oh;
		float bw = (float)(r[2] - r[0] + 1 > 1 ? r[2] - r[0] + 1 : 1) / (float)p->ow;
		for (int32_t c = 0; c < p->c; c++) {
			const float *xp = x + ((int64_t)b * p->c + c) * plane;
			float *yp = y + ((int64_t)n * p->c + c) * p->oh * p->ow;
			for (int ph = 0; ph < p->oh; ph++)
				for (int pw = 0; pw < p->ow; pw++)
					yp[ph * p->ow + pw] = select_roipool_bin(p, xp, r, bh, bw, ph, pw);
		}
	}
	return AXRT_OK;
}

/* Bilinear taps of one sample point: four plane offsets and weights, all
 * weights 0 outside [-1, h] x [-1, w] (ONNX Runtime's pre_calc). */
typedef struct {
	int64_t pos[4];
	float w[4];
} select_taps;

/* One axis: low and high cell and the fraction of high at coordinate v. */
AXRT_PRIVATE void
select_axis_taps(float v, int len, int *lo, int *hi, float *frac)
{
	if (v <= 0.0f)
		v = 0.0f;
	*lo = (int)v;
	if (*lo >= len - 1) {
		*lo = *hi = len - 1;
		v = (float)*lo;
	} else {
		*hi = *lo + 1;
	}
	*frac = v - (float)*lo;
}

AXRT_PRIVATE void
select_bilinear(const axrt_roi_params *p, float y, float x, select_taps *t)
{
	int y0, y1, x0, x1;
	float ly, lx;
	memset(t, 0, sizeof *t);
	if (y < -1.0f || y > (float)p->h || x < -1.0f || x > (float)p->w)
		return;
	select_axis_taps(y, p->h, &y0, &y1, &ly);
	select_axis_taps(x, p->w, &x0, &x1, &lx);
	t->pos[0] = (int64_t)y0 * p->w + x0;
	t->pos[1] = (int64_t)y0 * p->w + x1;
	t->pos[2] = (int64_t)y1 * p->w + x0;
	t->pos[3] = (int64_t)y1 * p->w + x1;
	t->w[0] = (1.0f - ly) * (1.0f - lx);
	t->w[1] = (1.0f - ly) * lx;
	t->w[2] = ly * (1.0f - lx);
	t->w[3] = ly * lx;
}

/* One region's geometry: start (y, x), bin size (y, x), samples (y, x). */
typedef struct {
	float start[2], bin[2];
	int grid[2];
} select_region;

AXRT_PRIVATE void
select_region_of(const axrt_roi_params *p, const float *roi, select_region *g)
{
	float off = p->half_pixel ? 0.5f : 0.0f;
	int bins[2] = {p->oh, p->ow};
	for (int k = 0; k < 2; k++) {   /* k = 0: y (roi[1], roi[3]); 1: x (roi[0], roi[2]) */
		float a = roi[1 - k] * p->scale - off, b = roi[3 - k] * p->scale - off;
		float len = b - a;
		if (!p->half_pixel && len < 1.0f)
			len = 1.0f;
		g->start[k] = a;
		g->bin[k] = len / (float)bins[k];
		g->grid[k] = p->sampling > 0 ? p->sampling : (int)ceilf(len / (float)bins[k]);
	}
}

/* Output bin (ph, pw) of region g for every channel: y[c * oh * ow]. */
AXRT_PRIVATE void
select_align_bin(const axrt_roi_params *p, const float *x, const select_region *g,
	int ph, int pw, float *y)
{
	int64_t plane = (int64_t)p->h * p->w, ostep = (int64_t)p->oh * p->ow;
	int cnt = g->grid[0] * g->grid[1] > 1 ? g->grid[0] * g->grid[1] : 1, first = 1;
	for (int32_t c = 0; c < p->c; c++)
		y[c * ostep] = 0.0f;
	for (int iy = 0; iy < g->grid[0]; iy++)
		for (int ix = 0; ix < g->grid[1]; ix++) {
			select_taps t;
			float sy = g->start[0] + (float)ph * g->bin[0] +
				((float)iy + 0.5f) * g->bin[0] / (float)g->grid[0];
			float sx = g->start[1] + (float)pw * g->bin[1] +
				((float)ix + 0.5f) * g->bin[1] / (float)g->grid[1];
			select_bilinear(p, sy, sx, &t);
			for (int32_t c = 0; c < p->c; c++) {
				const float *xp = x + c * plane;
				float *o = &y[c * ostep];
				if (p->mode == 0) {
					*o += t.w[0] * xp[t.pos[0]] + t.w[1] * xp[t.pos[1]] +
						t.w[2] * xp[t.pos[2]] + t.w[3] * xp[t.pos[3]];
					continue;
				}
				float v = fmaxf(fmaxf(fmaxf(t.w[0] * xp[t.pos[0]], t.w[1] * xp[t.pos[1]]),
					t.w[2] * xp[t.pos[2]]), t.w[3] * xp[t.pos[3]]);
				*o = first ? v : fmaxf(*o, v);
			}
			first = 0;
		}
	if (p->mode == 0)
		for (int32_t c = 0; c < p->c; c++)
			y[c * ostep] /= (float)cnt;
}

AXRT_KERNEL_PROTO(roialign_f32, roi)
{
	const float *x = (const float *)in[0], *rois = (const float *)in[1];
	float *y = (float *)out[0];
	int64_t plane = (int64_t)p->h * p->w;

	(void)scratch;
	if (p->oh <= 0 || p->ow <= 0 || (p->idtype != AXRT_DT_INT64 && p->idtype != AXRT_DT_INT32))
		return AXRT_EINVAL;
	for (int32_t n = 0; n < p->nroi; n++) {
		int64_t b = p->idtype == AXRT_DT_INT64 ? ((const int64_t *)in[2])[n]
			: ((const int32_t *)in[2])[n];
		select_region g;
		if (b < 0 || b >= p->n)
			return AXRT_EINVAL;
		select_region_of(p, rois + (int64_t)n * 4, &g);
		for (int ph = 0; ph < p->oh; ph++)
			for (int pw = 0; pw < p->ow; pw++)
				select_align_bin(p, x + b * p->c * plane, &g, ph, pw,
					y + (int64_t)n * p->c * p->oh * p->ow + ph * p->ow + pw);
	}
	return AXRT_OK;
}
