// Transformer: a loaded DeepSeek-V2/V3 model and its forward pass.
//
//   h = Emb(tokens)
//   for each block:  h = h + MLA(RMSNorm(h));  h = h + FFN(RMSNorm(h))
//                    (FFN = dense SwiGLU for the first first_k_dense_replace
//                     layers, DeepSeekMoE after)
//   logits = lm_head(RMSNorm(h))
// MTP module k (V3 §2.2) predicts token i+k+1 from h^{k-1}_i and Emb(t_{i+k}).
//
// A Transformer owns its config and weight views, and keeps the storage the
// views point into (the mmapped checkpoint) alive. Calls are const and may
// run concurrently on different caches (weights are read-only).
#pragma once

#include <any>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/status.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "model/mla.h"
#include "model/rope.h"
#include "model/weights.h"

namespace minke::model {

// The new tokens of one sequence in a batched step; they continue at
// position cache->length() and are appended to the cache.
struct SequenceInput {
  LatentCache* cache = nullptr;
  std::vector<int32_t> tokens;
};

class Transformer {
 public:
  // `storage` is whatever keeps the weight views valid (may be empty).
  Transformer(ModelConfig config, ModelWeights weights, std::any storage);

  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }

  // Which positions get logits: all (for checking and training) or only the
  // last (a serving prefill, which only samples the next token).
  enum class LogitRows { kAll, kLast };

  // Logits [T, vocab] (or [1, vocab] for kLast) for `tokens` at positions
  // 0..T-1, with no cache kept. If `hidden` is non-null it receives the final
  // normed hidden states [T, D] (the input of lm_head, which MTP consumes).
  Status Forward(const std::vector<int32_t>& tokens, std::vector<float>* logits, std::vector<float>* hidden = nullptr,
                 LogitRows rows = LogitRows::kAll) const;

  // One step for a batch of sequences, each with its own cache (prefill of a
  // prompt, or decode of one token): `logits` gets [batch, vocab], the
  // next-token logits after each sequence's last new token. MLA runs
  // absorbed for single-token (decode) inputs and expanded otherwise, unless
  // `form` forces one. Exceeding a cache's capacity or
  // max_position_embeddings is an error and leaves every cache unchanged.
  Status Step(const std::vector<SequenceInput>& batch, std::vector<float>* logits,
              std::optional<MlaForm> form = std::nullopt) const;

  // Logits of MTP module `depth` (1-based): row i predicts token i+depth+1,
  // so there are T-depth rows. `hidden` is Forward()'s final hidden output.
  Status MtpForward(const std::vector<int32_t>& tokens, const std::vector<float>& hidden, int depth,
                    std::vector<float>* logits) const;

 private:
  Status CheckTokens(const std::vector<int32_t>& tokens) const;
  // Runs the blocks over the batch; h [T, D] in: embeddings, out: final normed hidden states.
  void Blocks(const std::vector<SequenceInput>& batch, std::optional<MlaForm> form, float* h, int64_t T) const;
  void BlockForward(const BlockWeights& b, float* h, int64_t T, const std::vector<AttnSegment>& segments) const;

  ModelConfig config_;
  ModelWeights weights_;
  Rope rope_;
  std::any storage_;
};

}  // namespace minke::model
