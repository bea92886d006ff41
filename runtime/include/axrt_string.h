/* axrt_string.h: the string family. A string tensor element is an axrt_str
 * (axrt_core.h): AXRT_STR_BYTES bytes holding a NUL-terminated string of at
 * most AXRT_STR_BYTES - 1 bytes, the rest zero, so string tensors move and
 * compare like any fixed-size element. Letters are ASCII only. */
#ifndef AXRT_STRING_H
#define AXRT_STRING_H

#include "axrt_core.h"

enum { AXRT_CASE_NONE = 0, AXRT_CASE_LOWER = 1, AXRT_CASE_UPPER = 2 };

/* strnorm: StringNormalizer. in[0]: n strings, as rows x cols (rank 1: rows
 * 1); in[1]: nstop stopwords (NULL when nstop is 0). Each row drops the
 * strings equal to a stopword (ignoring case unless case_sensitive), then
 * changes case (AXRT_CASE_*). Every row must keep kept strings; out[0] gets
 * rows x kept of them, or one empty string when kept is 0 and rows 1.
 * AXRT_EINVAL when a row keeps another count (the compiler fixed kept from
 * the input it was given). */
#define AXRT_STRNORM_PARAMS(F, A) \
	F(int64_t, rows) \
	F(int64_t, cols) \
	F(int64_t, kept) \
	F(int32_t, nstop) \
	F(int32_t, case_sensitive) \
	F(int32_t, case_change)

/* str_from_f32: out[0][i] = the shortest decimal that reads back as the
 * float in[0][i] (numpy's str() of a float32: positional from 1e-4 up to
 * 1e16, else d.ddde+XX; "nan", "inf", "-inf"). f32_from_str: the
 * inverse; a string that is not a number gives NaN. */
#define AXRT_STRCAST_PARAMS(F, A) F(int64_t, n)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_string.def"
#undef AXRT_P
#undef AXRT_K

/* The strings each row of strnorm's input keeps (the output's last
 * dimension before the empty-row rule), or -1 when rows keep different
 * counts or p is out of range. The compiler sizes the output with it. */
AXRT_API int64_t axrt_strnorm_kept(const axrt_strnorm_params *p, const axrt_str *x, const axrt_str *stop);

#endif
