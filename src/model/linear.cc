#include "model/linear.h"

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/matmul_direct.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant.h"

namespace minke::model {

namespace {

// Up to this many rows a 16-bit or block-quantized weight is read directly
// (GEMV-like, memory bound: decode, and the server's batched decode); from
// more rows on, converting it once to float32 for an OpenBLAS GEMM wins, as the
// conversion is amortised over the rows. Crossover measured with
// `bench_gemv --threads 2 --chunk 256 --rows R` (us per MiB of weight,
// direct vs convert + GEMM): BF16 R=16 143 vs 240, R=32 254 vs 266, R=64
// 485 vs 390; Q8_0 R=16 315 vs ~440, R=32 589 vs ~460.
constexpr int64_t kMaxDirectRows = 16;

}  // namespace

void LinearForward(const Linear& l, const float* x, int64_t T, float* y) {
  const int64_t N = l.out(), K = l.in();
  const DType dt = l.weight.dtype;
  const float* w;
  thread_local std::vector<float> deq;
  if ((dt == DType::Q8_0 || dt == DType::Q4_0) && T <= kMaxDirectRows) {
    // GGML blocks: the activation is quantized to Q8_0 and dotted block by block.
    kernels::MatmulQ(dt == DType::Q8_0 ? kernels::QuantType::kQ8_0 : kernels::QuantType::kQ4_0, x,
                     static_cast<const uint8_t*>(l.weight.data), y, T, N, K);
  } else if ((dt == DType::F32 || dt == DType::BF16 || dt == DType::F16) && T <= kMaxDirectRows) {
    kernels::MatmulDirect(dt, x, l.weight.data, y, T, N, K);
  } else if (dt == DType::F32) {
    w = static_cast<const float*>(l.weight.data);
    kernels::MatmulNT(x, w, y, T, N, K);
  } else {
    deq.resize(static_cast<size_t>(N * K));
    kernels::DequantizeRows(l.weight.dtype, l.weight.data, static_cast<const float*>(l.weight_scale_inv.data), N, K,
                            l.block_rows, l.block_cols, deq.data());
    w = deq.data();
    kernels::MatmulNT(x, w, y, T, N, K);
  }
  if (l.bias.data != nullptr) {
    std::vector<float> b = ToF32(l.bias);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t n = 0; n < N; ++n) y[t * N + n] += b[n];
  }
}

std::vector<float> DequantizeLinear(const Linear& l) {
  std::vector<float> w(static_cast<size_t>(l.out() * l.in()));
  kernels::DequantizeRows(l.weight.dtype, l.weight.data, static_cast<const float*>(l.weight_scale_inv.data), l.out(),
                          l.in(), l.block_rows, l.block_cols, w.data());
  return w;
}

std::vector<float> ToF32(const TensorView& v) {
  std::vector<float> out(static_cast<size_t>(v.numel()));
  ConvertToF32(v.dtype, v.data, out.data(), out.size());
  return out;
}

void EmbeddingLookup(const TensorView& table, const int32_t* ids, int64_t n, float* out) {
  const int64_t D = table.shape[1];
  const size_t row_bytes = DTypeBytes(table.dtype, D);
  for (int64_t i = 0; i < n; ++i) {
    const auto* row = static_cast<const uint8_t*>(table.data) + static_cast<size_t>(ids[i]) * row_bytes;
    kernels::DequantizeRows(table.dtype, row, nullptr, 1, D, 1, 1, out + i * D);
  }
}

void RmsNormForward(const TensorView& weight, const float* x, int64_t T, int64_t D, double eps, float* out) {
  std::vector<float> w = ToF32(weight);
  kernels::RmsNorm(out, x, w.data(), T, D, static_cast<float>(eps));
}

}  // namespace minke::model
