// Q8_0 / Q4_0 blocks: round trips, the AVX2 dot against the plain-loop
// reference, and against the fp32 dot product within the quantization error.
#include "kernels/cpu/quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace minke::kernels {
namespace {

std::vector<float> Random(int64_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

class Quant : public ::testing::TestWithParam<QuantType> {};

TEST_P(Quant, RoundTripErrorIsWithinHalfAStep) {
  const QuantType t = GetParam();
  const int64_t n = 256;
  auto x = Random(n, 1);
  std::vector<uint8_t> q(QuantRowBytes(t, n));
  QuantizeRow(t, x.data(), n, q.data());
  std::vector<float> y(n);
  DequantizeRowQ(t, q.data(), n, y.data());
  for (int64_t b = 0; b < n / 32; ++b) {
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::fmax(amax, std::fabs(x[b * 32 + i]));
    // Q8_0: |error| <= d/2 (d = amax/127). Q4_0's grid is asymmetric
    // (-8d..7d with d = max/-8): values of the other sign clamp at 7d, so
    // the bound there is a full step d = amax/8. d is stored as f16, which
    // moves q*d by up to |q| * d * 2^-11 <= amax * 2^-11.
    const float bound = t == QuantType::kQ8_0 ? 0.5f * amax / 127 : amax / 8;
    for (int i = 0; i < 32; ++i)
      EXPECT_LE(std::fabs(x[b * 32 + i] - y[b * 32 + i]), bound + std::ldexp(amax, -11) + 1e-7f);
  }
}

TEST_P(Quant, ZerosAndExactValues) {
  const QuantType t = GetParam();
  std::vector<float> x(32, 0.0f), y(32);
  std::vector<uint8_t> q(QuantRowBytes(t, 32));
  QuantizeRow(t, x.data(), 32, q.data());
  DequantizeRowQ(t, q.data(), 32, y.data());
  for (float v : y) EXPECT_EQ(v, 0.0f);
  // Values on the grid survive exactly (d = 1 is exact in f16).
  for (int i = 0; i < 32; ++i)
    x[i] = t == QuantType::kQ8_0 ? static_cast<float>(i * 4 - 64 + (i == 0 ? -63 : 0)) : static_cast<float>(i % 16 - 8);
  QuantizeRow(t, x.data(), 32, q.data());
  DequantizeRowQ(t, q.data(), 32, y.data());
  for (int i = 0; i < 32; ++i) EXPECT_EQ(y[i], x[i]) << i;
}

TEST_P(Quant, SimdDotMatchesReferenceAndFloat) {
  const QuantType t = GetParam();
  for (int64_t n : {32, 64, 1024, 2816}) {
    auto w = Random(n, 2), a = Random(n, 3);
    std::vector<uint8_t> wq(QuantRowBytes(t, n)), aq(QuantRowBytes(QuantType::kQ8_0, n));
    QuantizeRow(t, w.data(), n, wq.data());
    QuantizeRow(QuantType::kQ8_0, a.data(), n, aq.data());
    const float ref = DotQRef(t, wq.data(), aq.data(), n), simd = DotQ(t, wq.data(), aq.data(), n);
    EXPECT_NEAR(simd, ref, 1e-4f * (1 + std::fabs(ref)));  // float vs double accumulation
    double exact = 0;
    for (int64_t i = 0; i < n; ++i) exact += static_cast<double>(w[i]) * a[i];
    // Relative to the natural scale sqrt(n) of a random dot product.
    // ~4 standard deviations of the rounding noise (uniform in a step).
    const double tol = (t == QuantType::kQ8_0 ? 0.02 : 0.3) * std::sqrt(static_cast<double>(n));
    EXPECT_NEAR(simd, exact, tol) << n;
  }
}

TEST_P(Quant, MatmulMatchesPerRowDots) {
  const QuantType t = GetParam();
  // Shapes cover whole and partial groups of 4 weight rows, and 1..7 activation rows.
  for (auto [M, N, K] : {std::tuple<int64_t, int64_t, int64_t>{3, 5, 96}, {1, 8, 64}, {7, 11, 256}, {2, 3, 32}}) {
    auto x = Random(M * K, 4), w = Random(N * K, 5);
    std::vector<uint8_t> wq(N * QuantRowBytes(t, K));
    for (int64_t r = 0; r < N; ++r) QuantizeRow(t, &w[r * K], K, &wq[r * QuantRowBytes(t, K)]);
    std::vector<float> y(M * N);
    MatmulQ(t, x.data(), wq.data(), y.data(), M, N, K);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t r = 0; r < N; ++r) {
        std::vector<uint8_t> aq(QuantRowBytes(QuantType::kQ8_0, K));
        QuantizeRow(QuantType::kQ8_0, &x[m * K], K, aq.data());
        EXPECT_NEAR(y[m * N + r], DotQRef(t, &wq[r * QuantRowBytes(t, K)], aq.data(), K), 1e-4 * (1 + K / 32))
            << M << "x" << N << "x" << K;
      }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, Quant, ::testing::Values(QuantType::kQ8_0, QuantType::kQ4_0),
                         [](const auto& info) { return info.param == QuantType::kQ8_0 ? "Q8_0" : "Q4_0"; });

}  // namespace
}  // namespace minke::kernels

namespace minke::kernels {
namespace {

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::vector<uint8_t> out;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    int c;
    while ((c = std::fgetc(f)) != EOF) out.push_back(static_cast<uint8_t>(c));
    std::fclose(f);
  }
  return out;
}

// Our quantizers write the same bytes as llama.cpp's reference (gguf-py),
// fixtures from tools/gen_quant_golden.py.
TEST(QuantGolden, BytesMatchGgufPy) {
  const std::string dir = std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/quant/";
  std::vector<uint8_t> raw = ReadBytes(dir + "input.f32");
  ASSERT_EQ(raw.size(), 8u * 256 * 4);
  std::vector<float> x(8 * 256);
  std::memcpy(x.data(), raw.data(), raw.size());
  for (auto [t, file] : {std::pair{QuantType::kQ8_0, "q8_0.bin"}, {QuantType::kQ4_0, "q4_0.bin"}}) {
    std::vector<uint8_t> want = ReadBytes(dir + file);
    ASSERT_EQ(want.size(), 8 * QuantRowBytes(t, 256)) << file;
    std::vector<uint8_t> got(want.size());
    for (int r = 0; r < 8; ++r) QuantizeRow(t, &x[r * 256], 256, &got[r * QuantRowBytes(t, 256)]);
    int mismatches = 0;
    for (size_t i = 0; i < got.size(); ++i) mismatches += got[i] != want[i];
    EXPECT_EQ(mismatches, 0) << file;
  }
}

}  // namespace
}  // namespace minke::kernels
