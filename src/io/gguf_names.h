// Internal to io/: how a Hugging Face tensor name of a DeepSeek model maps to
// llama.cpp's deepseek2 GGUF name (gguf-py MODEL_TENSORS[DEEPSEEK2]). Shared
// by the GGUF writer and loader so the two cannot drift apart.
#pragma once

#include <cstdint>
#include <string>

namespace minke::io::gguf_names {

enum class Kind {
  kPlain,   // one HF tensor <-> one GGUF tensor of the same shape
  kExpert,  // routed expert `expert` of a stacked ffn_*_exps tensor
  kKvB,     // kv_b_proj: split into attn_k_b (transposed) + attn_v_b
  kMtp,     // an MTP layer (model.layers.{>= L}): not in deepseek2 GGUFs
  kUnknown,
};

struct Mapped {
  Kind kind = Kind::kUnknown;
  std::string gguf;  // kPlain/kExpert: the GGUF tensor name; kKvB: "blk.N." prefix
  int64_t expert = -1;
};

// `n_layers` = num_hidden_layers (layers at or past it are MTP).
Mapped Map(const std::string& hf, int64_t n_layers);

}  // namespace minke::io::gguf_names
