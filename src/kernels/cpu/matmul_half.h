// y[M, N] = x[M, K] W^T for a 16-bit weight W [N, K] (BF16 or F16) read
// directly, for few rows (decode). Converting the whole matrix to float32
// first (what a GEMM needs) writes and re-reads 4 bytes per weight on top of
// the 2 it stores; decode is memory-bound, so a GEMV on the 16-bit rows
// moves about a third of the bytes. Parallel over N (OpenMP; serial when
// called inside a parallel region). MatmulHalfRef is the plain-loop oracle.
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace minke::kernels {

// y[K] = sum_r c[r] * W[r, :] for W [rows, K] in F32, BF16 or F16: the
// transposed product c W, e.g. MLA's absorbed query q_nope W^UK read in the
// stored precision. REQUIRES: t is F32, BF16 or F16.
void CombineRows(DType t, const void* w, const float* c, int64_t rows, int64_t K, float* y);

// REQUIRES: t is BF16 or F16.
void MatmulHalf(DType t, const float* x, const void* w, float* y, int64_t M, int64_t N, int64_t K);
void MatmulHalfRef(DType t, const float* x, const void* w, float* y, int64_t M, int64_t N, int64_t K);

}  // namespace minke::kernels
