#include "infer/generator.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "io/model_loader.h"

namespace minke::infer {
namespace {

std::unique_ptr<model::Transformer> Load(const std::string& name) {
  auto lm = io::LoadModel(std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/model/" + name);
  EXPECT_TRUE(lm.ok()) << lm.status().message();
  return std::move(lm->model);
}

// Greedy decoding with the cache must pick what a cache-free full forward
// over the growing sequence picks.
TEST(Generate, GreedyMatchesRecomputingTheFullForward) {
  for (const char* name : {"v3_full", "v2_lite", "v3_fp8"}) {
    auto m = Load(name);
    std::vector<int32_t> prompt = {5, 17, 3, 42};
    GenerateOptions opt;
    opt.max_new_tokens = 8;
    opt.sampling.temperature = 0;
    GenerateResult r;
    ASSERT_TRUE(Generate(*m, prompt, opt, nullptr, &r).ok());
    ASSERT_EQ(r.tokens.size(), 8u);
    std::vector<int32_t> seq = prompt;
    const int64_t V = m->config().vocab_size;
    for (int32_t got : r.tokens) {
      std::vector<float> logits;
      ASSERT_TRUE(m->Forward(seq, &logits, nullptr, model::Transformer::LogitRows::kLast).ok());
      int32_t want = static_cast<int32_t>(std::max_element(logits.begin(), logits.begin() + V) - logits.begin());
      EXPECT_EQ(got, want) << name;
      seq.push_back(want);
    }
  }
}

TEST(Generate, StopsOnStopTokenAndCallback) {
  auto m = Load("v3_full");
  GenerateOptions opt;
  opt.max_new_tokens = 8;
  opt.sampling.temperature = 0;
  GenerateResult r;
  ASSERT_TRUE(Generate(*m, {5, 17, 3}, opt, nullptr, &r).ok());
  opt.stop_tokens = {r.tokens[2]};
  GenerateResult s;
  ASSERT_TRUE(Generate(*m, {5, 17, 3}, opt, nullptr, &s).ok());
  EXPECT_EQ(s.finish_reason, "stop");
  EXPECT_EQ(s.tokens.size(), static_cast<size_t>(std::find(r.tokens.begin(), r.tokens.end(), r.tokens[2]) - r.tokens.begin()));
  int seen = 0;
  GenerateResult t;
  opt.stop_tokens.clear();
  ASSERT_TRUE(Generate(*m, {5, 17, 3}, opt, [&](int32_t) { return ++seen < 2; }, &t).ok());
  EXPECT_EQ(t.tokens.size(), 2u);
}

TEST(Generate, SameSeedSameText) {
  auto m = Load("v3_full");
  GenerateOptions opt;
  opt.max_new_tokens = 6;
  opt.sampling.temperature = 1.0f;
  opt.sampling.seed = 7;
  GenerateResult a, b;
  ASSERT_TRUE(Generate(*m, {1, 2}, opt, nullptr, &a).ok());
  ASSERT_TRUE(Generate(*m, {1, 2}, opt, nullptr, &b).ok());
  EXPECT_EQ(a.tokens, b.tokens);
}

TEST(Generate, BadInputIsAnError) {
  auto m = Load("v3_full");
  GenerateOptions opt;
  GenerateResult r;
  EXPECT_FALSE(Generate(*m, {}, opt, nullptr, &r).ok());
  opt.context = 2;
  Status s = Generate(*m, {1, 2, 3}, opt, nullptr, &r);
  EXPECT_NE(s.message().find("exceeds the context"), std::string::npos) << s.message();
  opt.context = 0;
  opt.sampling.top_p = 5;
  EXPECT_FALSE(Generate(*m, {1}, opt, nullptr, &r).ok());
  opt.sampling.top_p = 1;
  EXPECT_FALSE(Generate(*m, {1, 99999}, opt, nullptr, &r).ok());
}

}  // namespace
}  // namespace minke::infer
