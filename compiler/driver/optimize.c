/* optimize.c: the budgeted search (optimize.h): channel removals (issue
 * 7) and fixed-point widths (issue 6), alone or together (joint_search),
 * every accepted move verified as the whole plan on the held-out split. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optimize.h"
#include "prune.h"
#include "report.h"

const char *const obj_names[] = {"size", "energy", "macs", "macs+size"};
const char *const crit_names[] = {"l1", "l2", "apoz", "mean", "drop"};

typedef struct Opt {
	const OptArgs *a;
	Diag *d;
	Graph *g;              /* canonical float graph: what the plan APIs read */
	Program *p;            /* its program (sensitivity analysis) */
	DataSplit ds;
	EvalSet ana, held;
	EvalSet pred;          /* the first sens_samples of ana: predictions, means */
	EvalResult base, base_ana;  /* exact model on the held-out part and on pred */
	int objective;
	Calib *cal;
	Sens sens; int have_sens;
	cJSON *moves;          /* the log of every evaluated move */
	int nevals;
	double t0;
	PruneCache *pcache;    /* the reader fits' patch totals, across trials */
} Opt;

static double
cost(const Opt *op, const EvalResult *r)
{
	switch (op->objective) {
	case OBJ_ENERGY: return r->energy_pj;
	case OBJ_MACS: return (double)r->macs;
	case OBJ_MACS_SIZE: {
		/* recorded: the larger ratio; the search weighs the savings of
		 * each move (macs_size_value) */
		double m = (double)r->macs / (double)(op->base.macs ? op->base.macs : 1);
		double w = (double)r->weight_bytes /
			(double)(op->base.weight_bytes ? op->base.weight_bytes : 1);
		return m > w ? m : w;
	}
	default: return (double)r->weight_bytes;
	}
}

static int
evaluate(Opt *op, const Plan *pl, const EvalSet *s, double floor, EvalResult *r)
{
	op->nevals++;
	return eval_plan(&op->a->o, pl, s, floor, r, op->d);
}

static void
log_move(Opt *op, const char *what, const EvalResult *r, int accepted, double c)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "move", what);
	cJSON_AddNumberToObject(m, "heldout_metric", r->metric);
	cJSON_AddBoolToObject(m, "accepted", accepted);
	if (accepted)
		cJSON_AddNumberToObject(m, obj_names[op->objective], c);
	cJSON_AddItemToArray(op->moves, m);
	if (op->a->progress)
		fprintf(stderr, "axcc optimize: [%4.0f s] %-44s held-out %6.2f%%%s %s\n",
			sens_now() - op->t0, what, 100 * r->metric, r->stopped ? " (at most)" : "",
			accepted ? "accepted" : "rejected");
}

/* ---- sensitivities (order of moves, channel criteria) ---- */

static int
need_sens(Opt *op)
{
	if (op->have_sens)
		return 0;
	unsigned kinds = 0;
	if (op->a->methods & OPT_FIXED)
		kinds |= 1u << SK_WQUANT | 1u << SK_OQUANT;
	int filters = op->a->methods & OPT_PRUNE ? (op->a->criterion == CRIT_DROP ? 2 : 1) : 0;
	op->sens.o = (SensOpts){.seed = op->a->da.seed, .repeats = 1, .eps = op->a->budget,
		.kinds = kinds ? kinds : SENS_KINDS_NONE, .filters = filters,
		.nthreads = op->a->nthreads};
	/* sensitivities only order the moves: a part of the analysis split
	 * is enough */
	if (op->a->progress)
		fprintf(stderr, "axcc optimize: sensitivity analysis on %d samples...\n", op->pred.n);
	if (sens_run(&op->sens, op->p, op->pred.x, op->pred.insz, op->pred.n, op->pred.label,
			op->d) < 0)
		return -1;
	op->have_sens = 1;
	return 0;
}

static const SensLayer *
sens_layer(const Opt *op, const char *name)
{
	for (int i = 0; i < op->sens.nlayer; i++)
		if (!strcmp(op->sens.layer[i].node->name, name))
			return &op->sens.layer[i];
	return NULL;
}

/* The analysis metric with layer `name` alone quantized (kind, k bits). */
static double
sens_drop(const Opt *op, const char *name, int kind, int bits)
{
	const SensLayer *L = sens_layer(op, name);
	if (!L)
		return 0;
	for (int j = 0; j < L->npt[kind]; j++)
		if ((int)L->pt[kind][j].level == bits)
			return op->sens.set.base.metric - L->pt[kind][j].s.metric;
	return 0;
}

/* ---- pruning ---- */

/* Per channel of unit u, the criterion score (lower: removed first),
 * summed over the unit's producer layers. */
static void
unit_scores(const Opt *op, const PruneUnit *u, double *sc)
{
	memset(sc, 0, (size_t)u->nch * sizeof *sc);
	for (int l = 0; l < u->nlayer; l++) {
		const SensLayer *L = sens_layer(op, u->layer[l]);
		if (!L || !L->filt)
			continue;
		/* output channel o of the layer is unit channel lcls[l][o] (several
		 * outputs share one when a grouped conv binds them) */
		for (int o = 0; o < u->lnch[l] && o < L->nch; o++) {
			const FilterScore *f = &L->filt[o];
			int c = u->lcls[l][o];
			if (c < 0 || c >= u->nch)
				continue;
			switch (op->a->criterion) {
			case CRIT_L1: sc[c] += f->l1; break;
			case CRIT_L2: sc[c] += f->l2 * f->l2; break;
			case CRIT_APOZ: sc[c] += 1 - f->apoz; break;   /* many zeros: goes first */
			case CRIT_MEAN: sc[c] += f->mean_abs; break;
			default:   /* measured drop with mean replacement, ties by L1 */
				sc[c] += (op->sens.set.base.metric - f->repl.metric) + 1e-9 * f->l1;
				break;
			}
		}
	}
}

static const double *cmp_sc;
static int
cmp_score(const void *x, const void *y)
{
	int i = *(const int *)x, j = *(const int *)y;
	if (cmp_sc[i] != cmp_sc[j])
		return cmp_sc[i] < cmp_sc[j] ? -1 : 1;
	return i - j;
}
static int
cmp_int(const void *x, const void *y)
{
	return *(const int *)x - *(const int *)y;
}

typedef struct UnitState {
	int *order;            /* channels, least significant first */
	int k, step, active;
	int rem;               /* the removal tried next (next_removal) */
	int lim;               /* a removal rejected since the unit's last
	                        * accepted one: only fewer are tried; 0: none */
	int valid;             /* pred below is for (k, rem) */
	double saved, drop;    /* predicted on the analysis split */
	double dm, dw;         /* fractions of the exact model's MACs and weight
	                        * bytes saved (macs+size) */
} UnitState;

/* The value of a move under macs+size: the fraction of the exact model's
 * MACs it saves, plus the fraction of its weight bytes it saves as far as
 * these are needed for the weights saved to keep pace with 0.8 of the MACs
 * saved (flash follows the weights). On fmnist_vgg MACs alone left the
 * classifier's weights, most of the flash, in place (MACs -35%, flash
 * -22%); weights counted in full while they lagged (twice, uncapped)
 * spent half the budget on halving the classifier (-43% weights) before
 * the MACs fell 20%. */
static double
macs_size_value(const Opt *op, const EvalResult *cur, double dm, double dw)
{
	double sm = 1 - (double)cur->macs / (double)(op->base.macs ? op->base.macs : 1);
	double sw = 1 - (double)cur->weight_bytes /
		(double)(op->base.weight_bytes ? op->base.weight_bytes : 1);
	double need = 0.8 * (sm + dm) - sw;
	return dm + (need <= 0 ? 0 : dw < need ? dw : need);
}

/* pl with unit u's first `k` channels of its order removed (means from
 * the analysis split). */
static Plan *
with_removal(Opt *op, const Plan *cur, const PruneUnit *u, const UnitState *us, int k)
{
	Plan *t = plan_dup(cur);
	int *rm = xmalloc((size_t)(k + 1) * sizeof *rm);
	memcpy(rm, us->order, (size_t)k * sizeof *rm);
	qsort(rm, (size_t)k, sizeof *rm, cmp_int);
	prune_set(t, op->g, u, rm, k);
	free(rm);
	if (!op->pcache)
		op->pcache = prune_cache_new();
	if ((op->a->prune_means ? prune_fill_means(op->g, t, op->pred.x, op->pred.insz, op->pred.n,
			op->d) : prune_fill_linear_cached(op->g, t, op->pred.x, op->pred.insz, op->pred.n,
			op->pcache, op->d)) < 0) {
		plan_free(t);
		return NULL;
	}
	return t;
}

/* The next removal of unit u to try: at least s->step channels more than
 * the s->k removed, moved up to the next count the kernels take
 * (prune_kept_ok, fx: the integer kernels), and fewer than s->lim; the
 * step halves until one is left. 0: none. */
static int
next_removal(const Opt *op, const PruneUnit *u, UnitState *s, int fx)
{
	for (; s->step > 0; s->step /= 2)
		for (int k = s->k + s->step; k < u->nch && (!s->lim || k < s->lim); k++)
			if (prune_kept_ok(op->g, u, u->nch - k, fx))
				return k;
	return 0;
}

/* The state of a pruning search: its units, each one's order and steps. */
typedef struct PruneSt {
	Arena *a;
	PruneUnit *u;
	int nu;
	UnitState *st;
	EvalResult ab;         /* the exact model on the analysis split */
	double ref;            /* the prediction split's metric that the drops
	                        * are measured from */
	int fx;                /* the producers run on the integer kernels */
} PruneSt;

static int
prune_begin(Opt *op, PruneSt *ps, int fx)
{
	memset(ps, 0, sizeof *ps);
	ps->a = arena_new();
	ps->fx = fx;
	ps->ref = op->base_ana.metric;
	if ((ps->nu = prune_units(op->g, ps->a, &ps->u, op->d)) < 0 || need_sens(op) < 0)
		return -1;
	/* a guard against fitting the held-out split by chance: an accepted
	 * removal must keep the drop on all the data (analysis + held out)
	 * within 1.5 times the budget part (a strict analysis floor of 1x
	 * stopped fmnist_vgg at -21% MACs instead of -35%, all-data drop 1.05) */
	if (eval_reference(&op->a->o, &op->ana, op->d) < 0 ||
			evaluate(op, NULL, &op->ana, 0, &ps->ab) < 0)
		return -1;
	ps->st = calloc((size_t)ps->nu + 1, sizeof *ps->st);
	for (int i = 0; i < ps->nu; i++) {
		const PruneUnit *u = &ps->u[i];
		UnitState *s = &ps->st[i];
		if (!u->prunable) {
			if (op->a->progress)
				fprintf(stderr, "axcc optimize: %s: left alone: %s\n",
					u->nlayer ? u->layer[0] : "?", u->note ? u->note : "");
			continue;
		}
		double *sc = xmalloc((size_t)u->nch * sizeof *sc + 1);
		s->order = xmalloc((size_t)u->nch * sizeof(int) + 1);
		unit_scores(op, u, sc);
		for (int c = 0; c < u->nch; c++)
			s->order[c] = c;
		cmp_sc = sc;
		qsort(s->order, (size_t)u->nch, sizeof(int), cmp_score);
		free(sc);
		s->step = u->nch / 8 > 1 ? u->nch / 8 : 1;
		s->active = u->nch > 1;
	}
	return 0;
}

static void
prune_end(Opt *op, PruneSt *ps)
{
	for (int i = 0; ps->st && i < ps->nu; i++)
		free(ps->st[i].order);
	free(ps->st);
	eval_set_free(&op->ana);
	arena_free(ps->a);
}

/* Every unit's next removal measured (where the plan changed since) on
 * the first sens_samples of the analysis split: the unit that saves the
 * most per point predicted lost, *eff that ratio; -1: none; -2: an error. */
static int
prune_best(Opt *op, PruneSt *ps, const Plan *cur, const EvalResult *curr, double *eff)
{
	int best = -1;
	double bp = -1, c0 = cost(op, curr);

	for (int i = 0; i < ps->nu; i++) {
		UnitState *s = &ps->st[i];
		if (!s->active)
			continue;
		if (!s->valid && !(s->rem = next_removal(op, &ps->u[i], s, ps->fx))) {
			s->active = 0;
			continue;
		}
		if (!s->valid) {
			Plan *t = with_removal(op, cur, &ps->u[i], s, s->rem);
			EvalResult r;
			if (!t || evaluate(op, t, &op->pred, 0, &r) < 0) {
				plan_free(t);
				return -2;
			}
			s->saved = c0 - cost(op, &r);
			s->dm = (double)(curr->macs - r.macs) /
				(double)(op->base.macs ? op->base.macs : 1);
			s->dw = ((double)curr->weight_bytes - (double)r.weight_bytes) /
				(double)(op->base.weight_bytes ? op->base.weight_bytes : 1);
			s->drop = ps->ref - r.metric;
			s->valid = 1;
			plan_free(t);
		}
		if (op->objective == OBJ_MACS_SIZE)
			s->saved = macs_size_value(op, curr, s->dm, s->dw);
		double pr = s->saved / ((s->drop > 0 ? s->drop : 0) + 1e-3);
		if (s->saved > 0 && pr > bp) {
			bp = pr;
			best = i;
		}
	}
	*eff = bp;
	return best;
}

/* Unit i's next removal verified on the held-out split: 1 accepted, 0
 * rejected, -1 an error. */
static int
prune_step(Opt *op, PruneSt *ps, int i, Plan **cur, EvalResult *curr, double floor)
{
	UnitState *s = &ps->st[i];
	double part = op->base.metric - floor, nh = op->held.n, na = op->ana.n;
	Plan *t = with_removal(op, *cur, &ps->u[i], s, s->rem);
	EvalResult r;

	if (!t || evaluate(op, t, &op->held, floor, &r) < 0) {
		plan_free(t);
		return -1;
	}
	/* a step may take at most half the budget left: the predictions on
	 * the first sens_samples of the analysis split are rough, and one
	 * step that proved dear would end the search (on fmnist_mobilenet a
	 * residual unit 32 -> 28 took 1.04 of the 1.14 points left at MACs
	 * -9%); it is tried smaller instead, or the unit stops when it is its
	 * smallest */
	int ok = r.metric >= floor - 1e-12 && !r.stopped, guard = 0, dear = 0;
	if (ok && curr->metric - r.metric > 0.5 * (curr->metric - floor)) {
		dear = 1;
		ok = 0;
	}
	if (ok) {
		EvalResult ra;
		double afloor = ps->ab.metric -
			(1.5 * part * (nh + na) - nh * (op->base.metric - r.metric)) / na;
		if (evaluate(op, t, &op->ana, afloor, &ra) < 0) {
			plan_free(t);
			return -1;
		}
		guard = !(ra.metric >= afloor - 1e-12 && !ra.stopped);
		ok = !guard;
	}
	char what[200];
	snprintf(what, sizeof what, "prune %s: %d of %d channels%s", ps->u[i].layer[0], s->rem,
		ps->u[i].nch, guard ? " (all data over 1.5x)" : dear ? " (over half the budget left)" : "");
	log_move(op, what, &r, ok, cost(op, &r));
	if (!ok) {
		plan_free(t);
		s->step = (s->rem - s->k) / 2;
		s->lim = s->rem;
		s->valid = 0;
		return 0;
	}
	plan_free(*cur);
	*cur = t;
	*curr = r;
	s->step = 2 * (s->rem - s->k);
	s->k = s->rem;
	s->lim = 0;
	for (int j = 0; j < ps->nu; j++)
		ps->st[j].valid = 0;   /* costs are relative to the new plan */
	return 1;
}

static int
prune_search(Opt *op, Plan **cur, EvalResult *curr, double floor)
{
	PruneSt ps;
	int rc = prune_begin(op, &ps, 0);

	while (rc == 0) {
		double eff;
		int best = prune_best(op, &ps, *cur, curr, &eff);
		if (best < 0) {
			rc = best == -2 ? -1 : 0;
			break;
		}
		if (prune_step(op, &ps, best, cur, curr, floor) < 0)
			rc = -1;
	}
	prune_end(op, &ps);
	return rc;
}

/* ---- fixed point ---- */

typedef struct Cand {
	const char *layer;
	int act;               /* 0: weights, 1: output activation */
	int bits;              /* current */
	int active;
	double saved;          /* per step: nominal bits saved (fixed_search),
	                        * the objective's saving (joint_search) */
	int to;                /* the width the step goes to */
	int valid;             /* joint_search: saved, to and drop are for the
	                        * current plan */
	double drop;           /* predicted (layer sensitivities) */
} Cand;

/* Calibration, sensitivities, then the start: uniform 8-bit weights and
 * activations, or the first wider uniform width that fits the budget;
 * then every weight narrower at once, two bits first and one more while
 * the held-out metric stays above nfloor (>= floor). 1: a start was
 * accepted into *cur, 0: no uniform width fits, -1: an error. */
static int
fixed_start(Opt *op, Plan **cur, EvalResult *curr, double floor, double nfloor)
{
	if (!op->cal) {
		if (op->a->progress)
			fprintf(stderr, "axcc optimize: calibrating on %d samples...\n", op->ana.n);
		op->cal = calib_run(op->g, op->ana.x, op->ana.insz, op->ana.n, &op->a->co, op->d);
		if (!op->cal)
			return -1;
	}
	if (need_sens(op) < 0)
		return -1;
	/* narrower widths come from the per-layer moves, where the sensitive
	 * layers can stay wider */
	static const int ks[] = {8, 10, 12, 16};
	Plan *best = NULL;
	EvalResult br;
	int kbest = 0;
	for (int j = 0; j < 4 && !best; j++) {
		int k = ks[j] < op->a->min_bits ? op->a->min_bits : ks[j];
		Plan *t = plan_dup(*cur);
		EvalResult r;
		if (fixed_plan_uniform(op->g, op->cal, k, k, t, op->d) < 0 ||
				evaluate(op, t, &op->held, floor, &r) < 0) {
			plan_free(t);
			return -1;
		}
		int ok = r.metric >= floor - 1e-12 && !r.stopped;
		char what[64];
		snprintf(what, sizeof what, "uniform %d-bit weights and activations", k);
		log_move(op, what, &r, ok, cost(op, &r));
		if (ok) {
			best = t;
			br = r;
			kbest = k;
		} else {
			plan_free(t);
		}
	}
	/* every weight narrower at once: one evaluation each, where the
	 * one-bit moves per layer below take one per layer and bit (on
	 * fmnist_mobilenet's 17 layers, over an hour of integer runs on a
	 * loaded machine) */
	for (int wb = kbest - 2; best && kbest == 8 && wb >= op->a->min_bits && wb >= 4; wb--) {
		Plan *t = plan_dup(*cur);
		EvalResult r;
		if (fixed_plan_uniform(op->g, op->cal, wb, kbest, t, op->d) < 0 ||
				evaluate(op, t, &op->held, nfloor, &r) < 0) {
			plan_free(t);
			plan_free(best);
			return -1;
		}
		int ok = r.metric >= nfloor - 1e-12 && !r.stopped;
		char what[64];
		snprintf(what, sizeof what, "uniform %d-bit weights, %d-bit activations", wb, kbest);
		log_move(op, what, &r, ok, cost(op, &r));
		if (!ok) {
			plan_free(t);
			break;
		}
		plan_free(best);
		best = t;
		br = r;
	}
	if (!best) {
		if (op->a->progress)
			fprintf(stderr, "axcc optimize: no uniform width up to 16 bits fits the budget: "
				"fixed point skipped\n");
		return 0;
	}
	plan_free(*cur);
	*cur = best;
	*curr = br;
	return 1;
}

/* The per-layer candidates of plan pl (weights; activations where they
 * save: wider than 8 bits, or any under the energy objective). */
static Cand *
fixed_cands(Opt *op, const Plan *pl, int *nc)
{
	Cand *c = calloc((size_t)(2 * pl->nlayer + 1), sizeof *c);

	*nc = 0;
	for (int i = 0; i < pl->nlayer; i++) {
		/* names outlive the plan they come from (accepted moves free it) */
		const char *name = arena_strdup(op->g->arena, pl->layer[i].name);
		int wb = fixed_weight_bits(pl, name), ab = fixed_act_bits(op->g, pl, name);
		const Node *n = graph_live_node(op->g, name);
		if (!n)
			continue;
		LayerCost lc = node_cost(n);
		if (wb > op->a->min_bits)
			c[(*nc)++] = (Cand){name, 0, wb, 1, (double)lc.params, wb - 1, 0, 0};
		/* activations narrower than 8 bits save no storage (int8), only
		 * energy */
		if (ab > op->a->min_bits && (op->objective == OBJ_ENERGY || ab > 8))
			c[(*nc)++] = (Cand){name, 1, ab, 1,
				op->objective == OBJ_ENERGY ? (double)lc.macs : (double)tensor_numel(n->out[0]),
				ab - 1, 0, 0};
	}
	return c;
}

/* pl with candidate m's layer at `bits`, or NULL where that width does
 * not apply (set < 0). */
static Plan *
with_width(Opt *op, const Plan *pl, const Cand *m, int bits)
{
	Plan *t = plan_dup(pl);
	int set = m->act ? fixed_set_act_bits(op->g, op->cal, t, m->layer, bits)
		: fixed_set_weight_bits(op->g, t, m->layer, bits);
	if (set < 0) {
		plan_free(t);
		return NULL;
	}
	return t;
}

/* Candidate m's step to m->to verified on the held-out split: 1 accepted,
 * 0 rejected (the candidate stops), -1 an error. */
static int
fixed_step(Opt *op, Cand *m, Plan **cur, EvalResult *curr, double floor)
{
	Plan *t = with_width(op, *cur, m, m->to);
	EvalResult r;

	if (!t) {
		m->active = 0;
		return 0;
	}
	if (evaluate(op, t, &op->held, floor, &r) < 0) {
		plan_free(t);
		return -1;
	}
	int ok = r.metric >= floor - 1e-12 && !r.stopped;
	char what[200];
	snprintf(what, sizeof what, "%s %s: %d -> %d bits", m->layer, m->act ? "output" : "weights",
		m->bits, m->to);
	log_move(op, what, &r, ok, cost(op, &r));
	if (!ok) {
		plan_free(t);
		m->active = 0;
		return 0;
	}
	plan_free(*cur);
	*cur = t;
	*curr = r;
	m->bits = m->to;
	m->to = m->bits - 1;
	if (m->bits <= op->a->min_bits || (m->act && op->objective != OBJ_ENERGY && m->bits <= 8))
		m->active = 0;
	return 1;
}

/* Fixed point under the MACs objectives, after pruning: per-layer moves
 * one bit at a time, in the order of nominal bits saved per point the
 * layer sensitivities predict lost (the objective itself barely moves). */
static int
fixed_search(Opt *op, Plan **cur, EvalResult *curr, double floor)
{
	int rc = fixed_start(op, cur, curr, floor, floor), nc;
	if (rc <= 0)
		return rc;
	Cand *c = fixed_cands(op, *cur, &nc);
	for (rc = 0; rc == 0;) {
		int bi = -1;
		double bp = -1;
		for (int i = 0; i < nc; i++) {
			if (!c[i].active)
				continue;
			double drop = sens_drop(op, c[i].layer, c[i].act ? SK_OQUANT : SK_WQUANT, c[i].bits - 1);
			double pr = c[i].saved / ((drop > 0 ? drop : 0) + 1e-3);
			if (pr > bp) {
				bp = pr;
				bi = i;
			}
		}
		if (bi < 0)
			break;
		if (fixed_step(op, &c[bi], cur, curr, floor) < 0)
			rc = -1;
	}
	free(c);
	return rc;
}

/* ---- pruning and fixed point together ---- */

/* The objective's costs of plan pl, without running it. */
static int
plan_cost(Opt *op, const Plan *pl, EvalResult *r)
{
	EvalSet none = op->pred;
	none.n = 0;
	return eval_plan(&op->a->o, pl, &none, 0, r, op->d);
}

/* Every candidate's next step measured where the plan changed since: the
 * widest narrower width that lowers the objective (storage goes by int8,
 * two per byte at 3-4 bits and four at 2, so a one-bit step of the
 * weights often saves nothing), its exact saving and the drop the layer
 * sensitivities predict for it beyond the current width's. Returns the
 * candidate saving the most per point, *eff that ratio; -1: none; -2: an
 * error. */
static int
fixed_best(Opt *op, Cand *c, int nc, const Plan *cur, const EvalResult *curr, double *eff)
{
	int bi = -1;
	double bp = -1, c0 = cost(op, curr);

	for (int i = 0; i < nc; i++) {
		Cand *m = &c[i];
		for (int b = m->bits - 1; m->active && !m->valid; b--) {
			int kind = m->act ? SK_OQUANT : SK_WQUANT;
			EvalResult r;
			Plan *t = b >= op->a->min_bits ? with_width(op, cur, m, b) : NULL;
			if (!t) {
				m->active = 0;
				break;
			}
			if (plan_cost(op, t, &r) < 0) {
				plan_free(t);
				return -2;
			}
			plan_free(t);
			if (c0 - cost(op, &r) > 0) {
				m->to = b;
				m->saved = c0 - cost(op, &r);
				m->drop = sens_drop(op, m->layer, kind, b) - sens_drop(op, m->layer, kind, m->bits);
				m->valid = 1;
			}
		}
		if (!m->active)
			continue;
		double pr = m->saved / ((m->drop > 0 ? m->drop : 0) + 1e-3);
		if (pr > bp) {
			bp = pr;
			bi = i;
		}
	}
	*eff = bp;
	return bi;
}

/* The search under the size and energy objectives. From the uniform start
 * (with prune, its all-weights moves within half the budget), every
 * layer's next width that lowers the objective and, with prune, every
 * unit's next removal on the integer kernels' channel tiles compete on the
 * objective saved per point predicted lost; each accepted move is verified
 * as the whole plan on the held-out split. Widths by exact savings: a
 * one-bit step that saves nothing (5 to 8 bits are all int8) spends budget
 * for nothing. Pruning first with a part of the budget, then widths, did
 * worse than widths alone on fmnist_vgg (112,094 against 60,832 weight
 * bytes): its classifier, 88% of the weights, is best pruned once it is
 * quantized, which only the quantized plan shows. */
static int
joint_search(Opt *op, Plan **cur, EvalResult *curr, double floor, int prune)
{
	double nfloor = prune ? op->base.metric - (op->base.metric - floor) / 2 : floor;
	int rc = fixed_start(op, cur, curr, floor, nfloor), nc;
	if (rc == 0)
		return prune ? prune_search(op, cur, curr, floor) : 0;
	if (rc < 0)
		return -1;
	PruneSt ps;
	Cand *c = fixed_cands(op, *cur, &nc);
	EvalResult rp;
	memset(&ps, 0, sizeof ps);
	rc = prune ? prune_begin(op, &ps, 1) : 0;
	if (rc == 0 && prune && (rc = evaluate(op, *cur, &op->pred, 0, &rp)) == 0)
		ps.ref = rp.metric;
	while (rc == 0) {
		double pe = -1, fe = -1;
		int pi = prune ? prune_best(op, &ps, *cur, curr, &pe) : -1, fi = -1, acc;
		if (pi != -2)
			fi = fixed_best(op, c, nc, *cur, curr, &fe);
		if (pi == -2 || fi == -2) {
			rc = -1;
			break;
		}
		if (pi < 0 && fi < 0)
			break;
		if (fi >= 0 && (pi < 0 || fe >= pe))
			acc = fixed_step(op, &c[fi], cur, curr, floor);
		else
			acc = prune_step(op, &ps, pi, cur, curr, floor);
		if (acc < 0) {
			rc = -1;
			break;
		}
		if (!acc)
			continue;
		/* savings and predictions are relative to the new plan */
		for (int i = 0; i < nc; i++)
			c[i].valid = 0;
		if (!prune)
			continue;
		for (int i = 0; i < ps.nu; i++)
			ps.st[i].valid = 0;
		if ((rc = evaluate(op, *cur, &op->pred, 0, &rp)) == 0)
			ps.ref = rp.metric;
	}
	if (prune)
		prune_end(op, &ps);
	free(c);
	return rc;
}

/* ---- the run ---- */

static cJSON *
result_json(const EvalResult *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "metric", r->metric);
	cJSON_AddNumberToObject(o, "ci95", r->ci95);
	cJSON_AddNumberToObject(o, "samples", r->n);
	cJSON_AddNumberToObject(o, "weight_bytes", (double)r->weight_bytes);
	cJSON_AddNumberToObject(o, "arena_bytes", (double)r->arena_bytes);
	cJSON_AddNumberToObject(o, "macs", (double)r->macs);
	cJSON_AddNumberToObject(o, "energy_pj", r->energy_pj);
	return o;
}

static int
setup(Opt *op, Diag *d)
{
	const OptArgs *a = op->a;
	Options o = a->o;
	o.plan = NULL;
	o.planobj = NULL;
	op->p = build_program(&o, d, &op->g);
	if (!op->p)
		return -1;
	Diag dd = diag_make(NULL);
	if (data_split_load(&op->ds, &a->da, op->g, &dd) < 0) {
		d->nerr++;
		return -1;
	}
	if (op->ds.na < 1 || op->ds.nh < 1)
		return diag_error(d, "optimize needs both an analysis and a held-out part "
			"(--split %g of %d samples)", a->da.split, op->ds.sd.n);
	op->ana = (EvalSet){.n = op->ds.na, .x = op->ds.xa, .insz = op->ds.sd.insz,
		.label = op->ds.ya, .nthreads = a->nthreads};
	op->held = (EvalSet){.n = op->ds.nh, .x = op->ds.xh, .insz = op->ds.sd.insz,
		.label = op->ds.yh, .nthreads = a->nthreads};
	op->pred = op->ana;
	if (op->pred.n > a->sens_samples)
		op->pred.n = a->sens_samples;
	if (eval_reference(&o, &op->pred, d) < 0 || eval_reference(&o, &op->held, d) < 0)
		return -1;
	if (evaluate(op, NULL, &op->held, 0, &op->base) < 0 ||
			evaluate(op, NULL, &op->pred, 0, &op->base_ana) < 0)
		return -1;
	return 0;
}

int
optimize_run(const OptArgs *a, Plan **out, Diag *d)
{
	Opt op = {.a = a, .d = d, .t0 = sens_now()};
	op.objective = a->objective >= 0 ? a->objective
		: a->methods == OPT_PRUNE ? OBJ_MACS_SIZE : OBJ_SIZE;
	op.moves = cJSON_CreateArray();
	*out = NULL;
	int rc = setup(&op, d);
	Plan *cur = NULL;
	EvalResult r = op.base;
	double floor = op.base.metric - a->budget;
	if (rc == 0) {
		if (a->progress)
			fprintf(stderr, "axcc optimize: exact model: held-out %.2f%% (%d samples), "
				"floor %.2f%%\n", 100 * op.base.metric, op.held.n, 100 * floor);
		cur = plan_new();
		const char *b = strrchr(a->o.model, '/');
		cur->model = arena_strdup(cur->a, b ? b + 1 : a->o.model);
		cur->rounding = a->co.rounding;
	}
	/* widths under size or energy, with pruning or not: joint_search;
	 * under the MACs objectives pruning first, within half the budget
	 * when widths follow (one bit at a time, by nominal bits saved) */
	if (rc == 0 && (a->methods & OPT_FIXED) &&
			(op.objective == OBJ_SIZE || op.objective == OBJ_ENERGY))
		rc = joint_search(&op, &cur, &r, floor, (a->methods & OPT_PRUNE) != 0);
	else {
		if (rc == 0 && (a->methods & OPT_PRUNE))
			rc = prune_search(&op, &cur, &r,
				a->methods & OPT_FIXED ? op.base.metric - a->budget / 2 : floor);
		if (rc == 0 && (a->methods & OPT_FIXED))
			rc = fixed_search(&op, &cur, &r, floor);
	}
	EvalResult full;
	if (rc == 0) {
		/* the whole file (analysis + held out) for the record */
		EvalSet all = {.n = op.ds.sd.n, .x = op.ds.sd.x, .insz = op.ds.sd.insz,
			.label = op.ds.sd.label, .nthreads = a->nthreads};
		EvalResult fb;
		rc = eval_reference(&a->o, &all, d);
		if (rc == 0)
			rc = evaluate(&op, NULL, &all, 0, &fb);
		if (rc == 0)
			rc = evaluate(&op, cur, &all, 0, &full);
		if (rc == 0) {
			cJSON *s = cJSON_CreateObject();
			cJSON_AddNumberToObject(s, "budget", a->budget);
			cJSON *m = cJSON_AddArrayToObject(s, "methods");
			if (a->methods & OPT_PRUNE)
				cJSON_AddItemToArray(m, cJSON_CreateString("prune"));
			if (a->methods & OPT_FIXED)
				cJSON_AddItemToArray(m, cJSON_CreateString("fixed"));
			cJSON_AddStringToObject(s, "objective", obj_names[op.objective]);
			cJSON_AddStringToObject(s, "criterion", crit_names[a->criterion]);
			cJSON_AddStringToObject(s, "data", a->da.data);
			cJSON_AddStringToObject(s, "labels", a->da.labels ? a->da.labels : "");
			cJSON_AddNumberToObject(s, "split", a->da.split);
			cJSON_AddNumberToObject(s, "seed", (double)a->da.seed);
			cJSON_AddStringToObject(s, "metric", op.ds.sd.label ? "top1_accuracy" : "top1_agreement");
			cJSON_AddItemToObject(s, "exact_heldout", result_json(&op.base));
			cJSON_AddItemToObject(s, "plan_heldout", result_json(&r));
			cJSON_AddItemToObject(s, "exact_all", result_json(&fb));
			cJSON_AddItemToObject(s, "plan_all", result_json(&full));
			cJSON_AddNumberToObject(s, "evaluations", op.nevals);
			cJSON_AddItemToObject(s, "moves", op.moves);
			op.moves = NULL;
			char *txt = cJSON_PrintUnformatted(s);
			cur->search = arena_strdup(cur->a, txt);
			free(txt);
			cJSON_Delete(s);
			printf("%s: budget %.2f points, methods %s%s%s, objective %s\n", a->o.model,
				100 * a->budget, a->methods & OPT_PRUNE ? "prune" : "",
				a->methods == OPT_ALL ? "," : "", a->methods & OPT_FIXED ? "fixed" : "",
				obj_names[op.objective]);
			printf("              %12s %12s %12s %14s %10s %10s\n", "held-out", "all data",
				"weights B", "arena B", "MACs", "energy nJ");
			printf("  exact       %11.2f%% %11.2f%% %12zu %14zu %10lld %10.1f\n",
				100 * op.base.metric, 100 * fb.metric, op.base.weight_bytes, op.base.arena_bytes,
				(long long)op.base.macs, op.base.energy_pj / 1000);
			printf("  plan        %11.2f%% %11.2f%% %12zu %14zu %10lld %10.1f\n",
				100 * r.metric, 100 * full.metric, r.weight_bytes, r.arena_bytes,
				(long long)r.macs, r.energy_pj / 1000);
			printf("  drop        %+11.2f  %+11.2f  (points; held-out ±%.2f, %d samples)\n",
				100 * (op.base.metric - r.metric), 100 * (fb.metric - full.metric),
				100 * r.ci95, r.n);
			printf("  ratio       %12s %12s %12.3f %14.3f %10.3f %10.3f\n", "", "",
				(double)r.weight_bytes / (double)(op.base.weight_bytes ? op.base.weight_bytes : 1),
				(double)r.arena_bytes / (double)(op.base.arena_bytes ? op.base.arena_bytes : 1),
				(double)r.macs / (double)(op.base.macs ? op.base.macs : 1),
				r.energy_pj / (op.base.energy_pj > 0 ? op.base.energy_pj : 1));
			printf("  %d evaluations, %.1f s\n", op.nevals, sens_now() - op.t0);
		}
		eval_set_free(&all);
	}
	if (rc == 0)
		*out = cur;
	else
		plan_free(cur);
	cJSON_Delete(op.moves);
	prune_cache_free(op.pcache);
	if (op.have_sens)
		sens_free(&op.sens);
	calib_free(op.cal);
	eval_set_free(&op.pred);
	eval_set_free(&op.held);
	data_split_free(&op.ds);
	if (op.p)
		prog_free(op.p);
	if (op.g)
		graph_free(op.g);
	return rc;
}
