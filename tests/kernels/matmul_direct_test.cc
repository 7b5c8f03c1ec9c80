// The direct F32/BF16/F16 kernels against their plain-loop oracles, on awkward shapes
// (K not a multiple of 8, M not a multiple of 4), and MatmulMany, their one
// parallel loop.
#include "kernels/cpu/matmul_direct.h"
#include "kernels/cpu/matmul_direct_internal.h"
#include "kernels/cpu/matmul_many.h"
#include "kernels/cpu/quant.h"

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

struct Weight {
  DType dtype;
  int64_t N, K;
  std::vector<uint8_t> bytes;
};

Weight MakeWeight(DType t, int64_t N, int64_t K, std::mt19937* rng) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> f(N * K);
  for (auto& v : f) v = d(*rng);
  Weight w{t, N, K, std::vector<uint8_t>(DTypeBytes(t, N * K))};
  if (t == DType::Q8_0 || t == DType::Q4_0) {
    const QuantType q = t == DType::Q8_0 ? QuantType::kQ8_0 : QuantType::kQ4_0;
    for (int64_t n = 0; n < N; ++n) QuantizeRow(q, &f[n * K], K, &w.bytes[n * QuantRowBytes(q, K)]);
  } else {
    for (int64_t i = 0; i < N * K; ++i) {
      if (t == DType::F32) reinterpret_cast<float*>(w.bytes.data())[i] = f[i];
      if (t == DType::BF16) reinterpret_cast<uint16_t*>(w.bytes.data())[i] = F32ToBf16(f[i]);
      if (t == DType::F16) reinterpret_cast<uint16_t*>(w.bytes.data())[i] = F32ToF16(f[i]);
    }
  }
  return w;
}

void Single(const Weight& w, const float* x, int64_t M, float* y) {
  if (w.dtype == DType::Q8_0 || w.dtype == DType::Q4_0)
    MatmulQ(w.dtype == DType::Q8_0 ? QuantType::kQ8_0 : QuantType::kQ4_0, x, w.bytes.data(), y, M, w.N, w.K);
  else
    MatmulDirect(w.dtype, x, w.bytes.data(), y, M, w.N, w.K);
}

// MatmulMany runs several products in one parallel region, sharing each
// distinct activation's preparation (Q8_0 quantization, the BF16 pair order)
// between the jobs that read it: every job's result must be exactly what the
// single-product call gives, whatever mix of types and activations.
TEST_P(MatmulDirectIsa, ManyJobsAsTheirSingleCalls) {
  std::mt19937 rng(5);
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (int64_t M : {1, 3}) {
    const int64_t K = 1056, K2 = 96;  // K: 66 blocks of 16 (pairs), 33 of 32 (GGML)
    std::vector<float> x1(M * K), x2(M * K), x3(M * K2);
    for (auto* x : {&x1, &x2, &x3})
      for (auto& v : *x) v = d(rng);
    // Jobs on x1 share its preparation, jobs on x2 theirs; types interleaved.
    const std::vector<std::pair<Weight, const std::vector<float>*>> cases = {
        {MakeWeight(DType::BF16, 37, K, &rng), &x1},  {MakeWeight(DType::Q8_0, 64, K, &rng), &x1},
        {MakeWeight(DType::BF16, 300, K, &rng), &x1}, {MakeWeight(DType::Q4_0, 9, K, &rng), &x2},
        {MakeWeight(DType::Q8_0, 40, K, &rng), &x2},  {MakeWeight(DType::F16, 20, K, &rng), &x2},
        {MakeWeight(DType::F32, 5, K2, &rng), &x3},   {MakeWeight(DType::BF16, 130, K2, &rng), &x3},
        {MakeWeight(DType::Q8_0, 64, K, &rng), &x1},
    };
    std::vector<std::vector<float>> got(cases.size()), want(cases.size());
    std::vector<MatmulJob> jobs;
    for (size_t i = 0; i < cases.size(); ++i) {
      const Weight& w = cases[i].first;
      got[i].assign(M * w.N, 0.0f);
      want[i].assign(M * w.N, 0.0f);
      jobs.push_back({w.dtype, w.bytes.data(), cases[i].second->data(), got[i].data(), M, w.N, w.K});
      Single(w, cases[i].second->data(), M, want[i].data());
    }
    MatmulMany(jobs.data(), jobs.size());
    for (size_t i = 0; i < cases.size(); ++i)
      EXPECT_EQ(got[i], want[i]) << "job " << i << " (" << DTypeName(cases[i].first.dtype) << "), M " << M;
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
