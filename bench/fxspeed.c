/* fxspeed.c: times one axcc-generated model (--name model) on a fixed
 * 1x1x28x28 input: minimum and median wall time per run over N runs, and
 * the thread's CPU time per run (best block of 100). bench/fxspeed.sh
 * builds it against the float and the 8-bit Fashion-MNIST CNN. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "model.h"

static double
now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec * 1e6 + t.tv_nsec * 1e-3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	static float x[784], y[10];
	double *t = malloc(sizeof *t * (size_t)n), best = 1e30;
	const void *in[1] = {x};
	void *out[1] = {y};

	for (int i = 0; i < 784; i++)
		x[i] = (float)((i * 37) % 255) / 255.0f;
	for (int i = 0; i < 100; i++)
		model_run_ptrs(in, out);
	for (int i = 0; i < n; i++) {
		double a = now(CLOCK_MONOTONIC);
		model_run_ptrs(in, out);
		t[i] = now(CLOCK_MONOTONIC) - a;
	}
	for (int b = 0; b < n / 100; b++) {
		double a = now(CLOCK_THREAD_CPUTIME_ID), c;
		for (int i = 0; i < 100; i++)
			model_run_ptrs(in, out);
		c = (now(CLOCK_THREAD_CPUTIME_ID) - a) / 100;
		best = c < best ? c : best;
	}
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("min %.2f us  median %.2f us  cpu/run %.2f us\n", t[0], t[n / 2], best);
	free(t);
	return 0;
}
