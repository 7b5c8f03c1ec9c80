// Linear layers and small helpers shared by the blocks.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "model/weights.h"

namespace minke::model {

// y[T, out] = x[T, in] W^T (+ b). For few rows (decode, batched decode;
// T <= 16) the weight is read as stored:
//   F32, BF16, F16  kernels::MatmulDirect;
//   Q8_0, Q4_0      kernels::MatmulQ on the GGML blocks (the activation is
//                   quantized to Q8_0 per row; int8 dots, fp32 across blocks).
// For more rows (prefill) an OpenBLAS GEMM, on a float32 copy of the weight
// made per call when it is stored narrower (F8_E4M3 always: dequantized with
// its block scales).
void LinearForward(const Linear& l, const float* x, int64_t T, float* y);

// Up to this many rows a 16-bit or block-quantized weight is read directly
// (GEMV-like, memory bound); from more rows on, converting it once to
// float32 for an OpenBLAS GEMM wins, as the conversion is amortised over the
// rows. Crossover measured with `bench_gemv --threads 2 --chunk 256 --rows R`
// (us per MiB of weight, direct vs convert + GEMM): BF16 R=16 143 vs 240,
// R=32 254 vs 266, R=64 485 vs 390; Q8_0 R=16 315 vs ~440, R=32 589 vs ~460.
constexpr int64_t kMaxDirectRows = 16;

// One product y[T, out] = x[T, in] W^T (+ b) of LinearForwardMany.
struct LinearCall {
  const Linear* l;
  const float* x;
  int64_t T;
  float* y;
};

// LinearForward of each call. Those read directly run together in one
// parallel region (kernels::MatmulMany: one fork/join, the weight bytes split
// evenly between the threads), the others one after another.
void LinearForwardMany(const std::vector<LinearCall>& calls);

// The weight as float32 [out, in] (dequantized if stored narrower).
std::vector<float> DequantizeLinear(const Linear& l);

// A float32 copy of a (small) stored vector, e.g. a norm weight.
std::vector<float> ToF32(const TensorView& v);
// Its values as float32 without a copy when stored as F32 (norm weights in
// GGUF files and minke's own checkpoints), else converted into *scratch:
// decode reads a few of these per layer per token.
const float* AsF32(const TensorView& v, std::vector<float>* scratch);

// Rows `ids` of an embedding table [V, D] into out[n, D].
void EmbeddingLookup(const TensorView& table, const int32_t* ids, int64_t n, float* out);

// out[T, D] = RMSNorm(x) * weight; out may alias x.
void RmsNormForward(const TensorView& weight, const float* x, int64_t T, int64_t D, double eps, float* out);

}  // namespace minke::model
