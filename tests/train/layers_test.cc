// MlpFwd / MlpBwd take one GEMM for gate|up when the two weights are
// adjacent (as in a ParamSet) and two otherwise: both paths must agree.
#include "train/layers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace minke::train {
namespace {

// Views of [gate; up; down] weights: `w` holds gate then up back to back, or,
// with `gap`, separated by `gap` unused floats (not adjacent).
model::MlpWeights Views(float* base, int64_t D, int64_t I, int64_t gap) {
  model::MlpWeights m;
  m.gate_proj.weight = {DType::F32, {I, D}, base};
  m.up_proj.weight = {DType::F32, {I, D}, base + I * D + gap};
  m.down_proj.weight = {DType::F32, {D, I}, base + 2 * I * D + gap};
  return m;
}

TEST(TrainLayers, MlpFusedGateUpMatchesSeparate) {
  const int64_t D = 24, I = 40, m = 7, gap = 5, n = 3 * I * D;
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 0.3f);
  std::vector<float> packed(n), spaced(n + gap), x(m * D), dy(m * D);
  for (float& v : packed) v = nd(rng);
  for (float& v : x) v = nd(rng);
  for (float& v : dy) v = nd(rng);
  std::copy_n(packed.begin(), I * D, spaced.begin());
  std::copy_n(packed.begin() + I * D, 2 * I * D, spaced.begin() + I * D + gap);
  std::vector<float> gpacked(n, 0.0f), gspaced(n + gap, 0.0f);

  const model::MlpWeights wf = Views(packed.data(), D, I, 0), gf = Views(gpacked.data(), D, I, 0);
  const model::MlpWeights ws = Views(spaced.data(), D, I, gap), gs = Views(gspaced.data(), D, I, gap);
  MlpActs af, as;
  std::vector<float> yf(m * D), ys(m * D), dxf(m * D), dxs(m * D);
  MlpFwd(wf, x.data(), m, &af, yf.data());
  MlpFwd(ws, x.data(), m, &as, ys.data());
  MlpBwd(wf, gf, x.data(), m, af, dy.data(), dxf.data());
  MlpBwd(ws, gs, x.data(), m, as, dy.data(), dxs.data());
  // Same products, possibly summed in another order by BLAS: fp32 rounding only.
  for (int64_t i = 0; i < m * D; ++i) {
    EXPECT_NEAR(yf[i], ys[i], 1e-5f) << i;
    EXPECT_NEAR(dxf[i], dxs[i], 1e-5f) << i;
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t j = i < I * D ? i : i + gap;
    EXPECT_NEAR(gpacked[i], gspaced[j], 1e-5f) << i;
  }
}

}  // namespace
}  // namespace minke::train
