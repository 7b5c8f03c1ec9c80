// LinearForward on every weight dtype against float32 math on the
// dequantized weight (model::DequantizeLinear, the oracle of what a stored
// weight means), for a decode row and a prefill block.
#include "model/linear.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/quant.h"

namespace minke::model {
namespace {

TEST(Linear, EveryDtypeComputesItsDequantizedWeight) {
  const int64_t N = 48, K = 96;
  std::mt19937 rng(3);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> w(N * K);
  for (auto& v : w) v = d(rng);
  std::vector<uint16_t> bf16(N * K), f16(N * K);
  for (int64_t i = 0; i < N * K; ++i) bf16[i] = F32ToBf16(w[i]), f16[i] = F32ToF16(w[i]);
  std::vector<uint8_t> q8(N * kernels::QuantRowBytes(kernels::QuantType::kQ8_0, K)),
      q4(N * kernels::QuantRowBytes(kernels::QuantType::kQ4_0, K));
  for (int64_t r = 0; r < N; ++r) {
    kernels::QuantizeRow(kernels::QuantType::kQ8_0, &w[r * K], K, &q8[r * q8.size() / N]);
    kernels::QuantizeRow(kernels::QuantType::kQ4_0, &w[r * K], K, &q4[r * q4.size() / N]);
  }
  const std::pair<DType, const void*> cases[] = {{DType::F32, w.data()},
                                                 {DType::BF16, bf16.data()},
                                                 {DType::F16, f16.data()},
                                                 {DType::Q8_0, q8.data()},
                                                 {DType::Q4_0, q4.data()}};
  for (auto [dt, data] : cases)
    for (int64_t T : {1, 3, 20}) {  // decode (GEMV paths), few rows, a GEMM
      Linear l;
      l.weight = {dt, {N, K}, data};
      std::vector<float> x(T * K), y(T * N), ref(T * N);
      for (auto& v : x) v = d(rng);
      std::vector<float> wd = DequantizeLinear(l);
      kernels::SgemmRef(false, true, T, N, K, 1.0f, x.data(), K, wd.data(), K, 0.0f, ref.data(), N);
      LinearForward(l, x.data(), T, y.data());
      // Block types also quantize the activation to Q8_0: error ~ |x|max/254
      // per element, summed over K random terms ~ sqrt(K) * 0.01 * |w|.
      const float tol = IsBlockQuantType(dt) ? 0.05f * std::sqrt(static_cast<float>(K)) : 1e-4f * K;
      for (int64_t i = 0; i < T * N; ++i) ASSERT_NEAR(y[i], ref[i], tol) << DTypeName(dt) << " T=" << T;
    }
}

}  // namespace
}  // namespace minke::model
