// The training objective and every parameter's gradient against torch
// autograd through Hugging Face transformers' DeepseekV3/V2 modules (and the
// paper-defined MTP module and balance loss of tools/gen_train_golden.py),
// then one AdamW step against torch.optim.AdamW.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "io/model_loader.h"
#include "io/safetensors.h"
#include "model/rope.h"
#include "train/model_grad.h"
#include "train/optimizer.h"
#include "train/params.h"

namespace minke::train {
namespace {

struct GoldenCase {
  std::string name;
  LossWeights lw;
};

std::vector<float> Floats(const TensorView& v) {
  std::vector<float> out(static_cast<size_t>(v.numel()));
  ConvertToF32(v.dtype, v.data, out.data(), out.size());
  return out;
}

double Scalar(const io::SafetensorsContents& g, const std::string& name) {
  const TensorView& v = g.tensors.at(name);
  return *static_cast<const double*>(v.data);
}

class GoldenGrad : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenGrad, LossGradientsAndAdamWMatchTorch) {
  const GoldenCase& gc = GetParam();
  const std::string dir = std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/train/" + gc.name;
  auto cfg = io::LoadConfig(dir);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  auto ps = ParamSet::Create(*cfg);
  ASSERT_TRUE(ps.ok()) << ps.status().message();
  ParamSet& p = *ps;
  ASSERT_TRUE(p.LoadCheckpoint(dir).ok());
  auto gf = io::SafetensorsFile::Open(dir + "/golden.safetensors");
  ASSERT_TRUE(gf.ok()) << gf.status().message();
  const io::SafetensorsContents& g = (*gf)->contents();

  const TensorView& tv = g.tensors.at("tokens");
  const int64_t B = tv.shape[0], T = tv.shape[1] - 1;
  std::vector<int32_t> tokens(static_cast<size_t>(tv.numel()));
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>(static_cast<const int64_t*>(tv.data)[i]);

  model::Rope rope = model::MakeRope(*cfg);
  StepStats st;
  ASSERT_TRUE(ForwardBackward(p, rope, gc.lw, tokens.data(), B, T, true, 1.0f, &st).ok());
  EXPECT_NEAR(st.ce, Scalar(g, "ce"), 1e-5);
  EXPECT_NEAR(st.balance, Scalar(g, "balance"), 1e-6);
  EXPECT_NEAR(st.loss, Scalar(g, "loss"), 1e-5);
  if (g.tensors.count("mtp_ce")) {
    std::vector<float> mtp = Floats(g.tensors.at("mtp_ce"));
    ASSERT_EQ(st.mtp_ce.size(), mtp.size());
    for (size_t k = 0; k < mtp.size(); ++k) EXPECT_NEAR(st.mtp_ce[k], mtp[k], 1e-5);
  }

  int checked = 0;
  for (const ParamEntry& e : p.entries()) {
    auto it = g.tensors.find("grad." + e.name);
    if (e.role == model::TensorRole::kScoreBias) {
      EXPECT_TRUE(it == g.tensors.end());
      for (int64_t i = 0; i < e.numel; ++i) ASSERT_EQ(p.grad()[e.offset + i], 0.0f) << e.name << " got a gradient";
      continue;
    }
    ASSERT_TRUE(it != g.tensors.end()) << "no golden gradient for " << e.name;
    std::vector<float> want = Floats(it->second);
    ASSERT_EQ(static_cast<int64_t>(want.size()), e.numel) << e.name;
    double scale = 0.0, err = 0.0;
    for (int64_t i = 0; i < e.numel; ++i) {
      scale = std::fmax(scale, std::fabs(want[i]));
      err = std::fmax(err, std::fabs(want[i] - p.grad()[e.offset + i]));
    }
    EXPECT_LE(err, 1e-6 + 1e-4 * scale) << e.name << " gradient (max |g| " << scale << ")";
    ++checked;
  }
  EXPECT_GT(checked, 10);

  AdamW opt(p, AdamWConfig{0.9, 0.95, 1e-8, 0.1, 1.0});
  opt.Step(&p, 1e-3);
  for (const ParamEntry& e : p.entries()) {
    auto it = g.tensors.find("adamw." + e.name);
    if (it == g.tensors.end()) continue;
    std::vector<float> want = Floats(it->second);
    double err = 0.0;
    for (int64_t i = 0; i < e.numel; ++i) err = std::fmax(err, std::fabs(want[i] - p.data()[e.offset + i]));
    // Adam's first step moves every weight by ~lr: a wrong sign or scale shows as ~1e-3.
    EXPECT_LE(err, 2e-5) << e.name << " after one AdamW step";
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GoldenGrad,
                         ::testing::Values(GoldenCase{"v3_mtp", LossWeights{0.3, 0.01}},
                                           GoldenCase{"v2_softmax", LossWeights{0.0, 0.0}}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace minke::train
