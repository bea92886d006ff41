/* test_rt_string.c: the string family's kernels (runtime/kernels/string.c)
 * against the ONNX StringNormalizer spec and numpy's str() of float32
 * values (expected strings printed by numpy 1.24, written here). */
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "axrt.h"

static void
set(axrt_str *v, const char *const *s, int n)
{
	memset(v, 0, (size_t)n * sizeof *v);
	for (int i = 0; i < n; i++)
		strcpy(v[i].s, s[i]);
}

START_TEST(test_strnorm_spec_cases)
{
	static const char *const x[] = {"monday", "tuesday", "wednesday", "thursday"};
	static const char *const stop[] = {"monday"};
	axrt_str in[4], sw[1], out[4];
	set(in, x, 4);
	set(sw, stop, 1);
	axrt_strnorm_params p = {.rows = 1, .cols = 4, .nstop = 1, .case_sensitive = 1,
		.case_change = AXRT_CASE_UPPER};
	ck_assert_int_eq(axrt_strnorm_kept(&p, in, sw), 3);
	p.kept = 3;
	ck_assert_int_eq(axrt_strnorm(&p, (const void *[]){in, sw}, (void *[]){out}, NULL), AXRT_OK);
	ck_assert_str_eq(out[0].s, "TUESDAY");
	ck_assert_str_eq(out[1].s, "WEDNESDAY");
	ck_assert_str_eq(out[2].s, "THURSDAY");
	/* case-sensitive: "Monday" is not the stopword "monday" */
	strcpy(in[0].s, "Monday");
	ck_assert_int_eq(axrt_strnorm_kept(&p, in, sw), 4);
	p.case_sensitive = 0;
	ck_assert_int_eq(axrt_strnorm_kept(&p, in, sw), 3);
	/* a kept count the compiler did not size for */
	p.kept = 2;
	ck_assert_int_eq(axrt_strnorm(&p, (const void *[]){in, sw}, (void *[]){out}, NULL), AXRT_EINVAL);
}
END_TEST

START_TEST(test_strnorm_all_stopwords_gives_one_empty_string)
{
	static const char *const x[] = {"monday", "MONDAY"};
	static const char *const stop[] = {"monday"};
	axrt_str in[2], sw[1], out[1];
	set(in, x, 2);
	set(sw, stop, 1);
	memset(out, 'x', sizeof out);
	axrt_strnorm_params p = {.rows = 1, .cols = 2, .nstop = 1, .case_sensitive = 0,
		.case_change = AXRT_CASE_LOWER};
	ck_assert_int_eq(axrt_strnorm_kept(&p, in, sw), 0);
	ck_assert_int_eq(axrt_strnorm(&p, (const void *[]){in, sw}, (void *[]){out}, NULL), AXRT_OK);
	ck_assert_str_eq(out[0].s, "");
}
END_TEST

START_TEST(test_float_to_string_is_numpy_str)
{
	static const struct { float v; const char *s; } c[] = {
		{0.1f, "0.1"}, {1.0f, "1.0"}, {100.0f, "100.0"}, {0.039187793f, "0.039187793"},
		{1e-5f, "1e-05"}, {1e20f, "1e+20"}, {-2.5f, "-2.5"}, {1.5e-7f, "1.5e-07"},
		{123456.79f, "123456.79"}, {3.4028235e38f, "3.4028235e+38"}, {1e16f, "1e+16"},
		{1e15f, "1000000000000000.0"}, {1e-4f, "1e-04"}, {16777216.0f, "16777216.0"},
		{-0.0f, "-0.0"}, {0.0f, "0.0"},
	};
	enum { N = sizeof c / sizeof c[0] };
	float x[N + 3];
	axrt_str y[N + 3];
	for (int i = 0; i < N; i++)
		x[i] = c[i].v;
	x[N] = NAN;
	x[N + 1] = INFINITY;
	x[N + 2] = -INFINITY;
	axrt_strcast_params p = {N + 3};
	ck_assert_int_eq(axrt_str_from_f32(&p, (const void *[]){x}, (void *[]){y}, NULL), AXRT_OK);
	for (int i = 0; i < N; i++)
		ck_assert_msg(!strcmp(y[i].s, c[i].s), "%.9g: got '%s', expected '%s'", c[i].v, y[i].s, c[i].s);
	ck_assert_str_eq(y[N].s, "nan");
	ck_assert_str_eq(y[N + 1].s, "inf");
	ck_assert_str_eq(y[N + 2].s, "-inf");
	/* and back: every string reads as the same float */
	float z[N];
	p.n = N;
	ck_assert_int_eq(axrt_f32_from_str(&p, (const void *[]){y}, (void *[]){z}, NULL), AXRT_OK);
	for (int i = 0; i < N; i++)
		ck_assert_msg(z[i] == x[i], "'%s' read as %.9g", y[i].s, z[i]);
}
END_TEST

START_TEST(test_string_to_float)
{
	static const char *const s[] = {"0.47892547", "-3.25", "1e-05", "  7", "2.5E+3", "abc", "-inf"};
	axrt_str in[7];
	float y[7];
	set(in, s, 7);
	axrt_strcast_params p = {7};
	ck_assert_int_eq(axrt_f32_from_str(&p, (const void *[]){in}, (void *[]){y}, NULL), AXRT_OK);
	ck_assert(y[0] == 0.47892547f);
	ck_assert(y[1] == -3.25f);
	ck_assert(y[2] == 1e-5f);
	ck_assert(y[3] == 7.0f);
	ck_assert(y[4] == 2500.0f);
	ck_assert(isnan(y[5]));
	ck_assert(isinf(y[6]) && y[6] < 0);
}
END_TEST

static Suite *
string_suite(void)
{
	Suite *s = suite_create("rt_string");
	TCase *tc = tcase_create("string");
	tcase_add_test(tc, test_strnorm_spec_cases);
	tcase_add_test(tc, test_strnorm_all_stopwords_gives_one_empty_string);
	tcase_add_test(tc, test_float_to_string_is_numpy_str);
	tcase_add_test(tc, test_string_to_float);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(string_suite());
}
