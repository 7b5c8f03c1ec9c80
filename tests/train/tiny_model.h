// The tiny model the training tests share.
#pragma once

#include "model/config.h"

namespace minke::train {

// A tiny DeepSeek-V3-style MoE with MLA (q_lora), YaRN, noaux_tc and MTP.
inline model::ModelConfig TinyConfig(int64_t vocab_size = 48) {
  model::ModelConfig c;
  c.vocab_size = vocab_size;
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.moe_intermediate_size = 16;
  c.num_hidden_layers = 2;
  c.num_nextn_predict_layers = 1;
  c.num_attention_heads = 2;
  c.q_lora_rank = 16;
  c.kv_lora_rank = 16;
  c.qk_nope_head_dim = 8;
  c.qk_rope_head_dim = 8;
  c.v_head_dim = 8;
  c.max_position_embeddings = 256;
  c.n_routed_experts = 8;
  c.n_shared_experts = 1;
  c.num_experts_per_tok = 2;
  c.first_k_dense_replace = 1;
  c.n_group = 2;
  c.topk_group = 1;
  c.topk_method = model::TopkMethod::kNoauxTc;
  c.scoring_func = model::ScoringFunc::kSigmoid;
  c.norm_topk_prob = true;
  c.routed_scaling_factor = 2.5;
  return c;
}

}  // namespace minke::train
