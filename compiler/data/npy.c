/* npy.c: NumPy .npy files, format versions 1, 2 and 3 (little-endian, C
 * order). The file is untrusted: every size is checked against the bytes
 * that are actually there before anything is allocated. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* ONNX element type <-> numpy type code and item size (ORDER: kind, size). */
static const struct { DType dt; char kind; int size; } npy_types[] = {
	{DT_F32, 'f', 4}, {DT_F64, 'f', 8}, {DT_F16, 'f', 2},
	{DT_I8, 'i', 1}, {DT_I16, 'i', 2}, {DT_I32, 'i', 4}, {DT_I64, 'i', 8},
	{DT_U8, 'u', 1}, {DT_U16, 'u', 2}, {DT_U32, 'u', 4}, {DT_U64, 'u', 8},
	{DT_BOOL, 'b', 1},
};
#define NTYPES (int)(sizeof npy_types / sizeof npy_types[0])

/* The parsed header dictionary. */
typedef struct NpyHdr {
	char descr[32];
	int fortran;           /* -1: key missing */
	int rank;              /* -1: key missing */
	int64_t dim[IR_MAXRANK];
} NpyHdr;

/* A cursor over the header text, with the file for messages. */
typedef struct Cur {
	const char *s, *end, *path;
	Diag *d;
} Cur;

static void
cur_ws(Cur *c)
{
	while (c->s < c->end && isspace((unsigned char)*c->s))
		c->s++;
}

static int
cur_eat(Cur *c, char ch)
{
	cur_ws(c);
	if (c->s < c->end && *c->s == ch) {
		c->s++;
		return 1;
	}
	return 0;
}

static int
cur_bad(Cur *c, const char *what)
{
	return data_error(c->d, c->path, "malformed .npy header: %s at offset %d", what, (int)(c->end - c->s));
}

/* A quoted Python string ('...' or "...") into buf. */
static int
cur_str(Cur *c, char *buf, size_t n)
{
	cur_ws(c);
	if (c->s >= c->end || (*c->s != '\'' && *c->s != '"'))
		return cur_bad(c, "expected a string");
	char q = *c->s++;
	size_t k = 0;
	while (c->s < c->end && *c->s != q) {
		if (k + 1 >= n)
			return cur_bad(c, "string too long");
		buf[k++] = *c->s++;
	}
	if (c->s >= c->end)
		return cur_bad(c, "unterminated string");
	c->s++;
	buf[k] = 0;
	return 0;
}

/* A non-negative integer (Python may write a trailing L in old files). */
static int
cur_dim(Cur *c, int64_t *v)
{
	cur_ws(c);
	if (c->s >= c->end || !isdigit((unsigned char)*c->s))
		return cur_bad(c, "expected a non-negative dimension");
	int64_t x = 0;
	while (c->s < c->end && isdigit((unsigned char)*c->s)) {
		if (x > (INT64_MAX - 9) / 10)
			return cur_bad(c, "dimension too large");
		x = x * 10 + (*c->s++ - '0');
	}
	if (c->s < c->end && *c->s == 'L')
		c->s++;
	*v = x;
	return 0;
}

/* (d0, d1, ...) with an optional trailing comma; () is a scalar. */
static int
cur_shape(Cur *c, NpyHdr *h)
{
	if (!cur_eat(c, '('))
		return cur_bad(c, "expected '(' for shape");
	h->rank = 0;
	while (!cur_eat(c, ')')) {
		if (h->rank >= IR_MAXRANK)
			return data_error(c->d, c->path, ".npy shape has more than %d dimensions", IR_MAXRANK);
		if (cur_dim(c, &h->dim[h->rank++]) < 0)
			return -1;
		if (!cur_eat(c, ',')) {
			if (!cur_eat(c, ')'))
				return cur_bad(c, "expected ',' or ')' in shape");
			break;
		}
	}
	return 0;
}

static int
cur_bool(Cur *c, int *v)
{
	cur_ws(c);
	size_t left = (size_t)(c->end - c->s);
	if (left >= 4 && !memcmp(c->s, "True", 4)) {
		c->s += 4;
		*v = 1;
	} else if (left >= 5 && !memcmp(c->s, "False", 5)) {
		c->s += 5;
		*v = 0;
	} else {
		return cur_bad(c, "expected True or False");
	}
	return 0;
}

/* Parses {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } */
static int
npy_parse_dict(Cur *c, NpyHdr *h)
{
	char key[32];
	h->descr[0] = 0;
	h->fortran = h->rank = -1;
	if (!cur_eat(c, '{'))
		return cur_bad(c, "expected '{'");
	while (!cur_eat(c, '}')) {
		if (cur_str(c, key, sizeof key) < 0)
			return -1;
		if (!cur_eat(c, ':'))
			return cur_bad(c, "expected ':'");
		int r;
		if (!strcmp(key, "descr")) {
			cur_ws(c);
			if (c->s < c->end && *c->s == '[')
				return data_error(c->d, c->path, ".npy structured dtypes are not supported");
			r = cur_str(c, h->descr, sizeof h->descr);
		} else if (!strcmp(key, "fortran_order")) {
			r = cur_bool(c, &h->fortran);
		} else if (!strcmp(key, "shape")) {
			r = cur_shape(c, h);
		} else {
			return data_error(c->d, c->path, ".npy header has unknown key '%s'", key);
		}
		if (r < 0)
			return -1;
		if (!cur_eat(c, ',')) {
			if (!cur_eat(c, '}'))
				return cur_bad(c, "expected ',' or '}'");
			break;
		}
	}
	if (!h->descr[0] || h->fortran < 0 || h->rank < 0)
		return data_error(c->d, c->path, ".npy header lacks 'descr', 'fortran_order' or 'shape'");
	return 0;
}

/* Maps a descr such as "<f4" or "|u1" to an element type. */
static int
npy_dtype(const char *path, const char *descr, DType *dt, Diag *d)
{
	char order = descr[0];
	const char *p = descr + (strchr("<>|=", order) ? 1 : 0);
	if (p[0] == 'O')
		return data_error(d, path, ".npy object arrays (dtype '%s') are not supported", descr);
	char *end;
	long size = p[0] ? strtol(p + 1, &end, 10) : 0;
	if (!p[0] || p[1] == 0 || *end != 0)
		return data_error(d, path, ".npy dtype '%s' is not supported", descr);
	if (order == '>' && size > 1)
		return data_error(d, path, ".npy dtype '%s' is big-endian; only little-endian is supported", descr);
	for (int i = 0; i < NTYPES; i++)
		if (npy_types[i].kind == p[0] && npy_types[i].size == size) {
			*dt = npy_types[i].dt;
			return 0;
		}
	return data_error(d, path, ".npy dtype '%s' is not supported "
		"(f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)", descr);
}

/* Reads the magic, version and header text; leaves f at the data. */
static int
npy_header(FILE *f, const char *path, NpyHdr *h, Diag *d)
{
	unsigned char pre[12];
	if (fread(pre, 1, 8, f) != 8 || memcmp(pre, npy_magic, 6))
		return data_error(d, path, "not a .npy file (bad magic)");
	int major = pre[6];
	size_t hlen;
	if (major == 1) {
		if (fread(pre + 8, 1, 2, f) != 2)
			return data_error(d, path, "truncated .npy header");
		hlen = pre[8] | (size_t)pre[9] << 8;
	} else if (major == 2 || major == 3) {
		if (fread(pre + 8, 1, 4, f) != 4)
			return data_error(d, path, "truncated .npy header");
		hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
		if (hlen > (1u << 20))
			return data_error(d, path, ".npy header of %zu bytes is too large", hlen);
	} else {
		return data_error(d, path, ".npy format version %d.%d is not supported", major, pre[7]);
	}
	char *text = xmalloc(hlen + 1);
	int r = -1;
	if (fread(text, 1, hlen, f) != hlen) {
		data_error(d, path, "truncated .npy header");
	} else {
		Cur c = {text, text + hlen, path, d};
		r = npy_parse_dict(&c, h);
	}
	free(text);
	return r;
}

/* Bytes left in f after the current position; -1 if unknown. */
static long long
file_left(FILE *f)
{
	long here = ftell(f);
	if (here < 0 || fseek(f, 0, SEEK_END) != 0)
		return -1;
	long end = ftell(f);
	if (end < 0 || fseek(f, here, SEEK_SET) != 0)
		return -1;
	return (long long)end - here;
}

static int
npy_body(FILE *f, const char *path, const NpyHdr *h, Arena *a, Tensor *t, Diag *d)
{
	DType dt = DT_UNDEF;
	if (npy_dtype(path, h->descr, &dt, d) < 0)
		return -1;
	if (h->fortran)
		return data_error(d, path, ".npy array is in Fortran order; save it in C order "
			"(numpy.ascontiguousarray)");
	int64_t nb = data_nbytes(h->dim, h->rank, dtype_size(dt), DATA_MAXBYTES);
	if (nb < 0)
		return data_error(d, path, ".npy shape is too large");
	long long left = file_left(f);
	if (left >= 0 && left < nb)
		return data_error(d, path, "truncated .npy data: %lld of %lld bytes", left, (long long)nb);
	if (left > nb)
		return data_error(d, path, ".npy file has %lld bytes after the data", left - (long long)nb);
	void *buf = arena_alloc(a, (size_t)nb);
	if (fread(buf, 1, (size_t)nb, f) != (size_t)nb)
		return data_error(d, path, "truncated .npy data");
	if (dt == DT_BOOL)
		for (int64_t i = 0; i < nb; i++)
			((uint8_t *)buf)[i] = ((uint8_t *)buf)[i] != 0;
	data_tensor(t, a, path, dt, h->rank, h->dim, buf);
	return 0;
}

int
npy_read(const char *path, Arena *a, Tensor *t, Diag *d)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return data_error(d, path, "cannot open: %s", strerror(errno));
	NpyHdr h;
	int r = npy_header(f, path, &h, d);
	if (r == 0)
		r = npy_body(f, path, &h, a, t, d);
	fclose(f);
	return r;
}

/* The header dictionary, padded with spaces to a 64-byte boundary of the
 * whole preamble and ended by '\n'. Returns the total preamble length. */
static size_t
npy_make_header(const Tensor *t, char kind, int size, char *out, size_t cap)
{
	char dict[512];
	int k = snprintf(dict, sizeof dict, "{'descr': '%c%c%d', 'fortran_order': False, 'shape': (",
		size == 1 ? '|' : '<', kind, size);
	for (int i = 0; i < t->rank; i++)
		k += snprintf(dict + k, sizeof dict - k, "%lld,%s", (long long)t->dim[i],
			i + 1 < t->rank ? " " : "");
	if (t->rank > 1)
		k--;   /* numpy writes (2, 3) but (3,) */
	k += snprintf(dict + k, sizeof dict - k, "), }");
	size_t pre = 10, hlen = (size_t)k + 1;
	size_t total = (pre + hlen + 63) / 64 * 64;
	if (cap < total)
		return 0;
	memcpy(out, npy_magic, 6);
	out[6] = 1;
	out[7] = 0;
	size_t body = total - pre;
	out[8] = (char)(body & 0xff);
	out[9] = (char)(body >> 8);
	memcpy(out + pre, dict, (size_t)k);
	memset(out + pre + k, ' ', body - (size_t)k - 1);
	out[total - 1] = '\n';
	return total;
}

int
npy_write(const char *path, const Tensor *t, Diag *d)
{
	int i;
	for (i = 0; i < NTYPES && npy_types[i].dt != t->dtype; i++)
		;
	if (i == NTYPES)
		return data_error(d, path, "cannot write %s tensors as .npy", dtype_name(t->dtype));
	if (t->rank < 0 || t->rank > IR_MAXRANK || !t->init)
		return data_error(d, path, "tensor '%s' has no data or shape",
			t->name ? t->name : "?");
	char hdr[640];
	size_t hl = npy_make_header(t, npy_types[i].kind, npy_types[i].size, hdr, sizeof hdr);
	size_t nb = tensor_bytes(t);
	FILE *f = fopen(path, "wb");
	if (!f)
		return data_error(d, path, "cannot create: %s", strerror(errno));
	int ok = fwrite(hdr, 1, hl, f) == hl && fwrite(t->init, 1, nb, f) == nb;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok)
		return data_error(d, path, "write failed: %s", strerror(errno));
	return 0;
}
