#include "model/transformer.h"

#include <algorithm>
#include <numeric>

#include "model/linear.h"
#include "model/mla.h"
#include "model/moe.h"

namespace minke::model {

Transformer::Transformer(ModelConfig config, ModelWeights weights, std::any storage)
    : config_(std::move(config)),
      weights_(std::move(weights)),
      rope_(MakeRope(config_)),
      storage_(std::move(storage)) {}

Status Transformer::CheckTokens(const std::vector<int32_t>& tokens) const {
  if (tokens.empty()) return Status::Error("no input tokens");
  if (static_cast<int64_t>(tokens.size()) > config_.max_position_embeddings)
    return Status::Error(std::to_string(tokens.size()) + " tokens exceed max_position_embeddings " +
                         std::to_string(config_.max_position_embeddings));
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= config_.vocab_size)
      return Status::Error("token " + std::to_string(i) + " = " + std::to_string(tokens[i]) +
                           " is outside the vocabulary [0, " + std::to_string(config_.vocab_size) + ")");
  return Status::Ok();
}

void Transformer::BlockForward(const BlockWeights& b, float* h, int64_t T, const int64_t* positions) const {
  const int64_t D = config_.hidden_size;
  std::vector<float> normed(static_cast<size_t>(T * D)), delta(static_cast<size_t>(T * D));
  RmsNormForward(b.input_layernorm, h, T, D, config_.rms_norm_eps, normed.data());
  MlaForward(config_, b.attn, rope_, normed.data(), T, positions, delta.data());
  for (int64_t i = 0; i < T * D; ++i) h[i] += delta[i];
  RmsNormForward(b.post_attention_layernorm, h, T, D, config_.rms_norm_eps, normed.data());
  if (b.is_moe) {
    MoeForward(config_, b.moe, normed.data(), T, delta.data());
  } else {
    MlpForward(b.mlp, normed.data(), T, delta.data());
  }
  for (int64_t i = 0; i < T * D; ++i) h[i] += delta[i];
}

Status Transformer::Forward(const std::vector<int32_t>& tokens, std::vector<float>* logits, std::vector<float>* hidden,
                            LogitRows rows) const {
  MINKE_RETURN_IF_ERROR(CheckTokens(tokens));
  const int64_t T = static_cast<int64_t>(tokens.size()), D = config_.hidden_size;
  std::vector<int64_t> positions(T);
  std::iota(positions.begin(), positions.end(), 0);
  std::vector<float> h(static_cast<size_t>(T * D));
  EmbeddingLookup(weights_.embed_tokens, tokens.data(), T, h.data());
  for (const BlockWeights& b : weights_.layers) BlockForward(b, h.data(), T, positions.data());
  RmsNormForward(weights_.norm, h.data(), T, D, config_.rms_norm_eps, h.data());
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
    return Status::Error("MTP depth " + std::to_string(depth) +
                         " not in this model (num_nextn_predict_layers = " + std::to_string(weights_.mtp.size()) + ")");
  if (static_cast<int64_t>(hidden.size()) != T * D) return Status::Error("MTP: hidden states do not match the tokens");
  if (T <= depth)
    return Status::Error("MTP depth " + std::to_string(depth) + " needs more than " + std::to_string(depth) +
                         " tokens");
  std::vector<float> h(hidden);  // h^{k-1}, rows 0..T-k
  for (int k = 1; k <= depth; ++k) {
    const MtpWeights& m = weights_.mtp[k - 1];
    const int64_t n = T - k;
    // [RMSNorm(Emb(t_{i+k})); RMSNorm(h^{k-1}_i)] — embedding first, as the
    // published V3 checkpoint expects (vLLM's and SGLang's order).
    std::vector<float> cat(static_cast<size_t>(n * 2 * D)), e(static_cast<size_t>(n * D));
    EmbeddingLookup(m.embed_tokens, tokens.data() + k, n, e.data());
    RmsNormForward(m.enorm, e.data(), n, D, config_.rms_norm_eps, e.data());
    std::vector<float> hn(static_cast<size_t>(n * D));
    RmsNormForward(m.hnorm, h.data(), n, D, config_.rms_norm_eps, hn.data());
    for (int64_t i = 0; i < n; ++i) {
      std::copy_n(&e[i * D], D, &cat[i * 2 * D]);
      std::copy_n(&hn[i * D], D, &cat[i * 2 * D + D]);
    }
    std::vector<float> x(static_cast<size_t>(n * D));
    LinearForward(m.eh_proj, cat.data(), n, x.data());
    std::vector<int64_t> positions(n);
    std::iota(positions.begin(), positions.end(), 0);
    BlockForward(m.block, x.data(), n, positions.data());
    h = std::move(x);
  }
  const MtpWeights& m = weights_.mtp[depth - 1];
  const int64_t n = T - depth;
  std::vector<float> normed(static_cast<size_t>(n * D));
  RmsNormForward(m.shared_head_norm, h.data(), n, D, config_.rms_norm_eps, normed.data());
  logits->resize(static_cast<size_t>(n * config_.vocab_size));
  LinearForward(m.shared_head_head, normed.data(), n, logits->data());
  return Status::Ok();
}

}  // namespace minke::model
