// Generate: prompt in, continuation out, for one sequence — prefill the
// prompt into a fresh latent cache, then decode one token per step until a
// stop token or max_new_tokens (or the context fills). Streams each token
// to a callback as it is produced.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "infer/sampler.h"
#include "model/transformer.h"

namespace minke::infer {

struct GenerateOptions {
  int64_t max_new_tokens = 64;
  std::vector<int32_t> stop_tokens;  // generation ends after emitting one (not included)
  SamplingParams sampling;
  int64_t context = 0;  // cache capacity; 0: prompt + max_new_tokens
};

struct GenerateResult {
  std::vector<int32_t> tokens;  // generated, stop token excluded
  std::string finish_reason;    // "stop" or "length"
  double prefill_seconds = 0, decode_seconds = 0;
  int64_t decoded = 0;  // tokens produced by decode steps
};

// on_token(id) is called for every generated token; returning false stops.
Status Generate(const model::Transformer& m, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                const std::function<bool(int32_t)>& on_token, GenerateResult* out);

}  // namespace minke::infer
