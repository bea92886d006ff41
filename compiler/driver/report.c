/* report.c: layer costs (MACs, parameters) and N.report.json, written with
 * cJSON: every layer, every buffer with its offset, size and lifetime. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "report.h"

LayerCost
node_cost(const Node *n)
{
	LayerCost c = {0, 0};
	for (int i = 0; i < n->nin; i++)
		if (n->in[i] && n->in[i]->init)
			c.params += tensor_numel(n->in[i]);
	const Tensor *w = n->nin > 1 ? n->in[1] : NULL, *y = NULL;
	for (int i = n->nout - 1; i >= 0; i--)
		if (n->out[i])
			y = n->out[i];   /* the first output present */
	if (n->op == OP_QLINEARCONV || n->op == OP_QLINEARMATMUL || n->op == OP_QDQGEMM)
		w = n->nin > 3 ? n->in[3] : NULL;   /* after x, its scale and zero point */
	if (!w || !y || w->rank < 1 || y->rank < 0)
		return c;
	switch (n->op) {
	case OP_QLINEARCONV:
	case OP_CONV:
		if (w->dim[0] > 0)
			c.macs = tensor_numel(y) * (tensor_numel(w) / w->dim[0]);
		break;
	case OP_CONVTRANSPOSE:
		if (w->dim[0] > 0)
			c.macs = tensor_numel(n->in[0]) * (tensor_numel(w) / w->dim[0]);
		break;
	case OP_GEMM: {
		const Tensor *a = n->in[0];
		int64_t k = a->rank == 2 ? a->dim[attr_i(n, "transA", 0) ? 0 : 1] : 0;
		c.macs = tensor_numel(y) * k;
		break;
	}
	case OP_MATMUL:
	case OP_QLINEARMATMUL:
		c.macs = tensor_numel(y) * (n->in[0]->rank ? n->in[0]->dim[n->in[0]->rank - 1] : 1);
		break;
	case OP_QDQGEMM:   /* passes/qdq.c: B is 2-D, k x n or n x k with transB */
		c.macs = tensor_numel(y) * w->dim[attr_i(n, "transB", 0) ? 1 : 0];
		break;
	case OP_RNN: case OP_GRU: case OP_LSTM: {
		/* per step and batch entry: the W (D x G*H x I) and R (D x G*H x H)
		 * products, i.e. W's plus R's element count
		 * (T*N is the product of X's first two dims in either layout;
		 * an upper bound when sequence_lens is shorter) */
		const Tensor *x = n->in[0], *r = n->nin > 2 ? n->in[2] : NULL;
		if (x->rank == 3 && r)
			c.macs = x->dim[0] * x->dim[1] * (tensor_numel(w) + tensor_numel(r));
		break;
	}
	default:
		break;
	}
	return c;
}

/* Output channels of the layers pruning works on (Conv, Gemm, MatMul); -1
 * for other ops. */
static int64_t
layer_channels(const Node *n)
{
	const Tensor *y = n->nout ? n->out[0] : NULL;
	if (!y || y->rank < 2 || (n->op != OP_CONV && n->op != OP_GEMM && n->op != OP_MATMUL))
		return -1;
	return n->op == OP_CONV ? y->dim[1] : y->dim[y->rank - 1];
}

static cJSON *
layers_json(const Graph *g, const Plan *pl, int64_t *tmacs, int64_t *tparams)
{
	cJSON *arr = cJSON_CreateArray();
	char s[128];
	for (int i = 0; i < g->nnode; i++) {
		const Node *n = g->node[i];
		LayerCost c = node_cost(n);
		*tmacs += c.macs;
		*tparams += c.params;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", n->name);
		cJSON_AddStringToObject(o, "op", n->optype);
		cJSON_AddStringToObject(o, "output_shape", n->nout && n->out[0] ? tensor_shape_str(n->out[0], s, sizeof s) : "");
		cJSON_AddNumberToObject(o, "macs", (double)c.macs);
		cJSON_AddNumberToObject(o, "params", (double)c.params);
		int64_t ch = layer_channels(n);
		const PlanLayer *L = pl && ch >= 0 ? plan_layer(pl, n->name) : NULL;
		if (ch >= 0)
			cJSON_AddNumberToObject(o, "channels", (double)ch);
		if (L && L->nremoved) {   /* pruned: the original count too */
			cJSON_AddNumberToObject(o, "channels_before", L->nch);
			cJSON_AddNumberToObject(o, "channels_removed", L->nremoved);
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* Each buffer's own lifetime, as if nothing shared its memory: the steps
 * that use it or a view of it (views have no step of their own). What a
 * planner without in-place sharing or Concat placement works from. */
static void
own_lifetimes(const Program *p, int *first, int *last)
{
	for (int b = 0; b < p->nbuf; b++)
		first[b] = last[b] = -1;
	for (int s = 0; s < p->nstep; s++) {
		const Step *st = &p->step[s];
		for (int k = 0; k < st->nin + st->nout + 1; k++) {
			int b = k < st->nin ? st->in[k] : k < st->nin + st->nout ? st->out[k - st->nin] : st->scratch;
			for (; b >= 0; b = p->buf[b].kind == BUF_ALIAS && p->buf[b].view ? p->buf[b].alias : -1) {
				if (first[b] < 0)
					first[b] = s;
				last[b] = s;
			}
		}
	}
}

static cJSON *
buffers_json(const Program *p)
{
	static const char *kinds[] = {"arena", "const", "input", "output", "alias"};
	cJSON *arr = cJSON_CreateArray();
	int *first = xmalloc((p->nbuf + 1) * sizeof *first), *last = xmalloc((p->nbuf + 1) * sizeof *last);
	own_lifetimes(p, first, last);
	for (int b = 0; b < p->nbuf; b++) {
		const Buf *bf = &p->buf[b];
		if (bf->kind == BUF_CONST)
			continue;
		size_t off;
		int r = buf_root(p, b, &off);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", bf->name);
		cJSON_AddStringToObject(o, "kind", kinds[bf->kind]);
		cJSON_AddNumberToObject(o, "size", (double)bf->size);
		if (p->buf[r].kind == BUF_ARENA) {
			cJSON_AddNumberToObject(o, "offset", (double)(p->buf[r].offset + off));
			cJSON_AddNumberToObject(o, "first_step", p->buf[r].first);
			cJSON_AddNumberToObject(o, "last_step", p->buf[r].last);
		}
		if (bf->kind == BUF_ALIAS) {
			cJSON_AddStringToObject(o, "alias_of", p->buf[r].name);
			cJSON_AddStringToObject(o, "alias_kind", bf->view ? "view" : "shared");
		}
		if (bf->kind == BUF_ARENA || (bf->kind == BUF_ALIAS && !bf->view)) {
			cJSON_AddNumberToObject(o, "own_first_step", first[b]);
			cJSON_AddNumberToObject(o, "own_last_step", last[b]);
		}
		cJSON_AddItemToArray(arr, o);
	}
	free(first);
	free(last);
	return arr;
}

int
report_write(const Program *p, const Graph *g, const CodegenOpts *co, const char *dir, Diag *d)
{
	return report_write_plan(p, g, co, NULL, dir, d);
}

int
report_write_plan(const Program *p, const Graph *g, const CodegenOpts *co, const Plan *pl,
	const char *dir, Diag *d)
{
	cJSON *root = cJSON_CreateObject();
	int64_t macs = 0, params = 0, wbytes = 0;
	cJSON_AddStringToObject(root, "axcc_version", AXCC_VERSION);
	cJSON_AddStringToObject(root, "model", co->model_name);
	cJSON_AddStringToObject(root, "name", co->name);
	cJSON *layers = layers_json(g, pl, &macs, &params);
	wbytes = (int64_t)prog_weight_bytes(p);
	cJSON_AddNumberToObject(root, "arena_bytes", (double)p->arena_bytes);
	cJSON_AddNumberToObject(root, "weight_bytes", (double)wbytes);
	cJSON_AddNumberToObject(root, "macs", (double)macs);
	cJSON_AddNumberToObject(root, "params", (double)params);
	cJSON_AddNumberToObject(root, "steps", p->nstep);
	cJSON_AddItemToObject(root, "layers", layers);
	cJSON_AddItemToObject(root, "buffers", buffers_json(p));
	char *txt = cJSON_Print(root);
	cJSON_Delete(root);
	char *path = malloc(strlen(dir) + strlen(co->name) + 32);
	sprintf(path, "%s/%s.report.json", dir, c_ident(g->arena, co->name));
	FILE *f = fopen(path, "w");
	int rc = 0;
	if (!f || fputs(txt, f) < 0 || fputc('\n', f) < 0)
		rc = diag_error(d, "cannot write %s: %s", path, strerror(errno));
	if (f && fclose(f) != 0)
		rc = diag_error(d, "cannot write %s", path);
	free(path);
	cJSON_free(txt);
	return rc;
}
