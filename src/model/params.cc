#include "model/params.h"

#include "model/layout.h"

namespace minke::model {

ParamCounts CountParams(const ModelConfig& c) {
  ModelWeights w;
  ParamCounts p;
  for (const TensorSlot& s : ModelLayout(c, &w)) {
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    if (s.optional && s.role == TensorRole::kLinear) continue;  // tied lm_head shares the embedding
    if (s.mtp > 0) {
      p.mtp += n;
      continue;
    }
    p.total += n;
    if (s.role != TensorRole::kEmbedding) p.active += n;
  }
  const int64_t per_expert = 3 * c.hidden_size * c.moe_intermediate_size;
  for (int64_t i = 0; i < c.num_hidden_layers; ++i)
    if (c.is_moe_layer(i)) p.active -= (c.n_routed_experts - c.num_experts_per_tok) * per_expert;
  return p;
}

int64_t MlaCacheValuesPerTokenPerLayer(const ModelConfig& c) { return c.kv_lora_rank + c.qk_rope_head_dim; }

int64_t MhaCacheValuesPerTokenPerLayer(const ModelConfig& c) {
  return c.num_attention_heads * (c.qk_head_dim() + c.v_head_dim);
}

}  // namespace minke::model
