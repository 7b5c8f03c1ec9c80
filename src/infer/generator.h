// Generate: prompt in, continuation out, for one sequence — prefill the
// prompt into a latent cache, then decode one token per step until a stop
// token, a stop string, max_new_tokens or a full context. Streams each token
// id, and with a tokenizer the decoded text, to callbacks as it is produced.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "infer/sampler.h"
#include "model/kv_cache.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace minke::infer {

struct GenerateOptions {
  int64_t max_new_tokens = 64;
  std::vector<int32_t> stop_tokens;  // generation ends after emitting one (not included)
  // Generation ends once the decoded text contains one of these; the text
  // returned and streamed stops before it (see stop_strings.h). Needs `tokenizer`.
  std::vector<std::string> stop_strings;
  // Decodes the generated ids into GenerateResult::text and on_text (nullptr:
  // ids only). Not owned; must outlive the call. Ids the tokenizer has no
  // token for decode to nothing, as HF's decode skips them (a model vocab is
  // often padded past the tokenizer's, e.g. DeepSeek-V3's 129280).
  const tokenizer::Tokenizer* tokenizer = nullptr;
  bool skip_special_tokens = false;
  SamplingParams sampling;
  int64_t context = 0;  // fresh cache capacity; 0: prompt + max_new_tokens
};

struct GenerateResult {
  // Sampled ids, stop token excluded; after a stop string, up to the token
  // that completed it.
  std::vector<int32_t> tokens;
  std::string text;           // decoded tokens, cut before a stop string (with a tokenizer)
  std::string finish_reason;  // "stop" or "length"
  std::string stop_string;    // the stop string that ended generation, if one did
  double prefill_seconds = 0, decode_seconds = 0;
  int64_t prefilled = 0;  // prompt tokens run through the model (the rest came from the cache)
  int64_t decoded = 0;    // tokens produced by decode steps
};

struct GenerateCallbacks {
  // Every sampled id as it is drawn; returning false stops.
  std::function<bool(int32_t)> on_token;
  // Text as it settles: whole UTF-8 characters, and nothing that might
  // begin a stop string until that is decided; returning false stops.
  std::function<bool(std::string_view)> on_text;
};

// Generation in a fresh cache of opt.context positions.
Status Generate(const model::Transformer& m, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                const GenerateCallbacks& callbacks, GenerateResult* out);
// The same with only on_token (called for every generated token; returning false stops).
Status Generate(const model::Transformer& m, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                const std::function<bool(int32_t)>& on_token, GenerateResult* out);

// Generation in a caller-owned cache, so that a conversation can keep its
// cache between turns. The context is min(cache capacity,
// max_position_embeddings); opt.context is ignored.
// REQUIRES: the cache holds the first cache->length() tokens of `prompt`
// (only those it cached itself: this cannot be checked here). Positions from
// there on are prefilled; if the whole prompt is cached, its last token is run
// again for the logits. Afterwards the cache holds prompt + tokens, less the
// last sampled token (never fed back).
Status Generate(const model::Transformer& m, model::LatentCache* cache, const std::vector<int32_t>& prompt,
                const GenerateOptions& opt, const GenerateCallbacks& callbacks, GenerateResult* out);

}  // namespace minke::infer
