// Perplexity windows and arithmetic against a direct log-softmax of the
// model's own Forward logits for each window.
#include "infer/perplexity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "io/model_loader.h"

namespace minke::infer {
namespace {

TEST(Perplexity, MatchesWindowedLogSoftmax) {
  auto m = io::LoadModel(std::string(MINKE_SOURCE_DIR) + "/tests/fixtures/model/v3_full");
  ASSERT_TRUE(m.ok()) << m.status().message();
  std::vector<int32_t> tokens;
  for (int i = 0; i < 11; ++i) tokens.push_back((i * 37 + 5) % 128);
  const int64_t ctx = 4, V = m->model->config().vocab_size;
  auto r = Perplexity(*m->model, tokens, ctx);
  ASSERT_TRUE(r.ok()) << r.status().message();
  // Windows [0,4) [4,8) [8,11): 3 + 3 + 2 scored tokens.
  EXPECT_EQ(r->windows, 3);
  EXPECT_EQ(r->scored, 8);
  double nll = 0;
  for (size_t s = 0; s < tokens.size(); s += ctx) {
    std::vector<int32_t> w(tokens.begin() + s, tokens.begin() + std::min(tokens.size(), s + ctx));
    std::vector<float> logits;
    ASSERT_TRUE(m->model->Forward(w, &logits).ok());
    for (size_t i = 0; i + 1 < w.size(); ++i) {
      double z = 0;
      for (int64_t v = 0; v < V; ++v) z += std::exp(static_cast<double>(logits[i * V + v]));
      nll += std::log(z) - logits[i * V + w[i + 1]];
    }
  }
  EXPECT_NEAR(r->nll_sum, nll, 1e-6 * nll);
  EXPECT_NEAR(r->perplexity(), std::exp(nll / 8), 1e-6 * std::exp(nll / 8));
  EXPECT_EQ(Perplexity(*m->model, tokens, ctx, 1)->windows, 1);
  EXPECT_FALSE(Perplexity(*m->model, tokens, 1).ok());
  EXPECT_FALSE(Perplexity(*m->model, {3}, ctx).ok());
}

}  // namespace
}  // namespace minke::infer
