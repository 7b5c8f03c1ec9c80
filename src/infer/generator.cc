#include "infer/generator.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "infer/stop_strings.h"

namespace minke::infer {
namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Generated ids -> settled text: StreamDecoder (no split UTF-8), then the
// stop-string hold-back. Without a tokenizer it does nothing.
class TextStream {
 public:
  TextStream(const GenerateOptions& opt, std::string* text) : stops_(opt.stop_strings), text_(text) {
    if (opt.tokenizer != nullptr) decoder_.emplace(opt.tokenizer->NewStreamDecoder(opt.skip_special_tokens));
  }

  // The settled text after `id` (appended to the result's text too).
  std::string Push(int32_t id) {
    if (!decoder_) return "";
    Result<std::string> piece = decoder_->Push(static_cast<uint32_t>(id));
    return Settle(piece.ok() ? stops_.Push(*piece) : "");  // no token for the id: no text (as HF)
  }
  // The rest when generation ends without a stop string.
  std::string Finish() {
    if (!decoder_) return "";
    std::string tail = stops_.Push(decoder_->Finish());
    return Settle(tail + stops_.Flush());
  }
  bool stopped() const { return stops_.stopped(); }
  const std::string& matched() const { return stops_.matched(); }

 private:
  std::string Settle(std::string s) {
    text_->append(s);
    return s;
  }
  std::optional<tokenizer::StreamDecoder> decoder_;
  StopStrings stops_;
  std::string* text_;
};

}  // namespace

Status Generate(const model::Transformer& m, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                const std::function<bool(int32_t)>& on_token, GenerateResult* out) {
  return Generate(m, prompt, opt, GenerateCallbacks{on_token, nullptr}, out);
}

Status Generate(const model::Transformer& m, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                const GenerateCallbacks& cb, GenerateResult* out) {
  if (prompt.empty()) return Status::Error("empty prompt");
  if (opt.max_new_tokens < 0) return Status::Error("max_new_tokens must be >= 0");
  const int64_t P = static_cast<int64_t>(prompt.size());
  const int64_t max_pos = m.config().max_position_embeddings;
  const int64_t context = opt.context > 0 ? opt.context : P + std::min(opt.max_new_tokens, max_pos);  // no overflow
  model::LatentCache cache(m.config(), std::min(context, max_pos));
  return Generate(m, &cache, prompt, opt, cb, out);
}

Status Generate(const model::Transformer& m, model::LatentCache* cache, const std::vector<int32_t>& prompt,
                const GenerateOptions& opt, const GenerateCallbacks& cb, GenerateResult* out) {
  MINKE_RETURN_IF_ERROR(ValidateSampling(opt.sampling));
  if (prompt.empty()) return Status::Error("empty prompt");
  if (opt.max_new_tokens < 0) return Status::Error("max_new_tokens must be >= 0");
  if (!opt.stop_strings.empty() && opt.tokenizer == nullptr)
    return Status::Error("stop strings need a tokenizer to decode the output");
  const int64_t P = static_cast<int64_t>(prompt.size());
  const int64_t limit = std::min(cache->capacity(), m.config().max_position_embeddings);
  if (P > limit)
    return Status::Error("prompt of " + std::to_string(P) + " tokens exceeds the context of " + std::to_string(limit));

  *out = GenerateResult();
  out->finish_reason = "length";
  // Positions from `cached` on are computed; at least one, for the logits.
  const int64_t cached = std::min(cache->length(), P - 1);
  cache->set_length(cached);
  Sampler sampler(opt.sampling);
  TextStream text(opt, &out->text);
  std::vector<int32_t> history = prompt;
  std::vector<float> logits;
  const int64_t V = m.config().vocab_size;

  auto t0 = std::chrono::steady_clock::now();
  MINKE_RETURN_IF_ERROR(m.Step({{cache, std::vector<int32_t>(prompt.begin() + cached, prompt.end())}}, &logits));
  out->prefill_seconds = Seconds(t0);
  out->prefilled = P - cached;
  t0 = std::chrono::steady_clock::now();
  bool more = true;
  for (int64_t i = 0; i < opt.max_new_tokens; ++i) {
    const int32_t next = sampler.Sample(logits.data(), V, history);
    if (std::find(opt.stop_tokens.begin(), opt.stop_tokens.end(), next) != opt.stop_tokens.end()) {
      out->finish_reason = "stop";
      break;
    }
    out->tokens.push_back(next);
    history.push_back(next);
    if (cb.on_token && !cb.on_token(next)) more = false;
    const std::string piece = text.Push(next);
    if (more && !piece.empty() && cb.on_text && !cb.on_text(piece)) more = false;
    if (text.stopped()) out->stop_string = text.matched();
    if (!more || text.stopped()) {
      out->finish_reason = "stop";
      break;
    }
    if (i + 1 == opt.max_new_tokens || cache->length() >= limit) break;  // nothing more to decode
    MINKE_RETURN_IF_ERROR(m.Step({{cache, {next}}}, &logits));
    ++out->decoded;
  }
  out->decode_seconds = Seconds(t0);
  if (!text.stopped()) {
    const std::string rest = text.Finish();
    if (more && !rest.empty() && cb.on_text) cb.on_text(rest);
    if (text.stopped()) out->stop_string = text.matched(), out->finish_reason = "stop";  // in the flushed tail
  }
  return Status::Ok();
}

}  // namespace minke::infer
