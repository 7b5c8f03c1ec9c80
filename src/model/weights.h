// The weights of a DeepSeek-V2/V3 model, as views into checkpoint storage.
// Names follow the Hugging Face tensor names (= the papers' symbols); the
// loader (io/model_loader) fills these and checks every shape.
// Shapes use the legend: D = hidden_size, H = num_attention_heads,
// dn/dr/dv = qk_nope/qk_rope/v head dims, E = n_routed_experts.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace minke::model {

// y = x W^T (+ b). W is [out, in] in any weight dtype; FP8 weights carry
// float32 block scales `weight_scale_inv` [ceil(out/br), ceil(in/bc)];
// Q8_0/Q4_0 weights are GGML blocks along each row (in % 32 == 0).
struct Linear {
  TensorView weight;
  TensorView weight_scale_inv;  // empty unless weight is F8_E4M3
  TensorView bias;              // empty unless attention_bias
  int64_t block_rows = 128, block_cols = 128;
  int64_t out() const { return weight.shape.empty() ? 0 : weight.shape[0]; }
  int64_t in() const { return weight.shape.size() < 2 ? 0 : weight.shape[1]; }
};

// Multi-head Latent Attention (DeepSeek-V2 §2.1).
struct MlaWeights {
  Linear q_a_proj;            // [q_lora_rank, D]    W^DQ  (empty without q_lora)
  TensorView q_a_layernorm;   // [q_lora_rank]
  Linear q_b_proj;            // [H*(dn+dr), q_lora] [W^UQ; W^QR]
  Linear q_proj;              // [H*(dn+dr), D]      (V2-Lite: no query compression)
  Linear kv_a_proj_with_mqa;  // [kv_lora+dr, D]     [W^DKV; W^KR]
  TensorView kv_a_layernorm;  // [kv_lora_rank]
  Linear kv_b_proj;           // [H*(dn+dv), kv_lora] [W^UK; W^UV]
  Linear o_proj;              // [D, H*dv]           W^O
};

// SwiGLU FFN: down(silu(gate(x)) * up(x)).
struct MlpWeights {
  Linear gate_proj, up_proj, down_proj;
};

// DeepSeekMoE (DeepSeek-V2 §2.2, V3 §2.1.2).
struct MoeWeights {
  TensorView gate;                     // [E, D] router
  TensorView e_score_correction_bias;  // [E], V3 noaux_tc only; selection only
  std::vector<MlpWeights> experts;     // E routed experts
  MlpWeights shared_experts;           // one MLP of width n_shared * moe_intermediate
  bool has_shared = false;
};

struct BlockWeights {
  TensorView input_layernorm, post_attention_layernorm;  // [D]
  MlaWeights attn;
  bool is_moe = false;
  MlpWeights mlp;  // dense FFN when !is_moe
  MoeWeights moe;
};

// Multi-Token Prediction module k (DeepSeek-V3 §2.2):
// h' = M_k [RMSNorm(Emb(t_{i+k})); RMSNorm(h^{k-1}_i)], then a block, then the head.
struct MtpWeights {
  TensorView embed_tokens;  // [V, D] (a copy of the main embedding in V3)
  TensorView enorm, hnorm;  // [D]
  Linear eh_proj;           // [D, 2D] M_k
  BlockWeights block;
  TensorView shared_head_norm;  // [D]
  Linear shared_head_head;      // [V, D]
};

struct ModelWeights {
  TensorView embed_tokens;  // [V, D]
  std::vector<BlockWeights> layers;
  TensorView norm;  // [D]
  Linear lm_head;   // [V, D]
  std::vector<MtpWeights> mtp;
};

}  // namespace minke::model
