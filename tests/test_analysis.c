/* test_analysis.c: sensitivity analysis (passes/analysis/, axcc analyze) --
 * the §3 quantizer against hand-computed codes, the PRNG and the split,
 * data errors, snapshots that reproduce the exact run from every step,
 * zero error = baseline = the generated C, the weight-quantization sweep
 * against PyTorch (tests/analysis/make_ref.py), a planted all-zero filter,
 * thread-count independence, the SENS.json schema and well-formed SVGs. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis.h"
#include "axrt_fixed.h"
#include "data.h"
#include "driver.h"
#include "testutil.h"

#define FMNIST AXCC_SOURCE_DIR "/examples/fmnist/fmnist_cnn.onnx"
#define LENET AXCC_SOURCE_DIR "/tests/models/lenet5/model.onnx"
#define IMAGES AXCC_SOURCE_DIR "/examples/fmnist/data/images.npy"
#define LABELS AXCC_SOURCE_DIR "/examples/fmnist/data/labels.npy"
#define REF AXCC_SOURCE_DIR "/tests/analysis/wquant_ref.json"
#define AXCC AXCC_BINARY_DIR "/axcc"

static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	p[fread(p, 1, (size_t)n, f)] = 0;
	fclose(f);
	return p;
}

static char *
tmpdir(void)
{
	char *d = strdup("/tmp/axcc_anXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static Program *
load(const char *model, Graph **g)
{
	Options o = {0};
	o.model = model;
	o.quiet = 1;
	Diag d = diag_capture();
	Program *p = build_program(&o, &d, g);
	ck_assert_msg(p != NULL, "%s", d.all);
	return p;
}

/* The first n Fashion-MNIST example images and labels. */
typedef struct Set { float *x; int32_t *y; int n; } Set;

static Set
images(int n)
{
	Set s = {0};
	Arena *a = arena_new();
	Tensor tx, ty;
	Diag d = diag_capture();
	ck_assert_int_eq(data_read(IMAGES, a, &tx, &d), 0);
	ck_assert_int_eq(data_read(LABELS, a, &ty, &d), 0);
	ck_assert_int_ge(tx.dim[0], n);
	s.n = n;
	s.x = malloc((size_t)n * 784 * sizeof *s.x);
	s.y = malloc((size_t)n * sizeof *s.y);
	memcpy(s.x, tx.init, (size_t)n * 784 * sizeof *s.x);
	for (int i = 0; i < n; i++)
		s.y[i] = (int32_t)((const int64_t *)ty.init)[i];
	arena_free(a);
	return s;
}

static void
set_free(Set *s)
{
	free(s->x);
	free(s->y);
}

static void
run_sens(Sens *s, const Program *p, const Set *d, unsigned kinds, int filters, int threads)
{
	Diag dg = diag_capture();
	s->o.kinds = kinds;
	s->o.filters = filters;
	s->o.nthreads = threads;
	s->o.eps = 0.005;
	ck_assert_int_eq(sens_run(s, p, d->x, 784, d->n, d->y, &dg), 0);
}

static SensLayer *
layer_named(Sens *s, const char *name)
{
	for (int i = 0; i < s->nlayer; i++)
		if (!strcmp(s->layer[i].node->name, name))
			return &s->layer[i];
	return NULL;
}

/* ---- the fixed-point quantizer (APPROX.md §3), values worked by hand ---- */

START_TEST(test_fixed_exponent_from_frexp)
{
	ck_assert_int_eq(axrt_fixed_exp(1.0f), 0);        /* 2^0 >= 1 */
	ck_assert_int_eq(axrt_fixed_exp(0.75f), 0);
	ck_assert_int_eq(axrt_fixed_exp(1.5f), 1);
	ck_assert_int_eq(axrt_fixed_exp(0.5f), -1);       /* a power of two: exact */
	ck_assert_int_eq(axrt_fixed_exp(0.5000001f), 0);
	ck_assert_int_eq(axrt_fixed_exp(100.0f), 7);
	ck_assert_int_eq(axrt_fixed_fracbits(1.0f, 8), 7);
	ck_assert_int_eq(axrt_fixed_fracbits(100.0f, 4), -4); /* negative f */
	ck_assert_int_eq(axrt_fixed_fracbits(0.001f, 4), 12); /* f > k */
	ck_assert_int_eq(axrt_fixed_fracbits(0.0f, 8), 7);
}
END_TEST

START_TEST(test_fixed_round_half_even_and_saturate)
{
	/* k = 4, f = 3: steps of 1/8, codes -8..7 */
	ck_assert_int_eq(axrt_fixed_quant(0.0625f, 4, 3, AXRT_FIXED_NEAREST), 0);   /* 0.5 -> 0 */
	ck_assert_int_eq(axrt_fixed_quant(0.1875f, 4, 3, AXRT_FIXED_NEAREST), 2);   /* 1.5 -> 2 */
	ck_assert_int_eq(axrt_fixed_quant(0.3125f, 4, 3, AXRT_FIXED_NEAREST), 2);   /* 2.5 -> 2 */
	ck_assert_int_eq(axrt_fixed_quant(-0.1875f, 4, 3, AXRT_FIXED_NEAREST), -2);
	ck_assert_int_eq(axrt_fixed_quant(-0.3125f, 4, 3, AXRT_FIXED_NEAREST), -2);
	ck_assert_int_eq(axrt_fixed_quant(0.2f, 4, 3, AXRT_FIXED_NEAREST), 2);      /* 1.6 */
	ck_assert_int_eq(axrt_fixed_quant(1.0f, 4, 3, AXRT_FIXED_NEAREST), 7);      /* 8 saturates */
	ck_assert_int_eq(axrt_fixed_quant(-1.0f, 4, 3, AXRT_FIXED_NEAREST), -8);
	ck_assert_int_eq(axrt_fixed_quant(-5.0f, 4, 3, AXRT_FIXED_NEAREST), -8);
	/* truncation drops the fraction of the two's complement value: floor */
	ck_assert_int_eq(axrt_fixed_quant(0.1875f, 4, 3, AXRT_FIXED_TRUNC), 1);
	ck_assert_int_eq(axrt_fixed_quant(-0.0625f, 4, 3, AXRT_FIXED_TRUNC), -1);
	/* f = -4: steps of 16 */
	ck_assert_int_eq(axrt_fixed_quant(100.0f, 4, -4, AXRT_FIXED_NEAREST), 6);   /* 6.25 */
	ck_assert_float_close(axrt_fixed_dequant(6, -4), 96.0, 0);
	ck_assert_float_close(axrt_fixed_dequant(-3, 3), -0.375, 0);
	/* k = 32 keeps a float's 24 bits when amax is near the value */
	float w = 0.7f;
	int f = axrt_fixed_fracbits(w, 32);
	ck_assert_float_close(axrt_fixed_dequant(axrt_fixed_quant(w, 32, f, 0), f), w, 0);
	/* tensor form: amax 1 with k = 8 saturates 1.0 to 127/128 */
	float x[3] = {1.0f, -1.0f, 0.25f}, q[3];
	sens_quant_weights(x, q, 3, 8);
	ck_assert_float_close(q[0], 127.0 / 128, 0);
	ck_assert_float_close(q[1], -1.0, 0);
	ck_assert_float_close(q[2], 0.25, 0);
}
END_TEST

START_TEST(test_fixed_bit_flip)
{
	ck_assert_int_eq(axrt_fixed_flip(127, 8, 7), -1);     /* 0x7f -> 0xff */
	ck_assert_int_eq(axrt_fixed_flip(-128, 8, 7), 0);
	ck_assert_int_eq(axrt_fixed_flip(0, 8, 0), 1);
	ck_assert_int_eq(axrt_fixed_flip(5, 8, 2), 1);
	ck_assert_int_eq(axrt_fixed_flip(0, 16, 15), -32768);
	ck_assert_int_eq(axrt_fixed_flip(-1, 16, 14), -16385);
	ck_assert_int_eq(axrt_fixed_flip(0, 32, 31), INT32_MIN);
}
END_TEST

/* The vectorizable fake quantizer equals the code route (quantize to an
 * int32 code, dequantize) bit for bit: every k, f from -130 to 140 (both
 * sides of its fast range), ties, saturation, signed zeros, any float. */
START_TEST(test_fixed_fake_equals_codes)
{
	enum { N = 2048 };
	static float x[N], y[N];
	Rng r;
	rng_seed(&r, 5);
	for (int k = 2; k <= 32; k++)
		for (int f = -130; f <= 140; f++) {
			for (int i = 0; i < N; i++) {
				uint64_t u = rng_next(&r);
				uint32_t b = (uint32_t)u;
				float v;
				switch (i % 5) {
				case 0: memcpy(&v, &b, sizeof v); v = isfinite(v) ? v : 0.0f; break;
				case 1: v = ldexpf((float)(int32_t)(b >> 8) * 0.5f, -f); break;  /* ties */
				case 2: v = ldexpf((float)(int32_t)b * 0x1p-16f, -f); break;
				case 3: v = ldexpf((float)((int32_t)(b % 4001) - 2000) * 0.25f,
					-f - (int)(u >> 60)); break;
				default: v = i % 2 ? -0.0f : ldexpf(1.0f, k - 1 - f) * (i % 3 ? 1 : -1); break;
				}
				x[i] = v;
			}
			axrt_fixed_fake_f32(x, y, N, k, f, AXRT_FIXED_NEAREST);
			for (int i = 0; i < N; i++) {
				float want = axrt_fixed_dequant(axrt_fixed_quant(x[i], k, f,
					AXRT_FIXED_NEAREST), f);
				if (memcmp(&want, &y[i], sizeof want))
					ck_abort_msg("k %d f %d x %a: %a, want %a", k, f, (double)x[i],
						(double)y[i], (double)want);
			}
		}
}
END_TEST

/* ---- PRNG, split, options ---- */

START_TEST(test_rng_xoshiro_reference_and_gauss)
{
	Rng r = {{1, 2, 3, 4}};
	/* xoshiro256**: rotl(s1 * 5, 7) * 9 = rotl(10, 7) * 9 = 1280 * 9 */
	ck_assert_uint_eq(rng_next(&r), 11520u);
	Rng a, b;
	rng_seed(&a, rng_key(1, 2, 3, 4, 5, 6));
	rng_seed(&b, rng_key(1, 2, 3, 4, 5, 6));
	ck_assert_uint_eq(rng_next(&a), rng_next(&b));
	rng_seed(&b, rng_key(1, 2, 3, 4, 5, 7));
	ck_assert_uint_ne(rng_next(&a), rng_next(&b));
	/* the ziggurat against the normal law: moments, the CDF at 13 points
	 * (erf), the far tail drawn by the base layer (beyond R = 3.654) */
	enum { N = 2000000 };
	static const double at[] = {-3.9, -3, -2, -1.5, -1, -0.5, 0, 0.3, 1, 1.7, 2.5, 3, 3.9};
	enum { NA = sizeof at / sizeof at[0] };
	double m = 0, v = 0, k4 = 0, below[NA] = {0};
	for (int i = 0; i < N; i++) {
		double z = rng_gauss(&a);
		m += z;
		v += z * z;
		k4 += z * z * z * z;
		for (int j = 0; j < NA; j++)
			below[j] += z < at[j];
	}
	m /= N;
	v = v / N - m * m;
	ck_assert_float_close(m, 0.0, 0.003);
	ck_assert_float_close(v, 1.0, 0.005);
	ck_assert_float_close(k4 / N, 3.0, 0.03);
	for (int j = 0; j < NA; j++) {
		double p = 0.5 * erfc(-at[j] / sqrt(2.0)), sd = sqrt(p * (1 - p) / N);
		ck_assert_msg(fabs(below[j] / N - p) < 5 * sd + 1e-7, "P(z < %g) = %g, want %g",
			at[j], below[j] / N, p);
	}
	/* a fixed seed gives a fixed sequence */
	rng_seed(&a, 42);
	rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		ck_assert(rng_gauss(&a) == rng_gauss(&b));
}
END_TEST

START_TEST(test_split_partition_deterministic)
{
	enum { N = 1000 };
	int a[N], b[N], seen[N] = {0};
	int na = sens_split(N, 0.3, 7, a);
	ck_assert_int_eq(na, 300);
	ck_assert_int_eq(sens_split(N, 0.3, 7, b), 300);
	ck_assert_mem_eq(a, b, sizeof a);
	for (int i = 0; i < N; i++)
		seen[a[i]]++;
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(seen[i], 1);
	for (int i = 1; i < na; i++)
		ck_assert_int_lt(a[i - 1], a[i]);
	for (int i = na + 1; i < N; i++)
		ck_assert_int_lt(a[i - 1], a[i]);
	sens_split(N, 0.3, 8, b);
	ck_assert_int_ne(memcmp(a, b, 300 * sizeof *a), 0);   /* another seed, another subset */
	ck_assert_int_eq(sens_split(N, 1, 7, a), N);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(a[i], i);
	ck_assert_int_eq(sens_split(10, 0.01, 0, a), 1);      /* at least one sample */
}
END_TEST

START_TEST(test_parse_numbers_and_kinds)
{
	double v, l[4];
	unsigned m;
	ck_assert_int_eq(sens_parse_num("1/255", &v), 0);
	ck_assert_float_close(v, 1.0 / 255, 1e-15);
	ck_assert_int_eq(sens_parse_num("0.5", &v), 0);
	ck_assert_int_eq(sens_parse_num("1/0", &v), -1);
	ck_assert_int_eq(sens_parse_num("abc", &v), -1);
	ck_assert_int_eq(sens_parse_list("0.485,0.456,0.406", l, 4), 3);
	ck_assert_float_close(l[2], 0.406, 1e-15);
	ck_assert_int_eq(sens_parse_list("1,,2", l, 4), -1);
	ck_assert_int_eq(sens_parse_kinds("output_noise,weight_quant", &m), 0);
	ck_assert_uint_eq(m, (1u << SK_NOISE) | (1u << SK_WQUANT));
	ck_assert_int_eq(sens_parse_kinds("weight_noise", &m), -1);
}
END_TEST

/* ---- data errors name the file ---- */

static char *
write_npy(const char *dir, const char *name, DType dt, int rank, const int64_t *dim, const void *data)
{
	char *path = malloc(512);
	snprintf(path, 512, "%s/%s", dir, name);
	Tensor t = {0};
	t.name = path;
	tensor_set(&t, dt, rank, dim);
	t.init = (void *)data;
	Diag d = diag_capture();
	ck_assert_int_eq(npy_write(path, &t, &d), 0);
	return path;
}

static const char *
load_error(Graph *g, const char *x, const char *y, const SensPrep *pp)
{
	static Diag d;
	SensData sd;
	SensPrep def = {.scale = 1};
	d = diag_capture();
	ck_assert_int_eq(sens_data_load(&sd, g, x, y, pp ? pp : &def, &d), -1);
	return d.last;
}

START_TEST(test_data_errors_name_the_file)
{
	Graph *g;
	Program *p = load(FMNIST, &g);
	char *dir = tmpdir();
	static float img[4 * 784];
	img[5] = 3;
	int64_t lab[4] = {1, 2, 3, 10}, lab3[3] = {0, 1, 2};
	char *bad_shape = write_npy(dir, "shape.npy", DT_F32, 3, (int64_t[]){4, 28, 27}, img);
	char *good = write_npy(dir, "x.npy", DT_F32, 3, (int64_t[]){4, 28, 28}, img);
	char *range = write_npy(dir, "range.npy", DT_I64, 1, (int64_t[]){4}, lab);
	char *count = write_npy(dir, "count.npy", DT_I64, 1, (int64_t[]){3}, lab3);
	char *ftype = write_npy(dir, "ftype.npy", DT_F32, 1, (int64_t[]){4}, img);
	ck_assert_ptr_nonnull(strstr(load_error(g, bad_shape, NULL, NULL), "shape.npy: has shape 4x28x27"));
	ck_assert_ptr_nonnull(strstr(load_error(g, good, range, NULL), "range.npy: label 10 of sample 3"));
	ck_assert_ptr_nonnull(strstr(load_error(g, good, count, NULL), "count.npy: labels have shape 3"));
	ck_assert_ptr_nonnull(strstr(load_error(g, good, ftype, NULL), "ftype.npy: labels have type float"));
	SensPrep pp = {.scale = 1, .nmean = 3, .mean = {1, 2, 3}};
	ck_assert_ptr_nonnull(strstr(load_error(g, good, NULL, &pp), "x.npy: --mean/--std give 3/0"));
	ck_assert_ptr_nonnull(strstr(load_error(g, "/nonexistent.npy", NULL, NULL), "/nonexistent.npy"));
	/* the IDX shape [N,28,28] feeds [1,1,28,28]; scale applies */
	SensData sd;
	Diag d = diag_capture();
	SensPrep sc = {.scale = 0.5, .nmean = 1, .mean = {1}, .nstd = 1, .std = {2}};
	ck_assert_int_eq(sens_data_load(&sd, g, good, NULL, &sc, &d), 0);
	ck_assert_int_eq(sd.n, 4);
	ck_assert_float_close(sd.x[5], (3 * 0.5 - 1) / 2, 0);
	ck_assert_float_close(sd.x[6], (0 * 0.5 - 1) / 2, 0);
	sens_data_free(&sd);
	sh("rm -rf %s", dir);
	free(dir);
	free(bad_shape);
	free(good);
	free(range);
	free(count);
	free(ftype);
	prog_free(p);
	graph_free(g);
}
END_TEST

/* ---- the engine: snapshots reproduce the exact run ---- */

/* no perturbation, restarting from every captured boundary: bit-identical
 * outputs (err2 = 0) on a model analysed node by node */
START_TEST(test_snapshots_reproduce_every_step)
{
	Graph *g;
	Program *p = load(LENET, &g);
	Set d = images(40);
	Sens s = {0};
	s.o.all_layers = 1;
	run_sens(&s, p, &d, SENS_KINDS_NONE, 0, 2);
	ck_assert_int_ge(s.nlayer, 7);             /* 2 convs, 2 pools, 3 gemms */
	ck_assert_int_ge(s.set.nbound, 7);
	for (int b = 0; b <= p->nstep; b++) {
		Trial t = {b, NULL, {-1, -1, NULL, NULL}, 0};
		Score sc;
		ck_assert_int_eq(sens_trial(&s.set, &t, &sc), 0);
		ck_assert_msg(sc.err2 == 0 && sc.metric == s.set.base.metric, "from step %d", b);
	}
	sens_free(&s);
	set_free(&d);
	prog_free(p);
	graph_free(g);
}
END_TEST

/* sigma 0, BER 0 and k = 32 reproduce the baseline metric exactly; the
 * first two are bit-exact (no output error at all) */
START_TEST(test_zero_error_is_baseline)
{
	Graph *g;
	Program *p = load(FMNIST, &g);
	Set d = images(100);
	Sens s = {0};
	s.o.repeats = 1;
	run_sens(&s, p, &d, (1u << SK_NOISE) | (1u << SK_FLIP8) | (1u << SK_WQUANT) | (1u << SK_OQUANT),
		0, 2);
	ck_assert_int_eq(s.nlayer, 3);
	for (int i = 0; i < s.nlayer; i++) {
		SensLayer *L = &s.layer[i];
		ck_assert_int_ge(L->wbuf, 0);
		int ks[] = {SK_NOISE, SK_FLIP8, SK_WQUANT, SK_OQUANT};
		for (int k = 0; k < 4; k++) {
			ck_assert_msg(L->has_zero[ks[k]], "%s %s", L->node->name, sens_kinds[ks[k]].name);
			ck_assert_msg(L->zero[ks[k]].metric == s.set.base.metric, "%s %s: %g vs %g",
				L->node->name, sens_kinds[ks[k]].name, L->zero[ks[k]].metric, s.set.base.metric);
		}
		ck_assert(L->zero[SK_NOISE].err2 == 0);
		ck_assert(L->zero[SK_FLIP8].err2 == 0);
		/* and the errors do hurt at the far end */
		ck_assert(L->pt[SK_NOISE][L->npt[SK_NOISE] - 1].s.err2 > 0);
		ck_assert(L->pt[SK_WQUANT][L->npt[SK_WQUANT] - 1].s.metric < s.set.base.metric);
	}
	sens_free(&s);
	set_free(&d);
	prog_free(p);
	graph_free(g);
}
END_TEST

/* The interpreter's exact run (the analysis baseline) equals the generated
 * C bit for bit on the same images. */
START_TEST(test_baseline_equals_generated_c)
{
	enum { N = 100 };
	Graph *g;
	Program *p = load(FMNIST, &g);
	Set d = images(N);
	Sens s = {0};
	run_sens(&s, p, &d, SENS_KINDS_NONE, 0, 2);
	char *dir = tmpdir();
	ck_assert_int_eq(sh("'%s' compile '%s' -o %s --name m -q", AXCC, FMNIST, dir), 0);
	char path[600];
	snprintf(path, sizeof path, "%s/x.bin", dir);
	FILE *f = fopen(path, "wb");
	ck_assert_uint_eq(fwrite(d.x, sizeof(float), (size_t)N * 784, f), (size_t)N * 784);
	fclose(f);
	snprintf(path, sizeof path, "%s/main.c", dir);
	f = fopen(path, "w");
	fputs("#include <stdio.h>\n#include \"m.h\"\n"
	      "int main(void) { static float x[784], y[10]; FILE *i = fopen(\"x.bin\", \"rb\"), "
	      "*o = fopen(\"y.bin\", \"wb\");\n"
	      "  while (fread(x, sizeof x, 1, i) == 1) { const void *in[1] = {x}; void *out[1] = {y};\n"
	      "    if (m_run_ptrs(in, out)) return 1; fwrite(y, sizeof y, 1, o); }\n"
	      "  fclose(o); return 0; }\n", f);
	fclose(f);
	ck_assert_int_eq(sh("cd %s && cc -std=c99 -O2 main.c m.c -o run -lm && ./run", dir), 0);
	snprintf(path, sizeof path, "%s/y.bin", dir);
	float *y = malloc((size_t)N * 10 * sizeof *y);
	f = fopen(path, "rb");
	ck_assert_uint_eq(fread(y, sizeof(float), (size_t)N * 10, f), (size_t)N * 10);
	fclose(f);
	ck_assert_mem_eq(y, s.set.y0[0], (size_t)N * 10 * sizeof *y);
	int ok = 0;
	for (int i = 0; i < N; i++) {
		int best = 0;
		for (int j = 1; j < 10; j++)
			best = y[i * 10 + j] > y[i * 10 + best] ? j : best;
		ok += best == d.y[i];
	}
	ck_assert(s.set.base.metric == (double)ok / N);
	free(y);
	sh("rm -rf %s", dir);
	free(dir);
	sens_free(&s);
	set_free(&d);
	prog_free(p);
	graph_free(g);
}
END_TEST

/* ---- the weight-quantization sweep against PyTorch ---- */

static void
check_ref_model(const char *model, const cJSON *ref, const cJSON *bits, int n)
{
	Graph *g;
	char path[600];
	snprintf(path, sizeof path, "%s/%s", AXCC_SOURCE_DIR, model);
	Program *p = load(path, &g);
	Set d = images(n);
	Sens s = {0};
	run_sens(&s, p, &d, 1u << SK_WQUANT, 0, 2);
	double base = cJSON_GetObjectItem(ref, "baseline")->valuedouble;
	ck_assert_msg(fabs(s.set.base.metric - base) <= 0.002 + 1e-9, "%s baseline %g vs torch %g",
		model, s.set.base.metric, base);
	const cJSON *layers = cJSON_GetObjectItem(ref, "layers"), *l;
	int nl = 0;
	cJSON_ArrayForEach(l, layers) {
		SensLayer *L = layer_named(&s, l->string);
		ck_assert_msg(L != NULL, "layer %s not analysed", l->string);
		const cJSON *b;
		cJSON_ArrayForEach(b, bits) {
			char key[8];
			snprintf(key, sizeof key, "%d", b->valueint);
			double want = cJSON_GetObjectItem(l, key)->valuedouble, got = -1;
			for (int i = 0; i < L->npt[SK_WQUANT]; i++)
				if (L->pt[SK_WQUANT][i].level == b->valueint)
					got = L->pt[SK_WQUANT][i].s.metric;
			ck_assert_msg(fabs(got - want) <= 0.002 + 1e-9, "%s %s k=%d: axcc %.4f, torch %.4f",
				model, l->string, b->valueint, got, want);
		}
		nl++;
	}
	ck_assert_int_eq(nl, s.nlayer);
	sens_free(&s);
	set_free(&d);
	prog_free(p);
	graph_free(g);
}

START_TEST(test_weight_quant_matches_pytorch)
{
	char *txt = slurp(REF);
	ck_assert_ptr_nonnull(txt);
	cJSON *r = cJSON_Parse(txt);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(cJSON_GetObjectItem(r, "samples")->valueint, 500);
	const cJSON *bits = cJSON_GetObjectItem(r, "bits"), *m;
	int nm = 0;
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(r, "models")) {
		check_ref_model(m->string, m, bits, 500);
		nm++;
	}
	ck_assert_int_eq(nm, 2);
	cJSON_Delete(r);
	free(txt);
}
END_TEST

/* ---- filters ---- */

/* Channel 3 of the second conv gets all-zero weights and bias (after BN
 * folding, before lowering): removing it changes nothing at all. */
START_TEST(test_filter_all_zero_drop_is_exactly_zero)
{
	Options o = {0};
	o.model = FMNIST;
	o.quiet = 1;
	Diag dg = diag_capture();
	Graph *g = load_model(&o, &dg);
	ck_assert_ptr_nonnull(g);
	Node *conv = NULL;
	for (int i = 0; i < g->nnode; i++)
		if (!strcmp(g->node[i]->name, "/features/features.4/Conv"))
			conv = g->node[i];
	ck_assert_ptr_nonnull(conv);
	ck_assert_int_eq(conv->act, AXRT_ACT_RELU);
	float *w = conv->in[1]->init, *b = conv->in[2]->init;
	int64_t per = tensor_numel(conv->in[1]) / 16;
	memset(w + 3 * per, 0, (size_t)per * sizeof *w);
	b[3] = 0;
	Program *p = prog_lower(g, &dg);
	ck_assert_ptr_nonnull(p);
	prog_plan(p);
	Set d = images(200);
	Sens s = {0};
	run_sens(&s, p, &d, SENS_KINDS_NONE, 2, 2);
	SensLayer *L = layer_named(&s, "/features/features.4/Conv");
	ck_assert_ptr_nonnull(L->filt);
	FilterScore *f = &L->filt[3];
	ck_assert(f->measured);
	ck_assert(f->l1 == 0 && f->l2 == 0 && f->mean == 0 && f->mean_abs == 0 && f->apoz == 1);
	ck_assert(f->zero.metric == s.set.base.metric && f->zero.err2 == 0);
	ck_assert(f->repl.metric == s.set.base.metric && f->repl.err2 == 0);
	/* a live filter: nonzero norms, a measurable effect on the logits */
	ck_assert(L->filt[2].l1 > 0 && L->filt[2].zero.err2 > 0 && L->filt[2].apoz < 1);
	/* L1 is the sum of |w| of the channel's weights */
	const float *w0 = L->w0;
	double l1 = 0;
	for (int64_t i = 0; i < per; i++)
		l1 += fabs(w0[2 * per + i]);
	ck_assert_float_close(L->filt[2].l1, l1, 1e-9);
	sens_free(&s);
	set_free(&d);
	prog_free(p);
	graph_free(g);
}
END_TEST

/* ---- determinism ---- */

START_TEST(test_results_do_not_depend_on_threads)
{
	Graph *g;
	Program *p = load(FMNIST, &g);
	Set d = images(60);
	char *txt[2];
	SensInfo in = {"m.onnx", "x.npy", "y.npy", 60, 60, 0, NULL, 1, {.scale = 1}};
	for (int t = 0; t < 2; t++) {
		Sens s = {0};
		s.o.repeats = 2;
		run_sens(&s, p, &d, (1u << SK_NOISE) | (1u << SK_FLIP8), 2, t + 1);
		txt[t] = sens_json(&s, &in);
		sens_free(&s);
	}
	ck_assert_str_eq(txt[0], txt[1]);
	free(txt[0]);
	free(txt[1]);
	set_free(&d);
	prog_free(p);
	graph_free(g);
}
END_TEST

/* ---- the report: SENS.json schema, SVGs ---- */

static const cJSON *
need(const cJSON *o, const char *k, int type)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	ck_assert_msg(v != NULL, "missing \"%s\"", k);
	ck_assert_msg((v->type & 0xff) & type, "\"%s\" has the wrong type", k);
	return v;
}

static void
check_sweep(const cJSON *list)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, list) {
		need(e, "level", cJSON_Number);
		double m = need(e, "metric", cJSON_Number)->valuedouble;
		ck_assert(m >= 0 && m <= 1);
		need(e, "drop", cJSON_Number);
		need(e, "ci95", cJSON_Number);
		need(e, "snr_db", cJSON_Number | cJSON_NULL);
	}
}

static void
check_layer(const cJSON *l)
{
	static const char *const req[] = {"output_noise", "weight_bitflip", "weight_quant", "output_quant"};
	need(l, "name", cJSON_String);
	need(l, "op", cJSON_String);
	need(l, "rank", cJSON_Number);
	need(l, "score", cJSON_Number);
	need(l, "tolerance", cJSON_Object);
	const cJSON *sw = need(l, "sweeps", cJSON_Object);
	for (int k = 0; k < 4; k++)
		check_sweep(need(sw, req[k], cJSON_Array));
	ck_assert_int_eq(cJSON_GetArraySize(need(sw, "output_noise", cJSON_Array)), 7);
	ck_assert_int_eq(cJSON_GetArraySize(need(sw, "weight_quant", cJSON_Array)), 15);
	const cJSON *f;
	cJSON_ArrayForEach(f, need(l, "filters", cJSON_Array)) {
		need(f, "channel", cJSON_Number);
		need(f, "l1", cJSON_Number);
		need(f, "apoz", cJSON_Number);
		need(f, "drop_zero", cJSON_Number);
		need(f, "drop_mean", cJSON_Number);
	}
}

/* tags balance and every '<' opens a tag (a well-formedness check that
 * needs no XML library) */
static void
check_svg(const char *path)
{
	char *t = slurp(path);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	char stack[32][16];
	int depth = 0, nline = 0;
	for (char *p = strchr(t, '<'); p; p = strchr(p + 1, '<')) {
		char name[16] = {0};
		if (p[1] == '?')
			continue;
		int close = p[1] == '/';
		sscanf(p + 1 + close, "%15[a-z]", name);
		ck_assert_msg(name[0], "%s: stray '<'", path);
		char *end = strchr(p, '>');
		ck_assert_ptr_nonnull(end);
		nline += !strcmp(name, "polyline");
		if (close) {
			ck_assert_int_gt(depth, 0);
			ck_assert_str_eq(stack[--depth], name);
		} else if (end[-1] != '/') {
			ck_assert_int_lt(depth, 32);
			strcpy(stack[depth++], name);
		}
	}
	ck_assert_int_eq(depth, 0);
	ck_assert_int_eq(nline, 3);   /* one line per layer */
	free(t);
}

START_TEST(test_cli_report_schema_and_svgs)
{
	char *dir = tmpdir();
	ck_assert_int_eq(sh("'%s' analyze '%s' --data '%s' --labels '%s' --split 0.05 --repeats 1 "
		"--seed 3 -o %s/s.json 2>%s/err.txt", AXCC, FMNIST, IMAGES, LABELS, dir, dir), 0);
	char path[600];
	snprintf(path, sizeof path, "%s/err.txt", dir);
	char *err = slurp(path);
	ck_assert_ptr_null(strchr(err, '\r'));      /* no progress bar when not a terminal */
	ck_assert_ptr_nonnull(strstr(err, "baseline accuracy"));
	snprintf(path, sizeof path, "%s/s.json", dir);
	char *txt = slurp(path);
	cJSON *r = cJSON_Parse(txt);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(need(r, "schema", cJSON_String)->valuestring, "axcc-sens/1");
	ck_assert_str_eq(need(need(r, "tool", cJSON_Object), "version", cJSON_String)->valuestring,
		AXCC_VERSION);
	const cJSON *split = need(r, "split", cJSON_Object);
	ck_assert_int_eq(need(split, "analysis", cJSON_Number)->valueint, 50);
	ck_assert_int_eq(need(split, "heldout", cJSON_Number)->valueint, 950);
	ck_assert_int_eq(cJSON_GetArraySize(need(split, "analysis_indices", cJSON_Array)), 50);
	ck_assert_int_eq(need(need(r, "seeds", cJSON_Object), "seed", cJSON_Number)->valueint, 3);
	double b = need(need(r, "baseline", cJSON_Object), "metric", cJSON_Number)->valuedouble;
	ck_assert(b > 0.5 && b <= 1);
	const cJSON *ls = need(r, "layers", cJSON_Array), *l;
	ck_assert_int_eq(cJSON_GetArraySize(ls), 3);
	cJSON_ArrayForEach(l, ls)
		check_layer(l);
	ck_assert_str_eq(cJSON_GetArrayItem(ls, 0)->child->valuestring, "/features/features.0/Conv");
	for (int k = 0; k < NSK; k++) {
		snprintf(path, sizeof path, "%s/s.%s.svg", dir, sens_kinds[k].name);
		check_svg(path);
	}
	snprintf(path, sizeof path, "%s/s.md", dir);
	char *md = slurp(path);
	ck_assert_ptr_nonnull(strstr(md, "| 1 | `/"));
	ck_assert_ptr_nonnull(strstr(md, "![output_noise](s.output_noise.svg)"));
	if (access("/usr/bin/python3", X_OK) == 0)   /* a real XML parser when there is one */
		ck_assert_int_eq(sh("for f in %s/*.svg; do /usr/bin/python3 -c 'import sys, xml.dom.minidom as m; "
			"m.parse(sys.argv[1])' $f || exit 1; done", dir), 0);
	if (access("/usr/bin/chromium", X_OK) == 0) {   /* renders in a browser */
		ck_assert_int_eq(sh("cd %s && timeout 120 /usr/bin/chromium --headless --no-sandbox "
			"--disable-gpu --screenshot=shot.png --window-size=780,440 "
			"file://%s/s.output_noise.svg >/dev/null 2>&1", dir, dir), 0);
		snprintf(path, sizeof path, "%s/shot.png", dir);
		struct stat st;
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_int_gt(st.st_size, 5000);
	}
	cJSON_Delete(r);
	free(txt);
	free(md);
	free(err);
	sh("rm -rf %s", dir);
	free(dir);
}
END_TEST

START_TEST(test_cli_errors)
{
	char *dir = tmpdir();
	ck_assert_int_eq(sh("'%s' analyze '%s' -o %s/s.json 2>/dev/null", AXCC, FMNIST, dir), 2);
	ck_assert_int_eq(sh("'%s' analyze '%s' --data '%s' --split 2 -o %s/s.json 2>/dev/null", AXCC,
		FMNIST, IMAGES, dir), 2);
	ck_assert_int_eq(sh("'%s' analyze '%s' --data '%s' --kinds bogus -o %s/s.json 2>/dev/null", AXCC,
		FMNIST, IMAGES, dir), 2);
	ck_assert_int_eq(sh("'%s' analyze '%s' --data '%s' --labels '%s' -o %s/s.json 2>%s/e.txt", AXCC,
		FMNIST, IMAGES, IMAGES, dir, dir), 1);
	char path[600];
	snprintf(path, sizeof path, "%s/e.txt", dir);
	char *e = slurp(path);
	ck_assert_ptr_nonnull(strstr(e, "images.npy: labels have type float"));
	free(e);
	sh("rm -rf %s", dir);
	free(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("analysis");
	TCase *tu = tcase_create("units");
	tcase_add_test(tu, test_fixed_exponent_from_frexp);
	tcase_add_test(tu, test_fixed_round_half_even_and_saturate);
	tcase_add_test(tu, test_fixed_bit_flip);
	tcase_add_test(tu, test_fixed_fake_equals_codes);
	tcase_add_test(tu, test_rng_xoshiro_reference_and_gauss);
	tcase_add_test(tu, test_split_partition_deterministic);
	tcase_add_test(tu, test_parse_numbers_and_kinds);
	tcase_add_test(tu, test_data_errors_name_the_file);
	suite_add_tcase(s, tu);
	TCase *te = tcase_create("engine");
	tcase_set_timeout(te, 600);
	tcase_add_test(te, test_snapshots_reproduce_every_step);
	tcase_add_test(te, test_zero_error_is_baseline);
	tcase_add_test(te, test_baseline_equals_generated_c);
	tcase_add_test(te, test_weight_quant_matches_pytorch);
	tcase_add_test(te, test_filter_all_zero_drop_is_exactly_zero);
	tcase_add_test(te, test_results_do_not_depend_on_threads);
	suite_add_tcase(s, te);
	TCase *tc = tcase_create("cli");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_cli_report_schema_and_svgs);
	tcase_add_test(tc, test_cli_errors);
	suite_add_tcase(s, tc);
	return tg_main(s);
}
