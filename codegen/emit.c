/* emit.c: writes DIR/N.h and DIR/N.c from a planned Program. The C calls
 * the same kernels with the same parameter structs as the interpreter.
 * Output is deterministic: names come from the ONNX graph, order from the
 * program, and nothing depends on pointers, time or paths. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "axrt.h"
#include "codegen.h"

typedef struct Emit {
	const Program *p;
	const CodegenOpts *o;
	Arena *a;
	FILE *f;
	const char *pre;       /* C prefix */
	const char *PRE;       /* upper case */
	char **bname;          /* per buffer: C name of a constant */
	char **sname;          /* per step: params name */
	char **ioname;         /* per graph input then output: parameter name */
	void *seen;            /* names already used (collisions) */
	char **used; int nused, capused;
} Emit;

static const char *ckeywords[] = {
	"auto", "break", "case", "char", "const", "continue", "default", "do", "double",
	"else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
	"register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
	"switch", "typedef", "union", "unsigned", "void", "volatile", "while", "in", "out",
	"st", "arena", NULL
};

char *
c_ident(Arena *a, const char *s)
{
	size_t n = strlen(s);
	if (n > 48)
		n = 48;
	char *r = arena_alloc(a, n + 3);
	size_t k = 0;
	if (!n || isdigit((unsigned char)s[0]))
		r[k++] = 'x';
	for (size_t i = 0; i < n; i++)
		r[k++] = isalnum((unsigned char)s[i]) ? s[i] : '_';
	r[k] = 0;
	for (const char **kw = ckeywords; *kw; kw++)
		if (!strcmp(r, *kw)) {
			r[k++] = '_';
			r[k] = 0;
		}
	return r;
}

/* A name unique within the generated file: base, base_2, base_3 ... in the
 * order names are asked for (program order: deterministic). */
static char *
unique(Emit *e, const char *base)
{
	char *cand = (char *)base;
	for (int k = 2;; k++) {
		int clash = 0;
		for (int i = 0; i < e->nused && !clash; i++)
			clash = !strcmp(e->used[i], cand);
		if (!clash)
			break;
		cand = arena_printf(e->a, "%s_%d", base, k);
	}
	if (e->nused == e->capused) {
		e->capused = e->capused ? e->capused * 2 : 256;
		e->used = xrealloc(e->used, e->capused * sizeof *e->used);
	}
	e->used[e->nused++] = cand;
	return cand;
}

/* Text safe inside a C comment: printable ASCII, no comment close. */
static const char *
cmt(Emit *e, const char *s)
{
	size_t n = strlen(s);
	char *r = arena_alloc(e->a, n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		r[i] = (c < 32 || c > 126 || (c == '/' && i && s[i - 1] == '*')) ? '?' : (char)c;
	}
	return r;
}


/* ---- weights: exact bytes, viewed through a union ----
 * A constant's bytes are written as string literals (printable characters
 * as themselves, the rest as 3-digit octal escapes), in chunks of at most
 * CHUNK bytes -- under C99's 4095-character limit -- held by consecutive
 * unsigned char arrays of a struct (no padding between them), and read
 * through a typed view of the union. Compilers parse strings several times
 * faster than initializer lists. Bytes are in little-endian order, as on the
 * x86-64 and ARM targets; N.c refuses to build big-endian. */
#define CHUNK 4000

static void
put_chunk(FILE *f, const unsigned char *p, size_t n, char *buf)
{
	static char esc[256][5];
	static unsigned char len[256];
	if (!len[0]) {
		for (int c = 0; c < 256; c++) {
			if (c >= 32 && c < 127 && c != '"' && c != '\\' && c != '?')
				snprintf(esc[c], sizeof esc[c], "%c", c);
			else
				snprintf(esc[c], sizeof esc[c], "\\%03o", c);
			len[c] = (unsigned char)strlen(esc[c]);
		}
	}
	size_t k = 0;
	buf[k++] = '\t';
	buf[k++] = '"';
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + k, esc[p[i]], 4);   /* buf has room for 4 per byte */
		k += len[p[i]];
	}
	buf[k++] = '"';
	buf[k++] = ',';
	buf[k++] = '\n';
	fwrite(buf, 1, k, f);
}

static void
emit_const(Emit *e, int b)
{
	const Buf *bf = &e->p->buf[b];
	size_t es = dtype_size(bf->dtype) ? dtype_size(bf->dtype) : 1;
	size_t n = bf->size / es, nchunk = (bf->size + CHUNK - 1) / CHUNK;
	const char *vt = bf->dtype == DT_BOOL ? "uint8_t" : dtype_ctype(bf->dtype);
	e->bname[b] = unique(e, arena_printf(e->a, "w_%s", c_ident(e->a, bf->name)));
	fprintf(e->f, "static const union { struct {");
	for (size_t c = 0; c < nchunk; c++)
		fprintf(e->f, " unsigned char c%zu[%zu];", c,
			c + 1 < nchunk ? (size_t)CHUNK : bf->size - c * CHUNK);
	if (!nchunk)
		fputs(" unsigned char c0[1];", e->f);
	fprintf(e->f, " } s; %s v[%zu]; } %s = {{ /* %s */\n", vt, n ? n : 1, e->bname[b],
		cmt(e, bf->name));
	char *buf = xmalloc(CHUNK * 4 + 16);
	for (size_t c = 0; c < nchunk; c++) {
		size_t len = c + 1 < nchunk ? CHUNK : bf->size - c * CHUNK;
		put_chunk(e->f, (const unsigned char *)bf->data + c * CHUNK, len, buf);
	}
	if (!nchunk)
		fputs("\t\"\",\n", e->f);
	free(buf);
	fputs("}};\n", e->f);
}

/* ---- the embedded runtime ---- */
static const char *
rt_text(const char *name)
{
	for (int i = 0; i < rt_nfiles; i++)
		if (!strcmp(rt_files[i].name, name))
			return rt_files[i].text;
	die("runtime file %s is not embedded", name);
}

/* Pastes a runtime file: `#include "axrt_*.def"` is inlined, other axrt
 * headers are dropped (already pasted), system includes stay. */
static void
paste(FILE *f, const char *name)
{
	const char *s = rt_text(name);
	while (*s) {
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t)(eol - s) : strlen(s);
		char inc[128];
		if (sscanf(s, "#include \"%127[^\"]\"", inc) == 1 && !strncmp(inc, "axrt", 4)) {
			size_t il = strlen(inc);
			if (il > 4 && !strcmp(inc + il - 4, ".def"))
				paste(f, inc);
		} else {
			fwrite(s, 1, len, f);
			fputc('\n', f);
		}
		s += len + (eol ? 1 : 0);
	}
}

static void
emit_runtime(Emit *e)
{
	const Program *p = e->p;
	if (e->o->runtime_external) {
		fputs("#include \"axrt.h\"\n\n", e->f);
		return;
	}
	fputs("/* ---- axrt runtime: the kernels this model uses ---- */\n#define AXRT_EMBED 1\n", e->f);
	paste(e->f, "axrt_core.h");
	/* families in axrt_all.def order, each once */
	for (int k = 0; k < NKERNEL; k++) {
		const char *fam = ktab[k].family;
		int first = 1, used = 0;
		for (int j = 0; j < k && first; j++)
			first = strcmp(ktab[j].family, fam) != 0;
		for (int s = 0; s < p->nstep && first && !used; s++)
			used = !strcmp(ktab[p->step[s].k].family, fam);
		if (!used)
			continue;
		char name[64];
		if (!strcmp(fam, "fx"))
			paste(e->f, "axrt_fixed.h");   /* the quantizer fx kernels share */
		snprintf(name, sizeof name, "axrt_%s.h", fam);
		paste(e->f, name);
		snprintf(name, sizeof name, "%s.c", fam);
		paste(e->f, name);
	}
	fputs("/* ---- end of runtime ---- */\n\n", e->f);
}

/* ---- buffers as C expressions ---- */
static const char *
buf_expr(Emit *e, int b, int writable)
{
	if (b < 0)
		return "NULL";
	size_t off;
	int r = buf_root(e->p, b, &off);
	const Buf *rb = &e->p->buf[r];
	const char *base;
	switch (rb->kind) {
	case BUF_ARENA: off += rb->offset; base = arena_printf(e->a, "%s_arena.b", e->pre); break;
	case BUF_CONST: base = arena_printf(e->a, "%s.v", e->bname[r]); break;
	case BUF_INPUT: base = arena_printf(e->a, "in[%d]", rb->io); break;
	case BUF_OUTPUT: base = arena_printf(e->a, "out[%d]", rb->io); break;
	default: die("buffer %d: bad root", b);
	}
	if (writable && (rb->kind == BUF_CONST || rb->kind == BUF_INPUT))
		die("step writes read-only buffer %s", rb->name);
	if (!off)
		return base;
	return arena_printf(e->a, "(%sunsigned char *)%s + %zu", writable ? "" : "const ", base, off);
}

static void
emit_params(Emit *e)
{
	const Program *p = e->p;
	fputs("/* ---- kernel parameters, one per step ---- */\n", e->f);
	for (int s = 0; s < p->nstep; s++) {
		const Step *st = &p->step[s];
		const char *nn = st->node ? st->node->name : "output";
		e->sname[s] = unique(e, arena_printf(e->a, "p_%s", c_ident(e->a, nn)));
		fprintf(e->f, "static const axrt_%s_params %s = ", ktab[st->k].params, e->sname[s]);
		params_print(e->f, st->k, st->params);
		fputs(";\n", e->f);
	}
	fputc('\n', e->f);
}

static void
emit_step(Emit *e, int s)
{
	const Step *st = &e->p->step[s];
	FILE *f = e->f;
	if (st->node)
		fprintf(f, "\t/* node '%s' (%s) */\n", cmt(e, st->node->name), cmt(e, st->node->optype));
	else
		fputs("\t/* graph output copy */\n", f);
	fputs("\t{\n\t\tconst void *i_[] = {", f);
	for (int i = 0; i < st->nin; i++)
		fprintf(f, "%s%s", i ? ", " : "", buf_expr(e, st->in[i], 0));
	if (!st->nin)
		fputs("NULL", f);
	fputs("};\n\t\tvoid *o_[] = {", f);
	for (int i = 0; i < st->nout; i++)
		fprintf(f, "%s%s", i ? ", " : "", buf_expr(e, st->out[i], 1));
	if (!st->nout)
		fputs("NULL", f);
	fprintf(f, "};\n\t\tst = axrt_%s(&%s, i_, o_, %s);\n\t\tif (st != 0)\n\t\t\treturn st;\n",
		ktab[st->k].name, e->sname[s], st->scratch >= 0 ? buf_expr(e, st->scratch, 1) : "NULL");
	for (int i = 0; i < st->nout; i++)
		if (st->out[i] >= 0)
			fprintf(f, "\t\tAXRT_HOOK_WRITE(%d, o_[%d], %zu);\n", s, i, e->p->buf[st->out[i]].size);
	fputs("\t}\n", f);
}

/* ---- entry points and the header ---- */
static void
io_decl(Emit *e, FILE *f, const Buf *b, const char *name, int isin)
{
	const Tensor *t = b->t ? b->t : NULL;
	int rank = t ? t->rank : 1, empty = 0;
	for (int k = 0; t && k < rank; k++)
		empty |= t->dim[k] == 0;
	fprintf(f, "%s%s ", isin ? "const " : "", dtype_ctype(b->dtype));
	if (empty || !t) {
		fprintf(f, "*%s", name);
		return;
	}
	fputs(name, f);
	if (rank == 0)
		fputs("[1]", f);
	for (int k = 0; k < rank; k++)
		fprintf(f, "[%" PRId64 "]", t->dim[k]);
}

static const Tensor *
io_tensor(const Program *p, int b)
{
	const Tensor *t = p->buf[b].t;
	if (t)
		return t;
	return p->g->output[p->buf[b].io];   /* output copies have no tensor on the buffer */
}

static void
emit_signature(Emit *e, FILE *f)
{
	const Program *p = e->p;
	fprintf(f, "int %s_run(", e->pre);
	int k = 0;
	for (int i = 0; i < p->ninput; i++, k++) {
		Buf b = p->buf[p->input[i]];
		b.t = io_tensor(p, p->input[i]);
		fputs(i ? ", " : "", f);
		io_decl(e, f, &b, e->ioname[k], 1);
	}
	for (int i = 0; i < p->noutput; i++, k++) {
		Buf b = p->buf[p->output[i]];
		b.t = io_tensor(p, p->output[i]);
		fputs(k ? ", " : "", f);
		io_decl(e, f, &b, e->ioname[k], 0);
	}
	if (!k)
		fputs("void", f);
	fputc(')', f);
}

static void
emit_info(Emit *e, const char *which, const int *bufs, int n)
{
	FILE *f = e->f;
	for (int i = 0; i < n; i++) {
		const Tensor *t = io_tensor(e->p, bufs[i]);
		fprintf(f, "static const int32_t %s_%s%d_dims[] = {", e->pre, which, i);
		for (int k = 0; k < t->rank; k++)
			fprintf(f, "%s%" PRId64, k ? ", " : "", t->dim[k]);
		fputs(t->rank ? "};\n" : "0};\n", f);
	}
	fprintf(f, "const axrt_tensor_info %s_%s[%s_NUM_%s > 0 ? %s_NUM_%s : 1] = {\n", e->pre,
		which, e->PRE, !strcmp(which, "inputs") ? "INPUTS" : "OUTPUTS", e->PRE,
		!strcmp(which, "inputs") ? "INPUTS" : "OUTPUTS");
	for (int i = 0; i < n; i++) {
		const Tensor *t = io_tensor(e->p, bufs[i]);
		fprintf(f, "\t{\"%s\", %d, %d, %s_%s%d_dims, %" PRId64 "},\n", cmt(e, t->name),
			(int)t->dtype, t->rank, e->pre, which, i, tensor_numel(t));
	}
	if (!n)
		fputs("\t{\"\", 0, 0, 0, 0},\n", f);
	fputs("};\n\n", f);
}

/* io "raw" (a fixed-point plan, passes/fixed.c): inputs and outputs that
 * are integer codes get their format, value = code * 2^-FRAC. */
static void
emit_io_formats(Emit *e, FILE *f, const char *which, const int *bufs, int n)
{
	int any = 0;
	for (int i = 0; i < n; i++) {
		const Tensor *t = io_tensor(e->p, bufs[i]);
		if (t->qbits <= 0)
			continue;
		if (!any++)
			fprintf(f, "/* fixed-point %ss: value = code * 2^-FRAC (codes of BITS bits) */\n",
				!strcmp(which, "INPUT") ? "input" : "output");
		fprintf(f, "#define %s_%s%d_BITS %d /* '%s' */\n#define %s_%s%d_FRAC %d\n", e->PRE, which,
			i, t->qbits, cmt(e, t->name), e->PRE, which, i, t->qfrac);
		if (n == 1)
			fprintf(f, "#define %s_%s_BITS %d\n#define %s_%s_FRAC %d\n", e->PRE, which,
				t->qbits, e->PRE, which, t->qfrac);
	}
	if (any)
		fputc('\n', f);
}

static void
emit_header(Emit *e, FILE *f)
{
	const Program *p = e->p;
	fprintf(f, "/* %s.h -- generated by axcc %s from %s. Do not edit. */\n", e->pre,
		AXCC_VERSION, cmt(e, e->o->model_name));
	fprintf(f, "#ifndef %s_H_\n#define %s_H_\n\n#include <stdint.h>\n\n", e->PRE, e->PRE);
	fprintf(f, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
	fprintf(f, "#define %s_NUM_INPUTS  %d\n#define %s_NUM_OUTPUTS %d\n", e->PRE, p->ninput, e->PRE, p->noutput);
	fprintf(f, "#define %s_ARENA_BYTES %zu /* static activation memory, planned */\n\n", e->PRE, p->arena_bytes);
	emit_io_formats(e, f, "INPUT", p->input, p->ninput);
	emit_io_formats(e, f, "OUTPUT", p->output, p->noutput);
	fputs("#ifndef AXRT_TENSOR_INFO_DEFINED\n#define AXRT_TENSOR_INFO_DEFINED\n"
	      "typedef struct { const char *name; int32_t elem_type; /* ONNX TensorProto.DataType */\n"
	      "                 int32_t rank; const int32_t *dims; int32_t numel; } axrt_tensor_info;\n"
	      "#endif\n\n", f);
	int str = 0;
	for (int i = 0; i < p->ninput; i++)
		str |= p->buf[p->input[i]].dtype == DT_STRING;
	for (int i = 0; i < p->noutput; i++)
		str |= p->buf[p->output[i]].dtype == DT_STRING;
	if (str)   /* as in axrt_core.h */
		fputs("#ifndef AXRT_STR_DEFINED\n#define AXRT_STR_DEFINED\n"
		      "typedef struct { char s[64]; } axrt_str;   /* a NUL-terminated string element */\n"
		      "#endif\n\n", f);

	fprintf(f, "extern const axrt_tensor_info %s_inputs[%s_NUM_INPUTS > 0 ? %s_NUM_INPUTS : 1], "
		"%s_outputs[%s_NUM_OUTPUTS > 0 ? %s_NUM_OUTPUTS : 1];\n\n",
		e->pre, e->PRE, e->PRE, e->pre, e->PRE, e->PRE);
	fputs("/* Runs the model. Returns 0, or a negative axrt status. */\n", f);
	emit_signature(e, f);
	fputs(";\n/* The same, with inputs and outputs in graph order (for generic drivers). */\n", f);
	fprintf(f, "int %s_run_ptrs(const void *const in[], void *const out[]);\n\n", e->pre);
	fprintf(f, "#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s_H_ */\n", e->PRE);
}

static void
emit_source(Emit *e)
{
	const Program *p = e->p;
	FILE *f = e->f;
	fprintf(f, "/* %s.c -- generated by axcc %s from %s. Do not edit.\n", e->pre, AXCC_VERSION,
		cmt(e, e->o->model_name));
	fprintf(f, " * %d kernel calls; activation arena %zu bytes. */\n", p->nstep, p->arena_bytes);
	fprintf(f, "#include <math.h>\n#include <stddef.h>\n#include <stdint.h>\n\n#include \"%s.h\"\n\n", e->pre);
	emit_runtime(e);
	fputs("/* ---- weights and constants (exact bit patterns) ---- */\n", f);
	fputs("#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__\n"
	      "#error \"axcc packs constants for little-endian targets\"\n#endif\n", f);
	/* constants some step reads (lowering may replace one, e.g. by a repacked copy) */
	char *used = arena_alloc(e->a, p->nbuf + 1);
	for (int s = 0; s < p->nstep; s++)
		for (int i = 0; i < p->step[s].nin; i++)
			if (p->step[s].in[i] >= 0)
				used[buf_root(p, p->step[s].in[i], NULL)] = 1;
	for (int b = 0; b < p->nbuf; b++)
		if (p->buf[b].kind == BUF_CONST && used[b])
			emit_const(e, b);
	fputc('\n', f);
	emit_params(e);
	if (p->arena_bytes)
		fprintf(f, "static union { unsigned char b[%zu]; double d_; int64_t i_; } %s_arena;\n\n",
			p->arena_bytes, e->pre);
	emit_info(e, "inputs", p->input, p->ninput);
	emit_info(e, "outputs", p->output, p->noutput);
	fprintf(f, "int\n%s_run_ptrs(const void *const in[], void *const out[])\n{\n\taxrt_status st;\n\n", e->pre);
	fputs("\t(void)in;\n\t(void)out;\n", f);
	for (int s = 0; s < p->nstep; s++)
		emit_step(e, s);
	fputs("\treturn 0;\n}\n\n", f);
	emit_signature(e, f);
	fputs("\n{\n", f);
	int k = 0;
	fprintf(f, "\tconst void *in[%d] = {", p->ninput ? p->ninput : 1);
	for (int i = 0; i < p->ninput; i++)
		fprintf(f, "%s%s", i ? ", " : "", e->ioname[k++]);
	fprintf(f, "%s};\n\tvoid *out[%d] = {", p->ninput ? "" : "NULL", p->noutput ? p->noutput : 1);
	for (int i = 0; i < p->noutput; i++)
		fprintf(f, "%s%s", i ? ", " : "", e->ioname[k++]);
	fprintf(f, "%s};\n\treturn %s_run_ptrs(in, out);\n}\n", p->noutput ? "" : "NULL", e->pre);
}

static FILE *
open_out(const char *dir, const char *name, const char *ext, Diag *d, char **path)
{
	*path = xmalloc(strlen(dir) + strlen(name) + 8);
	sprintf(*path, "%s/%s%s", dir, name, ext);
	FILE *f = fopen(*path, "w");
	if (!f)
		diag_error(d, "cannot write %s: %s", *path, strerror(errno));
	return f;
}

int
codegen_write(const Program *p, const CodegenOpts *o, const char *dir, Diag *d)
{
	Emit e = {.p = p, .o = o, .a = arena_new()};
	e.pre = c_ident(e.a, o->name);
	char *up = arena_strdup(e.a, e.pre);
	for (char *c = up; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	e.PRE = up;
	e.bname = arena_alloc(e.a, (p->nbuf + 1) * sizeof *e.bname);
	e.sname = arena_alloc(e.a, (p->nstep + 1) * sizeof *e.sname);
	e.ioname = arena_alloc(e.a, (p->ninput + p->noutput + 1) * sizeof *e.ioname);
	int k = 0;
	for (int i = 0; i < p->ninput; i++)
		e.ioname[k++] = unique(&e, c_ident(e.a, io_tensor(p, p->input[i])->name));
	for (int i = 0; i < p->noutput; i++)
		e.ioname[k++] = unique(&e, c_ident(e.a, io_tensor(p, p->output[i])->name));
	char *hpath, *cpath;
	int rc = -1;
	FILE *h = open_out(dir, e.pre, ".h", d, &hpath);
	if (h) {
		emit_header(&e, h);
		rc = fclose(h) == 0 ? 0 : diag_error(d, "cannot write %s", hpath);
	}
	if (rc == 0 && (e.f = open_out(dir, e.pre, ".c", d, &cpath))) {
		static char big[1 << 20];
		setvbuf(e.f, big, _IOFBF, sizeof big);
		emit_source(&e);
		rc = fclose(e.f) == 0 ? 0 : diag_error(d, "cannot write %s", cpath);
		free(cpath);
	} else {
		rc = -1;
	}
	free(hpath);
	free(e.used);
	arena_free(e.a);
	return rc;
}
