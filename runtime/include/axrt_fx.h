/* axrt_fx.h: parameter structs and kernels of the fx family: integer
 * (power-of-two fixed-point) kernels, APPROX.md §3. A code q of a tensor
 * with format (bits, frac) stands for q * 2^-frac; codes are signed two's
 * complement of 2..16 bits, stored as int8 (AXRT_DT_INT8, bits <= 8) or
 * int16 (AXRT_DT_INT16). The arithmetic of every kernel, exactly:
 *
 * - Products and sums are exact integers: the reference kernels accumulate
 *   in int64, the fast paths in int32 where the compiler has proved that
 *   no sum can leave int32 (compiler/ops/fx.c, fx_acc32), so both give the
 *   same bits.
 * - Requantization of an accumulator v to a code with fewer fractional
 *   bits is axrt_fx_shift(v, s, round): v * 2^-s rounded half to even
 *   (AXRT_FIXED_NEAREST) or floored (AXRT_FIXED_TRUNC: the dropped bits of
 *   the two's complement value), s < 0 a left shift; then axrt_fx_sat to
 *   [-2^(bits-1), 2^(bits-1) - 1]. Always saturating, never wrapping.
 * - The conv/gemm epilogue: v = bias + sum; LEAKYRELU: v < 0 becomes
 *   v * alpha16 (alpha16 = round(alpha * 2^16), shift s + 16); then
 *   y = clamp(sat(shift(v, s)), lo, hi) where [lo, hi] is [0, max] for RELU,
 *   the Clip bounds quantized to y's format for CLIP, the full range else.
 *
 * Weights (conv, gemm) are rows (fx_conv_wide_i8 has its own tiles), one
 * per output channel, of K codes each, row r starting at element r * kp
 * (kp >= K; elements K..kp of a row are 0). wbits is the storage: 8
 * (int8), 16 (int16), 4 (two codes per byte: element e in the low nibble
 * of byte e/2 when e is even, else the high nibble; row r starts at byte
 * r*kp/2, kp even) or 2 (four codes per byte,
 * element e in bits 2*(e%4)..2*(e%4)+1 of byte e/4; kp a multiple of 4).
 * Sub-byte codes are two's complement in their 4 or 2 bits.
 * ORDER FX_WPACK: compiler/ops/fx_nn.c (fx_pack_w) writes this layout. */
#ifndef AXRT_FX_H
#define AXRT_FX_H

#include "axrt_core.h"
#include "axrt_fixed.h"

/* fxcvt: elementwise conversions of n elements.
 * fx_quantize: float x -> codes y (yt, bits, frac = shift, rounding
 *   `round`): exactly axrt_fixed_quant (axrt_fixed.h); NaN is not allowed.
 * fx_dequantize: codes x (xt) -> float y = x * 2^-shift (exact for
 *   bits <= 16).
 * fx_requant: codes x (xt) -> codes y (yt), shift = frac_x - frac_y:
 *   y = clamp(sat_bits(shift(x, shift)), lo, hi): lo = 0 makes it Relu,
 *   the quantized bounds Clip, the full range a plain requantization.
 * fx_leakyrelu: as fx_requant, where x < 0 is first multiplied by alpha16
 *   (round(alpha * 2^16)) and shifted by shift + 16. No scratch. */
#define AXRT_FXCVT_PARAMS(F, A) \
	F(int64_t, n) \
	F(int32_t, xt) \
	F(int32_t, yt) \
	F(int32_t, bits) \
	F(int32_t, shift) \
	F(int32_t, round) \
	F(int32_t, lo) \
	F(int32_t, hi) \
	F(int32_t, alpha16)

/* fxconv: the conv of axrt_conv.h (n, c, m, group, (D, H, W) arrays with
 * 1s in front for fewer spatial dims) on codes.
 *   in[0] x: codes (xt), n x c x in[...]
 *   in[1] w: rows as above, m rows of K = c/group * k0*k1*k2 codes in the
 *     order (c', k0, k1, k2), row stride kp
 *   in[2] bias: int32, m values at the accumulator scale of each channel
 *     (frac_x + frac_w[m]), or NULL
 *   in[3] shift: int32, m values: frac_x + frac_w[m] - frac_y
 *   out[0] y: codes (yt, ybits), n x m x out[...]
 * act: AXRT_ACT_NONE, RELU, CLIP, LEAKYRELU with lo, hi, alpha16 as in the
 * epilogue above. fx_conv is the reference (int64, generic loads, no
 * scratch). fx_conv_i8 is the fast path for int8 x and wbits <= 8, kp a
 * multiple of AXRT_FX_KB (ORDER FX_FAST: compiler/ops/fx_nn.c): per image
 * and group, blocks of AXRT_FX_CONV_NB(kp) output positions are copied (im2col) into
 * scratch as rows of kp int16 (K-contiguous; zeros past K and in the
 * padding) -- in 1 and 2 spatial dims from the group's input planes
 * zero-padded to int8 first (hp x wp each, as below; per block only the
 * rows it reads when it spans fewer than out[1] rows); weight rows are read as int8 (sub-byte rows unpacked
 * AXRT_FX_MR at a time into scratch); int32 dot products of AXRT_FX_MR
 * channels by AXRT_FX_NR positions (int8 x int16 products that gcc turns
 * into vpmovsxbw + vpmaddwd). Scratch: AXRT_FX_CONV_SCRATCH(kp, padded) bytes,
 * padded = c/group * hb * wp in 1 and 2 spatial dims (hb: hp, or the rows
 * of one block, ORDER FX_BAND), else 0.
 * fx_conv_direct_i8: int8 x, wbits <= 8, 1 or 2 spatial dims (in[0] ==
 * 1), any group: per image and group the c/group input planes are
 * zero-padded into scratch as int16 (hp x wp each, hp = (out[1]-1) *
 * stride[1] + (k[1]-1)*dil[1] + 1, wp likewise), then per output channel
 * and row int32 sums tap by tap across the row -- with equal strides across
 * all rows at once, over the padded width (depthwise convs, and convs
 * with few taps per output, where im2col rows would be short). Scratch:
 * AXRT_FX_DIRECT_SCRATCH(c/group, hp, wp, K, out[2]) bytes.
 * fx_conv_wide_i8: int8 x, 1 or 2 spatial dims, strides 1, at most
 * AXRT_FX_WIDE_TAPS taps (k[1] * k[2]), weights not in rows but in
 * tiles (ORDER FX_WTILE, written by compiler/ops/fx_nn.c): for each group,
 * each tile of AXRT_FX_MR output channels (the last one completed with
 * zero channels), each pair j of input channels (2j, 2j+1; a zero channel
 * completes an odd c/group), each tap t (k[1] * k[2], row-major), each
 * channel r of the tile: the two codes of channel r for input channels 2j
 * and 2j+1 at tap t -- (c/group+1)/2 * taps * MR * 2 codes per tile, as
 * int8 or, for wbits 4 and 2, packed in that order as rows are (ORDER
 * FX_WPACK; a tile starts on a byte); kp is unused. Per image and group the input planes are zero-padded (hp x wp)
 * with channels in pairs, interleaved as int16 (c, c+1 at each position);
 * per tile, the sums of all output rows at once over the padded width
 * (flat index oy * wp + ox, columns past out[2] dropped), one pair of
 * products per int32 lane (vpmaddwd under AVX2, plain C else), each weight
 * pair broadcast: no im2col and no horizontal sums; under AVX2 a 1x1
 * conv (AXRT_FX_CONV_1X1) with c/group a multiple of 4 whose input codes
 * are all >= 0 (checked per call) takes the channels in quads of bytes
 * instead, vpmaddubsw then vpmaddwd by ones (ORDER FX_WQUAD, fx.c), in
 * half the pairs' scratch. Scratch:
 * AXRT_FX_WIDE_SCRATCH(c/group, hp, wp, k[1] * k[2], wide), wide =
 * (out[1] - 1) * wp + out[2]. All three fast paths give fx_conv's bits;
 * the AVX2 code (compiled where __AVX2__ is defined) computes the same
 * integers as the portable C. */
#define AXRT_FXCONV_PARAMS(F, A) \
	F(int32_t, n) \
	F(int32_t, c) \
	F(int32_t, m) \
	F(int32_t, group) \
	A(int32_t, in, 3) \
	A(int32_t, out, 3) \
	A(int32_t, k, 3) \
	A(int32_t, stride, 3) \
	A(int32_t, dil, 3) \
	A(int32_t, pad, 3) \
	F(int32_t, kp) \
	F(int32_t, xt) \
	F(int32_t, wbits) \
	F(int32_t, yt) \
	F(int32_t, ybits) \
	F(int32_t, round) \
	F(int32_t, act) \
	F(int32_t, lo) \
	F(int32_t, hi) \
	F(int32_t, alpha16)

#define AXRT_FX_KB 16    /* kp of the fast paths: a multiple of this */
#define AXRT_FX_MR 4     /* channels per register tile */
#define AXRT_FX_NR 3     /* positions per register tile */
#define AXRT_FX_NB 96    /* most positions per im2col block (multiple of NR) */
/* Positions per im2col block of fx_conv_i8: as many as keep the int16
 * rows within 8 KB (a multiple of NR, NR to NB), so that the scratch
 * stays small next to the activations. */
#define AXRT_FX_CONV_NB(kp) \
	((int32_t)(4096 / (kp)) / AXRT_FX_NR * AXRT_FX_NR < AXRT_FX_NR ? AXRT_FX_NR : \
	 (int32_t)(4096 / (kp)) / AXRT_FX_NR * AXRT_FX_NR > AXRT_FX_NB ? AXRT_FX_NB : \
	 (int32_t)(4096 / (kp)) / AXRT_FX_NR * AXRT_FX_NR)
/* ORDER FX_BAND: the most output rows a block of nb positions spans (rows
 * of out2 positions); the padded planes hold the input rows of those,
 * (rows - 1) * stride[1] + (k[1] - 1) * dil[1] + 1 of them, or all hp when
 * rows >= out[1]. */
#define AXRT_FX_CONV_ROWS(nb, out2) (((nb) - 1) / (out2) + 2)
/* ORDER FX_1X1: a 2-D 1x1 conv, stride 1, no padding, that fx_conv_i8
 * runs on its input in place: no padded planes (padded 0 below). */
#define AXRT_FX_CONV_1X1(p) \
	((p)->in[0] == 1 && (p)->k[0] == 1 && (p)->out[0] == 1 && (p)->k[1] == 1 && (p)->k[2] == 1 && (p)->stride[1] == 1 && (p)->stride[2] == 1 && \
	 (p)->pad[1] == 0 && (p)->pad[2] == 0 && (p)->out[1] == (p)->in[1] && (p)->out[2] == (p)->in[2])
/* ORDER FX_SLACK: fx_im2col_2d moves kernel rows of up to 8 taps 8
 * elements at a time; the rows are followed by the weight tile (>= 64
 * bytes) and the padded planes by the slack at the end. */
#define AXRT_FX_CONV_SCRATCH(kp, padded) \
	((size_t)(AXRT_FX_CONV_NB(kp) * 2 + AXRT_FX_MR) * (size_t)(kp) + \
	 (size_t)AXRT_FX_MR * (size_t)AXRT_FX_CONV_NB(kp) * 4u + (size_t)(padded) + 256u)
#define AXRT_FX_DIRECT_SCRATCH(cg, hp, wp, kk, out2) \
	((size_t)((cg) + 3) * (size_t)(hp) * (size_t)(wp) * 2u + (size_t)(kk) * 2u + \
	 (size_t)(out2) * 4u + 256u)
/* ORDER FX_DW, FX_DWGEOM: fx_conv_direct_i8 with one input channel per
 * group, equal strides s and at most AXRT_FX_WIDE_TAPS taps splits the
 * padded plane (hp x wp) into s*s phase planes of hq = ceil(hp/s) x
 * wq = ceil(wp/s) and sums n16 = wide rounded up to 16 positions, wide =
 * (out[1] - 1) * wq + out[2]; its scratch is this instead (plane: in[1] *
 * in[2]). */
#define AXRT_FX_DW_SCRATCH(s, hq, wq, wide, kp, plane) \
	((size_t)(s) * (size_t)(s) * ((size_t)(hq) * (size_t)(wq) + 16u) * 2u + \
	 ((size_t)(s) * (size_t)(wq) + 32u + (size_t)(plane)) * 2u + \
	 (((size_t)(wide) + 15u) / 16u * 16u) * 6u + (size_t)(kp) + 336u)
/* ORDER FX_DWM: where this holds (p a pointer to the params), the kernel
 * of FX_DW works on the unpadded plane instead, with this scratch (wide =
 * (out[1] - 1) * s * in[2] + (out[2] - 1) * s + 1, opl = out[1] * out[2]). */
#define AXRT_FX_DWM_FITS(p) \
	((p)->c == (p)->group && (p)->stride[1] == (p)->stride[2] && \
	 ((p)->stride[2] == 1 || (p)->stride[2] == 2) && (p)->dil[1] == 1 && (p)->dil[2] == 1 && \
	 (p)->k[1] <= 7 && (p)->k[2] <= 7 && (p)->pad[1] < (p)->k[1] && (p)->pad[2] < (p)->k[2] && \
	 ((p)->out[2] - 1) * (p)->stride[2] + 1 <= (p)->in[2])
#define AXRT_FX_R16(n) (((size_t)(n) + 15u) / 16u * 16u)
#define AXRT_FX_MAXZ(a, b) ((size_t)(a) > (size_t)(b) ? (size_t)(a) : (size_t)(b))
#define AXRT_FX_DWM_SCRATCH(k1, k2, in1, in2, wide, opl, kp) \
	((size_t)(k2) * ((size_t)(k1) * (size_t)(in2) + (size_t)(k2) + 48u + \
	   AXRT_FX_MAXZ((size_t)(in1) * (size_t)(in2), \
	     AXRT_FX_R16(wide) + (size_t)(k1) * (size_t)(in2) + (size_t)(k2))) * 2u + \
	 AXRT_FX_R16(wide) * 4u + (size_t)(opl) * 4u + (size_t)(kp) + 320u)
/* ORDER FX_DWP: where this holds and the target has AVX2, fx_conv_direct_i8
 * takes a third form (3x3, one input channel per group, stride 1 or 2):
 * the group's plane zero-padded as int16, hp x wp (stride 2: wp even, and
 * the padded rows split by parity into two planes of he rows), the sums of
 * 16 outputs at a time over the flat index with pitch wp (stride 2: wp/2),
 * two taps of a kernel row per vpmaddwd -- an int16 load at an even offset
 * reads the pairs of two neighbouring columns -- and the epilogue in
 * registers, the codes of a block moved to their output places by one
 * byte shuffle; two padded planes, the next group's packed while this
 * one's are summed. Its scratch is the larger of this and the other forms'
 * (axrt_fx_dwp_scratch; the lowering allocates both). */
#define AXRT_FX_DWP_FITS(p) \
	((p)->c == (p)->group && (p)->in[0] == 1 && (p)->k[0] == 1 && (p)->k[1] == 3 && (p)->k[2] == 3 && \
	 (p)->dil[1] == 1 && (p)->dil[2] == 1 && (p)->stride[1] == (p)->stride[2] && \
	 ((p)->stride[2] == 1 || (p)->stride[2] == 2) && (p)->xt == AXRT_DT_INT8)

#define AXRT_FX_WIDE_TAPS 64
#define AXRT_FX_WIDE_SCRATCH(cg, hp, wp, ntap, wide) \
	((size_t)(((cg) + 1) / 2) * ((size_t)(hp) * (size_t)(wp) + 16u) * 4u + \
	 (size_t)(((cg) + 1) / 2) * (size_t)(ntap) * AXRT_FX_MR * 4u + \
	 (size_t)AXRT_FX_MR * (((size_t)(wide) + 7u) / 8u * 8u) * 4u + (size_t)(wide) * 2u + \
	 (size_t)(((cg) + 1) / 2) * (size_t)(ntap) * 4u + 384u)
/* ORDER FX_WBAND: fx_conv_wide_i8 goes over bands of output rows, as many
 * rows as keep the scratch above within AXRT_FX_WIDE_BUDGET bytes, but at
 * least AXRT_FX_WIDE_MINPOS positions (narrower bands leave the tiles half
 * empty: 1.25x slower on 14x14 planes) and at most out1: rows = AXRT_FX_WIDE_ROWS(cg, kh, wp, ntap, out1) for
 * the dilated kernel height kh, and hp = rows + kh - 1, wide = (rows - 1) *
 * wp + out[2] in AXRT_FX_WIDE_SCRATCH. Bands keep the int16 pair planes from
 * growing with the image (the arena is what approximation must shrink);
 * each band re-packs kh - 1 rows of halo. */
#define AXRT_FX_WIDE_BUDGET 8192
#define AXRT_FX_WIDE_FIXED(cg, kh, wp, ntap) \
	((int64_t)(((cg) + 1) / 2) * ((int64_t)((kh) - 1) * (wp) + 16) * 4 + \
	 (int64_t)(((cg) + 1) / 2) * (ntap) * (AXRT_FX_MR + 1) * 4 + AXRT_FX_MR * 28 + 384)
#define AXRT_FX_WIDE_PERROW(cg, wp) \
	((int64_t)(((cg) + 1) / 2) * (wp) * 4 + (int64_t)AXRT_FX_MR * (wp) * 4 + (int64_t)(wp) * 2)
#define AXRT_FX_WIDE_ROWS0(cg, kh, wp, ntap) \
	(AXRT_FX_WIDE_FIXED(cg, kh, wp, ntap) + AXRT_FX_WIDE_PERROW(cg, wp) >= AXRT_FX_WIDE_BUDGET ? 1 : \
	 (AXRT_FX_WIDE_BUDGET - AXRT_FX_WIDE_FIXED(cg, kh, wp, ntap)) / AXRT_FX_WIDE_PERROW(cg, wp))
#define AXRT_FX_WIDE_MINPOS 72    /* three full portable tiles of 24 positions */
#define AXRT_FX_WIDE_ROWS1(cg, kh, wp, ntap) \
	(AXRT_FX_WIDE_ROWS0(cg, kh, wp, ntap) * (wp) >= AXRT_FX_WIDE_MINPOS ? \
	 AXRT_FX_WIDE_ROWS0(cg, kh, wp, ntap) : (AXRT_FX_WIDE_MINPOS + (wp) - 1) / (wp))
#define AXRT_FX_WIDE_ROWS(cg, kh, wp, ntap, out1) \
	((int32_t)(AXRT_FX_WIDE_ROWS1(cg, kh, wp, ntap) < (out1) ? AXRT_FX_WIDE_ROWS1(cg, kh, wp, ntap) : (out1)))

/* fxgemm: Y[i][o] = epilogue(bias[o] + sum_k A[i][k] * W[o][k]) for the
 * m x k codes A (xt; row-major, or k x m when trans_a) and the weight rows
 * W (n rows of k codes, stride kp, storage wbits, layout above): Gemm with
 * a constant B (transposed to rows at compile time) and MatMul.
 *   in[0] A, in[1] W, in[2] bias int32 (n) or NULL, in[3] shift int32 (n)
 *   out[0] Y: codes (yt, ybits), m x n
 * fx_gemm: reference. fx_gemm_i8: int8 A (trans_a 0), wbits <= 8, kp a
 * multiple of AXRT_FX_KB: the dot products of fx_conv_i8 on AXRT_FX_NR
 * rows of A read in place; scratch AXRT_FX_GEMM_SCRATCH(kp, wbits): the
 * unpacked tile of sub-byte weight rows, none for 8-bit weights. */
#define AXRT_FXGEMM_PARAMS(F, A) \
	F(int32_t, m) \
	F(int32_t, n) \
	F(int32_t, k) \
	F(int32_t, kp) \
	F(int32_t, trans_a) \
	F(int32_t, xt) \
	F(int32_t, wbits) \
	F(int32_t, yt) \
	F(int32_t, ybits) \
	F(int32_t, round) \
	F(int32_t, act) \
	F(int32_t, lo) \
	F(int32_t, hi) \
	F(int32_t, alpha16)
#define AXRT_FX_GEMM_SCRATCH(kp, wbits) ((wbits) < 8 ? (size_t)AXRT_FX_MR * (size_t)(kp) + 64u : 0u)

/* fxpool: windowed pooling on codes, the geometry of axrt_pool.h (planes,
 * (D, H, W) arrays, pad_end for count_include_pad).
 * fx_maxpool: the largest code of the window (positions in the padding
 *   skipped; a window wholly in the padding gives the lowest code), then
 *   requantized by `shift` (frac_x - frac_y) and clamped to [lo, hi].
 * fx_avgpool: s = sum of the window's codes (int64), cnt = positions
 *   inside x (or inside the padded x with count_include_pad);
 *   y = sat(round(s * 2^-shift / cnt)) with the rounding `round` applied to
 *   the exact quotient (half to even, or floor); cnt 0 gives 0.
 * No scratch. */
#define AXRT_FXPOOL_PARAMS(F, A) \
	F(int32_t, planes) \
	A(int32_t, in, 3) \
	A(int32_t, out, 3) \
	A(int32_t, k, 3) \
	A(int32_t, stride, 3) \
	A(int32_t, dil, 3) \
	A(int32_t, pad, 3) \
	A(int32_t, pad_end, 3) \
	F(int32_t, count_include_pad) \
	F(int32_t, xt) \
	F(int32_t, yt) \
	F(int32_t, ybits) \
	F(int32_t, shift) \
	F(int32_t, round) \
	F(int32_t, lo) \
	F(int32_t, hi)

/* fxgpool: fx_globalavgpool: each of `planes` runs of `size` codes becomes
 * sat(round(sum * 2^-shift / size)) as fx_avgpool; fx_globalmaxpool: the
 * largest code, requantized. No scratch. */
#define AXRT_FXGPOOL_PARAMS(F, A) \
	F(int32_t, planes) \
	F(int32_t, size) \
	F(int32_t, xt) \
	F(int32_t, yt) \
	F(int32_t, ybits) \
	F(int32_t, shift) \
	F(int32_t, round)

/* fxbin: y = a (op) b with numpy broadcasting on codes, rank <= 8 with
 * element strides a_str/b_str over the output dims (0: broadcast).
 * fx_add: both operands are brought to the common fraction
 *   f = max(fa, fb) exactly (left shifts sa = f - fa, sb = f - fb, in
 *   int64), added, then requantized by shift = f - fy: y = sat(shift(a*2^sa
 *   + b*2^sb, shift)). Sum (several inputs) is a chain of fx_add.
 * fx_mul: y = sat(shift(a * b, shift)), shift = fa + fb - fy.
 * act RELU/CLIP clamps y to [lo, hi] (fused Relu). No scratch. */
#define AXRT_FXBIN_PARAMS(F, A) \
	F(int32_t, rank) \
	A(int32_t, dims, AXRT_MAXRANK) \
	A(int64_t, a_str, AXRT_MAXRANK) \
	A(int64_t, b_str, AXRT_MAXRANK) \
	F(int32_t, at) \
	F(int32_t, bt) \
	F(int32_t, yt) \
	F(int32_t, ybits) \
	F(int32_t, sa) \
	F(int32_t, sb) \
	F(int32_t, shift) \
	F(int32_t, round) \
	F(int32_t, lo) \
	F(int32_t, hi)

/* fxlut: elementwise functions through a table computed at compile time.
 * fx_lut: y = T[x - xmin] for codes x of xbits bits (xmin = -2^(xbits-1));
 *   in[1] T: int16 codes of y, 2^xbits entries (xbits <= 12), or, when
 *   step > 0 (xbits > 12), 2^(xbits - step) + 1 entries sampled every 2^step
 *   codes and linearly interpolated: i = (x - xmin) >> step,
 *   r = (x - xmin) & (2^step - 1), y = sat(T[i] + shift((T[i+1] - T[i]) * r,
 *   step)). Sigmoid and Tanh (the table built by compiler/ops/fx_nn.c).
 * fx_softmax: rows of `len` codes (outer x len x inner, the axis in the
 *   middle): d = max - x >= 0, e = E[min(d >> step, nexp - 1)] from in[1]
 *   E: nexp uint16 values round(2^15 * exp(-c_j * 2^-frac_x)), c_j the
 *   centre of bucket j (j << step when step is 0), the last entry 0 when
 *   the differences reach past the point where the value rounds to 0;
 *   s = sum e (uint64), y = sat(round_half_even(e * 2^frac_y / s)),
 *   frac_y in 0..40. No scratch. */
#define AXRT_FXLUT_PARAMS(F, A) \
	F(int64_t, n) \
	F(int32_t, xt) \
	F(int32_t, xbits) \
	F(int32_t, yt) \
	F(int32_t, ybits) \
	F(int32_t, step) \
	F(int32_t, outer) \
	F(int32_t, len) \
	F(int32_t, inner) \
	F(int32_t, nexp) \
	F(int32_t, yfrac)

/* v * 2^-s rounded (half to even, or floor for AXRT_FIXED_TRUNC); s < 0:
 * v * 2^-s exactly, saturated to the int64 range. s <= 62. Portable:
 * floor shifts of negative values go through ~v, never >> of a negative. */
static inline AXRT_UNUSED int64_t
axrt_fx_shift(int64_t v, int32_t s, int32_t round)
{
	int64_t q, r, half;

	if (s <= 0) {
		if (s == 0)
			return v;
		if (s < -62 || v > (INT64_MAX >> -s) || v < -(INT64_MAX >> -s))
			return v > 0 ? INT64_MAX : v < 0 ? -INT64_MAX : 0;
		return v * ((int64_t)1 << -s);
	}
	q = v >= 0 ? v >> s : ~(~v >> s);          /* floor(v / 2^s) */
	if (round == AXRT_FIXED_TRUNC)
		return q;
	r = v - q * ((int64_t)1 << s);            /* 0 <= r < 2^s */
	half = (int64_t)1 << (s - 1);
	if (r > half || (r == half && (q & 1)))
		q++;
	return q;
}

/* v clamped to the signed `bits`-bit range. */
static inline AXRT_UNUSED int32_t
axrt_fx_sat(int64_t v, int32_t bits)
{
	int64_t hi = ((int64_t)1 << (bits - 1)) - 1;

	return (int32_t)(v > hi ? hi : v < -hi - 1 ? -hi - 1 : v);
}

/* Element i of a code array of type t (AXRT_DT_INT8 or INT16). */
static inline AXRT_UNUSED int32_t
axrt_fx_ld(const void *p, int32_t t, int64_t i)
{
	return t == AXRT_DT_INT16 ? ((const int16_t *)p)[i] : ((const int8_t *)p)[i];
}

static inline AXRT_UNUSED void
axrt_fx_st(void *p, int32_t t, int64_t i, int32_t v)
{
	if (t == AXRT_DT_INT16)
		((int16_t *)p)[i] = (int16_t)v;
	else
		((int8_t *)p)[i] = (int8_t)v;
}

/* Weight code e of the packed rows w (layout above, storage wbits). */
static inline AXRT_UNUSED int32_t
axrt_fx_wld(const void *w, int32_t wbits, int64_t e)
{
	const uint8_t *b = (const uint8_t *)w;
	int32_t v;

	switch (wbits) {
	case 16:
		return ((const int16_t *)w)[e];
	case 4:
		v = (b[e >> 1] >> ((e & 1) * 4)) & 15;
		return v >= 8 ? v - 16 : v;
	case 2:
		v = (b[e >> 2] >> ((e & 3) * 2)) & 3;
		return v >= 2 ? v - 4 : v;
	default:
		return ((const int8_t *)w)[e];
	}
}

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_fx.def"
#undef AXRT_P
#undef AXRT_K

/* The geometry of ORDER FX_DWP: g[0] wp, g[1] he (rows per plane), g[2]
 * output pitch, g[3] blocks of 16 outputs, g[4] int16 elements of the
 * padded planes with the slack that the blocks' reads reach. The scratch:
 * two such planes (one for a single plane in all; rounded up to 32
 * elements), per block 16 int32 sums,
 * 32 codes in each of two buffers, a shuffle, an offset and a count, the
 * weight row, alignment. */
static inline AXRT_UNUSED void
axrt_fx_dwp_geom(const axrt_fxconv_params *p, int64_t *g)
{
	int64_t s = p->stride[2], wp = (int64_t)(p->out[2] - 1) * s + 3;
	int64_t hp = (int64_t)(p->out[1] - 1) * s + 3;

	wp += s == 2 ? wp & 1 : 0;
	g[0] = wp;
	g[1] = s == 2 ? (hp + 1) / 2 : hp;
	g[2] = s == 2 ? wp / 2 : wp;
	g[3] = ((int64_t)(p->out[1] - 1) * g[2] + p->out[2] + 15) / 16;
	g[4] = s * g[1] * wp + s * 16 * g[3] + 4 * wp + 64;
}

static inline AXRT_UNUSED size_t
axrt_fx_dwp_scratch(const axrt_fxconv_params *p)
{
	int64_t g[5];

	axrt_fx_dwp_geom(p, g);
	return (size_t)((g[4] + 31) / 32 * 32 * ((int64_t)p->n * p->c > 1 ? 4 : 2) +
		g[3] * (16 * 8 + 24) + 128 + 448) + (size_t)p->kp;
}

#endif
