/* test_verify.c: `axcc verify` (compiler/driver/verify.c, cli_verify.c) and
 * the conformance runner, on small Gemm models built in the test: a pass,
 * each failing stage with its reason, tolerances and NaNs, test data
 * directories, the CLI's exit codes, and the runner's counts, pass list,
 * report and must-pass check over a fake suite tree. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/data.h"
#include "onnxbuild.h"
#include "testutil.h"
#include "verify.h"

static char tmp[64];

static const char *
tpath(const char *name)
{
	static char buf[64][512];   /* a ring: VerifyOpts keep these pointers */
	static int k;
	char *p = buf[k++ & 63];
	snprintf(p, 512, "%s/%s", tmp, name);
	return p;
}

static void
setup(void)
{
	snprintf(tmp, sizeof tmp, "/tmp/axcc_test_verify_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void
teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

/* The model: y[2][4] = x[2][3] . W + C, with W and C constants. An
 * optional second node of unknown op type makes inference fail. */
static const float W[3][4] = {{1, -2, 0.5f, 3}, {0.25f, 4, -1, 2}, {-3, 1, 2, -0.5f}};
static const float C[4] = {0.5f, -1, 2, 0};

static void
write_model(const char *path, const char *badop)
{
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, (int64_t[]){2, 3});
	mb_init_f32(b, "W", 2, (int64_t[]){3, 4, 0}, &W[0][0], -1);
	mb_init_f32(b, "C", 1, (int64_t[]){4, 0}, C, -1);   /* onnxbuild reads rank+1 dims */
	mb_node(b, "Gemm", "gemm", "x,W,C", badop ? "h" : "y");
	if (badop)
		mb_node(b, badop, "bad", "h", "y");
	mb_output(b, "y");
	ck_assert_int_eq(mb_write(b, path), 0);
	mb_free(b);
}

/* The reference, computed here in double. */
static void
gemm_ref(const float *x, float y[2][4])
{
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 4; j++) {
			double s = C[j];
			for (int k = 0; k < 3; k++)
				s += (double)x[i * 3 + k] * W[k][j];
			y[i][j] = (float)s;
		}
}

static void
write_npy(const char *path, DType dt, int rank, const int64_t *dim, const void *data)
{
	Tensor t = {0};
	Diag d = diag_capture();
	tensor_set(&t, dt, rank, dim);
	t.init = (void *)data;
	ck_assert_int_eq(npy_write(path, &t, &d), 0);
}

static const float X[2][3] = {{1, 2, 3}, {-0.5f, 0.25f, 8}};

/* x.npy and y.npy with y = gemm_ref(X) + bump at element at. */
static void
write_case(float bump, int at)
{
	float y[2][4];
	gemm_ref(&X[0][0], y);
	(&y[0][0])[at] += bump;
	write_model(tpath("model.onnx"), NULL);
	write_npy(tpath("x.npy"), DT_F32, 2, (int64_t[]){2, 3}, X);
	write_npy(tpath("y.npy"), DT_F32, 2, (int64_t[]){2, 4}, y);
}

static void
opts_npy(VerifyOpts *o)
{
	verify_defaults(o);
	o->o.model = tpath("model.onnx");
	o->o.quiet = 1;
	o->input[o->ninput++] = tpath("x.npy");
	o->ref[o->nref++] = tpath("y.npy");
}

static int
run(const VerifyOpts *o, VerifyResult *r)
{
	Diag d = diag_make(o->o.model);
	d.capture = 1;
	return verify_case(o, r, &d);
}

START_TEST(test_verify_passes_with_npy_files)
{
	VerifyOpts o;
	VerifyResult r;
	write_case(0, 0);
	opts_npy(&o);
	ck_assert_msg(run(&o, &r) == 0, "%s: %s", verify_stage_name(r.stage), r.reason);
	ck_assert_int_eq(r.stage, VS_PASS);
	ck_assert_int_eq(r.differ, 0);
	ck_assert(r.max_abs < 1e-5);
}
END_TEST

START_TEST(test_verify_reports_mismatch_with_first_element)
{
	VerifyOpts o;
	VerifyResult r;
	write_case(0.5f, 6);
	opts_npy(&o);
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_MISMATCH);
	ck_assert_ptr_nonnull(strstr(r.reason, "output 0 'y'"));
	ck_assert_msg(strstr(r.reason, "1 of 8 elements off, first at 6"), "%s", r.reason);
	ck_assert_float_close(r.max_abs, 0.5, 1e-5);
	ck_assert_int_eq(r.differ, 0);
}
END_TEST

START_TEST(test_verify_applies_rtol_and_atol)
{
	VerifyOpts o;
	VerifyResult r;
	float y[2][4];
	gemm_ref(&X[0][0], y);
	write_case(y[1][1] * 5e-4f, 5);   /* relative error 5e-4 */
	opts_npy(&o);
	ck_assert_int_eq(run(&o, &r), 0);
	ck_assert_float_close(r.max_rel, 5e-4, 1e-5);
	o.rtol = 1e-4;
	o.atol = 0;
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_MISMATCH);
	o.rtol = 0;
	o.atol = fabsf(y[1][1]) * 6e-4;
	ck_assert_int_eq(run(&o, &r), 0);
}
END_TEST

START_TEST(test_verify_nan_matches_only_nan)
{
	VerifyOpts o;
	VerifyResult r;
	float x[2][3], y[2][4];
	memcpy(x, X, sizeof x);
	x[0][1] = NAN;
	gemm_ref(&x[0][0], y);   /* row 0 is NaN */
	write_model(tpath("model.onnx"), NULL);
	write_npy(tpath("x.npy"), DT_F32, 2, (int64_t[]){2, 3}, x);
	write_npy(tpath("y.npy"), DT_F32, 2, (int64_t[]){2, 4}, y);
	opts_npy(&o);
	ck_assert_msg(run(&o, &r) == 0, "%s", r.reason);
	y[0][2] = 1;
	write_npy(tpath("y.npy"), DT_F32, 2, (int64_t[]){2, 4}, y);
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_MISMATCH);
	ck_assert_msg(strstr(r.reason, "first at 2"), "%s", r.reason);
}
END_TEST

START_TEST(test_verify_rejects_input_of_wrong_type)
{
	VerifyOpts o;
	VerifyResult r;
	double xd[6] = {1, 2, 3, 4, 5, 6};
	write_case(0, 0);
	write_npy(tpath("x.npy"), DT_F64, 2, (int64_t[]){2, 3}, xd);
	opts_npy(&o);
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_DATA);
	ck_assert_int_eq(r.skip, 0);
	ck_assert_msg(strstr(r.reason, "input 0 'x' is float 2x3, the data has double 2x3"), "%s", r.reason);
	o.input[o.ninput++] = tpath("y.npy");
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_msg(strstr(r.reason, "the model has 1 inputs, the data 2"), "%s", r.reason);
}
END_TEST

START_TEST(test_verify_rejects_reference_of_wrong_shape)
{
	VerifyOpts o;
	VerifyResult r;
	float y[8] = {0};
	write_case(0, 0);
	write_npy(tpath("y.npy"), DT_F32, 2, (int64_t[]){4, 2}, y);
	opts_npy(&o);
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_MISMATCH);
	ck_assert_msg(strstr(r.reason, "output 0 'y' is float 2x4, the reference float 4x2"), "%s", r.reason);
}
END_TEST

START_TEST(test_verify_names_failing_stage)
{
	VerifyOpts o;
	VerifyResult r;
	write_case(0, 0);
	opts_npy(&o);
	o.o.model = tpath("missing.onnx");
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_IMPORT);
	write_model(tpath("bad.onnx"), "NoSuchOp");
	o.o.model = tpath("bad.onnx");
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_INFER);
	ck_assert_msg(strstr(r.reason, "node 'bad' (NoSuchOp)"), "%s", r.reason);
	ck_assert_ptr_null(strstr(r.reason, "axcc: error"));
	o.o.model = tpath("model.onnx");
	o.input[0] = tpath("nope.npy");
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_DATA);
	ck_assert_int_eq(r.skip, 1);
	ck_assert_msg(strstr(r.reason, "nope.npy: cannot open"), "%s", r.reason);
}
END_TEST

START_TEST(test_verify_reports_c_build_failure)
{
	VerifyOpts o;
	VerifyResult r;
	write_case(0, 0);
	opts_npy(&o);
	o.cc = "false";
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_BUILD);
	ck_assert_msg(strstr(r.reason, "false exit status 1"), "%s", r.reason);
	o.cc = "/nonexistent/cc";
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_BUILD);
	ck_assert_msg(strstr(r.reason, "cannot run /nonexistent/cc"), "%s", r.reason);
}
END_TEST

START_TEST(test_verify_times_out_slow_commands)
{
	VerifyOpts o;
	VerifyResult r;
	write_case(0, 0);
	write_bytes(tpath("slowcc"), "#!/bin/sh\nexec sleep 30\n", 24);
	chmod(tpath("slowcc"), 0755);
	opts_npy(&o);
	o.cc = tpath("slowcc");
	o.timeout = 1;
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_BUILD);
	ck_assert_msg(strstr(r.reason, "timed out after 1 s"), "%s", r.reason);
}
END_TEST

START_TEST(test_verify_keeps_files_when_asked)
{
	VerifyOpts o;
	VerifyResult r;
	write_case(0, 0);
	opts_npy(&o);
	o.keep = tpath("keep");
	ck_assert_int_eq(run(&o, &r), 0);
	ck_assert_int_eq(access(tpath("keep/model.c"), R_OK), 0);
	ck_assert_int_eq(access(tpath("keep/model.h"), R_OK), 0);
	ck_assert_int_eq(access(tpath("keep/axcc_vmain.c"), R_OK), 0);
	ck_assert_int_eq(access(tpath("keep/prog"), X_OK), 0);
}
END_TEST

/* A backend-test data file: a TensorProto with raw data. */
static void
write_pb_raw(const char *path, const char *name, int dt, int rank, const int64_t *dims,
	const void *v, size_t esize)
{
	Onnx__TensorProto t;
	onnx__tensor_proto__init(&t);
	t.name = (char *)name;
	t.n_dims = (size_t)rank;
	t.dims = (int64_t *)dims;
	t.has_data_type = 1;
	t.data_type = dt;
	size_t n = 1;
	for (int i = 0; i < rank; i++)
		n *= (size_t)dims[i];
	t.has_raw_data = 1;
	t.raw_data.len = n * esize;
	t.raw_data.data = (uint8_t *)v;
	uint8_t buf[4096];
	size_t len = onnx__tensor_proto__pack(&t, buf);
	ck_assert_int_eq(write_bytes(path, buf, len), 0);
}

static void
write_pb(const char *path, const char *name, int rank, const int64_t *dims, const float *v)
{
	write_pb_raw(path, name, 1, rank, dims, v, 4);
}

static void
write_pb_i64(const char *path, const char *name, const int64_t v[2])
{
	write_pb_raw(path, name, 7, 1, (int64_t[]){2}, v, 8);
}

static void
write_set(const char *dir, float scale, float bump)
{
	float x[2][3], y[2][4];
	for (int i = 0; i < 6; i++)
		(&x[0][0])[i] = (&X[0][0])[i] * scale;
	gemm_ref(&x[0][0], y);
	y[1][3] += bump;
	mkdir(dir, 0755);
	char p[600];
	snprintf(p, sizeof p, "%s/input_0.pb", dir);
	write_pb(p, "x", 2, (int64_t[]){2, 3}, &x[0][0]);
	snprintf(p, sizeof p, "%s/output_0.pb", dir);
	write_pb(p, "y", 2, (int64_t[]){2, 4}, &y[0][0]);
}

START_TEST(test_verify_runs_every_test_data_set)
{
	VerifyOpts o;
	VerifyResult r;
	write_model(tpath("model.onnx"), NULL);
	write_set(tpath("test_data_set_0"), 1, 0);
	write_set(tpath("test_data_set_1"), -2, 0);
	verify_defaults(&o);
	o.o.model = tpath("model.onnx");
	char *sets[4];
	o.ndata = verify_data_sets(tmp, sets, 4);
	ck_assert_int_eq(o.ndata, 2);
	ck_assert_ptr_nonnull(strstr(sets[1], "test_data_set_1"));
	o.data[0] = sets[0];
	o.data[1] = sets[1];
	ck_assert_msg(run(&o, &r) == 0, "%s", r.reason);
	write_set(tpath("test_data_set_1"), -2, 1);
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_MISMATCH);
	ck_assert_msg(strstr(r.reason, "test_data_set_1: output 0 'y'"), "%s", r.reason);
	free(sets[0]);
	free(sets[1]);
}
END_TEST

/* y = Reshape(x, shape) with shape a graph input: a constant only when frozen. */
START_TEST(test_verify_freezes_inputs_that_must_be_constant)
{
	VerifyOpts o;
	VerifyResult r;
	MB *b = mb_new(13);
	mb_input(b, "x", 1, 2, (int64_t[]){2, 3});
	mb_input(b, "shape", 7, 1, (int64_t[]){2});
	mb_node(b, "Reshape", "reshape", "x,shape", "y");
	mb_output(b, "y");
	ck_assert_int_eq(mb_write(b, tpath("model.onnx")), 0);
	mb_free(b);
	int64_t shape[2] = {3, 2}, other[2] = {1, 6};
	write_npy(tpath("x.npy"), DT_F32, 2, (int64_t[]){2, 3}, X);
	write_npy(tpath("shape.npy"), DT_I64, 1, (int64_t[]){2}, shape);
	write_npy(tpath("y.npy"), DT_F32, 2, (int64_t[]){3, 2}, X);
	opts_npy(&o);
	o.input[o.ninput++] = tpath("shape.npy");
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_INFER);
	ck_assert_msg(strstr(r.reason, "node 'reshape' (Reshape)"), "%s", r.reason);
	o.freeze = 1;
	ck_assert_msg(run(&o, &r) == 0, "%s: %s", verify_stage_name(r.stage), r.reason);
	ck_assert_str_eq(r.frozen, "shape");
	/* two data sets that disagree on the frozen value */
	write_npy(tpath("shape1.npy"), DT_I64, 1, (int64_t[]){2}, other);
	char d0[512], d1[512];
	snprintf(d0, sizeof d0, "%s", tpath("test_data_set_0"));
	snprintf(d1, sizeof d1, "%s", tpath("test_data_set_1"));
	float y[6];
	memcpy(y, X, sizeof y);
	mkdir(d0, 0755);
	mkdir(d1, 0755);
	write_pb(tpath("test_data_set_0/input_0.pb"), "x", 2, (int64_t[]){2, 3}, y);
	write_pb(tpath("test_data_set_1/input_0.pb"), "x", 2, (int64_t[]){2, 3}, y);
	write_pb_i64(tpath("test_data_set_0/input_1.pb"), "shape", shape);
	write_pb_i64(tpath("test_data_set_1/input_1.pb"), "shape", other);
	verify_defaults(&o);
	o.o.model = tpath("model.onnx");
	o.freeze = 1;
	o.data[o.ndata++] = d0;
	o.data[o.ndata++] = d1;
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_DATA);
	ck_assert_msg(strstr(r.reason, "input 'shape' must be constant for axcc, but its data "
		"differs between data sets"), "%s", r.reason);
	/* --freeze shape=FILE: the sets' shape files drop out */
	o.o.freeze[0].name = "shape";
	o.o.freeze[0].path = tpath("shape.npy");
	o.o.nfreeze = 1;
	write_pb(tpath("test_data_set_1/output_0.pb"), "y", 2, (int64_t[]){3, 2}, y);
	write_pb(tpath("test_data_set_0/output_0.pb"), "y", 2, (int64_t[]){3, 2}, y);
	ck_assert_msg(run(&o, &r) == 0, "%s: %s", verify_stage_name(r.stage), r.reason);
	ck_assert_str_eq(r.frozen, "");
	verify_defaults(&o);
	o.o.model = tpath("model.onnx");
	o.o.freeze[0].name = "shape";
	o.o.freeze[0].path = tpath("shape1.npy");
	o.o.nfreeze = 1;
	o.input[o.ninput++] = tpath("x.npy");
	o.ref[o.nref++] = tpath("y.npy");
	ck_assert_int_eq(run(&o, &r), -1);   /* y.npy is 3x2, the model now makes 1x6 */
	ck_assert_int_eq(r.stage, VS_MISMATCH);
	o.o.freeze[0].name = "nosuch";
	ck_assert_int_eq(run(&o, &r), -1);
	ck_assert_int_eq(r.stage, VS_DATA);
	ck_assert_msg(strstr(r.reason, "--freeze nosuch: the model has no input of that name"), "%s", r.reason);
}
END_TEST

static int
cli(int argc, const char **argv)
{
	fflush(stdout);
	return cli_verify(argc, (char **)argv);
}

START_TEST(test_verify_cli_exit_codes)
{
	write_case(0, 0);
	const char *m = tpath("model.onnx"), *x = tpath("x.npy"), *y = tpath("y.npy");
	ck_assert_int_eq(cli(2, (const char *[]){"verify", "--help", NULL}), 0);
	ck_assert_int_eq(cli(1, (const char *[]){"verify", NULL}), 2);
	ck_assert_int_eq(cli(2, (const char *[]){"verify", m, NULL}), 2);
	ck_assert_int_eq(cli(6, (const char *[]){"verify", m, "--test-data", tmp, "--input", x, NULL}), 2);
	ck_assert_int_eq(cli(6, (const char *[]){"verify", m, "--input", x, "--rtol", "abc", NULL}), 2);
	ck_assert_int_eq(cli(4, (const char *[]){"verify", m, "--bogus", x, NULL}), 2);
	ck_assert_int_eq(cli(6, (const char *[]){"verify", m, "--input", x, "--reference", y, NULL}), 0);
	write_case(1, 0);
	ck_assert_int_eq(cli(6, (const char *[]){"verify", m, "--input", x, "--reference", y, NULL}), 1);
	ck_assert_int_eq(cli(8, (const char *[]){"verify", m, "--input", x, "--reference", y,
		"--atol", "2", NULL}), 0);
}
END_TEST

/* ---- the runner ---- */

static int
runner(const char *args, char *out, size_t n)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "'%s' --root '%s/root' --mem-limit 0 %s > '%s/out.txt' 2>&1",
		AXCC_CONFORMANCE_BIN, tmp, args, tmp);
	int st = system(cmd);
	FILE *f = fopen(tpath("out.txt"), "r");
	size_t k = f ? fread(out, 1, n - 1, f) : 0;
	out[k] = 0;
	if (f)
		fclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
fake_case(const char *suite, const char *name, float bump, int nodata)
{
	char p[600];
	snprintf(p, sizeof p, "%s/root/%s/%s", tmp, suite, name);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", p);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "%s/model.onnx", p);
	write_model(cmd, NULL);
	if (!nodata) {
		snprintf(cmd, sizeof cmd, "%s/test_data_set_0", p);
		write_set(cmd, 1, bump);
	}
}

static void
write_text(const char *path, const char *s)
{
	ck_assert_int_eq(write_bytes(path, s, strlen(s)), 0);
}

START_TEST(test_runner_counts_lists_and_reports)
{
	char out[8192], *s;
	fake_case("node", "test_good", 0, 0);
	fake_case("node", "test_bad", 1, 0);
	fake_case("simple", "test_nodata", 0, 1);
	fake_case("pytorch-converted", "test_good2", 0, 0);
	fake_case("pytorch-operator", "test_x", 0, 0);
	char args[600];
	snprintf(args, sizeof args, "--write-pass-list '%s' --report '%s'", tpath("pass.txt"),
		tpath("report.md"));
	ck_assert_int_eq(runner(args, out, sizeof out), 0);
	ck_assert_msg(strstr(out, "FAIL node/test_bad [mismatch] test_data_set_0: output 0 'y'"), "%s", out);
	ck_assert_msg(strstr(out, "\n3 passed, 1 failed, 1 skipped (60.0% of 5 pass)\n"), "%s", out);
	ck_assert_msg(strstr(out, "node                  1 passed,    1 failed,    0 skipped"), "%s", out);
	FILE *f = fopen(tpath("pass.txt"), "r");
	ck_assert_ptr_nonnull(f);
	size_t k = fread(out, 1, sizeof out - 1, f);
	out[k] = 0;
	fclose(f);
	ck_assert_msg(strstr(out, "\nnode/test_good\npytorch-converted/test_good2\npytorch-operator/test_x\n"), "%s", out);
	ck_assert_ptr_null(strstr(out, "test_bad"));
	f = fopen(tpath("report.md"), "r");
	ck_assert_ptr_nonnull(f);
	k = fread(out, 1, sizeof out - 1, f);
	out[k] = 0;
	fclose(f);
	ck_assert_msg(strstr(out, "| node | 1 | 1 | 0 | 2 |"), "%s", out);
	ck_assert_msg((s = strstr(out, "| test_bad | fail mismatch: test_data_set_0: output 0 'y'")), "%s", out);
	ck_assert_msg(strstr(out, "| test_nodata | skip data: no model.onnx or no test_data_set_*"), "%s", out);
	ck_assert_msg(strstr(out, "| test_good | pass |"), "%s", out);
	/* OPERATORS.md beside it: the Gemm of every case with data, 3 of 4 passing */
	f = fopen(tpath("OPERATORS.md"), "r");
	ck_assert_ptr_nonnull(f);
	k = fread(out, 1, sizeof out - 1, f);
	out[k] = 0;
	fclose(f);
	ck_assert_msg(strstr(out, "| Gemm | 13 | 13 | float | float | 3 / 4 |"), "%s", out);
}
END_TEST

START_TEST(test_runner_must_pass_suite_and_filter)
{
	char out[8192];
	fake_case("node", "test_good", 0, 0);
	fake_case("node", "test_bad", 1, 0);
	fake_case("simple", "test_s", 0, 0);
	write_text(tpath("must1.txt"), "# comment\nnode/test_good\n\nsimple/test_s  # ok\n");
	write_text(tpath("must2.txt"), "node/test_good\nnode/test_bad\n");
	write_text(tpath("must3.txt"), "node/test_gone\n");
	char args[600];
	snprintf(args, sizeof args, "--must-pass '%s'", tpath("must1.txt"));
	ck_assert_int_eq(runner(args, out, sizeof out), 0);
	snprintf(args, sizeof args, "--must-pass '%s'", tpath("must2.txt"));
	ck_assert_int_eq(runner(args, out, sizeof out), 1);
	ck_assert_msg(strstr(out, "must-pass: node/test_bad failed [mismatch]"), "%s", out);
	snprintf(args, sizeof args, "--must-pass '%s' --filter good", tpath("must2.txt"));
	ck_assert_int_eq(runner(args, out, sizeof out), 0);
	ck_assert_msg(strstr(out, "\n1 passed, 0 failed, 0 skipped (100.0% of 1 pass)\n"), "%s", out);
	snprintf(args, sizeof args, "--must-pass '%s'", tpath("must3.txt"));
	ck_assert_int_eq(runner(args, out, sizeof out), 1);
	ck_assert_msg(strstr(out, "node/test_gone: no such case"), "%s", out);
	ck_assert_int_eq(runner("--suite simple --jobs 1", out, sizeof out), 0);
	ck_assert_msg(strstr(out, "\n1 passed, 0 failed, 0 skipped (100.0% of 1 pass)\n"), "%s", out);
	ck_assert_int_eq(runner("--suite nosuch", out, sizeof out), 2);
}
END_TEST

static Suite *
verify_suite(void)
{
	Suite *s = suite_create("verify");
	TCase *c = tcase_create("verify");
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_set_timeout(c, 300);
	tcase_add_test(c, test_verify_passes_with_npy_files);
	tcase_add_test(c, test_verify_reports_mismatch_with_first_element);
	tcase_add_test(c, test_verify_applies_rtol_and_atol);
	tcase_add_test(c, test_verify_nan_matches_only_nan);
	tcase_add_test(c, test_verify_runs_every_test_data_set);
	tcase_add_test(c, test_verify_keeps_files_when_asked);
	tcase_add_test(c, test_verify_freezes_inputs_that_must_be_constant);
	suite_add_tcase(s, c);
	c = tcase_create("errors");
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_set_timeout(c, 300);
	tcase_add_test(c, test_verify_rejects_input_of_wrong_type);
	tcase_add_test(c, test_verify_rejects_reference_of_wrong_shape);
	tcase_add_test(c, test_verify_names_failing_stage);
	tcase_add_test(c, test_verify_reports_c_build_failure);
	tcase_add_test(c, test_verify_times_out_slow_commands);
	tcase_add_test(c, test_verify_cli_exit_codes);
	suite_add_tcase(s, c);
	c = tcase_create("runner");
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_set_timeout(c, 600);
	tcase_add_test(c, test_runner_counts_lists_and_reports);
	tcase_add_test(c, test_runner_must_pass_suite_and_filter);
	suite_add_tcase(s, c);
	return s;
}

int
main(void)
{
	return tg_main(verify_suite());
}
