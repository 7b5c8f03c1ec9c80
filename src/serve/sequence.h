// Sequence: one request inside the engine (nano-vllm's `Sequence`). It owns
// its latent cache (allocated when the scheduler admits it), its sampler and
// token history, and the text pipeline of its output (UTF-8-safe streaming
// decode, then stop strings). Its status moves kWaiting -> kRunning ->
// kFinished; only the engine thread touches it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "infer/sampler.h"
#include "infer/stop_strings.h"
#include "model/kv_cache.h"
#include "serve/stream.h"
#include "serve/text_stream.h"
#include "tokenizer/tokenizer.h"

namespace minke::serve {

// What the engine needs to run a request: token ids in, limits, sampling.
struct GenRequest {
  std::vector<int32_t> prompt;
  int64_t max_tokens = 16;           // >= 1
  infer::SamplingParams sampling;    // validated
  std::vector<std::string> stop;     // stop strings (need a tokenizer)
  std::vector<int32_t> stop_tokens;  // e.g. the end-of-sentence id; not part of the output
  int64_t context = 0;               // positions this request may use; 0: the model's max_position_embeddings
};

enum class SeqStatus { kWaiting, kRunning, kFinished };

class Sequence {
 public:
  using Clock = std::chrono::steady_clock;

  // `tok` may be null: then the output is token ids only (no text, no stop strings).
  Sequence(uint64_t id, GenRequest req, std::shared_ptr<Stream> stream, const tokenizer::Tokenizer* tok);

  uint64_t id() const { return id_; }
  SeqStatus status() const { return status_; }
  const GenRequest& request() const { return req_; }
  Stream& stream() { return *stream_; }
  int64_t prompt_len() const { return static_cast<int64_t>(req_.prompt.size()); }
  int64_t generated() const { return generated_; }
  const std::string& finish_reason() const { return finish_reason_; }
  model::LatentCache* cache() { return cache_.get(); }
  // Positions the cache needs: prompt + max_tokens, capped by the model's context.
  int64_t CacheCapacity(int64_t max_positions) const;

  // kWaiting -> kRunning: allocates the cache.
  void Admit(const model::ModelConfig& c);
  // The tokens of the next step: the whole prompt at first, then the last token.
  std::vector<int32_t> NextInput() const;
  // Samples from this step's logits and appends the token (or finishes).
  void Advance(const float* logits, int64_t vocab);
  // Ends the sequence: flushes text, tells the stream, frees the cache.
  void Finish(const std::string& reason, const std::string& error = "");

  Clock::time_point submitted, first_token;

 private:
  void Emit(const std::string& text);

  uint64_t id_;
  GenRequest req_;
  std::shared_ptr<Stream> stream_;
  SeqStatus status_ = SeqStatus::kWaiting;
  std::unique_ptr<model::LatentCache> cache_;
  infer::Sampler sampler_;
  std::vector<int32_t> history_;  // prompt + generated: what the penalties look at
  int64_t generated_ = 0, capacity_ = 0;
  std::optional<tokenizer::StreamDecoder> decoder_;
  infer::StopStrings stop_;
  std::string finish_reason_;
};

}  // namespace minke::serve
