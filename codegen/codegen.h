/* codegen.h: prints a lowered, planned Program as standalone C
 * (DIR/N.c, DIR/N.h). Deterministic: same program, same bytes. */
#ifndef AXCC_CODEGEN_H
#define AXCC_CODEGEN_H

#include "ir/ir.h"
#include "prog/prog.h"

typedef struct CodegenOpts {
	const char *name;          /* C prefix (sanitized); macros use its upper case */
	const char *model_name;    /* model file's base name, for the banner comment */
	int runtime_external;      /* 1: #include "axrt.h" instead of embedding kernels */
} CodegenOpts;

/* Writes DIR/<name>.c and DIR/<name>.h. Returns 0 or -1 after diagnostics. */
int codegen_write(const Program *p, const CodegenOpts *o, const char *dir, Diag *d);
/* The C identifier made from s: [A-Za-z0-9_], not starting with a digit. */
char *c_ident(Arena *a, const char *s);

/* params.c: prints the params struct of kernel k as a C initializer. */
void params_print(FILE *f, KernelId k, const void *params);
void c_float(FILE *f, float x);        /* exact: hex literal, INFINITY, NAN */

/* rtsrc.c (generated at build time by tools/embed.c) */
typedef struct RtFile { const char *name; const char *text; } RtFile;
extern const RtFile rt_files[];
extern const int rt_nfiles;
#endif
