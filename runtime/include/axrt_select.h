/* axrt_select.h: parameter structs and kernels of the select family:
 * sorting and selection (TopK, Unique), the ops whose output size depends
 * on the data (NonZero, Compress, NonMaxSuppression) and the region ops
 * (MaxUnpool, MaxRoiPool, RoiAlign).
 *
 * Element types (dtype, ONNX numbering) of the type-generic kernels: float,
 * double, int8..int64, uint8..uint64 and bool. Comparisons order NaN above
 * every number and make NaNs equal to each other (numpy's sort order).
 *
 * Data-dependent sizes: the compiler needs static shapes, so those kernels
 * take the result count the output was sized for (a "capacity", computed
 * from constant inputs at compile time). They return AXRT_EINVAL when the
 * data yields more results than that, and pad the unused tail when it
 * yields fewer (indices with -1, values with zero bytes, counts with 0). */
#ifndef AXRT_SELECT_H
#define AXRT_SELECT_H

#include "axrt_core.h"

/* topk: in[0] x is outer x n x inner elements of type dtype; out[0] values
 * (dtype) and out[1] int64 indices are outer x k x inner (either may be
 * NULL). Along each line of n: the k largest (largest != 0) or smallest
 * elements in that order; equal values keep the lower index first.
 * in[1] (K) is not read. 0 <= k <= n. Scratch: AXRT_TOPK_SCRATCH(n),
 * 4-byte aligned. */
#define AXRT_TOPK_PARAMS(F, A) \
	F(int64_t, outer) \
	F(int32_t, n) \
	F(int64_t, inner) \
	F(int32_t, k) \
	F(int32_t, largest) \
	F(int32_t, dtype)
#define AXRT_TOPK_SCRATCH(n) ((size_t)(n) * 4u)

/* unique: in[0] x is outer x m x inner (dtype); its m slices x[:, j, :]
 * (the elements themselves when outer = inner = 1) are compared as tuples
 * in row-major order. out[0] y is outer x nuniq x inner: the distinct
 * slices in ascending order (sorted != 0) or in the order they first occur;
 * out[1] (nuniq int64) the index of each one's first occurrence; out[2]
 * (m int64) for every slice of x the position of its value in y; out[3]
 * (nuniq int64) the counts. Outputs may be NULL. Capacity: nuniq.
 * Scratch: AXRT_UNIQUE_SCRATCH(m), 4-byte aligned. */
#define AXRT_UNIQUE_PARAMS(F, A) \
	F(int64_t, outer) \
	F(int32_t, m) \
	F(int64_t, inner) \
	F(int32_t, nuniq) \
	F(int32_t, sorted) \
	F(int32_t, dtype)
#define AXRT_UNIQUE_SCRATCH(m) ((size_t)(m) * 12u)

/* nonzero: in[0] x of dims[0..rank) (dtype; float -0 is zero, NaN is not);
 * out[0] int64 rank x nnz: column c holds the coordinates of the c-th
 * non-zero element in row-major order. Rank 0 writes no rows. Capacity:
 * nnz. Scratch: none. */
#define AXRT_NONZERO_PARAMS(F, A) \
	F(int32_t, rank) \
	A(int32_t, dims, AXRT_MAXRANK) \
	F(int32_t, dtype) \
	F(int64_t, nnz)

/* compress: in[0] x is outer x n x inner elements of esize bytes (1, 2, 4
 * or 8), in[1] ncond bools; out[0] is outer x nsel x inner: the slices
 * x[:, j, :] with j < n and cond[j] != 0, in order (condition entries past
 * n are ignored). Capacity: nsel. Scratch: none. */
#define AXRT_COMPRESS_PARAMS(F, A) \
	F(int64_t, outer) \
	F(int64_t, n) \
	F(int64_t, inner) \
	F(int64_t, ncond) \
	F(int64_t, nsel) \
	F(int32_t, esize)

/* nms_f32: NonMaxSuppression as ONNX Runtime computes it. in[0] boxes
 * batch x nbox x 4 ([y1, x1, y2, x2] with either corner first, or
 * [x_center, y_center, width, height] if center), in[1] scores batch x
 * nclass x nbox. Per batch and class: the boxes with score > score_min
 * (all if !has_score_min) are visited by falling score (equal scores: lower
 * index first); a box is kept unless its IoU with a kept box of the class
 * exceeds iou; at most max_out are kept. out[0] int64 nsel x 3 rows
 * (batch, class, box) in batch, class, visiting order. in[2..4] are not
 * read (their values are the parameters). Capacity: nsel rows.
 * Scratch: AXRT_NMS_SCRATCH(nbox), 4-byte aligned. */
#define AXRT_NMS_PARAMS(F, A) \
	F(int32_t, batch) \
	F(int32_t, nclass) \
	F(int32_t, nbox) \
	F(int32_t, center) \
	F(int64_t, max_out) \
	F(float, iou) \
	F(float, score_min) \
	F(int32_t, has_score_min) \
	F(int64_t, nsel)
#define AXRT_NMS_SCRATCH(nbox) ((size_t)(nbox) * 8u)

/* maxunpool: out[0] (dims out) = zero bytes, then for each of the nin
 * elements of in[0] x (esize bytes) and in[1] idx (idtype int32 or int64):
 * idx[i] is a flat position in a tensor of dims idx (the shape unpooling
 * infers, out[k] >= idx[k]), and x[i] goes to the same coordinates in out
 * (so a larger output_shape pads at the end of each axis, as ONNX Runtime).
 * An index outside that tensor returns AXRT_EINVAL. in[2] (output_shape)
 * is not read. Scratch: none. */
#define AXRT_UNPOOL_PARAMS(F, A) \
	F(int32_t, rank) \
	A(int32_t, idx, AXRT_MAXRANK) \
	A(int32_t, out, AXRT_MAXRANK) \
	F(int64_t, nin) \
	F(int32_t, esize) \
	F(int32_t, idtype)

/* Region pooling over in[0] x (n x c x h x w float) into out[0]
 * (nroi x c x oh x ow float). A region's batch index outside [0, n)
 * returns AXRT_EINVAL. Scratch: none.
 *
 * maxroipool_f32: in[1] rois nroi x 5 (batch, x1, y1, x2, y2); corners
 *   scaled by scale and rounded half away from zero; each output bin takes
 *   the maximum over its cells (0 for an empty bin), as ONNX Runtime.
 * roialign_f32: in[1] rois nroi x 4 (x1, y1, x2, y2), in[2] batch indices
 *   (idtype int32 or int64). Corners are scaled by scale, minus 0.5 if
 *   half_pixel (else the region is at least 1 x 1); each bin averages
 *   (mode 0) or takes the maximum (mode 1, of the weighted corner values)
 *   of sampling x sampling bilinear samples (0: ceil(region / bins) per
 *   axis), as ONNX Runtime computes RoiAlign. */
#define AXRT_ROI_PARAMS(F, A) \
	F(int32_t, n) \
	F(int32_t, c) \
	F(int32_t, h) \
	F(int32_t, w) \
	F(int32_t, nroi) \
	F(int32_t, oh) \
	F(int32_t, ow) \
	F(float, scale) \
	F(int32_t, sampling) \
	F(int32_t, half_pixel) \
	F(int32_t, mode) \
	F(int32_t, idtype)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_select.def"
#undef AXRT_P
#undef AXRT_K

#endif
