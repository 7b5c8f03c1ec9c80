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

#include "../tokenizer/test_data.h"

namespace minke::infer {
namespace {

// Stop strings through the whole generator: the v3_full fixture (vocab 128)
// decodes with DeepSeek-V3's tokenizer (ids below 128 are byte-level tokens
// there), so greedy output is real text whose pieces can be cut anywhere.
TEST(Generate, StopStringEndsTextAndIsHeldBackFromTheStream) {
  auto m = Load("v3_full");
  const tokenizer::Tokenizer* tok = tokenizer::testing_data::DeepSeekV3();
  ASSERT_NE(tok, nullptr);
  GenerateOptions opt;
  opt.max_new_tokens = 24;
  opt.sampling.temperature = 0;
  opt.tokenizer = tok;
  GenerateResult full;
  std::vector<std::string> pieces;
  GenerateCallbacks cb;
  cb.on_text = [&](std::string_view t) {
    pieces.emplace_back(t);
    return true;
  };
  ASSERT_TRUE(Generate(*m, {5, 17, 3, 42}, opt, cb, &full).ok());
  ASSERT_EQ(full.tokens.size(), 24u);
  std::string streamed;
  for (const std::string& p : pieces) streamed += p;
  EXPECT_EQ(streamed, full.text);
  std::vector<uint32_t> ids(full.tokens.begin(), full.tokens.end());
  EXPECT_EQ(full.text, tok->Decode(ids, false).value());

  // A stop string spanning token boundaries, from the middle of the text.
  ASSERT_GT(pieces.size(), 6u);
  const std::string stop = pieces[2] + pieces[3];
  const size_t cut = full.text.find(stop);
  opt.stop_strings = {"never appears", stop};
  GenerateResult r;
  std::string shown;
  cb.on_text = [&](std::string_view t) {
    shown += t;
    EXPECT_EQ(full.text.compare(0, shown.size(), shown), 0) << "shown text is not a prefix of the full text";
    EXPECT_LE(shown.size(), cut) << "part of the stop string was streamed";
    return true;
  };
  ASSERT_TRUE(Generate(*m, {5, 17, 3, 42}, opt, cb, &r).ok());
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.stop_string, stop);
  EXPECT_EQ(r.text, full.text.substr(0, cut));
  EXPECT_EQ(shown, r.text);
  EXPECT_LT(r.tokens.size(), full.tokens.size());
  EXPECT_EQ(r.tokens, std::vector<int32_t>(full.tokens.begin(), full.tokens.begin() + r.tokens.size()));

  // A stop string that never completes: everything, held tails included.
  opt.stop_strings = {full.text.substr(full.text.size() - 2) + "zzz"};
  shown.clear();
  cb.on_text = [&](std::string_view t) {
    shown += t;
    return true;
  };
  ASSERT_TRUE(Generate(*m, {5, 17, 3, 42}, opt, cb, &r).ok());
  EXPECT_EQ(r.finish_reason, "length");
  EXPECT_EQ(shown, full.text);

  opt.tokenizer = nullptr;
  EXPECT_FALSE(Generate(*m, {5, 17}, opt, cb, &r).ok());  // stop strings need a tokenizer
}

// A caller-owned cache continued from a shared prefix gives what a fresh
// cache gives (the basis of a chat's cache reuse).
TEST(Generate, ContinuingACacheMatchesAFreshOne) {
  auto m = Load("v3_full");
  GenerateOptions opt;
  opt.max_new_tokens = 6;
  opt.sampling.temperature = 0;
  const std::vector<int32_t> first = {5, 17, 3, 42}, second = {5, 17, 3, 42, 7, 7, 9};
  model::LatentCache cache(m->config(), 64);
  GenerateResult a, b, fresh;
  ASSERT_TRUE(Generate(*m, &cache, first, opt, {}, &a).ok());
  EXPECT_EQ(cache.length(), 4 + 5);  // the last sampled token is never fed back
  cache.set_length(4);               // keep the shared prefix
  ASSERT_TRUE(Generate(*m, &cache, second, opt, {}, &b).ok());
  EXPECT_EQ(b.prefilled, 3);
  ASSERT_TRUE(Generate(*m, second, opt, nullptr, &fresh).ok());
  EXPECT_EQ(fresh.prefilled, 7);
  EXPECT_EQ(b.tokens, fresh.tokens);
  // The whole prompt cached: the last token runs again for its logits.
  cache.set_length(7);
  ASSERT_TRUE(Generate(*m, &cache, second, opt, {}, &b).ok());
  EXPECT_EQ(b.prefilled, 1);
  EXPECT_EQ(b.tokens, fresh.tokens);
}

}  // namespace
}  // namespace minke::infer
