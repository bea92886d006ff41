/* test_optimize.c: the plan file (round trip, validation, replay checks)
 * and `axcc optimize` end to end: the plan it writes stays within the
 * budget on the held-out split, and the generated C of that plan -- built
 * with the system compiler, run by the example's own driver -- gets exactly
 * the accuracy the search recorded for all the data (the interpreter and
 * the C are independent paths to the same number). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optimize.h"
#include "testutil.h"

#define FMNIST AXCC_SOURCE_DIR "/examples/fmnist/fmnist_cnn.onnx"
#define IMAGES AXCC_SOURCE_DIR "/examples/fmnist/data/images.npy"
#define LABELS AXCC_SOURCE_DIR "/examples/fmnist/data/labels.npy"
#define DEMO AXCC_SOURCE_DIR "/examples/fmnist/demo_main.c"
#define AXCC AXCC_BINARY_DIR "/axcc"

static Plan *
sample_plan(void)
{
	Plan *pl = plan_new();
	pl->model = "m.onnx";
	pl->rounding = 1;
	pl->io_raw = 1;
	PlanLayer *L = plan_layer_add(pl, "conv/a", "Conv");
	L->nch = 4;
	static int rm[] = {1, 3};
	static float mean[] = {0.1f, -2.5e-8f, 3.0f, 1e30f};
	L->nremoved = 2;
	L->removed = rm;
	L->ninner = 2;
	L->mean = mean;
	L->wbits = 5;
	static int pc[] = {7, -3, 0, 12};
	L->nwfrac = 4;
	L->wfrac = pc;
	PlanLayer *M = plan_layer_add(pl, "fc", "Gemm");
	M->nch = 10;
	M->wbits = 3;
	static int one[] = {-2};
	M->nwfrac = 1;
	M->wfrac = one;
	plan_tensor_add(pl, "t0")->f = (PlanFmt){8, 4};
	plan_tensor_add(pl, "t\"1")->f = (PlanFmt){16, -6};
	pl->search = "{\"budget\":0.01,\"moves\":[]}";
	return pl;
}

START_TEST(test_plan_round_trip)
{
	Plan *pl = sample_plan();
	char *a = plan_json(pl);
	char *dir = tg_tmpdir("plan"), path[512];
	snprintf(path, sizeof path, "%s/p.json", dir);
	Diag d = diag_capture();
	ck_assert_int_eq(plan_write(pl, path, &d), 0);
	Plan *q = plan_read(path, &d);
	ck_assert_msg(q != NULL, "%s", d.all);
	char *b = plan_json(q);
	ck_assert_str_eq(a, b);
	/* the values themselves, not just the text */
	const PlanLayer *L = plan_layer(q, "conv/a");
	ck_assert_ptr_nonnull(L);
	ck_assert_int_eq(L->nremoved, 2);
	ck_assert_int_eq(L->removed[1], 3);
	ck_assert(L->mean[1] == -2.5e-8f && L->mean[3] == 1e30f);
	ck_assert_int_eq(L->nwfrac, 4);
	ck_assert_int_eq(L->wfrac[1], -3);
	ck_assert_int_eq(plan_tensor(q, "t\"1")->f.frac, -6);
	ck_assert_int_eq(q->rounding, 1);
	ck_assert_int_eq(q->io_raw, 1);
	Plan *c = plan_dup(q);
	char *e = plan_json(c);
	ck_assert_str_eq(a, e);
	free(a);
	free(b);
	free(e);
	plan_free(c);
	plan_free(q);
	plan_free(pl);
	tg_sh("rm -rf %s", dir);
	free(dir);
}
END_TEST

/* Bad plan files: each gives an error mentioning the problem, never a
 * crash or a half-read plan. */
START_TEST(test_plan_read_errors)
{
	static const struct { const char *json, *want; } bad[] = {
		{"", "not a JSON plan"},
		{"[1,2]", "not a JSON plan"},
		{"{\"layers\":[]}", "axcc_plan"},
		{"{\"axcc_plan\":2}", "axcc_plan"},
		{"{\"axcc_plan\":1,\"rounding\":\"up\"}", "rounding"},
		{"{\"axcc_plan\":1,\"layers\":{}}", "must be arrays"},
		{"{\"axcc_plan\":1,\"layers\":[{\"op\":\"Conv\"}]}", "\"name\""},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\"}]}", "channels"},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\",\"channels\":4},"
		 "{\"name\":\"a\",\"op\":\"Conv\",\"channels\":4}]}", "twice"},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\",\"channels\":4,"
		 "\"prune\":{\"removed\":[2,1]}}]}", "ascending"},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\",\"channels\":4,"
		 "\"prune\":{\"removed\":[4]}}]}", "removed"},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\",\"channels\":2,"
		 "\"prune\":{\"removed\":[0,1]}}]}", "every channel"},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\",\"channels\":4,"
		 "\"prune\":{\"removed\":[1],\"inner\":2,\"mean\":[1]}}]}", "mean"},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\",\"channels\":4,"
		 "\"prune\":{\"removed\":[1],\"inner\":1,\"mean\":[1e39]}}]}", "finite float"},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\",\"channels\":4,"
		 "\"prune\":{\"removed\":[1],\"reader\":{\"w\":[1],\"b\":[1]}}}]}", "\"node\""},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\",\"channels\":4,"
		 "\"prune\":{\"removed\":[1],\"reader\":{\"node\":\"c\",\"w\":[],\"b\":[1]}}}]}",
		 "reader w"},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\",\"channels\":4,"
		 "\"prune\":{\"removed\":[1],\"reader\":{\"node\":\"c\",\"w\":[1],\"b\":[\"x\"]}}}]}",
		 "reader b"},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\",\"channels\":4,"
		 "\"weights\":{\"bits\":1,\"frac\":0}}]}", "bits"},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\",\"channels\":4,"
		 "\"weights\":{\"bits\":8}}]}", "frac"},
		{"{\"axcc_plan\":1,\"layers\":[{\"name\":\"a\",\"op\":\"Conv\",\"channels\":4,"
		 "\"weights\":{\"bits\":8,\"frac_per_channel\":[1,2]}}]}", "one entry per channel"},
		{"{\"axcc_plan\":1,\"tensors\":[{\"name\":\"t\",\"bits\":17,\"frac\":0}]}", "bits"},
		{"{\"axcc_plan\":1,\"tensors\":[{\"name\":\"t\",\"bits\":8,\"frac\":1.5}]}", "frac"},
		{"{\"axcc_plan\":1,\"tensors\":[{\"bits\":8,\"frac\":1}]}", "name"},
	};
	char *dir = tg_tmpdir("planbad"), path[512];
	snprintf(path, sizeof path, "%s/p.json", dir);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		FILE *f = fopen(path, "w");
		fputs(bad[i].json, f);
		fclose(f);
		Diag d = diag_capture();
		Plan *pl = plan_read(path, &d);
		ck_assert_msg(pl == NULL, "case %zu was accepted", i);
		ck_assert_msg(strstr(d.all, bad[i].want) != NULL, "case %zu: '%s' lacks '%s'", i, d.all,
			bad[i].want);
	}
	Diag d = diag_capture();
	ck_assert_ptr_null(plan_read("/nonexistent/p.json", &d));
	ck_assert_ptr_nonnull(strstr(d.all, "cannot open"));
	tg_sh("rm -rf %s", dir);
	free(dir);
}
END_TEST

static Graph *
fmnist_graph(void)
{
	Options o = {0};
	o.model = FMNIST;
	o.quiet = 1;
	Diag d = diag_capture();
	Graph *g = load_model(&o, &d);
	ck_assert_msg(g != NULL, "%s", d.all);
	return g;
}

/* A plan that does not fit the model is an error naming what differs. */
START_TEST(test_plan_apply_mismatch)
{
	static const struct { const char *name, *op; int nch; const char *want; } bad[] = {
		{"no_such_layer", "Conv", 8, "not in the model"},
		{"/features/features.0/Conv", "Gemm", 8, "is a Gemm"},
		{"/features/features.0/Conv", "Conv", 9, "9 output channels"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		Graph *g = fmnist_graph();
		Plan *pl = plan_new();
		plan_layer_add(pl, bad[i].name, bad[i].op)->nch = bad[i].nch;
		Diag d = diag_capture();
		ck_assert_int_eq(plan_apply(g, pl, &d), -1);
		ck_assert_msg(strstr(d.all, bad[i].want) != NULL, "'%s' lacks '%s'", d.all, bad[i].want);
		plan_free(pl);
		graph_free(g);
	}
	Graph *g = fmnist_graph();
	Plan *pl = plan_new();
	plan_tensor_add(pl, "no_such_tensor")->f = (PlanFmt){8, 0};
	Diag d = diag_capture();
	ck_assert_int_eq(plan_apply(g, pl, &d), -1);
	ck_assert_ptr_nonnull(strstr(d.all, "no_such_tensor"));
	plan_free(pl);
	graph_free(g);
}
END_TEST

static double
num(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
	x = x ? cJSON_GetObjectItemCaseSensitive(x, b) : NULL;
	ck_assert_msg(cJSON_IsNumber(x), "search.%s.%s missing", a, b);
	return x->valuedouble;
}

/* optimize with one method, then: the held-out drop is within the budget,
 * the cost went down, and the generated C agrees with the recorded
 * all-data accuracy, sample for sample in count. */
static void
optimize_end_to_end(unsigned methods, double budget, const char *costkey)
{
	OptArgs a;
	memset(&a, 0, sizeof a);
	a.o.model = FMNIST;
	a.o.quiet = 1;
	data_args_init(&a.da, 0.5);
	a.da.data = IMAGES;
	a.da.labels = LABELS;
	a.budget = budget;
	a.methods = methods;
	a.objective = -1;
	a.criterion = CRIT_DROP;
	a.co.method = CALIB_PERCENTILE;
	a.co.percentile = 99.99;
	a.min_bits = 2;
	a.sens_samples = 500;
	Diag d = diag_capture();
	Plan *pl;
	ck_assert_msg(optimize_run(&a, &pl, &d) == 0, "%s", d.all);
	cJSON *s = cJSON_Parse(pl->search);
	ck_assert_ptr_nonnull(s);
	double e = num(s, "exact_heldout", "metric"), p = num(s, "plan_heldout", "metric");
	ck_assert_msg(e - p <= budget + 1e-12, "held-out drop %g > budget %g", e - p, budget);
	ck_assert_msg(num(s, "plan_heldout", costkey) < num(s, "exact_heldout", costkey),
		"%s did not go down", costkey);
	double all = num(s, "plan_all", "metric"), n = num(s, "plan_all", "samples");
	ck_assert_int_eq((int)n, 1000);
	/* under the size objective every accepted move after the uniform
	 * start saves weight bytes: a width step that saves none (5 to 8 bits
	 * are all int8) would spend budget for nothing */
	const cJSON *mv, *moves = cJSON_GetObjectItemCaseSensitive(s, "moves");
	double last = -1;
	cJSON_ArrayForEach(mv, moves) {
		const cJSON *ok = cJSON_GetObjectItemCaseSensitive(mv, "accepted");
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(mv, "size");
		const char *what = cJSON_GetObjectItemCaseSensitive(mv, "move")->valuestring;
		if (!cJSON_IsTrue(ok) || !cJSON_IsNumber(c))
			continue;
		if (last >= 0 && strncmp(what, "uniform", 7) != 0)
			ck_assert_msg(c->valuedouble < last, "'%s' saved no weight bytes (%g)", what,
				c->valuedouble);
		last = c->valuedouble;
	}

	char *dir = tg_tmpdir("opt"), path[512];
	snprintf(path, sizeof path, "%s/plan.json", dir);
	ck_assert_int_eq(plan_write(pl, path, &d), 0);
	ck_assert_int_eq(tg_sh("%s compile %s --plan %s/plan.json -o %s/c --name fmnist -q && "
		"%s compile %s --plan %s/plan.json -o %s/c2 --name fmnist -q && "
		"cmp -s %s/c/fmnist.c %s/c2/fmnist.c", AXCC, FMNIST, dir, dir, AXCC, FMNIST, dir, dir,
		dir, dir), 0);
	ck_assert_int_eq(tg_sh("cc -std=c99 -O2 -Wall -Wextra -Wpedantic -Werror -I%s/c %s/c/fmnist.c "
		"%s -o %s/demo -lm && %s run %s -q --plan %s/plan.json --input %s --output %s/il.npy && "
		"%s/demo %s %s %s/il.npy > %s/out.txt", dir, dir, DEMO, dir, AXCC, FMNIST, dir, IMAGES,
		dir, dir, IMAGES, LABELS, dir, dir), 0);
	snprintf(path, sizeof path, "%s/out.txt", dir);
	char *out = tg_slurp(path, NULL);
	const char *acc = strstr(out, "accuracy vs labels:");
	ck_assert_ptr_nonnull(acc);
	long correct = -1, total = -1;
	ck_assert_int_eq(sscanf(strchr(acc, '(') + 1, "%ld/%ld", &correct, &total), 2);
	ck_assert_int_eq(total, 1000);
	ck_assert_int_eq(correct, (long)(all * 1000 + 0.5));
	/* and the C agrees with the interpreter running the same plan */
	ck_assert_ptr_nonnull(strstr(out, "interpreter: 100.00%"));
	free(out);
	cJSON_Delete(s);
	plan_free(pl);
	tg_sh("rm -rf %s", dir);
	free(dir);
}

START_TEST(test_optimize_prune)
{
	/* the default objective for pruning alone (macs+size) lowers the
	 * larger of the two ratios at every move: both go down. A step may
	 * take at most half the budget left, and on these 500 held-out
	 * samples the example's smallest steps cost 1.2-1.4 points: a budget
	 * of 3 */
	optimize_end_to_end(OPT_PRUNE, 0.03, "macs");
	optimize_end_to_end(OPT_PRUNE, 0.03, "weight_bytes");
}
END_TEST

START_TEST(test_optimize_fixed)
{
	optimize_end_to_end(OPT_FIXED, 0.01, "weight_bytes");
}
END_TEST

START_TEST(test_optimize_prune_and_fixed)
{
	optimize_end_to_end(OPT_ALL, 0.01, "weight_bytes");
}
END_TEST

/* `axcc verify --plan` of a plan with io raw: the data are the integer
 * codes the planned model takes (checked against the planned graph, not the
 * float one), and float data are refused by name. */
/* one 1x1x28x28 image as .npy: int8 codes (i1) or floats (f4) */
static void
write_image_npy(const char *path, int codes)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	char hdr[128];
	int n = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, "
		"'shape': (1, 1, 28, 28), }", codes ? "|i1" : "<f4");
	while ((10 + n + 1) % 64)
		hdr[n++] = ' ';
	hdr[n++] = '\n';
	fwrite("\x93NUMPY\x01\x00", 1, 8, f);
	fputc(n & 255, f);
	fputc(n >> 8, f);
	fwrite(hdr, 1, (size_t)n, f);
	for (int i = 0; i < 28 * 28; i++) {
		float v = (float)((i * 37) % 128) / 128;
		if (codes)
			fputc((i * 37) % 128, f);
		else
			fwrite(&v, sizeof v, 1, f);   /* little-endian hosts */
	}
	fclose(f);
}

START_TEST(test_verify_raw_io)
{
	char *dir = tg_tmpdir("vraw"), path[512], fpath[512];
	snprintf(path, sizeof path, "%s/codes.npy", dir);
	snprintf(fpath, sizeof fpath, "%s/floats.npy", dir);
	write_image_npy(path, 1);
	write_image_npy(fpath, 0);
	ck_assert_int_eq(tg_sh("%s compile %s -q --quantize 8 --io raw --data %s --calib-samples 100 "
		"-o %s/c --name m", AXCC, FMNIST, IMAGES, dir), 0);
	ck_assert_int_eq(tg_sh("%s verify %s -q --plan %s/c/m.plan.json --input %s > %s/ok.txt 2>&1",
		AXCC, FMNIST, dir, path, dir), 0);
	ck_assert_int_ne(tg_sh("%s verify %s -q --plan %s/c/m.plan.json --input %s > %s/bad.txt 2>&1",
		AXCC, FMNIST, dir, fpath, dir), 0);
	snprintf(path, sizeof path, "%s/ok.txt", dir);
	char *out = tg_slurp(path, NULL);
	ck_assert_msg(strstr(out, "bit-identical") != NULL, "%s", out);
	free(out);
	snprintf(path, sizeof path, "%s/bad.txt", dir);
	out = tg_slurp(path, NULL);
	ck_assert_msg(strstr(out, "is int8") != NULL, "%s", out);
	free(out);
	tg_sh("rm -rf %s", dir);
	free(dir);
}
END_TEST

Suite *
optimize_suite(void)
{
	Suite *s = suite_create("optimize");
	TCase *tc = tcase_create("plan");
	tcase_add_test(tc, test_plan_round_trip);
	tcase_add_test(tc, test_plan_read_errors);
	tcase_add_test(tc, test_plan_apply_mismatch);
	suite_add_tcase(s, tc);
	tc = tcase_create("search");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_verify_raw_io);
	tcase_add_test(tc, test_optimize_prune);
	tcase_add_test(tc, test_optimize_fixed);
	tcase_add_test(tc, test_optimize_prune_and_fixed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tg_main(optimize_suite());
}
