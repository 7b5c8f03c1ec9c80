#include "model/linear.h"

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/matmul_many.h"
#include "kernels/cpu/ops.h"

namespace minke::model {

namespace {

bool ReadDirectly(const Linear& l, int64_t T) {
  return T <= kMaxDirectRows && kernels::MatmulManySupports(l.weight.dtype) && l.weight_scale_inv.data == nullptr;
}

// Through a float32 weight (converted per call if stored narrower) and a GEMM.
void LinearGemm(const Linear& l, const float* x, int64_t T, float* y) {
  const int64_t N = l.out(), K = l.in();
  if (l.weight.dtype == DType::F32) return kernels::MatmulNT(x, static_cast<const float*>(l.weight.data), y, T, N, K);
  thread_local std::vector<float> deq;
  deq.resize(static_cast<size_t>(N * K));
  kernels::DequantizeRows(l.weight.dtype, l.weight.data, static_cast<const float*>(l.weight_scale_inv.data), N, K,
                          l.block_rows, l.block_cols, deq.data());
  kernels::MatmulNT(x, deq.data(), y, T, N, K);
}

}  // namespace

void LinearForward(const Linear& l, const float* x, int64_t T, float* y) { LinearForwardMany({{&l, x, T, y}}); }

void LinearForwardMany(const std::vector<LinearCall>& calls) {
  std::vector<kernels::MatmulJob> jobs;
  for (const LinearCall& c : calls)
    if (ReadDirectly(*c.l, c.T))
      jobs.push_back({c.l->weight.dtype, c.l->weight.data, c.x, c.y, c.T, c.l->out(), c.l->in()});
  if (!jobs.empty()) kernels::MatmulMany(jobs.data(), jobs.size());
  for (const LinearCall& c : calls) {
    if (!ReadDirectly(*c.l, c.T)) LinearGemm(*c.l, c.x, c.T, c.y);
    if (c.l->bias.data == nullptr) continue;
    std::vector<float> scratch;
    const float* b = AsF32(c.l->bias, &scratch);
    const int64_t N = c.l->out();
    for (int64_t t = 0; t < c.T; ++t)
      for (int64_t n = 0; n < N; ++n) c.y[t * N + n] += b[n];
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

const float* AsF32(const TensorView& v, std::vector<float>* scratch) {
  if (v.dtype == DType::F32) return static_cast<const float*>(v.data);
  scratch->resize(static_cast<size_t>(v.numel()));
  ConvertToF32(v.dtype, v.data, scratch->data(), scratch->size());
  return scratch->data();
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
  thread_local std::vector<float> scratch;
  kernels::RmsNorm(out, x, AsF32(weight, &scratch), T, D, static_cast<float>(eps));
}

}  // namespace minke::model
