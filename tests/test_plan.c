/* test_plan.c: the memory planner -- buffers live at the same time never
 * share bytes, the arena is no larger than the sum of buffers and no
 * smaller than the largest set live at one step. */
#include <stdlib.h>
#include <string.h>

#include "axrt.h"
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

int
main(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");
	tcase_add_test(tc, test_plan_no_overlap_random);
	tcase_add_test(tc, test_plan_chain_reuses_memory);
	suite_add_tcase(s, tc);
	return tg_main(s);
}
