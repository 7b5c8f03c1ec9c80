// Perplexity of a model over a token stream, in independent windows of `ctx`
// tokens (no overlap; each window starts with an empty context, as
// llama.cpp's `llama-perplexity` does): PPL = exp(mean over scored tokens of
// -log p(t_i | t_<i within the window)). Every token but each window's first
// is scored.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "model/transformer.h"

namespace minke::infer {

struct PerplexityResult {
  double nll_sum = 0;  // natural log
  int64_t scored = 0;
  int64_t windows = 0;
  double perplexity() const;
};

// REQUIRES: ctx >= 2. max_windows <= 0 means all full or partial windows.
Result<PerplexityResult> Perplexity(const model::Transformer& m, const std::vector<int32_t>& tokens, int64_t ctx,
                                    int64_t max_windows = 0);

}  // namespace minke::infer
