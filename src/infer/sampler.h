// Sampler: turns next-token logits into a token id.
//
// Order (as llama.cpp and HF transformers apply them): penalties on the raw
// logits (repetition as in CTRL / HF: divide positive, multiply negative
// logits of tokens already seen; presence and frequency as in the OpenAI
// API), then temperature, top-k, top-p (nucleus), min-p (relative to the most
// likely token), then a draw from the renormalised distribution. A
// temperature below 1e-6 is greedy (argmax after penalties); NaN logits are
// never chosen. Same seed, same logits, same draws.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "core/status.h"

namespace minke::infer {

struct SamplingParams {
  float temperature = 1.0f;  // 0: greedy
  int top_k = 0;             // 0: off
  float top_p = 1.0f;        // 1: off
  float min_p = 0.0f;        // 0: off
  float repetition_penalty = 1.0f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  uint64_t seed = 0;
};

// Errors name the field, e.g. "top_p must be in (0, 1], got 1.5".
Status ValidateSampling(const SamplingParams& p);

class Sampler {
 public:
  explicit Sampler(const SamplingParams& p) : p_(p), rng_(p.seed) {}

  // `history` holds the tokens the penalties look at (prompt + generated).
  int32_t Sample(const float* logits, int64_t vocab, const std::vector<int32_t>& history);

 private:
  SamplingParams p_;
  std::mt19937_64 rng_;
  std::vector<float> work_, prob_;
  std::vector<int32_t> ids_;
};

}  // namespace minke::infer
