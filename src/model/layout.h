// The checkpoint layout of a DeepSeek-V2/V3 model: every tensor a config
// implies, with its Hugging Face name, shape and role, and where it belongs
// in ModelWeights. The one place that knows the names; the loader binds
// checkpoint tensors through it and `minke init` writes through it.
#pragma once

#include <string>
#include <vector>

#include "model/config.h"
#include "model/weights.h"

namespace minke::model {

enum class TensorRole {
  kEmbedding,  // [V, D] table
  kNorm,       // RMSNorm weight (init 1)
  kLinear,     // Linear weight [out, in] (may be FP8 with weight_scale_inv)
  kBias,       // linear bias (init 0)
  kRouter,     // MoE gate [E, D] (kept unquantized)
  kScoreBias,  // e_score_correction_bias [E] (init 0)
};

struct TensorSlot {
  std::string name;  // e.g. "model.layers.3.self_attn.kv_b_proj.weight"
  std::vector<int64_t> shape;
  TensorRole role;
  TensorView* view;  // where the tensor goes (for kLinear: &linear->weight)
  Linear* linear;    // kLinear only
  // An optional tensor may be absent: the e_score_correction_bias of a
  // deepseek_v2 model, lm_head when tie_word_embeddings.
  bool optional = false;
  // MTP module index + 1, or 0 for the main model. MTP modules are all
  // present or all absent.
  int mtp = 0;
};

// Sizes `w` for config `c` and returns its slots in checkpoint order.
// The returned pointers point into `w`, which must outlive the slots.
std::vector<TensorSlot> ModelLayout(const ModelConfig& c, ModelWeights* w);

}  // namespace minke::model
