// The spec of MLA's two forms and of the latent cache: decoding token by
// token (absorbed form over the cache) must reproduce the full forward's
// logits, the expanded and absorbed forms must agree on the same input, and
// sequences batched together must not see each other.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "io/model_loader.h"
#include "io/safetensors.h"
#include "kernels/cpu/gemm.h"

namespace minke::model {
namespace {

constexpr double kTolerance = 1e-4;  // fp32, different summation orders

std::string Fixture(const std::string& name) { return std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/model/" + name; }

std::vector<int32_t> GoldenIds(const std::string& dir) {
  auto f = io::SafetensorsFile::Open(dir + "/golden.safetensors");
  EXPECT_TRUE(f.ok());
  const TensorView& v = (*f)->contents().tensors.at("input_ids");
  std::vector<int32_t> ids;
  for (int64_t i = 0; i < v.numel(); ++i) ids.push_back(static_cast<int32_t>(static_cast<const int64_t*>(v.data)[i]));
  return ids;
}

double MaxAbsDiff(const float* a, const float* b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, static_cast<double>(std::fabs(a[i] - b[i])));
  return m;
}

class Cached : public ::testing::TestWithParam<std::string> {};

TEST_P(Cached, DecodeOverLatentCacheMatchesFullForward) {
  const std::string dir = Fixture(GetParam());
  auto lm = io::LoadModel(dir);
  ASSERT_TRUE(lm.ok()) << lm.status().message();
  const Transformer& m = *lm->model;
  const int64_t V = m.config().vocab_size;
  std::vector<int32_t> ids = GoldenIds(dir);
  std::vector<float> full;
  ASSERT_TRUE(m.Forward(ids, &full).ok());

  // Prefill the first 3 tokens (expanded), then decode one at a time
  // (absorbed). Absorbed decode splits the cached keys between the threads
  // and merges their partial softmaxes: any thread count must agree,
  // including more threads than keys.
  const int before = kernels::NumThreads();
  for (int threads : {before, 1, 3, 7}) {
    kernels::SetNumThreads(threads);
    LatentCache cache(m.config(), static_cast<int64_t>(ids.size()));
    std::vector<float> step;
    ASSERT_TRUE(m.Step({{&cache, {ids.begin(), ids.begin() + 3}}}, &step).ok());
    EXPECT_LE(MaxAbsDiff(step.data(), &full[2 * V], V), kTolerance);
    for (size_t t = 3; t < ids.size(); ++t) {
      ASSERT_TRUE(m.Step({{&cache, {ids[t]}}}, &step).ok());
      EXPECT_LE(MaxAbsDiff(step.data(), &full[t * V], V), kTolerance) << threads << " threads, position " << t;
    }
    EXPECT_EQ(cache.length(), static_cast<int64_t>(ids.size()));
  }
  kernels::SetNumThreads(before);
}

TEST_P(Cached, ExpandedAndAbsorbedFormsAgree) {
  const std::string dir = Fixture(GetParam());
  auto lm = io::LoadModel(dir);
  ASSERT_TRUE(lm.ok());
  const Transformer& m = *lm->model;
  std::vector<int32_t> ids = GoldenIds(dir);
  LatentCache a(m.config(), 64), b(m.config(), 64);
  std::vector<float> la, lb;
  ASSERT_TRUE(m.Step({{&a, ids}}, &la, MlaForm::kExpanded).ok());
  ASSERT_TRUE(m.Step({{&b, ids}}, &lb, MlaForm::kAbsorbed).ok());
  EXPECT_LE(MaxAbsDiff(la.data(), lb.data(), la.size()), kTolerance);
  // And once more with a cache already holding the prompt.
  ASSERT_TRUE(m.Step({{&a, {ids[0], ids[1]}}}, &la, MlaForm::kExpanded).ok());
  ASSERT_TRUE(m.Step({{&b, {ids[0], ids[1]}}}, &lb, MlaForm::kAbsorbed).ok());
  EXPECT_LE(MaxAbsDiff(la.data(), lb.data(), la.size()), kTolerance);
}

TEST_P(Cached, BatchedSequencesAreIndependent) {
  const std::string dir = Fixture(GetParam());
  auto lm = io::LoadModel(dir);
  ASSERT_TRUE(lm.ok());
  const Transformer& m = *lm->model;
  const int64_t V = m.config().vocab_size;
  std::vector<int32_t> ids = GoldenIds(dir);
  std::vector<int32_t> p1(ids.begin(), ids.begin() + 5), p2(ids.rbegin(), ids.rbegin() + 3);
  std::vector<float> l1, l2, lb;
  ASSERT_TRUE(m.Forward(p1, &l1, nullptr, Transformer::LogitRows::kLast).ok());
  ASSERT_TRUE(m.Forward(p2, &l2, nullptr, Transformer::LogitRows::kLast).ok());
  LatentCache c1(m.config(), 16), c2(m.config(), 16);
  ASSERT_TRUE(m.Step({{&c1, p1}, {&c2, p2}}, &lb).ok());
  EXPECT_LE(MaxAbsDiff(lb.data(), l1.data(), V), kTolerance);
  EXPECT_LE(MaxAbsDiff(lb.data() + V, l2.data(), V), kTolerance);
  // A decode step for both at different positions.
  p1.push_back(ids[6]);
  p2.push_back(ids[7]);
  ASSERT_TRUE(m.Forward(p1, &l1, nullptr, Transformer::LogitRows::kLast).ok());
  ASSERT_TRUE(m.Forward(p2, &l2, nullptr, Transformer::LogitRows::kLast).ok());
  ASSERT_TRUE(m.Step({{&c1, {ids[6]}}, {&c2, {ids[7]}}}, &lb).ok());
  EXPECT_LE(MaxAbsDiff(lb.data(), l1.data(), V), kTolerance);
  EXPECT_LE(MaxAbsDiff(lb.data() + V, l2.data(), V), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Cached,
                         ::testing::Values("v3_full", "v2_lite", "v2_group_bf16", "v3_fp8", "v3_noshared"),
                         [](const auto& info) { return info.param; });

TEST(LatentCache, OverflowIsAnErrorAndLeavesTheCacheUnchanged) {
  auto lm = io::LoadModel(Fixture("v3_full"));
  ASSERT_TRUE(lm.ok());
  const Transformer& m = *lm->model;
  LatentCache cache(m.config(), 4);
  std::vector<float> logits;
  ASSERT_TRUE(m.Step({{&cache, {1, 2, 3}}}, &logits).ok());
  Status s = m.Step({{&cache, {4, 5}}}, &logits);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("context length overflow"), std::string::npos) << s.message();
  EXPECT_EQ(cache.length(), 3);
  EXPECT_TRUE(m.Step({{&cache, {4}}}, &logits).ok());
}

TEST(LatentCache, HoldsOnlyTheLatentAndRopeKey) {
  auto lm = io::LoadModel(Fixture("v3_full"));
  ASSERT_TRUE(lm.ok());
  const ModelConfig& c = lm->model->config();
  LatentCache cache(c, 10);
  EXPECT_EQ(cache.row_size(), c.kv_lora_rank + c.qk_rope_head_dim);
  EXPECT_EQ(cache.bytes(), sizeof(float) * 10 * (c.num_hidden_layers + c.num_nextn_predict_layers) * cache.row_size());
}

}  // namespace
}  // namespace minke::model

namespace minke::model {
namespace {

TEST(LatentCache, ACacheOfAnotherModelIsRejected) {
  auto a = io::LoadModel(Fixture("v3_full"));
  auto b = io::LoadModel(Fixture("v2_lite"));
  ASSERT_TRUE(a.ok() && b.ok());
  LatentCache foreign(b->model->config(), 8);
  std::vector<float> logits;
  Status s = a->model->Step({{&foreign, {1, 2}}}, &logits);
  if (foreign.row_size() != a->model->config().kv_lora_rank + a->model->config().qk_rope_head_dim ||
      foreign.layers() < a->model->config().num_hidden_layers) {
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("cache was not made for this model"), std::string::npos) << s.message();
  }
  EXPECT_FALSE(a->model->Step({{nullptr, {1}}}, &logits).ok());
}

}  // namespace
}  // namespace minke::model
