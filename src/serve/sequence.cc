#include "serve/sequence.h"

#include <algorithm>

namespace minke::serve {

Sequence::Sequence(uint64_t id, GenRequest req, std::shared_ptr<Stream> stream, const tokenizer::Tokenizer* tok)
    : submitted(Clock::now()),
      id_(id),
      req_(std::move(req)),
      stream_(std::move(stream)),
      sampler_(req_.sampling),
      history_(req_.prompt),
      stop_(req_.stop) {
  if (tok) decoder_.emplace(tok->NewStreamDecoder(/*skip_special_tokens=*/true));
}

int64_t Sequence::CacheCapacity(int64_t max_positions) const {
  if (req_.context > 0) max_positions = std::min(max_positions, req_.context);
  // As infer::Generate sizes it, so that a request ends where `minke generate` would.
  return std::min(prompt_len() + std::min(req_.max_tokens, max_positions), max_positions);
}

void Sequence::Admit(const model::ModelConfig& c) {
  capacity_ = CacheCapacity(c.max_position_embeddings);
  cache_ = std::make_unique<model::LatentCache>(c, capacity_);
  status_ = SeqStatus::kRunning;
}

std::vector<int32_t> Sequence::NextInput() const {
  if (cache_->length() == 0) return req_.prompt;
  return {history_.back()};
}

void Sequence::Emit(const std::string& text) {
  if (!text.empty()) stream_->AppendText(text);
}

void Sequence::Advance(const float* logits, int64_t vocab) {
  const int32_t next = sampler_.Sample(logits, vocab, history_);
  if (generated_ == 0) first_token = Clock::now();
  if (std::find(req_.stop_tokens.begin(), req_.stop_tokens.end(), next) != req_.stop_tokens.end()) {
    Finish("stop");
    return;
  }
  ++generated_;
  history_.push_back(next);
  std::string text;
  if (decoder_) {
    // An id the tokenizer lacks (a model's padded vocabulary) has no text,
    // as HF's decode skips it; the token still counts.
    Result<std::string> piece = decoder_->Push(static_cast<uint32_t>(next));
    if (piece.ok()) text = stop_.Push(*piece);
  }
  stream_->Append(text, next, generated_);
  if (stop_.stopped()) {
    Finish("stop");
  } else if (generated_ >= req_.max_tokens || cache_->length() >= capacity_) {
    Finish("length");  // max_tokens reached, or no room in the context for another token
  }
}

void Sequence::Finish(const std::string& reason, const std::string& error) {
  if (status_ == SeqStatus::kFinished) return;
  if (decoder_ && error.empty()) {
    std::string rest = stop_.Push(decoder_->Finish());
    rest += stop_.Flush();
    Emit(rest);
  }
  status_ = SeqStatus::kFinished;
  finish_reason_ = reason;
  cache_.reset();
  stream_->Finish(reason, error);
}

}  // namespace minke::serve
