// Single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, row-major.
// op(X) is X or X^T. Shapes: op(A) [M, K], op(B) [K, N], C [M, N];
// lda/ldb/ldc are row strides in elements.
//
// Sgemm calls OpenBLAS (its OpenMP build: inside an `omp parallel` region a
// call runs on the calling thread only, so callers may parallelise over
// independent GEMMs, e.g. one per expert or per head). SgemmRef is the plain
// triple loop the tests compare against.
#pragma once

#include <cstdint>

namespace minke::kernels {

void Sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

void SgemmRef(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
              const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The common case of a linear layer: y[M, N] = x[M, K] * W[N, K]^T.
// For few rows (a MoE expert's tokens, short prompts) it computes
// y^T = W x^T and transposes: OpenBLAS packs the big weight faster as the
// left operand (bench: 20-35% faster for M <= 32 on cold weights).
void MatmulNT(const float* x, const float* w, float* y, int64_t M, int64_t N, int64_t K);

// Floating-point operations (2 x M x N x K) of every Sgemm call so far, a
// direct count that the analytic FLOP formulas (data/cost.h) are tested against.
uint64_t GemmFlops();

// Number of threads kernels use (OpenMP), and a way to set it (<= 0: all cores).
int NumThreads();
void SetNumThreads(int n);

}  // namespace minke::kernels
