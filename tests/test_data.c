/* test_data.c: the tensor file readers (compiler/data): .npy round trips of
 * every type, headers written by numpy (v1/v2/v3), malformed and truncated
 * files, IDX plain and gzip, and data_read's dispatch. Files are written
 * into a fresh temporary directory. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "data/data.h"
#include "onnx.pb-c.h"
#include "testutil.h"

static char tmpdir[64];

static const char *
tpath(const char *name)
{
	static char buf[4][256];
	static int k;
	char *p = buf[k++ & 3];
	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

static void
write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	fclose(f);
}

/* A .npy file as numpy writes it: magic, version, header length, the
 * dictionary padded with spaces and '\n', then data. */
static void
write_npy(const char *path, int major, const char *dict, const void *data, size_t n)
{
	unsigned char buf[1024];
	size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
	size_t total = (pre + dl + 1 + 63) / 64 * 64, hl = total - pre;
	memcpy(buf, "\x93NUMPY", 6);
	buf[6] = (unsigned char)major;
	buf[7] = 0;
	for (size_t i = 0; i < pre - 8; i++)
		buf[8 + i] = (unsigned char)(hl >> (8 * i));
	memcpy(buf + pre, dict, dl);
	memset(buf + pre + dl, ' ', hl - dl - 1);
	buf[total - 1] = '\n';
	memcpy(buf + total, data, n);
	write_bytes(path, buf, total + n);
}

/* Expects path to be rejected with a message naming it and containing what. */
static void
expect_error(const char *path, const char *what)
{
	Arena *a = arena_new();
	Tensor t;
	Diag d = diag_capture();
	ck_assert_int_eq(data_read(path, a, &t, &d), -1);
	ck_assert_int_eq(d.nerr, 1);
	ck_assert_msg(strstr(d.last, path) != NULL, "no file name in: %s", d.last);
	ck_assert_msg(strstr(d.last, what) != NULL, "'%s' not in: %s", what, d.last);
	arena_free(a);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/axcc_test_data_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* ---- npy ---- */

START_TEST(test_npy_roundtrip_every_dtype)
{
	static const DType types[] = {DT_F32, DT_F64, DT_F16, DT_I8, DT_I16, DT_I32,
		DT_I64, DT_U8, DT_U16, DT_U32, DT_U64, DT_BOOL};
	const DType dt = types[_i];
	const int64_t dim[3] = {2, 3, 5};
	unsigned char data[2 * 3 * 5 * 8];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 37 + 11);
	if (dt == DT_BOOL)
		for (size_t i = 0; i < 30; i++)
			data[i] = (unsigned char)(i % 3 == 0);
	Tensor t = {0};
	t.name = "x";
	tensor_set(&t, dt, 3, dim);
	t.init = data;
	Diag d = diag_capture();
	const char *p = tpath("rt.npy");
	ck_assert_int_eq(npy_write(p, &t, &d), 0);
	Arena *a = arena_new();
	Tensor u;
	ck_assert_int_eq(data_read(p, a, &u, &d), 0);
	ck_assert_int_eq(u.dtype, dt);
	ck_assert_int_eq(u.rank, 3);
	ck_assert(u.dim[0] == 2 && u.dim[1] == 3 && u.dim[2] == 5);
	ck_assert_int_eq(memcmp(u.init, data, 30 * dtype_size(dt)), 0);
	ck_assert_str_eq(u.name, p);
	arena_free(a);
}
END_TEST

START_TEST(test_npy_write_matches_numpy_layout)
{
	float x[6] = {1, 2, 3, 4, 5, 6};
	Tensor t = {0};
	tensor_set(&t, DT_F32, 2, (int64_t[]){2, 3});
	t.init = x;
	Diag d = diag_capture();
	const char *p = tpath("layout.npy");
	ck_assert_int_eq(npy_write(p, &t, &d), 0);
	unsigned char buf[256];
	FILE *f = fopen(p, "rb");
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	/* numpy 1.x: 128-byte preamble for this dictionary, data after it */
	ck_assert_uint_eq(n, 128 + sizeof x);
	ck_assert_int_eq(memcmp(buf, "\x93NUMPY\x01\x00", 8), 0);
	ck_assert_int_eq(buf[8] | buf[9] << 8, 118);
	const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
	ck_assert_int_eq(memcmp(buf + 10, dict, strlen(dict)), 0);
	ck_assert_int_eq(buf[127], '\n');
	ck_assert_int_eq(memcmp(buf + 128, x, sizeof x), 0);
}
END_TEST

START_TEST(test_npy_reads_scalar_and_vector_shapes)
{
	Arena *a = arena_new();
	Tensor t;
	Diag d = diag_capture();
	int32_t v = -7;
	write_npy(tpath("s.npy"), 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (), }", &v, 4);
	ck_assert_int_eq(data_read(tpath("s.npy"), a, &t, &d), 0);
	ck_assert_int_eq(t.rank, 0);
	ck_assert_int_eq(*(int32_t *)t.init, -7);
	int64_t w[3] = {1, -2, 3};
	write_npy(tpath("v.npy"), 1, "{'shape': (3,), 'fortran_order': False, 'descr': '<i8'}", w, 24);
	ck_assert_int_eq(data_read(tpath("v.npy"), a, &t, &d), 0);
	ck_assert_int_eq(t.dtype, DT_I64);
	ck_assert_int_eq(t.rank, 1);
	ck_assert_int_eq(t.dim[0], 3);
	ck_assert_int_eq(((int64_t *)t.init)[1], -2);
	arena_free(a);
}
END_TEST

START_TEST(test_npy_reads_v2_and_v3_headers)
{
	Arena *a = arena_new();
	Tensor t;
	Diag d = diag_capture();
	double x[4] = {0.5, -1.25, 3, 4};
	write_npy(tpath("v2.npy"), 2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", x, 32);
	ck_assert_int_eq(data_read(tpath("v2.npy"), a, &t, &d), 0);
	ck_assert_int_eq(t.dtype, DT_F64);
	ck_assert(t.rank == 2 && t.dim[0] == 2 && t.dim[1] == 2);
	ck_assert(((double *)t.init)[1] == -1.25);
	write_npy(tpath("v3.npy"), 3, "{\"descr\": \"|u1\", \"fortran_order\": False, \"shape\": (4,)}", "abcd", 4);
	ck_assert_int_eq(data_read(tpath("v3.npy"), a, &t, &d), 0);
	ck_assert_int_eq(t.dtype, DT_U8);
	ck_assert_int_eq(((uint8_t *)t.init)[3], 'd');
	arena_free(a);
}
END_TEST

START_TEST(test_npy_bool_is_normalized)
{
	Arena *a = arena_new();
	Tensor t;
	Diag d = diag_capture();
	write_npy(tpath("b.npy"), 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", "\0\x05\x01", 3);
	ck_assert_int_eq(data_read(tpath("b.npy"), a, &t, &d), 0);
	ck_assert_int_eq(t.dtype, DT_BOOL);
	const uint8_t *b = t.init;
	ck_assert(b[0] == 0 && b[1] == 1 && b[2] == 1);
	arena_free(a);
}
END_TEST

/* Each malformed header, and the words its message must contain. */
static const struct { const char *dict, *what; } bad_headers[] = {
	{"{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", "Fortran order"},
	{"{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", "big-endian"},
	{"{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", "object"},
	{"{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", "not supported"},
	{"{'descr': '<U4', 'fortran_order': False, 'shape': (2,), }", "not supported"},
	{"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", "structured"},
	{"{'descr': '<f4', 'shape': (2,), }", "lacks"},
	{"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", "unknown key"},
	{"{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }", "malformed"},
	{"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", "True or False"},
	{"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "non-negative"},
	{"{'descr': '<f4', 'fortran_order': False, 'shape': (2 3), }", "malformed"},
	{"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", "more than 8"},
	{"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "too large"},
	{"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "too large"},
	{"'descr': '<f4'", "expected '{'"},
};

START_TEST(test_npy_rejects_malformed_header)
{
	float x[2] = {1, 2};
	const char *p = tpath("bad.npy");
	write_npy(p, 1, bad_headers[_i].dict, x, sizeof x);
	expect_error(p, bad_headers[_i].what);
}
END_TEST

START_TEST(test_npy_rejects_truncated_data)
{
	float x[5] = {1, 2, 3, 4, 5};
	const char *p = tpath("trunc.npy");
	write_npy(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", x, sizeof x);
	expect_error(p, "truncated .npy data: 20 of 24 bytes");
	write_npy(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", x, sizeof x);
	expect_error(p, "after the data");
}
END_TEST

START_TEST(test_npy_rejects_truncated_header)
{
	const char *p = tpath("th.npy");
	write_bytes(p, "\x93NUMPY\x01\x00\x76\x00{'descr'", 17);
	expect_error(p, "truncated .npy header");
	write_bytes(p, "\x93NUMPY\x01", 7);
	expect_error(p, "bad magic");
	write_bytes(p, "\x93NUMPY\x04\x00\x10\x00\x00\x00", 12);
	expect_error(p, "version 4.0");
	write_bytes(p, "\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12);
	expect_error(p, "too large");
}
END_TEST

START_TEST(test_npy_missing_file_is_an_error)
{
	expect_error(tpath("nope.npy"), "cannot open");
}
END_TEST

START_TEST(test_npy_write_rejects_string_tensor)
{
	Tensor t = {0};
	tensor_set(&t, DT_STRING, 1, (int64_t[]){1});
	t.init = "";
	Diag d = diag_capture();
	ck_assert_int_eq(npy_write(tpath("s.npy"), &t, &d), -1);
	ck_assert_ptr_nonnull(strstr(d.last, "s.npy"));
	ck_assert_ptr_nonnull(strstr(d.last, "string"));
}
END_TEST

/* ---- IDX ---- */

/* An IDX file with a big-endian header for the given type and dims. */
static size_t
make_idx(unsigned char *buf, int type, int rank, const uint32_t *dim)
{
	size_t k = 0;
	buf[k++] = 0;
	buf[k++] = 0;
	buf[k++] = (unsigned char)type;
	buf[k++] = (unsigned char)rank;
	for (int i = 0; i < rank; i++)
		for (int s = 24; s >= 0; s -= 8)
			buf[k++] = (unsigned char)(dim[i] >> s);
	return k;
}

START_TEST(test_idx_reads_u8_images)
{
	unsigned char buf[64];
	size_t k = make_idx(buf, 0x08, 3, (uint32_t[]){2, 2, 3});
	for (int i = 0; i < 12; i++)
		buf[k++] = (unsigned char)(200 + i);
	const char *p = tpath("imgs-idx3-ubyte");
	write_bytes(p, buf, k);
	Arena *a = arena_new();
	Tensor t;
	Diag d = diag_capture();
	ck_assert_int_eq(data_read(p, a, &t, &d), 0);
	ck_assert_int_eq(t.dtype, DT_U8);
	ck_assert(t.rank == 3 && t.dim[0] == 2 && t.dim[1] == 2 && t.dim[2] == 3);
	ck_assert_int_eq(((uint8_t *)t.init)[11], 211);
	arena_free(a);
}
END_TEST

START_TEST(test_idx_swaps_big_endian_types)
{
	unsigned char buf[128];
	Arena *a = arena_new();
	Tensor t;
	Diag d = diag_capture();
	size_t k = make_idx(buf, 0x0C, 1, (uint32_t[]){2});
	memcpy(buf + k, "\xff\xff\xff\xfe\x01\x02\x03\x04", 8);
	write_bytes(tpath("i32.idx"), buf, k + 8);
	ck_assert_int_eq(data_read(tpath("i32.idx"), a, &t, &d), 0);
	ck_assert_int_eq(t.dtype, DT_I32);
	ck_assert_int_eq(((int32_t *)t.init)[0], -2);
	ck_assert_int_eq(((int32_t *)t.init)[1], 0x01020304);
	k = make_idx(buf, 0x0D, 1, (uint32_t[]){1});
	memcpy(buf + k, "\x3f\xc0\x00\x00", 4);   /* 1.5f */
	write_bytes(tpath("f32.idx"), buf, k + 4);
	ck_assert_int_eq(data_read(tpath("f32.idx"), a, &t, &d), 0);
	ck_assert(((float *)t.init)[0] == 1.5f);
	k = make_idx(buf, 0x0B, 1, (uint32_t[]){1});
	memcpy(buf + k, "\x80\x01", 2);
	write_bytes(tpath("i16.idx"), buf, k + 2);
	ck_assert_int_eq(data_read(tpath("i16.idx"), a, &t, &d), 0);
	ck_assert_int_eq(((int16_t *)t.init)[0], -32767);
	k = make_idx(buf, 0x0E, 1, (uint32_t[]){1});
	memcpy(buf + k, "\xc0\x04\x00\x00\x00\x00\x00\x00", 8);   /* -2.5 */
	write_bytes(tpath("f64.idx"), buf, k + 8);
	ck_assert_int_eq(data_read(tpath("f64.idx"), a, &t, &d), 0);
	ck_assert(((double *)t.init)[0] == -2.5);
	arena_free(a);
}
END_TEST

START_TEST(test_idx_reads_gzip)
{
	unsigned char buf[64];
	size_t k = make_idx(buf, 0x09, 2, (uint32_t[]){2, 5});
	for (int i = 0; i < 10; i++)
		buf[k++] = (unsigned char)(i - 5);
	const char *p = tpath("labels-idx2-ubyte.gz");
	gzFile f = gzopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(gzwrite(f, buf, (unsigned)k), (int)k);
	gzclose(f);
	Arena *a = arena_new();
	Tensor t;
	Diag d = diag_capture();
	ck_assert_int_eq(data_read(p, a, &t, &d), 0);
	ck_assert_int_eq(t.dtype, DT_I8);
	ck_assert(t.rank == 2 && t.dim[0] == 2 && t.dim[1] == 5);
	ck_assert_int_eq(((int8_t *)t.init)[0], -5);
	ck_assert_int_eq(((int8_t *)t.init)[9], 4);
	arena_free(a);
}
END_TEST

START_TEST(test_idx_rejects_bad_files)
{
	unsigned char buf[64];
	const char *p = tpath("bad-idx-ubyte");
	size_t k = make_idx(buf, 0x08, 2, (uint32_t[]){3, 3});
	write_bytes(p, buf, k + 5);
	expect_error(p, "truncated IDX data: 5 of 9 bytes");
	write_bytes(p, buf, k + 12);
	expect_error(p, "after the data");
	k = make_idx(buf, 0x0A, 1, (uint32_t[]){1});
	write_bytes(p, buf, k + 1);
	expect_error(p, "element type 0x0a");
	k = make_idx(buf, 0x08, 9, (uint32_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1});
	write_bytes(p, buf, k + 1);
	expect_error(p, "9 dimensions");
	k = make_idx(buf, 0x08, 3, (uint32_t[]){0xffffffff, 0xffffffff, 0xffffffff});
	write_bytes(p, buf, k);
	expect_error(p, "too large");
	k = make_idx(buf, 0x08, 3, (uint32_t[]){2, 2, 2});
	write_bytes(p, buf, 9);
	expect_error(p, "truncated IDX header");
}
END_TEST

START_TEST(test_data_read_rejects_unknown_format)
{
	const char *p = tpath("notes.txt");
	write_bytes(p, "hello world", 11);
	expect_error(p, "unknown tensor file format");
}
END_TEST

START_TEST(test_data_read_sniffs_npy_without_extension)
{
	uint16_t x[2] = {1, 65535};
	const char *p = tpath("x.bin");
	write_npy(p, 1, "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }", x, 4);
	Arena *a = arena_new();
	Tensor t;
	Diag d = diag_capture();
	ck_assert_int_eq(data_read(p, a, &t, &d), 0);
	ck_assert_int_eq(t.dtype, DT_U16);
	ck_assert_int_eq(((uint16_t *)t.init)[1], 65535);
	arena_free(a);
}
END_TEST

START_TEST(test_data_error_names_file_once)
{
	const char *p = tpath("gone.npy");
	Arena *a = arena_new();
	Tensor t;
	Diag d = diag_make(p);
	d.capture = 1;
	ck_assert_int_eq(data_read(p, a, &t, &d), -1);
	const char *first = strstr(d.last, p);
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_null(strstr(first + 1, p));   /* d.path is the file: no repeat */
	Diag m = diag_capture();                     /* d.path is a model: file named */
	ck_assert_int_eq(data_read(p, a, &t, &m), -1);
	ck_assert_ptr_nonnull(strstr(m.last, "test.onnx: "));
	ck_assert_ptr_nonnull(strstr(m.last, p));
	arena_free(a);
}
END_TEST

START_TEST(test_data_read_dispatches_pb)
{
	Onnx__TensorProto tp;
	onnx__tensor_proto__init(&tp);
	int64_t dims[2] = {2, 2};
	int32_t v[4] = {1, -2, 3, 40000};
	tp.name = "xin";
	tp.n_dims = 2;
	tp.dims = dims;
	tp.has_data_type = 1;
	tp.data_type = DT_I32;
	tp.has_raw_data = 1;
	tp.raw_data.len = sizeof v;
	tp.raw_data.data = (uint8_t *)v;
	uint8_t buf[256];
	size_t len = onnx__tensor_proto__pack(&tp, buf);
	const char *p = tpath("input_0.pb");
	write_bytes(p, buf, len);
	Arena *a = arena_new();
	Tensor t;
	Diag d = diag_capture();
	ck_assert_int_eq(data_read(p, a, &t, &d), 0);
	ck_assert_str_eq(t.name, "xin");
	ck_assert_int_eq(t.dtype, DT_I32);
	ck_assert(t.rank == 2 && t.dim[0] == 2 && t.dim[1] == 2);
	ck_assert_int_eq(((int32_t *)t.init)[3], 40000);
	arena_free(a);
}
END_TEST

START_TEST(test_data_nbytes_overflow_safe)
{
	int64_t big[2] = {INT64_MAX / 2, 3};
	ck_assert_int_eq(data_nbytes(big, 2, 1, INT64_MAX), -1);
	int64_t zero[3] = {INT64_MAX, 0, INT64_MAX};
	ck_assert_int_eq(data_nbytes(zero, 3, 4, 100), -1);   /* overflows before the 0 */
	int64_t ok[2] = {3, 5};
	ck_assert_int_eq(data_nbytes(ok, 2, 8, 1000), 120);
	ck_assert_int_eq(data_nbytes(ok, 2, 8, 119), -1);
	int64_t neg[1] = {-1};
	ck_assert_int_eq(data_nbytes(neg, 1, 1, 100), -1);
	int64_t z[2] = {0, 7};
	ck_assert_int_eq(data_nbytes(z, 2, 4, 100), 0);
}
END_TEST

static Suite *
data_suite(void)
{
	Suite *s = suite_create("data");
	TCase *c = tcase_create("npy");
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_add_loop_test(c, test_npy_roundtrip_every_dtype, 0, 12);
	tcase_add_test(c, test_npy_write_matches_numpy_layout);
	tcase_add_test(c, test_npy_reads_scalar_and_vector_shapes);
	tcase_add_test(c, test_npy_reads_v2_and_v3_headers);
	tcase_add_test(c, test_npy_bool_is_normalized);
	suite_add_tcase(s, c);
	c = tcase_create("errors");
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_add_loop_test(c, test_npy_rejects_malformed_header, 0,
		(int)(sizeof bad_headers / sizeof bad_headers[0]));
	tcase_add_test(c, test_npy_rejects_truncated_data);
	tcase_add_test(c, test_npy_rejects_truncated_header);
	tcase_add_test(c, test_npy_missing_file_is_an_error);
	tcase_add_test(c, test_npy_write_rejects_string_tensor);
	tcase_add_test(c, test_idx_rejects_bad_files);
	tcase_add_test(c, test_data_read_rejects_unknown_format);
	tcase_add_test(c, test_data_nbytes_overflow_safe);
	tcase_add_test(c, test_data_error_names_file_once);
	suite_add_tcase(s, c);
	c = tcase_create("idx");
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_add_test(c, test_idx_reads_u8_images);
	tcase_add_test(c, test_idx_swaps_big_endian_types);
	tcase_add_test(c, test_idx_reads_gzip);
	tcase_add_test(c, test_data_read_sniffs_npy_without_extension);
	tcase_add_test(c, test_data_read_dispatches_pb);
	suite_add_tcase(s, c);
	return s;
}

int
main(void)
{
	return tg_main(data_suite());
}
