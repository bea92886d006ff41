/* string.c: kernels of the string family -- StringNormalizer and Cast
 * between float and string. Strings are fixed-size axrt_str elements. */
#include "axrt.h"
#include <math.h>

AXRT_PRIVATE char
str_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

AXRT_PRIVATE char
str_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

AXRT_PRIVATE int
str_equal(const axrt_str *a, const axrt_str *b, int fold)
{
	for (int i = 0; i < AXRT_STR_BYTES; i++) {
		char x = a->s[i], y = b->s[i];
		if (fold ? str_lower(x) != str_lower(y) : x != y)
			return 0;
		if (!x)
			return 1;
	}
	return 1;
}

AXRT_PRIVATE int
str_stopword(const axrt_strnorm_params *p, const axrt_str *s, const axrt_str *stop)
{
	for (int32_t w = 0; w < p->nstop; w++)
		if (str_equal(s, &stop[w], !p->case_sensitive))
			return 1;
	return 0;
}

AXRT_API int64_t
axrt_strnorm_kept(const axrt_strnorm_params *p, const axrt_str *x, const axrt_str *stop)
{
	int64_t kept = -1;
	if (p->rows < 0 || p->cols < 0 || p->nstop < 0 || (p->nstop > 0 && !stop))
		return -1;
	for (int64_t r = 0; r < p->rows; r++) {
		int64_t k = 0;
		for (int64_t c = 0; c < p->cols; c++)
			k += !str_stopword(p, &x[r * p->cols + c], stop);
		if (kept >= 0 && k != kept)
			return -1;
		kept = k;
	}
	return kept < 0 ? 0 : kept;
}

AXRT_KERNEL_PROTO(strnorm, strnorm)
{
	const axrt_str *x = in[0], *stop = in[1];
	axrt_str *y = out[0];
	(void)scratch;
	if (p->rows < 0 || p->cols < 0 || p->kept < 0 || p->kept > p->cols || p->nstop < 0 ||
	    (p->nstop > 0 && !stop))
		return AXRT_EINVAL;
	for (int64_t r = 0; r < p->rows; r++) {
		int64_t k = 0;
		for (int64_t c = 0; c < p->cols; c++) {
			const axrt_str *s = &x[r * p->cols + c];
			if (str_stopword(p, s, stop))
				continue;
			if (k == p->kept)
				return AXRT_EINVAL;
			axrt_str *o = &y[r * p->kept + k++];
			for (int i = 0; i < AXRT_STR_BYTES; i++)
				o->s[i] = p->case_change == AXRT_CASE_LOWER ? str_lower(s->s[i]) :
					p->case_change == AXRT_CASE_UPPER ? str_upper(s->s[i]) : s->s[i];
		}
		if (k != p->kept)
			return AXRT_EINVAL;
	}
	if (p->kept == 0 && p->rows == 1)
		for (int i = 0; i < AXRT_STR_BYTES; i++)
			y[0].s[i] = 0;
	return AXRT_OK;
}

/* 10^k for 0 <= k <= 22, exact in double */
AXRT_PRIVATE double
str_pow10(int k)
{
	double v = 1;
	while (k-- > 0)
		v *= 10;
	return v;
}

/* Decimal digits of |v|: d[0..nd) with v ~ 0.d0d1... * 10^e10, rounded to
 * nd significant digits (nd <= 17). */
AXRT_PRIVATE void
str_digits(double v, int nd, char *d, int *e10)
{
	int e = 0;
	double m = v;
	while (m >= 1) {
		m /= 10;
		e++;
	}
	while (m < 0.1) {
		m *= 10;
		e--;
	}
	/* scale exactly where possible: v * 10^(nd - e) */
	int sh = nd - e;
	double s = sh >= 0 ? v * str_pow10(sh > 22 ? 22 : sh) * (sh > 22 ? str_pow10(sh - 22) : 1)
		: v / str_pow10(-sh > 22 ? 22 : -sh) / (-sh > 22 ? str_pow10(-sh - 22) : 1);
	double r = floor(s + 0.5);
	if (r >= str_pow10(nd)) {
		r /= 10;
		e++;
	}
	for (int i = nd - 1; i >= 0; i--) {
		double q = floor(r / 10);
		d[i] = (char)('0' + (int)(r - q * 10));
		r = q;
	}
	*e10 = e;
}

/* Parses s as a decimal number (sign, digits, '.', exponent; nan, inf). */
AXRT_PRIVATE double
str_parse(const char *s, int n)
{
	int i = 0, neg = 0, any = 0, e = 0, esign = 1, ex = 0;
	double m = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i + 3 <= n && str_lower(s[i]) == 'i' && str_lower(s[i + 1]) == 'n' && str_lower(s[i + 2]) == 'f')
		return neg ? -HUGE_VAL : HUGE_VAL;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, any = 1)
		if (m < 1e18)
			m = m * 10 + (s[i] - '0');
		else
			e++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, any = 1)
			if (m < 1e18) {
				m = m * 10 + (s[i] - '0');
				e--;
			}
	if (!any)
		return NAN;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			esign = s[i++] == '-' ? -1 : 1;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (ex < 10000)
				ex = ex * 10 + (s[i] - '0');
		e += esign * ex;
	}
	double v = m;
	if (e > 0)
		for (; e > 0; e -= e > 22 ? 22 : e)
			v *= str_pow10(e > 22 ? 22 : e);
	else
		for (; e < 0; e += -e > 22 ? 22 : -e)
			v /= str_pow10(-e > 22 ? 22 : -e);
	return neg ? -v : v;
}

AXRT_PRIVATE void
str_put(axrt_str *o, int *at, char c)
{
	if (*at < AXRT_STR_BYTES - 1)
		o->s[(*at)++] = c;
}

AXRT_PRIVATE void
str_from_float(float f, axrt_str *o)
{
	int at = 0;
	for (int i = 0; i < AXRT_STR_BYTES; i++)
		o->s[i] = 0;
	if (f != f) {
		str_put(o, &at, 'n'), str_put(o, &at, 'a'), str_put(o, &at, 'n');
		return;
	}
	if (f < 0 || (f == 0 && 1 / f < 0))
		str_put(o, &at, '-');
	double v = fabs((double)f);
	if (v == HUGE_VAL) {
		str_put(o, &at, 'i'), str_put(o, &at, 'n'), str_put(o, &at, 'f');
		return;
	}
	if (v == 0) {
		str_put(o, &at, '0'), str_put(o, &at, '.'), str_put(o, &at, '0');
		return;
	}
	char d[17];
	int nd, e;
	/* the fewest digits that read back as the same float */
	for (nd = 1; nd < 9; nd++) {
		str_digits(v, nd, d, &e);
		char t[32];
		int k = 0;
		t[k++] = '0';
		t[k++] = '.';
		for (int i = 0; i < nd; i++)
			t[k++] = d[i];
		t[k++] = 'e';
		int ee = e < 0 ? -e : e;
		if (e < 0)
			t[k++] = '-';
		if (ee >= 10)
			t[k++] = (char)('0' + ee / 10);
		t[k++] = (char)('0' + ee % 10);
		if ((float)str_parse(t, k) == (float)v)
			break;
	}
	str_digits(v, nd, d, &e);
	while (nd > 1 && d[nd - 1] == '0')
		nd--;
	int x = e - 1;   /* scientific exponent: d0.d1d2... * 10^x */
	if (v >= 1e-4 && v < 1e16) {   /* numpy's choice, on the value itself */
		if (x < 0) {
			str_put(o, &at, '0');
			str_put(o, &at, '.');
			for (int i = 0; i < -x - 1; i++)
				str_put(o, &at, '0');
			for (int i = 0; i < nd; i++)
				str_put(o, &at, d[i]);
		} else {
			for (int i = 0; i <= x; i++)
				str_put(o, &at, i < nd ? d[i] : '0');
			str_put(o, &at, '.');
			if (nd <= x + 1)
				str_put(o, &at, '0');
			for (int i = x + 1; i < nd; i++)
				str_put(o, &at, d[i]);
		}
		return;
	}
	str_put(o, &at, d[0]);
	if (nd > 1) {
		str_put(o, &at, '.');
		for (int i = 1; i < nd; i++)
			str_put(o, &at, d[i]);
	}
	str_put(o, &at, 'e');
	str_put(o, &at, x < 0 ? '-' : '+');
	int ax = x < 0 ? -x : x;
	if (ax >= 100)
		str_put(o, &at, (char)('0' + ax / 100));
	str_put(o, &at, (char)('0' + ax / 10 % 10));
	str_put(o, &at, (char)('0' + ax % 10));
}

AXRT_KERNEL_PROTO(str_from_f32, strcast)
{
	const float *x = in[0];
	axrt_str *y = out[0];
	(void)scratch;
	if (p->n < 0)
		return AXRT_EINVAL;
	for (int64_t i = 0; i < p->n; i++)
		str_from_float(x[i], &y[i]);
	return AXRT_OK;
}

AXRT_KERNEL_PROTO(f32_from_str, strcast)
{
	const axrt_str *x = in[0];
	float *y = out[0];
	(void)scratch;
	if (p->n < 0)
		return AXRT_EINVAL;
	for (int64_t i = 0; i < p->n; i++) {
		int len = 0;
		while (len < AXRT_STR_BYTES && x[i].s[len])
			len++;
		y[i] = (float)str_parse(x[i].s, len);
	}
	return AXRT_OK;
}
