/* idx.c: IDX files (the MNIST format, *-ubyte, plain or gzip): magic
 * 0x00 0x00 <type> <ndims>, ndims big-endian uint32 dims, big-endian data.
 * Read through zlib, which passes plain files through unchanged. The file
 * is untrusted: memory grows with the bytes actually read, never with what
 * the header claims. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data.h"

static int
idx_dtype(int code, DType *dt)
{
	switch (code) {
	case 0x08: *dt = DT_U8; return 0;
	case 0x09: *dt = DT_I8; return 0;
	case 0x0B: *dt = DT_I16; return 0;
	case 0x0C: *dt = DT_I32; return 0;
	case 0x0D: *dt = DT_F32; return 0;
	case 0x0E: *dt = DT_F64; return 0;
	default: return -1;
	}
}

/* Reads exactly n bytes into a malloc'd buffer grown as data arrives.
 * Returns the buffer, or NULL with *got set to the bytes available. */
static unsigned char *
idx_slurp(gzFile f, size_t n, size_t *got)
{
	size_t cap = n < (1u << 20) ? n : (1u << 20), len = 0;
	unsigned char *buf = xmalloc(cap);
	while (len < n) {
		if (len == cap) {
			cap = cap > n / 2 ? n : cap * 2;
			buf = xrealloc(buf, cap);
		}
		size_t want = cap - len;
		if (want > (1u << 30))
			want = 1u << 30;
		int k = gzread(f, buf + len, (unsigned)want);
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	*got = len;
	if (len < n) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Big-endian elements of size sz to host order (assumed little-endian). */
static void
idx_swap(unsigned char *p, size_t nb, size_t sz)
{
	for (size_t i = 0; sz > 1 && i + sz <= nb; i += sz)
		for (size_t j = 0; j < sz / 2; j++) {
			unsigned char c = p[i + j];
			p[i + j] = p[i + sz - 1 - j];
			p[i + sz - 1 - j] = c;
		}
}

static int
idx_header(gzFile f, const char *path, DType *dt, int *rank, int64_t *dim, Diag *d)
{
	unsigned char m[4], b[4];
	if (gzread(f, m, 4) != 4 || m[0] != 0 || m[1] != 0)
		return data_error(d, path, "not an IDX file (bad magic)");
	if (idx_dtype(m[2], dt) < 0)
		return data_error(d, path, "IDX element type 0x%02x is not supported", m[2]);
	if (m[3] < 1 || m[3] > IR_MAXRANK)
		return data_error(d, path, "IDX file has %d dimensions (1..%d supported)", m[3], IR_MAXRANK);
	*rank = m[3];
	for (int i = 0; i < *rank; i++) {
		if (gzread(f, b, 4) != 4)
			return data_error(d, path, "truncated IDX header");
		dim[i] = (int64_t)b[0] << 24 | (int64_t)b[1] << 16 | (int64_t)b[2] << 8 | b[3];
	}
	return 0;
}

int
idx_read(const char *path, Arena *a, Tensor *t, Diag *d)
{
	gzFile f = gzopen(path, "rb");
	if (!f)
		return data_error(d, path, "cannot open: %s", strerror(errno));
	DType dt = DT_UNDEF;
	int rank = 0, r = -1;
	int64_t dim[IR_MAXRANK];
	if (idx_header(f, path, &dt, &rank, dim, d) < 0)
		goto out;
	size_t sz = dtype_size(dt);
	int64_t nb = data_nbytes(dim, rank, sz, DATA_MAXBYTES);
	if (nb < 0) {
		data_error(d, path, "IDX shape is too large");
		goto out;
	}
	size_t got;
	unsigned char *buf = idx_slurp(f, (size_t)nb, &got);
	if (!buf) {
		data_error(d, path, "truncated IDX data: %zu of %lld bytes", got, (long long)nb);
		goto out;
	}
	unsigned char extra;
	if (gzread(f, &extra, 1) == 1) {
		free(buf);
		data_error(d, path, "IDX file has bytes after the data");
		goto out;
	}
	idx_swap(buf, (size_t)nb, sz);
	data_tensor(t, a, path, dt, rank, dim, arena_memdup(a, buf, (size_t)nb));
	free(buf);
	r = 0;
out:
	gzclose(f);
	return r;
}
