/* axrt_gemm.h: parameter structs and kernels of the gemm family: Gemm with a
 * fused bias/activation epilogue, batched MatMul, Einsum and Det. */
#ifndef AXRT_GEMM_H
#define AXRT_GEMM_H

#include "axrt_core.h"

/* gemm: Y[m,n] = act(alpha * sum_k A'[m,k] * B'[k,n] + beta * C[m,n]).
 * in: A (trans_a ? k x m : m x k), B (trans_b ? n x k : k x n), C or NULL.
 * C is read as C[i * c_rs + j * c_cs]: strides 0 broadcast a row/column/
 * scalar bias to m x n. act is AXRT_ACT_*, with act_alpha/act_beta as its
 * parameters (Clip: min/max; LeakyRelu: alpha; HardSigmoid: alpha/beta).
 * Scratch: 0 bytes, except k*n floats when trans_b is set (B is transposed
 * there first so that the inner loop runs over contiguous rows). */
#define AXRT_GEMM_PARAMS(F, A) F(int32_t, m) F(int32_t, n) F(int32_t, k) \
	F(int32_t, trans_a) F(int32_t, trans_b) F(float, alpha) F(float, beta) \
	F(int32_t, c_rs) F(int32_t, c_cs) \
	F(int32_t, act) F(float, act_alpha) F(float, act_beta)

/* matmul: batched Y[b][m,n] = sum_k A[b][m,k] * B[b][k,n], all row-major.
 * The output has nbatch = prod(bdim[0..brank)) matrices; matrix b of A
 * starts at element sum_i idx_i * a_bs[i] where idx is b's multi-index in
 * bdim (a stride of 0 broadcasts that batch dim), likewise B with b_bs.
 * 1-D operands are passed as m = 1 or n = 1. brank may be 0. No scratch.
 * Types: f32, f64 (accumulating in their own type), i32, i64 (wrapping). */
#define AXRT_MATMUL_PARAMS(F, A) F(int32_t, m) F(int32_t, n) F(int32_t, k) \
	F(int32_t, brank) A(int32_t, bdim, AXRT_MAXRANK) \
	A(int32_t, a_bs, AXRT_MAXRANK) A(int32_t, b_bs, AXRT_MAXRANK)

/* einsum: up to 2 operands (nin 1 or 2), one output. The letters of the
 * equation are numbered: the output's letters first (nout_l of them, in
 * output order, so the output is written contiguously), then the summed
 * letters (nsum_l). size[l] is the extent of letter l and s0[l]/s1[l] the
 * element stride of operand 0/1 along it (0 where the operand lacks the
 * letter; a repeated letter -- a diagonal -- sums its strides).
 * Y[o] = sum over summed letters of X0[..] * X1[..]. f32 and f64. No scratch. */
#define AXRT_EINSUM_MAXL 16
#define AXRT_EINSUM_PARAMS(F, A) F(int32_t, nin) F(int32_t, nout_l) F(int32_t, nsum_l) \
	A(int32_t, size, AXRT_EINSUM_MAXL) A(int32_t, s0, AXRT_EINSUM_MAXL) \
	A(int32_t, s1, AXRT_EINSUM_MAXL)

/* det: determinants of nbatch row-major n x n matrices (LU with partial
 * pivoting in float). Scratch: n*n floats. */
#define AXRT_DET_PARAMS(F, A) F(int32_t, nbatch) F(int32_t, n)

/* The blocked float GEMM behind conv_f32_gemm and gemm_f32_packed computes
 * C = act(bias + A B) in register tiles of AXRT_GEMM_MR rows of A by
 * AXRT_GEMM_NR columns of B. A is a constant packed at compile time, for
 * the kernel's kc: its columns in blocks of kc (the last one shorter),
 * block after block; inside a block, panels of MR rows, each holding for
 * each k of the block in order the MR values A[q*MR + r][k] (r < MR; rows
 * past the end are 0). A matrix of m rows and kk columns takes
 * ceil(m/MR)*MR*kk floats; the kernel streams each block from start to end.
 * B is packed at run time, kc rows by nc columns at a time, into the
 * kernel's scratch.
 * ORDER GEMM_PACK: compiler/ops/gemm.c (gemm_pack_a) writes this layout. */
#define AXRT_GEMM_MR 6
#define AXRT_GEMM_NR 16
/* Rows of A per row block; a GEMM with more rows keeps the packed strips
 * of a column block for the later row blocks, one with fewer packs each
 * strip into the same room, unless kc <= AXRT_GEMM_KSMALL and C has at
 * least AXRT_GEMM_CBIG elements (then all the strips of a block are
 * packed first). Hence the scratch (ORDER GEMM_SCRATCH:
 * compiler/ops/gemm.c, gemm_scratch_bytes): (kc+1)*nc + 16 floats when
 * the rows (per group) exceed AXRT_GEMM_MC or in that case, else
 * (kc+1)*AXRT_GEMM_NR + 16 (16 floats to start the strips at a 64-byte
 * boundary). kc is the parameter as given; C is rows (per group) x
 * output positions for convgemm, n x m for gemmpk. */
#define AXRT_GEMM_MC 120
#define AXRT_GEMM_KSMALL 64
#define AXRT_GEMM_CBIG 65536
/* Outputs per strip of a matrix times a vector (gemm_f32_packed, m == 1);
 * the last strip holds the n % NR outputs left rounded up to a multiple of
 * AXRT_GEMV_TAIL, so that a layer pruned to n outputs computes and stores
 * about n, not n rounded up to NR. AXRT_GEMV_ROWS(n): the rows packed. */
#define AXRT_GEMV_NR 64
#define AXRT_GEMV_TAIL 16
#define AXRT_GEMV_ROWS(n) ((n) / AXRT_GEMV_NR * AXRT_GEMV_NR + \
	((n) % AXRT_GEMV_NR + AXRT_GEMV_TAIL - 1) / AXRT_GEMV_TAIL * AXRT_GEMV_TAIL)
/* A rest of n past a multiple of NR that rounds up to less than NR (16,
 * 32 or 48 outputs) does not make a strip of its own when there is a full
 * strip before it: the two form the last strip, of NR + 16..48 outputs (at
 * most AXRT_GEMV_MAXW), which starts at AXRT_GEMV_LAST(n). A strip of
 * 16-48 sums holds too few registers to hide the latency of its adds:
 * fmnist_vgg's classifier pruned from 128 to 77 outputs (strips 64 + 16)
 * ran slower than at 128. */
#define AXRT_GEMV_MAXW (2 * AXRT_GEMV_NR - AXRT_GEMV_TAIL)
#define AXRT_GEMV_LAST(n) ((n) <= AXRT_GEMV_NR ? 0 : \
	(n) % AXRT_GEMV_NR == 0 || (n) % AXRT_GEMV_NR > AXRT_GEMV_NR - AXRT_GEMV_TAIL ? \
	((n) - 1) / AXRT_GEMV_NR * AXRT_GEMV_NR : ((n) / AXRT_GEMV_NR - 1) * AXRT_GEMV_NR)

/* convgemm: the Conv of axrt_conv.h (same fields and meaning) computed as a
 * GEMM: per image and group, Y (m/group x positions) = W (m/group x K)
 * times the im2col matrix of x (K x positions), K = c/group * k0*k1*k2.
 *   in[0] x: n x c x in[...], in[1] W packed as above, group after group
 *   (each ceil((m/group)/MR)*MR*K floats), in[2] bias (m) or NULL,
 *   out[0] y: n x m x out[...].
 * The im2col matrix is built in blocks of kc rows by nc columns (nc a
 * multiple of AXRT_GEMM_NR, kc <= K, both >= 1); a 1x1 kernel with stride
 * 1 and no padding reads x directly. Scratch: as above, rows m/group.
 * Sums run over k in order, starting from the bias, as conv_f32 does. */
#define AXRT_CONVGEMM_PARAMS(F, A) \
	F(int32_t, n) F(int32_t, c) F(int32_t, m) F(int32_t, group) \
	A(int32_t, in, 3) A(int32_t, out, 3) A(int32_t, k, 3) \
	A(int32_t, stride, 3) A(int32_t, dil, 3) A(int32_t, pad, 3) \
	F(int32_t, kc) F(int32_t, nc) \
	F(int32_t, act) F(float, act_alpha) F(float, act_beta)

/* gemmpk: Y = act(bias + A' W), the Gemm (alpha 1) and MatMul of a
 * constant W on the blocked GEMM.
 *   in[0] A: m x k (trans_a 0) or k x m (trans_a 1), row-major;
 *   in[1] W: the k x n weight transposed (n x k) and packed as above;
 *     when m == 1, in strips of AXRT_GEMV_NR outputs instead: strip s,
 *     of width ws (NR; the last one, from L = AXRT_GEMV_LAST(n),
 *     AXRT_GEMV_ROWS(n) - L), starts at float s*NR*k and holds, for each
 *     k in order, W[k][s*NR .. s*NR + ws) (0 past n), AXRT_GEMV_ROWS(n)*k
 *     floats (ORDER GEMV_PACK: compiler/ops/gemm.c);
 *   in[2] bias: n values added to every row, or NULL;
 *   out[0] Y: m x n.
 * A is packed at run time in blocks of kc (k) by nc (m) values, nc a
 * multiple of AXRT_GEMM_NR, 1 <= kc (values above k act as k).
 * Scratch: as above, rows n; none when m == 1 (one row: the weights are
 * read once, as a matrix times a vector). Each sum
 * runs over k in order from the bias. */
#define AXRT_GEMMPK_PARAMS(F, A) F(int32_t, m) F(int32_t, n) F(int32_t, k) \
	F(int32_t, trans_a) F(int32_t, kc) F(int32_t, nc) \
	F(int32_t, act) F(float, act_alpha) F(float, act_beta)

#define AXRT_P(name, LIST) AXRT_DEFINE_PARAMS(name, LIST)
#define AXRT_K(kname, pname) AXRT_KERNEL_PROTO(kname, pname);
#include "axrt_gemm.def"
#undef AXRT_P
#undef AXRT_K

#endif
