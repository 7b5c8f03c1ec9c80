// Shared by matmul_direct.cc (AVX2 row groups), matmul_direct_avx512.cc
// (512-bit row groups) and matmul_many.cc (the parallel loop). Not for other
// callers.
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

// y[m * ldy + r] for the `rows` (<= 4) weight rows at w and the M activation
// rows of x [M, K]: one group of output columns, the unit each thread of
// MatmulDirect's parallel loop computes.
using RowGroupFn = void (*)(const void* w, const float* x, int64_t M, int64_t K, float* y, int64_t ldy, int rows);

// The 512-bit row group for weight type t (F32, BF16, F16): 4 weight rows x
// 4 activation rows of accumulators (16 of the 32 zmm registers), so each
// converted weight vector feeds 4 FMAs of 16 lanes. For M >= 2 (batched
// decode, compute-bound); call only where UseAvx512().
RowGroupFn Avx512RowGroup(DType t);

// How a row group wants the activation rows: as given, or with each full
// block of 16 values reordered to its 8 even then its 8 odd positions (the
// AVX2 BF16 kernel: bf16 pairs widen with a shift and a mask, no shuffle).
// A tail shorter than 16 stays in order.
enum class XLayout { kPlain, kBf16Pairs };
void SplitPairs(const float* x, int64_t M, int64_t K, float* out);  // x [M, K] into kBf16Pairs

// The row group MatmulMany runs for weight type t and M activation rows:
// AVX-512 for M >= 2 where UseAvx512(), else AVX2 (plain loops if the build
// has no AVX2), and the activation layout it reads.
struct DirectKernel {
  RowGroupFn group;
  XLayout x;
};
DirectKernel DirectRowGroup(DType t, int64_t M);

// Whether the AVX-512 kernels may run: the CPU has AVX-512 F/BW/VL/DQ and
// they are not switched off (tests switch them off to cover the AVX2 path).
bool UseAvx512();
void SetAvx512ForTesting(bool allowed);

}  // namespace minke::kernels::internal
