/* data.h: tensor files -- .npy (v1/v2/v3), ONNX TensorProto .pb, IDX
 * (*-ubyte[.gz]). A file's tensor is returned in a Tensor whose init holds
 * the data (host order, C layout). Files are untrusted input: every size is
 * checked, and errors name the file. */
#ifndef AXCC_DATA_H
#define AXCC_DATA_H

#include "ir/ir.h"

/* Largest tensor a data file may hold (bytes). */
#define DATA_MAXBYTES ((int64_t)1 << 36)

/* Reads path by its format (extension .npy / .pb, else by magic: .npy or
 * IDX, plain or gzip). t->name is set to the file name (a .pb file keeps the
 * TensorProto's name when it has one). Returns 0 or -1 after diag_error(). */
int data_read(const char *path, Arena *a, Tensor *t, Diag *d);
int npy_read(const char *path, Arena *a, Tensor *t, Diag *d);
/* Writes t (any type of npy_read; rank 0..IR_MAXRANK) as a version 1.0 .npy. */
int npy_write(const char *path, const Tensor *t, Diag *d);
int idx_read(const char *path, Arena *a, Tensor *t, Diag *d);

/* tensorfile.c: helpers for the readers */
/* diag_error with the file name in front, unless d->path already is it. */
int data_error(Diag *d, const char *path, const char *fmt, ...);
/* numel * size of dims, overflow-safe; -1 if a dim is negative or the
 * product exceeds limit. */
int64_t data_nbytes(const int64_t *dim, int rank, size_t size, int64_t limit);
/* Clears t and makes it a constant named path (copied into a). */
void data_tensor(Tensor *t, Arena *a, const char *path, DType dt, int rank,
		const int64_t *dim, void *data);
#endif
