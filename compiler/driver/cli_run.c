/* cli_run.c: axcc run MODEL --input X.npy ... --output Y.npy ... -- runs the
 * model in the interpreter (the kernels the generated C calls). An input
 * whose first dimension is a multiple of the model's is run batch by batch. */
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "driver.h"

static const char help[] =
	"usage: axcc run MODEL.onnx --input X.npy [--input ...] --output Y.npy [--output ...]\n"
	"Runs the model in axcc's interpreter. Inputs are .npy, TensorProto .pb or IDX\n"
	"files in graph-input order; outputs are written as .npy in graph-output order.\n"
	"An input whose first dimension is k times the model's runs k batches.\n"
	"  --dim NAME=VALUE   bind a symbolic input dimension (default 1)\n"
	"  --plan P.json      replay an approximation plan (axcc optimize)\n"
	"  -q, --quiet        no notes\n";

/* how many model batches the file holds: 1, k, or -1 (mismatch, reported) */
static int64_t
batches(Diag *d, const Tensor *want, const Tensor *got)
{
	char a[128], b[128];
	if (got->dtype != want->dtype)
		return diag_error(d, "input '%s' has type %s, the model wants %s", got->name,
			dtype_name(got->dtype), dtype_name(want->dtype));
	int64_t nw = tensor_numel(want), ng = tensor_numel(got);
	int same = got->rank == want->rank;
	for (int k = 1; same && k < want->rank; k++)
		same = got->dim[k] == want->dim[k];
	if (same && tensor_same_shape(got, want))
		return 1;
	if (same && want->rank > 0 && want->dim[0] > 0 && nw > 0 && got->dim[0] % want->dim[0] == 0)
		return ng / nw;
	return diag_error(d, "input '%s' has shape %s, the model wants %s", got->name,
		tensor_shape_str(got, a, sizeof a), tensor_shape_str(want, b, sizeof b));
}

/* k batches of the model, split over all cores */
static int
run_batches(Program *p, Graph *g, Tensor *x, Tensor *y, int64_t k)
{
	const void *in[NODE_MAXIO];
	void *out[NODE_MAXIO];
	for (int i = 0; i < g->ninput; i++)
		in[i] = x[i].init;
	for (int i = 0; i < g->noutput; i++)
		out[i] = y[i].init;
	Batch b = {(int)k, in, out, 0, NULL};
	return prog_run_batch(p, &b);
}

int
cli_run(int argc, char **argv)
{
	Options o = {0};
	const char *ins[NODE_MAXIO], *outs[NODE_MAXIO];
	int nin = 0, nout = 0;
	for (int i = 1; i < argc; i++) {
		int r = options_common(&o, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if (!strcmp(argv[i], "--input") && i + 1 < argc && nin < NODE_MAXIO) {
			ins[nin++] = argv[++i];
		} else if (!strcmp(argv[i], "--output") && i + 1 < argc && nout < NODE_MAXIO) {
			outs[nout++] = argv[++i];
		} else if ((r = options_rest(&o, "run", help, argv[i])) >= 0) {
			return r;
		}
	}
	if (!o.model)
		return usage_error("run", "no model given");
	Diag d = diag_make(o.model);
	Graph *g;
	Program *p = build_program(&o, &d, &g);
	if (!p)
		return 1;
	int rc = 1;
	Tensor *x = arena_alloc(g->arena, (g->ninput + 1) * sizeof *x);
	Tensor *y = arena_alloc(g->arena, (g->noutput + 1) * sizeof *y);
	int64_t k = 1;
	if (nin != g->ninput || nout != g->noutput) {
		diag_error(&d, "the model has %d inputs and %d outputs; %d --input and %d --output given",
			g->ninput, g->noutput, nin, nout);
		goto out;
	}
	for (int i = 0; i < nin; i++) {
		Diag dd = diag_make(ins[i]);
		if (data_read(ins[i], g->arena, &x[i], &dd) < 0)
			goto out;
		int64_t kb = batches(&d, g->input[i], &x[i]);
		if (kb < 0)
			goto out;
		if (i > 0 && kb != k) {
			diag_error(&d, "inputs hold different numbers of batches (%lld and %lld)", (long long)k, (long long)kb);
			goto out;
		}
		k = kb;
	}
	for (int i = 0; i < nout; i++) {
		y[i] = *g->output[i];
		if (y[i].rank > 0)
			y[i].dim[0] *= k;
		y[i].init = arena_alloc(g->arena, tensor_bytes(&y[i]));
	}
	int st = run_batches(p, g, x, y, k);
	if (st != 0) {
		diag_error(&d, "a kernel returned status %d", st);
		goto out;
	}
	rc = 0;
	for (int i = 0; i < nout && rc == 0; i++) {
		Diag dd = diag_make(outs[i]);
		if (npy_write(outs[i], &y[i], &dd) < 0)
			rc = 1;
	}
out:
	prog_free(p);
	graph_free(g);
	return rc;
}
