/* test_plan.c: the memory planner -- buffers live at the same time never
 * share bytes, the arena is no larger than the sum of buffers and no
 * smaller than the largest set live at one step; and on the test models,
 * the planned program (in-place steps, outputs overlapping their inputs)
 * computes bit for bit what the same program computes with every buffer
 * in memory of its own. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "axrt.h"
#include "driver.h"
#include "testutil.h"

/* A random program of copy steps over nb arena buffers. Each step reads
 * one earlier-written buffer and writes a new one. */
static Program *
random_program(unsigned seed, int nstep)
{
	Graph *g = graph_new("plan.onnx");
	Arena *a = arena_new();
	Program *p = arena_alloc(a, sizeof *p);
	p->arena = a;
	p->g = g;
	Lower l = {p, NULL, a};
	int *bufs = malloc(nstep * sizeof *bufs);
	for (int s = 0; s < nstep; s++) {
		seed = seed * 1103515245u + 12345u;
		size_t size = 1 + (seed >> 8) % 5000;
		Tensor *t = graph_new_tensor(g, "t");
		int64_t dim = (int64_t)size;
		tensor_set(t, DT_U8, 1, &dim);
		bufs[s] = lower_buf(&l, t);
		axrt_copy_params cp = {0};
		int in = s ? bufs[(seed >> 4) % s] : -1;
		lower_step(&l, NULL, K_copy, &cp, in >= 0, &in, 1, &bufs[s], (seed >> 20) % 3 ? 0 : 64);
	}
	free(bufs);
	return p;
}

static int
live_at(const Buf *b, int s)
{
	return b->first <= s && s <= b->last;
}

START_TEST(test_plan_no_overlap_random)
{
	for (unsigned seed = 1; seed <= 40; seed++) {
		Program *p = random_program(seed, 60);
		prog_plan(p);
		size_t sum = 0, maxlive = 0;
		for (int i = 0; i < p->nbuf; i++) {
			const Buf *x = &p->buf[i];
			if (x->kind != BUF_ARENA)
				continue;
			sum += (x->size + 15) & ~(size_t)15;
			ck_assert_uint_le(x->offset + x->size, p->arena_bytes);
			for (int j = i + 1; j < p->nbuf; j++) {
				const Buf *y = &p->buf[j];
				if (y->kind != BUF_ARENA || x->last < y->first || y->last < x->first)
					continue;
				ck_assert_msg(x->offset + x->size <= y->offset || y->offset + y->size <= x->offset,
					"seed %u: buffers %d and %d are live together and overlap", seed, i, j);
			}
		}
		for (int s = 0; s < p->nstep; s++) {
			size_t live = 0;
			for (int i = 0; i < p->nbuf; i++)
				if (p->buf[i].kind == BUF_ARENA && live_at(&p->buf[i], s))
					live += p->buf[i].size;
			if (live > maxlive)
				maxlive = live;
		}
		ck_assert_uint_le(p->arena_bytes, sum);
		ck_assert_uint_ge(p->arena_bytes, maxlive);
		Graph *g = p->g;
		prog_free(p);
		graph_free(g);
	}
}
END_TEST

START_TEST(test_plan_chain_reuses_memory)
{
	/* a chain t0 -> t1 -> ... -> t9 of equal buffers needs only two slots */
	Graph *g = graph_new("plan.onnx");
	Arena *a = arena_new();
	Program *p = arena_alloc(a, sizeof *p);
	p->arena = a;
	p->g = g;
	Lower l = {p, NULL, a};
	int prev = -1;
	for (int s = 0; s < 10; s++) {
		Tensor *t = graph_new_tensor(g, "t");
		int64_t dim = 1024;
		tensor_set(t, DT_F32, 1, &dim);
		int b = lower_buf(&l, t);
		axrt_copy_params cp = {4096};
		lower_step(&l, NULL, K_copy, &cp, prev >= 0, &prev, 1, &b, 0);
		prev = b;
	}
	prog_plan(p);
	ck_assert_uint_eq(p->arena_bytes, 2 * 4096);
	prog_free(p);
	graph_free(g);
}
END_TEST

/* Every arena buffer in memory of its own: no planning, no sharing. */
static void
plan_flat(Program *p)
{
	size_t at = 0;
	for (int i = 0; i < p->nbuf; i++) {
		Buf *b = &p->buf[i];
		b->link = -1;
		if (b->kind != BUF_ARENA)
			continue;
		b->offset = at;
		at += (b->size + 63) / 64 * 64 + 64;
	}
	p->arena_bytes = at;
}

/* Runs p on inputs in[] with an arena first filled with `fill` bytes;
 * outputs into out[] (allocated here). */
static void
run_filled(const Program *p, const void *const *in, void **out, int fill)
{
	size_t n = (p->arena_bytes + 63) / 64 * 64 + 64;
	void *arena = aligned_alloc(64, n);
	memset(arena, fill, n);
	for (int i = 0; i < p->noutput; i++)
		out[i] = calloc(p->buf[p->output[i]].size + 1, 1);
	ck_assert_int_eq(prog_run(p, in, out, arena), 0);
	free(arena);
}

/* Steps whose output the plan put over part of their input. */
static int
count_overlaps(const Program *p)
{
	int n = 0;
	for (int s = 0; s < p->nstep; s++) {
		const Step *st = &p->step[s];
		if (st->overlap < 0 || st->nout < 1 || st->out[0] < 0 || st->in[st->overlap] < 0)
			continue;
		const Buf *o = &p->buf[st->out[0]], *i = &p->buf[st->in[st->overlap]];
		if (o->kind == BUF_ARENA && i->kind == BUF_ARENA
		 && o->offset < i->offset + i->size && i->offset < o->offset + o->size)
			n++;
	}
	return n;
}

/* One model: the planned and the flat program on the same pseudo-random
 * inputs give the same bytes. Returns the planned program's overlaps. */
static int
check_model_plan(const char *path, const char *plan)
{
	Options o = {0};
	o.model = path;
	o.plan = plan;
	o.quiet = 1;
	o.dim[0].name = "N";
	o.dim[0].value = 1;
	o.dim[1].name = "batch";
	o.dim[1].value = 1;
	o.ndim = 2;
	Diag d = diag_capture();
	Graph *g1, *g2;
	Program *p1 = build_program(&o, &d, &g1);
	ck_assert_msg(p1 != NULL, "%s: %s", path, d.all);
	g2 = load_model(&o, &d);
	ck_assert_ptr_nonnull(g2);
	Program *p2 = prog_lower(g2, &d);
	ck_assert_ptr_nonnull(p2);
	plan_flat(p2);
	ck_assert_int_eq(p1->ninput, p2->ninput);
	ck_assert_int_eq(p1->noutput, p2->noutput);

	void *in[16], *o1[16], *o2[16];
	ck_assert_int_le(p1->ninput, 16);
	ck_assert_int_le(p1->noutput, 16);
	unsigned seed = 12345;
	for (int i = 0; i < p1->ninput; i++) {
		const Buf *b = &p1->buf[p1->input[i]];
		in[i] = calloc(b->size + 4, 1);
		if (b->dtype == DT_F32)
			for (size_t k = 0; k < b->size / 4; k++) {
				seed = seed * 1103515245u + 12345u;
				((float *)in[i])[k] = (float)((seed >> 8) % 2001) / 1000.0f - 1.0f;
			}
	}
	run_filled(p1, (const void *const *)in, o1, 0x7f);
	run_filled(p2, (const void *const *)in, o2, 0x00);
	for (int i = 0; i < p1->noutput; i++) {
		size_t n = p1->buf[p1->output[i]].size;
		ck_assert_uint_eq(n, p2->buf[p2->output[i]].size);
		ck_assert_msg(memcmp(o1[i], o2[i], n) == 0, "%s: output %d differs between the planned "
			"arena (%zu bytes) and separate buffers", path, i, p1->arena_bytes);
		free(o1[i]);
		free(o2[i]);
	}
	for (int i = 0; i < p1->ninput; i++)
		free(in[i]);
	int nov = count_overlaps(p1);
	prog_free(p1);
	prog_free(p2);
	graph_free(g1);
	graph_free(g2);
	return nov;
}

static int
check_model(const char *path)
{
	return check_model_plan(path, NULL);
}

/* Every tests/models/<case>/model.onnx (and tests/models/big/, where the
 * torchvision models were exported). The depthwise and 1x1 convs of
 * mobilenet must take overlapping placements, or the test proves nothing. */
START_TEST(test_plan_models_bit_exact)
{
	static const char *const roots[] = {AXCC_SOURCE_DIR "/tests/models", AXCC_SOURCE_DIR "/tests/models/big"};
	int nmodel = 0, mobilenet = 0;
	for (int r = 0; r < 2; r++) {
		DIR *dir = opendir(roots[r]);
		if (!dir)
			continue;
		struct dirent *e;
		char *names[256];
		int nn = 0;
		while ((e = readdir(dir)) && nn < 256)
			if (e->d_name[0] != '.')
				names[nn++] = strdup(e->d_name);
		closedir(dir);
		for (int i = 0; i < nn; i++) {
			char path[1024];
			struct stat st;
			snprintf(path, sizeof path, "%s/%s/model.onnx", roots[r], names[i]);
			if (stat(path, &st) == 0) {
				int nov = check_model(path);
				nmodel++;
				if (!strcmp(names[i], "mobilenet"))
					mobilenet = nov;
			}
			free(names[i]);
		}
	}
	ck_assert_int_ge(nmodel, 10);
	ck_assert_int_ge(mobilenet, 3);
}
END_TEST

/* The int8 models of the trained CNNs (uniform 8 bits, calibrated on the
 * example's images): their depthwise and 1x1 integer convs write over
 * their inputs (fx_conv_overlaps), and the planned program must still
 * compute what separate buffers compute. */
START_TEST(test_plan_fx_models_bit_exact)
{
	/* 8-bit weights take the wide and depthwise kernels, 4-bit ones (packed)
	 * the im2col kernel, whose 1x1 convs read their input in place */
	static const char *const models[] = {"fmnist_mobilenet", "fmnist_vgg", "fmnist_mobilenet"};
	static const char *const widths[] = {"8", "8", "4,8"};
	char *dir = tg_tmpdir("planfx");
	for (int i = 0; i < 3; i++) {
		char path[1024], plan[1024];
		snprintf(path, sizeof path, AXCC_SOURCE_DIR "/tests/models/%s/model.onnx", models[i]);
		snprintf(plan, sizeof plan, "%s/%d/model.plan.json", dir, i);
		ck_assert_int_eq(tg_sh(AXCC_BINARY_DIR "/axcc compile -q %s --quantize %s --data "
			AXCC_SOURCE_DIR "/examples/fmnist/data/images.npy --calib-samples 200 -o %s/%d "
			"--name model > /dev/null", path, widths[i], dir, i), 0);
		int nov = check_model_plan(path, plan);
		if (i != 1)
			ck_assert_msg(nov >= 3, "%s at %s bits: %d overlapping steps", models[i], widths[i],
				nov);
	}
	tg_sh("rm -rf %s", dir);
	free(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");
	tcase_add_test(tc, test_plan_no_overlap_random);
	tcase_add_test(tc, test_plan_fx_models_bit_exact);
	tcase_add_test(tc, test_plan_chain_reuses_memory);
	tcase_add_test(tc, test_plan_models_bit_exact);
	suite_add_tcase(s, tc);
	return tg_main(s);
}
