#include "model/transformer.h"

#include <algorithm>
#include <numeric>

#include "core/buffer.h"
#include "model/linear.h"
#include "model/moe.h"

namespace minke::model {

Transformer::Transformer(ModelConfig config, ModelWeights weights, std::any storage)
    : config_(std::move(config)),
      weights_(std::move(weights)),
      rope_(MakeRope(config_)),
      storage_(std::move(storage)) {}

Status Transformer::CheckTokens(const std::vector<int32_t>& tokens) const {
  if (tokens.empty()) return Status::Error("no input tokens");
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= config_.vocab_size)
      return Status::Error("token " + std::to_string(i) + " = " + std::to_string(tokens[i]) +
                           " is outside the vocabulary [0, " + std::to_string(config_.vocab_size) + ")");
  return Status::Ok();
}

void Transformer::BlockForward(const BlockWeights& b, float* h, int64_t T,
                               const std::vector<AttnSegment>& segments) const {
  const int64_t D = config_.hidden_size;
  Buffer<float> normed(static_cast<size_t>(T * D)), delta(static_cast<size_t>(T * D));
  RmsNormForward(b.input_layernorm, h, T, D, config_.rms_norm_eps, normed.data());
  MlaForward(config_, b.attn, rope_, normed.data(), T, segments, delta.data());
  for (int64_t i = 0; i < T * D; ++i) h[i] += delta[i];
  RmsNormForward(b.post_attention_layernorm, h, T, D, config_.rms_norm_eps, normed.data());
  if (b.is_moe) {
    MoeForward(config_, b.moe, normed.data(), T, delta.data());
  } else {
    MlpForward(b.mlp, normed.data(), T, delta.data());
  }
  for (int64_t i = 0; i < T * D; ++i) h[i] += delta[i];
}

void Transformer::Blocks(const std::vector<SequenceInput>& batch, std::optional<MlaForm> form, float* h,
                         int64_t T) const {
  std::vector<AttnSegment> segments;
  int64_t row0 = 0;
  for (const SequenceInput& s : batch) {
    const int64_t n = static_cast<int64_t>(s.tokens.size());
    MlaForm f = form.value_or(n == 1 ? MlaForm::kAbsorbed : MlaForm::kExpanded);
    segments.push_back({row0, n, s.cache->length(), nullptr, f});
    row0 += n;
  }
  for (size_t l = 0; l < weights_.layers.size(); ++l) {
    for (size_t i = 0; i < batch.size(); ++i) segments[i].cache = batch[i].cache->layer(static_cast<int64_t>(l));
    BlockForward(weights_.layers[l], h, T, segments);
  }
  for (const SequenceInput& s : batch) s.cache->set_length(s.cache->length() + static_cast<int64_t>(s.tokens.size()));
  RmsNormForward(weights_.norm, h, T, config_.hidden_size, config_.rms_norm_eps, h);
}

Status Transformer::Step(const std::vector<SequenceInput>& batch, std::vector<float>* logits,
                         std::optional<MlaForm> form) const {
  if (batch.empty()) return Status::Error("empty batch");
  int64_t T = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const SequenceInput& s = batch[i];
    if (s.cache == nullptr || s.cache->row_size() != config_.kv_lora_rank + config_.qk_rope_head_dim ||
        s.cache->layers() < config_.num_hidden_layers)
      return Status::Error("sequence " + std::to_string(i) + ": its cache was not made for this model");
    Status st = CheckTokens(s.tokens);
    if (!st.ok()) return st.WithContext("sequence " + std::to_string(i));
    const int64_t end = s.cache->length() + static_cast<int64_t>(s.tokens.size());
    const int64_t limit = std::min(s.cache->capacity(), config_.max_position_embeddings);
    if (end > limit)
      return Status::Error("sequence " + std::to_string(i) + ": context length overflow: " +
                           std::to_string(s.cache->length()) + " cached + " + std::to_string(s.tokens.size()) +
                           " new tokens exceed the context of " + std::to_string(limit));
    for (size_t j = 0; j < i; ++j)
      if (batch[j].cache == s.cache) return Status::Error("sequence " + std::to_string(i) + " shares a cache");
    T += static_cast<int64_t>(s.tokens.size());
  }
  const int64_t D = config_.hidden_size, V = config_.vocab_size;
  Buffer<float> h(static_cast<size_t>(T * D));
  int64_t row = 0;
  for (const SequenceInput& s : batch) {
    EmbeddingLookup(weights_.embed_tokens, s.tokens.data(), static_cast<int64_t>(s.tokens.size()), &h[row * D]);
    row += static_cast<int64_t>(s.tokens.size());
  }
  Blocks(batch, form, h.data(), T);
  // Gather each sequence's last row for the head.
  Buffer<float> last(static_cast<size_t>(batch.size() * D));
  row = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    row += static_cast<int64_t>(batch[i].tokens.size());
    std::copy_n(&h[(row - 1) * D], D, &last[i * D]);
  }
  logits->resize(batch.size() * V);
  LinearForward(weights_.lm_head, last.data(), static_cast<int64_t>(batch.size()), logits->data());
  return Status::Ok();
}

Status Transformer::Forward(const std::vector<int32_t>& tokens, std::vector<float>* logits, std::vector<float>* hidden,
                            LogitRows rows) const {
  MINKE_RETURN_IF_ERROR(CheckTokens(tokens));
  const int64_t T = static_cast<int64_t>(tokens.size()), D = config_.hidden_size;
  if (T > config_.max_position_embeddings)
    return Status::Error(std::to_string(T) + " tokens exceed max_position_embeddings " +
                         std::to_string(config_.max_position_embeddings));
  LatentCache cache(config_, T);
  std::vector<float> h(static_cast<size_t>(T * D));  // may become *hidden
  EmbeddingLookup(weights_.embed_tokens, tokens.data(), T, h.data());
  Blocks({{&cache, tokens}}, MlaForm::kExpanded, h.data(), T);
  const int64_t first = rows == LogitRows::kLast ? T - 1 : 0;
  logits->resize(static_cast<size_t>((T - first) * config_.vocab_size));
  LinearForward(weights_.lm_head, h.data() + first * D, T - first, logits->data());
  if (hidden) *hidden = std::move(h);
  return Status::Ok();
}

Status Transformer::MtpForward(const std::vector<int32_t>& tokens, const std::vector<float>& hidden, int depth,
                               std::vector<float>* logits) const {
  MINKE_RETURN_IF_ERROR(CheckTokens(tokens));
  const int64_t T = static_cast<int64_t>(tokens.size()), D = config_.hidden_size;
  if (depth < 1 || depth > static_cast<int>(weights_.mtp.size()))
    return Status::Error("MTP depth " + std::to_string(depth) + " not in this model (" +
                         std::to_string(weights_.mtp.size()) + " MTP modules loaded)");
  if (static_cast<int64_t>(hidden.size()) != T * D) return Status::Error("MTP: hidden states do not match the tokens");
  if (T <= depth)
    return Status::Error("MTP depth " + std::to_string(depth) + " needs more than " + std::to_string(depth) +
                         " tokens");
  LatentCache cache(config_, T);
  std::vector<float> h(hidden);  // h^{k-1}, rows 0..T-k
  for (int k = 1; k <= depth; ++k) {
    const MtpWeights& m = weights_.mtp[k - 1];
    const int64_t n = T - k;
    // [RMSNorm(Emb(t_{i+k})); RMSNorm(h^{k-1}_i)] — embedding first, as the
    // published V3 checkpoint expects (vLLM's and SGLang's order).
    Buffer<float> cat(static_cast<size_t>(n * 2 * D)), e(static_cast<size_t>(n * D));
    EmbeddingLookup(m.embed_tokens, tokens.data() + k, n, e.data());
    RmsNormForward(m.enorm, e.data(), n, D, config_.rms_norm_eps, e.data());
    Buffer<float> hn(static_cast<size_t>(n * D));
    RmsNormForward(m.hnorm, h.data(), n, D, config_.rms_norm_eps, hn.data());
    for (int64_t i = 0; i < n; ++i) {
      std::copy_n(&e[i * D], D, &cat[i * 2 * D]);
      std::copy_n(&hn[i * D], D, &cat[i * 2 * D + D]);
    }
    Buffer<float> x(static_cast<size_t>(n * D));
    LinearForward(m.eh_proj, cat.data(), n, x.data());
    AttnSegment seg{0, n, 0, cache.layer(config_.num_hidden_layers + k - 1), MlaForm::kExpanded};
    BlockForward(m.block, x.data(), n, {seg});
    h.assign(x.begin(), x.end());
  }
  const MtpWeights& m = weights_.mtp[depth - 1];
  const int64_t n = T - depth;
  Buffer<float> normed(static_cast<size_t>(n * D));
  RmsNormForward(m.shared_head_norm, h.data(), n, D, config_.rms_norm_eps, normed.data());
  logits->resize(static_cast<size_t>(n * config_.vocab_size));
  LinearForward(m.shared_head_head, normed.data(), n, logits->data());
  return Status::Ok();
}

}  // namespace minke::model
