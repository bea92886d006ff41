/* test_rt_data.c: the data family's kernels (runtime/kernels/data.c) against
 * the ONNX spec examples and naive references written here. */
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"

#define RUN(k, p, ins, outs, scr) axrt_##k(&(p), (const void *const *)(ins), (void *const *)(outs), (scr))

static void
check_floats(const float *got, const float *want, int n, double tol)
{
	for (int i = 0; i < n; i++)
		ck_assert_msg(fabs((double)got[i] - (double)want[i]) <= tol,
			"element %d: %.7g, expected %.7g", i, (double)got[i], (double)want[i]);
}

static void
check_i64(const int64_t *got, const int64_t *want, int n)
{
	for (int i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "element %d: %lld, expected %lld", i,
			(long long)got[i], (long long)want[i]);
}

/* ---- copy, strided ---- */

START_TEST(test_copy_moves_bytes)
{
	axrt_copy_params p = {12};
	float x[3] = {1, 2, 3}, y[3] = {0};
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(copy, p, in, out, NULL), AXRT_OK);
	check_floats(y, x, 3, 0);
	p.nbytes = -1;
	ck_assert_int_eq(RUN(copy, p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

/* Transpose of a 2x3x4 tensor with perm (2, 0, 1), for every element size,
 * against index arithmetic written out here. */
static void
transpose_case(int esize)
{
	uint8_t x[24 * 8], y[24 * 8], want[24 * 8];
	axrt_strided_params p;
	memset(&p, 0, sizeof p);
	p.rank = 3;
	p.esize = esize;
	p.dims[0] = 4; p.dims[1] = 2; p.dims[2] = 3;      /* output dims */
	p.in_str[0] = 1; p.in_str[1] = 12; p.in_str[2] = 4;
	p.out_str[0] = 6; p.out_str[1] = 3; p.out_str[2] = 1;
	for (int i = 0; i < 24 * esize; i++)
		x[i] = (uint8_t)(i * 7 + 1);
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 3; b++)
			for (int c = 0; c < 4; c++)
				memcpy(want + ((c * 2 + a) * 3 + b) * esize, x + ((a * 3 + b) * 4 + c) * esize, (size_t)esize);
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(strided, p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(memcmp(y, want, (size_t)(24 * esize)), 0);
}

START_TEST(test_strided_transpose_all_esizes)
{
	transpose_case(1);
	transpose_case(2);
	transpose_case(4);
	transpose_case(8);
}
END_TEST

START_TEST(test_strided_negative_and_zero_strides)
{
	int64_t x[6] = {10, 11, 12, 13, 14, 15}, y[6] = {0};
	axrt_strided_params p;
	memset(&p, 0, sizeof p);
	/* reversed slice x[4:0:-2] = {14, 12} */
	p.rank = 1; p.esize = 8; p.dims[0] = 2;
	p.in_off = 4; p.in_str[0] = -2; p.out_str[0] = 1;
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(strided, p, in, out, NULL), AXRT_OK);
	check_i64(y, (int64_t[]){14, 12}, 2);
	/* broadcast x[0:3] (shape 1x3) to 2x3 */
	p.rank = 2; p.dims[0] = 2; p.dims[1] = 3;
	p.in_off = 0; p.in_str[0] = 0; p.in_str[1] = 1;
	p.out_str[0] = 3; p.out_str[1] = 1;
	ck_assert_int_eq(RUN(strided, p, in, out, NULL), AXRT_OK);
	check_i64(y, (int64_t[]){10, 11, 12, 10, 11, 12}, 6);
}
END_TEST

START_TEST(test_strided_two_calls_concatenate)
{
	float a[4] = {1, 2, 3, 4}, b[2] = {5, 6}, y[6] = {0};
	axrt_strided_params p;
	memset(&p, 0, sizeof p);
	/* concat a (2x2) and b (2x1) on axis 1 into 2x3 */
	p.rank = 2; p.esize = 4; p.dims[0] = 2; p.dims[1] = 2;
	p.in_str[0] = 2; p.in_str[1] = 1; p.out_str[0] = 3; p.out_str[1] = 1;
	ck_assert_int_eq(RUN(strided, p, ((const void *[]){a}), ((void *[]){y}), NULL), AXRT_OK);
	p.dims[1] = 1; p.in_str[0] = 1; p.out_off = 2;
	ck_assert_int_eq(RUN(strided, p, ((const void *[]){b}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){1, 2, 5, 3, 4, 6}, 6, 0);
}
END_TEST

START_TEST(test_strided_rank0_empty_and_bad)
{
	int16_t x[2] = {7, 8}, y[2] = {0, 0};
	axrt_strided_params p;
	memset(&p, 0, sizeof p);
	p.esize = 2; p.in_off = 1;
	const void *in[] = {x};
	void *out[] = {y};
	ck_assert_int_eq(RUN(strided, p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y[0], 8);
	p.rank = 2; p.dims[0] = 0; p.dims[1] = 5; y[0] = 0;
	ck_assert_int_eq(RUN(strided, p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y[0], 0);
	p.esize = 3;
	ck_assert_int_eq(RUN(strided, p, in, out, NULL), AXRT_EINVAL);
	p.esize = 2; p.rank = 17;
	ck_assert_int_eq(RUN(strided, p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

/* ---- fill, values ---- */

START_TEST(test_fill_float_and_int)
{
	float one = 1.5f, y[3];
	uint32_t u;
	memcpy(&u, &one, 4);
	axrt_fill_params p = {3, 4, (int64_t)u};
	ck_assert_int_eq(RUN(fill, p, ((const void *[]){NULL}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){1.5f, 1.5f, 1.5f}, 3, 0);
	int64_t z[2];
	axrt_fill_params q = {2, 8, -5};
	ck_assert_int_eq(RUN(fill, q, ((const void *[]){NULL}), ((void *[]){z}), NULL), AXRT_OK);
	check_i64(z, (int64_t[]){-5, -5}, 2);
	int8_t b[2];
	axrt_fill_params r = {2, 1, -3};
	ck_assert_int_eq(RUN(fill, r, ((const void *[]){NULL}), ((void *[]){b}), NULL), AXRT_OK);
	ck_assert_int_eq(b[0], -3);
	ck_assert_int_eq(b[1], -3);
}
END_TEST

START_TEST(test_values_i64_writes_params)
{
	axrt_values_params p = {3, {2, 3, 4}};
	int64_t y[3];
	ck_assert_int_eq(RUN(values_i64, p, ((const void *[]){NULL}), ((void *[]){y}), NULL), AXRT_OK);
	check_i64(y, (int64_t[]){2, 3, 4}, 3);
	p.n = 9;
	ck_assert_int_eq(RUN(values_i64, p, ((const void *[]){NULL}), ((void *[]){y}), NULL), AXRT_EINVAL);
}
END_TEST

/* ---- pad: the three examples of the ONNX Pad spec ---- */

static void
pad_spec(int mode, const float *want)
{
	float x[6] = {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f}, y[12];
	axrt_pad_params p;
	memset(&p, 0, sizeof p);
	p.rank = 2; p.esize = 4; p.mode = mode;
	p.in[0] = 3; p.in[1] = 2; p.out[0] = 3; p.out[1] = 4;
	p.begin[1] = 2;               /* pads = [0, 2, 0, 0] */
	ck_assert_int_eq(RUN(pad, p, ((const void *[]){x, NULL}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, want, 12, 0);
}

START_TEST(test_pad_spec_examples)
{
	pad_spec(0, (float[]){0, 0, 1.0f, 1.2f, 0, 0, 2.3f, 3.4f, 0, 0, 4.5f, 5.7f});
	pad_spec(1, (float[]){1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f});
	pad_spec(2, (float[]){1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f});
}
END_TEST

/* 1-D padding by 4 on each side of {1, 2, 3} in every mode, with the
 * constant taken from in[1]; and a crop by a negative pad. */
START_TEST(test_pad_modes_1d_wide)
{
	int32_t x[3] = {1, 2, 3}, y[11], v = 9;
	axrt_pad_params p;
	memset(&p, 0, sizeof p);
	p.rank = 1; p.esize = 4; p.in[0] = 3; p.out[0] = 11; p.begin[0] = 4;
	const void *in[] = {x, &v};
	void *out[] = {y};
	int32_t want[4][11] = {
		{9, 9, 9, 9, 1, 2, 3, 9, 9, 9, 9},
		{1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3},   /* reflect, period 4 */
		{1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3},
		{3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1},   /* wrap, period 3 */
	};
	for (int m = 0; m < 4; m++) {
		p.mode = m;
		ck_assert_int_eq(RUN(pad, p, in, out, NULL), AXRT_OK);
		for (int i = 0; i < 11; i++)
			ck_assert_msg(y[i] == want[m][i], "mode %d element %d: %d", m, i, y[i]);
	}
	p.mode = 0; p.out[0] = 2; p.begin[0] = -1;    /* pads [-1, 0] */
	ck_assert_int_eq(RUN(pad, p, in, out, NULL), AXRT_OK);
	ck_assert_int_eq(y[0], 2);
	ck_assert_int_eq(y[1], 3);
	p.mode = 4;
	ck_assert_int_eq(RUN(pad, p, in, out, NULL), AXRT_EINVAL);
}
END_TEST

/* ---- gather ---- */

START_TEST(test_gather_spec_examples)
{
	float data[6] = {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f}, y[8];
	int64_t idx0[4] = {0, 1, 1, 2};
	axrt_gather_params p = {1, 3, 2, 4, 4, AXRT_DT_INT64};   /* axis 0 */
	ck_assert_int_eq(RUN(gather, p, ((const void *[]){data, idx0}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f}, 8, 0);
	float d2[9] = {1.0f, 1.2f, 1.9f, 2.3f, 3.4f, 3.9f, 4.5f, 5.7f, 5.9f}, y2[6];
	int32_t idx1[2] = {0, -1};   /* axis 1 of 3x3, the last one counted from the end */
	axrt_gather_params q = {3, 3, 1, 2, 4, AXRT_DT_INT32};
	ck_assert_int_eq(RUN(gather, q, ((const void *[]){d2, idx1}), ((void *[]){y2}), NULL), AXRT_OK);
	check_floats(y2, (float[]){1.0f, 1.9f, 2.3f, 3.9f, 4.5f, 5.9f}, 6, 0);
	idx1[1] = 3;
	ck_assert_int_eq(RUN(gather, q, ((const void *[]){d2, idx1}), ((void *[]){y2}), NULL), AXRT_EINVAL);
}
END_TEST

/* ---- gather_elements / scatter_elements ---- */

static axrt_elements_params
elements(int axis, int r0, int r1, int i0, int i1)
{
	axrt_elements_params p;
	memset(&p, 0, sizeof p);
	p.rank = 2; p.axis = axis; p.esize = 4; p.idtype = AXRT_DT_INT64; p.dtype = AXRT_DT_FLOAT;
	p.data[0] = r0; p.data[1] = r1; p.idx[0] = i0; p.idx[1] = i1;
	return p;
}

START_TEST(test_gather_elements_spec_examples)
{
	float d[4] = {1, 2, 3, 4}, y[6];
	int64_t i[4] = {0, 0, 1, 0};
	axrt_elements_params p = elements(1, 2, 2, 2, 2);
	ck_assert_int_eq(RUN(gather_elements, p, ((const void *[]){d, i}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){1, 1, 4, 3}, 4, 0);
	float d2[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	int64_t i2[6] = {1, 2, 0, 2, 0, -3};
	p = elements(0, 3, 3, 2, 3);
	ck_assert_int_eq(RUN(gather_elements, p, ((const void *[]){d2, i2}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){4, 8, 3, 7, 2, 3}, 6, 0);
}
END_TEST

START_TEST(test_scatter_elements_spec_examples)
{
	float d[9] = {0}, u[6] = {1.0f, 1.1f, 1.2f, 2.0f, 2.1f, 2.2f}, y[9];
	int64_t i[6] = {1, 0, 2, 0, 2, 1};
	axrt_elements_params p = elements(0, 3, 3, 2, 3);
	ck_assert_int_eq(RUN(scatter_elements, p, ((const void *[]){d, i, u}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){2.0f, 1.1f, 0, 1.0f, 0, 2.2f, 0, 2.1f, 1.2f}, 9, 0);
	float d2[5] = {1, 2, 3, 4, 5}, u2[2] = {1.1f, 2.1f}, y2[5];
	int64_t i2[2] = {1, -2};
	p = elements(1, 1, 5, 1, 2);
	ck_assert_int_eq(RUN(scatter_elements, p, ((const void *[]){d2, i2, u2}), ((void *[]){y2}), NULL), AXRT_OK);
	check_floats(y2, (float[]){1, 1.1f, 3, 2.1f, 5}, 5, 0);
	/* duplicates with reduction add: 2 + 1.1 + 2.1 at position 1 */
	i2[1] = 1;
	p.reduction = AXRT_RED_ADD;
	ck_assert_int_eq(RUN(scatter_elements, p, ((const void *[]){d2, i2, u2}), ((void *[]){y2}), NULL), AXRT_OK);
	check_floats(y2, (float[]){1, 5.2f, 3, 4, 5}, 5, 1e-6);
	p.reduction = AXRT_RED_MAX; p.dtype = AXRT_DT_INT8;   /* no reductions on int8 */
	ck_assert_int_eq(RUN(scatter_elements, p, ((const void *[]){d2, i2, u2}), ((void *[]){y2}), NULL), AXRT_EUNSUPPORTED);
}
END_TEST

/* ---- gather_nd / scatter_nd ---- */

START_TEST(test_gather_nd_spec_examples)
{
	int32_t d[4] = {0, 1, 2, 3}, y[4];
	int64_t i1[4] = {0, 0, 1, 1};
	axrt_nd_params p;
	memset(&p, 0, sizeof p);
	p.batch = 1; p.nidx = 2; p.k = 2; p.slice = 1; p.dims[0] = 2; p.dims[1] = 2;
	p.esize = 4; p.idtype = AXRT_DT_INT64;
	ck_assert_int_eq(RUN(gather_nd, p, ((const void *[]){d, i1}), ((void *[]){y}), NULL), AXRT_OK);
	ck_assert_int_eq(y[0], 0);
	ck_assert_int_eq(y[1], 3);
	int64_t i2[2] = {1, 0};
	p.k = 1; p.slice = 2;
	ck_assert_int_eq(RUN(gather_nd, p, ((const void *[]){d, i2}), ((void *[]){y}), NULL), AXRT_OK);
	ck_assert_int_eq(y[0], 2); ck_assert_int_eq(y[1], 3);
	ck_assert_int_eq(y[2], 0); ck_assert_int_eq(y[3], 1);
	/* batch_dims = 1: data 2x2x2, indices 2x1 */
	int32_t d3[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	p.batch = 2; p.nidx = 1;
	ck_assert_int_eq(RUN(gather_nd, p, ((const void *[]){d3, i2}), ((void *[]){y}), NULL), AXRT_OK);
	ck_assert_int_eq(y[0], 2); ck_assert_int_eq(y[1], 3);
	ck_assert_int_eq(y[2], 4); ck_assert_int_eq(y[3], 5);
	i2[0] = 2;
	ck_assert_int_eq(RUN(gather_nd, p, ((const void *[]){d3, i2}), ((void *[]){y}), NULL), AXRT_EINVAL);
}
END_TEST

START_TEST(test_scatter_nd_spec_example_and_mul)
{
	float d[8] = {1, 2, 3, 4, 5, 6, 7, 8}, u[4] = {9, 10, 11, 12}, y[8];
	int64_t i[4] = {4, 3, 1, 7};
	axrt_nd_params p;
	memset(&p, 0, sizeof p);
	p.batch = 1; p.nidx = 4; p.k = 1; p.slice = 1; p.dims[0] = 8;
	p.esize = 4; p.idtype = AXRT_DT_INT64; p.dtype = AXRT_DT_FLOAT;
	ck_assert_int_eq(RUN(scatter_nd, p, ((const void *[]){d, i, u}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){1, 11, 3, 10, 9, 6, 7, 12}, 8, 0);
	int64_t j[4] = {1, 1, -1, 0};
	p.reduction = AXRT_RED_MUL;
	ck_assert_int_eq(RUN(scatter_nd, p, ((const void *[]){d, j, u}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){12, 2 * 9 * 10, 3, 4, 5, 6, 7, 8 * 11}, 8, 0);
}
END_TEST

/* ---- resize ---- */

static axrt_resize_params
resize2d(int mode, int coord, int h, int w, int oh, int ow)
{
	axrt_resize_params p;
	memset(&p, 0, sizeof p);
	p.rank = 2; p.mode = mode; p.coord = coord; p.cubic_a = -0.75f;
	p.in[0] = h; p.in[1] = w; p.out[0] = oh; p.out[1] = ow;
	return p;
}

static float resize_scratch[4096];

START_TEST(test_resize_nearest_upsample_spec)
{
	/* resize_upsample_scales_nearest: 2x2, scales (2, 3), asymmetric-free
	 * half_pixel + round_prefer_floor */
	float x[4] = {1, 2, 3, 4}, y[24];
	axrt_resize_params p = resize2d(AXRT_RESIZE_NEAREST, AXRT_COORD_HALF_PIXEL, 2, 2, 4, 6);
	p.scale[0] = 2; p.scale[1] = 3;
	ck_assert_int_eq(RUN(resize_f32, p, ((const void *[]){x}), ((void *[]){y}), resize_scratch), AXRT_OK);
	float want[24] = {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4};
	check_floats(y, want, 24, 0);
}
END_TEST

START_TEST(test_resize_linear_half_pixel_and_align_corners)
{
	float x[4] = {1, 2, 3, 4}, y[16];
	axrt_resize_params p = resize2d(AXRT_RESIZE_LINEAR, AXRT_COORD_HALF_PIXEL, 2, 2, 4, 4);
	p.scale[0] = 2; p.scale[1] = 2;
	ck_assert_int_eq(RUN(resize_f32, p, ((const void *[]){x}), ((void *[]){y}), resize_scratch), AXRT_OK);
	float want[16] = {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f,
		2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4};
	check_floats(y, want, 16, 1e-6);
	p.coord = AXRT_COORD_ALIGN_CORNERS;
	ck_assert_int_eq(RUN(resize_f32, p, ((const void *[]){x}), ((void *[]){y}), resize_scratch), AXRT_OK);
	/* x -> x / 3 on both axes: y[i][j] = 1 + 2 i / 3 + j / 3 */
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			ck_assert_float_close(y[i * 4 + j], 1 + 2.0 * i / 3 + j / 3.0, 1e-6);
}
END_TEST

/* Keys cubic kernel written from its definition, for the reference below. */
static double
keys(double a, double t)
{
	t = fabs(t);
	if (t <= 1)
		return (a + 2) * t * t * t - (a + 3) * t * t + 1;
	if (t < 2)
		return a * t * t * t - 5 * a * t * t + 8 * a * t - 4 * a;
	return 0;
}

START_TEST(test_resize_cubic_1d_matches_keys_reference)
{
	float x[5] = {3, -1, 4, 1, 5}, y[8];
	axrt_resize_params p = resize2d(AXRT_RESIZE_CUBIC, AXRT_COORD_ASYMMETRIC, 1, 5, 1, 8);
	p.scale[0] = 1; p.scale[1] = 1.6f;
	ck_assert_int_eq(RUN(resize_f32, p, ((const void *[]){x}), ((void *[]){y}), resize_scratch), AXRT_OK);
	for (int o = 0; o < 8; o++) {
		double c = o / (double)1.6f, acc = 0;
		for (int i = (int)floor(c) - 1; i <= (int)floor(c) + 2; i++) {
			int j = i < 0 ? 0 : i > 4 ? 4 : i;       /* edge padding */
			acc += keys(-0.75, c - i) * x[j];
		}
		ck_assert_float_close(y[o], acc, 1e-5);
	}
}
END_TEST

START_TEST(test_resize_nearest_modes_and_crop)
{
	/* 1x4 -> 1x8 asymmetric: x/2 = 0, .5, 1, 1.5 ...; floor vs ceil vs prefer */
	float x[4] = {10, 20, 30, 40}, y[8];
	axrt_resize_params p = resize2d(AXRT_RESIZE_NEAREST, AXRT_COORD_ASYMMETRIC, 1, 4, 1, 8);
	p.scale[0] = 1; p.scale[1] = 2;
	float want[4][8] = {
		{10, 10, 20, 20, 30, 30, 40, 40},       /* round_prefer_floor */
		{10, 20, 20, 30, 30, 40, 40, 40},       /* round_prefer_ceil (clamped) */
		{10, 10, 20, 20, 30, 30, 40, 40},       /* floor */
		{10, 20, 20, 30, 30, 40, 40, 40},       /* ceil */
	};
	for (int m = 0; m < 4; m++) {
		p.nearest = m;
		ck_assert_int_eq(RUN(resize_f32, p, ((const void *[]){x}), ((void *[]){y}), resize_scratch), AXRT_OK);
		check_floats(y, want[m], 8, 0);
	}
	/* tf_crop_and_resize on roi [0.5, 1.5] of the last axis: outside -> -1 */
	p = resize2d(AXRT_RESIZE_LINEAR, AXRT_COORD_TF_CROP_AND_RESIZE, 1, 4, 1, 3);
	p.roi[1] = 0.5f; p.roi[3] = 1.5f; p.roi[2] = 1; p.extrapolation = -1;
	ck_assert_int_eq(RUN(resize_f32, p, ((const void *[]){x}), ((void *[]){y}), resize_scratch), AXRT_OK);
	/* coordinates 1.5, 3, 4.5 */
	check_floats(y, (float[]){25, 40, -1}, 3, 1e-6);
}
END_TEST

/* ---- onehot, trilu, cumsum, range, eyelike, reverse_sequence ---- */

START_TEST(test_onehot_axis_last_and_negative)
{
	int64_t idx[3] = {0, -1, 5};
	float v[2] = {0, 3}, y[9];
	axrt_onehot_params p = {3, 3, 1, 4, AXRT_DT_INT64};
	ck_assert_int_eq(RUN(onehot, p, ((const void *[]){idx, NULL, v}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){3, 0, 0, 0, 0, 3, 0, 0, 0}, 9, 0);
	float fidx[2] = {1.7f, 0};       /* float indices truncate; axis 0: depth x 2 */
	axrt_onehot_params q = {1, 3, 2, 4, AXRT_DT_FLOAT};
	ck_assert_int_eq(RUN(onehot, q, ((const void *[]){fidx, NULL, v}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){0, 3, 3, 0, 0, 0}, 6, 0);
}
END_TEST

START_TEST(test_trilu_upper_lower_with_k)
{
	int64_t x[12], y[12], k = 1;
	for (int i = 0; i < 12; i++)
		x[i] = i + 1;
	for (int upper = 0; upper < 2; upper++)
		for (int withk = 0; withk < 2; withk++) {
			axrt_trilu_params p = {1, 3, 4, upper, 8};
			ck_assert_int_eq(RUN(trilu, p, ((const void *[]){x, withk ? &k : NULL}), ((void *[]){y}), NULL), AXRT_OK);
			for (int i = 0; i < 3; i++)
				for (int j = 0; j < 4; j++) {
					int kk = withk ? 1 : 0;
					int keep = upper ? j >= i + kk : j <= i + kk;
					ck_assert_int_eq(y[i * 4 + j], keep ? x[i * 4 + j] : 0);
				}
		}
}
END_TEST

START_TEST(test_cumsum_spec_variants)
{
	double x[5] = {1, 2, 3, 4, 5}, y[5];
	double want[4][5] = {{1, 3, 6, 10, 15}, {0, 1, 3, 6, 10}, {15, 14, 12, 9, 5}, {14, 12, 9, 5, 0}};
	for (int v = 0; v < 4; v++) {
		axrt_cumsum_params p = {1, 5, 1, v & 1, v >> 1};
		ck_assert_int_eq(RUN(cumsum_f64, p, ((const void *[]){x, NULL}), ((void *[]){y}), NULL), AXRT_OK);
		for (int i = 0; i < 5; i++)
			ck_assert_float_close(y[i], want[v][i], 0);
	}
	/* 2x3 along axis 0 (n = 2, inner = 3), int32, in place */
	int32_t a[6] = {1, 2, 3, 4, 5, 6};
	axrt_cumsum_params q = {1, 2, 3, 0, 0};
	ck_assert_int_eq(RUN(cumsum_i32, q, ((const void *[]){a, NULL}), ((void *[]){a}), NULL), AXRT_OK);
	int32_t wa[6] = {1, 2, 3, 5, 7, 9};
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(a[i], wa[i]);
}
END_TEST

START_TEST(test_range_float_and_int)
{
	float s = 1, l = 5, d = 2, y[2];
	axrt_range_params p = {2};
	ck_assert_int_eq(RUN(range_f32, p, ((const void *[]){&s, &l, &d}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){1, 3}, 2, 0);
	int32_t a = 10, b = 6, c = -3, z[2];
	ck_assert_int_eq(RUN(range_i32, p, ((const void *[]){&a, &b, &c}), ((void *[]){z}), NULL), AXRT_OK);
	ck_assert_int_eq(z[0], 10);
	ck_assert_int_eq(z[1], 7);
}
END_TEST

START_TEST(test_eyelike_offsets)
{
	int32_t y[12];
	axrt_eyelike_params p = {3, 4, 1, 4, 1};
	ck_assert_int_eq(RUN(eyelike, p, ((const void *[]){NULL}), ((void *[]){y}), NULL), AXRT_OK);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++)
			ck_assert_int_eq(y[i * 4 + j], j == i + 1);
	p.k = -2;
	ck_assert_int_eq(RUN(eyelike, p, ((const void *[]){NULL}), ((void *[]){y}), NULL), AXRT_OK);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++)
			ck_assert_int_eq(y[i * 4 + j], j == i - 2);
}
END_TEST

START_TEST(test_reverse_sequence_spec_examples)
{
	float x[16], y[16];
	/* time_axis 0, batch_axis 1: x[t][b] = t + 4 b */
	for (int t = 0; t < 4; t++)
		for (int b = 0; b < 4; b++)
			x[t * 4 + b] = (float)(t + 4 * b);
	int64_t len[4] = {4, 3, 2, 1};
	axrt_revseq_params p = {4, 4, 1, 4, 1, 4};
	ck_assert_int_eq(RUN(reverse_sequence, p, ((const void *[]){x, len}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){3, 6, 9, 12, 2, 5, 8, 13, 1, 4, 10, 14, 0, 7, 11, 15}, 16, 0);
	/* batch_axis 0, time_axis 1: x[b][t] = 4 b + t */
	for (int i = 0; i < 16; i++)
		x[i] = (float)i;
	int64_t len2[4] = {1, 2, 3, 4};
	axrt_revseq_params q = {4, 4, 4, 1, 1, 4};
	ck_assert_int_eq(RUN(reverse_sequence, q, ((const void *[]){x, len2}), ((void *[]){y}), NULL), AXRT_OK);
	check_floats(y, (float[]){0, 1, 2, 3, 5, 4, 6, 7, 10, 9, 8, 11, 15, 14, 13, 12}, 16, 0);
	len2[0] = 5;
	ck_assert_int_eq(RUN(reverse_sequence, q, ((const void *[]){x, len2}), ((void *[]){y}), NULL), AXRT_EINVAL);
}
END_TEST

static Suite *
data_suite(void)
{
	Suite *s = suite_create("rt_data");
	TCase *tc = tcase_create("move");

	tcase_add_test(tc, test_copy_moves_bytes);
	tcase_add_test(tc, test_strided_transpose_all_esizes);
	tcase_add_test(tc, test_strided_negative_and_zero_strides);
	tcase_add_test(tc, test_strided_two_calls_concatenate);
	tcase_add_test(tc, test_strided_rank0_empty_and_bad);
	tcase_add_test(tc, test_fill_float_and_int);
	tcase_add_test(tc, test_values_i64_writes_params);
	tcase_add_test(tc, test_pad_spec_examples);
	tcase_add_test(tc, test_pad_modes_1d_wide);
	suite_add_tcase(s, tc);
	tc = tcase_create("index");
	tcase_add_test(tc, test_gather_spec_examples);
	tcase_add_test(tc, test_gather_elements_spec_examples);
	tcase_add_test(tc, test_scatter_elements_spec_examples);
	tcase_add_test(tc, test_gather_nd_spec_examples);
	tcase_add_test(tc, test_scatter_nd_spec_example_and_mul);
	tcase_add_test(tc, test_onehot_axis_last_and_negative);
	tcase_add_test(tc, test_reverse_sequence_spec_examples);
	suite_add_tcase(s, tc);
	tc = tcase_create("resize");
	tcase_add_test(tc, test_resize_nearest_upsample_spec);
	tcase_add_test(tc, test_resize_linear_half_pixel_and_align_corners);
	tcase_add_test(tc, test_resize_cubic_1d_matches_keys_reference);
	tcase_add_test(tc, test_resize_nearest_modes_and_crop);
	suite_add_tcase(s, tc);
	tc = tcase_create("generate");
	tcase_add_test(tc, test_trilu_upper_lower_with_k);
	tcase_add_test(tc, test_cumsum_spec_variants);
	tcase_add_test(tc, test_range_float_and_int);
	tcase_add_test(tc, test_eyelike_offsets);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(data_suite());
}
