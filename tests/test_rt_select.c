/* test_rt_select.c: the select family's kernels (runtime/kernels/select.c)
 * against the ONNX spec examples, numpy's documented results and naive
 * references written here (quadratic selection, pairwise comparison). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"

#define RUN(k, p, ins, outs, scr) axrt_##k(&(p), (const void *const *)(ins), (void *const *)(outs), (scr))

static uint32_t seed = 12345;

static uint32_t
rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) & 0xffffff;
}

static void
check_i64(const int64_t *got, const int64_t *want, int n)
{
	for (int i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "element %d: %lld, expected %lld", i,
			(long long)got[i], (long long)want[i]);
}

static void
check_floats(const float *got, const float *want, int n, double tol)
{
	for (int i = 0; i < n; i++)
		ck_assert_msg(fabs((double)got[i] - (double)want[i]) <= tol,
			"element %d: %.7g, expected %.7g", i, (double)got[i], (double)want[i]);
}

/* ---- TopK ---- */

/* Naive top-k of line x[j * stride], j < n: repeatedly the best unused
 * element (larger, or smaller, value; then the lower index). */
static void
topk_ref(const float *x, int n, int stride, int k, int largest, int64_t *idx)
{
	int used[64] = {0};
	for (int r = 0; r < k; r++) {
		int best = -1;
		for (int j = 0; j < n; j++) {
			if (used[j])
				continue;
			if (best < 0 || (largest ? x[j * stride] > x[best * stride] : x[j * stride] < x[best * stride]))
				best = j;
		}
		used[best] = 1;
		idx[r] = best;
	}
}

START_TEST(test_topk_matches_naive_selection_with_ties)
{
	enum { O = 3, N = 17, I = 4, K = 6 };
	float x[O * N * I], v[O * K * I];
	int64_t idx[O * K * I], want[K];
	int32_t scr[N];
	for (int i = 0; i < O * N * I; i++)
		x[i] = (float)(rnd() % 7) - 3.0f;     /* many ties */
	for (int largest = 0; largest < 2; largest++) {
		axrt_topk_params p = {O, N, I, K, largest, AXRT_DT_FLOAT};
		const void *in[] = {x, NULL};
		void *out[] = {v, idx};
		ck_assert_int_eq(RUN(topk, p, in, out, scr), AXRT_OK);
		for (int o = 0; o < O; o++)
			for (int i = 0; i < I; i++) {
				topk_ref(x + o * N * I + i, N, I, K, largest, want);
				for (int r = 0; r < K; r++) {
					int at = (o * K + r) * I + i;
					ck_assert_int_eq(idx[at], want[r]);
					ck_assert_float_eq(v[at], x[(o * N + want[r]) * I + i]);
				}
			}
	}
}
END_TEST

/* The ONNX TopK example: largest 3 of each row, and integer types. */
START_TEST(test_topk_spec_example_and_integer_types)
{
	float x[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, v[9];
	int64_t idx[9], x64[5] = {INT64_MAX, -5, INT64_MIN, 7, 7}, v64[3];
	int32_t x32[5] = {3, -1, 3, 0, -7}, v32[2], scr[5];
	axrt_topk_params p = {3, 4, 1, 3, 1, AXRT_DT_FLOAT};
	ck_assert_int_eq(RUN(topk, p, ((const void *[]){x, NULL}), ((void *[]){v, idx}), scr), AXRT_OK);
	check_floats(v, (const float[]){3, 2, 1, 7, 6, 5, 11, 10, 9}, 9, 0);
	check_i64(idx, (const int64_t[]){3, 2, 1, 3, 2, 1, 3, 2, 1}, 9);
	p = (axrt_topk_params){1, 5, 1, 3, 1, AXRT_DT_INT64};
	ck_assert_int_eq(RUN(topk, p, ((const void *[]){x64, NULL}), ((void *[]){v64, idx}), scr), AXRT_OK);
	check_i64(v64, (const int64_t[]){INT64_MAX, 7, 7}, 3);
	check_i64(idx, (const int64_t[]){0, 3, 4}, 3);
	p = (axrt_topk_params){1, 5, 1, 2, 0, AXRT_DT_INT32};
	ck_assert_int_eq(RUN(topk, p, ((const void *[]){x32, NULL}), ((void *[]){v32, NULL}), scr), AXRT_OK);
	ck_assert_int_eq(v32[0], -7);
	ck_assert_int_eq(v32[1], -1);
}
END_TEST

START_TEST(test_topk_nan_k0_and_bad_params)
{
	float x[4] = {1, NAN, 5, NAN}, v[4];
	int64_t idx[4];
	int32_t scr[4];
	axrt_topk_params p = {1, 4, 1, 3, 1, AXRT_DT_FLOAT};
	ck_assert_int_eq(RUN(topk, p, ((const void *[]){x, NULL}), ((void *[]){v, idx}), scr), AXRT_OK);
	check_i64(idx, (const int64_t[]){1, 3, 2}, 3);   /* NaN ranks above numbers */
	p.largest = 0;
	ck_assert_int_eq(RUN(topk, p, ((const void *[]){x, NULL}), ((void *[]){v, idx}), scr), AXRT_OK);
	check_i64(idx, (const int64_t[]){0, 2, 1}, 3);
	p.k = 0;
	idx[0] = 99;
	ck_assert_int_eq(RUN(topk, p, ((const void *[]){x, NULL}), ((void *[]){v, idx}), scr), AXRT_OK);
	ck_assert_int_eq(idx[0], 99);
	p.k = 5;
	ck_assert_int_eq(RUN(topk, p, ((const void *[]){x, NULL}), ((void *[]){v, idx}), scr), AXRT_EINVAL);
	p.k = 1;
	p.dtype = AXRT_DT_STRING;
	ck_assert_int_eq(RUN(topk, p, ((const void *[]){x, NULL}), ((void *[]){v, idx}), scr), AXRT_EINVAL);
}
END_TEST

/* ---- Unique ---- */

typedef struct {
	int64_t y[16], idx[16], inv[16], cnt[16];
} UniqOut;

static int
run_unique(axrt_unique_params p, const void *x, void *y, UniqOut *u)
{
	int32_t scr[64];
	void *out[] = {y, u->idx, u->inv, u->cnt};
	return RUN(unique, p, ((const void *[]){x}), out, scr);
}

/* The four examples of the ONNX Unique spec. */
START_TEST(test_unique_spec_examples)
{
	UniqOut u;
	float x1[6] = {2, 1, 1, 3, 4, 3}, y1[4];
	ck_assert_int_eq(run_unique((axrt_unique_params){1, 6, 1, 4, 0, AXRT_DT_FLOAT}, x1, y1, &u), AXRT_OK);
	check_floats(y1, (const float[]){2, 1, 3, 4}, 4, 0);
	check_i64(u.idx, (const int64_t[]){0, 1, 3, 4}, 4);
	check_i64(u.inv, (const int64_t[]){0, 1, 1, 2, 3, 2}, 6);
	check_i64(u.cnt, (const int64_t[]){1, 2, 2, 1}, 4);

	int32_t x2[4] = {1, 3, 2, 3}, y2[3];
	ck_assert_int_eq(run_unique((axrt_unique_params){1, 4, 1, 3, 1, AXRT_DT_INT32}, x2, y2, &u), AXRT_OK);
	ck_assert(y2[0] == 1 && y2[1] == 2 && y2[2] == 3);
	check_i64(u.idx, (const int64_t[]){0, 2, 1}, 3);
	check_i64(u.inv, (const int64_t[]){0, 2, 1, 2}, 4);
	check_i64(u.cnt, (const int64_t[]){1, 1, 2}, 3);

	int64_t x3[9] = {1, 0, 0, 1, 0, 0, 2, 3, 4}, y3[6];   /* axis 0 */
	ck_assert_int_eq(run_unique((axrt_unique_params){1, 3, 3, 2, 1, AXRT_DT_INT64}, x3, y3, &u), AXRT_OK);
	check_i64(y3, (const int64_t[]){1, 0, 0, 2, 3, 4}, 6);
	check_i64(u.idx, (const int64_t[]){0, 2}, 2);
	check_i64(u.inv, (const int64_t[]){0, 0, 1}, 3);
	check_i64(u.cnt, (const int64_t[]){2, 1}, 2);

	float x4[16] = {1, 1, 0, 1, 2, 1, 0, 1, 1, 1, 0, 1, 2, 1, 0, 1}, y4[12];   /* 2x4x2, axis 1 */
	ck_assert_int_eq(run_unique((axrt_unique_params){2, 4, 2, 3, 1, AXRT_DT_FLOAT}, x4, y4, &u), AXRT_OK);
	check_floats(y4, (const float[]){0, 1, 1, 1, 2, 1, 0, 1, 1, 1, 2, 1}, 12, 0);
	check_i64(u.idx, (const int64_t[]){1, 0, 2}, 3);
	check_i64(u.inv, (const int64_t[]){1, 0, 2, 0}, 4);
	check_i64(u.cnt, (const int64_t[]){2, 1, 1}, 3);
}
END_TEST

/* Random small integers against pairwise comparison: y sorted and distinct,
 * every x present, first indices, inverse and counts consistent. */
START_TEST(test_unique_random_against_pairwise)
{
	enum { M = 40 };
	int16_t x[M], y[M];
	int64_t idx[M], inv[M], cnt[M];
	int32_t scr[3 * M];
	for (int sorted = 0; sorted < 2; sorted++) {
		int ng = 0;
		for (int i = 0; i < M; i++)
			x[i] = (int16_t)((int)(rnd() % 23) - 11);
		for (int i = 0; i < M; i++) {      /* distinct count */
			int seen = 0;
			for (int j = 0; j < i; j++)
				seen |= x[j] == x[i];
			ng += !seen;
		}
		axrt_unique_params p = {1, M, 1, ng, sorted, AXRT_DT_INT16};
		ck_assert_int_eq(RUN(unique, p, ((const void *[]){x}), ((void *[]){y, idx, inv, cnt}), scr), AXRT_OK);
		for (int g = 0; g < ng; g++) {
			int first = -1, c = 0;
			for (int j = 0; j < M; j++)
				if (x[j] == y[g]) {
					first = first < 0 ? j : first;
					c++;
				}
			ck_assert_int_eq(idx[g], first);
			ck_assert_int_eq(cnt[g], c);
			if (g > 0 && sorted)
				ck_assert_int_lt(y[g - 1], y[g]);
			if (g > 0 && !sorted)
				ck_assert_int_lt(idx[g - 1], idx[g]);
		}
		for (int j = 0; j < M; j++)
			ck_assert_int_eq(y[inv[j]], x[j]);
	}
}
END_TEST

START_TEST(test_unique_capacity_padding_and_overflow)
{
	UniqOut u;
	double x[5] = {NAN, 2, NAN, -0.0, 0.0}, y[5];
	/* NaNs are one value (after numbers); -0 equals 0 */
	ck_assert_int_eq(run_unique((axrt_unique_params){1, 5, 1, 5, 1, AXRT_DT_DOUBLE}, x, y, &u), AXRT_OK);
	ck_assert(y[0] == 0.0 && y[1] == 2.0 && isnan(y[2]));
	check_i64(u.idx, (const int64_t[]){3, 1, 0, -1, -1}, 5);
	check_i64(u.cnt, (const int64_t[]){2, 1, 2, 0, 0}, 5);
	ck_assert(y[3] == 0.0 && y[4] == 0.0);
	ck_assert_int_eq(run_unique((axrt_unique_params){1, 5, 1, 2, 1, AXRT_DT_DOUBLE}, x, y, &u), AXRT_EINVAL);
	ck_assert_int_eq(run_unique((axrt_unique_params){1, 5, 1, 5, 1, AXRT_DT_FLOAT16}, x, y, &u), AXRT_EINVAL);
}
END_TEST

/* ---- NonZero, Compress ---- */

START_TEST(test_nonzero_example_types_and_capacity)
{
	uint8_t c[4] = {1, 0, 1, 1};
	int64_t y[9];
	axrt_nonzero_params p = {2, {2, 2}, AXRT_DT_BOOL, 3};
	ck_assert_int_eq(RUN(nonzero, p, ((const void *[]){c}), ((void *[]){y}), NULL), AXRT_OK);
	check_i64(y, (const int64_t[]){0, 1, 1, 0, 0, 1}, 6);       /* ONNX example */
	float f[6] = {-0.0f, NAN, 0, 3, 0, 0};
	p = (axrt_nonzero_params){3, {1, 2, 3}, AXRT_DT_FLOAT, 3};
	ck_assert_int_eq(RUN(nonzero, p, ((const void *[]){f}), ((void *[]){y}), NULL), AXRT_OK);
	check_i64(y, (const int64_t[]){0, 0, -1, 0, 1, -1, 1, 0, -1}, 9);   /* padded */
	p.nnz = 1;
	ck_assert_int_eq(RUN(nonzero, p, ((const void *[]){f}), ((void *[]){y}), NULL), AXRT_EINVAL);
	int64_t s = 5;
	p = (axrt_nonzero_params){0, {0}, AXRT_DT_INT64, 1};          /* scalar: (0, 1) */
	ck_assert_int_eq(RUN(nonzero, p, ((const void *[]){&s}), ((void *[]){y}), NULL), AXRT_OK);
}
END_TEST

/* numpy.compress documentation: a = [[1, 2], [3, 4], [5, 6]]. */
START_TEST(test_compress_numpy_examples)
{
	int32_t a[6] = {1, 2, 3, 4, 5, 6}, y[6];
	uint8_t c01[2] = {0, 1}, c011[3] = {0, 1, 1};
	axrt_compress_params p = {1, 3, 2, 2, 1, 4};                   /* [0, 1], axis 0 */
	ck_assert_int_eq(RUN(compress, p, ((const void *[]){a, c01}), ((void *[]){y}), NULL), AXRT_OK);
	ck_assert(y[0] == 3 && y[1] == 4);
	p = (axrt_compress_params){1, 3, 2, 3, 2, 4};                  /* [F, T, T], axis 0 */
	ck_assert_int_eq(RUN(compress, p, ((const void *[]){a, c011}), ((void *[]){y}), NULL), AXRT_OK);
	ck_assert(y[0] == 3 && y[1] == 4 && y[2] == 5 && y[3] == 6);
	p = (axrt_compress_params){3, 2, 1, 2, 1, 4};                  /* [F, T], axis 1 */
	ck_assert_int_eq(RUN(compress, p, ((const void *[]){a, c01}), ((void *[]){y}), NULL), AXRT_OK);
	ck_assert(y[0] == 2 && y[1] == 4 && y[2] == 6);
	p = (axrt_compress_params){1, 6, 1, 2, 1, 4};                  /* flattened */
	ck_assert_int_eq(RUN(compress, p, ((const void *[]){a, c01}), ((void *[]){y}), NULL), AXRT_OK);
	ck_assert_int_eq(y[0], 2);
	p = (axrt_compress_params){1, 3, 2, 3, 3, 4};                  /* padding */
	ck_assert_int_eq(RUN(compress, p, ((const void *[]){a, c011}), ((void *[]){y}), NULL), AXRT_OK);
	ck_assert(y[3] == 6 && y[4] == 0 && y[5] == 0);
	p.nsel = 1;
	ck_assert_int_eq(RUN(compress, p, ((const void *[]){a, c011}), ((void *[]){y}), NULL), AXRT_EINVAL);
	p.nsel = 2;
	p.esize = 3;
	ck_assert_int_eq(RUN(compress, p, ((const void *[]){a, c011}), ((void *[]){y}), NULL), AXRT_EINVAL);
}
END_TEST

/* ---- NonMaxSuppression: the cases of the ONNX spec's tests ---- */

static const float nms_boxes[24] = {
	0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, -0.1f, 1, 0.9f,
	0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100, 1, 101
};
static const float nms_scores[6] = {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f};

static int
run_nms(axrt_nms_params p, const float *boxes, const float *scores, int64_t *y)
{
	int32_t scr[64];
	return RUN(nms_f32, p, ((const void *[]){boxes, scores, NULL, NULL, NULL}), ((void *[]){y}), scr);
}

START_TEST(test_nms_spec_cases)
{
	int64_t y[36];
	axrt_nms_params p = {1, 1, 6, 0, 3, 0.5f, 0.0f, 1, 3};   /* suppress_by_IOU */
	ck_assert_int_eq(run_nms(p, nms_boxes, nms_scores, y), AXRT_OK);
	check_i64(y, (const int64_t[]){0, 0, 3, 0, 0, 0, 0, 0, 5}, 9);
	p.score_min = 0.4f;                                       /* ..._and_scores */
	p.nsel = 2;
	ck_assert_int_eq(run_nms(p, nms_boxes, nms_scores, y), AXRT_OK);
	check_i64(y, (const int64_t[]){0, 0, 3, 0, 0, 0}, 6);
	p = (axrt_nms_params){1, 1, 6, 0, 2, 0.5f, 0.0f, 1, 2};  /* limit_output_size */
	ck_assert_int_eq(run_nms(p, nms_boxes, nms_scores, y), AXRT_OK);
	check_i64(y, (const int64_t[]){0, 0, 3, 0, 0, 0}, 6);
	float center[24] = {
		0.5f, 0.5f, 1, 1, 0.5f, 0.6f, 1, 1, 0.5f, 0.4f, 1, 1,
		0.5f, 10.5f, 1, 1, 0.5f, 10.6f, 1, 1, 0.5f, 100.5f, 1, 1
	};
	p = (axrt_nms_params){1, 1, 6, 1, 3, 0.5f, 0.0f, 1, 3};
	ck_assert_int_eq(run_nms(p, center, nms_scores, y), AXRT_OK);
	check_i64(y, (const int64_t[]){0, 0, 3, 0, 0, 0, 0, 0, 5}, 9);
	float flipped[24] = {
		1, 1, 0, 0, 0, 0.1f, 1, 1.1f, 0, 0.9f, 1, -0.1f,
		0, 10, 1, 11, 1, 10.1f, 0, 11.1f, 1, 101, 0, 100
	};
	p = (axrt_nms_params){1, 1, 6, 0, 3, 0.5f, 0.0f, 1, 3};
	ck_assert_int_eq(run_nms(p, flipped, nms_scores, y), AXRT_OK);
	check_i64(y, (const int64_t[]){0, 0, 3, 0, 0, 0, 0, 0, 5}, 9);
}
END_TEST

START_TEST(test_nms_classes_batches_padding_and_overflow)
{
	float scores2[12], boxes2[48];
	int64_t y[36];
	memcpy(scores2, nms_scores, sizeof nms_scores);          /* two classes */
	memcpy(scores2 + 6, nms_scores, sizeof nms_scores);
	axrt_nms_params p = {1, 2, 6, 0, 2, 0.5f, 0.0f, 1, 4};
	ck_assert_int_eq(run_nms(p, nms_boxes, scores2, y), AXRT_OK);
	check_i64(y, (const int64_t[]){0, 0, 3, 0, 0, 0, 0, 1, 3, 0, 1, 0}, 12);
	memcpy(boxes2, nms_boxes, sizeof nms_boxes);             /* two batches */
	memcpy(boxes2 + 24, nms_boxes, sizeof nms_boxes);
	p = (axrt_nms_params){2, 1, 6, 0, 2, 0.5f, 0.0f, 1, 5};
	ck_assert_int_eq(run_nms(p, boxes2, scores2, y), AXRT_OK);
	check_i64(y, (const int64_t[]){0, 0, 3, 0, 0, 0, 1, 0, 3, 1, 0, 0, -1, -1, -1}, 15);
	p.nsel = 3;
	ck_assert_int_eq(run_nms(p, boxes2, scores2, y), AXRT_EINVAL);
	float same[40], s10[10];                                 /* identical boxes */
	for (int i = 0; i < 10; i++) {
		memcpy(same + 4 * i, (const float[]){0, 0, 1, 1}, sizeof(float[4]));
		s10[i] = 0.9f;
	}
	p = (axrt_nms_params){1, 1, 10, 0, 3, 0.5f, 0.0f, 1, 1};
	ck_assert_int_eq(run_nms(p, same, s10, y), AXRT_OK);
	check_i64(y, (const int64_t[]){0, 0, 0}, 3);
	p.max_out = 0;                                           /* nothing kept */
	p.nsel = 0;
	ck_assert_int_eq(run_nms(p, same, s10, y), AXRT_OK);
	/* IoU exactly at the threshold keeps the box; a score exactly at the
	 * score threshold drops it (both comparisons are strict) */
	float half[8] = {0, 0, 1, 1, 0, 0, 2, 1}, sc[2] = {0.5f, 0.625f};
	p = (axrt_nms_params){1, 1, 2, 0, 2, 0.5f, 0.0f, 0, 2};
	ck_assert_int_eq(run_nms(p, half, sc, y), AXRT_OK);
	check_i64(y, (const int64_t[]){0, 0, 1, 0, 0, 0}, 6);
	p.has_score_min = 1;
	p.score_min = 0.5f;
	ck_assert_int_eq(run_nms(p, half, sc, y), AXRT_OK);
	check_i64(y, (const int64_t[]){0, 0, 1, -1, -1, -1}, 6);
}
END_TEST

/* ---- MaxUnpool ---- */

START_TEST(test_maxunpool_scatters_and_pads)
{
	float x[4] = {5, 6, 7, 8}, y[25];
	int64_t idx[4] = {5, 7, 13, 15};
	float want[16] = {0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 7, 0, 8};
	axrt_unpool_params p = {4, {1, 1, 4, 4}, {1, 1, 4, 4}, 4, 4, AXRT_DT_INT64};
	ck_assert_int_eq(RUN(maxunpool, p, ((const void *[]){x, idx, NULL}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, want, 16, 0);
	p.out[2] = p.out[3] = 5;                  /* output_shape 5x5: same coordinates */
	ck_assert_int_eq(RUN(maxunpool, p, ((const void *[]){x, idx, NULL}), ((void *[]){y}), NULL), AXRT_OK);
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			ck_assert_float_eq(y[i * 5 + j], i < 4 && j < 4 ? want[i * 4 + j] : 0.0f);
	int32_t idx32[4] = {0, 1, 2, 16};
	p.idtype = AXRT_DT_INT32;
	ck_assert_int_eq(RUN(maxunpool, p, ((const void *[]){x, idx32, NULL}), ((void *[]){y}), NULL), AXRT_EINVAL);
	idx32[3] = -1;
	ck_assert_int_eq(RUN(maxunpool, p, ((const void *[]){x, idx32, NULL}), ((void *[]){y}), NULL), AXRT_EINVAL);
}
END_TEST

/* ---- MaxRoiPool, RoiAlign ---- */

START_TEST(test_maxroipool_bins)
{
	float x[32], y[8];
	for (int i = 0; i < 32; i++)
		x[i] = (float)(i % 16) * (i < 16 ? 1.0f : -1.0f);     /* batch 1 negated */
	/* region (0,0)-(3,3) of batch 0 in 2x2 bins of 2x2 cells */
	float rois[10] = {0, 0, 0, 3, 3, 1, 2, 2, 6, 6};
	axrt_roi_params p = {2, 1, 4, 4, 1, 2, 2, 1.0f, 0, 0, 0, 0};
	ck_assert_int_eq(RUN(maxroipool_f32, p, ((const void *[]){x, rois}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (const float[]){5, 7, 13, 15}, 4, 0);
	/* scale 0.5: region (1,1)-(3,3) of batch 1; bins of 1.5 cells */
	p.scale = 0.5f;
	p.nroi = 2;
	ck_assert_int_eq(RUN(maxroipool_f32, p, ((const void *[]){x, rois}), ((void *[]){y}), NULL), AXRT_OK);
	/* bins [floor(0), ceil(1.5)) and [floor(1.5), ceil(3)), plus 1: cells 1..2, 2..3 */
	check_floats(y + 4, (const float[]){-5, -6, -9, -10}, 4, 0);
	/* corners round half away from zero: (0.6, 0.5)-(2.4, 2.5) -> (1, 1)-(2, 3) */
	float frac[5] = {1, 0.6f, 0.5f, 2.4f, 2.5f};
	p = (axrt_roi_params){2, 1, 4, 4, 1, 1, 1, 1.0f, 0, 0, 0, 0};
	ck_assert_int_eq(RUN(maxroipool_f32, p, ((const void *[]){x, frac}), ((void *[]){y}), NULL), AXRT_OK);
	ck_assert_float_eq(y[0], -5);
	p.nroi = 2;
	rois[5] = 2;
	ck_assert_int_eq(RUN(maxroipool_f32, p, ((const void *[]){x, rois}), ((void *[]){y}), NULL), AXRT_EINVAL);
}
END_TEST

/* On a linear image x = 10 * row + col bilinear sampling is exact, so each
 * averaged bin equals the image at the bin's center. */
START_TEST(test_roialign_avg_on_linear_image)
{
	enum { H = 8, W = 9, OH = 3, OW = 2 };
	float x[2 * H * W], y[2 * OH * OW];
	for (int c = 0; c < 2; c++)
		for (int i = 0; i < H; i++)
			for (int j = 0; j < W; j++)
				x[(c * H + i) * W + j] = (c ? -1.0f : 1.0f) * (10.0f * (float)i + (float)j);
	float rois[4] = {1.0f, 2.0f, 7.0f, 5.5f};            /* x1, y1, x2, y2 */
	int64_t bi[1] = {0};
	for (int half = 0; half < 2; half++)
		for (int sr = 0; sr < 3; sr++) {
			axrt_roi_params p = {1, 2, H, W, 1, OH, OW, 1.0f, sr, half, 0, AXRT_DT_INT64};
			ck_assert_int_eq(RUN(roialign_f32, p, ((const void *[]){x, rois, bi}), ((void *[]){y}), NULL), AXRT_OK);
			double off = half ? 0.5 : 0, y0 = 2 - off, x0 = 1 - off, bh = 3.5 / OH, bw = 6.0 / OW;
			for (int c = 0; c < 2; c++)
				for (int ph = 0; ph < OH; ph++)
					for (int pw = 0; pw < OW; pw++) {
						double cy = y0 + (ph + 0.5) * bh, cx = x0 + (pw + 0.5) * bw;
						ck_assert_float_close(y[(c * OH + ph) * OW + pw], (c ? -1 : 1) * (10 * cy + cx), 1e-4);
					}
		}
}
END_TEST

/* A region whose samples fall on pixels: avg and max are 2x2 pooling. */
START_TEST(test_roialign_on_pixels_pools_and_checks_batch)
{
	float x[16], ymax[4], yavg[4], rois[4] = {-0.5f, -0.5f, 3.5f, 3.5f};
	int32_t bi[1] = {0};
	for (int i = 0; i < 16; i++)
		x[i] = (float)((i * 7) % 16);
	axrt_roi_params p = {1, 1, 4, 4, 1, 2, 2, 1.0f, 2, 0, 1, AXRT_DT_INT32};
	ck_assert_int_eq(RUN(roialign_f32, p, ((const void *[]){x, rois, bi}), ((void *[]){ymax}), NULL), AXRT_OK);
	p.mode = 0;
	ck_assert_int_eq(RUN(roialign_f32, p, ((const void *[]){x, rois, bi}), ((void *[]){yavg}), NULL), AXRT_OK);
	for (int ph = 0; ph < 2; ph++)
		for (int pw = 0; pw < 2; pw++) {
			float m = -FLT_MAX, s = 0;
			for (int i = 0; i < 2; i++)
				for (int j = 0; j < 2; j++) {
					float v = x[(2 * ph + i) * 4 + 2 * pw + j];
					m = v > m ? v : m;
					s += v;
				}
			ck_assert_float_eq(ymax[ph * 2 + pw], m);
			ck_assert_float_close(yavg[ph * 2 + pw], s / 4, 1e-6);
		}
	bi[0] = 1;
	ck_assert_int_eq(RUN(roialign_f32, p, ((const void *[]){x, rois, bi}), ((void *[]){yavg}), NULL), AXRT_EINVAL);
}
END_TEST

static Suite *
select_suite(void)
{
	Suite *s = suite_create("rt_select");
	TCase *tc = tcase_create("sort");
	tcase_add_test(tc, test_topk_matches_naive_selection_with_ties);
	tcase_add_test(tc, test_topk_spec_example_and_integer_types);
	tcase_add_test(tc, test_topk_nan_k0_and_bad_params);
	tcase_add_test(tc, test_unique_spec_examples);
	tcase_add_test(tc, test_unique_random_against_pairwise);
	tcase_add_test(tc, test_unique_capacity_padding_and_overflow);
	suite_add_tcase(s, tc);
	tc = tcase_create("data_dependent");
	tcase_add_test(tc, test_nonzero_example_types_and_capacity);
	tcase_add_test(tc, test_compress_numpy_examples);
	tcase_add_test(tc, test_nms_spec_cases);
	tcase_add_test(tc, test_nms_classes_batches_padding_and_overflow);
	suite_add_tcase(s, tc);
	tc = tcase_create("regions");
	tcase_add_test(tc, test_maxunpool_scatters_and_pads);
	tcase_add_test(tc, test_maxroipool_bins);
	tcase_add_test(tc, test_roialign_avg_on_linear_image);
	tcase_add_test(tc, test_roialign_on_pixels_pools_and_checks_batch);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(select_suite());
}
