/* plan.c: the plan's in-memory form, its JSON file (docs/PLAN_SCHEMA.md)
 * and plan_apply. Reading validates everything a replay relies on: a plan
 * file is user input like a model. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "plan.h"

Plan *
plan_new(void)
{
	Arena *a = arena_new();
	Plan *pl = arena_alloc(a, sizeof *pl);
	pl->a = a;
	return pl;
}

void
plan_free(Plan *pl)
{
	if (pl)
		arena_free(pl->a);
}

PlanLayer *
plan_layer(const Plan *pl, const char *name)
{
	for (int i = 0; i < pl->nlayer; i++)
		if (!strcmp(pl->layer[i].name, name))
			return &pl->layer[i];
	return NULL;
}

PlanTensor *
plan_tensor(const Plan *pl, const char *name)
{
	for (int i = 0; i < pl->ntensor; i++)
		if (!strcmp(pl->tensor[i].name, name))
			return &pl->tensor[i];
	return NULL;
}

/* Arrays grow by doubling inside the arena: the old block is abandoned
 * (plans are small). Capacity is the next power of two >= n. */
static void *
grow(Arena *a, void *old, int n, size_t esz)
{
	if (n & (n - 1))
		return old;              /* n is not a power of two: room left */
	void *p = arena_alloc(a, (size_t)(n ? 2 * n : 1) * esz);
	if (n)
		memcpy(p, old, (size_t)n * esz);
	return p;
}

PlanLayer *
plan_layer_add(Plan *pl, const char *name, const char *op)
{
	PlanLayer *L = plan_layer(pl, name);
	if (L)
		return L;
	pl->layer = grow(pl->a, pl->layer, pl->nlayer, sizeof *pl->layer);
	L = &pl->layer[pl->nlayer++];
	memset(L, 0, sizeof *L);
	L->name = arena_strdup(pl->a, name);
	L->op = arena_strdup(pl->a, op ? op : "");
	return L;
}

PlanTensor *
plan_tensor_add(Plan *pl, const char *name)
{
	PlanTensor *t = plan_tensor(pl, name);
	if (t)
		return t;
	pl->tensor = grow(pl->a, pl->tensor, pl->ntensor, sizeof *pl->tensor);
	t = &pl->tensor[pl->ntensor++];
	memset(t, 0, sizeof *t);
	t->name = arena_strdup(pl->a, name);
	return t;
}

Plan *
plan_dup(const Plan *pl)
{
	Plan *q = plan_new();
	Arena *a = q->a;
	q->model = pl->model ? arena_strdup(a, pl->model) : NULL;
	q->rounding = pl->rounding;
	q->io_raw = pl->io_raw;
	q->search = pl->search ? arena_strdup(a, pl->search) : NULL;
	for (int i = 0; i < pl->nlayer; i++) {
		const PlanLayer *s = &pl->layer[i];
		PlanLayer *L = plan_layer_add(q, s->name, s->op);
		*L = *s;
		L->name = arena_strdup(a, s->name);
		L->op = arena_strdup(a, s->op);
		L->removed = s->nremoved ? arena_memdup(a, s->removed, (size_t)s->nremoved * sizeof(int)) : NULL;
		L->mean = s->mean ? arena_memdup(a, s->mean,
			(size_t)s->nremoved * (size_t)s->ninner * sizeof(float)) : NULL;
		L->coef = s->coef ? arena_memdup(a, s->coef,
			(size_t)s->nremoved * (size_t)s->nch * sizeof(float)) : NULL;
		L->rname = s->rname ? arena_strdup(a, s->rname) : NULL;
		L->rw = s->rw ? arena_memdup(a, s->rw, (size_t)s->nrw * sizeof(float)) : NULL;
		L->rb = s->rb ? arena_memdup(a, s->rb, (size_t)s->nrb * sizeof(float)) : NULL;
		L->wfrac = s->nwfrac ? arena_memdup(a, s->wfrac, (size_t)s->nwfrac * sizeof(int)) : NULL;
	}
	for (int i = 0; i < pl->ntensor; i++)
		plan_tensor_add(q, pl->tensor[i].name)->f = pl->tensor[i].f;
	return q;
}

/* ---- writing ---- */

static cJSON *
int_array(const int *v, int n)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
	return a;
}

static cJSON *
float_array(const float *v, int n)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
	return a;
}

char *
plan_json(const Plan *pl)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "axcc_plan", PLAN_VERSION);
	cJSON_AddStringToObject(root, "tool", "axcc " AXCC_VERSION);
	cJSON_AddStringToObject(root, "model", pl->model ? pl->model : "");
	cJSON_AddStringToObject(root, "rounding", pl->rounding ? "trunc" : "nearest");
	cJSON_AddStringToObject(root, "io", pl->io_raw ? "raw" : "float");
	cJSON *layers = cJSON_AddArrayToObject(root, "layers");
	for (int i = 0; i < pl->nlayer; i++) {
		const PlanLayer *L = &pl->layer[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", L->name);
		cJSON_AddStringToObject(o, "op", L->op);
		cJSON_AddNumberToObject(o, "channels", L->nch);
		if (L->nremoved) {
			cJSON *pr = cJSON_AddObjectToObject(o, "prune");
			cJSON_AddItemToObject(pr, "removed", int_array(L->removed, L->nremoved));
			if (L->mean) {
				cJSON_AddNumberToObject(pr, "inner", L->ninner);
				cJSON_AddItemToObject(pr, "mean", float_array(L->mean, L->nremoved * L->ninner));
				if (L->coef)
					cJSON_AddItemToObject(pr, "coef", float_array(L->coef, L->nremoved * L->nch));
			}
			if (L->rw) {
				cJSON *rd = cJSON_AddObjectToObject(pr, "reader");
				cJSON_AddStringToObject(rd, "node", L->rname);
				cJSON_AddItemToObject(rd, "w", float_array(L->rw, L->nrw));
				cJSON_AddItemToObject(rd, "b", float_array(L->rb, L->nrb));
			}
		}
		if (L->wbits) {
			cJSON *w = cJSON_AddObjectToObject(o, "weights");
			cJSON_AddNumberToObject(w, "bits", L->wbits);
			if (L->nwfrac == 1)
				cJSON_AddNumberToObject(w, "frac", L->wfrac[0]);
			else
				cJSON_AddItemToObject(w, "frac_per_channel", int_array(L->wfrac, L->nwfrac));
		}
		cJSON_AddItemToArray(layers, o);
	}
	cJSON *ts = cJSON_AddArrayToObject(root, "tensors");
	for (int i = 0; i < pl->ntensor; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", pl->tensor[i].name);
		cJSON_AddNumberToObject(o, "bits", pl->tensor[i].f.bits);
		cJSON_AddNumberToObject(o, "frac", pl->tensor[i].f.frac);
		cJSON_AddItemToArray(ts, o);
	}
	if (pl->search) {
		cJSON *s = cJSON_Parse(pl->search);
		if (s)
			cJSON_AddItemToObject(root, "search", s);
	}
	char *txt = cJSON_Print(root);
	cJSON_Delete(root);
	if (!txt)
		die("out of memory");
	size_t n = strlen(txt);
	char *out = xmalloc(n + 2);
	memcpy(out, txt, n);
	out[n] = '\n';
	out[n + 1] = 0;
	free(txt);
	return out;
}

int
plan_write(const Plan *pl, const char *path, Diag *d)
{
	char *txt = plan_json(pl);
	FILE *f = fopen(path, "w");
	int rc = 0;
	if (!f || fputs(txt, f) < 0)
		rc = diag_error(d, "%s: cannot write: %s", path, strerror(errno));
	if (f && fclose(f) != 0 && rc == 0)
		rc = diag_error(d, "%s: cannot write: %s", path, strerror(errno));
	free(txt);
	return rc;
}

/* ---- reading ---- */

typedef struct Rd {
	const char *path;
	Diag *d;
	Plan *pl;
} Rd;

static int
bad(Rd *r, const char *where, const char *what)
{
	return diag_error(r->d, "%s: plan %s: %s", r->path, where, what);
}

/* An integer member in [lo, hi]; absent gives def (or an error if req). */
static int
get_int(Rd *r, const cJSON *o, const char *key, int lo, int hi, int def, int req,
	const char *where, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char msg[160];
	if (!v) {
		if (req) {
			snprintf(msg, sizeof msg, "missing \"%s\"", key);
			return bad(r, where, msg);
		}
		*out = def;
		return 0;
	}
	double x = cJSON_IsNumber(v) ? v->valuedouble : -1e300;
	if (!cJSON_IsNumber(v) || x != (double)(long long)x || x < lo || x > hi) {
		snprintf(msg, sizeof msg, "\"%s\" must be an integer in [%d, %d]", key, lo, hi);
		return bad(r, where, msg);
	}
	*out = (int)x;
	return 0;
}

static int
get_ints(Rd *r, const cJSON *a, int lo, int hi, int maxn, const char *where, const char *key,
	int **out, int *n)
{
	char msg[160];
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > maxn) {
		snprintf(msg, sizeof msg, "\"%s\" must be an array of at most %d integers", key, maxn);
		return bad(r, where, msg);
	}
	*n = cJSON_GetArraySize(a);
	*out = arena_alloc(r->pl->a, (size_t)(*n ? *n : 1) * sizeof(int));
	int k = 0;
	const cJSON *v;
	cJSON_ArrayForEach(v, a) {
		double x = cJSON_IsNumber(v) ? v->valuedouble : -1e300;
		if (!cJSON_IsNumber(v) || x != (double)(long long)x || x < lo || x > hi) {
			snprintf(msg, sizeof msg, "\"%s\"[%d] must be an integer in [%d, %d]", key, k, lo, hi);
			return bad(r, where, msg);
		}
		(*out)[k++] = (int)x;
	}
	return 0;
}

/* An array of `want` numbers (want < 0: 1 to -want of them) that fit a
 * float. */
static int
get_floats(Rd *r, const cJSON *a, int64_t want, const char *where, const char *key,
	const char *count, float **out, int *n)
{
	char msg[160];
	int64_t got = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
	if (got < 0 || (want >= 0 ? got != want : got < 1 || got > -want)) {
		snprintf(msg, sizeof msg, "\"%s\" must hold %s numbers", key, count);
		return bad(r, where, msg);
	}
	*out = arena_alloc(r->pl->a, (size_t)(got ? got : 1) * sizeof(float));
	int k = 0;
	const cJSON *v;
	cJSON_ArrayForEach(v, a) {
		if (!cJSON_IsNumber(v) || !(fabs(v->valuedouble) <= FLT_MAX)) {
			snprintf(msg, sizeof msg, "\"%s\"[%d] must be a finite float", key, k);
			return bad(r, where, msg);
		}
		(*out)[k++] = (float)v->valuedouble;
	}
	if (n)
		*n = k;
	return 0;
}

static const char *
get_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

#define PLAN_MAXCH (1 << 24)
#define FRAC_LIM 1024

static int
read_layer(Rd *r, const cJSON *o, int idx)
{
	char where[320];
	const char *name = get_str(o, "name"), *op = get_str(o, "op");
	snprintf(where, sizeof where, "layers[%d]", idx);
	if (!cJSON_IsObject(o) || !name || !op)
		return bad(r, where, "needs \"name\" and \"op\" strings");
	if (plan_layer(r->pl, name))
		return bad(r, where, "names a layer listed twice");
	snprintf(where, sizeof where, "layer '%s'", name);
	PlanLayer *L = plan_layer_add(r->pl, name, op);
	if (get_int(r, o, "channels", 0, PLAN_MAXCH, 0, 1, where, &L->nch) < 0)
		return -1;
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(o, "prune");
	if (pr) {
		if (!cJSON_IsObject(pr))
			return bad(r, where, "\"prune\" must be an object");
		if (get_ints(r, cJSON_GetObjectItemCaseSensitive(pr, "removed"), 0, L->nch - 1, L->nch,
				where, "removed", &L->removed, &L->nremoved) < 0)
			return -1;
		for (int k = 1; k < L->nremoved; k++)
			if (L->removed[k] <= L->removed[k - 1])
				return bad(r, where, "\"removed\" must be strictly ascending");
		if (L->nremoved >= L->nch && L->nch > 0)
			return bad(r, where, "\"removed\" lists every channel");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(pr, "mean");
		if (m) {
			if (get_int(r, pr, "inner", 1, PLAN_MAXCH, 1, 1, where, &L->ninner) < 0)
				return -1;
			if (get_floats(r, m, (int64_t)L->nremoved * L->ninner, where, "mean",
					"removed x inner", &L->mean, NULL) < 0)
				return -1;
		}
		const cJSON *cf = cJSON_GetObjectItemCaseSensitive(pr, "coef");
		if (cf) {
			if (!L->mean)
				return bad(r, where, "\"coef\" needs \"mean\"");
			if (get_floats(r, cf, (int64_t)L->nremoved * L->nch, where, "coef",
					"removed x channels", &L->coef, NULL) < 0)
				return -1;
		}
		const cJSON *rd = cJSON_GetObjectItemCaseSensitive(pr, "reader");
		if (rd) {
			if (!cJSON_IsObject(rd) || !(L->rname = get_str(rd, "node")))
				return bad(r, where, "\"reader\" must be an object with a \"node\" name");
			if (L->coef)
				return bad(r, where, "\"reader\" and \"coef\" exclude each other");
			L->rname = arena_strdup(r->pl->a, L->rname);
			if (get_floats(r, cJSON_GetObjectItemCaseSensitive(rd, "w"), -PLAN_MAXCH, where,
					"reader w", "the reader's weight count of", &L->rw, &L->nrw) < 0 ||
			    get_floats(r, cJSON_GetObjectItemCaseSensitive(rd, "b"), -PLAN_MAXCH, where,
					"reader b", "the reader's output count of", &L->rb, &L->nrb) < 0)
				return -1;
		}
	}
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "weights");
	if (w) {
		if (!cJSON_IsObject(w))
			return bad(r, where, "\"weights\" must be an object");
		if (get_int(r, w, "bits", 2, 16, 0, 1, where, &L->wbits) < 0)
			return -1;
		const cJSON *pc = cJSON_GetObjectItemCaseSensitive(w, "frac_per_channel");
		if (pc) {
			if (get_ints(r, pc, -FRAC_LIM, FRAC_LIM, L->nch, where, "frac_per_channel",
					&L->wfrac, &L->nwfrac) < 0)
				return -1;
			if (L->nwfrac != L->nch)
				return bad(r, where, "\"frac_per_channel\" needs one entry per channel");
		} else {
			L->nwfrac = 1;
			L->wfrac = arena_alloc(r->pl->a, sizeof(int));
			if (get_int(r, w, "frac", -FRAC_LIM, FRAC_LIM, 0, 1, where, &L->wfrac[0]) < 0)
				return -1;
		}
	}
	return 0;
}

Plan *
plan_read(const char *path, Diag *d)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag_error(d, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0, got;
	char *buf = xmalloc(cap + 1);
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			if (cap >= ((size_t)256 << 20)) {
				fclose(f);
				free(buf);
				diag_error(d, "%s: plan file larger than 256 MiB", path);
				return NULL;
			}
			buf = xrealloc(buf, (cap *= 2) + 1);
		}
	}
	fclose(f);
	buf[n] = 0;
	cJSON *root = cJSON_ParseWithLength(buf, n);
	free(buf);
	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		diag_error(d, "%s: not a JSON plan file", path);
		return NULL;
	}
	Plan *pl = plan_new();
	Rd r = {path, d, pl};
	int ver = 0, rc = get_int(&r, root, "axcc_plan", 1, PLAN_VERSION, 0, 1, "file", &ver);
	const char *s;
	if (rc == 0) {
		s = get_str(root, "model");
		pl->model = arena_strdup(pl->a, s ? s : "");
		s = get_str(root, "rounding");
		if (s && strcmp(s, "nearest") && strcmp(s, "trunc"))
			rc = bad(&r, "file", "\"rounding\" must be \"nearest\" or \"trunc\"");
		pl->rounding = s && !strcmp(s, "trunc");
		s = get_str(root, "io");
		if (s && strcmp(s, "float") && strcmp(s, "raw"))
			rc = bad(&r, "file", "\"io\" must be \"float\" or \"raw\"");
		pl->io_raw = s && !strcmp(s, "raw");
	}
	const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(root, "tensors");
	if (rc == 0 && ((layers && !cJSON_IsArray(layers)) || (ts && !cJSON_IsArray(ts))))
		rc = bad(&r, "file", "\"layers\" and \"tensors\" must be arrays");
	int k = 0;
	const cJSON *o;
	if (rc == 0 && layers)
		cJSON_ArrayForEach(o, layers)
			if (rc == 0)
				rc = read_layer(&r, o, k++);
	k = 0;
	if (rc == 0 && ts)
		cJSON_ArrayForEach(o, ts) {
			char where[64];
			snprintf(where, sizeof where, "tensors[%d]", k++);
			const char *name = get_str(o, "name");
			if (!name) {
				rc = bad(&r, where, "needs a \"name\" string");
				break;
			}
			if (plan_tensor(pl, name)) {
				rc = bad(&r, where, "names a tensor listed twice");
				break;
			}
			PlanTensor *t = plan_tensor_add(pl, name);
			if (get_int(&r, o, "bits", 2, 16, 0, 1, where, &t->f.bits) < 0 ||
			    get_int(&r, o, "frac", -FRAC_LIM, FRAC_LIM, 0, 1, where, &t->f.frac) < 0) {
				rc = -1;
				break;
			}
		}
	const cJSON *se = cJSON_GetObjectItemCaseSensitive(root, "search");
	if (rc == 0 && se) {
		char *txt = cJSON_PrintUnformatted(se);
		pl->search = arena_strdup(pl->a, txt ? txt : "{}");
		free(txt);
	}
	cJSON_Delete(root);
	if (rc < 0) {
		plan_free(pl);
		return NULL;
	}
	return pl;
}

/* ---- applying ---- */

/* Output channels of a layer as the plan counts them: dim 1 of its first
 * output (Conv, Gemm, MatMul with a rank-2 output: the last dim). */
static int64_t
layer_channels(const Node *n)
{
	const Tensor *y = n->nout ? n->out[0] : NULL;
	if (!y || y->rank < 1)
		return -1;
	if (n->op == OP_CONV || n->op == OP_CONVTRANSPOSE)
		return y->rank >= 2 ? y->dim[1] : -1;
	return y->dim[y->rank - 1];
}

int
plan_apply(Graph *g, const Plan *pl, Diag *d)
{
	int nerr = d->nerr;
	for (int i = 0; i < pl->nlayer; i++) {
		const PlanLayer *L = &pl->layer[i];
		Node *n = graph_live_node(g, L->name);
		if (!n) {
			diag_error(d, "plan: layer '%s' (%s) is not in the model", L->name, L->op);
			continue;
		}
		if (strcmp(n->optype, L->op) != 0)
			diag_node(d, n, "plan: the plan says this layer is a %s", L->op);
		else if (layer_channels(n) != L->nch)
			diag_node(d, n, "plan: the plan says %d output channels, the model has %lld",
				L->nch, (long long)layer_channels(n));
	}
	for (int i = 0; i < pl->ntensor; i++)
		if (!graph_find(g, pl->tensor[i].name))
			diag_error(d, "plan: tensor '%s' is not in the model", pl->tensor[i].name);
	if (d->nerr > nerr)
		return -1;
	if (prune_apply(g, pl, d) < 0 || fixed_apply(g, pl, d) < 0)
		return -1;
	return 0;
}
