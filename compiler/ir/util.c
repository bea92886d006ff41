/* util.c: fatal errors for compiler bugs, checked allocation, dtype tables. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

_Noreturn void
die_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "axcc: internal error at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static const struct { const char *name, *ctype; size_t size; } dtab[DT_MAX] = {
	[DT_F32] = {"float", "float", 4},     [DT_U8] = {"uint8", "uint8_t", 1},
	[DT_I8] = {"int8", "int8_t", 1},      [DT_U16] = {"uint16", "uint16_t", 2},
	[DT_I16] = {"int16", "int16_t", 2},   [DT_I32] = {"int32", "int32_t", 4},
	[DT_I64] = {"int64", "int64_t", 8},   [DT_STRING] = {"string", "axrt_str", 64},

	[DT_BOOL] = {"bool", "_Bool", 1},     [DT_F16] = {"float16", "uint16_t", 2},
	[DT_F64] = {"double", "double", 8},   [DT_U32] = {"uint32", "uint32_t", 4},
	[DT_U64] = {"uint64", "uint64_t", 8}, [DT_BF16] = {"bfloat16", "uint16_t", 2},
};

size_t
dtype_size(DType t)
{
	return (unsigned)t < DT_MAX ? dtab[t].size : 0;
}

const char *
dtype_name(DType t)
{
	return (unsigned)t < DT_MAX && dtab[t].name ? dtab[t].name : "undefined";
}

const char *
dtype_ctype(DType t)
{
	return (unsigned)t < DT_MAX && dtab[t].ctype ? dtab[t].ctype : "void";
}

int
dtype_is_float(DType t)
{
	return t == DT_F32 || t == DT_F64 || t == DT_F16 || t == DT_BF16;
}

int
dtype_is_int(DType t)
{
	switch (t) {
	case DT_U8: case DT_I8: case DT_U16: case DT_I16: case DT_I32:
	case DT_I64: case DT_U32: case DT_U64:
		return 1;
	default:
		return 0;
	}
}

int
mul_overflows(int64_t a, int64_t b, int64_t limit)
{
	if (a < 0 || b < 0)
		return 1;
	if (a == 0 || b == 0)
		return 0;
	return a > limit / b;
}
