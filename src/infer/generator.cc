#include "infer/generator.h"

#include <algorithm>
#include <chrono>

namespace minke::infer {
namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Status Generate(const model::Transformer& m, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                const std::function<bool(int32_t)>& on_token, GenerateResult* out) {
  MINKE_RETURN_IF_ERROR(ValidateSampling(opt.sampling));
  if (prompt.empty()) return Status::Error("empty prompt");
  if (opt.max_new_tokens < 0) return Status::Error("max_new_tokens must be >= 0");
  const int64_t P = static_cast<int64_t>(prompt.size());
  const int64_t max_pos = m.config().max_position_embeddings;
  const int64_t context = opt.context > 0 ? opt.context : P + std::min(opt.max_new_tokens, max_pos);  // no overflow
  const int64_t limit = std::min(context, max_pos);
  if (P > limit)
    return Status::Error("prompt of " + std::to_string(P) + " tokens exceeds the context of " + std::to_string(limit));

  *out = GenerateResult();
  out->finish_reason = "length";
  model::LatentCache cache(m.config(), limit);
  Sampler sampler(opt.sampling);
  std::vector<int32_t> history = prompt;
  std::vector<float> logits;
  const int64_t V = m.config().vocab_size;

  auto t0 = std::chrono::steady_clock::now();
  MINKE_RETURN_IF_ERROR(m.Step({{&cache, prompt}}, &logits));
  out->prefill_seconds = Seconds(t0);
  t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < opt.max_new_tokens; ++i) {
    const int32_t next = sampler.Sample(logits.data(), V, history);
    if (std::find(opt.stop_tokens.begin(), opt.stop_tokens.end(), next) != opt.stop_tokens.end()) {
      out->finish_reason = "stop";
      break;
    }
    out->tokens.push_back(next);
    history.push_back(next);
    if (on_token && !on_token(next)) {
      out->finish_reason = "stop";
      break;
    }
    if (i + 1 == opt.max_new_tokens || cache.length() >= limit) break;  // nothing more to decode
    MINKE_RETURN_IF_ERROR(m.Step({{&cache, {next}}}, &logits));
    ++out->decoded;
  }
  out->decode_seconds = Seconds(t0);
  return Status::Ok();
}

}  // namespace minke::infer
