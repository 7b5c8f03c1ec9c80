// Shared by quant.cc (the Q8_0/Q4_0 dot kernels) and matmul_many.cc (the
// parallel loop that runs them). Not for other callers.
#pragma once

#include <cstdint>

#include "kernels/cpu/quant.h"

namespace minke::kernels::internal {

// The M rows of x [M, K] quantized to Q8_0 exactly as QuantizeRow does, kept
// as int8 values q [M, K] and float scales d [M, K / 32] (the f16-rounded
// ones), so the dot loop converts no activation scale per block.
void QuantizeActivationRows(const float* x, int64_t M, int64_t K, int8_t* q, float* d);

// y[m * ldy + r] for the `rows` (<= 4) weight rows of type t at w and the M
// quantized activation rows (aq, ad): one group of output columns.
void QuantRowGroup(QuantType t, const uint8_t* w, const int8_t* aq, const float* ad, int64_t M, int64_t K, float* y,
                   int64_t ldy, int rows);

}  // namespace minke::kernels::internal
