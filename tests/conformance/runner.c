/* runner.c: axcc_conformance -- runs `axcc verify` (verify_case, in a
 * forked worker per case, two at a time, each with a time limit) over the
 * ONNX backend test suites and reports passes and failures per suite, a
 * must-pass check, a pass list, and two Markdown reports: every case
 * (ONNX_SUPPORT.md) and every op with the opsets and element types its
 * cases use and pass with (OPERATORS.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "verify.h"

static const char *const suites[] = {"node", "simple", "pytorch-converted", "pytorch-operator"};
/* verify stops the C build and each run after --timeout seconds itself; the
 * runner kills a case GRACE seconds later (a hang inside the compiler). */
enum { NSUITE = sizeof suites / sizeof suites[0], MAXJOBS = 16, GRACE = 10 };

typedef enum { R_PASS, R_FAIL, R_SKIP } Outcome;

typedef struct Case {
	int suite;
	char *name;                /* directory name: test_relu */
	char *dir;
	Outcome out;
	char stage[16];            /* verify_stage_name, "crash" or "timeout" */
	char reason[512];
	char frozen[256];          /* inputs frozen to their test values */
	char ops[2048];            /* "op/domain/opset/type;" per distinct use */
} Case;

typedef struct Run {
	const char *root, *suite, *filter, *must, *passlist, *report, *cc;
	int jobs, timeout, memlimit_mb, verbose, nofreeze;
	Case *c; int nc, capc;
} Run;

/* What a worker sends back through its pipe (one write, under PIPE_BUF). */
typedef struct Msg {
	int out;
	char stage[16];
	char reason[512];
	char frozen[256];
	char ops[2048];
} Msg;

static const char help[] =
	"usage: axcc_conformance [options]\n"
	"Runs axcc verify over the ONNX backend test cases under ROOT/{node,simple,\n"
	"pytorch-converted,pytorch-operator} and prints one line per failure, a\n"
	"summary per suite, and 'N passed, N failed, N skipped'.\n"
	"  --root DIR              test data root (default /usr/share/libonnx-testdata/data)\n"
	"  --suite NAME            only this suite\n"
	"  --filter SUBSTR         only cases whose name contains SUBSTR\n"
	"  --must-pass FILE        exit 1 if a case listed in FILE (suite/case) fails\n"
	"  --write-pass-list FILE  write the passing cases (suite/case), one a line\n"
	"  --report DIR|FILE       write the Markdown reports: DIR/ONNX_SUPPORT.md (every case)\n"
	"                          and DIR/OPERATORS.md (every op: opsets, element types);\n"
	"                          a FILE gets the first, OPERATORS.md goes beside it\n"
	"  --jobs N                worker processes (default 2)\n"
	"  --timeout S             seconds for each C build and run (default 120)\n"
	"  --mem-limit MB          address-space limit per case (default 4096; 0: none)\n"
	"  --cc CC                 C compiler for the generated code\n"
	"  --no-freeze             do not freeze inputs the compiler needs constant\n"
	"                          (shapes, axes...) to their test values\n"
	"  -v                      print passes too\n";

/* Cases that no implementation can pass by the spec's own rules: they
 * still run, and count as failures, but are reported as skipped with the
 * reason when they fail (a pass, say of the ratio-0 Dropout cases, stays a
 * pass). Prefix match on the case name. */
static const struct { const char *prefix, *why; } known[] = {
	{"test_bernoulli", "random: the output comes from a random generator the spec leaves to the "
		"implementation (the reference used numpy's)"},
	{"test_training_dropout", "random: training-mode Dropout with a ratio above 0 draws its mask from "
		"a random generator the spec leaves to the implementation"},
	{"test_adam_multiple", "bad test data: the reference was computed with epsilon=1e-2 (onnx "
		"backend/test/case/node/adam.py), but the model leaves epsilon at its default 1e-6; axcc "
		"matches the model (0.755959 vs 0.759136 for X1_new)"},
};

static const char *
known_reason(const char *name)
{
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strncmp(name, known[i].prefix, strlen(known[i].prefix)))
			return known[i].why;
	return NULL;
}

/* A failure's stage in words. */
static const char *
stage_words(const char *st)
{
	static const struct { const char *k, *w; } m[] = {
		{"infer", "shape inference"}, {"build", "C build"}, {"interp", "interpreter"},
		{"differ", "C and interpreter differ"},
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (!strcmp(st, m[i].k))
			return m[i].w;
	return st;
}

/* ---- collecting cases ---- */

static int
cmp_case(const void *a, const void *b)
{
	const Case *x = a, *y = b;
	if (x->suite != y->suite)
		return x->suite - y->suite;
	return strcmp(x->name, y->name);
}

static void
add_case(Run *r, int s, const char *dir, const char *name)
{
	if (r->nc == r->capc) {
		r->capc = r->capc ? 2 * r->capc : 256;
		r->c = xrealloc(r->c, (size_t)r->capc * sizeof *r->c);
	}
	Case *c = &r->c[r->nc++];
	memset(c, 0, sizeof *c);
	c->suite = s;
	c->name = strdup(name);
	size_t n = strlen(dir) + strlen(name) + 2;
	c->dir = xmalloc(n);
	snprintf(c->dir, n, "%s/%s", dir, name);
}

/* The selected suites' cases, sorted. A suite directory that is missing is
 * an error only when --suite names it or when none is there. */
static int
collect(Run *r)
{
	int found = 0;
	for (int s = 0; s < NSUITE; s++) {
		if (r->suite && strcmp(r->suite, suites[s]))
			continue;
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/%s", r->root, suites[s]);
		DIR *dp = opendir(dir);
		if (!dp && !r->suite)
			continue;
		if (!dp) {
			fprintf(stderr, "axcc_conformance: %s: %s\n", dir, strerror(errno));
			return -1;
		}
		found++;
		struct dirent *e;
		while ((e = readdir(dp)))
			if (e->d_name[0] != '.' && (!r->filter || strstr(e->d_name, r->filter)))
				add_case(r, s, dir, e->d_name);
		closedir(dp);
	}
	if (!found) {
		fprintf(stderr, "axcc_conformance: no test suite under %s\n", r->root);
		return -1;
	}
	qsort(r->c, (size_t)r->nc, sizeof *r->c, cmp_case);
	return 0;
}

/* ---- one case, in the worker ---- */

/* Appends "op/domain/opset/type;" for each node of g and its subgraphs
 * (once per distinct entry). type: the element type of the node's first
 * input after inference, else of its first output, else "?". */
static void
graph_ops(Graph *g, char *buf, size_t n)
{
	for (int i = 0; i < g->nnode; i++) {
		Node *nd = g->node[i];
		for (int a = 0; a < nd->nattr; a++)
			if (nd->attr[a].type == AT_GRAPH && nd->attr[a].g)
				graph_ops(nd->attr[a].g, buf, n);
		DType dt = DT_UNDEF;
		for (int k = 0; k < nd->nin && !dt; k++)
			if (nd->in[k])
				dt = nd->in[k]->dtype;
		for (int k = 0; k < nd->nout && !dt; k++)
			if (nd->out[k])
				dt = nd->out[k]->dtype;
		char e[160];
		snprintf(e, sizeof e, "%s/%s/%d/%s;", nd->optype, nd->domain, nd->opset,
			dt ? dtype_name(dt) : "?");
		size_t l = strlen(buf);
		if (!strstr(buf, e) && l + strlen(e) < n)
			memcpy(buf + l, e, strlen(e) + 1);
	}
}

/* The ops of a model, as its import gives them, with element types from
 * shape inference where it gets that far (no freezing: a type past a
 * shape input stays unknown). */
static void
case_ops(const char *model, char *buf, size_t n)
{
	Diag d = diag_make(model);
	d.capture = d.quiet_notes = 1;
	ImportOpts io = {NULL, 0, 1};
	buf[0] = 0;
	Graph *g = onnx_import(model, &io, &d);
	if (!g)
		return;
	/* the nodes as imported (inference inlines and rewrites them) */
	int nn = g->nnode;
	Node **orig = xmalloc((size_t)(nn + 1) * sizeof *orig);
	memcpy(orig, g->node, (size_t)nn * sizeof *orig);
	PassCtx cx = {&d, NULL, 0};
	pass_infer(g, &cx);
	Graph view = *g;
	view.node = orig;
	view.nnode = nn;
	graph_ops(&view, buf, n);
	free(orig);
	graph_free(g);
}

static void
run_case(const Run *r, const Case *c, Msg *m)
{
	VerifyOpts o;
	char model[4096], *sets[VERIFY_MAXFILES];
	verify_defaults(&o);
	o.cc = r->cc;
	o.timeout = r->timeout;
	o.o.quiet = 1;
	o.freeze = !r->nofreeze;
	snprintf(model, sizeof model, "%s/model.onnx", c->dir);
	o.o.model = model;
	o.ndata = verify_data_sets(c->dir, sets, VERIFY_MAXFILES);
	for (int i = 0; i < o.ndata; i++)
		o.data[i] = sets[i];
	if (access(model, R_OK) != 0 || o.ndata == 0) {
		m->out = R_SKIP;
		snprintf(m->stage, sizeof m->stage, "data");
		snprintf(m->reason, sizeof m->reason, "no model.onnx or no test_data_set_* directory");
		return;
	}
	Diag d = diag_make(model);
	d.capture = 1;
	d.quiet_notes = 1;
	VerifyResult res;
	int rc = verify_case(&o, &res, &d);
	m->out = rc == 0 ? R_PASS : res.skip ? R_SKIP : R_FAIL;
	snprintf(m->stage, sizeof m->stage, "%s", verify_stage_name(res.stage));
	const char *why = res.reason;
	size_t n = strlen(c->dir);
	if (!strncmp(why, c->dir, n) && why[n] == '/')
		why += n + 1;   /* test_data_set_0/input_0.pb: ... */
	snprintf(m->reason, sizeof m->reason, "%s", why);
	snprintf(m->frozen, sizeof m->frozen, "%s", res.frozen);
	case_ops(model, m->ops, sizeof m->ops);
}

/* The worker: its own process group (so a timeout kills the C compiler and
 * the program too), stderr into errfile, the result into fd. */
static _Noreturn void
worker(const Run *r, const Case *c, int fd, const char *errfile)
{
	setpgid(0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	int e = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (e >= 0) {
		dup2(e, 2);
		close(e);
	}
	if (r->memlimit_mb > 0) {
		struct rlimit rl;
		rl.rlim_cur = rl.rlim_max = (rlim_t)r->memlimit_mb << 20;
		setrlimit(RLIMIT_AS, &rl);
	}
	Msg m;
	memset(&m, 0, sizeof m);
	run_case(r, c, &m);
	ssize_t w = write(fd, &m, sizeof m);
	_exit(w == (ssize_t)sizeof m ? 0 : 1);
}

/* ---- the scheduler ---- */

/* Workers run in their own process groups, out of reach of the terminal's
 * ^C: the runner forwards it. */
static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	interrupted = sig;
}

typedef struct Slot {
	pid_t pid;                 /* 0: free */
	int ci, fd;
	double start;
	char err[64];              /* the worker's stderr */
} Slot;

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
start(const Run *r, Slot *s, int ci)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		worker(r, &r->c[ci], p[1], s->err);
	}
	close(p[1]);
	setpgid(pid, pid);
	s->pid = pid;
	s->ci = ci;
	s->fd = p[0];
	s->start = now();
	return 0;
}

/* First line of a worker's stderr (an internal error message, say). */
static void
first_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	buf[0] = 0;
	if (f && fgets(buf, (int)n, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

static void
finish(const Run *r, Slot *s, int st, int timed_out)
{
	Case *c = &r->c[s->ci];
	Msg m;
	char err[400];
	if (!timed_out && read(s->fd, &m, sizeof m) == (ssize_t)sizeof m) {
		c->out = (Outcome)m.out;
		memcpy(c->stage, m.stage, sizeof c->stage);
		memcpy(c->reason, m.reason, sizeof c->reason);
		memcpy(c->frozen, m.frozen, sizeof c->frozen);
		memcpy(c->ops, m.ops, sizeof c->ops);
		c->stage[sizeof c->stage - 1] = c->reason[sizeof c->reason - 1] = 0;
		c->frozen[sizeof c->frozen - 1] = 0;
		c->ops[sizeof c->ops - 1] = 0;
		const char *why = c->out == R_FAIL ? known_reason(c->name) : NULL;
		if (why) {
			c->out = R_SKIP;
			snprintf(c->stage, sizeof c->stage, "known");
			snprintf(c->reason, sizeof c->reason, "%s", why);
		}
	} else if (timed_out) {
		c->out = R_FAIL;
		snprintf(c->stage, sizeof c->stage, "timeout");
		snprintf(c->reason, sizeof c->reason, "no result within %d s", r->timeout + GRACE);
	} else {
		c->out = R_FAIL;
		first_line(s->err, err, sizeof err);
		snprintf(c->stage, sizeof c->stage, "crash");
		if (WIFSIGNALED(st))
			snprintf(c->reason, sizeof c->reason, "signal %d (%s)%s%s", WTERMSIG(st),
				strsignal(WTERMSIG(st)), err[0] ? ": " : "", err);
		else
			snprintf(c->reason, sizeof c->reason, "worker exit status %d%s%s",
				WEXITSTATUS(st), err[0] ? ": " : "", err);
	}
	close(s->fd);
	s->pid = 0;
}

static void
print_case(const Run *r, const Case *c)
{
	if (c->out == R_FAIL)
		printf("FAIL %s/%s [%s] %s\n", suites[c->suite], c->name, stage_words(c->stage), c->reason);
	else if (r->verbose)
		printf("%s %s/%s%s%s\n", c->out == R_PASS ? "pass" : "skip", suites[c->suite],
			c->name, c->out == R_SKIP ? ": " : "", c->out == R_SKIP ? c->reason : "");
	fflush(stdout);
}

/* Reaps finished and overdue workers; returns how many it freed. */
static int
reap(const Run *r, Slot *slot, int jobs)
{
	int st, freed = 0;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (int j = 0; j < jobs; j++)
			if (slot[j].pid == pid) {
				finish(r, &slot[j], st, 0);
				freed++;
			}
	for (int j = 0; j < jobs; j++)
		if (slot[j].pid && now() - slot[j].start > r->timeout + GRACE) {
			kill(-slot[j].pid, SIGKILL);
			kill(slot[j].pid, SIGKILL);
			waitpid(slot[j].pid, &st, 0);
			finish(r, &slot[j], st, 1);
			freed++;
		}
	return freed;
}

/* Runs every case, jobs at a time; prints failures in case order. */
static int
run_all(Run *r)
{
	Slot slot[MAXJOBS];
	int next = 0, running = 0, printed = 0;
	memset(slot, 0, sizeof slot);
	for (int j = 0; j < r->jobs; j++)
		snprintf(slot[j].err, sizeof slot[j].err, "/tmp/axcc-conf-%d-%d.err", (int)getpid(), j);
	char *done = calloc((size_t)r->nc + 1, 1);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (next < r->nc || running) {
		if (interrupted) {
			for (int j = 0; j < r->jobs; j++)
				if (slot[j].pid)
					kill(-slot[j].pid, SIGKILL);
			fprintf(stderr, "axcc_conformance: interrupted\n");
			return -1;
		}
		for (int j = 0; j < r->jobs && next < r->nc; j++)
			if (!slot[j].pid) {
				if (start(r, &slot[j], next) < 0) {
					perror("axcc_conformance: fork");
					return -1;
				}
				next++;
				running++;
			}
		int k = reap(r, slot, r->jobs);
		running -= k;
		for (int i = 0; i < next; i++) {
			int busy = 0;
			for (int j = 0; j < r->jobs; j++)
				busy |= slot[j].pid && slot[j].ci == i;
			done[i] = !busy;
		}
		while (printed < next && done[printed])
			print_case(r, &r->c[printed++]);
		if (!k)
			nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	for (int j = 0; j < r->jobs; j++)
		unlink(slot[j].err);
	free(done);
	return 0;
}

/* ---- results ---- */

static void
count(const Run *r, int s, int n[3])
{
	n[0] = n[1] = n[2] = 0;
	for (int i = 0; i < r->nc; i++)
		if (s < 0 || r->c[i].suite == s)
			n[r->c[i].out]++;
}

static void
summary(const Run *r)
{
	int n[3];
	for (int s = 0; s < NSUITE; s++) {
		count(r, s, n);
		if (n[0] + n[1] + n[2])
			printf("%-18s %4d passed, %4d failed, %4d skipped (%.1f%% pass)\n", suites[s], n[R_PASS],
				n[R_FAIL], n[R_SKIP], 100.0 * n[R_PASS] / (n[0] + n[1] + n[2]));
	}
	count(r, -1, n);
	printf("%d passed, %d failed, %d skipped (%.1f%% of %d pass)\n", n[R_PASS], n[R_FAIL], n[R_SKIP],
		n[0] + n[1] + n[2] ? 100.0 * n[R_PASS] / (n[0] + n[1] + n[2]) : 0.0, n[0] + n[1] + n[2]);
}

static const Case *
find_case(const Run *r, const char *id)
{
	for (int i = 0; i < r->nc; i++) {
		const char *sn = suites[r->c[i].suite];
		size_t l = strlen(sn);
		if (!strncmp(id, sn, l) && id[l] == '/' && !strcmp(id + l + 1, r->c[i].name))
			return &r->c[i];
	}
	return NULL;
}

/* Is case id (suite/name) one this run selected? */
static int
selected(const Run *r, const char *id)
{
	const char *slash = strchr(id, '/');
	if (!slash)
		return 0;
	if (r->suite && (strncmp(id, r->suite, (size_t)(slash - id)) || strlen(r->suite) != (size_t)(slash - id)))
		return 0;
	return !r->filter || strstr(slash + 1, r->filter);
}

/* Every listed case that this run selected must pass. Returns failures. */
static int
check_must_pass(const Run *r)
{
	FILE *f = fopen(r->must, "r");
	if (!f) {
		fprintf(stderr, "axcc_conformance: %s: %s\n", r->must, strerror(errno));
		return 1;
	}
	char line[512];
	int bad = 0;
	while (fgets(line, sizeof line, f)) {
		char *s = line + strspn(line, " \t");
		s[strcspn(s, " \t\r\n#")] = 0;
		if (!*s || !selected(r, s))
			continue;
		const Case *c = find_case(r, s);
		if (!c)
			printf("must-pass: %s: no such case\n", s), bad++;
		else if (c->out != R_PASS)
			printf("must-pass: %s %s [%s] %s\n", s, c->out == R_SKIP ? "skipped" : "failed",
				c->stage, c->reason), bad++;
	}
	fclose(f);
	if (bad)
		printf("must-pass: %d listed case(s) did not pass\n", bad);
	return bad;
}

static int
write_pass_list(const Run *r)
{
	FILE *f = fopen(r->passlist, "w");
	if (!f) {
		fprintf(stderr, "axcc_conformance: %s: %s\n", r->passlist, strerror(errno));
		return -1;
	}
	fprintf(f, "# ONNX backend test cases that axcc passes (suite/case), written by\n"
		"# axcc_conformance --write-pass-list. The list only grows.\n");
	for (int i = 0; i < r->nc; i++)
		if (r->c[i].out == R_PASS)
			fprintf(f, "%s/%s\n", suites[r->c[i].suite], r->c[i].name);
	return fclose(f);
}

/* A reason as one Markdown table cell: no '|', no newline, bounded. */
static void
md_cell(FILE *f, const char *s)
{
	for (int n = 0; *s && *s != '\n' && n < 200; s++, n++)
		fputs(*s == '|' ? "\\|" : (char[2]){*s, 0}, f);
}

static int
write_report(const Run *r, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "axcc_conformance: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int n[3];
	fprintf(f, "# ONNX backend test support\n\n"
		"Generated by `build/tests/conformance/axcc_conformance --report docs/`\n"
		"(tests/conformance/runner.c), with docs/OPERATORS.md: each case\n"
		"is compiled to C, built with `cc -std=c99 -Wall -Wextra -Wpedantic -Werror`, run on\n"
		"every test data set and compared with the reference outputs (rtol 1e-3, atol 1e-5)\n"
		"and with the interpreter (bit for bit). \"frozen: NAME\" marks graph inputs that axcc\n"
		"needs as constants (shapes, axes, scales, loop trip counts, a sequence position, an\n"
		"input whose values decide the output's length...): they were compiled in with their\n"
		"test values. Skipped cases (\"skip known\") cannot pass by the spec's own rules or\n"
		"have bad reference data, with the reason; they count as failures in the pass rates.\n"
		"Sequences and optionals are resolved at compile time into lists of tensors; a\n"
		"sequence graph input takes its length and shapes from the test data. Strings are\n"
		"fixed-size elements of 64 bytes (at most 63 bytes of text).\n\n"
		"| suite | passed | failed | skipped | total | pass rate |\n|---|---|---|---|---|---|\n");
	for (int s = 0; s < NSUITE; s++) {
		count(r, s, n);
		if (n[0] + n[1] + n[2])
			fprintf(f, "| %s | %d | %d | %d | %d | %.1f%% |\n", suites[s], n[0], n[1], n[2],
				n[0] + n[1] + n[2], 100.0 * n[0] / (n[0] + n[1] + n[2]));
	}
	count(r, -1, n);
	fprintf(f, "| **all** | %d | %d | %d | %d | %.1f%% |\n", n[0], n[1], n[2], n[0] + n[1] + n[2],
		n[0] + n[1] + n[2] ? 100.0 * n[0] / (n[0] + n[1] + n[2]) : 0.0);
	for (int s = 0, last = -1; s < r->nc; s++) {
		const Case *c = &r->c[s];
		if (c->suite != last) {
			fprintf(f, "\n## %s\n\n| case | result |\n|---|---|\n", suites[c->suite]);
			last = c->suite;
		}
		fprintf(f, "| %s | ", c->name);
		if (c->out == R_PASS) {
			fputs("pass", f);
			if (c->frozen[0])
				fprintf(f, " (frozen: %s)", c->frozen);
		} else {
			fprintf(f, "%s %s: ", c->out == R_SKIP ? "skip" : "fail", stage_words(c->stage));
			md_cell(f, c->reason);
		}
		fputs(" |\n", f);
	}
	return fclose(f);
}

/* ---- OPERATORS.md ---- */

typedef struct OpRow {
	char name[96];             /* op, or domain.op outside the default domain */
	char op[64];               /* the op type alone */
	int opset[32], nopset;     /* seen */
	int okset[32], nokset;     /* in a passing case */
	char types[160], oktypes[160];
	int ncase, npass;
} OpRow;

static void
add_word(char *list, size_t n, const char *w)
{
	char pad[64];
	snprintf(pad, sizeof pad, "%s,", w);
	for (const char *p = list; (p = strstr(p, pad)); p++)
		if (p == list || p[-1] == ',')
			return;
	if (strlen(list) + strlen(pad) < n)
		strcat(list, pad);
}

static void
add_int(int *v, int *n, int x)
{
	for (int i = 0; i < *n; i++)
		if (v[i] == x)
			return;
	if (*n < 32)
		v[(*n)++] = x;
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int
cmp_row(const void *a, const void *b)
{
	return strcmp(((const OpRow *)a)->name, ((const OpRow *)b)->name);
}

static void
put_ints(FILE *f, int *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_int);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%d", i ? ", " : "", v[i]);
	if (!n)
		fputs("-", f);
}

static void
put_words(FILE *f, const char *list)
{
	size_t l = strlen(list);
	if (!l)
		fputs("-", f);
	for (size_t i = 0; i < l; i++)
		fputs(list[i] == ',' ? (i + 1 < l ? ", " : "") : (char[2]){list[i], 0}, f);
}

static int
write_operators(const Run *r, const char *path)
{
	int cap = 512, nrow = 0;
	OpRow *row = calloc((size_t)cap, sizeof *row);
	if (!row)
		return -1;
	for (int i = 0; i < r->nc; i++) {
		const Case *c = &r->c[i];
		char ops[sizeof c->ops], *save = NULL;
		memcpy(ops, c->ops, sizeof ops);
		/* each op once per case */
		char seen[sizeof c->ops] = "";
		for (char *e = strtok_r(ops, ";", &save); e; e = strtok_r(NULL, ";", &save)) {
			char op[64] = "", dom[64] = "", ty[32] = "";
			int ver = 0;
			char *p1 = strchr(e, '/'), *p2 = p1 ? strchr(p1 + 1, '/') : NULL;
			char *p3 = p2 ? strchr(p2 + 1, '/') : NULL;
			if (!p3)
				continue;
			snprintf(op, sizeof op, "%.*s", (int)(p1 - e), e);
			snprintf(dom, sizeof dom, "%.*s", (int)(p2 - p1 - 1), p1 + 1);
			ver = atoi(p2 + 1);
			snprintf(ty, sizeof ty, "%s", p3 + 1);
			char name[96];
			snprintf(name, sizeof name, "%s%s%s", *dom && strcmp(dom, "ai.onnx") ? dom : "",
				*dom && strcmp(dom, "ai.onnx") ? "." : "", op);
			int k;
			for (k = 0; k < nrow && strcmp(row[k].name, name); k++)
				;
			if (k == nrow) {
				if (nrow == cap)
					continue;
				snprintf(row[nrow].op, sizeof row->op, "%s", op);
				snprintf(row[nrow++].name, sizeof row->name, "%s", name);
			}
			OpRow *o = &row[k];
			char tag[100];
			snprintf(tag, sizeof tag, "|%s|", name);
			if (!strstr(seen, tag)) {
				if (strlen(seen) + strlen(tag) < sizeof seen)
					strcat(seen, tag);
				o->ncase++;
				o->npass += c->out == R_PASS;
			}
			if (ver > 0)   /* 0: the model imports no default domain */
				add_int(o->opset, &o->nopset, ver);
			if (strcmp(ty, "?"))
				add_word(o->types, sizeof o->types, ty);
			if (c->out == R_PASS) {
				if (ver > 0)
					add_int(o->okset, &o->nokset, ver);
				if (strcmp(ty, "?"))
					add_word(o->oktypes, sizeof o->oktypes, ty);
			}
		}
	}
	qsort(row, (size_t)nrow, sizeof *row, cmp_row);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "axcc_conformance: %s: %s\n", path, strerror(errno));
		free(row);
		return -1;
	}
	int nsup = 0;
	for (int k = 0; k < nrow; k++)
		nsup += row[k].npass > 0;
	fprintf(f, "# Operators\n\n"
		"Generated by `build/tests/conformance/axcc_conformance --report docs/` with\n"
		"docs/ONNX_SUPPORT.md, from the ONNX backend test cases it ran (Debian's\n"
		"libonnx-testdata, ONNX 1.12). One row per op that a case's model uses (its\n"
		"subgraphs included): the default-domain opsets of those models (- when a model\n"
		"imports only another domain, ai.onnx.preview.training version 1), the opsets and\n"
		"element types (of the op's first input, after shape inference) in cases that\n"
		"pass, and the cases that use it. An op used only by failing cases, or a type only\n"
		"there, is not shown as supported. Types marked ? in a case (inference did not\n"
		"reach the op without frozen inputs) are left out.\n\n"
		"%d ops appear in the cases; %d of them in at least one passing case.\n\n"
		"| op | opsets seen | opsets passing | types passing | types seen | cases passing |\n"
		"|---|---|---|---|---|---|\n", nrow, nsup);
	for (int k = 0; k < nrow; k++) {
		OpRow *o = &row[k];
		fprintf(f, "| %s | ", o->name);
		put_ints(f, o->opset, o->nopset);
		fputs(" | ", f);
		put_ints(f, o->okset, o->nokset);
		fputs(" | ", f);
		put_words(f, o->oktypes);
		fputs(" | ", f);
		put_words(f, o->types);
		fprintf(f, " | %d / %d |\n", o->npass, o->ncase);
	}
	/* registered ops no case uses */
	int first = 1;
	for (int i = 1; i < NOP; i++) {
		int k;
		for (k = 0; k < nrow && strcmp(row[k].op, optab[i].onnx); k++)
			;
		if (k < nrow)
			continue;
		fprintf(f, "%s%s", first ? "\nOps axcc implements that no backend case of this run uses: " : ", ",
			optab[i].onnx);
		first = 0;
	}
	if (!first)
		fputs(".\n", f);
	free(row);
	return fclose(f);
}

/* --report PATH: a directory gets ONNX_SUPPORT.md and OPERATORS.md; a file
 * name gets the support report, and OPERATORS.md goes beside it. */
static int
write_reports(const Run *r)
{
	char sup[4096], ops[4096];
	struct stat st;
	size_t l = strlen(r->report);
	if ((stat(r->report, &st) == 0 && S_ISDIR(st.st_mode)) || (l && r->report[l - 1] == '/')) {
		snprintf(sup, sizeof sup, "%s%sONNX_SUPPORT.md", r->report, r->report[l - 1] == '/' ? "" : "/");
		snprintf(ops, sizeof ops, "%s%sOPERATORS.md", r->report, r->report[l - 1] == '/' ? "" : "/");
	} else {
		const char *slash = strrchr(r->report, '/');
		snprintf(sup, sizeof sup, "%s", r->report);
		snprintf(ops, sizeof ops, "%.*sOPERATORS.md", slash ? (int)(slash - r->report + 1) : 0, r->report);
	}
	int rc = write_report(r, sup);
	if (write_operators(r, ops) != 0)
		rc = -1;
	return rc;
}

/* ---- main ---- */

static int
parse_int(const char *opt, const char *v, int *out)
{
	char *end;
	long x = strtol(v, &end, 10);
	if (!*v || *end || x < 0 || x > 1000000) {
		fprintf(stderr, "axcc_conformance: %s takes a non-negative integer, got '%s'\n", opt, v);
		return -1;
	}
	*out = (int)x;
	return 0;
}

static int
parse(Run *r, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return fputs(help, stdout), 1;
		if (!strcmp(a, "-v") || !strcmp(a, "--no-freeze")) {
			*(a[1] == 'v' ? &r->verbose : &r->nofreeze) = 1;
			continue;
		}
		if (!v || a[0] != '-')
			return fprintf(stderr, "axcc_conformance: bad argument '%s'\n%s", a, help), -1;
		i++;
		if (!strcmp(a, "--root")) r->root = v;
		else if (!strcmp(a, "--suite")) r->suite = v;
		else if (!strcmp(a, "--filter")) r->filter = v;
		else if (!strcmp(a, "--must-pass")) r->must = v;
		else if (!strcmp(a, "--write-pass-list")) r->passlist = v;
		else if (!strcmp(a, "--report")) r->report = v;
		else if (!strcmp(a, "--cc")) r->cc = v;
		else if (!strcmp(a, "--jobs")) { if (parse_int(a, v, &r->jobs) < 0) return -1; }
		else if (!strcmp(a, "--timeout")) { if (parse_int(a, v, &r->timeout) < 0) return -1; }
		else if (!strcmp(a, "--mem-limit")) { if (parse_int(a, v, &r->memlimit_mb) < 0) return -1; }
		else return fprintf(stderr, "axcc_conformance: unknown option '%s'\n%s", a, help), -1;
	}
	if (r->jobs < 1 || r->jobs > MAXJOBS)
		return fprintf(stderr, "axcc_conformance: --jobs must be 1..%d\n", MAXJOBS), -1;
	for (int s = 0; r->suite && s <= NSUITE; s++)
		if (s == NSUITE)
			return fprintf(stderr, "axcc_conformance: unknown suite '%s'\n", r->suite), -1;
		else if (!strcmp(r->suite, suites[s]))
			break;
	return 0;
}

int
main(int argc, char **argv)
{
	Run r = {.root = "/usr/share/libonnx-testdata/data", .jobs = 2, .timeout = 120,
		.memlimit_mb = 4096};
	int rc = parse(&r, argc, argv);
	if (rc)
		return rc < 0 ? 2 : 0;
	if (collect(&r) < 0 || run_all(&r) < 0)
		return 2;
	summary(&r);
	rc = 0;
	if (r.passlist && write_pass_list(&r) != 0)
		rc = 2;
	if (r.report && write_reports(&r) != 0)
		rc = 2;
	if (r.must && check_must_pass(&r))
		rc = 1;
	for (int i = 0; i < r.nc; i++) {
		free(r.c[i].name);
		free(r.c[i].dir);
	}
	free(r.c);
	return rc;
}
