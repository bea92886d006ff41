/* qdqspeed.c: times one axcc-generated model (--name model) of
 * tests/models/qdq_cnn_u8 (input 2x3x16x16 float, output 20 values):
 * the thread's CPU time per run, best block of 100 runs of 50. Built by
 * bench/qdqspeed.sh (docs/QDQ.md, "Speed"). */
#include <stdio.h>
#include <time.h>

#include "model.h"

static double
now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e6 + t.tv_nsec * 1e-3;
}

int
main(void)
{
	static float x[2 * 3 * 16 * 16], y[64];   /* y: room for float or uint8 outputs */
	const void *in[1] = {x};
	void *out[1] = {y};
	double best = 1e30;

	for (int i = 0; i < 2 * 3 * 16 * 16; i++)
		x[i] = (float)((i * 37) % 255) / 64.0f - 2.0f;
	for (int b = 0; b < 50; b++) {
		double a = now(), d;
		for (int i = 0; i < 100; i++)
			model_run_ptrs(in, out);
		d = (now() - a) / 100;
		best = d < best ? d : best;
	}
	printf("%.2f us per run (thread CPU, best block of 100)\n", best);
	return 0;
}
