// ModelConfig: the architecture hyper-parameters of a DeepSeek-V2/V3 model,
// read from a Hugging Face config.json. Field names are the HF keys, which
// are the papers' names (DeepSeek-V2 §2.1 MLA, §2.2 DeepSeekMoE; V3 §2.1.2
// aux-loss-free routing, §2.2 MTP).
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace minke::model {

enum class ModelType { kDeepseekV2, kDeepseekV3 };
enum class ScoringFunc { kSoftmax, kSigmoid };
// greedy: top-k over all experts; group_limited_greedy: V2's device-limited
// routing (group score = max); noaux_tc: V3 (group score = sum of top-2
// biased scores, bias for selection only).
enum class TopkMethod { kGreedy, kGroupLimitedGreedy, kNoauxTc };

// YaRN context extension (Peng et al. 2023), as DeepSeek configures it.
struct YarnScaling {
  bool enabled = false;
  double factor = 1.0;
  int64_t original_max_position_embeddings = 0;
  double beta_fast = 32.0;
  double beta_slow = 1.0;
  double mscale = 1.0;
  double mscale_all_dim = 0.0;
};

struct ModelConfig {
  ModelType model_type = ModelType::kDeepseekV3;
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;      // dense SwiGLU FFN
  int64_t moe_intermediate_size = 0;  // each routed / shared expert
  int64_t num_hidden_layers = 0;
  int64_t num_nextn_predict_layers = 0;  // MTP depth D (V3 §2.2)
  int64_t num_attention_heads = 0;
  // MLA (DeepSeek-V2 §2.1): q_lora_rank 0 = no query compression (q_proj).
  int64_t q_lora_rank = 0;
  int64_t kv_lora_rank = 0;
  int64_t qk_nope_head_dim = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t v_head_dim = 0;
  bool attention_bias = false;
  bool rope_interleave = true;  // rotate (x[2i], x[2i+1]) pairs, as DeepSeek's code
  double rope_theta = 10000.0;
  YarnScaling rope_scaling;
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  // DeepSeekMoE: n_routed_experts 0 = dense model.
  int64_t n_routed_experts = 0;
  int64_t n_shared_experts = 0;
  int64_t num_experts_per_tok = 0;
  int64_t first_k_dense_replace = 0;
  int64_t moe_layer_freq = 1;
  int64_t n_group = 1;
  int64_t topk_group = 1;
  TopkMethod topk_method = TopkMethod::kGreedy;
  ScoringFunc scoring_func = ScoringFunc::kSoftmax;
  bool norm_topk_prob = false;
  double routed_scaling_factor = 1.0;
  bool tie_word_embeddings = false;
  // FP8 block quantization of the published V3/R1 weights (weight_scale_inv).
  bool fp8_block_weights = false;
  int64_t fp8_block_rows = 128, fp8_block_cols = 128;

  int64_t qk_head_dim() const { return qk_nope_head_dim + qk_rope_head_dim; }
  bool is_moe_layer(int64_t layer) const {
    return n_routed_experts > 0 && layer >= first_k_dense_replace && layer % moe_layer_freq == 0;
  }
};

// Parses and validates config.json text. Unknown keys, unsupported values and
// dims that do not fit together are errors naming the key.
Result<ModelConfig> ParseModelConfig(const std::string& json_text);

// Serialises to HF config.json (the keys real DeepSeek checkpoints use).
std::string ModelConfigToJson(const ModelConfig& c);

std::string_view ModelTypeName(ModelType t);

}  // namespace minke::model
