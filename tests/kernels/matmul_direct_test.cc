// The direct F32/BF16/F16 kernels against their plain-loop oracles, on awkward shapes
// (K not a multiple of 8, M not a multiple of 4).
#include "kernels/cpu/matmul_direct.h"
#include "kernels/cpu/matmul_direct_internal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace minke::kernels {
namespace {

// Runs the check with the AVX-512 kernels allowed (where the CPU has them)
// and again with only AVX2, so both paths are covered on an AVX-512 machine.
class MatmulDirectIsa : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { internal::SetAvx512ForTesting(GetParam()); }
  void TearDown() override { internal::SetAvx512ForTesting(true); }
};

TEST_P(MatmulDirectIsa, MatchesReference) {
  std::mt19937 rng(11);
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (DType t : {DType::F32, DType::BF16, DType::F16})
    for (auto [M, N, K] : {std::tuple<int64_t, int64_t, int64_t>{1, 7, 33},
                           {3, 16, 64},
                           {5, 300, 1030},
                           {8, 2, 8},
                           {7, 9, 47},
                           {16, 13, 256}}) {
      std::vector<float> x(M * K), wf(N * K);
      std::vector<uint16_t> wh(N * K);
      for (auto& v : x) v = d(rng);
      for (size_t i = 0; i < wf.size(); ++i) {
        wf[i] = d(rng);
        wh[i] = t == DType::BF16 ? F32ToBf16(wf[i]) : F32ToF16(wf[i]);
      }
      const void* w = t == DType::F32 ? static_cast<const void*>(wf.data()) : wh.data();
      std::vector<float> y(M * N), ref(M * N);
      MatmulDirect(t, x.data(), w, y.data(), M, N, K);
      MatmulDirectRef(t, x.data(), w, ref.data(), M, N, K);
      // fp32 accumulation in 8 lanes vs double: ~K * 2^-24 * |terms|.
      for (int64_t i = 0; i < M * N; ++i)
        EXPECT_NEAR(y[i], ref[i], 1e-5f * K) << DTypeName(t) << " " << M << "x" << N << "x" << K;
    }
}

INSTANTIATE_TEST_SUITE_P(Isa, MatmulDirectIsa, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Avx512IfPresent" : "Avx2"; });

TEST(CombineRows, MatchesPlainLoopForEachType) {
  std::mt19937 rng(12);
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (DType t : {DType::F32, DType::BF16, DType::F16})
    for (auto [rows, K] : {std::pair<int64_t, int64_t>{1, 7}, {64, 256}, {5, 70}}) {
      std::vector<float> c(rows), wf(rows * K);
      for (auto& v : c) v = d(rng);
      for (auto& v : wf) v = d(rng);
      std::vector<uint16_t> wh(rows * K);
      for (size_t i = 0; i < wf.size(); ++i) {
        wh[i] = t == DType::BF16 ? F32ToBf16(wf[i]) : F32ToF16(wf[i]);
        if (t != DType::F32) wf[i] = t == DType::BF16 ? Bf16ToF32(wh[i]) : F16ToF32(wh[i]);
      }
      std::vector<float> y(K);
      CombineRows(t, t == DType::F32 ? static_cast<const void*>(wf.data()) : wh.data(), c.data(), rows, K, y.data());
      for (int64_t k = 0; k < K; ++k) {
        double ref = 0;
        for (int64_t r = 0; r < rows; ++r) ref += static_cast<double>(c[r]) * wf[r * K + k];
        EXPECT_NEAR(y[k], ref, 1e-5 * rows) << DTypeName(t) << " " << rows << "x" << K << " col " << k;
      }
    }
}

}  // namespace
}  // namespace minke::kernels
