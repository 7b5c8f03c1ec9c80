// The router as a pure function, on hand-made logits.
#include "model/router.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace minke::model {
namespace {

ModelConfig V3Config() {
  ModelConfig c;
  c.model_type = ModelType::kDeepseekV3;
  c.n_routed_experts = 8;
  c.num_experts_per_tok = 2;
  c.n_group = 4;
  c.topk_group = 2;
  c.topk_method = TopkMethod::kNoauxTc;
  c.scoring_func = ScoringFunc::kSigmoid;
  c.norm_topk_prob = true;
  c.routed_scaling_factor = 2.5;
  return c;
}

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

TEST(Router, NoauxTcBiasSelectsButDoesNotWeigh) {
  ModelConfig c = V3Config();
  c.n_group = 1;
  c.topk_group = 1;
  std::vector<float> logits = {3, 2, 1, 0, 0, 0, 0, 0};
  std::vector<float> bias = {0, 0, 0, 5, 0, 0, 0, 0};  // pulls expert 3 in
  int32_t e[2];
  float w[2];
  Route(c, logits.data(), bias.data(), 1, e, w);
  EXPECT_EQ(e[0], 3);
  EXPECT_EQ(e[1], 0);
  float s3 = Sigmoid(0), s0 = Sigmoid(3);
  EXPECT_NEAR(w[0], 2.5f * s3 / (s3 + s0), 1e-6);  // weight from the unbiased score
  EXPECT_NEAR(w[1], 2.5f * s0 / (s3 + s0), 1e-6);
}

TEST(Router, NoauxTcGroupsScoredByTopTwoSum) {
  ModelConfig c = V3Config();
  // Groups of 2: g0 = {5, -5} (sum of top-2 low), g1 = {2, 2}, g2 = {1.9, 1.9}, g3 = {-9, -9}.
  std::vector<float> logits = {5, -5, 2, 2, 1.9f, 1.9f, -9, -9};
  int32_t e[2];
  float w[2];
  Route(c, logits.data(), nullptr, 1, e, w);
  // Groups 1 and 2 win; expert 0 (the single best) is masked out with its group.
  EXPECT_TRUE((e[0] == 2 && e[1] == 3) || (e[0] == 3 && e[1] == 2));
}

TEST(Router, V2GroupLimitedGreedyUsesGroupMaxAndScalesWithoutNorm) {
  ModelConfig c = V3Config();
  c.model_type = ModelType::kDeepseekV2;
  c.topk_method = TopkMethod::kGroupLimitedGreedy;
  c.scoring_func = ScoringFunc::kSoftmax;
  c.norm_topk_prob = false;
  c.routed_scaling_factor = 16.0;
  std::vector<float> logits = {5, -5, 2, 2, 1.9f, 1.9f, -9, -9};
  int32_t e[2];
  float w[2];
  Route(c, logits.data(), nullptr, 1, e, w);
  EXPECT_EQ(e[0], 0);  // group 0 wins by its max
  double z = 0;
  for (float l : logits) z += std::exp(l);
  EXPECT_NEAR(w[0], 16.0 * std::exp(5.0) / z, 1e-5);
}

TEST(Router, V2NormTopkProbNormalisesInsteadOfScaling) {
  ModelConfig c = V3Config();
  c.model_type = ModelType::kDeepseekV2;
  c.topk_method = TopkMethod::kGreedy;
  c.scoring_func = ScoringFunc::kSoftmax;
  c.norm_topk_prob = true;
  c.routed_scaling_factor = 16.0;
  std::vector<float> logits = {1, 2, 0, 0, 0, 0, 0, 0};
  int32_t e[2];
  float w[2];
  Route(c, logits.data(), nullptr, 1, e, w);
  EXPECT_EQ(e[0], 1);
  EXPECT_EQ(e[1], 0);
  EXPECT_NEAR(w[0] + w[1], 1.0f, 1e-6);  // hub V2 code: normalised, not scaled
}

}  // namespace
}  // namespace minke::model
