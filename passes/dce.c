/* dce.c: removes nodes none of whose outputs reaches a graph output, walking
 * the (topologically ordered) nodes backwards from the outputs.
 * needs: IR_SHAPES
 * gives: IR_CANON (the last canonicalization pass)
 * breaks: -
 */
#include <stdlib.h>

#include "passes.h"

static void mark_subgraph(const Graph *g, const Graph *sub, char *need);

/* Marks every input of n needed, including the outer-scope tensors that the
 * bodies of its graph attributes (If/Loop/Scan) read by name. */
static void
mark_inputs(const Graph *g, const Node *n, char *need)
{
	for (int j = 0; j < n->nin; j++)
		if (n->in[j])
			need[n->in[j]->id] = 1;
	for (int k = 0; k < n->nattr; k++)
		if (n->attr[k].type == AT_GRAPH && n->attr[k].g)
			mark_subgraph(g, n->attr[k].g, need);
}

static void
mark_subgraph(const Graph *g, const Graph *sub, char *need)
{
	for (int i = 0; i < sub->nnode; i++) {
		const Node *n = sub->node[i];
		for (int j = 0; j < n->nin; j++) {
			const Tensor *t = n->in[j];
			if (!t || t->def || t->init || t->is_input)
				continue;
			const Tensor *outer = graph_find(g, t->name);
			if (outer)
				need[outer->id] = 1;
		}
		for (int k = 0; k < n->nattr; k++)
			if (n->attr[k].type == AT_GRAPH && n->attr[k].g)
				mark_subgraph(g, n->attr[k].g, need);
	}
}

static int
node_needed(const Node *n, const char *need)
{
	for (int j = 0; j < n->nout; j++)
		if (n->out[j] && need[n->out[j]->id])
			return 1;
	return 0;
}

int
pass_dce(Graph *g, PassCtx *cx)
{
	char *need = calloc(g->ntensor ? (size_t)g->ntensor : 1, 1);
	int removed = 0;
	if (!need)
		die("out of memory");
	for (int i = 0; i < g->noutput; i++)
		need[g->output[i]->id] = 1;
	for (int i = g->nnode - 1; i >= 0; i--) {
		Node *n = g->node[i];
		if (n->dead)
			continue;
		if (node_needed(n, need))
			mark_inputs(g, n, need);
		else {
			n->dead = 1;
			removed++;
		}
	}
	free(need);
	graph_compact(g);
	graph_uses(g);
	if (cx && cx->verbose && cx->diag)
		diag_note(cx->diag, "dce: removed %d nodes", removed);
	return 0;
}
