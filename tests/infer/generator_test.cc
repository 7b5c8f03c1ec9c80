#include "infer/generator.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "io/model_loader.h"
#include "io/safetensors.h"

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
  EXPECT_EQ(s.tokens.size(),
            static_cast<size_t>(std::find(r.tokens.begin(), r.tokens.end(), r.tokens[2]) - r.tokens.begin()));
  int seen = 0;
  GenerateResult t;
  opt.stop_tokens.clear();
  ASSERT_TRUE(Generate(
                  *m, {5, 17, 3}, opt, [&](int32_t) { return ++seen < 2; }, &t)
                  .ok());
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

namespace minke::infer {
namespace {

// Greedy generation matches transformers' generate() token for token
// (fixtures from tools/gen_greedy.py).
TEST(Generate, GreedyMatchesTransformersGenerate) {
  for (const char* name : {"v3_full", "v2_lite", "v2_group_bf16", "v3_fp8", "v3_noyarn_sharded"}) {
    const std::string dir = std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/model/" + name;
    auto golden = io::SafetensorsFile::Open(dir + "/greedy.safetensors");
    ASSERT_TRUE(golden.ok()) << golden.status().message();
    auto ids = [&](const char* key) {
      const TensorView& v = (*golden)->contents().tensors.at(key);
      std::vector<int32_t> out;
      for (int64_t i = 0; i < v.numel(); ++i)
        out.push_back(static_cast<int32_t>(static_cast<const int64_t*>(v.data)[i]));
      return out;
    };
    auto m = Load(name);
    GenerateOptions opt;
    std::vector<int32_t> want = ids("generated_ids");
    opt.max_new_tokens = static_cast<int64_t>(want.size());
    opt.sampling.temperature = 0;
    GenerateResult r;
    ASSERT_TRUE(Generate(*m, ids("prompt_ids"), opt, nullptr, &r).ok());
    EXPECT_EQ(r.tokens, want) << name;
  }
}

}  // namespace
}  // namespace minke::infer
