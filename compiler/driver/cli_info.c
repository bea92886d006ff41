/* cli_info.c: axcc info MODEL.onnx -- ops, parameters, MACs per layer and
 * in total, arena bytes; every unsupported op at once. */
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char help[] =
	"usage: axcc info MODEL.onnx [--dim NAME=VALUE] [-q]\n"
	"Prints the model's layers with output shape, parameters and MACs, the totals,\n"
	"the planned activation arena, and lists every unsupported op.\n";

static void
print_table(const Graph *g, const Program *p)
{
	char s[128];
	int64_t macs = 0, params = 0, wbytes = 0;
	printf("%-32s %-20s %-20s %12s %14s\n", "node", "op", "output", "params", "MACs");
	for (int i = 0; i < g->nnode; i++) {
		const Node *n = g->node[i];
		LayerCost c = node_cost(n);
		macs += c.macs;
		params += c.params;
		printf("%-32s %-20s %-20s %12lld %14lld\n", n->name, n->optype,
			n->nout && n->out[0] ? tensor_shape_str(n->out[0], s, sizeof s) : "",
			(long long)c.params, (long long)c.macs);
	}
	wbytes = (int64_t)prog_weight_bytes(p);
	printf("\ntotal: %d nodes, %lld parameters (%lld weight bytes), %lld MACs\n",
		g->nnode, (long long)params, (long long)wbytes, (long long)macs);
	printf("arena: %zu bytes (peak of the planned activation memory)\n", p->arena_bytes);
	printf("kernel calls: %d\n", p->nstep);
}

int
cli_info(int argc, char **argv)
{
	Options o = {0};
	for (int i = 1; i < argc; i++) {
		int r = options_common(&o, argc, argv, &i);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		if ((r = options_rest(&o, "info", help, argv[i])) >= 0)
			return r;
	}
	if (!o.model)
		return usage_error("info", "no model given");
	Diag d = diag_make(o.model);
	Graph *g;
	Program *p = build_program(&o, &d, &g);
	if (!p)
		return 1;
	printf("model: %s (opset %d)\n", o.model, g->opset);
	for (int i = 0; i < g->ninput; i++) {
		char s[128];
		printf("input  %s: %s[%s]\n", g->input[i]->name, dtype_name(g->input[i]->dtype),
			tensor_shape_str(g->input[i], s, sizeof s));
	}
	for (int i = 0; i < g->noutput; i++) {
		char s[128];
		printf("output %s: %s[%s]\n", g->output[i]->name, dtype_name(g->output[i]->dtype),
			tensor_shape_str(g->output[i], s, sizeof s));
	}
	putchar('\n');
	print_table(g, p);
	prog_free(p);
	graph_free(g);
	return 0;
}
