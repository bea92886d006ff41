/* axrt_data.h: parameter structs and kernels of the data family: copies,
 * strided views (transpose, slice, concat, split, expand, tile), padding,
 * gathers and scatters, resizing and the small generators (fill, range, eye,
 * one-hot, trilu, cumsum). Most kernels move elements of esize bytes
 * (1, 2, 4 or 8) and so work for every element type; index inputs are read
 * according to their ONNX element type (idtype). */
#ifndef AXRT_DATA_H
#define AXRT_DATA_H

#include "axrt_core.h"

/* Rank of the strided kernel: a tile of a rank-8 tensor needs 16 dims. */
#define AXRT_STRIDED_MAXRANK 16

/* copy: out[0][i] = in[0][i] for nbytes bytes (aliases that cannot alias:
 * a graph output that is also an input, a constant or another output). */
#define AXRT_COPY_PARAMS(F, A) F(int64_t, nbytes)

/* strided: for every index i of the box dims[0..rank),
 *   out[out_off + sum_k i_k * out_str[k]] = in[in_off + sum_k i_k * in_str[k]]
 * Offsets and strides count elements of esize bytes; in strides may be 0
 * (broadcast) or negative (reversed slices). rank 0 copies one element; a
 * zero dim copies nothing. The other output elements are left as they are,
 * so several calls can fill one output (Concat). Transpose, Slice, Split,
 * Concat, Expand, Tile, DepthToSpace and SpaceToDepth lower to it. */
#define AXRT_STRIDED_PARAMS(F, A) \
	F(int32_t, rank) \
	F(int32_t, esize) \
	A(int32_t, dims, AXRT_STRIDED_MAXRANK) \
	F(int64_t, in_off) \
	A(int64_t, in_str, AXRT_STRIDED_MAXRANK) \
	F(int64_t, out_off) \
	A(int64_t, out_str, AXRT_STRIDED_MAXRANK)

/* fill: out[0][0..n) = the element whose bits are the low esize bytes of
 * bits (read as an unsigned integer of esize bytes, so host-independent).
 * ConstantOfShape. */
#define AXRT_FILL_PARAMS(F, A) \
	F(int64_t, n) \
	F(int32_t, esize) \
	F(int64_t, bits)

/* values_i64: out[0][0..n) = v[0..n) as int64 (Shape, Size), n <= 8. */
#define AXRT_VALUES_PARAMS(F, A) \
	F(int32_t, n) \
	A(int64_t, v, AXRT_MAXRANK)

/* pad: out (dims out) = in (dims in) placed at offset begin[k] on axis k
 * (begin may be negative: the input is cropped). Positions outside the input
 * take, by mode: 0 constant -- in[1][0] if in[1] is given, else the element
 * with bits `bits` (as in fill); 1 reflect -- mirrored without repeating the
 * border (an axis of length 1 repeats it); 2 edge -- the nearest border
 * element; 3 wrap -- the input repeated periodically. */
#define AXRT_PAD_PARAMS(F, A) \
	F(int32_t, rank) \
	F(int32_t, esize) \
	F(int32_t, mode) \
	F(int64_t, bits) \
	A(int32_t, in, AXRT_MAXRANK) \
	A(int32_t, out, AXRT_MAXRANK) \
	A(int32_t, begin, AXRT_MAXRANK)

/* gather: in[0] is outer x axis x inner, in[1] holds nidx indices of type
 * idtype (negative ones count from the end), out[0] is outer x nidx x inner:
 * out[o][j][i] = in[o][idx[j]][i]. An index outside [-axis, axis) returns
 * AXRT_EINVAL. */
#define AXRT_GATHER_PARAMS(F, A) \
	F(int64_t, outer) \
	F(int64_t, axis) \
	F(int64_t, inner) \
	F(int64_t, nidx) \
	F(int32_t, esize) \
	F(int32_t, idtype)

/* Reductions of the scatter kernels (ScatterND, ScatterElements). */
enum { AXRT_RED_NONE, AXRT_RED_ADD, AXRT_RED_MUL, AXRT_RED_MAX, AXRT_RED_MIN };

/* gather_elements: in[0] data (dims data), in[1] indices (dims idx, same
 * rank), out[0] dims idx: out[i] = data[i with i_axis replaced by idx[i]].
 * scatter_elements: in[0] data, in[1] indices, in[2] updates (dims idx),
 * out[0] dims data: out = data, then for every i in idx order
 * out[i with i_axis replaced by idx[i]] = updates[i] (or combined by
 * reduction, for dtype float, double, int32, int64, uint32, uint64 only).
 * Indices outside [-data[axis], data[axis]) return AXRT_EINVAL. */
#define AXRT_ELEMENTS_PARAMS(F, A) \
	F(int32_t, rank) \
	F(int32_t, axis) \
	F(int32_t, esize) \
	F(int32_t, idtype) \
	F(int32_t, dtype) \
	F(int32_t, reduction) \
	A(int32_t, data, AXRT_MAXRANK) \
	A(int32_t, idx, AXRT_MAXRANK)

/* gather_nd: in[0] data is batch x dims[0] x .. x dims[k-1] x slice,
 * in[1] indices batch x nidx x k (idtype), out[0] batch x nidx x slice:
 * out[b][j] = data[b][idx[b][j][0]]..[idx[b][j][k-1]] (a slice).
 * scatter_nd: in[0] data, in[1] indices nidx x k, in[2] updates nidx x
 * slice, out[0] like data (batch must be 1): out = data, then each slice
 * is written (or combined by reduction, as scatter_elements) in order.
 * Negative indices count from the end; others out of range: AXRT_EINVAL. */
#define AXRT_ND_PARAMS(F, A) \
	F(int64_t, batch) \
	F(int64_t, nidx) \
	F(int32_t, k) \
	F(int64_t, slice) \
	A(int64_t, dims, AXRT_MAXRANK) \
	F(int32_t, esize) \
	F(int32_t, idtype) \
	F(int32_t, dtype) \
	F(int32_t, reduction)

/* Resize modes, coordinate transformations and nearest roundings. */
enum { AXRT_RESIZE_NEAREST, AXRT_RESIZE_LINEAR, AXRT_RESIZE_CUBIC };
enum {
	AXRT_COORD_HALF_PIXEL, AXRT_COORD_ASYMMETRIC, AXRT_COORD_PYTORCH_HALF_PIXEL,
	AXRT_COORD_TF_HALF_PIXEL_FOR_NN, AXRT_COORD_ALIGN_CORNERS,
	AXRT_COORD_TF_CROP_AND_RESIZE, AXRT_COORD_HALF_PIXEL_SYMMETRIC
};
enum {
	AXRT_NEAREST_ROUND_PREFER_FLOOR, AXRT_NEAREST_ROUND_PREFER_CEIL,
	AXRT_NEAREST_FLOOR, AXRT_NEAREST_CEIL,
	AXRT_NEAREST_SIMPLE    /* Upsample, Resize-10: truncate; ceil when shrinking */
};

/* resize_f32: out[0] (dims out) = in[0] (dims in) resampled per axis with
 * scale[k] (output/input; 0: out[k] / in[k], for sizes), where the length
 * the spec calls length_resized is scale[k] * in[k] (not out[k]) as in the
 * ONNX reference: each output coordinate x maps to an input
 * coordinate by coord (ONNX coordinate_transformation_mode, roi[k] and
 * roi[rank + k] are the crop box of tf_crop_and_resize), then reads the
 * nearest element (nearest: rounding mode), interpolates 2 neighbours
 * (linear) or 4 (cubic, coefficient cubic_a, exclude_outside drops and
 * renormalizes weights of outside neighbours) per axis; neighbours outside
 * the input repeat the border. tf_crop_and_resize coordinates outside the
 * input give extrapolation. Scratch: AXRT_RESIZE_SCRATCH(sum of out dims)
 * bytes, 16-byte aligned (per axis and output coordinate: taps). */
#define AXRT_RESIZE_PARAMS(F, A) \
	F(int32_t, rank) \
	F(int32_t, mode) \
	F(int32_t, coord) \
	F(int32_t, nearest) \
	F(float, cubic_a) \
	F(int32_t, exclude_outside) \
	F(float, extrapolation) \
	A(int32_t, in, AXRT_MAXRANK) \
	A(int32_t, out, AXRT_MAXRANK) \
	A(float, scale, AXRT_MAXRANK) \
	A(float, roi, 2 * AXRT_MAXRANK)
#define AXRT_RESIZE_SCRATCH(sum_out) ((size_t)(sum_out) * 40u)

/* onehot: in[0] indices (outer x inner, idtype, negative count from the
 * end), in[2] values {off, on} (esize each), out[0] outer x depth x inner:
 * out[o][d][i] = d == idx[o][i] ? on : off (indices out of range: all off).
 * in[1] (depth) is not read. */
#define AXRT_ONEHOT_PARAMS(F, A) \
	F(int64_t, outer) \
	F(int64_t, depth) \
	F(int64_t, inner) \
	F(int32_t, esize) \
	F(int32_t, idtype)

/* trilu: in[0] batch x rows x cols, in[1] optional int64 scalar k (0 when
 * NULL): keeps the elements with j - i >= k (upper) or j - i <= k (lower),
 * zeroes the others. */
#define AXRT_TRILU_PARAMS(F, A) \
	F(int64_t, batch) \
	F(int64_t, rows) \
	F(int64_t, cols) \
	F(int32_t, upper) \
	F(int32_t, esize)

/* cumsum_<t>: in[0] and out[0] outer x n x inner, sums along n, in reverse
 * order if reverse, excluding the element itself if exclusive. Integer
 * versions wrap around (computed unsigned, so they serve unsigned types
 * too); float ones accumulate in the element type. in[1] is not read. */
#define AXRT_CUMSUM_PARAMS(F, A) \
	F(int64_t, outer) \
	F(int64_t, n) \
	F(int64_t, inner) \
	F(int32_t, exclusive) \
	F(int32_t, reverse)

/* range_<t>: out[0][i] = start + i * delta for i < n, start = in[0][0],
 * delta = in[2][0] (in[1], the limit, set n at compile time). */
#define AXRT_RANGE_PARAMS(F, A) F(int64_t, n)

/* eyelike: out[0] rows x cols, the element with bits `one` (as in fill)
 * where j - i == k, zero bytes elsewhere. */
#define AXRT_EYELIKE_PARAMS(F, A) \
	F(int64_t, rows) \
	F(int64_t, cols) \
	F(int64_t, k) \
	F(int32_t, esize) \
	F(int64_t, one)

/* reverse_sequence: in[0]/out[0] have a batch axis and a time axis (strides
 * bstride, tstride in elements) and `inner` contiguous elements per (batch,
 * time) position; in[1] holds batch int64 lengths: out[b][t] =
 * in[b][len_b - 1 - t] for t < len_b, in[b][t] otherwise. Lengths outside
 * [0, time] return AXRT_EINVAL. */
#define AXRT_REVSEQ_PARAMS(F, A) \
	F(int64_t, batch) \
	F(int64_t, time) \
	F(int64_t, bstride) \
	F(int64_t, tstride) \
	F(int64_t, inner) \
	F(int32_t, esize)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_data.def"
#undef AXRT_P
#undef AXRT_K

#endif
