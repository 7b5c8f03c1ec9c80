// Fast kernels against their plain-loop references and hand-computed values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/ops.h"

namespace minke::kernels {
namespace {

std::vector<float> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(Gemm, MatchesReferenceOnAwkwardShapes) {
  for (auto [M, N, K] : {std::tuple{1, 1, 1}, {3, 5, 7}, {17, 33, 65}, {64, 1, 300}, {1, 129, 31}})
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        auto A = Random(M * K, 1), B = Random(K * N, 2), C = Random(M * N, 3), R = C;
        int lda = ta ? M : K, ldb = tb ? K : N;
        Sgemm(ta, tb, M, N, K, 0.5f, A.data(), lda, B.data(), ldb, 2.0f, C.data(), N);
        SgemmRef(ta, tb, M, N, K, 0.5f, A.data(), lda, B.data(), ldb, 2.0f, R.data(), N);
        for (int i = 0; i < M * N; ++i)
          ASSERT_NEAR(C[i], R[i], 1e-4 * (1 + std::fabs(R[i]))) << M << "x" << N << "x" << K << " " << ta << tb;
      }
}

TEST(Ops, RmsNorm) {
  std::vector<float> x = {1, 2, 3, 4}, w = {1, 1, 2, 0.5f}, out(4);
  RmsNorm(out.data(), x.data(), w.data(), 1, 4, 0.0f);
  float r = 1.0f / std::sqrt(30.0f / 4);
  EXPECT_NEAR(out[0], 1 * r, 1e-6);
  EXPECT_NEAR(out[2], 6 * r, 1e-6);
  EXPECT_NEAR(out[3], 2 * r, 1e-6);
}

TEST(Ops, SiluMul) {
  std::vector<float> g = {0.0f, 1.0f, -2.0f}, u = {5.0f, 2.0f, 3.0f}, out(3);
  SiluMul(out.data(), g.data(), u.data(), 1, 3);
  EXPECT_FLOAT_EQ(out[0], 0.0f);
  EXPECT_NEAR(out[1], 2.0f / (1 + std::exp(-1.0f)), 1e-6);
  EXPECT_NEAR(out[2], 3.0f * -2.0f / (1 + std::exp(2.0f)), 1e-6);
  // The vector body too, from saturation (|g| ~ 100) to 0, and a tail.
  const int64_t n = 2 * 1024 + 37;
  std::vector<float> gl(n), ul(n), ol(n);
  for (int64_t i = 0; i < n; ++i) {
    gl[i] = -100.0f + 200.0f * static_cast<float>(i) / (n - 1);
    ul[i] = 1.0f + 0.001f * static_cast<float>(i);
  }
  SiluMul(ol.data(), gl.data(), ul.data(), 1, n);
  for (int64_t i = 0; i < n; ++i) {
    const double ref = gl[i] / (1 + std::exp(-static_cast<double>(gl[i]))) * ul[i];
    EXPECT_NEAR(ol[i], ref, 1e-6 * std::max(1.0, std::fabs(ref))) << i;
  }
}

TEST(Ops, SoftmaxRowsWithCausalPrefix) {
  std::vector<float> x = {1, 2, 3, 100, 1, 2, 3, 4};
  int64_t valid[2] = {3, 4};
  SoftmaxRows(x.data(), 2, 4, valid);
  double z = std::exp(1) + std::exp(2) + std::exp(3);
  EXPECT_NEAR(x[0], std::exp(1) / z, 1e-6);
  EXPECT_EQ(x[3], 0.0f);  // masked, despite the large logit
  EXPECT_NEAR(x[4] + x[5] + x[6] + x[7], 1.0, 1e-6);
}

TEST(Ops, ExpShiftedRowMatchesStdExp) {
  // Lengths around the 8-wide vector body, and values from underflow to the
  // row maximum; scale as attention's softmax_scale.
  for (int64_t n : {1, 7, 8, 9, 100}) {
    std::vector<float> x(n);
    for (int64_t i = 0; i < n; ++i) x[i] = -700.0f + 703.0f * static_cast<float>(i) / std::max<int64_t>(1, n - 1);
    const float scale = 0.125f;
    std::vector<float> y = x;
    float m = 0;
    const float sum = ExpShiftedRow(y.data(), n, scale, &m);
    EXPECT_FLOAT_EQ(m, scale * x[n - 1]);
    double ref_sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double ref = std::exp(static_cast<double>(x[i]) * scale - m);
      ref_sum += ref;
      if (ref < 1.2e-38)
        EXPECT_LE(y[i], 1.2e-38) << i;  // underflow: zero or denormal
      else
        EXPECT_NEAR(y[i], ref, 3e-7 * ref) << "n " << n << " i " << i;
    }
    EXPECT_NEAR(sum, ref_sum, 1e-6 * ref_sum);
  }
}

TEST(Ops, RopeInterleavedVsHalfSplitRotateTheSamePairs) {
  // Pair i rotates by angle theta_i; the layouts differ only in which
  // elements form the pair.
  const int dim = 4;
  std::vector<float> cos = {std::cos(0.3f), std::cos(0.7f)}, sin = {std::sin(0.3f), std::sin(0.7f)};
  std::vector<float> inter = {1, 2, 3, 4};  // pairs (1,2), (3,4)
  ApplyRope(inter.data(), 1, 1, dim, dim, 0, cos.data(), sin.data(), true);
  std::vector<float> half = {1, 3, 2, 4};  // pairs (1,2), (3,4) as (x[i], x[i+2])
  ApplyRope(half.data(), 1, 1, dim, dim, 0, cos.data(), sin.data(), false);
  EXPECT_NEAR(inter[0], 1 * cos[0] - 2 * sin[0], 1e-6);
  EXPECT_NEAR(inter[1], 1 * sin[0] + 2 * cos[0], 1e-6);
  EXPECT_NEAR(inter[2], half[1], 1e-6);
  EXPECT_NEAR(inter[3], half[3], 1e-6);
}

TEST(Ops, DequantizeFp8Blocks) {
  // 3x5 weight, 2x2 blocks: scales [2, 3]; fp8 0x38 = 1.0, 0x40 = 2.0.
  std::vector<uint8_t> q(15, 0x38);
  q[14] = 0x40;
  std::vector<float> scale = {1, 2, 3, 4, 5, 6}, out(15);
  DequantizeRows(DType::F8_E4M3, q.data(), scale.data(), 3, 5, 2, 2, out.data());
  EXPECT_EQ(out[0], 1.0f);    // block (0,0)
  EXPECT_EQ(out[2], 2.0f);    // block (0,1)
  EXPECT_EQ(out[4], 3.0f);    // block (0,2), partial
  EXPECT_EQ(out[10], 4.0f);   // row 2 -> block row 1
  EXPECT_EQ(out[14], 12.0f);  // 2.0 * 6
}

}  // namespace
}  // namespace minke::kernels
