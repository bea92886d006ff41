/* verify.c: the end-to-end check behind `axcc verify` and the conformance
 * runner. Imports and lowers the model, runs the interpreter, writes the C
 * with a generic driver, builds it with the system compiler, runs it on each
 * data set and compares every output with the reference (tolerance) and with
 * the interpreter (bit for bit). The result names the first stage that
 * failed and why, in one line. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/data.h"
#include "plan.h"
#include "verify.h"

/* One data set: the inputs and (optional) references, plus the outputs of
 * the interpreter and of the compiled C. */
typedef struct DataSet {
	const char *what;          /* the directory, or "--input" */
	const char *tag;           /* message prefix: "test_data_set_0: ", or "" */
	int nin, nref;
	Tensor *in, *ref;          /* in: graph order, without frozen inputs */
	int nfile; Tensor *file;   /* the input files as read */
	int nref0; Tensor *ref0;   /* the references as read, before flatten_refs */
	void **interp, **cout;     /* per program output */
} DataSet;

typedef struct Case {
	const VerifyOpts *o;
	VerifyResult *r;
	Diag *d;
	Arena *a;                  /* everything of this case */
	Graph *g;
	Program *p;
	const char *dir;           /* work directory */
	const char *name;          /* C prefix */
	DataSet *set; int nset;
	const char *frozen[VERIFY_MAXFILES]; int nfrozen;  /* inputs made constants */
	Tensor **orig; int norig;  /* the graph inputs before --freeze */
	int raw;                   /* the plan's io is raw: float inputs take integer codes */
} Case;

static const char *stage_names[NSTAGE] = {   /* ORDER: VerifyStage */
	"pass", "data", "import", "infer", "lower", "interp", "codegen",
	"build", "run", "mismatch", "differ"
};

const char *
verify_stage_name(VerifyStage s)
{
	return (unsigned)s < NSTAGE ? stage_names[s] : "?";
}

void
verify_defaults(VerifyOpts *o)
{
	memset(o, 0, sizeof *o);
	o->rtol = 1e-3;
	o->atol = 1e-5;
	o->timeout = 60;
}

static int
fail(Case *c, VerifyStage s, const char *fmt, ...)
{
	va_list ap;
	c->r->stage = s;
	va_start(ap, fmt);
	vsnprintf(c->r->reason, sizeof c->r->reason, fmt, ap);
	va_end(ap);
	return -1;
}

/* Fails stage s with the first diagnostic reported since offset mark of
 * d->all (capture mode), without the "axcc: error: MODEL: " prefix. */
static int
fail_diag(Case *c, Diag *d, VerifyStage s, size_t mark)
{
	if (!d->capture)
		return fail(c, s, "%d error(s), reported above", d->nerr);
	size_t len = strlen(d->all);
	const char *m = len > mark ? d->all + mark : len + 2 >= sizeof d->all ? d->last : "";
	const char *e = strstr(m, "error: ");
	if (e)
		m = e + 7;
	size_t pl = d->path ? strlen(d->path) : 0;
	if (pl && !strncmp(m, d->path, pl) && !strncmp(m + pl, ": ", 2))
		m += pl + 2;
	size_t n = strcspn(m, "\n");
	if (n == 0)
		return fail(c, s, "failed without a message");
	return fail(c, s, "%.*s", (int)n, m);
}

static size_t
diag_mark(const Diag *d)
{
	return d->capture ? strlen(d->all) : 0;
}

/* ---- data sets ---- */

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s && s[1] ? s + 1 : p;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
verify_data_sets(const char *casedir, char **dirs, int max)
{
	DIR *dp = opendir(casedir);
	if (!dp)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dp)) && n < max)
		if (!strncmp(e->d_name, "test_data_set_", 14)) {
			size_t l = strlen(casedir) + strlen(e->d_name) + 2;
			dirs[n] = xmalloc(l);
			snprintf(dirs[n++], l, "%s/%s", casedir, e->d_name);
		}
	closedir(dp);
	qsort(dirs, (size_t)n, sizeof *dirs, cmp_str);
	return n;
}

/* Reads one data file; its messages name the file, not the model. */
static int
read_one(Case *c, const char *path, Tensor *t)
{
	Diag dd = diag_make(path);
	dd.capture = c->d->capture;
	if (data_read(path, c->a, t, &dd) == 0)
		return 0;
	c->r->skip = 1;
	if (!dd.capture)
		return fail(c, VS_DATA, "%s: cannot read it", path);
	const char *m = strstr(dd.last, "error: ");
	return fail(c, VS_DATA, "%s", m ? m + 7 : dd.last);
}

/* Reads files prefix_0.pb, prefix_1.pb ... of dir into ts; returns the count. */
static int
read_numbered(Case *c, const char *dir, const char *prefix, Tensor **ts)
{
	int n = 0;
	char path[4096];
	for (;; n++) {
		snprintf(path, sizeof path, "%s/%s_%d.pb", dir, prefix, n);
		if (access(path, R_OK) != 0)
			break;
	}
	if (n > VERIFY_MAXFILES)
		return fail(c, VS_DATA, "%s: more than %d %s files", dir, VERIFY_MAXFILES, prefix);
	*ts = arena_alloc(c->a, (size_t)(n + 1) * sizeof **ts);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s_%d.pb", dir, prefix, i);
		if (read_one(c, path, &(*ts)[i]) < 0)
			return -1;
	}
	return n;
}

static int
read_files(Case *c, const char *const *paths, int n, Tensor **ts)
{
	*ts = arena_alloc(c->a, (size_t)(n + 1) * sizeof **ts);
	for (int i = 0; i < n; i++) {
		if (read_one(c, paths[i], &(*ts)[i]) < 0)
			return -1;
	}
	return n;
}

static int
load_data(Case *c)
{
	const VerifyOpts *o = c->o;
	c->nset = o->ndata ? o->ndata : 1;
	c->set = arena_alloc(c->a, (size_t)c->nset * sizeof *c->set);
	if (!o->ndata) {
		DataSet *s = &c->set[0];
		s->what = "--input";
		s->tag = "";
		if ((s->nfile = read_files(c, o->input, o->ninput, &s->file)) < 0 ||
				(s->nref = read_files(c, o->ref, o->nref, &s->ref)) < 0)
			return -1;
		return 0;
	}
	for (int i = 0; i < o->ndata; i++) {
		DataSet *s = &c->set[i];
		s->what = o->data[i];
		s->tag = arena_printf(c->a, "%s: ", base_name(o->data[i]));
		if ((s->nfile = read_numbered(c, o->data[i], "input", &s->file)) < 0 ||
				(s->nref = read_numbered(c, o->data[i], "output", &s->ref)) < 0)
			return -1;
		if (s->nfile == 0 && s->nref == 0)
			return fail(c, VS_DATA, "%s: no input_N.pb or output_N.pb files", o->data[i]);
	}
	return 0;
}

/* ---- matching data to the graph ---- */

static const char *
shape_str(const Tensor *t, char *buf, size_t n)
{
	if (t->rank == 0)
		return snprintf(buf, n, "scalar"), buf;
	return tensor_shape_str(t, buf, n);
}

/* Puts the tensors in graph order: by name when every file's name is one of
 * the graph's, else in file order. */
static void
order_by_name(Tensor *ts, int n, Tensor *const *want, int nwant, Arena *a)
{
	Tensor *tmp = arena_alloc(a, (size_t)(n + 1) * sizeof *tmp);
	if (n != nwant)
		return;
	for (int i = 0; i < n; i++) {
		int j;
		for (j = 0; j < n && strcmp(ts[i].name, want[j]->name); j++)
			;
		if (j == n || tmp[j].name)
			return;
		tmp[j] = ts[i];
	}
	memcpy(ts, tmp, (size_t)n * sizeof *ts);
}

/* The backend tests store bfloat16 data as uint16 (numpy has no
 * bfloat16): take those bits as bfloat16. */
static void
retag(Tensor *have, const Tensor *want)
{
	if (want->dtype == DT_BF16 && have->dtype == DT_U16)
		have->dtype = DT_BF16;
}

/* Unused, or only a CastLike's type operand: its values and shape are never read. */
static int
type_only(const Graph *g, const Tensor *t)
{
	for (int i = 0; i < g->nnode; i++)
		for (int j = 0; j < g->node[i]->nin; j++)
			if (g->node[i]->in[j] == t && (j != 1 || strcmp(g->node[i]->optype, "CastLike")))
				return 0;
	return !t->is_output;
}

static int
check_tensor(Case *c, const DataSet *s, const char *kind, int i, Tensor *want, Tensor *have)
{
	char a[128], b[128];
	retag(have, want);
	/* The backend tests' CastLike cases give 'like' another shape than the
	 * model declares; only its type matters. */
	int first = s == &c->set[0];   /* later data sets must agree with the first */
	if (first && have->dtype == want->dtype && !tensor_same_shape(have, want) && want->is_input &&
			!want->def && type_only(c->g, want))
		tensor_set(want, want->dtype, have->rank, have->dim);
	/* A symbolic dimension that no --dim bound takes the data's size. */
	if (first && have->dtype == want->dtype && have->rank == want->rank && want->symdims && want->is_input) {
		int ok = 1;
		for (int k = 0; k < want->rank; k++)
			ok &= have->dim[k] == want->dim[k] || ((want->symdims >> k) & 1);
		if (ok)
			tensor_set(want, want->dtype, have->rank, have->dim);
	}
	if (have->dtype != want->dtype || !tensor_same_shape(have, want))
		return fail(c, VS_DATA, "%s%s %d '%s' is %s %s, the data has %s %s", s->tag,
			kind, i, want->name, dtype_name(want->dtype), shape_str(want, a, sizeof a),
			dtype_name(have->dtype), shape_str(have, b, sizeof b));
	return 0;
}

/* A data set with a file for every input of the model as written: the
 * inputs that --freeze made constants drop out. */
static void
drop_user_frozen(Case *c, DataSet *s)
{
	int n = 0;
	order_by_name(s->in, s->nin, c->orig, c->norig, c->a);
	for (int i = 0; i < s->nin; i++)
		if (c->orig[i]->is_input)
			s->in[n++] = s->in[i];
	s->nin = n;
}

/* Sequence and optional inputs take their structure from the data: a
 * sequence of k tensors becomes k graph inputs NAME.0 ... NAME.k-1 (shapes
 * from the data), an optional with a value becomes that value, one without
 * has none. The data set's inputs are flattened to match. */
static int
bind_values(Case *c, DataSet *s, int first)
{
	Graph *g = c->g;
	int any = 0, n = 0, cap = 0;
	for (int j = 0; j < s->nin; j++)
		any |= g->input[j]->vkind | s->in[j].vkind;
	if (!any)
		return 0;
	if (!first)
		return fail(c, VS_DATA, "%sseveral data sets with sequence or optional inputs are not supported",
			s->tag);
	for (int j = 0; j < s->nin; j++)
		cap += s->in[j].vkind ? s->in[j].nseq + 1 + (s->in[j].nseq && s->in[j].seq[0]->vkind ?
			s->in[j].seq[0]->nseq : 0) : 1;
	Tensor **gin = arena_alloc(g->arena, (size_t)(cap + 1) * sizeof *gin);
	Tensor *din = arena_alloc(c->a, (size_t)(cap + 1) * sizeof *din);
	for (int j = 0; j < s->nin; j++) {
		Tensor *t = g->input[j], *v = &s->in[j];
		if (!t->vkind && !v->vkind) {
			gin[n] = t;
			din[n++] = *v;
			continue;
		}
		if (!t->vkind || !v->vkind)
			return fail(c, VS_DATA, "%sinput %d '%s' is a %s, the data a %s", s->tag, j, t->name,
				t->vkind ? "sequence or optional" : "tensor", v->vkind ? "sequence or optional" : "tensor");
		if (t->vkind & VK_OPT) {
			if (v->nseq == 0) {
				t->none = 1;
				t->is_input = 0;
				continue;
			}
			v = v->seq[0];
			t->vkind &= ~VK_OPT;
		}
		if (!v->vkind) {
			if (t->vkind)
				return fail(c, VS_DATA, "%sinput %d '%s' is a sequence, the data a tensor", s->tag, j, t->name);
			tensor_set(t, v->dtype, v->rank, v->dim);
			gin[n] = t;
			din[n++] = *v;
			continue;
		}
		if (!(t->vkind & VK_SEQ))
			return fail(c, VS_DATA, "%sinput %d '%s' is a tensor, the data a sequence", s->tag, j, t->name);
		t->is_input = 0;
		t->nseq = v->nseq;
		t->seq = arena_alloc(g->arena, (size_t)(v->nseq + 1) * sizeof *t->seq);
		for (int i = 0; i < v->nseq; i++) {
			Tensor *e = graph_new_tensor(g, arena_printf(g->arena, "%s.%d", t->name, i));
			if (v->seq[i]->vkind || v->seq[i]->dtype != t->dtype)
				return fail(c, VS_DATA, "%sinput '%s': element %d is not a %s tensor", s->tag, t->name, i,
					dtype_name(t->dtype));
			tensor_set(e, v->seq[i]->dtype, v->seq[i]->rank, v->seq[i]->dim);
			e->is_input = 1;
			t->seq[i] = e;
			gin[n] = e;
			din[n++] = *v->seq[i];
		}
	}
	g->input = gin;
	g->ninput = n;
	s->in = din;
	s->nin = n;
	return 0;
}

/* References that are sequences or optionals: their tensors, in order,
 * as the graph's outputs were flattened (passes/inline.c). */
static int
flatten_refs(Case *c)
{
	for (int k = 0; k < c->nset; k++) {
		DataSet *s = &c->set[k];
		int n = 0, any = 0;
		for (int i = 0; i < s->nref; i++) {
			Tensor *v = &s->ref[i];
			if (v->vkind && v->nseq == 1 && v->seq[0]->vkind)
				v = v->seq[0];   /* an optional's sequence */
			n += v->vkind ? v->nseq : 1;
			any |= v->vkind;
		}
		if (!any)
			continue;
		Tensor *r = arena_alloc(c->a, (size_t)(n + 1) * sizeof *r);
		n = 0;
		for (int i = 0; i < s->nref; i++) {
			Tensor *v = &s->ref[i];
			if (v->vkind && v->nseq == 1 && v->seq[0]->vkind)
				v = v->seq[0];
			if (!v->vkind)
				r[n++] = *v;
			for (int j = 0; v->vkind && j < v->nseq; j++)
				r[n++] = *v->seq[j];
		}
		s->ref0 = s->ref;
		s->nref0 = s->nref;
		s->ref = r;
		s->nref = n;
		if (n != c->g->noutput)
			return fail(c, VS_DATA, "%sthe model has %d output tensors, the data %d", s->tag,
				c->g->noutput, n);
	}
	return 0;
}

static int
match_data(Case *c)
{
	Graph *g = c->g;
	for (int k = 0; k < c->nset; k++) {
		DataSet *s = &c->set[k];
		s->nin = s->nfile;
		s->in = arena_memdup(c->a, s->file, (size_t)(s->nin + 1) * sizeof *s->in);
		if (s->ref0) {
			s->ref = s->ref0;
			s->nref = s->nref0;
		}
		if (s->nin == c->norig && s->nin != g->ninput)
			drop_user_frozen(c, s);
		if (s->nin != g->ninput)
			return fail(c, VS_DATA, "%sthe model has %d inputs, the data %d",
				s->tag, g->ninput, s->nin);
		if (s->nref && s->nref != g->noutput)
			return fail(c, VS_DATA, "%sthe model has %d outputs, the data %d references",
				s->tag, g->noutput, s->nref);
		order_by_name(s->in, s->nin, g->input, g->ninput, c->a);
		order_by_name(s->ref, s->nref, g->output, g->noutput, c->a);
		if (bind_values(c, s, k == 0) < 0)
			return -1;
		for (int i = 0; i < s->nin; i++) {
			/* with io raw, a float input takes integer codes: their type
			 * is checked against the planned graph (front) */
			Tensor h = s->in[i];
			if (c->raw && g->input[i]->dtype == DT_F32 && (h.dtype == DT_I8 ||
					h.dtype == DT_I16))
				h.dtype = DT_F32;
			if (check_tensor(c, s, "input", i, g->input[i], &h) < 0)
				return -1;
		}
	}
	return 0;
}

/* Whether the plan of the options (if any) has io raw; -1 when it cannot
 * be read (apply_plan_opt says why later). */
static int
plan_raw(const Options *oo)
{
	if (oo->planobj)
		return oo->planobj->io_raw;
	if (!oo->plan)
		return 0;
	Diag dd = diag_capture();
	Plan *pl = plan_read(oo->plan, &dd);
	int raw = pl ? pl->io_raw : 0;
	plan_free(pl);
	return raw;
}

/* ---- compile: import, freeze, infer, lower, plan ---- */

/* Makes graph input j a constant holding its data (the same in every set)
 * and drops it from the data sets' inputs. */
static int
freeze_input(Case *c, int j)
{
	Graph *g = c->g;
	Tensor *t = g->input[j];
	size_t nb = tensor_bytes(t);
	for (int k = 1; k < c->nset; k++)
		if (memcmp(c->set[k].in[j].init, c->set[0].in[j].init, nb))
			return fail(c, VS_DATA, "input '%s' must be constant for axcc, but its "
				"data differs between data sets", t->name);
	t->init = arena_memdup(g->arena, c->set[0].in[j].init, nb);
	t->is_input = 0;
	memmove(&g->input[j], &g->input[j + 1], (size_t)(g->ninput - j - 1) * sizeof *g->input);
	g->ninput--;
	for (int k = 0; k < c->nset; k++) {
		DataSet *s = &c->set[k];
		memmove(&s->in[j], &s->in[j + 1], (size_t)(s->nin - j - 1) * sizeof *s->in);
		s->nin--;
	}
	return 0;
}

static int
freeze(Case *c)
{
	for (int f = 0; f < c->nfrozen; f++)
		for (int j = 0; j < c->g->ninput; j++)
			if (!strcmp(c->g->input[j]->name, c->frozen[f])) {
				if (freeze_input(c, j) < 0)
					return -1;
				break;
			}
	return 0;
}

/* --freeze NAME=FILE: the user's constants. */
static int
user_freeze(Case *c, Diag *d)
{
	const Options *oo = &c->o->o;
	for (int i = 0; i < oo->nfreeze; i++) {
		Tensor v;
		if (read_one(c, oo->freeze[i].path, &v) < 0) {
			c->r->skip = 0;
			return -1;
		}
		size_t mark = diag_mark(d);
		if (graph_freeze(c->g, oo->freeze[i].name, &v, d) < 0)
			return fail_diag(c, d, VS_DATA, mark);
	}
	return 0;
}

/* Import, --freeze, match the data, freeze, infer; errors go to d. */
static int
front(Case *c, Diag *d)
{
	const Options *oo = &c->o->o;
	ImportOpts io = {oo->dim, oo->ndim, oo->quiet};
	size_t mark = diag_mark(d);
	c->g = onnx_import(oo->model, &io, d);
	if (!c->g)
		return fail_diag(c, d, VS_IMPORT, mark);
	c->norig = c->g->ninput;
	c->orig = arena_memdup(c->a, c->g->input, (size_t)(c->norig + 1) * sizeof *c->orig);
	c->raw = plan_raw(oo);
	if (user_freeze(c, d) < 0 || match_data(c) < 0 || freeze(c) < 0)
		return -1;
	mark = diag_mark(d);
	if (run_pipeline(c->g, d, oo->dump) < 0 || d->nerr)
		return fail_diag(c, d, VS_INFER, mark);
	if (flatten_refs(c) < 0)
		return -1;
	mark = diag_mark(d);
	if (apply_plan_opt(c->g, oo, d) < 0 || d->nerr)
		return fail_diag(c, d, VS_INFER, mark);
	for (int k = 0; c->raw && k < c->nset; k++)
		for (int i = 0; i < c->set[k].nin; i++)
			if (check_tensor(c, &c->set[k], "input", i, c->g->input[i], &c->set[k].in[i]) < 0)
				return -1;
	return 0;
}

/* The first graph input that t is computed from (depth first, in input
 * order), or NULL: a value the compiler needs constant that is computed
 * from inputs (a window's size through Cast and Sub, say) needs those. */
static const Tensor *
input_behind(const Graph *g, const Tensor *t, char *seen)
{
	if (t->is_input)
		return t;
	if (t->init || !t->def || !graph_owns(g, t) || seen[t->id])
		return NULL;
	seen[t->id] = 1;
	for (int i = 0; i < t->def->nin; i++) {
		const Tensor *u = t->def->in[i] ? input_behind(g, t->def->in[i], seen) : NULL;
		if (u)
			return u;
	}
	return NULL;
}

/* The graph input that msg says must be a constant ("... input 'NAME'
 * must be a constant ..."), or one NAME is computed from; or NULL. */
static const char *
const_input(const Case *c, const char *msg)
{
	for (const char *m = strstr(msg, "' must be a constant"); m;
			m = strstr(m + 1, "' must be a constant")) {
		const char *q = m;
		while (q > msg && q[-1] != '\'')
			q--;
		if (q == msg)
			continue;
		for (int j = 0; j < c->g->ninput; j++)
			if (strlen(c->g->input[j]->name) == (size_t)(m - q) &&
					!strncmp(c->g->input[j]->name, q, (size_t)(m - q)))
				return c->g->input[j]->name;
		char *name = strndup(q, (size_t)(m - q));
		const Tensor *t = name ? graph_find(c->g, name) : NULL;
		free(name);
		char *seen = calloc((size_t)c->g->ntensor + 1, 1);
		const Tensor *u = t && seen ? input_behind(c->g, t, seen) : NULL;
		free(seen);
		if (u)
			return u->name;
	}
	return NULL;
}

/* Trial runs (messages kept private) that find the inputs the compiler
 * needs as constants; the real run then freezes them. */
static void
find_frozen(Case *c)
{
	VerifyResult save = *c->r;
	while (c->nfrozen < VERIFY_MAXFILES) {
		Diag t = diag_make(c->o->o.model);
		t.capture = t.quiet_notes = 1;
		int rc = front(c, &t);
		const char *name = rc < 0 && c->g ? const_input(c, t.all) : NULL;
		if (name)
			c->frozen[c->nfrozen++] = arena_strdup(c->a, name);
		if (c->g)
			graph_free(c->g);
		c->g = NULL;
		*c->r = save;
		if (!name)
			return;
	}
}

static int
build(Case *c)
{
	if (c->o->freeze)
		find_frozen(c);
	for (int f = 0; f < c->nfrozen; f++) {
		size_t l = strlen(c->r->frozen);
		snprintf(c->r->frozen + l, sizeof c->r->frozen - l, "%s%s", l ? "," : "", c->frozen[f]);
	}
	if (c->nfrozen && c->o->out)
		fprintf(c->o->out, "frozen to their test values (the compiler needs them constant): %s\n",
			c->r->frozen);
	if (front(c, c->d) < 0)
		return -1;
	size_t mark = diag_mark(c->d);
	c->p = prog_lower(c->g, c->d);
	if (!c->p)
		return fail_diag(c, c->d, VS_LOWER, mark);
	prog_plan(c->p);
	return 0;
}

/* ---- the interpreter ---- */

static size_t
out_bytes(const Case *c, int i)
{
	return c->p->buf[c->p->output[i]].size;
}

/* Every buffer the interpreter gets is followed by GUARD bytes of 0xCD that
 * must survive the run: a kernel that writes past its buffer (a scratch or
 * arena size planned too small) shows here, not as a wrong number later. */
enum { GUARD = 64 };

static void *
guarded(Case *c, size_t n, int fill)
{
	unsigned char *p = arena_alloc(c->a, n + GUARD);
	memset(p, fill, n);
	memset(p + n, 0xCD, GUARD);
	return p;
}

static int
guard_ok(const void *p, size_t n)
{
	const unsigned char *g = (const unsigned char *)p + n;
	for (int i = 0; i < GUARD; i++)
		if (g[i] != 0xCD)
			return 0;
	return 1;
}

/* Output buffers start as 0xA5 bytes so that unwritten elements show. */
static void **
new_outputs(Case *c)
{
	void **v = arena_alloc(c->a, (size_t)(c->p->noutput + 1) * sizeof *v);
	for (int i = 0; i < c->p->noutput; i++)
		v[i] = guarded(c, out_bytes(c, i), 0xA5);
	return v;
}

/* After a run: the guards are intact and the inputs unchanged. */
static int
interp_check(Case *c, const DataSet *s, const void **in, void *arena, size_t ab)
{
	if (!guard_ok(arena, ab))
		return fail(c, VS_INTERP, "%sa kernel wrote past the end of the planned arena "
			"(%zu bytes)", s->tag, c->p->arena_bytes);
	for (int i = 0; i < c->p->noutput; i++)
		if (!guard_ok(s->interp[i], out_bytes(c, i)))
			return fail(c, VS_INTERP, "%sa kernel wrote past the end of output %d '%s'",
				s->tag, i, c->g->output[i]->name);
	for (int i = 0; i < s->nin; i++)
		if (memcmp(in[i], s->in[i].init, tensor_bytes(&s->in[i])) ||
				!guard_ok(in[i], tensor_bytes(&s->in[i])))
			return fail(c, VS_INTERP, "%sa kernel wrote into input %d '%s'",
				s->tag, i, c->g->input[i]->name);
	return 0;
}

static int
interp(Case *c)
{
	size_t ab = (c->p->arena_bytes + 15) / 16 * 16;
	void *arena = guarded(c, ab, 0);
	for (int k = 0; k < c->nset; k++) {
		DataSet *s = &c->set[k];
		const void **in = arena_alloc(c->a, (size_t)(s->nin + 1) * sizeof *in);
		for (int i = 0; i < s->nin; i++) {
			size_t nb = tensor_bytes(&s->in[i]);
			in[i] = memcpy(guarded(c, nb, 0), s->in[i].init, nb);
		}
		s->interp = new_outputs(c);
		int rc = prog_run(c->p, in, s->interp, arena);
		if (rc != 0)
			return fail(c, VS_INTERP, "%sa kernel returned status %d", s->tag, rc);
		if (interp_check(c, s, in, arena, ab) < 0)
			return -1;
	}
	return 0;
}

/* ---- the C side ---- */

static const char main_c[] =
	"/* axcc_vmain.c: generic driver written by axcc verify: reads raw inputs,\n"
	" * runs the model, writes raw outputs (argv: IN... OUT...). */\n"
	"#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
	"#include \"@.h\"\n\n"
	"static size_t\nesize(int32_t t)\n{\n"
	"\tswitch (t) {\n"
	"\tcase 2: case 3: case 9: return 1;\n"
	"\tcase 4: case 5: case 10: case 16: return 2;\n"
	"\tcase 1: case 6: case 12: return 4;\n"
	"\tcase 7: case 11: case 13: return 8;\n"
	"\tcase 8: return 64;\n"
	"\tdefault: return 0;\n\t}\n}\n\n"
	"static size_t\nnbytes(const axrt_tensor_info *ti)\n{\n"
	"\treturn (size_t)ti->numel * esize(ti->elem_type);\n}\n\n"
	"static void *\nload(const axrt_tensor_info *ti, const char *path)\n{\n"
	"\tsize_t n = nbytes(ti);\n\tvoid *p = malloc(n ? n : 1);\n"
	"\tFILE *f = fopen(path, \"rb\");\n"
	"\tif (!p || !f || fread(p, 1, n, f) != n || fgetc(f) != EOF) {\n"
	"\t\tfprintf(stderr, \"%s: expected %lu bytes for input '%s'\\n\", path, (unsigned long)n, ti->name);\n"
	"\t\texit(2);\n\t}\n\tfclose(f);\n\treturn p;\n}\n\n"
	"int\nmain(int argc, char **argv)\n{\n"
	"\tconst void *in[@U_NUM_INPUTS + 1] = {0};\n\tvoid *out[@U_NUM_OUTPUTS + 1] = {0};\n"
	"\tint i, rc;\n"
	"\tif (argc != 1 + @U_NUM_INPUTS + @U_NUM_OUTPUTS) {\n"
	"\t\tfprintf(stderr, \"usage: %s IN... OUT...\\n\", argv[0]);\n\t\treturn 2;\n\t}\n"
	"\tfor (i = 0; i < @U_NUM_INPUTS; i++)\n\t\tin[i] = load(&@_inputs[i], argv[1 + i]);\n"
	"\tfor (i = 0; i < @U_NUM_OUTPUTS; i++) {\n"
	"\t\tsize_t n = nbytes(&@_outputs[i]);\n"
	"\t\tout[i] = malloc(n ? n : 1);\n"
	"\t\tif (!out[i])\n\t\t\treturn 2;\n"
	"\t\tmemset(out[i], 0xA5, n);\n\t}\n"
	"\trc = @_run_ptrs(in, out);\n"
	"\tif (rc != 0) {\n\t\tfprintf(stderr, \"@_run_ptrs returned %d\\n\", rc);\n\t\treturn 3;\n\t}\n"
	"\tfor (i = 0; i < @U_NUM_OUTPUTS; i++) {\n"
	"\t\tconst char *path = argv[1 + @U_NUM_INPUTS + i];\n"
	"\t\tsize_t n = nbytes(&@_outputs[i]);\n"
	"\t\tFILE *f = fopen(path, \"wb\");\n"
	"\t\tif (!f || fwrite(out[i], 1, n, f) != n || fclose(f) != 0) {\n"
	"\t\t\tfprintf(stderr, \"%s: cannot write\\n\", path);\n\t\t\treturn 2;\n\t\t}\n\t}\n"
	"\treturn 0;\n}\n";

/* Writes main_c with '@' replaced by the prefix and '@U' by its upper case. */
static int
write_main(Case *c, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return fail(c, VS_CODEGEN, "%s: cannot create: %s", path, strerror(errno));
	for (const char *s = main_c; *s; s++) {
		if (*s != '@') {
			fputc(*s, f);
		} else if (s[1] == 'U') {
			for (const char *n = c->name; *n; n++)
				fputc(*n >= 'a' && *n <= 'z' ? *n - 'a' + 'A' : *n, f);
			s++;
		} else {
			fputs(c->name, f);
		}
	}
	if (fclose(f) != 0)
		return fail(c, VS_CODEGEN, "%s: write failed", path);
	return 0;
}

/* Runs argv with stdout and stderr into log, killed after timeout seconds.
 * Returns 0 if it exited with status 0; otherwise -1 with why filled. */
static int
spawn(char *const *argv, const char *log, int timeout, char *why, size_t n)
{
	pid_t pid = fork();
	if (pid < 0)
		return snprintf(why, n, "fork: %s", strerror(errno)), -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		signal(SIGALRM, SIG_DFL);
		if (timeout > 0)
			alarm((unsigned)timeout);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return snprintf(why, n, "waitpid: %s", strerror(errno)), -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		snprintf(why, n, "timed out after %d s", timeout);
	else if (WIFSIGNALED(st))
		snprintf(why, n, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(why, n, "exit status %d", WEXITSTATUS(st));
	return -1;
}

/* The first line of log that says "error" (else its first line), appended to why. */
static void
log_reason(const char *log, char *why, size_t n)
{
	FILE *f = fopen(log, "r");
	char line[512], first[512] = "";
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (!first[0])
			snprintf(first, sizeof first, "%s", line);
		if (strstr(line, "error")) {
			snprintf(first, sizeof first, "%s", line);
			break;
		}
	}
	fclose(f);
	size_t l = strlen(why);
	if (first[0] && l + 3 < n)
		snprintf(why + l, n - l, ": %s", first);
}

static const char *
path_in(Case *c, const char *fmt, ...)
{
	char name[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	return arena_printf(c->a, "%s/%s", c->dir, name);
}

static int
compile_c(Case *c)
{
	CodegenOpts co = {c->name, c->o->o.model, 0};
	size_t mark = diag_mark(c->d);
	if (codegen_write(c->p, &co, c->dir, c->d) < 0)
		return fail_diag(c, c->d, VS_CODEGEN, mark);
	if (write_main(c, path_in(c, "axcc_vmain.c")) < 0)
		return -1;
	const char *cc = c->o->cc ? c->o->cc : getenv("CC");
	char *words = arena_strdup(c->a, cc && *cc ? cc : "cc");
	char *argv[64];
	int n = 0;
	for (char *w = strtok(words, " \t"); w && n < 48; w = strtok(NULL, " \t"))
		argv[n++] = w;
	const char *flags[] = {"-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-O1", "-o"};
	for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
		argv[n++] = (char *)flags[i];
	argv[n++] = (char *)path_in(c, "prog");
	argv[n++] = (char *)path_in(c, "%s.c", c->name);
	argv[n++] = (char *)path_in(c, "axcc_vmain.c");
	argv[n++] = "-lm";
	argv[n] = NULL;
	char why[400];
	const char *log = path_in(c, "build.log");
	if (spawn(argv, log, c->o->timeout, why, sizeof why) < 0) {
		log_reason(log, why, sizeof why);
		return fail(c, VS_BUILD, "%s %s", argv[0], why);
	}
	return 0;
}

static int
write_raw(Case *c, const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		if (f)
			fclose(f);
		return fail(c, VS_RUN, "%s: cannot write: %s", path, strerror(errno));
	}
	if (fclose(f) != 0)
		return fail(c, VS_RUN, "%s: cannot write", path);
	return 0;
}

static int
read_raw(Case *c, const char *path, void *p, size_t n)
{
	FILE *f = fopen(path, "rb");
	int ok = f && fread(p, 1, n, f) == n && fgetc(f) == EOF;
	if (f)
		fclose(f);
	if (!ok)
		return fail(c, VS_RUN, "%s: the program did not write %zu bytes", path, n);
	return 0;
}

/* Runs the built program on data set k: raw files in, raw files out. */
static int
run_c(Case *c, int k)
{
	DataSet *s = &c->set[k];
	int nin = s->nin, nout = c->p->noutput;
	char **argv = arena_alloc(c->a, (size_t)(nin + nout + 2) * sizeof *argv);
	argv[0] = (char *)path_in(c, "prog");
	for (int i = 0; i < nin; i++) {
		argv[1 + i] = (char *)path_in(c, "in_%d_%d.bin", k, i);
		if (write_raw(c, argv[1 + i], s->in[i].init, tensor_bytes(&s->in[i])) < 0)
			return -1;
	}
	for (int i = 0; i < nout; i++)
		argv[1 + nin + i] = (char *)path_in(c, "out_%d_%d.bin", k, i);
	argv[1 + nin + nout] = NULL;
	char why[400];
	const char *log = path_in(c, "run_%d.log", k);
	if (spawn(argv, log, c->o->timeout, why, sizeof why) < 0) {
		log_reason(log, why, sizeof why);
		return fail(c, VS_RUN, "%s%s", s->tag, why);
	}
	s->cout = arena_alloc(c->a, (size_t)(nout + 1) * sizeof *s->cout);
	for (int i = 0; i < nout; i++) {
		s->cout[i] = arena_alloc(c->a, out_bytes(c, i));
		if (read_raw(c, argv[1 + nin + i], s->cout[i], out_bytes(c, i)) < 0)
			return -1;
	}
	return 0;
}

/* ---- comparing ---- */

static float
half_to_float(uint16_t h)
{
	int e = (h >> 10) & 31, m = h & 1023;
	float v = e == 0 ? ldexpf((float)m, -24)
		: e == 31 ? (m ? NAN : INFINITY) : ldexpf((float)(m | 1024), e - 25);
	return h & 0x8000 ? -v : v;
}

/* Element i of a buffer of type dt as a double. */
static double
elem(DType dt, const void *p, int64_t i)
{
	switch (dt) {
	case DT_F32: return ((const float *)p)[i];
	case DT_F64: return ((const double *)p)[i];
	case DT_F16: return half_to_float(((const uint16_t *)p)[i]);
	case DT_BF16: {
		uint32_t u = (uint32_t)((const uint16_t *)p)[i] << 16;
		float f;
		memcpy(&f, &u, 4);
		return f;
	}
	case DT_I8: return ((const int8_t *)p)[i];
	case DT_U8: return ((const uint8_t *)p)[i];
	case DT_BOOL: return ((const uint8_t *)p)[i] != 0;
	case DT_I16: return ((const int16_t *)p)[i];
	case DT_U16: return ((const uint16_t *)p)[i];
	case DT_I32: return ((const int32_t *)p)[i];
	case DT_U32: return ((const uint32_t *)p)[i];
	case DT_I64: return (double)((const int64_t *)p)[i];
	case DT_U64: return (double)((const uint64_t *)p)[i];
	default: return 0;
	}
}

/* Exact comparison of integer and bool elements (not through double). */
static int
elem_same_int(DType dt, const void *y, const void *ref, int64_t i)
{
	size_t sz = dtype_size(dt);
	if (dt == DT_BOOL)
		return (((const uint8_t *)y)[i] != 0) == (((const uint8_t *)ref)[i] != 0);
	return !memcmp((const char *)y + i * sz, (const char *)ref + i * sz, sz);
}

typedef struct Cmp {
	double max_abs, max_rel;
	int64_t nbad, first;       /* failing elements; the first one */
	double got, want;
} Cmp;

static void
cmp_values(DType dt, const void *y, const void *ref, int64_t n, const VerifyOpts *o, Cmp *m)
{
	int isf = dtype_is_float(dt);
	memset(m, 0, sizeof *m);
	m->first = -1;
	for (int64_t i = 0; i < n; i++) {
		double a = elem(dt, y, i), b = elem(dt, ref, i), err;
		int ok;
		if (isnan(a) || isnan(b)) {
			ok = isnan(a) && isnan(b);
			err = ok ? 0 : INFINITY;
		} else if (isinf(a) || isinf(b)) {
			ok = a == b;
			err = ok ? 0 : INFINITY;
		} else {
			err = fabs(a - b);
			ok = isf ? err <= o->atol + o->rtol * fabs(b) : elem_same_int(dt, y, ref, i);
		}
		if (err > m->max_abs)
			m->max_abs = err;
		if (b != 0 && !isnan(b) && err / fabs(b) > m->max_rel)
			m->max_rel = err / fabs(b);
		if (!ok && m->nbad++ == 0) {
			m->first = i;
			m->got = a;
			m->want = b;
		}
	}
}

/* Compares output i of data set s with its reference; returns the number of
 * failing elements, or -1 when the reference does not fit the output. */
static int64_t
cmp_output(Case *c, DataSet *s, int i)
{
	const Tensor *t = c->g->output[i];
	Tensor *ref = &s->ref[i];
	char a[128], b[128];
	retag(ref, t);
	if (ref->dtype != t->dtype || !tensor_same_shape(ref, t) || tensor_bytes(t) != out_bytes(c, i)) {
		if (!c->r->stage)
			fail(c, VS_MISMATCH, "%soutput %d '%s' is %s %s, the reference %s %s",
				s->tag, i, t->name, dtype_name(t->dtype), shape_str(t, a, sizeof a),
				dtype_name(ref->dtype), shape_str(ref, b, sizeof b));
		return -1;
	}
	Cmp m;
	int64_t n = tensor_numel(t);
	cmp_values(t->dtype, s->cout[i], ref->init, n, c->o, &m);
	if (m.max_abs > c->r->max_abs)
		c->r->max_abs = m.max_abs;
	if (m.max_rel > c->r->max_rel)
		c->r->max_rel = m.max_rel;
	if (c->o->out)
		fprintf(c->o->out, "%soutput %d '%s' (%s %s): max abs err %.3g, max rel err %.3g%s\n",
			s->tag, i, t->name, dtype_name(t->dtype), shape_str(t, a, sizeof a),
			m.max_abs, m.max_rel, m.nbad ? "  MISMATCH" : "");
	if (m.nbad && !c->r->stage)
		fail(c, VS_MISMATCH, "%soutput %d '%s': %lld of %lld elements off, first at %lld: "
			"got %.9g, expected %.9g (max abs err %.3g, rtol %g, atol %g)",
			s->tag, i, t->name, (long long)m.nbad, (long long)n, (long long)m.first,
			m.got, m.want, m.max_abs, c->o->rtol, c->o->atol);
	return m.nbad;
}

/* The C and the interpreter must agree bit for bit (NaNs with any payload). */
static int
same_bits(const Case *c, const DataSet *s, int i, int64_t *at)
{
	const Tensor *t = c->g->output[i];
	size_t sz = dtype_size(t->dtype), nb = out_bytes(c, i);
	if (!memcmp(s->cout[i], s->interp[i], nb))
		return 1;
	for (size_t k = 0; sz && k + sz <= nb; k += sz)
		if (memcmp((char *)s->cout[i] + k, (char *)s->interp[i] + k, sz)) {
			int64_t e = (int64_t)(k / sz);
			if (dtype_is_float(t->dtype) && isnan(elem(t->dtype, s->cout[i], e)) &&
					isnan(elem(t->dtype, s->interp[i], e)))
				continue;
			*at = e;
			return 0;
		}
	return 1;
}

static int
compare(Case *c)
{
	char diff[200] = "";
	for (int k = 0; k < c->nset; k++) {
		DataSet *s = &c->set[k];
		for (int i = 0; i < c->p->noutput; i++) {
			int64_t at;
			if (s->nref)
				cmp_output(c, s, i);
			if (!same_bits(c, s, i, &at) && !c->r->differ) {
				c->r->differ = 1;
				const Tensor *t = c->g->output[i];
				snprintf(diff, sizeof diff, "%soutput %d '%s': C %.9g, interpreter %.9g at element %lld",
					s->tag, i, t->name, elem(t->dtype, s->cout[i], at),
					elem(t->dtype, s->interp[i], at), (long long)at);
			}
		}
	}
	if (c->r->differ && c->o->out)
		fprintf(c->o->out, "C and interpreter differ: %s\n", diff);
	if (c->r->stage == VS_MISMATCH && c->r->differ) {
		size_t l = strlen(c->r->reason);
		snprintf(c->r->reason + l, sizeof c->r->reason - l, "; C and interpreter differ too");
	}
	if (c->r->stage)
		return -1;
	if (c->r->differ)
		return fail(c, VS_DIFFER, "C and interpreter are not bit-identical: %s", diff);
	return 0;
}

/* ---- the work directory ---- */

static int
make_dir(Case *c)
{
	if (c->o->keep) {
		if (mkdir(c->o->keep, 0755) < 0 && errno != EEXIST)
			return fail(c, VS_CODEGEN, "%s: cannot create: %s", c->o->keep, strerror(errno));
		c->dir = c->o->keep;
		return 0;
	}
	const char *tmp = getenv("TMPDIR");
	char *dir = arena_printf(c->a, "%s/axcc-verify-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return fail(c, VS_CODEGEN, "cannot create a temporary directory: %s", strerror(errno));
	c->dir = dir;
	return 0;
}

/* Removes the temporary directory (flat: verify writes no subdirectories). */
static void
remove_dir(Case *c)
{
	if (c->o->keep || !c->dir)
		return;
	DIR *dp = opendir(c->dir);
	struct dirent *e;
	while (dp && (e = readdir(dp)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(arena_printf(c->a, "%s/%s", c->dir, e->d_name));
	if (dp)
		closedir(dp);
	rmdir(c->dir);
}

/* The C prefix: the model's stem, sanitized. */
static const char *
c_name(Case *c)
{
	const char *b = base_name(c->o->o.model);
	size_t n = strcspn(b, ".");
	char *stem = arena_strndup(c->a, b, n ? n : strlen(b));
	char *id = c_ident(c->a, stem);
	return strcmp(id, "axcc_vmain") ? id : "model";
}

static int
verify_run(Case *c)
{
	if (load_data(c) < 0 || build(c) < 0 || interp(c) < 0 || make_dir(c) < 0 ||
			compile_c(c) < 0)
		return -1;
	for (int k = 0; k < c->nset; k++)
		if (run_c(c, k) < 0)
			return -1;
	return compare(c);
}

int
verify_case(const VerifyOpts *o, VerifyResult *r, Diag *d)
{
	Case c = {.o = o, .r = r, .d = d, .a = arena_new()};
	memset(r, 0, sizeof *r);
	c.name = c_name(&c);
	int rc = verify_run(&c);
	remove_dir(&c);
	if (c.p)
		prog_free(c.p);
	if (c.g)
		graph_free(c.g);
	arena_free(c.a);
	return rc;
}
