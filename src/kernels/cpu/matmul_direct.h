// Products with a weight read in its stored precision (F32, BF16 or F16),
// for few activation rows: decode and the server's batched decode. A GEMM
// needs float32 operands, so a 16-bit weight would first be converted,
// writing and re-reading 4 bytes per weight on top of the 2 it stores;
// decode is memory-bound, so reading the stored rows moves a third of the
// bytes. Parallel over N (OpenMP; serial when called inside a parallel
// region). MatmulDirectRef is the plain-loop oracle.
#pragma once

#include <cstdint>

#include "core/dtype.h"

namespace minke::kernels {

// y[M, N] = x[M, K] W^T for W [N, K]. REQUIRES: t is F32, BF16 or F16.
void MatmulDirect(DType t, const float* x, const void* w, float* y, int64_t M, int64_t N, int64_t K);
void MatmulDirectRef(DType t, const float* x, const void* w, float* y, int64_t M, int64_t N, int64_t K);

// y[K] = sum_r c[r] * W[r, :] for W [rows, K]: the transposed product c W,
// e.g. MLA's absorbed query q_nope W^UK. Serial. REQUIRES: as MatmulDirect.
void CombineRows(DType t, const void* w, const float* c, int64_t rows, int64_t K, float* y);

}  // namespace minke::kernels
