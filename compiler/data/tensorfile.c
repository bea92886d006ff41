/* tensorfile.c: reads a tensor file by its format -- .npy, ONNX TensorProto
 * .pb (decoded by ir/import.c), or IDX -- and the size helpers the readers
 * share. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "data.h"

int
data_error(Diag *d, const char *path, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (d->path && !strcmp(d->path, path))
		return diag_error(d, "%s", msg);
	return diag_error(d, "%s: %s", path, msg);
}

int64_t
data_nbytes(const int64_t *dim, int rank, size_t size, int64_t limit)
{
	int64_t n = (int64_t)size;
	if (rank < 0 || rank > IR_MAXRANK || n > limit)
		return -1;
	for (int i = 0; i < rank; i++) {
		if (dim[i] < 0)
			return -1;
		if (dim[i] == 0)
			n = 0;
		else if (mul_overflows(n, dim[i], limit))
			return -1;
		else
			n *= dim[i];
	}
	return n;
}

void
data_tensor(Tensor *t, Arena *a, const char *path, DType dt, int rank,
		const int64_t *dim, void *data)
{
	memset(t, 0, sizeof *t);
	t->name = arena_strdup(a, path);
	t->buf = -1;
	tensor_set(t, dt, rank, dim);
	t->init = data;
}

static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && !strcmp(s + n - k, suf);
}

/* Sniffs the first bytes: .npy magic, gzip, or an IDX header. */
static int
data_sniff(const char *path, Arena *a, Tensor *t, Diag *d)
{
	unsigned char m[6] = {0};
	FILE *f = fopen(path, "rb");
	if (!f)
		return data_error(d, path, "cannot open: %s", strerror(errno));
	size_t n = fread(m, 1, sizeof m, f);
	fclose(f);
	if (n == 6 && !memcmp(m, "\x93NUMPY", 6))
		return npy_read(path, a, t, d);
	if (n >= 4 && ((m[0] == 0x1f && m[1] == 0x8b) || (m[0] == 0 && m[1] == 0)))
		return idx_read(path, a, t, d);
	return data_error(d, path, "unknown tensor file format "
		"(expected .npy, TensorProto .pb, or IDX)");
}

int
data_read(const char *path, Arena *a, Tensor *t, Diag *d)
{
	if (has_suffix(path, ".npy"))
		return npy_read(path, a, t, d);
	if (has_suffix(path, ".pb")) {
		memset(t, 0, sizeof *t);
		t->buf = -1;
		if (tensorproto_read(path, a, t, d) < 0)
			return -1;
		if (!t->name || !t->name[0])
			t->name = arena_strdup(a, path);
		return 0;
	}
	return data_sniff(path, a, t, d);
}
