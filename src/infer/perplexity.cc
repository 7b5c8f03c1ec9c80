#include "infer/perplexity.h"

#include <algorithm>
#include <cmath>

namespace minke::infer {

double PerplexityResult::perplexity() const { return scored > 0 ? std::exp(nll_sum / scored) : NAN; }

Result<PerplexityResult> Perplexity(const model::Transformer& m, const std::vector<int32_t>& tokens, int64_t ctx,
                                    int64_t max_windows) {
  if (ctx < 2) return Status::Error("--ctx must be at least 2, got " + std::to_string(ctx));
  if (tokens.size() < 2) return Status::Error("need at least 2 tokens to score, got " + std::to_string(tokens.size()));
  const int64_t V = m.config().vocab_size, n = static_cast<int64_t>(tokens.size());
  PerplexityResult r;
  std::vector<float> logits;
  for (int64_t start = 0; start + 1 < n; start += ctx) {
    if (max_windows > 0 && r.windows >= max_windows) break;
    const std::vector<int32_t> window(tokens.begin() + start, tokens.begin() + std::min(n, start + ctx));
    Status s = m.Forward(window, &logits);
    if (!s.ok()) return s.WithContext("window at token " + std::to_string(start));
    for (size_t i = 0; i + 1 < window.size(); ++i) {
      const float* row = &logits[i * V];
      // log-softmax in double: log sum exp(row - max) - (row[target] - max).
      const float mx = *std::max_element(row, row + V);
      double sum = 0;
      for (int64_t v = 0; v < V; ++v) sum += std::exp(static_cast<double>(row[v]) - mx);
      r.nll_sum += std::log(sum) - (static_cast<double>(row[window[i + 1]]) - mx);
      ++r.scored;
    }
    ++r.windows;
  }
  return r;
}

}  // namespace minke::infer
