// Shared by matmul_direct.cc (AVX2) and matmul_direct_avx512.cc (built with
// AVX-512 flags, called only where the CPU has it). Not for other callers.
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/dtype.h"

namespace minke::kernels::internal {

template <DType T>
using Elem = std::conditional_t<T == DType::F32, float, uint16_t>;

template <DType T>
inline float ElemToF32(Elem<T> v) {
  if constexpr (T == DType::F32) return v;
  if constexpr (T == DType::BF16) return Bf16ToF32(v);
  return F16ToF32(v);
}

// MatmulDirect for M >= 2 activation rows with 512-bit vectors: 4 weight
// rows x 4 activation rows of accumulators (16 of the 32 zmm registers), so
// each converted weight vector feeds 4 FMAs of 16 lanes. Batched decode is
// compute-bound where single-row decode is memory-bound.
void MatmulDirectAvx512(DType t, const float* x, const void* w, float* y, int64_t M, int64_t N, int64_t K);

// Whether the AVX-512 kernels may run: the CPU has AVX-512 F/BW/VL and they
// are not switched off (tests switch them off to cover the AVX2 path).
bool UseAvx512();
void SetAvx512ForTesting(bool allowed);

}  // namespace minke::kernels::internal
