/* params.c: prints any kernel's parameter struct as a C initializer, from
 * the same X-lists that declare the structs (runtime/include/axrt_*.h).
 * Floats are printed as hex literals: exact, no decimal round trip. */
#include <math.h>
#include <stdio.h>

#include "axrt.h"
#include "codegen.h"

static void
put_sep(FILE *f, int *first)
{
	fputs(*first ? "" : ", ", f);
	*first = 0;
}

static void
pf_int32_t(FILE *f, int *first, const char *name, const int32_t *v, int n, int arr)
{
	put_sep(f, first);
	fprintf(f, ".%s = %s", name, arr ? "{" : "");
	for (int i = 0; i < n; i++)
		fprintf(f, i ? ", %ld" : "%ld", (long)v[i]);
	fputs(arr ? "}" : "", f);
}

static void
pf_int64_t(FILE *f, int *first, const char *name, const int64_t *v, int n, int arr)
{
	put_sep(f, first);
	fprintf(f, ".%s = %s", name, arr ? "{" : "");
	for (int i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		if (v[i] == INT64_MIN)
			fputs("INT64_MIN", f);
		else
			fprintf(f, "INT64_C(%lld)", (long long)v[i]);
	}
	fputs(arr ? "}" : "", f);
}

void
c_float(FILE *f, float x)
{
	if (isnan(x))
		fputs("NAN", f);
	else if (isinf(x))
		fputs(x < 0 ? "-INFINITY" : "INFINITY", f);
	else
		fprintf(f, "%af", (double)x);
}

static void
pf_float(FILE *f, int *first, const char *name, const float *v, int n, int arr)
{
	put_sep(f, first);
	fprintf(f, ".%s = %s", name, arr ? "{" : "");
	for (int i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		c_float(f, v[i]);
	}
	fputs(arr ? "}" : "", f);
}

#define PF(t, n) pf_##t(f, &first, #n, &p->n, 1, 0);
#define PA(t, n, k) pf_##t(f, &first, #n, p->n, k, 1);
#define AXRT_P(name, LIST) \
	static void print_##name(FILE *f, const void *vp) \
	{ \
		const axrt_##name##_params *p = vp; \
		int first = 1; \
		fputc('{', f); \
		LIST(PF, PA) \
		fputc('}', f); \
	}
#define AXRT_K(k, p)
#include "axrt_all.def"
#undef AXRT_P
#undef AXRT_K

void
params_print(FILE *f, KernelId k, const void *params)
{
	switch (k) {
#define AXRT_P(name, LIST)
#define AXRT_K(kn, pn) case K_##kn: print_##pn(f, params); break;
#include "axrt_all.def"
#undef AXRT_P
#undef AXRT_K
	default:
		die("kernel id %d out of range", (int)k);
	}
}
