#include "infer/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace minke::infer {
namespace {

std::vector<float> LogProbs(std::vector<double> p) {
  std::vector<float> l;
  for (double x : p) l.push_back(static_cast<float>(std::log(x)));
  return l;
}

std::vector<double> Frequencies(SamplingParams p, const std::vector<float>& logits, int draws) {
  Sampler s(p);
  std::vector<double> f(logits.size());
  for (int i = 0; i < draws; ++i) f[s.Sample(logits.data(), logits.size(), {})] += 1.0 / draws;
  return f;
}

TEST(Sampler, GreedyIsArgmax) {
  SamplingParams p;
  p.temperature = 0;
  Sampler s(p);
  std::vector<float> l = {0.1f, 3.0f, -1.0f, 2.9f};
  EXPECT_EQ(s.Sample(l.data(), 4, {}), 1);
}

TEST(Sampler, FollowsTheDistributionAtTemperatureOne) {
  auto f = Frequencies({}, LogProbs({0.5, 0.3, 0.2}), 20000);
  EXPECT_NEAR(f[0], 0.5, 0.02);
  EXPECT_NEAR(f[1], 0.3, 0.02);
  EXPECT_NEAR(f[2], 0.2, 0.02);
}

TEST(Sampler, TemperatureSharpens) {
  SamplingParams p;
  p.temperature = 0.5f;  // p^2 renormalised: .25/.38, .09/.38, .04/.38
  auto f = Frequencies(p, LogProbs({0.5, 0.3, 0.2}), 20000);
  EXPECT_NEAR(f[0], 0.25 / 0.38, 0.02);
  EXPECT_NEAR(f[2], 0.04 / 0.38, 0.02);
}

TEST(Sampler, TopKTopPMinPTruncate) {
  SamplingParams p;
  p.top_k = 2;
  auto f = Frequencies(p, LogProbs({0.5, 0.3, 0.2}), 5000);
  EXPECT_EQ(f[2], 0.0);
  EXPECT_NEAR(f[0], 0.5 / 0.8, 0.03);
  p = {};
  p.top_p = 0.6f;  // 0.5 < 0.6 <= 0.8: keeps two
  f = Frequencies(p, LogProbs({0.5, 0.3, 0.2}), 5000);
  EXPECT_EQ(f[2], 0.0);
  EXPECT_GT(f[1], 0.0);
  p = {};
  p.min_p = 0.5f;  // keeps p >= 0.25
  f = Frequencies(p, LogProbs({0.5, 0.3, 0.2}), 5000);
  EXPECT_EQ(f[2], 0.0);
  EXPECT_GT(f[1], 0.0);
}

// A vocabulary where the kept set runs hundreds deep, so the lazily sorted
// prefix has to grow several times: the draws must follow the truncated,
// renormalised distribution computed here with a full sort.
TEST(Sampler, DeepNucleusOverALargeVocabulary) {
  const int V = 3000;
  std::vector<float> l(V);
  for (int i = 0; i < V; ++i) l[i] = static_cast<float>(std::sin(i * 12.9898) * 3.0);  // distinct, unordered
  SamplingParams p;
  p.temperature = 1.5f;
  p.top_p = 0.7f;
  std::vector<int> order(V);
  for (int i = 0; i < V; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return l[a] > l[b]; });
  std::vector<double> w(V);
  double z = 0, cum = 0, kept_mass = 0;
  for (int i = 0; i < V; ++i) z += w[i] = std::exp((l[i] - l[order[0]]) / p.temperature);
  int kept = 0;
  while (cum < p.top_p * z) cum += w[order[kept++]];
  for (int i = 0; i < kept; ++i) kept_mass += w[order[i]];
  ASSERT_GT(kept, 300);
  auto f = Frequencies(p, l, 5000);
  double outside = 0;
  for (int i = kept; i < V; ++i) outside += f[order[i]];
  EXPECT_EQ(outside, 0.0);
  // The first and the last kept token at their renormalised probabilities.
  EXPECT_NEAR(f[order[0]], w[order[0]] / kept_mass, 0.006);
  double top10 = 0, expect10 = 0;
  for (int i = 0; i < 10; ++i) top10 += f[order[i]], expect10 += w[order[i]] / kept_mass;
  EXPECT_NEAR(top10, expect10, 0.015);
}

TEST(Sampler, SameSeedSameDraws) {
  SamplingParams p;
  p.seed = 42;
  std::vector<float> l = LogProbs({0.25, 0.25, 0.25, 0.25});
  Sampler a(p), b(p);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.Sample(l.data(), 4, {}), b.Sample(l.data(), 4, {}));
}

TEST(Sampler, PenaltiesPushSeenTokensDown) {
  SamplingParams p;
  p.temperature = 0;
  p.repetition_penalty = 2.0f;  // 3.0 -> 1.5 for token 1
  Sampler s(p);
  std::vector<float> l = {2.0f, 3.0f, 1.0f};
  EXPECT_EQ(s.Sample(l.data(), 3, {1}), 0);
  p.repetition_penalty = 1.0f;
  p.presence_penalty = 0.5f;
  p.frequency_penalty = 0.4f;  // token 1 seen twice: 3 - 0.5 - 0.8 = 1.7
  Sampler s2(p);
  EXPECT_EQ(s2.Sample(l.data(), 3, {1, 1}), 0);
  EXPECT_EQ(s2.Sample(l.data(), 3, {1}), 1);  // 3 - 0.9 = 2.1 > 2.0
}

TEST(Sampler, InvalidParametersAreErrors) {
  SamplingParams p;
  p.top_p = 0;
  EXPECT_NE(ValidateSampling(p).message().find("top_p"), std::string::npos);
  p = {};
  p.temperature = -1;
  EXPECT_NE(ValidateSampling(p).message().find("temperature"), std::string::npos);
  p = {};
  p.temperature = NAN;
  EXPECT_FALSE(ValidateSampling(p).ok());
  p = {};
  p.top_k = -3;
  EXPECT_FALSE(ValidateSampling(p).ok());
  p = {};
  p.repetition_penalty = 0;
  EXPECT_FALSE(ValidateSampling(p).ok());
  EXPECT_TRUE(ValidateSampling({}).ok());
}

}  // namespace
}  // namespace minke::infer

namespace minke::infer {
namespace {

TEST(Sampler, NanLogitsAndTinyTemperatures) {
  std::vector<float> l = {NAN, 1.0f, 2.0f, NAN};
  SamplingParams p;
  p.temperature = 1e-9f;  // treated as greedy
  Sampler greedy(p);
  EXPECT_EQ(greedy.Sample(l.data(), 4, {}), 2);
  p.temperature = 1.0f;
  Sampler s(p);
  for (int i = 0; i < 200; ++i) {
    int32_t t = s.Sample(l.data(), 4, {});
    EXPECT_TRUE(t == 1 || t == 2) << t;
  }
  std::vector<float> all_inf(3, -INFINITY);
  EXPECT_GE(s.Sample(all_inf.data(), 3, {}), 0);
}

}  // namespace
}  // namespace minke::infer
