/* energy.c: a first energy estimate of a (planned) graph, APPROX.md §6:
 *   E = sum over compute layers of MACs * (E_mul + E_add)
 *       + weight reads * E_mem + activation traffic * E_mem.
 * Constants from Horowitz, "Computing's energy problem", ISSCC 2014, 45 nm:
 * int8 add 0.03 pJ, int8 mult 0.2 pJ, int32 add 0.1 pJ, fp32 add 0.9 pJ,
 * fp32 mult 3.7 pJ, 8 KB SRAM 64-bit read 10 pJ. Integer multipliers scale
 * with the product of the operand widths (array area) from the int8 point,
 * adders with the accumulator width from the int8/int32 points, memory with
 * the bits moved. Every weight is read once per inference; every
 * activation element is written once and read once per consumer. The
 * approximate-unit and memory-class factors of APPROX §6 come with their
 * issues; until then this is the model `optimize --objective energy` uses. */
#include <math.h>

#include "dataset.h"
#include "report.h"

#define E_MUL8 0.2
#define E_ADD8 0.03
#define E_ADD32 0.1
#define E_MULF 3.7
#define E_ADDF 0.9
#define E_SRAM_BIT (10.0 / 64)

/* bits of a tensor as stored: its format's, else its element size */
static double
tbits(const Tensor *t)
{
	return t->qbits ? t->qbits : 8.0 * (double)dtype_size(t->dtype);
}

double
graph_energy_pj(const Graph *g)
{
	double e = 0;
	for (int i = 0; i < g->nnode; i++) {
		const Node *n = g->node[i];
		if (n->dead)
			continue;
		LayerCost c = node_cost(n);
		for (int k = 0; k < n->nout; k++)
			if (n->out[k])
				e += (double)tensor_numel(n->out[k]) * tbits(n->out[k]) * E_SRAM_BIT;
		for (int k = 0; k < n->nin; k++) {
			const Tensor *t = n->in[k];
			if (t)
				e += (double)tensor_numel(t) * tbits(t) * E_SRAM_BIT;  /* weights too */
		}
		if (!c.macs || n->nin < 2 || !n->in[0] || !n->in[1])
			continue;
		const Tensor *x = n->in[0], *w = n->in[1];
		if (!x->qbits || !w->qbits) {
			e += (double)c.macs * (E_MULF + E_ADDF);
			continue;
		}
		double k = c.macs / (double)(tensor_numel(n->out[0]) ? tensor_numel(n->out[0]) : 1);
		double acc = x->qbits + w->qbits + ceil(log2(k > 1 ? k : 1));
		double add = acc <= 8 ? E_ADD8 : E_ADD8 + (E_ADD32 - E_ADD8) * (acc - 8) / 24;
		e += (double)c.macs * (E_MUL8 * x->qbits * w->qbits / 64.0 + add);
	}
	return e;
}
