/* driver.c: timing driver for one axcc-generated model (bench/ only).
 *
 * Links against a model compiled with `axcc compile ... --name model`.
 *   driver IN.bin OUT.bin
 * IN.bin holds the inputs' raw bytes back to back in graph order. The driver
 * then reads commands on stdin, one per line, and answers one line each:
 *   t K   run K times; prints "t" and K pairs WALL:CPU, the wall time and
 *         the thread's CPU time of each run in nanoseconds
 *   o     writes the outputs' raw bytes back to back to OUT.bin; prints "o"
 *   q     exits
 * Single-threaded; bench/bench.js drives it between batches of ONNX Runtime
 * runs so the two engines alternate in the same process tree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

static size_t
elem_size(int32_t t)
{
	switch (t) {
	case 2: case 3: case 9: return 1;           /* uint8 int8 bool */
	case 4: case 5: case 10: case 16: return 2; /* uint16 int16 f16 bf16 */
	case 7: case 11: case 13: return 8;         /* int64 double uint64 */
	default: return 4;                          /* float int32 uint32 */
	}
}

static size_t
info_bytes(const axrt_tensor_info *t)
{
	return (size_t)t->numel * elem_size(t->elem_type);
}

static void *
zalloc(size_t n)
{
	void *p = calloc(n ? n : 1, 1);
	if (!p) {
		fprintf(stderr, "driver: out of memory\n");
		exit(1);
	}
	return p;
}

static int64_t
now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
read_inputs(const char *path, void **in)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "driver: cannot open %s\n", path);
		exit(1);
	}
	for (int i = 0; i < MODEL_NUM_INPUTS; i++) {
		size_t n = info_bytes(&model_inputs[i]);
		in[i] = zalloc(n);
		if (fread(in[i], 1, n, f) != n) {
			fprintf(stderr, "driver: %s: short read for input '%s'\n", path, model_inputs[i].name);
			exit(1);
		}
	}
	fclose(f);
}

static void
write_outputs(const char *path, void *const *out)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "driver: cannot write %s\n", path);
		exit(1);
	}
	for (int i = 0; i < MODEL_NUM_OUTPUTS; i++)
		fwrite(out[i], 1, info_bytes(&model_outputs[i]), f);
	fclose(f);
}

static void
time_runs(long k, const void *const *in, void *const *out)
{
	printf("t");
	for (long i = 0; i < k; i++) {
		int64_t c0 = now_ns(CLOCK_THREAD_CPUTIME_ID), t0 = now_ns(CLOCK_MONOTONIC);
		int rc = model_run_ptrs(in, out);
		int64_t t1 = now_ns(CLOCK_MONOTONIC), c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		if (rc != 0) {
			fprintf(stderr, "driver: model_run_ptrs returned %d\n", rc);
			exit(1);
		}
		printf(" %lld:%lld", (long long)(t1 - t0), (long long)(c1 - c0));
	}
	printf("\n");
}

int
main(int argc, char **argv)
{
	void *in[MODEL_NUM_INPUTS > 0 ? MODEL_NUM_INPUTS : 1];
	void *out[MODEL_NUM_OUTPUTS > 0 ? MODEL_NUM_OUTPUTS : 1];
	char line[256];

	if (argc != 3) {
		fprintf(stderr, "usage: driver IN.bin OUT.bin\n");
		return 2;
	}
	read_inputs(argv[1], in);
	for (int i = 0; i < MODEL_NUM_OUTPUTS; i++)
		out[i] = zalloc(info_bytes(&model_outputs[i]));
	while (fgets(line, sizeof line, stdin)) {
		if (line[0] == 't')
			time_runs(strtol(line + 1, NULL, 10), (const void *const *)in, out);
		else if (line[0] == 'o') {
			write_outputs(argv[2], out);
			printf("o\n");
		} else if (line[0] == 'q')
			break;
		else
			printf("? %s", line);
		fflush(stdout);
	}
	return 0;
}
