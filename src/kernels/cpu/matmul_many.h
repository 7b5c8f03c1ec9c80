// Products with weights read as stored, for few activation rows (decode and
// the server's batched decode), several at once: y_j = x_j W_j^T for a list
// of jobs in one parallel region. The threads split the weight bytes of all
// the jobs evenly, each streaming one contiguous stretch, so a decode step
// pays one fork/join for, say, every expert of a MoE layer instead of one per
// matrix, and small matrices no longer each leave a thread waiting.
// Serial when called inside a parallel region.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/dtype.h"

namespace minke::kernels {

struct MatmulJob {
  DType dtype;     // F32, BF16, F16 (matmul_direct) or Q8_0, Q4_0 (quant)
  const void* w;   // [N, K] as stored
  const float* x;  // [M, K]
  float* y;        // [M, N]
  int64_t M, N, K;
};

// Whether MatmulMany computes weights of type t.
bool MatmulManySupports(DType t);

// REQUIRES: MatmulManySupports(dtype) for every job; K % 32 == 0 for Q8_0 and
// Q4_0. Jobs quantized to Q8_0 on the same x share one quantization.
void MatmulMany(const MatmulJob* jobs, size_t n);

}  // namespace minke::kernels
